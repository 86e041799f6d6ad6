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
    public bool IsContinuous => ColumnKinds.IsContinuous(Kind);

    /// <summary>Codes 0 (missing) up to this one, exclusive, were seen in the real table. Set after reading it.</summary>
    public int RealCategoryCount { get; set; }

    /// <summary>Codes handed out so far, the missing code included.</summary>
    public int CategoryCount => _names.Count;

    public string CategoryName(int code) => _names[code];

    public int Code(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || (_missingTokens.Count > 0 && _missingTokens.GetAlternateLookup<ReadOnlySpan<char>>().Contains(value))) return 0;
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
            if (column.IsContinuous)
            {
                var list = doubles[c] = new List<double>(capacity);
                readers[c] = column.Kind switch
                {
                    ColumnKind.Single => Number<float>(cursor, sc, list, v => v),
                    ColumnKind.Double => Number<double>(cursor, sc, list, v => v),
                    ColumnKind.SByte => Number<sbyte>(cursor, sc, list, v => v),
                    ColumnKind.Byte => Number<byte>(cursor, sc, list, v => v),
                    ColumnKind.Int16 => Number<short>(cursor, sc, list, v => v),
                    ColumnKind.UInt16 => Number<ushort>(cursor, sc, list, v => v),
                    ColumnKind.Int32 => Number<int>(cursor, sc, list, v => v),
                    ColumnKind.UInt32 => Number<uint>(cursor, sc, list, v => v),
                    ColumnKind.Int64 => Number<long>(cursor, sc, list, v => v),
                    ColumnKind.UInt64 => Number<ulong>(cursor, sc, list, v => v),
                    _ => throw new InvalidOperationException(column.Kind.ToString()),
                };
            }
            else
            {
                var list = ints[c] = new List<int>(capacity);
                readers[c] = column.Kind switch
                {
                    ColumnKind.Text => Text(cursor, sc, column, list),
                    ColumnKind.Boolean => Boolean(cursor, sc, column, list),
                    ColumnKind.Key => Key(cursor, sc, column, list),
                    _ => throw new InvalidOperationException(column.Kind.ToString()),
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

    private static Action Number<T>(DataViewRowCursor cursor, DataViewSchema.Column column, List<double> list, Func<T, double> convert)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () => { getter(ref value); list.Add(convert(value)); };
    }

    private static Action Text(DataViewRowCursor cursor, DataViewSchema.Column sc, EvaluationColumn column, List<int> list)
    {
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(sc);
        ReadOnlyMemory<char> value = default;
        return () => { getter(ref value); list.Add(column.Code(value.Span)); };
    }

    private static Action Boolean(DataViewRowCursor cursor, DataViewSchema.Column sc, EvaluationColumn column, List<int> list)
    {
        var getter = cursor.GetGetter<bool>(sc);
        bool value = false;
        return () => { getter(ref value); list.Add(column.Code(value ? "True" : "False")); };
    }

    private static Action Key(DataViewRowCursor cursor, DataViewSchema.Column sc, EvaluationColumn column, List<int> list)
    {
        var raw = sc.Type.RawType;
        if (raw == typeof(byte)) return KeyOf<byte>(cursor, sc, column, list, v => v);
        if (raw == typeof(ushort)) return KeyOf<ushort>(cursor, sc, column, list, v => v);
        if (raw == typeof(uint)) return KeyOf<uint>(cursor, sc, column, list, v => v);
        return KeyOf<ulong>(cursor, sc, column, list, v => v);
    }

    private static Action KeyOf<T>(DataViewRowCursor cursor, DataViewSchema.Column sc, EvaluationColumn column, List<int> list, Func<T, ulong> convert)
    {
        var getter = cursor.GetGetter<T>(sc);
        T value = default!;
        var names = new Dictionary<ulong, int>();
        return () =>
        {
            getter(ref value);
            ulong key = convert(value);
            if (key == 0) { list.Add(0); return; }
            if (!names.TryGetValue(key, out int code))
            {
                code = column.Code(key.ToString(System.Globalization.CultureInfo.InvariantCulture));
                names.Add(key, code);
            }
            list.Add(code);
        };
    }
}
