using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Gan.Training;

/// <summary>m noise vectors per update from the prior, drawn from the training's own generator.</summary>
internal sealed class NoiseBatches(NoisePrior prior, int dimension, int rows, Device device, torch.Generator random)
{
    public Tensor Next() => Draw(prior, rows, dimension, device, random);

    /// <summary>
    /// <paramref name="rows"/> noise vectors: N(0, 1) or U(-1, 1) per component. The uniform is scaled in place: outside
    /// a dispose scope, the temporary of <c>u * 2 - 1</c> was unreachable while the subtraction read it, and the finalizer
    /// freed it under the native call once (a CI run's uniform noise had a mean of -1.5e25).
    /// </summary>
    public static Tensor Draw(NoisePrior prior, int rows, int dimension, Device device, torch.Generator random)
    {
        if (prior != NoisePrior.Uniform) return SeededDraws.Normal([rows, dimension], device, random);
        var noise = SeededDraws.Uniform([rows, dimension], device, random);
        noise.mul_(Scalars.Two).sub_(Scalars.One); // in place: returns the same tensor, which this method holds
        return noise;
    }
}

/// <summary>
/// The real rows and the conditions of each update. Without a conditional generator, real rows are minibatches
/// drawn without replacement within a pass, reshuffled each pass (Fisher-Yates, with a generator of its own seeded from
/// the training's). With one, each update's conditions come from the <see cref="ConditionalSampler"/>
/// (training-by-sampling) and the real rows are rows that have them. The rows are expanded from the compact
/// <see cref="EncodedRows"/> on the host and sent to the device a batch at a time.
/// </summary>
internal sealed class TrainingBatches
{
    private readonly EncodedRows _rows;
    private readonly int _batch;
    private readonly Device _device;
    private readonly ConditionalSampler? _sampler;
    private readonly ConditionLayout _layout;
    private readonly float[] _condition;
    private readonly float[] _mask;
    private readonly long[][] _levels;
    private readonly int[] _realRows;
    private readonly float[] _real;
    private readonly Random _shuffle;
    private int[]? _order;
    private int _position;

    /// <param name="sampler">Training-by-sampling's sampler, or null for an unconditional generator.</param>
    /// <param name="seed">The seed of the passes' shuffles (unconditional generator).</param>
    public TrainingBatches(EncodedRows rows, int batch, Device device, int seed, ConditionalSampler? sampler, ConditionLayout layout)
    {
        _rows = rows;
        _batch = batch;
        _device = device;
        _shuffle = new Random(seed);
        _sampler = sampler;
        _layout = layout;
        _condition = new float[batch * layout.Width];
        _mask = new float[batch * layout.Columns.Count];
        _levels = layout.Columns.Select(_ => new long[batch]).ToArray();
        _realRows = new int[batch];
        _real = new float[batch * rows.Width];
    }

    /// <summary>A discriminator update's real rows (with their condition vectors appended) and the conditions its generated rows get.</summary>
    public (Tensor Real, ConditionBatch? Conditions) NextReal()
    {
        if (_sampler is null)
        {
            NextMinibatch();
            return (Real(), null);
        }
        var conditions = Sample(withRealRows: true);
        return (conditions.Append(Real()), conditions);
    }

    /// <summary>A generator update's conditions; null for an unconditional generator.</summary>
    public ConditionBatch? NextConditions() => _sampler is null ? null : Sample(withRealRows: false);

    /// <summary>The rows of <see cref="_realRows"/>, expanded, on the device.</summary>
    private Tensor Real()
    {
        _rows.Gather(_realRows, _real);
        return OnDevice(_real, _rows.Width);
    }

    /// <summary>
    /// A [batch, <paramref name="width"/>] tensor of this update with <paramref name="buffer"/>'s values, on the device.
    /// torch.tensor would first copy the buffer into a new managed array, a large object (Adult's real rows take 1 MB)
    /// that only a full collection frees: on a 20-million-row table that was a megabyte of garbage a step, 1 GB in a
    /// minute. The buffer is read in place and copied once, by libtorch, into memory the step's scope frees.
    /// </summary>
    private Tensor OnDevice(float[] buffer, int width) => TorchRuntime.Copied(buffer, [_batch, width], _device);

    private ConditionBatch Sample(bool withRealRows)
    {
        _sampler!.Sample(_batch, _condition, _mask, _levels, withRealRows ? _realRows : null);
        return new ConditionBatch(
            OnDevice(_condition, _layout.Width),
            _levels.Select(Levels).ToArray(),
            TorchRuntime.Copied(_mask, [_batch, _layout.Columns.Count], _device),
            _layout);
    }

    private Tensor Levels(long[] levels)
    {
        if (_device.type == DeviceType.CPU) return tensor(levels, ScalarType.Int64);
        using var host = tensor(levels, ScalarType.Int64);
        return TorchRuntime.ToDevice(host, _device);
    }

    /// <summary>The next <see cref="_batch"/> rows of the pass into <see cref="_realRows"/>; a new pass when this one has too few left.</summary>
    private void NextMinibatch()
    {
        if (_order is null || _position + _batch > _order.Length)
        {
            _order ??= Enumerable.Range(0, _rows.Count).ToArray();
            _shuffle.Shuffle(_order);
            _position = 0;
        }
        _order.AsSpan(_position, _batch).CopyTo(_realRows);
        _position += _batch;
    }
}

/// <summary>One update's conditions: the condition vectors, and per condition column each row's category and whether the row conditions it.</summary>
internal sealed class ConditionBatch(Tensor vectors, IReadOnlyList<Tensor> levels, Tensor mask, ConditionLayout layout)
{
    /// <summary>[batch, condition width], one-hot.</summary>
    public Tensor Vectors { get; } = vectors;

    /// <summary>Rows with their condition vectors appended: what the discriminator judges.</summary>
    public Tensor Append(Tensor rows) => cat([rows, Vectors], 1);

    /// <summary>
    /// The conditional generator's extra term (CTGAN): the cross-entropy between the generator's logits on each row's
    /// conditioned column and the conditioned category, averaged over the batch. It makes G honour c.
    /// </summary>
    /// <param name="raw">The generator's raw output, [batch, encoded width].</param>
    /// <param name="setByRules">
    /// The shares rows will hold in the columns that rules set (<see cref="DependencySubstitution.CategoryTargetShares"/>),
    /// keyed by their spans' first floats: a condition on such a column is judged on them, not on the generator's logits.
    /// </param>
    public Tensor CrossEntropy(Tensor raw, IReadOnlyDictionary<int, Tensor>? setByRules = null)
    {
        Tensor? total = null;
        for (int d = 0; d < layout.Columns.Count; d++)
        {
            var column = layout.Columns[d];
            var ce = (setByRules is not null && setByRules.TryGetValue(column.RowStart, out var shares)
                ? nll_loss(shares.clamp_min(Scalars.Tiny).log(), levels[d], reduction: nn.Reduction.None)
                : cross_entropy(raw.narrow(1, column.RowStart, column.Count), levels[d], reduction: nn.Reduction.None)) * mask.select(1, d);
            total = total is null ? ce : total.Plus(ce);
        }
        if (total is null) return zeros(1, device: raw.device);
        using var rows = raw.shape[0].ToScalar();
        return total.sum() / rows;
    }
}
