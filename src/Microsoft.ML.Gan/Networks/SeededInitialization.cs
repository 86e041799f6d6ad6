using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Weights drawn from the training's own random generator instead of TorchSharp's process-wide one, so that two
/// trainings with the same seed make the same model even when they run at once in one process. The distribution is
/// PyTorch's default for Linear layers: weights and biases uniform on ±1/√fan-in.
/// </summary>
internal static class SeededInitialization
{
    public static void Apply(nn.Module module, torch.Generator random)
    {
        using var grad = no_grad();
        foreach (var linear in module.modules().OfType<Linear>().Distinct())
        {
            double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
            SeededDraws.FillUniform(linear.weight, -bound, bound, random);
            if (linear.bias is not null) SeededDraws.FillUniform(linear.bias, -bound, bound, random);
        }
    }
}

/// <summary>Dropout whose masks come from the training's own random generator (TorchSharp's draws from the process-wide one).</summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    private readonly Scalar _threshold;
    private readonly Scalar _keep;
    private readonly torch.Generator _random;

    public SeededDropout(double probability, torch.Generator random)
        : base("dropout")
    {
        _probability = probability;
        _threshold = probability.ToScalar();
        _keep = (1 - probability).ToScalar();
        _random = random;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0) return input;
        var kept = SeededDraws.Uniform(input.shape, input.device, _random, input.dtype).ge_(_threshold);
        return input * kept / _keep;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _threshold.Dispose();
            _keep.Dispose();
        }
        base.Dispose(disposing);
    }
}
