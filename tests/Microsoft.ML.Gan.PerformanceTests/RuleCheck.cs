using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// quality --rule: an order between a table's columns written as text ("entry.dt&lt;end.dt", "0&lt;=fev&lt;=150"), made a
/// <see cref="GanConstraint"/> for training, and counted on any rows: how many break it, where its columns are present.
/// </summary>
internal sealed class RuleCheck
{
    private RuleCheck(string text, GanConstraint constraint)
    {
        Text = text;
        Constraint = constraint;
    }

    public string Text { get; }

    public GanConstraint Constraint { get; }

    /// <summary>
    /// Reads "a&lt;b", "a&lt;=b" or "a&lt;=x&lt;=b" (≤ also as ≤), each side a column of <paramref name="schema"/> or a
    /// constant: a number, or for a date column an ISO date.
    /// </summary>
    public static RuleCheck Parse(string text, DataViewSchema schema)
    {
        var parts = new List<(string Side, bool Strict)>();
        string rest = text.Replace("≤", "<=");
        while (true)
        {
            int at = rest.IndexOf('<');
            if (at < 0) { parts.Add((rest.Trim(), false)); break; }
            bool strict = !(at + 1 < rest.Length && rest[at + 1] == '=');
            parts.Add((rest[..at].Trim(), strict));
            rest = rest[(at + (strict ? 1 : 2))..];
        }
        if (parts.Count is < 2 or > 3 || parts.Any(p => p.Side.Length == 0))
            throw new ArgumentException($"--rule '{text}': write a<b, a<=b or a<=x<=b (each side a column or a constant).");
        var columns = parts.Select(p => schema.GetColumnOrNull(p.Side)).ToArray();
        var type = columns.FirstOrDefault(c => c is not null)?.Type
            ?? throw new ArgumentException($"--rule '{text}': no side is a column of the table ({string.Join(", ", schema.Select(c => c.Name))}).");
        GanBound Bound(int i) => columns[i] is not null ? GanBound.OfColumn(parts[i].Side)
            : type is DateTimeDataViewType ? GanBound.OfValue(DateTime.Parse(parts[i].Side, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind))
            : double.TryParse(parts[i].Side, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? GanBound.OfValue(v)
            : throw new ArgumentException($"--rule '{text}': '{parts[i].Side}' is neither a column nor a number.");
        var constraint = parts.Count == 2
            ? GanConstraint.Inequality(Bound(0), Bound(1), parts[0].Strict)
            : GanConstraint.Range(Bound(0), parts[1].Side, Bound(2), parts[0].Strict || parts[1].Strict);
        return new RuleCheck(text, constraint);
    }

    /// <summary>The rows of <paramref name="data"/> that break any of <paramref name="rules"/>, where the columns compared are present.</summary>
    public static long Broken(IReadOnlyList<RuleCheck> rules, IDataView data)
    {
        if (rules.Count == 0) return 0;
        var names = rules.SelectMany(r => r.Constraint.Columns).Distinct().ToArray();
        var columns = names.Select(n => data.Schema[n]).ToArray();
        using var cursor = data.GetRowCursor(columns);
        var read = columns.ToDictionary(c => c.Name, c => Reader(cursor, c));
        long broken = 0;
        while (cursor.MoveNext())
        {
            if (rules.Any(rule => rule.Constraint.Comparisons.Any(c => !Holds(c, read)))) broken++;
        }
        return broken;
    }

    private static bool Holds(GanComparison c, Dictionary<string, Func<double>> read)
    {
        double low = Value(c.Low, read), high = Value(c.High, read);
        if (double.IsNaN(low) || double.IsNaN(high)) return true;
        return c.Strict ? low < high : low <= high;
    }

    private static double Value(GanBound bound, Dictionary<string, Func<double>> read) => bound.Column is { } name ? read[name]()
        : bound.Value switch { DateTime t => t.Ticks, double d => d, _ => throw new InvalidOperationException($"A constant of type {bound.Value?.GetType().Name}.") };

    /// <summary>A column's value as a double (a date as its ticks; NaN for missing, a default date too).</summary>
    private static Func<double> Reader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type.RawType)
        {
            case Type t when t == typeof(float): { var g = cursor.GetGetter<float>(column); float v = 0; return () => { g(ref v); return v; }; }
            case Type t when t == typeof(double): { var g = cursor.GetGetter<double>(column); double v = 0; return () => { g(ref v); return v; }; }
            case Type t when t == typeof(int): { var g = cursor.GetGetter<int>(column); int v = 0; return () => { g(ref v); return v; }; }
            case Type t when t == typeof(long): { var g = cursor.GetGetter<long>(column); long v = 0; return () => { g(ref v); return v; }; }
            case Type t when t == typeof(DateTime):
            {
                var g = cursor.GetGetter<DateTime>(column);
                DateTime v = default;
                return () => { g(ref v); return v == default ? double.NaN : v.Ticks; };
            }
            default: throw new ArgumentException($"--rule: column '{column.Name}' has type {column.Type}, which a rule cannot compare.");
        }
    }
}
