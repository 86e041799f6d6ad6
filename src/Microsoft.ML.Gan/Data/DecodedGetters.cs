using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Data;

/// <summary>Typed getters over the current row of a <see cref="DecodedRows"/> batch, one per generated column.</summary>
internal static class DecodedGetters
{
    /// <param name="column">The generated column's encoder.</param>
    /// <param name="c">The column's position in the generated schema.</param>
    /// <param name="rows">The batch the cursor is on.</param>
    /// <param name="index">The current row within that batch, read at each call.</param>
    public static Delegate Create(ColumnEncoder column, int c, DecodedRows rows, Func<int> index)
    {
        switch (column)
        {
            case ContinuousColumnEncoder n:
                var numbers = rows.Numbers[c]!;
                return n.Kind switch
                {
                    ColumnKind.Single => (ValueGetter<float>)((ref float v) => v = (float)numbers[index()]),
                    ColumnKind.Double => (ValueGetter<double>)((ref double v) => v = numbers[index()]),
                    // Decoded integers are rounded and clamped to the training range, so these casts never overflow.
                    ColumnKind.SByte => (ValueGetter<sbyte>)((ref sbyte v) => v = (sbyte)numbers[index()]),
                    ColumnKind.Byte => (ValueGetter<byte>)((ref byte v) => v = (byte)numbers[index()]),
                    ColumnKind.Int16 => (ValueGetter<short>)((ref short v) => v = (short)numbers[index()]),
                    ColumnKind.UInt16 => (ValueGetter<ushort>)((ref ushort v) => v = (ushort)numbers[index()]),
                    ColumnKind.Int32 => (ValueGetter<int>)((ref int v) => v = (int)numbers[index()]),
                    ColumnKind.UInt32 => (ValueGetter<uint>)((ref uint v) => v = (uint)numbers[index()]),
                    ColumnKind.Int64 => (ValueGetter<long>)((ref long v) => v = ToInt64(numbers[index()])),
                    ColumnKind.UInt64 => (ValueGetter<ulong>)((ref ulong v) => v = ToUInt64(numbers[index()])),
                    _ => throw new InvalidOperationException($"Column '{column.Name}': unexpected kind {n.Kind}."),
                };
            case CategoricalColumnEncoder k:
                var levels = rows.Levels[c]!;
                var values = k.Values;
                return k.Kind switch
                {
                    ColumnKind.Text => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = k.TextOf(levels[index()])),
                    ColumnKind.Boolean => (ValueGetter<bool>)((ref bool v) => v = values[levels[index()]] != 0),
                    ColumnKind.Key when k.KeyType == typeof(byte) => (ValueGetter<byte>)((ref byte v) => v = (byte)values[levels[index()]]),
                    ColumnKind.Key when k.KeyType == typeof(ushort) => (ValueGetter<ushort>)((ref ushort v) => v = (ushort)values[levels[index()]]),
                    ColumnKind.Key when k.KeyType == typeof(ulong) => (ValueGetter<ulong>)((ref ulong v) => v = values[levels[index()]]),
                    ColumnKind.Key => (ValueGetter<uint>)((ref uint v) => v = (uint)values[levels[index()]]),
                    _ => throw new InvalidOperationException($"Column '{column.Name}': unexpected kind {k.Kind}."),
                };
            default:
                throw new InvalidOperationException($"Column '{column.Name}': unknown encoder.");
        }
    }

    // 2^63 is not representable as long; the clamp to the training range keeps values inside, these guard the edge.
    private static long ToInt64(double v) => v >= 9.2233720368547758E18 ? long.MaxValue : (long)v;

    private static ulong ToUInt64(double v) => v >= 1.8446744073709552E19 ? ulong.MaxValue : (ulong)v;

    public static ValueGetter<T> Cast<T>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; a getter of {typeof(T).Name} was asked for.");
}
