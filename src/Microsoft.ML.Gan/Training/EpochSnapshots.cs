namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Asks training for the model as a shorter run would have returned it: after each listed epoch (below
/// <see cref="GanTrainer.Options.Epochs"/>) a copy of the generator is settled as at the end of training (batch-norm
/// statistics, marginal calibration, density-ratio filter) and handed to <see cref="Taken"/>, and training goes on
/// unchanged. The quality benchmark draws its curve of quality against training time from these.
/// </summary>
/// <param name="Epochs">The epochs after which a snapshot is taken.</param>
/// <param name="Taken">Receives each snapshot; it owns the snapshot's model and must dispose it.</param>
internal sealed record EpochSnapshots(IReadOnlySet<int> Epochs, Action<EpochSnapshot> Taken);

/// <summary>The model a run of <paramref name="Epoch"/> epochs returns (with the same seed and threads).</summary>
/// <param name="TrainingTime">The epochs' own time up to this one (validation checks and snapshots left out).</param>
/// <param name="FinishingTime">What settling the copy cost: the stages <c>Fit</c> runs after the last epoch.</param>
internal sealed record EpochSnapshot(int Epoch, TimeSpan TrainingTime, TimeSpan FinishingTime, GanTransformer Model);
