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
/// maps by linear interpolation between them (then rounds to its granularity); with
/// <see cref="GanTrainer.Options.RepeatTrainingValues"/>, a column whose values repeat keeps instead each distinct value
/// over a run of levels and interpolates between neighbours over the rest, so that it generates training values as often
/// as new rows repeat them (<see cref="RepeatKnots"/>). After training, the generated side:
/// the generator's own quantiles at the same levels, from <see cref="CalibrationRows"/> rows generated as
/// <c>Generate</c> makes them.</para>
/// <para>A value equal to several generated knots (a spike: many generated rows share the value) takes a level drawn
/// evenly across the levels those knots span, with the row's own uniform draw, so a spike spreads over the training
/// values that hold the same share of rows (a generator that makes 40 hours a week too often then makes 38 and 45 as
/// the data do, rather than one value for the whole spike; with argmax sampling, which has no draws, the middle
/// level). Any other value's level is interpolated between the two knots around it; below the lowest knot it is 0,
/// above the highest 1.</para>
/// <para>Grouped (<see cref="GanTrainer.Options.GroupedMarginals"/>): a column whose values depend on one categorical
/// column (listings on the city, hours worked on the occupation) also keeps, for each of that column's frequent categories,
/// the training quantiles (or shares of the exact values) of the rows holding it and, after training, the generator's own
/// quantiles there (<see cref="GroupLevels"/> + 1 levels each). A row whose category has such a table is mapped within its
/// category: its level among the values generated with that category, onto that category's training values. Each
/// category's range and shape are then the training ones (a small city never gets a large city's listings), and ranks
/// within a category stay. A row of any other category is mapped as before. The group's category is the row's decoded
/// one (<see cref="MarginalGroups"/> finds the groups at <c>Fit</c>).</para>
/// <para>The graph computes the same operations in the same order in double (the same counts of knots below a value,
/// found by a search that compares many knots a step, then the same gathers and arithmetic), so .NET and ONNX decode the
/// same values to the bit.</para>
/// </remarks>
internal sealed class MarginalMap
{
    /// <summary>Even levels between 0 and 1 at which the quantiles are kept: 1/500 apart.</summary>
    public const int Levels = 500;

    /// <summary>The most distinct training values a column mapped onto its exact values may have.</summary>
    public const int MaximumDiscreteValues = 1000;

    /// <summary>A column maps onto its exact values when it has, on average, at least this many rows per distinct value.</summary>
    public const int DiscreteRepeats = 4;

    /// <summary>
    /// The least share of the rows, as distinct values seen more than once, for which a map repeats training values
    /// (<see cref="RepeatKnots"/>): below it, the even quantiles' new values exceed the values seen once by less than it.
    /// </summary>
    public const double MinimumRepeatShare = 0.02;

    /// <summary>Rows generated after training to find the generator's own quantiles.</summary>
    public const int CalibrationRows = 50_000;

    /// <summary>The most knots or values a saved map may have.</summary>
    private const int MaximumSaved = 100_000;

    /// <summary>Even levels between 0 and 1 at which each group's quantiles are kept: 1/100 apart.</summary>
    public const int GroupLevels = 100;

    private const int GroupKnots = GroupLevels + 1;

    /// <summary>The most groups (categories with a table of their own) one column's map may have.</summary>
    public const int MaximumGroups = 100;

    /// <summary>
    /// Generated rows (present, and kept by a filter when the rows are weighed: their effective number) a group needs
    /// after training for its table; a group that the generator makes more rarely is mapped as the whole column is.
    /// </summary>
    public const int MinimumGeneratedGroupRows = 200;

    /// <summary>The lowest level a grouped exact-value map looks up: a value its group never has (share 0) is skipped even at level 0.</summary>
    private const double LowestGroupLevel = 1e-9;

    private readonly double[]? _generated;
    private readonly double[]? _quantiles;
    private readonly double[]? _levels; // the levels of _quantiles when uneven (RepeatKnots); null: even
    private readonly double[]? _values;
    private readonly double[]? _cumulative;
    private readonly string? _group;
    private readonly int[] _groupLevels;
    private readonly double[]? _groupTraining;
    private readonly double[]? _groupGenerated;
    private readonly int[] _tableOf; // a category's table, -1 for none (only with the generated side)
    private double[]? _codeBounds; // CodeBounds, made on first use

    private MarginalMap(double[]? generated, double[]? quantiles, double[]? levels, double[]? values, double[]? cumulative,
        string? group, int[]? groupLevels, double[]? groupTraining, double[]? groupGenerated, bool freeRows, bool repeats, int repeatedValues)
    {
        FreeRows = freeRows;
        Repeats = repeats;
        RepeatedValueCount = repeatedValues;
        _generated = generated;
        _quantiles = quantiles;
        _levels = levels;
        _values = values;
        _cumulative = cumulative;
        _group = group;
        _groupLevels = groupLevels ?? [];
        _groupTraining = groupTraining;
        _groupGenerated = groupGenerated;
        _tableOf = new int[_groupGenerated is null || _groupLevels.Length == 0 ? 0 : _groupLevels[^1] + 1];
        Array.Fill(_tableOf, -1);
        if (_tableOf.Length > 0)
            for (int t = 0; t < _groupLevels.Length; t++) _tableOf[_groupLevels[t]] = t;
    }

    /// <summary>Whether the map's training side holds only the rows no column dependency sets (see <see cref="ColumnDependency.WithFreeMarginals"/>).</summary>
    public bool FreeRows { get; }

    /// <summary>Whether the training side was fitted to repeat training values (<see cref="GanTrainer.Options.RepeatTrainingValues"/>), so that a refit does too.</summary>
    public bool Repeats { get; }

    /// <summary>Whether it maps by interpolation between training values kept over runs of levels (<see cref="RepeatKnots"/>).</summary>
    public bool RepeatsValues => _levels is not null;

    /// <summary>How many distinct training values it repeats as often as new rows would (<see cref="RepeatKnots"/>, <see cref="GridShares"/>); 0 when it does not.</summary>
    public int RepeatedValueCount { get; }

    /// <summary>The categorical column the map has tables for, by name; null without groups.</summary>
    public string? Group => _group;

    /// <summary>The categories (indices in <see cref="Group"/>) with a table of their own, ascending.</summary>
    public IReadOnlyList<int> GroupCategories => _groupLevels;

    /// <summary>Whether decoding maps rows within their group (the groups' generated side is known).</summary>
    public bool MapsGroups => IsCalibrated && _groupGenerated is not null && _groupLevels.Length > 0;

    /// <summary>Values in one group's training table: quantiles, or cumulative shares of the exact values but the last.</summary>
    private int GroupTrainingWidth => _values is { } v ? v.Length - 1 : GroupKnots;

    /// <summary>The table of category <paramref name="level"/>; -1 when it has none (or the map has no groups).</summary>
    private int TableOf(int level) => level >= 0 && level < _tableOf.Length ? _tableOf[level] : -1;

    /// <summary>Whether the map knows the generator's quantiles (after training); only then does it map.</summary>
    public bool IsCalibrated => _generated is not null;

    /// <summary>Whether it maps onto the training column's exact distinct values (else onto interpolated quantiles).</summary>
    public bool IsDiscrete => _values is not null;

    /// <summary>The values it maps onto exactly (distinct training values, or a date column's calendar); 0 when it interpolates.</summary>
    public int ValueCount => _values?.Length ?? 0;

    /// <summary>Exact value <paramref name="index"/> of the <see cref="ValueCount"/>, ascending.</summary>
    public double Value(int index) => _values![index];

    /// <summary>
    /// The code of <paramref name="v"/> when the column's values are another map's groups (see
    /// <see cref="NumericColumn.IsCode"/>): the index of the nearest exact value (found by the midpoints between
    /// neighbours, so a value as the column's type holds it, a Single's rounding, finds its own), and
    /// <see cref="ValueCount"/> for a missing one.
    /// </summary>
    public int CodeOf(double v) => double.IsNaN(v) ? ValueCount : CountBelow(CodeBounds(), v, orEqual: false);

    /// <summary>
    /// The graph's <see cref="CodeOf"/>: of <paramref name="v"/> (doubles, [batch, 1]), the codes (int64, [batch]), a
    /// row that <paramref name="missing"/> (bool, [batch]) marks getting <see cref="ValueCount"/>.
    /// </summary>
    public string AddOnnxCodeOf(OnnxGraph g, string v, string missing)
    {
        var bounds = CodeBounds();
        var code = g.Node("Reshape", [OnnxCountBelow(g, g.Constant(bounds, bounds.Length), bounds.Length, v), g.Constant([-1L], 1)]);
        return g.Node("Where", [missing, g.Scalar((long)ValueCount), code]);
    }

    /// <summary>The midpoints between neighbouring exact values (a map onto at least two of them).</summary>
    private double[] CodeBounds()
    {
        var values = _values is { Length: >= 2 } v ? v : throw new InvalidOperationException("Only a map onto two or more exact values gives codes.");
        return _codeBounds ??= values.Zip(values.Skip(1), (a, b) => a + (b - a) / 2).ToArray();
    }

    /// <summary>
    /// The training side of the map from a column's present values, into <paramref name="state"/>. A column of dates
    /// that keep to a calendar (<paramref name="calendar"/>: every instant of the pattern in the range, ascending, e.g.
    /// each month's first day) and have too many distinct values for exact shares maps onto the calendar's instants
    /// instead (see <see cref="CalendarShares"/>), so that generated dates keep to it too.
    /// </summary>
    /// <param name="sorted">The column's present training values, in ascending order.</param>
    /// <param name="repeats">Whether a column mapped by interpolation whose values repeat keeps them (<see cref="RepeatKnots"/>).</param>
    /// <param name="stored">A value as the column's type holds it (e.g. rounded to Single): with a grid, the grid's values are written so.</param>
    public static void FitTraining(ColumnState state, double[] sorted, double[]? calendar = null, bool repeats = false, Func<double, double>? stored = null)
    {
        state.MarginalRepeats = repeats ? true : null;
        if (sorted.Length == 0) return;
        var grid = repeats ? Grid(state) : null;
        Func<double, double>? round = grid is { } g ? g.Round : null;
        var distinct = new List<double>();
        var cumulative = new List<double>();
        int once = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i + 1 < sorted.Length && sorted[i + 1] == sorted[i]) continue;
            if (i == 0 || sorted[i - 1] != sorted[i]) once++;
            distinct.Add(sorted[i]);
            cumulative.Add((i + 1) / (double)sorted.Length);
            if (distinct.Count > MaximumDiscreteValues) break;
        }
        bool few = distinct.Count <= MaximumDiscreteValues;
        if (few && ((long)distinct.Count * DiscreteRepeats <= sorted.Length
            // Every value seen twice or more, or no grid value between neighbours: new rows would hold no value the
            // training rows lack (Good-Turing), or could not.
            || (repeats && (once == 0 || !distinct.Zip(distinct.Skip(1)).Any(p => HasRoom(p.First, p.Second, round))))))
        {
            state.MarginalValues = [.. distinct];
            state.MarginalCumulative = cumulative.Take(distinct.Count - 1).ToArray(); // the last is 1
            return;
        }
        if (calendar is { Length: >= 2 and <= MaximumSaved } && CalendarShares(sorted, calendar) is { } shares)
        {
            state.MarginalValues = calendar;
            state.MarginalCumulative = shares;
            return;
        }
        if (repeats && few && grid is { } onGrid && stored is not null && GridShares(sorted, onGrid, stored) is var (points, gridShares))
        {
            state.MarginalValues = points;
            state.MarginalCumulative = gridShares;
            state.MarginalRepeatedValues = distinct.Count;
            return;
        }
        if (repeats && few && RepeatKnots(sorted, round) is var (levels, values))
        {
            state.MarginalRepeatedValues = distinct.Count;
            state.MarginalLevels = levels;
            state.MarginalQuantiles = values;
            return;
        }
        state.MarginalQuantiles = Quantiles(sorted);
    }

    /// <summary>The column's grid (<see cref="NumericGranularity"/>) from its state; null without one.</summary>
    private static NumericGranularity? Grid(ColumnState state) =>
        state.GranularityUnits is { } units && state.GranularityDecimals is { } decimals
            ? new NumericGranularity(units, decimals, state.Minimum, state.Maximum, state.Name)
            : null;

    /// <summary>
    /// The most grid values between a column's minimum and maximum for which <see cref="GridShares"/> gives each a share:
    /// as many as an exact-value map holds, so that the map may still be grouped (<see cref="MarginalGroups"/>).
    /// </summary>
    public const int MaximumGridValues = MaximumDiscreteValues;

    /// <summary>
    /// For a column on a grid (whole numbers, cents, whole days) of at most <see cref="MaximumGridValues"/> values in its
    /// range: every grid value from the minimum to the maximum with its cumulative share (all but the last), so that the
    /// exact-value map generates training values as often as new rows would repeat them and the grid's other values the
    /// rest of the time; null where <see cref="RepeatKnots"/> would give none. The shares are those of
    /// <see cref="RepeatKnots"/> (each distinct value j gives up d/N, d = n1/D, half to each neighbouring gap with a grid
    /// value inside), each gap's share spread evenly over its grid values: interpolating and rounding would
    /// give a gap's ends the values that round to them, so that fewer came out new where gaps hold few grid values (an
    /// integer column whose neighbours lie 2 or 3 apart got less than half the share).
    /// </summary>
    internal static (double[] Values, double[] Cumulative)? GridShares(double[] sorted, NumericGranularity grid, Func<double, double> stored)
    {
        double step = grid.Step, low = sorted[0], high = sorted[^1];
        double span = Math.Round((high - low) / step);
        if (!(span >= 1 && span < MaximumGridValues)) return null;
        var (distinct, counts, once) = Distinct(sorted);
        int n = sorted.Length, d = distinct.Length;
        if (d < 2 || d - once < MinimumRepeatShare * n || once == 0) return null;
        var points = new List<double>((int)span + 1);
        for (int i = 0; i <= (int)span; i++)
        {
            double point = stored(grid.Round(low + i * step));
            if (points.Count == 0 || point > points[^1]) points.Add(point);
        }
        // Each distinct training value's place among the grid values (every training value is one).
        var at = new int[d];
        for (int j = 0, i = 0; j < d; j++)
        {
            while (i < points.Count && points[i] < distinct[j]) i++;
            if (i == points.Count || points[i] != distinct[j]) return null;
            at[j] = i;
        }
        int rooms = 0;
        for (int j = 0; j + 1 < d; j++) if (at[j + 1] - at[j] > 1) rooms++;
        if (rooms == 0) return null;
        double discount = (double)once / d;
        var shares = new double[points.Count];
        for (int j = 0; j < d; j++)
        {
            bool left = j > 0 && at[j] - at[j - 1] > 1, right = j + 1 < d && at[j + 1] - at[j] > 1;
            shares[at[j]] = (counts[j] - discount / 2 * ((left ? 1 : 0) + (right ? 1 : 0))) / n;
            if (right)
            {
                int inside = at[j + 1] - at[j] - 1;
                for (int i = at[j] + 1; i < at[j + 1]; i++) shares[i] = discount / n / inside;
            }
        }
        var cumulative = new double[points.Count - 1];
        double total = 0;
        for (int i = 0; i < cumulative.Length; i++) cumulative[i] = total += shares[i];
        bool valid = shares.All(v => v > 0) && Ascending(cumulative, strictly: true) && cumulative[0] > 0 && cumulative[^1] < 1;
        return valid ? ([.. points], cumulative) : null;
    }

    /// <summary>The distinct values of ascending <paramref name="sorted"/>, how often each occurs, and how many occur once.</summary>
    private static (double[] Values, int[] Counts, int Once) Distinct(double[] sorted)
    {
        var distinct = new List<double>();
        var counts = new List<int>();
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i] == sorted[i - 1]) counts[^1]++;
            else { distinct.Add(sorted[i]); counts.Add(1); }
        }
        return ([.. distinct], [.. counts], counts.Count(c => c == 1));
    }

    /// <summary>
    /// The knots (levels, values) of a quantile function that generates the training values themselves as often as new
    /// rows would repeat them, and new values between them otherwise; null when the values barely repeat (the even
    /// quantiles serve), none is seen once, or the column's grid (<paramref name="round"/>: a value rounded to it, null
    /// for none) has no value between any two neighbours (the exact values serve then).
    /// </summary>
    /// <remarks>
    /// Interpolating the training values' even quantiles gives each distinct value a run of levels only for its repeats
    /// (a value seen c times holds c - 1 of the N shares), and the gap after each value one share of new values: D of N
    /// shares new for D distinct values. New rows hold a value the training rows lack about as often as the training rows
    /// hold a value seen once (Good-Turing: n1/N, n1 the values seen once), which is less wherever values repeat: lung's
    /// meal calories, 60 values in 181 rows, 36 of them seen once, got 30-34 % new values where the estimate is about
    /// 20 %, and a tree sees the difference. Here each distinct value j, seen c_j times, gives up d/N of its c_j/N, d =
    /// n1/D (an absolute discount, as in language models' smoothing), half to the gap on each side, interpolated there:
    /// each gap d/N, about n1/N in all, and the mass stays where it was. A gap that the column's grid has no value inside
    /// (neighbouring whole numbers) takes nothing, and its ends keep their halves: where every grid value is a training
    /// value (a dense run of whole numbers), new rows could not hold a new one. Two knots per value, at the ends of its
    /// run (a run may start where the last ended: levels rise, not strictly). A rounded gap still gives its ends the
    /// values that round to them, so new values come out somewhat rarer than d/N there (a grid of at most
    /// <see cref="MaximumGridValues"/> values takes <see cref="GridShares"/> instead, exact). A column whose
    /// values all but repeat (fewer than <see cref="MinimumRepeatShare"/> of N values seen more than once) keeps the even
    /// quantiles, which differ from these by less than that share.
    /// </remarks>
    internal static (double[] Levels, double[] Values)? RepeatKnots(double[] sorted, Func<double, double>? round = null)
    {
        int n = sorted.Length;
        var (distinct, counts, once) = Distinct(sorted);
        int d = distinct.Length;
        if (d < 2 || d - once < MinimumRepeatShare * n || once == 0) return null;
        var room = new bool[d - 1];
        for (int j = 0; j + 1 < d; j++) room[j] = HasRoom(distinct[j], distinct[j + 1], round);
        int rooms = room.Count(r => r);
        if (rooms == 0) return null;
        double discount = (double)once / d;
        var levels = new double[2 * d];
        var values = new double[2 * d];
        double at = 0;
        for (int j = 0; j < d; j++)
        {
            bool left = j > 0 && room[j - 1], right = j + 1 < d && room[j];
            if (left) at += discount / n;
            levels[2 * j] = at;
            at += (counts[j] - discount / 2 * ((left ? 1 : 0) + (right ? 1 : 0))) / n;
            levels[2 * j + 1] = at;
            values[2 * j] = values[2 * j + 1] = distinct[j];
        }
        levels[0] = 0;
        levels[^1] = 1;
        // Every run is at least (1 - n1/D)/N wide, so rounding cannot undo the ascent; but no knot may pass the last.
        return ValidLevels(levels) ? (levels, values) : null;
    }

    /// <summary>Whether the grid (<paramref name="round"/>; null: none) has a value strictly between <paramref name="low"/> and <paramref name="high"/>.</summary>
    private static bool HasRoom(double low, double high, Func<double, double>? round)
    {
        if (round is null) return true;
        // Both ends are grid values (every training value is); the middle rounds inside when a grid value lies between.
        double middle = round(low + (high - low) / 2);
        return middle > low && middle < high;
    }

    /// <summary>
    /// Whether uneven levels can be interpolated: from 0 to 1, rising (not strictly: a run may start where the last
    /// ended), the first segment not empty (a level of 0 finds it).
    /// </summary>
    private static bool ValidLevels(double[] levels) =>
        levels.Length >= 2 && levels[0] == 0 && levels[^1] == 1 && levels[1] > 0 && Ascending(levels, strictly: false);

    /// <summary>
    /// The training side fitted again from <paramref name="sorted"/> (present values, ascending), into
    /// <paramref name="state"/>: the map's previous training and generated sides are dropped (calibration makes the
    /// generated side again). For a column that rules set in some rows: its map then holds the other rows' values
    /// (<see cref="FreeRows"/>).
    /// </summary>
    public static void RefitTraining(ColumnState state, double[] sorted, Func<double, double>? stored = null)
    {
        state.MarginalFreeRows = true;
        state.MarginalValues = null;
        state.MarginalCumulative = null;
        bool repeats = state.MarginalRepeats == true;
        state.MarginalQuantiles = null;
        state.MarginalLevels = null;
        state.MarginalRepeatedValues = null;
        state.MarginalGenerated = null;
        FitTraining(state, sorted, repeats: repeats, stored: stored);
    }

    /// <summary>
    /// Cumulative shares (all but the last) of the <paramref name="calendar"/>'s instants, from the training values
    /// (<paramref name="sorted"/>, each one of the instants; null when one is not): in the calendar's own steps (its
    /// instants' positions 0, 1, 2, …), each distinct training value's share of the rows spreads evenly from halfway
    /// to the value before it to halfway to the value after it (from the first value itself, to the last itself), and
    /// each instant gets what falls within half a step of it. Months that the data all have keep equal shares;
    /// business days between sparse orders share them evenly, and a weekend, not an instant, gets none.
    /// </summary>
    internal static double[]? CalendarShares(double[] sorted, double[] calendar)
    {
        if (SpreadShares(sorted, calendar) is not { } cumulative) return null;
        // Strictly rising below 1, as a saved map must be: every instant between the first value and the last has a share.
        for (int k = 0; k < cumulative.Length; k++)
        {
            if (!(cumulative[k] > (k == 0 ? 0 : cumulative[k - 1])) || cumulative[k] >= 1) return null;
        }
        return cumulative;
    }

    /// <summary>
    /// The cumulative shares (all but the last) of the <paramref name="calendar"/>'s entries that <see cref="CalendarShares"/>
    /// spreads the <paramref name="sorted"/> values over (each value's share from halfway to the value before it to halfway
    /// to the value after it, in the entries' positions), without its check that every entry between the first value and
    /// the last has a share; null when a value is not one of the entries.
    /// </summary>
    private static double[]? SpreadShares(double[] sorted, double[] calendar)
    {
        var positions = new List<int>();
        var counts = new List<int>();
        foreach (double v in sorted)
        {
            int at = Array.BinarySearch(calendar, v);
            if (at < 0) return null;
            if (positions.Count > 0 && positions[^1] == at) counts[^1]++;
            else
            {
                positions.Add(at);
                counts.Add(1);
            }
        }
        var mass = new double[calendar.Length];
        int m = positions.Count;
        for (int j = 0; j < m; j++)
        {
            double share = counts[j] / (double)sorted.Length;
            double from = j == 0 ? positions[0] : (positions[j - 1] + positions[j]) / 2.0;
            double to = j == m - 1 ? positions[m - 1] : (positions[j] + positions[j + 1]) / 2.0;
            if (to == from) { mass[positions[j]] += share; continue; } // a single value: all of it here
            // Spread evenly over [from, to]; instant k holds [k − ½, k + ½).
            for (int k = (int)Math.Floor(from + 0.5); k <= (int)Math.Ceiling(to - 0.5) && k < mass.Length; k++)
            {
                double overlap = Math.Min(to, k + 0.5) - Math.Max(from, k - 0.5);
                if (overlap > 0) mass[k] += share * overlap / (to - from);
            }
        }
        var cumulative = new double[calendar.Length - 1];
        double below = 0;
        for (int k = 0; k < cumulative.Length; k++)
        {
            below += mass[k];
            cumulative[k] = below;
        }
        return cumulative;
    }

    /// <summary>The generated side, from generated values before the map (NaN missing), into <paramref name="state"/>; false when none is present.</summary>
    public static bool FitGenerated(ColumnState state, IEnumerable<double> generated) => FitGenerated(state, generated.ToArray(), null, null);

    /// <summary>
    /// The generated side from values before the map (NaN missing), into <paramref name="state"/>: each value counted
    /// with its weight when <paramref name="weights"/> are given (the density-ratio filter's keep probabilities: the
    /// quantiles of the rows generation keeps); with groups, each row's category in the group column
    /// (<paramref name="rowLevels"/>) places it in its group's quantiles too. A group with fewer than
    /// <see cref="MinimumGeneratedGroupRows"/> (effective) rows keeps the generated quantiles it had, or loses its table
    /// when it had none. False when no present value has weight.
    /// </summary>
    public static bool FitGenerated(ColumnState state, double[] generated, float[]? weights, int[]? rowLevels)
    {
        var present = Enumerable.Range(0, generated.Length).Where(i => !double.IsNaN(generated[i]) && (weights is null || weights[i] > 0)).ToArray();
        if (present.Length == 0) return false;
        state.MarginalGenerated = Generated(present, generated, weights, Levels);
        if (state.MarginalGroup is null || state.MarginalGroupLevels is not { } levels || state.MarginalGroupTraining is not { } training) return true;
        int width = training.Length / Math.Max(1, levels.Length);
        var rowsOf = new List<int>[levels.Length];
        for (int t = 0; t < levels.Length; t++) rowsOf[t] = [];
        if (rowLevels is not null)
        {
            var tableOf = levels.Select((level, t) => (level, t)).ToDictionary(p => p.level, p => p.t);
            foreach (int i in present)
                if (tableOf.TryGetValue(rowLevels[i], out int t)) rowsOf[t].Add(i);
        }
        var keptLevels = new List<int>();
        var keptTraining = new List<double>();
        var keptGenerated = new List<double>();
        var previous = state.MarginalGroupGenerated;
        for (int t = 0; t < levels.Length; t++)
        {
            var rows = rowsOf[t].ToArray();
            double effective = weights is null ? rows.Length : EffectiveCount(rows.Select(i => (double)weights[i]));
            double[] table;
            if (effective >= MinimumGeneratedGroupRows) table = Generated(rows, generated, weights, GroupLevels);
            // Too few rows to place this group again (a filter keeps few of them): it keeps the quantiles it had, if any.
            else if (previous is not null) table = previous.AsSpan(t * GroupKnots, GroupKnots).ToArray();
            else continue;
            keptLevels.Add(levels[t]);
            keptTraining.AddRange(training.AsSpan(t * width, width).ToArray());
            keptGenerated.AddRange(table);
        }
        if (keptLevels.Count == 0) ClearGroups(state);
        else
        {
            state.MarginalGroupLevels = [.. keptLevels];
            state.MarginalGroupTraining = [.. keptTraining];
            state.MarginalGroupGenerated = [.. keptGenerated];
        }
        return true;
    }

    /// <summary>The quantiles at <paramref name="levels"/> + 1 levels of the values at <paramref name="rows"/>, weighed when <paramref name="weights"/> are given.</summary>
    private static double[] Generated(int[] rows, double[] generated, float[]? weights, int levels)
    {
        var values = rows.Select(i => generated[i]).ToArray();
        if (weights is null)
        {
            Array.Sort(values);
            return Quantiles(values, levels);
        }
        var w = rows.Select(i => (double)weights[i]).ToArray();
        Array.Sort(values, w);
        return WeightedQuantiles(values, w, levels);
    }

    /// <summary>The training side's cumulative shares of its exact values but the last (ascending, in (0, 1)); null when it interpolates.</summary>
    public IReadOnlyList<double>? Cumulative => _cumulative;

    /// <summary>The generated side's knots (the generator's quantiles at even levels); null before calibration.</summary>
    public IReadOnlyList<double>? GeneratedKnots => _generated;

    /// <summary>
    /// Generated knots <paramref name="generated"/> warped so that the levels <paramref name="boundaries"/> (ascending,
    /// in [0, 1], one for each of <paramref name="cumulative"/>) land on <paramref name="cumulative"/>, piecewise
    /// linearly between: a discrete map through the new knots turns a value whose level among the old knots is below
    /// boundary l into exact value l or lower, where it turned one below cumulative share l. So a map's shares of its
    /// exact values are moved without its training side.
    /// </summary>
    internal static double[] Warp(IReadOnlyList<double> generated, IReadOnlyList<double> cumulative, IReadOnlyList<double> boundaries)
    {
        if (boundaries.Count != cumulative.Count) throw new ArgumentException("One boundary is needed for each cumulative share.", nameof(boundaries));
        var g = generated.ToArray();
        int k = g.Length - 1;
        var warped = new double[g.Length];
        int segment = 0;
        for (int j = 0; j <= k; j++)
        {
            double target = (double)j / k;
            while (segment < cumulative.Count && cumulative[segment] < target) segment++;
            double lowTarget = segment == 0 ? 0 : cumulative[segment - 1], highTarget = segment == cumulative.Count ? 1 : cumulative[segment];
            double lowLevel = segment == 0 ? 0 : boundaries[segment - 1], highLevel = segment == cumulative.Count ? 1 : boundaries[segment];
            double level = highTarget > lowTarget ? lowLevel + (target - lowTarget) / (highTarget - lowTarget) * (highLevel - lowLevel) : lowLevel;
            // Within a run of equal knots (a spike of generated values), the run's own value: generated values equal to it
            // tie with the warped knots as with the old ones, and a tie spreads its rows over the run's levels (rounded
            // to a Single, it lost the tie in .NET, and every row of HMDA's commonest unemployment rate went to the next
            // rate). Between unequal knots, an interpolated knot as a Single holds it: the graph stores knots as
            // Singles, and a knot between two Singles would place a value near it on one side in .NET and on the other
            // in the graph.
            int at = (int)Math.Min(Math.Floor(Math.Clamp(level, 0, 1) * k), k - 1.0);
            warped[j] = g[at] == g[at + 1] ? g[at] : (float)Interpolate(g, Math.Clamp(level, 0, 1));
        }
        // Monotone by construction; guard against rounding.
        for (int j = 1; j <= k; j++) warped[j] = Math.Max(warped[j], warped[j - 1]);
        return warped;
    }

    /// <summary>Kish's effective number of weighted values: (Σw)² / Σw².</summary>
    private static double EffectiveCount(IEnumerable<double> weights)
    {
        double sum = 0, squares = 0;
        foreach (double w in weights) { sum += w; squares += w * w; }
        return squares == 0 ? 0 : sum * sum / squares;
    }

    /// <summary>Removes the map's groups from <paramref name="state"/>.</summary>
    public static void ClearGroups(ColumnState state)
    {
        state.MarginalGroup = null;
        state.MarginalGroupLevels = null;
        state.MarginalGroupTraining = null;
        state.MarginalGroupGenerated = null;
    }

    /// <summary>
    /// The training side of the groups, into <paramref name="state"/> (which holds the column's training side):
    /// for each category in <paramref name="levels"/> (ascending) of column <paramref name="group"/>, the present
    /// training values of the rows holding it (<paramref name="values"/>, one array per category): their quantiles, or
    /// with exact values the cumulative shares of the column's values among them (counted where the category repeats
    /// its values <see cref="DiscreteRepeats"/> times on average; else spread as <see cref="CalendarShares"/> spreads a
    /// calendar's, over the column's values). The generated side is left to calibration.
    /// </summary>
    public static void FitGroupTraining(ColumnState state, string group, int[] levels, double[][] values)
    {
        var training = new List<double>();
        for (int t = 0; t < levels.Length; t++)
        {
            var sorted = (double[])values[t].Clone();
            Array.Sort(sorted);
            if (state.MarginalValues is { } columnValues && !RepeatsItsValues(sorted))
            {
                // A category that holds its values once or twice (a city's months in a panel; its months of inventory)
                // would give back its own rows' values as exact shares: each of its values' shares spreads to halfway
                // to its neighbours among the column's values instead, so values between its own get shares too.
                if (SpreadShares(sorted, columnValues) is not { } spread)
                    throw new InvalidOperationException($"A value of group '{group}' is not one of the column's values.");
                training.AddRange(spread.Select(v => Math.Min(1.0, v)));
            }
            else if (state.MarginalValues is { } all)
            {
                var counts = new long[all.Length];
                foreach (double v in sorted)
                {
                    int at = Array.BinarySearch(all, v);
                    if (at >= 0) counts[at]++;
                }
                double total = counts.Sum(), below = 0;
                for (int i = 0; i < all.Length - 1; i++)
                {
                    below += counts[i];
                    training.Add(Math.Min(1.0, below / total));
                }
            }
            else training.AddRange(Quantiles(sorted, GroupLevels));
        }
        state.MarginalGroup = group;
        state.MarginalGroupLevels = levels;
        state.MarginalGroupTraining = [.. training];
        state.MarginalGroupGenerated = null;
    }

    /// <summary>Whether sorted values hold each of their distinct values <see cref="DiscreteRepeats"/> times on average.</summary>
    private static bool RepeatsItsValues(double[] sorted)
    {
        int distinct = 0;
        for (int i = 0; i < sorted.Length; i++) if (i == 0 || sorted[i] != sorted[i - 1]) distinct++;
        return (long)distinct * DiscreteRepeats <= sorted.Length;
    }

    /// <summary>
    /// Values at levels 0, 1/<see cref="Levels"/>, …, 1 of sorted values with weights: each value stands at the middle
    /// of its weight's share of the total, and a level between two values is interpolated between them (the lowest
    /// and highest values at levels 0 and 1).
    /// </summary>
    private static double[] WeightedQuantiles(double[] sorted, double[] weights, int levels = Levels)
    {
        double total = weights.Sum();
        var position = new double[sorted.Length];
        double below = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            position[i] = (below + weights[i] / 2) / total;
            below += weights[i];
        }
        var q = new double[levels + 1];
        int at = 0;
        for (int k = 0; k <= levels; k++)
        {
            double level = (double)k / levels;
            while (at + 1 < sorted.Length && position[at + 1] <= level) at++;
            if (k == 0 || level <= position[0]) q[k] = sorted[0];
            else if (k == levels || at + 1 >= sorted.Length) q[k] = sorted[^1];
            else
            {
                double t = (level - position[at]) / (position[at + 1] - position[at]);
                q[k] = sorted[at] + t * (sorted[at + 1] - sorted[at]);
            }
        }
        return q;
    }

    /// <summary>Values at levels 0, 1/<see cref="Levels"/>, …, 1 of sorted values, interpolating between order statistics.</summary>
    internal static double[] Quantiles(double[] sorted, int levels = Levels)
    {
        var q = new double[levels + 1];
        for (int k = 0; k <= levels; k++)
        {
            double position = (double)k / levels * (sorted.Length - 1);
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
        if (state.MarginalGenerated is null && state.MarginalQuantiles is null && state.MarginalLevels is null && state.MarginalValues is null && state.MarginalCumulative is null
            && state.MarginalGroup is null && state.MarginalGroupLevels is null && state.MarginalGroupTraining is null && state.MarginalGroupGenerated is null) return null;
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
            if (state.MarginalLevels is { } l)
            {
                if (l.Length != q.Length || !ValidLevels(l))
                    throw Bad($"has {l.Length} levels for {q.Length} training quantiles; it needs as many finite levels rising from 0 to 1, the second above 0");
            }
            else if (state.MarginalGenerated is { } gq && gq.Length != q.Length)
                throw Bad($"has {gq.Length} generated quantiles and {q.Length} training quantiles; they must be as many");
        }
        else if (state.MarginalLevels is not null)
            throw Bad("has levels without training quantiles");
        if (state.MarginalRepeatedValues is { } repeated
            && (repeated < 1 || repeated > (state.MarginalLevels?.Length / 2 ?? state.MarginalValues?.Length ?? 0)))
            throw Bad($"says it repeats {repeated} training values, more than it holds or none");
        if (state.MarginalValues is { } v)
        {
            var c = state.MarginalCumulative!;
            if (v.Length < 1 || v.Length > MaximumSaved || !Ascending(v, strictly: true) || !v.All(allows))
                throw Bad($"has {v.Length} training values; it needs 1 to {MaximumSaved} distinct finite numbers in ascending order that the column can hold (in its range, on its grid)");
            if (c.Length != v.Length - 1 || !Ascending(c, strictly: true) || (c.Length > 0 && (c[0] <= 0 || c[^1] >= 1)))
                throw Bad($"has {c.Length} cumulative shares for {v.Length} values; it needs one fewer than the values, rising strictly between 0 and 1");
        }
        CheckGroups(state, Bad);
        return new MarginalMap(state.MarginalGenerated, state.MarginalQuantiles, state.MarginalLevels, state.MarginalValues, state.MarginalCumulative,
            state.MarginalGroup, state.MarginalGroupLevels, state.MarginalGroupTraining, state.MarginalGroupGenerated, state.MarginalFreeRows == true,
            state.MarginalRepeats == true, state.MarginalRepeatedValues ?? 0);
    }

    /// <summary>Checks a saved map's groups against the column's own side (the group column itself is checked by the encoder).</summary>
    private static void CheckGroups(ColumnState state, Func<string, InvalidDataException> bad)
    {
        if (state.MarginalGroup is null)
        {
            if (state.MarginalGroupLevels is not null || state.MarginalGroupTraining is not null || state.MarginalGroupGenerated is not null)
                throw bad("has group tables without the column they group by");
            return;
        }
        if (state.MarginalGroup.Length == 0) throw bad("groups by a column with an empty name");
        var levels = state.MarginalGroupLevels ?? throw bad($"groups by '{state.MarginalGroup}' without saying which categories have tables");
        var training = state.MarginalGroupTraining ?? throw bad($"groups by '{state.MarginalGroup}' without the groups' training tables");
        if (levels.Length < 1 || levels.Length > MaximumGroups || levels[0] < 0 || levels.Zip(levels.Skip(1)).Any(p => p.Second <= p.First))
            throw bad($"has {levels.Length} group categories; it needs 1 to {MaximumGroups} distinct category indices in ascending order");
        int width;
        if (state.MarginalValues is { } values)
        {
            width = values.Length - 1;
            if (width < 1) throw bad("groups a column that has a single value");
        }
        else width = GroupKnots;
        if ((long)levels.Length * width != training.Length)
            throw bad($"has {training.Length} numbers in its groups' training tables; {levels.Length} groups need {(long)levels.Length * width}");
        for (int t = 0; t < levels.Length; t++)
        {
            var table = training.AsSpan(t * width, width);
            bool ok = state.MarginalValues is null
                ? Ascending(table, strictly: false) && table[0] >= state.Minimum && table[^1] <= state.Maximum
                : Ascending(table, strictly: false) && table[0] >= 0 && table[^1] <= 1;
            if (!ok)
                throw bad(state.MarginalValues is null
                    ? $"has a training table for category {levels[t]} that is not finite quantiles in ascending order within the column's range"
                    : $"has a training table for category {levels[t]} that is not cumulative shares rising from 0 to at most 1");
        }
        if (state.MarginalGroupGenerated is { } generated)
        {
            if (state.MarginalGenerated is null) throw bad("has the groups' generated quantiles without the column's");
            if ((long)levels.Length * GroupKnots != generated.Length)
                throw bad($"has {generated.Length} numbers in its groups' generated tables; {levels.Length} groups need {(long)levels.Length * GroupKnots}");
            for (int t = 0; t < levels.Length; t++)
                if (!Ascending(generated.AsSpan(t * GroupKnots, GroupKnots), strictly: false))
                    throw bad($"has generated quantiles for category {levels[t]} that are not finite numbers in ascending order");
        }
    }

    private static bool Ascending(ReadOnlySpan<double> values, bool strictly)
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
        state.MarginalLevels = _levels;
        state.MarginalRepeats = Repeats ? true : null;
        state.MarginalRepeatedValues = RepeatedValueCount > 0 ? RepeatedValueCount : null;
        state.MarginalValues = _values;
        state.MarginalCumulative = _cumulative;
        state.MarginalGroup = _group;
        state.MarginalGroupLevels = _group is null ? null : _groupLevels;
        state.MarginalGroupTraining = _groupTraining;
        state.MarginalGroupGenerated = _groupGenerated;
        state.MarginalFreeRows = FreeRows ? true : null;
    }

    /// <summary>The level of <paramref name="v"/> among the ascending quantiles <paramref name="g"/> (generated ones, or a <see cref="RankScale"/>'s), in [0, 1]; <paramref name="draw"/> places a tie.</summary>
    internal static double Level(ReadOnlySpan<double> g, double v, double draw)
    {
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
    internal static int CountBelow(ReadOnlySpan<double> sorted, double v, bool orEqual)
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

    /// <summary>The quantile at level <paramref name="u"/> of quantiles <paramref name="q"/> at even levels, interpolated.</summary>
    internal static double Interpolate(ReadOnlySpan<double> q, double u)
    {
        int k = q.Length - 1;
        double p = u * k;
        double j = Math.Min(Math.Floor(p), k - 1.0);
        double t = p - j;
        int at = (int)j;
        return q[at] + t * (q[at + 1] - q[at]);
    }

    /// <summary>Maps a present generated value onto the training distribution; <paramref name="draw"/> is the row's uniform in [0, 1) (0.5 without one).</summary>
    public double Map(double v, double draw) => Map(v, draw, -1);

    /// <summary>
    /// Maps a present generated value onto the training distribution of its row's group, category
    /// <paramref name="level"/> of <see cref="Group"/> (-1 for none), when that category has a table; else onto the
    /// column's.
    /// </summary>
    public double Map(double v, double draw, int level)
    {
        int table = MapsGroups ? TableOf(level) : -1;
        if (table >= 0)
        {
            double level01 = Level(_groupGenerated!.AsSpan(table * GroupKnots, GroupKnots), v, draw);
            int width = GroupTrainingWidth;
            var training = _groupTraining!.AsSpan(table * width, width);
            return _values is { } groupValues
                ? groupValues[CountBelow(training, Math.Max(level01, LowestGroupLevel), orEqual: false)]
                : Interpolate(training, level01);
        }
        double u = Level(_generated!, v, draw);
        if (_values is { } values)
        {
            return values[CountBelow(_cumulative!, u, orEqual: false)];
        }
        return _levels is { } levels ? InterpolateAt(levels, _quantiles!, u) : Interpolate(_quantiles!, u);
    }

    /// <summary>The value at level <paramref name="u"/> of values <paramref name="q"/> at the ascending <paramref name="levels"/> (from 0 to 1), interpolated.</summary>
    internal static double InterpolateAt(ReadOnlySpan<double> levels, ReadOnlySpan<double> q, double u)
    {
        int j = Math.Max(Math.Min(CountBelow(levels, u, orEqual: false) - 1, levels.Length - 2), 0);
        double t = (u - levels[j]) / (levels[j + 1] - levels[j]);
        return q[j] + t * (q[j + 1] - q[j]);
    }

    /// <summary>
    /// How many entries a step of the graph's search compares at once, per row (<see cref="OnnxCountBelow"/>): with 22,
    /// two steps search up to 528 entries (a column's 501 knots, a group's 101), three up to 12,166. On Adult's model
    /// 7, 15, 22 and 31 made rows at the same speed within the machine's noise; fewer steps mean fewer operations.
    /// </summary>
    private const int SearchProbes = 22;

    /// <summary>
    /// <see cref="CountBelow"/> (strictly below; <see cref="OnnxCountAtOrBelow"/> goes on from it) in the graph, for each
    /// row of <paramref name="v"/> ([batch, 1]): a search that compares
    /// <see cref="SearchProbes"/> entries a step (a [batch, probes] gather, comparison and sum), so that ⌈log23(n + 1)⌉
    /// steps of a few operations each find the count where a binary search needed ⌈log2(n + 1)⌉ steps of nine. The
    /// count is an integer, the same whichever way it is found. Gives int64 counts ([batch, 1]). With
    /// <paramref name="table"/> ([batch, 1] int64), each row searches the <paramref name="n"/> values of
    /// <paramref name="sorted"/> from that offset.
    /// </summary>
    /// <remarks>
    /// The search runs over a virtual array of F^d ≥ n + 1 entries (F = probes + 1) whose entries past the last real one
    /// repeat it (indices are clipped to n − 1), so the comparison stays monotone along it. Each step splits the range left
    /// into F blocks and counts how many of the F − 1 block ends pass the comparison: the passing ones come first, so the
    /// count says in which block the first failing entry lies. The last entry is never probed; as it repeats the last
    /// real one, a count past n means every real entry passed, and the count is clipped to n. A NaN passes no
    /// comparison: 0, as in .NET.
    /// </remarks>
    internal static string OnnxCountBelow(OnnxGraph g, string sorted, int n, string v, string? table = null)
    {
        const int fan = SearchProbes + 1;
        long block = 1;
        while (block * fan < n + 1L) block *= fan; // the first step's block size: F^(d-1)
        string? low = null;
        for (; block >= 1; block /= fan)
        {
            var offsets = new long[SearchProbes];
            for (int j = 0; j < SearchProbes; j++) offsets[j] = (j + 1) * block - 1;
            var probe = low is null ? g.Constant(offsets, 1, SearchProbes) : g.Node("Add", [low, g.Constant(offsets, 1, SearchProbes)]);
            probe = g.Node("Min", [probe, g.Scalar((long)(n - 1))]);
            var value = Gathered(g, sorted, probe, table);
            var passed = g.Node("Cast", [g.Node("Less", [value, v])], ("to", (long)OnnxType.Int64));
            var count = g.Node("ReduceSum", [passed, g.Constant([1L], 1)], ("keepdims", 1L));
            var advance = block == 1 ? count : g.Node("Mul", [count, g.Scalar(block)]);
            low = low is null ? advance : g.Node("Add", [low, advance]);
        }
        return g.Node("Min", [low!, g.Scalar((long)n)]);
    }

    /// <summary>The entries of <paramref name="values"/> at <paramref name="index"/>, offset by <paramref name="table"/> when given.</summary>
    private static string Gathered(OnnxGraph g, string values, string index, string? table) =>
        g.Node("Gather", [values, table is null ? index : g.Node("Add", [index, table])], ("axis", 0));

    /// <summary>
    /// For each of <paramref name="sorted"/>'s tables of <paramref name="n"/> ascending values, each entry's run end: the
    /// index within its table just past the last entry equal to it.
    /// </summary>
    internal static long[] RunEnds(ReadOnlySpan<double> sorted, int n)
    {
        var ends = new long[sorted.Length];
        for (int start = 0; start < sorted.Length; start += n)
            for (int i = n - 1; i >= 0; i--)
                ends[start + i] = i + 1 < n && sorted[start + i + 1] == sorted[start + i] ? ends[start + i + 1] : i + 1;
        return ends;
    }

    /// <summary>
    /// <see cref="CountBelow"/> with <c>orEqual</c> in the graph, from the count of knots strictly below
    /// (<paramref name="below"/>, int64 [batch, 1]): the knots equal to v come next, so where the first of them is v the
    /// count runs to the end of its run (<paramref name="runEnds"/>, from <see cref="RunEnds"/>), else it is the same. A
    /// gather and a comparison where a second search took two steps.
    /// </summary>
    internal static string OnnxCountAtOrBelow(OnnxGraph g, string sorted, string runEnds, int n, string v, string below, string? table)
    {
        var at = g.Node("Min", [below, g.Scalar((long)(n - 1))]);
        var equal = g.Node("And", [g.Node("Less", [below, g.Scalar((long)n)]), g.Node("Equal", [Gathered(g, sorted, at, table), v])]);
        return g.Node("Where", [equal, Gathered(g, runEnds, at, table), below]);
    }

    /// <summary>The graph's <see cref="Level"/> of <paramref name="v"/> among the <paramref name="n"/> knots of <paramref name="knotTables"/> (the table at offset <paramref name="table"/> when given).</summary>
    internal static string OnnxLevel(OnnxGraph g, double[] knotTables, int n, string v, string draw, string? table)
    {
        int k = n - 1;
        var knots = g.Constant(knotTables, knotTables.Length);
        var runEnds = g.Constant(RunEnds(knotTables, n), knotTables.Length);
        var belowCount = OnnxCountBelow(g, knots, n, v, table);
        var below = g.Node("Cast", [belowCount], ("to", (long)OnnxType.Double));
        var atOrBelow = g.Node("Cast", [OnnxCountAtOrBelow(g, knots, runEnds, n, v, belowCount, table)], ("to", (long)OnnxType.Double));

        var spread = g.Node("Add", [g.Node("Sub", [below, g.Scalar(0.5)]), g.Node("Mul", [draw, g.Node("Sub", [atOrBelow, below])])]);
        var tie = g.Node("Min", [g.Node("Max", [g.Node("Div", [spread, g.Scalar((double)k)]), g.Scalar(0.0)]), g.Scalar(1.0)]);
        // The knots around v; their indices are clipped so that the gathers stay in range where the branch is unused.
        var lowIndex = g.Node("Cast", [g.Node("Min", [g.Node("Max", [g.Node("Sub", [below, g.Scalar(1.0)]), g.Scalar(0.0)]), g.Scalar(k - 1.0)])], ("to", (long)OnnxType.Int64));
        var low = Gathered(g, knots, lowIndex, table);
        var high = Gathered(g, knots, g.Node("Add", [lowIndex, g.Scalar(1L)]), table);
        var f = g.Node("Div", [g.Node("Sub", [v, low]), g.Node("Sub", [high, low])]);
        var between = g.Node("Div", [g.Node("Add", [g.Node("Sub", [below, g.Scalar(1.0)]), f]), g.Scalar((double)k)]);
        var u = g.Node("Where", [g.Node("Equal", [below, g.Scalar(k + 1.0)]), g.Scalar(1.0), between]);
        u = g.Node("Where", [g.Node("Equal", [below, g.Scalar(0.0)]), g.Scalar(0.0), u]);
        return g.Node("Where", [g.Node("Greater", [atOrBelow, below]), tie, u]);
    }

    /// <summary>The graph's <see cref="Interpolate"/> of <paramref name="n"/> quantiles at level <paramref name="u"/> (from offset <paramref name="table"/> when given).</summary>
    internal static string OnnxInterpolate(OnnxGraph g, string quantiles, int n, string u, string? table)
    {
        var p = g.Node("Mul", [u, g.Scalar((double)(n - 1))]);
        var j = g.Node("Min", [g.Node("Floor", [p]), g.Scalar(n - 2.0)]);
        var t = g.Node("Sub", [p, j]);
        var at = g.Node("Cast", [j], ("to", (long)OnnxType.Int64));
        var lower = Gathered(g, quantiles, at, table);
        var upper = Gathered(g, quantiles, g.Node("Add", [at, g.Scalar(1L)]), table);
        return g.Node("Add", [lower, g.Node("Mul", [t, g.Node("Sub", [upper, lower])])]);
    }

    /// <summary>The graph's <see cref="InterpolateAt"/> of <paramref name="u"/> ([batch, 1] doubles): the same operations in the same order.</summary>
    private static string OnnxInterpolateAt(OnnxGraph g, double[] levels, double[] values, string u)
    {
        int n = levels.Length;
        var levelsConstant = g.Constant(levels, n);
        var valuesConstant = g.Constant(values, n);
        var below = OnnxCountBelow(g, levelsConstant, n, u);
        var j = g.Node("Max", [g.Node("Min", [g.Node("Sub", [below, g.Scalar(1L)]), g.Scalar(n - 2L)]), g.Scalar(0L)]);
        var next = g.Node("Add", [j, g.Scalar(1L)]);
        var low = Gathered(g, levelsConstant, j, null);
        var high = Gathered(g, levelsConstant, next, null);
        var t = g.Node("Div", [g.Node("Sub", [u, low]), g.Node("Sub", [high, low])]);
        var lower = Gathered(g, valuesConstant, j, null);
        var upper = Gathered(g, valuesConstant, next, null);
        return g.Node("Add", [lower, g.Node("Mul", [t, g.Node("Sub", [upper, lower])])]);
    }

    /// <summary>
    /// The graph's <see cref="Map(double, double, int)"/> of <paramref name="v"/> and <paramref name="draw"/> ([batch, 1]
    /// doubles): the same operations in the same order. <paramref name="group"/>: each row's category in
    /// <see cref="Group"/> (int64, [batch]) and the number of categories that column has; null maps every row as the
    /// whole column.
    /// </summary>
    public string AddOnnxMap(OnnxGraph g, string v, string draw, (string Level, int LevelCount)? group = null)
    {
        var generated = _generated!;
        var u = OnnxLevel(g, generated, generated.Length, v, draw, null);
        string mapped;
        if (_values is { } values)
        {
            if (_cumulative!.Length == 0) return g.Node("Add", [g.Node("Mul", [u, g.Scalar(0.0)]), g.Scalar(values[0])]);
            var index = OnnxCountBelow(g, g.Constant(_cumulative, _cumulative.Length), _cumulative.Length, u);
            mapped = g.Node("Gather", [g.Constant(values, values.Length), index], ("axis", 0));
        }
        else if (_levels is { } levels) mapped = OnnxInterpolateAt(g, levels, _quantiles!, u);
        else mapped = OnnxInterpolate(g, g.Constant(_quantiles!, _quantiles!.Length), _quantiles.Length, u, null);
        if (!MapsGroups || group is not { } grouping) return mapped;

        // Each row's table (-1: none), from its category; rows without one take table 0's arithmetic and keep the column's value.
        var tableOf = Enumerable.Range(0, grouping.LevelCount).Select(l => (long)TableOf(l)).ToArray();
        var table = g.Node("Unsqueeze", [g.Node("Gather", [g.Constant(tableOf, tableOf.Length), grouping.Level], ("axis", 0)), g.Constant([1L], 1)]);
        var has = g.Node("GreaterOrEqual", [table, g.Scalar(0L)]);
        var clipped = g.Node("Max", [table, g.Scalar(0L)]);
        var groupLevel = OnnxLevel(g, _groupGenerated!, GroupKnots, v, draw, g.Node("Mul", [clipped, g.Scalar((long)GroupKnots)]));
        int width = GroupTrainingWidth;
        var training = g.Constant(_groupTraining!, _groupTraining!.Length);
        var offset = g.Node("Mul", [clipped, g.Scalar((long)width)]);
        string inGroup = _values is { } exact
            ? g.Node("Gather", [g.Constant(exact, exact.Length),
                OnnxCountBelow(g, training, width, g.Node("Max", [groupLevel, g.Scalar(LowestGroupLevel)]), offset)], ("axis", 0))
            : OnnxInterpolate(g, training, width, groupLevel, offset);
        return g.Node("Where", [has, inGroup, mapped]);
    }
}
