using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>Typed getters over the current row of a <see cref="DecodedRows"/> batch, one per generated column, each made by its column.</summary>
internal static class DecodedGetters
{
    /// <param name="index">The current row within the batch, read at each call.</param>
    public static Delegate[] Create(TabularEncoder encoder, DecodedRows rows, Func<int> index) =>
        encoder.Columns.Take(encoder.VisibleCount).Select((column, c) => column.CreateGetter(rows.Buffers[c], index)).ToArray(); // no hidden column

    public static ValueGetter<T> Cast<T>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; a getter of {typeof(T).Name} was asked for.");
}
