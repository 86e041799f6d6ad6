using System.Globalization;
using CsvHelper;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Writes a view as CSV through CsvHelper (its quoting), a row at a time from a cursor: numbers in their shortest
/// round-trip form (50.09, not 50.0900001525879), dates in ISO 8601, missing values as empty fields.
/// </summary>
internal static class CsvOutput
{
    /// <summary>Writes to a temporary file beside <paramref name="path"/>, then renames it: a cancelled or failed run leaves no partial file.</summary>
    public static void WriteAtomically(IDataView view, string path, CancellationToken cancellation)
    {
        string temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            using (var writer = new StreamWriter(temporary)) Write(view, writer, cancellation);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void Write(IDataView view, TextWriter writer, CancellationToken cancellation)
    {
        var columns = view.Schema.Where(c => !c.IsHidden).ToArray();
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var c in columns) csv.WriteField(c.Name);
        csv.NextRecord();
        using var cursor = view.GetRowCursor(columns);
        var fields = columns.Select(c => Field(cursor, c)).ToArray();
        long row = 0;
        while (cursor.MoveNext())
        {
            if ((row++ & 1023) == 0) cancellation.ThrowIfCancellationRequested();
            foreach (var field in fields) csv.WriteField(field());
            csv.NextRecord();
        }
        csv.Flush();
        writer.Flush();
    }

    private static Func<string> Field(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type.RawType;
        if (type == typeof(float)) return Text<float>(cursor, column, v => float.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture));
        if (type == typeof(double)) return Text<double>(cursor, column, v => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture));
        if (type == typeof(bool)) return Text<bool>(cursor, column, v => v ? "true" : "false");
        if (type == typeof(DateTime))
            return Text<DateTime>(cursor, column, v => v == default ? "" : v.ToString(v.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        if (type == typeof(DateTimeOffset)) return Text<DateTimeOffset>(cursor, column, v => v == default ? "" : v.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
        if (type == typeof(TimeSpan)) return Text<TimeSpan>(cursor, column, v => v.ToString("c", CultureInfo.InvariantCulture));
        if (type == typeof(ReadOnlyMemory<char>)) return Text<ReadOnlyMemory<char>>(cursor, column, v => v.ToString());
        var getter = typeof(CsvOutput).GetMethod(nameof(Formattable), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, [cursor, column])!;
        return (Func<string>)getter;
    }

    private static Func<string> Formattable<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : IFormattable =>
        Text<T>(cursor, column, v => v.ToString(null, CultureInfo.InvariantCulture));

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
