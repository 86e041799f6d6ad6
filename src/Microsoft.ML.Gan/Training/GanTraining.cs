using System.Diagnostics;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>What training hands on to the model: the generator, every epoch's statistics, and which epoch's generator it is.</summary>
internal sealed record TrainingResult(GeneratorNetwork Generator, IReadOnlyList<GanEpochStatistics> History, int SelectedEpoch);

/// <summary>
/// The training loop of the original GAN's algorithm (Goodfellow et al., 2014): each epoch makes rows / m generator
/// updates (at least <see cref="GanTrainer.Options.MinimumEpochSteps"/>), each after k discriminator updates on m real
/// and m generated rows. The objective, the batches and the
/// networks are set up first; observers see each epoch's statistics (divergence, validation, log, progress, epoch
/// selection); the generator's batch-norm statistics are calibrated last.
/// </summary>
internal static class GanTraining
{
    /// <param name="checkAlive">Throws when the caller's MLContext has cancelled training; called before every update.</param>
    /// <param name="startLoad">The machine's load while the table was read (it chooses the first thread count).</param>
    /// <param name="snapshot">Receives, after each epoch of <see cref="GanTrainer.Options.Snapshots"/>, a settled copy of
    /// the generator (it owns it): the result a run of that many epochs returns.</param>
    public static TrainingResult Run(EncodedRows data, TabularEncoder encoder, GanTrainer.Options options,
        DeviceChoice deviceChoice, int seed, IChannel channel, Action checkAlive, MachineLoad startLoad, Action<TrainingResult>? snapshot = null)
    {
        var device = deviceChoice.ToDevice();
        int rows = data.Count;
        var (batch, pac) = BatchShape(rows, options, channel);

        // Every random draw (weights, dropout, batches, noise) comes from this generator: TorchSharp's process-wide one
        // is shared with whatever else runs in the process.
        using var rng = new torch.Generator((ulong)seed, device);

        var layout = new ConditionLayout(encoder);
        bool conditional = options.ConditionalGenerator && layout.Width > 0;
        var generator = new GeneratorNetwork(GeneratorShape.For(encoder, layout, options.NoiseDimension, options.GeneratorLayers,
            options.GeneratorBatchNorm, options.GeneratorResidual, conditional));
        try
        {
            generator.to(device);
            SeededInitialization.Apply(generator, rng);
            using var discriminator = new DiscriminatorNetwork(encoder.Width + generator.Shape.ConditionWidth, options.DiscriminatorLayers, options.DiscriminatorDropout, pac, rng);
            discriminator.to(device);
            SeededInitialization.Apply(discriminator, rng);
            using var optimizerG = GanOptimizer.Create(generator.parameters(), options, options.GeneratorLearningRate, options.GeneratorWeightDecay);
            using var optimizerD = GanOptimizer.Create(discriminator.parameters(), options, options.DiscriminatorLearningRate, options.DiscriminatorWeightDecay);
            var sampler = conditional ? new ConditionalSampler(layout, data, seed ^ 0x5A3C, options.TrainingConditionDraw) : null;
            var batches = new TrainingBatches(data, batch, device, seed ^ 0x3B1D, sampler, layout);
            var objective = GanObjective.For(options.Loss, options.GradientPenaltyWeight);
            using var temperature = options.GumbelTemperature.ToScalar();
            using var rules = options.DependenciesInTraining ? DependencySubstitution.Create(encoder, data, device) : null;
            if (rules is not null)
                channel.Info(MessageSensitivity.None, $"The generator is trained on the values its dependencies will set ({rules.Describe()}): it learns to choose the category whose fixed values go with the rest of the row.");
            var parts = new TrainingParts(generator, discriminator, optimizerG, optimizerD, objective, batches,
                new NoiseBatches(options.NoisePrior, options.NoiseDimension, batch, device, rng), new OutputHeads(encoder.Spans), temperature, rng, rules);
            options.TrainingStarted?.Invoke(parts);
            var discriminatorStep = new DiscriminatorStep(parts);
            var generatorStep = new GeneratorStep(parts);
            using var meter = new EpochMeter(device);
            using var average = options.GeneratorAverageDecay > 0 ? new GeneratorAverage(generator, options.GeneratorAverageDecay) : null;
            using var selection = new EpochSelection(generator, options, channel);
            // On a GPU the CPU's threads only feed it: libtorch's count is left as it is.
            using var threads = deviceChoice.Type == DeviceType.CPU ? new TrainingThreads(options.TrainingThreads, startLoad, channel) : null;
            // Read once an epoch, before its observers: a stop asked for during the epoch makes it the last, checked as one.
            bool stoppingEarly = false;
            var observers = Observers(encoder, conditional ? layout : null, data, options, objective, generator, selection, seed, channel, () => stoppingEarly);
            if (threads is not null) observers.Add(threads);

            var history = new List<GanEpochStatistics>(options.Epochs);
            int stepsPerEpoch = Math.Max(options.MinimumEpochSteps, rows / batch);
            generator.train();
            discriminator.train();
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                meter.Start();
                for (int step = 0; step < stepsPerEpoch; step++)
                {
                    for (int k = 0; k < options.DiscriminatorSteps; k++)
                    {
                        checkAlive();
                        using var scope = NewDisposeScope();
                        meter.Add(discriminatorStep.Run());
                    }
                    checkAlive();
                    using (NewDisposeScope()) meter.Add(generatorStep.Run());
                    average?.Update();
                }

                var statistics = meter.Read(epoch, clock.Elapsed);
                // The epoch's checks, its selection and its snapshot see the generator the run would return now.
                average?.UseAverage();
                stoppingEarly = options.StopEarly.IsCancellationRequested;
                foreach (var observer in observers) statistics = observer.Observe(statistics);
                history.Add(statistics);
                bool stopping = observers.Any(o => o.StopRequested) || stoppingEarly;
                if (stoppingEarly && epoch < options.Epochs)
                    channel.Info(MessageSensitivity.None, $"Stopped early, as asked, after epoch {epoch} of {options.Epochs}: the model is that of a {epoch}-epoch run.");
                if (snapshot is not null && !stopping && epoch < options.Epochs && options.Snapshots!.Epochs.Contains(epoch))
                    snapshot(Snapshot(epoch));
                if (stopping) break;
                average?.UseTrained();
            }
            average?.UseAverage();

            int selected = selection.RestoreBest() ?? history.Count;
            Settle(generator);
            return new TrainingResult(generator, history, selected);

            // What follows the last epoch: batch-norm statistics from the final generator, then inference mode.
            void Settle(GeneratorNetwork trained)
            {
                if (options.GeneratorBatchNorm) BatchNormCalibration.Run(trained, batch, options.NoisePrior, conditional ? layout : null, device, rng, seed);
                trained.eval();
            }

            // A copy settled with the random state a run ending here would settle with, which is then put back, so that
            // training goes on as if no snapshot had been taken. (Epoch selection is not replayed: a snapshot is the
            // generator of its epoch.)
            TrainingResult Snapshot(int epoch)
            {
                var copy = generator.Copy(device);
                try
                {
                    using var state = rng.get_state();
                    Settle(copy);
                    rng.set_state(state);
                    return new TrainingResult(copy, history.ToArray(), epoch);
                }
                catch
                {
                    copy.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            generator.Dispose();
            throw;
        }
    }

    /// <summary>The observers of every epoch, in the order they see it: a quality check must come before the log that shows it.</summary>
    private static List<IEpochObserver> Observers(TabularEncoder encoder, ConditionLayout? layout, EncodedRows data, GanTrainer.Options options,
        GanObjective objective, GeneratorNetwork generator, EpochSelection selection, int seed, IChannel channel, Func<bool> stoppingEarly)
    {
        var observers = new List<IEpochObserver> { new DivergenceCheck(objective, options) };
        if (options.ValidationInterval > 0)
        {
            // Quality checks use their own fixed noise, so turning them on or off does not change training.
            var diagnostics = new TrainingDiagnostics(encoder, layout, data, options.ValidationRows, options.NoisePrior, options.NoiseDimension, (ulong)seed ^ 0xD1A6UL);
            observers.Add(new ValidationCheck(diagnostics, generator, options, channel, stoppingEarly));
        }
        observers.Add(new TrainingLog(objective.Labels, options.Epochs, channel));
        if (options.Progress is { } progress) observers.Add(new ProgressReport(progress, options.Epochs));
        observers.Add(selection);
        return observers;
    }

    /// <summary>
    /// The fewest packs a batch of a table smaller than <see cref="GanTrainer.Options.BatchSize"/> gives the
    /// discriminator: on such a table Pac is lowered to keep them (a 153-row weather table lost its correlations with
    /// packs of 10, 11 judgements a batch, and kept most of them with packs of 2). Adult's batches of 500 in packs of 10
    /// make 50.
    /// </summary>
    public const int MinimumPacks = 50;

    /// <summary>
    /// The minibatch size and the pack size: the batch is at most the table and a multiple of the pack; a table
    /// smaller than a batch trains with smaller packs (see <see cref="MinimumPacks"/>). Every change is logged.
    /// </summary>
    internal static (int Batch, int Pac) BatchShape(int rows, GanTrainer.Options options, IChannel channel)
    {
        int pac = options.Pac;
        int batch = Math.Min(options.BatchSize, rows);
        if (batch < options.BatchSize)
            channel.Info(MessageSensitivity.None, $"BatchSize {options.BatchSize} is larger than the table's {rows} rows: using batches of {batch}.");
        if (batch < options.BatchSize && pac > 1 && batch / pac < MinimumPacks)
        {
            // A table smaller than a batch: packs of Pac would leave the discriminator a handful of judgements a batch.
            int smaller = Math.Max(1, batch / MinimumPacks);
            channel.Info(MessageSensitivity.None, $"The table's {rows} rows make {batch / pac} packs of {pac} (Pac) a batch, too few to learn from: " +
                (smaller == 1 ? "the discriminator judges rows one at a time." : $"using packs of {smaller}."));
            pac = smaller;
        }
        if (batch % pac != 0)
        {
            int rounded = batch / pac * pac;
            channel.Info(MessageSensitivity.None, $"Batches of {batch} rows do not split into packs of {pac}: using batches of {rounded}.");
            batch = rounded;
        }
        // Batch norm needs at least two rows to normalise over.
        if (batch < 2) throw new InvalidOperationException("A minibatch needs at least 2 rows.");
        return (batch, pac);
    }
}
