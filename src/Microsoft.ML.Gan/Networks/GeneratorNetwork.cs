using Microsoft.ML.Gan.Encoding;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// G(z, c): a multilayer perceptron from the noise vector (and the condition vector, when the model is
/// conditional) to one raw encoded row. Each hidden layer is Linear, optional batch normalisation, ReLU; with
/// residual layers (CTGAN's) each layer's output is concatenated with its input, so later layers and the output
/// see every earlier representation. The heads (tanh, softmax) are applied by <see cref="OutputHeads"/>, so the
/// same raw output serves training (Gumbel-softmax) and generation.
/// </summary>
internal sealed class GeneratorNetwork : nn.Module<Tensor, Tensor>
{
    private readonly List<(Linear Linear, BatchNorm1d? Norm)> _hidden = [];
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _modules;

    /// <summary>A new generator of this shape, its weights initialised (training and model files both build it here).</summary>
    public GeneratorNetwork(GeneratorShape shape)
        : base("generator")
    {
        Shape = shape;
        var modules = new List<nn.Module<Tensor, Tensor>>();
        int width = shape.InputWidth;
        foreach (int hidden in shape.HiddenLayers)
        {
            var linear = nn.Linear(width, hidden);
            BatchNorm1d? norm = shape.BatchNorm ? nn.BatchNorm1d(hidden) : null;
            modules.Add(linear);
            if (norm is not null) modules.Add(norm);
            _hidden.Add((linear, norm));
            width = shape.Residual ? width + hidden : hidden;
        }
        Output = nn.Linear(width, shape.OutputWidth);
        modules.Add(Output);
        _modules = nn.ModuleList(modules.ToArray());
        RegisterComponents();
    }

    public GeneratorShape Shape { get; }

    /// <summary>Whether each hidden layer's output is concatenated with its input.</summary>
    public bool Residual => Shape.Residual;

    /// <summary>Each hidden layer's linear map and batch norm, in order (for exporting the weights).</summary>
    internal IReadOnlyList<(Linear Linear, BatchNorm1d? Norm)> HiddenLayers => _hidden;

    internal Linear Output { get; }

    /// <summary>A new generator on <paramref name="device"/> with this one's weights and batch-norm state; training mode as this one.</summary>
    public GeneratorNetwork Copy(Device device)
    {
        var copy = new GeneratorNetwork(Shape);
        try
        {
            copy.to(device);
            using (NewDisposeScope()) copy.load_state_dict(state_dict());
            copy.train(training);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>G(z, c) on raw outputs; <paramref name="condition"/> is null for an unconditional generator.</summary>
    public Tensor forward(Tensor noise, Tensor? condition) => forward(condition is null ? noise : cat([noise, condition], 1));

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (linear, norm) in _hidden)
        {
            var h = linear.forward(x);
            if (norm is not null) h = Normalize(norm, h);
            h = nn.functional.relu(h);
            x = Residual ? cat([h, x], 1) : h;
        }
        return Output.forward(x);
    }

    /// <summary>
    /// <paramref name="norm"/>'s batch norm, called directly: TorchSharp's <c>BatchNorm1d.forward</c> counts its
    /// batches with <c>num_batches_tracked.add_(1)</c>, two temporary Scalars a call (see <see cref="Scalars"/>). The
    /// count is kept here with long-lived ones, so the saved state is what the module would have written; it serves
    /// only a null momentum (a cumulative average), which <c>BatchNormCalibration</c> asks for with explicit factors.
    /// </summary>
    private Tensor Normalize(BatchNorm1d norm, Tensor h)
    {
        double momentum = norm.momentum ?? throw new InvalidOperationException("The generator's batch norm needs a momentum.");
        if (training && norm.num_batches_tracked is { } count)
            using (no_grad()) count.add_(Scalars.One, Scalars.One); // in place: returns the same tensor
        return nn.functional.batch_norm(h, norm.running_mean, norm.running_var, norm.weight, norm.bias, training, momentum, norm.eps);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _modules.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// What a generator is made of: its input (noise, then the condition vector of a conditional generator), its hidden
/// layers and its output (one encoded row). Enough to build it again, empty, before its weights are loaded.
/// </summary>
internal sealed record GeneratorShape(int NoiseDimension, int ConditionWidth, IReadOnlyList<int> HiddenLayers, int OutputWidth, bool BatchNorm, bool Residual)
{
    public int InputWidth => NoiseDimension + ConditionWidth;

    /// <summary>The shape for a table: a conditional generator takes the condition vector when the table has categorical columns.</summary>
    public static GeneratorShape For(TabularEncoder encoder, ConditionLayout layout, int noiseDimension, IReadOnlyList<int> hiddenLayers,
        bool batchNorm, bool residual, bool conditional) =>
        new(noiseDimension, conditional ? layout.Width : 0, hiddenLayers.ToArray(), encoder.Width, batchNorm, residual);
}
