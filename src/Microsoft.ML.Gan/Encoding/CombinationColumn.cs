using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The entity behind a <see cref="NumericCombination"/> that no column fixes (Boston's town, behind its tracts' tax
/// rate, zoning and nitric oxides), learned by the generator as one category of its own: category t is the
/// combination's t-th tuple. The generator chooses the town as it chooses any category (conditioned on, calibrated
/// to the training shares), learns the tracts' own columns with it, and the combination's columns are its tuple's
/// values. A hidden column: it is no column of the training table, never in generated rows' schema, nor an output of
/// the exported graph; the encoder keeps it after every column of the table.
/// </summary>
internal sealed class CombinationColumn : CategoricalColumn
{
    public CombinationColumn(ColumnState state)
        : base(state.Name, state.LevelCounts, state.LevelIsMissing, state.LevelCounts?.Length ?? 0, state.LogitBiases, state.ConditionShares)
    {
        if (LevelIsMissing.Any(m => m)) throw new InvalidDataException($"Column '{Common.Text.Printable(Name, 80)}': a combination's category stands for no missing value.");
        if (LevelCount > NumericCombination.MaximumCombinations)
            throw new InvalidDataException($"Column '{Common.Text.Printable(Name, 80)}' has {LevelCount:N0} categories, more than a combination has ({NumericCombination.MaximumCombinations:N0}).");
    }

    /// <summary>A new column for <paramref name="counts"/> training rows of each combination.</summary>
    public static CombinationColumn Create(string name, long[] counts) =>
        new(new ColumnState { Name = name, Kind = CombinationKind.Instance.Name, LevelCounts = counts, LevelIsMissing = new bool[counts.Length] });

    /// <summary>The name of the hidden column of the combination of <paramref name="names"/>, unlike any of <paramref name="taken"/>.</summary>
    public static string NameFor(IReadOnlyList<string> names, ICollection<string> taken)
    {
        string name = $"(combination of {string.Join(", ", names)})";
        for (int i = 2; taken.Contains(name); i++) name = $"(combination {i} of {string.Join(", ", names)})";
        return name;
    }

    public override ColumnKind Kind => CombinationKind.Instance;

    /// <summary>Never in a schema users see; the category's number, as a key would hold it.</summary>
    public override DataViewType Type => new KeyDataViewType(typeof(uint), LevelCount);

    /// <summary>The combination's number, from 1.</summary>
    public override string LevelName(int level) => (level + 1).ToString(CultureInfo.InvariantCulture);

    public override int FindLevel(object value) =>
        value is string s && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= LevelCount ? n - 1 : -1;

    /// <summary>The graph's value of a category is its index: the combination the columns gather their values from.</summary>
    public override OnnxType OutputType => OnnxType.Int64;

    protected override string AddOnnxTable(OnnxGraph g) => g.IntegerConstant(OnnxType.Int64, Enumerable.Range(0, LevelCount).Select(l => (ulong)l).ToArray());

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow) =>
        ReadLevels<long>(output, rows, buffer, firstRow, Enumerable.Range(0, LevelCount).ToDictionary(l => (ulong)l));

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var levels = (int[])buffer;
        return (ValueGetter<uint>)((ref uint value) => value = (uint)levels[row()] + 1);
    }

    public override ColumnState ToState() => BaseState();
}

/// <summary>The hidden columns of combinations: made at <c>Fit</c> from a <see cref="NumericCombination"/>, never found in a table.</summary>
internal sealed class CombinationKind : ColumnKind
{
    public static CombinationKind Instance { get; } = new();

    public override string Name => "Combination";

    public override string Description => "a combination of number columns (made by the library)";

    public override bool Handles(DataViewType type) => false;

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) =>
        throw new InvalidOperationException("A combination's column is made from its number columns, not read from the table.");

    public override GanColumn Restore(ColumnState state) => new CombinationColumn(state);
}
