using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// The library's training arithmetic written directly in TorchSharp, as the floor its overhead is measured
/// against: the same generator and discriminator (same layers and widths), the same batch size, the same number of
/// discriminator and generator updates with Adam (same rates, betas and weight decay), forward and backward passes
/// on random tensors of the encoded width. Left out, on purpose: reading and encoding the table, minibatch
/// sampling, output heads (tanh, Gumbel-softmax), statistics read back per step (losses, scores, gradient norms).
/// Epochs are run one at a time so that they can be interleaved with the library's.
/// </summary>
internal sealed class BareTrainingLoop : IDisposable
{
    // Stand-in "real rows": a few batches of random numbers, taken in turn (a narrow is a view, no copy).
    private const int RealBatches = 16;

    private readonly GanShapes _shapes;
    private readonly Sequential _generator;
    private readonly Sequential _discriminator;
    private readonly optim.Optimizer _optimizerG;
    private readonly optim.Optimizer _optimizerD;
    private readonly Tensor _table;
    private long _realBatch;

    public BareTrainingLoop(GanShapes shapes, int seed)
    {
        _shapes = shapes;
        var o = shapes.Options;
        using var rng = new torch.Generator((ulong)seed);
        _generator = BareNetworks.Generator(shapes);
        _discriminator = BareNetworks.Discriminator(shapes);
        _optimizerG = optim.Adam(_generator.parameters(), o.GeneratorLearningRate, o.AdamBeta1, o.AdamBeta2, weight_decay: o.GeneratorWeightDecay);
        _optimizerD = optim.Adam(_discriminator.parameters(), o.DiscriminatorLearningRate, o.AdamBeta1, o.AdamBeta2, weight_decay: o.DiscriminatorWeightDecay);
        _table = randn([RealBatches * shapes.BatchSize, shapes.Width], generator: rng);
        _generator.train();
        _discriminator.train();
    }

    /// <summary>Runs <paramref name="generatorSteps"/> generator updates, each after k discriminator updates; returns the seconds taken.</summary>
    public double RunEpoch(int generatorSteps)
    {
        int batch = _shapes.BatchSize, noise = _shapes.NoiseDimension;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < generatorSteps; step++)
        {
            for (int k = 0; k < _shapes.DiscriminatorStepsPerGeneratorStep; k++)
            {
                using var scope = NewDisposeScope();
                var real = _table.narrow(0, _realBatch++ % RealBatches * batch, batch);
                Tensor fake;
                using (no_grad()) fake = _generator.forward(randn(batch, noise));
                var loss = softplus(-_discriminator.forward(real).squeeze(1)).mean() + softplus(_discriminator.forward(fake).squeeze(1)).mean();
                _optimizerD.zero_grad();
                loss.backward();
                _optimizerD.step();
            }
            using (NewDisposeScope())
            {
                var fake = _generator.forward(randn(batch, noise));
                var loss = softplus(-_discriminator.forward(fake).squeeze(1)).mean();
                _optimizerG.zero_grad();
                loss.backward();
                _optimizerG.step();
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _table.Dispose();
        _optimizerG.Dispose();
        _optimizerD.Dispose();
        _generator.Dispose();
        _discriminator.Dispose();
    }
}

/// <summary>
/// The generator's forward pass alone, as generation's floor: evaluation mode, no gradients, torch.randn noise,
/// batches of a fixed size. Optionally copies each output batch into a .NET array, which any generation that
/// decodes in .NET has to do.
/// </summary>
internal sealed class BareGenerator : IDisposable
{
    private readonly GanShapes _shapes;
    private readonly int _batch;
    private readonly Sequential _generator;
    private readonly float[] _output;

    public BareGenerator(GanShapes shapes, int batch)
    {
        _shapes = shapes;
        _batch = batch;
        _generator = BareNetworks.Generator(shapes);
        _generator.eval();
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
            var y = _generator.forward(randn(b, _shapes.NoiseDimension));
            if (copyOut) y.data<float>().CopyTo(_output, 0);
        }
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose() => _generator.Dispose();
}

/// <summary>The two networks as the library builds them (see src/Microsoft.ML.Gan/Networks/GanNetworks.cs).</summary>
internal static class BareNetworks
{
    /// <summary>G: per hidden layer Linear, BatchNorm1d (when on), ReLU; then Linear to the encoded width.</summary>
    public static Sequential Generator(GanShapes s)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = s.NoiseDimension;
        for (int i = 0; i < s.GeneratorLayers.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, s.GeneratorLayers[i])));
            if (s.GeneratorBatchNorm) modules.Add(($"norm{i}", nn.BatchNorm1d(s.GeneratorLayers[i])));
            modules.Add(($"relu{i}", nn.ReLU()));
            width = s.GeneratorLayers[i];
        }
        modules.Add(("output", nn.Linear(width, s.Width)));
        return nn.Sequential(modules);
    }

    /// <summary>D: per hidden layer Linear, LeakyReLU(0.2), Dropout (when on); then Linear to one logit.</summary>
    public static Sequential Discriminator(GanShapes s)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = s.Width;
        for (int i = 0; i < s.DiscriminatorLayers.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, s.DiscriminatorLayers[i])));
            modules.Add(($"leaky{i}", nn.LeakyReLU(0.2)));
            if (s.DiscriminatorDropout > 0) modules.Add(($"dropout{i}", nn.Dropout(s.DiscriminatorDropout)));
            width = s.DiscriminatorLayers[i];
        }
        modules.Add(("output", nn.Linear(width, 1)));
        return nn.Sequential(modules);
    }
}
