using System.Globalization;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>One side of a resolved comparison: column <see cref="Column"/> of the encoder, or (when it is -1) the constant <see cref="Value"/> in the other column's numbers.</summary>
internal readonly record struct ComparedBound(int Column, double Value)
{
    public bool IsColumn => Column >= 0;
}

/// <summary>A comparison of <see cref="GanConstraint"/> with its columns as indices and its constant in the column's numbers.</summary>
internal sealed record ResolvedComparison(ComparedBound Low, ComparedBound High, bool Strict);

/// <summary>A column below a <see cref="DerivedColumn"/>: the derived column lies at least <see cref="Offset"/> above it (more than it, when <see cref="Strict"/>).</summary>
internal readonly record struct DerivedAnchor(int Column, double Offset, bool Strict);

/// <summary>
/// A column that lies above others (the high side of a comparison between two columns), learned as its distance above
/// them: with A the greatest of its present anchors plus their offsets and its <see cref="Floor"/> (or
/// <see cref="Fallback"/> when none is present), the column is A + d, and the generator learns d = value − A, which
/// is never negative in the training rows and so never negative in generated ones (a numeric column stays in its
/// training range). A strict anchor's offset is the least distance the training rows keep above it (at least one step
/// of a whole-number column); a floating-point value that still rounds onto its anchor moves up. <see cref="Ceiling"/>
/// caps the column (a constant bound on it or on a column above it).
/// </summary>
internal sealed record DerivedColumn(int Column, DerivedAnchor[] Anchors, double? Floor, double? Ceiling, double Fallback, double Minimum, double Maximum);

/// <summary>
/// The <see cref="GanConstraint"/>s of a model (see that class): the rules as the user gave them, resolved against the
/// columns, and the columns that hold them by construction (<see cref="Derived"/>, in the order they decode). Decoding
/// applies them after each column's own decoding and the column dependencies, in .NET (<see cref="Apply"/>) and in the
/// graph (<see cref="AddOnnx"/>), with the same operations in the same order, so both make the same values.
/// </summary>
internal sealed class ColumnConstraints
{
    /// <summary>The most rules a model may hold.</summary>
    public const int MaximumRules = 1000;

    private readonly int[] _derivedIndex; // per column: its index in Derived, or -1

    private ColumnConstraints(IReadOnlyList<GanConstraint> rules, IReadOnlyList<ResolvedComparison[]> comparisons, IReadOnlyList<DerivedColumn> derived, int columnCount)
    {
        Rules = rules;
        RuleComparisons = comparisons;
        Derived = derived;
        _derivedIndex = new int[columnCount];
        Array.Fill(_derivedIndex, -1);
        for (int i = 0; i < derived.Count; i++) _derivedIndex[derived[i].Column] = i;
    }

    /// <summary>The rules, as the user wrote them.</summary>
    public IReadOnlyList<GanConstraint> Rules { get; }

    /// <summary>Each rule's comparisons, resolved.</summary>
    public IReadOnlyList<ResolvedComparison[]> RuleComparisons { get; }

    /// <summary>The columns learned as distances above others, each after the columns it lies above.</summary>
    public IReadOnlyList<DerivedColumn> Derived { get; }

    /// <summary>Whether column <paramref name="c"/> is learned as a distance above others.</summary>
    public bool IsDerived(int c) => _derivedIndex[c] >= 0;

    /// <summary>The derived column <paramref name="c"/>, or null.</summary>
    public DerivedColumn? DerivedOf(int c) => _derivedIndex[c] >= 0 ? Derived[_derivedIndex[c]] : null;

    /// <summary>The columns any rule names.</summary>
    public IEnumerable<int> Columns => RuleComparisons.SelectMany(r => r).SelectMany(c => new[] { c.Low.Column, c.High.Column }).Where(c => c >= 0).Distinct();

    // ---- Fit ----

    /// <summary>
    /// The rules checked against the training columns (<paramref name="kinds"/>: each column's numeric kind, null for a
    /// categorical one) and read as comparisons; <see cref="ArgumentException"/> naming the rule and what is wrong.
    /// </summary>
    public static ResolvedComparison[][] Resolve(IReadOnlyList<GanConstraint> rules, IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds)
    {
        if (rules.Count > MaximumRules) throw new ArgumentException($"Options.Constraints lists {rules.Count:N0} rules; a model holds at most {MaximumRules:N0}.");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Count; c++) index[names[c]] = c;
        var resolved = new ResolvedComparison[rules.Count][];
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] ?? throw new ArgumentException($"Options.Constraints[{i}] is null.");
            resolved[i] = rule.Comparisons.Select(comparison =>
            {
                int Column(GanBound bound) => bound.Column is null ? -1
                    : index.TryGetValue(bound.Column, out int c) ? c
                    : throw new ArgumentException($"The constraint '{rule}' names column '{bound.Column}', which is not one of the columns the GAN learns ({string.Join(", ", names.Select(n => $"'{n}'"))}).");
                int low = Column(comparison.Low), high = Column(comparison.High);
                foreach (int c in new[] { low, high }.Where(c => c >= 0))
                {
                    if (kinds[c] is null)
                        throw new ArgumentException($"The constraint '{rule}' compares column '{names[c]}', which holds categories: an order is between numbers, dates or durations.");
                }
                if (low >= 0 && high >= 0 && kinds[low]!.Name != kinds[high]!.Name)
                    throw new ArgumentException($"The constraint '{rule}' compares column '{names[low]}' ({kinds[low]!.Description}) with column '{names[high]}' ({kinds[high]!.Description}): " +
                        "the two must have one type. Convert one of them (for example with mlContext.Transforms.Conversion.ConvertType) before training.");
                double Constant(GanBound bound, int column)
                {
                    var kind = kinds[column]!;
                    double? value = kind.Constant(bound.Value!);
                    if (value is not { } v || !double.IsFinite(v))
                        throw new ArgumentException($"The constraint '{rule}' compares column '{names[column]}' ({kind.Description}) with {bound} ({bound.Value!.GetType().Name}): " +
                            $"give a constant of the column's own kind ({(kind is TimeKind ? kind.Description : "a number")}).");
                    return v;
                }
                return new ResolvedComparison(
                    low >= 0 ? new ComparedBound(low, 0) : new ComparedBound(-1, Constant(comparison.Low, high)),
                    high >= 0 ? new ComparedBound(high, 0) : new ComparedBound(-1, Constant(comparison.High, low)),
                    comparison.Strict);
            }).ToArray();
        }
        // A cycle of columns above one another can hold only with all of them equal: say so instead.
        var edges = Edges(resolved.SelectMany(r => r), names.Count);
        if (Order(edges) is null)
        {
            var cycle = resolved.SelectMany(r => r).Where(c => c.Low.IsColumn && c.High.IsColumn).Select(c => $"{names[c.Low.Column]} ≤ {names[c.High.Column]}");
            throw new ArgumentException($"The constraints order columns in a cycle ({string.Join(", ", cycle)}): such columns could only be equal. Leave one order out.");
        }
        return resolved;
    }

    /// <summary>
    /// Counts the training rows that break each rule (where its columns are present); <see cref="InvalidOperationException"/>
    /// listing every broken rule with its count and first row, the values in it, and what to do.
    /// </summary>
    public static void CheckTraining(IReadOnlyList<GanConstraint> rules, ResolvedComparison[][] resolved, IReadOnlyList<string> names,
        IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, long rows)
    {
        var broken = new List<string>();
        for (int i = 0; i < rules.Count; i++)
        {
            long count = 0, first = -1;
            for (long r = 0; r < rows; r++)
            {
                if (resolved[i].All(c => Holds(c, values, r))) continue;
                if (count++ == 0) first = r;
            }
            if (count == 0) continue;
            var shown = resolved[i].SelectMany(c => new[] { c.Low.Column, c.High.Column }).Where(c => c >= 0).Distinct()
                .Select(c => $"{names[c]} = {kinds[c]!.Format(values[c]![first])}");
            broken.Add($"'{rules[i]}' is broken by {count:N0} of {rows:N0} training rows (the first is row {first:N0}: {string.Join(", ", shown)})");
        }
        if (broken.Count > 0)
            throw new InvalidOperationException($"The training data break the constraints they are to teach: {string.Join("; ", broken)}. " +
                "Generated rows can only keep a rule the training rows keep: correct or drop those rows, or remove the constraint from Options.Constraints.");
    }

    /// <summary>Whether a row's values keep a comparison: always where one of its columns is missing.</summary>
    private static bool Holds(ResolvedComparison c, IReadOnlyList<double[]?> values, long r)
    {
        double low = c.Low.IsColumn ? values[c.Low.Column]![r] : c.Low.Value;
        double high = c.High.IsColumn ? values[c.High.Column]![r] : c.High.Value;
        if (double.IsNaN(low) || double.IsNaN(high)) return true;
        return c.Strict ? low < high : low <= high;
    }

    /// <summary>
    /// The rules fitted to the training rows: every column on the high side of a comparison between two columns becomes
    /// derived, and its values in <paramref name="values"/> are replaced by its distances above its anchors (what its
    /// column is then fitted on). <paramref name="values"/> holds each numeric column's training values (null for a
    /// categorical one), which keep all rules (<see cref="CheckTraining"/>).
    /// </summary>
    public static ColumnConstraints Fit(IReadOnlyList<GanConstraint> rules, ResolvedComparison[][] resolved, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows)
    {
        int n = kinds.Count;
        var all = resolved.SelectMany(r => r).ToArray();
        var edges = Edges(all, n);
        var order = Order(edges)!;
        // A constant above a column caps it and every column below it.
        var ceiling = new double?[n];
        foreach (var c in all.Where(c => c.Low.IsColumn && !c.High.IsColumn))
            ceiling[c.Low.Column] = Min(ceiling[c.Low.Column], Below(kinds[c.Low.Column]!, c.High.Value, c.Strict));
        foreach (int c in order.Reverse())
            foreach (int above in edges[c]) ceiling[c] = Min(ceiling[c], ceiling[above]);

        var derived = new List<DerivedColumn>();
        var distances = new List<(int Column, double[] Values)>();
        foreach (int c in order)
        {
            var into = all.Where(x => x.High.Column == c && x.Low.IsColumn).ToArray();
            if (into.Length == 0) continue;
            var kind = kinds[c]!;
            var own = values[c]!;
            var anchors = into.GroupBy(x => x.Low.Column).Select(group =>
            {
                int a = group.Key;
                bool strict = group.Any(x => x.Strict);
                double offset = 0;
                if (strict)
                {
                    double least = double.PositiveInfinity;
                    for (int r = 0; r < rows; r++)
                        if (!double.IsNaN(own[r]) && !double.IsNaN(values[a]![r])) least = Math.Min(least, own[r] - values[a]![r]);
                    offset = double.IsFinite(least) ? least : kind.Precision == NumberPrecision.Whole ? 1 : 0;
                }
                return new DerivedAnchor(a, offset, strict);
            }).OrderBy(a => a.Column).ToArray();
            double? floor = null;
            foreach (var x in all.Where(x => x.High.Column == c && !x.Low.IsColumn)) floor = Max(floor, Above(kind, x.Low.Value, x.Strict));

            // The fallback: the least value of the rows that have no anchor to stand on. (Set apart from the other rows'
            // distances, in a band of their own, they were no better told apart after a short training, and the band's
            // edge took the column off its grid.)
            double fallback = double.PositiveInfinity, minimum = double.PositiveInfinity, maximum = double.NegativeInfinity;
            for (int r = 0; r < rows; r++)
            {
                double v = own[r];
                if (double.IsNaN(v)) continue;
                minimum = Math.Min(minimum, v);
                maximum = Math.Max(maximum, v);
                if (floor is null && anchors.All(a => double.IsNaN(values[a.Column]![r]))) fallback = Math.Min(fallback, v);
            }
            if (!double.IsFinite(minimum)) minimum = maximum = 0; // all missing: the column refuses itself when fitted
            if (!double.IsFinite(fallback)) fallback = minimum;
            var column = new DerivedColumn(c, anchors, floor, ceiling[c], fallback, minimum, maximum);
            var distance = new double[rows];
            for (int r = 0; r < rows; r++) distance[r] = double.IsNaN(own[r]) ? double.NaN : Math.Max(0, own[r] - Base(column, values, r));
            derived.Add(column);
            distances.Add((c, distance));
        }
        foreach (var (c, distance) in distances) Array.Copy(distance, values[c]!, rows);
        return new ColumnConstraints(rules, resolved, derived, n);
    }

    /// <summary>
    /// A row's base for <paramref name="column"/>: the greatest of its present anchors plus their offsets and its floor; the
    /// fallback when there is neither. <paramref name="values"/> holds the row's anchors as their types hold them.
    /// </summary>
    private static double Base(DerivedColumn column, IReadOnlyList<double[]?> values, int r)
    {
        bool any = column.Floor is not null;
        double a = column.Floor ?? double.NegativeInfinity;
        foreach (var anchor in column.Anchors)
        {
            double v = values[anchor.Column]![r];
            if (double.IsNaN(v)) continue;
            a = Math.Max(a, v + anchor.Offset);
            any = true;
        }
        return any ? a : column.Fallback;
    }

    /// <summary>The least value of <paramref name="kind"/> at or above <paramref name="k"/> (above it, when <paramref name="strict"/>).</summary>
    internal static double Above(NumericKind kind, double k, bool strict) => kind.Precision switch
    {
        NumberPrecision.Whole => strict ? Math.Floor(k) + 1 : Math.Ceiling(k),
        NumberPrecision.Single => Step((float)k, f => f < k || strict && f <= k, MathF.BitIncrement),
        _ => strict ? Math.BitIncrement(k) : k,
    };

    /// <summary>The greatest value of <paramref name="kind"/> at or below <paramref name="k"/> (below it, when <paramref name="strict"/>).</summary>
    internal static double Below(NumericKind kind, double k, bool strict) => kind.Precision switch
    {
        NumberPrecision.Whole => strict ? Math.Ceiling(k) - 1 : Math.Floor(k),
        NumberPrecision.Single => Step((float)k, f => f > k || strict && f >= k, MathF.BitDecrement),
        _ => strict ? Math.BitDecrement(k) : k,
    };

    private static double Step(float f, Func<float, bool> beyond, Func<float, float> step)
    {
        while (beyond(f)) f = step(f);
        return f;
    }

    private static double? Min(double? a, double? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>For each column, the columns a comparison puts above it.</summary>
    private static List<int>[] Edges(IEnumerable<ResolvedComparison> comparisons, int n)
    {
        var edges = new List<int>[n];
        for (int c = 0; c < n; c++) edges[c] = [];
        foreach (var c in comparisons.Where(c => c.Low.IsColumn && c.High.IsColumn)) edges[c.Low.Column].Add(c.High.Column);
        return edges;
    }

    /// <summary>The columns in an order where every column comes after those below it; null when they form a cycle.</summary>
    private static int[]? Order(List<int>[] edges)
    {
        int n = edges.Length;
        var incoming = new int[n];
        foreach (var list in edges) foreach (int c in list) incoming[c]++;
        var ready = new Queue<int>(Enumerable.Range(0, n).Where(c => incoming[c] == 0));
        var order = new List<int>(n);
        while (ready.Count > 0)
        {
            int c = ready.Dequeue();
            order.Add(c);
            foreach (int d in edges[c])
                if (--incoming[d] == 0) ready.Enqueue(d);
        }
        return order.Count == n ? order.ToArray() : null;
    }

    // ---- Decoding ----

    /// <summary>Makes the derived columns of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/> their values from their distances.</summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        foreach (var d in Derived)
        {
            var column = (NumericColumn)columns[d.Column];
            var kind = (NumericKind)column.Kind;
            var numbers = into.Numbers(d.Column);
            var anchors = d.Anchors.Select(a => (into.Numbers(a.Column), (NumericKind)columns[a.Column].Kind)).ToArray();
            double high = Math.Min(d.Ceiling ?? double.PositiveInfinity, kind.Highest);
            bool nudge = kind.Precision != NumberPrecision.Whole && d.Anchors.Any(a => a.Strict);
            for (int r = firstRow; r < firstRow + rows; r++)
            {
                double distance = numbers[r];
                if (double.IsNaN(distance)) continue;
                bool any = d.Floor is not null;
                double a = d.Floor ?? double.NegativeInfinity;
                double strictBelow = double.NegativeInfinity;
                for (int i = 0; i < anchors.Length; i++)
                {
                    double v = anchors[i].Item1[r];
                    if (double.IsNaN(v)) continue;
                    v = anchors[i].Item2.Stored(v); // as the graph holds it: its output, in the column's type
                    a = Math.Max(a, v + d.Anchors[i].Offset);
                    if (d.Anchors[i].Strict) strictBelow = Math.Max(strictBelow, v);
                    any = true;
                }
                if (!any) a = d.Fallback;
                double value = kind.Stored(Math.Min(a + kind.Stored(distance), high));
                if (nudge && value <= strictBelow) value = Nudge(kind, strictBelow);
                if (d.Ceiling is { } ceiling) value = Math.Min(value, ceiling);
                numbers[r] = value;
            }
        }
    }

    /// <summary>A floating-point value surely above <paramref name="v"/> in the kind's precision: v + max(|v| 2^-22, 2^-126) in Single (2^-51 and 2^-1022 in Double), as the graph computes it.</summary>
    private static double Nudge(NumericKind kind, double v) => kind.Precision == NumberPrecision.Single
        ? (float)v + MathF.Max(MathF.Abs((float)v) * SingleNudge, SingleSmallest)
        : v + Math.Max(Math.Abs(v) * DoubleNudge, DoubleSmallest);

    private const float SingleNudge = 1f / (1 << 22);
    private const float SingleSmallest = 1.17549435E-38f; // 2^-126
    private static readonly double DoubleNudge = Math.ScaleB(1, -51);
    private static readonly double DoubleSmallest = Math.ScaleB(1, -1022);

    /// <summary>
    /// <see cref="Apply"/> as ONNX nodes: <paramref name="decoded"/> holds each column's output node ([batch], its type;
    /// categories as indices); each derived column's entry is replaced.
    /// </summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        foreach (var d in Derived)
        {
            var column = (NumericColumn)columns[d.Column];
            var kind = (NumericKind)column.Kind;
            var type = column.OutputType;
            string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
            string distance = ToDouble(decoded[d.Column], type);
            string a = g.Scalar(d.Floor ?? double.NegativeInfinity);
            string? any = null; // null: some bound is always present
            bool always = d.Floor is not null;
            string? strictBelow = null;
            foreach (var anchor in d.Anchors)
            {
                var anchorColumn = (NumericColumn)columns[anchor.Column];
                string raw = decoded[anchor.Column];
                string v = ToDouble(raw, anchorColumn.OutputType);
                string raised = g.Node("Max", [a, g.Node("Add", [v, g.Scalar(anchor.Offset)])]);
                if (anchorColumn.HasMissing)
                {
                    string present = g.Node("Not", [anchorColumn.AddOnnxIsMissing(g, raw)]);
                    a = g.Node("Where", [present, raised, a]);
                    any = any is null ? present : g.Node("Or", [any, present]);
                    if (anchor.Strict) strictBelow = strictBelow is null ? g.Node("Where", [present, v, g.Scalar(double.NegativeInfinity)])
                        : g.Node("Where", [present, g.Node("Max", [strictBelow, v]), strictBelow]);
                }
                else
                {
                    a = raised;
                    always = true;
                    if (anchor.Strict) strictBelow = strictBelow is null ? v : g.Node("Max", [strictBelow, v]);
                }
            }
            if (!always) a = g.Node("Where", [any!, a, g.Scalar(d.Fallback)]);
            double high = Math.Min(d.Ceiling ?? double.PositiveInfinity, kind.Highest);
            string value = g.Node("Min", [g.Node("Add", [a, distance]), g.Scalar(high)]);
            if (type != OnnxType.Double) value = g.Node("Cast", [value], ("to", (long)type));
            if (kind.Precision != NumberPrecision.Whole && strictBelow is not null)
            {
                // In the column's floating-point type, as Nudge.
                string below = type == OnnxType.Double ? strictBelow : g.Node("Cast", [strictBelow], ("to", (long)type));
                string step = type == OnnxType.Float
                    ? g.Node("Max", [g.Node("Mul", [g.Node("Abs", [below]), g.Scalar(SingleNudge)]), g.Scalar(SingleSmallest)])
                    : g.Node("Max", [g.Node("Mul", [g.Node("Abs", [below]), g.Scalar(DoubleNudge)]), g.Scalar(DoubleSmallest)]);
                value = g.Node("Where", [g.Node("LessOrEqual", [value, below]), g.Node("Add", [below, step]), value]);
            }
            if (d.Ceiling is { } ceiling)
                value = g.Node("Min", [value, type switch { OnnxType.Float => g.Scalar((float)ceiling), OnnxType.Double => g.Scalar(ceiling), _ => Typed(g, ceiling, type) }]);
            if (column.HasMissing) value = g.Node("Where", [column.AddOnnxIsMissing(g, decoded[d.Column]), column.AddOnnxMissing(g), value]);
            decoded[d.Column] = value;
        }
    }

    /// <summary>A whole-number scalar of an integer graph type.</summary>
    private static string Typed(OnnxGraph g, double value, OnnxType type) =>
        type == OnnxType.Int64 ? g.Scalar((long)value) : g.Node("Cast", [g.Scalar((long)value)], ("to", (long)type));

    /// <summary>Whether the first <paramref name="rows"/> rows of <paramref name="decoded"/> keep every rule; the first rule broken otherwise.</summary>
    public string? FirstBroken(DecodedRows decoded, int rows)
    {
        var values = new double[]?[decoded.Buffers.Length];
        for (int c = 0; c < values.Length; c++) values[c] = decoded.Buffers[c] as double[];
        for (int i = 0; i < Rules.Count; i++)
            for (int r = 0; r < rows; r++)
                if (!RuleComparisons[i].All(c => Holds(c, values, r))) return Rules[i].ToString();
        return null;
    }

    // ---- Saving and restoring ----

    public ConstraintsState ToState(IReadOnlyList<GanColumn> columns) => new()
    {
        Rules = Rules.Select((rule, i) => new RuleState
        {
            Text = rule.ToString(),
            Comparisons = RuleComparisons[i].Select(c => new ComparisonState
            {
                LowColumn = c.Low.IsColumn ? columns[c.Low.Column].Name : null, LowValue = c.Low.IsColumn ? null : c.Low.Value,
                HighColumn = c.High.IsColumn ? columns[c.High.Column].Name : null, HighValue = c.High.IsColumn ? null : c.High.Value,
                Strict = c.Strict,
            }).ToArray(),
        }).ToArray(),
        Derived = Derived.Select(d => new DerivedState
        {
            Column = columns[d.Column].Name,
            Anchors = d.Anchors.Select(a => new AnchorState { Column = columns[a.Column].Name, Offset = a.Offset, Strict = a.Strict }).ToArray(),
            Floor = d.Floor, Ceiling = d.Ceiling, Fallback = d.Fallback, Minimum = d.Minimum, Maximum = d.Maximum,
        }).ToArray(),
    };

    /// <summary>
    /// The rules a model file describes, checked against its columns: named numeric columns, one kind on both sides,
    /// finite numbers, and derived columns that hold every rule by construction (each comparison between two columns
    /// has its high column derived with its low one as an anchor, strictly where it is strict; a constant bound on a
    /// derived column is its floor or ceiling, on any other column its training range lies within it), each derived
    /// after its anchors. <see cref="InvalidDataException"/> names what is wrong.
    /// </summary>
    public static ColumnConstraints? Restore(ConstraintsState? state, IReadOnlyList<GanColumn> columns)
    {
        if (state is null) return null;
        var rules = state.Rules ?? [];
        var derivedStates = state.Derived ?? [];
        if (rules.Length == 0 || rules.Length > MaximumRules) throw new InvalidDataException($"its constraints list {rules.Length:N0} rules; a model holds 1 to {MaximumRules:N0}");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        int Numeric(string? name, string where) =>
            name is not null && index.TryGetValue(name, out int c) && columns[c] is NumericColumn ? c
            : throw new InvalidDataException($"{where} names '{Common.Text.Printable(name ?? "", 60)}', which is not a numeric column of the model");

        var restoredRules = new GanConstraint[rules.Length];
        var resolved = new ResolvedComparison[rules.Length][];
        for (int i = 0; i < rules.Length; i++)
        {
            string where = $"constraint {i + 1}";
            var rule = rules[i] ?? throw new InvalidDataException($"{where} is null");
            var comparisons = rule.Comparisons ?? [];
            if (string.IsNullOrWhiteSpace(rule.Text) || rule.Text.Length > 1000 || comparisons.Length is < 1 or > 2)
                throw new InvalidDataException($"{where} needs its text and one or two comparisons");
            resolved[i] = new ResolvedComparison[comparisons.Length];
            var publicComparisons = new GanComparison[comparisons.Length];
            for (int k = 0; k < comparisons.Length; k++)
            {
                var s = comparisons[k] ?? throw new InvalidDataException($"{where} has a null comparison");
                if ((s.LowColumn is null) == (s.LowValue is null) || (s.HighColumn is null) == (s.HighValue is null) || s.LowColumn is null && s.HighColumn is null)
                    throw new InvalidDataException($"{where} has a comparison whose sides are not each a column or a value, with a column on one side at least");
                int low = s.LowColumn is null ? -1 : Numeric(s.LowColumn, where);
                int high = s.HighColumn is null ? -1 : Numeric(s.HighColumn, where);
                if (low >= 0 && high >= 0 && (low == high || columns[low].Kind.Name != columns[high].Kind.Name))
                    throw new InvalidDataException($"{where} compares columns that are the same or of different types");
                if (s.LowValue is { } lv && !double.IsFinite(lv) || s.HighValue is { } hv && !double.IsFinite(hv))
                    throw new InvalidDataException($"{where} compares with a value that is not a finite number");
                resolved[i][k] = new ResolvedComparison(new ComparedBound(low, s.LowValue ?? 0), new ComparedBound(high, s.HighValue ?? 0), s.Strict);
                publicComparisons[k] = GanComparison.Create(
                    low >= 0 ? GanBound.OfColumn(columns[low].Name) : GanBound.OfValue(s.LowValue!.Value),
                    high >= 0 ? GanBound.OfColumn(columns[high].Name) : GanBound.OfValue(s.HighValue!.Value), s.Strict);
            }
            restoredRules[i] = GanConstraint.Restored(rule.Text, publicComparisons);
        }

        var derived = new List<DerivedColumn>();
        var done = new HashSet<int>();
        foreach (var s in derivedStates)
        {
            if (s is null) throw new InvalidDataException("its constraints have a null derived column");
            string where = $"the derived column '{Common.Text.Printable(s.Column ?? "", 60)}'";
            int c = Numeric(s.Column, where);
            var anchors = (s.Anchors ?? []).Select(a =>
            {
                if (a is null) throw new InvalidDataException($"{where} has a null anchor");
                int column = Numeric(a.Column, where);
                if (column == c || columns[column].Kind.Name != columns[c].Kind.Name || !(a.Offset >= 0) || !double.IsFinite(a.Offset))
                    throw new InvalidDataException($"{where} has an anchor that is itself, of another type, or at a distance that is not a finite number ≥ 0");
                if (derivedStates.Any(other => other?.Column == a.Column) && !done.Contains(column))
                    throw new InvalidDataException($"{where} comes before its anchor '{Common.Text.Printable(a.Column!, 60)}', which is derived too: the derived columns are out of order");
                return new DerivedAnchor(column, a.Offset, a.Strict);
            }).ToArray();
            if (anchors.Length == 0 || !done.Add(c) || !double.IsFinite(s.Fallback) || s.Floor is { } f && !double.IsFinite(f) || s.Ceiling is { } h && !double.IsFinite(h)
                || !double.IsFinite(s.Minimum) || !double.IsFinite(s.Maximum))
                throw new InvalidDataException($"{where} is listed twice, has no anchor, or has a bound that is not a finite number");
            derived.Add(new DerivedColumn(c, anchors, s.Floor, s.Ceiling, s.Fallback, s.Minimum, s.Maximum));
        }
        var constraints = new ColumnConstraints(restoredRules, resolved, derived, columns.Count);
        // Every comparison must be held by construction, so that no file can promise a rule its rows break.
        for (int i = 0; i < resolved.Length; i++)
        {
            foreach (var comparison in resolved[i])
            {
                if (!constraints.HeldByConstruction(comparison, columns))
                    throw new InvalidDataException($"constraint {i + 1} ('{Common.Text.Printable(restoredRules[i].ToString(), 100)}') is not held by the model's columns as they are described");
            }
        }
        return constraints;
    }

    /// <summary>Whether decoding keeps <paramref name="c"/> in every row, by the derived columns, their bounds and the columns' ranges.</summary>
    private bool HeldByConstruction(ResolvedComparison c, IReadOnlyList<GanColumn> columns)
    {
        if (c.Low.IsColumn && c.High.IsColumn)
            return DerivedOf(c.High.Column) is { } d && d.Anchors.Any(a => a.Column == c.Low.Column && (!c.Strict || a.Strict && (a.Offset > 0 || ((NumericKind)columns[c.High.Column].Kind).Precision != NumberPrecision.Whole)));
        int column = c.Low.IsColumn ? c.Low.Column : c.High.Column;
        var kind = (NumericKind)columns[column].Kind;
        if (DerivedOf(column) is { } derived)
            return c.Low.IsColumn
                ? derived.Ceiling is { } ceiling && ceiling <= Below(kind, c.High.Value, c.Strict)
                : derived.Floor is { } floor && floor >= Above(kind, c.Low.Value, c.Strict);
        var numeric = (NumericColumn)columns[column];
        return c.Low.IsColumn
            ? c.Strict ? numeric.Maximum < c.High.Value : numeric.Maximum <= c.High.Value
            : c.Strict ? numeric.Minimum > c.Low.Value : numeric.Minimum >= c.Low.Value;
    }
}

/// <summary>A model's constraints as its file keeps them (see <see cref="ColumnConstraints"/>).</summary>
internal sealed class ConstraintsState
{
    public RuleState[]? Rules { get; set; }
    public DerivedState[]? Derived { get; set; }
}

internal sealed class RuleState
{
    public string? Text { get; set; }
    public ComparisonState[]? Comparisons { get; set; }
}

/// <summary>A comparison: each side a column's name or a value in the column's numbers (dates in microseconds since 1970).</summary>
internal sealed class ComparisonState
{
    public string? LowColumn { get; set; }
    public double? LowValue { get; set; }
    public string? HighColumn { get; set; }
    public double? HighValue { get; set; }
    public bool Strict { get; set; }
}

internal sealed class DerivedState
{
    public string? Column { get; set; }
    public AnchorState[]? Anchors { get; set; }
    public double? Floor { get; set; }
    public double? Ceiling { get; set; }
    public double Fallback { get; set; }
    /// <summary>The column's training range (its own values, not its distances).</summary>
    public double Minimum { get; set; }
    public double Maximum { get; set; }
}

internal sealed class AnchorState
{
    public string? Column { get; set; }
    public double Offset { get; set; }
    public bool Strict { get; set; }
}
