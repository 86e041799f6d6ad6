using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The tabular GAN's parts, each on small data: mode-specific normalisation, the condition vector and
/// training-by-sampling, PacGAN batches, the WGAN-GP penalty, conditional generation and augmentation.
/// </summary>
[TestClass]
public sealed class TabularGanTests
{
    private static MLContext s_ml = null!;
    private static List<TestTables.Mixed> s_rows = null!;
    private static GanTransformer s_model = null!;

    /// <summary>The library's defaults (WGAN-GP, PacGAN, conditional and residual generator, mode-specific normalisation), small.</summary>
    internal static GanTrainer.Options Defaults(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 100, NoiseDimension = 16, GeneratorLayers = [64, 64], DiscriminatorLayers = [64, 64],
        Seed = 7, MissingCategoryTokens = ["", "?"],
    };

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_rows = TestTables.MixedRows(2000, seed: 5);
        s_model = s_ml.Gan().Train(Defaults(epochs: 40)).Fit(s_ml.Data.LoadFromEnumerable(s_rows));
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    [TestMethod]
    public void ModeSpecificNormalisationFindsTheModesAndDecodesWhatItEncodes()
    {
        var random = new Random(2);
        var values = Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? 1000 + 5 * Gaussian(random) : 10 + Gaussian(random)).ToArray();
        var encoder = ContinuousColumnEncoder.Fit("x", ColumnKind.Double, values, new BayesianGaussianMixtureOptions { Seed = 1 });
        Assert.AreEqual(2, encoder.ModeCount, string.Join("; ", encoder.Modes));
        Assert.AreEqual(10, encoder.Modes[0].Mean, 0.2);
        Assert.AreEqual(1000, encoder.Modes[1].Mean, 1.0);
        Assert.AreEqual(1 + 2, encoder.Width, "offset plus two mode entries");

        var matrix = new float[values.Length * encoder.Width];
        encoder.Encode(values, matrix, encoder.Width, 0, seed: 3);
        for (int r = 0; r < values.Length; r++)
        {
            var row = matrix.AsSpan(r * encoder.Width, encoder.Width);
            Assert.IsTrue(Math.Abs(row[0]) <= 0.99f, "offset clipped to ±0.99");
            Assert.AreEqual(1f, row[1] + row[2], "one mode");
            // As generator output: the offset as its tanh value, the mode one-hot as decisive logits.
            var output = new[] { row[0], row[1] * 50, row[2] * 50 };
            double decoded = encoder.Decode(output, [0.5f], CategorySampling.ArgMax);
            Assert.AreEqual(values[r], decoded, 1e-4 * Math.Max(1, Math.Abs(values[r])), $"row {r}");
        }
    }

    [TestMethod]
    public void AValueThatMakesUpMuchOfAColumnIsASpikeDecodedExactly()
    {
        // Like Adult's capital-gain: most rows 0, the rest spread over a long range.
        var random = new Random(6);
        var values = Enumerable.Range(0, 4000).Select(i => i % 10 < 9 ? 0.0 : Math.Round(2000 + 3000 * Math.Abs(Gaussian(random)))).ToArray();
        var encoder = ContinuousColumnEncoder.Fit("gain", ColumnKind.Int32, values, new BayesianGaussianMixtureOptions { Seed = 1 });
        CollectionAssert.AreEqual(new[] { 0.0 }, encoder.Spikes.ToArray(), "0 is 90 % of the rows; no other value reaches 5 %");
        Assert.IsTrue(encoder.Modes.All(m => m.Mean > 1000), "the mixture models the non-zero values only");

        var matrix = new float[values.Length * encoder.Width];
        encoder.Encode(values, matrix, encoder.Width, 0, seed: 3);
        int spikeMode = encoder.ModeCount - 1;
        for (int r = 0; r < values.Length; r++)
        {
            var row = matrix.AsSpan(r * encoder.Width, encoder.Width);
            Assert.AreEqual(values[r] == 0, row[1 + spikeMode] == 1f, $"row {r}: zeros, and only zeros, take the spike mode");
        }
        // Whatever offset the generator gives, the spike decodes to exactly 0.
        var output = new float[encoder.Width];
        output[1 + spikeMode] = 30;
        foreach (float offset in new[] { -0.9f, 0.013f, 0.7f })
        {
            output[0] = offset;
            Assert.AreEqual(0.0, encoder.Decode(output, [0.5f], CategorySampling.ArgMax));
        }
    }

    [TestMethod]
    public void TheConditionLayoutDrawsColumnsUniformlyAndCategoriesByFrequency()
    {
        var layout = s_model.Model.Layout;
        CollectionAssert.AreEqual(new[] { "Owner", "City", "Segment" }, layout.Columns.Select(c => c.Name).ToArray());
        Assert.AreEqual(layout.Columns.Sum(c => c.Count), layout.Width);
        var condition = new float[layout.Width];
        var perColumn = new int[layout.Columns.Count];
        var city = layout.Columns[1];
        var cityCounts = new int[city.Count];
        var random = new Random(4);
        const int Draws = 30_000;
        for (int i = 0; i < Draws; i++)
        {
            layout.FillOriginal(condition, random.NextSingle(), random.NextSingle());
            Assert.AreEqual(1f, condition.Sum());
            int at = Array.IndexOf(condition, 1f);
            int d = layout.Columns.ToList().FindLastIndex(c => c.Offset <= at);
            perColumn[d]++;
            if (d == 1) cityCounts[at - city.Offset]++;
        }
        foreach (int n in perColumn) Assert.AreEqual(1.0 / 3, n / (double)Draws, 0.015);
        for (int k = 0; k < city.Count; k++) Assert.AreEqual(city.Frequencies[k], cityCounts[k] / (double)perColumn[1], 0.02, $"City category {k}");

        layout.FillFixed(condition, 2, 1);
        Assert.AreEqual(1f, condition[layout.Columns[2].Offset + 1]);
        Assert.AreEqual(1f, condition.Sum());
    }

    [TestMethod]
    public void TrainingBySamplingFavoursRareCategoriesAndDrawsMatchingRealRows()
    {
        // 2 % rare, 98 % common: log-frequency sampling gives the rare one far more than 2 % of the conditions.
        var rows = Enumerable.Range(0, 1000).Select(i => new { Kind = i % 50 == 0 ? "rare" : "common", Value = (float)i }).ToList();
        var settings = new TabularEncoderSettings(new HashSet<string>(), 100, int.MaxValue);
        var (encoder, matrix, count) = TabularEncoder.Fit(s_ml.Data.LoadFromEnumerable(rows), ["Kind", "Value"], settings);
        var layout = new ConditionLayout(encoder);
        var sampler = new ConditionalSampler(layout, matrix, count, encoder.Width, seed: 1);
        const int Batch = 4000;
        var condition = new float[Batch * layout.Width];
        var mask = new float[Batch * layout.Columns.Count];
        var levels = new[] { new long[Batch] };
        var real = new int[Batch];
        sampler.Sample(Batch, condition, mask, levels, real);
        var kind = (CategoricalColumnEncoder)encoder.Columns[0];
        int rare = Array.IndexOf(kind.Levels, "rare");
        double rareShare = levels[0].Count(l => l == rare) / (double)Batch;
        double expected = Math.Log(1 + 20) / (Math.Log(1 + 20) + Math.Log(1 + 980));
        Assert.AreEqual(expected, rareShare, 0.03, "log(1 + count) shares");
        for (int i = 0; i < Batch; i++)
        {
            Assert.AreEqual(1f, mask[i]);
            Assert.AreEqual(rows[real[i]].Kind, kind.Levels[levels[0][i]], $"row {i}: the real row has the conditioned category");
            Assert.AreEqual(1f, condition[i * layout.Width + (int)levels[0][i]]);
        }
    }

    [TestMethod]
    public void TheGradientPenaltyMatchesHandWorkedCases()
    {
        // A linear critic on packs of 2 rows of width 2: its gradient is its weight vector w for every input, so the
        // penalty is weight · (‖w‖ − 1)² whatever the rows.
        using var linear = nn.Linear(4, 1);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 0.5f, -1f, 2f, 0f }).reshape(1, 4));
            linear.bias!.zero_();
        }
        using var critic = new PackedCritic(linear, pac: 2, width: 2);
        var real = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [4, 2]);
        var fake = tensor(new float[] { 0, 0, 1, 1, -1, 2, 0, 3 }, [4, 2]);
        double penalty = GanLoss.GradientPenalty(critic, real, fake, 2, tensor(new float[] { 0.25f, 0.75f }), 10).item<float>();
        Assert.AreEqual(10 * Math.Pow(Math.Sqrt(0.25 + 1 + 4) - 1, 2), penalty, 1e-4);

        // A quadratic critic, ½‖pack‖²: its gradient at x̂ is x̂ itself, so each pack contributes (‖x̂‖ − 1)²
        // with x̂ = α real + (1 − α) fake, α per pack. Worked by hand below.
        using var quadratic = new QuadraticCritic(pac: 2, width: 2);
        penalty = GanLoss.GradientPenalty(quadratic, real, fake, 2, tensor(new float[] { 0.25f, 0.75f }), 1).item<float>();
        double[] pack1 = [0.25 * 1 + 0.75 * 0, 0.25 * 2 + 0.75 * 0, 0.25 * 3 + 0.75 * 1, 0.25 * 4 + 0.75 * 1];
        double[] pack2 = [0.75 * 5 + 0.25 * -1, 0.75 * 6 + 0.25 * 2, 0.75 * 7 + 0.25 * 0, 0.75 * 8 + 0.25 * 3];
        static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
        double expected = (Math.Pow(Norm(pack1) - 1, 2) + Math.Pow(Norm(pack2) - 1, 2)) / 2;
        Assert.AreEqual(expected, penalty, 1e-3 * expected);
    }

    private sealed class PackedCritic : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear _linear;
        private readonly int _packed;

        public PackedCritic(TorchSharp.Modules.Linear linear, int pac, int width) : base("critic")
        {
            _linear = linear;
            _packed = pac * width;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => _linear.forward(x.reshape(-1, _packed)).squeeze(1);
    }

    private sealed class QuadraticCritic(int pac, int width) : nn.Module<Tensor, Tensor>("quadratic")
    {
        public override Tensor forward(Tensor x) => x.reshape(-1, pac * width).pow(2).sum(1) / 2;
    }

    [TestMethod]
    public void TheWassersteinLossesAreTheCriticMeans()
    {
        var real = tensor(new float[] { 1, 3 });
        var fake = tensor(new float[] { -2, 0 });
        Assert.AreEqual(-1 - 2, GanLoss.Discriminator(real, fake, GanLossKind.WassersteinGp).item<float>(), 1e-6);
        Assert.AreEqual(1, GanLoss.Generator(fake, GanLossKind.WassersteinGp).item<float>(), 1e-6);
    }

    [TestMethod]
    public void PacksShapeTheBatch()
    {
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => log.Add(e.Message);
        using var channel = ((Runtime.IHostEnvironment)ml).Start("test");
        Assert.AreEqual((500, 10), GanTraining.BatchShape(30_000, new GanTrainer.Options(), channel));
        Assert.AreEqual((130, 10), GanTraining.BatchShape(137, new GanTrainer.Options(), channel), "clamped to the table, then to whole packs");
        Assert.AreEqual((15, 1), GanTraining.BatchShape(15, new GanTrainer.Options(), channel), "too few rows for two packs: packs of one");
        Assert.IsTrue(log.Any(m => m.Contains("packs of 10")), string.Join("\n", log));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_ml.Gan().Train(new GanTrainer.Options { BatchSize = 55 }));
        StringAssert.Contains(e.Message, "multiple of Pac");
    }

    [TestMethod]
    public void TheConditionalGeneratorHonoursItsCondition()
    {
        // Without any rejection: conditioned on Segment = "A", the generator itself mostly makes "A" rows, and those
        // rows carry the table's dependence (every "A" row is an owner).
        var model = s_model.Model;
        int rows = 1000, segment = model.Layout.Columns.ToList().FindIndex(c => c.Name == "Segment");
        var segmentEncoder = (CategoricalColumnEncoder)model.Encoder.Columns[model.Layout.Columns[segment].Column];
        int a = Array.IndexOf(segmentEncoder.Levels, "A");
        var (noise, draws) = OnnxExportTests.Inputs(seed: 9, rows, model.NoiseDimension, model.DrawsPerRow, NoisePrior.Gaussian);
        var decoded = model.GenerateWithTorch(noise, draws, rows, CategorySampling.Sample, new FixedCondition(segment, a));
        var levels = decoded.Levels[model.Layout.Columns[segment].Column]!;
        double honoured = levels.Count(l => l == a) / (double)rows;
        double realShare = s_rows.Count(r => r.Segment == "A") / (double)s_rows.Count;
        Assert.IsGreaterThan(Math.Max(0.7, realShare + 0.3), honoured, $"share of 'A' with the condition (real share {realShare:P0})");
    }

    [TestMethod]
    public void ConditionalGenerateGivesOnlyRowsWithTheAskedCategories()
    {
        var rows = s_model.Generate(800, seed: 3, new Dictionary<string, object> { ["City"] = "Kyiv", ["Owner"] = true });
        Assert.AreEqual(800L, rows.GetRowCount());
        var cities = TestTables.Column(rows, "City");
        var owners = TestTables.Column(rows, "Owner");
        Assert.HasCount(800, cities);
        Assert.IsTrue(cities.All(c => (string)c == "Kyiv"));
        Assert.IsTrue(owners.All(o => (bool)o));
        // Deterministic, and other columns still vary.
        CollectionAssert.AreEqual(TableGenerationTests.Dump(rows), TableGenerationTests.Dump(s_model.Generate(800, seed: 3, new Dictionary<string, object> { ["City"] = "Kyiv", ["Owner"] = true })));
        Assert.IsGreaterThan(10, TestTables.Column(rows, "Age").Distinct().Count());
    }

    [TestMethod]
    public void ConditionsThatCannotBeMetAreReportedAndBadOnesRefused()
    {
        // No real row is in segment "A" without being an owner: the generator makes few such rows, and one candidate
        // a row cannot give 20,000 of them.
        var impossible = s_model.Generate(20_000, seed: 1, new Dictionary<string, object> { ["Segment"] = "A", ["Owner"] = false }, maximumCandidatesPerRow: 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestTables.Column(impossible, "Age"));
        StringAssert.Contains(e.Message, "Segment = 'A' and Owner = 'False'");
        StringAssert.Contains(e.Message, "candidate rows gave only");

        var unknown = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Town"] = "Oslo" }));
        StringAssert.Contains(unknown.Message, "no such column");
        StringAssert.Contains(unknown.Message, "'City'");
        var numeric = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Age"] = 30 }));
        StringAssert.Contains(numeric.Message, "numeric");
        var value = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["City"] = "Paris" }));
        StringAssert.Contains(value.Message, "'Paris' is not one of its categories");
        StringAssert.Contains(value.Message, "'Oslo'");
    }

    [TestMethod]
    public void TheDefaultGeneratorKeepsRareCategories()
    {
        // City "?" is 10 % of the rows; Segment "" 15 %. The seed's GAN tends to drop such categories.
        var generated = s_model.Generate(4000, seed: 11);
        double question = TestTables.Column(generated, "City").Count(v => (string)v == "?") / 4000.0;
        Assert.AreEqual(s_rows.Count(r => r.City == "?") / (double)s_rows.Count, question, 0.04);
    }

    public sealed class Labelled
    {
        public float X { get; set; }
        public float Y { get; set; }
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void AugmentBalancesTheClassesADownstreamTrainerSees()
    {
        var random = new Random(8);
        var rows = Enumerable.Range(0, 1200).Select(i =>
        {
            bool rare = i % 10 == 0;
            return new Labelled { X = (float)((rare ? 3 : 0) + Gaussian(random)), Y = (float)Gaussian(random), Label = rare ? "yes" : "no" };
        }).ToList();
        var data = s_ml.Data.LoadFromEnumerable(rows);
        using var gan = s_ml.Gan().Train(Defaults(epochs: 10)).Fit(data);

        var balanced = s_ml.Gan().Augment(gan, data, "Label");
        var pipeline = s_ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(s_ml.Transforms.Concatenate("Features", "X", "Y"))
            .Append(s_ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", maximumNumberOfIterations: 5));
        var fitted = pipeline.Fit(balanced);
        var seen = TestTables.Column(fitted.Transform(balanced), "Label").GroupBy(v => v.ToString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.AreEqual(1080, seen["no"]);
        Assert.AreEqual(1080, seen["yes"], "the minority class raised to the majority's count");
        Assert.AreEqual(2160L, balanced.GetRowCount());
        // The real rows come first, unchanged.
        CollectionAssert.AreEqual(rows.Select(r => r.X).ToArray(), TestTables.Column(balanced, "X").Take(1200).Cast<float>().ToArray());

        var targeted = s_ml.Gan().Augment(gan, data, "Label", new GanAugmentationOptions { TargetCounts = new Dictionary<string, long> { ["yes"] = 500 } });
        var counts = TestTables.Column(targeted, "Label").GroupBy(v => v.ToString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.AreEqual(1080, counts["no"]);
        Assert.AreEqual(500, counts["yes"]);

        var below = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Augment(gan, data, "Label", new GanAugmentationOptions { TargetCounts = new Dictionary<string, long> { ["no"] = 10 } }));
        StringAssert.Contains(below.Message, "only adds rows");
        var numeric = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Augment(gan, data, "X"));
        StringAssert.Contains(numeric.Message, "numeric");
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
