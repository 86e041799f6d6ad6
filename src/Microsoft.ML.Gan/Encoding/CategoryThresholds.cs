using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A categorical column that thresholds on other columns fix in every training row (but at most
/// <see cref="ColumnDependency.ExceptionShare"/> of them): a bin of a number (an age group of the age), or a code made
/// of several bins (midwest's <c>category</c>: its first letter the bin of the share of high-school graduates, its
/// second the bin of the poverty rate, its third the metro status). Learned at <c>Fit</c> as a small decision tree
/// whose leaves each hold one category (<see cref="Find"/>); after decoding, in .NET (<see cref="Apply"/>) and in the
/// graph (<see cref="AddOnnx"/>), the column is set from the tree on the row's final values, so a generated row never
/// holds a category its numbers rule out. The generator still learns the column (its one-hot and its condition help
/// it learn the numbers' joint shape); its own choice is replaced.
/// </summary>
/// <remarks>
/// Nodes are kept in arrays, children after their parent: a split sends a row left when its value (a number as its
/// column holds it, a category as its index) is below the threshold, right otherwise (a missing number goes right).
/// A column the target fixes by a dependency (the metro status the code's third letter fixes) may be read by the
/// tree only as the first splits, one branch per value it holds in the training rows, so that the dependency,
/// applied again after the tree, leaves it as it is.
/// </remarks>
internal sealed class CategoryThresholds
{
    /// <summary>The most categories a target may have.</summary>
    public const int MaximumLevels = 64;

    /// <summary>The most nodes a tree may have (and a model file may hold).</summary>
    public const int MaximumNodes = 511;

    /// <summary>The longest path from the root to a leaf a model file may hold (the tree's own splits, after a dependent column's branches).</summary>
    public const int MaximumDepth = 32;

    /// <summary>The deepest the search grows a tree's own splits.</summary>
    public const int SearchDepth = 12;

    /// <summary>The most values a column the target fixes may have to be read by the tree.</summary>
    public const int MaximumBranches = 16;

    /// <summary>The fewest training rows a table needs for a rule to be found.</summary>
    public const int MinimumRows = 50;

    /// <summary>A whole-number column with at least this many distinct values a row is read by no tree (see <see cref="Find"/>).</summary>
    public const double KeyShare = 0.5;

    /// <summary>The most training rows a tree is grown on (every k-th row of a larger table; the rule is checked on all).</summary>
    public const int SearchRows = 20_000;

    /// <summary>
    /// A tree grown on half the rows may misclassify at most this share of the other half (and at least two rows): a
    /// category the numbers truly fix is predicted, but for rows near a bin's edge (which half the rows place less
    /// surely) and categories of a row or two; a chance partition of a few rows is not.
    /// </summary>
    public const double HeldOutErrorShare = 0.05;

    /// <summary>
    /// ... and at most this share of the rows that predicting the most common category misclassifies: a rare category
    /// a tree carves out of a few rows by chance is no rule, even where it is too rare for the share above to notice.
    /// </summary>
    public const double BaselineShare = 0.1;

    private readonly NumericKind?[] _kinds; // per feature: its number kind (values compared as the column holds them); null for a category

    public CategoryThresholds(int target, int[] features, int[] splits, double[] thresholds, int[] left, int[] right, int[] levels, IReadOnlyList<ThresholdColumn> columns,
        bool steps = false)
    {
        Steps = steps;
        Target = target;
        Features = features;
        Splits = splits;
        Thresholds = thresholds;
        Left = left;
        Right = right;
        Levels = levels;
        _kinds = features.Select(c => columns[c].Number).ToArray();
        TargetName = columns[target].Name;
        FeatureNames = features.Select(c => columns[c].Name).ToArray();
        Depth = DepthOf(splits, left, right);
    }

    /// <summary>The categorical column set from the tree.</summary>
    public int Target { get; }

    /// <summary>The columns the tree reads, by index in the encoder.</summary>
    public int[] Features { get; }

    /// <summary>Per node: the index into <see cref="Features"/> it splits on; -1 for a leaf.</summary>
    public int[] Splits { get; }

    /// <summary>Per node: the threshold (a row goes left when its value is below it); unused for a leaf.</summary>
    public double[] Thresholds { get; }

    /// <summary>Per node: its children (after it in the arrays); unused for a leaf.</summary>
    public int[] Left { get; }

    /// <inheritdoc cref="Left"/>
    public int[] Right { get; }

    /// <summary>Per node: a leaf's category; -1 for a split.</summary>
    public int[] Levels { get; }

    public string TargetName { get; }
    public string[] FeatureNames { get; }

    /// <summary>The longest path from the root to a leaf, in splits.</summary>
    public int Depth { get; }

    /// <summary>Whether the tree is the steps of a category along a number (feature 1) within each category of an entity column (feature 0): see <see cref="CategorySteps"/>.</summary>
    public bool Steps { get; }

    /// <summary>How many leaves (bins) the tree has.</summary>
    public int LeafCount => Levels.Count(l => l >= 0);

    /// <summary>What users see of it.</summary>
    public GanCategoryThresholds ToInfo() => Describe(TargetName, FeatureNames, Splits, Levels, Steps);

    /// <summary>What users see of a tree: its target, the columns it splits on, its leaves (also for a file's state, unchecked).</summary>
    internal static GanCategoryThresholds Describe(string target, IReadOnlyList<string> features, IReadOnlyList<int> splits, IReadOnlyList<int> levels, bool steps = false) =>
        new(target, features.Where((_, f) => splits.Contains(f)).ToArray(), levels.Count(l => l >= 0), steps);

    public override string ToString() => ToInfo().ToString();

    /// <summary>Feature <paramref name="f"/>'s value in row <paramref name="row"/>: a number as its column holds it, or a category's index.</summary>
    private double Value(DecodedRows rows, int f, int row) => rows.Buffers[Features[f]] switch
    {
        double[] numbers => double.IsNaN(numbers[row]) ? double.NaN : _kinds[f]!.Stored(numbers[row]),
        int[] levels => levels[row],
        _ => double.NaN,
    };

    /// <summary>The leaf category of row <paramref name="row"/>.</summary>
    public int Classify(DecodedRows rows, int row)
    {
        int node = 0;
        while (Levels[node] < 0) node = Value(rows, Splits[node], row) < Thresholds[node] ? Left[node] : Right[node];
        return Levels[node];
    }

    /// <summary>
    /// The leaf category of row <paramref name="row"/> of <paramref name="features"/> (per feature, its rows' values: a
    /// number as read, a category's index), for rows that were not decoded here (the evaluation's).
    /// </summary>
    public int Classify(IReadOnlyList<double[]> features, int row)
    {
        int node = 0;
        while (Levels[node] < 0)
        {
            int f = Splits[node];
            double v = features[f][row];
            if (_kinds[f] is { } kind && !double.IsNaN(v)) v = kind.Stored(v);
            node = v < Thresholds[node] ? Left[node] : Right[node];
        }
        return Levels[node];
    }

    /// <summary>Sets the target of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) from the tree.</summary>
    public void Apply(DecodedRows into, int firstRow, int rows)
    {
        var target = into.Levels(Target);
        for (int r = firstRow; r < firstRow + rows; r++) target[r] = Classify(into, r);
    }

    /// <summary>Whether every one of the first <paramref name="rows"/> rows holds the category its tree gives.</summary>
    public bool HoldsIn(DecodedRows rows, int count)
    {
        var target = rows.Levels(Target);
        for (int r = 0; r < count; r++) if (target[r] != Classify(rows, r)) return false;
        return true;
    }

    /// <summary>
    /// <see cref="Apply"/> as ONNX nodes: the features side by side in double ([batch, features]), then <see cref="Depth"/>
    /// steps that each move every row one node down (a leaf leads to itself), then the leaf's category.
    /// <paramref name="decoded"/> holds each column's decoded node (a category's index as int64); the target's is replaced.
    /// </summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        var parts = Features.Select(c =>
        {
            var value = columns[c].OutputType == OnnxType.Double && columns[c] is NumericColumn ? decoded[c] : g.Node("Cast", [decoded[c]], ("to", (long)OnnxType.Double));
            return g.Node("Unsqueeze", [value, g.Constant([1L], 1)]);
        }).ToArray();
        var x = parts.Length == 1 ? parts[0] : g.Node("Concat", parts, ("axis", 1L));
        int n = Splits.Length;
        var split = Enumerable.Range(0, n).Select(i => (long)Math.Max(0, Splits[i])).ToArray();
        var thresholds = Enumerable.Range(0, n).Select(i => Levels[i] >= 0 ? 0 : Thresholds[i]).ToArray();
        var left = Enumerable.Range(0, n).Select(i => (long)(Levels[i] >= 0 ? i : Left[i])).ToArray();
        var right = Enumerable.Range(0, n).Select(i => (long)(Levels[i] >= 0 ? i : Right[i])).ToArray();
        var levels = Levels.Select(l => (long)Math.Max(0, l)).ToArray();
        string splitTable = g.Constant(split, n), thresholdTable = g.Constant(thresholds, n), leftTable = g.Constant(left, n), rightTable = g.Constant(right, n);
        var node = g.Node("Sub", [decoded[Target], decoded[Target]]); // zeros, one a row: the root
        for (int step = 0; step < Depth; step++)
        {
            var feature = g.Node("Unsqueeze", [g.Node("Gather", [splitTable, node], ("axis", 0L)), g.Constant([1L], 1)]);
            var value = g.Node("Squeeze", [g.Node("GatherElements", [x, feature], ("axis", 1L)), g.Constant([1L], 1)]);
            var below = g.Node("Less", [value, g.Node("Gather", [thresholdTable, node], ("axis", 0L))]);
            node = g.Node("Where", [below, g.Node("Gather", [leftTable, node], ("axis", 0L)), g.Node("Gather", [rightTable, node], ("axis", 0L))]);
        }
        decoded[Target] = g.Node("Gather", [g.Constant(levels, n), node], ("axis", 0L));
    }

    /// <summary>The longest root-to-leaf path of a tree whose children come after their parents (checked by <see cref="CategoryThresholdsState.Restore"/>).</summary>
    private static int DepthOf(int[] splits, int[] left, int[] right)
    {
        var depth = new int[splits.Length];
        int deepest = 0;
        for (int i = 0; i < splits.Length; i++)
        {
            if (splits[i] < 0) { deepest = Math.Max(deepest, depth[i]); continue; }
            depth[left[i]] = Math.Max(depth[left[i]], depth[i] + 1);
            depth[right[i]] = Math.Max(depth[right[i]], depth[i] + 1);
        }
        return deepest;
    }

    /// <summary>
    /// The categorical columns that thresholds on other columns fix in the training rows (see the class remarks).
    /// For each categorical column of 2 to <see cref="MaximumLevels"/> categories that no dependency sets and
    /// <paramref name="excluded"/> leaves, a tree is grown (greedy splits of least Gini impurity) until each leaf's
    /// rows hold one category (but for <see cref="ColumnDependency.ExceptionShare"/> of them), with at most four leaves
    /// a category and <see cref="SearchDepth"/> levels; it is kept when a tree grown on half the rows predicts the
    /// other half (<see cref="HeldOutErrorShare"/>), when it splits on a number, and when the whole tree holds on every
    /// row. A whole-number column of distinct values in half the rows or more (<see cref="KeyShare"/>: an identifier)
    /// is not read. Greedy trees on unrelated columns grow past their limit within a few levels, so a table's search costs a
    /// few passes over its rows a column.
    /// </summary>
    /// <param name="codes">Each column's rows as dense codes with each code's decoded value; null for a column that takes no part.</param>
    public static List<CategoryThresholds> Find(IReadOnlyList<ThresholdColumn> columns, IReadOnlyList<(int[] Codes, double[] Values)?> codes, int rows,
        IReadOnlyList<ColumnDependency> dependencies, Func<int, bool> excluded, Action checkAlive)
    {
        var found = new List<CategoryThresholds>();
        if (rows < MinimumRows) return found;
        int stride = Math.Max(1, (rows + SearchRows - 1) / SearchRows);
        int searched = (rows + stride - 1) / stride;
        double[] Values(int c, bool all)
        {
            var (codesOf, valuesOf) = codes[c]!.Value;
            var result = new double[all ? rows : searched];
            for (int i = 0; i < result.Length; i++) result[i] = valuesOf[codesOf[all ? i : i * stride]];
            return result;
        }
        bool Usable(int c) => codes[c] is { } coded && coded.Values.Length >= 2 && !excluded(c) && columns[c].Readable;
        // A whole number nearly every row has its own value of (an identifier, numbered group by group) is no bin's
        // source: its ranges by category are an accident of the numbering, and a category set from a generated
        // identifier would leave the rest of the row (midwest's state from its county number).
        bool KeyLike(int c) => columns[c].Number is { Precision: NumberPrecision.Whole } && codes[c]!.Value.Values.Length >= KeyShare * rows;
        var targets = new HashSet<int>();
        var features = new HashSet<int>();
        for (int t = 0; t < columns.Count; t++)
        {
            if (columns[t] is not { IsCategory: true, LevelCount: >= 2 and <= MaximumLevels } || !Usable(t) || features.Contains(t) ||
                dependencies.Any(d => d.Target == t)) continue;
            checkAlive();
            // The columns the target fixes, through any chain of dependencies, are set after it: the tree reads none of
            // them but one the target alone sets directly, by a branch per value.
            var after = Reach(dependencies, t);
            int branch = -1;
            foreach (var d in dependencies.Where(d => d.Determinant == t))
            {
                int y = d.Target;
                if (branch < 0 && Usable(y) && !targets.Contains(y) && dependencies.Count(e => e.Target == y) == 1 && codes[y]!.Value.Values.Length <= MaximumBranches &&
                    !codes[y]!.Value.Values.Any(double.IsNaN))
                    branch = y;
            }
            var readable = Enumerable.Range(0, columns.Count).Where(c => c != t && Usable(c) && !KeyLike(c) && !targets.Contains(c) && (!after.Contains(c) || c == branch)).ToArray();
            if (!readable.Any(c => columns[c].Number is not null && c != branch)) continue;
            var labels = Values(t, all: false).Select(v => (int)v).ToArray();
            var x = readable.Select(c => Values(c, all: false)).ToArray();
            int branchFeature = Array.IndexOf(readable, branch);
            int levelCount = columns[t].LevelCount;
            var grower = new Grower(x, labels, levelCount, branchFeature, checkAlive);

            // Half the rows predict the other half.
            var even = Enumerable.Range(0, searched).Where(i => i % 2 == 0).ToArray();
            var odd = Enumerable.Range(0, searched).Where(i => i % 2 == 1).ToArray();
            if (grower.Grow(even) is not { } half) continue;
            int errors = odd.Count(i => half.Classify(x, i) != labels[i]);
            int majority = odd.GroupBy(i => labels[i]).Max(g => g.Count());
            if (errors > Math.Max(2, HeldOutErrorShare * odd.Length) || errors > BaselineShare * (odd.Length - majority)) continue;

            if (grower.Grow(Enumerable.Range(0, searched).ToArray()) is not { } tree) continue;
            if (!tree.Splits.Any(f => f >= 0 && f != branchFeature && columns[readable[f]].Number is not null)) continue;
            // A leaf under a branch holds a category that the dependency sends to that branch's value, or one it leaves alone.
            if (branch >= 0 && !BranchesAgree(tree, dependencies.First(d => d.Determinant == t && d.Target == branch), branchFeature, x, labels)) continue;
            // The whole tree on every row.
            var allLabels = Values(t, all: true);
            var allX = new double[readable.Length][];
            for (int f = 0; f < readable.Length; f++) if (tree.Splits.Contains(f)) allX[f] = Values(readable[f], all: true);
            int wrong = 0;
            for (int r = 0; r < rows; r++) if (tree.Classify(allX, r) != (int)allLabels[r]) wrong++;
            if (wrong > Math.Floor(ColumnDependency.ExceptionShare * rows)) continue;

            found.Add(new CategoryThresholds(t, readable, tree.Splits.ToArray(), tree.Thresholds.ToArray(), tree.Left.ToArray(), tree.Right.ToArray(), tree.Levels.ToArray(), columns));
            targets.Add(t);
            foreach (int f in tree.Splits.Where(f => f >= 0)) features.Add(readable[f]);
        }
        // Only the columns a tree splits on are kept as its features.
        return found.Select(r => r.Compact(columns)).ToList();
    }

    /// <summary>The same tree with only the features it splits on.</summary>
    private CategoryThresholds Compact(IReadOnlyList<ThresholdColumn> columns)
    {
        var used = Enumerable.Range(0, Features.Length).Where(f => Splits.Contains(f)).ToArray();
        var map = new int[Features.Length];
        for (int i = 0; i < used.Length; i++) map[used[i]] = i;
        return new(Target, used.Select(f => Features[f]).ToArray(), Splits.Select(f => f < 0 ? -1 : map[f]).ToArray(), Thresholds, Left, Right, Levels, columns);
    }

    /// <summary>Whether each leaf's category, where the dependency on <paramref name="dependency"/>'s target has it as a key, is sent to the value of the branch the leaf is under.</summary>
    private static bool BranchesAgree(Tree tree, ColumnDependency dependency, int branchFeature, double[][] x, int[] labels)
    {
        // A leaf's branch value: that of any training row it holds (a branch holds the rows of one value).
        var leafValue = new double[tree.Splits.Count];
        Array.Fill(leafValue, double.NaN);
        for (int i = 0; i < labels.Length; i++) leafValue[tree.Leaf(x, i)] = x[branchFeature][i];
        var keys = dependency.Keys;
        for (int node = 0; node < tree.Splits.Count; node++)
        {
            if (tree.Levels[node] < 0 || double.IsNaN(leafValue[node])) continue;
            int k = Array.IndexOf(keys, (double)tree.Levels[node]);
            if (k >= 0 && dependency.Values[k] != leafValue[node]) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether a tree may read <paramref name="column"/>: a category (not a hidden one), or a number (not a date or a
    /// duration) whose missing value, if it has one, is a NaN in the graph too (a floating-point column).
    /// </summary>
    internal static bool Readable(GanColumn column) => ThresholdColumn.Of(column).Readable;

    /// <summary>The columns <paramref name="column"/> fixes through dependencies, directly or through others.</summary>
    internal static HashSet<int> Reach(IReadOnlyList<ColumnDependency> dependencies, int column)
    {
        var reached = new HashSet<int>();
        var stack = new Stack<int>([column]);
        while (stack.Count > 0)
        {
            int c = stack.Pop();
            foreach (var d in dependencies.Where(d => d.Determinant == c))
                if (reached.Add(d.Target)) stack.Push(d.Target);
        }
        return reached;
    }

    /// <summary>A tree as a search grows it: node arrays over the candidate features (this search's, and <see cref="CategorySteps"/>').</summary>
    internal sealed class Tree
    {
        public List<int> Splits { get; } = [];
        public List<double> Thresholds { get; } = [];
        public List<int> Left { get; } = [];
        public List<int> Right { get; } = [];
        public List<int> Levels { get; } = [];

        /// <summary>Per split: the training values either side of its threshold (the gap any threshold between them leaves the rows where they are).</summary>
        public List<(double Low, double High)> Gaps { get; } = [];

        public int Add()
        {
            Gaps.Add((0, 0));
            Splits.Add(-1);
            Thresholds.Add(0);
            Left.Add(-1);
            Right.Add(-1);
            Levels.Add(-1);
            return Splits.Count - 1;
        }

        public int Leaf(double[][] x, int row)
        {
            int node = 0;
            while (Levels[node] < 0) node = x[Splits[node]][row] < Thresholds[node] ? Left[node] : Right[node];
            return node;
        }

        public int Classify(double[][] x, int row) => Levels[Leaf(x, row)];
    }

    /// <summary>Grows trees on subsets of the search rows (see <see cref="Find"/>).</summary>
    private sealed class Grower(double[][] x, int[] labels, int levelCount, int branchFeature, Action checkAlive)
    {
        private readonly int _maximumLeaves = Math.Min(4 * levelCount, (MaximumNodes + 1) / 2 - MaximumBranches);
        private int _leaves;
        private readonly bool[] _used = new bool[x.Length]; // the features the tree splits on so far
        private readonly List<double>[] _edges = x.Select(_ => new List<double>()).ToArray(); // each feature's thresholds so far

        /// <summary>A tree whose leaves each hold one category of <paramref name="rows"/> (but the exceptions allowed), or null past the limits.</summary>
        public Tree? Grow(int[] rows)
        {
            var tree = new Tree();
            _leaves = 0;
            Array.Clear(_used);
            foreach (var e in _edges) e.Clear();
            int root = tree.Add();
            var grown = branchFeature >= 0 ? Branches(tree, root, rows) : Split(tree, root, rows, 0) ? tree : null;
            if (grown is not null) Snap(grown);
            return grown;
        }

        /// <summary>One branch per value of the branch feature, in order, each grown on its rows.</summary>
        private Tree? Branches(Tree tree, int node, int[] rows)
        {
            var values = rows.Select(r => x[branchFeature][r]).Distinct().Order().ToArray();
            for (int v = 0; v < values.Length; v++)
            {
                double value = values[v];
                var own = rows.Where(r => x[branchFeature][r] == value).ToArray();
                if (v == values.Length - 1) return Split(tree, node, own, 0) ? tree : null;
                tree.Splits[node] = branchFeature;
                tree.Thresholds[node] = Between(value, values[v + 1]);
                tree.Gaps[node] = (value, values[v + 1]);
                int left = tree.Add(), right = tree.Add();
                tree.Left[node] = left;
                tree.Right[node] = right;
                if (!Split(tree, left, own, 0)) return null;
                node = right;
            }
            return tree; // no rows: cannot happen (Find grows on at least MinimumRows / 2)
        }

        /// <summary>Makes <paramref name="node"/> a leaf of <paramref name="rows"/>, or splits it and grows both sides; false past the limits.</summary>
        private bool Split(Tree tree, int node, int[] rows, int depth)
        {
            var counts = new int[levelCount];
            foreach (int r in rows) counts[labels[r]]++;
            int majority = 0;
            for (int l = 1; l < levelCount; l++) if (counts[l] > counts[majority]) majority = l;
            if (rows.Length - counts[majority] <= Math.Floor(ColumnDependency.ExceptionShare * rows.Length))
            {
                tree.Levels[node] = majority;
                return ++_leaves <= _maximumLeaves;
            }
            if (depth >= SearchDepth || _leaves + 2 > _maximumLeaves || tree.Splits.Count + 2 > MaximumNodes) return false;
            checkAlive();
            var (feature, threshold) = BestSplit(rows, counts);
            if (feature < 0) return false;
            var left = rows.Where(r => x[feature][r] < threshold).ToArray();
            var right = rows.Where(r => !(x[feature][r] < threshold)).ToArray();
            tree.Splits[node] = feature;
            tree.Thresholds[node] = threshold;
            tree.Gaps[node] = _gap;
            _used[feature] = true;
            _edges[feature].Add(threshold);
            int l2 = tree.Add(), r2 = tree.Add();
            tree.Left[node] = l2;
            tree.Right[node] = r2;
            return Split(tree, l2, left, depth + 1) && Split(tree, r2, right, depth + 1);
        }

        /// <summary>
        /// The split that leaves the fewest rows of a category on its smaller side (Σ min(left, right) over the
        /// categories, beyond the exceptions the node allows), then of least Gini impurity (most Σ count² ÷ rows over both
        /// sides), better than none; (-1, 0) when no split helps. Where thresholds fix the category, a split at a bin's
        /// edge cuts no category in two; a split of least impurity alone may cut through a bin, which later splits patch
        /// with thresholds that hold only by chance. Of equal splits (the same rows each side), the first on a column the
        /// tree already splits on: a code of bins has few edges, and another column that happens to part the same rows
        /// parts other rows elsewhere.
        /// </summary>
        private (int Feature, double Threshold) BestSplit(int[] rows, int[] counts)
        {
            double parent = 0;
            foreach (int c in counts) parent += (double)c * c;
            parent /= rows.Length;
            long allowed = (long)Math.Floor(ColumnDependency.ExceptionShare * rows.Length);
            double bestScore = parent + 1e-9 * rows.Length;
            long bestCut = long.MaxValue;
            (int, double, double) choice = (-1, 0, 0);
            var keys = new double[rows.Length];
            var order = new int[rows.Length];
            var left = new int[levelCount];
            var right = new int[levelCount];
            for (int f = 0; f < x.Length; f++)
            {
                if (f == branchFeature) continue;
                for (int i = 0; i < rows.Length; i++)
                {
                    double v = x[f][rows[i]];
                    keys[i] = double.IsNaN(v) ? double.PositiveInfinity : v; // a missing value goes right
                    order[i] = labels[rows[i]];
                }
                Array.Sort(keys, order);
                if (keys[0] == keys[^1]) continue;
                Array.Clear(left);
                Array.Copy(counts, right, levelCount);
                double leftSquares = 0, rightSquares = parent * rows.Length;
                long cut = 0; // Σ min(left, right) over the categories
                for (int i = 0; i < rows.Length - 1; i++)
                {
                    int l = order[i];
                    cut -= Math.Min(left[l], right[l]);
                    leftSquares += 2 * left[l] + 1;
                    rightSquares -= 2 * right[l] - 1;
                    left[l]++;
                    right[l]--;
                    cut += Math.Min(left[l], right[l]);
                    if (!(keys[i] < keys[i + 1])) continue;
                    int nl = i + 1, nr = rows.Length - nl;
                    double score = leftSquares / nl + rightSquares / nr;
                    long beyond = Math.Max(0, cut - allowed);
                    // Of equal splits, one on a column the tree already reads: bins share their edges.
                    if (score > parent + 1e-9 * rows.Length && (beyond < bestCut || beyond == bestCut && (score > bestScore || score == bestScore && _used[f] && !_used[choice.Item1])))
                    {
                        bestCut = beyond;
                        bestScore = score;
                        choice = (f, keys[i], keys[i + 1]);
                    }
                }
            }
            if (choice.Item1 < 0) return (-1, 0);
            // A bin's edge where the tree already has one between the two values (the same edge seen from another
            // branch, whose rows leave a wider gap here), else the midpoint.
            var (feature, low, high) = choice;
            double middle = Between(low, high);
            double threshold = middle;
            foreach (double edge in _edges[feature])
                if (low < edge && edge <= high && (threshold == middle || Math.Abs(edge - middle) < Math.Abs(threshold - middle))) threshold = edge;
            _gap = (low, high);
            return (feature, threshold);
        }

        private (double Low, double High) _gap; // the last split's gap

        /// <summary>
        /// Each split's threshold moved to the edge the tree uses most often on the same column within the split's gap
        /// (nearest the gap's middle of equals): the same bin edge, seen from branches grown before the others.
        /// </summary>
        private static void Snap(Tree tree)
        {
            for (int node = 0; node < tree.Splits.Count; node++)
            {
                int f = tree.Splits[node];
                if (f < 0) continue;
                var (low, high) = tree.Gaps[node];
                double middle = Between(low, high);
                double best = tree.Thresholds[node];
                int bestCount = -1;
                foreach (var edge in Enumerable.Range(0, tree.Splits.Count).Where(o => tree.Splits[o] == f).Select(o => tree.Thresholds[o]).Distinct())
                {
                    if (!(low < edge && edge <= high)) continue;
                    int count = Enumerable.Range(0, tree.Splits.Count).Count(o => tree.Splits[o] == f && tree.Thresholds[o] == edge);
                    if (count > bestCount || count == bestCount && Math.Abs(edge - middle) < Math.Abs(best - middle)) (best, bestCount) = (edge, count);
                }
                tree.Thresholds[node] = best;
            }
        }
    }

    /// <summary>A threshold that sends <paramref name="low"/> left and <paramref name="high"/> right: their midpoint, or +∞ between a number and a missing value.</summary>
    private static double Between(double low, double high)
    {
        if (double.IsPositiveInfinity(high)) return double.PositiveInfinity;
        double mid = low + (high - low) / 2;
        return mid > low ? mid : high;
    }
}

/// <summary>A <see cref="CategoryThresholds"/> as a model file keeps it (format 16): the columns by name, the tree's node arrays.</summary>
internal sealed class CategoryThresholdsState
{
    public string? Target { get; set; }
    public string[]? Features { get; set; }
    public int[]? Splits { get; set; }
    public double[]? Thresholds { get; set; }
    public int[]? Left { get; set; }
    public int[]? Right { get; set; }
    public int[]? Levels { get; set; }

    /// <summary>Whether the tree is a category's steps along a number within each entity (its features the entity's column, then the number); null for any other tree, and in files written before steps.</summary>
    public bool? Steps { get; set; }

    public static CategoryThresholdsState From(CategoryThresholds t) => new()
    {
        Target = t.TargetName, Features = t.FeatureNames, Splits = t.Splits, Thresholds = t.Thresholds, Left = t.Left, Right = t.Right, Levels = t.Levels,
        Steps = t.Steps ? true : null,
    };

    /// <summary>
    /// The trees of a model file, checked against its columns: a file from a stranger cannot make decoding read outside
    /// them, loop, or set a category the column does not have. <see cref="InvalidDataException"/> names what is wrong.
    /// </summary>
    public static CategoryThresholds[] Restore(CategoryThresholdsState[]? states, IReadOnlyList<GanColumn> columns, int visibleCount)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} categories set by thresholds, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < visibleCount; c++) index[columns[c].Name] = c;
        var result = new CategoryThresholds[states.Length];
        var targets = new HashSet<int>();
        var read = new HashSet<int>();
        for (int s = 0; s < states.Length; s++)
        {
            var state = states[s] ?? throw new InvalidDataException($"category thresholds {s + 1} are null");
            string Where() => $"the thresholds that set '{Common.Text.Printable(state.Target ?? "", 60)}'";
            if (state.Target is null || !index.TryGetValue(state.Target, out int target) || columns[target] is not CategoricalColumn { LevelCount: >= 2 } categorical || columns[target] is MadeColumn)
                throw new InvalidDataException($"{Where()} do not name a categorical column of the model");
            var names = state.Features ?? [];
            if (names.Length < 1 || names.Length > columns.Count)
                throw new InvalidDataException($"{Where()} read no columns, or more than the model has");
            var features = new int[names.Length];
            for (int f = 0; f < names.Length; f++)
            {
                if (names[f] is null || !index.TryGetValue(names[f], out features[f]) || features[f] == target || !CategoryThresholds.Readable(columns[features[f]]))
                    throw new InvalidDataException($"{Where()} read something other than number or category columns of the model besides it");
                if (features.Take(f).Contains(features[f])) throw new InvalidDataException($"{Where()} read a column twice");
            }
            var splits = state.Splits ?? [];
            var thresholds = state.Thresholds ?? [];
            var left = state.Left ?? [];
            var right = state.Right ?? [];
            var levels = state.Levels ?? [];
            int n = splits.Length;
            if (n < 1 || n > CategoryThresholds.MaximumNodes || thresholds.Length != n || left.Length != n || right.Length != n || levels.Length != n)
                throw new InvalidDataException($"{Where()} do not hold 1 to {CategoryThresholds.MaximumNodes} nodes, each with a split, a threshold, two children and a category");
            var depth = new int[n];
            for (int i = 0; i < n; i++)
            {
                if (levels[i] >= 0)
                {
                    if (levels[i] >= categorical.LevelCount || splits[i] != -1)
                        throw new InvalidDataException($"{Where()} have a leaf (node {i + 1}) with a category the column does not have, or that also splits");
                    continue;
                }
                if (levels[i] != -1 || splits[i] < 0 || splits[i] >= features.Length || double.IsNaN(thresholds[i]))
                    throw new InvalidDataException($"{Where()} have a node ({i + 1}) that is neither a leaf nor a split on one of its columns at a threshold");
                if (left[i] <= i || left[i] >= n || right[i] <= i || right[i] >= n)
                    throw new InvalidDataException($"{Where()} have a node ({i + 1}) whose children do not come after it: the tree could loop");
                depth[left[i]] = Math.Max(depth[left[i]], depth[i] + 1);
                depth[right[i]] = Math.Max(depth[right[i]], depth[i] + 1);
                if (depth[left[i]] > CategoryThresholds.MaximumDepth || depth[right[i]] > CategoryThresholds.MaximumDepth)
                    throw new InvalidDataException($"{Where()} are deeper than the {CategoryThresholds.MaximumDepth} splits a model may have");
            }
            if (!targets.Add(target) || read.Contains(target))
                throw new InvalidDataException($"{Where()}: the column is set by two trees, or read by one");
            bool steps = state.Steps == true;
            if (steps && (features.Length != 2 || columns[features[0]] is not CategoricalColumn || columns[features[1]] is not NumericColumn))
                throw new InvalidDataException($"{Where()} are said to be steps, but do not read an entity's categorical column and then a number column");
            result[s] = new CategoryThresholds(target, features, splits, thresholds, left, right, levels, ThresholdColumn.Of(columns), steps);
            foreach (int f in features) read.Add(f);
        }
        if (result.FirstOrDefault(r => r.Features.Any(targets.Contains)) is { } reading)
            throw new InvalidDataException($"the thresholds that set '{Common.Text.Printable(reading.TargetName, 60)}' read a column another tree sets");
        return result;
    }
}

/// <summary>
/// What the threshold search and a tree need of a column: its name, and a category's count or a number's kind, so that
/// the same search runs on a model's columns and on an evaluated table's.
/// </summary>
/// <param name="LevelCount">A category's number of categories; 0 for anything else.</param>
/// <param name="Number">A number's kind (values compared as the column holds them); null for anything else.</param>
/// <param name="HasMissing">Whether a number has missing values.</param>
/// <param name="Hidden">A category no row shows (a combination's), or a column made from the rows' positions: not read.</param>
internal readonly record struct ThresholdColumn(string Name, int LevelCount, NumericKind? Number, bool HasMissing, bool Hidden = false)
{
    public bool IsCategory => LevelCount > 0 && Number is null;

    /// <summary>
    /// Whether a tree may read it: a category (not a hidden one), or a number (not a date or a duration) whose missing
    /// value, if it has one, is a NaN in the graph too (a floating-point column).
    /// </summary>
    public bool Readable => !Hidden && (IsCategory || Number is { } kind && kind is not TimeKind && (!HasMissing || kind.Precision != NumberPrecision.Whole));

    public static ThresholdColumn Of(GanColumn column) => column switch
    {
        CategoricalColumn categorical => new(column.Name, categorical.LevelCount, null, false, Hidden: column is CombinationColumn),
        NumericColumn { Kind: NumericKind kind } numeric => new(column.Name, 0, kind, numeric.HasMissing),
        _ => new(column.Name, 0, null, false, Hidden: true),
    };

    public static ThresholdColumn[] Of(IReadOnlyList<GanColumn> columns) => columns.Select(Of).ToArray();
}
