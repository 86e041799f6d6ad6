using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// Reads every column of every row through one cursor, as a consumer of generated rows would, and folds the
/// values into a checksum so that no read can be skipped.
/// </summary>
internal sealed class AllColumnsReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly Action[] _readers;

    /// <param name="view">The rows to read.</param>
    /// <param name="readColumns">False opens the cursor with no column active: the cost of making rows without reading them.</param>
    public AllColumnsReader(IDataView view, bool readColumns = true)
    {
        _cursor = view.GetRowCursor(readColumns ? view.Schema : []);
        _readers = readColumns ? view.Schema.Select(Reader).ToArray() : [];
    }

    public long Rows { get; private set; }

    /// <summary>Sum of the finite numbers, booleans as 0/1, keys, and text lengths read so far.</summary>
    public double Checksum { get; private set; }

    /// <summary>Missing (NaN) numbers read so far.</summary>
    public long MissingNumbers { get; private set; }

    /// <summary>Moves to the next row and reads all its columns; false at the end.</summary>
    public bool Next()
    {
        if (!_cursor.MoveNext()) return false;
        foreach (var read in _readers) read();
        Rows++;
        return true;
    }

    /// <summary>Reads to the end; returns the rows read.</summary>
    public long ReadToEnd()
    {
        while (Next()) { }
        return Rows;
    }

    public void Dispose() => _cursor.Dispose();

    private Action Reader(DataViewSchema.Column column)
    {
        // ML.NET's own ONNX transform gives each output as a vector (of one value per row here).
        if (column.Type is VectorDataViewType vector)
        {
            var item = vector.ItemType.RawType;
            if (item == typeof(ReadOnlyMemory<char>)) return ReadVector<ReadOnlyMemory<char>>(column, v => v.Length);
            if (item == typeof(bool)) return ReadVector<bool>(column, v => v ? 1 : 0);
            if (item == typeof(float)) return ReadVector<float>(column, v => v);
            if (item == typeof(double)) return ReadVector<double>(column, v => v);
            if (item == typeof(int)) return ReadVector<int>(column, v => v);
            if (item == typeof(long)) return ReadVector<long>(column, v => v);
            throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}, which this benchmark does not read.");
        }
        var raw = column.Type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>))
        {
            var getter = _cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            return () => { getter(ref text); Checksum += text.Length; };
        }
        if (raw == typeof(bool)) return Read<bool>(column, v => v ? 1 : 0);
        if (raw == typeof(float)) return Read<float>(column, v => v);
        if (raw == typeof(double)) return Read<double>(column, v => v);
        if (raw == typeof(sbyte)) return Read<sbyte>(column, v => v);
        if (raw == typeof(byte)) return Read<byte>(column, v => v);
        if (raw == typeof(short)) return Read<short>(column, v => v);
        if (raw == typeof(ushort)) return Read<ushort>(column, v => v);
        if (raw == typeof(int)) return Read<int>(column, v => v);
        if (raw == typeof(uint)) return Read<uint>(column, v => v);
        if (raw == typeof(long)) return Read<long>(column, v => v);
        if (raw == typeof(ulong)) return Read<ulong>(column, v => v);
        throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}, which this benchmark does not read.");
    }

    private Action Read<T>(DataViewSchema.Column column, Func<T, double> toDouble)
    {
        var getter = _cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            double v = toDouble(value);
            if (double.IsFinite(v)) Checksum += v;
            else MissingNumbers++;
        };
    }

    private Action ReadVector<T>(DataViewSchema.Column column, Func<T, double> toDouble)
    {
        var getter = _cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return () =>
        {
            getter(ref value);
            foreach (var item in value.DenseValues())
            {
                double v = toDouble(item);
                if (double.IsFinite(v)) Checksum += v;
                else MissingNumbers++;
            }
        };
    }
}
