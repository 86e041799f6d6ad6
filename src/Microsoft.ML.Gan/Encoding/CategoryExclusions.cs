using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Pairs of categories of two categorical columns that no training row holds although the columns' shares say many
/// should (Chile's region "M" with a community of 250,000 people: 100 and 1,300 of 2,700 rows, 48 expected under
/// independence, none there; Adult's marital status "Never-married" with relationship "Husband"). Most such pairs are
/// structural (a region has no such community; a husband is married); a few are only far rarer than the shares say
/// (Adult's test rows hold 0.08 % of rows in the pairs its training rows rule out, where a generator without the rule
/// made 0.38 %). Generated rows never hold them: the <see cref="Second"/> column, decoded after the <see cref="First"/>, has its forbidden categories'
/// logits lowered by <see cref="Penalty"/> given the first column's category, in .NET (<see cref="AddPenalties"/>) and
/// in the graph (<see cref="AddOnnx"/>): sampling then chooses among the allowed categories in the proportions the
/// generator gives them, so a row keeps its first category and takes a second one that goes with it.
/// </summary>
/// <remarks>
/// A pair whose expected count is small is no rule: a rare pair the training rows happen to lack (Chile's education
/// "PS" with the lowest income, 22 expected, none in training, one row in the held-out fifth) may be the only such
/// error; the threshold, <see cref="MinimumExpected"/>, keeps the chance of calling an ordinary pair impossible at
/// <see cref="ColumnDependency.ChanceLimit"/>. Penalties add (several first columns may exclude categories of one
/// second column): where they rule out every category, the one with the fewest exclusions wins, then the generator's
/// choice among them. Neither column may change after decoding (no constraint, thresholds or dependency sets it),
/// except by a dependency between the two, which only sets pairs the data hold; the pairs of a category such a
/// dependency reads are left to it.
/// </remarks>
internal sealed class CategoryExclusion
{
    /// <summary>
    /// The fewest rows the columns' shares must give a pair (its first category's rows × its second's ÷ all rows) for
    /// their absence to make it a rule: the chance of none by chance, e^−expected, is then at most <see cref="ColumnDependency.ChanceLimit"/>.
    /// </summary>
    public static readonly double MinimumExpected = -Math.Log(ColumnDependency.ChanceLimit);

    /// <summary>The most pairs of categories (the first column's × the second's) two columns may have for a rule (and a model file may hold per rule).</summary>
    public const int MaximumCells = 1 << 16;

    /// <summary>The most rules a model keeps, and a saved model may hold.</summary>
    public const int MaximumExclusions = 1000;

    /// <summary>
    /// What a forbidden category's logit is lowered by: far past any logit a trained generator gives (and
    /// <see cref="GanColumn.MaximumBias"/>), so the category's softmax share is zero in float and in double.
    /// </summary>
    public const float Penalty = 10_000f;

    private readonly float[] _penalties; // [first level × second level]: 0 or −Penalty

    public CategoryExclusion(int first, int second, int[] firstLevels, int[] secondLevels, IReadOnlyList<GanColumn> columns)
    {
        var a = (CategoricalColumn)columns[first];
        var b = (CategoricalColumn)columns[second];
        First = first;
        Second = second;
        FirstLevels = firstLevels;
        SecondLevels = secondLevels;
        FirstName = a.Name;
        SecondName = b.Name;
        SecondLevelCount = b.LevelCount;
        _penalties = new float[a.LevelCount * b.LevelCount];
        for (int i = 0; i < firstLevels.Length; i++) _penalties[firstLevels[i] * b.LevelCount + secondLevels[i]] = -Penalty;
        Pairs = firstLevels.Select((l, i) => (a.LevelName(l), b.LevelName(secondLevels[i]))).ToArray();
    }

    /// <summary>The column decoded first, by index in the encoder.</summary>
    public int First { get; }

    /// <summary>The column whose categories the first one's category rules out (after <see cref="First"/>).</summary>
    public int Second { get; }

    /// <summary>Per forbidden pair, the first column's category index; ascending pairs (by first, then second).</summary>
    public int[] FirstLevels { get; }

    /// <summary>Per forbidden pair, the second column's category index.</summary>
    public int[] SecondLevels { get; }

    public string FirstName { get; }
    public string SecondName { get; }

    private int SecondLevelCount { get; }

    /// <summary>The forbidden pairs by their categories' names.</summary>
    public IReadOnlyList<(string First, string Second)> Pairs { get; }

    /// <summary>What users see of it.</summary>
    public GanCategoryExclusion ToInfo() => new(FirstName, SecondName, Pairs);

    public override string ToString() => ToInfo().ToString();

    /// <summary>Adds, in float, each second category's penalty given the first column's category <paramref name="firstLevel"/> to <paramref name="logits"/>.</summary>
    public void AddPenalties(int firstLevel, Span<float> logits)
    {
        var row = _penalties.AsSpan(firstLevel * SecondLevelCount, SecondLevelCount);
        for (int i = 0; i < logits.Length; i++) logits[i] += row[i];
    }

    /// <summary>Whether the pair (<paramref name="firstLevel"/>, <paramref name="secondLevel"/>) is forbidden.</summary>
    public bool Forbids(int firstLevel, int secondLevel) => _penalties[firstLevel * SecondLevelCount + secondLevel] != 0;

    /// <summary>Whether none of the first <paramref name="rows"/> rows holds a forbidden pair.</summary>
    public bool HoldsIn(DecodedRows rows, int count)
    {
        var a = rows.Levels(First);
        var b = rows.Levels(Second);
        for (int r = 0; r < count; r++)
            if (Forbids(a[r], b[r])) return false;
        return true;
    }

    /// <summary>
    /// Each row's penalties as ONNX nodes (float, [batch, second column's categories]), gathered from a constant table
    /// by the first column's decoded category index <paramref name="firstLevel"/> (int64, [batch]).
    /// </summary>
    public string AddOnnx(OnnxGraph g, string firstLevel) =>
        g.Node("Gather", [g.Constant(_penalties, _penalties.Length / SecondLevelCount, SecondLevelCount), firstLevel], ("axis", 0));

    /// <summary>
    /// Which columns may take part in a rule (what <see cref="Find"/>'s <c>eligible</c> asks): those that nothing
    /// changes after decoding and no constraint names: not a column of <paramref name="rules"/>, not one that the
    /// constraints <paramref name="held"/> change (derived, one-hot, combinations), not one thresholds set.
    /// The one definition for <c>Fit</c> and for a model's rules found again (the benchmark's comparisons).
    /// </summary>
    public static Func<int, bool> Eligible(IReadOnlyList<string> names, IEnumerable<GanConstraint> rules, ColumnConstraints? held, Func<int, bool> setByThresholds)
    {
        var ruled = rules.SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        return c => !ruled.Contains(names[c]) && held?.Changes(c) != true && !setByThresholds(c);
    }

    /// <summary>
    /// The rules the training rows show: for every two columns <paramref name="eligible"/> allows (a plain categorical
    /// column of at least two categories that nothing changes after decoding), the pairs of categories that none of
    /// the <paramref name="rows"/> rows of <paramref name="codes"/> (per column, each row's code and each code's
    /// category index) holds though their shares expect at least <see cref="MinimumExpected"/>. Two columns of which a
    /// <paramref name="dependencies"/> from a third column sets one form no rule; a pair whose category is a key of a
    /// dependency between the two is left to it (the dependency sets the other column: a conditioned generator's own
    /// choice of the determinant stays, and the row is made whole from it); <paramref name="minimumExpected"/>
    /// replaces <see cref="MinimumExpected"/> (for the benchmark's comparisons). The earlier column
    /// comes first; a pair of columns with more than <see cref="MaximumCells"/> pairs of categories is skipped.
    /// </summary>
    public static CategoryExclusion[] Find(IReadOnlyList<GanColumn> columns, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows,
        Func<int, bool> eligible, IReadOnlyList<ColumnDependency> dependencies, Action checkAlive, double? minimumExpected = null)
    {
        double least = minimumExpected ?? MinimumExpected;
        var result = new List<CategoryExclusion>();
        if (rows == 0) return [];
        var levels = new int[]?[columns.Count];
        var counts = new long[]?[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c] is not CategoricalColumn { LevelCount: >= 2 } categorical || codes[c] is not var (rowCodes, values) || !eligible(c)) continue;
            var own = new int[rows];
            var n = new long[categorical.LevelCount];
            for (int r = 0; r < rows; r++) n[own[r] = (int)values[rowCodes[r]]]++;
            levels[c] = own;
            counts[c] = n;
        }
        for (int a = 0; a < columns.Count; a++)
        {
            if (levels[a] is not { } la) continue;
            for (int b = a + 1; b < columns.Count && result.Count < MaximumExclusions; b++)
            {
                if (levels[b] is not { } lb) continue;
                // A column a dependency from a third column sets may change after decoding: no rule.
                if (dependencies.Any(d => (d.Target == a && d.Determinant != b) || (d.Target == b && d.Determinant != a))) continue;
                // A category a dependency between the two reads has its pairs set by it: no rule needed for those.
                var firstKeys = dependencies.Where(d => d.Determinant == a && d.Target == b).SelectMany(d => d.Keys).Select(k => (int)k).ToHashSet();
                var secondKeys = dependencies.Where(d => d.Determinant == b && d.Target == a).SelectMany(d => d.Keys).Select(k => (int)k).ToHashSet();
                var na = counts[a]!;
                var nb = counts[b]!;
                if ((long)na.Length * nb.Length > MaximumCells) continue;
                checkAlive();
                var joint = new long[na.Length * nb.Length];
                for (int r = 0; r < rows; r++) joint[la[r] * nb.Length + lb[r]]++;
                var first = new List<int>();
                var second = new List<int>();
                for (int i = 0; i < na.Length; i++)
                    for (int j = 0; j < nb.Length; j++)
                        if (joint[i * nb.Length + j] == 0 && (double)na[i] * nb[j] / rows >= least && !firstKeys.Contains(i) && !secondKeys.Contains(j))
                        {
                            first.Add(i);
                            second.Add(j);
                        }
                if (first.Count > 0) result.Add(new CategoryExclusion(a, b, [.. first], [.. second], columns));
            }
        }
        return [.. result];
    }

    public ExclusionState ToState() => new() { First = FirstName, Second = SecondName, FirstLevels = FirstLevels, SecondLevels = SecondLevels };

    /// <summary>Checks and restores a model file's rules: two categorical columns in order, pairs of their categories, ascending, not every second category of a first one.</summary>
    public static CategoryExclusion[] Restore(ExclusionState[]? states, IReadOnlyList<GanColumn> columns, int visibleCount)
    {
        if (states is null) return [];
        if (states.Length > MaximumExclusions)
            throw new InvalidDataException($"it lists {states.Length:N0} category exclusions, more than the {MaximumExclusions:N0} a model may hold");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < visibleCount; c++) index[columns[c].Name] = c;
        var result = new CategoryExclusion[states.Length];
        var seen = new HashSet<(int, int)>();
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"category exclusion {i + 1} is null");
            string Where() => $"category exclusion {i + 1} ('{Common.Text.Printable(s.First ?? "", 60)}' and '{Common.Text.Printable(s.Second ?? "", 60)}')";
            if (s.First is null || !index.TryGetValue(s.First, out int a) || s.Second is null || !index.TryGetValue(s.Second, out int b) || a >= b ||
                columns[a] is not CategoricalColumn first || columns[b] is not CategoricalColumn second)
                throw new InvalidDataException($"{Where()} does not name two categorical columns of the model, in their order");
            if (!seen.Add((a, b))) throw new InvalidDataException($"{Where()} lists the same two columns as another");
            if ((long)first.LevelCount * second.LevelCount > MaximumCells)
                throw new InvalidDataException($"{Where()} is between columns of more than {MaximumCells:N0} pairs of categories");
            var fl = s.FirstLevels ?? [];
            var sl = s.SecondLevels ?? [];
            if (fl.Length == 0 || fl.Length != sl.Length)
                throw new InvalidDataException($"{Where()} needs at least one pair of categories, each with both of its categories");
            var ruledOut = new int[first.LevelCount];
            for (int k = 0; k < fl.Length; k++)
            {
                if (fl[k] < 0 || fl[k] >= first.LevelCount || sl[k] < 0 || sl[k] >= second.LevelCount)
                    throw new InvalidDataException($"{Where()} names a category neither column has");
                if (k > 0 && (fl[k] < fl[k - 1] || (fl[k] == fl[k - 1] && sl[k] <= sl[k - 1])))
                    throw new InvalidDataException($"{Where()} lists its pairs of categories out of order or twice");
                if (++ruledOut[fl[k]] == second.LevelCount)
                    throw new InvalidDataException($"{Where()} rules out every category of '{Common.Text.Printable(s.Second, 60)}' with one of '{Common.Text.Printable(s.First, 60)}', which no data have");
            }
            result[i] = new CategoryExclusion(a, b, fl, sl, columns);
        }
        return result;
    }
}

/// <summary>A category exclusion as a model file keeps it: the columns by name, the forbidden pairs as category indices.</summary>
internal sealed class ExclusionState
{
    public string? First { get; set; }
    public string? Second { get; set; }
    public int[]? FirstLevels { get; set; }
    public int[]? SecondLevels { get; set; }
}
