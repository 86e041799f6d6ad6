using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.DataViews;
using Microsoft.ML.Gan.Generation;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan;

/// <summary>
/// A trained GAN: generates synthetic rows in the training table's schema. Immutable after
/// <see cref="GanTrainer.Fit(IDataView)"/>. <see cref="Generate(long, int?)"/> makes rows from a seed; <see cref="Transform"/> scores a
/// noise column, the ML.NET pipeline way. Either way the generator runs as an ONNX graph (decoding included)
/// through ONNX Runtime, on the CPU or a GPU (<see cref="GanScoringOptions"/>). Safe to use from several threads at once.
/// </summary>
public sealed class GanTransformer : ITransformer, IDisposable
{
    private readonly MLContext _ml;
    private readonly IHost _host;
    private readonly GanModel _model;
    private readonly GanScoringOptions _scoring;
    private readonly GeneratorSession _session;
    private readonly object _seedLock = new();
    private readonly GanColumnInfo[] _columns;
    private readonly GanColumnDependency[] _dependencies;
    private readonly GanColumnTrend[] _trends;
    private readonly GanColumnFormula[] _formulas;
    private readonly GanColumnCombination[] _combinations;
    private readonly GanCategoryThresholds[] _thresholds;
    private readonly GanCategoryExclusion[] _exclusions;
    private readonly GanConstraint[] _constraints;

    /// <param name="ml">The caller's context: its log, random source and cancellation reach every part.</param>
    /// <param name="model">The model; the transformer owns it and disposes it.</param>
    /// <param name="scoring">Where the generator runs; null for the CPU.</param>
    internal GanTransformer(MLContext ml, GanModel model, GanScoringOptions? scoring)
    {
        _ml = ml;
        _host = ((IHostEnvironment)ml).Register(nameof(GanTransformer));
        _model = model;
        _scoring = (scoring ?? new GanScoringOptions()).Clone();
        _scoring.Validate();
        _session = new GeneratorSession(_model, _scoring, provider =>
        {
            using var channel = _host.Start("Scoring");
            channel.Info(MessageSensitivity.None, $"Scoring the generator with ONNX Runtime on {provider.Name}: {provider.Explanation}.");
        });
        _columns = Enumerable.Range(0, model.Encoder.VisibleCount).Select(model.Encoder.Info).ToArray(); // a combination's hidden category is no column of the table
        _dependencies = model.Encoder.Dependencies.Select(d => d.ToInfo()).ToArray();
        _trends = model.Encoder.Trends.Select(t => t.ToInfo() with { AfterFormulas = model.Encoder.TrendsAfterFormulas.Contains(t) }).ToArray();
        _formulas = model.Encoder.Formulas.Select(f => f.ToInfo()).ToArray();
        _combinations = model.Encoder.Combinations.Select(c => c.ToInfo()).ToArray();
        _thresholds = model.Encoder.Thresholds.Select(t => t.ToInfo()).ToArray();
        _exclusions = model.Encoder.Exclusions.Select(x => x.ToInfo()).ToArray();
        _constraints = model.Encoder.Constraints?.Rules.ToArray() ?? [];
    }

    internal GanModel Model => Alive(_model);

    /// <summary>Where rows are generated (ONNX Runtime, made on first use), and the lifetime every use holds.</summary>
    internal GeneratorSession Session => Alive(_session);

    /// <summary>Returns <paramref name="value"/>, or throws <see cref="ObjectDisposedException"/> once this transformer is disposed.</summary>
    private T Alive<T>(T value)
    {
        _session.Lifetime.ThrowIfEnded();
        return value;
    }

    /// <summary>The schema of generated rows: the training columns, with their names, types and order.</summary>
    public DataViewSchema TrainingSchema => Alive(_model.Schema);

    /// <summary>What the model learned about each column: type, range, categories and their frequencies, missing rate.</summary>
    public IReadOnlyList<GanColumnInfo> Columns => Alive(_columns);

    /// <summary>
    /// The rules between columns that every training row obeys and every generated row obeys too (found when
    /// <see cref="GanTrainer.Options.ExactDependencies"/> is on), in the order they apply.
    /// </summary>
    public IReadOnlyList<GanColumnDependency> Dependencies => Alive(_dependencies);

    /// <summary>
    /// The number columns that follow another column's curve (found when <see cref="GanTrainer.Options.NumericTrends"/>
    /// is on): generated rows keep them on it.
    /// </summary>
    public IReadOnlyList<GanColumnTrend> Trends => Alive(_trends);

    /// <summary>
    /// The number columns that others make exactly in every training row (found when
    /// <see cref="GanTrainer.Options.NumericFormulas"/> is on), in the order they apply: generated rows are made to keep them.
    /// </summary>
    public IReadOnlyList<GanColumnFormula> Formulas => Alive(_formulas);

    /// <summary>
    /// The number columns whose values come only in the training rows' combinations (found when
    /// <see cref="GanTrainer.Options.NumericCombinations"/> is on): every generated row takes one of them.
    /// </summary>
    public IReadOnlyList<GanColumnCombination> Combinations => Alive(_combinations);

    /// <summary>
    /// The categorical columns that thresholds on other columns fix (found when
    /// <see cref="GanTrainer.Options.CategoryThresholds"/> is on), then those that step along a number within each
    /// entity (<see cref="GanTrainer.Options.CategorySteps"/>: thresholds on the entity's category and the number), in
    /// the order they apply: every generated row's category is the one its values give.
    /// </summary>
    public IReadOnlyList<GanCategoryThresholds> CategoryThresholds => Alive(_thresholds);

    /// <summary>
    /// The pairs of categories no generated row holds (found when <see cref="GanTrainer.Options.CategoryExclusions"/> is
    /// on): per two categorical columns, the pairs the training rows never hold though their shares expect many.
    /// </summary>
    public IReadOnlyList<GanCategoryExclusion> CategoryExclusions => Alive(_exclusions);

    /// <summary>
    /// The rules every generated row keeps (<see cref="GanTrainer.Options.Constraints"/>). In a loaded model, their
    /// constants are the columns' numbers (a date as microseconds since 1970); their text is as written.
    /// </summary>
    public IReadOnlyList<GanConstraint> Constraints => Alive(_constraints);

    /// <summary>
    /// The rules among <see cref="Constraints"/> that <see cref="GanTrainer.Options.TimeOrders"/> and
    /// <see cref="GanTrainer.Options.NumberOrders"/> found in the training rows (orders between time columns, or numbers
    /// on one scale, that every row kept) rather than the options gave; empty when none.
    /// </summary>
    public IReadOnlyList<GanConstraint> FoundOrders
    {
        get
        {
            var found = new HashSet<string>(Alive(_model).FoundOrders, StringComparer.Ordinal);
            return _constraints.Where(r => found.Contains(r.ToString())).ToArray();
        }
    }

    /// <summary>
    /// With <see cref="GanTrainer.Options.DensityRatioFilter"/>: the share of generated candidate rows the filter keeps
    /// (measured at Fit on rows it was not trained on); generating a row costs about 1 ÷ this many candidates. Null
    /// for a model without a filter.
    /// </summary>
    public double? FilterKeepRate => Alive(_model).Filter?.Acceptance;

    /// <summary>The options the model was trained with (a copy; the progress callback is not kept by saved models).</summary>
    public GanTrainer.Options Options
    {
        get
        {
            var options = Alive(_model.Training).ToOptions();
            // Kept with the columns they derive, not among the plain options; the orders TimeOrders and NumberOrders found are no user's rules
            // (a new Fit finds them again where its rows keep them, and refuses none where they break).
            var found = FoundOrders;
            options.Constraints.AddRange(_constraints.Where(r => !found.Contains(r)));
            foreach (var fake in _model.Encoder.Columns.OfType<Encoding.FakeColumn>()) options.FakeData[fake.Name] = fake.Data; // kept with their columns
            return options;
        }
    }

    /// <summary>The statistics of every training epoch, in order.</summary>
    public IReadOnlyList<GanEpochStatistics> History => Alive(_model.History);

    /// <summary>
    /// The epoch whose generator this model holds: the last one trained, or with
    /// <see cref="GanTrainer.Options.KeepBestEpoch"/> the checked epoch with the best validation score.
    /// </summary>
    public int SelectedEpoch => Alive(_model.SelectedEpoch);

    /// <summary>Length of the noise vectors the generator takes (<see cref="GanTrainer.Options.NoiseDimension"/>).</summary>
    public int NoiseDimension => Alive(_model.NoiseDimension);

    /// <summary>Where the generator runs: ONNX Runtime's CPU provider or a CUDA device, and why (making the session if it is not made yet).</summary>
    public string ScoringProvider
    {
        get
        {
            var provider = _session.Provider;
            return $"{provider.Name}: {provider.Explanation}";
        }
    }

    /// <summary>The scoring options this transformer runs with.</summary>
    public GanScoringOptions ScoringOptions => Alive(_scoring).Clone();

    /// <summary>
    /// The same model, scored with other options (a GPU, a thread count, a batch size). The returned transformer
    /// has its own ONNX Runtime session; dispose it when done.
    /// </summary>
    public GanTransformer WithScoring(GanScoringOptions scoring)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        scoring.Validate();
        using var use = _session.Lifetime.Enter();
        return new GanTransformer(_ml, _model.Copy(), scoring);
    }

    /// <summary>
    /// The same model with the predicate of its rule <paramref name="name"/> (<see cref="GanConstraint.Where"/>) given
    /// again: a model file names such a rule but cannot keep the delegate, so a loaded model refuses to generate until
    /// each is given back. The same generator; its own scoring session (dispose both).
    /// </summary>
    /// <exception cref="ArgumentException">The model has no predicate rule of that name.</exception>
    public GanTransformer WithPredicate(string name, Func<GanRow, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(predicate);
        using var use = _session.Lifetime.Enter();
        var constraints = _model.Encoder.Constraints ?? throw new ArgumentException($"The model has no predicate rule named '{name}': it keeps no constraints.", nameof(name));
        var copy = _model.Copy();
        return new GanTransformer(_ml, copy.WithEncoder(copy.Encoder.WithConstraints(constraints.WithPredicate(name, predicate))), _scoring);
    }

    /// <summary>Rows in the table the model was trained on.</summary>
    public long TrainingRowCount => Alive(_model.TrainingRows);

    /// <summary>Always false: rows are generated in batches, not one input row at a time.</summary>
    public bool IsRowToRowMapper => Alive(false);

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
        CheckCanGenerate(rowCount);
        return new GeneratedDataView(Session, rowCount, Seed(seed));
    }

    /// <summary>
    /// Rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1 of a seed: row i
    /// of a seed depends on (seed, i) alone, so slices made by different threads, processes or machines concatenate to
    /// exactly the rows one <see cref="Generate(long, int?)"/> call makes, with the density-ratio filter, predicate rules
    /// and identifiers too (identifiers are unique across every slice of a seed).
    /// </summary>
    /// <param name="rowCount">How many rows; zero or more.</param>
    /// <param name="seed">Seed of the noise and of the category draws; a slice needs one, so that every slice is of the same rows.</param>
    /// <param name="firstRow">The seed's row the view starts at; zero or more.</param>
    public IDataView Generate(long rowCount, int seed, long firstRow)
    {
        CheckSlice(rowCount, firstRow);
        return new GeneratedDataView(Session, rowCount, Seed(seed), firstRow: firstRow);
    }

    private void CheckSlice(long rowCount, long firstRow)
    {
        if (rowCount < 0) throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, "rowCount must be zero or more.");
        if (firstRow < 0) throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, "firstRow must be zero or more: it is the seed's row the view starts at.");
        if (rowCount > long.MaxValue - firstRow)
            throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, $"firstRow ({firstRow:N0}) + rowCount ({rowCount:N0}) passes the last row a seed has ({long.MaxValue:N0}).");
        CheckCanGenerate(rowCount, firstRow);
    }

    /// <summary>
    /// Refuses to generate from a loaded model that still lacks a predicate its file could not keep, and a row count beyond
    /// what an identifier's format holds (each generated row needs a new identifier).
    /// </summary>
    private void CheckCanGenerate(long rowCount, long firstRow = 0)
    {
        if (Model.Encoder.Constraints?.MissingPredicate is { } missing) throw Encoding.ColumnConstraints.MissingPredicateException(missing);
        foreach (var column in Model.Encoder.Columns.OfType<Encoding.MadeColumn>())
        {
            if (firstRow + rowCount > column.Room)
                throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, $"Column '{column.Name}' is an identifier whose format holds {column.Room:N0} new values " +
                    $"({column.Describe()}); each generated row needs one" + (firstRow == 0
                        ? ". Generate at most that many rows"
                        : $", and rows {firstRow:N0} to {firstRow + rowCount - 1:N0} of a seed would need the {firstRow + rowCount:N0}th. Make slices within the first {column.Room:N0} rows") +
                    ", or train without it in Options.Identifiers.");
        }
    }

    private ulong Seed(int? seed)
    {
        if (seed is int given) return (ulong)(uint)given;
        lock (_seedLock) return (ulong)_host.Rand.NextInt64();
    }

    /// <summary>
    /// Generates <paramref name="rowCount"/> rows that all hold the given values: categories, e.g. income = "&gt;50K" to
    /// add rows of a rare class, and numbers, dates or durations in a <see cref="GanRange"/> (or at one value). Where at
    /// least 2 of every <paramref name="maximumCandidatesPerRow"/> ordinary rows hold the asked values (a trial of 4,096
    /// candidates, made when this is called, measures it), the rows are found among ordinary rows, which follow the
    /// table as the model's calibration and filter make them; rarer values condition a conditional generator (the
    /// default) on the rarest asked-for category, whose rows nothing after training corrects. Numbers have no
    /// condition in the generator, so rows outside their ranges are rejected. Every row returned honours every
    /// condition exactly, because candidate rows that do not are left out. That costs little when the generator honours
    /// its condition; when it cannot find enough rows within <paramref name="maximumCandidatesPerRow"/> candidates a
    /// row, reading the view throws an exception that says how many it found. Once a cursor has read every row, the
    /// MLContext's log says how many candidates it made and what share it kept. Streams like
    /// <see cref="Generate(long, int?)"/>; the same seed gives the same rows.
    /// </summary>
    /// <param name="rowCount">How many rows; zero or more.</param>
    /// <param name="seed">Seed of the noise and draws; null draws one from the MLContext's random source.</param>
    /// <param name="conditions">Column name → category (a string for text, a bool for booleans, the raw key value for keys),
    /// or → a <see cref="GanRange"/> or a single value (a number, DateTime, DateTimeOffset or TimeSpan, as the column holds).</param>
    /// <param name="maximumCandidatesPerRow">Candidate rows allowed per row asked for (at least 10,000 in all). Default 100.</param>
    /// <param name="firstRow">The seed's row the view starts at (see <see cref="Generate(long, int, long)"/>): row i of a seed
    /// under the same conditions is the same row in every slice. Default 0.</param>
    /// <exception cref="ArgumentException">A column is unknown, a value is not one of its categories or of its type, or a range lies outside what the column generates.</exception>
    public IDataView Generate(long rowCount, int? seed, IReadOnlyDictionary<string, object> conditions, int maximumCandidatesPerRow = GanTrainer.Defaults.MaximumCandidatesPerRow, long firstRow = 0)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (maximumCandidatesPerRow < 1) throw new ArgumentOutOfRangeException(nameof(maximumCandidatesPerRow), maximumCandidatesPerRow, "maximumCandidatesPerRow must be 1 or more.");
        CheckSlice(rowCount, firstRow);
        var resolved = RowConditions.Resolve(Model, conditions, maximumCandidatesPerRow).FindOrdinaryShare(_session);
        return new GeneratedDataView(_session, rowCount, Seed(seed), resolved, message =>
        {
            using var channel = _host.Start("Generation");
            channel.Info(MessageSensitivity.None, message);
        }, firstRow);
    }

    /// <summary>
    /// Rows with the asked values from the generator conditioned on the rarest asked category, however common it is
    /// among ordinary rows (what <see cref="Generate(long, int?, IReadOnlyDictionary{string, object}, int, long)"/> did
    /// before it found common values among ordinary rows): for the benchmark's comparison of the two.
    /// </summary>
    internal IDataView GenerateConditioned(long rowCount, int seed, IReadOnlyDictionary<string, object> conditions) =>
        new GeneratedDataView(_session, rowCount, Seed(seed), RowConditions.Resolve(Model, conditions, GanTrainer.Defaults.MaximumCandidatesPerRow));

    /// <summary>
    /// Scores a view with a noise column (<see cref="GanTrainer.Options.NoiseColumnName"/>, vector of Single,
    /// <see cref="NoiseDimension"/> long): returns the input's columns followed by one synthetic column per training
    /// column. A training column named like an input column hides it.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Model.Encoder.Constraints?.Rules.FirstOrDefault(r => r.IsPredicate) is { } predicate)
            throw new InvalidOperationException($"This model keeps the rule '{predicate}', a C# predicate that leaves rows out; Transform makes one row per noise row " +
                "and cannot. Use Generate, which leaves out the rows the predicate refuses.");
        return new NoiseScoredDataView(Session, input);
    }

    /// <summary>The schema <see cref="Transform"/> returns for an input of this schema; checks the noise column.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        NoiseScoredDataView.CheckNoiseColumn(inputSchema, Model);
        return NoiseScoredDataView.BuildSchema(inputSchema, _model);
    }

    /// <summary>Not supported: rows are generated in batches. Use <see cref="Transform"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        _session.Lifetime.ThrowIfEnded();
        throw new NotSupportedException("A GanTransformer generates rows in batches and has no row-to-row mapper; use Transform or Generate.");
    }

    /// <summary>
    /// Saves the model (weights, fitted encoder, options, history) as one zip, written atomically (a temporary file,
    /// then a rename). <see cref="GanCatalog.LoadModel(string, GanScoringOptions?)"/> reads it back.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var use = _session.Lifetime.Enter();
        ModelFile.Save(_model, path);
    }

    /// <summary>Writes the model zip to a stream (left open).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var use = _session.Lifetime.Enter();
        ModelFile.Save(_model, stream);
    }

    /// <summary>
    /// Writes the generator as one ONNX model (default domain, opset 17): noise in, one output per training column
    /// out, decoded to the column's type (text as strings, booleans as bool, keys as their raw unsigned value,
    /// missing numbers as NaN). Its metadata describes the model fully, so <see cref="GanCatalog.LoadOnnx(string, GanScoringOptions?)"/>
    /// rebuilds this transformer from the file alone. Written atomically (a temporary file, then a rename).
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="categorySampling">
    /// How the graph picks categories. Null (the default) writes the graph <see cref="Generate(long, int?)"/> runs: the model's
    /// <see cref="GanTrainer.Options.CategorySampling"/>, Sample unless trained otherwise, which takes a second input
    /// "CategoryDraws" (float [batch, draws], uniform in [0, 1)) so results stay reproducible. ArgMax writes a
    /// graph with the noise as its only input.
    /// </param>
    public void SaveAsOnnx(string path, CategorySampling? categorySampling = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var use = _session.Lifetime.Enter();
        var bytes = _model.ExportOnnx(categorySampling ?? _model.Training.CategorySampling);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the ONNX model to a stream (left open). See <see cref="SaveAsOnnx(string, CategorySampling?)"/>.</summary>
    public void SaveAsOnnx(Stream stream, CategorySampling? categorySampling = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var use = _session.Lifetime.Enter();
        stream.Write(_model.ExportOnnx(categorySampling ?? _model.Training.CategorySampling));
    }

    /// <summary>
    /// Writes the generator as an ONNX graph that takes <paramref name="inputs"/>. <see cref="GanOnnxInputs.Noise"/> is
    /// <see cref="SaveAsOnnx(string, CategorySampling?)"/>'s graph. <see cref="GanOnnxInputs.SeedAndRows"/> takes only
    /// "Seed" (int64 [1], or [rows] for a seed per row) and "Row" (int64 [rows]) and gives, for each index, the row <see cref="Generate(long, int, long)"/>
    /// makes at that position of that seed, bit for bit, with an "Attempt" output (int64 [rows]: the candidate that passed
    /// the density-ratio filter); it needs opset 18 (ONNX Runtime 1.14 or later). Written atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// SeedAndRows for a model loaded from an ONNX file (no weights to write it from), with C# predicate rules (which a graph
    /// cannot apply), or with a column named like one of the graph's own inputs or outputs.
    /// </exception>
    public void SaveAsOnnx(string path, GanOnnxInputs inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var use = _session.Lifetime.Enter();
        var bytes = OnnxBytes(inputs);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the ONNX graph that takes <paramref name="inputs"/> to a stream (left open). See <see cref="SaveAsOnnx(string, GanOnnxInputs)"/>.</summary>
    public void SaveAsOnnx(Stream stream, GanOnnxInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var use = _session.Lifetime.Enter();
        stream.Write(OnnxBytes(inputs));
    }

    private byte[] OnnxBytes(GanOnnxInputs inputs) => inputs switch
    {
        GanOnnxInputs.Noise => _model.ExportOnnx(_model.Training.CategorySampling),
        GanOnnxInputs.SeedAndRows => _model.ExportSeededOnnx(),
        _ => throw new ArgumentOutOfRangeException(nameof(inputs), inputs, $"Not a kind of graph inputs: use {nameof(GanOnnxInputs.Noise)} or {nameof(GanOnnxInputs.SeedAndRows)}."),
    };

    /// <summary>
    /// Lets <c>mlContext.Model.Save</c> store this transformer, alone or in a chain. ML.NET can only load its own
    /// transformer kinds, so the model is stored as an ONNX scoring transform (ApplyOnnxModel) holding the exported
    /// graph and its metadata; <c>mlContext.Model.Load</c> gives that transform back, and
    /// <see cref="GanCatalog.Restore(ITransformer)"/> turns it into a GanTransformer again.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        using var use = _session.Lifetime.Enter();
        MlNetModelBridge.Save(_model, _ml, ctx);
    }

    /// <summary>Frees the generator's native tensors and its ONNX Runtime session.</summary>
    /// <remarks>Waits for generations in flight on other threads; afterwards every member, and every view it made, throws <see cref="ObjectDisposedException"/>.</remarks>
    public void Dispose() => _session.Dispose();
}
