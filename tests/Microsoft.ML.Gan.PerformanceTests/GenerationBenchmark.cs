using System.Diagnostics;

using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// generate: times Generate() with every column of every row read through a cursor (noise, the ONNX graph in ONNX
/// Runtime with its decoding, getters), sets it against the TorchSharp path (the TorchSharp generator, then the .NET
/// decoder, on the same noise), the bare TorchSharp forward pass and the compute limit. These advance in interleaved
/// chunks (a tenth of the rows each), so that all of them see the same machine. Then, on a noise view, Transform
/// against ML.NET's own ONNX transform (ApplyOnnxModel) running the same graph.
/// </summary>
internal static class GenerationBenchmark
{
    public const long DefaultRows = 1_000_000;
    public const int DefaultEpochs = 1;
    public const int GenerationSeed = 7;
    private const int Chunks = 10;

    /// <summary>The bare forward pass's batch: the rows Generate() runs the generator on at once.</summary>
    public const int BatchRows = 1024;

    public static GenerationResult Run(BenchmarkArguments arguments)
    {
        long rows = arguments.Rows ?? DefaultRows;
        var device = BenchDevice.Choose(arguments.Device);
        var ml = new MLContext(seed: arguments.Seed);
        Console.WriteLine(arguments.ModelPath is null ? $"Training a model for {arguments.Epochs ?? DefaultEpochs} epoch(s) on the {device.Description} ..." : "Loading the model ...");
        var source = AdultModel.Obtain(ml, arguments, DefaultEpochs, device);
        using var model = source.Model;
        var shapes = GanShapes.Of(model);
        using var bare = new BareGenerator(shapes, BatchRows, device);

        // Warm up the JIT, TorchSharp and the decoding paths on other rows.
        using (var warm = new AllColumnsReader(model.Generate(Math.Min(rows, 50_000), seed: GenerationSeed + 1))) warm.ReadToEnd();
        bare.Run(Math.Min(rows, 50_000), copyOut: true);

        Console.WriteLine($"Generating {rows:N0} rows: library (every column read, and cursor only) and bare forward pass, in {Chunks} interleaved chunks ...");
        using var library = new AllColumnsReader(model.Generate(rows, seed: GenerationSeed));
        using var cursorOnly = new AllColumnsReader(model.Generate(rows, seed: GenerationSeed), readColumns: false);
        var phases = new Phase[5];
        var torchPath = new TorchPath(model.Model, BatchRows);
        long chunk = (rows + Chunks - 1) / Chunks;
        chunk = (chunk + BatchRows - 1) / BatchRows * BatchRows; // whole batches, so no phase pays for a partial one mid-way
        for (long done = 0; done < rows; done += chunk)
        {
            long n = Math.Min(chunk, rows - done);
            phases[0] += Phase.Time(() => Read(library, n));
            phases[1] += Phase.Time(() => Read(cursorOnly, n));
            phases[2] += Phase.Time(() => bare.Run(n, copyOut: false));
            phases[3] += Phase.Time(() => bare.Run(n, copyOut: true));
            phases[4] += Phase.Time(() => torchPath.Run(done, n));
        }
        if (library.Rows != rows || library.Next())
            throw new InvalidOperationException($"Generate({rows:N0}) did not give exactly {rows:N0} rows.");

        long transformRows = Math.Min(rows, arguments.TransformRows ?? 100_000);
        Console.WriteLine($"Transform of a {transformRows:N0}-row noise view: GanTransformer against ApplyOnnxModel (ML.NET's ONNX transform), interleaved ...");
        var noiseView = NoiseInputs.View(ml, model.Model, transformRows);
        var transformPhases = Microsoft.ML.Gan.Scoring.MlNetModelBridge.InScratchFolder(ml, scratch =>
        {
            using var onnxTransformer = Microsoft.ML.Gan.Scoring.MlNetModelBridge.ToOnnxTransformer(model.Model, scratch);
            var times = new Phase[3];
            for (int round = 0; round < 2; round++)
            {
                times[0] += Phase.Time(() => new AllColumnsReader(noiseView).ReadToEnd());
                times[1] += Phase.Time(() => new AllColumnsReader(model.Transform(noiseView)).ReadToEnd());
                times[2] += Phase.Time(() => new AllColumnsReader(onnxTransformer.Transform(noiseView)).ReadToEnd());
            }
            return times;
        });
        double Rate(int i) => 2 * transformRows / Math.Max(1e-9, transformPhases[i].Seconds - transformPhases[0].Seconds);

        Console.WriteLine("Measuring the matmul rate ...");
        var layer = shapes.LargestGeneratorLayer;
        var mark = CpuLoad.Mark.Now();
        var matmul = MatmulRate.Measure(BatchRows, layer.In, layer.Out, device);
        var matmulLoad = mark.UntilNow();

        double flopPerRow = 2.0 * shapes.GeneratorMacsPerRow;
        return new GenerationResult
        {
            Benchmark = "generate",
            ModelSource = source.Source,
            Rows = rows,
            Columns = model.Columns.Count,
            Shapes = shapes,
            Checksum = library.Checksum,
            LibrarySeconds = phases[0].Seconds,
            LibraryRowsPerSecond = rows / phases[0].Seconds,
            FilterKeepRate = model.FilterKeepRate,
            CursorOnlyRowsPerSecond = rows / phases[1].Seconds,
            BareForwardRowsPerSecond = rows / phases[2].Seconds,
            BareForwardAndCopyRowsPerSecond = rows / phases[3].Seconds,
            TorchPathRowsPerSecond = rows / phases[4].Seconds,
            TransformRows = transformRows,
            TransformRowsPerSecond = Rate(1),
            ApplyOnnxModelRowsPerSecond = Rate(2),
            NoiseViewSeconds = transformPhases[0].Seconds,
            ScoringProvider = model.ScoringProvider,
            LibraryOverBare = phases[0].Seconds / phases[2].Seconds,
            OtherCores = phases.Select(p => p.Load.OtherCores).ToArray(),
            MacsPerRow = shapes.GeneratorMacsPerRow,
            Matmul = matmul,
            MatmulLoad = matmulLoad,
            ComputeLimitRowsPerSecond = matmul.LargeGflops * 1e9 / flopPerRow,
            LayerShapeLimitRowsPerSecond = matmul.LayerGflops * 1e9 / flopPerRow,
            LibraryGflops = flopPerRow * rows / phases[0].Seconds / 1e9,
            BareGflops = flopPerRow * rows / phases[2].Seconds / 1e9,
        };
    }

    private static void Read(AllColumnsReader reader, long rows)
    {
        for (long i = 0; i < rows; i++)
            if (!reader.Next()) throw new InvalidOperationException($"The generated view ended after {reader.Rows:N0} rows.");
    }

    /// <summary>Accumulated seconds of one measurement and the machine's load meanwhile.</summary>
    private readonly record struct Phase(double Seconds, CpuLoad Load)
    {
        public static Phase Time(Action action)
        {
            var mark = CpuLoad.Mark.Now();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            action();
            double seconds = clock.Elapsed.TotalSeconds;
            return new Phase(seconds, mark.UntilNow());
        }

        public static Phase operator +(Phase a, Phase b) => new(a.Seconds + b.Seconds, a.Load + b.Load);
    }
}

internal sealed class GenerationResult : BenchmarkResult
{
    public string ModelSource { get; init; } = "";
    public long Rows { get; init; }
    public int Columns { get; init; }
    public required GanShapes Shapes { get; init; }
    public double Checksum { get; init; }
    public double LibrarySeconds { get; init; }
    public double LibraryRowsPerSecond { get; init; }
    /// <summary>The share of candidate rows the model's density-ratio filter keeps (measured at Fit); null without a filter.</summary>
    public double? FilterKeepRate { get; init; }
    public double CursorOnlyRowsPerSecond { get; init; }
    public double BareForwardRowsPerSecond { get; init; }
    public double BareForwardAndCopyRowsPerSecond { get; init; }
    public double TorchPathRowsPerSecond { get; init; }
    public long TransformRows { get; init; }
    /// <summary>GanTransformer.Transform over a noise view, the view's own reading time taken out.</summary>
    public double TransformRowsPerSecond { get; init; }
    /// <summary>ML.NET's ApplyOnnxModel transform over the same view and graph, the view's own reading time taken out.</summary>
    public double ApplyOnnxModelRowsPerSecond { get; init; }
    public double NoiseViewSeconds { get; init; }
    public string ScoringProvider { get; init; } = "";
    public double LibraryOverBare { get; init; }
    /// <summary>Cores busy elsewhere during each measurement: library, cursor only, bare forward, bare forward + copy, TorchSharp path.</summary>
    public double[] OtherCores { get; init; } = [];
    public long MacsPerRow { get; init; }
    public required MatmulRate Matmul { get; init; }
    public CpuLoad MatmulLoad { get; init; }
    public double ComputeLimitRowsPerSecond { get; init; }
    public double LayerShapeLimitRowsPerSecond { get; init; }
    public double LibraryGflops { get; init; }
    public double BareGflops { get; init; }

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"model    {ModelSource}");
        w.WriteLine($"scoring  ONNX Runtime {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()}, {ScoringProvider}");
        w.WriteLine($"network  G {Shapes.DescribeGenerator()}{(Shapes.GeneratorBatchNorm ? " (eval mode)" : "")}; " +
                    $"{Columns} columns; {Format.N0(MacsPerRow)} multiply-adds per row ({Format.F(2e-3 * MacsPerRow, 1)} kFLOP; layers {string.Join(", ", Shapes.GeneratorLayerShapes)})");
        w.WriteLine($"matmul   float32 torch.mm on the {Matmul.Device} {Matmul.Size}×{Matmul.Size}: {Format.F(Matmul.LargeGflops, 1)} GFLOP/s; at the layer shape {Matmul.LayerShape}: {Format.F(Matmul.LayerGflops, 1)} GFLOP/s");
        w.WriteLine();

        string Busy(int phase) => phase < OtherCores.Length ? Format.F(OtherCores[phase], 2) : "";
        new TextTable("", "rows / s", "× library", "GFLOP/s", "cores busy elsewhere")
            .Add($"library: Generate({Format.N0(Rows)}) + read every column", Format.N0(LibraryRowsPerSecond), "1.00", Format.F(LibraryGflops, 1), Busy(0))
            .Add(FilterKeepRate is double keep ? $"library: candidates made (the filter keeps about {Format.F(100 * keep, 1)} % of them)" : "library: candidates made (no filter)",
                Format.N0(LibraryRowsPerSecond / (FilterKeepRate ?? 1)), Format.F(1 / (FilterKeepRate ?? 1), 2), Format.F(LibraryGflops / (FilterKeepRate ?? 1), 1), Busy(0))
            .Add("library: same rows, cursor only (no column read)", Format.N0(CursorOnlyRowsPerSecond), Format.F(CursorOnlyRowsPerSecond / LibraryRowsPerSecond, 2), "", Busy(1))
            .Add($"TorchSharp path: G forward + .NET decode, same noise (batch {GenerationBenchmark.BatchRows})", Format.N0(TorchPathRowsPerSecond), Format.F(TorchPathRowsPerSecond / LibraryRowsPerSecond, 2), Format.F(2.0 * MacsPerRow * TorchPathRowsPerSecond / 1e9, 1), Busy(4))
            .Add($"bare: randn + G forward (batch {GenerationBenchmark.BatchRows}, eval, no_grad)", Format.N0(BareForwardRowsPerSecond), Format.F(BareForwardRowsPerSecond / LibraryRowsPerSecond, 2), Format.F(BareGflops, 1), Busy(2))
            .Add("bare: forward + copy out to a .NET array", Format.N0(BareForwardAndCopyRowsPerSecond), Format.F(BareForwardAndCopyRowsPerSecond / LibraryRowsPerSecond, 2), "", Busy(3))
            .Add($"compute limit at the {Matmul.Size}² mm rate", Format.N0(ComputeLimitRowsPerSecond), Format.F(ComputeLimitRowsPerSecond / LibraryRowsPerSecond, 2), Format.F(Matmul.LargeGflops, 1), Format.F(MatmulLoad.OtherCores, 2))
            .Add("compute limit at the layer-shape mm rate", Format.N0(LayerShapeLimitRowsPerSecond), Format.F(LayerShapeLimitRowsPerSecond / LibraryRowsPerSecond, 2), Format.F(Matmul.LayerGflops, 1), "")
            .Print(w);
        w.WriteLine();
        new TextTable($"Transform of a noise view ({Format.N0(TransformRows)} rows, read twice; the view's own {Format.F(NoiseViewSeconds, 2)} s taken out)", "rows / s", "× GanTransformer")
            .Add("GanTransformer.Transform (ONNX Runtime, batched)", Format.N0(TransformRowsPerSecond), "1.00")
            .Add("ApplyOnnxModel (ML.NET OnnxTransformer, same graph)", Format.N0(ApplyOnnxModelRowsPerSecond), Format.F(ApplyOnnxModelRowsPerSecond / TransformRowsPerSecond, 2))
            .Print(w);
        w.WriteLine();
        w.WriteLine($"library/bare time ratio: {Format.F(LibraryOverBare, 2)} ({Format.F(LibrarySeconds, 2)} s for {Format.N0(Rows)} rows; the four measurements ran in interleaved chunks; checksum {Checksum:G6})");
        LoadWarning.Print(w, OtherCores.Append(MatmulLoad.OtherCores).Max(), Machine.LogicalCores);
    }
}

/// <summary>The TorchSharp path: the same rows as Generate() (same noise and draws), through TorchSharp's forward pass and the .NET decoder.</summary>
internal sealed class TorchPath(GanModel model, int batch)
{
    private readonly float[] _noise = new float[batch * model.NoiseDimension];
    private readonly float[] _draws = new float[Math.Max(1, batch * model.Signature.UniformsPerRow)];

    public void Run(long firstRow, long rows)
    {
        int nz = model.NoiseDimension, nd = model.Signature.UniformsPerRow;
        for (long done = 0; done < rows; done += batch)
        {
            int b = (int)Math.Min(batch, rows - done);
            for (int r = 0; r < b; r++)
                Microsoft.ML.Gan.Common.NoiseSource.FillRow(GenerationBenchmark.GenerationSeed, (ulong)(firstRow + done + r), model.Training.NoisePrior,
                    _noise.AsSpan(r * nz, nz), _draws.AsSpan(r * nd, nd));
            model.GenerateWithTorch(_noise, _draws, b, model.Training.CategorySampling);
        }
    }
}

/// <summary>A streaming view of noise rows (and category draws) for Transform: the input a pipeline would give.</summary>
internal static class NoiseInputs
{
    private sealed class Row
    {
        public float[] Noise { get; set; } = [];
        public float[] Condition { get; set; } = [];
        public float[] CategoryDraws { get; set; } = [];
    }

    /// <summary>Noise, a condition drawn as Generate draws it, and category draws: every input the graph can take.</summary>
    public static IDataView View(MLContext ml, GanModel model, long rows)
    {
        int nz = model.NoiseDimension, nd = Math.Max(1, model.Encoder.DrawCount), nc = Math.Max(1, model.Signature.ConditionWidth);
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row));
        schema["Noise"].ColumnName = model.Training.NoiseColumnName;
        schema["Noise"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, nz);
        schema["Condition"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, nc);
        schema["CategoryDraws"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, nd);
        return ml.Data.LoadFromEnumerable(Stream(model, rows, nz, nd, nc), schema);
    }

    private static IEnumerable<Row> Stream(GanModel model, long rows, int nz, int nd, int nc)
    {
        var uniforms = new float[model.Signature.UniformsPerRow];
        for (long i = 0; i < rows; i++)
        {
            var row = new Row { Noise = new float[nz], Condition = new float[nc], CategoryDraws = new float[nd] };
            Microsoft.ML.Gan.Common.NoiseSource.FillRow(99, (ulong)i, NoisePrior.Gaussian, row.Noise, uniforms);
            var (draws, condition) = model.Signature.PrepareRows(uniforms, 1);
            draws.AsSpan(0, Math.Min(nd, draws.Length)).CopyTo(row.CategoryDraws);
            condition.AsSpan(0, Math.Min(nc, condition.Length)).CopyTo(row.Condition);
            yield return row;
        }
    }
}
