namespace Microsoft.ML.Gan;

/// <summary>
/// What one epoch of training measured, averaged over its updates. What the losses and scores are depends on
/// <see cref="GanTrainer.Options.Loss"/>: the original GAN's losses (<see cref="GanLossKind.Minimax"/>,
/// <see cref="GanLossKind.NonSaturating"/>) make D a probability that rows are real, while
/// <see cref="GanLossKind.WassersteinGp"/> (the default) makes it a critic with unbounded scores.
/// </summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="DiscriminatorLoss">
/// The discriminator's loss as trained. Original GAN: J_D = -mean log D(x) - mean log(1 - D(G(z))), log 4 ≈ 1.386 at the
/// optimum. WGAN-GP: the critic's loss, −W plus the gradient penalty.
/// </param>
/// <param name="GeneratorLoss">
/// The generator's loss as trained: mean log(1 - D(G(z))) (Minimax), -mean log D(G(z)) (NonSaturating) or -mean
/// critic(G(z)) (WGAN-GP), plus, for a conditional generator, the cross-entropy that makes it honour its condition.
/// </param>
/// <param name="MeanRealScore">Mean score on real rows: D(x), the probability that a real row is real (1/2 at the optimum); or the critic's mean value.</param>
/// <param name="MeanFakeScore">Mean score on generated rows: D(G(z)) (1/2 at the optimum); or the critic's mean value.</param>
/// <param name="Value">
/// The game's value, the discriminator's loss without penalty, negated: V(D, G) = mean log D(x) + mean log(1 - D(G(z)))
/// (-log 4 ≈ -1.386 at the optimum); for WGAN-GP the Wasserstein estimate W = mean critic on real rows − on generated rows,
/// which falls towards 0 as the generator improves.
/// </param>
/// <param name="GeneratorGradientNorm">Mean L2 norm of the generator's gradient per update: near zero means it has stopped learning.</param>
/// <param name="DiscriminatorGradientNorm">Mean L2 norm of the discriminator's gradient per update.</param>
/// <param name="DiscriminatorSteps">Discriminator updates made this epoch.</param>
/// <param name="GeneratorSteps">Generator updates made this epoch.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took.</param>
/// <param name="ValidationScore">
/// In epochs with a quality check (<see cref="GanTrainer.Options.ValidationInterval"/>): the mean over columns of
/// 1 − Kolmogorov-Smirnov statistic (numbers) or 1 − total variation distance (categories) between a fixed sample of
/// generated rows and the training rows, in [0, 1], higher is better. NaN in other epochs.
/// </param>
/// <param name="CollapsedModes">
/// In epochs with a quality check: the categories (at least 1 % of the real rows) generated at under a tenth of
/// their real share, and the deciles of numeric columns the generator all but skips — signs of mode collapse.
/// Empty otherwise.
/// </param>
public sealed record GanEpochStatistics(
    int Epoch,
    double DiscriminatorLoss,
    double GeneratorLoss,
    double MeanRealScore,
    double MeanFakeScore,
    double Value,
    double GeneratorGradientNorm,
    double DiscriminatorGradientNorm,
    int DiscriminatorSteps,
    int GeneratorSteps,
    double Seconds,
    double ValidationScore = double.NaN,
    IReadOnlyList<string>? CollapsedModes = null)
{
    /// <summary>True in epochs where the generated sample was checked.</summary>
    public bool WasValidated => !double.IsNaN(ValidationScore);

    /// <summary>Value equality, the collapsed modes compared item by item (a saved and loaded history equals the original).</summary>
    public bool Equals(GanEpochStatistics? other) =>
        other is not null && Epoch == other.Epoch && DiscriminatorLoss.Equals(other.DiscriminatorLoss) && GeneratorLoss.Equals(other.GeneratorLoss) &&
        MeanRealScore.Equals(other.MeanRealScore) && MeanFakeScore.Equals(other.MeanFakeScore) && Value.Equals(other.Value) &&
        GeneratorGradientNorm.Equals(other.GeneratorGradientNorm) && DiscriminatorGradientNorm.Equals(other.DiscriminatorGradientNorm) &&
        DiscriminatorSteps == other.DiscriminatorSteps && GeneratorSteps == other.GeneratorSteps && Seconds.Equals(other.Seconds) &&
        ValidationScore.Equals(other.ValidationScore) && (CollapsedModes ?? []).SequenceEqual(other.CollapsedModes ?? []);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Epoch, DiscriminatorLoss, GeneratorLoss, Value, ValidationScore);
}

/// <summary>Reported through <see cref="GanTrainer.Options.Progress"/> after every epoch.</summary>
/// <param name="Epoch">Epochs done so far.</param>
/// <param name="TotalEpochs">Epochs asked for.</param>
/// <param name="Statistics">The epoch's statistics.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record GanTrainingProgress(int Epoch, int TotalEpochs, GanEpochStatistics Statistics, TimeSpan Elapsed);
