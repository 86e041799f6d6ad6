using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A number column that another number or time column all but determines along a smooth curve (a population that
/// grows with the date, spending that follows population): the <see cref="Target"/> is learned as its residual from the
/// curve of the <see cref="Anchor"/>, and decoded as curve plus residual. A generator that has to learn
/// "population = f(date)" from noise places rows beside the curve, which a detector sees at once; the residual it learns
/// instead is small, and the curve puts every generated row back on the trend of its anchor.
/// </summary>
/// <remarks>
/// The curve is piecewise linear through <see cref="Knots"/> (the anchor's mean in each of up to
/// <see cref="MaximumKnots"/> runs of its sorted training rows) and <see cref="Levels"/> (the target's mean in each), its
/// first and last segments going on beyond the first and last knot (decoded values are kept in range); a row whose anchor is missing stands on <see cref="Fallback"/>. On a column with a
/// grid (<see cref="NumericGranularity"/>) the curve is rounded to the grid, so the residual of a value on the grid is on
/// it too, and the decoded value is rounded back onto it. Decoded values are kept in the target's training range.
/// .NET (<see cref="Apply"/>) and the graph (<see cref="AddOnnx"/>) make the same values with the same operations in
/// the same order. Found at <c>Fit</c> (<see cref="Find"/>) where the curve explains at least
/// <see cref="MinimumExplained"/> of the target's variance (see <see cref="GanTrainer.Options.NumericTrends"/>).
/// </remarks>
internal sealed class NumericTrend
{
    /// <summary>The least share of a target's variance its anchor's curve must explain (R²) to become a trend.</summary>
    public const double MinimumExplained = 0.9;

    /// <summary>The most knots a curve has (and a saved one may have).</summary>
    public const int MaximumKnots = 32;

    /// <summary>The fewest rows, with both columns present, a trend is fitted on.</summary>
    public const int MinimumRows = 50;

    /// <summary>Rows of each knot's run at least: fewer, and the knot's mean is noise.</summary>
    private const int RowsPerKnot = 10;

    /// <summary>Rows the search compares pairs of columns on (the first ones, at even strides): the chosen trends are fitted on every row.</summary>
    private const int SearchRows = 20_000;

    private readonly double[] _slopes;

    public NumericTrend(int target, int anchor, double[] knots, double[] levels, double fallback, NumericGranularity? grid, double minimum, double maximum,
        double explained, string targetName, string anchorName)
    {
        Target = target;
        Anchor = anchor;
        Knots = knots;
        Levels = levels;
        Fallback = fallback;
        Grid = grid;
        Minimum = minimum;
        Maximum = maximum;
        Explained = explained;
        TargetName = targetName;
        AnchorName = anchorName;
        _slopes = new double[knots.Length - 1];
        for (int j = 0; j < _slopes.Length; j++) _slopes[j] = (levels[j + 1] - levels[j]) / (knots[j + 1] - knots[j]);
    }

    /// <summary>The column learned as its residual: its index in the encoder.</summary>
    public int Target { get; }

    /// <summary>The column whose curve it follows.</summary>
    public int Anchor { get; }

    public string TargetName { get; }
    public string AnchorName { get; }

    /// <summary>The curve's knots on the anchor's axis (as the anchor's numbers: a date in microseconds), strictly ascending.</summary>
    public double[] Knots { get; }

    /// <summary>The target's level at each knot.</summary>
    public double[] Levels { get; }

    /// <summary>The curve's value for a row whose anchor is missing: the mean of such training rows, or of all.</summary>
    public double Fallback { get; }

    /// <summary>The target's grid, when it has one: the curve and the decoded values are rounded to it.</summary>
    public NumericGranularity? Grid { get; }

    /// <summary>The target's training range, which decoded values keep.</summary>
    public double Minimum { get; }
    public double Maximum { get; }

    /// <summary>The share of the target's training variance the curve explains (R²), for people to read.</summary>
    public double Explained { get; }

    /// <summary>
    /// The curve at <paramref name="x"/> (NaN: missing), on the grid: f(x) = level_j + slope_j × (x − knot_j), j the inner
    /// knots at or below x (so the first and last segments go on beyond the first and last knots: the knots are means
    /// of runs of rows, and the rows of the first and last runs lie on both sides of them).
    /// </summary>
    public double Curve(double x)
    {
        if (double.IsNaN(x)) return Fallback;
        int j = 0;
        for (int k = 1; k < Knots.Length - 1; k++) if (Knots[k] <= x) j++;
        double f = Levels[j] + _slopes[j] * (x - Knots[j]);
        return Grid is { } grid ? grid.Round(f) : f;
    }

    /// <summary>A value of the target from its residual <paramref name="residual"/> and its row's anchor <paramref name="x"/>, before its type's rounding.</summary>
    public double Value(double residual, double x)
    {
        double v = Curve(x) + residual;
        if (Grid is { } grid) v = grid.Round(v);
        return Math.Min(Math.Max(v, Minimum), Maximum);
    }

    /// <summary>Rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/>: the target's residuals become its values.</summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        var target = (NumericColumn)columns[Target];
        var anchorKind = (NumericKind)((NumericColumn)columns[Anchor]).Kind;
        var kind = (NumericKind)target.Kind;
        var y = into.Numbers(Target);
        var x = into.Numbers(Anchor);
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            if (double.IsNaN(y[r])) continue;
            double anchor = double.IsNaN(x[r]) ? double.NaN : anchorKind.Stored(x[r]); // as the graph holds it: its output, in its type
            y[r] = kind.Stored(Value(y[r], anchor));
        }
    }

    /// <summary><see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the target's entry is replaced.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        var target = (NumericColumn)columns[Target];
        var anchor = (NumericColumn)columns[Anchor];
        string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
        string x = ToDouble(decoded[Anchor], anchor.OutputType);
        string residual = ToDouble(decoded[Target], target.OutputType);
        // j: the inner knots at or below x (an exact integer count), then the segment's level, slope and knot gathered.
        string j;
        if (Knots.Length > 2)
        {
            string column = g.Node("Unsqueeze", [x, g.Constant([1L], 1)]); // [batch, 1]
            string below = g.Node("Cast", [g.Node("LessOrEqual", [g.Constant(Knots.AsSpan(1, Knots.Length - 2), Knots.Length - 2), column])], ("to", (long)OnnxType.Int64));
            j = g.Node("ReduceSum", [below, g.Constant([1L], 1)], ("keepdims", 0L));
        }
        else j = g.Node("Cast", [g.Node("Less", [x, x])], ("to", (long)OnnxType.Int64)); // zeros of x's shape
        string Gathered(double[] table) => g.Node("Gather", [g.Constant(table, table.Length), j], ("axis", 0));
        string curve = g.Node("Add", [Gathered(Levels[..^1]), g.Node("Mul", [Gathered(_slopes), g.Node("Sub", [x, Gathered(Knots[..^1])])])]);
        if (Grid is { } grid) curve = grid.AddOnnxRound(g, curve);
        if (anchor.HasMissing) curve = g.Node("Where", [anchor.AddOnnxIsMissing(g, decoded[Anchor]), g.Scalar(Fallback), curve]);
        string value = g.Node("Add", [curve, residual]);
        if (Grid is { } onGrid) value = onGrid.AddOnnxRound(g, value);
        value = g.Node("Min", [g.Node("Max", [value, g.Scalar(Minimum)]), g.Scalar(Maximum)]);
        if (target.OutputType != OnnxType.Double) value = g.Node("Cast", [value], ("to", (long)target.OutputType));
        if (target.HasMissing) value = g.Node("Where", [target.AddOnnxIsMissing(g, decoded[Target]), target.AddOnnxMissing(g), value]);
        decoded[Target] = value;
    }

    /// <summary>"'pop' follows 'date' (R² 0.9999)".</summary>
    public override string ToString() => $"'{TargetName}' follows '{AnchorName}' (R² {Explained:F4})";

    /// <summary>
    /// The trends the training rows show, strongest first: each target a number column (signed, not a time) that no
    /// other trend anchors, each anchor a number or time column that is no trend's target, both outside
    /// <paramref name="excluded"/> (columns rules change). <paramref name="values"/> gives each candidate's training values (NaN
    /// missing; null for a column that cannot take part); the targets' values are replaced by their residuals, as their
    /// kinds hold them, which the columns are then fitted on.
    /// </summary>
    public static List<NumericTrend> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        bool granularity, Func<int, bool> excluded, Action checkAlive)
    {
        int n = names.Count;
        bool Anchors(int c) => values[c] is not null && kinds[c] is not null && !excluded(c);
        bool Targets(int c) => Anchors(c) && kinds[c] is not TimeKind && kinds[c]!.Lowest < 0;
        // The search on a sample of rows at even strides; each anchor's rows sorted once.
        int stride = Math.Max(1, rows / SearchRows);
        int[] sample = Enumerable.Range(0, rows / stride).Select(i => i * stride).ToArray();
        var candidates = new List<(double Explained, int Target, int Anchor)>();
        for (int a = 0; a < n; a++)
        {
            if (!Anchors(a)) continue;
            checkAlive();
            var xs = values[a]!;
            int[] order = sample.Where(r => !double.IsNaN(xs[r])).OrderBy(r => xs[r]).ToArray();
            for (int t = 0; t < n; t++)
            {
                if (t == a || !Targets(t)) continue;
                var ys = values[t]!;
                int[] both = order.Where(r => !double.IsNaN(ys[r])).ToArray();
                if (both.Length < MinimumRows) continue;
                if (Curve(xs, ys, both) is not { } curve) continue;
                double explained = ExplainedShare(curve.Knots, curve.Levels, xs, ys, both);
                if (explained >= MinimumExplained) candidates.Add((explained, t, a));
            }
        }
        var trends = new List<NumericTrend>();
        var targets = new HashSet<int>();
        var anchors = new HashSet<int>();
        foreach (var (_, t, a) in candidates.OrderByDescending(c => c.Explained).ThenBy(c => c.Target).ThenBy(c => c.Anchor))
        {
            if (targets.Contains(t) || anchors.Contains(t) || targets.Contains(a)) continue;
            var fitted = Fit(names, kinds, values, rows, t, a, granularity);
            if (fitted is null) continue;
            trends.Add(fitted);
            targets.Add(t);
            anchors.Add(a);
        }
        return trends;
    }

    /// <summary>The trend of <paramref name="t"/> on <paramref name="a"/> fitted on every row, its residuals written into <paramref name="values"/>; null when it no longer qualifies.</summary>
    private static NumericTrend? Fit(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, int t, int a, bool granularity)
    {
        var xs = values[a]!;
        var ys = values[t]!;
        var kind = kinds[t]!;
        int[] both = Enumerable.Range(0, rows).Where(r => !double.IsNaN(xs[r]) && !double.IsNaN(ys[r])).OrderBy(r => xs[r]).ToArray();
        if (both.Length < MinimumRows || Curve(xs, ys, both) is not { } curve) return null;
        double explained = ExplainedShare(curve.Knots, curve.Levels, xs, ys, both);
        if (explained < MinimumExplained) return null;
        double minimum = double.PositiveInfinity, maximum = double.NegativeInfinity, orphanSum = 0, sum = 0;
        int orphans = 0, present = 0;
        for (int r = 0; r < rows; r++)
        {
            double y = ys[r];
            if (double.IsNaN(y)) continue;
            minimum = Math.Min(minimum, y);
            maximum = Math.Max(maximum, y);
            sum += y;
            present++;
            if (double.IsNaN(xs[r])) { orphanSum += y; orphans++; }
        }
        // A residual is at most the range wide: the column's type must hold it either way.
        if (maximum - minimum > kind.Highest || minimum - maximum < kind.Lowest) return null;
        NumericGranularity? grid = null;
        if (granularity && NumericGranularity.Fit(ys.AsSpan(0, rows), kind.Stored) is var (units, decimals))
            grid = new NumericGranularity(units, decimals, minimum, maximum, names[t]);
        double fallback = orphans > 0 ? orphanSum / orphans : sum / present;
        if (grid is { } g) fallback = Math.Min(Math.Max(g.Round(fallback), minimum), maximum);
        var trend = new NumericTrend(t, a, curve.Knots, curve.Levels, fallback, grid, minimum, maximum, explained, names[t], names[a]);
        for (int r = 0; r < rows; r++)
            if (!double.IsNaN(ys[r])) ys[r] = kind.Stored(ys[r] - trend.Curve(xs[r]));
        return trend;
    }

    /// <summary>
    /// The curve of <paramref name="ys"/> on <paramref name="xs"/> over rows <paramref name="sorted"/> (both present, by
    /// ascending x): runs of at least n / <see cref="MaximumKnots"/> rows (and <see cref="RowsPerKnot"/>), each extended over
    /// the rows of its last x, so the knots ascend strictly; null with fewer than two knots.
    /// </summary>
    private static (double[] Knots, double[] Levels)? Curve(double[] xs, double[] ys, int[] sorted)
    {
        int run = Math.Max(RowsPerKnot, (sorted.Length + MaximumKnots - 1) / MaximumKnots);
        var knots = new List<double>();
        var levels = new List<double>();
        for (int start = 0; start < sorted.Length;)
        {
            int end = Math.Min(sorted.Length, start + run);
            while (end < sorted.Length && xs[sorted[end]] == xs[sorted[end - 1]]) end++;
            // A short last run joins the one before it.
            if (sorted.Length - end < run / 2) end = sorted.Length;
            double sx = 0, sy = 0;
            for (int i = start; i < end; i++) { sx += xs[sorted[i]]; sy += ys[sorted[i]]; }
            knots.Add(sx / (end - start));
            levels.Add(sy / (end - start));
            start = end;
        }
        if (knots.Count < 2) return null;
        for (int k = 1; k < knots.Count; k++) if (!(knots[k] > knots[k - 1])) return null; // rounding made two equal: no clean curve
        return (knots.ToArray(), levels.ToArray());
    }

    /// <summary>1 − (residual sum of squares) / (total sum of squares) of the curve over rows <paramref name="rows"/>, without rounding to a grid.</summary>
    private static double ExplainedShare(double[] knots, double[] levels, double[] xs, double[] ys, int[] rows)
    {
        var curve = new NumericTrend(0, 1, knots, levels, 0, null, 0, 0, 0, "", ""); // its curve alone
        double mean = rows.Average(r => ys[r]), total = 0, residual = 0;
        foreach (int r in rows)
        {
            total += (ys[r] - mean) * (ys[r] - mean);
            double e = ys[r] - curve.Curve(xs[r]);
            residual += e * e;
        }
        return total > 0 ? 1 - residual / total : 0;
    }
}

/// <summary>A <see cref="NumericTrend"/> in a model file.</summary>
internal sealed class TrendState
{
    public string? Target { get; set; }
    public string? Anchor { get; set; }
    public double[]? Knots { get; set; }
    public double[]? Levels { get; set; }
    public double Fallback { get; set; }
    public long? GridUnits { get; set; }
    public int? GridDecimals { get; set; }
    public double Minimum { get; set; }
    public double Maximum { get; set; }
    public double Explained { get; set; }

    public static TrendState From(NumericTrend trend) => new()
    {
        Target = trend.TargetName, Anchor = trend.AnchorName, Knots = trend.Knots, Levels = trend.Levels, Fallback = trend.Fallback,
        GridUnits = trend.Grid?.Units, GridDecimals = trend.Grid?.Decimals, Minimum = trend.Minimum, Maximum = trend.Maximum, Explained = trend.Explained,
    };

    /// <summary>The trends of a model file, checked against its columns: a file from a stranger cannot make decoding read outside them or divide by zero.</summary>
    public static NumericTrend[] Restore(TrendState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} numeric trends, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var targets = new HashSet<int>();
        var anchors = new HashSet<int>();
        var result = new NumericTrend[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"numeric trend {i + 1} is null");
            string Where() => $"numeric trend {i + 1} ('{Common.Text.Printable(s.Target ?? "", 60)}' on '{Common.Text.Printable(s.Anchor ?? "", 60)}')";
            if (s.Target is null || !index.TryGetValue(s.Target, out int t) || s.Anchor is null || !index.TryGetValue(s.Anchor, out int a) || t == a)
                throw new InvalidDataException($"{Where()} does not name two different columns of the model");
            if (columns[t] is not NumericColumn { Kind: NumericKind kind and not TimeKind } || kind.Lowest >= 0 || columns[a] is not NumericColumn)
                throw new InvalidDataException($"{Where()} needs a signed number column following a number or time column");
            if (targets.Contains(t) || anchors.Contains(t) || targets.Contains(a))
                throw new InvalidDataException($"{Where()} involves a column another trend has as its target, or anchors a target");
            var knots = s.Knots ?? [];
            var levels = s.Levels ?? [];
            if (knots.Length < 2 || knots.Length > NumericTrend.MaximumKnots || levels.Length != knots.Length)
                throw new InvalidDataException($"{Where()} needs 2 to {NumericTrend.MaximumKnots} knots, each with a level");
            for (int k = 0; k < knots.Length; k++)
            {
                if (!double.IsFinite(knots[k]) || !double.IsFinite(levels[k]) || (k > 0 && !(knots[k] > knots[k - 1])) ||
                    (k > 0 && !double.IsFinite((levels[k] - levels[k - 1]) / (knots[k] - knots[k - 1]))))
                    throw new InvalidDataException($"{Where()} has knots that are not finite and strictly ascending, or levels that are not finite");
            }
            if (!double.IsFinite(s.Fallback) || !double.IsFinite(s.Minimum) || !double.IsFinite(s.Maximum) || s.Minimum > s.Maximum ||
                s.Minimum < kind.Lowest || s.Maximum > kind.Highest || !(s.Explained >= 0 && s.Explained <= 1))
                throw new InvalidDataException($"{Where()} has a range, fallback or explained share that is not finite, ordered and within the column's type");
            NumericGranularity? grid = null;
            if (s.GridUnits is { } units && s.GridDecimals is { } decimals) grid = new NumericGranularity(units, decimals, s.Minimum, s.Maximum, s.Target);
            else if (s.GridUnits is not null || s.GridDecimals is not null) throw new InvalidDataException($"{Where()} has half a grid");
            targets.Add(t);
            anchors.Add(a);
            result[i] = new NumericTrend(t, a, knots, levels, s.Fallback, grid, s.Minimum, s.Maximum, s.Explained, s.Target, s.Anchor);
        }
        return result;
    }
}
