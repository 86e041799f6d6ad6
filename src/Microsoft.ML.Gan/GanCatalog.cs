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

    /// <summary>
    /// Loads a model saved by <see cref="GanTransformer.Save(string)"/> (a model zip) or by
    /// <see cref="GanTransformer.SaveAsOnnx(string, CategorySampling?)"/> (an .onnx file): the kind is read from the file.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="scoring">Where the generator runs (CPU by default, or a GPU).</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable GAN model; the message names the file and what is wrong.</exception>
    public GanTransformer LoadModel(string path, GanScoringOptions? scoring = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No GAN model file at '{full}'.", full);
        using var stream = File.OpenRead(full);
        return LoadModel(stream, scoring, $"'{full}'");
    }

    /// <summary>Loads a model (zip or ONNX) from a stream. See <see cref="LoadModel(string, GanScoringOptions?)"/>.</summary>
    public GanTransformer LoadModel(Stream stream, GanScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return LoadModel(stream, scoring, "the stream");
    }

    /// <summary>
    /// Loads a generator exported by <see cref="GanTransformer.SaveAsOnnx(string, CategorySampling?)"/>; it scores
    /// through ONNX Runtime, on a GPU when <paramref name="scoring"/> asks for one.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model, or not one this library exported; the message names the file.</exception>
    public GanTransformer LoadOnnx(string path, GanScoringOptions? scoring = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No ONNX file at '{full}'.", full);
        return Wrap(GanModel.LoadOnnx(File.ReadAllBytes(full), $"'{full}'", scoring));
    }

    /// <summary>Loads an exported generator from a stream. See <see cref="LoadOnnx(string, GanScoringOptions?)"/>.</summary>
    public GanTransformer LoadOnnx(Stream stream, GanScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Wrap(GanModel.LoadOnnx(ReadAll(stream), "the stream", scoring));
    }

    /// <summary>
    /// After <c>mlContext.Model.Load</c> of a model that held GanTransformers (alone or in a chain with other
    /// transforms): gives back the same model with each GAN a <see cref="GanTransformer"/> again. ML.NET loads a
    /// saved GanTransformer as its ONNX scoring transform (it cannot create transformer kinds it does not know);
    /// that transform works on a noise column, and this call restores the GAN's own schema, Generate and metadata.
    /// Transforms that are not GANs are returned as they are.
    /// </summary>
    /// <returns>A GanTransformer when <paramref name="loaded"/> is one GAN; otherwise a chain in the same order.</returns>
    public ITransformer Restore(ITransformer loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return Onnx.MlNetModelBridge.Restore(loaded, Wrap);
    }

    private GanTransformer LoadModel(Stream stream, GanScoringOptions? scoring, string source)
    {
        var bytes = ReadAll(stream);
        // A zip starts with "PK"; anything else is read as ONNX (protobuf), whose loader says clearly if it is not.
        bool zip = bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K';
        if (!zip)
        {
            try
            {
                return Wrap(GanModel.LoadOnnx(bytes, source, scoring));
            }
            catch (InvalidDataException e) when (e.InnerException is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw GanModel.Bad(source, $"it is not a readable Microsoft.ML.Gan model: neither a model zip nor a valid ONNX model ({e.InnerException.Message.Trim()})", e);
            }
        }
        if (!GanModel.IsModelZip(bytes)) return FromMlNetModel(bytes, source, scoring);
        return Wrap(GanModel.Load(new MemoryStream(bytes), source, scoring));
    }

    /// <summary>A zip that is not a GAN model zip may be an ML.NET model holding one GAN (saved with mlContext.Model.Save).</summary>
    private GanTransformer FromMlNetModel(byte[] bytes, string source, GanScoringOptions? scoring)
    {
        ITransformer loaded;
        try
        {
            loaded = new MLContext(seed: 0).Model.Load(new MemoryStream(bytes), out _);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException)
        {
            throw GanModel.Bad(source, $"it is a zip, but not a Microsoft.ML.Gan model (it has no manifest.json) nor an ML.NET model holding one ({e.Message})", e);
        }
        var restored = Restore(loaded);
        if (restored is GanTransformer gan) return scoring is null ? gan : gan.WithScoring(scoring);
        int gans = restored is IEnumerable<ITransformer> chain ? chain.Count(t => t is GanTransformer) : 0;
        throw GanModel.Bad(source, gans == 0
            ? "it is an ML.NET model without a GAN in it"
            : $"it is an ML.NET model with {gans} GAN(s) among other transforms; load it with mlContext.Model.Load and call mlContext.Gan().Restore on the result");
    }

    private GanTransformer Wrap(GanModel model) => new(_env, model);

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
