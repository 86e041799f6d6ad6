using System.Diagnostics;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>What training hands on to the transformer.</summary>
internal sealed record TrainingResult(GeneratorNetwork Generator, IReadOnlyList<GanEpochStatistics> History, int BatchSize, int SelectedEpoch);

/// <summary>
/// The seed's algorithm: for each generator update, k discriminator updates on m real rows and m generated
/// rows, then one generator update on m fresh noise vectors.
/// </summary>
internal static class GanTraining
{
    /// <summary>Noise batches that re-estimate the generator's batch-norm statistics after training.</summary>
    private const int BatchNormCalibrationBatches = 64;

    /// <summary>An epoch's mean loss beyond which training counts as diverged.</summary>
    private const double ExplodedLoss = 1e4;

    /// <summary>Generator steps between forced garbage collections (see where it is used).</summary>
    private const int CollectEverySteps = 32;

    public static TrainingResult Run(float[] matrix, int rows, TabularEncoder encoder, GanTrainer.Options options,
        DeviceChoice deviceChoice, int seed, IChannel channel)
    {
        var device = deviceChoice.ToDevice();
        var (batch, pac) = BatchShape(rows, options, channel);

        // Weight initialisation and dropout use TorchSharp's global generator; everything else uses our own.
        random.manual_seed(seed);
        using var rng = new torch.Generator((ulong)seed, device);

        var layout = new ConditionLayout(encoder);
        bool conditional = options.ConditionalGenerator && layout.Width > 0;
        int conditionWidth = conditional ? layout.Width : 0;
        var generator = new GeneratorNetwork(options.NoiseDimension + conditionWidth, options.GeneratorLayers, encoder.Width,
            options.GeneratorBatchNorm, options.GeneratorResidual);
        generator.to(device);
        using var discriminator = new DiscriminatorNetwork(encoder.Width + conditionWidth, options.DiscriminatorLayers, options.DiscriminatorDropout, pac);
        discriminator.to(device);
        var heads = new OutputHeads(encoder.Spans);
        bool wasserstein = options.Loss == GanLossKind.WassersteinGp;

        try
        {
            using var data = tensor(matrix, [rows, encoder.Width]).to(device);
            using var optimizerG = CreateOptimizer(generator.parameters(), options, options.GeneratorLearningRate, options.GeneratorWeightDecay);
            using var optimizerD = CreateOptimizer(discriminator.parameters(), options, options.DiscriminatorLearningRate, options.DiscriminatorWeightDecay);
            using var sampler = new MinibatchSampler(data, rows, batch, rng);
            var conditions = conditional ? new ConditionBatch(new ConditionalSampler(layout, matrix, rows, encoder.Width, seed ^ 0x5A3C), layout, batch) : null;

            int stepsPerEpoch = Math.Max(1, rows / batch);
            var history = new List<GanEpochStatistics>(options.Epochs);
            var total = Stopwatch.StartNew();
            long totalSteps = 0;
            // Quality checks use their own fixed noise, so turning them on or off does not change training.
            var diagnostics = options.ValidationInterval > 0
                ? new TrainingDiagnostics(encoder, conditional ? layout : null, matrix, rows, options.ValidationRows, options.NoisePrior, options.NoiseDimension, (ulong)seed ^ 0xD1A6UL)
                : null;
            using var selection = new EpochSelection(options);
            generator.train();
            discriminator.train();

            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double lossD = 0, lossG = 0, realScore = 0, fakeScore = 0, gradD = 0, gradG = 0, value = 0;
                int stepsD = 0, stepsG = 0;

                for (int step = 0; step < stepsPerEpoch; step++)
                {
                    for (int k = 0; k < options.DiscriminatorSteps; k++)
                    {
                        using var scope = NewDisposeScope();
                        Tensor real;
                        Tensor? condition = null;
                        if (conditions is not null)
                        {
                            condition = conditions.Next(device, withRealRows: true);
                            real = cat([data.index_select(0, conditions.RealRows(device)), condition], 1);
                        }
                        else
                        {
                            real = sampler.Next();
                        }
                        Tensor fake;
                        using (no_grad())
                        {
                            fake = heads.ForTraining(generator.forward(GeneratorInput(Noise(batch, options, device, rng), condition)), options.GumbelTemperature, rng);
                            if (condition is not null) fake = cat([fake, condition], 1);
                        }
                        var realLogits = discriminator.forward(real);
                        var fakeLogits = discriminator.forward(fake);
                        var loss = GanLoss.Discriminator(realLogits, fakeLogits, options.Loss);
                        // V(D, G) = -J_D for the seed's game; for the critic, mean real − mean fake: the Wasserstein estimate.
                        double gameValue = -loss.item<float>();
                        if (wasserstein)
                        {
                            var alpha = rand([batch / pac], device: device, generator: rng);
                            loss = loss + GanLoss.GradientPenalty(discriminator, real, fake, pac, alpha, options.GradientPenaltyWeight);
                        }
                        optimizerD.zero_grad();
                        loss.backward();
                        gradD += GradientNorm(discriminator);
                        optimizerD.step();

                        lossD += loss.item<float>();
                        value += gameValue;
                        realScore += (wasserstein ? realLogits : realLogits.sigmoid()).mean().item<float>();
                        fakeScore += (wasserstein ? fakeLogits : fakeLogits.sigmoid()).mean().item<float>();
                        stepsD++;
                    }

                    using (NewDisposeScope())
                    {
                        var condition = conditions?.Next(device, withRealRows: false);
                        var raw = generator.forward(GeneratorInput(Noise(batch, options, device, rng), condition));
                        var fake = heads.ForTraining(raw, options.GumbelTemperature, rng);
                        if (condition is not null) fake = cat([fake, condition], 1);
                        var loss = GanLoss.Generator(discriminator.forward(fake), options.Loss);
                        if (conditions is not null) loss = loss + GanLoss.Condition(raw, layout, conditions.Levels(device), conditions.Mask(device));
                        optimizerG.zero_grad();
                        loss.backward();
                        gradG += GradientNorm(generator);
                        optimizerG.step();
                        lossG += loss.item<float>();
                        stepsG++;
                    }

                    // TorchSharp's optimizer steps leave native tensors that only finalizers free, and training
                    // allocates too little managed memory for the collector to run on its own: on Adult native
                    // memory grew past a gigabyte before it did. A collection every few dozen steps keeps it flat.
                    if (++totalSteps % CollectEverySteps == 0)
                    {
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                    }
                }

                var stats = new GanEpochStatistics(
                    epoch, lossD / stepsD, lossG / stepsG, realScore / stepsD, fakeScore / stepsD, value / stepsD,
                    gradG / stepsG, gradD / stepsD, stepsD, stepsG, clock.Elapsed.TotalSeconds, double.NaN, []);
                CheckFinite(stats, options);
                bool stop = false;
                if (diagnostics is not null && (epoch % options.ValidationInterval == 0 || epoch == options.Epochs))
                {
                    var check = diagnostics.Measure(generator, options.CategorySampling);
                    stats = stats with { ValidationScore = check.Score, CollapsedModes = check.Collapsed };
                    if (check.Collapsed.Count > 0)
                        channel.Warning(MessageSensitivity.None, $"Epoch {epoch}: possible mode collapse, the generator hardly produces " +
                            string.Join("; ", check.Collapsed) + ". More epochs, a lower discriminator learning rate or more discriminator dropout may help.");
                    stop = selection.Record(epoch, check.Score, generator);
                }
                history.Add(stats);
                string scores = wasserstein ? $"critic real {stats.MeanRealScore:F3}, critic fake {stats.MeanFakeScore:F3}, W {stats.Value:F4}"
                    : $"D(x) {stats.MeanRealScore:F3}, D(G(z)) {stats.MeanFakeScore:F3}, V {stats.Value:F4}";
                channel.Info(MessageSensitivity.None, $"Epoch {epoch}/{options.Epochs}: loss D {stats.DiscriminatorLoss:F4}, loss G {stats.GeneratorLoss:F4}, " +
                    $"{scores}, |grad G| {stats.GeneratorGradientNorm:G3}, |grad D| {stats.DiscriminatorGradientNorm:G3}" +
                    (stats.WasValidated ? $", validation {stats.ValidationScore:F4}" : "") + $" ({stats.Seconds:F2} s)");
                options.Progress?.Report(new GanTrainingProgress(epoch, options.Epochs, stats, total.Elapsed));
                if (stop)
                {
                    channel.Info(MessageSensitivity.None, $"Stopping after epoch {epoch}: the validation score has not improved for " +
                        $"{options.EarlyStoppingPatience} checks (best {selection.BestScore:F4} in epoch {selection.BestEpoch}).");
                    break;
                }
            }

            int selected = selection.Restore(generator) ?? history.Count;
            if (selected != history.Count)
                channel.Info(MessageSensitivity.None, $"Keeping the generator of epoch {selected} (validation score {selection.BestScore:F4}), the best checked.");
            if (options.GeneratorBatchNorm) CalibrateBatchNorm(generator, batch, options, conditional ? layout : null, device, rng, seed);
            generator.eval();
            return new TrainingResult(generator, history, batch, selected);
        }
        catch
        {
            generator.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The minibatch size and the pack size: the batch is at most the table and a multiple of the pack; a table
    /// smaller than one pack trains with packs of one. Both changes are logged.
    /// </summary>
    internal static (int Batch, int Pac) BatchShape(int rows, GanTrainer.Options options, IChannel channel)
    {
        int pac = options.Pac;
        int batch = Math.Min(options.BatchSize, rows);
        if (batch < options.BatchSize)
            channel.Info(MessageSensitivity.None, $"BatchSize {options.BatchSize} is larger than the table's {rows} rows: using batches of {batch}.");
        if (batch < 2 * pac && pac > 1)
        {
            channel.Info(MessageSensitivity.None, $"The table's {rows} rows are too few for packs of {pac} (Pac): the discriminator judges rows one at a time.");
            pac = 1;
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

    /// <summary>The generator's input: the noise, followed by the condition vector when there is one.</summary>
    internal static Tensor GeneratorInput(Tensor noise, Tensor? condition) => condition is null ? noise : cat([noise, condition], 1);

    /// <summary>m noise vectors from the prior.</summary>
    internal static Tensor Noise(int rows, GanTrainer.Options options, Device device, torch.Generator rng) =>
        options.NoisePrior == NoisePrior.Uniform
            ? rand([rows, options.NoiseDimension], device: device, generator: rng) * 2 - 1
            : randn([rows, options.NoiseDimension], device: device, generator: rng);

    internal static optim.Optimizer CreateOptimizer(IEnumerable<Parameter> parameters, GanTrainer.Options options, double rate, double decay) =>
        options.Optimizer switch
        {
            GanOptimizerKind.Adam => optim.Adam(parameters, rate, options.AdamBeta1, options.AdamBeta2, weight_decay: decay),
            GanOptimizerKind.SgdMomentum => optim.SGD(parameters, rate, options.Momentum, weight_decay: decay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };

    private static double GradientNorm(nn.Module module)
    {
        double sum = 0;
        foreach (var p in module.parameters())
        {
            if (p.grad is { } g) sum += g.pow(2).sum().item<float>();
        }
        return Math.Sqrt(sum);
    }

    private static void CheckFinite(GanEpochStatistics s, GanTrainer.Options options)
    {
        // Both losses are softplus terms of the discriminator's logits: beyond ExplodedLoss a logit is in the
        // thousands, which no healthy game reaches; treat it like a NaN rather than train on.
        static bool Healthy(double loss) => double.IsFinite(loss) && Math.Abs(loss) < ExplodedLoss;
        if (Healthy(s.DiscriminatorLoss) && Healthy(s.GeneratorLoss) && double.IsFinite(s.GeneratorGradientNorm) && double.IsFinite(s.DiscriminatorGradientNorm))
            return;
        throw new InvalidOperationException(
            $"Training diverged in epoch {s.Epoch}: loss D {s.DiscriminatorLoss}, loss G {s.GeneratorLoss}, gradient norms G {s.GeneratorGradientNorm} / D {s.DiscriminatorGradientNorm}. " +
            $"Lower the learning rates (now G {options.GeneratorLearningRate}, D {options.DiscriminatorLearningRate}), " +
            "or use Adam with the default betas; no model was returned.");
    }

    /// <summary>
    /// Batch norm normalises with the statistics of the batch while training but with running averages when
    /// generating. The running averages trail the last updates, so they are recomputed here as an exact
    /// average over many noise batches from the final generator: generation then sees what training saw.
    /// </summary>
    private static void CalibrateBatchNorm(GeneratorNetwork generator, int batch, GanTrainer.Options options, ConditionLayout? layout, Device device, torch.Generator rng, int seed)
    {
        var draws = new Random(seed ^ 0xBA7C);
        int rowsPerBatch = Math.Max(batch, 64);
        var norms = generator.modules().OfType<BatchNorm1d>().ToList();
        foreach (var bn in norms)
        {
            bn.reset_running_stats();
            bn.momentum = null; // cumulative moving average: every batch counts equally
        }
        generator.train();
        using (no_grad())
        {
            for (int i = 0; i < BatchNormCalibrationBatches; i++)
            {
                using var scope = NewDisposeScope();
                Tensor? condition = null;
                if (layout is not null)
                {
                    // Ordinary rows: conditions as the data have them, as generation draws them.
                    var values = new float[rowsPerBatch * layout.Width];
                    for (int r = 0; r < rowsPerBatch; r++)
                        layout.FillOriginal(values.AsSpan(r * layout.Width, layout.Width), draws.NextSingle(), draws.NextSingle());
                    condition = tensor(values, [rowsPerBatch, layout.Width]).to(device);
                }
                generator.forward(GeneratorInput(Noise(rowsPerBatch, options, device, rng), condition));
            }
        }
        foreach (var bn in norms) bn.momentum = 0.1;
    }

    /// <summary>Tracks the best checked epoch: early stopping, and the weights to keep when KeepBestEpoch is set.</summary>
    private sealed class EpochSelection(GanTrainer.Options options) : IDisposable
    {
        private Dictionary<string, Tensor>? _bestWeights;
        private int _checksSinceBest;

        public double BestScore { get; private set; } = double.NegativeInfinity;
        public int BestEpoch { get; private set; }

        /// <summary>Records a check; returns true when early stopping says to stop.</summary>
        public bool Record(int epoch, double score, GeneratorNetwork generator)
        {
            if (score > BestScore)
            {
                BestScore = score;
                BestEpoch = epoch;
                _checksSinceBest = 0;
                if (options.KeepBestEpoch)
                {
                    Dispose();
                    _bestWeights = generator.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
                }
            }
            else
            {
                _checksSinceBest++;
            }
            return options.EarlyStoppingPatience > 0 && _checksSinceBest >= options.EarlyStoppingPatience;
        }

        /// <summary>Loads the best weights into the generator when they are kept; returns their epoch, or null.</summary>
        public int? Restore(GeneratorNetwork generator)
        {
            if (_bestWeights is null) return null;
            generator.load_state_dict(_bestWeights);
            Dispose();
            return BestEpoch;
        }

        public void Dispose()
        {
            if (_bestWeights is null) return;
            foreach (var t in _bestWeights.Values) t.Dispose();
            _bestWeights = null;
        }
    }

    /// <summary>A step's conditions from the <see cref="ConditionalSampler"/>, as tensors.</summary>
    private sealed class ConditionBatch(ConditionalSampler sampler, ConditionLayout layout, int batch)
    {
        private readonly float[] _condition = new float[batch * layout.Width];
        private readonly float[] _mask = new float[batch * layout.Columns.Count];
        private readonly long[][] _levels = layout.Columns.Select(_ => new long[batch]).ToArray();
        private readonly int[] _realRows = new int[batch];

        /// <summary>Samples the next conditions; returns the condition vectors [batch, width].</summary>
        public Tensor Next(Device device, bool withRealRows)
        {
            sampler.Sample(batch, _condition, _mask, _levels, withRealRows ? _realRows : null);
            return tensor(_condition, [batch, layout.Width]).to(device);
        }

        public Tensor RealRows(Device device) => tensor(_realRows.Select(r => (long)r).ToArray(), ScalarType.Int64).to(device);

        public Tensor Mask(Device device) => tensor(_mask, [batch, layout.Columns.Count]).to(device);

        public IReadOnlyList<Tensor> Levels(Device device) => _levels.Select(l => tensor(l, ScalarType.Int64).to(device)).ToArray();
    }

    /// <summary>Minibatches of real rows without replacement within a pass, reshuffled each pass.</summary>
    private sealed class MinibatchSampler(Tensor data, int rows, int batch, torch.Generator rng) : IDisposable
    {
        private Tensor? _order;
        private int _position;

        public Tensor Next()
        {
            if (_order is null || _position + batch > rows)
            {
                _order?.Dispose();
                _order = randperm(rows, generator: rng, device: data.device).MoveToOuterDisposeScope();
                _position = 0;
            }
            var index = _order.narrow(0, _position, batch);
            _position += batch;
            return data.index_select(0, index);
        }

        public void Dispose() => _order?.Dispose();
    }
}
