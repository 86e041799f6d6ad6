using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A monotone map from a numeric column's generated values onto its training values' distribution (a quantile map):
/// a generated value v is placed at its level u in the generator's own distribution (the share of generated values
/// below it), and comes out as the training values' quantile at u. Ranks are kept, so the relations with the other
/// columns that the generator learned stay; the column's shape becomes the training column's.
/// </summary>
/// <remarks>
/// <para>Fitted in two halves. At <c>Fit</c>, before training, the training side: a column with few distinct values
/// (at most <see cref="MaximumDiscreteValues"/>, each seen <see cref="DiscreteRepeats"/> times on average) keeps its
/// distinct values and their cumulative shares, and maps onto exactly those values (a whole-year age, a capital gain
/// the data have, a month's date); any other column keeps its quantiles at <see cref="Levels"/> + 1 even levels and
/// maps by linear interpolation between them (then rounds to its granularity). After training, the generated side:
/// the generator's own quantiles at the same levels, from <see cref="CalibrationRows"/> rows generated as
/// <c>Generate</c> makes them.</para>
/// <para>A value equal to several generated knots (a spike: many generated rows share the value) takes a level drawn
/// evenly across the levels those knots span, with the row's own uniform draw, so a spike spreads over the training
/// values that hold the same share of rows (a generator that makes 40 hours a week too often then makes 38 and 45 as
/// the data do, rather than one value for the whole spike; with argmax sampling, which has no draws, the middle
/// level). Any other value's level is interpolated between the two knots around it; below the lowest knot it is 0,
/// above the highest 1.</para>
/// <para>The graph computes the same operations in the same order in double (counts of knots below a value by the same
/// binary search, gathers, then the same arithmetic), so .NET and ONNX decode the same values to the bit.</para>
/// </remarks>
internal sealed class MarginalMap
{
    /// <summary>Even levels between 0 and 1 at which the quantiles are kept: 1/500 apart.</summary>
    public const int Levels = 500;

    /// <summary>The most distinct training values a column mapped onto its exact values may have.</summary>
    public const int MaximumDiscreteValues = 1000;

    /// <summary>A column maps onto its exact values when it has, on average, at least this many rows per distinct value.</summary>
    public const int DiscreteRepeats = 4;

    /// <summary>Rows generated after training to find the generator's own quantiles.</summary>
    public const int CalibrationRows = 50_000;

    /// <summary>The most knots or values a saved map may have.</summary>
    private const int MaximumSaved = 100_000;

    private readonly double[]? _generated;
    private readonly double[]? _quantiles;
    private readonly double[]? _values;
    private readonly double[]? _cumulative;

    private MarginalMap(double[]? generated, double[]? quantiles, double[]? values, double[]? cumulative)
    {
        _generated = generated;
        _quantiles = quantiles;
        _values = values;
        _cumulative = cumulative;
    }

    /// <summary>Whether the map knows the generator's quantiles (after training); only then does it map.</summary>
    public bool IsCalibrated => _generated is not null;

    /// <summary>Whether it maps onto the training column's exact distinct values (else onto interpolated quantiles).</summary>
    public bool IsDiscrete => _values is not null;

    /// <summary>The training side of the map from a column's present values, into <paramref name="state"/>.</summary>
    public static void FitTraining(ColumnState state, double[] present)
    {
        if (present.Length == 0) return;
        var sorted = (double[])present.Clone();
        Array.Sort(sorted);
        var distinct = new List<double>();
        var cumulative = new List<double>();
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i + 1 < sorted.Length && sorted[i + 1] == sorted[i]) continue;
            distinct.Add(sorted[i]);
            cumulative.Add((i + 1) / (double)sorted.Length);
            if (distinct.Count > MaximumDiscreteValues) break;
        }
        if (distinct.Count <= MaximumDiscreteValues && (long)distinct.Count * DiscreteRepeats <= sorted.Length)
        {
            state.MarginalValues = [.. distinct];
            state.MarginalCumulative = cumulative.Take(distinct.Count - 1).ToArray(); // the last is 1
            return;
        }
        state.MarginalQuantiles = Quantiles(sorted);
    }

    /// <summary>The generated side, from generated values before the map (NaN missing), into <paramref name="state"/>; false when none is present.</summary>
    public static bool FitGenerated(ColumnState state, IEnumerable<double> generated)
    {
        var sorted = generated.Where(v => !double.IsNaN(v)).ToArray();
        if (sorted.Length == 0) return false;
        Array.Sort(sorted);
        state.MarginalGenerated = Quantiles(sorted);
        return true;
    }

    /// <summary>
    /// The generated side from values that count with weights (the density-ratio filter's keep probabilities: the
    /// quantiles of the rows generation keeps); false when no present value has weight.
    /// </summary>
    public static bool FitGenerated(ColumnState state, double[] generated, float[] weights)
    {
        var present = Enumerable.Range(0, generated.Length).Where(i => !double.IsNaN(generated[i]) && weights[i] > 0).ToArray();
        if (present.Length == 0) return false;
        var values = present.Select(i => generated[i]).ToArray();
        var w = present.Select(i => (double)weights[i]).ToArray();
        Array.Sort(values, w);
        state.MarginalGenerated = WeightedQuantiles(values, w);
        return true;
    }

    /// <summary>
    /// Values at levels 0, 1/<see cref="Levels"/>, …, 1 of sorted values with weights: each value stands at the middle
    /// of its weight's share of the total, and a level between two values is interpolated between them (the lowest
    /// and highest values at levels 0 and 1).
    /// </summary>
    private static double[] WeightedQuantiles(double[] sorted, double[] weights)
    {
        double total = weights.Sum();
        var position = new double[sorted.Length];
        double below = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            position[i] = (below + weights[i] / 2) / total;
            below += weights[i];
        }
        var q = new double[Levels + 1];
        int at = 0;
        for (int k = 0; k <= Levels; k++)
        {
            double level = (double)k / Levels;
            while (at + 1 < sorted.Length && position[at + 1] <= level) at++;
            if (k == 0 || level <= position[0]) q[k] = sorted[0];
            else if (k == Levels || at + 1 >= sorted.Length) q[k] = sorted[^1];
            else
            {
                double t = (level - position[at]) / (position[at + 1] - position[at]);
                q[k] = sorted[at] + t * (sorted[at + 1] - sorted[at]);
            }
        }
        return q;
    }

    /// <summary>Values at levels 0, 1/<see cref="Levels"/>, …, 1 of sorted values, interpolating between order statistics.</summary>
    private static double[] Quantiles(double[] sorted)
    {
        var q = new double[Levels + 1];
        for (int k = 0; k <= Levels; k++)
        {
            double position = (double)k / Levels * (sorted.Length - 1);
            int below = (int)Math.Floor(position);
            int above = Math.Min(below + 1, sorted.Length - 1);
            double t = position - below;
            q[k] = t == 0 ? sorted[below] : sorted[below] + t * (sorted[above] - sorted[below]);
        }
        return q;
    }

    /// <summary>
    /// The map a saved column holds, checked: null when it has none. <paramref name="allows"/> says whether a value
    /// is one the column may generate (in its range and on its grid).
    /// </summary>
    public static MarginalMap? FromState(ColumnState state, string column, Func<double, bool> allows)
    {
        if (state.MarginalGenerated is null && state.MarginalQuantiles is null && state.MarginalValues is null && state.MarginalCumulative is null) return null;
        InvalidDataException Bad(string what) => new($"Column '{column}': the saved marginal map {what}.");
        if ((state.MarginalQuantiles is null) == (state.MarginalValues is null))
            throw Bad("needs either the training quantiles or the training values, not both or neither");
        if ((state.MarginalValues is null) != (state.MarginalCumulative is null))
            throw Bad("has training values without their cumulative shares, or shares without values");
        if (state.MarginalGenerated is { } g)
        {
            if (g.Length < 2 || g.Length > MaximumSaved || !Ascending(g, strictly: false))
                throw Bad($"has {g.Length} generated quantiles; it needs 2 to {MaximumSaved} finite numbers in ascending order");
        }
        if (state.MarginalQuantiles is { } q)
        {
            if (q.Length < 2 || q.Length > MaximumSaved || !Ascending(q, strictly: false) || q[0] < state.Minimum || q[^1] > state.Maximum)
                throw Bad($"has {q.Length} training quantiles; it needs 2 to {MaximumSaved} finite numbers in ascending order within the column's range [{state.Minimum}, {state.Maximum}]");
            if (state.MarginalGenerated is { } gq && gq.Length != q.Length)
                throw Bad($"has {gq.Length} generated quantiles and {q.Length} training quantiles; they must be as many");
        }
        if (state.MarginalValues is { } v)
        {
            var c = state.MarginalCumulative!;
            if (v.Length < 1 || v.Length > MaximumSaved || !Ascending(v, strictly: true) || !v.All(allows))
                throw Bad($"has {v.Length} training values; it needs 1 to {MaximumSaved} distinct finite numbers in ascending order that the column can hold (in its range, on its grid)");
            if (c.Length != v.Length - 1 || !Ascending(c, strictly: true) || (c.Length > 0 && (c[0] <= 0 || c[^1] >= 1)))
                throw Bad($"has {c.Length} cumulative shares for {v.Length} values; it needs one fewer than the values, rising strictly between 0 and 1");
        }
        return new MarginalMap(state.MarginalGenerated, state.MarginalQuantiles, state.MarginalValues, state.MarginalCumulative);
    }

    private static bool Ascending(double[] values, bool strictly)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i])) return false;
            if (i > 0 && (strictly ? values[i] <= values[i - 1] : values[i] < values[i - 1])) return false;
        }
        return true;
    }

    /// <summary>Writes the map into a column's state.</summary>
    public void ToState(ColumnState state)
    {
        state.MarginalGenerated = _generated;
        state.MarginalQuantiles = _quantiles;
        state.MarginalValues = _values;
        state.MarginalCumulative = _cumulative;
    }

    /// <summary>The level of <paramref name="v"/> among the generated quantiles, in [0, 1]; <paramref name="draw"/> places a tie.</summary>
    private double Level(double v, double draw)
    {
        var g = _generated!;
        int k = g.Length - 1;
        int below = CountBelow(g, v, orEqual: false), atOrBelow = CountBelow(g, v, orEqual: true);
        if (atOrBelow > below) return Math.Min(Math.Max((below - 0.5 + draw * (atOrBelow - below)) / k, 0.0), 1.0);
        if (below == 0) return 0.0;
        if (below == k + 1) return 1.0;
        double low = g[below - 1], high = g[below];
        double f = (v - low) / (high - low);
        return (below - 1.0 + f) / k;
    }

    /// <summary>How many of the ascending <paramref name="sorted"/> are below <paramref name="v"/> (or equal to it, with <paramref name="orEqual"/>).</summary>
    private static int CountBelow(double[] sorted, double v, bool orEqual)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (sorted[middle] < v || (orEqual && sorted[middle] == v)) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>Maps a present generated value onto the training distribution; <paramref name="draw"/> is the row's uniform in [0, 1) (0.5 without one).</summary>
    public double Map(double v, double draw)
    {
        double u = Level(v, draw);
        if (_values is { } values)
        {
            return values[CountBelow(_cumulative!, u, orEqual: false)];
        }
        var q = _quantiles!;
        int k = q.Length - 1;
        double p = u * k;
        double j = Math.Min(Math.Floor(p), k - 1.0);
        double t = p - j;
        int at = (int)j;
        return q[at] + t * (q[at + 1] - q[at]);
    }

    /// <summary>
    /// <see cref="CountBelow"/> in the graph, for each row of <paramref name="v"/> ([batch, 1]): the same binary search
    /// unrolled into ⌈log2(n + 1)⌉ steps of gathers and comparisons on [batch, 1] tensors, so a value costs a few dozen
    /// small operations rather than a comparison with every knot. Gives int64 counts.
    /// </summary>
    private static string OnnxCountBelow(OnnxGraph g, string sorted, int n, string v, bool orEqual)
    {
        var low = g.Node("Cast", [g.Node("Less", [v, v])], ("to", (long)OnnxType.Int64)); // zeros of v's shape (false, NaN too)
        var high = g.Node("Add", [low, g.Scalar((long)n)]);
        var last = g.Scalar((long)(n - 1));
        for (int step = 0; (1L << step) <= n; step++)
        {
            var middle = g.Node("Div", [g.Node("Add", [low, high]), g.Scalar(2L)]);
            var value = g.Node("Gather", [sorted, g.Node("Min", [middle, last])], ("axis", 0));
            var right = g.Node(orEqual ? "LessOrEqual" : "Less", [value, v]);
            var open = g.Node("Less", [low, high]);
            low = g.Node("Where", [g.Node("And", [open, right]), g.Node("Add", [middle, g.Scalar(1L)]), low]);
            high = g.Node("Where", [g.Node("And", [open, g.Node("Not", [right])]), middle, high]);
        }
        return low;
    }

    /// <summary>The graph's <see cref="Map"/> of <paramref name="v"/> and <paramref name="draw"/> ([batch, 1] doubles): the same operations in the same order.</summary>
    public string AddOnnxMap(OnnxGraph g, string v, string draw)
    {
        var generated = _generated!;
        int k = generated.Length - 1;
        var knots = g.Constant(generated, generated.Length);
        var below = g.Node("Cast", [OnnxCountBelow(g, knots, generated.Length, v, orEqual: false)], ("to", (long)OnnxType.Double));
        var atOrBelow = g.Node("Cast", [OnnxCountBelow(g, knots, generated.Length, v, orEqual: true)], ("to", (long)OnnxType.Double));

        var spread = g.Node("Add", [g.Node("Sub", [below, g.Scalar(0.5)]), g.Node("Mul", [draw, g.Node("Sub", [atOrBelow, below])])]);
        var tie = g.Node("Min", [g.Node("Max", [g.Node("Div", [spread, g.Scalar((double)k)]), g.Scalar(0.0)]), g.Scalar(1.0)]);
        // The knots around v; their indices are clipped so that the gathers stay in range where the branch is unused.
        var lowIndex = g.Node("Cast", [g.Node("Min", [g.Node("Max", [g.Node("Sub", [below, g.Scalar(1.0)]), g.Scalar(0.0)]), g.Scalar(k - 1.0)])], ("to", (long)OnnxType.Int64));
        var low = g.Node("Gather", [knots, lowIndex], ("axis", 0));
        var high = g.Node("Gather", [knots, g.Node("Add", [lowIndex, g.Scalar(1L)])], ("axis", 0));
        var f = g.Node("Div", [g.Node("Sub", [v, low]), g.Node("Sub", [high, low])]);
        var between = g.Node("Div", [g.Node("Add", [g.Node("Sub", [below, g.Scalar(1.0)]), f]), g.Scalar((double)k)]);
        var u = g.Node("Where", [g.Node("Equal", [below, g.Scalar(k + 1.0)]), g.Scalar(1.0), between]);
        u = g.Node("Where", [g.Node("Equal", [below, g.Scalar(0.0)]), g.Scalar(0.0), u]);
        u = g.Node("Where", [g.Node("Greater", [atOrBelow, below]), tie, u]);

        if (_values is { } values)
        {
            if (_cumulative!.Length == 0) return g.Node("Add", [g.Node("Mul", [u, g.Scalar(0.0)]), g.Scalar(values[0])]);
            var index = OnnxCountBelow(g, g.Constant(_cumulative, _cumulative.Length), _cumulative.Length, u, orEqual: false);
            return g.Node("Gather", [g.Constant(values, values.Length), index], ("axis", 0));
        }
        var q = _quantiles!;
        var quantiles = g.Constant(q, q.Length);
        var p = g.Node("Mul", [u, g.Scalar((double)(q.Length - 1))]);
        var j = g.Node("Min", [g.Node("Floor", [p]), g.Scalar(q.Length - 2.0)]);
        var t = g.Node("Sub", [p, j]);
        var at = g.Node("Cast", [j], ("to", (long)OnnxType.Int64));
        var lower = g.Node("Gather", [quantiles, at], ("axis", 0));
        var upper = g.Node("Gather", [quantiles, g.Node("Add", [at, g.Scalar(1L)])], ("axis", 0));
        return g.Node("Add", [lower, g.Node("Mul", [t, g.Node("Sub", [upper, lower])])]);
    }
}
