using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// Writes the whole generator as one ONNX graph: the inputs of its <see cref="GeneratorSignature"/> in, one decoded
/// output per training column out.
/// </summary>
/// <remarks>
/// Hidden layers are Gemm (batch norm folded in) and Relu, residual layers concatenated with their input; then per
/// column the column's own decoding (<see cref="GanColumn.AddOnnxDecoder"/>): tanh and the affine map back to the
/// training range (rounded and clamped, cast to the column's type; NaN where the missing head says so), or the chosen
/// category gathered from a constant table (text as strings, booleans as bool, keys as their unsigned raw value), its
/// logits lowered first where an earlier column's category rules it out (<see cref="CategoryExclusion.AddOnnx"/>);
/// between the two for categories, the numeric combinations (<see cref="NumericCombination.AddOnnx"/>), the column dependencies (<see cref="ColumnDependency.AddOnnx"/>), then the constraints'
/// derived columns (<see cref="ColumnConstraints.AddOnnx"/>), then the numeric trends (<see cref="NumericTrend.AddOnnx"/>), then the formulas (<see cref="NumericFormula.AddOnnx"/>). A numeric column
/// whose marginal map is grouped by a categorical column decodes after the others, from that column's categories. With a
/// density-ratio filter, one more output: each row's keep probability (<see cref="DensityRatioFilter.AddOnnx"/>).
/// Default ONNX domain, opset <see cref="OnnxGraph.OpsetVersion"/>; no custom or ai.onnx.ml operators.
/// </remarks>
internal static class GeneratorGraph
{
    public static byte[] Build(TabularEncoder encoder, IReadOnlyList<FoldedLayer> layers, GeneratorSignature signature, DensityRatioFilter? filter,
        IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var g = new OnnxGraph("gan_generator");
        string noise = g.Input(signature.Noise.Name, OnnxType.Float, signature.Noise.Width);
        string? condition = signature.Condition is { } conditionInput ? g.Input(conditionInput.Name, OnnxType.Float, conditionInput.Width) : null;
        string? draws = signature.Draws is { } d ? g.Input(d.Name, OnnxType.Float, d.Width) : null;
        var (outputs, keep) = AddGenerator(g, encoder, layers, signature, filter, noise, condition, draws);
        for (int c = 0; c < outputs.Count; c++) g.Output(signature.Outputs[c], outputs[c], OutputType(encoder, signature.Outputs[c]));
        if (keep is not null) g.Output(GeneratorSignature.KeepName, keep, OnnxType.Float);
        return OnnxSeal.Seal(g.ToModel(ModelDescription.LibraryVersionNow, metadata));
    }

    /// <summary>The ONNX element type of the output of the training column <paramref name="name"/>.</summary>
    public static OnnxType OutputType(TabularEncoder encoder, string name) => encoder.Columns.First(c => c.Name == name).OutputType;

    /// <summary>
    /// Adds the generator to <paramref name="g"/>, from the values <paramref name="noise"/> (float [rows, noise]),
    /// <paramref name="condition"/> and <paramref name="draws"/> (null where the signature has no such input): the network,
    /// then each column's decoding. Returns the decoded values of <see cref="GeneratorSignature.Outputs"/>, in order, and
    /// the keep probability of a filtered signature (else null). With <paramref name="keepOnly"/>, only what the keep
    /// probability needs: no column values (an empty list).
    /// </summary>
    public static (IReadOnlyList<string> Outputs, string? Keep) AddGenerator(OnnxGraph g, TabularEncoder encoder, IReadOnlyList<FoldedLayer> layers,
        GeneratorSignature signature, DensityRatioFilter? filter, string noise, string? condition, string? draws, bool keepOnly = false)
    {
        string x = condition is null ? noise : g.Node("Concat", [noise, condition], ("axis", 1));
        foreach (var layer in layers)
        {
            var y = g.Node("Gemm", [x, g.Constant(layer.Weights, layer.Outputs, layer.Inputs), g.Constant(layer.Bias, layer.Outputs)], ("transB", 1));
            if (layer.Relu) y = g.Node("Relu", [y]);
            x = layer.AppendInput ? g.Node("Concat", [y, x], ("axis", 1)) : y;
        }

        // Each column decoded (categories as their indices), the dependencies applied in order, then the outputs.
        var columns = encoder.Columns;
        var decoded = new string[columns.Count];
        var missingOf = new Dictionary<int, string>(); // a leader's missing decision, by column
        for (int c = 0; c < columns.Count; c++)
        {
            if (encoder.GroupOf(c) >= 0 || columns[c] is MadeColumn) continue;
            // A category that an earlier column's category rules out is lowered first (as TabularEncoder.Decode).
            decoded[c] = columns[c] is CategoricalColumn categorical
                ? categorical.AddOnnxLevel(g, x, encoder.OffsetOf(c), draws, encoder.DrawOffsetOf(c), signature.Sampling,
                    encoder.ExclusionsOf(c).Select(e => e.AddOnnx(g, decoded[e.First])).ToArray())
                : columns[c] is NumericColumn numeric
                    ? numeric.AddOnnxDecoder(g, x, encoder.OffsetOf(c), draws, encoder.DrawOffsetOf(c), signature.Sampling, null, LeaderMissing(c)).Value
                    : columns[c].AddOnnxDecoder(g, x, encoder.OffsetOf(c), draws, encoder.DrawOffsetOf(c), signature.Sampling).Value;
        }
        // A column whose map is grouped by a categorical column or a number of few values, from that column's categories
        // (as TabularEncoder.Decode; a number's made once).
        var levelsOf = new Dictionary<int, (string Level, int LevelCount)>();
        for (int c = 0; c < columns.Count; c++)
        {
            int group = encoder.GroupOf(c);
            if (group < 0) continue;
            if (!levelsOf.TryGetValue(group, out var levels)) levelsOf[group] = levels = encoder.AddOnnxGroupLevels(g, decoded, group);
            decoded[c] = ((NumericColumn)columns[c]).AddOnnxDecoder(g, x, encoder.OffsetOf(c), draws, encoder.DrawOffsetOf(c), signature.Sampling,
                levels, LeaderMissing(c)).Value;
        }
        foreach (var level in encoder.EntityLevels) level.AddOnnx(g, columns, decoded, draws, encoder.MapDrawOf(level.Target), signature.Sampling); // first: rules read its target's values
        foreach (var combination in encoder.Combinations) combination.AddOnnx(g, columns, decoded);
        foreach (var dependency in encoder.Dependencies) dependency.AddOnnx(g, columns, decoded);
        encoder.Constraints?.AddOnnx(g, columns, decoded);
        foreach (var trend in encoder.TrendsBeforeFormulas) trend.AddOnnx(g, columns, decoded, draws, encoder.TrendDrawOf(trend), signature.Sampling);
        foreach (var formula in encoder.Formulas) formula.AddOnnxBeforeFormulas(g, columns, decoded);
        foreach (var formula in encoder.Formulas) formula.AddOnnx(g, columns, decoded);
        foreach (var trend in encoder.TrendsAfterFormulas) trend.AddOnnx(g, columns, decoded, draws, encoder.TrendDrawOf(trend), signature.Sampling);
        foreach (var tree in encoder.Thresholds) tree.AddOnnx(g, columns, decoded);
        foreach (var dependency in encoder.AfterThresholds) dependency.AddOnnx(g, columns, decoded);
        foreach (var end in encoder.StudyEnds) end.AddOnnx(g, columns, decoded);
        var outputs = new List<string>();
        for (int c = 0; c < encoder.VisibleCount && !keepOnly; c++) // a hidden column (a combination's category) is no output
            if (columns[c] is not MadeColumn) // made from the rows' positions, which the graph does not take
                outputs.Add(columns[c] is CategoricalColumn categorical ? categorical.AddOnnxValues(g, decoded[c]) : decoded[c]);
        return (outputs, filter is null ? null : filter.AddOnnx(g, columns, decoded));

        // Whether the leader of column c (when it has one) is missing in each row, as its head and its own leader's decide
        // (as TabularEncoder.LeaderMissing); each column's decision made once.
        string? LeaderMissing(int c)
        {
            int l = encoder.LeaderOf(c);
            if (l < 0) return null;
            if (missingOf.TryGetValue(l, out var known)) return known;
            var leader = (NumericColumn)columns[l];
            var above = LeaderMissing(l);
            var own = above is null || leader.MissingElsewhere ? leader.AddOnnxChoosesMissing(g, x, encoder.OffsetOf(l), draws, encoder.DrawOffsetOf(l), signature.Sampling) : null;
            return missingOf[l] = above is null ? own! : own is null ? above : g.Node("Or", [above, own]);
        }
    }
}
