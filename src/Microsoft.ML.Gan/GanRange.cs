using System.Globalization;

namespace Microsoft.ML.Gan;

/// <summary>
/// A condition on a number, date, time or duration column for <see cref="GanTransformer.Generate(long, int?, IReadOnlyDictionary{string, object}, int, long)"/>:
/// generated rows hold a value between <see cref="Low"/> and <see cref="High"/>, both included (an open side is null).
/// A column given a plain number (or date) instead of a range must hold exactly that value.
/// </summary>
public sealed class GanRange
{
    private GanRange(object? low, object? high)
    {
        if (low is null && high is null) throw new ArgumentException("A range needs a low or a high bound.");
        if (low is double l && !double.IsFinite(l) || high is double h && !double.IsFinite(h))
            throw new ArgumentOutOfRangeException(low is double x && !double.IsFinite(x) ? nameof(low) : nameof(high), "A range's bounds must be finite numbers.");
        if (low is not null && high is not null && Comparer<object>.Default.Compare(low, high) > 0)
            throw new ArgumentException($"The range [{Show(low)}, {Show(high)}] is empty: its low bound is above its high bound.");
        Low = low;
        High = high;
    }

    /// <summary>The least value a row may hold (double, DateTime, DateTimeOffset or TimeSpan); null for none.</summary>
    public object? Low { get; }

    /// <summary>The greatest value a row may hold; null for none.</summary>
    public object? High { get; }

    /// <summary>Values from <paramref name="low"/> to <paramref name="high"/>, both included.</summary>
    public static GanRange Between(double low, double high) => new(low, high);

    /// <inheritdoc cref="Between(double, double)"/>
    public static GanRange Between(DateTime low, DateTime high) => new(low, high);

    /// <inheritdoc cref="Between(double, double)"/>
    public static GanRange Between(DateTimeOffset low, DateTimeOffset high) => new(low, high);

    /// <inheritdoc cref="Between(double, double)"/>
    public static GanRange Between(TimeSpan low, TimeSpan high) => new(low, high);

    /// <summary>Values of <paramref name="low"/> or more.</summary>
    public static GanRange AtLeast(double low) => new(low, null);

    /// <inheritdoc cref="AtLeast(double)"/>
    public static GanRange AtLeast(DateTime low) => new(low, null);

    /// <inheritdoc cref="AtLeast(double)"/>
    public static GanRange AtLeast(DateTimeOffset low) => new(low, null);

    /// <inheritdoc cref="AtLeast(double)"/>
    public static GanRange AtLeast(TimeSpan low) => new(low, null);

    /// <summary>Values of <paramref name="high"/> or less.</summary>
    public static GanRange AtMost(double high) => new(null, high);

    /// <inheritdoc cref="AtMost(double)"/>
    public static GanRange AtMost(DateTime high) => new(null, high);

    /// <inheritdoc cref="AtMost(double)"/>
    public static GanRange AtMost(DateTimeOffset high) => new(null, high);

    /// <inheritdoc cref="AtMost(double)"/>
    public static GanRange AtMost(TimeSpan high) => new(null, high);

    /// <summary>The range in brackets: "[50, 100]", "[2024-01-01, …]".</summary>
    public override string ToString() => $"[{(Low is null ? "…" : Show(Low))}, {(High is null ? "…" : Show(High))}]";

    internal static string Show(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
