using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.Tests.Scoring;

/// <summary>
/// Where the generator is scored (CPU or GPU, with fallback) and how a GAN travels through ML.NET's own model
/// files (mlContext.Model.Save / Load, alone and inside a chain).
/// </summary>
[TestClass]
public sealed class ScoringTests
{
    private const int NoiseDimension = 6;
    private static MLContext s_ml = null!;
    private static GanTransformer s_model = null!;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_folder = Directory.CreateTempSubdirectory("gan-scoring-").FullName;
        s_model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 4, BatchSize = 50, NoiseDimension = NoiseDimension, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 3,
            MissingCategoryTokens = ["", "?"],
        }).Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(300, seed: 1)));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_model?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];
    private static readonly string[] WithCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [TestMethod]
    public void TheCpuIsUsedWhenNoGpuIsAskedFor()
    {
        bool appended = false;
        var choice = ScoringProviderSelection.Choose(new GanScoringOptions(), WithCuda, _ => appended = true);
        Assert.IsNull(choice.CudaDevice);
        Assert.IsFalse(appended, "CUDA is not touched when it is not asked for");
    }

    [TestMethod]
    public void AnAvailableGpuIsUsedWhenAskedFor()
    {
        int? appendedDevice = null;
        var choice = ScoringProviderSelection.Choose(new GanScoringOptions { GpuDeviceId = 1 }, WithCuda, d => appendedDevice = d);
        Assert.AreEqual(1, choice.CudaDevice);
        Assert.AreEqual(1, appendedDevice);
        Assert.AreEqual("CUDA (device 1)", choice.Name);
    }

    [TestMethod]
    public void AGpuThatIsNotThereFailsClearlyWithoutFallback()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ScoringProviderSelection.Choose(new GanScoringOptions { GpuDeviceId = 0 }, CpuOnly, _ => Assert.Fail("no CUDA provider to append")));
        StringAssert.Contains(e.Message, "no CUDA execution provider");
        StringAssert.Contains(e.Message, "Microsoft.ML.OnnxRuntime.Gpu");
        StringAssert.Contains(e.Message, "FallbackToCpu");

        // The provider is compiled in but CUDA itself cannot start (no driver, no cuDNN).
        e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ScoringProviderSelection.Choose(new GanScoringOptions { GpuDeviceId = 2 }, WithCuda, _ => throw new DllNotFoundException("libcudnn.so.9")));
        StringAssert.Contains(e.Message, "could not start on device 2");
        StringAssert.Contains(e.Message, "libcudnn.so.9");
    }

    [TestMethod]
    public void AGpuThatIsNotThereFallsBackToTheCpuWhenAllowed()
    {
        var choice = ScoringProviderSelection.Choose(new GanScoringOptions { GpuDeviceId = 0, FallbackToCpu = true }, CpuOnly, _ => Assert.Fail("not appended"));
        Assert.IsNull(choice.CudaDevice);
        StringAssert.Contains(choice.Explanation, "GPU 0 was asked for");

        choice = ScoringProviderSelection.Choose(new GanScoringOptions { GpuDeviceId = 0, FallbackToCpu = true }, WithCuda, _ => throw new DllNotFoundException("libcublas"));
        Assert.IsNull(choice.CudaDevice);
        StringAssert.Contains(choice.Explanation, "libcublas");
    }

    [TestMethod]
    public void OnThisMachineAGpuRequestFailsOrFallsBackAndTheLogSaysWhichProviderRan()
    {
        // No GPU here (the CPU ONNX Runtime package has no CUDA provider): the real path, end to end.
        using (var strict = s_model.WithScoring(new GanScoringOptions { GpuDeviceId = 0 }))
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestTables.Column(strict.Generate(10, seed: 1), "Age"));
            StringAssert.Contains(e.Message, "Cannot score on GPU 0");
        }

        var messages = new List<string>();
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        string path = Path.Combine(s_folder, "fallback.onnx");
        s_model.SaveAsOnnx(path);
        using var fallback = ml.Gan().LoadOnnx(path, new GanScoringOptions { GpuDeviceId = 0, FallbackToCpu = true });
        CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(100, seed: 4)), TestTables.Dump(fallback.Generate(100, seed: 4)));
        StringAssert.StartsWith(fallback.ScoringProvider, "CPU");
        Assert.IsTrue(messages.Any(m => m.Contains("ONNX Runtime on CPU") && m.Contains("GPU 0 was asked for")), string.Join("\n", messages));
    }

    [TestMethod]
    public void BadScoringOptionsAreRefused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.WithScoring(new GanScoringOptions { GpuDeviceId = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.WithScoring(new GanScoringOptions { BatchSize = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.WithScoring(new GanScoringOptions { IntraOpThreads = 0 }));
    }

    private sealed class NoiseRow
    {
        [VectorType(NoiseDimension)]
        public float[] Noise { get; set; } = [];
        public int Id { get; set; }
    }

    private static IDataView NoiseView(int rows, int seed)
    {
        var random = new Random(seed);
        return s_ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new NoiseRow
        {
            Id = i, Noise = Enumerable.Range(0, NoiseDimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
        }).ToList());
    }

    private sealed class GraphInputRow
    {
        public float[] Noise { get; set; } = [];
        public float[] Condition { get; set; } = [];
        public float[] CategoryDraws { get; set; } = [];
    }

    [TestMethod]
    public void MlNetModelSaveAndLoadGiveTheGanBack()
    {
        string path = Path.Combine(s_folder, "mlnet-alone.zip");
        var noise = NoiseView(200, seed: 2);
        s_ml.Model.Save(s_model, noise.Schema, path);

        var loaded = s_ml.Model.Load(path, out var inputSchema);
        using var releaseLoaded = (IDisposable)loaded;
        Assert.IsNotNull(inputSchema.GetColumnOrNull("Noise"));
        Assert.IsNotInstanceOfType<GanTransformer>(loaded, "ML.NET itself loads its ONNX transform");
        using var restored = (GanTransformer)s_ml.Gan().Restore(loaded);
        CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(500, seed: 3)), TestTables.Dump(restored.Generate(500, seed: 3)));
        CollectionAssert.AreEqual(TestTables.Dump(s_model.Transform(noise)), TestTables.Dump(restored.Transform(noise)));
        Assert.HasCount(s_model.History.Count, restored.History);

        // Without Restore, ML.NET's own ONNX transform scores the graph's inputs: the same cities as the GAN's rows.
        var model = s_model.Model;
        int rows = 50, nz = model.NoiseDimension, perRow = model.Signature.UniformsPerRow;
        var (noiseValues, uniforms) = TestTables.Inputs(seed: 4, rows, nz, perRow, NoisePrior.Gaussian);
        var (draws, condition) = model.Signature.PrepareRows(uniforms, rows);
        int nd = model.Encoder.DrawCount, nc = model.Signature.ConditionWidth;
        var inputs = Enumerable.Range(0, rows).Select(r => new GraphInputRow
        {
            Noise = noiseValues.AsSpan(r * nz, nz).ToArray(),
            Condition = condition.AsSpan(r * nc, nc).ToArray(),
            CategoryDraws = draws.AsSpan(r * nd, nd).ToArray(),
        }).ToList();
        var definition = SchemaDefinition.Create(typeof(GraphInputRow));
        definition["Noise"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, nz);
        definition["Condition"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, nc);
        definition["CategoryDraws"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, nd);
        var scored = loaded.Transform(s_ml.Data.LoadFromEnumerable(inputs, definition));
        var cities = new List<string>();
        using (var cursor = scored.GetRowCursor([scored.Schema["City"]]))
        {
            var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(scored.Schema["City"]);
            VBuffer<ReadOnlyMemory<char>> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                cities.Add(value.GetItemOrDefault(0).ToString());
            }
        }
        var expected = new DecodedRows(model.Encoder, rows);
        s_model.Session.Generate(rows, (r, n, d) => { noiseValues.AsSpan(r * nz, nz).CopyTo(n); uniforms.AsSpan(r * perRow, perRow).CopyTo(d); }, expected);
        int city = model.Encoder.Columns.ToList().FindIndex(c => c.Name == "City");
        var levels = ((TextColumn)model.Encoder.Columns[city]).Levels;
        CollectionAssert.AreEqual(expected.Levels(city).Select(l => levels[l]).ToArray(), cities.ToArray());

        // LoadModel reads such a file directly.
        using var direct = s_ml.Gan().LoadModel(path);
        CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(50, seed: 8)), TestTables.Dump(direct.Generate(50, seed: 8)));
    }

    [TestMethod]
    public void SavingAndLoadingThroughMlNetLeavesNoTemporaryFiles()
    {
        // ML.NET's ONNX transform writes its graph to a temporary file, which its Dispose deletes only when it was
        // loaded from a model file: every save of a GAN into an ML.NET model and every LoadModel of one left a file.
        string temp = Directory.CreateDirectory(Path.Combine(s_folder, "temp")).FullName;
        var ml = new MLContext(seed: 1) { TempFilePath = temp };
        string own = Path.Combine(s_folder, "temp-own.zip");
        s_model.Save(own);
        using var model = ml.Gan().LoadModel(own);
        var noise = NoiseView(50, seed: 2);
        string alone = Path.Combine(s_folder, "temp-alone.zip"), chained = Path.Combine(s_folder, "temp-chain.zip");
        ml.Model.Save(model, noise.Schema, alone);
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp), "saving left files behind");
        ml.Gan().SaveModel(new TransformerChain<ITransformer>(model, ml.Transforms.CopyColumns("CityCopy", "City").Fit(model.Transform(noise))), noise.Schema, chained);
        using (var direct = ml.Gan().LoadModel(alone))
            Assert.HasCount(50, TestTables.Dump(direct.Generate(50, seed: 1)));
        Assert.ThrowsExactly<InvalidDataException>(() => ml.Gan().LoadModel(chained));
        // A damaged graph inside an ML.NET model: ML.NET writes it to a temporary file, then fails to open it.
        string damaged = Path.Combine(s_folder, "temp-damaged.zip");
        File.Copy(alone, damaged);
        using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => Holds(e, OnnxMetadata.ManifestKey));
            byte[] graph;
            using (var read = entry.Open()) { using var copy = new MemoryStream(); read.CopyTo(copy); graph = copy.ToArray(); }
            graph.AsSpan(8, graph.Length / 2).Fill(0xFF);
            using var write = entry.Open();
            write.Write(graph);
        }
        Assert.ThrowsExactly<InvalidDataException>(() => ml.Gan().LoadModel(damaged));
        using (var loaded = (IDisposable)ml.Model.Load(alone, out _))
        {
            Assert.HasCount(1, Directory.GetFileSystemEntries(temp), "ML.NET's loaded transform holds its graph in a temporary file");
            using var restored = (GanTransformer)ml.Gan().Restore((ITransformer)loaded);
        }
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp));
    }

    private static bool Holds(System.IO.Compression.ZipArchiveEntry entry, string text)
    {
        using var read = entry.Open();
        using var copy = new MemoryStream();
        read.CopyTo(copy);
        return copy.ToArray().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
    }

    [TestMethod]
    public void AGanInsideAnMlNetChainSurvivesSaveAndLoad()
    {
        var noise = NoiseView(300, seed: 5);
        var keys = s_ml.Transforms.Conversion.MapValueToKey("CityKey", "City").Fit(s_model.Transform(noise));
        var chain = new TransformerChain<ITransformer>(s_model, keys);
        string path = Path.Combine(s_folder, "mlnet-chain.zip");
        s_ml.Model.Save(chain, noise.Schema, path);

        var loaded = s_ml.Model.Load(path, out _);
        using var releaseLoaded = (IDisposable)loaded;
        var restored = s_ml.Gan().Restore(loaded);
        var parts = ((IEnumerable<ITransformer>)restored).ToList();
        Assert.HasCount(2, parts);
        Assert.IsInstanceOfType<GanTransformer>(parts[0]);
        var expected = chain.Transform(noise);
        var actual = restored.Transform(noise);
        CollectionAssert.AreEqual(TestTables.Column(expected, "City"), TestTables.Column(actual, "City"));
        CollectionAssert.AreEqual(TestTables.Column(expected, "CityKey"), TestTables.Column(actual, "CityKey"));
        CollectionAssert.AreEqual(TestTables.Column(expected, "Id"), TestTables.Column(actual, "Id"));

        // A chain is not one GAN: LoadModel says how to get it instead.
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
        StringAssert.Contains(e.Message, "Restore");
        ((IDisposable)parts[0]).Dispose();
    }
}
