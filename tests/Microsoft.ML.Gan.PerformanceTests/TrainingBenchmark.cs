namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// train: fits the default architecture (or Classic() with --classic) on Adult and, in the same process, runs
/// <see cref="BareTrainingLoop"/> with the same shapes and step counts; sets both against the multiply-adds of a
/// step and this machine's matmul rate. The bare loop's epochs are interleaved with the library's (one bare epoch
/// after each library epoch, from the training progress callback), so that both see the same machine: on a shared
/// machine the load of other processes comes and goes within seconds, and a ratio of two runs taken minutes apart
/// would measure that instead.
/// </summary>
internal static class TrainingBenchmark
{
    public const int DefaultEpochs = 3;

    public static TrainingResult Run(BenchmarkArguments arguments)
    {
        string dataPath = AdultData.Locate(arguments.DataPath);
        int epochs = arguments.Epochs ?? DefaultEpochs;
        var device = BenchDevice.Choose(arguments.Device);
        var ml = new MLContext(seed: arguments.Seed);
        var table = AdultData.Load(ml, dataPath);

        // The bare loop is built before training (the library then reseeds TorchSharp's generator), so its shapes
        // come from the library's encoder fitted here on the table with the same settings and seed; they are
        // checked against the trained model's below.
        var options = AdultModel.TrainingOptions(epochs, arguments.Seed, arguments.Classic, arguments.Threads, device);
        foreach (var (name, value) in arguments.Settings) QualityBenchmark.Set(options, name, value);
        Console.WriteLine("Fitting the library's encoder to plan the bare loop's shapes ...");
        var planned = GanShapes.Plan(table, options);
        long rows = planned.TrainingRows;
        int generatorSteps = (int)Math.Max(options.MinimumEpochSteps, rows / planned.BatchSize); // as training counts them
        using var bare = new BareTrainingLoop(planned, arguments.Seed, device);
        var interleaved = new InterleavedBareEpochs(bare, generatorSteps);
        options.Progress = interleaved;

        Console.WriteLine($"Training the library for {epochs} epoch(s) on {dataPath}, each followed by a bare TorchSharp epoch of {generatorSteps} generator steps ...");
        interleaved.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var model = ml.Gan().Train(options).Fit(table);
        double fitSeconds = clock.Elapsed.TotalSeconds - interleaved.BareWallSeconds;
        if (arguments.SaveModelPath is { } save) model.Save(save);

        var shapes = GanShapes.Of(model);
        var history = model.History;
        if (planned.Mismatch(shapes) is { } mismatch)
            throw new InvalidOperationException($"The bare loop was planned with other shapes than the trained model's: {mismatch}.");
        if (history.Any(h => h.GeneratorSteps != generatorSteps))
            throw new InvalidOperationException($"The bare loop ran {generatorSteps} generator steps per epoch; the library ran {string.Join(", ", history.Select(h => h.GeneratorSteps))}.");

        Console.WriteLine("Measuring the matmul rate ...");
        var layer = shapes.LargestGeneratorLayer;
        var mark = CpuLoad.Mark.Now();
        var matmul = MatmulRate.Measure(shapes.BatchSize, layer.In, layer.Out, device);
        var matmulLoad = mark.UntilNow();

        double flopPerStep = 2.0 * shapes.TrainingStepMacs;
        var library = LoopFigures.From(history.Select(h => h.Seconds).ToArray(), interleaved.LibraryLoads, generatorSteps,
            history[0].DiscriminatorSteps, rows, flopPerStep, matmul);
        var bareFigures = LoopFigures.From(interleaved.BareSeconds.ToArray(), interleaved.BareLoads, generatorSteps,
            generatorSteps * shapes.DiscriminatorStepsPerGeneratorStep, rows, flopPerStep, matmul);

        return new TrainingResult
        {
            Benchmark = "train",
            OptionSet = AdultModel.Describe(arguments.Classic) + string.Concat(arguments.Settings.Select(s => $", {s.Name}={s.Value}")),
            DataPath = dataPath,
            Rows = rows,
            Columns = model.Columns.Count,
            IntegerColumnType = AdultData.IntegerColumnType,
            Epochs = epochs,
            Shapes = shapes,
            MacsPerDiscriminatorStep = shapes.DiscriminatorStepMacs,
            MacsPerGradientPenalty = shapes.GradientPenaltyMacs,
            MacsPerGeneratorStep = shapes.GeneratorStepMacs,
            MacsPerTrainingStep = shapes.TrainingStepMacs,
            Matmul = matmul,
            MatmulLoad = matmulLoad,
            FitSeconds = fitSeconds,
            SecondsOutsideEpochs = fitSeconds - history.Sum(h => h.Seconds),
            Library = library,
            Bare = bareFigures,
            LibraryOverBare = library.SecondsPerEpoch / bareFigures.SecondsPerEpoch,
        };
    }

    /// <summary>Runs one bare epoch after each library epoch, and records the machine's load during each.</summary>
    private sealed class InterleavedBareEpochs(BareTrainingLoop bare, int generatorSteps) : IProgress<GanTrainingProgress>
    {
        private CpuLoad.Mark _mark;

        public List<double> BareSeconds { get; } = [];
        public List<CpuLoad> LibraryLoads { get; } = [];
        public List<CpuLoad> BareLoads { get; } = [];
        public double BareWallSeconds => BareLoads.Sum(l => l.Seconds);

        public void Start() => _mark = CpuLoad.Mark.Now();

        public void Report(GanTrainingProgress value)
        {
            var libraryEnd = CpuLoad.Mark.Now();
            LibraryLoads.Add(_mark.Until(libraryEnd)); // epoch 1's window also holds reading and encoding the table
            BareSeconds.Add(bare.RunEpoch(generatorSteps));
            _mark = CpuLoad.Mark.Now();
            BareLoads.Add(libraryEnd.Until(_mark));
        }
    }
}

/// <summary>Timing of one training loop (the library's or the bare one) and what it achieves.</summary>
/// <param name="EpochSeconds">Every epoch, in order.</param>
/// <param name="SecondsPerEpoch">Median of the epochs after the first (the first pays for warm-up); the only epoch if there is one.</param>
/// <param name="TrainingRowsPerSecond">rows × epochs / seconds, in the steady state: rows / <paramref name="SecondsPerEpoch"/>.</param>
/// <param name="TrainingRowsPerSecondAllEpochs">rows × epochs / the sum of all epoch seconds, first epoch included.</param>
/// <param name="AchievedGflops">Counted FLOP of the linear layers (forward and backward) per second, steady state.</param>
/// <param name="FractionOfLargeMatmul">Achieved over the large torch.mm rate.</param>
/// <param name="FractionOfLayerMatmul">Achieved over the layer-shaped torch.mm rate.</param>
/// <param name="EpochOtherCores">Cores busy with other work during each epoch (see <see cref="CpuLoad"/>).</param>
/// <param name="OtherCores">The same over the epochs after the first.</param>
internal sealed record LoopFigures(
    double[] EpochSeconds,
    double SecondsPerEpoch,
    int GeneratorStepsPerEpoch,
    int DiscriminatorStepsPerEpoch,
    double GeneratorStepsPerSecond,
    double MillisecondsPerGeneratorStep,
    double TrainingRowsPerSecond,
    double TrainingRowsPerSecondAllEpochs,
    double AchievedGflops,
    double FractionOfLargeMatmul,
    double FractionOfLayerMatmul,
    double[] EpochOtherCores,
    double OtherCores)
{
    public static LoopFigures From(double[] epochSeconds, IReadOnlyList<CpuLoad> loads, int generatorSteps, int discriminatorSteps, long rows,
        double flopPerGeneratorStep, MatmulRate matmul)
    {
        var steady = (loads.Count > 1 ? loads.Skip(1) : loads).Aggregate(CpuLoad.Zero, (a, b) => a + b);
        double perEpoch = SteadyMedian(epochSeconds);
        double gflops = flopPerGeneratorStep * generatorSteps / perEpoch / 1e9;
        return new LoopFigures(
            epochSeconds, perEpoch, generatorSteps, discriminatorSteps,
            generatorSteps / perEpoch, 1000 * perEpoch / generatorSteps,
            rows / perEpoch, rows * epochSeconds.Length / epochSeconds.Sum(),
            gflops, gflops / matmul.LargeGflops, gflops / matmul.LayerGflops,
            loads.Select(l => l.OtherCores).ToArray(), steady.OtherCores);
    }

    /// <summary>Median of the values after the first; the first alone when there is only one.</summary>
    public static double SteadyMedian(IReadOnlyList<double> values)
    {
        var rest = (values.Count > 1 ? values.Skip(1) : values).Order().ToArray();
        return rest.Length % 2 == 1 ? rest[rest.Length / 2] : (rest[rest.Length / 2 - 1] + rest[rest.Length / 2]) / 2;
    }
}

internal sealed class TrainingResult : BenchmarkResult
{
    public string DataPath { get; init; } = "";
    public long Rows { get; init; }
    public int Columns { get; init; }
    public string IntegerColumnType { get; init; } = "";
    public int Epochs { get; init; }
    /// <summary>"library defaults" or "Classic()" (--classic), with the Adult settings on top.</summary>
    public string OptionSet { get; init; } = "";
    public required GanShapes Shapes { get; init; }
    public long MacsPerDiscriminatorStep { get; init; }
    /// <summary>The gradient penalty's share of <see cref="MacsPerDiscriminatorStep"/> (an approximation, see <see cref="GanShapes"/>).</summary>
    public long MacsPerGradientPenalty { get; init; }
    public long MacsPerGeneratorStep { get; init; }
    public long MacsPerTrainingStep { get; init; }
    public required MatmulRate Matmul { get; init; }
    public CpuLoad MatmulLoad { get; init; }
    public double FitSeconds { get; init; }
    public double SecondsOutsideEpochs { get; init; }
    public required LoopFigures Library { get; init; }
    public required LoopFigures Bare { get; init; }
    public double LibraryOverBare { get; init; }

    public override void Print(TextWriter w)
    {
        var s = Shapes;
        PrintHeader(w);
        w.WriteLine($"data     {DataPath}: {Rows:N0} rows, {Columns} columns (integer columns loaded as {IntegerColumnType}, text as text, \"?\" missing)");
        w.WriteLine($"options  {OptionSet}: {s.ContinuousNormalization} normalisation, {s.DescribeLoss()}, " +
                    $"pac {s.Pac}, conditional generator {(s.Conditional ? $"on ({s.ConditionBlocks.Count} columns, condition width {s.ConditionWidth})" : "off")}, " +
                    $"residual generator {(s.GeneratorResidual ? "on" : "off")}; batch {s.BatchSize}; {s.DiscriminatorStepsPerGeneratorStep} D-step per G-step; {s.Options.Optimizer}");
        w.WriteLine($"network  encoded width {s.Width}; G {s.DescribeGenerator()}; D {s.DescribeDiscriminator()}");
        string penalty = MacsPerGradientPenalty > 0 ? $", of which gradient penalty {Format.Millions(MacsPerGradientPenalty)}" : "";
        w.WriteLine($"work     multiply-adds per training step ({s.DiscriminatorStepsPerGeneratorStep} D-step + 1 G-step, forward + backward of the linear layers): " +
                    $"{Format.Millions(MacsPerTrainingStep)} (D-step {Format.Millions(MacsPerDiscriminatorStep)}{penalty}; G-step {Format.Millions(MacsPerGeneratorStep)}) = {Format.F(2e-9 * MacsPerTrainingStep, 3)} GFLOP");
        w.WriteLine($"counted  G forward {Format.N0(s.GeneratorMacsPerRow)} per row (layers {string.Join(", ", s.GeneratorLayerShapes)}); " +
                    $"D forward {Format.N0(s.DiscriminatorMacsPerPack)} per pack of {s.Pac} (layers {string.Join(", ", s.DiscriminatorLayerShapes)})");
        w.WriteLine("         backward = weight gradients + input gradients (none into G's input or into D's first layer on real/fake rows)" +
                    (s.Loss == GanLossKind.WassersteinGp
                        ? "; gradient penalty ≈ 6 × D forward per pack: forward, gradient to the input, double backward 4× (2× through the gradient, 2× for the zeros libtorch sends back through LeakyReLU)"
                        : ""));
        w.WriteLine($"matmul   float32 torch.mm on the {Matmul.Device} {Matmul.Size}×{Matmul.Size}: {Format.F(Matmul.LargeGflops, 1)} GFLOP/s; at the layer shape {Matmul.LayerShape}: " +
                    $"{Format.F(Matmul.LayerGflops, 1)} GFLOP/s ({Format.F(MatmulLoad.OtherCores, 2)} cores busy elsewhere meanwhile)");
        w.WriteLine("order    each library epoch is followed by one bare epoch (interleaved, so both see the same machine)");
        w.WriteLine();

        new TextTable("", "library", "bare TorchSharp", "library/bare")
            .Add(Epochs > 1 ? $"seconds per epoch (median of epochs 2..{Epochs})" : "seconds per epoch (the only epoch)", Format.F(Library.SecondsPerEpoch, 3), Format.F(Bare.SecondsPerEpoch, 3), Format.F(LibraryOverBare, 2))
            .Add("epoch seconds", Format.List(Library.EpochSeconds), Format.List(Bare.EpochSeconds), "")
            .Add("G-steps (D-steps) per epoch", $"{Library.GeneratorStepsPerEpoch} ({Library.DiscriminatorStepsPerEpoch})", $"{Bare.GeneratorStepsPerEpoch} ({Bare.DiscriminatorStepsPerEpoch})", "")
            .Add("ms per G-step (incl. its D-steps)", Format.F(Library.MillisecondsPerGeneratorStep, 1), Format.F(Bare.MillisecondsPerGeneratorStep, 1), Format.F(Library.MillisecondsPerGeneratorStep / Bare.MillisecondsPerGeneratorStep, 2))
            .Add("generator steps / s", Format.F(Library.GeneratorStepsPerSecond, 1), Format.F(Bare.GeneratorStepsPerSecond, 1), "")
            .Add("training rows / s (steady)", Format.N0(Library.TrainingRowsPerSecond), Format.N0(Bare.TrainingRowsPerSecond), "")
            .Add("training rows / s (all epochs)", Format.N0(Library.TrainingRowsPerSecondAllEpochs), Format.N0(Bare.TrainingRowsPerSecondAllEpochs), "")
            .Add("achieved GFLOP/s (linear layers)", Format.F(Library.AchievedGflops, 1), Format.F(Bare.AchievedGflops, 1), "")
            .Add($"  of the {Matmul.Size}² mm rate", Format.Percent(Library.FractionOfLargeMatmul), Format.Percent(Bare.FractionOfLargeMatmul), "")
            .Add("  of the layer-shape mm rate", Format.Percent(Library.FractionOfLayerMatmul), Format.Percent(Bare.FractionOfLayerMatmul), "")
            .Add("cores busy elsewhere, per epoch", Format.List(Library.EpochOtherCores), Format.List(Bare.EpochOtherCores), "")
            .Print(w);
        w.WriteLine();
        double floor = 2.0 * MacsPerTrainingStep * Library.GeneratorStepsPerEpoch / (Matmul.LargeGflops * 1e9);
        w.WriteLine($"Fit took {Format.F(FitSeconds, 2)} s, not counting the bare epochs run inside it; {Format.F(SecondsOutsideEpochs, 2)} s of it outside the library's epochs " +
                    "(reading and encoding the table, setup, batch-norm calibration).");
        LoadWarning.Print(w, Math.Max(Library.OtherCores, Math.Max(Bare.OtherCores, MatmulLoad.OtherCores)), Machine.LogicalCores);
        w.WriteLine($"An epoch at the {Matmul.Size}² mm rate would take {Format.F(floor, 3)} s: the library runs at {Format.F(Library.SecondsPerEpoch / floor, 1)}× that, the bare loop at {Format.F(Bare.SecondsPerEpoch / floor, 1)}×.");
    }
}
