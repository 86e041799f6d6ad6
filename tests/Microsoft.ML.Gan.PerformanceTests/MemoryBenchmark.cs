using System.Diagnostics;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// memory: generates many rows through one cursor (every column read) and samples the process's memory as it goes,
/// to show that a streaming Generate() costs the same memory at 1M rows as at 10M.
/// </summary>
internal static class MemoryBenchmark
{
    public const long DefaultRows = 10_000_000;
    public const int DefaultEpochs = 1;
    private const long SampleEveryRows = 100_000;

    public static MemoryResult Run(BenchmarkArguments arguments)
    {
        long rows = arguments.Rows ?? DefaultRows;
        var ml = new MLContext(seed: arguments.Seed);
        Console.WriteLine(arguments.ModelPath is null ? $"Training a model for {arguments.Epochs ?? DefaultEpochs} epoch(s) ..." : "Loading the model ...");
        var source = AdultModel.Obtain(ml, arguments, DefaultEpochs, BenchDevice.Choose(arguments.Device));
        using var model = source.Model;

        var process = Process.GetCurrentProcess();
        process.Refresh();
        long peakBeforeGeneration = process.PeakWorkingSet64;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // Linux: writing 5 to clear_refs resets the peak resident set size, so the peak below is generation's own.
        bool peakReset = TryResetPeakWorkingSet();
        var baseline = Sample(process, 0, 0, new Maxima(), CpuLoad.Zero);

        var checkpoints = Checkpoints(rows);
        var samples = new List<MemorySample>();
        var maxima = new Maxima();
        int next = 0;
        Console.WriteLine($"Generating {rows:N0} rows through one cursor, sampling memory every {SampleEveryRows:N0} rows ...");
        var clock = Stopwatch.StartNew();
        var mark = CpuLoad.Mark.Now();
        using (var reader = new AllColumnsReader(model.Generate(rows, seed: GenerationBenchmark.GenerationSeed)))
        {
            while (reader.Next())
            {
                bool atCheckpoint = next < checkpoints.Length && reader.Rows == checkpoints[next];
                if (reader.Rows % SampleEveryRows == 0 || atCheckpoint)
                {
                    if (atCheckpoint)
                    {
                        var end = CpuLoad.Mark.Now();
                        samples.Add(Sample(process, reader.Rows, clock.Elapsed.TotalSeconds, maxima, mark.Until(end)));
                        mark = end;
                        next++;
                    }
                    else Sample(process, reader.Rows, clock.Elapsed.TotalSeconds, maxima, CpuLoad.Zero);
                }
            }
        }

        return new MemoryResult
        {
            Benchmark = "memory",
            ModelSource = source.Source,
            Rows = rows,
            PeakWorkingSetBeforeGenerationBytes = peakBeforeGeneration,
            PeakWasReset = peakReset,
            Baseline = baseline,
            Checkpoints = samples,
        };
    }

    /// <summary>1M, 5M and 10M rows, and the last row; for fewer than 1M rows, a tenth, a half and all.</summary>
    private static long[] Checkpoints(long rows)
    {
        var points = rows >= 1_000_000
            ? new[] { 1_000_000L, 5_000_000L, 10_000_000L }.Where(p => p <= rows).Append(rows)
            : new[] { rows / 10, rows / 2, rows }.Where(p => p > 0);
        return points.Distinct().Order().ToArray();
    }

    private static bool TryResetPeakWorkingSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private sealed class Maxima
    {
        public long WorkingSet;
        public long ManagedHeap;
    }

    private static MemorySample Sample(Process process, long rows, double seconds, Maxima maxima, CpuLoad load)
    {
        process.Refresh();
        long workingSet = process.WorkingSet64;
        long heap = GC.GetTotalMemory(forceFullCollection: false);
        maxima.WorkingSet = Math.Max(maxima.WorkingSet, workingSet);
        maxima.ManagedHeap = Math.Max(maxima.ManagedHeap, heap);
        return new MemorySample(rows, seconds, workingSet, maxima.WorkingSet, process.PeakWorkingSet64, heap, maxima.ManagedHeap,
            GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(2), load.OtherCores);
    }
}

/// <summary>The process's memory after <paramref name="Rows"/> generated rows.</summary>
/// <param name="WorkingSetBytes">Resident set now.</param>
/// <param name="MaxSampledWorkingSetBytes">Largest resident set among the samples so far (every 100,000 rows).</param>
/// <param name="PeakWorkingSetBytes">The operating system's high-water mark (Process.PeakWorkingSet64).</param>
/// <param name="ManagedHeapBytes">GC.GetTotalMemory(false) now.</param>
/// <param name="MaxSampledManagedHeapBytes">Largest managed heap among the samples so far.</param>
/// <param name="AllocatedBytes">Managed bytes allocated since the process started (GC.GetTotalAllocatedBytes).</param>
/// <param name="OtherCores">Cores busy with other work since the previous checkpoint (see <see cref="CpuLoad"/>).</param>
internal sealed record MemorySample(
    long Rows, double Seconds, long WorkingSetBytes, long MaxSampledWorkingSetBytes, long PeakWorkingSetBytes,
    long ManagedHeapBytes, long MaxSampledManagedHeapBytes, long AllocatedBytes, int Gen0Collections, int Gen2Collections, double OtherCores);

internal sealed class MemoryResult : BenchmarkResult
{
    public string ModelSource { get; init; } = "";
    public long Rows { get; init; }
    public long PeakWorkingSetBeforeGenerationBytes { get; init; }
    public bool PeakWasReset { get; init; }
    public required MemorySample Baseline { get; init; }
    public required IReadOnlyList<MemorySample> Checkpoints { get; init; }

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"model    {ModelSource}");
        w.WriteLine($"before   peak working set {Format.MiB(PeakWorkingSetBeforeGenerationBytes)} MiB (training or loading); " +
                    (PeakWasReset ? "the peak was then reset, so the peaks below are generation's own." : "the peak could not be reset, so the peaks below include it."));
        w.WriteLine();
        var table = new TextTable("rows", "seconds", "rows / s", "working set MiB", "max sampled", "peak (OS)", "GC heap MiB", "max sampled", "allocated/row B", "gen0/gen2 GCs", "busy elsewhere");
        MemorySample previous = Baseline;
        foreach (var s in Checkpoints.Prepend(Baseline))
        {
            bool isBaseline = ReferenceEquals(s, Baseline);
            table.Add(
                isBaseline ? "0 (start)" : Format.N0(s.Rows),
                Format.F(s.Seconds, 1),
                isBaseline ? "" : Format.N0(s.Rows / s.Seconds),
                Format.MiB(s.WorkingSetBytes), Format.MiB(s.MaxSampledWorkingSetBytes), Format.MiB(s.PeakWorkingSetBytes),
                Format.MiB(s.ManagedHeapBytes), Format.MiB(s.MaxSampledManagedHeapBytes),
                isBaseline ? "" : Format.F((double)(s.AllocatedBytes - previous.AllocatedBytes) / (s.Rows - previous.Rows), 1),
                $"{s.Gen0Collections}/{s.Gen2Collections}",
                isBaseline ? "" : Format.F(s.OtherCores, 2));
            previous = s;
        }
        table.Print(w);
        w.WriteLine();
        w.WriteLine("allocated/row: managed bytes allocated per row since the previous line; busy elsewhere: cores busy with other work meanwhile.");
        LoadWarning.Print(w, Checkpoints.Select(c => c.OtherCores).DefaultIfEmpty(0).Max(), Machine.LogicalCores);
    }
}
