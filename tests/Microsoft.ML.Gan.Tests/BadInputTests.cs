using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Bad input fails early with an exception that names what was wrong and what to do.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static GanTrainer.Options Quick(int epochs = 1) => new()
    {
        Epochs = epochs, BatchSize = 20, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, Device = GanDevice.Cpu,
    };

    public sealed class Numbers
    {
        public double A { get; set; }
        public float B { get; set; }
    }

    public sealed class WithVector
    {
        public float A { get; set; }
        [VectorType(3)]
        public float[] V { get; set; } = new float[3];
    }

    public sealed class Labels
    {
        public float A { get; set; }
        public string Label { get; set; } = "";
    }

    /// <summary>ML.NET builds a SchemaShape from a schema internally only (SchemaShape.Create); tests reach it by reflection.</summary>
    internal static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!
            .Invoke(null, [schema])!;

    private static IDataView Table(MLContext ml, int rows, Func<int, Numbers>? make = null) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(make ?? (i => new Numbers { A = i % 7, B = i % 3 })).ToList());

    [TestMethod]
    public void AnEmptyTableIsRejected()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(Quick()).Fit(Table(ml, 0)));
        StringAssert.Contains(e.Message, "no rows");
    }

    [TestMethod]
    public void OneRowIsRejected()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(Quick()).Fit(Table(ml, 1)));
        StringAssert.Contains(e.Message, "at least 2 rows");
    }

    [TestMethod]
    public void AColumnThatDoesNotExistIsNamed()
    {
        var ml = new MLContext(1);
        var trainer = ml.Gan().Train(epochs: 1, batchSize: 10, "A", "Nope");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(Table(ml, 50)));
        StringAssert.Contains(e.Message, "'Nope'");
        StringAssert.Contains(e.Message, "'A', 'B'");
        var shape = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(ShapeOf(Table(ml, 5).Schema)));
        StringAssert.Contains(shape.Message, "'Nope'");
    }

    [TestMethod]
    public void UnsupportedColumnTypesAreRejectedWithAHint()
    {
        var ml = new MLContext(1);
        var vectors = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new WithVector { A = i }).ToList());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(Quick()).Fit(vectors));
        StringAssert.Contains(e.Message, "Column 'V'");
        StringAssert.Contains(e.Message, "Vector");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(Quick()).GetOutputSchema(ShapeOf(vectors.Schema)));

        // The message lists the types that are modelled, dates among them.
        StringAssert.Contains(e.Message, "DateTime");
        // Leaving the column out is the remedy the message gives, and it works.
        using var model = ml.Gan().Train(new GanTrainer.Options { Epochs = 1, BatchSize = 10, Columns = ["A"], Seed = 1 }).Fit(vectors);
        Assert.AreEqual(1, model.TrainingSchema.Count);
    }

    [TestMethod]
    public void AColumnWithOnlyMissingValuesIsRejected()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(Quick()).Fit(Table(ml, 30, i => new Numbers { A = double.NaN, B = i })));
        StringAssert.Contains(e.Message, "Column 'A' has only missing values");
        var labels = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new Labels { A = i, Label = "?" }).ToList());
        var t = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(new GanTrainer.Options { MissingCategoryTokens = ["?"], Epochs = 1 }).Fit(labels));
        StringAssert.Contains(t.Message, "Column 'Label' has only missing values");
    }

    [TestMethod]
    public void InfinitiesAreRejectedWithTheirRow()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.Gan().Train(Quick()).Fit(Table(ml, 30, i => new Numbers { A = i, B = i == 17 ? float.NegativeInfinity : i })));
        StringAssert.Contains(e.Message, "Column 'B'");
        StringAssert.Contains(e.Message, "row 17");
    }

    [TestMethod]
    public void TooManyCategoriesAreRejected()
    {
        var ml = new MLContext(1);
        var labels = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new Labels { A = i, Label = $"id{i}" }).ToList());
        var options = Quick();
        options.MaximumCategories = 10;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(options).Fit(labels));
        StringAssert.Contains(e.Message, "Column 'Label' has more than 10 distinct categories");
        StringAssert.Contains(e.Message, "MaximumCategories");
    }

    [TestMethod]
    public void OptionsOutOfRangeAreRejectedWhenTheTrainerIsMade()
    {
        var ml = new MLContext(1);
        foreach (var (change, name) in new (Action<GanTrainer.Options>, string)[]
        {
            (o => o.Epochs = 0, "Epochs"), (o => o.Epochs = -3, "Epochs"), (o => o.BatchSize = 0, "BatchSize"),
            (o => o.BatchSize = -1, "BatchSize"), (o => o.DiscriminatorSteps = 0, "DiscriminatorSteps"),
            (o => o.NoiseDimension = 0, "NoiseDimension"), (o => o.GeneratorLearningRate = 0, "GeneratorLearningRate"),
            (o => o.DiscriminatorLearningRate = double.NaN, "DiscriminatorLearningRate"), (o => o.AdamBeta1 = 1, "AdamBeta1"),
            (o => o.DiscriminatorDropout = 1, "DiscriminatorDropout"), (o => o.GeneratorLayers = [0], "GeneratorLayers"),
            (o => o.Columns = [], "Columns"), (o => o.Columns = ["A", "A"], "Columns"), (o => o.MaximumCategories = 0, "MaximumCategories"),
        })
        {
            var options = new GanTrainer.Options();
            change(options);
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(options), name);
            Assert.AreEqual(name, e.ParamName);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(epochs: 0));
    }

    [TestMethod]
    public void ABatchLargerThanTheTableIsClampedToIt()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var options = Quick(epochs: 2);
        options.BatchSize = 1000;
        options.MinimumEpochSteps = 1;
        using var model = ml.Gan().Train(options).Fit(Table(ml, 40));
        Assert.IsTrue(model.History.All(h => h.GeneratorSteps == 1), "one update per epoch: the whole table is one batch");
        Assert.IsTrue(messages.Any(m => m.Contains("BatchSize 1000 is larger than the table's 40 rows: using batches of 40")));
        Assert.AreEqual(1000, model.Options.BatchSize, "the options keep what the user asked for");
    }

    [TestMethod]
    public void ConstantColumnsAreLearnedAndReproducedExactly()
    {
        // A constant column is legitimate data (one country, one product): it is modelled, not rejected.
        var ml = new MLContext(1);
        var labels = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new Labels { A = 2.5f, Label = "only" }).ToList());
        using var model = ml.Gan().Train(Quick(epochs: 2)).Fit(labels);
        var rows = model.Generate(200, seed: 1);
        Assert.IsTrue(TestTables.Column(rows, "A").All(v => (float)v == 2.5f));
        Assert.IsTrue(TestTables.Column(rows, "Label").All(v => (string)v == "only"));
    }

    [TestMethod]
    public void ANegativeRowCountIsRejected()
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Quick()).Fit(Table(ml, 40));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(-1, seed: 1));
        Assert.AreEqual(0, TestTables.Column(model.Generate(0, seed: 1), "A").Count);
    }

    [TestMethod]
    public void AskingForCudaWhereThereIsNoneFailsClearlyOrFallsBackWhenAllowed()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        // Device 99 exists on no machine, with or without a GPU.
        var options = Quick();
        options.Device = GanDevice.Cuda;
        options.DeviceIndex = 99;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(options).Fit(Table(ml, 40)));
        StringAssert.Contains(e.Message, "CUDA");
        StringAssert.Contains(e.Message, "FallbackToCpu");

        options.FallbackToCpu = true;
        using var model = ml.Gan().Train(options).Fit(Table(ml, 40));
        Assert.IsTrue(messages.Any(m => m.Contains("Training on the CPU") && m.Contains("falling back")));
    }
}
