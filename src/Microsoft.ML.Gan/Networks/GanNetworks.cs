using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// G(z): a multilayer perceptron from the noise vector to one raw encoded row. Each hidden layer is
/// Linear, optional batch normalisation, ReLU. The heads (tanh, softmax) are applied by <see cref="OutputHeads"/>,
/// so the same raw output serves training (Gumbel-softmax) and generation (logits decoded in .NET).
/// </summary>
internal sealed class GeneratorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;

    public GeneratorNetwork(int noiseDimension, IReadOnlyList<int> hidden, int outputWidth, bool batchNorm)
        : base("generator")
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var hiddenLayers = new List<(Linear, BatchNorm1d?)>();
        int width = noiseDimension;
        for (int i = 0; i < hidden.Count; i++)
        {
            var linear = nn.Linear(width, hidden[i]);
            modules.Add(($"linear{i}", linear));
            BatchNorm1d? norm = batchNorm ? nn.BatchNorm1d(hidden[i]) : null;
            if (norm is not null) modules.Add(($"norm{i}", norm));
            modules.Add(($"relu{i}", nn.ReLU()));
            hiddenLayers.Add((linear, norm));
            width = hidden[i];
        }
        Output = nn.Linear(width, outputWidth);
        modules.Add(("output", Output));
        HiddenLayers = hiddenLayers;
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <summary>Each hidden layer's linear map and batch norm, in order (for exporting the weights).</summary>
    internal IReadOnlyList<(Linear Linear, BatchNorm1d? Norm)> HiddenLayers { get; }

    internal Linear Output { get; }

    public override Tensor forward(Tensor noise) => _layers.forward(noise);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// D(x): a multilayer perceptron from an encoded row to one logit (the probability that the row is real is
/// its sigmoid). Hidden layers are Linear, LeakyReLU(0.2), Dropout.
/// </summary>
internal sealed class DiscriminatorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;

    public DiscriminatorNetwork(int inputWidth, IReadOnlyList<int> hidden, double dropout)
        : base("discriminator")
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputWidth;
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

    /// <summary>The logit of D(x), one per row (shape [rows]).</summary>
    public override Tensor forward(Tensor rows) => _layers.forward(rows).squeeze(1);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}
