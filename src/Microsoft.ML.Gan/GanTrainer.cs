using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan;

/// <summary>
/// Trains a generative adversarial network on a table's columns with TorchSharp (CUDA when present, CPU
/// otherwise). <see cref="Fit(IDataView)"/> returns a <see cref="GanTransformer"/> that generates rows in the table's schema.
/// Made by <see cref="GanCatalog.Train(GanTrainer.Options)"/>.
/// </summary>
public sealed partial class GanTrainer : IEstimator<GanTransformer>
{
    private readonly MLContext _ml;
    private readonly IHost _host;
    private readonly Options _options;

    internal GanTrainer(MLContext ml, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ml = ml;
        _host = ((IHostEnvironment)ml).Register(nameof(GanTrainer));
        _options = options.Clone();
    }

    /// <summary>Trains on <paramref name="input"/>: reads it once, encodes it, runs the adversarial training.</summary>
    public GanTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>
    /// The mixture settings of mode-specific normalisation the options ask for: null for min-max; with
    /// <see cref="ContinuousNormalization.Auto"/>, columns with fewer present values than
    /// <see cref="Options.ModeSpecificMinimumValues"/> get none.
    /// </summary>
    internal static BayesianGaussianMixtureOptions? MixtureSettings(Options options) => options.ContinuousNormalization switch
    {
        ContinuousNormalization.ModeSpecific => new BayesianGaussianMixtureOptions { MaximumComponents = options.MaximumModes },
        ContinuousNormalization.Auto => new BayesianGaussianMixtureOptions { MaximumComponents = options.MaximumModes, MinimumValues = options.ModeSpecificMinimumValues },
        _ => null,
    };

    /// <summary>
    /// Which numeric columns without modes are rank-normalised: every one with <see cref="ContinuousNormalization.Rank"/>;
    /// with <see cref="ContinuousNormalization.Auto"/>, those of at least <see cref="Options.RankMinimumSkewness"/> that
    /// have no spike; none otherwise (null).
    /// </summary>
    internal static RankScale.Choice? RankChoice(Options options) => options.ContinuousNormalization switch
    {
        ContinuousNormalization.Rank => new RankScale.Choice(0, Spikes: true),
        ContinuousNormalization.Auto when !double.IsPositiveInfinity(options.RankMinimumSkewness) => new RankScale.Choice(options.RankMinimumSkewness, Spikes: false),
        _ => null,
    };

    /// <summary>How <see cref="Fit(IDataView)"/> fits the columns with <paramref name="options"/> and training seed <paramref name="seed"/>.</summary>
    internal static ColumnFitSettings ColumnSettings(Options options, int seed) =>
        new(new HashSet<string>(options.MissingCategoryTokens, StringComparer.Ordinal), options.MaximumCategories, MixtureSettings(options), seed,
            options.NumericGranularity, options.ExactMarginals, options.ExactDependencies, options.GroupedMarginals)
        {
            Storage = options.TrainingRowStorage,
            TemporaryDirectory = options.TemporaryDirectory,
            Identifiers = new HashSet<string>(options.Identifiers, StringComparer.Ordinal),
            FakeData = new Dictionary<string, GanFakeData>(options.FakeData, StringComparer.Ordinal),
            Trends = options.NumericTrends,
            TrendTerms = options.TrendTerms,
            TrendRatios = options.TrendRatios,
            CategoryTrends = options.CategoryTrends,
            Formulas = options.NumericFormulas,
            Combinations = options.NumericCombinations,
            CombinationCategories = options.NumericCombinations && options.CombinationCategories,
            CategoryThresholds = options.CategoryThresholds,
            CategorySteps = options.CategorySteps,
            CategoryExclusions = options.CategoryExclusions,
            MissingTogether = options.MissingTogether,
            EntityLevels = options.EntityLevels,
            EntityLevelLines = options.EntityLevelLines,
            EntityLevelSpreads = options.EntityLevelSpreads,
            StudyEnds = options.StudyEnds,
            Rank = RankChoice(options),
            Repeats = options.RepeatTrainingValues,
            TimeOrders = options.TimeOrders,
            NumberOrders = options.NumberOrders,
            OrdersBelowFixed = options.OrdersBelowFixed,
        };

    /// <summary>
    /// Trains on <paramref name="input"/>, stopping with <see cref="OperationCanceledException"/> (and returning no
    /// model) soon after <paramref name="cancellationToken"/> is cancelled, or after the MLContext's own cancellation,
    /// which ML.NET's own callers (AutoML's experiments) use. Checked before every update and while the table is read.
    /// </summary>
    public GanTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        void CheckAlive()
        {
            cancellationToken.ThrowIfCancellationRequested();
            Common.Cancellation.ThrowIfCanceled(_host);
        }

        var columns = ResolveColumns(input.Schema);
        int seed = _options.Seed ?? _host.Rand.Next();
        var settings = ColumnSettings(_options, seed);

        using var channel = _host.Start("Training");
        var reading = Common.MachineLoad.Mark.Now();
        var (encoder, encoded) = TabularEncoder.Fit(input, columns, settings, CheckAlive, message => channel.Info(MessageSensitivity.Schema, message), _options.Constraints);
        int rows = encoded.Count;
        Common.LargeTables.StageEnded(rows); // the fitters' copies of every value
        TrainingResult trained;
        using (encoded) // what follows training reads the training data again, not these rows
        {
            channel.Info(MessageSensitivity.None, $"Read {rows:N0} rows of {columns.Length} column(s) into {encoder.Width} encoded features, kept in " +
                (encoded.OnDisk ? $"a temporary file ({encoded.TotalBytes:N0} bytes, {encoded.RecordBytes} a row) mapped into memory." : $"{encoded.TotalBytes:N0} bytes of memory ({encoded.RecordBytes} a row)."));
            if (encoder.Dependencies.Count > 0)
                channel.Info(MessageSensitivity.Schema, $"Generated rows will keep {encoder.Dependencies.Count} rule(s) every training row obeys: " +
                    string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo().ToString())) + ".");

            var device = DeviceSelection.Choose(_options.Device, _options.DeviceIndex, _options.FallbackToCpu);
            channel.Info(MessageSensitivity.None, device.Message);

            Action<TrainingResult>? snapshot = null;
            if (_options.Snapshots is { } snapshots)
                snapshot = result =>
                {
                    channel.Info(MessageSensitivity.None, $"Epoch {result.SelectedEpoch}: settling a copy of the model as a run of {result.SelectedEpoch} epochs would return it (a snapshot).");
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var settled = new GanTransformer(_ml, Finish(result, encoder, columns, rows, seed, input, channel, CheckAlive, result.SelectedEpoch), _options.Scoring);
                    try { snapshots.Taken(new EpochSnapshot(result.SelectedEpoch, TimeSpan.FromSeconds(result.History.Sum(h => h.Seconds)), clock.Elapsed, settled)); }
                    catch { settled.Dispose(); throw; } // the receiver failed before it could own it
                };
            trained = GanTraining.Run(encoded, encoder, _options, device, seed, channel, CheckAlive, reading.UntilNow(), snapshot);
        }
        // Stopped early, the model is the run of the epochs it made, and says so.
        var model = Finish(trained, encoder, columns, rows, seed, input, channel, CheckAlive, trained.History.Count < _options.Epochs && _options.StopEarly.IsCancellationRequested ? trained.History.Count : _options.Epochs);
        return new GanTransformer(_ml, model, _options.Scoring);
    }

    /// <summary>
    /// The model of a trained generator (it takes ownership): the stages after the last epoch (<see cref="Settle"/>).
    /// <paramref name="epochs"/> is what the model's options record.
    /// </summary>
    private GanModel Finish(TrainingResult trained, TabularEncoder encoder, string[] columns, long rows, int seed, IDataView input,
        IChannel channel, Action checkAlive, int epochs)
    {
        var kept = TrainingRecord.From(_options);
        kept.Seed = seed;
        kept.Columns = columns.ToArray();
        kept.Epochs = epochs;
        var given = new HashSet<string>(_options.Constraints.Select(r => r.ToString()), StringComparer.Ordinal);
        var found = encoder.Constraints?.Rules.Select(r => r.ToString()).Where(r => !given.Contains(r)).ToArray() ?? [];
        var model = new GanModel(encoder, kept, trained.Generator, trained.History, rows, trained.SelectedEpoch) { FoundOrders = found };
        return Settle(model, input, seed, _options, checkAlive, message => channel.Info(MessageSensitivity.None, message));
    }

    /// <summary>
    /// The stages after training, as <paramref name="options"/> ask, on <paramref name="model"/> (a trained generator
    /// without calibration or filter, its maps' training side, grouped or not, fitted at <c>Fit</c>; it is taken over,
    /// and disposed on failure): marginal calibration and the density-ratio filter. <paramref name="input"/> is the
    /// training data. <paramref name="trace"/>, when given, records each column's shape after each stage (a diagnostic).
    /// </summary>
    internal static GanModel Settle(GanModel model, IDataView input, int seed, Options options, Action checkAlive, Action<string> log, CalibrationTrace? trace = null)
    {
        try
        {
            if (options.ExactMarginals)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                model = MarginalCalibration.Run(model, seed, checkAlive, trace);
                if (GroupedTables(model) is { Length: > 0 } tables) log($"Categories with a map of their own after calibration: {tables}.");
                log($"Calibrated the columns' shares, missing rates and numeric distributions onto the training ones in {clock.Elapsed.TotalSeconds:F1} s.");
            }
            if (options.DensityRatioFilter)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                (model, var result, bool filtered) = DensityRatioTraining.Attach(model, input, seed, options.ExactMarginals, checkAlive, trace: trace);
                log($"Trained the density-ratio filter in {clock.Elapsed.TotalSeconds:F1} s ({result.Epochs} epochs): its classifier tells held-out training rows " +
                    $"from generated ones with AUC {result.HeldOutAuc:F3}; " + (filtered
                        ? $"it keeps {model.Filter!.Acceptance:P0} of the generated rows" +
                          (double.IsNaN(result.ShapesWith) ? "." : $" (column shapes {result.ShapesWith:F3}, {result.ShapesWithout:F3} without it).")
                        : result.HeldOutAuc < DensityRatioTraining.MinimumAuc
                        ? $"below {DensityRatioTraining.MinimumAuc:F2} it has nothing to correct, so the model has no filter."
                        : $"the rows it would keep fit the training columns worse (column shapes {result.ShapesWith:F3} against {result.ShapesWithout:F3} without it), so the model has no filter."));
                if (filtered && GroupedTables(model) is { Length: > 0 } tables) log($"Categories with a map of their own through the filter: {tables}.");
            }
            return model;
        }
        catch { model.Dispose(); throw; } // cancelled: no model, and its weights freed
    }

    /// <summary>How many categories each grouped column maps within ("listings 35 of city"); empty without groups.</summary>
    private static string GroupedTables(GanModel model) => string.Join(", ", model.Encoder.Columns.OfType<NumericColumn>()
        .Where(c => c.Marginal is { MapsGroups: true }).Select(c => $"'{c.Name}' {c.Marginal!.GroupCategories.Count} of '{c.Marginal.Group}'"));

    /// <summary>
    /// The schema <c>Fit(x).Transform(y)</c> returns for an input of schema <paramref name="inputSchema"/>, which must
    /// hold what both need: the training columns, with types the GAN models (for Fit), and the noise column
    /// (<see cref="Options.NoiseColumnName"/>, a vector of Single, <see cref="Options.NoiseDimension"/> long) that
    /// <see cref="GanTransformer.Transform"/> generates from. The output is the input's columns followed by one
    /// generated column per training column, with its name and type (hiding an input column of that name).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has a type that does not fit; the message names it, the type found and the type expected.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var names = _options.Columns ?? inputSchema.Where(c => !IsNoise(c.Name, c.Kind == SchemaShape.Column.VectorKind.Vector)).Select(c => c.Name).ToArray();
        var generated = new List<SchemaShape.Column>();
        foreach (string name in names)
        {
            var column = inputSchema.FirstOrDefault(c => c.Name == name);
            if (column.Name is null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Column '{name}' was not found in the training data. Its columns are: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}.");
            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || ColumnKinds.Find(column.ItemType) is null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Column '{name}' has type {(column.Kind == SchemaShape.Column.VectorKind.Scalar ? column.ItemType.ToString() : $"Vector<{column.ItemType}>")}, " +
                    $"which the GAN cannot model. Supported types: {ColumnKinds.SupportedTypes}. Convert it or leave it out of Options.Columns.");
            CheckName(name);
            generated.Add(column); // a generated column has its training column's name and type
        }

        string noise = _options.NoiseColumnName;
        var noiseColumn = inputSchema.FirstOrDefault(c => c.Name == noise);
        if (noiseColumn.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"The input has no noise column '{noise}': Transform generates one row per noise vector (vector of Single, {_options.NoiseDimension} long) " +
                $"it reads from that column. Add it to the data (the name is Options.NoiseColumnName), or call Fit and then GanTransformer.Generate, which needs none.");
        if (noiseColumn.Kind != SchemaShape.Column.VectorKind.Vector || noiseColumn.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Noise column '{noise}' has type {(noiseColumn.Kind == SchemaShape.Column.VectorKind.Scalar ? noiseColumn.ItemType.ToString() : $"Vector<{noiseColumn.ItemType}>")}; " +
                $"it must be a vector of Single, {_options.NoiseDimension} long (Options.NoiseDimension).");

        var output = inputSchema.Where(c => !generated.Any(g => g.Name == c.Name)).ToList();
        output.AddRange(generated);
        return new SchemaShape(output);
    }

    private string[] ResolveColumns(DataViewSchema schema)
    {
        var names = _options.Columns ?? schema.Where(c => !c.IsHidden && !IsNoise(c.Name, c.Type is VectorDataViewType)).Select(c => c.Name).ToArray();
        if (names.Length == 0) throw new ArgumentOutOfRangeException(nameof(schema), "The training data has no columns.");
        foreach (string name in names)
        {
            TabularEncoder.CheckColumn(schema, name);
            CheckName(name);
        }
        return names;
    }

    /// <summary>
    /// Whether a column is the noise a pipeline's data carries for Transform (a vector named <see cref="Options.NoiseColumnName"/>),
    /// which training leaves out; a scalar of that name is a training column, and refused by name.
    /// </summary>
    private bool IsNoise(string name, bool vector) => vector && name == _options.NoiseColumnName;

    /// <summary>
    /// Refused at Fit, not at the first save: a name of only white space (ML.NET's model files cannot hold it), and
    /// every name the generator's graph uses for an input.
    /// </summary>
    private void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl))
            throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' has a name that is empty, only white space or holds control characters: ML.NET's model files cannot carry it. " +
                "Rename the column (for example with mlContext.Transforms.CopyColumns) before training.");
        var reserved = GeneratorSignature.ReservedNames(_options.NoiseColumnName, _options.DensityRatioFilter);
        if (reserved.Contains(name))
            throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' has the name of an input of the generator ('{reserved[0]}' takes the noise, '{reserved[1]}' the condition, " +
                $"'{reserved[2]}' the category draws{(reserved.Count > 3 ? $", '{reserved[3]}' is the density-ratio filter's output" : "")}). " +
                $"Rename the column, or set Options.NoiseColumnName to another name if it is '{reserved[0]}'.");
    }
}
