using System.Numerics.Tensors;
using Microsoft.ML.Gan.Encoding;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The trained generator as plain arrays, for generation: batch norm folded into the preceding linear map,
/// ReLU between layers, tanh on the continuous spans of the output. Each row is computed on its own in a fixed
/// order, so a row's values do not depend on the batch, the thread or the number of threads (TorchSharp's
/// multithreaded CPU matrix products do vary in the last bit from run to run), and many threads can run it at
/// once without a lock.
/// </summary>
internal sealed class GeneratorInference
{
    /// <summary>Rows one task computes when a batch is split across threads.</summary>
    private const int RowsPerTask = 64;

    private readonly Layer[] _layers;
    private readonly bool[] _tanh;

    private GeneratorInference(Layer[] layers, bool[] tanh)
    {
        _layers = layers;
        _tanh = tanh;
        InputWidth = layers[0].Inputs;
        OutputWidth = layers[^1].Outputs;
        MaxWidth = layers.Max(l => Math.Max(l.Inputs, l.Outputs));
    }

    public int InputWidth { get; }
    public int OutputWidth { get; }
    private int MaxWidth { get; }

    /// <summary>Multiply-adds per generated row.</summary>
    public long MultiplyAddsPerRow => _layers.Sum(l => (long)l.Inputs * l.Outputs);

    /// <summary>Copies the weights of a trained generator (in eval mode: running batch-norm statistics).</summary>
    public static GeneratorInference From(GeneratorNetwork network, TabularEncoder encoder)
    {
        var layers = new List<Layer>();
        foreach (var (linear, norm) in network.HiddenLayers) layers.Add(Layer.From(linear, norm, relu: true));
        layers.Add(Layer.From(network.Output, null, relu: false));
        var tanh = new bool[encoder.Width];
        foreach (var span in encoder.Spans)
        {
            if (span.Activation == SpanActivation.Tanh)
                for (int i = span.Start; i < span.Start + span.Length; i++) tanh[i] = true;
        }
        return new GeneratorInference(layers.ToArray(), tanh);
    }

    /// <summary>
    /// Computes <paramref name="rows"/> output rows (tanh values on continuous spans, logits on the others) from
    /// as many noise rows.
    /// </summary>
    public void Forward(float[] noise, int rows, float[] output)
    {
        if (rows <= RowsPerTask)
        {
            ForwardRange(noise, output, 0, rows);
            return;
        }
        int tasks = (rows + RowsPerTask - 1) / RowsPerTask;
        Parallel.For(0, tasks, t => ForwardRange(noise, output, t * RowsPerTask, Math.Min(rows, (t + 1) * RowsPerTask)));
    }

    private void ForwardRange(float[] noise, float[] output, int from, int to)
    {
        var a = new float[MaxWidth];
        var b = new float[MaxWidth];
        for (int r = from; r < to; r++)
        {
            noise.AsSpan(r * InputWidth, InputWidth).CopyTo(a);
            var input = a;
            var result = b;
            for (int l = 0; l < _layers.Length; l++)
            {
                var layer = _layers[l];
                layer.Apply(input.AsSpan(0, layer.Inputs), result.AsSpan(0, layer.Outputs));
                (input, result) = (result, input);
            }
            var row = output.AsSpan(r * OutputWidth, OutputWidth);
            input.AsSpan(0, OutputWidth).CopyTo(row);
            for (int i = 0; i < row.Length; i++)
            {
                if (_tanh[i]) row[i] = MathF.Tanh(row[i]);
            }
        }
    }

    private sealed class Layer(float[] weights, float[] bias, int inputs, int outputs, bool relu)
    {
        public int Inputs { get; } = inputs;
        public int Outputs { get; } = outputs;

        public void Apply(ReadOnlySpan<float> x, Span<float> y)
        {
            for (int o = 0; o < Outputs; o++)
            {
                float v = TensorPrimitives.Dot(weights.AsSpan(o * Inputs, Inputs), x) + bias[o];
                y[o] = relu && v < 0 ? 0 : v;
            }
        }

        /// <summary>
        /// Eval-mode batch norm after a linear map is an affine map per output, so it folds into the weights:
        /// W' = s W and b' = s (b - mean) + beta with s = gamma / sqrt(var + eps).
        /// </summary>
        public static Layer From(Linear linear, BatchNorm1d? norm, bool relu)
        {
            var w = linear.weight!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            var b = linear.bias!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            int outputs = (int)linear.weight.shape[0], inputs = (int)linear.weight.shape[1];
            if (norm is not null)
            {
                var gamma = norm.weight!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
                var beta = norm.bias!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
                var mean = norm.running_mean!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
                var variance = norm.running_var!.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
                for (int o = 0; o < outputs; o++)
                {
                    double s = gamma[o] / Math.Sqrt(variance[o] + norm.eps);
                    for (int i = 0; i < inputs; i++) w[o * inputs + i] *= s;
                    b[o] = s * (b[o] - mean[o]) + beta[o];
                }
            }
            return new Layer(w.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray(), inputs, outputs, relu);
        }
    }
}
