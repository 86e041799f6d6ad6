using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;
using TorchSharp;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// The density-ratio filter (<see cref="GanTrainer.Options.DensityRatioFilter"/>): a classifier trained after the GAN
/// to tell training rows from generated ones gives each generated row a logit d, an estimate of
/// log(p_real(x) / p_generated(x)); the row is kept with probability exp(min(0, d - <see cref="Threshold"/>)), so rows
/// the generator makes more often than the data have them are thinned out (discriminator rejection sampling,
/// Azadi et al., 2019). The classifier reads <see cref="RowFeatures"/> of the decoded row (dependencies applied) and is
/// a small perceptron (Gemm and Relu); the graph computes the keep probability as its output
/// <see cref="GeneratorSignature.KeepName"/>, and generation keeps a row when its last uniform is below it.
/// </summary>
internal sealed class DensityRatioFilter
{
    /// <summary>The most hidden units a layer of the classifier may have in a saved model.</summary>
    public const int MaximumHidden = 4096;

    public DensityRatioFilter(RowFeatures features, IReadOnlyList<FoldedLayer> layers, float threshold, double acceptance)
        : this(features, layers.Select(l => l.Outputs).ToArray(), threshold, acceptance)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            if (l.Inputs != (i == 0 ? features.Width : layers[i - 1].Outputs) || l.AppendInput || l.Relu != (i < layers.Count - 1)
                || l.Weights.Length != (long)l.Inputs * l.Outputs || l.Bias.Length != l.Outputs
                || l.Weights.Any(w => !float.IsFinite(w)) || l.Bias.Any(b => !float.IsFinite(b)))
                throw new InvalidDataException($"Layer {i + 1} of the density-ratio filter's classifier has inconsistent or non-finite weights.");
        }
        Layers = layers;
    }

    /// <summary>A filter without its weights: what an exported graph's description says of the filter inside it.</summary>
    /// <param name="widths">Each layer's outputs; the last is 1, the logit.</param>
    public DensityRatioFilter(RowFeatures features, IReadOnlyList<int> widths, float threshold, double acceptance)
    {
        if (widths.Count is < 1 or > MaximumLayers || widths[^1] != 1 || widths.Any(w => w is < 1 or > MaximumHidden))
            throw new InvalidDataException(
                $"The density-ratio filter's classifier must have 1 to {MaximumLayers} layers of 1 to {MaximumHidden:N0} units, the last of one unit (its logit).");
        if (!float.IsFinite(threshold)) throw new InvalidDataException("The density-ratio filter's threshold is not a finite number.");
        if (!(acceptance > 0 && acceptance <= 1)) throw new InvalidDataException("The density-ratio filter's acceptance rate is not in (0, 1].");
        Features = features;
        Widths = widths.ToArray();
        Threshold = threshold;
        Acceptance = acceptance;
    }

    /// <summary>The most layers the classifier may have in a saved model.</summary>
    public const int MaximumLayers = 8;

    /// <summary>Each layer's outputs, the last 1 (the logit).</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Floats the classifier's weights and biases take, as <see cref="WriteWeights"/> writes them.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0, inputs = Features.Width;
            foreach (int w in Widths)
            {
                count += inputs * w + w;
                inputs = w;
            }
            return count;
        }
    }

    /// <summary>The weights, layer by layer (weights row-major [outputs, inputs], then biases), as little-endian floats.</summary>
    public void WriteWeights(Stream stream)
    {
        var layers = WeightedLayers;
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        foreach (var layer in layers)
        {
            foreach (float w in layer.Weights) writer.Write(w);
            foreach (float b in layer.Bias) writer.Write(b);
        }
    }

    /// <summary>This filter with the weights <see cref="WriteWeights"/> wrote (exactly <see cref="ParameterCount"/> floats).</summary>
    public DensityRatioFilter WithWeights(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ParameterCount * sizeof(float))
            throw new InvalidDataException($"The density-ratio filter's weights take {bytes.Length:N0} bytes; its classifier needs {ParameterCount * sizeof(float):N0}.");
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Model files are little-endian.");
        var layers = new List<FoldedLayer>();
        int inputs = Features.Width, at = 0;
        for (int i = 0; i < Widths.Count; i++)
        {
            int outputs = Widths[i];
            var w = floats.AsSpan(at, inputs * outputs).ToArray();
            at += w.Length;
            var b = floats.AsSpan(at, outputs).ToArray();
            at += b.Length;
            layers.Add(new FoldedLayer(w, b, inputs, outputs, Relu: i < Widths.Count - 1, AppendInput: false));
            inputs = outputs;
        }
        return new DensityRatioFilter(Features, layers, Threshold, Acceptance);
    }

    /// <summary>What a model file's description keeps of the filter (the weights go beside it).</summary>
    public FilterState ToState() => new()
    {
        Quantiles = Features.Knots.Select(k => k?.ToArray()).ToArray(), Widths = Widths.ToArray(), Threshold = Threshold, KeepRate = Acceptance,
    };

    /// <summary>The filter a description lists, without weights; null when it lists none.</summary>
    /// <exception cref="InvalidDataException">The description is not consistent with the columns.</exception>
    public static DensityRatioFilter? Restore(FilterState? state, IReadOnlyList<GanColumn> columns)
    {
        if (state is null) return null;
        var quantiles = state.Quantiles ?? throw new InvalidDataException("The density-ratio filter lists no quantiles.");
        var widths = state.Widths ?? throw new InvalidDataException("The density-ratio filter lists no layers.");
        var features = new RowFeatures(columns, quantiles);
        if ((long)features.Width * (widths.Length > 0 ? widths[0] : 0) > MaximumInputWeights)
            throw new InvalidDataException($"The density-ratio filter's first layer would take more than {MaximumInputWeights:N0} weights.");
        return new DensityRatioFilter(features, widths, state.Threshold, state.KeepRate);
    }

    /// <summary>The most weights the classifier's first layer may have in a saved model (row features × units).</summary>
    public const long MaximumInputWeights = 1L << 26;

    public RowFeatures Features { get; }

    /// <summary>The classifier: hidden layers with ReLU, then one output, the logit d; null for a filter a graph's description lists (the weights are in the graph).</summary>
    public IReadOnlyList<FoldedLayer>? Layers { get; }

    /// <summary><see cref="Layers"/>, or an exception for a filter whose weights are in a graph only.</summary>
    private IReadOnlyList<FoldedLayer> WeightedLayers =>
        Layers ?? throw new InvalidOperationException("This density-ratio filter was described by a graph and has no weights of its own.");

    /// <summary>The logit at and above which a row is always kept.</summary>
    public float Threshold { get; }

    /// <summary>The share of generated rows kept, as measured on held-out candidates at <c>Fit</c>.</summary>
    public double Acceptance { get; }

    /// <summary>The classifier's logit of each row, computed with TorchSharp (the reference the graph is tested against).</summary>
    public float[] Logits(DecodedRows rows, int count)
    {
        var x = new float[(long)count * Features.Width];
        Features.Compute(rows, 0, count, x);
        using var scope = torch.NewDisposeScope();
        using var grad = torch.no_grad();
        return Forward(TorchRuntime.Copied(x, [count, Features.Width]));
    }

    /// <summary>The classifier's logits of a [rows, features] tensor.</summary>
    public float[] Forward(torch.Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var x = features;
        foreach (var layer in WeightedLayers)
        {
            x = torch.nn.functional.linear(x, TorchRuntime.Copied(layer.Weights, [layer.Outputs, layer.Inputs]), TorchRuntime.Copied(layer.Bias, [layer.Outputs]));
            if (layer.Relu) x = torch.nn.functional.relu(x);
        }
        return x.reshape(-1).data<float>().ToArray();
    }

    /// <summary>The same filter with the share of rows it keeps measured again (after the marginals were calibrated through it).</summary>
    public DensityRatioFilter WithAcceptance(double acceptance) =>
        Layers is { } layers ? new(Features, layers, Threshold, acceptance) : new(Features, Widths, Threshold, acceptance);

    /// <summary>The probability of keeping a row with logit <paramref name="logit"/>.</summary>
    public float KeepProbability(float logit) => MathF.Exp(Math.Min(0f, logit - Threshold));

    /// <summary>The keep probability as a float [batch] value of the graph, from the decoded columns (categories as indices).</summary>
    public string AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, IReadOnlyList<string> decoded)
    {
        var x = Features.AddOnnx(g, columns, decoded);
        foreach (var layer in WeightedLayers)
        {
            x = g.Node("Gemm", [x, g.Constant(layer.Weights, layer.Outputs, layer.Inputs), g.Constant(layer.Bias, layer.Outputs)], ("transB", 1));
            if (layer.Relu) x = g.Node("Relu", [x]);
        }
        var shifted = g.Node("Min", [g.Node("Sub", [x, g.Scalar(Threshold)]), g.Scalar(0f)]);
        return g.Node("Reshape", [g.Node("Exp", [shifted]), g.Constant([-1L], 1)]);
    }
}

/// <summary>The density-ratio filter in a model file's description: its row features, its classifier's shape, its threshold.</summary>
internal sealed class FilterState
{
    /// <summary>Per column: a numeric column's quantile bin edges, null for a categorical column.</summary>
    public float[]?[]? Quantiles { get; set; }

    /// <summary>Each layer's outputs; the last is 1.</summary>
    public int[]? Widths { get; set; }

    public float Threshold { get; set; }

    /// <summary>The share of generated rows kept, measured at Fit.</summary>
    public double KeepRate { get; set; }
}
