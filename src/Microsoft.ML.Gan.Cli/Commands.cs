using System.CommandLine;

using System.Globalization;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Microsoft.ML.Gan.Cli;

/// <summary>The exit codes every command keeps: 0 done, 2 bad usage or bad input (one line saying what), 1 anything else.</summary>
internal static class ExitCodes
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}

/// <summary>A problem with what the user gave (a file, a value): exit code 2 and one line.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The commands: each a System.CommandLine command whose action returns an exit code.</summary>
internal static class Commands
{
    private static readonly Option<bool> s_verbose = new("--verbose") { Description = "On failure, print the exception's stack trace too." };

    public static System.CommandLine.Command Train()
    {
        var data = new Argument<FileInfo>("data") { Description = "The CSV file (with a header row) to learn." };
        var model = new Option<FileInfo>("--model", "-m") { Description = "Where to write the model (a zip; written atomically).", Required = true };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "Also write the generator as an ONNX graph." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the table.", DefaultValueFactory = _ => new GanTrainer.Options().Epochs };
        var seed = new Option<int>("--seed") { Description = "Seed of training.", DefaultValueFactory = _ => 1 };
        var columns = new Option<string?>("--columns") { Description = "Kinds that override the inference, as name:kind pairs: float, double, int, long, bool, text, " +
            "date, datetimeoffset, timespan, id (an identifier), email, phone, name (fake data), skip (left out). E.g. \"zip:text,notes:skip\"." };
        var command = new System.CommandLine.Command("train", "Train a GAN on a CSV file. Each column's kind is inferred from its text and printed with the reason.\n" +
            "Example: mlgan train customers.csv --model customers.zip --epochs 300")
        {
            data, model, onnx, epochs, seed, columns, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var path = Existing(result.GetValue(data)!);
            int epochCount = result.GetValue(epochs);
            if (epochCount < 1) throw new UsageException($"--epochs must be 1 or more; got {epochCount}.");
            var ml = new MLContext(seed: result.GetValue(seed));
            var inferred = Overridden(ml.Gan().InferColumns(path), result.GetValue(columns));
            var table = new Table().AddColumns("column", "read as", "why");
            foreach (var column in inferred.Columns)
                table.AddRow(Markup.Escape(column.Name), Markup.Escape(column.Role switch
                {
                    GanColumnRole.Learned => column.Kind?.ToString() ?? "",
                    GanColumnRole.Fake => $"fake {column.FakeData}",
                    _ => column.Role.ToString(),
                }), Markup.Escape(column.Reason));
            AnsiConsole.Write(table);
            var options = inferred.ApplyTo(new GanTrainer.Options { Epochs = epochCount, Seed = result.GetValue(seed) });
            if (options.Columns!.Length == 0) throw new UsageException($"No column of {path} can be learned.");
            var view = ml.Data.LoadFromTextFile(path, inferred.LoaderOptions);
            var progress = new LineProgress(Math.Max(1, epochCount / 10));
            options.Progress = progress;
            using var trained = ml.Gan().Train(options).Fit(view, cancellation);
            var target = result.GetValue(model)!;
            trained.Save(target.FullName);
            Console.WriteLine($"Model: {target.FullName} ({trained.TrainingRowCount:N0} rows, {trained.History.Count} epochs)");
            if (result.GetValue(onnx) is { } graph)
            {
                trained.SaveAsOnnx(graph.FullName);
                Console.WriteLine($"ONNX:  {graph.FullName}");
            }
            return ExitCodes.Done;
        }));
        return command;
    }

    public static System.CommandLine.Command Generate()
    {
        var model = new Argument<FileInfo>("model") { Description = "A model written by mlgan train (zip) or exported as ONNX." };
        var rows = new Option<long>("--rows", "-n") { Description = "How many rows.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of generation: the same seed gives the same rows.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "The CSV file to write (atomically), or - for standard output.", DefaultValueFactory = _ => "-" };
        var command = new System.CommandLine.Command("generate", "Generate synthetic rows as CSV, streamed (memory does not grow with the row count).\n" +
            "Example: mlgan generate customers.zip --rows 100000 --out synthetic.csv")
        {
            model, rows, seed, output, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            long count = result.GetValue(rows);
            if (count < 0) throw new UsageException($"--rows must be 0 or more; got {count}.");
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            var view = gan.Generate(count, result.GetValue(seed));
            string target = result.GetValue(output)!;
            if (target == "-")
            {
                using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
                CsvOutput.Write(view, stdout, cancellation);
            }
            else CsvOutput.WriteAtomically(view, Path.GetFullPath(target), cancellation);
            return ExitCodes.Done;
        }));
        return command;
    }

    public static System.CommandLine.Command Evaluate()
    {
        var real = new Argument<FileInfo>("real") { Description = "The real rows (CSV with a header row)." };
        var synthetic = new Argument<FileInfo>("synthetic") { Description = "The synthetic rows (CSV with the same columns)." };
        var label = new Option<string?>("--label") { Description = "A column to predict: efficacy compares a model trained on synthetic rows with one trained on real rows (needs --holdout)." };
        var holdout = new Option<FileInfo?>("--holdout") { Description = "Real rows neither was trained on, to test the efficacy models and to measure copies against." };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the HTML report (charts per column, heat maps)." };
        var command = new System.CommandLine.Command("evaluate", "Compare synthetic rows with real ones: column shapes, pair trends, detection, copies, what gives them away.\n" +
            "Example: mlgan evaluate customers.csv synthetic.csv --label churn --holdout test.csv --report report.html")
        {
            real, synthetic, label, holdout, report, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            string realPath = Existing(result.GetValue(real)!), syntheticPath = Existing(result.GetValue(synthetic)!);
            var inferred = ml.Gan().InferColumns(realPath);
            // Identifiers and fake data are new by design: the evaluation looks at the columns a model learns.
            var learned = inferred.Columns.Where(c => c.Role == GanColumnRole.Learned).Select(c => c.Name).ToArray();
            if (learned.Length == 0) throw new UsageException($"No column of {realPath} is one a model learns.");
            IDataView Load(string path) => ml.Data.LoadFromTextFile(path, Loader(ml, path, inferred));
            var options = new SyntheticDataEvaluationOptions { Columns = learned, MissingCategoryTokens = inferred.MissingTokens.Append("").ToArray() };
            if (result.GetValue(label) is { } labelColumn)
            {
                if (!learned.Contains(labelColumn)) throw new UsageException($"--label: '{labelColumn}' is not a column the evaluation reads ({string.Join(", ", learned)}).");
                var holdoutFile = result.GetValue(holdout) ?? throw new UsageException("--label needs --holdout: real rows the efficacy models are tested on.");
                options.LabelColumn = labelColumn;
                options.HoldoutReal = Load(Existing(holdoutFile));
            }
            var (realView, syntheticView) = (Load(realPath), Load(syntheticPath));
            var metrics = ml.Gan().Evaluate(realView, syntheticView, options);
            Console.WriteLine(metrics.Summary());
            if (result.GetValue(report) is { } html)
            {
                SyntheticDataReport.Write(html.FullName, realView, syntheticView, metrics, title: $"Synthetic {Path.GetFileName(syntheticPath)} against {Path.GetFileName(realPath)}");
                Console.WriteLine($"Report: {html.FullName}");
            }
            return ExitCodes.Done;
        }));
        return command;
    }

    /// <summary>
    /// The loader options of <paramref name="inferred"/> for another file of the same columns (a synthetic or held-out
    /// table), matched by name in its header; a file that lacks one is refused naming it.
    /// </summary>
    private static Microsoft.ML.Data.TextLoader.Options Loader(MLContext ml, string path, GanColumnInference inferred)
    {
        var header = ml.Gan().InferColumns(path, maximumRows: 1).Columns.Select(c => c.Name).ToList();
        var options = inferred.LoaderOptions;
        return new Microsoft.ML.Data.TextLoader.Options
        {
            Columns = options.Columns.Select(c => header.IndexOf(c.Name) is var i and >= 0 ? new Microsoft.ML.Data.TextLoader.Column(c.Name, c.DataKind, i)
                : throw new UsageException($"{path} has no column '{c.Name}' (its columns: {string.Join(", ", header)}).")).ToArray(),
            HasHeader = true, Separators = options.Separators, AllowQuoting = true, ReadMultilines = true, MissingRealsAsNaNs = true, TrimWhitespace = true,
        };
    }

    public static System.CommandLine.Command Inspect()
    {
        var model = new Argument<FileInfo>("model") { Description = "A model zip or ONNX graph." };
        var command = new System.CommandLine.Command("inspect", "Show a model's columns, rules and training.\nExample: mlgan inspect customers.zip")
        {
            model, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            var table = new Table().AddColumns("column", "type", "what it learned");
            foreach (var c in gan.Columns)
            {
                string learned = c.IsIdentifier ? $"identifier, from {c.Minimum:N0}"
                    : c.FakeData is { } fake ? $"fake data: {fake}"
                    : c.IsCategorical ? $"{c.Categories.Count} categories; missing {c.MissingRate:P1}"
                    : $"{Show(c.Minimum, c.Type)} to {Show(c.Maximum, c.Type)}; missing {c.MissingRate:P1}";
                table.AddRow(Markup.Escape(c.Name), Markup.Escape(c.Type.ToString() ?? ""), Markup.Escape(learned));
            }
            AnsiConsole.Write(table);
            var options = gan.Options;
            Console.WriteLine($"Trained on {gan.TrainingRowCount:N0} rows for {gan.History.Count} epochs (epoch {gan.SelectedEpoch} kept); loss {options.Loss}, seed {options.Seed}.");
            foreach (var rule in gan.Constraints) Console.WriteLine($"Rule: {rule}");
            foreach (var dependency in gan.Dependencies) Console.WriteLine($"Dependency: {dependency}");
            if (gan.FilterKeepRate is double keep) Console.WriteLine($"Density-ratio filter: keeps {keep:P0} of candidate rows.");
            return ExitCodes.Done;
        }));
        return command;
    }

    /// <summary>A column's number as people read it: dates as dates (they are microseconds since 1970 in the model), durations as durations.</summary>
    private static string Show(double value, DataViewType type) => type switch
    {
        DateTimeDataViewType or DateTimeOffsetDataViewType => new DateTime(DateTime.UnixEpoch.Ticks + (long)value * 10).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        TimeSpanDataViewType => TimeSpan.FromTicks((long)value * 10).ToString("c", CultureInfo.InvariantCulture),
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };

    /// <summary>The inference with the --columns overrides applied; <see cref="UsageException"/> for a pair it cannot read.</summary>
    private static GanColumnInference Overridden(GanColumnInference inferred, string? list)
    {
        if (string.IsNullOrWhiteSpace(list)) return inferred;
        foreach (string item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = item.LastIndexOf(':');
            string name = colon > 0 ? item[..colon].Trim() : "", kind = colon > 0 ? item[(colon + 1)..].Trim().ToLowerInvariant() : "";
            try
            {
                inferred = kind switch
                {
                    "float" => inferred.With(name, GanColumnRole.Learned, DataKind.Single),
                    "double" => inferred.With(name, GanColumnRole.Learned, DataKind.Double),
                    "int" => inferred.With(name, GanColumnRole.Learned, DataKind.Int32),
                    "long" => inferred.With(name, GanColumnRole.Learned, DataKind.Int64),
                    "bool" => inferred.With(name, GanColumnRole.Learned, DataKind.Boolean),
                    "text" => inferred.With(name, GanColumnRole.Learned, DataKind.String),
                    "date" => inferred.With(name, GanColumnRole.Learned, DataKind.DateTime),
                    "datetimeoffset" => inferred.With(name, GanColumnRole.Learned, DataKind.DateTimeOffset),
                    "timespan" => inferred.With(name, GanColumnRole.Learned, DataKind.TimeSpan),
                    "id" => inferred.With(name, GanColumnRole.Identifier, inferred.Columns.FirstOrDefault(c => c.Name == name)?.Kind is DataKind.Int32 or DataKind.Int64 ? inferred.Columns.First(c => c.Name == name).Kind : DataKind.String),
                    "email" => inferred.With(name, GanColumnRole.Fake, fake: GanFakeData.Email),
                    "phone" => inferred.With(name, GanColumnRole.Fake, fake: GanFakeData.Phone),
                    "name" => inferred.With(name, GanColumnRole.Fake, fake: GanFakeData.FullName),
                    "skip" => inferred.With(name, GanColumnRole.LeftOut),
                    _ => throw new UsageException($"--columns: '{item}' is not name:kind; kinds are float, double, int, long, bool, text, date, datetimeoffset, timespan, id, email, phone, name, skip."),
                };
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--columns: {e.Message}");
            }
        }
        return inferred;
    }

    private static string Existing(FileInfo file) =>
        file.Exists ? file.FullName : throw new UsageException($"There is no file '{file.FullName}'.");

    /// <summary>
    /// Runs a command's work on the thread pool (so that Ctrl+C, which cancels the command's token, is heard while it
    /// runs), turning what it throws into one line on standard error and an exit code.
    /// </summary>
    private static Task<int> Run(ParseResult result, Func<int> work) => Task.Run(() =>
    {
        bool verbose = result.GetValue(s_verbose);
        try
        {
            return work();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped: cancelled before the end; nothing was written.");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is UsageException or FileNotFoundException or InvalidDataException or ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (verbose) Console.Error.WriteLine(e);
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (verbose) Console.Error.WriteLine(e);
            return ExitCodes.Failed;
        }
    });
}

/// <summary>Training progress as a line every few epochs on standard error (so that standard output stays for results).</summary>
internal sealed class LineProgress(int every) : IProgress<GanTrainingProgress>
{
    public void Report(GanTrainingProgress p)
    {
        if (p.Epoch != 1 && p.Epoch % every != 0 && p.Epoch != p.TotalEpochs) return;
        var s = p.Statistics;
        double left = p.Elapsed.TotalSeconds / p.Epoch * (p.TotalEpochs - p.Epoch);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.TotalEpochs}  loss D {s.DiscriminatorLoss:F3}  loss G {s.GeneratorLoss:F3}  {p.Elapsed.TotalSeconds:F0} s, about {left:F0} s left"));
    }
}
