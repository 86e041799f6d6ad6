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
/// units), so only time columns are compared. Rows where either is missing say nothing. Left out: a pair equal in
/// every row (one value, not an order), a pair a given rule already orders, and a pair implied through a third column
/// (first before second before third: the first and the third are not ordered again).
/// </remarks>
internal static class TimeOrders
{
    /// <summary>Rows holding both columns that an order needs before it is taken for a rule.</summary>
    public const int MinimumRows = 20;

    /// <summary>
    /// The orders among the columns (<paramref name="values"/>, stored values with NaN missing, of kinds
    /// <paramref name="kinds"/>) that the first <paramref name="rows"/> rows keep, as rules; none that
    /// <paramref name="given"/> already order.
    /// </summary>
    public static List<GanConstraint> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        IReadOnlyList<GanConstraint> given, Action checkAlive)
    {
        var named = new HashSet<string>(given.SelectMany(r => r.Columns), StringComparer.Ordinal);
        var time = Enumerable.Range(0, names.Count).Where(c => kinds[c] is TimeKind && values[c] is not null && !named.Contains(names[c])).ToArray();
        var orders = new List<(int Low, int High, bool Strict)>();
        foreach (int a in time)
            foreach (int b in time)
            {
                if (a == b || !((TimeKind)kinds[a]!).Type.Equals(((TimeKind)kinds[b]!).Type)) continue;
                checkAlive();
                if (Order(values[a]!, values[b]!, rows) is { } strict) orders.Add((a, b, strict));
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
    internal static bool? Order(double[] low, double[] high, int rows)
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

    /// <summary>The upper quartile less the lower (the marginal maps' interpolated quantiles at levels 0, ¼, ½, ¾, 1).</summary>
    private static double InterquartileRange(List<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var quartiles = MarginalMap.Quantiles(sorted, 4);
        return quartiles[3] - quartiles[1];
    }
}
