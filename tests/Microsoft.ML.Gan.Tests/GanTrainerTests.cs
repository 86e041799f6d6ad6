using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// ML.NET's contract: the GAN in a pipeline built with Append, a schema that says what Fit and Transform really
/// take and give, names the graph needs refused at Fit, and the caller's MLContext (cancellation, log) obeyed.
/// </summary>
[TestClass]
public sealed class GanTrainerTests
{
    private const int NoiseSize = 6;

    /// <summary>A row a user would write to train a GAN inside a pipeline: the table's columns and the noise vector Transform reads.</summary>
    public sealed class Customer
    {
        public float Height { get; set; }
        public string City { get; set; } = "";
        public bool Owner { get; set; }
        [VectorType(NoiseSize)] public float[] Noise { get; set; } = new float[NoiseSize];
    }

    public sealed class NoiseOnly
    {
        [VectorType(NoiseSize)] public float[] Noise { get; set; } = new float[NoiseSize];
    }

    private static GanTrainer.Options Small() => new()
    {
        Epochs = 3, BatchSize = 50, NoiseDimension = NoiseSize, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 2,
    };

    private static List<Customer> Customers(int rows, int seed)
    {
        var random = new Random(seed);
        string[] cities = ["Oslo", "Lima", "Pune"];
        return Enumerable.Range(0, rows).Select(_ => new Customer
        {
            Height = (float)(150 + 40 * random.NextDouble()), City = cities[random.Next(3)], Owner = random.Next(3) == 0,
            Noise = Enumerable.Range(0, NoiseSize).Select(_ => (float)random.NextDouble()).ToArray(),
        }).ToList();
    }

    private static IDataView NoiseView(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ => new NoiseOnly
        {
            Noise = Enumerable.Range(0, NoiseSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
        }).ToList());
    }

    [TestMethod]
    public void AnAppendedPipelineFitsAndTransformsAsItsSchemaSays()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Customers(300, seed: 3));
        var pipeline = ml.Gan().Train(Small())
            .Append(ml.Transforms.Conversion.MapValueToKey("CityKey", "City"))
            .Append(ml.Transforms.Concatenate("Features", "Height"));

        var promised = pipeline.GetOutputSchema(Shape(data.Schema));
        var model = pipeline.Fit(data);
        var noise = NoiseView(ml, 40, seed: 4);
        var output = model.Transform(noise);

        // The GAN trained on the table's columns, not on its noise, and generates from the noise view alone.
        var gan = (GanTransformer)model.First();
        CollectionAssert.AreEqual(new[] { "Height", "City", "Owner" }, gan.Columns.Select(c => c.Name).ToArray());
        Assert.AreEqual(40L, output.GetRowCount());
        Assert.HasCount(40, TestTables.Column(output, "City"));
        // Every promised column is there, with the promised type; the downstream transforms ran on the synthetic rows.
        foreach (var column in promised)
        {
            var actual = output.Schema.GetColumnOrNull(column.Name);
            Assert.IsNotNull(actual, $"promised column '{column.Name}'");
            var type = (actual.Value.Type as VectorDataViewType)?.ItemType ?? actual.Value.Type;
            // A key column's shape gives its raw type and says that it is a key.
            Assert.AreEqual(column.IsKey, type is KeyDataViewType, column.Name);
            Assert.AreEqual(column.ItemType.RawType, type.RawType, column.Name);
            Assert.AreEqual(column.Kind == SchemaShape.Column.VectorKind.Scalar, actual.Value.Type is not VectorDataViewType, column.Name);
        }
        CollectionAssert.AreEquivalent(promised.Select(c => c.Name).ToArray(), output.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray());
        Assert.IsTrue(TestTables.Column(output, "City").All(c => c is "Oslo" or "Lima" or "Pune"));
    }

    [TestMethod]
    public void TheSchemaNamesWhatTransformNeedsAndWhatItHides()
    {
        var ml = new MLContext(1);
        var trainer = ml.Gan().Train(Small());
        var withNoise = Shape(ml.Data.LoadFromEnumerable(Customers(5, 1)).Schema);
        var shape = trainer.GetOutputSchema(withNoise);
        // The input's columns, then the generated ones: a generated column takes its training column's name and type.
        CollectionAssert.AreEqual(new[] { "Noise", "Height", "City", "Owner" }, shape.Select(c => c.Name).ToArray());

        // Without the noise column Transform cannot run: the schema check says so, naming the column and its type.
        var plain = Shape(ml.Data.LoadFromEnumerable(Customers(5, 1).Select(c => new { c.Height, c.City, c.Owner })).Schema);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(plain));
        StringAssert.Contains(e.Message, "noise column 'Noise'");
        StringAssert.Contains(e.Message, $"{NoiseSize} long");
        // ... while Fit alone needs no noise.
        using var model = trainer.Fit(ml.Data.LoadFromEnumerable(Customers(60, 1).Select(c => new { c.Height, c.City, c.Owner })));
        Assert.HasCount(3, model.Columns);

        var numeric = Shape(ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3).Select(i => new { Height = (float)i, Noise = (float)i })).Schema);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(numeric));
        StringAssert.Contains(e.Message, "Column 'Noise' has the name of an input of the generator");
    }

    [TestMethod]
    [DataRow("Noise")]
    [DataRow("Condition")]
    [DataRow("CategoryDraws")]
    public void ATrainingColumnNamedLikeAGraphInputIsRefusedAtFit(string name)
    {
        // Before, "Condition" and "CategoryDraws" passed Fit and failed at the first Generate.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(i => new Named { Value = i, Kind = i % 3 == 0 ? "a" : "b" }), Named.Definition(name));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(Small()).Fit(data));
        StringAssert.Contains(e.Message, $"Column '{name}' has the name of an input of the generator");
        StringAssert.Contains(e.Message, "Rename the column");
    }

    public sealed class Named
    {
        public float Value { get; set; }
        public string Kind { get; set; } = "";

        public static SchemaDefinition Definition(string name)
        {
            var definition = SchemaDefinition.Create(typeof(Named));
            definition["Value"].ColumnName = name;
            return definition;
        }
    }

    [TestMethod]
    public void CancellingStopsTrainingWithNoModelAndNoFile()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 100_000;
        string path = Path.Combine(Path.GetTempPath(), $"gan-cancelled-{Guid.NewGuid():N}.zip");
        using var cancellation = new CancellationTokenSource();
        int epochs = 0;
        // Cancelled from another thread, while training runs on this one.
        options.Progress = new Progress(() => { if (Interlocked.Increment(ref epochs) == 3) new Thread(cancellation.Cancel).Start(); });
        GanTransformer? model = null;
        Assert.Throws<OperationCanceledException>(() =>
        {
            model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(Customers(200, 5)), cancellation.Token);
            model.Save(path);
        });
        Assert.IsNull(model, "no model comes back");
        Assert.IsFalse(File.Exists(path), "nothing was written");
        Assert.IsLessThan(1000, epochs, "training stopped soon after the cancellation");
    }

    [TestMethod]
    public void StoppingEarlyEndsTheEpochAndReturnsTheModelOfTheEpochsRun()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 100_000;
        options.TrainingThreads = 1; // the same sums in both runs, however loaded the machine
        using var stop = new CancellationTokenSource();
        options.StopEarly = stop.Token;
        int epochs = 0;
        // Asked from another thread, while the third epoch is reported: training ends at an epoch's end, soon after.
        options.Progress = new Progress(() => { if (Interlocked.Increment(ref epochs) == 3) new Thread(stop.Cancel).Start(); });
        var data = ml.Data.LoadFromEnumerable(Customers(200, 5));
        using var model = ml.Gan().Train(options).Fit(data);
        Assert.IsGreaterThanOrEqualTo(3, model.History.Count);
        Assert.IsLessThan(1000, model.History.Count, "training stopped soon after it was asked to");
        Assert.AreEqual(epochs, model.History.Count, "every epoch run is in the history, and none after the stop");
        Assert.AreEqual(model.History.Count, model.Options.Epochs, "the model says how many epochs it ran");
        Assert.AreEqual(model.History.Count, model.SelectedEpoch);

        // It is the model a run of that many epochs returns: the same rows.
        var shorter = Small();
        shorter.Epochs = model.History.Count;
        shorter.TrainingThreads = 1;
        using var run = ml.Gan().Train(shorter).Fit(data);
        CollectionAssert.AreEqual(TestTables.Column(run.Generate(50, seed: 3), "Height").ToList(), TestTables.Column(model.Generate(50, seed: 3), "Height").ToList());
    }

    [TestMethod]
    public void TheContextsOwnCancellationStopsTrainingAndEvaluation()
    {
        // ML.NET cancels a context from its own code (MLContext.CancelExecution is internal in ML.NET 5): the
        // library checks the same flag ML.NET's trainers check.
        Assert.IsTrue(Common.Cancellation.Supported, "this ML.NET's cancellation flag is found");
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 100_000;
        int epochs = 0;
        options.Progress = new Progress(() => { if (Interlocked.Increment(ref epochs) == 2) new Thread(() => CancelExecution(ml)).Start(); });
        Assert.Throws<OperationCanceledException>(() => ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(Customers(200, 5))));
        Assert.IsLessThan(1000, epochs);
        Assert.Throws<OperationCanceledException>(() => ml.Gan().Train(Small()).Fit(ml.Data.LoadFromEnumerable(Customers(200, 5))), "a cancelled context trains nothing");
    }

    [TestMethod]
    public void TheCallersContextHearsTheEvaluatorsClassifiers()
    {
        // The evaluator's classifiers run in the caller's MLContext (not one of their own): its log hears them.
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Source + ": " + e.Message); };
        var real = ml.Data.LoadFromEnumerable(Customers(200, 6).Select(c => new { c.Height, c.City }));
        var synthetic = ml.Data.LoadFromEnumerable(Customers(200, 7).Select(c => new { c.Height, c.City }));
        ml.Gan().Evaluate(real, synthetic);
        Assert.IsTrue(messages.Any(m => m.Contains("FastTree", StringComparison.OrdinalIgnoreCase)), "FastTree's messages reach the caller's log");
    }

    /// <summary>What ML.NET's own code calls on a context (internal to ML.NET).</summary>
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(ml, null);

    /// <summary>ML.NET's SchemaShape of a schema (SchemaShape.Create is internal to ML.NET 5; its estimator chains call it).</summary>
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!.Invoke(null, [schema])!;

    private sealed class Progress(Action onEpoch) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value) => onEpoch();
    }
}
