using Microsoft.ML.Data;
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

    /// <summary>
    /// Rebalances a table's classes with synthetic rows: returns <paramref name="data"/>'s rows (in the model's
    /// columns) followed by rows generated for the classes of <paramref name="labelColumn"/> that need more, so
    /// that each class reaches its target (by default the count of the largest class). Every synthetic row has
    /// its class exactly (<see cref="GanTransformer.Generate(long, int?, IReadOnlyDictionary{string, object}, int)"/>).
    /// The result streams: a downstream trainer reads the real rows, then the synthetic ones.
    /// </summary>
    /// <param name="model">A GAN trained on this table (its columns include the label).</param>
    /// <param name="data">The table: it has the model's columns with the same types.</param>
    /// <param name="labelColumn">A categorical column of the model: text, boolean or key.</param>
    /// <param name="options">Targets and seed; null to balance every class up to the largest.</param>
    /// <exception cref="ArgumentException">The label is not a categorical column of the model, or a target names an unknown class or is below the class's count.</exception>
    public IDataView Augment(GanTransformer model, IDataView data, string labelColumn, GanAugmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        options ??= new GanAugmentationOptions();
        var label = model.Columns.FirstOrDefault(c => c.Name == labelColumn)
            ?? throw new ArgumentException($"Label column '{labelColumn}' is not one of the model's columns ({string.Join(", ", model.Columns.Select(c => $"'{c.Name}'"))}).", nameof(labelColumn));
        if (!label.IsCategorical)
            throw new ArgumentException($"Label column '{labelColumn}' is numeric: augmentation balances the classes of a categorical (text, boolean or key) label.", nameof(labelColumn));

        var counts = Data.ClassCounter.Count(data, labelColumn, label);
        var targets = new Dictionary<string, long>(StringComparer.Ordinal);
        if (options.TargetCounts is null)
        {
            long largest = counts.Values.Max();
            foreach (var category in label.Categories) targets[category] = largest;
        }
        else
        {
            foreach (var (category, target) in options.TargetCounts)
            {
                if (!label.Categories.Contains(category))
                    throw new ArgumentException($"TargetCounts names class '{category}', which label '{labelColumn}' does not have ({string.Join(", ", label.Categories.Select(v => $"'{v}'"))}).", nameof(options));
                if (target < counts[category])
                    throw new ArgumentException($"TargetCounts asks for {target:N0} rows of class '{category}', which already has {counts[category]:N0}: augmentation only adds rows.", nameof(options));
                targets[category] = target;
            }
        }

        var parts = new List<IDataView> { data };
        int k = 0;
        foreach (var category in label.Categories)
        {
            k++;
            if (!targets.TryGetValue(category, out long target) || target <= counts[category]) continue;
            object value = label.Type switch
            {
                BooleanDataViewType => bool.Parse(category),
                KeyDataViewType => ulong.Parse(category, System.Globalization.CultureInfo.InvariantCulture),
                _ => category,
            };
            parts.Add(model.Generate(target - counts[category], unchecked(options.Seed * 7919 + k), new Dictionary<string, object> { [labelColumn] = value }, options.MaximumCandidatesPerRow));
        }
        return new Data.AppendedDataView(model.TrainingSchema, parts);
    }

    /// <summary>
    /// Trains a GAN on <paramref name="data"/> (with <see cref="GanAugmentationOptions.Training"/>) and rebalances it:
    /// see <see cref="Augment(GanTransformer, IDataView, string, GanAugmentationOptions?)"/>. The trained model is
    /// not kept; train it yourself to reuse it.
    /// </summary>
    public IDataView Augment(IDataView data, string labelColumn, GanAugmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new GanAugmentationOptions();
        var model = Train(options.Training ?? new GanTrainer.Options()).Fit(data);
        return Augment(model, data, labelColumn, options);
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
