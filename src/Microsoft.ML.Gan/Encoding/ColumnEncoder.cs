using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>How the generator's raw output on one span becomes a value the discriminator sees.</summary>
internal enum SpanActivation
{
    /// <summary>One continuous value in [-1, 1].</summary>
    Tanh,
    /// <summary>A one-hot choice among the span's entries (Gumbel-softmax while training).</summary>
    Softmax,
}

/// <summary>A slice of the encoded row, with the activation of the generator's head on it.</summary>
internal readonly record struct OutputSpan(int Start, int Length, SpanActivation Activation);

/// <summary>
/// Turns one column of the user's table into a fixed-width slice of the encoded training row and back.
/// One subclass per column kind so that a better encoding (mode-specific normalisation) can replace one kind alone.
/// </summary>
internal abstract class ColumnEncoder
{
    protected ColumnEncoder(string name, ColumnKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }

    public ColumnKind Kind { get; }

    /// <summary>Floats this column takes in the encoded row.</summary>
    public abstract int Width { get; }

    /// <summary>How many softmax spans the column has: each needs one uniform draw when a row is decoded.</summary>
    public abstract int DrawCount { get; }

    /// <summary>The column's spans, relative to its own first float.</summary>
    public abstract IReadOnlyList<OutputSpan> Spans { get; }

    public abstract ColumnEncoderState ToState();

    /// <summary>
    /// Adds this column's decoding to an ONNX graph: from the generator's raw output (<paramref name="output"/>,
    /// [batch, width]; the column starts at <paramref name="offset"/>) to the decoded column, shape [batch].
    /// <paramref name="draws"/> ([batch, draw count], uniforms in [0, 1)) is null when categories are taken by argmax.
    /// Computes what <see cref="TabularEncoder.Decode"/> computes, step for step.
    /// </summary>
    public abstract (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph graph, string output, int offset, string? draws, int drawOffset, CategorySampling sampling);

    /// <summary>Columns [start, start + length) of a [batch, width] value.</summary>
    protected static string OnnxSlice(OnnxGraph g, string value, int start, int length) =>
        g.Node("Slice", [value, g.Constant([(long)start], 1), g.Constant([(long)(start + length)], 1), g.Constant([1L], 1)]);

    /// <summary>
    /// <see cref="Choose"/> as ONNX nodes, giving an int64 index per row: ArgMax (first maximum, as Choose), or
    /// inverse-CDF sampling: the number of entries whose cumulative softmax probability is at most the row's draw.
    /// </summary>
    protected static string OnnxChoose(OnnxGraph g, string output, int start, int length, string? draws, int drawIndex, CategorySampling sampling)
    {
        var logits = OnnxSlice(g, output, start, length);
        if (sampling == CategorySampling.ArgMax || length == 1 || draws is null)
            return g.Node("ArgMax", [logits], ("axis", 1), ("keepdims", 0));
        var cumulative = g.Node("CumSum", [g.Node("Softmax", [logits], ("axis", 1)), g.Scalar(1L)]);
        var passed = g.Node("LessOrEqual", [cumulative, OnnxSlice(g, draws, drawIndex, 1)]);
        var count = g.Node("ReduceSum", [g.Node("Cast", [passed], ("to", (long)OnnxType.Int64)), g.Constant([1L], 1)], ("keepdims", 0));
        // Rounding can leave the last cumulative value a hair under a draw close to 1, as in Choose.
        return g.Node("Min", [count, g.Scalar((long)(length - 1))]);
    }

    public abstract GanColumnInfo ToInfo();

    public static ColumnEncoder FromState(ColumnEncoderState state) =>
        ColumnKinds.IsContinuous(state.Kind)
            ? new ContinuousColumnEncoder(state)
            : new CategoricalColumnEncoder(state);

    /// <summary>
    /// Picks an entry of a softmax span: argmax, or inverse-CDF sampling from softmax(logits) with one uniform
    /// draw in [0, 1) (the same distribution as Gumbel-max, with one draw per span instead of one per entry).
    /// </summary>
    public static int Choose(ReadOnlySpan<float> logits, float uniform, CategorySampling sampling)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        if (sampling == CategorySampling.ArgMax || logits.Length == 1) return best;

        float max = logits[best];
        Span<double> weights = logits.Length <= 256 ? stackalloc double[logits.Length] : new double[logits.Length];
        double total = 0;
        for (int i = 0; i < logits.Length; i++) total += weights[i] = Math.Exp(logits[i] - max);
        double target = uniform * total, cumulative = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            cumulative += weights[i];
            if (target < cumulative) return i;
        }
        return logits.Length - 1; // rounding left target at the very top
    }
}

/// <summary>The fitted state of one column, as saved in a model file. Plain data for System.Text.Json.</summary>
internal sealed class ColumnEncoderState
{
    public string Name { get; set; } = "";
    public ColumnKind Kind { get; set; }
    public double Minimum { get; set; }
    public double Maximum { get; set; }
    public long RowCount { get; set; }
    public long MissingCount { get; set; }
    /// <summary>Text categories (for Text columns).</summary>
    public string[]? Levels { get; set; }
    /// <summary>Raw values of Key (0 is missing) or Boolean (0/1) categories.</summary>
    public ulong[]? Values { get; set; }
    public long[]? LevelCounts { get; set; }
    public bool[]? LevelIsMissing { get; set; }
    public string? KeyRawType { get; set; }
    public ulong KeyCount { get; set; }
    /// <summary>Mode-specific normalisation's Gaussian modes (numeric columns); null for min-max.</summary>
    public double[]? ModeMeans { get; set; }
    public double[]? ModeStandardDeviations { get; set; }
    public double[]? ModeWeights { get; set; }
    /// <summary>Mode-specific normalisation's spike values (each a mode decoded exactly), ascending, and their counts.</summary>
    public double[]? SpikeValues { get; set; }
    public long[]? SpikeCounts { get; set; }
}
