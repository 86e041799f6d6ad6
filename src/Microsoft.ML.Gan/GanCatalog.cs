namespace Microsoft.ML.Gan;

/// <summary>Entry point: <c>mlContext.Gan()</c>.</summary>
public static class MLContextGanExtensions
{
    /// <summary>The GAN operations of this context: train, generate, augment, load (and, with Microsoft.ML.Gan.Evaluation, evaluate).</summary>
    public static GanCatalog Gan(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new GanCatalog(mlContext);
    }
}

/// <summary>
/// Trains and loads generative adversarial networks for tables, and rebalances tables with them. Reached by
/// <c>mlContext.Gan()</c>; every operation runs in that context (its log, random source and cancellation).
/// </summary>
public sealed class GanCatalog
{
    internal GanCatalog(MLContext mlContext) => Context = mlContext;

    /// <summary>The caller's context, which every part of the library works in.</summary>
    internal MLContext Context { get; }

    /// <summary>A trainer with the given options (validated now: an option out of range throws here, not in Fit).</summary>
    public GanTrainer Train(GanTrainer.Options options) => new(Context, options);

    /// <summary>A trainer with default options but these.</summary>
    /// <param name="epochs">Passes over the training rows (default 300).</param>
    /// <param name="batchSize">Rows per minibatch (default 500).</param>
    /// <param name="columns">The columns to learn; none means every column of the training data.</param>
    public GanTrainer Train(int epochs = GanTrainer.Defaults.Epochs, int batchSize = GanTrainer.Defaults.BatchSize, params string[] columns) =>
        new(Context, new GanTrainer.Options { Epochs = epochs, BatchSize = batchSize, Columns = columns is { Length: > 0 } ? columns : null });

    /// <summary>
    /// Infers what each column of a CSV file (with a header row) is, from its text: booleans, whole numbers, numbers,
    /// dates, instants with a UTC offset, durations, categories, identifiers, e-mail addresses, phone numbers, names of
    /// people, free text. Returns the text loader's options that read the file so, and (<see cref="GanColumnInference.ApplyTo"/>)
    /// the trainer's options that learn it; each column says why it was read as it was (print the result to see it).
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="maximumRows">Rows read to decide (the first ones).</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file has no header, or names a column twice.</exception>
    public GanColumnInference InferColumns(string path, char separator = ',', int maximumRows = 100_000)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumRows, 1);
        return ColumnInference.Infer(Context, path, separator, maximumRows, GanTrainer.Defaults.MaximumCategories);
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
        using var file = File.OpenRead(full);
        return ModelLoader.Load(Context, ModelLoader.ReadAll(file, $"'{full}'"), $"'{full}'", scoring);
    }

    /// <summary>Loads a model (zip or ONNX) from a stream. See <see cref="LoadModel(string, GanScoringOptions?)"/>.</summary>
    public GanTransformer LoadModel(Stream stream, GanScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ModelLoader.Load(Context, ModelLoader.ReadAll(stream, "the stream"), "the stream", scoring);
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
        using var file = File.OpenRead(full);
        return new GanTransformer(Context, ModelLoader.LoadOnnx(ModelLoader.ReadAll(file, $"'{full}'"), $"'{full}'"), scoring);
    }

    /// <summary>Loads an exported generator from a stream. See <see cref="LoadOnnx(string, GanScoringOptions?)"/>.</summary>
    public GanTransformer LoadOnnx(Stream stream, GanScoringOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new GanTransformer(Context, ModelLoader.LoadOnnx(ModelLoader.ReadAll(stream, "the stream"), "the stream"), scoring);
    }

    /// <summary>
    /// After <c>mlContext.Model.Load</c> of a model that held GanTransformers (alone or in a chain with other
    /// transforms): gives back the same model with each GAN a <see cref="GanTransformer"/> again. ML.NET loads a
    /// saved GanTransformer as its ONNX scoring transform (it cannot create transformer kinds it does not know);
    /// that transform works on a noise column, and this call restores the GAN's own schema, Generate and metadata.
    /// Transforms that are not GANs are returned as they are.
    /// </summary>
    /// <remarks>
    /// Each GanTransformer is built from a copy of its graph and does not need <paramref name="loaded"/>. ML.NET's
    /// ONNX transform keeps its graph in a temporary file until it is disposed: dispose <paramref name="loaded"/> when
    /// it is no longer used (with a chain, once the returned chain, which shares its other transforms, is done too).
    /// </remarks>
    /// <returns>A GanTransformer when <paramref name="loaded"/> is one GAN; otherwise a chain in the same order.</returns>
    public ITransformer Restore(ITransformer loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return ModelLoader.Restore(Context, loaded);
    }

    /// <summary>
    /// Saves a model in ML.NET's format (what <c>mlContext.Model.Save</c> writes: a GanTransformer alone or in a chain
    /// with other transforms), atomically: into a temporary file beside <paramref name="path"/>, then a rename, so a
    /// failure leaves the file that was there. ML.NET's own <c>Model.Save(model, schema, path)</c> empties the file
    /// before the transforms write into it.
    /// </summary>
    /// <param name="model">The model: a GanTransformer, or a chain holding GANs and other transforms.</param>
    /// <param name="inputSchema">The schema of the model's input (for a GAN: a noise column), or null.</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    public void SaveModel(ITransformer model, DataViewSchema? inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Common.AtomicFile.Write(path, stream => Context.Model.Save(model, inputSchema, stream));
    }

    /// <summary>
    /// Rebalances a table's classes with synthetic rows: returns <paramref name="data"/>'s rows (in the model's
    /// columns) followed by rows generated for the classes of <paramref name="labelColumn"/> that need more, so
    /// that each class reaches its target (by default the count of the largest class). Every synthetic row has
    /// its class exactly (<see cref="GanTransformer.Generate(long, int?, IReadOnlyDictionary{string, object}, int, long)"/>).
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
        return Generation.Augmentation.Run(model, data, labelColumn, options ?? new GanAugmentationOptions());
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
}
