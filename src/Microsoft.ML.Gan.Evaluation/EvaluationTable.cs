using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Evaluation;

/// <summary>
/// One compared column, shared by every table read for an evaluation: its type and, for a categorical column, the
/// category dictionary (code 0 is "missing"; the real table's categories get codes first, so a code at or above
/// <see cref="RealCategoryCount"/> is a category the real table never had).
/// </summary>
internal sealed class EvaluationColumn
{
    public const string MissingName = "(missing)";
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly List<string> _names = [MissingName];
    private readonly HashSet<string> _missingTokens;

    /// <param name="name">The column's name.</param>
    /// <param name="type">Its type (the same in every table).</param>
    /// <param name="kind">Its kind.</param>
    /// <param name="missingTokens">Text values that mean missing (code 0) besides the empty text.</param>
    public EvaluationColumn(string name, DataViewType type, ColumnKind kind, IEnumerable<string>? missingTokens = null)
    {
        Name = name;
        Type = type;
        Kind = kind;
        _missingTokens = new HashSet<string>(missingTokens ?? [], StringComparer.Ordinal);
    }

    public string Name { get; }
    public DataViewType Type { get; }
    public ColumnKind Kind { get; }
    public bool IsContinuous => Kind is NumericKind;

    /// <summary>Codes 0 (missing) up to this one, exclusive, were seen in the real table. Set after reading it.</summary>
    public int RealCategoryCount { get; set; }

    /// <summary>Codes handed out so far, the missing code included.</summary>
    public int CategoryCount => _names.Count;

    public string CategoryName(int code) => _names[code];

    /// <summary>The code of a category read from a table; <paramref name="missing"/> when its type marks it missing (key 0).</summary>
    public int Code(ReadOnlySpan<char> value, bool missing = false)
    {
        if (missing || value.IsEmpty || (_missingTokens.Count > 0 && _missingTokens.GetAlternateLookup<ReadOnlySpan<char>>().Contains(value))) return 0;
        var lookup = _codes.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out int code)) return code;
        string s = value.ToString();
        code = _names.Count;
        _codes.Add(s, code);
        _names.Add(s);
        return code;
    }
}

/// <summary>
/// A table read once into column arrays: continuous columns as doubles (NaN = missing), categorical ones as codes
/// (0 = missing: empty text, key value 0).
/// </summary>
internal sealed class EvaluationTable
{
    private EvaluationTable(EvaluationColumn[] columns, double[]?[] continuous, int[]?[] codes, int rowCount)
    {
        Columns = columns;
        Continuous = continuous;
        Codes = codes;
        RowCount = rowCount;
    }

    public EvaluationColumn[] Columns { get; }
    public double[]?[] Continuous { get; }
    public int[]?[] Codes { get; }
    public int RowCount { get; }

    /// <summary>Reads the columns of <paramref name="view"/> in one pass of one cursor.</summary>
    public static EvaluationTable Read(IDataView view, EvaluationColumn[] columns)
    {
        var schemaColumns = columns.Select(c => view.Schema[c.Name]).ToArray();
        using var cursor = view.GetRowCursor(schemaColumns);
        var readers = new Action[columns.Length];
        var doubles = new List<double>?[columns.Length];
        var ints = new List<int>?[columns.Length];
        long? known = view.GetRowCount();
        int capacity = known is long k && k < int.MaxValue ? (int)k : 1024;
        for (int c = 0; c < columns.Length; c++)
        {
            var column = columns[c];
            var sc = schemaColumns[c];
            // Each column is read by its kind, as training reads it: numbers as doubles, categories by name.
            if (column.Kind is NumericKind numeric)
            {
                var list = doubles[c] = new List<double>(capacity);
                var read = numeric.CreateReader(cursor, sc);
                readers[c] = () => list.Add(read());
            }
            else
            {
                var list = ints[c] = new List<int>(capacity);
                var read = ((CategoricalKind)column.Kind).CreateReader(cursor, sc);
                readers[c] = () =>
                {
                    var name = read(out bool missing);
                    list.Add(column.Code(name, missing));
                };
            }
        }
        int rows = 0;
        while (cursor.MoveNext())
        {
            for (int c = 0; c < readers.Length; c++) readers[c]();
            rows++;
        }
        return new EvaluationTable(columns,
            doubles.Select(l => l?.ToArray()).ToArray(),
            ints.Select(l => l?.ToArray()).ToArray(), rows);
    }

    /// <summary>The given rows, in the given order.</summary>
    public EvaluationTable Subset(int[] rows)
    {
        var continuous = new double[]?[Columns.Length];
        var codes = new int[]?[Columns.Length];
        for (int c = 0; c < Columns.Length; c++)
        {
            if (Continuous[c] is { } d) { var a = new double[rows.Length]; for (int i = 0; i < rows.Length; i++) a[i] = d[rows[i]]; continuous[c] = a; }
            if (Codes[c] is { } k) { var a = new int[rows.Length]; for (int i = 0; i < rows.Length; i++) a[i] = k[rows[i]]; codes[c] = a; }
        }
        return new EvaluationTable(Columns, continuous, codes, rows.Length);
    }

    /// <summary>Up to <paramref name="maximum"/> rows drawn without replacement (all rows, in order, when there are fewer).</summary>
    public EvaluationTable Sample(int maximum, Random random) =>
        RowCount <= maximum ? this : Subset(SampleIndices(RowCount, maximum, random));

    public static int[] SampleIndices(int count, int maximum, Random random)
    {
        if (count <= maximum) return Enumerable.Range(0, count).ToArray();
        var all = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < maximum; i++)
        {
            int j = i + random.Next(count - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var picked = all.AsSpan(0, maximum).ToArray();
        Array.Sort(picked);
        return picked;
    }
}
