using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// quality: trains on a table's training rows, generates as many rows, and evaluates them against the table's real
/// rows and held-out rows: column shapes, pair trends, real-vs-synthetic detection AUC (FastTree and logistic),
/// machine-learning efficacy (FastTree trained on synthetic rows vs on real rows, both tested on the held-out rows:
/// F1 of a binary label, macro F1 of a multiclass one, R² of a numeric one), exact copies and distance to the closest
/// record, and what gives the rows away. The table is Adult (adult_train.csv, tested on adult_test.csv, label
/// income) or, with --table, any CSV (kinds inferred, <see cref="CsvTableData.HoldoutShare"/> of its rows held out,
/// --label naming the efficacy label). --set Name=Value changes any GanTrainer.Options property, so one command
/// compares configurations. --compare-batchnorm also evaluates rows generated in training mode (batch statistics)
/// beside the exported inference-mode graph.
/// </summary>
internal static class QualityBenchmark
{
    public const int DefaultEpochs = 300;

    /// <summary>Generated rows the missing rates are read from, when the table has fewer.</summary>
    public const int MissingSampleRows = 10_000;

    /// <summary>The table measured: its training rows, held-out real rows, efficacy label and missing tokens.</summary>
    internal sealed record QualityTable(string Name, string TrainPath, string HoldoutSource, IDataView Train, IDataView Holdout, string Label, string[] MissingTokens,
        GanColumnInference? Inference = null);

    internal static QualityTable Table(MLContext ml, BenchmarkArguments arguments)
    {
        if (arguments.TablePath is { } table)
        {
            var csv = CsvTableData.Load(ml, table, arguments.ColumnKinds, arguments.SplitBy);
            // (calibration measures no efficacy: its label may be left out)
            string label = arguments.Label ?? (arguments.Benchmark == "calibration" ? "" : throw new ArgumentException("--table needs --label: the column the efficacy test predicts."));
            if (label.Length > 0 && csv.Train.Schema.GetColumnOrNull(label) is null)
                throw new ArgumentException($"--label: '{label}' is not a column learned from {csv.Path}; they are {string.Join(", ", csv.Train.Schema.Select(c => c.Name))} (a column the inference left out is learned with --columns name:kind).");
            Console.WriteLine($"{csv.Name}: columns inferred as {string.Join(", ", csv.Inference.Columns.Select(c => c.ToString()))}");
            return new QualityTable(csv.Name, csv.Path, $"{Format.F(100 * CsvTableData.HoldoutShare, 0)} % of {Path.GetFileName(csv.Path)} held out{(arguments.SplitBy is { } by ? $", each {by}'s rows on one side" : "")} (split seed {CsvTableData.SplitSeed})",
                csv.Train, csv.Holdout, label, csv.Inference.ApplyTo(new GanTrainer.Options()).MissingCategoryTokens, csv.Inference);
        }
        string trainPath = AdultData.Locate(arguments.DataPath);
        string testPath = Path.Combine(Path.GetDirectoryName(trainPath)!, "adult_test.csv");
        if (!File.Exists(testPath)) throw new DataNotFoundException($"The Adult test table was not found at '{testPath}' (beside {AdultData.FileName}).");
        if (arguments.Label is { } l && l != "income") throw new ArgumentException("--label applies to --table; Adult's label is income.");
        return new QualityTable("adult", trainPath, testPath, AdultData.Load(ml, trainPath, arguments.NumbersAsSingle), AdultData.Load(ml, testPath, arguments.NumbersAsSingle),
            "income", [AdultData.MissingToken]);
    }

    /// <summary>
    /// A --model must have been trained on the table's columns as they are read now: each of its columns in the
    /// training rows, of the type it generates (a model trained when the benchmark read a number as Single cannot be
    /// compared with rows that read it as Double).
    /// </summary>
    /// <exception cref="InvalidDataException">A column the table lacks or reads as another type, named with what to do.</exception>
    internal static void CheckColumns(GanTransformer model, IDataView train, string path)
    {
        foreach (var column in model.Columns)
        {
            if (train.Schema.GetColumnOrNull(column.Name) is not { } read)
                throw new InvalidDataException($"--model {path}: it generates column '{column.Name}', which the table does not have as it is read now; give the table the model was trained on.");
            if (!read.Type.Equals(column.Type))
                throw new InvalidDataException($"--model {path}: column '{column.Name}' is {column.Type} in the model but {read.Type} in the table as it is read now; " +
                    $"read it as the model was trained (--columns {column.Name}:kind) or train the model again.");
        }
    }

    public static QualityResult Run(BenchmarkArguments arguments)
    {
        var ml = new MLContext(seed: arguments.Seed);
        var data = Table(ml, arguments);
        var train = data.Train;

        var options = AdultModel.TrainingOptions(arguments.Epochs ?? DefaultEpochs, arguments.Seed, arguments.Classic, arguments.Threads, BenchDevice.Choose(arguments.Device));
        // A table read by inference is learned as a user's `mlgan train` learns it: its columns, identifiers, fake data and missing tokens.
        if (data.Inference is { } inferred) inferred.ApplyTo(options);
        options.MissingCategoryTokens = data.MissingTokens;
        foreach (var (name, value) in arguments.Settings) Set(options, name, value);
        var rules = arguments.Rules.Select(r => RuleCheck.Parse(r, train.Schema)).ToArray();
        if (!arguments.RulesUnenforced) options.Constraints.AddRange(rules.Select(r => r.Constraint));
        string described = AdultModel.Describe(arguments.Classic) + string.Concat(arguments.Settings.Select(s => $", {s.Name}={s.Value}"))
            + (arguments.NumbersAsSingle ? ", integer columns loaded as Single" : "")
            + (rules.Length > 0 ? $", rules {string.Join(", ", rules.Select(r => r.Constraint))}{(arguments.RulesUnenforced ? " counted, not enforced" : "")}" : "");
        var evaluation = new SyntheticDataEvaluationOptions
        {
            LabelColumn = data.Label, HoldoutReal = data.Holdout, MissingCategoryTokens = data.MissingTokens, Seed = 0, MaximumRows = 30_000,
            // Identifiers and fake data are new by design (as mlgan evaluate has it): the columns a model learns are compared.
            Columns = data.Inference?.Columns.Where(c => c.Role == GanColumnRole.Learned).Select(c => c.Name).ToArray(),
            SensitiveColumns = arguments.Sensitive.Count > 0 ? arguments.Sensitive : null, KnownColumns = arguments.Known.Count > 0 ? arguments.Known : null,
        };
        var realMissing = MissingShares(train, data.MissingTokens);
        // As many rows as the table's training rows; a small table's missing rates are read from more.
        QualityRow Measure(string label, GanTransformer t, long count)
        {
            var generated = ml.Data.Cache(t.Generate(count, seed: 7));
            var missingSample = count >= MissingSampleRows ? generated : ml.Data.Cache(t.Generate(MissingSampleRows, seed: 8));
            return QualityRow.From(label, ml.Gan().Evaluate(train, generated, evaluation), generated, data.MissingTokens, missingSample, realMissing)
                with { RuleBreaks = rules.Length > 0 ? RuleCheck.Broken(rules, generated) : null };
        }

        var clock = Stopwatch.StartNew();
        var load = CpuLoad.Mark.Now();
        var curve = new List<CurvePoint>();
        double snapshotSeconds = 0;
        GanTransformer model;
        if (arguments.ModelPath is { } saved)
        {
            Console.WriteLine($"Loading {saved} (no training) ...");
            model = ml.Gan().LoadModel(saved);
            CheckColumns(model, train, saved);
            options = model.Options;
            described = $"loaded from {saved}";
        }
        else
        {
            int[] points = (arguments.CurveEpochs ?? [options.Epochs / 10, options.Epochs / 3]).Where(e => e >= 1 && e < options.Epochs).Distinct().Order().ToArray();
            if (points.Length > 0)
            {
                // Each snapshot is the model a run of that many epochs returns; it is measured as the final model is.
                options.Snapshots = new EpochSnapshots(points.ToHashSet(), snapshot =>
                {
                    var snapshotClock = Stopwatch.StartNew();
                    using var shorter = snapshot.Model;
                    Console.WriteLine($"Epoch {snapshot.Epoch}: evaluating the model a {snapshot.Epoch}-epoch run returns ...");
                    var row = Measure($"after epoch {snapshot.Epoch}", shorter, shorter.TrainingRowCount);
                    curve.Add(new CurvePoint(snapshot.Epoch, snapshot.TrainingTime.TotalSeconds, snapshot.FinishingTime.TotalSeconds, row));
                    snapshotSeconds += snapshot.FinishingTime.TotalSeconds + snapshotClock.Elapsed.TotalSeconds;
                });
            }
            Console.WriteLine($"Training {options.Epochs} epochs on {data.TrainPath} ({described})" +
                (points.Length > 0 ? $", evaluating snapshots after epochs {string.Join(", ", points)} for the curve of quality against training time" : "") + " ...");
            model = ml.Gan().Train(options).Fit(train);
        }
        using var _ = model;
        Console.WriteLine(model.Dependencies.Count == 0 ? "Column dependencies kept: none"
            : $"Column dependencies kept: {string.Join("; ", model.Dependencies)}");
        Console.WriteLine(model.Trends.Count == 0 ? "Numeric trends kept: none" : $"Numeric trends kept: {string.Join("; ", model.Trends.Select(t => t.MappedAfter ? $"{t}, mapped after" : t.ToString()))}");
        if (model.Formulas.Count > 0) Console.WriteLine($"Formulas kept: {string.Join("; ", model.Formulas)}");
        if (model.Combinations.Count > 0) Console.WriteLine($"Combinations kept: {string.Join("; ", model.Combinations)}");
        if (model.CategoryThresholds.Count > 0) Console.WriteLine($"Category thresholds kept: {string.Join("; ", model.CategoryThresholds)}");
        var groupedMaps = model.Columns.Where(c => c.GroupedBy is not null).Select(c => $"{c.Name} within {c.GroupCategories.Count} {(model.Columns.First(g => g.Name == c.GroupedBy).IsCategorical ? "categories" : "values")} of {c.GroupedBy}").ToArray();
        if (groupedMaps.Length > 0) Console.WriteLine($"Marginal maps grouped: {string.Join("; ", groupedMaps)}");
        double fitSeconds = arguments.ModelPath is null ? clock.Elapsed.TotalSeconds : double.NaN;
        var fitLoad = load.UntilNow();
        if (arguments.SaveModelPath is { } save) model.Save(save);

        long rows = model.TrainingRowCount;
        Console.WriteLine($"Generating {rows:N0} rows and evaluating against {data.HoldoutSource} ...");
        clock.Restart();
        var results = new List<QualityRow> { Measure("inference mode (exported ONNX graph, running statistics)", model, rows) };
        double evaluateSeconds = clock.Elapsed.TotalSeconds;
        if (arguments.ModelPath is null)
        {
            // The final model closes the curve (alone without snapshots: then it splits the Fit's time); the rest of its Fit (reading, checks, calibration, filter) is what Fit took
            // beyond its epochs and the snapshots.
            double epochSeconds = model.History.Sum(h => h.Seconds);
            curve.Add(new CurvePoint(model.History.Count, epochSeconds, fitSeconds - snapshotSeconds - epochSeconds, results[0]));
        }

        if (arguments.CompareBatchNorm && options.GeneratorBatchNorm)
        {
            Console.WriteLine("Generating the same number of rows in training mode (batch statistics) and evaluating ...");
            var trainingMode = ml.Data.Cache(TrainingModeRows(model.Model, rows, options.BatchSize));
            results.Add(QualityRow.From($"training mode (batch statistics, batches of {options.BatchSize}), as CTGAN samples", ml.Gan().Evaluate(train, trainingMode, evaluation), trainingMode, data.MissingTokens, trainingMode, realMissing));
        }

        if (arguments.CompareUnmapped && model.Options.ExactMarginals)
        {
            foreach (var (label, keepShares) in new[] { ("the same model without its numeric maps or dependencies (shares still calibrated)", true), ("the same model without any calibration or dependencies (ExactMarginals = ExactDependencies = false)", false) })
            {
                Console.WriteLine($"Generating the same number of rows from {label} and evaluating ...");
                using var uncalibrated = new GanTransformer(ml, WithoutCalibration(model.Model, keepShares), null);
                results.Add(Measure(label, uncalibrated, rows));
            }
        }

        if (arguments.CompareDependencies && model.Dependencies.Count > 0)
        {
            const string label = "the same generator without its column dependencies (ExactDependencies = false)";
            Console.WriteLine($"Generating the same number of rows from {label} and evaluating ...");
            using var independent = new GanTransformer(ml, WithoutDependencies(model.Model, arguments.Seed), null);
            results.Add(Measure(label, independent, rows));
        }

        if (arguments.CompareExclusions)
        {
            // Fit's last stages run again on the same generator with its exclusions (found on the training rows as Fit
            // finds them, where the model has none) and without: an A/B of the exclusions alone.
            int settleSeed = model.Options.Seed ?? arguments.Seed;
            bool grouped = model.Options.GroupedMarginals && model.Options.ExactMarginals;
            // GAN_EXCLUSION_EXPECTED=3,6 also tries rules found with those least expected counts.
            var variants = new List<(string Label, IReadOnlyList<CategoryExclusion> Exclusions)> { ("CategoryExclusions = false", []) };
            variants.Add(("CategoryExclusions = true", model.Model.Encoder.Exclusions.Count > 0 ? model.Model.Encoder.Exclusions : FindExclusions(model.Model, train, settleSeed, null)));
            if (Environment.GetEnvironmentVariable("GAN_EXCLUSION_EXPECTED") is { Length: > 0 } tried)
                foreach (double least in tried.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)))
                    variants.Add(($"CategoryExclusions = true, least expected count {Format.F(least, 1)}", FindExclusions(model.Model, train, settleSeed, least)));
            foreach (var (variant, found) in variants)
            {
                Console.WriteLine($"Exclusions ({variant}): {(found.Count == 0 ? "none" : string.Join("; ", found))}");
                var settled = SettleAgain(model, arguments, train, settleSeed, grouped, filter: null, exclusions: found);
                string label = $"the same generator settled again with {variant}";
                Console.WriteLine($"Generating from {label} and evaluating ...");
                using var resettled = new GanTransformer(ml, settled, null);
                results.Add(Measure(label, resettled, rows));
            }
        }

        if (arguments.CompareMissingTogether)
        {
            // Fit's last stages run again on the same generator with its columns missing together (grouped on the training
            // rows as Fit groups them, where the model has none) and without: an A/B of the rule alone.
            int settleSeed = model.Options.Seed ?? arguments.Seed;
            bool grouped = model.Options.GroupedMarginals && model.Options.ExactMarginals;
            var e = model.Model.Encoder;
            IReadOnlyList<MissingTogether.Link> found = Enumerable.Range(0, e.Columns.Count).Any(c => e.LeaderOf(c) >= 0)
                ? Enumerable.Range(0, e.Columns.Count).Where(c => e.LeaderOf(c) >= 0).Select(c => new MissingTogether.Link(c, e.LeaderOf(c), ((NumericColumn)e.Columns[c]).MissingElsewhere)).ToArray()
                : FindMissingTogether(model.Model, train, settleSeed);
            foreach (var (variant, links) in new[] { ("MissingTogether = false", (IReadOnlyList<MissingTogether.Link>)[]), ("MissingTogether = true", found) })
            {
                Console.WriteLine($"Missing together ({variant}): {(links.Count == 0 ? "none" : MissingTogether.Describe(e.Columns, links))}");
                var settled = SettleAgain(model, arguments, train, settleSeed, grouped, filter: null, missingTogether: links);
                string label = $"the same generator settled again with {variant}";
                Console.WriteLine($"Generating from {label} and evaluating ...");
                using var resettled = new GanTransformer(ml, settled, null);
                results.Add(Measure(label, resettled, rows));
            }
        }

        if (arguments.CompareGrouped && model.Options.ExactMarginals)
        {
            // Fit's last stages run again on the same generator, without grouped maps, grouped by categorical columns only,
            // and grouped by numbers of few values too (grouped on the training rows as Fit groups them): an A/B of the
            // grouping alone (the first reproduces the model as Fit made it when it was trained without groups).
            int settleSeed = model.Options.Seed ?? arguments.Seed;
            foreach (var (grouped, byValues) in new[] { (false, false), (true, false), (true, true) })
            {
                var settleClock = Stopwatch.StartNew();
                var settled = SettleAgain(model, arguments, train, settleSeed, grouped, filter: null, groupByValues: byValues);
                Console.WriteLine($"Settled again in {Format.F(settleClock.Elapsed.TotalSeconds, 1)} s.");
                string label = $"the same generator settled again (calibration, filter) with GroupedMarginals = {grouped.ToString().ToLowerInvariant()}" +
                    (grouped ? byValues ? ", by categories and numbers of few values" : ", by categories only" : "");
                Console.WriteLine($"Generating from {label} and evaluating ...");
                using var resettled = new GanTransformer(ml, settled, null);
                results.Add(Measure(label, resettled, rows));
            }
        }

        if (arguments.CompareDensityFilter)
        {
            // The filter trains after the GAN, on the model as Fit leaves it: exactly what DensityRatioFilter = true makes.
            // A model that has one already is settled again without it first (its groups as Fit made them).
            int filterSeed = model.Options.Seed ?? arguments.Seed;
            var unfiltered = model.Model.Filter is null ? model.Model
                : SettleAgain(model, arguments, train, filterSeed, model.Options.GroupedMarginals && model.Options.ExactMarginals, filter: false);
            if (model.Model.Filter is not null)
            {
                using var without = new GanTransformer(ml, unfiltered.Copy(), null);
                results.Add(Measure("the same generator settled again without its density-ratio filter", without, rows));
            }
            var quantiles = Environment.GetEnvironmentVariable("GAN_FILTER_QUANTILES") is { Length: > 0 } q
                ? q.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()
                : [DensityRatioTraining.ThresholdQuantile];
            // GAN_FILTER_HIDDEN=256,256 or 64 tries another classifier (its hidden layers).
            var hidden = Environment.GetEnvironmentVariable("GAN_FILTER_HIDDEN") is { Length: > 0 } h
                ? h.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() : null;
            foreach (double quantile in quantiles)
            {
                var filterClock = Stopwatch.StartNew();
                var copy = unfiltered.Copy();
                var (filteredModel, result, kept) = DensityRatioTraining.Attach(copy, train, filterSeed, model.Options.ExactMarginals, () => { }, quantile, hidden);
                Console.WriteLine($"Density-ratio filter trained and calibrated through in {Format.F(filterClock.Elapsed.TotalSeconds, 1)} s ({result.Epochs} epochs): " +
                    $"held-out AUC {Format.F(result.HeldOutAuc, 3)}, column shapes {Format.F(result.ShapesWith, 3)} with it and {Format.F(result.ShapesWithout, 3)} without, " +
                    (kept ? $"keeps {Format.F(100 * filteredModel.Filter!.Acceptance, 1)} % of generated rows."
                        : result.HeldOutAuc < DensityRatioTraining.MinimumAuc ? "not kept (too weak to correct anything)." : "not kept (the rows it keeps fit the columns worse)."));
                if (Environment.GetEnvironmentVariable("GAN_FILTER_SAVE") is { Length: > 0 } savePath)
                {
                    using var toSave = new GanTransformer(ml, filteredModel.Copy(), null);
                    toSave.Save(savePath);
                }
                string label = $"the same model with its density-ratio filter (DensityRatioFilter = true, threshold quantile {Format.F(quantile, 3)}{(kept ? "" : ", not kept")})";
                Console.WriteLine($"Generating from {label} and evaluating ...");
                using var filtered = new GanTransformer(ml, filteredModel, null);
                results.Add(Measure(label, filtered, rows));
            }
        }

        if (arguments.CompareLevelMaps)
        {
            // The same generator settled again (calibration, filter) with its levels unmapped, then with a map after each:
            // an A/B of the maps alone (a model saved before them gets their training side from the training rows).
            int settleSeed = model.Options.Seed ?? arguments.Seed;
            bool grouped = model.Options.GroupedMarginals && model.Options.ExactMarginals;
            foreach (bool maps in new[] { false, true })
            {
                var settled = SettleAgain(model, arguments, train, settleSeed, grouped, filter: null, levelMaps: maps, keepGroups: true);
                string label = maps ? "the same generator settled again with a map after each level (EntityLevel.Calibration)"
                    : "the same generator settled again without maps after its levels (as format 40)";
                Console.WriteLine($"Generating from {label} and evaluating ...");
                using var resettled = new GanTransformer(ml, settled, null);
                results.Add(Measure(label, resettled, rows));
            }
        }

        if (arguments.CompareBootstrap)
        {
            // Each training row repeated a Poisson(1) number of times: a perfect sampler of the training rows, about as
            // many rows as the generations. What it scores is what sampling noise alone allows on this table and split.
            const string label = "a bootstrap of the training rows (the ceiling: a sampler of exactly the training distribution)";
            Console.WriteLine($"Evaluating {label} ...");
            var bootstrap = ml.Data.Cache(ml.Data.BootstrapSample(train, seed: arguments.Seed));
            results.Add(QualityRow.From(label, ml.Gan().Evaluate(train, bootstrap, evaluation), bootstrap, data.MissingTokens, bootstrap, realMissing));
        }

        if (arguments.CompareAsked && data.Label is { } labelName && model.Columns.FirstOrDefault(c => c.Name == labelName) is { IsCategorical: true } && train.Schema[labelName].Type is TextDataViewType or BooleanDataViewType)
            results.AddRange(AskedRows(ml, model, train, labelName, evaluation, data.MissingTokens));

        if (arguments.CompareAugment && data.Label is { } augmented && model.Columns.FirstOrDefault(c => c.Name == augmented) is { IsCategorical: true } && train.Schema[augmented].Type is TextDataViewType or BooleanDataViewType)
            results.AddRange(Augmented(ml, model, train, augmented, evaluation, data.MissingTokens, arguments.Seed));

        if (arguments.CompareArgMax && options.CategorySampling == CategorySampling.Sample)
        {
            Console.WriteLine("Generating the same number of rows with argmax categories and evaluating ...");
            using var graph = new MemoryStream();
            model.SaveAsOnnx(graph, CategorySampling.ArgMax);
            graph.Position = 0;
            using var argmax = ml.Gan().LoadOnnx(graph);
            results.Add(Measure("argmax categories (SaveAsOnnx(path, CategorySampling.ArgMax))", argmax, rows));
        }

        return new QualityResult
        {
            Benchmark = "quality",
            Table = data.Name,
            TrainPath = data.TrainPath,
            HoldoutSource = data.HoldoutSource,
            Label = data.Label,
            Seed = arguments.Seed,
            Settings = described,
            Epochs = options.Epochs,
            EpochsRun = model.History.Count,
            SelectedEpoch = model.SelectedEpoch,
            TrainingRows = rows,
            FitSeconds = fitSeconds,
            FitLoad = fitLoad,
            EvaluateSeconds = evaluateSeconds,
            Results = results,
            Curve = curve,
            SnapshotSeconds = snapshotSeconds,
            RealMissingShare = realMissing,
        };
    }

    /// <summary>Sets a GanTrainer.Options property from text: numbers, booleans, enums, and int arrays as 256x256.</summary>
    internal static void Set(GanTrainer.Options options, string name, string value)
    {
        var property = typeof(GanTrainer.Options).GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
            ?? throw new ArgumentException($"--set: GanTrainer.Options has no property '{name}'.");
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object parsed = type == typeof(int[]) ? value.Split('x', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : type.IsEnum ? Enum.Parse(type, value, ignoreCase: true)
            : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
        property.SetValue(options, parsed);
    }

    /// <summary>The share of missing values (NaN numbers, empty or missing-token text) in each column of a table.</summary>
    internal static Dictionary<string, double> MissingShares(IDataView view, IReadOnlyCollection<string> tokens)
    {
        var shares = new Dictionary<string, double>();
        var columns = view.Schema.Where(c => c.Type is NumberDataViewType || c.Type is TextDataViewType).ToList();
        var missing = new long[columns.Count];
        long total = 0;
        using var cursor = view.GetRowCursor(columns);
        var tests = columns.Select(c => MissingTest(cursor, c, tokens)).ToArray();
        while (cursor.MoveNext())
        {
            total++;
            for (int j = 0; j < tests.Length; j++) if (tests[j]()) missing[j]++;
        }
        for (int j = 0; j < columns.Count; j++) shares[columns[j].Name] = total == 0 ? 0 : (double)missing[j] / total;
        return shares;
    }

    private static Func<bool> MissingTest(DataViewRowCursor cursor, DataViewSchema.Column column, IReadOnlyCollection<string> tokens)
    {
        if (column.Type is TextDataViewType)
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            return () =>
            {
                getter(ref text);
                var t = text.Span.Trim();
                if (t.IsEmpty) return true;
                foreach (string token in tokens) if (t.SequenceEqual(token)) return true;
                return false;
            };
        }
        if (column.Type.RawType == typeof(float))
        {
            var getter = cursor.GetGetter<float>(column);
            float v = 0;
            return () => { getter(ref v); return float.IsNaN(v); };
        }
        if (column.Type.RawType == typeof(double))
        {
            var getter = cursor.GetGetter<double>(column);
            double v = 0;
            return () => { getter(ref v); return double.IsNaN(v); };
        }
        return () => false; // integers have no missing value
    }

    /// <summary>
    /// A copy of the model (its own weights) whose numeric columns decode without their marginal maps, and, unless
    /// <paramref name="keepShares"/>, whose heads have no logit biases: what the generator makes on its own.
    /// </summary>
    /// <summary>
    /// Fit's last stages (<see cref="GanTrainer.Settle"/>) run again on the generator of <paramref name="model"/>, with or
    /// without grouped maps (found on the training rows as Fit finds them); <paramref name="filter"/> overrides
    /// DensityRatioFilter. --set options apply to these stages too.
    /// </summary>
    /// <summary>
    /// Rows asked for with each class of the label (of at least 2 % of the training rows), as Augment asks for them, each
    /// evaluated against the training rows of their class: found as Generate finds them (among ordinary rows where the
    /// class is common), and made by the generator conditioned on the class. The label is left out of the evaluation.
    /// </summary>
    private static IEnumerable<QualityRow> AskedRows(MLContext ml, GanTransformer model, IDataView train, string label, SyntheticDataEvaluationOptions evaluation, IReadOnlyCollection<string> missingTokens)
    {
        var (classes, total) = LabelClasses(ml, train, label, missingTokens);
        var asked = new SyntheticDataEvaluationOptions
        {
            Columns = evaluation.Columns?.Where(c => c != label).ToArray() ?? train.Schema.Where(c => !c.IsHidden && c.Name != label).Select(c => c.Name).ToArray(),
            MissingCategoryTokens = evaluation.MissingCategoryTokens, Seed = evaluation.Seed, MaximumRows = evaluation.MaximumRows,
        };
        foreach (var (value, real, classRows) in classes)
        {
            if (classRows < 0.02 * total || classRows < 20) continue;
            var conditions = new Dictionary<string, object> { [label] = value };
            foreach (var (how, rows) in new[] { ("as Generate finds them", model.Generate(classRows, 7, conditions)), ("by the conditioned generator", model.GenerateConditioned(classRows, 7, conditions)) })
            {
                string name = $"asked for {label} = {value} ({classRows:N0} training rows), {how}";
                Console.WriteLine($"Evaluating rows {name} ...");
                var generated = ml.Data.Cache(rows);
                yield return QualityRow.From(name, ml.Gan().Evaluate(real, generated, asked), generated, missingTokens, generated, MissingShares(real, missingTokens));
            }
        }
    }

    /// <summary>
    /// The end use of <see cref="GanCatalog.Augment(GanTransformer, IDataView, string, GanAugmentationOptions?)"/>: the
    /// efficacy learner trained on the training rows with every class raised to the largest (by Augment, by the generator
    /// conditioned on each class as Augment made them before stop 69, and by repeating random real rows of the class),
    /// and on the training rows with as many ordinary generated rows added, each against the learner trained on the
    /// training rows alone (the efficacy ratio: above 1 where the added rows help). Every row of each table is used.
    /// </summary>
    private static IEnumerable<QualityRow> Augmented(MLContext ml, GanTransformer model, IDataView train, string label, SyntheticDataEvaluationOptions evaluation, IReadOnlyCollection<string> missingTokens, int seed)
    {
        var (classes, total) = LabelClasses(ml, train, label, missingTokens);
        long largest = classes.Max(c => c.Count);
        var schema = model.TrainingSchema;
        var oversampled = new List<IDataView> { train };
        var conditioned = new List<IDataView> { train };
        foreach (var (value, real, count) in classes)
        {
            long extra = largest - count;
            if (extra == 0) continue;
            for (long whole = extra / count; whole > 0; whole--) oversampled.Add(real);
            if (extra % count > 0) oversampled.Add(ml.Data.TakeRows(ml.Data.ShuffleRows(real, seed), extra % count));
            conditioned.Add(model.GenerateConditioned(extra, seed * 7919 + 1 + conditioned.Count, new Dictionary<string, object> { [label] = value }));
        }
        var variants = new (string Name, IDataView Rows)[]
        {
            ($"the training rows, every class of {label} raised to {largest:N0} rows by Augment", ml.Gan().Augment(model, train, label, new GanAugmentationOptions { Seed = seed })),
            ($"the training rows, every class raised by the conditioned generator alone (Augment before stop 69)", new Microsoft.ML.Gan.DataViews.AppendedDataView(schema, conditioned)),
            ($"the training rows, every class raised by repeating random rows of the class (random oversampling)", new Microsoft.ML.Gan.DataViews.AppendedDataView(schema, oversampled)),
            ($"the training rows and as many ordinary generated rows ({total:N0})", new Microsoft.ML.Gan.DataViews.AppendedDataView(schema, [train, model.Generate(total, seed + 11)])),
        };
        foreach (var (name, rows) in variants)
        {
            Console.WriteLine($"Evaluating {name} ...");
            var table = ml.Data.Cache(rows);
            long count = table.GetRowCount() ?? total;
            var options = new SyntheticDataEvaluationOptions
            {
                LabelColumn = evaluation.LabelColumn, HoldoutReal = evaluation.HoldoutReal, MissingCategoryTokens = evaluation.MissingCategoryTokens, Seed = evaluation.Seed,
                Columns = evaluation.Columns, MaximumRows = (int)Math.Max(evaluation.MaximumRows, count),
            };
            yield return QualityRow.From($"efficacy trained on {name}", ml.Gan().Evaluate(train, table, options), table, missingTokens, table, MissingShares(train, missingTokens));
        }
    }

    /// <summary>Each class of a categorical label (text or boolean) with the training rows that hold it, in the label's order; missing tokens left out.</summary>
    private static (List<(object Value, IDataView Rows, long Count)> Classes, long Total) LabelClasses(MLContext ml, IDataView train, string label, IReadOnlyCollection<string> missingTokens)
    {
        const string Key = "__class", Number = "__class_rows";
        var keyed = ml.Transforms.Conversion.MapValueToKey(Key, label, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train).Transform(train);
        var values = new List<object>();
        if (train.Schema[label].Type is TextDataViewType)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            keyed.Schema[Key].GetKeyValues(ref names);
            values.AddRange(names.DenseValues().Select(v => (object)v.ToString()));
        }
        else
        {
            VBuffer<bool> names = default;
            keyed.Schema[Key].GetKeyValues(ref names);
            values.AddRange(names.DenseValues().Select(v => (object)v));
        }
        var classes = new List<(object, IDataView, long)>();
        foreach (var value in values)
        {
            if (value is string text && missingTokens.Contains(text)) continue;
            // 1 for the class's rows, 0 for the others' (a value no pair names maps to the default), then a filter on it.
            var marked = value is string className
                ? ml.Transforms.Conversion.MapValue(Number, [KeyValuePair.Create(className, 1f)], label).Fit(train).Transform(train)
                : ml.Transforms.Conversion.MapValue(Number, [KeyValuePair.Create((bool)value, 1f), KeyValuePair.Create(!(bool)value, 0f)], label).Fit(train).Transform(train);
            var filtered = ml.Data.FilterRowsByColumn(marked, Number, 0.5, 1.5);
            var rows = ml.Data.Cache(ml.Transforms.DropColumns(Number).Fit(filtered).Transform(filtered));
            classes.Add((value, rows, Count(rows)));
        }
        return (classes, train.GetRowCount() ?? Count(train));
    }

    private static long Count(IDataView view)
    {
        long n = 0;
        using var cursor = view.GetRowCursor([]);
        while (cursor.MoveNext()) n++;
        return n;
    }

    internal static GanModel SettleAgain(GanTransformer model, BenchmarkArguments arguments, IDataView train, int seed, bool grouped, bool? filter,
        IReadOnlyList<CategoryExclusion>? exclusions = null, IReadOnlyList<MissingTogether.Link>? missingTogether = null, bool groupByValues = true,
        CalibrationTrace? trace = null, bool? levelMaps = null, bool keepGroups = false)
    {
        var settleOptions = model.Options.Clone();
        foreach (var (name, value) in arguments.Settings) Set(settleOptions, name, value);
        settleOptions.GroupedMarginals = grouped;
        if (filter is { } f) settleOptions.DensityRatioFilter = f;
        // keepGroups: the groups' training tables as the model holds them (as Fit made them, less any group calibration
        // found too few rows for), rather than grouped again from the training rows, which reads them as a trend's,
        // a level's and a study end's rules leave them but not as every rule does (mgus2's and rotterdam's orders).
        var bare = Unsettled(model.Model, keepGroups && grouped);
        if (keepGroups && grouped) grouped = false; // (nothing to group again)
        if (levelMaps is { } withMaps && bare.Encoder.EntityLevels.Count > 0)
        {
            // Levels without maps after them (as format 40 made them), or with one each, its training side from the
            // training rows where the model was saved without one (as Fit now fits it).
            var e = bare.Encoder;
            var (real, count) = e.ReadRows(train, (int)bare.TrainingRows, seed, () => { });
            var levels = e.EntityLevels.Select(l =>
            {
                if (!withMaps) return l.WithoutCalibration();
                if (l.Calibration is not null || e.Columns[l.Target] is not NumericColumn { Marginal: { } own, Kind: NumericKind kind }) return l;
                var sorted = real.Numbers(l.Target).Take(count).Where(v => !double.IsNaN(v)).Order().ToArray();
                return l.WithCalibrationTraining(sorted, own.Repeats, kind.Stored);
            }).ToArray();
            bare = bare.WithEncoder(e.WithEntityLevels(levels));
        }
        if (exclusions is not null)
        {
            var e = bare.Encoder;
            bare = bare.WithEncoder(new TabularEncoder(e.Columns, e.Dependencies, e.Constraints, e.Trends, e.Formulas, e.Combinations, e.Thresholds, exclusions, e.EntityLevels, e.StudyEnds));
        }
        if (missingTogether is not null)
        {
            var apart = bare.Encoder.Columns.Select(c => c is NumericColumn { MissingWith: not null } n ? n.WithMissingWith(null) : c).ToArray();
            bare = bare.WithEncoder(bare.Encoder.WithColumns(MissingTogether.Apply(apart, missingTogether)));
        }
        if (grouped)
        {
            var (real, count) = bare.Encoder.ReadRows(train, (int)bare.TrainingRows, seed, () => { });
            bare.Encoder.TrendResiduals(real, count); // a trend's target is grouped on its residuals, as at Fit
            // GAN_GROUP_ASSOCIATION=0.02 tries another least association for a grouping.
            double least = Environment.GetEnvironmentVariable("GAN_GROUP_ASSOCIATION") is { Length: > 0 } a
                ? double.Parse(a, CultureInfo.InvariantCulture) : MarginalGroups.MinimumAssociation;
            var (encoder, groupings) = MarginalGroups.Fit(bare.Encoder, real, count, () => { }, least, groupByValues);
            Console.WriteLine($"Grouped: {string.Join("; ", groupings)}");
            bare = bare.WithEncoder(encoder);
        }
        return GanTrainer.Settle(bare, train, seed, settleOptions, () => { }, Console.WriteLine, trace);
    }

    /// <summary>
    /// The exclusions Fit finds for <paramref name="model"/>'s columns on the training rows (a model saved before they
    /// existed): its categorical columns read back as its encoder decodes them, with Fit's rule on which may take part.
    /// </summary>
    private static IReadOnlyList<CategoryExclusion> FindExclusions(GanModel model, IDataView train, int seed, double? minimumExpected)
    {
        var e = model.Encoder;
        var (real, count) = e.ReadRows(train, (int)model.TrainingRows, seed, () => { });
        var codes = e.Columns.Select((c, i) => i < e.VisibleCount && c is CategoricalColumn categorical
            ? ((int[], double[])?)(real.Levels(i).AsSpan(0, count).ToArray(), Enumerable.Range(0, categorical.LevelCount).Select(l => (double)l).ToArray()) : null).ToArray();
        return CategoryExclusion.Find(e.Columns, codes, count, CategoryExclusion.Eligible(e.Columns.Select(c => c.Name).ToArray(), e.Constraints?.Rules ?? [], e.Constraints, e.SetByThresholds),
            e.Dependencies, () => { }, minimumExpected);
    }

    /// <summary>
    /// The columns missing with others that Fit finds for <paramref name="model"/>'s columns on the training rows
    /// (a model saved before the rule existed), with Fit's rule on which may take part.
    /// </summary>
    private static IReadOnlyList<MissingTogether.Link> FindMissingTogether(GanModel model, IDataView train, int seed)
    {
        var e = model.Encoder;
        var (real, count) = e.ReadRows(train, (int)model.TrainingRows, seed, () => { });
        var values = e.Columns.Select((c, i) => i < e.VisibleCount && c is NumericColumn ? real.Numbers(i).AsSpan(0, count).ToArray() : null).ToArray();
        return MissingTogether.Find(values, MissingTogether.Eligible(e.Columns, e.Constraints?.Rules ?? [], e.Constraints, e.Dependencies, e.Formulas, e.Combinations), () => { });
    }

    private static GanModel WithoutCalibration(GanModel model, bool keepShares) => Stripped(model, state =>
    {
        state.MarginalGenerated = state.MarginalQuantiles = state.MarginalLevels = state.MarginalValues = state.MarginalCumulative = null;
        state.MarginalRepeats = state.MarginalFreeRows = null;
        state.MarginalRepeatedValues = null;
        MarginalMap.ClearGroups(state);
        if (!keepShares) state.LogitBiases = null;
    });

    /// <summary>
    /// A copy of the model as training left it, before <c>Fit</c>'s last stages (<see cref="GanTrainer.Settle"/>): the
    /// same generator and dependencies, no calibration, groups or filter.
    /// </summary>
    private static GanModel Unsettled(GanModel model, bool keepGroups = false) => Stripped(model, state =>
    {
        state.MarginalGenerated = null;
        if (keepGroups) state.MarginalGroupGenerated = null;
        else MarginalMap.ClearGroups(state);
        state.LogitBiases = null;
        state.ConditionShares = null;
    }, keepDependencies: true);

    /// <summary>A copy of <paramref name="model"/> whose columns' states <paramref name="strip"/> has edited, without column dependencies unless <paramref name="keepDependencies"/>.</summary>
    private static GanModel Stripped(GanModel model, Action<ColumnState> strip, bool keepDependencies = false)
    {
        var copy = model.Copy();
        var columns = copy.Encoder.Columns.Select(c =>
        {
            var state = c.ToState();
            strip(state);
            return c.Kind.Restore(state);
        }).ToArray();
        // The rules that make columns from others stay (a trend's target is generated as its residual), their maps after
        // them to be calibrated again.
        var e = copy.Encoder;
        var trends = e.Trends.Select(t => t.WithoutGeneratedCalibration()).ToArray();
        var levels = e.EntityLevels.Select(l => l.WithoutGeneratedCalibration()).ToArray();
        // A category's levels and a study's ends stay too: the generator makes their targets as distances and shares.
        return new GanModel(new TabularEncoder(columns, keepDependencies ? e.Dependencies : null, e.Constraints, trends, e.Formulas, e.Combinations, keepDependencies ? e.Thresholds : null,
                keepDependencies ? e.Exclusions : null, levels, e.StudyEnds),
            copy.Training, copy.Generator, copy.History, copy.TrainingRows, copy.SelectedEpoch);
    }

    /// <summary>
    /// The model <c>ExactDependencies = false</c> trains: training does not use the dependencies, so it is the same
    /// generator, without them, its marginals calibrated afresh (as <c>Fit</c> calibrates them, with the same seed).
    /// </summary>
    private static GanModel WithoutDependencies(GanModel model, int seed)
    {
        var bare = Stripped(model, state =>
        {
            state.MarginalGenerated = state.MarginalGroupGenerated = null; // the training side of each map stays, to be calibrated again
            state.LogitBiases = null;
        });
        if (!model.Training.ExactMarginals) return bare;
        return MarginalCalibration.Run(bare, model.Training.Seed ?? seed, () => { }); // shares bare's generator: bare is not disposed
    }

    /// <summary>
    /// Rows from a copy of the generator left in training mode: each batch normalised by its own statistics, the way
    /// CTGAN samples. The copy's running statistics move as it goes; the model's own are untouched.
    /// </summary>
    private static IDataView TrainingModeRows(GanModel model, long rows, int batch)
    {
        using var copy = model.Copy();
        var generator = copy.Generator!;
        generator.train();
        var all = new DecodedRows(model.Encoder, (int)rows);
        var heads = new OutputHeads(model.Encoder.Spans);
        int nz = model.NoiseDimension, perRow = model.Signature.UniformsPerRow, nc = model.Signature.ConditionWidth;
        for (long start = 0; start < rows; start += batch)
        {
            int b = (int)Math.Min(batch, rows - start);
            var noise = new float[b * nz];
            var uniforms = new float[Math.Max(1, b * perRow)];
            for (int r = 0; r < b; r++)
                Microsoft.ML.Gan.Common.NoiseSource.FillRow(7, (ulong)(start + r), model.Training.NoisePrior, noise.AsSpan(r * nz, nz), uniforms.AsSpan(r * perRow, perRow));
            var (draws, condition) = model.Signature.PrepareRows(uniforms, b);
            float[] output;
            using (NewDisposeScope())
            using (no_grad())
            {
                var c = nc > 0 ? tensor(condition, [b, nc]) : null;
                output = heads.ForGeneration(generator.forward(tensor(noise, [b, nz]), c)).data<float>().ToArray();
            }
            model.Encoder.Decode(output, draws, b, model.Training.CategorySampling, all, (int)start);
        }
        return new DecodedRowsView(model, all);
    }

    /// <summary>A view over rows already decoded in memory.</summary>
    private sealed class DecodedRowsView(GanModel model, DecodedRows rows) : IDataView
    {
        private GanModel Model => model;
        private DecodedRows Rows => rows;
        public DataViewSchema Schema => model.Schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => rows.Capacity;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

        private sealed class Cursor : DataViewRowCursor
        {
            private readonly DecodedRowsView _view;
            private readonly Delegate[] _getters;
            private long _position = -1;

            public Cursor(DecodedRowsView view)
            {
                _view = view;
                _getters = Microsoft.ML.Gan.DataViews.DecodedGetters.Create(view.Model.Encoder, view.Rows, () => (int)_position);
            }

            public override DataViewSchema Schema => _view.Schema;
            public override long Position => _position;
            public override long Batch => 0;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override bool MoveNext() => ++_position < _view.Rows.Capacity;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => Microsoft.ML.Gan.DataViews.DecodedGetters.Cast<TValue>(_getters[column.Index], column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
        }
    }
}

/// <summary>The attribute inference of one sensitive column (<see cref="AttributeInferenceMetrics"/>), as the JSON holds it.</summary>
internal sealed record InferenceFigures(string Column, List<string> Known, int Rows, double TrainingSuccess, double HoldoutSuccess, double Risk, double RiskStandardError);

/// <summary>The figures of one set of generated rows.</summary>
/// <param name="Efficacy">What the efficacy test measured: "F1 of CLASS" (binary), "macro F1" (multiclass) or "R²" (numeric label).</param>
/// <param name="EfficacySynthetic">The efficacy score of FastTree trained on the synthetic rows (F1 or R²), tested on the held-out rows.</param>
/// <param name="EfficacyReal">The same, trained on the real training rows.</param>
internal sealed record QualityRow(string Generation, double Quality, double Shapes, double Pairs, double DetectionAuc, double LogisticDetectionAuc,
    string Efficacy, double EfficacySynthetic, double EfficacyReal, double EfficacyRatio, double AccuracySynthetic, double AccuracyReal,
    double ExactCopyShare, double HoldoutExactCopyShare, double DcrRatio, double TopCorrelationGap, double MissingGap, List<string> TopCorrelations, Dictionary<string, double> MissingShare,
    Dictionary<string, double> ColumnShapes, double SurelyDetected, List<string> Giveaways, List<string> WeakestPairs)
{
    /// <summary>With --sensitive: each column's attribute inference (<see cref="AttributeInferenceMetrics"/>); empty without.</summary>
    public List<InferenceFigures> Inference { get; init; } = [];

    /// <summary>AUC of the efficacy learner trained on the synthetic rows (binary labels; NaN otherwise), on the held-out rows.</summary>
    public double EfficacyAucSynthetic { get; init; } = double.NaN;

    /// <summary>AUC of the efficacy learner trained on the real rows (binary labels; NaN otherwise), on the held-out rows.</summary>
    public double EfficacyAucReal { get; init; } = double.NaN;

    /// <summary>With --rule: the generated rows that break a rule (where its columns are present); null without rules.</summary>
    public long? RuleBreaks { get; init; }

    /// <summary>
    /// The largest share of generated rows that break a column's missing with another, as the real rows show it
    /// (<see cref="SyntheticDataGiveaways.Missing"/>); NaN where the real rows show none.
    /// </summary>
    public double MissingRuleBreaks { get; init; } = double.NaN;

    /// <param name="missingSample">Generated rows whose missing shares are compared with <paramref name="realMissing"/>:
    /// more than <paramref name="synthetic"/> holds for a small table, so that a missing rate is not read off a hundred rows.</param>
    public static QualityRow From(string generation, SyntheticDataMetrics m, IDataView synthetic, IReadOnlyCollection<string> missingTokens,
        IDataView missingSample, Dictionary<string, double> realMissing)
    {
        var missing = QualityBenchmark.MissingShares(missingSample, missingTokens);
        var e = m.Efficacy;
        bool regression = e?.Task == EfficacyTask.Regression;
        string efficacy = e is null ? "none" : regression ? "R²" : e.Task == EfficacyTask.BinaryClassification ? $"F1 of {e.PositiveClass}" : "macro F1";
        return new(generation, m.QualityScore, m.ColumnShapesScore, m.ColumnPairTrendsScore, m.Detection?.MeanAuc ?? double.NaN, m.LogisticDetection?.MeanAuc ?? double.NaN,
            efficacy, e is null ? double.NaN : regression ? e.TrainedOnSynthetic.RSquared : e.TrainedOnSynthetic.F1,
            e is null ? double.NaN : regression ? e.TrainedOnReal.RSquared : e.TrainedOnReal.F1,
            e is null ? double.NaN : regression ? e.RSquaredRatio : e.F1Ratio,
            e?.TrainedOnSynthetic.Accuracy ?? double.NaN, e?.TrainedOnReal.Accuracy ?? double.NaN,
            m.Privacy.ExactCopyShare, m.Privacy.HoldoutExactCopyShare ?? double.NaN, m.Privacy.DcrRatio ?? double.NaN,
            StrongestPairs(m).DefaultIfEmpty().Max(p => p is null ? double.NaN : Math.Abs(p.RealCorrelation!.Value - p.SyntheticCorrelation!.Value)),
            realMissing.Max(r => Math.Abs(r.Value - missing.GetValueOrDefault(r.Key))),
            StrongestPairs(m).Select(p => $"{p.First} x {p.Second}: {Format.F(p.RealCorrelation!.Value, 2)} real, {Format.F(p.SyntheticCorrelation!.Value, 2)} synthetic").ToList(),
            missing, m.Columns.ToDictionary(c => c.Name, c => c.ShapeScore),
            m.Detection?.SurelyDetectedShare ?? double.NaN, Describe(m.Giveaways),
            m.ColumnPairs.OrderBy(p => p.Score).Take(WeakPairs).Select(p => $"{p.First} x {p.Second} {Format.F(p.Score, 3)} ({p.Method})").ToList())
        {
            MissingRuleBreaks = m.Giveaways.Missing.Count > 0 ? m.Giveaways.Missing.Max(x => x.BrokenShare) : double.NaN,
            EfficacyAucSynthetic = e?.TrainedOnSynthetic.Auc ?? double.NaN, EfficacyAucReal = e?.TrainedOnReal.Auc ?? double.NaN,
            Inference = m.Privacy.AttributeInference.Select(a => new InferenceFigures(a.Column, a.Known.ToList(), a.Rows, a.TrainingSuccess, a.HoldoutSuccess, a.Risk, a.RiskStandardError)).ToList(),
        };
    }

    /// <summary>How many of the lowest-scoring pairs the report lists: where pair trends lose most.</summary>
    public const int WeakPairs = 6;

    /// <summary>The strongest relations between numbers: the <see cref="TopPairs"/> pairs of numeric columns with the largest real |Pearson r|.</summary>
    public const int TopPairs = 3;

    private static IEnumerable<ColumnPairComparison> StrongestPairs(SyntheticDataMetrics m) =>
        m.ColumnPairs.Where(p => p.RealCorrelation is not null && p.SyntheticCorrelation is not null && double.IsFinite(p.SyntheticCorrelation.Value))
            .OrderByDescending(p => Math.Abs(p.RealCorrelation!.Value)).Take(TopPairs);

    /// <summary>What gives the rows away, as lines: the columns a detector relies on most, then the pairs.</summary>
    private static List<string> Describe(SyntheticDataGiveaways g)
    {
        static string Share(double v) => Format.F(100 * v, 1) + " %";
        static string Values(IEnumerable<ValueGiveaway> values) => string.Join("; ", values.Select(v => $"{v.Value} {Share(v.SyntheticShare)} vs {Share(v.RealShare)}"));
        var lines = g.Columns.Take(6).Select(c =>
            $"{c.Column,-16} AUC alone {Format.F(c.DetectionAuc, 3)}" + (c.UnseenValueShare > 0 ? $"; unseen values {Share(c.UnseenValueShare)}" : "")
            + (c.OverGenerated.Count > 0 ? $"; too often: {Values(c.OverGenerated.Take(2))}" : "")
            + (c.UnderGenerated.Count > 0 ? $"; too rarely: {Values(c.UnderGenerated.Take(2))}" : "")).ToList();
        lines.AddRange(g.Pairs.Select(p => $"{p.First} x {p.Second}: AUC {Format.F(p.DetectionAuc, 3)}, gain {Format.F(p.Gain, 3)}"
            + (p.UnseenCombinations.Count > 0 ? "; never in the real rows: " + Values(p.UnseenCombinations) : "")));
        lines.AddRange(g.Formulas.Select(f => $"{f.Formula}: kept by every real row, broken by {Share(f.BrokenShare)} of {f.CheckedRows:N0} synthetic rows"));
        lines.AddRange(g.Combinations.Select(f => $"{f.Combination} in the real rows: {Share(f.BrokenShare)} of synthetic rows hold none"));
        lines.AddRange(g.Trends.Select(t => t.ToString()));
        lines.AddRange(g.Thresholds.Select(t => t.ToString()));
        lines.AddRange(g.Missing.Select(x => x.ToString()));
        lines.AddRange(g.Bounds.Select(b => b.ToString()));
        return lines;
    }
}

internal sealed class QualityResult : BenchmarkResult
{
    public string Table { get; init; } = "";
    public string TrainPath { get; init; } = "";
    public string HoldoutSource { get; init; } = "";
    public string Label { get; init; } = "";
    public int Seed { get; init; }
    public string Settings { get; init; } = "";
    public int Epochs { get; init; }
    public int EpochsRun { get; init; }
    public int SelectedEpoch { get; init; }
    public long TrainingRows { get; init; }
    public double FitSeconds { get; init; }
    public CpuLoad FitLoad { get; init; }
    public double EvaluateSeconds { get; init; }
    public List<QualityRow> Results { get; init; } = [];

    /// <summary>Quality against training time: the snapshots' figures, then the final model's (empty without --curve points).</summary>
    public List<CurvePoint> Curve { get; init; } = [];

    /// <summary>What settling and evaluating the snapshots added to <see cref="FitSeconds"/>.</summary>
    public double SnapshotSeconds { get; init; }
    public Dictionary<string, double> RealMissingShare { get; init; } = [];

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"options  {Settings}; seed {Seed}; {EpochsRun} of {Epochs} epochs run, epoch {SelectedEpoch} kept");
        double ownFit = FitSeconds - SnapshotSeconds;
        w.WriteLine($"training {Format.N0(TrainingRows)} rows of {TrainPath} in {Format.F(ownFit, 1)} s ({Format.F(ownFit / Math.Max(1, EpochsRun), 2)} s/epoch; cores busy elsewhere {Format.F(FitLoad.OtherCores, 2)})" +
            (SnapshotSeconds > 0 ? $"; the curve's snapshots took {Format.F(SnapshotSeconds, 1)} s more" : ""));
        w.WriteLine($"evaluated against {HoldoutSource}; efficacy label {Label}, {Results[0].Efficacy}, FastTree");
        w.WriteLine();
        var table = new TextTable("generation", "quality", "shapes", "pairs", "AUC FastTree", "AUC logistic", "efficacy synth", "efficacy real", "ratio", "acc synth", "acc real", "eff AUC synth", "eff AUC real",
            "copies", "holdout copies", "DCR ratio", "top r gap", "missing gap");
        foreach (var r in Results)
            table.Add(r.Generation, Format.F(r.Quality, 3), Format.F(r.Shapes, 3), Format.F(r.Pairs, 3), Format.F(r.DetectionAuc, 3), Format.F(r.LogisticDetectionAuc, 3),
                Format.F(r.EfficacySynthetic, 3), Format.F(r.EfficacyReal, 3), Format.F(r.EfficacyRatio, 3), Format.F(r.AccuracySynthetic, 3), Format.F(r.AccuracyReal, 3),
                Format.F(r.EfficacyAucSynthetic, 3), Format.F(r.EfficacyAucReal, 3),
                Format.F(100 * r.ExactCopyShare, 2) + " %", Format.F(100 * r.HoldoutExactCopyShare, 2) + " %", Format.F(r.DcrRatio, 3),
                Format.F(r.TopCorrelationGap, 3), Format.F(100 * r.MissingGap, 1) + " pt");
        table.Print(w);
        w.WriteLine();
        var columns = Results[0].ColumnShapes.Keys.ToList();
        var shapes = new TextTable(new[] { "column", "shape (1 - KS or 1 - TVD)" }.Concat(Results.Skip(1).Select((_, i) => $"shape, generation {i + 2}")).Append("missing, real").Concat(Results.Select((_, i) => $"missing, generation {i + 1} (at least {Format.N0(QualityBenchmark.MissingSampleRows)} rows)")).ToArray());
        foreach (var c in columns)
            shapes.Add(new[] { c }.Concat(Results.Select(r => r.ColumnShapes.TryGetValue(c, out double shape) ? Format.F(shape, 3) : "")).Append(Share(RealMissingShare, c)).Concat(Results.Select(r => Share(r.MissingShare, c))).ToArray()); // asked rows leave their label out
        shapes.Print(w);
        w.WriteLine();
        w.WriteLine($"evaluation took {Format.F(EvaluateSeconds, 1)} s (generation included)");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)).Where(x => x.r.RuleBreaks is not null))
            w.WriteLine($"rows breaking a rule, generation {i + 1}: {Format.N0(r.RuleBreaks!.Value)} of {Format.N0(TrainingRows)}");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)))
            foreach (var a in r.Inference ?? [])
                w.WriteLine($"attribute inference, generation {i + 1}: {a.Column} from {string.Join(", ", a.Known)}: {Format.F(100 * a.TrainingSuccess, 1)} % of {Format.N0(a.Rows)} training rows, {Format.F(100 * a.HoldoutSuccess, 1)} % of held-out rows; risk {Format.F(a.Risk, 3)} ± {Format.F(a.RiskStandardError, 3)}");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)))
            w.WriteLine($"strongest correlations, generation {i + 1}: {string.Join("; ", r.TopCorrelations)}");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)))
            w.WriteLine($"weakest pairs, generation {i + 1}: {string.Join("; ", r.WeakestPairs ?? [])}");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)))
        {
            w.WriteLine($"what gives generation {i + 1} away (FastTree at least 90 % sure of {Format.F(100 * r.SurelyDetected, 1)} % of its rows):");
            foreach (string line in r.Giveaways) w.WriteLine("  " + line);
        }
        if (Curve.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("quality against training time (each row the model a run of that many epochs returns: a snapshot of this training, settled and measured as the final model):");
            CurvePoint.Table(Curve.Select(p => (p.Epoch, new[] { p.EpochSeconds, p.RestOfFitSeconds, p.Row.Quality, p.Row.Shapes, p.Row.Pairs, p.Row.DetectionAuc, p.Row.LogisticDetectionAuc, p.Row.EfficacyRatio, p.Row.DcrRatio }
                .Select(v => (v, double.NaN)).ToArray()))).Print(w);
        }
        LoadWarning.Print(w, FitLoad.OtherCores, Machine.LogicalCores);
    }

    private static string Share(Dictionary<string, double> shares, string column) =>
        shares.TryGetValue(column, out double v) ? Format.F(100 * v, 1) + " %" : "";
}

/// <summary>One point of the curve of quality against training time.</summary>
/// <param name="EpochSeconds">The epochs' own seconds up to this one.</param>
/// <param name="RestOfFitSeconds">What a run of this length spends beyond its epochs: for a snapshot the stages after the
/// last epoch (calibration, density-ratio filter); for the final model the rest of its Fit (reading the table and the
/// validation checks too).</param>
internal sealed record CurvePoint(int Epoch, double EpochSeconds, double RestOfFitSeconds, QualityRow Row)
{
    public static readonly string[] Headers = ["epochs", "epochs' s", "rest of Fit s", "quality", "shapes", "pairs", "AUC FastTree", "AUC logistic", "efficacy ratio", "DCR ratio"];

    /// <summary>The curve as a table: per epoch count, each figure as a mean and, where known, ± its standard deviation.</summary>
    public static TextTable Table(IEnumerable<(int Epoch, (double Mean, double Sd)[] Figures)> points)
    {
        var table = new TextTable(Headers);
        foreach (var (epoch, figures) in points)
            table.Add(new[] { epoch.ToString(CultureInfo.InvariantCulture) }.Concat(figures.Select((f, i) =>
            {
                int decimals = i < 2 ? 0 : 3;
                return double.IsNaN(f.Sd) ? Format.F(f.Mean, decimals) : $"{Format.F(f.Mean, decimals)} ± {Format.F(f.Sd, decimals)}";
            })).ToArray());
        return table;
    }
}
