using System.Globalization;
using Microsoft.ML;
using Spectre.Console;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// The tables the tool reads and writes: CSV (header row, quoting, culture-invariant numbers) or Parquet, told apart by
/// the file's extension; "-" as output is standard output, as CSV.
/// </summary>
internal static class TableFiles
{
    public static bool IsParquet(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".parquet" or ".parq" or ".pq";

    /// <summary>
    /// A CSV file to read <paramref name="path"/> through: the file itself, or for Parquet a CSV copy in the temporary
    /// folder, deleted when the result is disposed.
    /// </summary>
    public static ReadableTable Open(FileInfo file, CancellationToken cancellation)
    {
        if (!file.Exists) throw new UsageException($"There is no file '{file.FullName}'.");
        if (!IsParquet(file.FullName)) return new ReadableTable(file.FullName, null);
        string copy = Path.Combine(Path.GetTempPath(), $"mlgan-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        try
        {
            using (var writer = new StreamWriter(copy)) ParquetInput.ToCsvAsync(file.FullName, writer, cancellation).GetAwaiter().GetResult();
            return new ReadableTable(copy, copy);
        }
        catch
        {
            File.Delete(copy);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="view"/> to <paramref name="target"/>: "-" streams CSV to standard output; a path ending in
    /// .parquet writes Parquet, any other CSV, each into a temporary file beside it that is renamed at the end, so that
    /// a cancelled or failed run leaves no partial file. On a terminal a progress bar counts the rows
    /// (<paramref name="expectedRows"/>, when known, is its end); none when the output is piped.
    /// </summary>
    /// <remarks><paramref name="observe"/> sees every row as it is written (see <see cref="CsvOutput.Write"/>).</remarks>
    public static void Write(IDataView view, string target, long? expectedRows, CancellationToken cancellation, Func<DataViewRowCursor, Action>? observe = null)
    {
        if (target == "-")
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            CsvOutput.Write(view, stdout, cancellation, observe: observe);
            return;
        }
        string path = Path.GetFullPath(target);
        if (Path.GetDirectoryName(path) is { } folder && !Directory.Exists(folder))
            throw new UsageException($"--out: the folder '{folder}' does not exist.");
        bool parquet = IsParquet(path);
        WithRowProgress($"writing {Path.GetFileName(path)}", expectedRows, report =>
        {
            string temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            try
            {
                using (var stream = File.Create(temporary))
                {
                    if (parquet) ParquetOutput.WriteAsync(view, stream, cancellation, report, observe).GetAwaiter().GetResult();
                    else
                    {
                        using var writer = new StreamWriter(stream);
                        CsvOutput.Write(view, writer, cancellation, report, observe);
                    }
                }
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        });
    }

    /// <summary>True where standard error is a terminal: progress bars are drawn there; elsewhere they would be noise in a log.</summary>
    public static bool Interactive => !Console.IsErrorRedirected;

    /// <summary>A console on standard error: standard output is for results (a CSV piped on, a table of metrics).</summary>
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    private static void WithRowProgress(string description, long? expectedRows, Action<Action<long>> work)
    {
        if (!Interactive)
        {
            work(_ => { });
            return;
        }
        Error.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(description, maxValue: Math.Max(1, expectedRows ?? 1));
                task.IsIndeterminate = expectedRows is null;
                work(rows =>
                {
                    task.Value = rows;
                    task.Description = $"{description}: {rows:N0} rows";
                });
            });
    }
}

/// <summary>A table to read as CSV; disposing it deletes the temporary copy of a Parquet file.</summary>
internal sealed class ReadableTable(string csvPath, string? temporary) : IDisposable
{
    public string CsvPath { get; } = csvPath;

    public void Dispose()
    {
        if (temporary is not null && File.Exists(temporary)) File.Delete(temporary);
    }
}
