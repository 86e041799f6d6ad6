using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Generation;

/// <summary>Rows with asked-for categories, and tables rebalanced with them, from the library's defaults (small).</summary>
[TestClass]
public sealed class ConditionalGenerationTests
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
    public static void Cleanup()
    {
        s_model?.Dispose();
        if (s_saved is not null) Directory.Delete(Path.GetDirectoryName(s_saved)!, recursive: true);
    }

    [TestMethod]
    public void TheConditionalGeneratorHonoursItsCondition()
    {
        // Without any rejection: conditioned on Segment = "A", the generator itself mostly makes "A" rows, and those
        // rows carry the table's dependence (every "A" row is an owner).
        var model = s_model.Model;
        int rows = 1000, segment = model.Layout.Columns.ToList().FindIndex(c => c.Name == "Segment");
        var segmentEncoder = (TextColumn)model.Encoder.Columns[model.Layout.Columns[segment].Column];
        int a = Array.IndexOf(segmentEncoder.Levels, "A");
        var (noise, draws) = TestTables.Inputs(seed: 9, rows, model.NoiseDimension, model.Signature.UniformsPerRow, NoisePrior.Gaussian);
        var decoded = model.GenerateWithTorch(noise, draws, rows, CategorySampling.Sample, new FixedCondition(segment, a));
        var levels = decoded.Levels(model.Layout.Columns[segment].Column);
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
        CollectionAssert.AreEqual(TestTables.Dump(rows), TestTables.Dump(s_model.Generate(800, seed: 3, new Dictionary<string, object> { ["City"] = "Kyiv", ["Owner"] = true })));
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
        var text = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Age"] = "thirty" }));
        StringAssert.Contains(text.Message, "Condition on column 'Age': 'thirty' is not a value of its type (Int32); give a number");
        var outside = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Age"] = GanRange.AtLeast(120) }));
        StringAssert.Contains(outside.Message, "in [120, …] lies outside the values it generates, its training range [18, 77]");
        var range = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["City"] = GanRange.Between(1, 2) }));
        StringAssert.Contains(range.Message, "a range is for numbers, dates and durations");
        var value = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["City"] = "Paris" }));
        StringAssert.Contains(value.Message, "'Paris' is not one of its categories");
        StringAssert.Contains(value.Message, "'Oslo'");
    }

    [TestMethod]
    public void NumbersInARangeOrAtAValueAreGeneratedByRejectionAndTheShareKeptIsLogged()
    {
        using var model = LoadedWithReports(out var messages);
        var rows = model.Generate(600, seed: 4, new Dictionary<string, object> { ["Age"] = GanRange.Between(30, 40), ["City"] = "Kyiv" });
        var ages = TestTables.Column(rows, "Age").Cast<int>().ToList();
        Assert.HasCount(600, ages);
        Assert.IsTrue(ages.All(a => a is >= 30 and <= 40), "every age in [30, 40]");
        Assert.IsGreaterThan(5, ages.Distinct().Count(), "ages spread over the range");
        Assert.IsTrue(TestTables.Column(rows, "City").All(c => (string)c == "Kyiv"));
        string report = messages.First(); // one report per cursor that read every row (two columns read: two cursors)
        Assert.HasCount(2, messages);
        StringAssert.Contains(report, "Generated 600 rows with City = 'Kyiv' and Age in [30, 40] (");
        StringAssert.Contains(report, "of them kept");

        var exact = model.Generate(200, seed: 5, new Dictionary<string, object> { ["Age"] = 50 });
        Assert.IsTrue(TestTables.Column(exact, "Age").All(a => (int)a == 50), "one value, exactly");
        Assert.IsTrue(messages.Any(m => m.Contains("Age = 50 (by rejection alone)", StringComparison.Ordinal)), string.Join(" | ", messages));
    }

    /// <summary>
    /// A category common among ordinary rows is found among them, by rejection alone: row i of a seed with City = Kyiv
    /// is the seed's ordinary row i wherever that row is in Kyiv (the first of its candidates that passes both), so the
    /// asked rows follow the rows the calibration and the filter were fitted to. Where the category is too rare for the
    /// candidates allowed (here 3 a row against a share of about a fifth), the generator is conditioned on it as before.
    /// </summary>
    [TestMethod]
    public void CommonCategoriesAreFoundAmongOrdinaryRowsAndRareOnesByTheConditionedGenerator()
    {
        using var model = LoadedWithReports(out var messages);
        var ordinary = TestTables.Dump(model.Generate(600, 11));
        var ordinaryCities = TestTables.Column(model.Generate(600, 11), "City");
        var kyiv = model.Generate(600, 11, new Dictionary<string, object> { ["City"] = "Kyiv" });
        var asked = TestTables.Dump(kyiv);
        Assert.IsTrue(TestTables.Column(kyiv, "City").All(c => (string)c == "Kyiv"));
        var common = Enumerable.Range(0, 600).Where(i => (string)ordinaryCities[i] == "Kyiv").ToList();
        Assert.IsGreaterThan(60, common.Count, "about a fifth of ordinary rows are in Kyiv");
        foreach (int i in common) Assert.AreEqual(ordinary[i], asked[i], $"row {i}: an ordinary row in Kyiv is the asked row");
        Assert.IsTrue(messages.Any(m => m.Contains("rows with City = 'Kyiv' (by rejection alone among ordinary rows, ", StringComparison.Ordinal)), string.Join(" | ", messages));

        messages.Clear();
        var conditioned = model.Generate(600, 11, new Dictionary<string, object> { ["City"] = "Kyiv" }, maximumCandidatesPerRow: 3);
        var rows = TestTables.Dump(conditioned);
        Assert.IsTrue(TestTables.Column(conditioned, "City").All(c => (string)c == "Kyiv"));
        int same = common.Count(i => rows[i] == ordinary[i]);
        Assert.IsLessThan(common.Count / 2, same, "the conditioned generator makes rows of its own");
        Assert.IsTrue(messages.Any(m => m.Contains("rows with City = 'Kyiv' (the generator conditioned on City = 'Kyiv', as ", StringComparison.Ordinal)), string.Join(" | ", messages));
    }

    private static string? s_saved;

    /// <summary>The class's model loaded into an MLContext of its own, whose generation reports ("... candidates made ...") land in <paramref name="messages"/>.</summary>
    private static GanTransformer LoadedWithReports(out List<string> messages)
    {
        var reports = new List<string>();
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { if (e.Message.Contains("candidates made", StringComparison.Ordinal)) lock (reports) reports.Add(e.Message); };
        messages = reports;
        return ml.Gan().LoadModel(Saved());
    }

    /// <summary>The class's model saved once (a copy loaded into another MLContext, whose log a test reads).</summary>
    private static string Saved()
    {
        if (s_saved is null)
        {
            string path = Path.Combine(Directory.CreateTempSubdirectory("gan-conditions-").FullName, "m.zip");
            s_model.Save(path);
            s_saved = path;
        }
        return s_saved;
    }

    [TestMethod]
    public void TheDefaultGeneratorKeepsRareCategories()
    {
        // City "?" is 10 % of the rows; Segment "" 15 %. The original GAN tends to drop such categories.
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
            return new Labelled { X = (float)((rare ? 3 : 0) + TestTables.Normal(random)), Y = (float)TestTables.Normal(random), Label = rare ? "yes" : "no" };
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
}
