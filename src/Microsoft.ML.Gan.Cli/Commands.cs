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
        var data = new Argument<FileInfo>("data") { Description = "The table to learn: a CSV file with a header row, or a Parquet file." };
        var model = new Option<FileInfo>("--model", "-m") { Description = "Where to write the model (a zip; written atomically).", Required = true };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "Also write the generator as an ONNX graph." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the table.", DefaultValueFactory = _ => new GanTrainer.Options().Epochs };
        var seed = new Option<int>("--seed") { Description = "Seed of training.", DefaultValueFactory = _ => 1 };
        var columns = new Option<string?>("--columns") { Description = "Kinds that override the inference, as name:kind pairs: float, double, int, long, bool, text, " +
            "date, datetimeoffset, timespan, id (an identifier), email, phone, name (fake data), skip (left out). E.g. \"zip:text,notes:skip\"." };
        var set = new Option<string[]>("--set") { Description = "Any other trainer option, as Name=Value; repeat it for several. E.g. --set BatchSize=1000 --set GeneratorLayers=512x512." };
        var keep = new Option<bool>("--keep-on-cancel") { Description = "On Ctrl+C (or SIGTERM), finish the epoch under way and write the model trained so far instead of nothing." };
        var command = new System.CommandLine.Command("train", "Train a GAN on a CSV or Parquet file. Each column's kind is inferred from its values and printed with the reason.\n" +
            "Example: mlgan train customers.csv --model customers.zip --epochs 300 --columns zip:text")
        {
            data, model, onnx, epochs, seed, columns, set, keep, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            using var table = TableFiles.Open(result.GetValue(data)!, cancellation);
            int epochCount = result.GetValue(epochs);
            if (epochCount < 1) throw new UsageException($"--epochs must be 1 or more; got {epochCount}.");
            var ml = new MLContext(seed: result.GetValue(seed));
            var inferred = Overridden(ml.Gan().InferColumns(table.CsvPath), result.GetValue(columns));
            ShowInference(inferred);
            var options = inferred.ApplyTo(new GanTrainer.Options { Epochs = epochCount, Seed = result.GetValue(seed) });
            TrainerSettings.Apply(options, result.GetValue(set) ?? []);
            if (options.Columns!.Length == 0) throw new UsageException($"No column of {result.GetValue(data)!.FullName} can be learned.");
            var view = ml.Data.LoadFromTextFile(table.CsvPath, inferred.LoaderOptions);

            // Ctrl+C: by default the run stops at its next update and writes nothing; asked to keep, it stops after the
            // epoch under way and finishes that model.
            using var stop = new CancellationTokenSource();
            bool keepOnCancel = result.GetValue(keep);
            using var forward = keepOnCancel ? cancellation.Register(stop.Cancel) : default;
            options.StopEarly = stop.Token;
            var trained = TrainingProgress.Show(options, progress =>
            {
                options.Progress = progress;
                return ml.Gan().Train(options).Fit(view, keepOnCancel ? CancellationToken.None : cancellation);
            });
            using (trained)
            {
                if (stop.IsCancellationRequested)
                    Console.Error.WriteLine($"Stopped by Ctrl+C after epoch {trained.History.Count} of {epochCount}; writing the model trained so far (epoch {trained.SelectedEpoch} kept).");
                var target = result.GetValue(model)!;
                trained.Save(target.FullName);
                Console.WriteLine($"Model: {target.FullName} ({trained.TrainingRowCount:N0} rows, {trained.History.Count} epochs)");
                if (result.GetValue(onnx) is { } graph)
                {
                    trained.SaveAsOnnx(graph.FullName);
                    Console.WriteLine($"ONNX:  {graph.FullName}");
                }
            }
            return ExitCodes.Done;
        }));
        return command;
    }

    /// <summary>What the inference made of each column, and how to say otherwise.</summary>
    private static void ShowInference(GanColumnInference inferred)
    {
        var table = new Table().AddColumns("column", "read as", "why");
        foreach (var column in inferred.Columns)
            table.AddRow(Markup.Escape(column.Name), Markup.Escape(column.Role switch
            {
                GanColumnRole.Learned => column.Kind?.ToString() ?? "",
                GanColumnRole.Fake => $"fake {column.FakeData}",
                _ => column.Role.ToString(),
            }), Markup.Escape(column.Reason));
        AnsiConsole.Write(table);
        Console.WriteLine("To read a column otherwise: --columns name:kind,... (kinds: float, double, int, long, bool, text, date, datetimeoffset, timespan, id, email, phone, name, skip).");
    }

    public static System.CommandLine.Command Generate()
    {
        var model = new Argument<FileInfo>("model") { Description = "A model written by mlgan train (zip) or exported as ONNX." };
        var rows = new Option<long>("--rows", "-n") { Description = "How many rows.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of generation: the same seed gives the same rows.", DefaultValueFactory = _ => 1 };
        var firstRow = new Option<long>("--first-row") { Description = "Start at this row of the seed (default 0): row i of a seed is the same row " +
            "whichever process makes it, so --first-row 0 --rows 1000 and --first-row 1000 --rows 1000 concatenate to --rows 2000.", DefaultValueFactory = _ => 0 };
        var where = new Option<string[]>("--where") { Description = "Only rows with this value: column=category, column=number, column=low..high, column>=low or column<=high " +
            "(numbers, dates as 2024-01-31, durations as 1.02:00:00); repeat it for several columns." };
        var output = new Option<string>("--out", "-o") { Description = "The file to write (atomically): .parquet for Parquet, CSV otherwise; - for standard output (CSV).", DefaultValueFactory = _ => "-" };
        var command = new System.CommandLine.Command("generate", "Generate synthetic rows as CSV or Parquet, streamed (memory does not grow with the row count).\n" +
            "Example: mlgan generate customers.zip --rows 100000 --where country=Norway --where \"age=30..40\" --out synthetic.parquet\n" +
            "A slice of a larger table, for one of many processes: mlgan generate customers.zip --seed 7 --first-row 2000000 --rows 1000000 --out part-2.parquet")
        {
            model, rows, seed, firstRow, where, output, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            long count = result.GetValue(rows);
            if (count < 0) throw new UsageException($"--rows must be 0 or more; got {count}.");
            long first = result.GetValue(firstRow);
            if (first < 0) throw new UsageException($"--first-row must be 0 or more; got {first}.");
            if (count > long.MaxValue - first) throw new UsageException($"--first-row {first} and --rows {count} pass the last row a seed has.");
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            var conditions = GenerationConditions.Parse(gan, result.GetValue(where) ?? []);
            try
            {
                var view = conditions.Count == 0
                    ? gan.Generate(count, result.GetValue(seed), first)
                    : gan.Generate(count, result.GetValue(seed), conditions, firstRow: first);
                TableFiles.Write(view, result.GetValue(output)!, count, cancellation);
            }
            catch (InvalidOperationException e) when (conditions.Count > 0)
            {
                // The generator rarely makes such rows: a condition too narrow for the model is the user's to widen.
                throw new UsageException($"--where: {e.Message}");
            }
            return ExitCodes.Done;
        }));
        return command;
    }

    public static System.CommandLine.Command Augment()
    {
        var data = new Argument<FileInfo>("data") { Description = "The table to rebalance (CSV or Parquet), with the model's columns." };
        var label = new Option<string>("--label") { Description = "The class column whose classes are rebalanced.", Required = true };
        var model = new Option<FileInfo>("--model", "-m") { Description = "A model trained on this table by mlgan train (zip).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The rebalanced table: the real rows, then the synthetic ones (.parquet for Parquet, CSV otherwise; - for standard output).", Required = true };
        var target = new Option<string[]>("--target") { Description = "Rows wanted for a class, as class=count; repeat it for several. Default: every class as many as the largest." };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic rows.", DefaultValueFactory = _ => 1 };
        var command = new System.CommandLine.Command("augment", "Rebalance a table's classes with synthetic rows of the classes that have fewer.\n" +
            "Example: mlgan augment customers.csv --label churn --model customers.zip --out balanced.csv")
        {
            data, label, model, output, target, seed, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            using var table = TableFiles.Open(result.GetValue(data)!, cancellation);
            string labelColumn = result.GetValue(label)!;
            var info = gan.Columns.FirstOrDefault(c => c.Name == labelColumn)
                ?? throw new UsageException($"--label: the model has no column '{labelColumn}'; its columns: {string.Join(", ", gan.Columns.Select(c => c.Name))}.");
            if (!info.IsCategorical) throw new UsageException($"--label: '{labelColumn}' is numeric in the model; augment rebalances the classes of a categorical column.");
            var targets = (result.GetValue(target) ?? []).Select(t => t.Split('=', 2) is [var name, var n] && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out long rows)
                ? KeyValuePair.Create(name.Trim(), rows) : throw new UsageException($"--target: '{t}' is not class=count (e.g. --target yes=5000).")).ToDictionary();
            var view = ml.Data.LoadFromTextFile(table.CsvPath, LoaderFor(ml, table.CsvPath, result.GetValue(data)!.FullName, gan));
            var options = new GanAugmentationOptions { Seed = result.GetValue(seed), TargetCounts = targets.Count > 0 ? targets : null };
            var balanced = ml.Gan().Augment(gan, view, labelColumn, options);
            var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
            TableFiles.Write(balanced, result.GetValue(output)!, null, cancellation, cursor => Tally(cursor, labelColumn, counts));
            Console.Error.WriteLine($"{labelColumn}: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value:N0}")) + " rows after augmenting.");
            return ExitCodes.Done;
        }));
        return command;
    }

    public static System.CommandLine.Command Digest()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Tables (CSV or Parquet) with the model's columns, read one after another.", Arity = ArgumentArity.OneOrMore };
        var model = new Option<FileInfo>("--model", "-m") { Description = "The model whose columns and types the rows are read in (zip or ONNX).", Required = true };
        var command = new System.CommandLine.Command("digest", "Count the rows of one or more tables and hash their values in order (SHA-256 of the rows as the tool " +
            "writes them in CSV, without the header): parts written apart hash like one file of the same rows, in either format.\n" +
            "Example: mlgan digest --model customers.zip parts/part-*.parquet; mlgan digest --model customers.zip whole.csv")
        {
            files, model, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var sink = new HashingStream(hash);
            using var writer = new StreamWriter(sink, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
            long rows = 0;
            foreach (var file in result.GetValue(files)!)
            {
                using var table = TableFiles.Open(file, cancellation);
                var view = ml.Data.LoadFromTextFile(table.CsvPath, LoaderFor(ml, table.CsvPath, file.FullName, gan));
                rows += CsvOutput.Write(view, writer, cancellation, header: false);
            }
            writer.Flush();
            Console.WriteLine($"{rows} rows sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())}");
            return ExitCodes.Done;
        }));
        return command;
    }

    public static System.CommandLine.Command Export()
    {
        var model = new Argument<FileInfo>("model") { Description = "A model written by mlgan train (zip)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The .onnx file to write (atomically).", Required = true };
        var inputs = new Option<string>("--inputs") { Description = "seed-and-rows (default): the graph takes a seed and row indices and makes the rows this tool's " +
            "generate makes there, bit for bit, in any ONNX runtime (opset 18). noise: it takes the noise, condition and category draws (bring your own randomness).",
            DefaultValueFactory = _ => "seed-and-rows" };
        inputs.AcceptOnlyFromAmong("seed-and-rows", "noise");
        var command = new System.CommandLine.Command("export", "Write a model's generator as an ONNX graph, for runtimes outside .NET (Python, Node.js, Spark, C++).\n" +
            "Example: mlgan export customers.zip --out customers.onnx, then in Node.js: node examples/onnx-node/generate.js customers.onnx --seed 7 --rows 1000")
        {
            model, output, inputs, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            using var gan = ml.Gan().LoadModel(Existing(result.GetValue(model)!));
            var kind = result.GetValue(inputs) == "noise" ? GanOnnxInputs.Noise : GanOnnxInputs.SeedAndRows;
            var path = result.GetValue(output)!.FullName;
            try
            {
                gan.SaveAsOnnx(path, kind);
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException($"--inputs {result.GetValue(inputs)}: {e.Message}");
            }
            Console.Error.WriteLine($"Wrote {path} ({new FileInfo(path).Length:N0} bytes): inputs {(kind == GanOnnxInputs.SeedAndRows ? "Seed (int64 [1], or one a row) and Row (int64 [rows])" : "the noise, condition and category draws")}; " +
                $"outputs {string.Join(", ", gan.Columns.Where(c => !c.IsIdentifier && c.FakeData is null).Select(c => c.Name))}{(kind == GanOnnxInputs.SeedAndRows ? ", Attempt" : "")}.");
            return ExitCodes.Done;
        }));
        return command;
    }

    /// <summary>A write-only stream that feeds what is written to a hash.</summary>
    private sealed class HashingStream(System.Security.Cryptography.IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);
    }

    /// <summary>Counts, row by row, the classes of a text or boolean column into <paramref name="counts"/> (booleans as the model names them).</summary>
    private static Action Tally(DataViewRowCursor cursor, string column, SortedDictionary<string, long> counts)
    {
        var label = cursor.Schema[column];
        Func<string> read;
        if (label.Type.RawType == typeof(bool))
        {
            var getter = cursor.GetGetter<bool>(label);
            bool value = false;
            read = () => { getter(ref value); return value ? "True" : "False"; };
        }
        else
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(label);
            ReadOnlyMemory<char> value = default;
            read = () => { getter(ref value); return value.ToString(); };
        }
        return () =>
        {
            string key = read();
            counts[key] = counts.GetValueOrDefault(key) + 1;
        };
    }

    /// <summary>
    /// The loader options that read a table file in a model's columns and types, matched by name in its header; a
    /// file that lacks one is refused naming it.
    /// </summary>
    private static TextLoader.Options LoaderFor(MLContext ml, string csvPath, string shownPath, GanTransformer gan)
    {
        var header = ml.Gan().InferColumns(csvPath, maximumRows: 1).Columns.Select(c => c.Name).ToList();
        return new TextLoader.Options
        {
            Columns = gan.Columns.Select(c => header.IndexOf(c.Name) is var i and >= 0 ? new TextLoader.Column(c.Name, KindOf(c), i)
                : throw new UsageException($"{shownPath} has no column '{c.Name}', which the model has (its columns: {string.Join(", ", header)}).")).ToArray(),
            HasHeader = true, Separators = [','], AllowQuoting = true, ReadMultilines = true, MissingRealsAsNaNs = true, TrimWhitespace = true,
        };
    }

    private static DataKind KindOf(GanColumnInfo column) => column.Type.RawType switch
    {
        var t when t == typeof(float) => DataKind.Single,
        var t when t == typeof(double) => DataKind.Double,
        var t when t == typeof(int) => DataKind.Int32,
        var t when t == typeof(long) => DataKind.Int64,
        var t when t == typeof(bool) => DataKind.Boolean,
        var t when t == typeof(DateTime) => DataKind.DateTime,
        var t when t == typeof(DateTimeOffset) => DataKind.DateTimeOffset,
        var t when t == typeof(TimeSpan) => DataKind.TimeSpan,
        var t when t == typeof(ReadOnlyMemory<char>) => DataKind.String,
        _ => throw new UsageException($"The model's column '{column.Name}' is of type {column.Type}, which the tool does not read from a file."),
    };

    public static System.CommandLine.Command Evaluate()
    {
        var real = new Argument<FileInfo>("real") { Description = "The real rows (CSV with a header row)." };
        var synthetic = new Argument<FileInfo>("synthetic") { Description = "The synthetic rows (CSV with the same columns)." };
        var label = new Option<string?>("--label") { Description = "A column to predict: efficacy compares a model trained on synthetic rows with one trained on real rows (needs --holdout)." };
        var holdout = new Option<FileInfo?>("--holdout") { Description = "Real rows neither was trained on, to test the efficacy models and to measure copies against." };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the HTML report (charts per column, heat maps)." };
        var sensitive = new Option<string?>("--sensitive")
        {
            Description = "Columns (comma-separated) whose attribute inference is measured: how much better the closest synthetic row on the known columns gives a training row's value than a new row's (needs --holdout).",
        };
        var known = new Option<string?>("--known") { Description = "With --sensitive: the columns (comma-separated) the attacker knows of a person; default every other one." };
        var command = new System.CommandLine.Command("evaluate", "Compare synthetic rows with real ones: column shapes, pair trends, detection, copies, what gives them away.\n" +
            "Example: mlgan evaluate customers.csv synthetic.csv --label churn --holdout test.csv --report report.html")
        {
            real, synthetic, label, holdout, report, sensitive, known, s_verbose,
        };
        command.SetAction((result, cancellation) => Run(result, () =>
        {
            var ml = new MLContext(seed: 1);
            using var realTable = TableFiles.Open(result.GetValue(real)!, cancellation);
            using var syntheticTable = TableFiles.Open(result.GetValue(synthetic)!, cancellation);
            string realPath = result.GetValue(real)!.FullName, syntheticPath = result.GetValue(synthetic)!.FullName;
            var inferred = ml.Gan().InferColumns(realTable.CsvPath);
            // Identifiers and fake data are new by design: the evaluation looks at the columns a model learns.
            var learned = inferred.Columns.Where(c => c.Role == GanColumnRole.Learned).Select(c => c.Name).ToArray();
            if (learned.Length == 0) throw new UsageException($"No column of {realPath} is one a model learns.");
            IDataView Load(ReadableTable table, string shown) => ml.Data.LoadFromTextFile(table.CsvPath, Loader(ml, table.CsvPath, shown, inferred));
            var options = new SyntheticDataEvaluationOptions { Columns = learned, MissingCategoryTokens = inferred.MissingTokens.Append("").ToArray() };
            using var holdoutTable = result.GetValue(holdout) is { } holdoutFile ? TableFiles.Open(holdoutFile, cancellation) : null;
            if (result.GetValue(label) is { } labelColumn)
            {
                if (!learned.Contains(labelColumn)) throw new UsageException($"--label: '{labelColumn}' is not a column the evaluation reads ({string.Join(", ", learned)}).");
                if (holdoutTable is null) throw new UsageException("--label needs --holdout: real rows the efficacy models are tested on.");
                options.LabelColumn = labelColumn;
            }
            string[]? Columns(Option<string?> option)
            {
                if (result.GetValue(option) is not { } list) return null;
                var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (names.FirstOrDefault(n => !learned.Contains(n)) is { } unknown)
                    throw new UsageException($"{option.Name}: '{unknown}' is not a column the evaluation reads ({string.Join(", ", learned)}).");
                return names.Length > 0 ? names : throw new UsageException($"{option.Name} needs at least one column name.");
            }
            if (Columns(sensitive) is { } attacked)
            {
                if (holdoutTable is null) throw new UsageException("--sensitive needs --holdout: the attack on the training rows is read against the same attack on new rows.");
                options.SensitiveColumns = attacked;
                options.KnownColumns = Columns(known);
            }
            else if (result.GetValue(known) is not null) throw new UsageException("--known names what the attacker of the --sensitive columns knows: give --sensitive too.");
            if (holdoutTable is not null) options.HoldoutReal = Load(holdoutTable, result.GetValue(holdout)!.FullName);
            var (realView, syntheticView) = (Load(realTable, realPath), Load(syntheticTable, syntheticPath));
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
    private static TextLoader.Options Loader(MLContext ml, string path, string shownPath, GanColumnInference inferred)
    {
        var header = ml.Gan().InferColumns(path, maximumRows: 1).Columns.Select(c => c.Name).ToList();
        var options = inferred.LoaderOptions;
        return new TextLoader.Options
        {
            Columns = options.Columns.Select(c => header.IndexOf(c.Name) is var i and >= 0 ? new TextLoader.Column(c.Name, c.DataKind, i)
                : throw new UsageException($"{shownPath} has no column '{c.Name}' (its columns: {string.Join(", ", header)}).")).ToArray(),
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
                    : c.IsCategorical ? $"{c.Categories.Count} categories ({Shares(c)}); missing {c.MissingRate:P1}"
                    : $"{Show(c.Minimum, c.Type)} to {Show(c.Maximum, c.Type)}; missing {c.MissingRate:P1}; " +
                      (c.RankNormalized ? "rank" : c.NormalizationModes == 0 ? "min-max" : c.NormalizationModes == 1 ? "1 mode" : $"{c.NormalizationModes} modes");
                if (c.RepeatedValues > 0) learned += $"; repeats {c.RepeatedValues:N0} training values";
                if (c.GroupedBy is { } group)
                    learned += gan.Columns.FirstOrDefault(g => g.Name == group) is { IsCategorical: false }
                        ? $"; mapped within each of {c.GroupCategories.Count} values of {group} ({string.Join(", ", c.GroupCategories)})"
                        : $"; mapped within each of {c.GroupCategories.Count} categories of {group}";
                if (c.CalibratedOnFreeRows) learned += "; mapped on the rows its dependencies leave to it";
                if (c.LevelWithin is { } entity) learned += $"; about a level of each {entity}'s own" + (c.LevelAlong is { } along ? $" along {along}" : "");
                if (c.StudyEnd is not null) learned += $"; a share of the time {c.StudyEndEntry} leaves it";
                if (c.LearnedBelow.Count > 0) learned += $"; a share of the way up to {string.Join(", ", c.LearnedBelow)}, below it";
                if (c.MissingWith is { } leader) learned += c.MissingElsewhere ? $"; missing wherever {leader} is, and elsewhere" : $"; missing exactly where {leader} is";
                table.AddRow(Markup.Escape(c.Name), Markup.Escape(c.Type.ToString() ?? ""), Markup.Escape(learned));
            }
            AnsiConsole.Write(table);
            var options = gan.Options;
            Console.WriteLine($"Trained on {gan.TrainingRowCount:N0} rows for {gan.History.Count} epochs (epoch {gan.SelectedEpoch} kept); loss {options.Loss}, seed {options.Seed}.");
            var changed = TrainerSettings.Describe(options).ToList();
            Console.WriteLine(changed.Count == 0 ? "Options: the defaults." : $"Options other than the defaults (as train --set takes them): {string.Join(" ", changed)}");
            var found = gan.FoundOrders;
            foreach (var rule in gan.Constraints)
                Console.WriteLine(found.Contains(rule) ? $"Rule: {rule} (found: every training row keeps it)" : $"Rule: {rule}");
            foreach (var combination in gan.Combinations) Console.WriteLine($"Combination: {combination}");
            foreach (var dependency in gan.Dependencies) Console.WriteLine($"Dependency: {dependency}");
            foreach (var trend in gan.Trends)
                Console.WriteLine($"Trend: {trend}{(trend.AfterFormulas ? " (after the formulas)" : "")}{(trend.MappedAfter ? $"; {trend.Target} then mapped onto its training values" : "")}");
            foreach (var formula in gan.Formulas)
                Console.WriteLine($"Formula: {formula.Describe()}");
            foreach (var tree in gan.CategoryThresholds) Console.WriteLine(tree.Steps ? $"Steps: {tree}" : $"Thresholds: {tree}");
            foreach (var level in gan.Columns.Where(c => c.LevelWithin is not null))
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Level: {level.Name} about a level of each {level.LevelWithin}'s own ({level.LevelExplained:P0} of its spread){(level.LevelAlong is { } along ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" on a line of its own along {along} ({level.LevelAlongExplained:P0} of the rest)") : "")}{(level.LevelSpreads ? $", each {level.LevelWithin} with a spread of its own" : "")}, learned as its distance from it{(level.LevelMappedAfter ? " and mapped onto its training values after it" : "")}"));
            foreach (var bounded in gan.Columns.Where(c => c.StudyEnd is not null))
                Console.WriteLine($"Study end: {bounded.StudyEnd} in every training row; {bounded.Name} learned as its share of the time {bounded.StudyEndEntry} leaves it");
            foreach (var together in gan.Columns.Where(c => c.MissingWith is not null && !c.MissingElsewhere).GroupBy(c => c.MissingWith!))
                Console.WriteLine($"Missing together: {together.Key}, {string.Join(", ", together.Select(c => c.Name))} (in {together.First().MissingRate:P1} of the training rows)");
            foreach (var within in gan.Columns.Where(c => c.MissingElsewhere))
                Console.WriteLine($"Missing with: {within.Name} wherever {within.MissingWith} is, and elsewhere (in {within.MissingRate:P1} of the training rows)");
            foreach (var x in gan.CategoryExclusions) // every pair, up to 50 a rule
                Console.WriteLine($"Excluded: {x.Column} × {x.OtherColumn}, {x.Pairs.Count:N0} {(x.Pairs.Count == 1 ? "pair" : "pairs")} never together: " +
                    string.Join(", ", x.Pairs.Take(50).Select(p => $"{p.Category} with {p.OtherCategory}")) + (x.Pairs.Count > 50 ? ", …" : ""));
            if (gan.FilterKeepRate is double keep) Console.WriteLine($"Density-ratio filter: keeps {keep:P0} of candidate rows.");
            ShowHistory(gan.History, gan.SelectedEpoch);
            return ExitCodes.Done;
        }));
        return command;
    }

    /// <summary>
    /// The training history as a chart: the quality checks' scores (the mean over columns of 1 − KS or TV distance
    /// between generated and training rows) at up to a dozen epochs spread over the run, the kept epoch marked.
    /// </summary>
    private static void ShowHistory(IReadOnlyList<GanEpochStatistics> history, int selected)
    {
        var checks = history.Where(h => h.WasValidated).ToList();
        if (checks.Count == 0)
        {
            Console.WriteLine(history.Count == 0 ? "No training history in this file." : "No quality checks in this run's history (ValidationInterval=0).");
            return;
        }
        int bars = Math.Min(12, checks.Count);
        var shown = Enumerable.Range(0, bars).Select(i => checks[bars == 1 ? 0 : (int)((long)i * (checks.Count - 1) / (bars - 1))])
            .Concat(checks.Where(c => c.Epoch == selected)).DistinctBy(c => c.Epoch).OrderBy(c => c.Epoch);
        var chart = new BarChart().Width(70).WithMaxValue(1).Label("Quality checks by epoch (1: the training columns' own shapes)");
        foreach (var c in shown)
            chart.AddItem($"epoch {c.Epoch}{(c.Epoch == selected ? " (kept)" : "")}", Math.Round(c.ValidationScore, 3), c.Epoch == selected ? Color.Green : Color.Blue);
        AnsiConsole.Write(chart);
    }

    /// <summary>The most frequent categories of a column with their training shares: "web 52 %, store 48 %", the first five.</summary>
    private static string Shares(GanColumnInfo column) =>
        string.Join(", ", column.Categories.Zip(column.CategoryFrequencies).OrderByDescending(p => p.Second).Take(5)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{(p.First.Length == 0 ? "(empty)" : p.First)} {p.Second:P0}"))) + (column.Categories.Count > 5 ? ", …" : "");

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
                throw new UsageException($"--columns: {Plain(e)}");
            }
        }
        return inferred;
    }

    /// <summary>An exception's message without the "(Parameter 'x')" that names a C# parameter the user never saw.</summary>
    private static string Plain(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

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
            Console.Error.WriteLine($"error: {Plain(e)}");
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
