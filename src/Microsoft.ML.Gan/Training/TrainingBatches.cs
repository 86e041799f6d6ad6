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

    /// <summary><paramref name="rows"/> noise vectors: N(0, 1) or U(-1, 1) per component.</summary>
    public static Tensor Draw(NoisePrior prior, int rows, int dimension, Device device, torch.Generator random) =>
        prior == NoisePrior.Uniform
            ? rand([rows, dimension], device: device, generator: random) * Scalars.Two - Scalars.One
            : randn([rows, dimension], device: device, generator: random);
}

/// <summary>
/// The real rows and the conditions of each update. Without a conditional generator, real rows are minibatches
/// drawn without replacement within a pass, reshuffled each pass. With one, each update's conditions come from
/// the <see cref="ConditionalSampler"/> (training-by-sampling) and the real rows are rows that have them.
/// </summary>
internal sealed class TrainingBatches : IDisposable
{
    private readonly Tensor _data;
    private readonly int _rows;
    private readonly int _batch;
    private readonly torch.Generator _random;
    private readonly ConditionalSampler? _sampler;
    private readonly ConditionLayout _layout;
    private readonly float[] _condition;
    private readonly float[] _mask;
    private readonly long[][] _levels;
    private readonly int[] _realRows;
    private Tensor? _order;
    private int _position;

    /// <param name="sampler">Training-by-sampling's sampler, or null for an unconditional generator.</param>
    public TrainingBatches(Tensor data, int rows, int batch, torch.Generator random, ConditionalSampler? sampler, ConditionLayout layout)
    {
        _data = data;
        _rows = rows;
        _batch = batch;
        _random = random;
        _sampler = sampler;
        _layout = layout;
        _condition = new float[batch * layout.Width];
        _mask = new float[batch * layout.Columns.Count];
        _levels = layout.Columns.Select(_ => new long[batch]).ToArray();
        _realRows = new int[batch];
    }

    /// <summary>A discriminator update's real rows (with their condition vectors appended) and the conditions its generated rows get.</summary>
    public (Tensor Real, ConditionBatch? Conditions) NextReal()
    {
        if (_sampler is null) return (NextMinibatch(), null);
        var conditions = Sample(withRealRows: true);
        var rows = tensor(_realRows.Select(r => (long)r).ToArray(), ScalarType.Int64).to(_data.device);
        return (conditions.Append(_data.index_select(0, rows)), conditions);
    }

    /// <summary>A generator update's conditions; null for an unconditional generator.</summary>
    public ConditionBatch? NextConditions() => _sampler is null ? null : Sample(withRealRows: false);

    private ConditionBatch Sample(bool withRealRows)
    {
        _sampler!.Sample(_batch, _condition, _mask, _levels, withRealRows ? _realRows : null);
        var device = _data.device;
        return new ConditionBatch(
            tensor(_condition, [_batch, _layout.Width]).to(device),
            _levels.Select(l => tensor(l, ScalarType.Int64).to(device)).ToArray(),
            tensor(_mask, [_batch, _layout.Columns.Count]).to(device),
            _layout);
    }

    private Tensor NextMinibatch()
    {
        if (_order is null || _position + _batch > _rows)
        {
            _order?.Dispose();
            _order = randperm(_rows, generator: _random, device: _data.device).MoveToOuterDisposeScope();
            _position = 0;
        }
        var index = _order.narrow(0, _position, _batch);
        _position += _batch;
        return _data.index_select(0, index);
    }

    public void Dispose() => _order?.Dispose();
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
    public Tensor CrossEntropy(Tensor raw)
    {
        Tensor? total = null;
        for (int d = 0; d < layout.Columns.Count; d++)
        {
            var column = layout.Columns[d];
            var ce = cross_entropy(raw.narrow(1, column.RowStart, column.Count), levels[d], reduction: nn.Reduction.None) * mask.select(1, d);
            total = total is null ? ce : total.Plus(ce);
        }
        if (total is null) return zeros(1, device: raw.device);
        using var rows = raw.shape[0].ToScalar();
        return total.sum() / rows;
    }
}
