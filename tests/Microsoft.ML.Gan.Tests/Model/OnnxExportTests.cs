using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Scoring;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Model;

/// <summary>
/// The exported ONNX graph: it decodes what the TorchSharp generator and the .NET decoder decode, it runs in a
/// bare ONNX Runtime session, it round-trips through a file, and bad files are refused clearly.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    private static MLContext s_ml = null!;
    private static GanTransformer s_mixed = null!;
    private static GanTransformer s_allKinds = null!;
    private static GanTransformer s_noBatchNorm = null!;
    private static GanTransformer s_ranked = null!;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_folder = Directory.CreateTempSubdirectory("gan-onnx-").FullName;
        s_mixed = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 15, BatchSize = 100, NoiseDimension = 12, GeneratorLayers = [64, 64], DiscriminatorLayers = [64], Seed = 5,
            MissingCategoryTokens = ["", "?"],
        }).Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(1000, seed: 3)));
        s_allKinds = s_ml.Gan().Train(new GanTrainer.Options { Epochs = 4, BatchSize = 50, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4 })
            .Fit(TestTables.AllKindsTable(s_ml));
        s_noBatchNorm = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 3, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [8, 8], DiscriminatorLayers = [8], GeneratorBatchNorm = false, Seed = 1,
            ContinuousNormalization = ContinuousNormalization.MinMax,
        }).Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(200, seed: 2)));
        // Every number rank-normalised: the graph decodes through the training quantiles as .NET does.
        s_ranked = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 3, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 2,
            ContinuousNormalization = ContinuousNormalization.Rank, MissingCategoryTokens = ["", "?"],
        }).Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(300, seed: 6)));
        Assert.IsTrue(s_ranked.Columns.Where(c => !c.IsCategorical).All(c => c.RankNormalized));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_mixed?.Dispose();
        s_allKinds?.Dispose();
        s_noBatchNorm?.Dispose();
        s_ranked?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    private static IEnumerable<GanTransformer> Models => [s_mixed, s_allKinds, s_noBatchNorm, s_ranked];

    [TestMethod]
    [DataRow(CategorySampling.Sample)]
    [DataRow(CategorySampling.ArgMax)]
    public void TheOnnxGraphDecodesWhatTorchSharpAndTheDotNetDecoderDecode(CategorySampling sampling)
    {
        foreach (var transformer in Models)
        {
            var model = transformer.Model;
            int rows = 400, nz = model.NoiseDimension, nd = model.Encoder.DrawCount;
            var (noise, uniforms) = TestTables.Inputs(seed: 11, rows, nz, model.Signature.UniformsPerRow, model.Training.NoisePrior);

            var reference = model.GenerateWithTorch(noise, uniforms, rows, sampling);
            var bytes = model.ExportOnnx(sampling);
            using var scorer = OnnxScorer.Create(bytes, model.SignatureFor(sampling), model.Encoder, new GanScoringOptions());
            var onnx = new DecodedRows(model.Encoder, rows);
            var (draws, condition) = model.Signature.PrepareRows(uniforms, rows);
            scorer.Run(noise, condition, draws, rows, onnx, 0);

            int categoricalChecked = 0;
            for (int c = 0; c < model.Encoder.Columns.Count; c++)
            {
                string name = model.Encoder.Columns[c].Name;
                if (model.Encoder.Columns[c] is NumericColumn range)
                {
                    // The generator computes in single precision, and the two runtimes' tanh differ in the last bit:
                    // 1e-5 relative to the value or to the column's range, whichever is larger.
                    var expected = reference.Numbers(c);
                    double scale = Math.Max(1, range.Maximum - range.Minimum);
                    var actual = onnx.Numbers(c);
                    int flips = 0;
                    for (int r = 0; r < rows; r++)
                    {
                        if (double.IsNaN(expected[r])) { Assert.IsTrue(double.IsNaN(actual[r]), $"{name} row {r}: expected missing, got {actual[r]}"); continue; }
                        double tolerance = 1e-5 * Math.Max(scale, Math.Abs(expected[r]));
                        // An integer whose unrounded value lies within that tolerance of a half may round either way.
                        if (range.IsInteger && Math.Abs(expected[r] - actual[r]) == 1 && tolerance < 1) { flips++; continue; }
                        Assert.AreEqual(expected[r], actual[r], tolerance, $"{name} row {r}");
                    }
                    Assert.IsLessThanOrEqualTo(rows / 100, flips, $"{name}: integers that rounded the other way");
                }
                else
                {
                    CollectionAssert.AreEqual(reference.Levels(c), onnx.Levels(c), $"{name} ({sampling})");
                    categoricalChecked++;
                }
            }
            Assert.IsGreaterThan(0, categoricalChecked);
        }
    }

    [TestMethod]
    public void TheCategoryChoiceFollowsTheDraws()
    {
        // Sampling must use the draws: shifting every draw changes some categories, and argmax ignores them.
        var model = s_mixed.Model;
        int rows = 300, nz = model.NoiseDimension, nd = model.Encoder.DrawCount;
        var (noise, draws) = TestTables.Inputs(seed: 4, rows, nz, model.Signature.UniformsPerRow, model.Training.NoisePrior);
        // Shift the decoding draws only, so each row keeps its condition.
        var shifted = draws.Select((d, i) => i % model.Signature.UniformsPerRow < nd ? (d + 0.5f) % 1f : d).ToArray();
        int city = model.Encoder.Columns.ToList().FindIndex(c => c.Name == "City");
        var a = model.GenerateWithTorch(noise, draws, rows, CategorySampling.Sample).Levels(city);
        var b = model.GenerateWithTorch(noise, shifted, rows, CategorySampling.Sample).Levels(city);
        Assert.IsTrue(a.Zip(b).Count(p => p.First != p.Second) > rows / 10, "shifted draws change sampled categories");
        CollectionAssert.AreEqual(model.GenerateWithTorch(noise, draws, rows, CategorySampling.ArgMax).Levels(city),
            model.GenerateWithTorch(noise, shifted, rows, CategorySampling.ArgMax).Levels(city));
    }

    [TestMethod]
    public void TheOnnxFileRunsInABareInferenceSessionAndGivesTheDocumentedOutputs()
    {
        string path = Path.Combine(s_folder, "bare.onnx");
        s_mixed.SaveAsOnnx(path);
        int rows = 64, nz = s_mixed.NoiseDimension, nd = s_mixed.Model.Encoder.DrawCount;

        using var session = new InferenceSession(path);
        int nc = s_mixed.Model.Signature.ConditionWidth;
        CollectionAssert.AreEqual(new[] { "Noise", "Condition", "CategoryDraws" }, session.InputNames.ToArray());
        CollectionAssert.AreEqual(new long[] { -1, nz }, session.InputMetadata["Noise"].Dimensions.Select(d => (long)d).ToArray());
        CollectionAssert.AreEqual(new long[] { -1, nc }, session.InputMetadata["Condition"].Dimensions.Select(d => (long)d).ToArray());
        // A filtered model (the default, when its classifier finds something to correct) has one more output.
        bool filtered = s_mixed.FilterKeepRate is not null;
        string[] columns = ["Height", "Income", "Age", "Children", "Owner", "City", "Segment"];
        CollectionAssert.AreEqual(filtered ? [.. columns, "KeepProbability"] : columns, session.OutputNames.ToArray());
        var types = session.OutputMetadata.ToDictionary(o => o.Key, o => o.Value.ElementDataType);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, types["Height"]);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Double, types["Income"]);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int32, types["Age"]);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int16, types["Children"]);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Bool, types["Owner"]);
        Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String, types["City"]);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        StringAssert.Contains(metadata["microsoft.ml.gan.noise"], $"[batch, {nz}], Gaussian prior");
        StringAssert.Contains(metadata["microsoft.ml.gan.condition"], "City at ");
        StringAssert.Contains(metadata["microsoft.ml.gan.condition_frequencies"], "\"City\"");
        // The categories in plain JSON, in the model's order; the history apart from the manifest, which stays small.
        var categories = System.Text.Json.Nodes.JsonNode.Parse(metadata["microsoft.ml.gan.categories"])!.AsObject();
        CollectionAssert.AreEqual(s_mixed.Columns.Single(c => c.Name == "City").Categories.ToArray(), categories["City"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
        var owner = s_mixed.Columns.Single(c => c.Name == "Owner").Categories.Select(c => c == "True").ToArray();
        CollectionAssert.AreEquivalent(new[] { false, true }, owner);
        CollectionAssert.AreEqual(owner, categories["Owner"]!.AsArray().Select(v => v!.GetValue<bool>()).ToArray(), "booleans as JSON booleans, in the model's order");
        Assert.IsFalse(categories.ContainsKey("Height"), "numbers have no categories");
        Assert.DoesNotContain("\"History\"", metadata["microsoft.ml.gan.manifest"]);
        Assert.HasCount(s_mixed.History.Count, System.Text.Json.Nodes.JsonNode.Parse(metadata["microsoft.ml.gan.history"])!.AsArray());

        // Generate(rows, seed) feeds row i's first candidate the counter-based noise and uniforms of (seed, i); two
        // uniforms after the category draws pick the row's condition as the metadata describes, and with a filter the
        // last one keeps the row when it is below the row's KeepProbability (else row i tries its next candidate). Feed
        // the same by hand: the rows whose first candidate passes are those rows of Generate.
        var (noise, uniforms) = TestTables.Inputs(seed: 7, rows, nz, s_mixed.Model.Signature.UniformsPerRow, NoisePrior.Gaussian);
        var (draws, condition) = s_mixed.Model.Signature.PrepareRows(uniforms, rows);
        using var noiseValue = OrtValue.CreateTensorValueFromMemory(noise, [rows, nz]);
        using var conditionValue = OrtValue.CreateTensorValueFromMemory(condition, [rows, nc]);
        using var drawsValue = OrtValue.CreateTensorValueFromMemory(draws, [rows, nd]);
        using var outputs = session.Run(new RunOptions(), ["Noise", "Condition", "CategoryDraws"], [noiseValue, conditionValue, drawsValue], session.OutputNames);

        int perRow = s_mixed.Model.Signature.UniformsPerRow;
        var kept = Enumerable.Range(0, rows).Where(r => !filtered || uniforms[r * perRow + perRow - 1] < outputs[7].GetTensorDataAsSpan<float>()[r]).ToArray();
        if (filtered) Assert.IsTrue(kept.Length > 0 && kept.Length < rows, $"the filter keeps some of {rows} candidates: {kept.Length}");
        var generated = s_mixed.Generate(rows, seed: 7);
        var cities = outputs[5].GetStringTensorAsArray();
        T[] Kept<T>(string column)
        {
            var values = TestTables.Column(generated, column);
            return kept.Select(r => (T)values[r]).ToArray();
        }
        CollectionAssert.AreEqual(Kept<object>("City").Select(v => v.ToString()).ToArray(), kept.Select(r => cities[r]).ToArray());
        CollectionAssert.AreEqual(Kept<int>("Age"), kept.Select(r => outputs[2].GetTensorDataAsSpan<int>()[r]).ToArray());
        CollectionAssert.AreEqual(Kept<float>("Height"), kept.Select(r => outputs[0].GetTensorDataAsSpan<float>()[r]).ToArray());
        var income = outputs[1].GetTensorDataAsSpan<double>().ToArray();
        Assert.IsTrue(income.Any(double.IsNaN) && income.Any(double.IsFinite), "missing incomes come out as NaN beside real ones");
        Assert.AreEqual(rows, outputs[4].GetTensorDataAsSpan<bool>().Length);
    }

    [TestMethod]
    public void SaveAsOnnxThenLoadOnnxGivesTheSameRowsAndDescription()
    {
        foreach (var model in Models)
        {
            string path = Path.Combine(s_folder, "roundtrip.onnx");
            model.SaveAsOnnx(path);
            using var loaded = s_ml.Gan().LoadOnnx(path);
            CollectionAssert.AreEqual(TestTables.Dump(model.Generate(700, seed: 9)), TestTables.Dump(loaded.Generate(700, seed: 9)));
            Assert.AreEqual(model.TrainingSchema.Count, loaded.TrainingSchema.Count);
            for (int i = 0; i < model.TrainingSchema.Count; i++) Assert.AreEqual(model.TrainingSchema[i].Type, loaded.TrainingSchema[i].Type);
            Assert.HasCount(model.History.Count, loaded.History);
            Assert.AreEqual(model.Options.NoiseDimension, loaded.Options.NoiseDimension);
            CollectionAssert.AreEqual(model.Columns.Select(c => c.MissingRate).ToArray(), loaded.Columns.Select(c => c.MissingRate).ToArray());

            // LoadModel recognises an .onnx file too, and a stream works like a file.
            using var viaLoadModel = s_ml.Gan().LoadModel(path);
            using var stream = File.OpenRead(path);
            using var viaStream = s_ml.Gan().LoadOnnx(stream);
            CollectionAssert.AreEqual(TestTables.Dump(loaded.Generate(50, seed: 2)), TestTables.Dump(viaLoadModel.Generate(50, seed: 2)));
            CollectionAssert.AreEqual(TestTables.Dump(loaded.Generate(50, seed: 2)), TestTables.Dump(viaStream.Generate(50, seed: 2)));
        }
    }

    [TestMethod]
    public void AnArgMaxExportHasOneInputAndIsRecordedAsSuch()
    {
        string path = Path.Combine(s_folder, "argmax.onnx");
        s_mixed.SaveAsOnnx(path, CategorySampling.ArgMax);
        using (var session = new InferenceSession(path)) CollectionAssert.AreEqual(new[] { "Noise", "Condition" }, session.InputNames.ToArray(), "no draws input");
        using var loaded = s_ml.Gan().LoadOnnx(path);
        Assert.AreEqual(CategorySampling.ArgMax, loaded.Options.CategorySampling);
        // Its rows are the trained model's argmax decoding of the same noise.
        int rows = 200, nz = s_mixed.NoiseDimension, nd = s_mixed.Model.Signature.UniformsPerRow;
        var (noise, draws) = TestTables.Inputs(seed: 3, rows, nz, nd, NoisePrior.Gaussian);
        var expected = s_mixed.Model.GenerateWithTorch(noise, draws, rows, CategorySampling.ArgMax);
        var actual = new DecodedRows(loaded.Model.Encoder, rows);
        loaded.Session.Generate(rows, (r, n, d) => { noise.AsSpan(r * nz, nz).CopyTo(n); draws.AsSpan(r * nd, nd).CopyTo(d); }, actual);
        int city = loaded.Model.Encoder.Columns.ToList().FindIndex(c => c.Name == "City");
        CollectionAssert.AreEqual(expected.Levels(city), actual.Levels(city));
        // A model loaded from an argmax graph has no weights to write a sampling graph from.
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => loaded.SaveAsOnnx(Path.Combine(s_folder, "x.onnx"), CategorySampling.Sample));
        StringAssert.Contains(e.Message, "loaded from an ONNX graph");
    }

    [TestMethod]
    public void RowsDoNotDependOnTheScoringBatchSize()
    {
        using var small = s_mixed.WithScoring(new GanScoringOptions { BatchSize = 7, IntraOpThreads = 1 });
        CollectionAssert.AreEqual(TestTables.Dump(s_mixed.Generate(1500, seed: 21)), TestTables.Dump(small.Generate(1500, seed: 21)));
    }

    [TestMethod]
    public void BadOnnxFilesAreRefusedWithTheFileAndTheReason()
    {
        string good = Path.Combine(s_folder, "good.onnx");
        s_mixed.SaveAsOnnx(good);
        var bytes = File.ReadAllBytes(good);

        string truncated = Path.Combine(s_folder, "truncated.onnx");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadOnnx(truncated));
        StringAssert.Contains(e.Message, truncated);
        StringAssert.Contains(e.Message, "not a valid ONNX model");

        string garbage = Path.Combine(s_folder, "garbage.onnx");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 500).Select(i => (byte)(i * 37 + 11)).ToArray());
        e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadOnnx(garbage));
        StringAssert.Contains(e.Message, garbage);

        // A valid ONNX model that this library did not write.
        var graph = new OnnxGraph("foreign");
        graph.Output("y", graph.Input("x", OnnxType.Float, 3), OnnxType.Float);
        string foreign = Path.Combine(s_folder, "foreign.onnx");
        File.WriteAllBytes(foreign, graph.ToModel("1", []));
        using (var session = new InferenceSession(foreign)) Assert.AreEqual("x", session.InputNames[0]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadOnnx(foreign));
        StringAssert.Contains(e.Message, "not a generator exported by Microsoft.ML.Gan");

        Assert.ThrowsExactly<FileNotFoundException>(() => s_ml.Gan().LoadOnnx(Path.Combine(s_folder, "absent.onnx")));
        // SaveAsOnnx leaves no temporary file behind and refuses a missing folder clearly.
        Assert.IsEmpty(Directory.GetFiles(s_folder, "*.tmp"));
        var missing = Assert.ThrowsExactly<DirectoryNotFoundException>(() => s_mixed.SaveAsOnnx(Path.Combine(s_folder, "no", "such", "g.onnx")));
        StringAssert.Contains(missing.Message, "does not exist");
    }
}
