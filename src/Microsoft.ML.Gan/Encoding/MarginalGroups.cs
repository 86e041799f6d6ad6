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
/// <see cref="MinimumAssociation"/>. A column mapped onto its exact values gets tables only for categories that repeat
/// its values <see cref="MarginalMap.DiscreteRepeats"/> times on average, as the whole column must (a category's shares
/// of values it holds once would give back its own rows' values). Left out: a column that a dependency sets (its value
/// is overwritten after decoding) or keys on (its keys stay as the rules were found), and a categorical column that a
/// dependency sets (it changes after the numbers decode).
/// </remarks>
internal static class MarginalGroups
{
    /// <summary>Present training values a category needs for a table of its own.</summary>
    public const int MinimumRows = 50;

    /// <summary>The least ω² (share of rank variance the categories explain) for which a column is grouped.</summary>
    public const double MinimumAssociation = 0.1;

    /// <summary>One grouping: the numeric column, the categorical column it is grouped by, how many categories have tables, and its ω².</summary>
    public sealed record Grouping(string Column, string Group, int Categories, double Association)
    {
        public override string ToString() => $"'{Column}' within each of {Categories} categories of '{Group}' (ω² {Association:F2})";
    }

    /// <summary>
    /// The encoder with its numeric columns' maps grouped where the training rows (<paramref name="real"/>, the first
    /// <paramref name="count"/> of them, decoded) show a dependency on a categorical column; and the groupings made.
    /// </summary>
    public static (TabularEncoder Encoder, IReadOnlyList<Grouping> Groupings) Fit(TabularEncoder encoder, DecodedRows real, int count, Action checkAlive, double minimumAssociation = MinimumAssociation)
    {
        var columns = encoder.Columns.ToArray();
        var fixedByRule = new HashSet<int>(encoder.Dependencies.SelectMany(d => new[] { d.Determinant, d.Target }));
        var setByRule = new HashSet<int>(encoder.Dependencies.Select(d => d.Target));
        var candidates = Enumerable.Range(0, columns.Length)
            .Where(j => columns[j] is CategoricalColumn { LevelCount: >= 2 } && !setByRule.Contains(j)).ToArray();
        var groupings = new List<Grouping>();
        for (int c = 0; c < columns.Length; c++)
        {
            if (columns[c] is not NumericColumn { Marginal: { } map } numeric || fixedByRule.Contains(c)) continue;
            // A calendar of dates can hold up to 100,000 instants: a table of shares for each of 100 categories would be
            // too large a model. Exact values are grouped only as many as an ordinary exact map holds.
            if (map.IsDiscrete && map.ValueCount > MarginalMap.MaximumDiscreteValues) continue;
            checkAlive();
            var numbers = real.Numbers(c);
            var present = Enumerable.Range(0, count).Where(r => !double.IsNaN(numbers[r])).ToArray();
            if (present.Length < 2 * MinimumRows) continue;
            var ranks = MidRanks(present.Select(r => numbers[r]).ToArray());

            (int Group, int[] Levels, double Association) best = (-1, [], double.NegativeInfinity);
            foreach (int j in candidates)
            {
                var levels = real.Levels(j);
                int levelCount = ((CategoricalColumn)columns[j]).LevelCount;
                var counts = new int[levelCount];
                foreach (int r in present) counts[levels[r]]++;
                // A column mapped onto its exact values is grouped only where a category repeats its values as the
                // whole column must (MarginalMap.DiscreteRepeats): a category's shares of values it holds once or
                // twice would give back its own rows' values.
                var distinct = map.IsDiscrete ? DistinctPerLevel(present, levels, numbers, levelCount) : null;
                var large = Enumerable.Range(0, levelCount)
                    .Where(l => counts[l] >= MinimumRows && (distinct is null || counts[l] >= MarginalMap.DiscreteRepeats * distinct[l]))
                    .OrderByDescending(l => counts[l]).ThenBy(l => l).Take(MarginalMap.MaximumGroups).Order().ToArray();
                if (large.Length < 2) continue;
                double association = Association(ranks, present.Select(r => levels[r]).ToArray(), large, levelCount);
                if (association > best.Association) best = (j, large, association);
            }
            if (best.Group < 0 || best.Association < minimumAssociation) continue;

            var groupLevels = real.Levels(best.Group);
            var tableOf = best.Levels.Select((l, t) => (l, t)).ToDictionary(p => p.l, p => p.t);
            var byTable = best.Levels.Select(_ => new List<double>()).ToArray();
            foreach (int r in present)
                if (tableOf.TryGetValue(groupLevels[r], out int t)) byTable[t].Add(numbers[r]);
            var values = byTable.Select(v => v.ToArray()).ToArray();
            columns[c] = numeric.WithMarginalGroups(columns[best.Group].Name, best.Levels, values);
            groupings.Add(new Grouping(numeric.Name, columns[best.Group].Name, best.Levels.Length, best.Association));
        }
        return (groupings.Count == 0 ? encoder : encoder.WithColumns(columns), groupings);
    }

    /// <summary>How many distinct values the <paramref name="present"/> rows of each category hold.</summary>
    private static int[] DistinctPerLevel(int[] present, int[] levels, double[] numbers, int levelCount)
    {
        var seen = new HashSet<(int, double)>();
        var distinct = new int[levelCount];
        foreach (int r in present)
            if (seen.Add((levels[r], numbers[r]))) distinct[levels[r]]++;
        return distinct;
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
