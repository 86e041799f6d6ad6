using Microsoft.ML.Gan.Common;
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
/// A trend may also add other number columns in proportion (<see cref="Terms"/>): a county's poverty rate is, within a
/// fraction of a point, a weighted mean of its children's, adults' and elders' rates, which one curve through the
/// adults' rate leaves to the generator (see <see cref="GanTrainer.Options.TrendTerms"/>).
/// </remarks>
internal sealed class NumericTrend
{
    /// <summary>The least share of a target's variance its anchor's curve must explain (R²) to become a trend.</summary>
    public const double MinimumExplained = 0.9;

    /// <summary>The most knots a curve has (and a saved one may have).</summary>
    public const int MaximumKnots = 96;

    /// <summary>The fewest rows, with both columns present, a trend is fitted on.</summary>
    public const int MinimumRows = 50;

    /// <summary>Rows of each knot's run at least: fewer, and the knot's mean is noise.</summary>
    private const int RowsPerKnot = 10;

    /// <summary>
    /// How far from the curve, in robust standard deviations of the distances (1.4826 × their median absolute deviation),
    /// a row lies that <see cref="WithoutGrossErrors"/> sets aside: a diamond recorded 31.8 mm deep where its width
    /// makes 3.5 expected lies hundreds of them away, while the ordinary tail of a heavy-tailed spread lies within a few dozen.
    /// </summary>
    public const double GrossErrorDeviations = 20;

    /// <summary>The most rows, per thousand fitted, that <see cref="WithoutGrossErrors"/> sets aside: more beyond its bar are a tail, not errors, and stay.</summary>
    public const int GrossErrorsPerThousand = 1;

    /// <summary>Rows the search compares pairs of columns on (the first ones, at even strides): the chosen trends are fitted on every row.</summary>
    private const int SearchRows = 20_000;

    /// <summary>The most columns a trend adds in proportion (and a saved one may).</summary>
    public const int MaximumTerms = 4;

    /// <summary>
    /// The least share of what is left unexplained a column must explain to be added as a term: half, which on 50 rows
    /// or more no unrelated column reaches by chance (a partial correlation of 0.7).
    /// </summary>
    public const double MinimumTermGain = 0.5;

    /// <summary>The most categories the column a trend is within may have (and a saved one may).</summary>
    public const int MaximumCategories = 100;

    /// <summary>
    /// The least share of what a trend's categories leave of its target (the variance within them) the curves within
    /// them must explain: half, where curves of 10 rows a knot fitted to noise explain about a tenth.
    /// </summary>
    public const double MinimumWithinExplained = 0.5;

    /// <summary>
    /// The most (anchor, target, categories) triples the search for trends within categories tries (more: it tries none):
    /// each costs a pass over up to 20,000 rows, so a table of 40 number and 10 categorical columns is searched in seconds.
    /// </summary>
    public const long MaximumWithinSearches = 40 * 40 * 10;

    /// <summary>Present rows a category needs for a curve of its own (<see cref="Within"/>); fewer, and it follows the whole column's curve moved to its level.</summary>
    public const int MinimumCategoryRows = 2 * RowsPerKnot;

    private readonly double[] _slopes;
    private readonly double[]? _categorySlopes;

    public NumericTrend(int target, int anchor, double[] knots, double[] levels, double fallback, NumericGranularity? grid, double minimum, double maximum,
        double explained, string targetName, string anchorName, IReadOnlyList<TrendTerm>? terms = null, MarginalMap? calibration = null, int per = -1, string? perName = null,
        int within = -1, string? withinName = null, double[]? categoryLevels = null, bool calibrationHeld = false)
    {
        if ((per >= 0) != (perName is not null)) throw new ArgumentException("A ratio's divisor needs both its index and its name.", nameof(perName));
        if ((within >= 0) != (withinName is not null) || (within >= 0) != (categoryLevels is not null))
            throw new ArgumentException("A trend within categories needs its column's index, its name and its categories' levels.", nameof(categoryLevels));
        if (categoryLevels is not null && (categoryLevels.Length == 0 || categoryLevels.Length % knots.Length != 0))
            throw new ArgumentException($"{categoryLevels.Length} categories' levels are no whole number of curves of {knots.Length} knots.", nameof(categoryLevels));
        Within = within;
        WithinName = withinName;
        CategoryLevels = categoryLevels;
        Per = per;
        PerName = perName;
        Terms = terms ?? [];
        Calibration = calibration;
        CalibrationHeld = calibrationHeld && calibration is not null;
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
        _slopes = Slopes(knots, levels);
        if (categoryLevels is not null) _categorySlopes = Slopes(knots, categoryLevels);
    }

    /// <summary>Each segment's slope, curve by curve: <paramref name="levels"/> holds one or more curves of <paramref name="knots"/>' length.</summary>
    private static double[] Slopes(double[] knots, double[] levels)
    {
        int k = knots.Length, curves = levels.Length / k;
        var slopes = new double[curves * (k - 1)];
        for (int c = 0; c < curves; c++)
            for (int j = 0; j < k - 1; j++) slopes[c * (k - 1) + j] = (levels[c * k + j + 1] - levels[c * k + j]) / (knots[j + 1] - knots[j]);
        return slopes;
    }

    /// <summary>
    /// The categorical column within each of whose categories the target follows a curve of its own
    /// (<see cref="GanTrainer.Options.CategoryTrends"/>: each city's listings along the months); -1 for one curve.
    /// </summary>
    public int Within { get; }

    /// <summary>The name of <see cref="Within"/>; null without one.</summary>
    public string? WithinName { get; }

    /// <summary>
    /// With <see cref="Within"/>: each category's level at each knot, category after category (its index in the column
    /// times the knots, plus the knot); a category with too few training rows for a curve of its own holds
    /// <see cref="Levels"/>. Null for one curve.
    /// </summary>
    public double[]? CategoryLevels { get; }

    /// <summary>Whether the curve is each category's own (<see cref="Within"/>).</summary>
    public bool IsWithin => Within >= 0;

    /// <summary>The column learned as its residual: its index in the encoder.</summary>
    public int Target { get; }

    /// <summary>The column whose curve it follows; with <see cref="Per"/>, the numerator of the ratio whose curve it follows.</summary>
    public int Anchor { get; }

    /// <summary>
    /// The column the anchor is divided by (<see cref="GanTrainer.Options.TrendRatios"/>): the curve is on the ratio
    /// anchor / per (a sum over a count); -1 for a trend on the anchor itself.
    /// </summary>
    public int Per { get; }

    /// <summary>The name of <see cref="Per"/>; null without one.</summary>
    public string? PerName { get; }

    /// <summary>Whether the curve is on the ratio of <see cref="Anchor"/> to <see cref="Per"/>.</summary>
    public bool IsRatio => Per >= 0;

    /// <summary>
    /// The value on the curve's axis of a row whose anchor is <paramref name="anchor"/> and divisor <paramref name="per"/>
    /// (ignored without one): the anchor, or the ratio, NaN where it is missing or not finite (a zero divisor).
    /// </summary>
    public double AxisValue(double anchor, double per)
    {
        if (!IsRatio) return anchor;
        double x = anchor / per;
        return double.IsFinite(x) ? x : double.NaN;
    }

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

    /// <summary>The share of the target's training variance the curve (and its terms) explain (R²), for people to read.</summary>
    public double Explained { get; }

    /// <summary>The columns the trend adds in proportion to their distance from their mean, after its anchor's curve (none: the curve alone).</summary>
    public IReadOnlyList<TrendTerm> Terms { get; }

    /// <summary>
    /// The target's map after the trend (<see cref="GanTrainer.Options.ExactMarginals"/>; null without one, as in files
    /// of format 24 and older): curve plus residual is a sum whose shape no column's map calibrates (a car's highway
    /// mileage made from its city mileage's curve came out 28 in 8 % of rows where the data have 3 %), so the value the
    /// trend makes (for a trend below <see cref="MaximumCalibratedExplained"/>) is mapped, monotonically, onto the
    /// target's training distribution: its level among the values the trend makes from generated rows, onto the training
    /// values' quantile at that level. Ranks stay, so each row keeps its place along its anchor's curve. Fitted in two
    /// halves as a column's map: the training side at <c>Fit</c>, the generated side after training.
    /// </summary>
    public MarginalMap? Calibration { get; }

    /// <summary>
    /// Whether the <see cref="Calibration"/> maps the trend's value as the target's type holds it: calibration fits the
    /// map's generated side on decoded values, and a Single holds 2.2 as 2.2000000477, so a value met in double fell
    /// below its own run of knots (economics' Single targets: <c>psavert</c> 0.984 → 0.992 on fresh rows mapped so). Every
    /// map this library fits; a file of format 41 or older maps the value as computed, as it was made.
    /// </summary>
    public bool CalibrationHeld { get; }

    /// <summary>
    /// The uniform a row's value is placed with inside a spike of the trend's values (<see cref="MarginalMap.Map(double, double)"/>),
    /// from the row's draw for its target's own map, <paramref name="draw"/>: its fraction below 1/4096ths, so that it is
    /// not the draw that placed the residual (the two placements would move together). The graph computes the same
    /// (exact in double: a float times a power of two, its floor, the difference).
    /// </summary>
    internal static double CalibrationDraw(float draw)
    {
        double scaled = (double)draw * CalibrationDrawScale;
        return scaled - Math.Floor(scaled);
    }

    private const double CalibrationDrawScale = 4096;

    /// <summary>
    /// The most of its target's variance a trend may explain (R²) and still get a <see cref="Calibration"/>: a trend that
    /// explains more is all but exact (a rate that is the weighted mean of three others, a population along its
    /// dates), and a map moving its values, however little, would move rows off it, which a detector sees before any
    /// shape. Below, the spread of the residuals is the target's shape, and the map keeps it.
    /// </summary>
    public const double MaximumCalibratedExplained = 0.99;

    /// <summary>
    /// The share of a target's rows left out at each end (by the target's value, at least one row an end) when
    /// <see cref="BulkExplained"/> asks whether a trend is all but exact in the bulk of its rows as well.
    /// </summary>
    public const double BulkTrim = 0.01;

    /// <summary>
    /// The share of the target's variance (R²) the trend explains in the bulk of its rows: those left after the
    /// <see cref="BulkTrim"/> share of rows with the lowest targets and as many with the highest (at least one each), which
    /// a few extreme rows cannot decide. A trend that explains <see cref="MaximumCalibratedExplained"/> only because of a
    /// few rows (Florida's Phillips votes along Harris's, R² 0.999 through Miami-Dade's 9,888 and 2,927, 0.83 without it)
    /// is not all but exact where its rows are, and gets its <see cref="Calibration"/>.
    /// </summary>
    /// <param name="target">The target's training value in each row (NaN missing).</param>
    /// <param name="residuals">What the trend leaves of it in each row (target less the trend there; NaN missing).</param>
    /// <returns>The bulk's R² (at most 1; 0 when fewer than three rows are left or the bulk's targets are all equal).</returns>
    public static double BulkExplained(double[] target, double[] residuals)
    {
        if (target.Length != residuals.Length) throw new ArgumentException("a residual for each target", nameof(residuals));
        int[] present = Enumerable.Range(0, target.Length).Where(r => !double.IsNaN(target[r]) && !double.IsNaN(residuals[r])).OrderBy(r => target[r]).ToArray();
        int trim = Math.Max(1, (int)Math.Ceiling(BulkTrim * present.Length));
        if (present.Length - 2 * trim < 3) return 0;
        var bulk = present.AsSpan(trim, present.Length - 2 * trim);
        double mean = 0;
        foreach (int r in bulk) mean += target[r];
        mean /= bulk.Length;
        double total = 0, left = 0;
        foreach (int r in bulk)
        {
            total += (target[r] - mean) * (target[r] - mean);
            left += residuals[r] * residuals[r];
        }
        return total > 0 ? 1 - left / total : 0;
    }

    /// <summary>The trend with the training side of its <see cref="Calibration"/> from the target's present training values <paramref name="sorted"/> (ascending), the generated side left to calibration.</summary>
    public NumericTrend WithCalibrationTraining(double[] sorted, bool repeats, Func<double, double>? stored)
    {
        var state = CalibrationState(null);
        MarginalMap.FitTraining(state, sorted, repeats: repeats, stored: stored);
        return WithCalibration(state, held: true);
    }

    /// <summary>
    /// The trend with the generated side of its <see cref="Calibration"/> from <paramref name="generated"/>, the values the
    /// trend made from generated rows before the map (NaN missing), each counted with its weight when
    /// <paramref name="weights"/> are given; itself when it has no calibration or no value is present.
    /// </summary>
    public NumericTrend WithGeneratedCalibration(double[] generated, float[]? weights)
    {
        if (Calibration is null) return this;
        var state = CalibrationState(Calibration);
        if (!MarginalMap.FitGenerated(state, generated, weights, null)) return this;
        return WithCalibration(state, held: true);
    }

    /// <summary>The trend with its calibration's generated side dropped (it then decodes without the map), for calibration to decode the values the trend makes.</summary>
    public NumericTrend WithoutGeneratedCalibration()
    {
        if (Calibration is not { IsCalibrated: true }) return this;
        var state = CalibrationState(Calibration);
        state.MarginalGenerated = null;
        return WithCalibration(state, CalibrationHeld);
    }

    /// <summary>A column state of the target's range and grid, with <paramref name="map"/> written into it.</summary>
    internal ColumnState CalibrationState(MarginalMap? map)
    {
        var state = new ColumnState { Name = TargetName, Kind = "Double", Minimum = Minimum, Maximum = Maximum, GranularityUnits = Grid?.Units, GranularityDecimals = Grid?.Decimals };
        map?.ToState(state);
        return state;
    }

    private NumericTrend WithCalibration(ColumnState state, bool held) =>
        new(Target, Anchor, Knots, Levels, Fallback, Grid, Minimum, Maximum, Explained, TargetName, AnchorName, Terms, CalibrationMap(state, TargetName, Minimum, Maximum), Per, PerName, Within, WithinName, CategoryLevels,
            held);

    /// <summary>
    /// The map of a calibration's state, checked (a saved one may come from a stranger): one of the whole column, over the
    /// target's range; <paramref name="after"/> names what it maps the values of ("its trend", "its level").
    /// </summary>
    internal static MarginalMap? CalibrationMap(ColumnState state, string target, double minimum, double maximum, string after = "its trend")
    {
        if (state.MarginalGroup is not null || state.MarginalGroupLevels is not null || state.MarginalGroupTraining is not null || state.MarginalGroupGenerated is not null
            || state.MarginalFreeRows is not null)
            throw new InvalidDataException($"Column '{Common.Text.Printable(target, 60)}': the map after {after} is grouped or of part of the rows; it maps the whole column.");
        return MarginalMap.FromState(state, $"{target} (after {after})", v => v >= minimum && v <= maximum);
    }

    /// <summary>
    /// A value a rule made (a trend's, a level's), mapped by the map after it with the row's <paramref name="draw"/>
    /// (<see cref="CalibrationDraw"/>), on <paramref name="grid"/> unless the map gives training values already, within the range.
    /// With <paramref name="held"/> (the target's type's <see cref="NumericKind.Stored(double)"/>), the value is mapped as the type
    /// holds it: calibration fits the map's generated side on decoded values, which the type holds, and a grid value held
    /// as a Single (2.2 as 2.2000000477) must meet its own run of knots there, not fall below it (mpg's engine
    /// displacement, a Single on a grid of 0.1, kept 3.5 % fewer rows of each value it shared with the next). Without it
    /// the value is mapped as computed, as a trend's map in a file of format 41 or older decodes it (<see cref="CalibrationHeld"/>).
    /// </summary>
    internal static double MappedAfter(MarginalMap map, Func<double, double>? held, double v, double draw, NumericGranularity? grid, double minimum, double maximum)
    {
        v = map.Map(held is null ? v : held(v), draw);
        if (!map.IsDiscrete && grid is { } g) v = g.Round(v); // a training value already when discrete
        return Math.Min(Math.Max(v, minimum), maximum);
    }

    /// <summary>
    /// <see cref="MappedAfter"/> as ONNX nodes on <paramref name="value"/> ([batch], double), the value held as
    /// <paramref name="stored"/> holds it first (Double: as it is); the draw is column <paramref name="drawIndex"/> of <paramref name="draws"/>.
    /// </summary>
    internal static string AddOnnxMappedAfter(OnnxGraph g, MarginalMap map, string value, OnnxType stored, string? draws, int drawIndex, CategorySampling sampling,
        NumericGranularity? grid, double minimum, double maximum)
    {
        // As the type holds it (a whole-number target's values are whole already).
        if (stored == OnnxType.Float) value = g.Node("Cast", [g.Node("Cast", [value], ("to", (long)OnnxType.Float))], ("to", (long)OnnxType.Double));
        string u;
        if (sampling == CategorySampling.ArgMax || draws is null || drawIndex < 0) u = g.Scalar(0.5);
        else
        {
            var drawn = g.Node("Slice", [draws, g.Constant([(long)drawIndex], 1), g.Constant([(long)drawIndex + 1], 1), g.Constant([1L], 1)]);
            var scaled = g.Node("Mul", [g.Node("Cast", [drawn], ("to", (long)OnnxType.Double)), g.Scalar(CalibrationDrawScale)]);
            u = g.Node("Sub", [scaled, g.Node("Floor", [scaled])]);
        }
        string mapped = map.AddOnnxMap(g, g.Node("Unsqueeze", [value, g.Constant([1L], 1)]), u);
        if (!map.IsDiscrete && grid is { } onGrid) mapped = onGrid.AddOnnxRound(g, mapped);
        mapped = g.Node("Min", [g.Node("Max", [mapped, g.Scalar(minimum)]), g.Scalar(maximum)]);
        return g.Node("Reshape", [mapped, g.Constant([-1L], 1)]);
    }

    /// <summary>Whether the trend reads column <paramref name="c"/>: its anchor, its divisor, its categories' column or one of its terms.</summary>
    public bool Reads(int c) => c == Anchor || c == Per || c == Within || Terms.Any(t => t.Column == c);

    /// <summary>
    /// Whether the trend applies after the formulas: its anchor or a term is a column they make or solve for
    /// (<see cref="NumericFormula.Target"/>, <see cref="NumericFormula.SolvedColumn"/>; midwest's adults following the
    /// population that its five groups add up to). Otherwise it applies before them, as every trend of files of format 23
    /// and older does.
    /// </summary>
    public bool AppliesAfter(IReadOnlyList<NumericFormula> formulas) => formulas.Any(f => Reads(f.Target) || f.SolvedColumn is int c && Reads(c));

    /// <summary>
    /// The curve at <paramref name="x"/> (NaN: missing), on the grid: f(x) = level_j + slope_j × (x − knot_j), j the inner
    /// knots at or below x (so the first and last segments go on beyond the first and last knots: the knots are means
    /// of runs of rows, and the rows of the first and last runs lie on both sides of them).
    /// </summary>
    /// <remarks>For a trend without terms (the search's candidates): one with terms needs their values.</remarks>
    private double Curve(double x) => Terms.Count == 0 && !IsWithin ? Curve(x, []) : throw new InvalidOperationException("a trend with terms or categories needs their values");

    /// <summary>
    /// The trend at anchor <paramref name="x"/> and terms' values <paramref name="z"/> (NaN: missing, which adds
    /// nothing), on the grid: the curve, then each term's coefficient × (z − its mean) added in order, then rounded.
    /// </summary>
    /// <remarks>A trend <see cref="Within"/> categories takes the row's category as <paramref name="category"/> (its index).</remarks>
    public double Curve(double x, ReadOnlySpan<double> z, int category = -1)
    {
        if (z.Length != Terms.Count) throw new ArgumentException($"{Terms.Count} terms' values expected, not {z.Length}", nameof(z));
        double f = Unrounded(x, category);
        if (double.IsNaN(x) && Terms.Count == 0) return f;
        for (int k = 0; k < Terms.Count; k++)
            if (!double.IsNaN(z[k])) f += Terms[k].Coefficient * (z[k] - Terms[k].Mean);
        return Grid is { } grid ? grid.Round(f) : f;
    }

    /// <summary>The anchor's curve at <paramref name="x"/>, off the grid; <see cref="Fallback"/> where it is missing.</summary>
    private double Unrounded(double x, int category)
    {
        if (double.IsNaN(x)) return Fallback;
        int j = 0;
        for (int k = 1; k < Knots.Length - 1; k++) if (Knots[k] <= x) j++;
        if (IsWithin)
        {
            if ((uint)category >= (uint)(CategoryLevels!.Length / Knots.Length)) throw new ArgumentOutOfRangeException(nameof(category), $"'{WithinName}' has no category {category}");
            return CategoryLevels[category * Knots.Length + j] + _categorySlopes![category * (Knots.Length - 1) + j] * (x - Knots[j]);
        }
        return Levels[j] + _slopes[j] * (x - Knots[j]);
    }

    /// <summary>A value of the target from its residual <paramref name="residual"/> and its row's anchor <paramref name="x"/> and terms <paramref name="z"/>, before its type's rounding.</summary>
    public double Value(double residual, double x, ReadOnlySpan<double> z, int category = -1)
    {
        double v = Curve(x, z, category) + residual;
        if (Grid is { } grid) v = grid.Round(v);
        return Math.Min(Math.Max(v, Minimum), Maximum);
    }

    /// <summary>Rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/>: the target's residuals become its values, mapped by the <see cref="Calibration"/>.</summary>
    /// <remarks>
    /// With a calibrated <see cref="Calibration"/>, <paramref name="draws"/> holds the rows' uniforms (from row
    /// <paramref name="firstRow"/> on, <paramref name="drawStride"/> a row) and <paramref name="drawIndex"/> is the target's
    /// own map's draw among them (<see cref="CalibrationDraw"/>); with argmax sampling (or no draws) a tie takes the middle level.
    /// </remarks>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows, ReadOnlySpan<float> draws, int drawStride, int drawIndex, CategorySampling sampling)
    {
        var map = Calibration is { IsCalibrated: true } calibrated ? calibrated : null;
        bool drawn = map is not null && sampling != CategorySampling.ArgMax && drawIndex >= 0 && !draws.IsEmpty;
        var target = (NumericColumn)columns[Target];
        var anchorKind = (NumericKind)((NumericColumn)columns[Anchor]).Kind;
        var kind = (NumericKind)target.Kind;
        var y = into.Numbers(Target);
        var x = into.Numbers(Anchor);
        var per = IsRatio ? into.Numbers(Per) : null;
        var perKind = IsRatio ? (NumericKind)((NumericColumn)columns[Per]).Kind : null;
        var categories = IsWithin ? into.Levels(Within) : null;
        var terms = Terms.Select(t => into.Numbers(t.Column)).ToArray();
        var termKinds = Terms.Select(t => (NumericKind)((NumericColumn)columns[t.Column]).Kind).ToArray();
        Span<double> z = stackalloc double[Terms.Count];
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            if (double.IsNaN(y[r])) continue;
            // As the graph holds them: their outputs, in their types.
            double anchor = double.IsNaN(x[r]) ? double.NaN : anchorKind.Stored(x[r]);
            if (per is not null) anchor = double.IsNaN(anchor) || double.IsNaN(per[r]) ? double.NaN : AxisValue(anchor, perKind!.Stored(per[r]));
            for (int k = 0; k < z.Length; k++) z[k] = double.IsNaN(terms[k][r]) ? double.NaN : termKinds[k].Stored(terms[k][r]);
            double v = Value(y[r], anchor, z, categories?[r] ?? -1);
            if (map is not null) v = MappedAfter(map, CalibrationHeld ? kind.Stored : null, v, drawn ? CalibrationDraw(draws[(r - firstRow) * drawStride + drawIndex]) : 0.5, Grid, Minimum, Maximum);
            y[r] = kind.Stored(v);
        }
    }

    /// <summary>
    /// <see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the target's
    /// entry is replaced. <paramref name="draws"/>: the graph's draws input ([batch, draws]; null for none);
    /// <paramref name="drawIndex"/>: the target's own map's draw.
    /// </summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded, string? draws, int drawIndex, CategorySampling sampling)
    {
        var target = (NumericColumn)columns[Target];
        var anchor = (NumericColumn)columns[Anchor];
        string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
        string x = ToDouble(decoded[Anchor], anchor.OutputType);
        // A ratio's axis: the quotient in double, missing (the fallback's) where either column is or it is not finite.
        string? offAxis = anchor.HasMissing ? anchor.AddOnnxIsMissing(g, decoded[Anchor]) : null;
        if (IsRatio)
        {
            var divisor = (NumericColumn)columns[Per];
            x = g.Node("Div", [x, ToDouble(decoded[Per], divisor.OutputType)]);
            var notFinite = g.Node("Or", [g.Node("IsNaN", [x]), g.Node("IsInf", [x])]);
            offAxis = offAxis is null ? notFinite : g.Node("Or", [offAxis, notFinite]);
            if (divisor.HasMissing) offAxis = g.Node("Or", [offAxis, divisor.AddOnnxIsMissing(g, decoded[Per])]);
        }
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
        string Gathered(double[] table, string at) => g.Node("Gather", [g.Constant(table, table.Length), at], ("axis", 0));
        string curve;
        if (IsWithin)
        {
            // The row's category's curve: its level and slope at category × knots + j (and × segments + j).
            string category = decoded[Within];
            string level = g.Node("Add", [g.Node("Mul", [category, g.Scalar((long)Knots.Length)]), j]);
            string segment = g.Node("Add", [g.Node("Mul", [category, g.Scalar((long)Knots.Length - 1)]), j]);
            curve = g.Node("Add", [Gathered(CategoryLevels!, level), g.Node("Mul", [Gathered(_categorySlopes!, segment), g.Node("Sub", [x, Gathered(Knots[..^1], j)])])]);
        }
        else curve = g.Node("Add", [Gathered(Levels[..^1], j), g.Node("Mul", [Gathered(_slopes, j), g.Node("Sub", [x, Gathered(Knots[..^1], j)])])]);
        if (Terms.Count == 0)
        {
            if (Grid is { } grid) curve = grid.AddOnnxRound(g, curve);
            if (offAxis is not null) curve = g.Node("Where", [offAxis, g.Scalar(Fallback), curve]);
        }
        else
        {
            // As Curve: the fallback before the terms, each term added in order (nothing where its column is missing), then the grid.
            if (offAxis is not null) curve = g.Node("Where", [offAxis, g.Scalar(Fallback), curve]);
            foreach (var t in Terms)
            {
                var column = (NumericColumn)columns[t.Column];
                string term = g.Node("Mul", [g.Scalar(t.Coefficient), g.Node("Sub", [ToDouble(decoded[t.Column], column.OutputType), g.Scalar(t.Mean)])]);
                if (column.HasMissing) term = g.Node("Where", [column.AddOnnxIsMissing(g, decoded[t.Column]), g.Scalar(0.0), term]);
                curve = g.Node("Add", [curve, term]);
            }
            if (Grid is { } grid) curve = grid.AddOnnxRound(g, curve);
        }
        string value = g.Node("Add", [curve, residual]);
        if (Grid is { } onGrid) value = onGrid.AddOnnxRound(g, value);
        value = g.Node("Min", [g.Node("Max", [value, g.Scalar(Minimum)]), g.Scalar(Maximum)]);
        if (Calibration is { IsCalibrated: true } map) value = AddOnnxMappedAfter(g, map, value, CalibrationHeld ? target.OutputType : OnnxType.Double, draws, drawIndex, sampling, Grid, Minimum, Maximum);
        if (target.OutputType != OnnxType.Double) value = g.Node("Cast", [value], ("to", (long)target.OutputType));
        if (target.HasMissing) value = g.Node("Where", [target.AddOnnxIsMissing(g, decoded[Target]), target.AddOnnxMissing(g), value]);
        decoded[Target] = value;
    }

    /// <summary>The trend as the public API describes it.</summary>
    public GanColumnTrend ToInfo() => new(TargetName, AnchorName, Explained, Knots.Length)
    {
        Per = PerName,
        Within = WithinName,
        MappedAfter = Calibration is { IsCalibrated: true },
        Terms = Terms.Select(z => new GanTrendTerm(z.Name, z.Coefficient, z.Mean)).ToArray(),
    };

    /// <summary>"'pop' follows 'date' (R² 0.9999)", "'rate' follows 'adults' + 0.25 × 'children' + 0.18 × 'elderly' (R² 0.9967)".</summary>
    public override string ToString() =>
        $"'{TargetName}' follows '{AnchorName}'{(IsRatio ? $" / '{PerName}'" : "")}{(IsWithin ? $" within each '{WithinName}'" : "")}{string.Concat(Terms.Select(t => FormattableString.Invariant($" {(t.Coefficient < 0 ? '-' : '+')} {Math.Abs(t.Coefficient):G3} × '{t.Name}'")))} (R² {Explained:F4})";

    /// <summary>
    /// The trends the training rows show, strongest first: each target a number column (signed, not a time) that no
    /// other trend anchors, each anchor a number or time column that is no trend's target, both outside
    /// <paramref name="excluded"/> (columns rules change). <paramref name="values"/> gives each candidate's training values (NaN
    /// missing; null for a column that cannot take part); the targets' values are replaced by their residuals, as their
    /// kinds hold them, which the columns are then fitted on. A column formulas make (<paramref name="madeByFormulas"/>)
    /// targets no trend and is no term, but anchors one whose target no formula reads (<paramref name="readByFormulas"/>):
    /// that trend applies after the formulas (<see cref="AppliesAfter"/>).
    /// </summary>
    public static List<NumericTrend> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        bool granularity, Func<int, bool> excluded, Action checkAlive, bool terms = false, Func<int, bool>? madeByFormulas = null, Func<int, bool>? readByFormulas = null,
        bool ratios = false, IReadOnlyList<CategoryCodes?>? categories = null, Func<int, bool>? excludedWithin = null, Func<int, bool>? excludedFromRatios = null,
        Func<int, bool>? levelled = null)
    {
        levelled ??= _ => false;
        int n = names.Count;
        madeByFormulas ??= _ => false;
        readByFormulas ??= _ => false;
        bool Anchors(int c) => values[c] is not null && kinds[c] is not null && !excluded(c);
        bool Targets(int c) => Anchors(c) && !madeByFormulas(c) && !levelled(c) && kinds[c] is not TimeKind && kinds[c]!.Lowest < 0;
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
                if (t == a || !Targets(t) || madeByFormulas(a) && readByFormulas(t)) continue;
                var ys = values[t]!;
                int[] both = order.Where(r => !double.IsNaN(ys[r])).ToArray();
                if (both.Length < MinimumRows) continue;
                if (Curve(xs, ys, both) is not { } curve) continue;
                double explained = ExplainedShare(curve.Knots, curve.Levels, xs, ys, both);
                // Judged again without gross errors where it qualifies (as Fit will fit it) or where the few farthest
                // rows could hide a trend; the rest of the pairs, most of them, cost no median.
                if ((explained >= MinimumExplained || GrossErrorsMayHide(curve.Knots, curve.Levels, xs, ys, both)) && WithoutGrossErrors(xs, ys, both) is var kept && kept != both)
                {
                    if (Curve(xs, ys, kept) is not { } trimmed) continue;
                    explained = ExplainedShare(trimmed.Knots, trimmed.Levels, xs, ys, kept);
                }
                if (explained >= MinimumExplained) candidates.Add((explained, t, a));
            }
        }
        var trends = new List<NumericTrend>();
        var targets = new HashSet<int>();
        var anchors = new HashSet<int>();
        foreach (var (_, t, a) in candidates.OrderByDescending(c => c.Explained).ThenBy(c => c.Target).ThenBy(c => c.Anchor))
        {
            if (targets.Contains(t) || anchors.Contains(t) || targets.Contains(a)) continue;
            checkAlive();
            var fitted = Fit(names, kinds, values, rows, t, a, granularity, null);
            if (fitted is null) continue;
            trends.Add(fitted);
            targets.Add(t);
            anchors.Add(a);
        }
        // Strongest first can make a column an anchor where a column that anchors others explains it and its targets
        // too: diamonds' depth in mm took their weight as its anchor (R² 0.993), which then followed nothing, where their
        // width, which already anchored their length, explains the weight and the depth (0.993, 0.983). Such an anchor
        // joins the other's targets, with its own.
        while (Absorbed(trends.Select(trend => (trend.Target, trend.Anchor)).ToList(), candidates) is { } absorbed)
        {
            checkAlive();
            var refitted = absorbed.Moved.Select(t => Fit(names, kinds, values, rows, t, absorbed.Hub, granularity, null)).ToList();
            if (refitted.Any(trend => trend is null)) break;
            trends = trends.Where(trend => !absorbed.Moved.Contains(trend.Target)).Concat(refitted.OfType<NumericTrend>()).OrderByDescending(trend => trend.Explained).ToList();
        }
        // Then the terms, the trends and their order as they are: a term is a number (not a time) other than the trend's
        // own columns that is no target of it or a later trend (an earlier trend's target is made before this one applies),
        // nor one made by formulas or after them.
        var afterTargets = trends.Where(trend => madeByFormulas(trend.Anchor)).Select(trend => trend.Target).ToHashSet();
        for (int i = 0; terms && i < trends.Count; i++)
        {
            checkAlive();
            int t = trends[i].Target, a = trends[i].Anchor;
            var later = trends.Skip(i).Select(trend => trend.Target).ToHashSet();
            if (Fit(names, kinds, values, rows, t, a, granularity,
                    c => c != a && Anchors(c) && !madeByFormulas(c) && !afterTargets.Contains(c) && kinds[c] is not TimeKind && !later.Contains(c)) is { Terms.Count: > 0 } withTerms)
                trends[i] = withTerms;
        }
        // A ratio's columns may be ones that only some rules keep out of the trends on single columns (excludedFromRatios),
        // where the ratio is all but exact (MinimumExplainedPastRules).
        bool RatioParts(int c) => values[c] is not null && kinds[c] is not null && !(excludedFromRatios ?? excluded)(c);
        bool RatioTargets(int c) => RatioParts(c) && !madeByFormulas(c) && !levelled(c) && kinds[c] is not TimeKind && kinds[c]!.Lowest < 0;
        if (ratios) AddRatios(names, kinds, values, rows, granularity, trends, RatioParts, RatioTargets, madeByFormulas, checkAlive, c => excluded(c) && RatioParts(c));
        // Within categories, a column a dependency reads may anchor too (the dependency leaves its value as it is).
        if (categories is not null)
            AddWithin(names, kinds, values, rows, granularity, trends, c => values[c] is not null && kinds[c] is not null && !(excludedWithin ?? excluded)(c), Targets, madeByFormulas, categories, checkAlive);
        Residuals(trends, kinds, values, rows, categories);
        return trends;
    }

    /// <summary>
    /// One anchor of <paramref name="chosen"/> (target, anchor pairs) that another anchor (the hub) explains, as it
    /// explains every target of the first, among <paramref name="candidates"/>: the first anchor and its targets (the
    /// <c>Moved</c> columns, the anchor first) then all follow the hub, one trend more. The anchor whose own curve on a hub
    /// explains most, the hub explaining it best; null when none is.
    /// </summary>
    internal static (int Hub, int[] Moved)? Absorbed(IReadOnlyList<(int Target, int Anchor)> chosen, IReadOnlyList<(double Explained, int Target, int Anchor)> candidates)
    {
        var anchors = chosen.Select(p => p.Anchor).Distinct().ToHashSet();
        var explained = candidates.ToDictionary(c => (c.Target, c.Anchor), c => c.Explained);
        (double Explained, int Hub, int[] Moved)? best = null;
        foreach (int a in anchors.Order())
        {
            int[] moved = chosen.Where(p => p.Anchor == a).Select(p => p.Target).Order().Prepend(a).ToArray();
            foreach (int hub in anchors.Order())
            {
                if (hub == a || !explained.TryGetValue((a, hub), out double share) || moved.Any(t => !explained.ContainsKey((t, hub)))) continue;
                if (best is null || share > best.Value.Explained) best = (share, hub, moved);
            }
        }
        return best is { } found ? (found.Hub, found.Moved) : null;
    }

    /// <summary>
    /// The targets' values in <paramref name="values"/> (the first <paramref name="rows"/> of each column's training
    /// values; null for a column no trend reads) become their residuals, the last trend's first: a trend may read an
    /// earlier one's target, whose values are still its own until then. What <see cref="Find"/> leaves, and what the
    /// targets' maps (and their groups) are fitted on.
    /// </summary>
    public static void Residuals(IReadOnlyList<NumericTrend> trends, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, IReadOnlyList<CategoryCodes?>? categories)
    {
        for (int i = trends.Count - 1; i >= 0; i--) trends[i].ToResiduals(kinds, values, rows, categories);
    }

    /// <summary>
    /// The least share of its target a ratio must explain to take a column that a dependency on some of its values
    /// reads or sets (which then gives way): a ratio all but exact, as CreditCard's share of income spent (R² 1.0000), not
    /// a curve through such rules (colon's node4 on nodes / adhere, 0.96; mpg's cylinders on year / displacement, 0.96).
    /// </summary>
    public const double MinimumExplainedPastRules = 0.99;

    /// <summary>The most number columns whose pairs' ratios the search tries (more: none is tried): each target tries every ordered pair.</summary>
    public const int MaximumRatioColumns = 40;

    /// <summary>
    /// Trends on ratios (<see cref="GanTrainer.Options.TrendRatios"/>), appended to <paramref name="trends"/> (the trends
    /// on single columns, found before): each column that can be a target and that no trend makes or reads may follow
    /// the ratio of two number columns (not times) that are no trend's target but an earlier one's (those are made
    /// before it applies) and that no formula makes; a target's best ratio becomes its trend when its curve explains at
    /// least <see cref="MinimumExplained"/> of it, strongest first, each trend's columns then taken.
    /// </summary>
    private static void AddRatios(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, bool granularity,
        List<NumericTrend> trends, Func<int, bool> anchors, Func<int, bool> targets, Func<int, bool> madeByFormulas, Action checkAlive, Func<int, bool> ruledInPart)
    {
        int n = names.Count;
        // (A trend after the formulas applies after every trend here: its target is no part.)
        var afterFormulas = trends.Where(trend => madeByFormulas(trend.Anchor) || trend.Terms.Any(z => madeByFormulas(z.Column))).Select(trend => trend.Target).ToHashSet();
        bool Part(int c) => anchors(c) && kinds[c] is not TimeKind && !madeByFormulas(c) && !afterFormulas.Contains(c);
        var parts = Enumerable.Range(0, n).Where(Part).ToArray();
        if (parts.Length < 3 || parts.Length > MaximumRatioColumns) return;
        var taken = trends.SelectMany(trend => trend.Terms.Select(z => z.Column).Append(trend.Anchor).Append(trend.Target)).ToHashSet();
        var open = Enumerable.Range(0, n).Where(t => targets(t) && !taken.Contains(t)).ToArray();
        if (open.Length == 0) return;
        // The search on a sample of rows at even strides, each column's values there copied once (n² ratios of a
        // table of millions of rows would otherwise be as many passes over it).
        int stride = Math.Max(1, rows / SearchRows);
        int count = rows / stride;
        var sampled = new double[]?[n];
        double[] Sampled(int c) => sampled[c] ??= Enumerable.Range(0, count).Select(i => values[c]![i * stride]).ToArray();
        var candidates = new List<(double Explained, int Target, int Numerator, int Divisor)>();
        foreach (int a in parts)
        {
            foreach (int b in parts)
            {
                if (a == b) continue;
                checkAlive();
                var x = Ratios(Sampled(a), Sampled(b), count);
                int[] order = Enumerable.Range(0, count).Where(i => !double.IsNaN(x[i])).OrderBy(i => x[i]).ToArray();
                if (order.Length < MinimumRows) continue;
                foreach (int t in open)
                {
                    if (t == a || t == b) continue;
                    var ys = Sampled(t);
                    // Judged on every row (a ratio's search tries as many as 40 × 39 axes for each target, where setting gross
                    // errors aside would cost a median curve and two medians each); a trend chosen is fitted without them.
                    int[] both = order.Where(i => !double.IsNaN(ys[i])).ToArray();
                    if (both.Length < MinimumRows || Curve(x, ys, both) is not { } curve) continue;
                    double explained = ExplainedShare(curve.Knots, curve.Levels, x, ys, both);
                    if (explained >= (ruledInPart(t) || ruledInPart(a) || ruledInPart(b) ? MinimumExplainedPastRules : MinimumExplained)) candidates.Add((explained, t, a, b));
                }
            }
        }
        var targetsNow = trends.Select(trend => trend.Target).ToHashSet();
        var read = trends.SelectMany(trend => trend.Terms.Select(z => z.Column).Append(trend.Anchor)).ToHashSet();
        foreach (var (_, t, a, b) in candidates.OrderByDescending(c => c.Explained).ThenBy(c => c.Target).ThenBy(c => c.Numerator).ThenBy(c => c.Divisor))
        {
            // A target no trend makes or reads; a numerator no trend makes (as an anchor); a divisor no later trend makes.
            if (targetsNow.Contains(t) || read.Contains(t) || targetsNow.Contains(a)) continue;
            checkAlive();
            if (Fit(names, kinds, values, rows, t, a, granularity, null, b) is not { } fitted) continue;
            trends.Add(fitted);
            targetsNow.Add(t);
            read.Add(a);
            read.Add(b);
        }
    }

    /// <summary>
    /// Trends within categories (<see cref="GanTrainer.Options.CategoryTrends"/>), appended to <paramref name="trends"/>:
    /// each column that can be a target and that no trend makes or reads may follow, within each category of a
    /// categorical column (<paramref name="categories"/>: each row's category, null for a column that cannot take part),
    /// a curve of its own along an anchor that is a number or time column no trend makes and no formula makes. The
    /// curves share their knots (the anchor's means in runs of its sorted rows, as many as the categories' rows allow);
    /// a category's level at a knot is the mean of its rows in the knot's run. A target's best pair becomes its trend
    /// when the curves explain at least <see cref="MinimumExplained"/> of it and at least
    /// <see cref="MinimumWithinExplained"/> of what its categories leave (so the anchor, not the categories alone,
    /// carries it), strongest first, each trend's columns then taken. A table of more than
    /// <see cref="MaximumWithinSearches"/> (anchor, target, categories) triples gets none.
    /// </summary>
    private static void AddWithin(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, bool granularity,
        List<NumericTrend> trends, Func<int, bool> anchors, Func<int, bool> targets, Func<int, bool> madeByFormulas, IReadOnlyList<CategoryCodes?> categories, Action checkAlive)
    {
        int n = names.Count;
        var taken = trends.SelectMany(trend => trend.Terms.Select(z => z.Column).Append(trend.Anchor).Append(trend.Per).Append(trend.Target)).ToHashSet();
        var made = trends.Select(trend => trend.Target).ToHashSet();
        var open = Enumerable.Range(0, n).Where(t => targets(t) && !taken.Contains(t)).ToArray();
        var groups = Enumerable.Range(0, Math.Min(n, categories.Count))
            .Where(c => categories[c] is { Count: >= 2 and <= MaximumCategories } codes && codes.Levels.Length >= rows).ToArray();
        var anchorColumns = Enumerable.Range(0, n).Where(a => anchors(a) && !made.Contains(a) && !madeByFormulas(a)).ToArray();
        if (open.Length == 0 || groups.Length == 0 || (long)anchorColumns.Length * open.Length * groups.Length > MaximumWithinSearches) return;
        int stride = Math.Max(1, rows / SearchRows);
        int[] sample = Enumerable.Range(0, rows / stride).Select(i => i * stride).ToArray();
        var candidates = new List<(double Explained, int Target, int Anchor, int Group)>();
        foreach (int a in anchorColumns)
        {
            checkAlive();
            var xs = values[a]!;
            int[] order = sample.Where(r => !double.IsNaN(xs[r])).OrderBy(r => xs[r]).ToArray();
            foreach (int t in open)
            {
                if (t == a) continue;
                var ys = values[t]!;
                int[] both = order.Where(r => !double.IsNaN(ys[r])).ToArray();
                if (both.Length < MinimumRows) continue;
                foreach (int c in groups)
                {
                    checkAlive();
                    if (CategoryCurves(xs, ys, both, categories[c]!) is { } fitted && fitted.Explained >= MinimumExplained && fitted.WithinExplained >= MinimumWithinExplained)
                        candidates.Add((fitted.Explained, t, a, c));
                }
            }
        }
        foreach (var (_, t, a, c) in candidates.OrderByDescending(x => x.Explained).ThenBy(x => x.Target).ThenBy(x => x.Anchor).ThenBy(x => x.Group))
        {
            // A target no trend makes or reads; an anchor no trend makes.
            if (taken.Contains(t) || made.Contains(a)) continue;
            checkAlive();
            if (FitWithin(names, kinds, values, rows, t, a, c, categories[c]!, granularity) is not { } fitted) continue;
            trends.Add(fitted);
            made.Add(t);
            taken.Add(t);
            taken.Add(a);
        }
    }

    /// <summary>The trend of <paramref name="t"/> on <paramref name="a"/> within the categories of column <paramref name="c"/>, fitted on every row; null when it no longer qualifies.</summary>
    private static NumericTrend? FitWithin(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, int t, int a, int c,
        CategoryCodes codes, bool granularity)
    {
        var xs = values[a]!;
        var ys = values[t]!;
        int[] both = Enumerable.Range(0, rows).Where(r => !double.IsNaN(xs[r]) && !double.IsNaN(ys[r])).OrderBy(r => xs[r]).ToArray();
        if (both.Length < MinimumRows || CategoryCurves(xs, ys, both, codes) is not { } fitted
            || fitted.Explained < MinimumExplained || fitted.WithinExplained < MinimumWithinExplained) return null;
        // The range, grid and fallback as a trend on one curve has them.
        if (Fit(names, kinds, values, rows, t, a, granularity, null, minimumExplained: double.NegativeInfinity) is not { } one) return null;
        return new NumericTrend(t, a, fitted.Knots, fitted.Levels, one.Fallback, one.Grid, one.Minimum, one.Maximum, fitted.Explained, names[t], names[a],
            within: c, withinName: names[c], categoryLevels: fitted.CategoryLevels);
    }

    /// <summary>
    /// Curves of <paramref name="ys"/> on <paramref name="xs"/> within each category of <paramref name="codes"/>, over
    /// rows <paramref name="sorted"/> (both present, by ascending x): knots shared by every category, as many as
    /// <see cref="RowsPerKnot"/> rows a knot allows in the categories with curves of their own (those of
    /// <see cref="MinimumCategoryRows"/> rows or more; the others follow the whole column's curve, moved to their rows'
    /// mean distance from it, or not moved without rows); a category with no row
    /// in a knot's run takes the level between its neighbours' (the nearest one's beyond its first or last). What they
    /// explain of the target, and of what the categories' means leave of it; null without two knots.
    /// </summary>
    private static (double[] Knots, double[] Levels, double[] CategoryLevels, double Explained, double WithinExplained)? CategoryCurves(double[] xs, double[] ys, int[] sorted, CategoryCodes codes)
    {
        int count = codes.Count;
        var levelsOf = codes.Levels;
        var rowsOf = new int[count];
        foreach (int r in sorted) rowsOf[levelsOf[r]]++;
        var own = Enumerable.Range(0, count).Where(l => rowsOf[l] >= MinimumCategoryRows).ToArray();
        if (own.Length < 2) return null;
        long ownRows = own.Sum(l => (long)rowsOf[l]);
        int knotCount = (int)Math.Clamp(ownRows / ((long)own.Length * RowsPerKnot), 2, MaximumKnots);
        if (Curve(xs, ys, sorted, knotCount) is not { } curve) return null;
        int k = curve.Knots.Length;
        // Each run's rows: the knots are the means of runs of the sorted rows, so a row's run is found by position.
        var runOf = RunsOf(xs, sorted, knotCount);
        var sums = new double[count * k];
        var counts = new int[count * k];
        for (int i = 0; i < sorted.Length; i++)
        {
            int r = sorted[i], at = levelsOf[r] * k + runOf[i];
            sums[at] += ys[r];
            counts[at]++;
        }
        // A category of too few rows for a curve: the whole column's, moved by the mean of its rows' distances from it.
        var one = new NumericTrend(0, 1, curve.Knots, curve.Levels, 0, null, 0, 0, 0, "", "");
        var offsets = new double[count];
        foreach (int r in sorted) if (rowsOf[levelsOf[r]] < MinimumCategoryRows) offsets[levelsOf[r]] += ys[r] - one.Curve(xs[r]);
        var table = new double[count * k];
        for (int l = 0; l < count; l++)
        {
            var row = table.AsSpan(l * k, k);
            if (rowsOf[l] < MinimumCategoryRows)
            {
                double offset = rowsOf[l] > 0 ? offsets[l] / rowsOf[l] : 0;
                for (int j = 0; j < k; j++) row[j] = curve.Levels[j] + offset;
                continue;
            }
            int previous = -1;
            for (int j = 0; j < k; j++)
            {
                if (counts[l * k + j] == 0) continue;
                row[j] = sums[l * k + j] / counts[l * k + j];
                // The runs between two with rows: on the line between them; before the first: its level.
                for (int gap = previous + 1; gap < j; gap++)
                    row[gap] = previous < 0 ? row[j] : row[previous] + (row[j] - row[previous]) * (curve.Knots[gap] - curve.Knots[previous]) / (curve.Knots[j] - curve.Knots[previous]);
                previous = j;
            }
            for (int gap = previous + 1; gap < k; gap++) row[gap] = row[previous];
        }
        var trend = new NumericTrend(0, 1, curve.Knots, curve.Levels, 0, null, 0, 0, 0, "", "", within: 0, withinName: "", categoryLevels: table);
        var categorySums = new double[count];
        foreach (int r in sorted) categorySums[levelsOf[r]] += ys[r];
        double mean = sorted.Average(r => ys[r]), total = 0, within = 0, residual = 0;
        foreach (int r in sorted)
        {
            int l = levelsOf[r];
            double categoryMean = categorySums[l] / rowsOf[l];
            total += (ys[r] - mean) * (ys[r] - mean);
            within += (ys[r] - categoryMean) * (ys[r] - categoryMean);
            double e = ys[r] - trend.Curve(xs[r], [], l);
            residual += e * e;
        }
        if (!(total > 0) || !(within > 0)) return null;
        return (curve.Knots, curve.Levels, table, 1 - residual / total, 1 - residual / within);
    }

    /// <summary>The run (knot) of each of the rows <paramref name="sorted"/> as <see cref="Curve(double[], double[], int[], int, bool)"/> cuts them for at most <paramref name="maximumKnots"/> knots.</summary>
    private static int[] RunsOf(double[] xs, int[] sorted, int maximumKnots)
    {
        var runOf = new int[sorted.Length];
        int run = 0;
        foreach (var (start, end) in Runs(xs, sorted, maximumKnots))
        {
            for (int i = start; i < end; i++) runOf[i] = run;
            run++;
        }
        return runOf;
    }

    /// <summary>Replaces the target's training values in <paramref name="values"/> by their residuals from the trend, as the target's kind holds them.</summary>
    private void ToResiduals(IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, IReadOnlyList<CategoryCodes?>? categories)
    {
        var kind = kinds[Target]!;
        var xs = AxisValues(values, rows);
        var ys = values[Target]!;
        var levels = IsWithin ? categories![Within]!.Levels : null;
        var termValues = Terms.Select(term => values[term.Column]!).ToArray();
        var z = new double[Terms.Count];
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(ys[r])) continue;
            for (int k = 0; k < z.Length; k++) z[k] = termValues[k][r];
            ys[r] = kind.Stored(ys[r] - Curve(xs[r], z, levels?[r] ?? -1));
        }
    }

    /// <summary>Each row's value on the curve's axis (<see cref="AxisValue"/>) from the columns' training values: the anchor's own array without a divisor.</summary>
    private double[] AxisValues(IReadOnlyList<double[]?> values, int rows) => Ratios(values[Anchor]!, IsRatio ? values[Per] : null, rows);

    /// <summary><paramref name="a"/> / <paramref name="b"/> row by row (NaN where missing or not finite); <paramref name="a"/> itself without <paramref name="b"/>.</summary>
    private static double[] Ratios(double[] a, double[]? b, int rows)
    {
        if (b is null) return a;
        var x = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double v = a[r] / b[r];
            x[r] = double.IsFinite(v) ? v : double.NaN;
        }
        return x;
    }

    /// <summary>The trend of <paramref name="t"/> on <paramref name="a"/> (and terms of the columns <paramref name="termable"/> allows) fitted on every row; null when it no longer qualifies.</summary>
    private static NumericTrend? Fit(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows, int t, int a, bool granularity,
        Func<int, bool>? termable, int per = -1, double minimumExplained = MinimumExplained)
    {
        var xs = Ratios(values[a]!, per >= 0 ? values[per] : null, rows);
        var ys = values[t]!;
        var kind = kinds[t]!;
        int[] both = WithoutGrossErrors(xs, ys, Enumerable.Range(0, rows).Where(r => !double.IsNaN(xs[r]) && !double.IsNaN(ys[r])).OrderBy(r => xs[r]).ToArray());
        if (both.Length < MinimumRows || Curve(xs, ys, both) is not { } curve) return null;
        double explained = ExplainedShare(curve.Knots, curve.Levels, xs, ys, both);
        if (explained < minimumExplained) return null;
        TrendTerm[] terms = [];
        if (termable is not null && Enumerable.Range(0, values.Count).Where(termable).ToArray() is { Length: > 0 } candidates)
            (terms, curve, explained) = WithTerms(names, values, xs, ys, both, curve, explained, candidates);
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
        return new NumericTrend(t, a, curve.Knots, curve.Levels, fallback, grid, minimum, maximum, explained, names[t], names[a], terms, null, per, per >= 0 ? names[per] : null);
    }

    /// <summary>
    /// The terms that explain what the anchor's curve leaves, and the curve fitted again on the target less the terms;
    /// none when no column qualifies. Chosen on rows <paramref name="both"/> (at most 20,000 of them, at even strides) by
    /// forward selection: each round adds the column that, with those chosen, leaves least unexplained, while it
    /// explains at least <see cref="MinimumTermGain"/> of what is left. The curve is linear in the values it is fitted
    /// to (its knots are the anchor's), so the target's and the candidates' own curves are taken out first and the
    /// terms fitted on what is left (Frisch-Waugh-Lovell): a column the anchor partly explains (children's poverty with
    /// adults') is judged on what it adds.
    /// </summary>
    private static (TrendTerm[] Terms, (double[] Knots, double[] Levels) Curve, double Explained) WithTerms(IReadOnlyList<string> names, IReadOnlyList<double[]?> values,
        double[] xs, double[] ys, int[] both, (double[] Knots, double[] Levels) curve, double explained, int[] candidates)
    {
        int stride = Math.Max(1, both.Length / SearchRows);
        int[] rows = Enumerable.Range(0, both.Length / stride).Select(i => both[i * stride]).ToArray(); // still by ascending x
        int[] order = Enumerable.Range(0, rows.Length).ToArray();
        double[] x = rows.Select(r => xs[r]).ToArray();
        // What a column's curve on the anchor leaves of it, on these rows (null: no curve).
        double[]? Left(double[] v)
        {
            if (Curve(x, v, order) is not { } own) return null;
            var onCurve = new NumericTrend(0, 1, own.Knots, own.Levels, 0, null, 0, 0, 0, "", "");
            return order.Select(i => v[i] - onCurve.Curve(x[i])).ToArray();
        }
        if (Left(rows.Select(r => ys[r]).ToArray()) is not { } left) return ([], curve, explained);
        // Each candidate centred on its mean over these rows, missing values at 0 (as decoding adds nothing for them).
        var means = new double[candidates.Length];
        var partial = new double[]?[candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            var v = values[candidates[i]]!;
            double sum = 0;
            int present = 0;
            foreach (int r in rows) if (!double.IsNaN(v[r])) { sum += v[r]; present++; }
            means[i] = present > 0 ? sum / present : 0;
            partial[i] = Left(rows.Select(r => double.IsNaN(v[r]) ? 0 : v[r] - means[i]).ToArray());
        }
        double unexplained = left.Sum(e => e * e);
        var chosen = new List<int>();
        double[] coefficients = [];
        while (chosen.Count < MaximumTerms && unexplained > 0)
        {
            (int Candidate, double[] Coefficients, double Left)? best = null;
            for (int i = 0; i < candidates.Length; i++)
            {
                if (chosen.Contains(i) || partial[i] is null) continue;
                var set = chosen.Append(i).Select(k => partial[k]!).ToArray();
                if (LeastSquares(set, left) is not { } b) continue;
                double rss = 0;
                for (int n = 0; n < left.Length; n++)
                {
                    double e = left[n];
                    for (int k = 0; k < set.Length; k++) e -= b[k] * set[k][n];
                    rss += e * e;
                }
                if (best is null || rss < best.Value.Left) best = (i, b, rss);
            }
            if (best is not { } found || found.Left > (1 - MinimumTermGain) * unexplained) break;
            chosen.Add(found.Candidate);
            coefficients = found.Coefficients;
            unexplained = found.Left;
        }
        if (chosen.Count == 0 || coefficients.Any(b => !double.IsFinite(b))) return ([], curve, explained);
        var terms = chosen.Select((k, i) => new TrendTerm(candidates[k], names[candidates[k]], coefficients[i], means[k])).ToArray();
        // The curve again, on every row of both: the target less its terms (the knots stay: they are the anchor's).
        var z = new double[terms.Length];
        double Terms(int r)
        {
            double sum = 0;
            for (int k = 0; k < terms.Length; k++) { double v = values[terms[k].Column]![r]; if (!double.IsNaN(v)) sum += terms[k].Coefficient * (v - terms[k].Mean); }
            return sum;
        }
        var adjusted = (double[])ys.Clone();
        foreach (int r in both) adjusted[r] = ys[r] - Terms(r);
        if (Curve(xs, adjusted, both) is not { } refitted || !refitted.Knots.SequenceEqual(curve.Knots)) return ([], curve, explained);
        // What the whole trend explains, on every row of both.
        var trend = new NumericTrend(0, 1, refitted.Knots, refitted.Levels, 0, null, 0, 0, 0, "", "", terms);
        double mean = both.Average(r => ys[r]), total = 0, residual = 0;
        foreach (int r in both)
        {
            for (int k = 0; k < z.Length; k++) z[k] = values[terms[k].Column]![r];
            double e = ys[r] - trend.Curve(xs[r], z);
            total += (ys[r] - mean) * (ys[r] - mean);
            residual += e * e;
        }
        double withTerms = total > 0 ? 1 - residual / total : 0;
        return withTerms > explained ? (terms, refitted, withTerms) : ([], curve, explained);
    }

    /// <summary>The coefficients b that minimise Σ (y − Σ b_k x_k)² (normal equations, Gauss-Jordan elimination); null when the columns are (nearly) collinear.</summary>
    private static double[]? LeastSquares(double[][] x, double[] y)
    {
        int k = x.Length, n = y.Length;
        var a = new double[k, k + 1];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++)
            {
                double s = 0;
                for (int r = 0; r < n; r++) s += x[i][r] * x[j][r];
                a[i, j] = a[j, i] = s;
            }
            double sy = 0;
            for (int r = 0; r < n; r++) sy += x[i][r] * y[r];
            a[i, k] = sy;
        }
        var scale = new double[k];
        for (int i = 0; i < k; i++) scale[i] = a[i, i];
        for (int col = 0; col < k; col++)
        {
            // The matrix is symmetric and positive semidefinite: no pivoting, and each pivot is what the columns before
            // leave of its column's sum of squares; a tiny part of it, and that column is (nearly) the others'.
            if (!(a[col, col] > 1e-9 * scale[col])) return null;
            for (int r = 0; r < k; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int j = col; j <= k; j++) a[r, j] -= f * a[col, j];
            }
        }
        var b = new double[k];
        for (int i = 0; i < k; i++) b[i] = a[i, k] / a[i, i];
        return b;
    }

    /// <summary>
    /// The curve of <paramref name="ys"/> on <paramref name="xs"/> over rows <paramref name="sorted"/> (both present, by
    /// ascending x): runs of at least n / <see cref="MaximumKnots"/> rows (and <see cref="RowsPerKnot"/>), each extended over
    /// the rows of its last x, so the knots ascend strictly, at the run's mean x and its mean y (its median y with
    /// <paramref name="medians"/>, which a few wild values do not move); null with fewer than two knots.
    /// </summary>
    private static (double[] Knots, double[] Levels)? Curve(double[] xs, double[] ys, int[] sorted, int maximumKnots = MaximumKnots, bool medians = false)
    {
        var knots = new List<double>();
        var levels = new List<double>();
        foreach (var (start, end) in Runs(xs, sorted, maximumKnots))
        {
            double sx = 0, sy = 0;
            for (int i = start; i < end; i++) { sx += xs[sorted[i]]; sy += ys[sorted[i]]; }
            knots.Add(sx / (end - start));
            levels.Add(medians ? ColumnStatistics.Median(sorted[start..end].Select(r => ys[r]).ToArray()) : sy / (end - start));
        }
        if (knots.Count < 2) return null;
        for (int k = 1; k < knots.Count; k++) if (!(knots[k] > knots[k - 1])) return null; // rounding made two equal: no clean curve
        return (knots.ToArray(), levels.ToArray());
    }

    /// <summary>
    /// The runs [start, end) of positions in <paramref name="sorted"/> a curve of at most <paramref name="maximumKnots"/>
    /// knots averages: at least n / maximumKnots rows (and <see cref="RowsPerKnot"/>) each, extended over the rows of its
    /// last x; a short last run joins the one before it.
    /// </summary>
    private static IEnumerable<(int Start, int End)> Runs(double[] xs, int[] sorted, int maximumKnots)
    {
        int run = Math.Max(RowsPerKnot, (sorted.Length + maximumKnots - 1) / maximumKnots);
        for (int start = 0; start < sorted.Length;)
        {
            int end = Math.Min(sorted.Length, start + run);
            while (end < sorted.Length && xs[sorted[end]] == xs[sorted[end - 1]]) end++;
            if (sorted.Length - end < run / 2) end = sorted.Length;
            yield return (start, end);
            start = end;
        }
    }

    /// <summary>
    /// The share of <paramref name="ys"/>' variance the curve of it on <paramref name="xs"/> explains (no value missing),
    /// as the search for trends measures it: without gross errors, 0 without a curve.
    /// </summary>
    internal static double CurveExplained(double[] xs, double[] ys)
    {
        if (xs.Length != ys.Length) throw new ArgumentException($"{xs.Length} anchors' values for {ys.Length} targets'.", nameof(ys));
        int[] both = WithoutGrossErrors(xs, ys, Enumerable.Range(0, xs.Length).OrderBy(r => xs[r]).ToArray());
        return both.Length >= MinimumRows && Curve(xs, ys, both) is { } curve ? ExplainedShare(curve.Knots, curve.Levels, xs, ys, both) : 0;
    }

    /// <summary>
    /// Rows <paramref name="sorted"/> (both present, by ascending x) less the gross errors of the curve through them: the
    /// rows whose distance from it (its runs' medians) lies more than <see cref="GrossErrorDeviations"/> robust standard
    /// deviations from the distances' median, when they are at most <see cref="GrossErrorsPerThousand"/> in a thousand
    /// rows (none on fewer than a thousand). One such row can hide a trend the rest follow to the hundredth (diamonds' depth in mm, which
    /// width explains to R² 0.98 but to 0.85 with one depth of 31.8 among 10,788), and would bend the knot it falls in;
    /// the trend is fitted and judged without it, and decoding still makes its distance, as every row's, from the
    /// target's map. The order of the rows kept is the order given; <paramref name="sorted"/> itself when none is set aside.
    /// </summary>
    internal static int[] WithoutGrossErrors(double[] xs, double[] ys, int[] sorted)
    {
        int most = sorted.Length / 1000 * GrossErrorsPerThousand;
        // Measured from a curve through the runs' medians: a mean curve's knot moves with the errors in its run, and
        // every other row of that run would then lie far from it too.
        if (most == 0 || Curve(xs, ys, sorted, medians: true) is not { } fitted) return sorted;
        var curve = new NumericTrend(0, 1, fitted.Knots, fitted.Levels, 0, null, 0, 0, 0, "", ""); // its curve alone
        var distances = new double[sorted.Length];
        for (int i = 0; i < sorted.Length; i++) distances[i] = ys[sorted[i]] - curve.Curve(xs[sorted[i]]);
        double median = ColumnStatistics.Median(distances);
        var deviations = distances.Select(d => Math.Abs(d - median)).ToArray();
        double bar = GrossErrorDeviations * 1.4826 * ColumnStatistics.Median(deviations);
        int far = deviations.Count(d => d > bar);
        if (far == 0 || far > most) return sorted;
        return sorted.Where((_, i) => !(deviations[i] > bar)).ToArray();
    }

    /// <summary>How far below <see cref="MinimumExplained"/> a pair may fall and still be judged without gross errors in the search.</summary>
    private const double GrossErrorMargin = 0.1;

    /// <summary>
    /// Whether the curve (<paramref name="knots"/>, <paramref name="levels"/>) over <paramref name="rows"/> could explain
    /// <see cref="MinimumExplained"/> of the target without as many of its farthest rows as
    /// <see cref="WithoutGrossErrors"/> may set aside: with their squared distances taken out of both the residual and
    /// the total sums, it explains at least <see cref="GrossErrorMargin"/> less than the bar. One pass and no sort, so
    /// that the search computes a median curve only for the pairs it may change (diamonds' depth in mm on width: 0.85
    /// with its one error, 0.97 by this bound, 0.98 without it).
    /// </summary>
    private static bool GrossErrorsMayHide(double[] knots, double[] levels, double[] xs, double[] ys, int[] rows)
    {
        int most = rows.Length / 1000 * GrossErrorsPerThousand;
        if (most == 0) return false;
        var curve = new NumericTrend(0, 1, knots, levels, 0, null, 0, 0, 0, "", ""); // its curve alone
        var largest = new PriorityQueue<double, double>(most + 1); // the `most` largest squared distances, the least first
        double mean = rows.Average(r => ys[r]), total = 0, residual = 0;
        foreach (int r in rows)
        {
            total += (ys[r] - mean) * (ys[r] - mean);
            double e = ys[r] - curve.Curve(xs[r]), e2 = e * e;
            residual += e2;
            largest.Enqueue(e2, e2);
            if (largest.Count > most) largest.Dequeue();
        }
        double far = 0;
        while (largest.TryDequeue(out double e2, out _)) far += e2;
        return !(total - far > 0) || 1 - (residual - far) / (total - far) >= MinimumExplained - GrossErrorMargin;
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

/// <summary>A categorical column's category (its index) in each training row, and how many categories it has: what a trend <see cref="NumericTrend.Within"/> them reads.</summary>
internal sealed record CategoryCodes(int[] Levels, int Count);

/// <summary>A column a <see cref="NumericTrend"/> adds in proportion: <c>Coefficient × (value − Mean)</c>, nothing where the value is missing.</summary>
internal readonly record struct TrendTerm(int Column, string Name, double Coefficient, double Mean);

/// <summary>A <see cref="TrendTerm"/> in a model file.</summary>
internal sealed class TrendTermState
{
    public string? Column { get; set; }
    public double Coefficient { get; set; }
    public double Mean { get; set; }
}

/// <summary>A <see cref="NumericTrend"/> in a model file.</summary>
internal sealed class TrendState
{
    public string? Target { get; set; }
    public string? Anchor { get; set; }
    /// <summary>The column the anchor is divided by (<see cref="NumericTrend.Per"/>); absent for a trend on the anchor itself, and in files of format 25 and older.</summary>
    public string? Per { get; set; }
    /// <summary>The categorical column within whose categories the curve is each one's own (<see cref="NumericTrend.Within"/>); absent for one curve, and in files of format 26 and older.</summary>
    public string? Within { get; set; }
    /// <summary>With <see cref="Within"/>: each category's levels at the knots, category after category (<see cref="NumericTrend.CategoryLevels"/>).</summary>
    public double[]? CategoryLevels { get; set; }
    public double[]? Knots { get; set; }
    public double[]? Levels { get; set; }
    public double Fallback { get; set; }
    public long? GridUnits { get; set; }
    public int? GridDecimals { get; set; }
    public double Minimum { get; set; }
    public double Maximum { get; set; }
    public double Explained { get; set; }
    /// <summary>Absent in files of format 16 and older, whose trends had no terms.</summary>
    public TrendTermState[]? Terms { get; set; }
    /// <summary>
    /// The target's map after the trend (<see cref="NumericTrend.Calibration"/>): its marginal fields only; the range and
    /// grid are the trend's. Absent in files of format 24 and older, and in models trained without exact marginals.
    /// </summary>
    public ColumnState? Calibration { get; set; }
    /// <summary>
    /// Whether the map after the trend maps the value as the target's type holds it (<see cref="NumericTrend.CalibrationHeld"/>);
    /// absent (as computed) in files of format 41 and older.
    /// </summary>
    public bool? CalibrationHeld { get; set; }

    public static TrendState From(NumericTrend trend) => new()
    {
        Calibration = trend.Calibration is { } map ? MarginalFields(map) : null,
        CalibrationHeld = trend.CalibrationHeld ? true : null,
        Target = trend.TargetName, Anchor = trend.AnchorName, Per = trend.PerName, Within = trend.WithinName, CategoryLevels = trend.CategoryLevels, Knots = trend.Knots, Levels = trend.Levels, Fallback = trend.Fallback,
        GridUnits = trend.Grid?.Units, GridDecimals = trend.Grid?.Decimals, Minimum = trend.Minimum, Maximum = trend.Maximum, Explained = trend.Explained,
        Terms = trend.Terms.Count > 0 ? trend.Terms.Select(t => new TrendTermState { Column = t.Name, Coefficient = t.Coefficient, Mean = t.Mean }).ToArray() : null,
    };

    /// <summary>A map's own fields in a column state of their own (a rule's map after it, saved beside the rule).</summary>
    internal static ColumnState MarginalFields(MarginalMap map)
    {
        var state = new ColumnState();
        map.ToState(state);
        return state;
    }

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
            // A ratio's divisor: a number column other than the trend's two, which an earlier trend may make (it applies first) but no later one.
            int per = -1;
            if (s.Per is not null)
            {
                if (!index.TryGetValue(s.Per, out per) || per == t || per == a || columns[per] is not NumericColumn { Kind: NumericKind and not TimeKind } || columns[a] is not NumericColumn { Kind: not TimeKind })
                    throw new InvalidDataException($"{Where()} divides its anchor by '{Common.Text.Printable(s.Per, 60)}', which is not a number column of the model other than its target and anchor (nor is a date a ratio's part)");
                if (s.Terms is { Length: > 0 })
                    throw new InvalidDataException($"{Where()} follows a ratio and adds terms, which no model does");
            }
            // Within categories: a categorical column (not a combination's hidden one) of at most MaximumCategories
            // categories, each with a level at every knot; no ratio, no terms.
            int within = -1;
            if (s.Within is not null || s.CategoryLevels is not null)
            {
                if (s.Within is null || !index.TryGetValue(s.Within, out within) || columns[within] is not CategoricalColumn { LevelCount: >= 2 and <= NumericTrend.MaximumCategories } || columns[within] is CombinationColumn)
                    throw new InvalidDataException($"{Where()} is within the categories of '{Common.Text.Printable(s.Within ?? "", 60)}', which is not a categorical column of the model with 2 to {NumericTrend.MaximumCategories} categories");
                if (s.Per is not null || s.Terms is { Length: > 0 })
                    throw new InvalidDataException($"{Where()} is within categories and follows a ratio or adds terms, which no model does");
                if (s.CategoryLevels is not { } table || s.Knots is not { } k || table.Length != (long)((CategoricalColumn)columns[within]).LevelCount * k.Length)
                    throw new InvalidDataException($"{Where()} needs a level at each knot for each of the {((CategoricalColumn)columns[within]).LevelCount} categories of '{Common.Text.Printable(s.Within, 60)}'");
                for (int i2 = 0; i2 < table.Length; i2++)
                {
                    int knot = i2 % k.Length;
                    if (!double.IsFinite(table[i2]) || (knot > 0 && !double.IsFinite((table[i2] - table[i2 - 1]) / (k[knot] - k[knot - 1]))))
                        throw new InvalidDataException($"{Where()} has categories' levels that are not finite");
                }
            }
            var termStates = s.Terms ?? [];
            if (termStates.Length > NumericTrend.MaximumTerms)
                throw new InvalidDataException($"{Where()} adds {termStates.Length:N0} terms, more than {NumericTrend.MaximumTerms}");
            var terms = new TrendTerm[termStates.Length];
            for (int k = 0; k < termStates.Length; k++)
            {
                var term = termStates[k] ?? throw new InvalidDataException($"{Where()} has a null term");
                if (term.Column is null || !index.TryGetValue(term.Column, out int z) || z == t || z == a || terms.Take(k).Any(u => u.Column == z))
                    throw new InvalidDataException($"{Where()} has a term that does not name a column of the model other than its target, its anchor and its other terms");
                if (columns[z] is not NumericColumn { Kind: NumericKind and not TimeKind })
                    throw new InvalidDataException($"{Where()} adds column '{Common.Text.Printable(term.Column, 60)}', which is not a number column");
                if (!double.IsFinite(term.Coefficient) || !double.IsFinite(term.Mean))
                    throw new InvalidDataException($"{Where()} adds column '{Common.Text.Printable(term.Column, 60)}' with a coefficient or mean that is not finite");
                terms[k] = new TrendTerm(z, term.Column, term.Coefficient, term.Mean);
            }
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
            // The most the terms can add, over their columns' ranges, beside the curve's largest level: a row whose sum
            // overflowed would come out as the column's end (infinite) or missing (+∞ − ∞), whatever the data.
            double reach = levels.Max(Math.Abs) + (s.CategoryLevels is { } own ? own.Max(Math.Abs) : 0) + Math.Abs(s.Fallback);
            foreach (var term in terms)
            {
                var range = (NumericColumn)columns[term.Column];
                reach += Math.Abs(term.Coefficient) * Math.Max(Math.Abs(range.Minimum - term.Mean), Math.Abs(range.Maximum - term.Mean));
            }
            if (!double.IsFinite(reach))
                throw new InvalidDataException($"{Where()} has terms whose coefficients, over their columns' ranges, add up past what a double holds");
            NumericGranularity? grid = null;
            if (s.GridUnits is { } units && s.GridDecimals is { } decimals) grid = new NumericGranularity(units, decimals, s.Minimum, s.Maximum, s.Target);
            else if (s.GridUnits is not null || s.GridDecimals is not null) throw new InvalidDataException($"{Where()} has half a grid");
            MarginalMap? calibration = null;
            if (s.Calibration is { } saved)
            {
                // The target's own map gives the draw a tie in the trend's values is placed with: without one, no calibration.
                if (((NumericColumn)columns[t]).Marginal is null)
                    throw new InvalidDataException($"{Where()} has a map after the trend, but its target column has no map of its own");
                saved.Name = s.Target;
                saved.Kind = "Double";
                saved.Minimum = s.Minimum;
                saved.Maximum = s.Maximum;
                saved.GranularityUnits = s.GridUnits;
                saved.GranularityDecimals = s.GridDecimals;
                calibration = NumericTrend.CalibrationMap(saved, s.Target, s.Minimum, s.Maximum)
                    ?? throw new InvalidDataException($"{Where()} has an empty map after the trend");
            }
            else if (s.CalibrationHeld is not null)
                throw new InvalidDataException($"{Where()} says how its map after the trend meets the trend's value, but has no such map");
            targets.Add(t);
            anchors.Add(a);
            foreach (var term in terms) anchors.Add(term.Column);
            if (per >= 0) anchors.Add(per);
            result[i] = new NumericTrend(t, a, knots, levels, s.Fallback, grid, s.Minimum, s.Maximum, s.Explained, s.Target, s.Anchor, terms, calibration, per, per >= 0 ? s.Per : null,
                within, within >= 0 ? s.Within : null, within >= 0 ? s.CategoryLevels : null, s.CalibrationHeld == true);
        }
        return result;
    }
}
