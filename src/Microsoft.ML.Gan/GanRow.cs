using Microsoft.ML.Data;

namespace Microsoft.ML.Gan;

/// <summary>
/// One row, as a <see cref="GanConstraint.Where"/> predicate reads it: <see cref="Get{T}"/> gives a column's value in
/// the column's own type (float, double, int, bool, DateTime, …; text as string or ReadOnlyMemory&lt;char&gt;; a missing
/// number as NaN, a missing date as its default value). The same object is reused from row to row: read it, do not keep it.
/// </summary>
public sealed class GanRow
{
    private readonly Func<string, Type, Delegate> _getter;
    private readonly Dictionary<(string, Type), Delegate> _cache = [];

    internal GanRow(Func<string, Type, Delegate> getter) => _getter = getter;

    /// <summary>The value of <paramref name="column"/> in this row, as <typeparamref name="T"/> (the column's type; string for text).</summary>
    /// <exception cref="ArgumentException">No such column, or <typeparamref name="T"/> is not its type.</exception>
    public T Get<T>(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (typeof(T) == typeof(string))
        {
            var text = Getter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> memory = default;
            text(ref memory);
            return (T)(object)memory.ToString();
        }
        var getter = Getter<T>(column);
        T value = default!;
        getter(ref value);
        return value;
    }

    private ValueGetter<T> Getter<T>(string column)
    {
        if (!_cache.TryGetValue((column, typeof(T)), out var getter)) _cache[(column, typeof(T))] = getter = _getter(column, typeof(T));
        return getter as ValueGetter<T> ?? throw new ArgumentException($"Column '{column}' is not of type {typeof(T).Name}: read it as its own type.", nameof(column));
    }
}
