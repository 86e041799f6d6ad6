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

/// <summary>Trains, evaluates and loads generative adversarial networks for tables. Reached by <c>mlContext.Gan()</c>.</summary>
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

    /// <summary>
    /// Compares a synthetic table with the real one: column shapes (1 − Kolmogorov-Smirnov or 1 − total variation
    /// distance), column pair trends (correlations, contingency tables), detection (ROC AUC of a FastTree classifier
    /// telling real from synthetic rows, cross-validated), machine-learning efficacy (with
    /// <see cref="SyntheticDataEvaluationOptions.LabelColumn"/> and <see cref="SyntheticDataEvaluationOptions.HoldoutReal"/>),
    /// privacy (exact copies, distance to the closest record) and per-column missing rates, out-of-range values and
    /// unseen categories. Each view is read once; at most <see cref="SyntheticDataEvaluationOptions.MaximumRows"/>
    /// rows (default 20,000) of each are sampled for pair trends, detection and privacy. Deterministic for a seed.
    /// </summary>
    /// <param name="real">The real table.</param>
    /// <param name="synthetic">The synthetic table: the same columns, with the same types.</param>
    /// <param name="options">What to compare and how; null for the defaults (every column of <paramref name="real"/>, seed 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing from a table, has another type there, or has a type that cannot be evaluated; the message names the column and the types.</exception>
    public SyntheticDataMetrics Evaluate(IDataView real, IDataView synthetic, SyntheticDataEvaluationOptions? options = null) =>
        Evaluation.SyntheticDataEvaluator.Evaluate(real, synthetic, options ?? new SyntheticDataEvaluationOptions());

    /// <summary>
    /// <see cref="Evaluate(IDataView, IDataView, SyntheticDataEvaluationOptions?)"/> with machine-learning efficacy:
    /// a binary classifier of <paramref name="labelColumn"/> trained on the synthetic rows and on the real rows, both
    /// tested on <paramref name="holdoutReal"/>; the holdout is also the privacy baseline.
    /// </summary>
    /// <param name="real">The real rows the generator was trained on.</param>
    /// <param name="synthetic">The synthetic rows.</param>
    /// <param name="labelColumn">The binary label.</param>
    /// <param name="holdoutReal">Real rows the generator never saw, in the same schema.</param>
    /// <param name="seed">Seed of the samples and classifiers.</param>
    public SyntheticDataMetrics Evaluate(IDataView real, IDataView synthetic, string labelColumn, IDataView holdoutReal, int seed = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        ArgumentNullException.ThrowIfNull(holdoutReal);
        return Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { LabelColumn = labelColumn, HoldoutReal = holdoutReal, Seed = seed });
    }

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
