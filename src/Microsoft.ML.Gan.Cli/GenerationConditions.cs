using System.Globalization;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// generate's --where texts as the library's conditions: column=category for categories and booleans; for numbers,
/// dates and durations column=value, column=low..high, column&gt;=low or column&lt;=high, read in the column's type.
/// </summary>
internal static class GenerationConditions
{
    public static Dictionary<string, object> Parse(GanTransformer gan, IEnumerable<string> texts)
    {
        var conditions = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            int at = text.IndexOfAny(['=', '>', '<']);
            if (at <= 0) throw new UsageException($"--where: '{text}' is not column=value, column=low..high, column>=low or column<=high.");
            string name = text[..at].Trim();
            string op = text[at..].StartsWith(">=", StringComparison.Ordinal) ? ">=" : text[at..].StartsWith("<=", StringComparison.Ordinal) ? "<=" : text[at] == '=' ? "=" : "";
            if (op.Length == 0) throw new UsageException($"--where: '{text}': use >= or <= (bounds are included), or = for a value or a range low..high.");
            string value = text[(at + op.Length)..].Trim();
            var column = gan.Columns.FirstOrDefault(c => c.Name == name)
                ?? throw new UsageException($"--where: the model has no column '{name}'; its columns: {string.Join(", ", gan.Columns.Select(c => c.Name))}.");
            if (conditions.ContainsKey(name)) throw new UsageException($"--where: column '{name}' is given twice; give one condition a column (a range as {name}=low..high).");
            conditions[name] = Condition(column, op, value, text);
        }
        return conditions;
    }

    private static object Condition(GanColumnInfo column, string op, string value, string text)
    {
        var type = column.Type.RawType;
        if (column.IsCategorical)
        {
            if (op != "=") throw new UsageException($"--where: '{text}': '{column.Name}' holds categories; give one with {column.Name}=category.");
            if (type == typeof(bool))
                return bool.TryParse(value, out bool flag) ? flag : throw new UsageException($"--where: '{text}': '{column.Name}' is true or false.");
            return value;
        }
        int range = value.IndexOf("..", StringComparison.Ordinal);
        if (op == "=" && range >= 0)
            return Range(column, Value(column, value[..range], text), Value(column, value[(range + 2)..], text), text);
        var bound = Value(column, value, text);
        return op switch
        {
            ">=" => Range(column, bound, null, text),
            "<=" => Range(column, null, bound, text),
            _ => bound,
        };
    }

    private static object Value(GanColumnInfo column, string text, string condition)
    {
        var type = column.Type.RawType;
        var invariant = CultureInfo.InvariantCulture;
        text = text.Trim();
        object? parsed =
            type == typeof(DateTime) ? (DateTime.TryParse(text, invariant, DateTimeStyles.None, out var date) ? date : null)
            : type == typeof(DateTimeOffset) ? (DateTimeOffset.TryParse(text, invariant, DateTimeStyles.None, out var instant) ? instant : null)
            : type == typeof(TimeSpan) ? (TimeSpan.TryParse(text, invariant, out var duration) ? duration : null)
            : double.TryParse(text, NumberStyles.Float, invariant, out double number) ? number : null;
        string expected = type == typeof(DateTime) ? "a date (2024-01-31 or 2024-01-31T08:00)" : type == typeof(DateTimeOffset) ? "an instant (2024-01-31T08:00+01:00)"
            : type == typeof(TimeSpan) ? "a duration (1.02:00:00)" : "a number";
        return parsed ?? throw new UsageException($"--where: '{condition}': '{text}' is not {expected}, as column '{column.Name}' holds.");
    }

    private static GanRange Range(GanColumnInfo column, object? low, object? high, string text)
    {
        try
        {
            return (low ?? high) switch
            {
                DateTime => low is null ? GanRange.AtMost((DateTime)high!) : high is null ? GanRange.AtLeast((DateTime)low) : GanRange.Between((DateTime)low, (DateTime)high),
                DateTimeOffset => low is null ? GanRange.AtMost((DateTimeOffset)high!) : high is null ? GanRange.AtLeast((DateTimeOffset)low) : GanRange.Between((DateTimeOffset)low, (DateTimeOffset)high),
                TimeSpan => low is null ? GanRange.AtMost((TimeSpan)high!) : high is null ? GanRange.AtLeast((TimeSpan)low) : GanRange.Between((TimeSpan)low, (TimeSpan)high),
                _ => low is null ? GanRange.AtMost((double)high!) : high is null ? GanRange.AtLeast((double)low) : GanRange.Between((double)low, (double)high),
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--where: '{text}': {e.Message}");
        }
    }
}
