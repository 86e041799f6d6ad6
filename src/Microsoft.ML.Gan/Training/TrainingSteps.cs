using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>What one discriminator update measured, as scalar tensors on the training device.</summary>
internal readonly record struct DiscriminatorMeasures(Tensor Loss, Tensor Value, Tensor RealScore, Tensor FakeScore, Tensor GradientNorm);

/// <summary>What one generator update measured, as scalar tensors on the training device.</summary>
internal readonly record struct GeneratorMeasures(Tensor Loss, Tensor GradientNorm);

/// <summary>The networks, their optimizers and the sources of each update's inputs, shared by both steps.</summary>
/// <remarks>Temperature is a Scalar the training keeps alive (see <see cref="Scalars"/>).</remarks>
internal sealed record TrainingParts(
    GeneratorNetwork Generator, DiscriminatorNetwork Discriminator, GanOptimizer GeneratorOptimizer, GanOptimizer DiscriminatorOptimizer,
    GanObjective Objective, TrainingBatches Batches, NoiseBatches Noise, OutputHeads Heads, Scalar Temperature, torch.Generator Random,
    DependencySubstitution? Rules = null)
{
    /// <summary>Generated rows as the discriminator sees them: heads applied (Gumbel-softmax on categories), the targets of the dependencies replaced (<see cref="DependencySubstitution"/>), conditions appended.</summary>
    public Tensor Generate(ConditionBatch? conditions, out Tensor raw)
    {
        raw = Generator.forward(Noise.Next(), conditions?.Vectors);
        var rows = Heads.ForTraining(raw, Temperature, Random);
        if (Rules is not null) rows = Rules.Apply(rows);
        return conditions?.Append(rows) ?? rows;
    }

    /// <summary>The L2 norm of a network's whole gradient, on the device.</summary>
    public static Tensor GradientNorm(nn.Module module) =>
        stack(module.parameters().Where(p => p.grad is not null).Select(p => p.grad!.pow(Scalars.Two).sum())).sum().sqrt();
}

/// <summary>
/// One discriminator update, as in the original GAN's algorithm: m real rows and m generated rows, the objective's
/// loss (and penalty) on its logits, one gradient step. Nothing is read back to the host.
/// </summary>
internal sealed class DiscriminatorStep(TrainingParts parts)
{
    public DiscriminatorMeasures Run()
    {
        var (real, conditions) = parts.Batches.NextReal();
        Tensor fake;
        using (no_grad()) fake = parts.Generate(conditions, out _);
        var realLogits = parts.Discriminator.forward(real);
        var fakeLogits = parts.Discriminator.forward(fake);
        var loss = parts.Objective.DiscriminatorLoss(realLogits, fakeLogits);
        var value = -loss.detach(); // V(D, G) = -J_D; for a critic, W = mean real − mean fake
        if (parts.Objective.Penalty(parts.Discriminator, real, fake, parts.Random) is { } penalty) loss = loss.Plus(penalty);

        parts.DiscriminatorOptimizer.ZeroGrad();
        loss.backward();
        var norm = TrainingParts.GradientNorm(parts.Discriminator);
        parts.DiscriminatorOptimizer.Step();
        return new(loss.detach(), value, parts.Objective.Score(realLogits).mean().detach(), parts.Objective.Score(fakeLogits).mean().detach(), norm);
    }
}

/// <summary>One generator update on m fresh noise vectors: the objective's generator loss, plus the conditional cross-entropy (on the shares the rules set, for a column they set).</summary>
internal sealed class GeneratorStep(TrainingParts parts)
{
    public GeneratorMeasures Run()
    {
        var conditions = parts.Batches.NextConditions();
        var fake = parts.Generate(conditions, out var raw);
        var loss = parts.Objective.GeneratorLoss(parts.Discriminator.forward(fake));
        if (conditions is not null) loss = loss.Plus(conditions.CrossEntropy(raw, parts.Rules?.CategoryTargetShares(raw)));

        parts.GeneratorOptimizer.ZeroGrad();
        loss.backward();
        var norm = TrainingParts.GradientNorm(parts.Generator);
        parts.GeneratorOptimizer.Step();
        return new(loss.detach(), norm);
    }
}

/// <summary>
/// Sums the updates' measures on the device and reads them back once per epoch: on CUDA every read is a wait for
/// the GPU, so the steps themselves read nothing.
/// </summary>
internal sealed class EpochMeter : IDisposable
{
    private readonly Tensor _sums;
    private int _discriminatorSteps;
    private int _generatorSteps;

    public EpochMeter(Device device) => _sums = zeros(7, ScalarType.Float64, device);

    public void Start()
    {
        // TorchSharp's zero_ returns a new wrapper of the same tensor: the scope frees it, not the finalizer.
        using (NewDisposeScope()) _sums.zero_();
        _discriminatorSteps = _generatorSteps = 0;
    }

    public void Add(DiscriminatorMeasures m)
    {
        _sums.narrow(0, 0, 5).PlusInPlace(stack([m.Loss, m.Value, m.RealScore, m.FakeScore, m.GradientNorm]).to(ScalarType.Float64));
        _discriminatorSteps++;
    }

    public void Add(GeneratorMeasures m)
    {
        _sums.narrow(0, 5, 2).PlusInPlace(stack([m.Loss, m.GradientNorm]).to(ScalarType.Float64));
        _generatorSteps++;
    }

    /// <summary>The epoch's means, read from the device in one transfer.</summary>
    public GanEpochStatistics Read(int epoch, TimeSpan elapsed)
    {
        double[] s;
        using (var host = _sums.cpu()) s = host.data<double>().ToArray();
        double d = Math.Max(1, _discriminatorSteps), g = Math.Max(1, _generatorSteps);
        return new GanEpochStatistics(epoch, s[0] / d, s[5] / g, s[2] / d, s[3] / d, s[1] / d, s[6] / g, s[4] / d,
            _discriminatorSteps, _generatorSteps, elapsed.TotalSeconds, double.NaN, []);
    }

    public void Dispose() => _sums.Dispose();
}
