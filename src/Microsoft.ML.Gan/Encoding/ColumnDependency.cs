using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A rule the training rows obey: where the <see cref="Determinant"/> column holds one of <see cref="Keys"/>, the
/// <see cref="Target"/> column holds the matching entry of <see cref="Values"/> (education "Bachelors" fixes
/// education-num 13; relationship "Husband" fixes sex "Male"; a date fixes its year), in every training row but at most
/// <see cref="ExceptionShare"/> of those holding the key. Generated rows obey it without exception: after decoding,
/// in .NET (<see cref="Apply"/>) and in the exported graph (<see cref="AddOnnx"/>), the target is set where the
/// determinant holds a key, so that a combination the data (all but never) have is never generated. Where the
/// determinant holds another value the target keeps the generator's own value.
/// </summary>
/// <remarks>
/// Keys and values are in the columns' decoded domain: a categorical column's category index, a numeric column's value
/// as its type holds it. A numeric determinant matches a generated value exactly (numbers on their grid, or mapped onto
/// the training values, hit the keys). Found at <c>Fit</c> by <see cref="Find"/> (see <see cref="GanTrainer.Options.ExactDependencies"/>).
/// </remarks>
internal sealed class ColumnDependency
{
    /// <summary>The most distinct values a column may have to be a determinant (and so the most keys a dependency has).</summary>
    public const int MaximumKeys = 1000;

    /// <summary>The fewest training rows a determinant value needs before the rows' common target value becomes a rule on its own (a categorical determinant that fixes its target as a whole needs none: see <see cref="Rules"/>).</summary>
    public const int MinimumSupport = 10;

    /// <summary>
    /// A determinant value's rows must agree on a target value that is rare enough for the agreement not to be chance:
    /// the chance that that many rows drawn at random all hold it, (its share)^rows, at most this.
    /// </summary>
    public const double ChanceLimit = 1e-6;

    /// <summary>
    /// The share of a determinant value's training rows that may break its rule (rounded down: none below 100 rows).
    /// Real tables have a few such rows (one "Husband" in ten thousand recorded as "Female"); generated rows have none.
    /// </summary>
    public const double ExceptionShare = 0.01;

    /// <summary>The most dependencies a model keeps, and a saved model may hold.</summary>
    public const int MaximumDependencies = 1000;

    private readonly int[]? _byLevel; // categorical determinant: the key index of each level, -1 for none

    public ColumnDependency(int determinant, int target, double[] keys, double[] values, IReadOnlyList<GanColumn> columns)
    {
        Determinant = determinant;
        Target = target;
        Keys = keys;
        Values = values;
        if (columns[determinant] is CategoricalColumn levels)
        {
            _byLevel = new int[levels.LevelCount];
            Array.Fill(_byLevel, -1);
            for (int k = 0; k < keys.Length; k++) _byLevel[(int)keys[k]] = k;
        }
        DeterminantName = columns[determinant].Name;
        TargetName = columns[target].Name;
    }

    /// <summary>The determinant's column index in the encoder.</summary>
    public int Determinant { get; }

    /// <summary>The target's column index in the encoder.</summary>
    public int Target { get; }

    /// <summary>The determinant's values that fix the target: ascending category indices or numbers.</summary>
    public double[] Keys { get; }

    /// <summary>The target's value for each key: a category index or a number.</summary>
    public double[] Values { get; }

    public string DeterminantName { get; }
    public string TargetName { get; }

    /// <summary>What users see of it.</summary>
    public GanColumnDependency ToInfo() =>
        new(DeterminantName, TargetName, Keys.Length, Complete: _byLevel is not null && Keys.Length == _byLevel.Length);

    /// <summary>The key index that <paramref name="buffer"/>'s row <paramref name="row"/> matches, or -1.</summary>
    private int KeyOf(Array buffer, int row, NumericKind? kind)
    {
        if (_byLevel is not null) return _byLevel[((int[])buffer)[row]];
        double v = ((double[])buffer)[row];
        if (double.IsNaN(v)) return -1;
        int k = Array.BinarySearch(Keys, kind!.Stored(v)); // compared as the column's type holds it, as the graph compares its output
        return k >= 0 ? k : -1;
    }

    /// <summary>Sets the target of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) whose determinant holds a key.</summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        var from = into.Buffers[Determinant];
        var kind = columns[Determinant].Kind as NumericKind;
        if (into.Buffers[Target] is int[] levels)
        {
            for (int r = firstRow; r < firstRow + rows; r++)
            {
                int k = KeyOf(from, r, kind);
                if (k >= 0) levels[r] = (int)Values[k];
            }
        }
        else
        {
            var numbers = (double[])into.Buffers[Target];
            for (int r = firstRow; r < firstRow + rows; r++)
            {
                int k = KeyOf(from, r, kind);
                if (k >= 0) numbers[r] = Values[k];
            }
        }
    }

    /// <summary>Marks in <paramref name="keyed"/> each of the first <paramref name="rows"/> rows whose determinant holds a key: the rows whose target the rule sets.</summary>
    public void MarkKeyed(DecodedRows decoded, IReadOnlyList<GanColumn> columns, int rows, bool[] keyed)
    {
        var kind = columns[Determinant].Kind as NumericKind;
        var from = decoded.Buffers[Determinant];
        for (int r = 0; r < rows; r++)
            if (KeyOf(from, r, kind) >= 0) keyed[r] = true;
    }

    /// <summary>The fewest training rows that no rule sets a mapped number column's map is fitted on (see <see cref="WithFreeMarginals"/>).</summary>
    public const int MinimumFreeRows = 20;

    /// <summary>
    /// The least share of a number column's present training rows that its rules must set for its map to hold the
    /// other rows only (see <see cref="WithFreeMarginals"/>): below it, the whole column's map and the other rows' differ
    /// by less than a map's own sampling noise, and the model is left as it was (Adult's capital gain, which a capital
    /// loss of 1,902 sets to 0 in 168 of 26,048 rows).
    /// </summary>
    public const double MinimumKeyedShare = 0.05;

    /// <summary>
    /// The encoder with the map of each number column that rules set in part of the rows (a block of towns that share
    /// one tax rate, a region whose communities all count 250,000 people) fitted on the training values of the other
    /// rows (<paramref name="real"/>, the first <paramref name="count"/> of them, decoded). The rules give the keyed
    /// rows their values; the map gives the others theirs. A map of every row would give the rules' values to the
    /// other rows too, as often as the whole column holds them, and the column would hold them far more often than
    /// the data (Boston's tax rate of 666 in 34 % of generated rows against 27 %). Calibration fits the generated side
    /// on the rows no rule sets as well (<see cref="Training.MarginalCalibration"/>). Dates keep their calendar map, and
    /// a column whose rules set fewer than <see cref="MinimumKeyedShare"/> of its rows its whole column's.
    /// </summary>
    public static TabularEncoder WithFreeMarginals(TabularEncoder encoder, DecodedRows real, int count)
    {
        var columns = encoder.Columns.ToArray();
        bool changed = false;
        foreach (int target in encoder.Dependencies.Select(d => d.Target).Distinct())
        {
            if (columns[target] is not NumericColumn { Marginal: not null, Kind: not TimeKind } numeric) continue;
            var keyed = Keyed(encoder.Dependencies, target, real, columns, count);
            var numbers = real.Numbers(target);
            var free = new List<double>();
            int present = 0;
            for (int r = 0; r < count; r++)
            {
                if (double.IsNaN(numbers[r])) continue;
                present++;
                if (!keyed[r]) free.Add(numbers[r]);
            }
            if (free.Count < MinimumFreeRows) continue; // (nearly) every row set by a rule: the map hardly ever decides
            if (present - free.Count < MinimumKeyedShare * present) continue; // too few set to matter
            free.Sort();
            columns[target] = numeric.WithTrainingMarginal([.. free]);
            changed = true;
        }
        return changed ? encoder.WithColumns(columns) : encoder;
    }

    /// <summary>Which of the first <paramref name="rows"/> rows of <paramref name="decoded"/> a rule for <paramref name="target"/> sets.</summary>
    public static bool[] Keyed(IEnumerable<ColumnDependency> dependencies, int target, DecodedRows decoded, IReadOnlyList<GanColumn> columns, int rows)
    {
        var keyed = new bool[rows];
        foreach (var d in dependencies)
            if (d.Target == target) d.MarkKeyed(decoded, columns, rows, keyed);
        return keyed;
    }

    /// <summary>Whether every one of the first <paramref name="rows"/> rows whose determinant holds a key has that key's target value.</summary>
    public bool HoldsIn(DecodedRows decoded, IReadOnlyList<GanColumn> columns, int rows)
    {
        var kind = columns[Determinant].Kind as NumericKind;
        for (int r = 0; r < rows; r++)
        {
            int k = KeyOf(decoded.Buffers[Determinant], r, kind);
            if (k < 0) continue;
            double value = decoded.Buffers[Target] is int[] levels ? levels[r] : ((double[])decoded.Buffers[Target])[r];
            if (value != Values[k]) return false;
        }
        return true;
    }

    /// <summary>
    /// <see cref="Apply"/> as ONNX nodes. <paramref name="decoded"/> holds each column's decoded node, [batch]: a
    /// categorical column's category index (int64), a numeric column's output value; the target's entry is replaced.
    /// </summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        string index, hit;
        if (_byLevel is not null)
        {
            // Each category's key index, Keys.Length for "no key": the gathered value tables carry one spare entry for it.
            var table = _byLevel.Select(k => (long)(k < 0 ? Keys.Length : k)).ToArray();
            index = g.Node("Gather", [g.Constant(table, table.Length), decoded[Determinant]], ("axis", 0));
            hit = g.Node("Less", [index, g.Scalar((long)Keys.Length)]);
        }
        else
        {
            // Compared in double, against keys the column's type holds exactly: [batch, 1] against [1, keys].
            var value = decoded[Determinant];
            if (columns[Determinant].OutputType != OnnxType.Double) value = g.Node("Cast", [value], ("to", (long)OnnxType.Double));
            var equal = g.Node("Cast", [g.Node("Equal", [g.Node("Unsqueeze", [value, g.Constant([1L], 1)]), g.Constant(Keys, 1, Keys.Length)])],
                ("to", (long)OnnxType.Int64));
            var positions = Enumerable.Range(0, Keys.Length).Select(k => (long)k).ToArray();
            // Keys are distinct: a row matches one key at most, so the sums are its match count and that key's index.
            hit = g.Node("Greater", [g.Node("ReduceSum", [equal, g.Constant([1L], 1)], ("keepdims", 0)), g.Scalar(0L)]);
            index = g.Node("ReduceSum", [g.Node("Mul", [equal, g.Constant(positions, 1, Keys.Length)]), g.Constant([1L], 1)], ("keepdims", 0));
        }

        string fixedValue;
        if (columns[Target] is CategoricalColumn)
        {
            var levels = Values.Select(v => (long)v).Append(0L).ToArray();
            fixedValue = g.Node("Gather", [g.Constant(levels, levels.Length), index], ("axis", 0));
        }
        else
        {
            var numbers = Values.Append(0.0).ToArray();
            fixedValue = g.Node("Gather", [g.Constant(numbers, numbers.Length), index], ("axis", 0));
            var type = columns[Target].OutputType;
            if (type != OnnxType.Double) fixedValue = g.Node("Cast", [fixedValue], ("to", (long)type));
        }
        decoded[Target] = g.Node("Where", [hit, fixedValue, decoded[Target]]);
    }

    public DependencyState ToState() => new() { Determinant = DeterminantName, Target = TargetName, Keys = Keys, Values = Values };

    /// <summary>
    /// The dependencies a model file describes, checked against its columns: known, distinct columns; keys that are
    /// distinct values the determinant can generate, ascending; values the target can hold; and an order in which
    /// no column is changed after it has fixed another. <see cref="InvalidDataException"/> names what is wrong.
    /// </summary>
    public static ColumnDependency[] Restore(DependencyState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > MaximumDependencies)
            throw new InvalidDataException($"it lists {states.Length:N0} column dependencies, more than the {MaximumDependencies:N0} a model may hold");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var used = new HashSet<int>();
        var result = new ColumnDependency[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"column dependency {i + 1} is null");
            string Where() => $"column dependency {i + 1} ('{Common.Text.Printable(s.Determinant ?? "", 60)}' → '{Common.Text.Printable(s.Target ?? "", 60)}')";
            if (s.Determinant is null || !index.TryGetValue(s.Determinant, out int d) || s.Target is null || !index.TryGetValue(s.Target, out int t) || d == t)
                throw new InvalidDataException($"{Where()} does not name two different columns of the model");
            var keys = s.Keys ?? [];
            var values = s.Values ?? [];
            if (keys.Length == 0 || keys.Length > MaximumKeys || values.Length != keys.Length)
                throw new InvalidDataException($"{Where()} needs 1 to {MaximumKeys} keys, each with a value");
            for (int k = 0; k < keys.Length; k++)
            {
                if (!Holds(columns[d], keys[k]) || (k > 0 && !(keys[k] > keys[k - 1])))
                    throw new InvalidDataException($"{Where()} has keys that are not distinct, ascending values of '{Common.Text.Printable(s.Determinant, 60)}'");
                if (!Holds(columns[t], values[k]))
                    throw new InvalidDataException($"{Where()} fixes a value that '{Common.Text.Printable(s.Target, 60)}' cannot hold");
            }
            if (used.Contains(t))
                throw new InvalidDataException($"{Where()} changes a column after it has fixed another: the dependencies are out of order");
            used.Add(d);
            result[i] = new ColumnDependency(d, t, keys, values, columns);
        }
        return result;
    }

    /// <summary>Whether <paramref name="value"/> is a value <paramref name="column"/> generates (a category index, or a present number on its grid).</summary>
    private static bool Holds(GanColumn column, double value) => column switch
    {
        CategoricalColumn c => value >= 0 && value < c.LevelCount && value == Math.Floor(value),
        NumericColumn n => !double.IsNaN(value) && n.Allows(value) && ((NumericKind)n.Kind).Stored(value) == value,
        _ => false,
    };

    /// <summary>
    /// The dependencies the training rows show (see the class remarks): for every column A with at most
    /// <see cref="MaximumKeys"/> values and every other column B, the values of A whose rows (at least
    /// <see cref="MinimumSupport"/>) all hold one value of B, but for at most <see cref="ExceptionShare"/> of them, with
    /// an agreement too strong to be chance (<see cref="ChanceLimit"/>) — or, for a categorical A, every value of A where
    /// all of them together show that A fixes B (a model its make: see <see cref="Rules"/>); at most two passes over the rows per pair
    /// (<see cref="Rules"/>), and unrelated columns cost a few thousand rows, not the table.
    /// Kept in order of the rows they cover, each only when it does not close a cycle (education fixes education-num
    /// and education-num fixes education: one is kept), then ordered so that a column is final before it fixes another.
    /// </summary>
    /// <param name="codes">Each column's rows as dense codes, with each code's decoded value (<see cref="ColumnFitter.Coded"/>).</param>
    /// <param name="excluded">Columns that take no part in any dependency (a column a constraint derives); null for none.</param>
    public static ColumnDependency[] Find(IReadOnlyList<GanColumn> columns, IReadOnlyList<(int[] Codes, double[] Values)> codes, int rows, Action checkAlive,
        Func<int, bool>? excluded = null)
    {
        int n = columns.Count;
        var counts = codes.Select(c => Counts(c.Codes, c.Values.Length)).ToArray();
        var candidates = new List<Candidate>();
        for (int a = 0; a < n; a++)
        {
            if (codes[a].Values.Length < 2 || codes[a].Values.Length > MaximumKeys || excluded?.Invoke(a) == true) continue;
            for (int b = 0; b < n; b++)
            {
                if (b == a || codes[b].Values.Length < 2 || excluded?.Invoke(b) == true) continue;
                checkAlive();
                if (Rules(a, b, codes, counts, rows, whole: columns[a] is CategoricalColumn) is { } found) candidates.Add(found);
            }
        }

        // Keep the strongest first; an edge that would close a cycle of fixing is left out, and so is a rule for a
        // column that another column fixes as a whole (a car's model its make: a rule from its class could only
        // contradict the model's in a generated row).
        var edges = new List<int>[n];
        for (int c = 0; c < n; c++) edges[c] = [];
        var kept = new List<Candidate>();
        var fixedWhole = new bool[n];
        foreach (var d in candidates.OrderByDescending(d => d.Covered).ThenBy(d => d.A).ThenBy(d => d.B))
        {
            if (kept.Count == MaximumDependencies) break;
            if (fixedWhole[d.B] || Reaches(edges, d.B, d.A)) continue;
            edges[d.A].Add(d.B);
            kept.Add(d);
            fixedWhole[d.B] |= d.Whole;
        }
        var rank = TopologicalRank(edges);
        return kept.OrderBy(d => rank[d.A]).ThenBy(d => d.A).ThenBy(d => d.B)
            .Select(d => new ColumnDependency(d.A, d.B, d.Keys, d.Values, columns)).ToArray();
    }

    /// <summary>The rules column A makes for column B, with the training rows they cover.</summary>
    private sealed record Candidate(int A, int B, double[] Keys, double[] Values, long Covered, bool Whole);

    /// <summary>
    /// The values of column <paramref name="a"/> that fix column <paramref name="b"/> (see <see cref="Find"/>), or null.
    /// Two passes over the rows: a majority vote per value of A, then its exceptions counted; a value of A leaves as
    /// soon as it has more exceptions than allowed, and the pair as soon as no value is left.
    /// </summary>
    /// <remarks>
    /// A categorical A may fix B as a whole (<paramref name="whole"/>): a car's model its make, a county's category code
    /// its metro status, where most values have a few rows each, too few to make a rule alone. Every value of A with two
    /// rows or more then holds one value of B (but for the exceptions allowed), and the chance of that agreement
    /// across all of them, were A and B unrelated, is below <see cref="ChanceLimit"/>: for a value of n rows with e
    /// exceptions, C(n, e) Σ_w share_w^(n−e), the chance its rows agree on any value of B. Then every value of A is a
    /// key, those seen once included. The first value of two or more rows that disagrees ends the whole rule and drops
    /// the small values from the passes, so unrelated columns still cost a few thousand rows.
    /// </remarks>
    private static Candidate? Rules(int a, int b, IReadOnlyList<(int[] Codes, double[] Values)> codes, long[][] counts, int rows, bool whole)
    {
        const int Chunk = 1 << 16;
        var (ca, cb) = (codes[a].Codes, codes[b].Codes);
        int ka = codes[a].Values.Length;
        // The exceptions each value of A may still have; -1 once it has more (or it has too few rows, or is missing).
        var allowed = new long[ka];
        int open = 0;
        for (int v = 0; v < ka; v++)
        {
            bool useful = counts[a][v] >= (whole ? 1 : MinimumSupport) && !double.IsNaN(codes[a].Values[v]);
            allowed[v] = useful ? Allowed(counts[a][v]) : -1;
            if (useful) open++;
        }
        // A value that breaks its rule ends the whole rule: the values too small for a rule of their own leave with it.
        void Broken(int v)
        {
            if (!whole || counts[a][v] < 2) return;
            whole = false;
            for (int u = 0; u < ka; u++)
                if (allowed[u] >= 0 && counts[a][u] < MinimumSupport) { allowed[u] = -1; open--; }
        }
        // Each value of A's most common value of B, by a majority vote (Boyer-Moore). Every decrement of a vote pairs
        // two rows of different values of B, at least one of them not the winner: a value of A with more decrements
        // than allowed exceptions cannot make a rule.
        var vote = new int[ka];
        var votes = new long[ka];
        var against = new long[ka];
        for (int start = 0; start < rows && open > 0; start += Chunk)
        {
            for (int r = start, end = Math.Min(rows, start + Chunk); r < end; r++)
            {
                int v = ca[r];
                if (allowed[v] < 0) continue;
                if (votes[v] == 0) { vote[v] = cb[r]; votes[v] = 1; }
                else if (vote[v] == cb[r]) votes[v]++;
                else
                {
                    votes[v]--;
                    if (++against[v] > allowed[v]) { allowed[v] = -1; open--; Broken(v); }
                }
            }
        }
        // Then the exceptions to each vote, counted.
        for (int start = 0; start < rows && open > 0; start += Chunk)
        {
            for (int r = start, end = Math.Min(rows, start + Chunk); r < end; r++)
            {
                int v = ca[r];
                if (allowed[v] >= 0 && vote[v] != cb[r] && --allowed[v] < 0) { open--; Broken(v); }
            }
        }
        if (open == 0) return null;

        // A whole rule stands when its values' agreement, taken together, is not chance.
        if (whole)
        {
            var powerSums = new Dictionary<long, double>();
            double logChance = 0;
            for (int v = 0; v < ka; v++)
            {
                if (allowed[v] < 0 || counts[a][v] < 2) continue;
                long exceptions = Allowed(counts[a][v]) - allowed[v], agreeing = counts[a][v] - exceptions;
                if (!powerSums.TryGetValue(agreeing, out double sum))
                {
                    foreach (long count in counts[b]) sum += Math.Pow((double)count / rows, agreeing);
                    powerSums[agreeing] = sum;
                }
                logChance += Math.Log(sum) + LogBinomial(counts[a][v], exceptions);
            }
            whole = logChance <= Math.Log(ChanceLimit);
        }

        var keys = new List<double>();
        var values = new List<double>();
        long covered = 0;
        foreach (int v in Enumerable.Range(0, ka).Where(v => allowed[v] >= 0).OrderBy(v => codes[a].Values[v]))
        {
            int w = vote[v];
            long exceptions = Allowed(counts[a][v]) - allowed[v];
            if (double.IsNaN(codes[b].Values[w])) continue;
            if (!whole && (counts[a][v] < MinimumSupport || LogChance(counts[a][v], exceptions, (double)counts[b][w] / rows) > Math.Log(ChanceLimit))) continue;
            keys.Add(codes[a].Values[v]);
            values.Add(codes[b].Values[w]);
            covered += counts[a][v];
        }
        // Whole: B follows A in every row, A never missing.
        return keys.Count > 0 ? new Candidate(a, b, keys.ToArray(), values.ToArray(), covered, whole && keys.Count == open && covered == rows) : null;
    }

    /// <summary>The exceptions a rule allows among <paramref name="rows"/> rows.</summary>
    private static long Allowed(long rows) => (long)Math.Floor(ExceptionShare * rows);

    /// <summary>
    /// The log of the chance that <paramref name="n"/> rows drawn at random, each holding a value with probability
    /// <paramref name="share"/>, hold it in all but <paramref name="exceptions"/> of them: C(n, e) share^(n−e) (1−share)^e.
    /// </summary>
    private static double LogChance(long n, long exceptions, double share) =>
        (n - exceptions) * Math.Log(share) + (exceptions > 0 ? exceptions * Math.Log(1 - share) : 0) + LogBinomial(n, exceptions);

    /// <summary>log C(<paramref name="n"/>, <paramref name="k"/>).</summary>
    private static double LogBinomial(long n, long k)
    {
        double log = 0;
        for (long i = 1; i <= k; i++) log += Math.Log((double)(n - k + i) / i);
        return log;
    }

    private static long[] Counts(int[] codes, int distinct)
    {
        var counts = new long[distinct];
        foreach (int c in codes) counts[c]++;
        return counts;
    }

    private static bool Reaches(List<int>[] edges, int from, int to)
    {
        var stack = new Stack<int>([from]);
        var visited = new HashSet<int>();
        while (stack.Count > 0)
        {
            int c = stack.Pop();
            if (c == to) return true;
            if (!visited.Add(c)) continue;
            foreach (int next in edges[c]) stack.Push(next);
        }
        return false;
    }

    /// <summary>Each column's place in an order where every edge goes forward (the graph has no cycle).</summary>
    private static int[] TopologicalRank(List<int>[] edges)
    {
        int n = edges.Length;
        var incoming = new int[n];
        foreach (var list in edges) foreach (int c in list) incoming[c]++;
        var ready = new Queue<int>(Enumerable.Range(0, n).Where(c => incoming[c] == 0));
        var rank = new int[n];
        int next = 0;
        while (ready.Count > 0)
        {
            int c = ready.Dequeue();
            rank[c] = next++;
            foreach (int d in edges[c])
            {
                if (--incoming[d] == 0) ready.Enqueue(d);
            }
        }
        return rank;
    }
}

/// <summary>A column dependency as a model file keeps it: the columns by name, keys and values as <see cref="ColumnDependency"/> holds them.</summary>
internal sealed class DependencyState
{
    public string? Determinant { get; set; }
    public string? Target { get; set; }
    public double[]? Keys { get; set; }
    public double[]? Values { get; set; }
}
