using System.Globalization;
using CsvHelper;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Values as the tool writes them in a CSV file: numbers in their shortest round-trip form (50.09, not
/// 50.0900001525879), dates in ISO 8601 (a date alone where the time is midnight), durations as d.hh:mm:ss, booleans
/// as true/false, missing values as empty fields. Parquet files read by the tool go through the same texts.
/// </summary>
internal static class ValueText
{
    public static string Of(float v) => float.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
    public static string Of(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
    public static string Of(bool v) => v ? "true" : "false";
    // ML.NET's missing DateTime is its default value.
    public static string Of(DateTime v) => v == default ? "" : v.ToString(v.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
    public static string Of(DateTimeOffset v) => v == default ? "" : v.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
    public static string Of(TimeSpan v) => v.ToString("c", CultureInfo.InvariantCulture);
    public static string Of(DateOnly v) => v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public static string Of(TimeOnly v) => v.ToTimeSpan().ToString("c", CultureInfo.InvariantCulture);
    public static string Of<T>(T v) where T : IFormattable => v.ToString(null, CultureInfo.InvariantCulture);
}

/// <summary>Writes a view as CSV through CsvHelper (its quoting), a row at a time from a cursor: memory does not grow with the rows.</summary>
internal static class CsvOutput
{
    /// <summary>
    /// Writes <paramref name="view"/>; <paramref name="rowsWritten"/> hears the count now and then, and
    /// <paramref name="observe"/>, given the cursor once, returns what to do on each row (a tally of a column, read as
    /// the rows are written rather than by a second pass that would generate them again).
    /// </summary>
    /// <returns>The rows written.</returns>
    public static long Write(IDataView view, TextWriter writer, CancellationToken cancellation, Action<long>? rowsWritten = null,
        Func<DataViewRowCursor, Action>? observe = null, bool header = true)
    {
        var columns = view.Schema.Where(c => !c.IsHidden).ToArray();
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        if (header)
        {
            foreach (var c in columns) csv.WriteField(c.Name);
            csv.NextRecord();
        }
        using var cursor = view.GetRowCursor(columns);
        var fields = columns.Select(c => Field(cursor, c)).ToArray();
        var onRow = observe?.Invoke(cursor);
        long row = 0;
        while (cursor.MoveNext())
        {
            if ((row & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                rowsWritten?.Invoke(row);
            }
            foreach (var field in fields) csv.WriteField(field());
            csv.NextRecord();
            onRow?.Invoke();
            row++;
        }
        csv.Flush();
        writer.Flush();
        rowsWritten?.Invoke(row);
        return row;
    }

    private static Func<string> Field(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type.RawType;
        if (type == typeof(float)) return Text<float>(cursor, column, ValueText.Of);
        if (type == typeof(double)) return Text<double>(cursor, column, ValueText.Of);
        if (type == typeof(bool)) return Text<bool>(cursor, column, ValueText.Of);
        if (type == typeof(DateTime)) return Text<DateTime>(cursor, column, ValueText.Of);
        if (type == typeof(DateTimeOffset)) return Text<DateTimeOffset>(cursor, column, ValueText.Of);
        if (type == typeof(TimeSpan)) return Text<TimeSpan>(cursor, column, ValueText.Of);
        if (type == typeof(ReadOnlyMemory<char>)) return Text<ReadOnlyMemory<char>>(cursor, column, v => v.ToString());
        var getter = typeof(CsvOutput).GetMethod(nameof(Formattable), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, [cursor, column])!;
        return (Func<string>)getter;
    }

    private static Func<string> Formattable<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : IFormattable =>
        Text<T>(cursor, column, ValueText.Of);

    private static Func<string> Text<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, string> format)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return format(value);
        };
    }
}
