using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Generation;

/// <summary>Counts the rows of each class of a categorical column, by category name (<see cref="CategoricalColumn.LevelName"/>).</summary>
internal static class ClassCounter
{
    public static long[] Count(IDataView data, CategoricalColumn label)
    {
        var column = data.Schema.GetColumnOrNull(label.Name)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"The data has no column '{label.Name}'.");
        if (!column.Type.Equals(label.Type))
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{label.Name}' has type {column.Type} in the data but {label.Type} in the model; they must be the same.");
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int level = 0; level < label.LevelCount; level++) levels[label.LevelName(level)] = level;
        var lookup = levels.GetAlternateLookup<ReadOnlySpan<char>>();
        var counts = new long[label.LevelCount];
        using var cursor = data.GetRowCursor([column]);
        var read = ((CategoricalKind)label.Kind).CreateReader(cursor, column);
        while (cursor.MoveNext())
        {
            var name = read(out _);
            if (!lookup.TryGetValue(name, out int level))
                throw new InvalidOperationException($"Column '{label.Name}' has the class '{name}', which the model never saw: augment the table the model was trained on.");
            counts[level]++;
        }
        return counts;
    }
}
