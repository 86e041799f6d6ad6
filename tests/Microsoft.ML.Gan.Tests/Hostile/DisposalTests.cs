using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Hostile;

/// <summary>
/// A disposed model, and every view it made, throws <see cref="ObjectDisposedException"/> from every member, from
/// any thread, even while other threads are generating: never a native crash, never freed memory read, never a
/// good file replaced by a broken one.
/// </summary>
[TestClass]
public sealed class DisposalTests
{
    private static MLContext s_ml = null!;
    private static GanTransformer s_model = null!;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(1);
        s_folder = Directory.CreateTempSubdirectory("gan-dispose-").FullName;
        s_model = s_ml.Gan().Train(new GanTrainer.Options { Epochs = 2, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 3 })
            .Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(300, seed: 2)));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_model?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    /// <summary>A model of its own, so that each test can dispose one.</summary>
    private static GanTransformer Copy(int batchSize = 64) => s_model.WithScoring(new GanScoringOptions { BatchSize = batchSize, IntraOpThreads = 1 });

    [TestMethod]
    public void EveryMemberOfADisposedModelThrowsObjectDisposedException()
    {
        var model = Copy();
        var noise = NoiseView(10);
        model.Dispose();
        model.Dispose(); // twice is harmless

        string path = Path.Combine(s_folder, "never.zip");
        var calls = new Dictionary<string, Action>
        {
            [nameof(GanTransformer.TrainingSchema)] = () => _ = model.TrainingSchema,
            [nameof(GanTransformer.Columns)] = () => _ = model.Columns,
            [nameof(GanTransformer.Options)] = () => _ = model.Options,
            [nameof(GanTransformer.History)] = () => _ = model.History,
            [nameof(GanTransformer.SelectedEpoch)] = () => _ = model.SelectedEpoch,
            [nameof(GanTransformer.Dependencies)] = () => _ = model.Dependencies,
            [nameof(GanTransformer.Trends)] = () => _ = model.Trends,
            [nameof(GanTransformer.Formulas)] = () => _ = model.Formulas,
            [nameof(GanTransformer.Combinations)] = () => _ = model.Combinations,
            [nameof(GanTransformer.CategoryThresholds)] = () => _ = model.CategoryThresholds,
            [nameof(GanTransformer.CategoryExclusions)] = () => _ = model.CategoryExclusions,
            [nameof(GanTransformer.Constraints)] = () => _ = model.Constraints,
            [nameof(GanTransformer.FoundOrders)] = () => _ = model.FoundOrders,
            [nameof(GanTransformer.FilterKeepRate)] = () => _ = model.FilterKeepRate,
            [nameof(GanTransformer.NoiseDimension)] = () => _ = model.NoiseDimension,
            [nameof(GanTransformer.ScoringProvider)] = () => _ = model.ScoringProvider,
            [nameof(GanTransformer.ScoringOptions)] = () => _ = model.ScoringOptions,
            [nameof(GanTransformer.TrainingRowCount)] = () => _ = model.TrainingRowCount,
            [nameof(GanTransformer.IsRowToRowMapper)] = () => _ = model.IsRowToRowMapper,
            [nameof(GanTransformer.WithScoring)] = () => model.WithScoring(new GanScoringOptions()),
            [nameof(GanTransformer.WithPredicate)] = () => model.WithPredicate("rule", _ => true),
            [nameof(GanTransformer.Generate)] = () => model.Generate(10, 1),
            [nameof(GanTransformer.Generate) + " with conditions"] = () => model.Generate(10, 1, new Dictionary<string, object> { ["City"] = "Oslo" }),
            [nameof(GanTransformer.Transform)] = () => model.Transform(noise),
            [nameof(GanTransformer.GetOutputSchema)] = () => model.GetOutputSchema(noise.Schema),
            [nameof(GanTransformer.GetRowToRowMapper)] = () => model.GetRowToRowMapper(noise.Schema),
            [nameof(GanTransformer.Save)] = () => model.Save(path),
            [nameof(GanTransformer.Save) + " to a stream"] = () => model.Save(new MemoryStream()),
            [nameof(GanTransformer.SaveAsOnnx)] = () => model.SaveAsOnnx(path),
            [nameof(GanTransformer.SaveAsOnnx) + " to a stream"] = () => model.SaveAsOnnx(new MemoryStream()),
            ["ICanSaveModel.Save (mlContext.Model.Save)"] = () => s_ml.Model.Save(model, null, new MemoryStream()),
        };
        foreach (var (name, call) in calls)
        {
            var e = Assert.Throws<Exception>(call, name);
            while (e is not ObjectDisposedException && e.InnerException is { } inner) e = inner; // ML.NET wraps what its save calls throw
            Assert.IsInstanceOfType<ObjectDisposedException>(e, $"{name}: {e.GetType().Name}: {e.Message}");
        }
        Assert.IsFalse(File.Exists(path), "nothing was written");

        // Every public member of the transformer is in the list above: a new member must say what it does once disposed.
        var members = typeof(GanTransformer).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m is PropertyInfo || m is MethodInfo { IsSpecialName: false })
            .Select(m => m.Name).Where(n => n != nameof(GanTransformer.Dispose)).ToHashSet();
        foreach (string member in members) Assert.IsTrue(calls.Keys.Any(k => k.StartsWith(member, StringComparison.Ordinal)), $"{member} is checked once disposed");
    }

    [TestMethod]
    public void SavingADisposedModelLeavesTheFileAsItWas()
    {
        string path = Path.Combine(s_folder, "good.zip");
        s_model.Save(path);
        var before = File.ReadAllBytes(path);
        var model = Copy();
        model.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Save(path));
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.SaveAsOnnx(path));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the good model is untouched");
        using var loaded = s_ml.Gan().LoadModel(path);
        Assert.HasCount(300, TestTables.Column(loaded.Generate(300, 1), "City"));
    }

    [TestMethod]
    public void AViewThatOutlivesItsModelThrowsInsteadOfReadingFreedMemory()
    {
        IDataView generated, transformed;
        DataViewRowCursor open;
        ValueGetter<int> age;
        using (var model = Copy(batchSize: 7))
        {
            generated = model.Generate(1000, seed: 1);
            transformed = model.Transform(NoiseView(100));
            open = generated.GetRowCursor(generated.Schema);
            age = open.GetGetter<int>(generated.Schema["Age"]);
            for (int i = 0; i < 10; i++) Assert.IsTrue(open.MoveNext());
        }
        // The rows of the batch already made are plain memory; the next batch needs the model.
        int value = 0;
        age(ref value);
        Assert.IsTrue(open.MoveNext(), "row 11 is in the second batch of 7, already made");
        for (int i = 0; i < 3; i++) open.MoveNext();
        Assert.ThrowsExactly<ObjectDisposedException>(() => { while (open.MoveNext()) { } });
        open.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => TestTables.Column(generated, "Age"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => TestTables.Column(transformed, "City"));
    }

    [TestMethod]
    public void DisposingWhileOtherThreadsGenerateStopsThemCleanly()
    {
        for (int round = 0; round < 5; round++)
        {
            var model = Copy(batchSize: 32);
            var views = new[] { model.Generate(200_000, seed: 1), model.Generate(200_000, seed: 2), model.Transform(NoiseView(200_000)) };
            var readers = views.Select(view => Task.Run(() =>
            {
                try
                {
                    TestTables.Column(view, "Height");
                    return "finished";
                }
                catch (ObjectDisposedException)
                {
                    return "disposed";
                }
            })).ToArray();
            Thread.Sleep(20 + 15 * round);
            model.Dispose(); // waits for the batches in flight
            Assert.IsTrue(Task.WaitAll(readers, TimeSpan.FromMinutes(1)), "every reader ended");
            Assert.IsTrue(readers.Any(r => r.Result == "disposed"), $"round {round}: a reader was stopped by the disposal ({string.Join(", ", readers.Select(r => r.Result))})");
        }
    }

    private static IDataView NoiseView(int rows)
    {
        var random = new Random(rows);
        var data = Enumerable.Range(0, rows).Select(_ => new NoiseRow { Noise = [(float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()] });
        return s_ml.Data.LoadFromEnumerable(data);
    }

    public sealed class NoiseRow
    {
        [VectorType(4)] public float[] Noise { get; set; } = [];
    }
}
