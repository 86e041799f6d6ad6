using System.Diagnostics;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// soak: many small trainings in one process (a 153-row table, like the one that once aborted inside libtorch), with a
/// thread that allocates garbage without pause so that garbage collections, and the finalizers they queue, land in
/// the middle of TorchSharp's native calls. The process survives every training, or it has found a native crash.
/// </summary>
internal static class SoakBenchmark
{
    public static SoakResult Run(BenchmarkArguments arguments)
    {
        int trainings = arguments.Trainings, epochs = arguments.Epochs ?? 3000;
        bool stop = false;
        int collections = GC.CollectionCount(0);
        var pressure = new Thread(() =>
        {
            while (!Volatile.Read(ref stop)) GC.KeepAlive(new byte[64 * 1024]);
        }) { IsBackground = true, Name = "garbage" };
        pressure.Start();

        var random = new Random(arguments.Seed);
        var rows = Enumerable.Range(0, 153).Select(_ => new Row { A = (float)random.NextDouble(), B = random.Next(3) == 0 ? "x" : "y", C = random.Next(40) }).ToList();
        var clock = Stopwatch.StartNew();
        long steps = 0;
        for (int t = 0; t < trainings; t++)
        {
            var ml = new MLContext(t);
            var options = new GanTrainer.Options
            {
                Epochs = epochs, BatchSize = 50, NoiseDimension = 8, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = arguments.Seed + t,
                ValidationInterval = 0, TrainingThreads = arguments.Threads,
            };
            using var model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(rows));
            steps += model.History.Sum(h => h.GeneratorSteps + h.DiscriminatorSteps);
            Console.WriteLine($"training {t + 1}/{trainings} done at {clock.Elapsed.TotalSeconds:F0} s");
        }
        Volatile.Write(ref stop, true);
        pressure.Join();
        return new SoakResult
        {
            Benchmark = "soak", Trainings = trainings, Epochs = epochs, Updates = steps, Seconds = clock.Elapsed.TotalSeconds,
            Collections = GC.CollectionCount(0) - collections,
        };
    }

    private sealed class Row
    {
        public float A { get; set; }
        public string B { get; set; } = "";
        public int C { get; set; }
    }
}

internal sealed class SoakResult : BenchmarkResult
{
    public int Trainings { get; init; }
    public int Epochs { get; init; }
    public long Updates { get; init; }
    public double Seconds { get; init; }
    public int Collections { get; init; }

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"{Trainings} trainings of {Epochs} epochs each ({Format.N0(Updates)} network updates) finished in {Format.F(Seconds, 0)} s, " +
            $"through {Format.N0(Collections)} garbage collections started by another thread: no native crash.");
    }
}
