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
        _hasSoftmax = _runs.Any(r => r.Item3 == SpanActivation.Softmax);
    }

    private readonly bool _hasSoftmax;

    /// <summary>Training form: what the discriminator sees of a generated row.</summary>
    /// <param name="temperature">The Gumbel-softmax temperature, as a Scalar the caller keeps alive while training.</param>
    public Tensor ForTraining(Tensor raw, Scalar temperature, torch.Generator random)
    {
        // The Gumbel noise and the temperature are applied to the whole row at once (two tensor operations
        // instead of eight per category column); each category span then only needs its softmax.
        Tensor? perturbed = _hasSoftmax ? raw.Plus(Gumbel(raw, random)) / temperature : null;
        var pieces = new Tensor[_runs.Length];
        for (int i = 0; i < _runs.Length; i++)
        {
            var (start, length, activation) = _runs[i];
            pieces[i] = activation == SpanActivation.Tanh
                ? raw.narrow(1, start, length).tanh()
                : perturbed!.narrow(1, start, length).softmax(1);
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

    /// <summary>Gumbel(0, 1) noise of the shape of <paramref name="like"/>: -log(-log U), U uniform, from the training's own generator.</summary>
    internal static Tensor Gumbel(Tensor like, torch.Generator random)
    {
        var uniform = SeededDraws.Uniform(like.shape, like.device, random, like.dtype);
        return -(-(uniform.clamp_min(Scalars.Tiny)).log()).clamp_min(Scalars.Tiny).log();
    }
}
