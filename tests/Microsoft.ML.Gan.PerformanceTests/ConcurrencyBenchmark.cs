using System.Diagnostics;
using System.Text.Json;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// concurrent: what a second training on the same machine costs. Trains on Adult in one worker process alone, then
/// in --processes worker processes at once; once with the library's automatic thread count (TrainingThreads null),
/// once with every core's threads fixed, as libtorch would run them left alone. Each worker is this program's
/// "fit" benchmark, which trains and writes its epoch times to a JSON file.
/// </summary>
internal static class ConcurrencyBenchmark
{
    private const int DefaultEpochs = 3;

    public static ConcurrencyResult Run(BenchmarkArguments arguments)
    {
        string dataPath = AdultData.Locate(arguments.DataPath);
        int epochs = arguments.Epochs ?? DefaultEpochs, processes = arguments.Processes;
        var rows = new List<ConcurrencyRow>();
        foreach (var (policy, threads) in new (string, int?)[] { ("automatic (TrainingThreads null)", null), ($"fixed at {Environment.ProcessorCount} (every core)", Environment.ProcessorCount) })
        {
            Console.WriteLine($"{policy}: one training alone, then {processes} at once, {epochs} epochs each ...");
            double alone = Workers(1, dataPath, epochs, threads).Single();
            var together = Workers(processes, dataPath, epochs, threads);
            rows.Add(new ConcurrencyRow(policy, alone, together, together.Max() / alone));
        }
        return new ConcurrencyResult { Benchmark = "concurrent", DataPath = dataPath, Epochs = epochs, Processes = processes, Rows = rows };
    }

    /// <summary>Starts <paramref name="count"/> workers at once and returns each one's seconds per epoch (median after the first).</summary>
    private static double[] Workers(int count, string dataPath, int epochs, int? threads)
    {
        var files = Enumerable.Range(0, count).Select(_ => Path.Combine(Path.GetTempPath(), $"gan-fit-{Guid.NewGuid():N}.json")).ToArray();
        var started = files.Select(file =>
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in WorkerArguments(dataPath, epochs, threads, file)) start.ArgumentList.Add(a);
            return Process.Start(start)!;
        }).ToList();
        foreach (var p in started)
        {
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"A training worker failed (exit {p.ExitCode}): {output}");
        }
        try
        {
            return files.Select(f => JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(f)).GetProperty("secondsPerEpoch").GetDouble()).ToArray();
        }
        finally
        {
            foreach (string f in files) File.Delete(f);
        }
    }

    private static IEnumerable<string> WorkerArguments(string dataPath, int epochs, int? threads, string json)
    {
        var self = Environment.GetCommandLineArgs()[0];
        if (self.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) yield return self; // started as "dotnet X.dll"
        foreach (string a in new[] { "fit", "--data", dataPath, "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json }) yield return a;
        if (threads is int t)
        {
            yield return "--threads";
            yield return t.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The worker: trains on Adult and reports its epoch times.</summary>
    public static FitResult Fit(BenchmarkArguments arguments)
    {
        string dataPath = AdultData.Locate(arguments.DataPath);
        var ml = new MLContext(arguments.Seed);
        var table = AdultData.Load(ml, dataPath);
        var options = AdultModel.TrainingOptions(arguments.Epochs ?? DefaultEpochs, arguments.Seed, arguments.Classic, arguments.Threads);
        options.ValidationInterval = 0;
        using var model = ml.Gan().Train(options).Fit(table);
        var seconds = model.History.Select(h => h.Seconds).ToArray();
        return new FitResult { Benchmark = "fit", EpochSeconds = seconds, SecondsPerEpoch = Median(seconds.Length > 1 ? seconds[1..] : seconds) };
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal sealed record ConcurrencyRow(string Policy, double AloneSecondsPerEpoch, double[] TogetherSecondsPerEpoch, double Slowdown);

internal sealed class ConcurrencyResult : BenchmarkResult
{
    public string DataPath { get; init; } = "";
    public int Epochs { get; init; }
    public int Processes { get; init; }
    public List<ConcurrencyRow> Rows { get; init; } = [];

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine($"data     {DataPath}; {Epochs} epochs per training, library defaults; seconds per epoch are medians after the first");
        w.WriteLine();
        var table = new TextTable($"{Processes} trainings at once on {Machine.LogicalCores} cores", "alone s/epoch", $"{Processes} at once s/epoch", "slowdown");
        foreach (var r in Rows) table.Add(r.Policy, Format.F(r.AloneSecondsPerEpoch, 2), string.Join(" / ", r.TogetherSecondsPerEpoch.Select(s => Format.F(s, 2))), Format.F(r.Slowdown, 1) + "×");
        table.Print(w);
    }
}

internal sealed class FitResult : BenchmarkResult
{
    public double[] EpochSeconds { get; init; } = [];
    public double SecondsPerEpoch { get; init; }

    public override void Print(TextWriter w) => w.WriteLine($"fit: {Format.F(SecondsPerEpoch, 2)} s per epoch ({string.Join(", ", EpochSeconds.Select(s => Format.F(s, 2)))})");
}
