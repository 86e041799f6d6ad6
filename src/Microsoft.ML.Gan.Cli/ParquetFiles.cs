using System.Globalization;
using CsvHelper;
using Microsoft.ML.Data;
using Parquet;
using Parquet.Schema;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Writes a view as a Parquet file (Parquet.Net) in row groups of <see cref="RowGroupRows"/> rows, so that memory does
/// not grow with the rows. Numbers, booleans and text keep their types, dates are microsecond timestamps (not adjusted
/// to UTC); missing numbers and dates are nulls. Instants with an offset and durations are ISO 8601 text, which keeps the
/// offset and durations longer than a day (Parquet's TIME is a time of day).
/// </summary>
internal static class ParquetOutput
{
    public const int RowGroupRows = 65_536;

    /// <summary>Writes <paramref name="view"/>; <paramref name="rowsWritten"/> and <paramref name="observe"/> as <see cref="CsvOutput.Write"/>'s.</summary>
    public static async Task WriteAsync(IDataView view, Stream stream, CancellationToken cancellation, Action<long>? rowsWritten = null,
        Func<DataViewRowCursor, Action>? observe = null)
    {
        var columns = view.Schema.Where(c => !c.IsHidden).ToArray();
        using var cursor = view.GetRowCursor(columns);
        var buffers = columns.Select(c => ColumnBuffer.For(cursor, c)).ToArray();
        var onRow = observe?.Invoke(cursor);
        var schema = new ParquetSchema(buffers.Select(b => (Field)b.Field));
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancellation);
        long written = 0;
        int filled = 0;
        bool more = true;
        while (more)
        {
            more = cursor.MoveNext();
            if (more)
            {
                foreach (var buffer in buffers) buffer.Read(filled);
                onRow?.Invoke();
                filled++;
            }
            if (filled == RowGroupRows || (!more && (filled > 0 || written == 0)))
            {
                cancellation.ThrowIfCancellationRequested();
                // A file of no rows still gets one (empty) row group, so that readers see its schema.
                using (var group = writer.CreateRowGroup())
                    foreach (var buffer in buffers) await buffer.WriteAsync(group, filled, cancellation);
                written += filled;
                filled = 0;
                rowsWritten?.Invoke(written);
            }
        }
    }

    /// <summary>One column's values of the row group being filled, read from the cursor and written as one Parquet column.</summary>
    private abstract class ColumnBuffer
    {
        public abstract DataField Field { get; }
        public abstract void Read(int row);
        public abstract Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellation);

        public static ColumnBuffer For(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var type = column.Type.RawType;
            string name = column.Name;
            if (type == typeof(float)) return new Values<float, float>(cursor, column, new DataField<float>(name, true), v => float.IsNaN(v) ? null : v);
            if (type == typeof(double)) return new Values<double, double>(cursor, column, new DataField<double>(name, true), v => double.IsNaN(v) ? null : v);
            if (type == typeof(bool)) return new Values<bool, bool>(cursor, column, new DataField<bool>(name, false), v => v);
            if (type == typeof(int)) return new Values<int, int>(cursor, column, new DataField<int>(name, false), v => v);
            if (type == typeof(long)) return new Values<long, long>(cursor, column, new DataField<long>(name, false), v => v);
            if (type == typeof(DateTime))
                return new Values<DateTime, DateTime>(cursor, column, new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros, isNullable: true),
                    v => v == default ? null : v);
            if (type == typeof(DateTimeOffset)) return new Texts<DateTimeOffset>(cursor, column, v => v == default ? null : ValueText.Of(v));
            if (type == typeof(TimeSpan)) return new Texts<TimeSpan>(cursor, column, ValueText.Of);
            if (type == typeof(ReadOnlyMemory<char>)) return new Texts<ReadOnlyMemory<char>>(cursor, column, v => v.ToString());
            throw new InvalidDataException($"Column '{name}' is of type {column.Type}, which the tool does not write to Parquet.");
        }
    }

    private sealed class Values<TRaw, TParquet>(DataViewRowCursor cursor, DataViewSchema.Column column, DataField dataField, Func<TRaw, TParquet?> convert) : ColumnBuffer
        where TParquet : struct
    {
        private readonly ValueGetter<TRaw> _getter = cursor.GetGetter<TRaw>(column);
        private readonly TParquet?[] _values = new TParquet?[RowGroupRows];
        private TRaw _value = default!;

        public override DataField Field => dataField;

        public override void Read(int row)
        {
            _getter(ref _value);
            _values[row] = convert(_value);
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellation)
        {
            if (dataField.IsNullable) return group.WriteAsync(dataField, new ReadOnlyMemory<TParquet?>(_values, 0, rows), cancellationToken: cancellation);
            var plain = new TParquet[rows];
            for (int i = 0; i < rows; i++) plain[i] = _values[i]!.Value;
            return group.WriteAsync(dataField, new ReadOnlyMemory<TParquet>(plain), cancellationToken: cancellation);
        }
    }

    private sealed class Texts<TRaw>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<TRaw, string?> convert) : ColumnBuffer
    {
        private readonly ValueGetter<TRaw> _getter = cursor.GetGetter<TRaw>(column);
        private readonly string?[] _values = new string?[RowGroupRows];
        private readonly DataField _field = new DataField<string>(column.Name, true);
        private TRaw _value = default!;

        public override DataField Field => _field;

        public override void Read(int row)
        {
            _getter(ref _value);
            _values[row] = convert(_value);
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellation) =>
            group.WriteAsync(_field, new ArraySegment<string?>(_values, 0, rows)!);
    }
}

/// <summary>
/// Reads a Parquet file (Parquet.Net) into a CSV file in the tool's value texts, a row group at a time: the tool then
/// infers and loads it as it does a CSV file, so both kinds of file read alike. Flat columns only.
/// </summary>
internal static class ParquetInput
{
    public static async Task ToCsvAsync(string parquetPath, TextWriter output, CancellationToken cancellation)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(parquetPath, cancellationToken: cancellation);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
        {
            throw new UsageException($"{parquetPath} is not a Parquet file the tool can read: {e.Message}");
        }
        await using (reader)
        {
            var fields = reader.Schema.Fields.Select(f => f is DataField { IsArray: false } data ? data
                : throw new UsageException($"{parquetPath}: column '{f.Name}' is a {f.SchemaType.ToString().ToLowerInvariant()}; the tool reads flat columns (numbers, text, booleans, dates, durations).")).ToArray();
            await using var csv = new CsvWriter(output, CultureInfo.InvariantCulture, leaveOpen: true);
            foreach (var f in fields) csv.WriteField(f.Name);
            await csv.NextRecordAsync();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                var texts = new string[fields.Length][];
                for (int f = 0; f < fields.Length; f++) texts[f] = await TextsAsync(group, fields[f], rows, parquetPath, cancellation);
                for (int r = 0; r < rows; r++)
                {
                    foreach (var column in texts) csv.WriteField(column[r]);
                    await csv.NextRecordAsync();
                }
            }
            await csv.FlushAsync();
        }
    }

    private static async Task<string[]> TextsAsync(ParquetRowGroupReader group, DataField field, int rows, string path, CancellationToken cancellation)
    {
        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[rows];
            await group.ReadAsync(field, values.AsMemory()!, cancellationToken: cancellation);
            return values.Select(v => v ?? "").ToArray();
        }
        if (type == typeof(float)) return await ReadAsync<float>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(double)) return await ReadAsync<double>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(decimal)) return await ReadAsync<decimal>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(bool)) return await ReadAsync<bool>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(sbyte)) return await ReadAsync<sbyte>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(byte)) return await ReadAsync<byte>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(short)) return await ReadAsync<short>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(ushort)) return await ReadAsync<ushort>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(int)) return await ReadAsync<int>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(uint)) return await ReadAsync<uint>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(long)) return await ReadAsync<long>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(ulong)) return await ReadAsync<ulong>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(DateTime)) return await ReadAsync<DateTime>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(DateTimeOffset)) return await ReadAsync<DateTimeOffset>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(DateOnly)) return await ReadAsync<DateOnly>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(TimeOnly)) return await ReadAsync<TimeOnly>(group, field, rows, ValueText.Of, cancellation);
        if (type == typeof(TimeSpan)) return await ReadAsync<TimeSpan>(group, field, rows, ValueText.Of, cancellation);
        throw new UsageException($"{path}: column '{field.Name}' holds {type.Name} values, which the tool does not read; convert it to numbers or text.");
    }

    private static async Task<string[]> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, string> format, CancellationToken cancellation) where T : struct
    {
        if (field.IsNullable)
        {
            var values = new T?[rows];
            await group.ReadAsync(field, values.AsMemory(), cancellationToken: cancellation);
            return values.Select(v => v is { } x ? format(x) : "").ToArray();
        }
        var plain = new T[rows];
        await group.ReadAsync(field, plain.AsMemory(), cancellationToken: cancellation);
        return plain.Select(format).ToArray();
    }
}
