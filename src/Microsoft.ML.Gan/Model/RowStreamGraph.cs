using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// Writes the self-contained generator graph: a seed and row indices in, rows out. Row i of seed s is the row
/// <see cref="GanTransformer.Generate(long, int, long)"/> makes at position i of seed s, bit for bit, because the graph
/// takes <see cref="NoiseSource"/>'s steps with standard operators: SplitMix64 on uint64 (Add and Mul wrap modulo
/// 2^64, BitShift, opset 18's BitwiseXor), Box-Muller through <see cref="PortableMath"/>'s exactly rounded steps, the
/// condition drawn as <see cref="ConditionLayout.Fill"/> draws it, the category draws, and (with a density-ratio
/// filter) a Loop over attempts 0, 1, ... in which each row still pending tries its next candidate, until every row
/// has one that passes. The rows then go once more through the generator with their passing attempt's inputs.
/// </summary>
/// <remarks>
/// Inputs: <see cref="SeedName"/> (int64 [1], or [rows] for a seed per row; the seed as Generate takes it: an int, a
/// negative one standing for itself plus 2^32) and <see cref="RowName"/> (int64 [rows], the rows' positions in the seed,
/// in any order). Outputs:
/// the columns, as the explicit graph's, and <see cref="AttemptName"/> (int64 [rows], the candidate that passed; −1
/// for a row none of <see cref="MaximumAttempts"/> candidates passed). Identifier and fake columns are not outputs
/// (made in .NET), and a model with C# predicate rules is refused (the graph cannot check them).
/// </remarks>
internal static class RowStreamGraph
{
    public const string SeedName = "Seed";
    public const string RowName = "Row";
    public const string AttemptName = "Attempt";

    /// <summary>Candidates a row may try. A filter keeps at least 1 row in 20 by construction: 10,000 attempts all failing has probability below 10^-200.</summary>
    public const long MaximumAttempts = 10_000;

    // SplitMix64's constants: NoiseSource's own, so the two cannot drift apart.
    private const ulong Golden = NoiseSource.Golden;
    private const ulong AttemptKey = NoiseSource.AttemptKey;
    private const ulong MixFirst = NoiseSource.MixFirst;
    private const ulong MixSecond = NoiseSource.MixSecond;

    public static IReadOnlyList<string> ReservedNames => [SeedName, RowName, AttemptName];

    public static byte[] Build(TabularEncoder encoder, IReadOnlyList<FoldedLayer> layers, GeneratorSignature signature, DensityRatioFilter? filter,
        IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var g = new OnnxGraph("gan_generator_seeded", OnnxGraph.BitwiseOpsetVersion);
        string seedInput = g.ShapedInput(SeedName, OnnxType.Int64, ["seeds"]);
        string rowInput = g.ShapedInput(RowName, OnnxType.Int64, ["rows"]);

        // The seed as Generate takes it, (ulong)(uint)seed; each row's stream: Mix(seed ^ Mix(row + golden)), as NoiseSource's.
        string seed = g.Node("BitwiseAnd", [g.Node("Cast", [seedInput], ("to", (int)OnnxType.UInt64)), U64(g, 0xFFFF_FFFFUL)]);
        string rows = g.Node("Cast", [rowInput], ("to", (int)OnnxType.UInt64));
        string rowStream = Mix(g, g.Node("BitwiseXor", [seed, Mix(g, g.Node("Add", [rows, U64(g, Golden)]))]));

        string chosen;
        if (signature.Filtered && filter is not null)
        {
            // Every row pending (attempt −1) until a candidate passes; the loop runs while any is pending.
            string none = g.Node("Sub", [g.Node("Sub", [rowInput, rowInput]), g.Scalar(1L)]);
            string any = g.Node("Greater", [g.Node("Size", [rowInput]), g.Scalar(0L)]);
            var body = AttemptBody(g, encoder, layers, signature, filter, rowStream);
            chosen = g.Nodes("Loop", [g.Scalar(MaximumAttempts), any, none], 1, ("body", new OnnxGraph.GraphAttribute(body)))[0];
        }
        else chosen = g.Node("Sub", [rowInput, rowInput]);

        // The rows once more, each with the inputs of its passing candidate (a row no candidate passed: its attempt 0).
        string attempt = g.Node("Max", [chosen, g.Scalar(0L)]);
        var (noise, uniforms) = RowInputs(g, signature, AttemptStream(g, rowStream, attempt));
        var (condition, draws) = Split(g, signature, uniforms);
        var (outputs, _) = GeneratorGraph.AddGenerator(g, encoder, layers, signature, filter, noise, condition, draws);
        for (int c = 0; c < outputs.Count; c++)
            g.Output(signature.Outputs[c], outputs[c], GeneratorGraph.OutputType(encoder, signature.Outputs[c]), ["rows"]);
        g.Output(AttemptName, chosen, OnnxType.Int64, ["rows"]);
        return OnnxSeal.Seal(g.ToModel(ModelDescription.LibraryVersionNow, metadata));
    }

    /// <summary>
    /// The Loop's body: the rows still pending (attempt −1) try candidate <c>iteration</c>; those that pass the filter
    /// record it. Carries the rows' attempts (int64 [rows]); goes on while one is −1.
    /// </summary>
    private static OnnxGraph AttemptBody(OnnxGraph g, TabularEncoder encoder, IReadOnlyList<FoldedLayer> layers, GeneratorSignature signature,
        DensityRatioFilter filter, string rowStream)
    {
        var body = g.Subgraph("attempts");
        string iteration = body.ShapedInput("gan::attempt", OnnxType.Int64, []);
        body.ShapedInput("gan::attempt_condition", OnnxType.Bool, []);
        string attempts = body.ShapedInput("gan::attempts_in", OnnxType.Int64, null);

        string pending = body.Node("Reshape", [body.Node("NonZero", [body.Node("Less", [attempts, body.Scalar(0L)])]), body.Constant([-1L], 1)]);
        string stream = AttemptStream(body, body.Node("Gather", [rowStream, pending], ("axis", 0)), iteration);
        var (noise, uniforms) = RowInputs(body, signature, stream);
        var (condition, draws) = Split(body, signature, uniforms);
        var (_, keep) = GeneratorGraph.AddGenerator(body, encoder, layers, signature, filter, noise, condition, draws, keepOnly: true);

        // As TabularEncoder.DecideKept: the row's last uniform below its keep probability.
        string last = body.Node("Reshape", [Columns(body, uniforms, signature.UniformsPerRow - 1, signature.UniformsPerRow), body.Constant([-1L], 1)]);
        string passed = body.Node("Less", [last, keep!]);
        string updated = body.Node("Where", [passed, iteration, body.Node("Gather", [attempts, pending], ("axis", 0))]);
        string next = body.Node("ScatterElements", [attempts, pending, updated], ("axis", 0));
        string goOn = body.Node("Less", [body.Node("ReduceMin", [next], ("keepdims", 0)), body.Scalar(0L)]);
        body.Output("gan::attempt_condition_out", goOn, OnnxType.Bool, []);
        body.Output("gan::attempts_out", next, OnnxType.Int64, null);
        return body;
    }

    /// <summary>The stream of a row's candidate <paramref name="attempt"/> (int64, a scalar or one a row): the row's own at 0, else Mix(stream ^ Mix(attempt × key)).</summary>
    private static string AttemptStream(OnnxGraph g, string rowStream, string attempt)
    {
        string key = Mix(g, g.Node("Mul", [g.Node("Cast", [attempt], ("to", (int)OnnxType.UInt64)), U64(g, AttemptKey)]));
        string mixed = Mix(g, g.Node("BitwiseXor", [rowStream, key]));
        // The stream where the attempt is 0, the mixed one elsewhere: one of the two times 1 plus the other times 0 (exact modulo 2^64).
        string first = g.Node("Cast", [g.Node("Equal", [attempt, g.Scalar(0L)])], ("to", (int)OnnxType.UInt64));
        string other = g.Node("Sub", [U64(g, 1), first]);
        return g.Node("Add", [g.Node("Mul", [rowStream, first]), g.Node("Mul", [mixed, other])]);
    }

    /// <summary>
    /// A candidate's noise (float [rows, noise]) and uniforms (float [rows, <see cref="GeneratorSignature.UniformsPerRow"/>])
    /// from its stream (uint64 [rows]), drawn in <see cref="NoiseSource.FillCandidate"/>'s order.
    /// </summary>
    private static (string Noise, string Uniforms) RowInputs(OnnxGraph g, GeneratorSignature signature, string stream)
    {
        int width = signature.Noise.Width, uniformCount = signature.UniformsPerRow;
        bool normal = signature.NoisePrior != NoisePrior.Uniform;
        int pairs = (width + 1) / 2;
        int noiseValues = normal ? 2 * pairs : width;
        int total = noiseValues + uniformCount;

        // Value k of the stream: Mix(state + (k + 1) × golden), [rows, total].
        var steps = new ulong[total];
        for (int k = 0; k < total; k++) steps[k] = unchecked((ulong)(k + 1) * Golden);
        string values = Mix(g, g.Node("Add", [g.Node("Unsqueeze", [stream, g.Constant([1L], 1)]), g.IntegerConstant(OnnxType.UInt64, steps)]));

        string noise;
        if (normal)
        {
            string first = g.Node("Slice", [values, g.Constant([0L], 1), g.Constant([(long)noiseValues], 1), g.Constant([1L], 1), g.Constant([2L], 1)]);
            string second = g.Node("Slice", [values, g.Constant([1L], 1), g.Constant([(long)noiseValues], 1), g.Constant([1L], 1), g.Constant([2L], 1)]);
            string m = g.Node("Sub", [g.Scalar(PortableMath.TwoTo53), Top53(g, first)]);
            string radius = g.Node("Sqrt", [MinusTwoLogOfUnit(g, m)]);
            var (sin, cos) = SinCosOfTurn(g, Top53(g, second));
            string cosines = g.Node("Cast", [g.Node("Mul", [radius, cos])], ("to", (int)OnnxType.Float));
            string sines = g.Node("Cast", [g.Node("Mul", [radius, sin])], ("to", (int)OnnxType.Float));
            // Interleaved: cos of pair p at 2p, its sin at 2p + 1; the last sine dropped for an odd width.
            string paired = g.Node("Concat", [g.Node("Unsqueeze", [cosines, g.Constant([2L], 1)]), g.Node("Unsqueeze", [sines, g.Constant([2L], 1)])], ("axis", 2));
            string shape = g.Node("Concat", [g.Node("Slice", [g.Node("Shape", [values]), g.Constant([0L], 1), g.Constant([1L], 1)]), g.Constant([(long)noiseValues], 1)], ("axis", 0));
            noise = Columns(g, g.Node("Reshape", [paired, shape]), 0, width);
        }
        else
        {
            // 2 × (53 bits / 2^53) − 1, as NoiseSource: exact in double, then rounded to float.
            string unit = g.Node("Mul", [Top53(g, Columns(g, values, 0, width)), g.Scalar(1.0 / PortableMath.TwoTo53)]);
            noise = g.Node("Cast", [g.Node("Sub", [g.Node("Mul", [unit, g.Scalar(2.0)]), g.Scalar(1.0)])], ("to", (int)OnnxType.Float));
        }

        // Uniforms as NoiseSource.NextSingle: the top 24 bits over 2^24.
        string top24 = g.Node("Cast", [g.Node("BitShift", [Columns(g, values, noiseValues, total), U64(g, 40)], ("direction", "RIGHT"))], ("to", (int)OnnxType.Float));
        string uniforms = g.Node("Mul", [top24, g.Scalar(1f / (1 << 24))]);
        return (noise, uniforms);
    }

    /// <summary>The condition (float [rows, width]; null for an unconditional generator) and the category draws (null where the graph takes none) from a candidate's uniforms.</summary>
    private static (string? Condition, string? Draws) Split(OnnxGraph g, GeneratorSignature signature, string uniforms)
    {
        int decodeDraws = signature.DecodeDraws;
        string? draws = signature.Draws is null ? null : Columns(g, uniforms, 0, decodeDraws);
        if (signature.Layout is not { } layout) return (null, draws);
        if (layout.Columns.Count == 0) return (Columns(g, uniforms, 0, 0), draws); // no block: an empty condition, as Fill leaves it
        return (Condition(g, layout, Columns(g, uniforms, decodeDraws, decodeDraws + 1), Columns(g, uniforms, decodeDraws + 1, decodeDraws + 2)), draws);
    }

    /// <summary>
    /// As <see cref="ConditionLayout.Fill"/>: the first uniform picks the block (⌊u × blocks⌋, the last where rounding
    /// reaches it), the second a category by the block's training frequencies (the first whose running sum, summed in
    /// <see cref="ConditionLayout.Pick"/>'s order, exceeds it; past the total, the last with a share).
    /// </summary>
    private static string Condition(OnnxGraph g, ConditionLayout layout, string blockDraw, string categoryDraw)
    {
        int blocks = layout.Columns.Count;
        string block = g.Node("Min", [g.Node("Cast", [g.Node("Floor", [g.Node("Mul", [blockDraw, g.Scalar((float)blocks)])])], ("to", (int)OnnxType.Int64)),
            g.Scalar((long)blocks - 1)]);
        string draw = g.Node("Cast", [categoryDraw], ("to", (int)OnnxType.Double));
        var positions = new string[blocks];
        for (int b = 0; b < blocks; b++)
        {
            var column = layout.Columns[b];
            var cumulative = new double[column.Frequencies.Length];
            double sum = 0;
            for (int i = 0; i < cumulative.Length; i++) cumulative[i] = sum += column.Frequencies[i];
            int fallback = ConditionLayout.Pick(column.Frequencies, double.PositiveInfinity);
            string below = g.Node("ReduceSum", [g.Node("Cast", [g.Node("LessOrEqual", [g.Constant(cumulative, cumulative.Length), draw])], ("to", (int)OnnxType.Int64)),
                g.Constant([1L], 1)], ("keepdims", 1));
            string pick = g.Node("Where", [g.Node("Equal", [below, g.Scalar((long)cumulative.Length)]), g.Scalar((long)fallback), below]);
            positions[b] = g.Node("Add", [pick, g.Scalar((long)column.Offset)]);
        }
        string position = g.Node("GatherElements", [blocks == 1 ? positions[0] : g.Node("Concat", positions, ("axis", 1)), block], ("axis", 1));
        var entries = Enumerable.Range(0, layout.Width).Select(i => (long)i).ToArray();
        return g.Node("Cast", [g.Node("Equal", [g.Constant(entries, entries.Length), position])], ("to", (int)OnnxType.Float));
    }

    /// <summary>As <see cref="PortableMath.MinusTwoLogOfUnit(double)"/> on a double tensor of integers in [1, 2^53]: the exponent found by scaling with powers of two (exact, so the same e and t as .NET reads from the bits), then the same steps.</summary>
    private static string MinusTwoLogOfUnit(OnnxGraph g, string m)
    {
        string t = m, e = g.Node("Sub", [m, m]);
        foreach (int step in PortableMath.ExponentSteps)
        {
            double power = Math.ScaleB(1.0, step);
            string big = g.Node("GreaterOrEqual", [t, g.Scalar(power)]);
            t = g.Node("Where", [big, g.Node("Mul", [t, g.Scalar(1.0 / power)]), t]);
            e = g.Node("Where", [big, g.Node("Add", [e, g.Scalar((double)step)]), e]);
        }
        string over = g.Node("Greater", [t, g.Scalar(PortableMath.Sqrt2)]);
        t = g.Node("Where", [over, g.Node("Mul", [t, g.Scalar(0.5)]), t]);
        e = g.Node("Where", [over, g.Node("Add", [e, g.Scalar(1.0)]), e]);
        string s = g.Node("Div", [g.Node("Sub", [t, g.Scalar(1.0)]), g.Node("Add", [t, g.Scalar(1.0)])]);
        string log = g.Node("Mul", [s, Horner(g, PortableMath.LogSeries, g.Node("Mul", [s, s]))]);
        string k = g.Node("Sub", [e, g.Scalar(53.0)]);
        string inner = g.Node("Add", [g.Node("Mul", [k, g.Scalar(PortableMath.Ln2Low)]), log]);
        string whole = g.Node("Add", [g.Node("Mul", [k, g.Scalar(PortableMath.Ln2High)]), inner]);
        return g.Node("Mul", [g.Scalar(-2.0), whole]);
    }

    /// <summary>As <see cref="PortableMath.SinCosOfTurn(double)"/>, step for step: (sin, cos) of 2π k / 2^53.</summary>
    private static (string Sin, string Cos) SinCosOfTurn(OnnxGraph g, string k)
    {
        string v = g.Node("Mul", [k, g.Scalar(4.0 / PortableMath.TwoTo53)]);
        string quadrant = g.Node("Floor", [v]);
        string fraction = g.Node("Sub", [v, quadrant]);
        string flip = g.Node("Greater", [fraction, g.Scalar(0.5)]);
        string b = g.Node("Mul", [g.Node("Where", [flip, g.Node("Sub", [g.Scalar(1.0), fraction]), fraction]), g.Scalar(PortableMath.HalfPi)]);
        string z = g.Node("Mul", [b, b]);
        string sinB = g.Node("Mul", [b, Horner(g, PortableMath.SinSeries, z)]);
        string cosB = Horner(g, PortableMath.CosSeries, z);
        string sa = g.Node("Where", [flip, cosB, sinB]), ca = g.Node("Where", [flip, sinB, cosB]);
        // Quadrant n: (sin, cos) = (sa, ca), (ca, −sa), (−sa, −ca), (−ca, sa); the signs are exact.
        string n = g.Node("Cast", [quadrant], ("to", (int)OnnxType.Int64));
        string odd = g.Node("Equal", [g.Node("Gather", [g.Constant([0L, 1L, 0L, 1L], 4), n], ("axis", 0)), g.Scalar(1L)]);
        string sinSign = g.Node("Gather", [g.Constant([1.0, 1.0, -1.0, -1.0], 4), n], ("axis", 0));
        string cosSign = g.Node("Gather", [g.Constant([1.0, -1.0, -1.0, 1.0], 4), n], ("axis", 0));
        return (g.Node("Mul", [g.Node("Where", [odd, ca, sa]), sinSign]), g.Node("Mul", [g.Node("Where", [odd, sa, ca]), cosSign]));
    }

    /// <summary>As <see cref="PortableMath.Horner(double[], double)"/>: ((c[0] z + c[1]) z + ...) + c[n].</summary>
    private static string Horner(OnnxGraph g, double[] highestFirst, string z)
    {
        string p = g.Node("Mul", [g.Scalar(highestFirst[0]), z]);
        p = g.Node("Add", [p, g.Scalar(highestFirst[1])]);
        for (int i = 2; i < highestFirst.Length; i++) p = g.Node("Add", [g.Node("Mul", [p, z]), g.Scalar(highestFirst[i])]);
        return p;
    }

    /// <summary>A stream value's top 53 bits as a double (exact).</summary>
    private static string Top53(OnnxGraph g, string values) =>
        g.Node("Cast", [g.Node("BitShift", [values, U64(g, 11)], ("direction", "RIGHT"))], ("to", (int)OnnxType.Double));

    /// <summary>SplitMix64's finaliser, as <see cref="NoiseSource.Mix"/>.</summary>
    private static string Mix(OnnxGraph g, string z)
    {
        z = g.Node("Mul", [g.Node("BitwiseXor", [z, g.Node("BitShift", [z, U64(g, 30)], ("direction", "RIGHT"))]), U64(g, MixFirst)]);
        z = g.Node("Mul", [g.Node("BitwiseXor", [z, g.Node("BitShift", [z, U64(g, 27)], ("direction", "RIGHT"))]), U64(g, MixSecond)]);
        return g.Node("BitwiseXor", [z, g.Node("BitShift", [z, U64(g, 31)], ("direction", "RIGHT"))]);
    }

    /// <summary>Columns [from, to) of a [rows, n] value.</summary>
    private static string Columns(OnnxGraph g, string value, int from, int to) =>
        g.Node("Slice", [value, g.Constant([(long)from], 1), g.Constant([(long)to], 1), g.Constant([1L], 1)]);

    private static string U64(OnnxGraph g, ulong value) => g.IntegerConstant(OnnxType.UInt64, [value]);
}
