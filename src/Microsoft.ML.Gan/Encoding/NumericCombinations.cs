using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Number columns whose values come only in the combinations of the training rows: the attributes of an entity that
/// each of its rows repeats, as a table joined from a finer and a coarser one holds them (Boston's tracts carry their
/// town's tax rate, pupil-teacher ratio, highway index, zoning, industry and nitric oxides: 98 combinations over 506
/// rows, which no single column fixes). A generator that learns each column on its own mixes two towns in one row
/// (one town's nitric oxides with another's tax rate), which a tree classifier finds at once. Each generated row takes
/// the training rows' combination nearest its own values, each column scaled by its standard deviation: the generator
/// still chooses the town, from all it made of the row (a town whose tax rate and pupil-teacher ratio go with the row's
/// other columns), and the row holds a town that exists. Where one column fixes the others (<see cref="Functional"/>:
/// a month its year), the row keeps that column's value nearest its own and the others follow.
/// </summary>
/// <remarks>
/// Applied first after decoding, before the dependencies (which may read the columns, not set them), in .NET
/// (<see cref="Apply"/>) and in the exported graph (<see cref="AddOnnx"/>), with the same double operations in the
/// same order, so both choose the same combination. Found at <c>Fit</c> by <see cref="Find"/> (see
/// <see cref="GanTrainer.Options.NumericCombinations"/>).
/// </remarks>
internal sealed class NumericCombination
{
    /// <summary>The most combinations one holds (the graph compares each generated row with every one).</summary>
    public const int MaximumCombinations = 1000;

    /// <summary>The most columns one combines.</summary>
    public const int MaximumColumns = 64;

    /// <summary>
    /// Two columns are tied when the distinct pairs of their values are at most this many times the distinct values of
    /// the one with more (each value of one goes with about one value of the other) ...
    /// </summary>
    public const double PairSlack = 1.25;

    /// <summary>... and at most a quarter of the pairs their values could make, so that two columns of a few values each are not tied by chance.</summary>
    public const double PairShare = 0.25;

    /// <summary>A group's combinations are at most this many times its most varied column's values.</summary>
    public const double GroupSlack = 1.5;

    /// <summary>A group's combinations have at least this many training rows each on average: they are entities the rows repeat, not the rows themselves.</summary>
    public const int RowsPerCombination = 3;

    private readonly double[][] _byColumn; // per column: each combination's value

    /// <param name="columns">The columns, the anchor first (the column the combinations are sorted by).</param>
    /// <param name="tuples">The combinations, column by column within each (row-major), sorted: by anchor, then by the other columns in order.</param>
    /// <param name="counts">The training rows of each combination.</param>
    /// <param name="scales">Each column's standard deviation over the training rows, each greater than 0.</param>
    /// <param name="category">The index in the encoder of the <see cref="CombinationColumn"/> the generator learns the combinations as; -1 for none.</param>
    public NumericCombination(int[] columns, double[] tuples, long[] counts, double[] scales, string[] names, int category = -1)
    {
        Category = category;
        Columns = columns;
        Tuples = tuples;
        Counts = counts;
        Scales = scales;
        Names = names;
        int k = columns.Length, n = counts.Length;
        _byColumn = new double[k][];
        for (int i = 0; i < k; i++)
        {
            _byColumn[i] = new double[n];
            for (int t = 0; t < n; t++) _byColumn[i][t] = tuples[t * k + i];
        }
        Functional = Enumerable.Range(1, n - 1).All(t => _byColumn[0][t] != _byColumn[0][t - 1]);
        _terms = Functional ? 1 : k;
    }

    private readonly int _terms; // the columns a row's cost counts: the anchor alone where it fixes the rest

    /// <summary>
    /// Whether the anchor fixes the other columns (each of its values in one combination, as a month fixes its year):
    /// then a row keeps the anchor value nearest its own (its marginal, and what other rules made of it, stay) and the
    /// others follow it; else the row takes the combination nearest in all the columns.
    /// </summary>
    public bool Functional { get; }

    /// <summary>
    /// The index in the encoder of the hidden <see cref="CombinationColumn"/> whose category is each row's combination
    /// (the generator learns the entity, and the columns take its values); -1 where each row takes the combination
    /// nearest its values instead.
    /// </summary>
    public int Category { get; }

    /// <summary>Whether the generator learns the combinations as one category of their own (<see cref="Category"/>).</summary>
    public bool Learned => Category >= 0;

    /// <summary>The same combinations, learned as the categories of the encoder's column <paramref name="category"/>.</summary>
    public NumericCombination WithCategory(int category) => new(Columns, Tuples, Counts, Scales, Names, category);

    /// <summary>The columns' indices in the encoder, the anchor first.</summary>
    public int[] Columns { get; }

    /// <summary>The anchor's index in the encoder: the column whose value alone singles out a combination in the most training rows, which the combinations are sorted by.</summary>
    public int Anchor => Columns[0];

    /// <summary>The combinations (see the constructor).</summary>
    public double[] Tuples { get; }
    public long[] Counts { get; }
    public double[] Scales { get; }
    public string[] Names { get; }

    /// <summary>How many combinations there are.</summary>
    public int Count => Counts.Length;

    /// <summary>What users see of it.</summary>
    public GanColumnCombination ToInfo() => new(Names, Count) { LearnedAsCategory = Learned };

    /// <inheritdoc cref="GanColumnCombination.ToString"/>
    public override string ToString() => ToInfo().ToString();

    /// <summary>A value as the graph holds it: its column's output, in its type.</summary>
    private static double Held(IReadOnlyList<GanColumn> columns, int c, double v) => ((NumericKind)((NumericColumn)columns[c]).Kind).Stored(v);

    /// <summary>
    /// The combination row <paramref name="r"/> takes: the least cost Σ ((value − combination's) / scale)², summed
    /// column by column in order, the first of equal costs (as the graph's ArgMin over every combination finds it).
    /// The combinations are sorted by anchor, and a cost is at least its anchor's term, which grows away from the row's
    /// anchor: the search runs outward from there and stops on each side once that term alone passes the best cost.
    /// </summary>
    private int Choose(double[][] values, IReadOnlyList<GanColumn> columns, int r, double[] held)
    {
        for (int i = 0; i < Columns.Length; i++) held[i] = Held(columns, Columns[i], values[i][r]);
        var anchors = _byColumn[0];
        int start = Array.BinarySearch(anchors, held[0]);
        if (start < 0) start = ~start;
        int best = -1;
        double bestCost = double.PositiveInfinity;
        bool Visit(int t)
        {
            double d = (held[0] - anchors[t]) / Scales[0];
            double cost = d * d;
            if (cost > bestCost) return false; // every combination further out costs more
            for (int i = 1; i < _terms; i++)
            {
                double e = (held[i] - _byColumn[i][t]) / Scales[i];
                cost += e * e;
            }
            if (best < 0 || cost < bestCost || cost == bestCost && t < best) (best, bestCost) = (t, cost);
            return true;
        }
        for (int t = start; t < anchors.Length && Visit(t); t++) { }
        for (int t = start - 1; t >= 0 && Visit(t); t--) { }
        return best;
    }

    /// <summary>Rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/>: each takes a training combination of the columns.</summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        var values = Columns.Select(into.Numbers).ToArray();
        if (Learned)
        {
            var levels = into.Levels(Category);
            for (int r = firstRow; r < firstRow + rows; r++)
                for (int i = 0; i < Columns.Length; i++) values[i][r] = _byColumn[i][levels[r]];
            return;
        }
        var held = new double[Columns.Length];
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            bool missing = false;
            foreach (var v in values) missing |= double.IsNaN(v[r]);
            if (missing) continue; // none of its columns has missing values; a NaN is left as it came
            int t = Choose(values, columns, r, held);
            for (int i = 0; i < Columns.Length; i++) values[i][r] = _byColumn[i][t];
        }
    }

    /// <summary>
    /// The combination each of the first <paramref name="rows"/> rows of <paramref name="values"/> (the columns' values, in
    /// order) holds: its own where it holds one (every training row), else the nearest, as <see cref="Apply"/> chooses it.
    /// </summary>
    public int[] LevelsOf(double[][] values, IReadOnlyList<GanColumn> columns, int rows)
    {
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int t = 0; t < Count; t++) known[Key(i => _byColumn[i][t])] = t;
        var levels = new int[rows];
        var held = new double[Columns.Length];
        var own = new double[Columns.Length][];
        for (int i = 0; i < Columns.Length; i++) own[i] = new double[1];
        for (int r = 0; r < rows; r++)
        {
            if (known.TryGetValue(Key(i => values[i][r]), out levels[r])) continue;
            for (int i = 0; i < Columns.Length; i++) own[i][0] = double.IsNaN(values[i][r]) ? 0 : values[i][r];
            levels[r] = Choose(own, columns, 0, held);
        }
        return levels;
    }

    /// <summary>Whether each of the first <paramref name="rows"/> rows of <paramref name="decoded"/> holds one of the combinations.</summary>
    public bool HoldsIn(DecodedRows decoded, int rows) => Broken(Columns.Select(decoded.Numbers).ToArray(), rows) == 0;

    /// <summary>How many of the first <paramref name="rows"/> rows of <paramref name="values"/> (the columns' values, in order) hold no combination.</summary>
    public int Broken(double[][] values, int rows)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (int t = 0; t < Count; t++) known.Add(Key(i => _byColumn[i][t]));
        int broken = 0;
        for (int r = 0; r < rows; r++)
            if (!known.Contains(Key(i => values[i][r]))) broken++;
        return broken;
    }

    private string Key(Func<int, double> value) =>
        string.Join('|', Enumerable.Range(0, Columns.Length).Select(i => BitConverter.DoubleToInt64Bits(value(i) + 0.0))); // -0 as 0

    /// <summary><see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the columns' entries are replaced.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        if (Learned)
        {
            // The hidden column's category (int64, [batch]) is the combination.
            for (int i = 0; i < Columns.Length; i++)
            {
                var type = ((NumericColumn)columns[Columns[i]]).OutputType;
                string v = g.Node("Gather", [g.Constant(_byColumn[i], Count), decoded[Category]], ("axis", 0L));
                decoded[Columns[i]] = type == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)type));
            }
            return;
        }
        var one = g.Constant([1L], 1);
        string ToDouble(int c)
        {
            var type = ((NumericColumn)columns[c]).OutputType;
            return type == OnnxType.Double ? decoded[c] : g.Node("Cast", [decoded[c]], ("to", (long)OnnxType.Double));
        }
        // Every combination's cost, [batch, combinations], then the first of the least.
        string? cost = null;
        var constants = new string[Columns.Length];
        for (int i = 0; i < Columns.Length; i++) constants[i] = g.Constant(_byColumn[i], Count);
        for (int i = 0; i < _terms; i++)
        {
            string value = g.Node("Unsqueeze", [ToDouble(Columns[i]), one]);
            string d = g.Node("Div", [g.Node("Sub", [value, constants[i]]), g.Scalar(Scales[i])]);
            string square = g.Node("Mul", [d, d]);
            cost = cost is null ? square : g.Node("Add", [cost, square]);
        }
        string chosen = g.Node("ArgMin", [cost!], ("axis", 1L), ("keepdims", 0L));
        for (int i = 0; i < Columns.Length; i++)
        {
            var type = ((NumericColumn)columns[Columns[i]]).OutputType;
            string v = g.Node("Gather", [constants[i], chosen], ("axis", 0L));
            decoded[Columns[i]] = type == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)type));
        }
    }

    /// <summary>
    /// The combinations the training rows show (see the class remarks). Candidates are the number columns (not times)
    /// without missing values, with 2 to <see cref="MaximumCombinations"/> values and at most a
    /// <see cref="RowsPerCombination"/>th of the rows' count, not <paramref name="excluded"/>. Two candidates are tied when
    /// the distinct pairs of their values are few (<see cref="PairSlack"/>, <see cref="PairShare"/>; a pair stops being
    /// counted as soon as it has too many, so unrelated columns cost a few hundred rows); tied columns form groups. A
    /// group stands when its combinations are at most <see cref="GroupSlack"/> times its most varied column's values, at
    /// most <see cref="MaximumCombinations"/>, and have <see cref="RowsPerCombination"/> rows each on average; while it
    /// does not, the column whose leaving removes the most combinations leaves. The anchor is the column whose value
    /// alone singles out one combination in the most rows. A group whose anchor fixes each of its other columns in every
    /// row already (<paramref name="fixes"/>: a date its year and month, by the dependencies) is left to that.
    /// </summary>
    /// <param name="names">The columns' names.</param>
    /// <param name="codes">
    /// Each number column's rows as dense codes, with each code's value (<see cref="ColumnFitter.Coded"/>); null for a
    /// column that cannot take part (not a number, a time, or a column with missing values).
    /// </param>
    /// <param name="fixes">Whether column a fixes column b in every row already.</param>
    public static List<NumericCombination> Find(IReadOnlyList<string> names, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows,
        Func<int, bool> excluded, Func<int, int, bool> fixes, Action checkAlive)
    {
        var candidates = new List<int>();
        for (int c = 0; c < names.Count; c++)
        {
            if (excluded(c) || codes[c] is not { } coded) continue;
            int distinct = coded.Values.Length;
            if (distinct >= 2 && distinct <= MaximumCombinations && (long)distinct * RowsPerCombination <= rows && !coded.Values.Any(double.IsNaN)) candidates.Add(c);
        }
        if (candidates.Count < 2) return [];
        int Distinct(int c) => codes[c]!.Value.Values.Length;

        // Tied pairs, joined into groups.
        var parent = new Dictionary<int, int>();
        foreach (int c in candidates) parent[c] = c;
        int Root(int c) => parent[c] == c ? c : parent[c] = Root(parent[c]);
        var seen = new HashSet<long>();
        for (int x = 0; x < candidates.Count; x++)
        {
            checkAlive();
            for (int y = x + 1; y < candidates.Count; y++)
            {
                int a = candidates[x], b = candidates[y];
                long possible = (long)Distinct(a) * Distinct(b);
                long limit = Math.Min((long)(PairSlack * Math.Max(Distinct(a), Distinct(b))), (long)(PairShare * possible));
                var (ca, cb) = (codes[a]!.Value.Codes, codes[b]!.Value.Codes);
                seen.Clear();
                bool tied = true;
                for (int r = 0; r < rows && tied; r++) tied = seen.Add((long)ca[r] * Distinct(b) + cb[r]) ? seen.Count <= limit : true;
                if (tied) parent[Root(a)] = Root(b);
            }
        }

        var found = new List<NumericCombination>();
        foreach (var group in candidates.GroupBy(Root).Select(g => g.ToList()).Where(g => g.Count >= 2).OrderBy(g => g.Min()))
        {
            checkAlive();
            var members = group;
            while (members.Count >= 2)
            {
                int count = TupleIdsWithCount(members, codes, rows).Count;
                if (count <= GroupSlack * members.Max(Distinct) && count <= MaximumCombinations && (long)count * RowsPerCombination <= rows && members.Count <= MaximumColumns) break;
                // The column whose leaving removes the most combinations leaves (the lowest index of equals).
                members = members.Select(c => members.Where(o => o != c).ToList()).MinBy(rest => (TupleIdsWithCount(rest, codes, rows).Count, -rest.Sum()))!;
            }
            if (members.Count < 2) continue;
            var combination = Build(members, names, codes, rows);
            if (combination.Columns.Skip(1).All(c => fixes(combination.Anchor, c))) continue;
            found.Add(combination);
        }
        return found;
    }

    /// <summary>Each row's combination of <paramref name="members"/>' values as a dense id, and the number of combinations (the list's Count).</summary>
    private static (int[] Ids, int Count) TupleIdsWithCount(IReadOnlyList<int> members, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows)
    {
        var ids = (int[])codes[members[0]]!.Value.Codes.Clone();
        int count = codes[members[0]]!.Value.Values.Length;
        for (int i = 1; i < members.Count; i++)
        {
            var (next, distinct) = (codes[members[i]]!.Value.Codes, codes[members[i]]!.Value.Values.Length);
            var dense = new Dictionary<long, int>();
            for (int r = 0; r < rows; r++)
            {
                long key = (long)ids[r] * distinct + next[r];
                if (!dense.TryGetValue(key, out int id)) dense[key] = id = dense.Count;
                ids[r] = id;
            }
            count = dense.Count;
        }
        return (ids, count);
    }

    /// <summary>The combination of <paramref name="members"/>: the anchor chosen, the combinations sorted and counted, the scales measured.</summary>
    private static NumericCombination Build(List<int> members, IReadOnlyList<string> names, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows)
    {
        var (ids, count) = TupleIdsWithCount(members, codes, rows);
        var codeOf = new int[count][];
        var counts = new long[count];
        for (int r = 0; r < rows; r++)
        {
            codeOf[ids[r]] ??= members.Select(c => codes[c]!.Value.Codes[r]).ToArray();
            counts[ids[r]]++;
        }
        // The anchor: the member whose values single out one combination in the most rows (then the most values, then the first).
        int Singled(int i)
        {
            var combinations = new Dictionary<int, int>();
            for (int t = 0; t < count; t++) combinations[codeOf[t][i]] = combinations.GetValueOrDefault(codeOf[t][i]) + 1;
            long singled = 0;
            for (int t = 0; t < count; t++) if (combinations[codeOf[t][i]] == 1) singled += counts[t];
            return (int)singled;
        }
        int anchor = Enumerable.Range(0, members.Count).OrderByDescending(Singled).ThenByDescending(i => codes[members[i]]!.Value.Values.Length).ThenBy(i => members[i]).First();
        var order = new[] { anchor }.Concat(Enumerable.Range(0, members.Count).Where(i => i != anchor)).ToArray();
        var at = order.Select(i => members[i]).ToArray();
        int k = at.Length;
        double Value(int t, int i) => codes[at[i]]!.Value.Values[codeOf[t][order[i]]];
        var sorted = Enumerable.Range(0, count).ToArray();
        Array.Sort(sorted, (x, y) =>
        {
            for (int i = 0; i < k; i++)
            {
                int c = Value(x, i).CompareTo(Value(y, i));
                if (c != 0) return c;
            }
            return 0;
        });
        var tuples = new double[count * k];
        var sortedCounts = new long[count];
        for (int s = 0; s < count; s++)
        {
            for (int i = 0; i < k; i++) tuples[s * k + i] = Value(sorted[s], i);
            sortedCounts[s] = counts[sorted[s]];
        }
        var scales = new double[k];
        for (int i = 0; i < k; i++)
        {
            double mean = 0, square = 0;
            for (int s = 0; s < count; s++) mean += sortedCounts[s] * tuples[s * k + i];
            mean /= rows;
            for (int s = 0; s < count; s++) square += sortedCounts[s] * (tuples[s * k + i] - mean) * (tuples[s * k + i] - mean);
            scales[i] = Math.Sqrt(square / rows);
        }
        return new NumericCombination(at, tuples, sortedCounts, scales, at.Select(c => names[c]).ToArray());
    }
}

/// <summary>A <see cref="NumericCombination"/> in a model file.</summary>
internal sealed class NumericCombinationState
{
    public string[]? Columns { get; set; }
    public double[]? Tuples { get; set; }
    public long[]? Counts { get; set; }
    public double[]? Scales { get; set; }
    /// <summary>The hidden <see cref="CombinationColumn"/> the generator learns the combinations as (format 15); null where a row takes the nearest.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Category { get; set; }

    public static NumericCombinationState From(NumericCombination c, IReadOnlyList<GanColumn> columns) => new()
    {
        Columns = c.Names, Tuples = c.Tuples, Counts = c.Counts, Scales = c.Scales, Category = c.Learned ? columns[c.Category].Name : null,
    };

    /// <summary>
    /// The combinations of a model file, checked against its columns: a file from a stranger cannot make decoding read
    /// outside them, set a value its column does not allow, or choose differently in .NET and in the graph.
    /// </summary>
    public static NumericCombination[] Restore(NumericCombinationState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} combinations of columns, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var taken = new HashSet<int>();
        var takenCategories = new HashSet<int>();
        var result = new NumericCombination[states.Length];
        for (int s = 0; s < states.Length; s++)
        {
            var state = states[s] ?? throw new InvalidDataException($"combination {s + 1} is null");
            string Where() => $"combination {s + 1} (of '{Common.Text.Printable(string.Join(", ", state.Columns ?? []), 80)}')";
            var names = state.Columns ?? [];
            if (names.Length < 2 || names.Length > NumericCombination.MaximumColumns)
                throw new InvalidDataException($"{Where()} does not combine 2 to {NumericCombination.MaximumColumns} columns");
            var at = new int[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                if (names[i] is null || !index.TryGetValue(names[i], out at[i]) || columns[at[i]] is not NumericColumn { Kind: NumericKind and not TimeKind, HasMissing: false })
                    throw new InvalidDataException($"{Where()} names something other than number columns of the model without missing values");
                if (!taken.Add(at[i])) throw new InvalidDataException($"{Where()} names a column twice, or one another combination names");
            }
            int k = names.Length;
            var counts = state.Counts ?? [];
            var tuples = state.Tuples ?? [];
            var scales = state.Scales ?? [];
            if (counts.Length < 1 || counts.Length > NumericCombination.MaximumCombinations || tuples.Length != (long)counts.Length * k || scales.Length != k)
                throw new InvalidDataException($"{Where()} does not hold 1 to {NumericCombination.MaximumCombinations:N0} combinations of its columns, each with a count, and a scale a column");
            if (counts.Any(n => n < 1) || scales.Any(v => !(v > 0) || double.IsInfinity(v)))
                throw new InvalidDataException($"{Where()} has a count below 1, or a scale that is no positive number");
            for (int t = 0; t < counts.Length; t++)
            {
                for (int i = 0; i < k; i++)
                {
                    var column = (NumericColumn)columns[at[i]];
                    double v = tuples[t * k + i];
                    if (!column.Allows(v) || ((NumericKind)column.Kind).Stored(v) != v)
                        throw new InvalidDataException($"{Where()} holds {v} for column '{Common.Text.Printable(column.Name, 60)}', which the column does not allow");
                }
                if (t > 0 && Compare(tuples, k, t - 1, t) >= 0)
                    throw new InvalidDataException($"{Where()} lists its combinations out of order, or one twice");
            }
            int category = -1;
            if (state.Category is { } hidden)
            {
                if (!index.TryGetValue(hidden, out category) || columns[category] is not CombinationColumn learned || learned.LevelCount != counts.Length)
                    throw new InvalidDataException($"{Where()} is learned as the categories of '{Common.Text.Printable(hidden, 80)}', which is no combination's column of the model with one category a combination");
                if (!takenCategories.Add(category)) throw new InvalidDataException($"{Where()} is learned as the categories of a column another combination is learned as too");
            }
            result[s] = new NumericCombination(at, tuples, counts, scales, at.Select(c => columns[c].Name).ToArray(), category);
        }
        return result;
    }

    private static int Compare(double[] tuples, int k, int x, int y)
    {
        for (int i = 0; i < k; i++)
        {
            int c = tuples[x * k + i].CompareTo(tuples[y * k + i]);
            if (c != 0) return c;
        }
        return 0;
    }
}
