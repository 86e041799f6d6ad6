namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A categorical column that, within each category of a column of many (an entity: a state, a patient), steps along
/// a number (the years): a law a state adopts in a year of its own and keeps, a speed limit it raises, an enforcement it
/// tightens (AER's Guns: `law` switches from no to yes once in 25 of 51 states, never back; USSeatBelts: five such laws).
/// The rows of each entity, in the number's order, hold each value in one run; the switches are the entity's own. A
/// generator that learns the column from the row's other values makes a state's law come and go from year to year,
/// and a classifier trained on its rows learns a law no state has. Found at <c>Fit</c> (<see cref="Find"/>) and kept as
/// a <see cref="CategoryThresholds"/> tree on the entity and the number (a split on the entity's category index
/// narrows to one entity, or to a run of entities that each hold one value throughout; under an entity, a split per
/// switch on the number), so that decoding, the graph, the model file and its checks are the trees' own.
/// </summary>
/// <remarks>
/// A step is told from chance by how unlikely its order would be: an entity's n rows holding k values, n₁ … n_k rows
/// each, fall into one run a value in a random order with probability k! × n₁! × … × n_k! / n! (Guns' Alabama-like
/// state of 13 years without its law and 10 with it: 2 / 1,144,066); the product over the entities that switch must be
/// below <see cref="ColumnDependency.ChanceLimit"/> (an entity of two rows, or one that never switches, counts for
/// nothing). An entity whose rows do not step in order (a law repealed and passed again) gets the step of at most two
/// runs that misses the fewest of its rows; all the entities together may miss
/// <see cref="ColumnDependency.ExceptionShare"/> of the rows, as any tree may.
/// </remarks>
internal static class CategorySteps
{
    /// <summary>The fewest entities whose rows switch value before a column is said to step.</summary>
    public const int MinimumSwitching = 3;

    /// <summary>A step rule found at <c>Fit</c>: the tree, and what the log says of it (<paramref name="Chance"/>: log10 of the chance that random orders of the switching entities' rows step).</summary>
    public sealed record Found(CategoryThresholds Tree, int Switching, int Entities, int Missed, double Chance)
    {
        public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Tree.TargetName} steps along {Tree.FeatureNames[1]} within each {Tree.FeatureNames[0]} ({Switching} of {Entities} switch, {Missed} rows missed; chance orders them so once in 10^{-Chance:F0})");
    }

    /// <summary>One entity's step: each run's value and the thresholds between runs (a row goes to run k when its number is at or past threshold k − 1 and below threshold k).</summary>
    private readonly record struct Step(int[] Values, double[] Thresholds, int Errors);

    /// <summary>
    /// The categorical columns (2 to <see cref="CategoryThresholds.MaximumLevels"/> categories, set by no tree of
    /// <paramref name="trees"/> nor read by one) that step along a
    /// number within each category of a column of <see cref="EntityLevel.MinimumCategories"/> to
    /// <see cref="EntityLevel.MaximumCategories"/> categories (see the class remarks). For each target the entity column
    /// and the number that miss the fewest rows (then whose steps chance makes least often) are kept. The dependencies
    /// that set a target (from the entity's column: the states that always had the law; from another column: no state
    /// had a limit of 70 without one of 65) hold wherever the steps do, which set the target last: the caller drops them.
    /// </summary>
    /// <param name="codes">Each column's rows as dense codes with each code's decoded value; null for a column that takes no part.</param>
    public static List<Found> Find(IReadOnlyList<ThresholdColumn> columns, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows,
        IReadOnlyList<ColumnDependency> dependencies, Func<int, bool> excluded, IReadOnlyList<CategoryThresholds> trees, Action checkAlive)
    {
        var found = new List<Found>();
        if (rows < CategoryThresholds.MinimumRows) return found;
        var taken = trees.Select(t => t.Target).ToHashSet();
        var read = trees.SelectMany(t => t.Features).ToHashSet();
        bool Usable(int c) => codes[c] is { } coded && coded.Values.Length >= 2 && !excluded(c) && columns[c].Readable && !taken.Contains(c);
        var entities = Enumerable.Range(0, columns.Count).Where(c => Usable(c) && columns[c].IsCategory &&
            columns[c].LevelCount is >= EntityLevel.MinimumCategories and <= EntityLevel.MaximumCategories && !dependencies.Any(d => d.Target == c)).ToArray();
        if (entities.Length == 0) return found;
        // A whole number nearly every row has its own value of is an identifier, not an order (see CategoryThresholds.Find).
        var orders = Enumerable.Range(0, columns.Count).Where(c => Usable(c) && columns[c].Number is { } kind &&
            !(kind.Precision == NumberPrecision.Whole && codes[c]!.Value.Values.Length >= CategoryThresholds.KeyShare * rows)).ToArray();
        double[] Values(int c)
        {
            var (codesOf, valuesOf) = codes[c]!.Value;
            var result = new double[rows];
            for (int r = 0; r < rows; r++) result[r] = valuesOf[codesOf[r]];
            return result;
        }
        var orderValues = orders.ToDictionary(c => c, Values);
        // Each entity's rows in each number's order (a missing number last: the tree sends it right, to the last run),
        // sorted once for every target.
        var sorted = new Dictionary<(int, int), int[]?[]>();
        int[]?[] Sorted(int e, int o)
        {
            if (sorted.TryGetValue((e, o), out var known)) return known;
            var entity = Values(e);
            var order = orderValues[o];
            var byEntity = new int[]?[columns[e].LevelCount];
            foreach (var group in Enumerable.Range(0, rows).GroupBy(r => (int)entity[r]))
                byEntity[group.Key] = group.OrderBy(r => double.IsNaN(order[r]) ? 1 : 0).ThenBy(r => order[r]).ToArray();
            return sorted[(e, o)] = byEntity;
        }
        var logFactorial = new double[rows + 1];
        for (int i = 2; i <= rows; i++) logFactorial[i] = logFactorial[i - 1] + Math.Log10(i);
        int allowed = (int)Math.Floor(ColumnDependency.ExceptionShare * rows);
        for (int t = 0; t < columns.Count; t++)
        {
            if (columns[t] is not { IsCategory: true, LevelCount: >= 2 and <= CategoryThresholds.MaximumLevels } || !Usable(t) || read.Contains(t)) continue;
            var labels = Values(t).Select(v => (int)v).ToArray();
            var after = CategoryThresholds.Reach(dependencies, t);
            Found? best = null;
            foreach (int e in entities)
            {
                if (e == t || after.Contains(e) || taken.Contains(e)) continue;
                foreach (int o in orders)
                {
                    if (o == t || o == e || after.Contains(o) || taken.Contains(o)) continue;
                    checkAlive();
                    if (Fit(Sorted(e, o), orderValues[o], labels, columns[t].LevelCount, allowed, logFactorial) is not { } fit) continue;
                    var (tree, errors, switching, chance, present) = fit;
                    var candidate = new Found(new CategoryThresholds(t, [e, o], tree.Splits.ToArray(), tree.Thresholds.ToArray(), tree.Left.ToArray(), tree.Right.ToArray(),
                        tree.Levels.ToArray(), columns, steps: true), switching, present, errors, chance);
                    if (best is null || errors < best.Missed || errors == best.Missed && chance < best.Chance) best = candidate;
                }
            }
            if (best is null) continue;
            found.Add(best);
            taken.Add(t);
            foreach (int f in best.Tree.Features) read.Add(f);
        }
        return found;
    }

    /// <summary>
    /// Each entity's step along the order, as one tree (feature 0 the entity's category index, feature 1 the order), with
    /// the rows it misses, the entities that switch, log10 of the chance that random orders of their rows step, and how
    /// many entities have rows; null where the steps miss more than <paramref name="allowed"/> rows, where fewer than
    /// <see cref="MinimumSwitching"/> entities switch or chance makes their steps too often, and where the tree would pass
    /// <see cref="CategoryThresholds.MaximumNodes"/> or <see cref="CategoryThresholds.MaximumDepth"/>.
    /// </summary>
    /// <param name="byEntity">Each entity's rows in the order's order, missing numbers last; null for an entity without rows.</param>
    private static (CategoryThresholds.Tree Tree, int Errors, int Switching, double Chance, int Present)? Fit(int[]?[] byEntity, double[] order, int[] labels, int levelCount, int allowed,
        double[] logFactorial)
    {
        int entityCount = byEntity.Length;
        var counts = new int[levelCount];
        foreach (int l in labels) counts[l]++;
        int mostCommon = Array.IndexOf(counts, counts.Max());
        var steps = new Step?[entityCount];
        int errors = 0, switching = 0, present = 0;
        double chance = 0;
        for (int e = 0; e < entityCount; e++)
        {
            if (byEntity[e] is not { } own) continue;
            present++;
            var step = StepOf(own, order, labels, counts);
            steps[e] = step;
            errors += step.Errors;
            if (errors > allowed) return null;
            if (step.Values.Length < 2) continue;
            switching++;
            if (step.Errors > 0) continue;
            // In order: the chance that a random order of the rows with a number holds each value in one run.
            int numbered = own.Count(r => !double.IsNaN(order[r]));
            Array.Clear(counts);
            for (int i = 0; i < numbered; i++) counts[labels[own[i]]]++;
            chance += logFactorial[step.Values.Length] + counts.Sum(n => logFactorial[n]) - logFactorial[numbered];
        }
        if (switching < MinimumSwitching || chance > Math.Log10(ColumnDependency.ChanceLimit)) return null;
        // Runs of entity indices that all hold one value throughout (an entity without rows joins any), then a balanced
        // tree of splits on the entity's index over them, each leaf the run's value or the entity's own steps.
        var segments = new List<(int From, int To, Step? Own, int Value)>();
        for (int e = 0; e < entityCount; e++)
        {
            var step = steps[e];
            int? constant = step is null ? null : step.Value.Values.Length == 1 ? step.Value.Values[0] : null;
            if (step is not null && constant is null) { segments.Add((e, e + 1, step, -1)); continue; }
            if (segments.Count > 0 && segments[^1].Own is null && (constant is null || segments[^1].Value == constant || segments[^1].Value < 0))
                segments[^1] = (segments[^1].From, e + 1, null, constant ?? segments[^1].Value);
            else segments.Add((e, e + 1, null, constant ?? -1));
        }
        var tree = new CategoryThresholds.Tree();
        int depth = 0;
        void Build(int node, int first, int last, int level)
        {
            if (last - first == 1)
            {
                var (_, _, own, value) = segments[first];
                if (own is not { } step)
                {
                    tree.Levels[node] = value < 0 ? mostCommon : value;
                    depth = Math.Max(depth, level);
                    return;
                }
                // A chain of splits on the order, one a switch.
                for (int k = 0; k < step.Thresholds.Length; k++)
                {
                    tree.Splits[node] = 1;
                    tree.Thresholds[node] = step.Thresholds[k];
                    tree.Left[node] = tree.Add();
                    tree.Levels[tree.Left[node]] = step.Values[k];
                    tree.Right[node] = tree.Add();
                    node = tree.Right[node];
                }
                tree.Levels[node] = step.Values[^1];
                tree.Splits[node] = -1;
                depth = Math.Max(depth, level + step.Thresholds.Length);
                return;
            }
            int middle = (first + last) / 2;
            tree.Splits[node] = 0;
            tree.Thresholds[node] = segments[middle].From; // indices below it go left
            tree.Left[node] = tree.Add();
            tree.Right[node] = tree.Add();
            int right = tree.Right[node];
            Build(tree.Left[node], first, middle, level + 1);
            Build(right, middle, last, level + 1);
        }
        if (2 * segments.Count - 1 + 2 * steps.Sum(s => s?.Thresholds.Length ?? 0) > CategoryThresholds.MaximumNodes) return null;
        Build(tree.Add(), 0, segments.Count, 0);
        if (depth > CategoryThresholds.MaximumDepth) return null;
        return (tree, errors, switching, chance, present);
    }

    /// <summary>
    /// The step of one entity's rows (in the order's order, missing numbers last): its runs where each value holds one run
    /// and a run's last number is below the next run's first; else the step of one or two runs that misses the fewest rows.
    /// </summary>
    private static Step StepOf(int[] own, double[] order, int[] labels, int[] counts)
    {
        int present = own.Count(r => !double.IsNaN(order[r]));
        var runs = new List<(int Value, int First, int Last)>();
        for (int i = 0; i < present; i++)
        {
            if (runs.Count > 0 && runs[^1].Value == labels[own[i]]) runs[^1] = (runs[^1].Value, runs[^1].First, i);
            else runs.Add((labels[own[i]], i, i));
        }
        bool inOrder = runs.Select(r => r.Value).Distinct().Count() == runs.Count &&
            Enumerable.Range(1, Math.Max(0, runs.Count - 1)).All(k => order[own[runs[k - 1].Last]] < order[own[runs[k].First]]);
        if (inOrder && runs.Count > 0)
        {
            int last = runs[^1].Value;
            int missed = own.Skip(present).Count(r => labels[r] != last);
            var thresholds = Enumerable.Range(1, runs.Count - 1).Select(k => Between(order[own[runs[k - 1].Last]], order[own[runs[k].First]])).ToArray();
            return new Step(runs.Select(r => r.Value).ToArray(), thresholds, missed);
        }
        // One run: the most common value.
        Array.Clear(counts);
        foreach (int r in own) counts[labels[r]]++;
        int common = Array.IndexOf(counts, counts.Max());
        var best = new Step([common], [], own.Length - counts[common]);
        // Two runs, a then b, switching between two neighbouring distinct numbers.
        var values = own.Select(r => labels[r]).Distinct().ToArray();
        var before = new int[counts.Length];
        for (int i = 0; i < present - 1; i++)
        {
            before[labels[own[i]]]++;
            double low = order[own[i]], high = order[own[i + 1]];
            if (!(low < high)) continue;
            int left = i + 1, right = own.Length - left;
            foreach (int a in values)
                foreach (int b in values)
                {
                    if (a == b) continue;
                    int missed = left - before[a] + right - (counts[b] - before[b]);
                    if (missed < best.Errors) best = new Step([a, b], [Between(low, high)], missed);
                }
        }
        return best;
    }

    /// <summary>A threshold that sends <paramref name="low"/> left and <paramref name="high"/> right: their midpoint.</summary>
    private static double Between(double low, double high)
    {
        double mid = low + (high - low) / 2;
        return mid > low ? mid : high;
    }
}
