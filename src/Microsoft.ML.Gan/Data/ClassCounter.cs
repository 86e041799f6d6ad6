using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Data;

/// <summary>Counts the rows of each class of a categorical column, by category as <see cref="GanColumnInfo.Categories"/> writes it.</summary>
internal static class ClassCounter
{
    public static Dictionary<string, long> Count(IDataView data, string labelColumn, GanColumnInfo label)
    {
        var column = data.Schema.GetColumnOrNull(labelColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"The data has no column '{labelColumn}'.");
        if (!column.Type.Equals(label.Type))
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{labelColumn}' has type {column.Type} in the data but {label.Type} in the model; they must be the same.");
        var counts = label.Categories.ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
        using var cursor = data.GetRowCursor([column]);
        Func<string> read = column.Type switch
        {
            TextDataViewType => Reader<ReadOnlyMemory<char>>(cursor, column, v => v.ToString()),
            BooleanDataViewType => Reader<bool>(cursor, column, v => v ? "True" : "False"),
            KeyDataViewType when column.Type.RawType == typeof(byte) => Reader<byte>(cursor, column, v => v.ToString(CultureInfo.InvariantCulture)),
            KeyDataViewType when column.Type.RawType == typeof(ushort) => Reader<ushort>(cursor, column, v => v.ToString(CultureInfo.InvariantCulture)),
            KeyDataViewType when column.Type.RawType == typeof(ulong) => Reader<ulong>(cursor, column, v => v.ToString(CultureInfo.InvariantCulture)),
            KeyDataViewType => Reader<uint>(cursor, column, v => v.ToString(CultureInfo.InvariantCulture)),
            _ => throw new ArgumentOutOfRangeException(nameof(data), $"Column '{labelColumn}' has type {column.Type}, not a category."),
        };
        while (cursor.MoveNext())
        {
            string value = read();
            if (!counts.TryGetValue(value, out long n))
                throw new InvalidOperationException($"Column '{labelColumn}' has the class '{value}', which the model never saw: augment the table the model was trained on.");
            counts[value] = n + 1;
        }
        return counts;
    }

    private static Func<string> Reader<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, string> text)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return text(value);
        };
    }
}
