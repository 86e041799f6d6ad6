using System.Diagnostics;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>A model to benchmark: trained on Adult here, or loaded from --model.</summary>
/// <param name="Source">"trained N epoch(s) on PATH (R rows) in S s" or "loaded from PATH".</param>
/// <param name="FitSeconds">Wall-clock seconds of Fit (reading, encoding, training, batch-norm calibration); NaN when loaded.</param>
internal sealed record AdultModel(GanTransformer Model, string Source, double FitSeconds)
{
    /// <summary>
    /// The options every benchmark trains with: the library's defaults (or <see cref="GanTrainer.Options.Classic"/>),
    /// plus Adult's missing token, the CPU, a seed.
    /// </summary>
    /// <param name="threads">libtorch's threads while training (--threads); null for the library's automatic choice.</param>
    /// <param name="device">
    /// Where to train (--device; default the CPU). On CUDA, generation asks ONNX Runtime for the same GPU, falling back
    /// to its CPU provider where the GPU package is not referenced; the reports say which ran.
    /// </param>
    public static GanTrainer.Options TrainingOptions(int epochs, int seed, bool classic = false, int? threads = null, BenchDevice? device = null)
    {
        var options = classic ? GanTrainer.Options.Classic() : new GanTrainer.Options();
        options.Epochs = epochs;
        options.Seed = seed;
        options.MissingCategoryTokens = [AdultData.MissingToken];
        options.Device = device?.Option ?? GanDevice.Cpu;
        if (device?.Scoring() is { } scoring) options.Scoring = scoring;
        options.TrainingThreads = threads;
        return options;
    }

    /// <summary>Which options <see cref="TrainingOptions"/> starts from, for the reports.</summary>
    public static string Describe(bool classic) => classic ? "Classic()" : "library defaults";

    /// <summary>
    /// Trains on Adult with the default architecture (or Classic()), changed by <paramref name="settings"/> (--set), and
    /// times Fit.
    /// </summary>
    public static AdultModel Train(MLContext ml, string dataPath, int epochs, int seed, string? savePath, bool classic = false, int? threads = null,
        IReadOnlyList<(string Name, string Value)>? settings = null, BenchDevice? device = null)
    {
        var table = AdultData.Load(ml, dataPath);
        var options = TrainingOptions(epochs, seed, classic, threads, device);
        settings ??= [];
        foreach (var (name, value) in settings) QualityBenchmark.Set(options, name, value);
        var clock = Stopwatch.StartNew();
        var model = ml.Gan().Train(options).Fit(table);
        double seconds = clock.Elapsed.TotalSeconds;
        if (savePath is not null) model.Save(savePath);
        string described = Describe(classic) + string.Concat(settings.Select(s => $", {s.Name}={s.Value}"));
        return new AdultModel(model, $"trained {epochs} epoch(s) with {described} on {dataPath} ({model.TrainingRowCount:N0} rows) in {seconds:F1} s", seconds);
    }

    /// <summary>--model when given (no data needed), otherwise a model trained for <paramref name="defaultEpochs"/> epochs.</summary>
    public static AdultModel Obtain(MLContext ml, BenchmarkArguments arguments, int defaultEpochs, BenchDevice device)
    {
        if (arguments.ModelPath is { } path)
            return new AdultModel(ml.Gan().LoadModel(path, device.Scoring()), $"loaded from {Path.GetFullPath(path)}", double.NaN);
        return Train(ml, AdultData.Locate(arguments.DataPath), arguments.Epochs ?? defaultEpochs, arguments.Seed, arguments.SaveModelPath, arguments.Classic, arguments.Threads,
            arguments.Settings, device);
    }
}
