using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The whole row: one <see cref="ColumnEncoder"/> per column laid side by side. Fitting reads the table once
/// through a cursor and produces the encoded training matrix; decoding turns generator output back into values.
/// </summary>
internal sealed class TabularEncoder
{
    private readonly int[] _offsets;
    private readonly int[] _drawOffsets;

    public TabularEncoder(IReadOnlyList<ColumnEncoder> columns)
    {
        Columns = columns;
        _offsets = new int[columns.Count];
        _drawOffsets = new int[columns.Count];
        var spans = new List<OutputSpan>();
        int width = 0, draws = 0;
        for (int c = 0; c < columns.Count; c++)
        {
            _offsets[c] = width;
            _drawOffsets[c] = draws;
            foreach (var s in columns[c].Spans) spans.Add(s with { Start = s.Start + width });
            width += columns[c].Width;
            draws += columns[c].DrawCount;
        }
        Width = width;
        DrawCount = draws;
        Spans = spans;
    }

    public IReadOnlyList<ColumnEncoder> Columns { get; }

    /// <summary>Floats in one encoded row: the generator's output width and the discriminator's input width.</summary>
    public int Width { get; }

    /// <summary>Uniform draws that decoding one row consumes (one per softmax span).</summary>
    public int DrawCount { get; }

    /// <summary>Every span of the encoded row in order, with absolute offsets.</summary>
    public IReadOnlyList<OutputSpan> Spans { get; }

    /// <summary>The schema generated rows have: the training columns, same names, types and order.</summary>
    public DataViewSchema BuildSchema()
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in Columns) builder.AddColumn(c.Name, c.ToInfo().Type);
        return builder.ToSchema();
    }

    /// <summary>
    /// Decodes <paramref name="rows"/> rows of generator output (tanh applied on tanh spans, raw logits on
    /// softmax spans) with <paramref name="draws"/> (<see cref="DrawCount"/> uniforms per row) into <paramref name="into"/>,
    /// from its row <paramref name="firstRow"/> on.
    /// </summary>
    public void Decode(ReadOnlySpan<float> output, ReadOnlySpan<float> draws, int rows, CategorySampling sampling, DecodedRows into, int firstRow = 0)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = output.Slice(r * Width, Width);
            var rowDraws = draws.Slice(r * DrawCount, DrawCount);
            for (int c = 0; c < Columns.Count; c++)
            {
                var slice = row.Slice(_offsets[c], Columns[c].Width);
                var colDraws = rowDraws.Slice(_drawOffsets[c], Columns[c].DrawCount);
                switch (Columns[c])
                {
                    case ContinuousColumnEncoder n: into.Numbers[c]![firstRow + r] = n.Decode(slice, colDraws, sampling); break;
                    case CategoricalColumnEncoder k: into.Levels[c]![firstRow + r] = k.Decode(slice, colDraws, sampling); break;
                }
            }
        }
    }

    /// <summary>
    /// Reads the training columns once, checks them, fits every column encoder and returns the encoded matrix
    /// (row-major, <see cref="Width"/> floats a row).
    /// </summary>
    public static (TabularEncoder Encoder, float[] Matrix, int Rows) Fit(IDataView data, IReadOnlyList<string> columnNames, TabularEncoderSettings settings)
    {
        var schema = data.Schema;
        var readers = new ColumnReader[columnNames.Count];
        for (int i = 0; i < columnNames.Count; i++)
        {
            var column = schema[CheckColumn(schema, columnNames[i]).Index];
            readers[i] = ColumnReader.Create(column, settings);
        }

        long rows = 0;
        using (var cursor = data.GetRowCursor(readers.Select(r => r.Column)))
        {
            foreach (var r in readers) r.Bind(cursor);
            while (cursor.MoveNext())
            {
                if (rows == settings.MaximumRows)
                    throw new InvalidOperationException(
                        $"The training data has more than {settings.MaximumRows:N0} rows, more than one encoded matrix can hold. Train on a sample of the rows.");
                foreach (var r in readers) r.Read(rows);
                rows++;
            }
        }

        if (rows == 0)
            throw new InvalidOperationException("The training data has no rows: a GAN needs rows to learn from.");
        if (rows < 2)
            throw new InvalidOperationException($"The training data has {rows} row: a GAN needs at least 2 rows to learn a distribution.");

        var encoders = readers.Select(r => r.FitEncoder()).ToArray();
        var encoder = new TabularEncoder(encoders);
        if ((long)rows * encoder.Width > Array.MaxLength)
            throw new InvalidOperationException(
                $"{rows:N0} rows of {encoder.Width} encoded features are more than one training matrix can hold. Train on a sample of the rows.");
        var matrix = new float[rows * encoder.Width];
        for (int c = 0; c < readers.Length; c++) readers[c].Encode(encoders[c], matrix, encoder.Width, encoder._offsets[c]);
        return (encoder, matrix, (int)rows);
    }

    /// <summary>Checks that a training column exists and has a type the GAN models; returns it.</summary>
    public static DataViewSchema.Column CheckColumn(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' was not found in the training data. Its columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        if (ColumnKinds.TryFrom(column.Type) is null)
        {
            string hint = column.Type is VectorDataViewType
                ? "Vector columns are not modelled yet: split the vector into scalar columns, or leave the column out of Options.Columns."
                : "Convert it to one of these (for example with mlContext.Transforms.Conversion.ConvertType), or leave it out of Options.Columns.";
            throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' has type {column.Type}, which the GAN cannot model. Supported types: {ColumnKinds.SupportedTypes}. {hint}");
        }
        return column;
    }
}

/// <summary>The checks and limits that apply while the training table is read.</summary>
/// <remarks>
/// Modes holds mode-specific normalisation's mixture settings (null for min-max normalisation); Seed seeds the
/// mixtures and the per-row mode draws.
/// </remarks>
internal sealed record TabularEncoderSettings(ISet<string> MissingCategoryTokens, int MaximumCategories, long MaximumRows,
    BayesianGaussianMixtureOptions? Modes = null, int Seed = 0);

/// <summary>A batch of decoded rows: a double per row for numeric columns, a category index for the others.</summary>
internal sealed class DecodedRows
{
    public DecodedRows(TabularEncoder encoder, int capacity)
    {
        Capacity = capacity;
        Numbers = new double[]?[encoder.Columns.Count];
        Levels = new int[]?[encoder.Columns.Count];
        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            if (encoder.Columns[c] is ContinuousColumnEncoder) Numbers[c] = new double[capacity];
            else Levels[c] = new int[capacity];
        }
    }

    public int Capacity { get; }
    public double[]?[] Numbers { get; }
    public int[]?[] Levels { get; }

    /// <summary>Copies row <paramref name="from"/> into row <paramref name="to"/> of <paramref name="into"/> (same encoder).</summary>
    public void CopyRow(int from, DecodedRows into, int to)
    {
        for (int c = 0; c < Numbers.Length; c++)
        {
            if (Numbers[c] is { } n) into.Numbers[c]![to] = n[from];
            else into.Levels[c]![to] = Levels[c]![from];
        }
    }
}

/// <summary>Reads one column through the cursor into a compact buffer, checking each value on the way.</summary>
internal abstract class ColumnReader
{
    protected ColumnReader(DataViewSchema.Column column) => Column = column;

    public DataViewSchema.Column Column { get; }

    protected string Name => Column.Name;

    public abstract void Bind(DataViewRowCursor cursor);

    public abstract void Read(long row);

    public abstract ColumnEncoder FitEncoder();

    public abstract void Encode(ColumnEncoder encoder, float[] matrix, int stride, int offset);

    public static ColumnReader Create(DataViewSchema.Column column, TabularEncoderSettings settings)
    {
        var kind = ColumnKinds.TryFrom(column.Type)!.Value;
        return kind switch
        {
            ColumnKind.Single => new NumberReader<float>(column, kind, v => v, settings),
            ColumnKind.Double => new NumberReader<double>(column, kind, v => v, settings),
            ColumnKind.SByte => new NumberReader<sbyte>(column, kind, v => v, settings),
            ColumnKind.Byte => new NumberReader<byte>(column, kind, v => v, settings),
            ColumnKind.Int16 => new NumberReader<short>(column, kind, v => v, settings),
            ColumnKind.UInt16 => new NumberReader<ushort>(column, kind, v => v, settings),
            ColumnKind.Int32 => new NumberReader<int>(column, kind, v => v, settings),
            ColumnKind.UInt32 => new NumberReader<uint>(column, kind, v => v, settings),
            ColumnKind.Int64 => new NumberReader<long>(column, kind, v => v, settings),
            ColumnKind.UInt64 => new NumberReader<ulong>(column, kind, v => v, settings),
            ColumnKind.Text => new TextReader(column, settings),
            ColumnKind.Boolean => new ValueReader<bool>(column, kind, v => v ? 1UL : 0UL, settings),
            ColumnKind.Key => column.Type.RawType switch
            {
                var t when t == typeof(byte) => new ValueReader<byte>(column, kind, v => v, settings),
                var t when t == typeof(ushort) => new ValueReader<ushort>(column, kind, v => v, settings),
                var t when t == typeof(ulong) => new ValueReader<ulong>(column, kind, v => v, settings),
                _ => new ValueReader<uint>(column, kind, v => v, settings),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(column), kind, "Unknown column kind."),
        };
    }

    protected InvalidOperationException AllMissing(long rows) => new(
        $"Column '{Name}' has only missing values in all {rows:N0} rows: there is nothing to learn. Leave it out of Options.Columns.");

    private sealed class NumberReader<T>(DataViewSchema.Column column, ColumnKind kind, Func<T, double> toDouble, TabularEncoderSettings settings) : ColumnReader(column)
    {
        private readonly List<double> _values = [];
        private ValueGetter<T>? _getter;

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<T>(Column);

        public override void Read(long row)
        {
            T value = default!;
            _getter!(ref value);
            double v = toDouble(value);
            if (double.IsInfinity(v))
                throw new InvalidOperationException(
                    $"Column '{Name}' has an infinite value ({v.ToString(CultureInfo.InvariantCulture)}) at row {row:N0}. " +
                    "A GAN cannot model infinities: replace them (with NaN to mark them missing, or a finite value) before training.");
            _values.Add(v);
        }

        public override ColumnEncoder FitEncoder()
        {
            var mixture = settings.Modes is null ? null : new BayesianGaussianMixtureOptions
            {
                MaximumComponents = settings.Modes.MaximumComponents, WeightThreshold = settings.Modes.WeightThreshold,
                WeightConcentration = settings.Modes.WeightConcentration, MaximumIterations = settings.Modes.MaximumIterations,
                Tolerance = settings.Modes.Tolerance, SampleSize = settings.Modes.SampleSize, Seed = ColumnSeed,
            };
            var encoder = ContinuousColumnEncoder.Fit(Name, kind, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values), mixture);
            if (encoder.MissingCount == encoder.RowCount) throw AllMissing(encoder.RowCount);
            return encoder;
        }

        public override void Encode(ColumnEncoder encoder, float[] matrix, int stride, int offset) =>
            ((ContinuousColumnEncoder)encoder).Encode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values), matrix, stride, offset, (ulong)ColumnSeed);

        /// <summary>Each column's own seed, from the training seed and the column's name, so columns draw independently.</summary>
        private int ColumnSeed
        {
            get
            {
                uint hash = 2166136261; // FNV-1a: stable across runs and platforms, unlike string.GetHashCode
                foreach (char ch in Name) hash = (hash ^ ch) * 16777619;
                return settings.Seed ^ (int)hash;
            }
        }
    }

    /// <summary>Categories given by a text value; rows hold the index of first appearance until fitting sorts them.</summary>
    private sealed class TextReader(DataViewSchema.Column column, TabularEncoderSettings settings) : ColumnReader(column)
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<long> _counts = [];
        private readonly List<int> _rows = [];
        private ValueGetter<ReadOnlyMemory<char>>? _getter;
        private int[]? _remap;

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<ReadOnlyMemory<char>>(Column);

        public override void Read(long row)
        {
            ReadOnlyMemory<char> value = default;
            _getter!(ref value);
            var lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(value.Span, out int level))
            {
                level = _index.Count;
                if (level == settings.MaximumCategories)
                    throw new InvalidOperationException(
                        $"Column '{Name}' has more than {settings.MaximumCategories:N0} distinct categories (found at row {row:N0}). " +
                        "Raise Options.MaximumCategories, or leave out or group the column (an identifier or free text is not a category).");
                _index.Add(value.ToString(), level);
                _counts.Add(0);
            }
            _counts[level]++;
            _rows.Add(level);
        }

        public override ColumnEncoder FitEncoder()
        {
            var counts = _index.ToDictionary(kv => kv.Key, kv => _counts[kv.Value], StringComparer.Ordinal);
            var encoder = CategoricalColumnEncoder.FitText(Name, counts, settings.MissingCategoryTokens);
            if (encoder.LevelIsMissing.All(m => m)) throw AllMissing(encoder.LevelCounts.Sum());
            _remap = new int[_index.Count];
            for (int sorted = 0; sorted < encoder.Levels.Length; sorted++) _remap[_index[encoder.Levels[sorted]]] = sorted;
            return encoder;
        }

        public override void Encode(ColumnEncoder encoder, float[] matrix, int stride, int offset)
        {
            var levels = _rows.Select(l => _remap![l]).ToArray();
            ((CategoricalColumnEncoder)encoder).Encode(levels, matrix, stride, offset);
        }
    }

    /// <summary>Categories given by a raw value: a key (0 is missing) or a boolean (0/1).</summary>
    private sealed class ValueReader<T>(DataViewSchema.Column column, ColumnKind kind, Func<T, ulong> toValue, TabularEncoderSettings settings) : ColumnReader(column)
    {
        private readonly Dictionary<ulong, long> _counts = [];
        private readonly List<ulong> _rows = [];
        private ValueGetter<T>? _getter;

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<T>(Column);

        public override void Read(long row)
        {
            T value = default!;
            _getter!(ref value);
            ulong v = toValue(value);
            if (!_counts.TryGetValue(v, out long n) && _counts.Count == settings.MaximumCategories)
                throw new InvalidOperationException(
                    $"Column '{Name}' has more than {settings.MaximumCategories:N0} distinct categories (found at row {row:N0}). " +
                    "Raise Options.MaximumCategories, or leave out or group the column.");
            _counts[v] = n + 1;
            _rows.Add(v);
        }

        public override ColumnEncoder FitEncoder()
        {
            ulong keyCount = Column.Type is KeyDataViewType key ? key.Count : 0;
            var encoder = CategoricalColumnEncoder.FitValues(Name, kind, _counts, kind == ColumnKind.Key ? Column.Type.RawType : null, keyCount);
            if (encoder.LevelIsMissing.All(m => m)) throw AllMissing(encoder.LevelCounts.Sum());
            return encoder;
        }

        public override void Encode(ColumnEncoder encoder, float[] matrix, int stride, int offset)
        {
            var values = ((CategoricalColumnEncoder)encoder).Values;
            var position = new Dictionary<ulong, int>();
            for (int i = 0; i < values.Length; i++) position[values[i]] = i;
            ((CategoricalColumnEncoder)encoder).Encode(_rows.Select(v => position[v]).ToArray(), matrix, stride, offset);
        }
    }
}
