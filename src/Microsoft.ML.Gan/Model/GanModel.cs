using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// The trained artefact: the fitted columns, the options it was trained with, the training history and the
/// generator, as TorchSharp weights (a model trained or loaded from a model zip) and as an ONNX graph with the
/// decoding built in (exported from the weights, or loaded from an .onnx file). Immutable; scoring the graph is
/// <see cref="Scoring.GeneratorSession"/>'s job, reading and writing files <see cref="ModelFile"/>'s.
/// </summary>
internal sealed class GanModel : IDisposable
{
    private readonly byte[]? _loadedGraph;
    private readonly Lazy<byte[]> _scoringGraph;

    /// <summary>
    /// A model from its parts: <paramref name="generator"/> is the trained network, or null for a model loaded from
    /// ONNX (then <paramref name="graph"/> is its graph).
    /// </summary>
    public GanModel(TabularEncoder encoder, TrainingRecord training, GeneratorNetwork? generator, IReadOnlyList<GanEpochStatistics> history,
        long trainingRows, int selectedEpoch, byte[]? graph = null, DensityRatioFilter? filter = null)
    {
        if (generator is null && graph is null) throw new ArgumentException("A model needs its generator's weights or its ONNX graph.");
        Encoder = encoder;
        Training = training;
        Generator = generator;
        History = history;
        TrainingRows = trainingRows;
        SelectedEpoch = selectedEpoch;
        Generator?.eval();
        Filter = filter;
        _loadedGraph = graph;
        Schema = encoder.BuildSchema();
        Layout = new ConditionLayout(encoder);
        Signature = SignatureFor(training.CategorySampling);
        _scoringGraph = new Lazy<byte[]>(() => ExportOnnx(training.CategorySampling));
    }

    public TabularEncoder Encoder { get; }

    /// <summary>The options the model was trained with.</summary>
    public TrainingRecord Training { get; }

    /// <summary>The rules among the encoder's constraints that <see cref="GanTrainer.Options.TimeOrders"/> and <see cref="GanTrainer.Options.NumberOrders"/> found (as written), not the options gave.</summary>
    public IReadOnlyList<string> FoundOrders { get; init; } = [];

    /// <summary>The TorchSharp generator; null when the model was loaded from an ONNX file.</summary>
    public GeneratorNetwork? Generator { get; }
    public IReadOnlyList<GanEpochStatistics> History { get; }
    public long TrainingRows { get; }
    public int SelectedEpoch { get; }
    public DataViewSchema Schema { get; }
    public int NoiseDimension => Training.NoiseDimension;

    /// <summary>The density-ratio filter generated rows pass (<see cref="GanTrainer.Options.DensityRatioFilter"/>); null for none.</summary>
    public DensityRatioFilter? Filter { get; }

    /// <summary>The same model with <paramref name="filter"/> (sharing the generator: dispose only one of the two).</summary>
    public GanModel WithFilter(DensityRatioFilter? filter) =>
        new(Encoder, Training, Generator, History, TrainingRows, SelectedEpoch, _loadedGraph, filter) { FoundOrders = FoundOrders };

    /// <summary>The same model over recalibrated columns (sharing the generator: dispose only one of the two).</summary>
    public GanModel WithEncoder(TabularEncoder encoder) =>
        new(encoder, Training, Generator, History, TrainingRows, SelectedEpoch, _loadedGraph, Filter) { FoundOrders = FoundOrders };

    /// <summary>The condition vector's layout over the categorical columns.</summary>
    public ConditionLayout Layout { get; }

    /// <summary>Whether the generator takes a condition vector (trained with one, and the table has categorical columns).</summary>
    public bool Conditional => Training.ConditionalGenerator && Layout.Width > 0;

    /// <summary>The inputs and outputs of the graph that <see cref="ScoringGraph"/> holds.</summary>
    public GeneratorSignature Signature { get; }

    /// <summary>The graph generation runs: the one loaded, or exported with the model's own category sampling.</summary>
    public byte[] ScoringGraph => _scoringGraph.Value;

    /// <summary>The signature of the graph that picks categories by <paramref name="sampling"/>.</summary>
    public GeneratorSignature SignatureFor(CategorySampling sampling) =>
        new(Training.NoiseColumnName, Training.NoiseDimension, Training.NoisePrior, Conditional ? Layout : null, Encoder, sampling, Filter is not null);

    /// <summary>The shape of the generator a model of these columns and options has, as training built it.</summary>
    public static GeneratorShape ShapeFor(TabularEncoder encoder, TrainingRecord training) =>
        GeneratorShape.For(encoder, new ConditionLayout(encoder), training.NoiseDimension, training.GeneratorLayers,
            training.GeneratorBatchNorm, training.GeneratorResidual, training.ConditionalGenerator);

    /// <summary>
    /// The generator and its decoding as an ONNX model, categories chosen by <paramref name="sampling"/>. A model
    /// loaded from ONNX has only the graph it was loaded from.
    /// </summary>
    public byte[] ExportOnnx(CategorySampling sampling)
    {
        if (Generator is null)
        {
            if (sampling != Training.CategorySampling)
                throw new InvalidOperationException(
                    $"This model was loaded from an ONNX graph that picks categories by {Training.CategorySampling}; it has no weights to " +
                    $"write a {sampling} graph from. Export that graph from the trained model (or its Save zip).");
            return _loadedGraph!;
        }
        var signature = SignatureFor(sampling);
        return GeneratorGraph.Build(Encoder, FoldedGenerator.From(Generator), signature, Filter, OnnxMetadata.Create(Describe(sampling), signature));
    }

    /// <summary>
    /// The self-contained graph (<see cref="RowStreamGraph"/>): a seed and row indices in, the rows Generate makes out.
    /// Needs the trained weights, and a model whose every rule the graph can keep.
    /// </summary>
    public byte[] ExportSeededOnnx()
    {
        if (Generator is null)
            throw new InvalidOperationException(
                "This model was loaded from an ONNX graph: it has no weights to write the seed-and-rows graph from. Export that graph from the trained model (or its Save zip).");
        if (Encoder.Constraints is { HasPredicates: true } constraints)
            throw new InvalidOperationException(
                $"This model has predicate rules ({string.Join(", ", constraints.Rules.Where(r => r.IsPredicate).Select(r => $"'{r}'"))}), which are C# code that .NET's " +
                "Generate applies and an ONNX graph cannot: the seed-and-rows graph would make rows Generate refuses. Export the noise-input graph and apply the rules to its rows.");
        var taken = Encoder.Columns.Take(Encoder.VisibleCount).Where(c => c is not MadeColumn).Select(c => c.Name).Intersect(RowStreamGraph.ReservedNames, StringComparer.Ordinal).ToList();
        if (taken.Count > 0)
            throw new InvalidOperationException(
                $"Column '{taken[0]}' has a name the seed-and-rows graph gives its own input or output ({string.Join(", ", RowStreamGraph.ReservedNames)}): " +
                "an ONNX value has one name. Rename the column before training (e.g. with mlContext.Transforms.CopyColumns), or export the noise-input graph.");
        var signature = Signature;
        return RowStreamGraph.Build(Encoder, FoldedGenerator.From(Generator), signature, Filter, OnnxMetadata.Create(Describe(signature.Sampling), signature, seeded: true));
    }

    /// <summary>The description a model file or graph carries, with the graph's category sampling.</summary>
    public ModelDescription Describe(CategorySampling? sampling = null) => new()
    {
        FormatVersion = ModelDescription.CurrentFormat,
        LibraryVersion = ModelDescription.LibraryVersionNow,
        TrainingRows = TrainingRows,
        SelectedEpoch = SelectedEpoch,
        Options = sampling is { } s ? Training.With(s) : Training,
        Columns = Encoder.Columns.Select(c => c.ToState()).ToArray(),
        Dependencies = Encoder.Dependencies.Count > 0 ? Encoder.Dependencies.Select(d => d.ToState()).ToArray() : null,
        Constraints = Encoder.Constraints?.ToState(Encoder.Columns),
        FoundOrders = FoundOrders.Count > 0 ? FoundOrders.ToArray() : null,
        Trends = Encoder.Trends.Count > 0 ? Encoder.Trends.Select(TrendState.From).ToArray() : null,
        Formulas = Encoder.Formulas.Count > 0 ? Encoder.Formulas.Select(FormulaState.From).ToArray() : null,
        Combinations = Encoder.Combinations.Count > 0 ? Encoder.Combinations.Select(c => NumericCombinationState.From(c, Encoder.Columns)).ToArray() : null,
        CategoryThresholds = Encoder.Thresholds.Count > 0 ? Encoder.Thresholds.Select(CategoryThresholdsState.From).ToArray() : null,
        Exclusions = Encoder.Exclusions.Count > 0 ? Encoder.Exclusions.Select(x => x.ToState()).ToArray() : null,
        EntityLevels = Encoder.EntityLevels.Count > 0 ? Encoder.EntityLevels.Select(EntityLevelState.From).ToArray() : null,
        StudyEnds = Encoder.StudyEnds.Count > 0 ? Encoder.StudyEnds.Select(StudyEndState.From).ToArray() : null,
        Filter = Filter?.ToState(),
        History = History.ToArray(),
    };

    /// <summary>The same model with its own copy of the generator's weights, so that each copy can be disposed on its own.</summary>
    public GanModel Copy()
    {
        GeneratorNetwork? copy = null;
        if (Generator is not null)
        {
            copy = new GeneratorNetwork(Generator.Shape);
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) Generator.save(writer);
            buffer.Position = 0;
            using (var reader = new BinaryReader(buffer)) copy.load(reader);
        }
        return new GanModel(Encoder, Training, copy, History, TrainingRows, SelectedEpoch, _loadedGraph, Filter) { FoundOrders = FoundOrders };
    }

    /// <summary>The generator's output for these rows computed by TorchSharp (tanh on continuous spans, logits on the others).</summary>
    internal float[] ForwardWithTorch(float[] noise, float[] condition, int rows)
    {
        var generator = Generator ?? throw new InvalidOperationException("This model was loaded from ONNX and has no TorchSharp generator.");
        using var scope = NewDisposeScope();
        using var grad = no_grad();
        var device = generator.parameters().First().device;
        var z = TorchRuntime.Copied(noise, [rows, NoiseDimension], device);
        int width = Signature.ConditionWidth;
        var c = width > 0 ? TorchRuntime.Copied(condition, [rows, width], device) : null;
        return new OutputHeads(Encoder.Spans).ForGeneration(generator.forward(z, c)).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// The reference decoding: TorchSharp's forward pass, then <see cref="TabularEncoder.Decode"/> in .NET.
    /// <paramref name="uniforms"/> holds <see cref="GeneratorSignature.UniformsPerRow"/> uniforms a row, as generation reads them.
    /// </summary>
    internal DecodedRows GenerateWithTorch(float[] noise, float[] uniforms, int rows, CategorySampling sampling, FixedCondition? fixedCondition = null)
    {
        var (draws, condition) = Signature.PrepareRows(uniforms, rows, fixedCondition);
        var into = new DecodedRows(Encoder, rows);
        Encoder.Decode(ForwardWithTorch(noise, condition, rows), draws, rows, sampling, into);
        if (Filter is { } filter)
        {
            var logits = filter.Logits(into, rows);
            var probability = into.KeepBuffers().Probability;
            for (int r = 0; r < rows; r++) probability[r] = filter.KeepProbability(logits[r]);
            into.DecideKept(uniforms, Signature.UniformsPerRow, rows);
        }
        return into;
    }

    public void Dispose() => Generator?.Dispose();
}
