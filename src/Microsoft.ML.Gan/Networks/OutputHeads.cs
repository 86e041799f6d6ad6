using Microsoft.ML.Gan.Encoding;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Applies each span's activation to the generator's raw output: tanh on continuous values; on categories a
/// Gumbel-softmax sample while training (a differentiable stand-in for a one-hot draw), the raw logits for
/// generation (decoding samples from them in .NET).
/// </summary>
internal sealed class OutputHeads
{
    private readonly (int Start, int Length, SpanActivation Activation)[] _runs;

    public OutputHeads(IReadOnlyList<OutputSpan> spans)
    {
        // Neighbouring tanh spans are merged so that a table of numbers costs one tanh call, not one per column.
        var runs = new List<(int, int, SpanActivation)>();
        foreach (var s in spans)
        {
            if (runs.Count > 0 && s.Activation == SpanActivation.Tanh && runs[^1].Item3 == SpanActivation.Tanh)
                runs[^1] = (runs[^1].Item1, runs[^1].Item2 + s.Length, SpanActivation.Tanh);
            else
                runs.Add((s.Start, s.Length, s.Activation));
        }
        _runs = runs.ToArray();
    }

    /// <summary>Training form: what the discriminator sees of a generated row.</summary>
    public Tensor ForTraining(Tensor raw, double temperature, torch.Generator random)
    {
        var pieces = new Tensor[_runs.Length];
        for (int i = 0; i < _runs.Length; i++)
        {
            var (start, length, activation) = _runs[i];
            var part = raw.narrow(1, start, length);
            pieces[i] = activation == SpanActivation.Tanh ? part.tanh() : GumbelSoftmax(part, temperature, random);
        }
        return pieces.Length == 1 ? pieces[0] : cat(pieces, 1);
    }

    /// <summary>Generation form: tanh values and raw logits, ready for <see cref="TabularEncoder.Decode"/>.</summary>
    public Tensor ForGeneration(Tensor raw)
    {
        var pieces = new Tensor[_runs.Length];
        for (int i = 0; i < _runs.Length; i++)
        {
            var (start, length, activation) = _runs[i];
            var part = raw.narrow(1, start, length);
            pieces[i] = activation == SpanActivation.Tanh ? part.tanh() : part;
        }
        return pieces.Length == 1 ? pieces[0] : cat(pieces, 1);
    }

    /// <summary>softmax((logits + g) / temperature) with g ~ Gumbel(0, 1), drawn from the training's own generator.</summary>
    internal static Tensor GumbelSoftmax(Tensor logits, double temperature, torch.Generator random)
    {
        var uniform = rand(logits.shape, dtype: logits.dtype, device: logits.device, generator: random);
        var gumbel = -(-(uniform.clamp_min(1e-10)).log()).clamp_min(1e-10).log();
        return ((logits + gumbel) / temperature).softmax(1);
    }
}
