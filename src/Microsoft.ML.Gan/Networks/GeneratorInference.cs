using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Encoding;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The trained generator as plain arrays, for generation: batch norm folded into the preceding linear map,
/// ReLU between layers, tanh on the continuous spans of the output.
/// </summary>
/// <remarks>
/// Every output value is accumulated the same way, bias first and then one fused multiply-add per input in
/// input order, whether it is computed in a block of rows, alone, in a vector lane or in the scalar tail. So a
/// row's values depend only on its noise: not on the batch, the block, the thread or the number of threads
/// (TorchSharp's multithreaded CPU matrix products vary in the last bit from run to run). The kernel works on
/// blocks of 4 rows × 16 outputs so that each weight loaded from memory serves four rows.
/// </remarks>
internal sealed class GeneratorInference
{
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

    /// <summary>The widest activation: scratch space per row.</summary>
    public int MaxWidth { get; }

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
    /// as many noise rows. <paramref name="scratchA"/> and <paramref name="scratchB"/> need rows × <see cref="MaxWidth"/> floats.
    /// </summary>
    public void Forward(ReadOnlySpan<float> noise, int rows, Span<float> output, Span<float> scratchA, Span<float> scratchB)
    {
        noise[..(rows * InputWidth)].CopyTo(scratchA);
        bool inA = true;
        foreach (var layer in _layers)
        {
            var from = inA ? scratchA : scratchB;
            var to = inA ? scratchB : scratchA;
            layer.Apply(from[..(rows * layer.Inputs)], rows, to[..(rows * layer.Outputs)]);
            inA = !inA;
        }
        var result = (inA ? scratchA : scratchB)[..(rows * OutputWidth)];
        result.CopyTo(output);
        for (int r = 0; r < rows; r++)
        {
            var row = output.Slice(r * OutputWidth, OutputWidth);
            for (int i = 0; i < row.Length; i++)
            {
                if (_tanh[i]) row[i] = MathF.Tanh(row[i]);
            }
        }
    }

    /// <summary>One linear map (weights stored input-major, so 16 consecutive outputs are one load) and its ReLU.</summary>
    private sealed class Layer(float[] weightsByInput, float[] bias, int inputs, int outputs, bool relu)
    {
        public int Inputs { get; } = inputs;
        public int Outputs { get; } = outputs;

        public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y)
        {
            int r = 0;
            for (; r + 4 <= rows; r += 4) Block4(x, y, r);
            for (; r < rows; r++) Single(x.Slice(r * Inputs, Inputs), y.Slice(r * Outputs, Outputs));
            if (relu)
            {
                for (int i = 0; i < rows * Outputs; i++) y[i] = Math.Max(y[i], 0f);
            }
        }

        private void Block4(ReadOnlySpan<float> x, Span<float> y, int r)
        {
            // Unchecked loads: the offsets below stay inside x (4 rows of Inputs from row r) and the weights
            // (Inputs x Outputs), which Apply's callers guarantee; bounds checks here cost more than the FMAs.
            ref float x0 = ref Unsafe.AsRef(in x[r * Inputs]);
            ref float x1 = ref Unsafe.Add(ref x0, Inputs);
            ref float x2 = ref Unsafe.Add(ref x1, Inputs);
            ref float x3 = ref Unsafe.Add(ref x2, Inputs);
            ref float w = ref MemoryMarshal.GetArrayDataReference(weightsByInput);
            int o = 0;
            for (; o + 16 <= Outputs; o += 16)
            {
                var b0 = Vector256.Create(bias.AsSpan(o, 8));
                var b1 = Vector256.Create(bias.AsSpan(o + 8, 8));
                Vector256<float> a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
                nuint at = (nuint)o;
                for (int k = 0; k < Inputs; k++, at += (nuint)Outputs)
                {
                    var w0 = Vector256.LoadUnsafe(ref w, at);
                    var w1 = Vector256.LoadUnsafe(ref w, at + 8);
                    var v0 = Vector256.Create(Unsafe.Add(ref x0, k));
                    var v1 = Vector256.Create(Unsafe.Add(ref x1, k));
                    var v2 = Vector256.Create(Unsafe.Add(ref x2, k));
                    var v3 = Vector256.Create(Unsafe.Add(ref x3, k));
                    a00 = Vector256.FusedMultiplyAdd(v0, w0, a00); a01 = Vector256.FusedMultiplyAdd(v0, w1, a01);
                    a10 = Vector256.FusedMultiplyAdd(v1, w0, a10); a11 = Vector256.FusedMultiplyAdd(v1, w1, a11);
                    a20 = Vector256.FusedMultiplyAdd(v2, w0, a20); a21 = Vector256.FusedMultiplyAdd(v2, w1, a21);
                    a30 = Vector256.FusedMultiplyAdd(v3, w0, a30); a31 = Vector256.FusedMultiplyAdd(v3, w1, a31);
                }
                Store(a00, a01, y.Slice(r * Outputs + o, 16));
                Store(a10, a11, y.Slice((r + 1) * Outputs + o, 16));
                Store(a20, a21, y.Slice((r + 2) * Outputs + o, 16));
                Store(a30, a31, y.Slice((r + 3) * Outputs + o, 16));
            }
            for (int i = 0; i < 4; i++) Tail(x.Slice((r + i) * Inputs, Inputs), y.Slice((r + i) * Outputs, Outputs), o);
        }

        private void Single(ReadOnlySpan<float> x, Span<float> y)
        {
            ref float w = ref MemoryMarshal.GetArrayDataReference(weightsByInput);
            int o = 0;
            for (; o + 16 <= Outputs; o += 16)
            {
                var a0 = Vector256.Create(bias.AsSpan(o, 8));
                var a1 = Vector256.Create(bias.AsSpan(o + 8, 8));
                nuint at = (nuint)o;
                for (int k = 0; k < Inputs; k++, at += (nuint)Outputs)
                {
                    var v = Vector256.Create(x[k]);
                    a0 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref w, at), a0);
                    a1 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref w, at + 8), a1);
                }
                Store(a0, a1, y.Slice(o, 16));
            }
            Tail(x, y, o);
        }

        /// <summary>Outputs from <paramref name="from"/> on, one at a time, in the same order of operations as a vector lane.</summary>
        private void Tail(ReadOnlySpan<float> x, Span<float> y, int from)
        {
            for (int o = from; o < Outputs; o++)
            {
                float a = bias[o];
                for (int k = 0; k < Inputs; k++) a = MathF.FusedMultiplyAdd(x[k], weightsByInput[k * Outputs + o], a);
                y[o] = a;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(Vector256<float> low, Vector256<float> high, Span<float> into)
        {
            low.CopyTo(into);
            high.CopyTo(into[8..]);
        }

        /// <summary>
        /// Eval-mode batch norm after a linear map is an affine map per output, so it folds into the weights:
        /// W' = s W and b' = s (b - mean) + beta with s = gamma / sqrt(var + eps).
        /// </summary>
        public static Layer From(Linear linear, BatchNorm1d? norm, bool relu)
        {
            static double[] Read(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            var w = Read(linear.weight!);
            var b = Read(linear.bias!);
            int outputs = (int)linear.weight!.shape[0], inputs = (int)linear.weight.shape[1];
            if (norm is not null)
            {
                var gamma = Read(norm.weight!);
                var beta = Read(norm.bias!);
                var mean = Read(norm.running_mean!);
                var variance = Read(norm.running_var!);
                for (int o = 0; o < outputs; o++)
                {
                    double s = gamma[o] / Math.Sqrt(variance[o] + norm.eps);
                    for (int i = 0; i < inputs; i++) w[o * inputs + i] *= s;
                    b[o] = s * (b[o] - mean[o]) + beta[o];
                }
            }
            var byInput = new float[inputs * outputs];
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < inputs; i++) byInput[i * outputs + o] = (float)w[o * inputs + i];
            }
            return new Layer(byInput, b.Select(v => (float)v).ToArray(), inputs, outputs, relu);
        }
    }
}
