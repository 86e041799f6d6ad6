namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Numeric columns whose missing values come together (see <see cref="GanTrainer.Options.MissingTogether"/>): missing
/// in exactly the same training rows (measures a study did not take for some subjects, the start and end of something
/// that did not happen), or in every row another one is missing in and in rows of their own (a test done only for
/// the patients who had the first ones, and not always then). A column follows a leader
/// (<see cref="NumericColumn.MissingWith"/>): when generating, it is missing wherever its leader is, as the leader's
/// own present/missing head (and its leader's, up the chain) decides (<see cref="TabularEncoder.LeaderMissing"/>, and
/// the same in the exported graph); where the leader is present, a follower missing in exactly the leader's rows is
/// present, and one missing elsewhere too (<see cref="NumericColumn.MissingElsewhere"/>) asks its own head. A
/// follower's head is still trained either way.
/// </summary>
internal static class MissingTogether
{
    /// <summary>The fewest missing values a leader needs: one or two rows in common may be chance.</summary>
    public const int MinimumMissing = 3;

    /// <summary>
    /// The least evidence a rule needs: −ln of the chance that the leader's k missing rows would all be among the
    /// follower's m of n rows were the two unrelated, k·ln(n/m) (the bar of the column dependencies, e^−13.8 = 10^−6).
    /// </summary>
    public const double MinimumEvidence = 13.8;

    /// <summary>A column's leader, and whether it is missing elsewhere too (its missing rows a strict superset of the leader's).</summary>
    public readonly record struct Link(int Follower, int Leader, bool Elsewhere);

    /// <summary>
    /// The rules the training rows show among the eligible columns (<paramref name="eligible"/>: numeric, no rule but a
    /// trend sets them after decoding), from their values (<paramref name="values"/>, NaN missing, one a training row;
    /// null for a column that is not numeric). Columns missing in the same rows (at least <see cref="MinimumMissing"/>,
    /// not all) form a group, whose first column leads the others. A group's leader whose missing rows hold all of
    /// another group's (and more) follows the leader of the largest such group, missing elsewhere too, where the
    /// evidence is at least <see cref="MinimumEvidence"/>. The links in the order of their followers.
    /// </summary>
    public static IReadOnlyList<Link> Find(IReadOnlyList<double[]?> values, Func<int, bool> eligible, Action checkAlive)
    {
        // Columns by a hash of their missing rows; within a hash, by the rows themselves: groups of equal masks.
        var byHash = new Dictionary<ulong, List<(int Column, int[] Rows)>>();
        int n = 0;
        for (int c = 0; c < values.Count; c++)
        {
            if (values[c] is not { } column || !eligible(c)) continue;
            checkAlive();
            n = column.Length;
            var rows = new List<int>();
            for (int r = 0; r < column.Length; r++) if (double.IsNaN(column[r])) rows.Add(r);
            if (rows.Count < MinimumMissing || rows.Count == column.Length) continue;
            ulong hash = 14695981039346656037UL; // FNV-1a over the row numbers
            foreach (int r in rows) hash = (hash ^ (uint)r) * 1099511628211UL;
            if (!byHash.TryGetValue(hash, out var list)) byHash[hash] = list = [];
            list.Add((c, rows.ToArray()));
        }
        var groups = new List<(int[] Columns, int[] Rows)>();
        foreach (var list in byHash.Values)
        {
            var left = list.ToList();
            while (left.Count > 0)
            {
                var first = left[0];
                var same = left.Where(o => o.Rows.AsSpan().SequenceEqual(first.Rows)).ToList();
                groups.Add((same.Select(o => o.Column).Order().ToArray(), first.Rows));
                left.RemoveAll(o => same.Contains(o));
            }
        }
        var links = new List<Link>();
        foreach (var (columns, _) in groups)
            foreach (int c in columns.Skip(1)) links.Add(new Link(c, columns[0], Elsewhere: false));
        // A group within a larger one: the larger's leader follows the largest group it holds.
        foreach (var (columns, rows) in groups)
        {
            checkAlive();
            var within = new bool[n];
            foreach (int r in rows) within[r] = true;
            double perRow = Math.Log((double)n / rows.Length);
            var held = groups.Where(h => h.Rows.Length < rows.Length && h.Rows.Length * perRow >= MinimumEvidence && h.Rows.All(r => within[r]))
                .OrderByDescending(h => h.Rows.Length).ThenBy(h => h.Columns[0]).FirstOrDefault();
            if (held.Columns is not null) links.Add(new Link(columns[0], held.Columns[0], Elsewhere: true));
        }
        return links.OrderBy(l => l.Follower).ToArray();
    }

    /// <summary>
    /// Which columns may take part (what <see cref="Find"/>'s <c>eligible</c> asks): numeric columns with missing values
    /// that no constraint names (<paramref name="rules"/>) or changes (<paramref name="held"/>), no dependency sets, no
    /// formula makes and no combination holds; a trend's target may (the trend keeps it missing where its residual is).
    /// The one definition for <c>Fit</c> and for a model's rules found again (the benchmark's comparisons).
    /// </summary>
    public static Func<int, bool> Eligible(IReadOnlyList<GanColumn> columns, IEnumerable<GanConstraint> rules, ColumnConstraints? held,
        IReadOnlyList<ColumnDependency> dependencies, IReadOnlyList<NumericFormula> formulas, IReadOnlyList<NumericCombination> combinations)
    {
        var ruled = rules.SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        var made = formulas.SelectMany(f => f.SolvedColumn is int s ? [f.Target, s] : new[] { f.Target }).ToHashSet();
        return c => columns[c] is NumericColumn { HasMissing: true } && !ruled.Contains(columns[c].Name) && held?.Changes(c) != true &&
            !dependencies.Any(d => d.Target == c) && !made.Contains(c) && !combinations.Any(m => m.Columns.Contains(c));
    }

    /// <summary><paramref name="columns"/> with each link's follower following its leader (<see cref="NumericColumn.WithMissingWith"/>).</summary>
    public static GanColumn[] Apply(IReadOnlyList<GanColumn> columns, IReadOnlyList<Link> links)
    {
        var result = columns.ToArray();
        foreach (var link in links)
            result[link.Follower] = ((NumericColumn)result[link.Follower]).WithMissingWith(columns[link.Leader].Name, link.Elsewhere);
        return result;
    }

    /// <summary>The links as the log says them: "ascites with trt; chol with trt and elsewhere".</summary>
    public static string Describe(IReadOnlyList<GanColumn> columns, IReadOnlyList<Link> links) =>
        string.Join("; ", links.Select(l => $"{columns[l.Follower].Name} with {columns[l.Leader].Name}{(l.Elsewhere ? " and elsewhere" : "")}"));

    /// <summary>
    /// Each column's leader in <paramref name="encoder"/> (-1 for none), from its columns' <see cref="NumericColumn.MissingWith"/>,
    /// checked, since a model file may come from a stranger: the leader is another numeric column of the table with
    /// missing values, no fewer than the follower's (the same number unless the follower is missing elsewhere too, then
    /// fewer), the chain of leaders ends, and no rule sets either column after decoding (a constraint, formula,
    /// dependency or combination), as <see cref="Find"/> chooses them.
    /// </summary>
    public static int[] Leaders(TabularEncoder encoder)
    {
        var columns = encoder.Columns;
        var leaders = new int[columns.Count];
        Array.Fill(leaders, -1);
        var eligible = Eligible(columns, [], encoder.Constraints, encoder.Dependencies, encoder.Formulas, encoder.Combinations);
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c] is not NumericColumn { MissingWith: { } name } follower) continue;
            string Said(string what) => $"Column '{Common.Text.Printable(follower.Name, 80)}' is saved as missing with '{Common.Text.Printable(name, 80)}', {what}.";
            int l = -1;
            for (int i = 0; i < encoder.VisibleCount; i++) if (columns[i].Name == name) l = i;
            if (l < 0 || c >= encoder.VisibleCount) throw new InvalidDataException(Said("which is not another column of the table"));
            if (columns[l] is not NumericColumn { HasMissing: true } leader) throw new InvalidDataException(Said("which is not a numeric column with missing values"));
            if (follower.MissingElsewhere ? follower.MissingCount <= leader.MissingCount : follower.MissingCount != leader.MissingCount)
                throw new InvalidDataException(Said($"but has {follower.MissingCount} missing values to its {leader.MissingCount}: " +
                    (follower.MissingElsewhere ? "a column missing elsewhere too has more" : "columns missing in the same rows have as many")));
            foreach (int x in new[] { c, l })
                if (!eligible(x))
                    throw new InvalidDataException(Said($"but a rule sets '{Common.Text.Printable(columns[x].Name, 80)}' after decoding: such a column is missing with no other"));
            leaders[c] = l;
        }
        // The chain from each column ends (a leader that followed its own follower would decide nothing).
        for (int c = 0; c < columns.Count; c++)
        {
            int steps = 0;
            for (int x = leaders[c]; x >= 0; x = leaders[x])
                if (++steps > columns.Count)
                    throw new InvalidDataException($"Column '{Common.Text.Printable(columns[c].Name, 80)}' is saved as missing with a chain of columns that comes back on itself.");
        }
        return leaders;
    }
}
