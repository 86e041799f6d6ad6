using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Demo;

/// <summary>
/// How a CSV writes its dates, times and durations: the one format, from a short list of common ones, that reads
/// every value of a column exactly. The synthetic CSV writes the column back in it, so a file of <c>2023-01-05</c>
/// gets <c>2024-07-19</c> back, not <c>2024-07-19T00:00:00.0000000Z</c>.
/// </summary>
internal static class TimeText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>As ML.NET's text loader reads a DateTime: the clock time written, as UTC.</summary>
    private const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    // ISO 8601 first (with a T or a space, to the day, minute, second or a fraction), then the invariant culture's
    // month-first dates (what the loader itself reads). Day-first dates are ambiguous with them and are not listed.
    private static readonly string[] s_dateTimes =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss'Z'", "yyyy-MM-ddTHH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy/MM/dd", "yyyy/MM/dd HH:mm:ss",
        "MM/dd/yyyy", "M/d/yyyy", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "M/d/yyyy h:mm:ss tt",
    ];

    private static readonly string[] s_offsets =
    [
        "yyyy-MM-ddTHH:mm:sszzz", "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", "yyyy-MM-ddTHH:mmzzz", "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-ddTHH:mm:ss'Z'", "yyyy-MM-ddTHH:mm:ss.FFFFFFF'Z'",
    ];

    private static readonly string[] s_durations = [@"hh\:mm", @"hh\:mm\:ss", @"d\.hh\:mm\:ss", "c"];

    public static bool IsTime(DataKind kind) => kind is DataKind.DateTime or DataKind.DateTimeOffset or DataKind.TimeSpan;

    public static bool IsTime(DataViewType type) => type is DateTimeDataViewType or DateTimeOffsetDataViewType or TimeSpanDataViewType;

    /// <summary>
    /// The format that reads every non-empty value of <paramref name="texts"/> (a column's fields, in row order) as
    /// the value ML.NET's loader read (<paramref name="loaded"/>, the same rows); a <see cref="UsageException"/> that
    /// names the column and the first row no format reads.
    /// </summary>
    public static string Detect(string column, DataKind kind, IReadOnlyList<string> texts, IReadOnlyList<object> loaded)
    {
        var candidates = kind switch
        {
            DataKind.DateTime => s_dateTimes,
            DataKind.DateTimeOffset => s_offsets,
            _ => s_durations,
        };
        var present = Enumerable.Range(0, texts.Count).Where(r => texts[r].Length > 0).ToArray();
        if (present.Length == 0) return candidates[0];
        string? best = null;
        int bestRow = -1;
        foreach (string format in candidates)
        {
            // The first row the format cannot read as the loader did; the format that reads furthest names the culprit.
            int failed = Array.FindIndex(present, r => !Reads(texts[r], format, kind, loaded[r]));
            if (failed < 0) return format;
            if (present[failed] > bestRow) (best, bestRow) = (format, present[failed]);
        }
        string what = kind switch { DataKind.DateTime => "date", DataKind.DateTimeOffset => "date with a UTC offset", _ => "duration" };
        throw new UsageException(
            $"--columns: '{column}' is declared a {what}, but its value '{texts[bestRow]}' in data row {bestRow + 1:N0} is not in a format this demo " +
            $"reads{(best is null ? "" : $" (the nearest, {best}, reads the rows before it)")}. Formats read: {string.Join(", ", candidates)}. " +
            "Rewrite the column in one of them (yyyy-MM-dd for dates), or declare it text.");
    }

    private static bool Reads(string text, string format, DataKind kind, object loaded) => kind switch
    {
        DataKind.DateTime => DateTime.TryParseExact(text, format, Invariant, Styles, out var t) && t == (DateTime)loaded,
        DataKind.DateTimeOffset => DateTimeOffset.TryParseExact(text, format, Invariant, DateTimeStyles.AssumeUniversal, out var o) && o.EqualsExact((DateTimeOffset)loaded),
        _ => TimeSpan.TryParseExact(text, format, Invariant, out var d) && d == (TimeSpan)loaded,
    };

    /// <summary>A value as <paramref name="format"/> writes it (ISO 8601 without one); empty for a missing date (the default value).</summary>
    public static string Write(object value, string? format) => value switch
    {
        DateTime t => t == default ? "" : t.ToString(format ?? "yyyy-MM-ddTHH:mm:ss.FFFFFFF", Invariant),
        DateTimeOffset o => o == default ? "" : o.ToString(format ?? "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", Invariant),
        TimeSpan d => d.ToString(format ?? "c", Invariant),
        _ => throw new ArgumentException($"{value.GetType()} is not a time.", nameof(value)),
    };

    /// <summary>A value as a number, to compare distributions: microseconds since 1970-01-01 (in UTC, with an offset), of a duration; NaN for a missing date.</summary>
    public static double Number(object value) => value switch
    {
        DateTime t => t == default ? double.NaN : (t.Ticks - DateTime.UnixEpoch.Ticks) / 10.0,
        DateTimeOffset o => o == default ? double.NaN : (o.UtcTicks - DateTime.UnixEpoch.Ticks) / 10.0,
        TimeSpan d => d.Ticks / 10.0,
        _ => throw new ArgumentException($"{value.GetType()} is not a time.", nameof(value)),
    };

    /// <summary>
    /// A number from <see cref="Number"/> as a reader would say it: a date (with the time when it has one; an instant
    /// in UTC, marked Z), or a duration in the largest whole unit; <paramref name="spread"/> for a standard deviation (a
    /// duration either way).
    /// </summary>
    public static string Show(double microseconds, DataViewType type, bool spread = false)
    {
        if (double.IsNaN(microseconds)) return "";
        if (type is TimeSpanDataViewType || spread)
        {
            var d = TimeSpan.FromTicks((long)Math.Round(microseconds * 10));
            double days = Math.Abs(d.TotalDays);
            return days >= 1 ? $"{d.TotalDays.ToString("F1", Invariant)} d" : Math.Abs(d.TotalHours) >= 1 ? $"{d.TotalHours.ToString("F1", Invariant)} h" : $"{d.TotalMinutes.ToString("F1", Invariant)} min";
        }
        var t = new DateTime(DateTime.UnixEpoch.Ticks + (long)Math.Round(microseconds) * 10);
        string text = t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", Invariant) : t.ToString("yyyy-MM-dd HH:mm", Invariant);
        return type is DateTimeOffsetDataViewType ? text + "Z" : text; // an instant, shown in UTC
    }
}
