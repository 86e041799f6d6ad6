using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// The library's training arithmetic written directly in TorchSharp, as the floor its overhead is measured
/// against: the same generator and discriminator (<see cref="BareNetworks"/>), the same batch and pack sizes, the
/// same number of discriminator and generator updates with the same optimizer settings, and the same losses: for
/// WGAN-GP the critic loss with its gradient penalty (a double backward), and for a conditional generator the
/// condition vector concatenated to both networks' inputs and the cross-entropy term on the conditioned column.
/// Everything runs on random tensors of the library's widths. Left out, on purpose: reading and encoding the table,
/// training-by-sampling (conditions and targets are drawn once, uniformly, and reused in turn), output heads (tanh,
/// Gumbel-softmax), statistics read back per step (losses, scores, gradient norms). Epochs are run one at a time so
/// that they can be interleaved with the library's.
/// </summary>
internal sealed class BareTrainingLoop : IDisposable
{
    // Stand-in batches (real rows, conditions, targets), taken in turn: a narrow is a view, no copy.
    private const int Pool = 16;

    private readonly GanShapes _shapes;
    private readonly BareGeneratorNetwork _generator;
    private readonly BareDiscriminatorNetwork _discriminator;
    private readonly optim.Optimizer _optimizerG;
    private readonly optim.Optimizer _optimizerD;
    private readonly Tensor _table;
    private readonly BareConditions? _conditions;
    private readonly BenchDevice _device;
    private long _next;

    public BareTrainingLoop(GanShapes shapes, int seed, BenchDevice device)
    {
        _shapes = shapes;
        _device = device;
        var o = shapes.Options;
        using var rng = new torch.Generator((ulong)seed);
        _generator = BareNetworks.Generator(shapes);
        _discriminator = BareNetworks.Discriminator(shapes);
        _generator.to(device.Torch);
        _discriminator.to(device.Torch);
        _optimizerG = BareNetworks.Optimizer(_generator.parameters(), o, o.GeneratorLearningRate, o.GeneratorWeightDecay);
        _optimizerD = BareNetworks.Optimizer(_discriminator.parameters(), o, o.DiscriminatorLearningRate, o.DiscriminatorWeightDecay);
        using (var table = randn([Pool * shapes.BatchSize, shapes.Width], generator: rng)) _table = table.to(device.Torch);
        _conditions = shapes.Conditional ? new BareConditions(shapes, shapes.BatchSize, Pool, seed, device) : null;
        _generator.train();
        _discriminator.train();
    }

    /// <summary>Runs <paramref name="generatorSteps"/> generator updates, each after k discriminator updates; returns the seconds taken.</summary>
    public double RunEpoch(int generatorSteps)
    {
        int batch = _shapes.BatchSize;
        bool wasserstein = _shapes.Loss == GanLossKind.WassersteinGp;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < generatorSteps; step++)
        {
            for (int k = 0; k < _shapes.DiscriminatorStepsPerGeneratorStep; k++)
            {
                using var scope = NewDisposeScope();
                int slot = (int)(_next++ % Pool);
                var condition = _conditions?.Vectors(slot, batch);
                var real = WithCondition(_table.narrow(0, slot * batch, batch), condition);
                Tensor fake;
                using (no_grad()) fake = WithCondition(_generator.forward(BareNetworks.Input(_shapes, batch, condition, _device)), condition);
                var realScores = _discriminator.forward(real);
                var fakeScores = _discriminator.forward(fake);
                var loss = wasserstein
                    ? fakeScores.mean() - realScores.mean() + GradientPenalty(real, fake)
                    : softplus(-realScores).mean() + softplus(fakeScores).mean();
                _optimizerD.zero_grad();
                loss.backward();
                _optimizerD.step();
            }
            using (NewDisposeScope())
            {
                int slot = (int)(_next++ % Pool);
                var condition = _conditions?.Vectors(slot, batch);
                var raw = _generator.forward(BareNetworks.Input(_shapes, batch, condition, _device));
                var scores = _discriminator.forward(WithCondition(raw, condition));
                var loss = _shapes.Loss switch
                {
                    GanLossKind.Minimax => -softplus(scores).mean(),
                    GanLossKind.NonSaturating => softplus(-scores).mean(),
                    _ => -scores.mean(),
                };
                if (_conditions is not null) loss = loss + _conditions.CrossEntropy(raw, slot);
                _optimizerG.zero_grad();
                loss.backward();
                _optimizerG.step();
            }
        }
        _device.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    private static Tensor WithCondition(Tensor rows, Tensor? condition) => condition is null ? rows : cat([rows, condition], 1);

    /// <summary>
    /// WGAN-GP's penalty on a packed critic: one mixing weight per pack, the gradient of the critic's score with
    /// respect to the mixed rows kept in the graph (create_graph), so that the backward pass differentiates it again.
    /// </summary>
    private Tensor GradientPenalty(Tensor real, Tensor fake)
    {
        int pac = _shapes.Pac;
        long width = real.shape[1];
        var alpha = rand([_shapes.Packs, 1, 1], device: _device.Torch).expand(-1, pac, width).reshape(-1, width);
        var mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(true);
        var score = _discriminator.forward(mixed);
        // The loss's backward goes through this gradient and the critic's forward graph again, so both are kept.
        var gradient = torch.autograd.grad([score], [mixed], [ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norms = gradient.reshape(-1, pac * width).norm(1, keepdim: false, p: 2);
        return (norms - 1).pow(2).mean() * _shapes.GradientPenaltyWeight;
    }

    public void Dispose()
    {
        _table.Dispose();
        _conditions?.Dispose();
        _optimizerG.Dispose();
        _optimizerD.Dispose();
        _generator.Dispose();
        _discriminator.Dispose();
    }
}

/// <summary>
/// The generator's forward pass alone, as generation's floor: evaluation mode, no gradients, torch noise of the
/// model's prior, concatenated with one-hot condition vectors when the model is conditional (drawn once, reused in
/// turn), batches of a fixed size. Optionally copies each output batch into a .NET array, which any generation that
/// decodes in .NET has to do.
/// </summary>
internal sealed class BareGenerator : IDisposable
{
    private const int Pool = 4;

    private readonly GanShapes _shapes;
    private readonly int _batch;
    private readonly BareGeneratorNetwork _generator;
    private readonly BareConditions? _conditions;
    private readonly float[] _output;
    private readonly BenchDevice _device;
    private long _next;

    public BareGenerator(GanShapes shapes, int batch, BenchDevice device, int seed = 1)
    {
        _shapes = shapes;
        _batch = batch;
        _device = device;
        _generator = BareNetworks.Generator(shapes);
        _generator.to(device.Torch);
        _generator.eval();
        _conditions = shapes.Conditional ? new BareConditions(shapes, batch, Pool, seed, device) : null;
        _output = new float[batch * shapes.Width];
    }

    /// <summary>Runs the generator over <paramref name="rows"/> rows; returns the seconds taken.</summary>
    public double Run(long rows, bool copyOut)
    {
        using var _ = no_grad();
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < rows; done += _batch)
        {
            using var scope = NewDisposeScope();
            int b = (int)Math.Min(_batch, rows - done);
            var condition = _conditions?.Vectors((int)(_next++ % Pool), b);
            var y = _generator.forward(BareNetworks.Input(_shapes, b, condition, _device));
            if (copyOut) (_device.IsCuda ? y.cpu() : y).data<float>().CopyTo(_output, 0);
        }
        _device.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _conditions?.Dispose();
        _generator.Dispose();
    }
}

/// <summary>
/// Stand-in conditions: per batch in a pool, one-hot condition vectors (each row picks a categorical column and one
/// of its categories uniformly), the mask of which column each row conditions, and the conditioned category per
/// column as the cross-entropy target. The library draws them by log-frequency from the table each step; the draw
/// is sampling, which the bare loops leave out, and the arithmetic does not depend on which entries are set.
/// </summary>
internal sealed class BareConditions : IDisposable
{
    private readonly GanShapes _shapes;
    private readonly int _batch;
    private readonly Tensor _vectors;          // [pool × batch, condition width]
    private readonly Tensor _masks;            // [pool × batch, condition columns]
    private readonly Tensor[] _targets;        // per condition column: [pool × batch] category indices

    public BareConditions(GanShapes shapes, int batch, int pool, int seed, BenchDevice device)
    {
        _shapes = shapes;
        _batch = batch;
        var blocks = shapes.ConditionBlocks;
        var offsets = new int[blocks.Count];
        for (int d = 1; d < blocks.Count; d++) offsets[d] = offsets[d - 1] + blocks[d - 1].Count;
        int rows = pool * batch;
        var vectors = new float[rows * shapes.ConditionWidth];
        var masks = new float[rows * blocks.Count];
        var targets = blocks.Select(_ => new long[rows]).ToArray();
        var random = new Random(seed);
        for (int r = 0; r < rows; r++)
        {
            int d = random.Next(blocks.Count);
            int level = random.Next(blocks[d].Count);
            vectors[r * shapes.ConditionWidth + offsets[d] + level] = 1f;
            masks[r * blocks.Count + d] = 1f;
            targets[d][r] = level;
        }
        _vectors = tensor(vectors, [rows, shapes.ConditionWidth], device: device.Torch);
        _masks = tensor(masks, [rows, blocks.Count], device: device.Torch);
        _targets = targets.Select(t => tensor(t, ScalarType.Int64, device: device.Torch)).ToArray();
    }

    /// <summary>The first <paramref name="rows"/> condition vectors of batch <paramref name="slot"/> (a view).</summary>
    public Tensor Vectors(int slot, int rows) => _vectors.narrow(0, (long)slot * _batch, rows);

    /// <summary>
    /// The conditional generator's extra loss on batch <paramref name="slot"/>: per condition column, the
    /// cross-entropy of the generator's logits on that column's span against the row's category, kept where the row
    /// conditions that column; summed and averaged over the batch.
    /// </summary>
    public Tensor CrossEntropy(Tensor raw, int slot)
    {
        long start = (long)slot * _batch, rows = raw.shape[0];
        var mask = _masks.narrow(0, start, rows);
        Tensor? total = null;
        for (int d = 0; d < _shapes.ConditionBlocks.Count; d++)
        {
            var block = _shapes.ConditionBlocks[d];
            var term = cross_entropy(raw.narrow(1, block.RowStart, block.Count), _targets[d].narrow(0, start, rows), reduction: nn.Reduction.None)
                * mask.select(1, d);
            total = total is null ? term : total + term;
        }
        return total!.sum() / rows;
    }

    public void Dispose()
    {
        _vectors.Dispose();
        _masks.Dispose();
        foreach (var t in _targets) t.Dispose();
    }
}

/// <summary>The two networks as the library builds them (see src/Microsoft.ML.Gan/Networks/GanNetworks.cs), and their inputs.</summary>
internal static class BareNetworks
{
    public static BareGeneratorNetwork Generator(GanShapes s) => new(s);

    public static BareDiscriminatorNetwork Discriminator(GanShapes s) => new(s);

    /// <summary>The generator's input for <paramref name="rows"/> rows: noise from the model's prior, then the condition vectors.</summary>
    public static Tensor Input(GanShapes s, int rows, Tensor? condition, BenchDevice device)
    {
        var noise = s.Options.NoisePrior == NoisePrior.Uniform ? rand(rows, s.NoiseDimension, device: device.Torch) * 2 - 1 : randn(rows, s.NoiseDimension, device: device.Torch);
        return condition is null ? noise : cat([noise, condition], 1);
    }

    public static optim.Optimizer Optimizer(IEnumerable<Parameter> parameters, GanTrainer.Options o, double rate, double decay) => o.Optimizer switch
    {
        GanOptimizerKind.Adam => optim.Adam(parameters, rate, o.AdamBeta1, o.AdamBeta2, weight_decay: decay),
        GanOptimizerKind.SgdMomentum => optim.SGD(parameters, rate, o.Momentum, weight_decay: decay),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Optimizer, "Unknown optimizer."),
    };
}

/// <summary>
/// G: per hidden layer Linear, BatchNorm1d (when on), ReLU; with residual layers the layer's output is concatenated
/// with its input, so each layer (and the output layer) reads every earlier width; then Linear to the encoded width.
/// </summary>
internal sealed class BareGeneratorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Sequential> _hidden;
    private readonly Linear _output;
    private readonly bool _residual;

    public BareGeneratorNetwork(GanShapes s) : base("bare_generator")
    {
        _residual = s.GeneratorResidual;
        var layers = s.GeneratorLayerShapes;
        var hidden = new List<Sequential>();
        for (int i = 0; i + 1 < layers.Length; i++)
        {
            var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ($"linear{i}", nn.Linear(layers[i].In, layers[i].Out)) };
            if (s.GeneratorBatchNorm) modules.Add(($"norm{i}", nn.BatchNorm1d(layers[i].Out)));
            modules.Add(($"relu{i}", nn.ReLU()));
            hidden.Add(nn.Sequential(modules));
        }
        _hidden = nn.ModuleList(hidden.ToArray());
        _output = nn.Linear(layers[^1].In, layers[^1].Out);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _hidden)
        {
            var h = layer.forward(x);
            x = _residual ? cat([h, x], 1) : h;
        }
        return _output.forward(x);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hidden.Dispose();
            _output.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// D: one score per pack of Pac consecutive rows (the rows are reshaped side by side); per hidden layer Linear,
/// LeakyReLU(0.2), Dropout (when on); then Linear to one logit.
/// </summary>
internal sealed class BareDiscriminatorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;
    private readonly long _packedWidth;

    public BareDiscriminatorNetwork(GanShapes s) : base("bare_discriminator")
    {
        _packedWidth = s.DiscriminatorInputWidth;
        var layers = s.DiscriminatorLayerShapes;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < layers.Length; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(layers[i].In, layers[i].Out)));
            if (i + 1 == layers.Length) break;
            modules.Add(($"leaky{i}", nn.LeakyReLU(0.2)));
            if (s.DiscriminatorDropout > 0) modules.Add(($"dropout{i}", nn.Dropout(s.DiscriminatorDropout)));
        }
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public override Tensor forward(Tensor rows) => _layers.forward(rows.reshape(-1, _packedWidth)).squeeze(1);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}
