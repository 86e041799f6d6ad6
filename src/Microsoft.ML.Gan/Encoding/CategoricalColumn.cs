using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The categorical family (text, boolean and key columns): each category seen in training is one entry of a
/// one-hot softmax head. Missing values are categories too (a text token such as "" or "?", key value 0), flagged
/// as missing, so they are generated at their real rate and come back exactly as they were written. Decoded values
/// are category indices (levels); the leaf class turns a level into its typed value, its name and its ONNX constant.
/// </summary>
internal abstract class CategoricalColumn : GanColumn
{
    /// <summary>The most categories a saved column may have.</summary>
    public const int MaximumLevels = 1 << 20;

    private readonly OutputSpan[] _spans;

    protected CategoricalColumn(string name, long[]? counts, bool[]? missing, int levels, float[]? biases, double[]? conditionShares)
        : base(name)
    {
        LevelCounts = counts ?? [];
        LevelIsMissing = missing ?? new bool[LevelCounts.Length];
        if (levels == 0 || levels > MaximumLevels || LevelCounts.Length != levels || LevelIsMissing.Length != levels)
            throw new InvalidDataException($"Column '{Name}': the saved categories are inconsistent (1 to {MaximumLevels:N0} categories, each with a count and a missing flag).");
        long total = 0;
        foreach (long n in LevelCounts)
        {
            if (n < 0 || (total += n) < 0) throw new InvalidDataException($"Column '{Name}': the saved category counts are negative or overflow.");
        }
        if (total == 0) throw new InvalidDataException($"Column '{Name}': the saved category counts are all zero.");
        if (LevelIsMissing.All(m => m)) throw new InvalidDataException($"Column '{Name}': every saved category stands for a missing value.");
        _spans = [new OutputSpan(0, levels, SpanActivation.Softmax)];
        LogitBiases = CheckedBiases(biases, levels, Name);
        if (conditionShares is not null && (conditionShares.Length != levels || conditionShares.Any(s => !double.IsFinite(s) || s < 0)
            || Math.Abs(conditionShares.Sum() - 1) > 1e-6))
            throw new InvalidDataException($"Column '{Name}': the saved condition shares are not {levels} non-negative numbers that sum to 1.");
        ConditionShares = conditionShares;
    }

    /// <summary>
    /// The shares ordinary rows draw this column's condition with (see <see cref="ColumnState.ConditionShares"/>);
    /// null for the training shares.
    /// </summary>
    public double[]? ConditionShares { get; }

    /// <summary>The training shares of the categories: what generation targets.</summary>
    public double[] TrainingShares
    {
        get
        {
            double total = LevelCounts.Sum();
            return LevelCounts.Select(n => n / total).ToArray();
        }
    }

    /// <summary>The same column, its conditions drawn with <paramref name="shares"/> (normalised here), or with the training shares when null.</summary>
    public CategoricalColumn WithConditionShares(double[]? shares)
    {
        var state = ToState();
        double total = shares?.Sum() ?? 1;
        state.ConditionShares = shares?.Select(s => s / total).ToArray();
        return (CategoricalColumn)Kind.Restore(state);
    }

    /// <summary>Biases added to the category logits when generating (see <see cref="ColumnState.LogitBiases"/>); null for none.</summary>
    public float[]? LogitBiases { get; }

    /// <summary>The same column generating with <paramref name="biases"/> added to its category logits.</summary>
    public CategoricalColumn WithLogitBiases(float[] biases)
    {
        var state = ToState();
        state.LogitBiases = biases;
        return (CategoricalColumn)Kind.Restore(state);
    }

    /// <summary>Training rows per category.</summary>
    public long[] LevelCounts { get; }

    /// <summary>Which categories stand for a missing value.</summary>
    public bool[] LevelIsMissing { get; }

    public int LevelCount => LevelCounts.Length;

    public override int Width => LevelCount;
    public override int DrawCount => 1;
    public override IReadOnlyList<OutputSpan> Spans => _spans;

    /// <summary>The category's name, as users write it in conditions and targets and see it in <see cref="GanColumnInfo.Categories"/>.</summary>
    public abstract string LevelName(int level);

    /// <summary>The category of a user's value (a condition), or -1 when <paramref name="value"/> is not one of them.</summary>
    public abstract int FindLevel(object value);

    /// <summary>The categories' values as one ONNX constant table of <see cref="GanColumn.OutputType"/>: the graph gathers the chosen category from it.</summary>
    protected abstract string AddOnnxTable(OnnxGraph graph);

    public override Array CreateBuffer(int capacity) => new int[capacity];

    /// <summary>Writes the one-hot rows; <paramref name="levels"/> holds each row's category index.</summary>
    public void Encode(ReadOnlySpan<int> levels, float[] matrix, int stride, int offset)
    {
        for (int r = 0; r < levels.Length; r++)
        {
            int at = r * stride + offset;
            Array.Clear(matrix, at, Width);
            matrix[at + levels[r]] = 1f;
        }
    }

    public override void Decode(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow)
    {
        var into = (int[])buffer;
        for (int r = 0; r < rows; r++)
            into[firstRow + r] = Choose(output.Slice(r * stride + offset, Width), LogitBiases, draws[r * drawStride + drawOffset], sampling);
    }

    /// <summary>
    /// <see cref="Decode"/> with the categories that <paramref name="exclusions"/> rule out given each row's categories of
    /// their first columns (already in <paramref name="decoded"/>) lowered first: the logits plus the biases, plus each
    /// exclusion's penalties in order, added in float as the graph adds them (<see cref="AddOnnxLevel"/>).
    /// </summary>
    public void DecodeExcluding(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow, IReadOnlyList<CategoryExclusion> exclusions, DecodedRows decoded)
    {
        var into = (int[])buffer;
        var firsts = exclusions.Select(x => decoded.Levels(x.First)).ToArray();
        Span<float> adjusted = Width <= 256 ? stackalloc float[Width] : new float[Width];
        for (int r = 0; r < rows; r++)
        {
            output.Slice(r * stride + offset, Width).CopyTo(adjusted);
            if (LogitBiases is { } bias)
                for (int i = 0; i < adjusted.Length; i++) adjusted[i] += bias[i];
            for (int x = 0; x < exclusions.Count; x++) exclusions[x].AddPenalties(firsts[x][firstRow + r], adjusted);
            into[firstRow + r] = Choose(adjusted, draws[r * drawStride + drawOffset], sampling);
        }
    }

    public override (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling) =>
        (AddOnnxValues(g, AddOnnxLevel(g, output, offset, draws, drawOffset, sampling)), OutputType);

    /// <summary>
    /// The first half of <see cref="AddOnnxDecoder"/>: each row's category index (int64, [batch]), as <see cref="Decode"/>
    /// picks it; with <paramref name="penalties"/> (float, [batch, categories] each, added in order after the biases), as
    /// <see cref="DecodeExcluding"/> picks it.
    /// </summary>
    public string AddOnnxLevel(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling, IReadOnlyList<string>? penalties = null) =>
        OnnxChoose(g, output, offset, Width, draws, drawOffset, sampling, LogitBiases, penalties);

    /// <summary>The second half of <see cref="AddOnnxDecoder"/>: the categories' values at the indices <paramref name="level"/> holds.</summary>
    public string AddOnnxValues(OnnxGraph g, string level) => g.Node("Gather", [AddOnnxTable(g), level], ("axis", 0));

    /// <summary>The level of a value the graph produced; a value that is not a category means the graph and its description disagree.</summary>
    protected int Known(bool found, int level) => found ? level
        : throw new InvalidDataException($"Column '{Name}': the ONNX graph produced a value that is not one of the column's categories; the graph does not match its metadata.");

    public override GanColumnInfo ToInfo()
    {
        long total = LevelCounts.Sum();
        return new GanColumnInfo(
            Name, Type, IsCategorical: true,
            MissingRate: total == 0 ? 0 : (double)LevelCounts.Where((_, i) => LevelIsMissing[i]).Sum() / total,
            Minimum: double.NaN, Maximum: double.NaN, Categories: Enumerable.Range(0, LevelCount).Select(LevelName).ToArray(),
            CategoryFrequencies: TrainingShares);
    }

    /// <summary>The state every categorical column saves; the leaf adds its values.</summary>
    protected ColumnState BaseState() => new()
    {
        Name = Name, Kind = Kind.Name, LevelCounts = LevelCounts, LevelIsMissing = LevelIsMissing, LogitBiases = LogitBiases,
        ConditionShares = ConditionShares, RowCount = LevelCounts.Sum(), MissingCount = LevelCounts.Where((_, i) => LevelIsMissing[i]).Sum(),
    };

    /// <summary>Reads an integer-typed graph output and maps each value to its level.</summary>
    protected void ReadLevels<TRaw>(OrtValue output, int rows, Array buffer, int firstRow, Dictionary<ulong, int> levels)
        where TRaw : unmanaged, System.Numerics.IBinaryInteger<TRaw>
    {
        var from = output.GetTensorDataAsSpan<TRaw>();
        var into = ((int[])buffer).AsSpan(firstRow, rows);
        for (int i = 0; i < into.Length; i++) into[i] = Known(levels.TryGetValue(ulong.CreateTruncating(from[i]), out int l), l);
    }
}
