using Microsoft.ML.Gan.Common;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Finds, at <c>Fit</c>, pairs of columns of dates, instants or durations of one type that every training row holds in
/// one order (a study's entry before its end, an order before its delivery), and whose later column lies at a more
/// regular distance after the earlier than it spreads on its own (<see cref="GanTrainer.Options.TimeOrders"/>). Each
/// becomes an order rule, which the constraints hold by construction: the later column is learned as its distance after
/// the earlier, so that a generated row keeps the order and the distance's shape (rhDNase's follow-up, 169 ± 2 days for
/// 95 % of its patients, where the end date on its own spreads over six months).
/// </summary>
/// <remarks>
/// An order between two numbers says little on its own (a tract's crime rate below its share of old houses, in other
/// units), so numbers (<see cref="GanTrainer.Options.NumberOrders"/>) are ordered only when they read as two points on
/// one scale (<see cref="OneScale"/>): they meet (equal in some rows, as a recurrence time and a follow-up time do where
/// nothing recurred), each takes more than a code's few values, the later holds no value more often than their distance
/// does, their values spread alike (a Kolmogorov-Smirnov distance below <see cref="MaximumNumberDistance"/>), and
/// neither all but determines the other along a curve (that is a trend's business, which keeps more of the pair).
/// The caller leaves to a formula any pair it makes or reads.
/// Rows where either is missing say nothing. Left out: a pair equal in every row (one value, not an order), a pair a
/// given rule already orders, and a pair implied through a third column (first before second before third: the first
/// and the third are not ordered again).
/// </remarks>
internal static class TimeOrders
{
    /// <summary>Rows holding both columns that an order needs before it is taken for a rule.</summary>
    public const int MinimumRows = 20;

    /// <summary>
    /// The largest Kolmogorov-Smirnov distance between two number columns' values that an order between them allows:
    /// two points on one scale (a diagnosis day and a death day, 0.37 apart; a recurrence time and a follow-up time,
    /// 0.18) overlap, where numbers in other units (a crime rate and a share of old houses, 0.91) do not.
    /// </summary>
    public const double MaximumNumberDistance = 0.6;

    /// <summary>
    /// The orders among the columns (<paramref name="values"/>, stored values with NaN missing, of kinds
    /// <paramref name="kinds"/>) that the first <paramref name="rows"/> rows keep, as rules; none that
    /// <paramref name="given"/> already order.
    /// <paramref name="fixedByCategory"/> says whether a category fixes a column in every row: two numbers are also
    /// ordered where the later is so fixed and <see cref="BelowFixed"/> holds (they need not meet).
    /// </summary>
    public static List<GanConstraint> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        IReadOnlyList<GanConstraint> given, Action checkAlive, Func<int, bool>? fixedByCategory = null)
    {
        var named = new HashSet<string>(given.SelectMany(r => r.Columns), StringComparer.Ordinal);
        var candidates = Enumerable.Range(0, names.Count).Where(c => kinds[c] is not null && values[c] is not null && !named.Contains(names[c])).ToArray();
        var orders = new List<(int Low, int High, bool Strict)>();
        foreach (int a in candidates)
            foreach (int b in candidates)
            {
                if (a == b) continue;
                bool times = kinds[a] is TimeKind ta && kinds[b] is TimeKind tb && ta.Type.Equals(tb.Type);
                if (!times && (kinds[a] is TimeKind || kinds[b] is TimeKind)) continue;
                checkAlive();
                if (Order(values[a]!, values[b]!, rows) is { } strict && (times || !strict && OneScale(values[a]!, values[b]!, rows)))
                    orders.Add((a, b, strict));
                // Below a number a category fixes (learned below it, so however its distance spreads).
                else if (!times && fixedByCategory?.Invoke(b) == true && Order(values[a]!, values[b]!, rows, anySpread: true) is { } kept
                    && BelowFixed(values[a]!, values[b]!, rows, kept))
                    orders.Add((a, b, kept));
            }
        // An order that follows from two others through a third column is left to them.
        var found = new List<GanConstraint>();
        foreach (var (low, high, strict) in orders)
        {
            bool implied = orders.Any(o => o.Low == low && o.High != high && orders.Any(p => p.Low == o.High && p.High == high));
            if (!implied) found.Add(GanConstraint.Inequality(names[low], names[high], strict));
        }
        return found;
    }

    /// <summary>
    /// Whether <paramref name="high"/> follows <paramref name="low"/> in every row holding both (at least
    /// <see cref="MinimumRows"/>): true where always after, false where never before but equal in some rows and not
    /// all; and its distance after <paramref name="low"/> spreads less than it does on its own (interquartile ranges).
    /// Null otherwise.
    /// </summary>
    internal static bool? Order(double[] low, double[] high, int rows, bool anySpread = false)
    {
        // Every row is checked (a rule the rows break is refused at Fit); the spreads are measured on at most
        // StatisticsRows of them, evenly spaced, so that a table of millions of rows needs no copy of its columns.
        bool strict = true, apart = false;
        int both = 0;
        for (int r = 0; r < rows; r++)
        {
            double a = low[r], b = high[r];
            if (double.IsNaN(a) || double.IsNaN(b)) continue;
            if (b < a) return null;
            if (b == a) strict = false;
            else apart = true;
            both++;
        }
        if (both < MinimumRows || !apart) return null;
        if (anySpread) return strict;
        int stride = Math.Max(1, both / TabularEncoder.StatisticsRows);
        var distances = new List<double>();
        var later = new List<double>();
        for (int r = 0, seen = 0; r < rows; r++)
        {
            double a = low[r], b = high[r];
            if (double.IsNaN(a) || double.IsNaN(b) || seen++ % stride != 0) continue;
            distances.Add(b - a);
            later.Add(b);
        }
        return InterquartileRange(distances) < InterquartileRange(later) ? strict : null;
    }

    /// <summary>
    /// Whether two number columns that one order holds (<paramref name="low"/> never above <paramref name="high"/>) read
    /// as two points on one scale: no value of the later is more common than the most common distance between them (a
    /// censoring value, the study's end for all who lived past it, stays a value of its column), each takes more than
    /// <see cref="NumericColumn.MaximumCodeValues"/> values (fewer make a code, a flag or a count of a few, whose order
    /// with a scale is the ranges', as a 0/1 hormone flag below a count of nodes), their values (on at most
    /// <see cref="TabularEncoder.StatisticsRows"/> rows holding both, evenly spaced) lie within
    /// <see cref="MaximumNumberDistance"/> of each other, and neither column's curve on the other explains
    /// <see cref="NumericTrend.MinimumExplained"/> of it in the rows where they differ (a trend then keeps the pair).
    /// </summary>
    internal static bool OneScale(double[] low, double[] high, int rows)
    {
        var both = Enumerable.Range(0, rows).Where(r => !double.IsNaN(low[r]) && !double.IsNaN(high[r])).ToArray();
        int stride = Math.Max(1, both.Length / TabularEncoder.StatisticsRows);
        var sample = both.Where((_, i) => i % stride == 0).ToArray();
        double[] a = sample.Select(r => low[r]).ToArray(), b = sample.Select(r => high[r]).ToArray();
        // A value the later column holds in many rows (a study's end for everyone alive at it) would be smeared over the
        // distance's spread: the order is refused unless the distance holds its most common value as often.
        static int MostCommon(IEnumerable<double> values) => values.GroupBy(v => v).Max(g => g.Count());
        if (sample.Length == 0 || MostCommon(b) > MostCommon(b.Select((v, i) => v - a[i]))) return false;
        if (a.Distinct().Count() <= NumericColumn.MaximumCodeValues || b.Distinct().Count() <= NumericColumn.MaximumCodeValues
            || ColumnStatistics.KolmogorovSmirnov(a, b) >= MaximumNumberDistance)
            return false;
        // The rows where the two meet lie on the line y = x, which a curve fits as well as the order does, though only
        // the order keeps them equal (a progression time and a follow-up time, equal for the 92 % who never progressed:
        // R² 0.97 on all rows): a curve is judged on the rows where they differ, and too few of them leave nothing to judge.
        var apart = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToArray();
        if (apart.Length < MinimumRows) return true;
        double[] lowApart = apart.Select(i => a[i]).ToArray(), highApart = apart.Select(i => b[i]).ToArray();
        return NumericTrend.CurveExplained(lowApart, highApart) < NumericTrend.MinimumExplained
            && NumericTrend.CurveExplained(highApart, lowApart) < NumericTrend.MinimumExplained;
    }

    /// <summary>
    /// Whether a number <paramref name="low"/> always below another, <paramref name="high"/>, that a category fixes in every
    /// row reads as lying below it on one scale though they never meet (a visit's day and the patient's end of follow-up,
    /// both in days since entry): each takes more than <see cref="NumericColumn.MaximumCodeValues"/> values, their values
    /// lie within <see cref="MaximumNumberDistance"/> of each other, neither's curve on the other explains
    /// <see cref="NumericTrend.MinimumExplained"/> of it, and chance would keep the order less than once in
    /// <see cref="ColumnDependency.ChanceLimit"/>: the share of pairs of rows whose low lies below the other's high, to the
    /// power of the high column's distinct values (one draw for each category's value, however many rows it has).
    /// </summary>
    internal static bool BelowFixed(double[] low, double[] high, int rows, bool strict)
    {
        var both = Enumerable.Range(0, rows).Where(r => !double.IsNaN(low[r]) && !double.IsNaN(high[r])).ToArray();
        int stride = Math.Max(1, both.Length / TabularEncoder.StatisticsRows);
        var sample = both.Where((_, i) => i % stride == 0).ToArray();
        double[] a = sample.Select(r => low[r]).ToArray(), b = sample.Select(r => high[r]).ToArray();
        int distinct = both.Select(r => high[r]).Distinct().Count();
        if (sample.Length < MinimumRows || a.Distinct().Count() <= NumericColumn.MaximumCodeValues || distinct <= NumericColumn.MaximumCodeValues
            || ColumnStatistics.KolmogorovSmirnov(a, b) >= MaximumNumberDistance
            || NumericTrend.CurveExplained(a, b) >= NumericTrend.MinimumExplained || NumericTrend.CurveExplained(b, a) >= NumericTrend.MinimumExplained)
            return false;
        // The share of pairs (a_i, b_j) with a_i < b_j (a_i ≤ b_j where the order is not strict), from the sorted highs.
        var sortedHigh = b.Order().ToArray();
        double below = 0;
        foreach (double v in a) below += sortedHigh.Length - (strict ? UpperBound(sortedHigh, v) : LowerBound(sortedHigh, v));
        double share = below / ((double)a.Length * sortedHigh.Length);
        return share < 1 && distinct * Math.Log10(share) <= Math.Log10(ColumnDependency.ChanceLimit);
    }

    /// <summary>The count of <paramref name="sorted"/>'s values at or below <paramref name="v"/>.</summary>
    private static int UpperBound(double[] sorted, double v)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] <= v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The count of <paramref name="sorted"/>'s values below <paramref name="v"/>.</summary>
    private static int LowerBound(double[] sorted, double v)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// Whether a categorical column (each of the first <paramref name="rows"/> rows' category in
    /// <paramref name="categories"/>, <paramref name="count"/> of them) fixes <paramref name="values"/>: every category's
    /// rows hold one value (a missing one too), and the categories hold at least two rows each on average (a category
    /// of about a row each fixes anything). A class's size, the same for each of its pupils, is the class's: a
    /// dependency keeps it whole, where an order, learning it as its distance above another column, would let it vary
    /// within the class.
    /// </summary>
    internal static bool FixedByCategory(int[] categories, int count, double[] values, int rows)
    {
        if (count < 2 || count > rows / 2) return false;
        var first = new double[count];
        var seen = new bool[count];
        for (int r = 0; r < rows; r++)
        {
            int c = categories[r];
            double v = values[r];
            if (!seen[c])
            {
                seen[c] = true;
                first[c] = v;
            }
            else if (!(first[c] == v || double.IsNaN(first[c]) && double.IsNaN(v))) return false;
        }
        return true;
    }

    /// <summary>The upper quartile less the lower (the marginal maps' interpolated quantiles at levels 0, ¼, ½, ¾, 1).</summary>
    private static double InterquartileRange(List<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var quartiles = MarginalMap.Quantiles(sorted, 4);
        return quartiles[3] - quartiles[1];
    }
}
