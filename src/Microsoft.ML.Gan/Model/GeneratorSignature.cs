using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Model;

/// <summary>What an input of the generator's graph carries.</summary>
internal enum GraphInputRole
{
    Noise,
    Condition,
    Draws,
}

/// <summary>One input of the generator's graph: its name, its width (float [batch, width]) and what it carries.</summary>
internal readonly record struct GraphInput(string Name, int Width, GraphInputRole Role);

/// <summary>
/// The generator graph's inputs and outputs, in one place. Inputs, in order: the noise (named like
/// <see cref="GanTrainer.Options.NoiseColumnName"/>, the prior's draws); for a conditional generator
/// <see cref="ConditionName"/>, one one-hot block per categorical column; for a graph that samples categories
/// <see cref="DrawsName"/>, one uniform per categorical choice. Outputs: one per training column, by its name.
/// A generated row is made from its noise vector and <see cref="UniformsPerRow"/> uniforms: the decoding draws
/// first, then (conditional generators) the two that pick its condition.
/// </summary>
internal sealed class GeneratorSignature
{
    /// <summary>The input that carries the condition vector of a conditional generator.</summary>
    public const string ConditionName = "Condition";

    /// <summary>The input that carries the category draws of a sampling graph.</summary>
    public const string DrawsName = "CategoryDraws";

    /// <summary>The output that carries each row's keep probability, in a graph with a density-ratio filter.</summary>
    public const string KeepName = "KeepProbability";

    /// <param name="condition">The condition layout of a conditional generator; null when the generator takes no condition.</param>
    /// <param name="filtered">Whether the graph has a density-ratio filter (an output <see cref="KeepName"/>, one more uniform a row).</param>
    public GeneratorSignature(string noiseName, int noiseWidth, NoisePrior prior, ConditionLayout? condition, TabularEncoder encoder, CategorySampling sampling,
        bool filtered = false)
    {
        Filtered = filtered;
        Noise = new GraphInput(noiseName, noiseWidth, GraphInputRole.Noise);
        NoisePrior = prior;
        Layout = condition;
        Condition = condition is null ? null : new GraphInput(ConditionName, condition.Width, GraphInputRole.Condition);
        DecodeDraws = encoder.DrawCount;
        Sampling = sampling;
        Draws = sampling == CategorySampling.Sample && encoder.DrawCount > 0 ? new GraphInput(DrawsName, encoder.DrawCount, GraphInputRole.Draws) : null;
        Inputs = new[] { (GraphInput?)Noise, Condition, Draws }.Where(i => i is not null).Select(i => i!.Value).ToArray();
        Outputs = encoder.Columns.Take(encoder.VisibleCount).Where(c => c is not MadeColumn).Select(c => c.Name).ToArray(); // no hidden column
    }

    public GraphInput Noise { get; }
    public NoisePrior NoisePrior { get; }

    /// <summary>The condition input, or null for an unconditional generator.</summary>
    public GraphInput? Condition { get; }

    /// <summary>The condition layout, or null for an unconditional generator.</summary>
    public ConditionLayout? Layout { get; }

    /// <summary>The category draws input, or null for an argmax graph (or a table with nothing to draw).</summary>
    public GraphInput? Draws { get; }

    public CategorySampling Sampling { get; }

    /// <summary>Uniforms the decoding takes per row (whether or not the graph reads them).</summary>
    public int DecodeDraws { get; }

    /// <summary>The graph's inputs, in order.</summary>
    public IReadOnlyList<GraphInput> Inputs { get; }

    /// <summary>The graph's column outputs, in order: the training columns' names, but for identifiers (made in .NET).</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Every output of the graph, in order: <see cref="Outputs"/>, then <see cref="KeepName"/> in a filtered graph.</summary>
    public IReadOnlyList<string> GraphOutputs => Filtered ? [.. Outputs, KeepName] : Outputs;

    public int ConditionWidth => Condition?.Width ?? 0;

    /// <summary>Whether the graph has a density-ratio filter: an output <see cref="KeepName"/>, and a last uniform a row that decides.</summary>
    public bool Filtered { get; }

    /// <summary>
    /// Uniforms a generated row takes: its decoding draws, then two for its condition (conditional generators), then
    /// (a filtered graph) the one compared with its keep probability.
    /// </summary>
    public int UniformsPerRow => DecodeDraws + (Layout is null ? 0 : ConditionLayout.DrawsPerRow) + (Filtered ? 1 : 0);

    /// <summary>
    /// Splits a row's <see cref="UniformsPerRow"/> uniforms into its decoding draws (<see cref="DecodeDraws"/> long)
    /// and its condition vector (<see cref="ConditionWidth"/> long): <paramref name="fixedCondition"/> for every row,
    /// or drawn as the data have it.
    /// </summary>
    public void Prepare(ReadOnlySpan<float> uniforms, FixedCondition? fixedCondition, Span<float> draws, Span<float> condition)
    {
        uniforms[..DecodeDraws].CopyTo(draws);
        Layout?.Fill(condition[..Layout.Width], uniforms[DecodeDraws..], fixedCondition);
    }

    /// <summary>
    /// Splits whole rows of uniforms, as <see cref="Prepare"/> does: the decoding draws ([rows, <see cref="DecodeDraws"/>])
    /// and the condition vectors ([rows, <see cref="ConditionWidth"/>]).
    /// </summary>
    public (float[] Draws, float[] Condition) PrepareRows(float[] uniforms, int rows, FixedCondition? fixedCondition = null)
    {
        int nd = DecodeDraws, nc = ConditionWidth, perRow = UniformsPerRow;
        var draws = new float[Math.Max(1, rows * nd)];
        var condition = new float[Math.Max(1, rows * nc)];
        for (int r = 0; r < rows; r++)
            Prepare(uniforms.AsSpan(r * perRow, perRow), fixedCondition, draws.AsSpan(r * nd, nd), condition.AsSpan(r * nc, nc));
        return (draws, condition);
    }

    /// <summary>The names of the graph's inputs (and the filter's output) a training column may not take (an ONNX value has one name).</summary>
    public static IReadOnlyList<string> ReservedNames(string noiseName, bool filtered = false) =>
        filtered ? [noiseName, ConditionName, DrawsName, KeepName] : [noiseName, ConditionName, DrawsName];
}
