using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan;

/// <summary>
/// A trained GAN: generates synthetic rows in the training table's schema. Immutable after
/// <see cref="GanTrainer.Fit"/>. <see cref="Generate"/> makes rows from a seed; <see cref="Transform"/> scores a
/// noise column, the ML.NET pipeline way. Safe to use from several threads at once.
/// </summary>
public sealed class GanTransformer : ITransformer, IDisposable
{
    private readonly IHost _host;
    private readonly GanModel _model;
    private readonly object _seedLock = new();

    internal GanTransformer(IHostEnvironment env, GanModel model)
    {
        _host = env.Register(nameof(GanTransformer));
        _model = model;
        Columns = model.Encoder.Columns.Select(c => c.ToInfo()).ToArray();
    }

    internal GanModel Model => _model;

    /// <summary>The schema of generated rows: the training columns, with their names, types and order.</summary>
    public DataViewSchema TrainingSchema => _model.Schema;

    /// <summary>What the model learned about each column: type, range, categories and their frequencies, missing rate.</summary>
    public IReadOnlyList<GanColumnInfo> Columns { get; }

    /// <summary>The options the model was trained with (a copy; the progress callback is not kept by saved models).</summary>
    public GanTrainer.Options Options => _model.Options.Clone();

    /// <summary>The statistics of every training epoch, in order.</summary>
    public IReadOnlyList<GanEpochStatistics> History => _model.History;

    /// <summary>
    /// The epoch whose generator this model holds: the last one trained, or with
    /// <see cref="GanTrainer.Options.KeepBestEpoch"/> the checked epoch with the best validation score.
    /// </summary>
    public int SelectedEpoch => _model.SelectedEpoch;

    /// <summary>Length of the noise vectors the generator takes (<see cref="GanTrainer.Options.NoiseDimension"/>).</summary>
    public int NoiseDimension => _model.NoiseDimension;

    /// <summary>Rows in the table the model was trained on.</summary>
    public long TrainingRowCount => _model.TrainingRows;

    /// <summary>Always false: rows are generated in batches, not one input row at a time.</summary>
    public bool IsRowToRowMapper => false;

    /// <summary>
    /// Generates <paramref name="rowCount"/> synthetic rows in the training schema. The view streams: rows are made
    /// in batches as a cursor reads them, so any row count costs memory of one batch. With the same seed the same
    /// rows come back, bit for bit on the same machine, every time the view is read.
    /// </summary>
    /// <param name="rowCount">How many rows; zero or more.</param>
    /// <param name="seed">Seed of the noise and of the category draws; null draws one from the MLContext's random source.</param>
    public IDataView Generate(long rowCount, int? seed = null)
    {
        if (rowCount < 0) throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, "rowCount must be zero or more.");
        ulong s;
        if (seed is int given) s = (ulong)(uint)given;
        else lock (_seedLock) s = (ulong)_host.Rand.NextInt64();
        return new GeneratedDataView(_model, rowCount, s);
    }

    /// <summary>
    /// Scores a view with a noise column (<see cref="GanTrainer.Options.NoiseColumnName"/>, vector of Single,
    /// <see cref="NoiseDimension"/> long): returns the input's columns followed by one synthetic column per training
    /// column. A training column named like an input column hides it.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new NoiseScoredDataView(_model, input);
    }

    /// <summary>The schema <see cref="Transform"/> returns for an input of this schema; checks the noise column.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        NoiseScoredDataView.CheckNoiseColumn(inputSchema, _model);
        return NoiseScoredDataView.BuildSchema(inputSchema, _model);
    }

    /// <summary>Not supported: rows are generated in batches. Use <see cref="Transform"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("A GanTransformer generates rows in batches and has no row-to-row mapper; use Transform or Generate.");

    /// <summary>
    /// Saves the model (weights, fitted encoder, options, history) as one zip, written atomically (a temporary file,
    /// then a rename). <see cref="GanCatalog.LoadModel(string)"/> reads it back.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _model.Save(path);
    }

    /// <summary>Writes the model zip to a stream (left open).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _model.Save(stream);
    }

    /// <summary>
    /// ML.NET's own model format is closed to transformers outside ML.NET. Save this model with
    /// <see cref="Save(string)"/> and load it with <see cref="GanCatalog.LoadModel(string)"/>.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "mlContext.Model.Save cannot store a GanTransformer yet: ML.NET keeps its model-saving machinery internal. " +
            "Save it with GanTransformer.Save(path) and load it with mlContext.Gan().LoadModel(path).");

    /// <summary>Frees the generator's native tensors.</summary>
    public void Dispose() => _model.Dispose();
}
