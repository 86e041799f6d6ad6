using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// G(z, c): a multilayer perceptron from the noise vector (and the condition vector, when the model is
/// conditional) to one raw encoded row. Each hidden layer is Linear, optional batch normalisation, ReLU; with
/// residual layers (CTGAN's) each layer's output is concatenated with its input, so later layers and the output
/// see every earlier representation. The heads (tanh, softmax) are applied by <see cref="OutputHeads"/>, so the
/// same raw output serves training (Gumbel-softmax) and generation.
/// </summary>
internal sealed class GeneratorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly List<(Linear Linear, BatchNorm1d? Norm)> _hidden = [];
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _modules;

    public GeneratorNetwork(int inputWidth, IReadOnlyList<int> hidden, int outputWidth, bool batchNorm, bool residual)
        : base("generator")
    {
        Residual = residual;
        InputWidth = inputWidth;
        var modules = new List<nn.Module<Tensor, Tensor>>();
        int width = inputWidth;
        for (int i = 0; i < hidden.Count; i++)
        {
            var linear = nn.Linear(width, hidden[i]);
            BatchNorm1d? norm = batchNorm ? nn.BatchNorm1d(hidden[i]) : null;
            modules.Add(linear);
            if (norm is not null) modules.Add(norm);
            _hidden.Add((linear, norm));
            width = residual ? width + hidden[i] : hidden[i];
        }
        Output = nn.Linear(width, outputWidth);
        modules.Add(Output);
        _modules = nn.ModuleList(modules.ToArray());
        RegisterComponents();
    }

    /// <summary>Noise width plus condition width.</summary>
    public int InputWidth { get; }

    /// <summary>Whether each hidden layer's output is concatenated with its input.</summary>
    public bool Residual { get; }

    /// <summary>Each hidden layer's linear map and batch norm, in order (for exporting the weights).</summary>
    internal IReadOnlyList<(Linear Linear, BatchNorm1d? Norm)> HiddenLayers => _hidden;

    internal Linear Output { get; }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (linear, norm) in _hidden)
        {
            var h = linear.forward(x);
            if (norm is not null) h = norm.forward(h);
            h = nn.functional.relu(h);
            x = Residual ? cat([h, x], 1) : h;
        }
        return Output.forward(x);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _modules.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// D(x, c): a multilayer perceptron from encoded rows (with their condition vectors) to one logit per pack of
/// <c>pac</c> rows (PacGAN: judging several rows at once lets the discriminator see a lack of diversity, which
/// fights mode collapse). With pac 1 it is the seed's discriminator, one logit per row; the probability that
/// the rows are real is the logit's sigmoid (or, for the Wasserstein loss, the logit is the critic's value).
/// Hidden layers are Linear, LeakyReLU(0.2), Dropout.
/// </summary>
internal sealed class DiscriminatorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;
    private readonly int _packedWidth;

    public DiscriminatorNetwork(int inputWidth, IReadOnlyList<int> hidden, double dropout, int pac = 1)
        : base("discriminator")
    {
        Pac = pac;
        _packedWidth = inputWidth * pac;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = _packedWidth;
        for (int i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            modules.Add(($"leaky{i}", nn.LeakyReLU(0.2)));
            if (dropout > 0) modules.Add(($"dropout{i}", nn.Dropout(dropout)));
            width = hidden[i];
        }
        modules.Add(("output", nn.Linear(width, 1)));
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <summary>Rows judged together; the batch must be a multiple of it.</summary>
    public int Pac { get; }

    /// <summary>The logit of D, one per pack of <see cref="Pac"/> consecutive rows (shape [rows / pac]).</summary>
    public override Tensor forward(Tensor rows) => _layers.forward(rows.reshape(-1, _packedWidth)).squeeze(1);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}
