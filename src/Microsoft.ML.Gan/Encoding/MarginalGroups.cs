namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Finds, for each numeric column with a <see cref="MarginalMap"/>, the categorical column, or the number of a few
/// exact values (<see cref="NumericColumn.IsCode"/>: a year, a count, a stage, each value a category), its values
/// depend on most, and groups the map by it (<see cref="GanTrainer.Options.GroupedMarginals"/>): each frequent category of that column
/// gets the training quantiles of its own rows, so that generated rows keep each category's range and shape (txhousing's
/// listings within each city, where one map for the whole column let a small city take a large city's listings: a pair
/// a tree spots at once).
/// </summary>
/// <remarks>
/// The strength of a dependency is how far the categories' distributions of the column lie from its distribution as a
/// whole: each category's Kolmogorov-Smirnov distance from all the values, less the distance chance alone gives a sample
/// of its size (0.8687·√(1/n_c − 1/n), the mean of the largest gap of a Brownian bridge), weighted by its share of
/// the rows (<see cref="Association(double[], int[], int[], int)"/>). It sees a category that shifts the column and one that only narrows or widens
/// it alike (Mroz's log wage: a narrow band for the women out of the labour force, whose wage is an imputed one, and a
/// wide one for the others, at nearly the same median: a rank ω² of 0.06 against 0.14 for college education, which
/// shifts it; by distribution participation comes first, 0.15), and is near 0 for a column with many small categories
/// that explain nothing. Categories with at least <see cref="MinimumRows"/> present values
/// are groups (at most <see cref="MarginalMap.MaximumGroups"/>, the largest); the other rows keep the column's own map,
/// so the measure sums over the groups alone. A column is grouped when the best association is at least
/// <see cref="MinimumAssociation"/>, or when it is the periods of a panel whose categories cover different spans of them,
/// whatever its association (each category holds each of the column's values once, and some category starts or ends inside the
/// range: a store that opened later than the others, whose months before its opening a detector would catch at once;
/// a measure of the whole column sees little of it). The residuals of a trend whose curves are
/// each category's own (<see cref="NumericTrend.Within"/>) are grouped by those categories whatever their association (each
/// curve leaves residuals of its own spread). A
/// column mapped onto its exact values gets, for a category that holds its values once or twice, shares spread over
/// the column's values around its own (<see cref="MarginalMap.FitGroupTraining"/>), not its own values' shares. Left
/// out: a column that a dependency sets (its value is overwritten after decoding) or keys on without exact values (a
/// generated value would miss the keys), and a categorical column that a dependency sets (it changes after the numbers
/// decode). A number groups others only where nothing overwrites it after decoding (a dependency, combination,
/// constraint, trend or formula), and it decodes before the columns it groups, so it is not grouped itself: the
/// strongest groupings are taken first, and a column whose number is grouped already keeps its best category instead
/// (flchain's kappa and lambda go within their decile group, 0.46, its follow-up time within the sample year, 0.37).
/// </remarks>
internal static class MarginalGroups
{
    /// <summary>Present training values a category needs for a table of its own.</summary>
    public const int MinimumRows = 50;

    /// <summary>The least association (Kolmogorov-Smirnov distance beyond chance, weighted over the categories) for which a column is grouped.</summary>
    public const double MinimumAssociation = 0.1;

    /// <summary>The share of a panel's rows that may repeat their category's value (a period recorded twice).</summary>
    public const double PanelRepeats = 0.05;

    /// <summary>The share of a panel's rows before a category's first period, or after its last, that makes its span its own.</summary>
    public const double PanelSpan = 0.1;

    /// <summary>
    /// One grouping: the numeric column, the column it is grouped by (categorical, or a number of few values: then
    /// <paramref name="Values"/>), how many categories (values) have tables, its association (<see cref="Association"/>),
    /// and whether the column is the periods of a panel of those categories.
    /// </summary>
    public sealed record Grouping(string Column, string Group, int Categories, double Association, bool Panel = false, bool Values = false)
    {
        public override string ToString() => Panel
            ? $"'{Column}' within each of {Categories} {(Values ? "values" : "categories")} of '{Group}' (each holds each value once, over a span of its own: a panel's periods; distance {Association:F2})"
            : $"'{Column}' within each of {Categories} {(Values ? "values" : "categories")} of '{Group}' (distance {Association:F2})";
    }

    /// <summary>
    /// The encoder with its numeric columns' maps grouped where the training rows (<paramref name="real"/>, the first
    /// <paramref name="count"/> of them, decoded) show a dependency on a categorical column or, with
    /// <paramref name="byValues"/>, on a number of few exact values (<see cref="NumericColumn.IsCode"/>); and the
    /// groupings made.
    /// </summary>
    public static (TabularEncoder Encoder, IReadOnlyList<Grouping> Groupings) Fit(TabularEncoder encoder, DecodedRows real, int count, Action checkAlive,
        double minimumAssociation = MinimumAssociation, bool byValues = true)
    {
        var columns = encoder.Columns.ToArray();
        var determinants = new HashSet<int>(encoder.Dependencies.Select(d => d.Determinant));
        var setByRule = new HashSet<int>(encoder.Dependencies.Select(d => d.Target));
        // A number groups others by the value it decodes to only where nothing made after decoding overwrites it: a rule,
        // a combination, a constraint, a trend, a formula or a category's level.
        var overwritten = new HashSet<int>(setByRule
            .Concat(encoder.Combinations.SelectMany(m => m.Columns))
            .Concat(encoder.Trends.Select(t => t.Target))
            .Concat(encoder.EntityLevels.Select(l => l.Target))
            .Concat(encoder.Formulas.SelectMany(f => f.SolvedColumn is int solved ? [f.Target, solved] : new[] { f.Target }))
            .Concat(Enumerable.Range(0, columns.Length).Where(c => encoder.Constraints?.Changes(c) == true)));
        var candidates = Enumerable.Range(0, columns.Length)
            .Where(j => columns[j] is CategoricalColumn { LevelCount: >= 2 } && !setByRule.Contains(j)
                || byValues && columns[j] is NumericColumn { IsCode: true } && !overwritten.Contains(j)).ToArray();
        // Each candidate's category in every training row: a categorical column's index, a number's value's (CodeOf).
        var levelsOf = new Dictionary<int, int[]>();
        int[] LevelsOf(int j) => levelsOf.TryGetValue(j, out var known) ? known : levelsOf[j] = columns[j] is NumericColumn code
            ? real.Numbers(j).Take(count).Select(code.CodeOf).ToArray()
            : real.Levels(j);
        int LevelCountOf(int j) => columns[j] is NumericColumn code ? code.CodeCount : ((CategoricalColumn)columns[j]).LevelCount;

        // Each column's best categorical group and best number, when one qualifies.
        var best = new List<(int Column, Choice? Categorical, Choice? Number)>();
        for (int c = 0; c < columns.Length; c++)
        {
            if (columns[c] is not NumericColumn { Marginal: { } map } || setByRule.Contains(c)) continue;
            // A rule's key stays one where the map gives only the column's exact values (the rule's keys among them).
            if (determinants.Contains(c) && !map.IsDiscrete) continue;
            // A calendar of dates can hold up to 100,000 instants: a table of shares for each of 100 categories would be
            // too large a model. Exact values are grouped only as many as an ordinary exact map holds.
            if (map.IsDiscrete && map.ValueCount > MarginalMap.MaximumDiscreteValues) continue;
            checkAlive();
            var numbers = real.Numbers(c);
            var present = Enumerable.Range(0, count).Where(r => !double.IsNaN(numbers[r])).ToArray();
            if (present.Length < 2 * MinimumRows) continue;
            var presentValues = present.Select(r => numbers[r]).ToArray();
            var order = SortedOrder(presentValues);

            Choice? categorical = null, number = null;
            // A trend's residuals from curves within categories are grouped by those categories, whatever their association:
            // each category's curve leaves residuals of its own spread (a large city's listings swing by thousands, a
            // small one's by tens), which one map for every category would mix.
            int within = encoder.TrendOf(c) is { IsWithin: true } trend ? trend.Within : -1;
            foreach (int j in candidates)
            {
                if (j == c || within >= 0 && j != within) continue;
                var levels = LevelsOf(j);
                int levelCount = LevelCountOf(j);
                var counts = new int[levelCount];
                foreach (int r in present) counts[levels[r]]++;
                var large = Enumerable.Range(0, levelCount).Where(l => counts[l] >= MinimumRows)
                    .OrderByDescending(l => counts[l]).ThenBy(l => l).Take(MarginalMap.MaximumGroups).Order().ToArray();
                if (large.Length < 2) continue;
                double association = Association(presentValues, order, present.Select(r => levels[r]).ToArray(), large, levelCount);
                bool panel = map.IsDiscrete && IsPanel(present, levels, numbers, large);
                if (!panel && association < minimumAssociation && within < 0) continue;
                var choice = new Choice(j, large, association, panel);
                // A panel's periods come before any association: they are what the generator must keep per category.
                ref var kept = ref columns[j] is NumericColumn ? ref number : ref categorical;
                if (kept is null || choice.CompareTo(kept) > 0) kept = choice;
            }
            if (categorical is not null || number is not null) best.Add((c, categorical, number));
        }

        // A number that groups others decodes before them, so it is not grouped itself, and a grouped column groups
        // nothing: the strongest groupings first, a column that loses its number keeping its best category. A number
        // that depends on a category groups nothing either: the rows of each of its values are only as right as the
        // values, which that category's tables keep right (pbc's hepatomegaly, within survival status, would group
        // the stage at 0.12 against its own 0.11, and detection rose on two seeds of three when it did).
        var byCategory = new HashSet<int>(best.Where(b => b.Categorical is not null).Select(b => b.Column));
        var grouped = new HashSet<int>();
        var groups = new HashSet<int>();
        var chosen = new List<(int Column, Choice Choice)>();
        foreach (var (c, categorical, number) in best.OrderByDescending(b => Max(b.Categorical, b.Number).Key).ThenBy(b => b.Column))
        {
            if (groups.Contains(c)) continue;
            bool numberFree = number is not null && !grouped.Contains(number.Group) && !byCategory.Contains(number.Group);
            var choice = numberFree && (categorical is null || number!.CompareTo(categorical) > 0) ? number : categorical;
            if (choice is null) continue;
            grouped.Add(c);
            if (columns[choice.Group] is NumericColumn) groups.Add(choice.Group);
            chosen.Add((c, choice));
        }

        var groupings = new List<Grouping>();
        foreach (var (c, choice) in chosen.OrderBy(g => g.Column))
        {
            var numbers = real.Numbers(c);
            var groupLevels = LevelsOf(choice.Group);
            var tableOf = choice.Levels.Select((l, t) => (l, t)).ToDictionary(p => p.l, p => p.t);
            var byTable = choice.Levels.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < count; r++)
                if (!double.IsNaN(numbers[r]) && tableOf.TryGetValue(groupLevels[r], out int t)) byTable[t].Add(numbers[r]);
            var values = byTable.Select(v => v.ToArray()).ToArray();
            var numeric = (NumericColumn)columns[c];
            columns[c] = numeric.WithMarginalGroups(columns[choice.Group].Name, choice.Levels, values);
            groupings.Add(new Grouping(numeric.Name, columns[choice.Group].Name, choice.Levels.Length, choice.Association, choice.Panel, columns[choice.Group] is NumericColumn));
        }
        return (groupings.Count == 0 ? encoder : encoder.WithColumns(columns), groupings);

        static Choice Max(Choice? a, Choice? b) => a is null ? b! : b is null || a.CompareTo(b) >= 0 ? a : b;
    }

    /// <summary>A column's candidate group: the group column, its categories with tables, the association, and whether it is a panel's.</summary>
    private sealed record Choice(int Group, int[] Levels, double Association, bool Panel)
    {
        /// <summary>What ranks choices: a panel's periods first, then the association.</summary>
        public (bool, double) Key => (Panel, Association);

        public int CompareTo(Choice other) => Key.CompareTo(other.Key);
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

    /// <summary>
    /// How far the groups' distributions lie from the column's: the sum over the categories in <paramref name="large"/>
    /// (those that get a table) of each one's share of the rows × (its Kolmogorov-Smirnov distance from all the
    /// <paramref name="values"/> − the distance chance alone gives a group of its size, 0.8687·√(1/n_g − 1/n), at least
    /// 0). The other categories' rows are mapped as the whole column, so however far they lie, a grouping does not move
    /// them: they count in the whole but not in the sum (until stop 52 they counted as one group more, which let a
    /// number whose large values cover few of the rows win on the rows it leaves, pbc's stage of hepatomegaly; midwest's weakest
    /// groupings, by two categories of its 16, came from its other 14). 0 for groups drawn alike; at most 1.
    /// </summary>
    internal static double Association(double[] values, int[] levels, int[] large, int levelCount) =>
        Association(values, SortedOrder(values), levels, large, levelCount);

    /// <summary>The positions of <paramref name="values"/> in ascending order of value: sorted once per column, read by every candidate.</summary>
    internal static int[] SortedOrder(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort((double[])values.Clone(), order);
        return order;
    }

    /// <summary>
    /// As <see cref="Association(double[], int[], int[], int)"/>, with the values' ascending <paramref name="order"/>
    /// given. One walk over the values: a group's distance from the whole can only peak where its own distribution
    /// steps (between its steps it stays flat while the whole's rises), so each group is measured just before and just
    /// after each of its own values, and each row is visited a bounded number of times.
    /// </summary>
    internal static double Association(double[] values, int[] order, int[] levels, int[] large, int levelCount)
    {
        var groupOf = new int[levelCount];
        Array.Fill(groupOf, large.Length);
        for (int g = 0; g < large.Length; g++) groupOf[large[g]] = g;
        int n = values.Length;
        var counts = new int[large.Length + 1];
        for (int i = 0; i < n; i++) counts[groupOf[levels[i]]]++;
        var seen = new int[large.Length + 1];
        var distance = new double[large.Length + 1];
        void Measure(int from, int to, double pooled)
        {
            for (int i = from; i < to; i++)
            {
                int g = groupOf[levels[order[i]]];
                distance[g] = Math.Max(distance[g], Math.Abs((double)seen[g] / counts[g] - pooled));
            }
        }
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && values[order[end]] == values[order[start]]) end++;
            Measure(start, end, (double)start / n); // just before this value
            for (int i = start; i < end; i++) seen[groupOf[levels[order[i]]]]++;
            Measure(start, end, (double)end / n); // and just after it
            start = end;
        }
        double total = 0;
        for (int g = 0; g < large.Length; g++)
            if (counts[g] > 0 && counts[g] < n)
                total += (double)counts[g] / n * Math.Max(0, distance[g] - 0.8687 * Math.Sqrt(1.0 / counts[g] - 1.0 / n));
        return total;
    }
}
