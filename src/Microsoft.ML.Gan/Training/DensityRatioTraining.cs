using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// What the density-ratio filter's training found: the filter, and how well its classifier told the rows apart; once
/// calibrated through, the mean column shape of the rows it keeps and of the rows the model makes without it
/// (<see cref="DensityRatioTraining.ColumnShapes"/>; NaN when not measured).
/// </summary>
internal sealed record DensityRatioResult(DensityRatioFilter Filter, double HeldOutAuc, int Epochs)
{
    public double ShapesWith { get; init; } = double.NaN;
    public double ShapesWithout { get; init; } = double.NaN;
}

/// <summary>
/// Trains the <see cref="DensityRatioFilter"/> of a trained (and calibrated) model: as many generated rows as training
/// rows (at most <see cref="MaximumRows"/> of each), made as <c>Generate</c> makes them from a seed of their own; a
/// perceptron learns to tell them apart on <see cref="RowFeatures"/>, with a fifth of each held out to stop it before it
/// learns the training rows themselves; the threshold is the <see cref="ThresholdQuantile"/> quantile of the held-out
/// generated rows' logits, so that the rows the classifier finds most real are always kept.
/// </summary>
internal static class DensityRatioTraining
{
    /// <summary>Training rows (and as many generated rows) the classifier learns from; a larger table is sampled.</summary>
    public const int MaximumRows = 50_000;

    /// <summary>
    /// The classifier's hidden layers: one of 128 units. Two of 256, one of 64 and two of 64 scored the same on Adult,
    /// txhousing and SLID (seed 1 each; see the README); this one costs a fifth of two of 256 a row.
    /// </summary>
    public static readonly int[] Hidden = [128];

    /// <summary>
    /// The held-out AUC below which the filter is not kept: a classifier that can barely tell the generated rows from
    /// the training rows (airquality's 153 rows: 0.50-0.52) has no ratio worth dividing by, and would only cost generation.
    /// </summary>
    public const double MinimumAuc = 0.55;

    /// <summary>The quantile of the generated rows' logits at and above which a row is always kept.</summary>
    public const double ThresholdQuantile = 0.95;

    /// <summary>
    /// How much lower the kept rows' mean column shape may be than the unfiltered model's before the filter is dropped:
    /// calibrated through, a filter keeps the training marginals (Adult's shapes rose from 0.991 to 0.994), unless its
    /// classifier learnt a few hundred rows too well (economics' 456 months of a smooth trend, seed 2: it kept 7 % of
    /// candidates, and the shapes of the rows it kept fell from 0.93 to 0.72 however often calibration ran). A smaller
    /// loss can be the price of better pairs (economics, seed 1: shapes 0.94 against 0.96, pair trends 0.97 against 0.85),
    /// which this check does not see, so only a loss past it drops the filter.
    /// </summary>
    public const double MaximumShapeLoss = 0.05;

    /// <summary>Candidate rows generated to compare the column shapes with and without the filter.</summary>
    public const int ShapeCheckRows = 20_000;

    private const int Batch = 512;
    private const int MaximumEpochs = 60;
    private const int Patience = 5;
    private const double LearningRate = 1e-3;

    /// <summary>
    /// Fit's stage: trains the filter on <paramref name="data"/> (the training table) and, when it is worth keeping
    /// (<see cref="MinimumAuc"/>), returns the model with it, its marginals calibrated through it when
    /// <paramref name="calibrate"/>; otherwise the model as it was. The result says what the classifier found either way.
    /// </summary>
    public static (GanModel Model, DensityRatioResult Result, bool Kept) Attach(GanModel model, IDataView data, int seed, bool calibrate, Action checkAlive,
        double thresholdQuantile = ThresholdQuantile, IReadOnlyList<int>? hidden = null, CalibrationTrace? trace = null)
    {
        var (real, count) = model.Encoder.ReadRows(data, MaximumRows, seed, checkAlive);
        var result = Run(model, real, count, seed, checkAlive, thresholdQuantile, hidden);
        if (result.HeldOutAuc < MinimumAuc)
        {
            trace?.Note($"no filter: its classifier's held-out AUC {result.HeldOutAuc:F3} is below {MinimumAuc:F2}");
            return (model, result, false);
        }
        var filtered = model.WithFilter(result.Filter);
        // The rows the filter keeps are calibrated onto the training marginals in turn; a filter they then fit worse is dropped.
        if (!calibrate) return (filtered, result, true);
        if (trace is not null) trace.Prefix = "filter: ";
        filtered = MarginalCalibration.Run(filtered, seed, checkAlive, trace);
        var (keep, with, without) = Compare(model, filtered, real, count, seed, checkAlive);
        if (trace is not null)
        {
            trace.Prefix = "";
            trace.Note(keep ? $"filter kept: column shapes {with:F3} with it, {without:F3} without" : $"filter dropped: column shapes {with:F3} with it, {without:F3} without");
        }
        result = result with { ShapesWith = with, ShapesWithout = without };
        return keep ? (filtered, result, true) : (model, result, false);
    }

    /// <summary>
    /// Whether <paramref name="filtered"/> (the model with its filter, calibrated through it) is worth keeping over
    /// <paramref name="unfiltered"/>: its kept rows' mean column shape is at most <see cref="MaximumShapeLoss"/> below the
    /// unfiltered model's, both from the same candidates (<see cref="ColumnShapes"/>); and the two shapes.
    /// </summary>
    internal static (bool Keep, double With, double Without) Compare(GanModel unfiltered, GanModel filtered, DecodedRows real, int realRows, int seed, Action checkAlive)
    {
        ulong checkSeed = (ulong)(uint)seed ^ 0x5348_4150_4553_4348UL; // rows of their own, apart from the filter's and calibration's
        double with = ColumnShapes(filtered, real, realRows, checkSeed, checkAlive);
        double without = ColumnShapes(unfiltered, real, realRows, checkSeed, checkAlive);
        return (!(with < without - MaximumShapeLoss), with, without);
    }

    /// <summary>
    /// The mean column shape (SDMetrics' 1 − Kolmogorov-Smirnov for numbers, present values only; 1 − total variation
    /// for categories) of <see cref="ShapeCheckRows"/> candidates <paramref name="model"/> generates, each weighed by
    /// the probability its filter keeps it (all alike without one), against the first <paramref name="realRows"/> rows
    /// of <paramref name="real"/>.
    /// </summary>
    internal static double ColumnShapes(GanModel model, DecodedRows real, int realRows, ulong seed, Action checkAlive)
    {
        var generated = Candidates(model, ShapeCheckRows, seed, checkAlive);
        double[]? weights = model.Filter is { } filter
            ? filter.Logits(generated, ShapeCheckRows).Select(filter.KeepProbability).Select(w => (double)w).ToArray()
            : null;
        var columns = model.Encoder.Columns;
        double total = 0;
        int learned = 0;
        for (int c = 0; c < columns.Count; c++)
        {
            checkAlive();
            if (columns[c] is MadeColumn) continue; // made apart from the network: nothing to compare
            learned++;
            total += columns[c] is CategoricalColumn categorical
                ? 1 - ColumnStatistics.TotalVariation(real.Levels(c).AsSpan(0, realRows), generated.Levels(c), categorical.LevelCount, weights)
                : 1 - ColumnStatistics.KolmogorovSmirnov(real.Numbers(c).AsSpan(0, realRows), ((NumericKind)columns[c].Kind).Stored(generated.Numbers(c)), weights); // held as the training values were
        }
        return total / Math.Max(1, learned);
    }

    /// <summary>
    /// The filter of <paramref name="model"/>, trained on the first <paramref name="realRows"/> rows of <paramref name="real"/>
    /// (decoded training rows) against as many rows the model generates; <paramref name="hidden"/> overrides <see cref="Hidden"/>.
    /// </summary>
    public static DensityRatioResult Run(GanModel model, DecodedRows real, int realRows, int seed, Action checkAlive, double thresholdQuantile = ThresholdQuantile,
        IReadOnlyList<int>? hidden = null)
    {
        var encoder = model.Encoder;
        var generated = Candidates(model, realRows, (ulong)(uint)seed ^ 0x4445_4E53_4954_5952UL, checkAlive);
        var features = RowFeatures.Fit(encoder.Columns, real, realRows);
        int f = features.Width, n = 2 * realRows;
        var x = new float[(long)n * f];
        features.Compute(real, 0, realRows, x);
        features.Compute(generated, 0, realRows, x.AsSpan(realRows * f));

        using var scope = NewDisposeScope();
        using var rng = new torch.Generator((ulong)seed ^ 0x5EEDUL);
        var all = TorchRuntime.Copied(x, [n, f]);
        var labels = cat([ones(realRows), zeros(realRows)]);
        // A fifth of each class held out, the same rows every epoch.
        using var realOffset = ((long)realRows).ToScalar(); // Scalars made implicitly would be left to the finalizer
        var order = cat([randperm(realRows, generator: rng), randperm(realRows, generator: rng).add(realOffset, Scalars.One)]);
        int heldPerClass = Math.Max(1, realRows / 5);
        var held = cat([order.narrow(0, 0, heldPerClass), order.narrow(0, realRows, heldPerClass)]);
        var train = cat([order.narrow(0, heldPerClass, realRows - heldPerClass), order.narrow(0, realRows + heldPerClass, realRows - heldPerClass)]);
        var xHeld = all.index_select(0, held);
        var yHeld = labels.index_select(0, held);

        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = f;
        hidden ??= Hidden;
        for (int i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            modules.Add(($"relu{i}", nn.ReLU()));
            width = hidden[i];
        }
        modules.Add(("output", nn.Linear(width, 1)));
        using var network = nn.Sequential(modules);
        SeededInitialization.Apply(network, rng);
        // The library's own Adam: TorchSharp's leaves its coefficients to the finalizer (see GanOptimizer).
        using var optimizer = new GanOptimizer.Adam(network.parameters(), LearningRate, beta1: 0.9, beta2: 0.999, decay: 0);

        double best = double.PositiveInfinity;
        int bestEpoch = 0;
        var bestWeights = Snapshot(network);
        for (int epoch = 1; epoch <= MaximumEpochs && epoch - bestEpoch <= Patience; epoch++)
        {
            network.train();
            var shuffled = train.index_select(0, randperm(train.shape[0], generator: rng));
            for (long start = 0; start < shuffled.shape[0]; start += Batch)
            {
                checkAlive();
                using var step = NewDisposeScope();
                var rows = shuffled.narrow(0, start, Math.Min(Batch, shuffled.shape[0] - start));
                optimizer.ZeroGrad();
                var loss = nn.functional.binary_cross_entropy_with_logits(network.forward(all.index_select(0, rows)).squeeze(1), labels.index_select(0, rows));
                loss.backward();
                optimizer.Step();
            }
            network.eval();
            double heldLoss;
            using (no_grad())
            using (NewDisposeScope())
                heldLoss = nn.functional.binary_cross_entropy_with_logits(network.forward(xHeld).squeeze(1), yHeld).item<float>();
            if (heldLoss < best - 1e-4)
            {
                best = heldLoss;
                bestEpoch = epoch;
                bestWeights = Snapshot(network);
            }
        }
        var layers = Layers(network, bestWeights);

        // The threshold and the share kept, from the held-out rows' logits (the classifier never trained on them).
        // A classifier that separates the rows well is overconfident: its logits are first scaled to be calibrated on
        // the held-out rows (Platt scaling), so that a logit estimates the log density ratio the filter divides by.
        float[] heldLogits;
        using (no_grad()) heldLogits = new DensityRatioFilter(features, layers, 0f, 1).Forward(xHeld);
        var yHeldArray = yHeld.data<float>().ToArray();
        var (scale, shift) = Platt(heldLogits, yHeldArray);
        var last = layers[^1];
        layers[^1] = last with { Weights = last.Weights.Select(w => (float)(w * scale)).ToArray(), Bias = last.Bias.Select(b => (float)(b * scale + shift)).ToArray() };
        for (int i = 0; i < heldLogits.Length; i++) heldLogits[i] = (float)(heldLogits[i] * scale + shift);
        var generatedLogits = heldLogits.Where((_, i) => yHeldArray[i] == 0).OrderBy(v => v).ToArray();
        float threshold = generatedLogits[(int)Math.Min(generatedLogits.Length - 1, Math.Floor(thresholdQuantile * generatedLogits.Length))];
        double acceptance = generatedLogits.Average(d => Math.Exp(Math.Min(0, d - threshold)));
        double auc = Auc(heldLogits.Where((_, i) => yHeldArray[i] == 1).ToArray(), generatedLogits);
        return new DensityRatioResult(new DensityRatioFilter(features, layers, threshold, acceptance), auc, bestEpoch);
    }

    /// <summary><paramref name="rows"/> rows decoded as generation decodes them (dependencies applied), from their own seed.</summary>
    internal static DecodedRows Candidates(GanModel model, int rows, ulong seed, Action checkAlive)
    {
        var (output, draws, _) = MarginalCalibration.Outputs(model, rows, seed, checkAlive);
        var into = new DecodedRows(model.Encoder, rows);
        model.Encoder.Decode(output, draws, rows, model.Training.CategorySampling, into);
        return into;
    }

    private static Tensor[] Snapshot(nn.Module module) => module.parameters().Select(p => p.detach().clone()).ToArray();

    private static FoldedLayer[] Layers(Sequential network, Tensor[] weights)
    {
        var linears = network.modules().OfType<Linear>().ToArray();
        var layers = new FoldedLayer[linears.Length];
        int p = 0;
        for (int i = 0; i < linears.Length; i++)
        {
            var w = weights[p++].data<float>().ToArray();
            var b = weights[p++].data<float>().ToArray();
            int outputs = (int)linears[i].weight!.shape[0], inputs = (int)linears[i].weight!.shape[1];
            layers[i] = new FoldedLayer(w, b, inputs, outputs, Relu: i < linears.Length - 1, AppendInput: false);
        }
        return layers;
    }

    /// <summary>
    /// The a and b that make sigmoid(a d + b) the best-calibrated probability of "real" for logits d with labels y
    /// (logistic regression on one feature, by Newton's method).
    /// </summary>
    internal static (double Scale, double Shift) Platt(float[] logits, float[] labels)
    {
        double a = 1, b = 0;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 1e-9;
            for (int i = 0; i < logits.Length; i++)
            {
                double d = logits[i], p = 1 / (1 + Math.Exp(-(a * d + b))), e = p - labels[i], w = p * (1 - p);
                ga += e * d;
                gb += e;
                haa += w * d * d;
                hab += w * d;
                hbb += w;
            }
            double det = haa * hbb - hab * hab;
            if (!(det > 1e-12)) break;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if (Math.Abs(da) + Math.Abs(db) < 1e-9) break;
        }
        // A scale that is not positive (a classifier no better than chance) leaves no ratio to correct by.
        return a > 0 && double.IsFinite(a) && double.IsFinite(b) ? (a, b) : (0, 0);
    }

    /// <summary>The probability that a real row's logit exceeds a generated row's (ties count half).</summary>
    private static double Auc(float[] real, float[] generated)
    {
        var all = real.Select(v => (v, 1)).Concat(generated.Select(v => (v, 0))).OrderBy(p => p.v).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].v == all[i].v) j++;
            double rank = (i + j + 1) / 2.0; // 1-based average rank of the tie
            for (int k = i; k < j; k++) if (all[k].Item2 == 1) rankSum += rank;
            i = j;
        }
        return (rankSum - real.Length * (real.Length + 1) / 2.0) / ((double)real.Length * generated.Length);
    }
}
