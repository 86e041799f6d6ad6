using Microsoft.ML.Gan.Encoding;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The losses. The seed's are written on the discriminator's logits l (D = sigmoid(l)) so that they never take
/// the log of a saturated sigmoid: -log D = softplus(-l) and -log(1 - D) = softplus(l), both finite for any l.
/// The Wasserstein loss reads l as the critic's value.
/// </summary>
internal static class GanLoss
{
    /// <summary>
    /// The discriminator's loss without the gradient penalty: the seed's J_D = -mean log D(x) - mean log(1 - D(G(z))),
    /// or the critic's mean on generated rows minus its mean on real rows (Wasserstein).
    /// </summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits, GanLossKind kind = GanLossKind.NonSaturating) =>
        kind == GanLossKind.WassersteinGp
            ? fakeLogits.mean() - realLogits.mean()
            : softplus(-realLogits).mean() + softplus(fakeLogits).mean();

    /// <summary>
    /// The generator's loss: Minimax descends mean log(1 - D(G(z))) = -mean softplus(l); NonSaturating descends
    /// -mean log D(G(z)) = mean softplus(-l); Wasserstein descends -mean l.
    /// </summary>
    public static Tensor Generator(Tensor fakeLogits, GanLossKind kind) => kind switch
    {
        GanLossKind.Minimax => -softplus(fakeLogits).mean(),
        GanLossKind.NonSaturating => softplus(-fakeLogits).mean(),
        GanLossKind.WassersteinGp => -fakeLogits.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss kind."),
    };

    /// <summary>
    /// WGAN-GP's gradient penalty (Gulrajani et al. 2017) for a PacGAN critic: weight × mean over packs of
    /// (‖∇ critic(x̂)‖₂ − 1)², where x̂ = α real + (1 − α) fake with one α per pack and the gradient is taken with
    /// respect to the pack's rows together (the pack is one input of the critic).
    /// </summary>
    /// <param name="alpha">One mixing weight in [0, 1) per pack, shape [rows / pac].</param>
    public static Tensor GradientPenalty(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, int pac, Tensor alpha, double weight)
    {
        long width = real.shape[1];
        var a = alpha.reshape(-1, 1, 1).expand(-1, pac, width).reshape(-1, width);
        var mixed = (a * real.detach() + (1 - a) * fake.detach()).requires_grad_(true);
        var score = critic.forward(mixed);
        var gradient = torch.autograd.grad([score], [mixed], [ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norms = gradient.reshape(-1, pac * width).norm(1, keepdim: false, p: 2);
        return (norms - 1).pow(2).mean() * weight;
    }

    /// <summary>
    /// The conditional generator's extra term (CTGAN): the cross-entropy between the generator's logits on each
    /// row's conditioned column and the conditioned category, averaged over the batch. It makes G honour c.
    /// </summary>
    /// <param name="raw">The generator's raw output, [batch, encoded width].</param>
    /// <param name="targets">Per condition column, each row's conditioned category (any value where the row conditions another column).</param>
    /// <param name="mask">[batch, condition columns]: 1 where the row conditions that column.</param>
    public static Tensor Condition(Tensor raw, ConditionLayout layout, IReadOnlyList<Tensor> targets, Tensor mask)
    {
        Tensor? total = null;
        for (int d = 0; d < layout.Columns.Count; d++)
        {
            var column = layout.Columns[d];
            var ce = cross_entropy(raw.narrow(1, column.RowStart, column.Count), targets[d], reduction: nn.Reduction.None) * mask.select(1, d);
            total = total is null ? ce : total + ce;
        }
        return total is null ? zeros(1, device: raw.device) : total.sum() / raw.shape[0];
    }
}
