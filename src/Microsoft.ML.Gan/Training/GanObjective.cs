using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The adversarial objective of one <see cref="GanLossKind"/>: the discriminator's and the generator's losses, the
/// discriminator's penalty, what its scores mean, when a run has diverged, and the words the log and the report
/// use for all of these. A new loss is one subclass and one line in <see cref="For"/>.
/// </summary>
internal abstract class GanObjective
{
    /// <summary>The objective of <paramref name="kind"/>; an unknown kind is an error, never a fallback.</summary>
    public static GanObjective For(GanLossKind kind, double gradientPenaltyWeight = GanTrainer.Defaults.GradientPenaltyWeight) => kind switch
    {
        GanLossKind.Minimax => new OriginalGan(saturating: true),
        GanLossKind.NonSaturating => new OriginalGan(saturating: false),
        GanLossKind.WassersteinGp => new WassersteinGp(gradientPenaltyWeight),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown loss kind {kind}: use one of {string.Join(", ", Enum.GetNames<GanLossKind>())}."),
    };

    /// <summary>The discriminator's loss without any penalty, from its logits on real and on generated rows. V(D, G) is its negative.</summary>
    public abstract Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits);

    /// <summary>A term added to the discriminator's loss (WGAN-GP's gradient penalty), or null. Draws its randomness from <paramref name="random"/>.</summary>
    public virtual Tensor? Penalty(DiscriminatorNetwork discriminator, Tensor real, Tensor fake, torch.Generator random) => null;

    /// <summary>The generator's loss from the discriminator's logits on generated rows.</summary>
    public abstract Tensor GeneratorLoss(Tensor fakeLogits);

    /// <summary>The discriminator's score of rows from its logits: a probability of being real, or a critic's value.</summary>
    public abstract Tensor Score(Tensor logits);

    /// <summary>Whether an epoch's averages say that training has diverged (NaN, infinities, or values no healthy run reaches).</summary>
    public abstract bool Diverged(GanEpochStatistics epoch);

    /// <summary>What the scores and curves are called and where their reference lines lie.</summary>
    public abstract ObjectiveLabels Labels { get; }

    /// <summary>An epoch's mean loss beyond which training counts as diverged: a logit in the thousands, which no healthy game reaches.</summary>
    protected const double ExplodedLoss = 1e4;

    protected static bool Finite(GanEpochStatistics s) =>
        double.IsFinite(s.DiscriminatorLoss) && double.IsFinite(s.GeneratorLoss) && double.IsFinite(s.Value) &&
        double.IsFinite(s.GeneratorGradientNorm) && double.IsFinite(s.DiscriminatorGradientNorm);

    /// <summary>
    /// The original GAN (Goodfellow et al., 2014), written on the discriminator's logits l (D = sigmoid(l)) so that it
    /// never takes the log of a saturated sigmoid: -log D = softplus(-l) and -log(1 - D) = softplus(l), finite for any l.
    /// The discriminator's loss is J_D = -mean log D(x) - mean log(1 - D(G(z))); the generator descends
    /// mean log(1 - D(G(z))) (minimax, the paper's algorithm) or -mean log D(G(z)) (non-saturating).
    /// </summary>
    internal sealed class OriginalGan(bool saturating) : GanObjective
    {
        public override Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits) => Softplus(-realLogits).mean().Plus(Softplus(fakeLogits).mean());

        public override Tensor GeneratorLoss(Tensor fakeLogits) => saturating ? -Softplus(fakeLogits).mean() : Softplus(-fakeLogits).mean();

        // softplus(x) = −log σ(−x). TorchSharp's softplus passes β and its threshold as temporary Scalars; log σ takes none.
        private static Tensor Softplus(Tensor x) => -(-x).log_sigmoid();

        public override Tensor Score(Tensor logits) => logits.sigmoid();

        // Both losses are softplus terms of the logits: beyond ExplodedLoss a logit is in the thousands.
        public override bool Diverged(GanEpochStatistics s) =>
            !Finite(s) || Math.Abs(s.DiscriminatorLoss) >= ExplodedLoss || Math.Abs(s.GeneratorLoss) >= ExplodedLoss;

        public override ObjectiveLabels Labels { get; } = new(
            Explanation: "At the game's equilibrium the discriminator outputs ½ for every row, so D(x) and D(G(z)) meet at 0.5, the discriminator's loss is log 4 ≈ 1.386 and the value V(D, G) is −log 4 ≈ −1.386. Curves that settle near those lines are healthy; D(x) near 1 with D(G(z)) near 0 means the discriminator has won and the generator gets little signal.",
            LossesCaption: "Discriminator and generator losses", DiscriminatorLossOptimum: Math.Log(4), DiscriminatorLossOptimumLabel: "log 4 (D's loss at the optimum)",
            ScoresTitle: "Discriminator scores", RealScore: "D(x)", FakeScore: "D(G(z))", RealScoreLegend: "mean D(x), real rows", FakeScoreLegend: "mean D(G(z)), generated rows",
            ScoresCaption: "Mean D(x) on real rows and D(G(z)) on generated rows; 0.5 is the optimum", ScoreOptimum: 0.5,
            ValueTitle: "Value of the game", ValueName: "V(D, G)", ValueShort: "V", ValueReference: -Math.Log(4), ValueReferenceLabel: "−log 4 (optimum)",
            ValueCaption: "V(D, G) = mean log D(x) + mean log(1 − D(G(z))); −log 4 at the optimum");
    }

    /// <summary>
    /// WGAN-GP (Gulrajani et al., 2017), as CTGAN trains: the discriminator is a critic whose mean value on real rows
    /// minus that on generated rows estimates the Wasserstein distance W; its loss is −W plus a gradient penalty,
    /// and the generator descends −mean critic(G(z)).
    /// </summary>
    internal sealed class WassersteinGp(double weight) : GanObjective
    {
        public override Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits) => fakeLogits.mean() - realLogits.mean();

        public override Tensor? Penalty(DiscriminatorNetwork discriminator, Tensor real, Tensor fake, torch.Generator random)
        {
            var alpha = SeededDraws.Uniform([real.shape[0] / discriminator.Pac], real.device, random);
            return GradientPenalty(discriminator, real, fake, discriminator.Pac, alpha, weight);
        }

        public override Tensor GeneratorLoss(Tensor fakeLogits) => -fakeLogits.mean();

        public override Tensor Score(Tensor logits) => logits;

        // The critic's values have no fixed offset, so only W (a difference) and the penalty in D's loss are bounded.
        public override bool Diverged(GanEpochStatistics s) =>
            !Finite(s) || Math.Abs(s.Value) >= ExplodedLoss || Math.Abs(s.DiscriminatorLoss) >= ExplodedLoss;

        public override ObjectiveLabels Labels { get; } = new(
            Explanation: "The discriminator is a Wasserstein critic: its scores are unbounded, and what matters is the gap between its mean score on real rows and on generated rows, the Wasserstein estimate W. W falls towards 0 as the generator improves; a W that grows for many epochs means the generator is losing ground. The critic's loss is −W plus the gradient penalty.",
            LossesCaption: "Critic loss (−W plus the gradient penalty) and generator loss", DiscriminatorLossOptimum: null, DiscriminatorLossOptimumLabel: null,
            ScoresTitle: "Critic scores", RealScore: "critic real", FakeScore: "critic fake", RealScoreLegend: "mean critic score, real rows", FakeScoreLegend: "mean critic score, generated rows",
            ScoresCaption: "Mean critic score on real rows and on generated rows", ScoreOptimum: null,
            ValueTitle: "Wasserstein estimate", ValueName: "Wasserstein estimate W", ValueShort: "W", ValueReference: 0, ValueReferenceLabel: "0 (no gap)",
            ValueCaption: "W = mean critic score on real rows − on generated rows");
    }

    /// <summary>
    /// WGAN-GP's gradient penalty for a PacGAN critic: weight × mean over packs of (‖∇ critic(x̂)‖₂ − 1)², where
    /// x̂ = α real + (1 − α) fake with one α per pack and the gradient is taken with respect to the pack's rows
    /// together (the pack is one input of the critic).
    /// </summary>
    /// <param name="alpha">One mixing weight in [0, 1) per pack, shape [rows / pac].</param>
    public static Tensor GradientPenalty(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, int pac, Tensor alpha, double weight)
    {
        long width = real.shape[1];
        var a = alpha.reshape(-1, 1, 1).expand(-1, pac, width).reshape(-1, width);
        var mixed = (a * real.detach()).Plus(a.OneMinus() * fake.detach()).requires_grad_(true);
        var score = critic.forward(mixed);
        var gradient = torch.autograd.grad([score], [mixed], [ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norms = gradient.reshape(-1, pac * width).norm(1, keepdim: false, p: 2);
        using var penaltyWeight = weight.ToScalar();
        return (norms - Scalars.One).pow(Scalars.Two).mean() * penaltyWeight;
    }
}

/// <summary>The words and reference lines of an objective, for the training log and the report's curves.</summary>
/// <param name="Explanation">What the curves mean and what healthy training looks like.</param>
/// <param name="DiscriminatorLossOptimum">The discriminator's loss at the game's optimum, when it has one.</param>
/// <param name="RealScore">The mean score on real rows, in the log.</param>
/// <param name="ScoreOptimum">Both scores at the optimum, when the scores are probabilities.</param>
/// <param name="ValueShort">The value, in the log.</param>
/// <param name="ValueReference">The value's reference line (its optimum, or no gap).</param>
internal sealed record ObjectiveLabels(
    string Explanation,
    string LossesCaption, double? DiscriminatorLossOptimum, string? DiscriminatorLossOptimumLabel,
    string ScoresTitle, string RealScore, string FakeScore, string RealScoreLegend, string FakeScoreLegend, string ScoresCaption, double? ScoreOptimum,
    string ValueTitle, string ValueName, string ValueShort, double ValueReference, string ValueReferenceLabel, string ValueCaption);
