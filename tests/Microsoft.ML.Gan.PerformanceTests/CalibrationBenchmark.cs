using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// calibration: the stages after training (<c>GanTrainer.Settle</c>: calibration, the density-ratio filter and the
/// calibration through it) run again on a saved model's generator, each column's shape and missing share recorded after
/// each stage (<see cref="CalibrationTrace"/>), then measured once more on fresh rows of the settled model (as
/// <c>Generate</c> makes them, each weighed by its keep probability). Every stage aims at the training marginals, so a
/// column is flagged where a stage lowers its shape by more than <see cref="Drop"/>, where it ends more than that below
/// the best stage it had, where its missing share ends more than <see cref="MissingGap"/> off, and where fresh rows fit
/// it more than <see cref="Drop"/> worse than calibration's own rows. Quick (no training, no evaluation), so it runs
/// on every table's saved model after a change to calibration: the mean shape of a table hid a column's fall for four
/// stops once (HMDA's unemployment rate, 0.98 → 0.65).
/// </summary>
internal static class CalibrationBenchmark
{
    /// <summary>A fall in a column's shape this large is flagged.</summary>
    public const double Drop = 0.02;

    /// <summary>A missing share this far off the training one at the end is flagged.</summary>
    public const double MissingGap = 0.02;

    /// <summary>Fresh rows the settled model is measured on.</summary>
    public const int FreshRows = 20_000;

    public static CalibrationResult Run(BenchmarkArguments arguments)
    {
        var ml = new MLContext(seed: arguments.Seed);
        var data = QualityBenchmark.Table(ml, arguments);
        string path = arguments.ModelPath ?? throw new ArgumentException("calibration settles a saved model's generator again: give --model m.zip (e.g. one quality --save-model wrote).");
        Console.WriteLine($"Loading {path} ...");
        using var model = ml.Gan().LoadModel(path);
        QualityBenchmark.CheckColumns(model, data.Train, path);
        int seed = model.Options.Seed ?? arguments.Seed;
        var encoder = model.Model.Encoder;
        var (real, count) = encoder.ReadRows(data.Train, (int)model.Model.TrainingRows, seed, () => { });
        var trace = new CalibrationTrace(real, count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var settled = QualityBenchmark.SettleAgain(model, arguments, data.Train, seed, model.Options.GroupedMarginals && model.Options.ExactMarginals, filter: null, trace: trace,
            levelMaps: Environment.GetEnvironmentVariable("GAN_LEVEL_MAPS") != "0", keepGroups: true); // GAN_LEVEL_MAPS=0: levels unmapped, as format 40
        if (arguments.SaveModelPath is { } save)
        {
            using var toSave = new GanTransformer(ml, settled.Copy(), null);
            toSave.Save(save);
            Console.WriteLine($"The model settled again is saved to {save}.");
        } // a model saved before the maps after levels gets them, as Fit now fits them
        double settleSeconds = clock.Elapsed.TotalSeconds;

        // Fresh rows, a stream apart from calibration's: what generation hands out, each weighed by the filter's keep probability.
        var fresh = DensityRatioTraining.Candidates(settled, FreshRows, (ulong)(uint)seed ^ 0x4652_4553_4852_4F57UL, () => { });
        var weights = settled.Filter is { } filter ? filter.Logits(fresh, FreshRows).Select(filter.KeepProbability).ToArray() : null;
        trace.Record("fresh rows", settled.Encoder.Columns, fresh, FreshRows, weights);
        // Calibration fits its shares and quantiles to its own rows, so fresh rows fit less well by sampling alone: more
        // so for a category of many levels and through a filter that keeps few rows (fewer effective rows).
        double effective = weights is null ? FreshRows : Math.Pow(weights.Sum(w => (double)w), 2) / weights.Sum(w => (double)w * w);
        var noise = encoder.Columns.Select((column, c) => column is CategoricalColumn categorical
            ? SamplingTotalVariation(real.Levels(c).AsSpan(0, count), categorical.LevelCount, effective)
            : 0.87 / Math.Sqrt(effective)).ToArray();

        var names = encoder.Columns.Select(c => c.Name).ToArray();
        var result = new CalibrationResult
        {
            Benchmark = "calibration", Table = data.Name, Model = path, Seed = seed, SettleSeconds = settleSeconds,
            Columns = names.ToList(), Notes = trace.Notes.ToList(), EffectiveFreshRows = effective, FreshNoise = noise.ToList(),
            Stages = trace.Stages.Select(s => new CalibrationStageFigures(s.Name, s.Shapes.ToList(), s.MissingGaps.ToList())).ToList(),
        };
        result.Flags.AddRange(Flags(trace, names, noise));
        return result;
    }

    /// <summary>
    /// The total variation a sample of <paramref name="rows"/> rows drawn from the shares of <paramref name="levels"/> is
    /// expected to show against those shares: ½ Σ E|p̂ − p|, each p̂ nearly normal with variance p(1 − p) ÷ rows.
    /// </summary>
    internal static double SamplingTotalVariation(ReadOnlySpan<int> levels, int levelCount, double rows)
    {
        var counts = new double[levelCount];
        foreach (int l in levels) counts[l]++;
        double sum = 0;
        foreach (double n in counts)
        {
            double p = n / Math.Max(1, levels.Length);
            sum += Math.Sqrt(2 * p * (1 - p) / (Math.PI * rows));
        }
        return sum / 2;
    }

    /// <summary>
    /// The columns a stage left clearly worse (see the class), each with what the stages measured; fresh rows are flagged
    /// past <see cref="Drop"/> plus the fit sampling alone costs them (<paramref name="freshNoise"/>, a column's).
    /// </summary>
    internal static IEnumerable<string> Flags(CalibrationTrace trace, IReadOnlyList<string> names, IReadOnlyList<double> freshNoise)
    {
        var stages = trace.Stages;
        // (the fresh rows are the last stage: calibration ends one before)
        foreach (var (c, end, best, stage) in trace.EndsBelowBest(Drop, last: 2))
            yield return $"'{names[c]}': ends at a shape of {Format.F(end, 3)}, below the {Format.F(best, 3)} of stage '{stage}'";
        if (stages.Count < 2) yield break;
        var fresh = stages[^1];
        var settled = stages[^2]; // the last stage of calibration: what the model was left with
        for (int c = 0; c < names.Count; c++)
        {
            if (double.IsNaN(settled.Shapes[c])) continue;
            for (int s = 1; s < stages.Count - 1; s++)
            {
                // A filter's first stage weighs the rows anew: it is compared with nothing before it.
                if (stages[s].Name.EndsWith(": generator", StringComparison.Ordinal)) continue;
                double fall = stages[s - 1].Shapes[c] - stages[s].Shapes[c];
                if (fall > Drop)
                    yield return $"'{names[c]}': {stages[s].Name} took its shape from {Format.F(stages[s - 1].Shapes[c], 3)} to {Format.F(stages[s].Shapes[c], 3)}" +
                        (settled.Shapes[c] >= stages[s - 1].Shapes[c] - Drop ? " (made up for by the end)" : "");
            }
            if (Math.Abs(settled.MissingGaps[c]) > MissingGap)
                yield return $"'{names[c]}': its missing share ends {Format.F(100 * settled.MissingGaps[c], 1)} points off the training one";
            if (settled.Shapes[c] - fresh.Shapes[c] > Drop + freshNoise[c])
                yield return $"'{names[c]}': fresh rows fit it worse than calibration's own ({Format.F(fresh.Shapes[c], 3)} against {Format.F(settled.Shapes[c], 3)}; sampling alone costs about {Format.F(freshNoise[c], 3)})";
        }
    }
}

/// <summary>One stage's figures: each column's shape and missing-share gap (NaN where not measured).</summary>
internal sealed record CalibrationStageFigures(string Name, List<double> Shapes, List<double> MissingGaps);

internal sealed class CalibrationResult : BenchmarkResult
{
    public string Table { get; init; } = "";
    public string Model { get; init; } = "";
    public int Seed { get; init; }
    public double SettleSeconds { get; init; }

    /// <summary>The fresh rows' effective count ((Σ w)² ÷ Σ w², their keep probabilities w through a filter).</summary>
    public double EffectiveFreshRows { get; init; }

    /// <summary>Each column's shape that sampling alone costs that many fresh rows (see <see cref="CalibrationBenchmark.Flags"/>).</summary>
    public List<double> FreshNoise { get; init; } = [];
    public List<string> Columns { get; init; } = [];
    public List<CalibrationStageFigures> Stages { get; init; } = [];
    public List<string> Notes { get; init; } = [];
    public List<string> Flags { get; init; } = [];

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"model    {Model}, its generator settled again with seed {Seed} in {Format.F(SettleSeconds, 1)} s; shapes against the training rows of {Table}");
        w.WriteLine();
        w.WriteLine("Stages:");
        for (int s = 0; s < Stages.Count; s++)
            w.WriteLine($"  {s,2}  {Stages[s].Name}" + (s == Stages.Count - 1 ? $" ({Format.N0(CalibrationBenchmark.FreshRows)}, worth {Format.N0(EffectiveFreshRows)} unweighted rows)" : ""));
        foreach (string note in Notes) w.WriteLine($"  ({note})");
        w.WriteLine();
        var table = new TextTable(["column shape", .. Enumerable.Range(0, Stages.Count).Select(s => s.ToString())]);
        for (int c = 0; c < Columns.Count; c++)
        {
            if (Stages.All(s => double.IsNaN(s.Shapes[c]))) continue;
            table.Add([Columns[c], .. Stages.Select(s => Format.F(s.Shapes[c], 3))]);
        }
        table.Add(["mean", .. Stages.Select(s => Format.F(s.Shapes.Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average(), 3))]);
        table.Print(w);
        if (Columns.Select((_, c) => c).Any(c => Stages.Any(s => Math.Abs(s.MissingGaps[c]) > 0.005)))
        {
            w.WriteLine();
            var missing = new TextTable(["missing share − training's (points)", .. Enumerable.Range(0, Stages.Count).Select(s => s.ToString())]);
            for (int c = 0; c < Columns.Count; c++)
                if (Stages.Any(s => Math.Abs(s.MissingGaps[c]) > 0.005))
                    missing.Add([Columns[c], .. Stages.Select(s => Format.F(100 * s.MissingGaps[c], 1))]);
            missing.Print(w);
        }
        w.WriteLine();
        if (Flags.Count == 0) w.WriteLine($"No column flagged (a stage lowering a shape by more than {Format.F(CalibrationBenchmark.Drop, 2)}, an end below the best stage, a missing share off by more than {Format.F(100 * CalibrationBenchmark.MissingGap, 0)} points, fresh rows fitting worse).");
        else
        {
            w.WriteLine($"Flagged ({Flags.Count}):");
            foreach (string flag in Flags) w.WriteLine($"  {flag}");
        }
    }
}
