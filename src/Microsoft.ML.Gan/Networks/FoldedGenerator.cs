using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// One affine map of the generator in inference form: y = W x + b, then ReLU on hidden layers, then (residual
/// layers) the layer's input appended after y. The weights are row-major [Outputs, Inputs], as torch stores a
/// Linear's weight.
/// </summary>
internal sealed record FoldedLayer(float[] Weights, float[] Bias, int Inputs, int Outputs, bool Relu, bool AppendInput);

/// <summary>
/// The trained generator with every batch norm folded into the linear map before it (inference mode: the
/// running statistics). Eval-mode batch norm is an affine map per output, so
/// W' = s W and b' = s (b - mean) + beta with s = gamma / sqrt(var + eps), computed in double.
/// </summary>
internal static class FoldedGenerator
{
    public static IReadOnlyList<FoldedLayer> From(GeneratorNetwork network)
    {
        using var scope = NewDisposeScope(); // the copies Read makes on the way to managed arrays
        var layers = new List<FoldedLayer>();
        foreach (var (linear, norm) in network.HiddenLayers) layers.Add(Fold(linear, norm, relu: true, network.Residual));
        layers.Add(Fold(network.Output, null, relu: false, appendInput: false));
        return layers;
    }

    private static FoldedLayer Fold(Linear linear, BatchNorm1d? norm, bool relu, bool appendInput)
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
        return new FoldedLayer(w.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray(), inputs, outputs, relu, appendInput);
    }
}
