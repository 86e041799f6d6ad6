using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Demo;

/// <summary>
/// Writes a data view as CSV (RFC 4180 quoting, invariant culture, missing numbers as empty fields). Rows stream from
/// the view's cursor, so a million generated rows cost no more memory than ten.
/// </summary>
internal static class CsvWriter
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/> and renames it over the target only when complete,
    /// so a crash or Ctrl+C never leaves a half-written CSV where a previous good one was.
    /// </summary>
    /// <returns>The number of data rows written.</returns>
    public static long WriteAtomically(IDataView data, string path, IReadOnlyDictionary<string, string>? timeFormats = null)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            long rows = 0;
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.NewLine = "\n";
                foreach (string line in Lines(data, timeFormats))
                {
                    writer.WriteLine(line);
                    rows++;
                }
                writer.Flush();
                stream.Flush(flushToDisk: true); // durable before the rename makes it visible
            }
            File.Move(temporary, full, overwrite: true);
            return rows - 1;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// The header line, then one line per row; dates, times and durations in <paramref name="timeFormats"/>' format
    /// for their column (ISO 8601 otherwise). Lazy: a caller that stops early stops the cursor.
    /// </summary>
    public static IEnumerable<string> Lines(IDataView data, IReadOnlyDictionary<string, string>? timeFormats = null)
    {
        var columns = data.Schema.Where(c => !c.IsHidden).ToArray();
        yield return string.Join(',', columns.Select(c => Quote(c.Name)));

        using var cursor = data.GetRowCursor(columns);
        var cells = columns.Select(c => Cells.Format(cursor, c, timeFormats?.GetValueOrDefault(c.Name))).ToArray();
        var line = new StringBuilder();
        while (cursor.MoveNext())
        {
            line.Clear();
            for (int i = 0; i < cells.Length; i++)
            {
                if (i > 0) line.Append(',');
                line.Append(Quote(cells[i]()));
            }
            yield return line.ToString();
        }
    }

    /// <summary>Quotes a field only when a reader could misread it: separators, quotes, line breaks, edge spaces.</summary>
    public static string Quote(string field)
    {
        bool needsQuotes = field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ||
            (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1])));
        return needsQuotes ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
    }
}

/// <summary>
/// Typed getters for one column of a cursor, as CSV text, as a number or as a category. The writer and the
/// comparison share this one place that knows ML.NET's column types.
/// </summary>
internal static class Cells
{
    /// <summary>Numbers (floating point and integers), dates, times and durations are compared by distribution; everything else by category.</summary>
    public static bool IsNumeric(DataViewType type) => type is NumberDataViewType || TimeText.IsTime(type);

    /// <summary>
    /// The value as a CSV field: shortest round-trip text for numbers, a date, time or duration in
    /// <paramref name="timeFormat"/> (ISO 8601 without one), empty when missing.
    /// </summary>
    public static Func<string> Format(DataViewRow row, DataViewSchema.Column column, string? timeFormat = null)
    {
        if (TimeText.IsTime(column.Type)) return Time(row, column, value => TimeText.Write(value, timeFormat));
        if (!IsNumeric(column.Type)) return Category(row, column);
        var invariant = CultureInfo.InvariantCulture;
        if (column.Type.RawType == typeof(float)) return Get<float, string>(row, column, v => float.IsNaN(v) ? "" : v.ToString(invariant));
        if (column.Type.RawType == typeof(double)) return Get<double, string>(row, column, v => double.IsNaN(v) ? "" : v.ToString(invariant));
        // 64-bit integers would lose digits through a double; smaller integers print exactly either way.
        if (column.Type.RawType == typeof(long)) return Get<long, string>(row, column, v => v.ToString(invariant));
        if (column.Type.RawType == typeof(ulong)) return Get<ulong, string>(row, column, v => v.ToString(invariant));
        var number = Number(row, column);
        return () => number().ToString(invariant);
    }

    /// <summary>The value as a double; NaN when missing.</summary>
    public static Func<double> Number(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(float) => Get<float, double>(row, column, v => v),
        var t when t == typeof(double) => Get<double, double>(row, column, v => v),
        var t when t == typeof(sbyte) => Get<sbyte, double>(row, column, v => v),
        var t when t == typeof(byte) => Get<byte, double>(row, column, v => v),
        var t when t == typeof(short) => Get<short, double>(row, column, v => v),
        var t when t == typeof(ushort) => Get<ushort, double>(row, column, v => v),
        var t when t == typeof(int) => Get<int, double>(row, column, v => v),
        var t when t == typeof(uint) => Get<uint, double>(row, column, v => v),
        var t when t == typeof(long) => Get<long, double>(row, column, v => v),
        var t when t == typeof(ulong) => Get<ulong, double>(row, column, v => v),
        var t when t == typeof(bool) => Get<bool, double>(row, column, v => v ? 1 : 0),
        _ when TimeText.IsTime(column.Type) => Time(row, column, TimeText.Number),
        _ => throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}, which is not a number."),
    };

    /// <summary>The value as category text: text as is, booleans as True/False (as the library names them everywhere: the report, conditions, augmentation), keys as their number (0, missing, as empty).</summary>
    public static Func<string> Category(DataViewRow row, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case TextDataViewType: return Get<ReadOnlyMemory<char>, string>(row, column, v => v.ToString());
            case BooleanDataViewType: return Get<bool, string>(row, column, v => v ? bool.TrueString : bool.FalseString);
            case KeyDataViewType:
                var key = Number(row, column);
                return () => key() is var k && k == 0 ? "" : k.ToString(CultureInfo.InvariantCulture);
            default: throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}, which this demo does not read.");
        }
    }

    /// <summary>A date, time or duration, boxed, through <paramref name="convert"/>.</summary>
    private static Func<TResult> Time<TResult>(DataViewRow row, DataViewSchema.Column column, Func<object, TResult> convert) => column.Type switch
    {
        DateTimeDataViewType => Get<DateTime, TResult>(row, column, v => convert(v)),
        DateTimeOffsetDataViewType => Get<DateTimeOffset, TResult>(row, column, v => convert(v)),
        _ => Get<TimeSpan, TResult>(row, column, v => convert(v)),
    };

    private static Func<TResult> Get<T, TResult>(DataViewRow row, DataViewSchema.Column column, Func<T, TResult> convert)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return convert(value);
        };
    }
}
