// Trains a GAN on a table, generates a synthetic copy, writes it as CSV and shows how close it came.
// With no arguments it uses a built-in customer table; with --data, a CSV of your own (its columns inferred, or named with --columns).
using System.Diagnostics;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Gan;
using Microsoft.ML.Gan.Demo;

const string Usage = """
    Usage: Microsoft.ML.Gan.Demo [options]

    With no options: trains on a built-in table of 5,000 made-up customers, generates as many synthetic rows,
    writes out/synthetic.csv and out/gan.zip, and prints real vs synthetic statistics.

    Your own table:
      --data PATH          a CSV file with a header row (comma separated, "quoted" fields allowed)
      --columns LIST       the columns to learn, as name:kind pairs, e.g. "age:int,workclass:text,hours:float"
                           kinds: float, double, int, long, bool, text, date (a date or a date and time),
                           datetimeoffset (with a UTC offset, or a time zone's), timespan (a duration).
                           Other columns of the file are ignored. Without --columns every column's kind is
                           inferred from its text (identifiers, e-mail addresses, phone numbers and names of
                           people are made anew, free text is left out) and printed with the reason.
      --missing TOKENS     text that means "missing" in text columns, e.g. "?" (repeatable or comma separated;
                           an empty field always counts as missing; the built-in table uses "?")

    Training and output:
      --epochs N           passes over the table (default 300)
      --batch-size N       rows per minibatch (default 500)
      --rows N             synthetic rows to generate (default: as many as the table has)
      --seed N             seed of training and generation (default 1)
      --out DIR            folder for synthetic.csv and gan.zip (default: out)
      --help               this text

    Missing numbers and dates are empty fields, in the input (float/double/date columns) and in the output.
    Dates are read in ISO 8601 (2023-01-05, 2023-01-05T14:30:00, with a space, seconds, fractions or an offset)
    or as M/d/yyyy, and written back in the format the column had.
    Exit codes: 0 done, 1 failed while running, 2 bad arguments.
    """;

Settings settings;
try
{
    settings = Settings.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(Usage);
    return 2;
}
if (settings.Help)
{
    Console.WriteLine(Usage);
    return 0;
}

try
{
    return Run(settings);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int Run(Settings settings)
{
    var ml = new MLContext(seed: settings.Seed);
    bool demo = settings.Data is null;
    var missingTokens = new HashSet<string>(settings.Missing.Count > 0 ? settings.Missing : demo ? [DemoTable.MissingToken] : [], StringComparer.Ordinal) { "" };

    // Without --columns, each column's kind is inferred from the file's text and printed with the reason.
    GanColumnInference? inferred = null;
    var columns = settings.Columns;
    if (!demo && columns is null)
    {
        if (!File.Exists(settings.Data)) throw new UsageException($"--data: there is no file '{Path.GetFullPath(settings.Data!)}'.");
        inferred = ml.Gan().InferColumns(settings.Data!);
        Console.WriteLine("Columns inferred from the file (name them with --columns name:kind,... to choose otherwise):");
        foreach (var column in inferred.Columns) Console.WriteLine($"  {column}");
        columns = inferred.Columns.Where(c => c.Role != GanColumnRole.LeftOut).Select(c => (c.Name, c.Kind!.Value)).ToList();
        if (columns.Count == 0) throw new UsageException($"--data: no column of {settings.Data} can be learned.");
        foreach (var token in inferred.MissingTokens) missingTokens.Add(token);
    }
    var (table, timeFormats) = demo ? (DemoTable.Create(ml), new Dictionary<string, string>()) : CsvTable.Load(ml, settings.Data!, columns!);
    Console.WriteLine(demo
        ? "Table: built-in demo customers (income depends on segment and age; home ownership on age and income; \"?\" regions; NaN credit scores)"
        : $"Table: {Path.GetFullPath(settings.Data!)}");

    // The library's defaults: CTGAN's family (mode-specific normalisation, conditional generator, PacGAN, WGAN-GP),
    // 300 epochs, batches of 500, 256x256 networks.
    var options = new GanTrainer.Options
    {
        Seed = settings.Seed,
        MissingCategoryTokens = [.. missingTokens],
    };
    if (inferred is not null)
    {
        inferred.ApplyTo(options);
        options.MissingCategoryTokens = [.. missingTokens];
    }
    if (settings.Epochs is int epochs) options.Epochs = epochs;
    if (settings.BatchSize is int batchSize) options.BatchSize = batchSize;
    options.Progress = new ConsoleProgress(every: Math.Max(1, options.Epochs / 15));
    Console.WriteLine($"Training: {options.Epochs} epochs, batches of {options.BatchSize}, generator {string.Join('x', options.GeneratorLayers)}, " +
        $"discriminator {string.Join('x', options.DiscriminatorLayers)}, seed {settings.Seed}");
    var clock = Stopwatch.StartNew();
    using var model = ml.Gan().Train(options).Fit(table);
    Console.WriteLine($"Trained on {model.TrainingRowCount:N0} rows in {clock.Elapsed.TotalSeconds:F1} s. What the model learned of each column:");
    int nameWidth = model.Columns.Max(c => c.Name.Length) + 2;
    int typeWidth = model.Columns.Max(c => $"{c.Type}".Length) + 1;
    foreach (var column in model.Columns)
    {
        string shape = column.IsIdentifier ? $"an identifier, made anew from {column.Minimum:N0}"
            : column.FakeData is { } fake ? $"made by {fake}, the real values neither learned nor kept"
            : column.IsCategorical
            ? $"{column.Categories.Count} categories, most frequent '{column.Categories[IndexOfMax(column.CategoryFrequencies)]}'"
            : TimeText.IsTime(column.Type) ? $"range {TimeText.Show(column.Minimum, column.Type)} to {TimeText.Show(column.Maximum, column.Type)}"
            : $"range {column.Minimum:G6} to {column.Maximum:G6}";
        Console.WriteLine($"  {column.Name.PadRight(nameWidth)}{$"{column.Type}".PadRight(typeWidth)}{shape}, missing {column.MissingRate:P1}");
    }
    Console.WriteLine(model.Dependencies.Count == 0
        ? "Rules between columns that every generated row keeps: none found."
        : $"Rules between columns that every generated row keeps: {string.Join("; ", model.Dependencies)}.");
    Console.WriteLine(model.FilterKeepRate is double keep
        ? $"Density-ratio filter: keeps {keep:P0} of the generated candidate rows, those most like the training rows."
        : "Density-ratio filter: none (its classifier could not tell generated rows from training rows, or it was turned off).");
    Console.WriteLine();

    long rows = settings.Rows ?? model.TrainingRowCount;
    string csvPath = Path.GetFullPath(Path.Combine(settings.Out, "synthetic.csv"));
    string modelPath = Path.GetFullPath(Path.Combine(settings.Out, "gan.zip"));
    var synthetic = model.Generate(rows, seed: settings.Seed);
    clock.Restart();
    long written = CsvWriter.WriteAtomically(synthetic, csvPath, timeFormats);
    Console.WriteLine($"Generated and wrote {written:N0} rows in {clock.Elapsed.TotalSeconds:F1} s.");
    Console.WriteLine();

    // Identifiers and fake data are new by design: the comparison, the evaluation and the report look at the rest.
    string[] learned = model.Columns.Where(c => !c.IsIdentifier && c.FakeData is null).Select(c => c.Name).ToArray();
    IDataView Learned(IDataView view) => learned.Length == model.Columns.Count ? view : ml.Transforms.SelectColumns(learned).Fit(view).Transform(view);
    var (realLearned, syntheticLearned) = (Learned(table), Learned(synthetic));
    Comparison.Print(realLearned, syntheticLearned, missingTokens, Console.Out);
    Console.WriteLine();

    // The library's own scores: shapes and pair trends in [0, 1] (1 = same), and how well a classifier tells
    // real rows from synthetic ones (AUC 0.5 = it cannot).
    clock.Restart();
    var metrics = ml.Gan().Evaluate(realLearned, syntheticLearned, new SyntheticDataEvaluationOptions { Seed = settings.Seed, MissingCategoryTokens = [.. missingTokens] });
    Console.WriteLine($"Evaluation ({clock.Elapsed.TotalSeconds:F1} s):");
    foreach (string line in metrics.Summary().Split('\n', StringSplitOptions.RemoveEmptyEntries)) Console.WriteLine($"  {line.TrimEnd()}");
    // The same scores with a chart per column, the correlation heat maps and the training curves, in one HTML file.
    string reportPath = Path.GetFullPath(Path.Combine(settings.Out, "report.html"));
    SyntheticDataReport.Write(reportPath, realLearned, syntheticLearned, metrics, model.History, demo ? "Synthetic demo customers" : $"Synthetic {Path.GetFileName(settings.Data)}", model.Options.Loss);
    Console.WriteLine($"Report: {reportPath}");
    Console.WriteLine();

    model.Save(modelPath);
    // The generator with its decoding as one ONNX graph, for any ONNX Runtime (Python, C++, the browser).
    string onnxPath = Path.GetFullPath(Path.Combine(settings.Out, "generator.onnx"));
    model.SaveAsOnnx(onnxPath);
    // Loading the saved model back and generating with the same seed must give the very same rows.
    using var reloaded = ml.Gan().LoadModel(modelPath);
    var preview = CsvWriter.Lines(reloaded.Generate(rows, seed: settings.Seed), timeFormats).Take(6).ToList();
    bool identical = preview.SequenceEqual(CsvWriter.Lines(synthetic, timeFormats).Take(6));
    Console.WriteLine($"First synthetic rows, generated again from the saved model ({(identical ? "identical to the CSV" : "DIFFERENT from the CSV")}):");
    foreach (string line in preview) Console.WriteLine($"  {line}");
    Console.WriteLine();
    Console.WriteLine($"Synthetic rows: {csvPath}");
    Console.WriteLine($"Model:          {modelPath}  (load it with mlContext.Gan().LoadModel(path))");
    Console.WriteLine($"ONNX:           {onnxPath}  (inputs Noise, Condition, CategoryDraws; one output per column" +
        (model.FilterKeepRate is null ? ")" : ", and KeepProbability: keep a row when a uniform draw is below it)"));
    Console.WriteLine($"Report:         {reportPath}  (open it in a browser)");
    return identical ? 0 : 1;
}

static int IndexOfMax(IReadOnlyList<double> values) =>
    Enumerable.Range(0, values.Count).MaxBy(i => values[i]);

/// <summary>A problem with the command line or with what it names: exit code 2 and the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command line, checked before anything slow starts.</summary>
internal sealed class Settings
{
    public bool Help { get; private set; }
    public string? Data { get; private set; }
    public IReadOnlyList<(string Name, DataKind Kind)>? Columns { get; private set; }
    public List<string> Missing { get; } = [];
    public int? Epochs { get; private set; }
    public int? BatchSize { get; private set; }
    public long? Rows { get; private set; }
    public int Seed { get; private set; } = 1;
    public string Out { get; private set; } = "out";

    private static readonly Dictionary<string, DataKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["float"] = DataKind.Single, ["double"] = DataKind.Double, ["int"] = DataKind.Int32,
        ["long"] = DataKind.Int64, ["bool"] = DataKind.Boolean, ["text"] = DataKind.String,
        ["date"] = DataKind.DateTime, ["datetime"] = DataKind.DateTime, ["datetimeoffset"] = DataKind.DateTimeOffset, ["timespan"] = DataKind.TimeSpan,
    };

    public static Settings Parse(string[] args)
    {
        var settings = new Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string? inline = null;
            if (name is "-h" or "-?" or "--help") { settings.Help = true; continue; }
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{name}'; options start with --.");
            int equals = name.IndexOf('=');
            if (equals > 0) (name, inline) = (name[..equals], name[(equals + 1)..]);

            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"{name} needs a value.");
                return args[++i];
            }
            long Count(long minimum) =>
                long.TryParse(Value(), out long n) && n >= minimum && n <= int.MaxValue ? n
                : throw new UsageException($"{name} needs a whole number from {minimum} to {int.MaxValue}.");

            switch (name)
            {
                case "--data": settings.Data = Value(); break;
                case "--columns": settings.Columns = ParseColumns(Value()); break;
                case "--missing": settings.Missing.AddRange(Value().Split(',')); break;
                case "--epochs": settings.Epochs = (int)Count(1); break;
                case "--batch-size": settings.BatchSize = (int)Count(2); break;
                case "--rows": settings.Rows = Count(1); break;
                case "--seed": settings.Seed = (int)Count(0); break;
                case "--out": settings.Out = Value() is { Length: > 0 } folder ? folder : throw new UsageException("--out needs a folder."); break;
                default: throw new UsageException($"unknown option '{name}'.");
            }
        }
        if (settings.Data is null && settings.Columns is not null) throw new UsageException("--columns needs --data (the built-in table has its own columns).");
        return settings;
    }

    private static List<(string Name, DataKind Kind)> ParseColumns(string list)
    {
        var columns = new List<(string, DataKind)>();
        foreach (string item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = item.LastIndexOf(':');
            string name = colon > 0 ? item[..colon].Trim() : "";
            if (name.Length == 0 || !Kinds.TryGetValue(item[(colon + 1)..].Trim(), out var kind))
                throw new UsageException($"--columns: '{item}' is not name:kind; kinds are {string.Join(", ", Kinds.Keys)}.");
            if (columns.Any(c => c.Item1 == name)) throw new UsageException($"--columns: '{name}' is listed twice.");
            columns.Add((name, kind));
        }
        return columns.Count > 0 ? columns : throw new UsageException("--columns lists no columns.");
    }
}

/// <summary>Loads the user's CSV, matching the requested columns to the header by name so their order need not match the file.</summary>
internal static class CsvTable
{
    /// <summary>
    /// The table, and the format each date, time and duration column is written in (which reads every one of its
    /// values exactly as the loader read it: a value the loader could not read, or read otherwise, is refused).
    /// </summary>
    public static (IDataView Table, Dictionary<string, string> TimeFormats) Load(MLContext ml, string path, IReadOnlyList<(string Name, DataKind Kind)> columns)
    {
        if (!File.Exists(path)) throw new UsageException($"--data: there is no file '{Path.GetFullPath(path)}'.");
        string[] header = HeaderOf(ml, path);
        CheckFieldCounts(path, header.Length);
        var loaderColumns = columns.Select(c =>
        {
            int index = Array.IndexOf(header, c.Name);
            return index >= 0 ? new TextLoader.Column(c.Name, c.Kind, index)
                : throw new UsageException($"--columns: '{c.Name}' is not in the header of {path}. Its columns are: {string.Join(", ", header.Select(h => $"'{h}'"))}.");
        }).ToArray();

        var table = ml.Data.LoadFromTextFile(path, Options(loaderColumns));
        var formats = new Dictionary<string, string>();
        foreach (var column in loaderColumns.Where(c => TimeText.IsTime(c.DataKind)))
        {
            // The same fields as text beside what the loader made of them.
            var text = ml.Data.LoadFromTextFile(path, Options([new TextLoader.Column(column.Name, DataKind.String, column.Source[0].Min)]));
            var texts = Read<ReadOnlyMemory<char>>(text, column.Name).Select(t => t.ToString().Trim()).ToList();
            List<object> loaded;
            try
            {
                loaded = column.DataKind switch
                {
                    DataKind.DateTime => Read<DateTime>(table, column.Name).Cast<object>().ToList(),
                    DataKind.DateTimeOffset => Read<DateTimeOffset>(table, column.Name).Cast<object>().ToList(),
                    _ => Read<TimeSpan>(table, column.Name).Cast<object>().ToList(),
                };
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                // ML.NET's loader refuses a value its culture-invariant parser cannot read (a day-first 13/05/2023).
                throw new UsageException($"--data: {e.Message.TrimEnd('.')}. A {column.DataKind} column is read in ISO 8601 (2023-01-05, " +
                    "2023-01-05T14:30:00) or as M/d/yyyy: rewrite the column in one of these, or declare it text.");
            }
            formats[column.Name] = TimeText.Detect(column.Name, column.DataKind, texts, loaded);
        }
        return (table, formats);
    }

    /// <summary>The header's names (the library reads it, quoting undone and spaces trimmed, with one row to infer from).</summary>
    private static string[] HeaderOf(MLContext ml, string path)
    {
        try { return ml.Gan().InferColumns(path, maximumRows: 1).Columns.Select(c => c.Name).ToArray(); }
        catch (InvalidDataException e) { throw new UsageException($"--data: {e.Message}"); }
    }

    private static TextLoader.Options Options(TextLoader.Column[] columns) => new()
    {
        Columns = columns,
        HasHeader = true,
        Separators = [','],
        AllowQuoting = true,
        ReadMultilines = true,
        MissingRealsAsNaNs = true, // an empty number is missing, not zero
    };

    private static List<T> Read<T>(IDataView view, string column)
    {
        var values = new List<T>();
        using var cursor = view.GetRowCursor([view.Schema[column]]);
        var getter = cursor.GetGetter<T>(view.Schema[column]);
        T value = default!;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
        }
        return values;
    }

    /// <summary>
    /// Refuses a file whose rows do not all have the header's number of fields (ML.NET's text loader would read a
    /// short row's last fields as missing and drop a long row's extra ones). Quoted fields may hold commas and line
    /// breaks; the message names the line where the row starts.
    /// </summary>
    private static void CheckFieldCounts(string path, int expected)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        int line = 1, rowStart = 1, fields = 1, c;
        bool quoted = false, empty = true, header = true;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '"') { quoted = !quoted; empty = false; continue; }
            if (quoted)
            {
                if (c == '\n') line++;
                continue;
            }
            if (c == ',') { fields++; empty = false; continue; }
            if (c == '\r') continue;
            if (c == '\n')
            {
                line++;
                if (!header && !empty && fields != expected)
                    throw new UsageException($"--data: the row at line {rowStart} of {path} has {fields} fields; the header has {expected}. Fix or remove that row.");
                header = false;
                fields = 1;
                empty = true;
                rowStart = line;
                continue;
            }
            empty = false;
        }
        if (quoted) throw new UsageException($"--data: {path} ends inside a quoted field that starts in the row at line {rowStart}.");
        if (!header && !empty && fields != expected)
            throw new UsageException($"--data: the row at line {rowStart} of {path} has {fields} fields; the header has {expected}. Fix or remove that row.");
    }
}

/// <summary>
/// Prints every few epochs on the training thread. (Progress&lt;T&gt; would post to the thread pool, and its lines
/// could arrive late or out of order.)
/// </summary>
internal sealed class ConsoleProgress(int every) : IProgress<GanTrainingProgress>
{
    public void Report(GanTrainingProgress p)
    {
        if (p.Epoch != 1 && p.Epoch % every != 0 && p.Epoch != p.TotalEpochs) return;
        var s = p.Statistics;
        Console.WriteLine($"  epoch {p.Epoch.ToString().PadLeft(p.TotalEpochs.ToString().Length)}/{p.TotalEpochs}  " +
            $"loss D {s.DiscriminatorLoss:F3}  loss G {s.GeneratorLoss:F3}  score real {s.MeanRealScore:F3}  score generated {s.MeanFakeScore:F3}  " +
            $"{p.Elapsed.TotalSeconds,6:F1} s");
    }
}
