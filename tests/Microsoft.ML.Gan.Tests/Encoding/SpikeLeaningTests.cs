using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// A spike's rows carry the generator's leaning into the marginal map: where the generator makes a spike too often or
/// too rarely, the rows the map moves off it (or onto it) are those the generator leant furthest towards the other
/// value, not rows at random, so a moved indicator keeps its relations with the row's other columns.
/// </summary>
[TestClass]
public sealed class SpikeLeaningTests
{
    private static readonly NumericKind s_int32 = (NumericKind)ColumnKinds.Find(NumberDataViewType.Int32)!;

    [TestMethod]
    public void TheRowsAMapMovesOffASpikeAreThoseTheGeneratorLeantTowardsTheOtherValue()
    {
        // A 0/1 indicator, 30 % ones in training: two spikes and no Gaussian mode, so every mode is a value of its own.
        var training = Enumerable.Range(0, 4000).Select(i => i % 10 < 3 ? 1.0 : 0.0).ToArray();
        var state = NumericColumn.Fit("flag", s_int32.Name, training, new BayesianGaussianMixtureOptions { Seed = 1 }, s_int32.Stored, marginal: true);
        Assert.IsTrue(state.LeaningSpikes, "a new column with a map leans its spikes");
        var leaning = (NumericColumn)s_int32.Restore(state);
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, leaning.Spikes.ToArray());
        Assert.AreEqual(2, leaning.ModeCount);
        Assert.IsTrue(leaning.LeansSpikes);
        state.LeaningSpikes = null; // as a file of format 39 holds it
        var drawn = (NumericColumn)s_int32.Restore(state);
        Assert.IsFalse(drawn.LeansSpikes);
        Assert.IsFalse(((NumericColumn)s_int32.Restore(NumericColumn.Fit("flag", s_int32.Name, training, new BayesianGaussianMixtureOptions { Seed = 1 }, s_int32.Stored))).LeansSpikes,
            "without a map (ExactMarginals off) a spike decodes to itself");
        // Beside Gaussian modes a row that leant towards one would be moved to the values next to the spike, not to where
        // it leant: such a column (a capital gain, mostly 0) spreads its spike by the rows' draws.
        var gains = Enumerable.Range(0, 4000).Select(i => i % 10 < 9 ? 0.0 : Math.Round(2000 + 3000 * Math.Abs(TestTables.Normal(new Random(i))))).ToArray();
        var gain = NumericColumn.Fit("gain", s_int32.Name, gains, new BayesianGaussianMixtureOptions { Seed = 1 }, s_int32.Stored, marginal: true);
        Assert.IsTrue(gain.SpikeValues is [0.0] && gain.ModeMeans is { Length: > 0 });
        Assert.IsNull(gain.LeaningSpikes);
        Assert.IsFalse(((NumericColumn)s_int32.Restore(gain)).LeansSpikes);

        // The generator makes ones too rarely (about a fifth of the rows), more often the higher a partner z of the row:
        // its logit for 1 against 0 is 1.5 z - 2. The map has to turn a tenth of the rows from 0 to 1.
        const int n = 20_000;
        var z = TestTables.Normal(n, 5);
        var random = new Random(4);
        var output = new float[n * 3]; // the offset's tanh (unused by a spike), the logits of the modes 0 and 1
        var draws = new float[n * 2];  // the mode's draw, the map's
        for (int r = 0; r < n; r++)
        {
            output[3 * r + 2] = (float)(1.5 * z[r] - 2);
            draws[2 * r] = (float)random.NextDouble();
            draws[2 * r + 1] = (float)random.NextDouble();
        }
        var chosen = Enumerable.Range(0, n).Select(r => drawn.DecodeUnmapped(output.AsSpan(3 * r, 3), draws.AsSpan(2 * r, 2), CategorySampling.Sample)).ToArray();
        Assert.AreEqual(0.19, chosen.Average(), 0.02, "the generator's own share of ones");

        (double Ones, double Moved, double Correlation) Calibrated(NumericColumn column)
        {
            var unmapped = Enumerable.Range(0, n).Select(r => column.DecodeUnmapped(output.AsSpan(3 * r, 3), draws.AsSpan(2 * r, 2), CategorySampling.Sample, lean: true)).ToArray();
            var calibrated = column.WithGeneratedMarginal(unmapped, null, null);
            Assert.IsTrue(calibrated.MapsMarginal);
            var decoded = Enumerable.Range(0, n).Select(r => calibrated.Decode(output.AsSpan(3 * r, 3), draws.AsSpan(2 * r, 2), CategorySampling.Sample)).ToArray();
            CollectionAssert.IsSubsetOf(decoded.Distinct().ToArray(), new[] { 0.0, 1.0 }, "exactly the training values");
            var moved = Enumerable.Range(0, n).Where(r => chosen[r] == 0 && decoded[r] == 1).Select(r => z[r]).ToArray();
            var stayed = Enumerable.Range(0, n).Where(r => chosen[r] == 0 && decoded[r] == 0).Select(r => z[r]).ToArray();
            return (decoded.Average(), moved.Average() - stayed.Average(), TestTables.Pearson(decoded, z));
        }
        var (leaningOnes, leaningMoved, leaningCorrelation) = Calibrated(leaning);
        var (drawnOnes, drawnMoved, drawnCorrelation) = Calibrated(drawn);
        Console.WriteLine($"ones {leaningOnes:F3} / {drawnOnes:F3}; moved rows' z above the others' {leaningMoved:F2} / {drawnMoved:F2}; correlation with z {leaningCorrelation:F3} / {drawnCorrelation:F3}");
        Assert.AreEqual(0.30, leaningOnes, 0.01, "either way the training share");
        Assert.AreEqual(0.30, drawnOnes, 0.01);
        // Leaning: the moved rows are the zeros of the highest z (about 1.4 against -0.3); drawn: zeros at random.
        Assert.IsGreaterThan(1.0, leaningMoved, "the rows moved are those that leant towards 1");
        Assert.AreEqual(0, drawnMoved, 0.15, "by the rows' draws, rows at random");
        Assert.IsGreaterThan(drawnCorrelation + 0.05, leaningCorrelation, "so the indicator keeps more of its relation with z");
    }

    [TestMethod]
    public void ATrainedModelLeansItsSpikesInDotNetAndInTheGraphAlikeAndKeepsItInItsFile()
    {
        // An indicator of a noisy threshold on a measure (3,000 rows: mode-specific, so 0 and 1 are spikes).
        const int n = 3000;
        var random = new Random(11);
        var measure = TestTables.Normal(n, 12);
        var flag = measure.Select(v => v + 0.7 * TestTables.Normal(random) > 0.8 ? 1 : 0).ToArray();
        var data = new TestTables.ArrayView([("Measure", NumberDataViewType.Double, measure), ("Flag", NumberDataViewType.Int32, flag)]);
        var ml = new MLContext(1);
        var options = new GanTrainer.Options { Epochs = 3, BatchSize = 200, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, TrainingThreads = 1 };
        using var model = ml.Gan().Train(options).Fit(data);
        int c = model.Model.Encoder.Columns.ToList().FindIndex(x => x.Name == "Flag");
        var column = (NumericColumn)model.Model.Encoder.Columns[c];
        Assert.IsTrue(column.LeansSpikes && column.MapsMarginal, "the indicator's spikes lean into its calibrated map");
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, column.Spikes.ToArray());
        // The leaning comes from logits the two runtimes compute alike, and the same double operations follow.
        TestTables.AssertGraphAgrees(model.Model, seed: 7, 2000, [c]);
        var rows = model.Generate(4000, seed: 3);
        var flags = TestTables.Column(rows, "Flag").Cast<int>().ToArray();
        Assert.AreEqual(flag.Average(), flags.Average(), 0.03, "the training share of ones");
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.IsTrue(((NumericColumn)loaded.Model.Encoder.Columns[c]).LeansSpikes, "the file keeps it");
            CollectionAssert.AreEqual(flags.Take(500).ToArray(), TestTables.Column(loaded.Generate(500, seed: 3), "Flag").Cast<int>().ToArray());
        });
    }
}
