using Microsoft.ML.Gan.PerformanceTests;

// Benchmarks of Microsoft.ML.Gan, run by hand:
//   dotnet run -c Release --project tests/Microsoft.ML.Gan.PerformanceTests -- <train|generate|memory|quality> [options]
// Every figure of one benchmark comes from one process, so the ratios it prints compare like with like.

BenchmarkArguments arguments;
try
{
    arguments = BenchmarkArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(BenchmarkArguments.Usage);
    return ExitCodes.Usage;
}

if (arguments.Help)
{
    Console.WriteLine(BenchmarkArguments.Usage);
    return ExitCodes.Success;
}

// GAN_KEEP_NATIVE_HEAP=1 leaves glibc's malloc settings as they are (the library's AppContext switch), to measure what tuning them gives.
if (Environment.GetEnvironmentVariable("GAN_KEEP_NATIVE_HEAP") == "1") AppContext.SetSwitch("Microsoft.ML.Gan.KeepNativeHeapSettings", true);

try
{
    if (arguments.Threads is int threads) TorchSharp.torch.set_num_threads(threads);

    BenchmarkResult result = arguments.Benchmark switch
    {
        "train" => TrainingBenchmark.Run(arguments),
        "generate" => GenerationBenchmark.Run(arguments),
        "memory" => MemoryBenchmark.Run(arguments),
        "quality" => QualityBenchmark.Run(arguments),
        "calibration" => CalibrationBenchmark.Run(arguments),
        "summary" => QualitySummary.Run(arguments),
        "concurrent" => ConcurrencyBenchmark.Run(arguments),
        "fit" => ConcurrencyBenchmark.Fit(arguments),
        "soak" => SoakBenchmark.Run(arguments),
        _ => throw new InvalidOperationException($"Unknown benchmark '{arguments.Benchmark}'."), // Parse has checked the name
    };

    result.Print(Console.Out);
    if (arguments.JsonPath is { } json)
    {
        JsonOutput.WriteAtomically(json, result);
        Console.WriteLine($"Figures written to {Path.GetFullPath(json)}");
    }
    return ExitCodes.Success;
}
catch (DeviceUnavailableException e)
{
    Console.Error.WriteLine(e.Message);
    return ExitCodes.NoDevice;
}
catch (DataNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return ExitCodes.DataMissing;
}
catch (Exception e) when (e is NotSupportedException or ArgumentException)
{
    // A --label or --columns the table does not have; a comparison the loaded model cannot take (a trend within categories settled again).
    Console.Error.WriteLine(e.Message);
    return ExitCodes.Usage;
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message); // a --model that is missing or not a model, or a data file that is not Adult
    return ExitCodes.Unreadable;
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int DataMissing = 2;
    public const int Unreadable = 3;
    public const int NoDevice = 4;
}
