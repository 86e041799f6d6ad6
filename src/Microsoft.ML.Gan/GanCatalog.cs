using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan;

/// <summary>Entry point: <c>mlContext.Gan()</c>.</summary>
public static class MLContextGanExtensions
{
    /// <summary>The GAN operations of this context: train, load.</summary>
    public static GanCatalog Gan(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new GanCatalog(mlContext);
    }
}

/// <summary>Trains and loads generative adversarial networks for tables. Reached by <c>mlContext.Gan()</c>.</summary>
public sealed class GanCatalog
{
    private readonly IHostEnvironment _env;

    internal GanCatalog(MLContext mlContext) => _env = mlContext;

    /// <summary>A trainer with the given options (validated now: an option out of range throws here, not in Fit).</summary>
    public GanTrainer Train(GanTrainer.Options options) => new(_env, options);

    /// <summary>A trainer with default options but these.</summary>
    /// <param name="epochs">Passes over the training rows (default 300).</param>
    /// <param name="batchSize">Rows per minibatch (default 500).</param>
    /// <param name="columns">The columns to learn; none means every column of the training data.</param>
    public GanTrainer Train(int epochs = 300, int batchSize = 500, params string[] columns) =>
        new(_env, new GanTrainer.Options { Epochs = epochs, BatchSize = batchSize, Columns = columns is { Length: > 0 } ? columns : null });

    /// <summary>Loads a model saved by <see cref="GanTransformer.Save(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable GAN model; the message names the file and what is wrong.</exception>
    public GanTransformer LoadModel(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No GAN model file at '{full}'.", full);
        using var stream = File.OpenRead(full);
        return new GanTransformer(_env, GanModel.Load(stream, $"'{full}'"));
    }

    /// <summary>Loads a model from a stream written by <see cref="GanTransformer.Save(Stream)"/>.</summary>
    public GanTransformer LoadModel(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new GanTransformer(_env, GanModel.Load(stream, "the stream"));
    }
}
