using System.Globalization;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests.Model;

/// <summary>
/// The self-contained graph (SaveAsOnnx with <see cref="GanOnnxInputs.SeedAndRows"/>): a seed and row indices in, and
/// out, bit for bit, the rows Generate makes at those positions of that seed — through the density-ratio filter's
/// attempts, the condition draws and the category draws, with either noise prior.
/// </summary>
[TestClass]
public sealed class SeededGraphTests
{
    private static MLContext s_ml = null!;
    private static GanTransformer s_filtered = null!;
    private static GanTransformer s_plain = null!;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_folder = Directory.CreateTempSubdirectory("gan-seeded-").FullName;
        var rows = s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(1000, seed: 3));
        // A conditional generator that samples its categories, trained one epoch on DensityRatioFilterTests' table, so
        // that its density-ratio filter has much to correct (and is kept).
        s_filtered = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 200, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 2, DensityRatioFilter = true,
        }).Fit(DensityRatioFilterTests.Table(3000, seed: 1));
        // Unconditional, argmax, uniform noise of an odd width, no filter.
        s_plain = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 100, NoiseDimension = 5, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 2,
            NoisePrior = NoisePrior.Uniform, ConditionalGenerator = false, CategorySampling = CategorySampling.ArgMax, DensityRatioFilter = false,
        }).Fit(rows);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_filtered?.Dispose();
        s_plain?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    [TestMethod]
    public void PortableLogarithmAndSineAreWithinAnUlpOfTheSystemOnesAndTheirSimdBatchAgrees()
    {
        // The graph and NoiseSource share these steps; they must also be the right functions.
        var random = new Random(3);
        double worstLog = 0, worstTrig = 0;
        foreach (ulong bits in Enumerable.Range(0, 200_000).Select(_ => (ulong)random.NextInt64(1, 1L << 53)).Concat([1UL, 2UL, 3UL, (1UL << 53) - 1, 1UL << 53, 1UL << 52]))
        {
            double exact = -2 * Math.Log(bits / PortableMath.TwoTo53);
            double mine = PortableMath.MinusTwoLogOfUnit(bits);
            if (exact != 0) worstLog = Math.Max(worstLog, Math.Abs(mine - exact) / Math.Abs(exact));
            else Assert.AreEqual(0.0, mine, "-2 ln 1");
            double turn = bits & ((1UL << 53) - 1);
            var (sin, cos) = PortableMath.SinCosOfTurn(turn);
            var (s, c) = Math.SinCos(2 * Math.PI * (turn / PortableMath.TwoTo53));
            worstTrig = Math.Max(worstTrig, Math.Max(Math.Abs(sin - s), Math.Abs(cos - c)));
        }
        Assert.IsLessThan(1e-15, worstLog, "relative error of -2 ln u");
        Assert.IsLessThan(1e-15, worstTrig, "absolute error of sin and cos");
        // The SIMD batch takes the scalar steps lane by lane: the same bits, for every pair and an odd tail.
        var raw = Enumerable.Range(0, 2 * 1001).Select(_ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63)).ToArray();
        raw[0] = 0; raw[1] = 0; raw[2] = ulong.MaxValue; raw[3] = ulong.MaxValue; // u1 = 1 (radius 0) and the largest angle
        var batch = new float[2001];
        PortableMath.Normals(raw, batch);
        for (int p = 0; p < 1001; p++)
        {
            double radius = Math.Sqrt(PortableMath.MinusTwoLogOfUnit(PortableMath.TwoTo53 - (raw[2 * p] >> 11)));
            var (sp, cp) = PortableMath.SinCosOfTurn(raw[2 * p + 1] >> 11);
            Assert.AreEqual(BitConverter.SingleToInt32Bits((float)(radius * cp)), BitConverter.SingleToInt32Bits(batch[2 * p]), $"cos of pair {p}");
            if (2 * p + 1 < batch.Length) Assert.AreEqual(BitConverter.SingleToInt32Bits((float)(radius * sp)), BitConverter.SingleToInt32Bits(batch[2 * p + 1]), $"sin of pair {p}");
        }
        var (s0, c0) = PortableMath.SinCosOfTurn(0);
        Assert.AreEqual((0.0, 1.0), (s0, c0));
        var (sq, cq) = PortableMath.SinCosOfTurn(PortableMath.TwoTo53 / 4);
        Assert.AreEqual((1.0, 0.0), (sq, cq), "a quarter turn");
    }

    [TestMethod]
    public void RowsOfTheSeededGraphAreGeneratesRowsBitForBit()
    {
        Assert.IsNotNull(s_filtered.FilterKeepRate, "the filtered model keeps its filter");
        foreach (var (model, seed, first) in new[] { (s_filtered, 7, 0L), (s_filtered, -3, 123_456_789L), (s_plain, 11, 40L) })
        {
            const int Count = 600;
            string path = Path.Combine(s_folder, "seeded.onnx");
            model.SaveAsOnnx(path, GanOnnxInputs.SeedAndRows);
            var expected = Rows(model.Generate(Count, seed, first), model);

            // The indices in a shuffled order, as a shard may ask for them: row k of the output is row index[k] of the seed.
            var order = Enumerable.Range(0, Count).OrderBy(i => (i * 7919) % Count).ToArray();
            var (actual, attempts) = RunSeeded(path, seed, order.Select(i => first + i).ToArray(), model);
            for (int k = 0; k < Count; k++)
                Assert.AreEqual(expected[order[k]], actual[k], $"row {first + order[k]} of seed {seed}");
            if (model == s_filtered)
            {
                Assert.IsTrue(attempts.All(a => a >= 0), "every row found a candidate that passes");
                Assert.IsTrue(attempts.Any(a => a > 0) && attempts.Any(a => a == 0), $"some rows pass at their first candidate, some later: {string.Join(",", attempts.Take(20))}");
            }
            else Assert.IsTrue(attempts.All(a => a == 0), "without a filter every row is its first candidate");
        }

        // A seed per row (as a Spark column would give them): rows of two seeds, interleaved, are each seed's rows.
        string filtered = Path.Combine(s_folder, "seeds.onnx");
        s_filtered.SaveAsOnnx(filtered, GanOnnxInputs.SeedAndRows);
        var seven = Rows(s_filtered.Generate(50, 7), s_filtered);
        var eight = Rows(s_filtered.Generate(50, 8), s_filtered);
        var seeds = Enumerable.Range(0, 100).Select(k => k % 2 == 0 ? 7L : 8L).ToArray();
        var (mixed, _) = RunSeeded(filtered, seeds, Enumerable.Range(0, 100).Select(k => (long)(k / 2)).ToArray(), s_filtered);
        CollectionAssert.AreEqual(seven, mixed.Where((_, k) => k % 2 == 0).ToList());
        CollectionAssert.AreEqual(eight, mixed.Where((_, k) => k % 2 == 1).ToList());
    }

    [TestMethod]
    public void TheSeededGraphSaysWhatItTakesAndDotNetSendsItsUsersToTheZip()
    {
        string path = Path.Combine(s_folder, "described.onnx");
        s_filtered.SaveAsOnnx(path, GanOnnxInputs.SeedAndRows);
        using (var session = new InferenceSession(path))
        {
            CollectionAssert.AreEqual(new[] { "Seed", "Row" }, session.InputNames.ToArray());
            Assert.AreEqual(TensorElementType.Int64, session.InputMetadata["Row"].ElementDataType);
            CollectionAssert.AreEqual(new[] { "X", "Y", "Z", "Flag", "Count", "Attempt" }, session.OutputNames.ToArray());
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.AreEqual("seed-and-rows", metadata["microsoft.ml.gan.inputs"]);
            StringAssert.Contains(metadata["microsoft.ml.gan.seed_and_rows"], "bit for bit");
            Assert.IsFalse(metadata.ContainsKey("microsoft.ml.gan.noise"), "no noise input to describe");
        }
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadOnnx(path));
        StringAssert.Contains(refused.Message, "seed-and-rows graph");
        StringAssert.Contains(refused.Message, "described.onnx");

        // The noise graph loaded back has no weights to write the seeded one from.
        string noisePath = Path.Combine(s_folder, "noise.onnx");
        s_filtered.SaveAsOnnx(noisePath, GanOnnxInputs.Noise);
        using var loaded = s_ml.Gan().LoadOnnx(noisePath);
        var noWeights = Assert.ThrowsExactly<InvalidOperationException>(() => loaded.SaveAsOnnx(Path.Combine(s_folder, "x.onnx"), GanOnnxInputs.SeedAndRows));
        StringAssert.Contains(noWeights.Message, "no weights");
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "x.onnx")));
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void OnnxRuntimeNodeMakesGeneratesRowsFromTheSeededGraph()
    {
        // A real client that is not .NET: examples/onnx-node/generate.js with onnxruntime-node from npm.
        string? node = OnPath("node"), npm = OnPath("npm");
        if (node is null || npm is null)
            Assert.Inconclusive("Node.js is not on PATH (node and npm are needed): the onnxruntime-node check of the seed-and-rows graph did not run. Install Node.js 18 or later to run it.");
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Microsoft.ML.Gan.sln"))) root = root.Parent;
        string example = Path.Combine(root!.FullName, "examples", "onnx-node");
        string folder = Path.Combine(s_folder, "node");
        Directory.CreateDirectory(folder);
        foreach (var file in new[] { "package.json", "generate.js" }) File.Copy(Path.Combine(example, file), Path.Combine(folder, file), overwrite: true);
        // The CUDA binaries onnxruntime-node would fetch at install are not needed on a CPU.
        var (installed, installOutput) = Run(npm, folder, ["install", "--no-audit", "--no-fund", "--ignore-scripts"], TimeSpan.FromMinutes(10));
        if (installed != 0)
            Assert.Inconclusive($"npm could not install onnxruntime-node (exit {installed}): the onnxruntime-node check did not run. npm said: {installOutput[^Math.Min(600, installOutput.Length)..]}");

        // A slice past 2^32 of a negative seed, through the filter's attempts.
        const int Count = 300;
        const long First = 5_000_000_000;
        string graph = Path.Combine(folder, "model.onnx");
        s_filtered.SaveAsOnnx(graph, GanOnnxInputs.SeedAndRows);
        var (exit, csv) = Run(node, folder, ["generate.js", graph, "--seed", "-3", "--first-row", First.ToString(CultureInfo.InvariantCulture), "--rows", Count.ToString(CultureInfo.InvariantCulture),
            "--batch", "128"], TimeSpan.FromMinutes(5), standardOutputOnly: true);
        Assert.AreEqual(0, exit, csv);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var names = s_filtered.TrainingSchema.Select(c => c.Name).ToArray();
        CollectionAssert.AreEqual(names, lines[0].Split(','));
        Assert.HasCount(Count + 1, lines);
        var expected = Rows(s_filtered.Generate(Count, -3, First), s_filtered);
        for (int r = 0; r < Count; r++)
        {
            // generate.js writes numbers as JavaScript prints them: read back, they are the same float or double.
            var fields = lines[r + 1].Split(',');
            var parsed = names.Select((name, c) => (object)(s_filtered.TrainingSchema[c].Type.RawType switch
            {
                var t when t == typeof(float) => fields[c].Length == 0 ? float.NaN : (float)double.Parse(fields[c], CultureInfo.InvariantCulture),
                var t when t == typeof(double) => fields[c].Length == 0 ? double.NaN : double.Parse(fields[c], CultureInfo.InvariantCulture),
                var t when t == typeof(int) => int.Parse(fields[c], CultureInfo.InvariantCulture),
                var t when t == typeof(bool) => bool.Parse(fields[c]),
                _ => fields[c],
            }));
            Assert.AreEqual(expected[r], string.Join("|", parsed.Select(Text)),
                $"row {First + r} of seed -3, as onnxruntime-node made it: {lines[r + 1]}");
        }
    }

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? program + ".cmd" : program)).FirstOrDefault(File.Exists);

    private static (int Exit, string Output) Run(string program, string folder, string[] arguments, TimeSpan limit, bool standardOutputOnly = false)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["ONNXRUNTIME_NODE_INSTALL"] = "skip";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} ran past {limit}");
        }
        return (process.ExitCode, standardOutputOnly && process.ExitCode == 0 ? output.Result : output.Result + error.Result);
    }

    [TestMethod]
    public void AColumnNamedLikeTheGraphsInputsIsRefusedByName()
    {
        var rows = s_ml.Data.LoadFromEnumerable(Enumerable.Range(0, 200).Select(i => new Clash { Row = i % 17, Size = (i * 37) % 101 }));
        using var model = s_ml.Gan().Train(new GanTrainer.Options { Epochs = 1, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, DensityRatioFilter = false })
            .Fit(rows);
        var refused = Assert.ThrowsExactly<InvalidOperationException>(() => model.SaveAsOnnx(Path.Combine(s_folder, "clash.onnx"), GanOnnxInputs.SeedAndRows));
        StringAssert.Contains(refused.Message, "Column 'Row'");
        StringAssert.Contains(refused.Message, "Rename the column");
    }

    private sealed class Clash
    {
        public float Row { get; set; }
        public float Size { get; set; }
    }

    /// <summary>The graph's rows for these indices, each as one line of its columns' values (round-trip text), and their attempts.</summary>
    internal static (List<string> Rows, long[] Attempts) RunSeeded(string path, int seed, long[] rows, GanTransformer model) =>
        RunSeeded(path, [seed], rows, model);

    /// <summary>The same with the Seed input as given: one seed, or one a row.</summary>
    internal static (List<string> Rows, long[] Attempts) RunSeeded(string path, long[] seeds, long[] rows, GanTransformer model)
    {
        using var session = new InferenceSession(path);
        using var seedValue = OrtValue.CreateTensorValueFromMemory(seeds, [seeds.Length]);
        using var rowValue = OrtValue.CreateTensorValueFromMemory(rows, [rows.Length]);
        var names = session.OutputNames.ToArray();
        using var outputs = session.Run(new RunOptions(), ["Seed", "Row"], [seedValue, rowValue], names);
        var columns = model.TrainingSchema.Select(c => c.Name).ToArray();
        var text = new List<string>();
        for (int r = 0; r < rows.Length; r++)
        {
            text.Add(string.Join("|", columns.Select(c =>
            {
                var value = outputs[Array.IndexOf(names, c)];
                return value.GetTensorTypeAndShape().ElementDataType switch
                {
                    TensorElementType.Float => Text(value.GetTensorDataAsSpan<float>()[r]),
                    TensorElementType.Double => Text(value.GetTensorDataAsSpan<double>()[r]),
                    TensorElementType.Int32 => Text(value.GetTensorDataAsSpan<int>()[r]),
                    TensorElementType.Int16 => Text(value.GetTensorDataAsSpan<short>()[r]),
                    TensorElementType.Bool => Text(value.GetTensorDataAsSpan<bool>()[r]),
                    TensorElementType.String => value.GetStringElement(r),
                    var t => throw new NotSupportedException(t.ToString()),
                };
            })));
        }
        return (text, outputs[Array.IndexOf(names, "Attempt")].GetTensorDataAsSpan<long>().ToArray());
    }

    /// <summary>Generate's rows in the same text.</summary>
    internal static List<string> Rows(IDataView view, GanTransformer model)
    {
        var columns = model.TrainingSchema.Select(c => TestTables.Column(view, c.Name)).ToArray();
        return Enumerable.Range(0, columns[0].Count).Select(r => string.Join("|", columns.Select(c => Text(c[r])))).ToList();
    }

    /// <summary>A value's text: numbers as their bits (a missing one as NaN, whatever its payload), the rest as .NET writes them.</summary>
    private static string Text(object value) => value switch
    {
        float f when float.IsNaN(f) => "NaN",
        double d when double.IsNaN(d) => "NaN",
        float f => BitConverter.SingleToInt32Bits(f).ToString(CultureInfo.InvariantCulture) + "f",
        double d => BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture) + "d",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };
}
