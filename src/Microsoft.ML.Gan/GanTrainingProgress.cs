namespace Microsoft.ML.Gan;

/// <summary>What one epoch of training measured. Scores are averaged over the epoch's updates.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="DiscriminatorLoss">J_D = -mean log D(x) - mean log(1 - D(G(z))). At the seed's optimum log 4 ≈ 1.386.</param>
/// <param name="GeneratorLoss">The generator's loss as trained: log(1 - D(G(z))) (Minimax) or -log D(G(z)) (NonSaturating).</param>
/// <param name="MeanRealScore">Mean D(x) on real rows: the discriminator's probability that a real row is real. 1/2 at the optimum.</param>
/// <param name="MeanFakeScore">Mean D(G(z)) on generated rows. 1/2 at the optimum.</param>
/// <param name="Value">The game's value V(D, G) = mean log D(x) + mean log(1 - D(G(z))). -log 4 ≈ -1.386 at the optimum.</param>
/// <param name="GeneratorGradientNorm">Mean L2 norm of the generator's gradient per update: near zero means it has stopped learning.</param>
/// <param name="DiscriminatorGradientNorm">Mean L2 norm of the discriminator's gradient per update.</param>
/// <param name="DiscriminatorSteps">Discriminator updates made this epoch.</param>
/// <param name="GeneratorSteps">Generator updates made this epoch.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took.</param>
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
    double Seconds);

/// <summary>Reported through <see cref="GanTrainer.Options.Progress"/> after every epoch.</summary>
/// <param name="Epoch">Epochs done so far.</param>
/// <param name="TotalEpochs">Epochs asked for.</param>
/// <param name="Statistics">The epoch's statistics.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record GanTrainingProgress(int Epoch, int TotalEpochs, GanEpochStatistics Statistics, TimeSpan Elapsed);
