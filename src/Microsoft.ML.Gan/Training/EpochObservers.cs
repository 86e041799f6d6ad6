using System.Diagnostics;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Sees each epoch's statistics after its updates, in the order the training loop lists them: it may add what it
/// measured, end training by throwing, or ask the loop to stop after this epoch.
/// </summary>
internal interface IEpochObserver
{
    GanEpochStatistics Observe(GanEpochStatistics epoch);

    /// <summary>True once the observer wants training to stop after the epoch it last saw.</summary>
    bool StopRequested => false;
}

/// <summary>Ends training with an exception that says what to change when the objective says it has diverged.</summary>
internal sealed class DivergenceCheck(GanObjective objective, GanTrainer.Options options) : IEpochObserver
{
    public GanEpochStatistics Observe(GanEpochStatistics s)
    {
        if (!objective.Diverged(s)) return s;
        throw new InvalidOperationException(
            $"Training diverged in epoch {s.Epoch}: loss D {s.DiscriminatorLoss}, loss G {s.GeneratorLoss}, {objective.Labels.ValueShort} {s.Value}, " +
            $"gradient norms G {s.GeneratorGradientNorm} / D {s.DiscriminatorGradientNorm}. " +
            $"Lower the learning rates (now G {options.GeneratorLearningRate}, D {options.DiscriminatorLearningRate}), " +
            "or use Adam with the default betas; no model was returned.");
    }
}

/// <summary>
/// Every <c>interval</c> epochs and in the last (the last asked for, or the one training stops early after, as
/// <paramref name="stoppingEarly"/> tells): the quality check and mode-collapse warning of <see cref="TrainingDiagnostics"/>.
/// </summary>
internal sealed class ValidationCheck(TrainingDiagnostics diagnostics, GeneratorNetwork generator, GanTrainer.Options options, IChannel channel,
    Func<bool> stoppingEarly) : IEpochObserver
{
    public GanEpochStatistics Observe(GanEpochStatistics s)
    {
        if (s.Epoch % options.ValidationInterval != 0 && s.Epoch != options.Epochs && !stoppingEarly()) return s;
        var check = diagnostics.Measure(generator, options.CategorySampling);
        if (check.Collapsed.Count > 0)
            channel.Warning(MessageSensitivity.None, $"Epoch {s.Epoch}: possible mode collapse, the generator hardly produces " +
                string.Join("; ", check.Collapsed) + ". More epochs, a lower discriminator learning rate or more discriminator dropout may help.");
        return s with { ValidationScore = check.Score, CollapsedModes = check.Collapsed };
    }
}

/// <summary>One line per epoch in the MLContext log, in the objective's words.</summary>
internal sealed class TrainingLog(ObjectiveLabels labels, int epochs, IChannel channel) : IEpochObserver
{
    public GanEpochStatistics Observe(GanEpochStatistics s)
    {
        channel.Info(MessageSensitivity.None, $"Epoch {s.Epoch}/{epochs}: loss D {s.DiscriminatorLoss:F4}, loss G {s.GeneratorLoss:F4}, " +
            $"{labels.RealScore} {s.MeanRealScore:F3}, {labels.FakeScore} {s.MeanFakeScore:F3}, {labels.ValueShort} {s.Value:F4}, " +
            $"|grad G| {s.GeneratorGradientNorm:G3}, |grad D| {s.DiscriminatorGradientNorm:G3}" +
            (s.WasValidated ? $", validation {s.ValidationScore:F4}" : "") + $" ({s.Seconds:F2} s)");
        return s;
    }
}

/// <summary>Reports each epoch to the caller's <see cref="GanTrainer.Options.Progress"/>.</summary>
internal sealed class ProgressReport(IProgress<GanTrainingProgress> progress, int epochs) : IEpochObserver
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public GanEpochStatistics Observe(GanEpochStatistics s)
    {
        progress.Report(new GanTrainingProgress(s.Epoch, epochs, s, _clock.Elapsed));
        return s;
    }
}

/// <summary>
/// Tracks the best checked epoch: keeps its generator's weights when <see cref="GanTrainer.Options.KeepBestEpoch"/> is
/// set, and asks to stop after <see cref="GanTrainer.Options.EarlyStoppingPatience"/> checks without improvement.
/// </summary>
internal sealed class EpochSelection(GeneratorNetwork generator, GanTrainer.Options options, IChannel channel) : IEpochObserver, IDisposable
{
    private Dictionary<string, Tensor>? _bestWeights;
    private int _checksSinceBest;

    public double BestScore { get; private set; } = double.NegativeInfinity;
    public int BestEpoch { get; private set; }
    public bool StopRequested { get; private set; }

    public GanEpochStatistics Observe(GanEpochStatistics s)
    {
        if (!s.WasValidated) return s;
        if (s.ValidationScore > BestScore)
        {
            BestScore = s.ValidationScore;
            BestEpoch = s.Epoch;
            _checksSinceBest = 0;
            if (options.KeepBestEpoch)
            {
                Dispose();
                using var scope = NewDisposeScope(); // the detached views; the copies leave it
                _bestWeights = generator.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            }
        }
        else
        {
            _checksSinceBest++;
        }
        StopRequested = options.EarlyStoppingPatience > 0 && _checksSinceBest >= options.EarlyStoppingPatience;
        if (StopRequested)
            channel.Info(MessageSensitivity.None, $"Stopping after epoch {s.Epoch}: the validation score has not improved for " +
                $"{options.EarlyStoppingPatience} checks (best {BestScore:F4} in epoch {BestEpoch}).");
        return s;
    }

    /// <summary>Loads the best weights into the generator when they are kept; returns their epoch, or null.</summary>
    public int? RestoreBest()
    {
        if (_bestWeights is null) return null;
        using (NewDisposeScope()) generator.load_state_dict(_bestWeights);
        Dispose();
        channel.Info(MessageSensitivity.None, $"Keeping the generator of epoch {BestEpoch} (validation score {BestScore:F4}), the best checked.");
        return BestEpoch;
    }

    public void Dispose()
    {
        if (_bestWeights is null) return;
        foreach (var t in _bestWeights.Values) t.Dispose();
        _bestWeights = null;
    }
}
