using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes the whole generator as one ONNX graph: noise in, one decoded output per training column out.
/// </summary>
/// <remarks>
/// Inputs: the noise, named like <see cref="GanTrainer.Options.NoiseColumnName"/>, float [batch, noise dimension];
/// for a conditional generator <see cref="ConditionInputName"/>, float [batch, condition width], one one-hot block
/// per categorical column (the metadata says how to fill it); with category sampling, also <see cref="DrawsInputName"/>,
/// float [batch, draws], one uniform in [0, 1) per categorical choice. Hidden layers are Gemm (batch norm folded
/// in) and Relu, residual layers concatenated with their input; then per column the decoding of
/// <see cref="TabularEncoder.Decode"/>: tanh and the affine map back to the training range (rounded and clamped,
/// cast to the column's type; NaN where the missing head says so), or the chosen category gathered from a
/// constant table (text as strings, booleans as bool, keys as their unsigned raw value). Default ONNX domain,
/// opset <see cref="OnnxGraph.OpsetVersion"/>; no custom or ai.onnx.ml operators.
/// </remarks>
internal static class GeneratorExport
{
    /// <summary>The input that carries the category draws in a sampling graph.</summary>
    public const string DrawsInputName = "CategoryDraws";

    /// <summary>The input that carries the condition vector of a conditional generator.</summary>
    public const string ConditionInputName = "Condition";

    /// <param name="conditionWidth">The condition vector's length; 0 for an unconditional generator (no Condition input).</param>
    public static byte[] Build(TabularEncoder encoder, IReadOnlyList<FoldedLayer> layers, GanTrainer.Options options, int conditionWidth,
        CategorySampling sampling, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        string noiseName = options.NoiseColumnName;
        var clash = encoder.Columns.FirstOrDefault(c => c.Name == noiseName || c.Name == DrawsInputName || c.Name == ConditionInputName);
        if (clash is not null)
            throw new InvalidOperationException(
                $"Column '{clash.Name}' has the name of an input of the ONNX graph ('{noiseName}' carries the noise, '{ConditionInputName}' the condition, '{DrawsInputName}' the category draws): " +
                "an ONNX value has one name. Train with another Options.NoiseColumnName, or rename the column.");

        var g = new OnnxGraph("gan_generator");
        string x = g.Input(noiseName, OnnxType.Float, options.NoiseDimension);
        if (conditionWidth > 0) x = g.Node("Concat", [x, g.Input(ConditionInputName, OnnxType.Float, conditionWidth)], ("axis", 1));
        bool sampled = sampling == CategorySampling.Sample && encoder.DrawCount > 0;
        string? draws = sampled ? g.Input(DrawsInputName, OnnxType.Float, encoder.DrawCount) : null;

        foreach (var layer in layers)
        {
            var y = g.Node("Gemm", [x, g.Constant(layer.Weights, layer.Outputs, layer.Inputs), g.Constant(layer.Bias, layer.Outputs)], ("transB", 1));
            if (layer.Relu) y = g.Node("Relu", [y]);
            x = layer.AppendInput ? g.Node("Concat", [y, x], ("axis", 1)) : y;
        }

        int offset = 0, drawOffset = 0;
        foreach (var column in encoder.Columns)
        {
            var (value, type) = column.AddOnnxDecoder(g, x, offset, draws, drawOffset, sampling);
            g.Output(column.Name, value, type);
            offset += column.Width;
            drawOffset += column.DrawCount;
        }
        return g.ToModel(GanModel.LibraryVersion, metadata);
    }
}
