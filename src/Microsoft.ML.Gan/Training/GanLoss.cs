using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The seed's losses, written on the discriminator's logits l (D = sigmoid(l)) so that they never take the log
/// of a saturated sigmoid: -log D = softplus(-l) and -log(1 - D) = softplus(l), both finite for any l.
/// </summary>
internal static class GanLoss
{
    /// <summary>J_D = -mean log D(x) - mean log(1 - D(G(z))).</summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits) =>
        softplus(-realLogits).mean() + softplus(fakeLogits).mean();

    /// <summary>
    /// The generator's loss: Minimax descends mean log(1 - D(G(z))) = -mean softplus(l);
    /// NonSaturating descends -mean log D(G(z)) = mean softplus(-l).
    /// </summary>
    public static Tensor Generator(Tensor fakeLogits, GanLossKind kind) => kind switch
    {
        GanLossKind.Minimax => -softplus(fakeLogits).mean(),
        GanLossKind.NonSaturating => softplus(-fakeLogits).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss kind."),
    };
}
