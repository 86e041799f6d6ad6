namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Finds, for each numeric column with a <see cref="MarginalMap"/>, the categorical column its values depend on most,
/// and groups the map by it (<see cref="GanTrainer.Options.GroupedMarginals"/>): each frequent category of that column
/// gets the training quantiles of its own rows, so that generated rows keep each category's range and shape (txhousing's
/// listings within each city, where one map for the whole column let a small city take a large city's listings: a pair
/// a tree spots at once).
/// </summary>
/// <remarks>
/// The strength of a dependency is the share of the column's rank variance that the categories explain, corrected for
/// their number (ω², of a one-way analysis of variance on ranks: robust to skew and outliers, and near 0 for a column
/// with many small categories that explain nothing). Categories with at least <see cref="MinimumRows"/> present values
/// are groups (at most <see cref="MarginalMap.MaximumGroups"/>, the largest); the other rows form one group more for the
/// measure, and keep the column's own map. A column is grouped when the best ω² is at least
/// <see cref="MinimumAssociation"/>, or when it is the periods of a panel whose categories cover different spans of them,
/// whatever its ω² (each category holds each of the column's values once, and some category starts or ends inside the
/// range: a store that opened later than the others, whose months before its opening a detector would catch at once;
/// ω² sees little of it, 0.06 for six stores opened ten months apart). The residuals of a trend whose curves are
/// each category's own (<see cref="NumericTrend.Within"/>) are grouped by those categories whatever their ω² (each
/// curve leaves residuals of its own spread). A
/// column mapped onto its exact values gets, for a category that holds its values once or twice, shares spread over
/// the column's values around its own (<see cref="MarginalMap.FitGroupTraining"/>), not its own values' shares. Left
/// out: a column that a dependency sets (its value is overwritten after decoding) or keys on without exact values (a
/// generated value would miss the keys), and a categorical column that a dependency sets (it changes after the numbers
/// decode).
/// </remarks>
internal static class MarginalGroups
{
    /// <summary>Present training values a category needs for a table of its own.</summary>
    public const int MinimumRows = 50;

    /// <summary>The least ω² (share of rank variance the categories explain) for which a column is grouped.</summary>
    public const double MinimumAssociation = 0.1;

    /// <summary>The share of a panel's rows that may repeat their category's value (a period recorded twice).</summary>
    public const double PanelRepeats = 0.05;

    /// <summary>The share of a panel's rows before a category's first period, or after its last, that makes its span its own.</summary>
    public const double PanelSpan = 0.1;

    /// <summary>
    /// One grouping: the numeric column, the categorical column it is grouped by, how many categories have tables, its
    /// ω², and whether the column is the periods of a panel of those categories.
    /// </summary>
    public sealed record Grouping(string Column, string Group, int Categories, double Association, bool Panel = false)
    {
        public override string ToString() => Panel
            ? $"'{Column}' within each of {Categories} categories of '{Group}' (each holds each value once, over a span of its own: a panel's periods; ω² {Association:F2})"
            : $"'{Column}' within each of {Categories} categories of '{Group}' (ω² {Association:F2})";
    }

    /// <summary>
    /// The encoder with its numeric columns' maps grouped where the training rows (<paramref name="real"/>, the first
    /// <paramref name="count"/> of them, decoded) show a dependency on a categorical column; and the groupings made.
    /// </summary>
    public static (TabularEncoder Encoder, IReadOnlyList<Grouping> Groupings) Fit(TabularEncoder encoder, DecodedRows real, int count, Action checkAlive, double minimumAssociation = MinimumAssociation)
    {
        var columns = encoder.Columns.ToArray();
        var determinants = new HashSet<int>(encoder.Dependencies.Select(d => d.Determinant));
        var setByRule = new HashSet<int>(encoder.Dependencies.Select(d => d.Target));
        var candidates = Enumerable.Range(0, columns.Length)
            .Where(j => columns[j] is CategoricalColumn { LevelCount: >= 2 } && !setByRule.Contains(j)).ToArray();
        var groupings = new List<Grouping>();
        for (int c = 0; c < columns.Length; c++)
        {
            if (columns[c] is not NumericColumn { Marginal: { } map } numeric || setByRule.Contains(c)) continue;
            // A rule's key stays one where the map gives only the column's exact values (the rule's keys among them).
            if (determinants.Contains(c) && !map.IsDiscrete) continue;
            // A calendar of dates can hold up to 100,000 instants: a table of shares for each of 100 categories would be
            // too large a model. Exact values are grouped only as many as an ordinary exact map holds.
            if (map.IsDiscrete && map.ValueCount > MarginalMap.MaximumDiscreteValues) continue;
            checkAlive();
            var numbers = real.Numbers(c);
            var present = Enumerable.Range(0, count).Where(r => !double.IsNaN(numbers[r])).ToArray();
            if (present.Length < 2 * MinimumRows) continue;
            var ranks = MidRanks(present.Select(r => numbers[r]).ToArray());

            (int Group, int[] Levels, double Association, bool Panel) best = (-1, [], double.NegativeInfinity, false);
            // A trend's residuals from curves within categories are grouped by those categories, whatever their ω²:
            // each category's curve leaves residuals of its own spread (a large city's listings swing by thousands, a
            // small one's by tens), which one map for every category would mix.
            int within = encoder.TrendOf(c) is { IsWithin: true } trend ? trend.Within : -1;
            foreach (int j in candidates)
            {
                if (within >= 0 && j != within) continue;
                var levels = real.Levels(j);
                int levelCount = ((CategoricalColumn)columns[j]).LevelCount;
                var counts = new int[levelCount];
                foreach (int r in present) counts[levels[r]]++;
                var large = Enumerable.Range(0, levelCount).Where(l => counts[l] >= MinimumRows)
                    .OrderByDescending(l => counts[l]).ThenBy(l => l).Take(MarginalMap.MaximumGroups).Order().ToArray();
                if (large.Length < 2) continue;
                double association = Association(ranks, present.Select(r => levels[r]).ToArray(), large, levelCount);
                bool panel = map.IsDiscrete && IsPanel(present, levels, numbers, large);
                // A panel's periods come before any association: they are what the generator must keep per category.
                if ((panel, association).CompareTo((best.Panel, best.Association)) > 0) best = (j, large, association, panel);
            }
            if (best.Group < 0 || (!best.Panel && best.Association < minimumAssociation && within < 0)) continue;

            var groupLevels = real.Levels(best.Group);
            var tableOf = best.Levels.Select((l, t) => (l, t)).ToDictionary(p => p.l, p => p.t);
            var byTable = best.Levels.Select(_ => new List<double>()).ToArray();
            foreach (int r in present)
                if (tableOf.TryGetValue(groupLevels[r], out int t)) byTable[t].Add(numbers[r]);
            var values = byTable.Select(v => v.ToArray()).ToArray();
            columns[c] = numeric.WithMarginalGroups(columns[best.Group].Name, best.Levels, values);
            groupings.Add(new Grouping(numeric.Name, columns[best.Group].Name, best.Levels.Length, best.Association, best.Panel));
        }
        return (groupings.Count == 0 ? encoder : encoder.WithColumns(columns), groupings);
    }

    /// <summary>
    /// Whether the column is the periods of a panel whose categories cover different spans of them: the
    /// <paramref name="present"/> rows of the <paramref name="large"/> categories hold each (category, value) pair once,
    /// but for at most <see cref="PanelRepeats"/> of them, while the column's values repeat across categories (a
    /// discrete map's); and some category starts or ends <see cref="PanelSpan"/> of the rows inside the column's range
    /// (a store opened later than the others). Where every category covers the whole range (txhousing's cities, each
    /// with every month) the generator keeps the months as it learned them: mapped within each city, from 101
    /// generated quantiles of a few hundred rows a city, the months came out lumpier than the generator's own.
    /// </summary>
    private static bool IsPanel(int[] present, int[] levels, double[] numbers, int[] large)
    {
        var isLarge = new HashSet<int>(large);
        var seen = new HashSet<(int, double)>();
        var span = new Dictionary<int, (double Low, double High)>();
        var values = new List<double>();
        long rows = 0, repeated = 0;
        foreach (int r in present)
        {
            int level = levels[r];
            if (!isLarge.Contains(level)) continue;
            double v = numbers[r];
            rows++;
            values.Add(v);
            if (!seen.Add((level, v))) repeated++;
            span[level] = span.TryGetValue(level, out var s) ? (Math.Min(s.Low, v), Math.Max(s.High, v)) : (v, v);
        }
        if (rows == 0 || repeated > PanelRepeats * rows) return false;
        values.Sort();
        double low = values[(int)(PanelSpan * (values.Count - 1))], high = values[(int)((1 - PanelSpan) * (values.Count - 1))];
        return span.Values.Any(s => s.Low > low || s.High < high);
    }

    /// <summary>Ranks 1..n of <paramref name="values"/>, ties sharing the mean of their ranks, in the values' order.</summary>
    internal static double[] MidRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        var keys = (double[])values.Clone();
        Array.Sort(keys, order);
        var ranks = new double[values.Length];
        for (int start = 0; start < keys.Length;)
        {
            int end = start + 1;
            while (end < keys.Length && keys[end] == keys[start]) end++;
            double mid = (start + 1 + end) / 2.0; // the mean of ranks start + 1 .. end
            for (int i = start; i < end; i++) ranks[order[i]] = mid;
            start = end;
        }
        return ranks;
    }

    /// <summary>
    /// ω² of <paramref name="ranks"/> between groups: each category in <paramref name="large"/> one group, every other
    /// category together one more. (SSB − (k − 1)·MSW) / (SST + MSW); 0 when the ranks do not vary.
    /// </summary>
    internal static double Association(double[] ranks, int[] levels, int[] large, int levelCount)
    {
        var groupOf = new int[levelCount];
        Array.Fill(groupOf, large.Length);
        for (int g = 0; g < large.Length; g++) groupOf[large[g]] = g;
        var sums = new double[large.Length + 1];
        var counts = new long[large.Length + 1];
        double mean = 0;
        for (int i = 0; i < ranks.Length; i++)
        {
            int g = groupOf[levels[i]];
            sums[g] += ranks[i];
            counts[g]++;
            mean += ranks[i];
        }
        int n = ranks.Length;
        mean /= n;
        double total = 0;
        foreach (double r in ranks) total += (r - mean) * (r - mean);
        if (total == 0) return 0;
        double between = 0;
        int k = 0;
        for (int g = 0; g < sums.Length; g++)
        {
            if (counts[g] == 0) continue;
            k++;
            double m = sums[g] / counts[g];
            between += counts[g] * (m - mean) * (m - mean);
        }
        if (n <= k) return 0;
        double within = (total - between) / (n - k);
        return (between - (k - 1) * within) / (total + within);
    }
}
