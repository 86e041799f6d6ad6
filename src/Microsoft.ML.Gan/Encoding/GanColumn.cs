using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

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
/// One fitted column of the training table: everything the GAN does with a column of its kind, in one object.
/// It turns the column's values into a fixed-width slice of the encoded training row; turns the generator's output
/// on that slice back into values, in .NET (<see cref="Decode"/>) and as ONNX nodes (<see cref="AddOnnxDecoder"/>);
/// reads that graph's output (<see cref="ReadOnnxOutput"/>); and serves the decoded values to ML.NET
/// (<see cref="CreateGetter"/>). Decoded values live in a buffer the column makes (<see cref="CreateBuffer"/>).
/// The two families, <see cref="NumericColumn"/> and <see cref="CategoricalColumn"/>, hold the modelling; each
/// leaf class adds what depends on its ML.NET type. Its <see cref="ColumnKind"/> reads and fits it.
/// </summary>
internal abstract class GanColumn
{
    protected GanColumn(string name) => Name = name;

    public string Name { get; }

    /// <summary>The kind that fitted this column and restores it from a model file.</summary>
    public abstract ColumnKind Kind { get; }

    /// <summary>The ML.NET type of the column, in the training table and in generated rows.</summary>
    public abstract DataViewType Type { get; }

    /// <summary>Floats this column takes in the encoded row.</summary>
    public abstract int Width { get; }

    /// <summary>How many softmax spans the column has: each needs one uniform draw when a row is decoded.</summary>
    public abstract int DrawCount { get; }

    /// <summary>The column's spans, relative to its own first float.</summary>
    public abstract IReadOnlyList<OutputSpan> Spans { get; }

    /// <summary>A buffer for <paramref name="capacity"/> decoded values (an array whose element type the family fixes).</summary>
    public abstract Array CreateBuffer(int capacity);

    /// <summary>
    /// Decodes <paramref name="rows"/> rows of generator output into <paramref name="buffer"/> from its row
    /// <paramref name="firstRow"/> on. Row r's slice starts at r × <paramref name="stride"/> + <paramref name="offset"/>
    /// of <paramref name="output"/> (tanh applied on tanh spans, raw logits on softmax spans); its uniforms at
    /// r × <paramref name="drawStride"/> + <paramref name="drawOffset"/> of <paramref name="draws"/>.
    /// </summary>
    public abstract void Decode(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow);

    /// <summary>
    /// Adds this column's decoding to an ONNX graph: from the generator's raw output (<paramref name="output"/>,
    /// [batch, width]; the column starts at <paramref name="offset"/>) to the decoded column, shape [batch].
    /// <paramref name="draws"/> ([batch, draw count], uniforms in [0, 1)) is null when categories are taken by argmax.
    /// Computes what <see cref="Decode"/> computes, step for step.
    /// </summary>
    public abstract (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph graph, string output, int offset, string? draws, int drawOffset, CategorySampling sampling);

    /// <summary>The element type of the column's output in the graph.</summary>
    public abstract OnnxType OutputType { get; }

    /// <summary>Reads this column's output of the graph <see cref="AddOnnxDecoder"/> wrote into <paramref name="buffer"/>, from its row <paramref name="firstRow"/> on.</summary>
    /// <exception cref="InvalidDataException">The graph produced a value the column cannot have.</exception>
    public abstract void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow);

    /// <summary>An ML.NET value getter (ValueGetter of the column's raw type) over <paramref name="buffer"/>, at the row <paramref name="row"/> returns when called.</summary>
    public abstract Delegate CreateGetter(Array buffer, Func<int> row);

    /// <summary>What the column learned, for users.</summary>
    public abstract GanColumnInfo ToInfo();

    /// <summary>The fitted state, as a model file keeps it.</summary>
    public abstract ColumnState ToState();

    /// <summary>Columns [start, start + length) of a [batch, width] value.</summary>
    protected static string OnnxSlice(OnnxGraph g, string value, int start, int length) =>
        g.Node("Slice", [value, g.Constant([(long)start], 1), g.Constant([(long)(start + length)], 1), g.Constant([1L], 1)]);

    /// <summary>
    /// <see cref="Choose(ReadOnlySpan{float}, float[], float, CategorySampling)"/> as ONNX nodes, giving an int64 index per
    /// row: ArgMax (first maximum, as Choose), or inverse-CDF sampling: the number of entries whose cumulative softmax
    /// probability is at most the row's draw. <paramref name="bias"/>, when given, is added to the logits first, then each of
    /// <paramref name="penalties"/> (float, [batch, length]) in order.
    /// </summary>
    protected static string OnnxChoose(OnnxGraph g, string output, int start, int length, string? draws, int drawIndex, CategorySampling sampling,
        float[]? bias = null, IReadOnlyList<string>? penalties = null)
    {
        var logits = OnnxSlice(g, output, start, length);
        if (bias is not null) logits = g.Node("Add", [logits, g.Constant(bias, bias.Length)]);
        foreach (string penalty in penalties ?? []) logits = g.Node("Add", [logits, penalty]);
        if (sampling == CategorySampling.ArgMax || length == 1 || draws is null)
            return g.Node("ArgMax", [logits], ("axis", 1), ("keepdims", 0));
        var cumulative = g.Node("CumSum", [g.Node("Softmax", [logits], ("axis", 1)), g.Scalar(1L)]);
        var passed = g.Node("LessOrEqual", [cumulative, OnnxSlice(g, draws, drawIndex, 1)]);
        var count = g.Node("ReduceSum", [g.Node("Cast", [passed], ("to", (long)OnnxType.Int64)), g.Constant([1L], 1)], ("keepdims", 0));
        // Rounding can leave the last cumulative value a hair under a draw close to 1, as in Choose.
        return g.Node("Min", [count, g.Scalar((long)(length - 1))]);
    }

    /// <summary>
    /// <see cref="Choose(ReadOnlySpan{float}, float, CategorySampling)"/> of the logits plus <paramref name="bias"/>
    /// (added in float, as the graph adds them); no bias when it is null.
    /// </summary>
    public static int Choose(ReadOnlySpan<float> logits, float[]? bias, float uniform, CategorySampling sampling)
    {
        if (bias is null) return Choose(logits, uniform, sampling);
        Span<float> adjusted = logits.Length <= 256 ? stackalloc float[logits.Length] : new float[logits.Length];
        for (int i = 0; i < logits.Length; i++) adjusted[i] = logits[i] + bias[i];
        return Choose(adjusted, uniform, sampling);
    }

    /// <summary>The largest logit bias a saved column may hold: e^16 ≈ nine million times more or less likely.</summary>
    public const float MaximumBias = 16;

    /// <summary>Checks saved logit biases: null, or <paramref name="length"/> finite values within ±<see cref="MaximumBias"/>.</summary>
    protected static float[]? CheckedBiases(float[]? biases, int length, string column)
    {
        if (biases is null) return null;
        if (biases.Length != length || biases.Any(b => !float.IsFinite(b) || Math.Abs(b) > MaximumBias))
            throw new InvalidDataException($"Column '{column}': the saved logit biases are not {length} finite numbers within ±{MaximumBias}.");
        return biases;
    }

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

/// <summary>The fitted state of one column, as saved in a model file. Plain data for System.Text.Json; each kind reads the fields it uses.</summary>
internal sealed class ColumnState
{
    /// <summary>An identifier's type (String, Int32, Int64, UInt32, UInt64), prefix, suffix, fixed width (0 for none), first generated number and room (<see cref="IdentifierColumn"/>).</summary>
    public string? IdentifierType { get; set; }
    /// <summary>Fake data's kind, Bogus locale and (for OneOf) values (<see cref="FakeColumn"/>).</summary>
    public string? FakeKind { get; set; }
    public string? FakeLocale { get; set; }
    public string[]? FakeValues { get; set; }
    public string? IdentifierPrefix { get; set; }
    public string? IdentifierSuffix { get; set; }
    public int IdentifierDigits { get; set; }
    public long IdentifierFirst { get; set; }
    public long IdentifierRoom { get; set; }

    public string Name { get; set; } = "";
    /// <summary>The <see cref="ColumnKind.Name"/> that restores the column.</summary>
    public string Kind { get; set; } = "";
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
    /// <summary>
    /// Whether a spike's generated rows carry the generator's leaning into the marginal map (format 40; see
    /// <see cref="NumericColumn.LeansSpikes"/>); null: a spike's rows are placed by their own draws.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? LeaningSpikes { get; set; }
    /// <summary>Rank normalisation's training quantiles at even levels (format 21; see <see cref="RankScale"/>); null for min-max and mode-specific.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double[]? RankQuantiles { get; set; }
    /// <summary>The numeric grid's step in units of 10^-<see cref="GranularityDecimals"/> (see <see cref="NumericGranularity"/>); null for none.</summary>
    public long? GranularityUnits { get; set; }
    /// <summary>Whether decoding mirrors values beyond the range back inside it (format 4); false: it clamps only.</summary>
    public bool ReflectAtEdges { get; set; }
    public int? GranularityDecimals { get; set; }
    /// <summary>
    /// Biases added to a softmax head's logits when generating, calibrated after training so that generated shares
    /// match the training shares: one per category (categorical columns), or present/missing (numeric columns with
    /// missing values); null for none (format 4 and older, or <see cref="GanTrainer.Options.ExactMarginals"/> off).
    /// </summary>
    public float[]? LogitBiases { get; set; }
    /// <summary>
    /// A numeric column's leader (format 29): the numeric column it is missing with, in every row the leader is missing
    /// in (<see cref="GanTrainer.Options.MissingTogether"/>). Null for none: the column's own head decides.
    /// </summary>
    public string? MissingWith { get; set; }
    /// <summary>With <see cref="MissingWith"/>: whether the column is missing in rows of its own too, where its own head decides (format 29).</summary>
    public bool MissingElsewhere { get; set; }
    /// <summary>
    /// The shares ordinary generated rows draw a categorical column's condition with (format 8), when they are not
    /// the training shares: calibrated through a density-ratio filter, whose keep rate differs between categories
    /// that the condition fixes. Null: the training shares.
    /// </summary>
    public double[]? ConditionShares { get; set; }
    /// <summary>The marginal map's generated quantiles (see <see cref="MarginalMap"/>); null before calibration or without a map (format 4 and older).</summary>
    public double[]? MarginalGenerated { get; set; }
    /// <summary>The marginal map's training quantiles, for a column mapped by interpolation.</summary>
    public double[]? MarginalQuantiles { get; set; }
    /// <summary>
    /// The levels of <see cref="MarginalQuantiles"/> when they are not even (format 22): a column whose training values
    /// repeat keeps each distinct value over a run of levels and interpolates between values over the rest (see
    /// <see cref="MarginalMap.RepeatKnots"/>). Null: even levels.
    /// </summary>
    public double[]? MarginalLevels { get; set; }
    /// <summary>Whether the map's training side repeats training values (<see cref="GanTrainer.Options.RepeatTrainingValues"/>), so that a refit does too; null: no.</summary>
    public bool? MarginalRepeats { get; set; }
    /// <summary>How many distinct training values the map repeats where it was fitted to (format 22): its levels' values, or the training values among a grid's (see <see cref="MarginalMap.GridShares"/>); null where it was not.</summary>
    public int? MarginalRepeatedValues { get; set; }
    /// <summary>The marginal map's training values, ascending, for a column mapped onto its exact values.</summary>
    public double[]? MarginalValues { get; set; }
    /// <summary>The cumulative shares of <see cref="MarginalValues"/>, all but the last (which is 1).</summary>
    public double[]? MarginalCumulative { get; set; }
    /// <summary>
    /// The categorical column whose categories have marginal tables of their own (format 9; see <see cref="MarginalMap"/>
    /// and <see cref="GanTrainer.Options.GroupedMarginals"/>); null without groups.
    /// </summary>
    public string? MarginalGroup { get; set; }
    /// <summary>The categories (indices in <see cref="MarginalGroup"/>) with a table, ascending.</summary>
    public int[]? MarginalGroupLevels { get; set; }
    /// <summary>Each group's training table, one after another: its quantiles at 101 levels, or the cumulative shares of <see cref="MarginalValues"/> among its rows (all but the last).</summary>
    public double[]? MarginalGroupTraining { get; set; }
    /// <summary>Each group's generated quantiles at 101 levels, one after another; null before calibration.</summary>
    public double[]? MarginalGroupGenerated { get; set; }

    /// <summary>
    /// True when the map's training side holds only the rows that no column dependency sets (see
    /// <see cref="ColumnDependency.WithFreeMarginals"/>): calibration then fits its generated side on those rows too.
    /// Null otherwise (and in files written before it; it changes no generated row, only how a map is calibrated).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? MarginalFreeRows { get; set; }
    /// <summary>The UTC offset, in minutes, of a DateTimeOffset column's values (format 10; see <see cref="TimeColumn"/>).</summary>
    public int? TimeOffsetMinutes { get; set; }
    /// <summary>A DateTimeOffset column whose values keep a time zone's offsets (daylight saving time): the zone's id; null for one fixed offset.</summary>
    public string? TimeZone { get; set; }
    /// <summary>The <see cref="System.DateTimeKind"/> of a DateTime column's generated values, by name (format 10).</summary>
    public string? DateTimeKind { get; set; }
}
