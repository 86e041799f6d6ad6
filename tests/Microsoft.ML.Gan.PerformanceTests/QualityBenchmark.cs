using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// quality: trains on adult_train.csv, generates as many rows as it has, and evaluates them against adult_test.csv:
/// column shapes, pair trends, real-vs-synthetic detection AUC, and machine-learning efficacy (FastTree trained on
/// synthetic rows vs on real rows, both tested on the real test rows, F1 of "&gt;50K"). --set Name=Value changes
/// any GanTrainer.Options property, so one command compares configurations. --compare-batchnorm also evaluates
/// rows generated in training mode (batch statistics) beside the exported inference-mode graph.
/// </summary>
internal static class QualityBenchmark
{
    public const int DefaultEpochs = 300;
    public const string Label = "income";
    public const string PositiveClass = ">50K";

    public static QualityResult Run(BenchmarkArguments arguments)
    {
        var ml = new MLContext(seed: arguments.Seed);
        string trainPath = AdultData.Locate(arguments.DataPath);
        string testPath = Path.Combine(Path.GetDirectoryName(trainPath)!, "adult_test.csv");
        if (!File.Exists(testPath)) throw new DataNotFoundException($"The Adult test table was not found at '{testPath}' (beside {AdultData.FileName}).");
        var train = AdultData.Load(ml, trainPath, arguments.NumbersAsSingle);
        var test = AdultData.Load(ml, testPath, arguments.NumbersAsSingle);

        var options = AdultModel.TrainingOptions(arguments.Epochs ?? DefaultEpochs, arguments.Seed, arguments.Classic, arguments.Threads);
        foreach (var (name, value) in arguments.Settings) Set(options, name, value);
        string described = AdultModel.Describe(arguments.Classic) + string.Concat(arguments.Settings.Select(s => $", {s.Name}={s.Value}"))
            + (arguments.NumbersAsSingle ? ", integer columns loaded as Single" : "");
        var clock = Stopwatch.StartNew();
        var load = CpuLoad.Mark.Now();
        GanTransformer model;
        if (arguments.ModelPath is { } saved)
        {
            Console.WriteLine($"Loading {saved} (no training) ...");
            model = ml.Gan().LoadModel(saved);
            options = model.Options;
            described = $"loaded from {saved}";
        }
        else
        {
            Console.WriteLine($"Training {options.Epochs} epochs on {trainPath} ({described}) ...");
            model = ml.Gan().Train(options).Fit(train);
        }
        using var _ = model;
        double fitSeconds = arguments.ModelPath is null ? clock.Elapsed.TotalSeconds : double.NaN;
        var fitLoad = load.UntilNow();
        if (arguments.SaveModelPath is { } save) model.Save(save);

        long rows = model.TrainingRowCount;
        var evaluation = new SyntheticDataEvaluationOptions
        {
            LabelColumn = Label, HoldoutReal = test, MissingCategoryTokens = [AdultData.MissingToken], Seed = 0, MaximumRows = 30_000,
        };
        Console.WriteLine($"Generating {rows:N0} rows and evaluating against {testPath} ...");
        clock.Restart();
        var synthetic = ml.Data.Cache(model.Generate(rows, seed: 7));
        var metrics = ml.Gan().Evaluate(train, synthetic, evaluation);
        var results = new List<QualityRow> { QualityRow.From("inference mode (exported ONNX graph, running statistics)", metrics, synthetic) };
        double evaluateSeconds = clock.Elapsed.TotalSeconds;

        if (arguments.CompareBatchNorm && options.GeneratorBatchNorm)
        {
            Console.WriteLine("Generating the same number of rows in training mode (batch statistics) and evaluating ...");
            var trainingMode = ml.Data.Cache(TrainingModeRows(model.Model, rows, options.BatchSize));
            results.Add(QualityRow.From($"training mode (batch statistics, batches of {options.BatchSize}), as CTGAN samples", ml.Gan().Evaluate(train, trainingMode, evaluation), trainingMode));
        }

        if (arguments.CompareArgMax && options.CategorySampling == CategorySampling.Sample)
        {
            Console.WriteLine("Generating the same number of rows with argmax categories and evaluating ...");
            using var graph = new MemoryStream();
            model.SaveAsOnnx(graph, CategorySampling.ArgMax);
            graph.Position = 0;
            using var argmax = ml.Gan().LoadOnnx(graph);
            var argmaxRows = ml.Data.Cache(argmax.Generate(rows, seed: 7));
            results.Add(QualityRow.From("argmax categories (SaveAsOnnx(path, CategorySampling.ArgMax))", ml.Gan().Evaluate(train, argmaxRows, evaluation), argmaxRows));
        }

        return new QualityResult
        {
            Benchmark = "quality",
            Settings = described,
            Epochs = options.Epochs,
            EpochsRun = model.History.Count,
            SelectedEpoch = model.SelectedEpoch,
            TrainingRows = rows,
            FitSeconds = fitSeconds,
            FitLoad = fitLoad,
            EvaluateSeconds = evaluateSeconds,
            Results = results,
            RealMissingShare = MissingShares(train),
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

    /// <summary>The share of "?" in the columns that have it, in a table.</summary>
    internal static Dictionary<string, double> MissingShares(IDataView view)
    {
        var shares = new Dictionary<string, double>();
        foreach (string column in new[] { "workclass", "occupation", "native-country" })
        {
            long total = 0, missing = 0;
            using var cursor = view.GetRowCursor([view.Schema[column]]);
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema[column]);
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                getter(ref text);
                total++;
                if (text.Span.SequenceEqual(AdultData.MissingToken)) missing++;
            }
            shares[column] = total == 0 ? 0 : (double)missing / total;
        }
        return shares;
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

internal sealed record QualityRow(string Generation, double Quality, double Shapes, double Pairs, double DetectionAuc, double LogisticDetectionAuc,
    double F1Synthetic, double F1Real, double F1Ratio, double AccuracySynthetic, double AccuracyReal, Dictionary<string, double> MissingShare,
    Dictionary<string, double> ColumnShapes, double SurelyDetected, List<string> Giveaways)
{
    public static QualityRow From(string generation, SyntheticDataMetrics m, IDataView synthetic) => new(
        generation, m.QualityScore, m.ColumnShapesScore, m.ColumnPairTrendsScore, m.Detection?.MeanAuc ?? double.NaN, m.LogisticDetection?.MeanAuc ?? double.NaN,
        m.Efficacy?.TrainedOnSynthetic.F1 ?? double.NaN, m.Efficacy?.TrainedOnReal.F1 ?? double.NaN, m.Efficacy?.F1Ratio ?? double.NaN,
        m.Efficacy?.TrainedOnSynthetic.Accuracy ?? double.NaN, m.Efficacy?.TrainedOnReal.Accuracy ?? double.NaN,
        QualityBenchmark.MissingShares(synthetic), m.Columns.ToDictionary(c => c.Name, c => c.ShapeScore),
        m.Detection?.SurelyDetectedShare ?? double.NaN, Describe(m.Giveaways));

    /// <summary>What gives the rows away, as lines: the columns a detector relies on most, then the pairs.</summary>
    private static List<string> Describe(SyntheticDataGiveaways g)
    {
        static string Share(double v) => Format.F(100 * v, 1) + " %";
        static string Values(IEnumerable<ValueGiveaway> values) => string.Join("; ", values.Select(v => $"{v.Value} {Share(v.SyntheticShare)} vs {Share(v.RealShare)}"));
        var lines = g.Columns.Take(6).Select(c =>
            $"{c.Column,-16} AUC alone {Format.F(c.DetectionAuc, 3)}" + (c.UnseenValueShare > 0 ? $"; unseen values {Share(c.UnseenValueShare)}" : "")
            + $"; too often: {Values(c.OverGenerated.Take(2))}; too rarely: {Values(c.UnderGenerated.Take(2))}").ToList();
        lines.AddRange(g.Pairs.Select(p => $"{p.First} x {p.Second}: AUC {Format.F(p.DetectionAuc, 3)}, gain {Format.F(p.Gain, 3)}"
            + (p.UnseenCombinations.Count > 0 ? "; never in the real rows: " + Values(p.UnseenCombinations) : "")));
        return lines;
    }
}

internal sealed class QualityResult : BenchmarkResult
{
    public string Settings { get; init; } = "";
    public int Epochs { get; init; }
    public int EpochsRun { get; init; }
    public int SelectedEpoch { get; init; }
    public long TrainingRows { get; init; }
    public double FitSeconds { get; init; }
    public CpuLoad FitLoad { get; init; }
    public double EvaluateSeconds { get; init; }
    public List<QualityRow> Results { get; init; } = [];
    public Dictionary<string, double> RealMissingShare { get; init; } = [];

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"options  {Settings}; {EpochsRun} of {Epochs} epochs run, epoch {SelectedEpoch} kept");
        w.WriteLine($"training {Format.N0(TrainingRows)} rows of adult_train.csv in {Format.F(FitSeconds, 1)} s ({Format.F(FitSeconds / Math.Max(1, EpochsRun), 2)} s/epoch; cores busy elsewhere {Format.F(FitLoad.OtherCores, 2)})");
        w.WriteLine($"evaluated against adult_test.csv; label {QualityBenchmark.Label}, positive class {QualityBenchmark.PositiveClass}; FastTree efficacy");
        w.WriteLine();
        var table = new TextTable("generation", "quality", "shapes", "pairs", "AUC FastTree", "AUC logistic", "F1 synth", "F1 real", "F1 ratio", "acc synth", "acc real",
            "? workclass", "? occupation", "? country");
        foreach (var r in Results)
            table.Add(r.Generation, Format.F(r.Quality, 3), Format.F(r.Shapes, 3), Format.F(r.Pairs, 3), Format.F(r.DetectionAuc, 3), Format.F(r.LogisticDetectionAuc, 3),
                Format.F(r.F1Synthetic, 3), Format.F(r.F1Real, 3), Format.F(r.F1Ratio, 3), Format.F(r.AccuracySynthetic, 3), Format.F(r.AccuracyReal, 3),
                Share(r.MissingShare, "workclass"), Share(r.MissingShare, "occupation"), Share(r.MissingShare, "native-country"));
        table.Add("real training rows", "", "", "", "", "", "", "", "", "", "",
            Share(RealMissingShare, "workclass"), Share(RealMissingShare, "occupation"), Share(RealMissingShare, "native-country"));
        table.Print(w);
        w.WriteLine();
        var columns = Results[0].ColumnShapes.Keys.ToList();
        var shapes = new TextTable(new[] { "column shape (1 - KS or 1 - TVD)" }.Concat(Results.Select((_, i) => $"generation {i + 1}")).ToArray());
        foreach (var c in columns) shapes.Add(new[] { c }.Concat(Results.Select(r => Format.F(r.ColumnShapes[c], 3))).ToArray());
        shapes.Print(w);
        w.WriteLine();
        w.WriteLine($"evaluation took {Format.F(EvaluateSeconds, 1)} s (generation included)");
        foreach (var (r, i) in Results.Select((r, i) => (r, i)))
        {
            w.WriteLine($"what gives generation {i + 1} away (FastTree at least 90 % sure of {Format.F(100 * r.SurelyDetected, 1)} % of its rows):");
            foreach (string line in r.Giveaways) w.WriteLine("  " + line);
        }
        LoadWarning.Print(w, FitLoad.OtherCores, Machine.LogicalCores);
    }

    private static string Share(Dictionary<string, double> shares, string column) =>
        shares.TryGetValue(column, out double v) ? Format.F(100 * v, 1) + " %" : "";
}
