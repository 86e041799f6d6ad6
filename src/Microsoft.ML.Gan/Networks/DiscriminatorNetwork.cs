using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// D(x, c): a multilayer perceptron from encoded rows (with their condition vectors) to one logit per pack of
/// <c>pac</c> rows (PacGAN: judging several rows at once lets the discriminator see a lack of diversity, which
/// fights mode collapse). With pac 1 it is the original GAN's discriminator, one logit per row; the probability that
/// the rows are real is the logit's sigmoid (or, for the Wasserstein loss, the logit is the critic's value).
/// Hidden layers are Linear, LeakyReLU(0.2), Dropout.
/// </summary>
internal sealed class DiscriminatorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;
    private readonly int _packedWidth;

    /// <param name="random">The training's own generator, for the dropout masks.</param>
    public DiscriminatorNetwork(int inputWidth, IReadOnlyList<int> hidden, double dropout, int pac, torch.Generator random)
        : base("discriminator")
    {
        Pac = pac;
        _packedWidth = inputWidth * pac;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = _packedWidth;
        for (int i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            modules.Add(($"leaky{i}", new LeakyRelu(0.2)));
            if (dropout > 0) modules.Add(($"dropout{i}", new SeededDropout(dropout, random)));
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
