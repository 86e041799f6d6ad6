using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.DataViews;

/// <summary>
/// One model trained on a small mixed table (every common column kind, missing values, correlations), then
/// checked the way a user would look at its rows.
/// </summary>
[TestClass]
public sealed class TableGenerationTests
{
    private static MLContext s_ml = null!;
    private static List<TestTables.Mixed> s_rows = null!;
    private static GanTransformer s_model = null!;

    /// <summary>
    /// The seed's GAN (<see cref="GanTrainer.Options.Classic"/>) on the mixed table: these tests are about the table's
    /// way through the library (kinds, missing values, categories, determinism); TabularGanTests covers the defaults.
    /// </summary>
    internal static GanTrainer.Options MixedOptions()
    {
        var options = GanTrainer.Options.Classic();
        options.Epochs = 100;
        options.BatchSize = 200;
        options.NoiseDimension = 16;
        options.GeneratorLayers = [128, 128];
        options.DiscriminatorLayers = [128, 128];
        options.GeneratorLearningRate = 5e-4;
        options.DiscriminatorLearningRate = 5e-4;
        options.Seed = 2;
        options.Device = GanDevice.Cpu;
        // One thread: the same model on any machine and under any load (libtorch's sums differ in the last bits with
        // the thread count, and 100 epochs of the classic GAN carry that to its missing rates by a few points).
        options.TrainingThreads = 1;
        options.MissingCategoryTokens = ["", "?"];
        return options;
    }

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_rows = TestTables.MixedRows(2000, seed: 3);
        s_model = s_ml.Gan().Train(MixedOptions()).Fit(s_ml.Data.LoadFromEnumerable(s_rows));
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    [TestMethod]
    public void GeneratedRowsHaveTheTrainingSchema()
    {
        var training = s_ml.Data.LoadFromEnumerable(s_rows).Schema;
        var generated = s_model.Generate(10, seed: 1);
        Assert.AreEqual(training.Count, generated.Schema.Count);
        for (int i = 0; i < training.Count; i++)
        {
            Assert.AreEqual(training[i].Name, generated.Schema[i].Name);
            Assert.AreEqual(training[i].Type, generated.Schema[i].Type, $"type of column '{training[i].Name}'");
        }
        Assert.AreEqual(10L, generated.GetRowCount());
        Assert.HasCount(10, TestTables.Column(generated, "Age"));
    }

    [TestMethod]
    public void MissingValuesAreGeneratedAtAboutTheirRealRate()
    {
        var generated = s_model.Generate(4000, seed: 1);
        double RealRate(Func<TestTables.Mixed, bool> missing) => s_rows.Count(missing) / (double)s_rows.Count;
        double nan = TestTables.Column(generated, "Income").Count(v => double.IsNaN((double)v)) / 4000.0;
        double question = TestTables.Column(generated, "City").Count(v => (string)v == "?") / 4000.0;
        double empty = TestTables.Column(generated, "Segment").Count(v => (string)v == "") / 4000.0;
        Console.WriteLine($"missing rates: Income {nan:F4} (real {RealRate(r => double.IsNaN(r.Income)):F4}), City {question:F4} ({RealRate(r => r.City == "?"):F4}), Segment {empty:F4} ({RealRate(r => r.Segment == ""):F4})");
        // The classic GAN has no calibration: its rates drift by a few points (3.6 and 4.6 points seen with one thread and with two);
        // the defaults' calibrated rates are held to 2.5 points in MarginalMapTests.
        Assert.AreEqual(RealRate(r => double.IsNaN(r.Income)), nan, 0.07, "NaN rate of Income");
        Assert.AreEqual(RealRate(r => r.City == "?"), question, 0.07, "'?' rate of City");
        Assert.AreEqual(RealRate(r => r.Segment == ""), empty, 0.07, "empty rate of Segment");
        // A missing token is a category of its own in the model, and reported as missing.
        var city = s_model.Columns.Single(c => c.Name == "City");
        Assert.AreEqual(RealRate(r => r.City == "?"), city.MissingRate, 1e-12);
    }

    [TestMethod]
    public void CategoriesComeOnlyFromTheTrainingSetAtAboutTheirFrequencies()
    {
        var generated = TestTables.Column(s_model.Generate(4000, seed: 2), "City").Cast<string>().ToList();
        var seen = s_rows.Select(r => r.City).ToHashSet();
        CollectionAssert.IsSubsetOf(generated.Distinct().ToList(), seen.ToList());
        foreach (string city in seen)
        {
            double real = s_rows.Count(r => r.City == city) / (double)s_rows.Count;
            double synthetic = generated.Count(c => c == city) / (double)generated.Count;
            Assert.AreEqual(real, synthetic, 0.05, $"frequency of City '{city}'");
        }
    }

    [TestMethod]
    public void BooleansComeBothWaysAtAboutTheirRate()
    {
        var owners = TestTables.Column(s_model.Generate(4000, seed: 3), "Owner").Cast<bool>().ToList();
        double real = s_rows.Count(r => r.Owner) / (double)s_rows.Count;
        Assert.AreEqual(real, owners.Count(o => o) / (double)owners.Count, 0.06);
        Assert.Contains(false, owners);
    }

    [TestMethod]
    public void IntegerColumnsAreIntegralAndInTheTrainingRange()
    {
        var generated = s_model.Generate(2000, seed: 4);
        var ages = TestTables.Column(generated, "Age").Cast<int>().ToList();
        Assert.IsTrue(ages.All(a => a >= s_rows.Min(r => r.Age) && a <= s_rows.Max(r => r.Age)));
        Assert.IsGreaterThan(20, ages.Distinct().Count(), "ages should spread over the range, not collapse");
        var children = TestTables.Column(generated, "Children").Cast<short>().ToList();
        Assert.IsTrue(children.All(c => c >= 0 && c <= 4));
        // Income is double: continuous, so most generated values are not whole numbers.
        var incomes = TestTables.Column(generated, "Income").Cast<double>().Where(v => !double.IsNaN(v)).ToList();
        Assert.IsGreaterThan(incomes.Count / 2, incomes.Count(v => v != Math.Round(v)));
    }

    [TestMethod]
    public void ContinuousColumnsFollowTheRealDistribution()
    {
        var generated = s_model.Generate(4000, seed: 5);
        double ks = TestTables.KolmogorovSmirnov(
            s_rows.Select(r => (double)r.Age).ToList(),
            TestTables.Column(generated, "Age").Select(v => (double)(int)v).ToList());
        // Uniform ages: a model that had learned nothing but the range would still do well, so also check
        // the correlation between City and Income that the table was built with (Income rises with City index).
        Assert.IsLessThan(0.1, ks, $"KS of Age {ks:F3}");
        var cities = TestTables.Column(generated, "City").Cast<string>().ToList();
        var incomes = TestTables.Column(generated, "Income").Cast<double>().ToList();
        double Mean(string city) => incomes.Where((v, i) => cities[i] == city && !double.IsNaN(v)).Average();
        Assert.IsLessThan(Mean("Kyiv"), Mean("Oslo"), "Oslo incomes (city 0) should be below Kyiv incomes (city 3)");
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameRowsAndAnotherSeedOtherRows()
    {
        var first = TestTables.Dump(s_model.Generate(1500, seed: 42));
        var again = TestTables.Dump(s_model.Generate(1500, seed: 42));
        var other = TestTables.Dump(s_model.Generate(1500, seed: 43));
        CollectionAssert.AreEqual(first, again);
        CollectionAssert.AreNotEqual(first, other);
        // The view itself is re-readable: a second cursor over the same view gives the same rows.
        var view = s_model.Generate(100, seed: 7);
        CollectionAssert.AreEqual(TestTables.Dump(view), TestTables.Dump(view));
    }

    [TestMethod]
    public void SaveThenLoadGivesIdenticalRowsAndTheSameDescription()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        try
        {
            s_model.Save(path);
            using var loaded = s_ml.Gan().LoadModel(path);
            CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(1000, seed: 9)), TestTables.Dump(loaded.Generate(1000, seed: 9)));
            Assert.AreEqual(s_model.History.Count, loaded.History.Count);
            Assert.AreEqual(s_model.History[^1], loaded.History[^1]);
            Assert.AreEqual(s_model.Options.NoiseDimension, loaded.Options.NoiseDimension);
            Assert.AreEqual(2, loaded.Options.Seed);
            CollectionAssert.AreEqual(s_model.Columns.Select(c => c.Name).ToList(), loaded.Columns.Select(c => c.Name).ToList());
            CollectionAssert.AreEqual(s_model.Columns.Single(c => c.Name == "City").Categories.ToList(), loaded.Columns.Single(c => c.Name == "City").Categories.ToList());
            Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(path)!).Where(f => f.StartsWith(path + ".", StringComparison.Ordinal) && f.EndsWith(".tmp", StringComparison.Ordinal)).ToList(), "no temporary file is left behind");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SaveToAStreamThenLoadFromItGivesIdenticalRows()
    {
        using var stream = new MemoryStream();
        s_model.Save(stream);
        stream.Position = 0;
        using var loaded = s_ml.Gan().LoadModel(stream);
        CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(300, seed: 10)), TestTables.Dump(loaded.Generate(300, seed: 10)));
    }

    [TestMethod]
    public void TransformScoresANoiseColumnAndKeepsTheInputColumns()
    {
        var random = new Random(4);
        var noise = Enumerable.Range(0, 700).Select(i => new NoiseRow
        {
            Id = i,
            Noise = Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
        }).ToList();
        var view = s_ml.Data.LoadFromEnumerable(noise, SchemaWithNoise(16));
        var scored = s_model.Transform(view);

        Assert.AreEqual("Id", scored.Schema[0].Name);
        CollectionAssert.AreEqual(Enumerable.Range(0, 700).Cast<object>().ToList(), TestTables.Column(scored, "Id"));
        CollectionAssert.IsSubsetOf(TestTables.Column(scored, "City").Distinct().ToList(), s_rows.Select(r => (object)r.City).Distinct().ToList());
        // The same noise gives the same rows, also when read in another batch layout (only the last 300 rows).
        var tail = s_ml.Data.LoadFromEnumerable(noise.Skip(400).ToList(), SchemaWithNoise(16));
        CollectionAssert.AreEqual(TestTables.Dump(scored).Skip(400).ToList(), TestTables.Dump(s_model.Transform(tail)));
        Assert.AreEqual(s_model.GetOutputSchema(view.Schema).Count, scored.Schema.Count);
    }

    [TestMethod]
    public void TransformRejectsAMissingOrMisshapenNoiseColumn()
    {
        var noNoise = s_ml.Data.LoadFromEnumerable(s_rows);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.Transform(noNoise));
        StringAssert.Contains(missing.Message, "'Noise'");
        var shortNoise = s_ml.Data.LoadFromEnumerable(
            [new NoiseRow { Noise = new float[5] }], SchemaWithNoise(5));
        var wrong = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.Transform(shortNoise));
        StringAssert.Contains(wrong.Message, "16");
    }

    [TestMethod]
    public void TheModelDescribesWhatItLearned()
    {
        var income = s_model.Columns.Single(c => c.Name == "Income");
        Assert.IsFalse(income.IsCategorical);
        var present = s_rows.Where(r => !double.IsNaN(r.Income)).Select(r => r.Income).ToList();
        Assert.AreEqual(present.Min(), income.Minimum);
        Assert.AreEqual(present.Max(), income.Maximum);
        var owner = s_model.Columns.Single(c => c.Name == "Owner");
        CollectionAssert.AreEqual(new[] { "False", "True" }, owner.Categories.ToArray());
        Assert.AreEqual(s_rows.Count(r => r.Owner) / 2000.0, owner.CategoryFrequencies[1], 1e-12);
        Assert.AreEqual(2000L, s_model.TrainingRowCount);
        Assert.HasCount(100, s_model.History);
    }

    public sealed class NoiseRow
    {
        public int Id { get; set; }
        public float[] Noise { get; set; } = [];
    }

    private static SchemaDefinition SchemaWithNoise(int size)
    {
        var schema = SchemaDefinition.Create(typeof(NoiseRow));
        schema["Noise"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return schema;
    }

}
