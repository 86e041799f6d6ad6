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

/// <summary>A <see cref="GanConstraint.FixedIncrements(string, double)"/> rule resolved: its column and its step in the column's numbers (microseconds for time).</summary>
internal readonly record struct ResolvedIncrement(int Rule, int Column, double Step);

/// <summary>
/// A column below a <see cref="DerivedColumn"/>: the derived column lies at least <see cref="Offset"/> above it (more than
/// it, when <see cref="Strict"/>); for a column derived <see cref="DerivedColumn.Below"/> its anchors, a column above it
/// (below it, when strict; its offset 0).
/// </summary>
internal readonly record struct DerivedAnchor(int Column, double Offset, bool Strict);

/// <summary>
/// A column that lies above others (the high side of a comparison between two columns), learned as its distance above
/// them: with A the greatest of its present anchors plus their offsets and its <see cref="Floor"/> (or
/// <see cref="Fallback"/> when none is present), the column is A + d, and the generator learns d = value − A, which
/// is never negative in the training rows and so never negative in generated ones (a numeric column stays in its
/// training range). A strict anchor's offset is the least distance the training rows keep above it (at least one step
/// of a whole-number column); a floating-point value that still rounds onto its anchor moves up. <see cref="Ceiling"/>
/// caps the column (a constant bound on it or on a column above it).
/// <para>
/// A column derived <see cref="Below"/> its anchors is the low side of comparisons whose high side a category fixes (a
/// visit's day before the patient's end of follow-up, the same in each of the patient's rows; the encoder keeps only
/// such orders, which never meet: a pupil's group within its class, which meets the class's size, stays dropped). With A the least of its present anchors and its <see cref="Ceiling"/> (or
/// <see cref="Fallback"/>, the greatest value of the training rows that have neither) and M its training
/// <see cref="Minimum"/>, the column is M + u (A − M), and the generator learns its share u of the way up, from 0 to 1
/// (in <see cref="StudyEnd.UnitFor"/>'s units for a whole-number column): a distance below A, learned apart from A,
/// took a visit before the patient's entry where the patient's follow-up was short; a share cannot leave [M, A]. A
/// value that rounds onto a strict anchor moves one step below it. Its anchors are derived by no rule, so they hold
/// their values when it decodes; their offsets are 0.
/// </para>
/// <para>
/// With a <see cref="Scale"/> (format 39), the share is taken on the column's own training quantiles instead of its
/// numbers: the column's level among them (a value held by a run of quantiles, a spike, at the run's middle) as a share
/// of A's level (a run's start), and back through the same quantiles. A spike of the column (pbcseq's visits at 182 and
/// 365 days, about one row in twenty each) holds a run of levels, so every share that lands in the run comes out as the
/// spike's value; on the numbers' scale it was one value in hundreds, and the schedule was lost.
/// </para>
/// </summary>
internal sealed record DerivedColumn(int Column, DerivedAnchor[] Anchors, double? Floor, double? Ceiling, double Fallback, double Minimum, double Maximum, bool Below = false,
    double[]? Scale = null);

/// <summary>
/// The <see cref="GanConstraint"/>s of a model (see that class): the rules as the user gave them, resolved against the
/// columns, and what holds them: the derived columns (<see cref="Derived"/>, in the order they decode), the fixed
/// combinations (<see cref="Combinations"/>), the one-hot groups (<see cref="OneHots"/>), the grids that hold the
/// increments (<see cref="Increments"/>, checked, nothing to apply); predicates are checked by generation's rejection
/// (<see cref="PredicateCheck"/>). Decoding applies combinations, then one-hot groups, then derived columns, after each
/// column's own decoding and the column dependencies, in .NET (<see cref="Apply"/>) and in the graph (<see cref="AddOnnx"/>),
/// with the same operations in the same order, so both make the same values.
/// </summary>
internal sealed class ColumnConstraints
{
    /// <summary>The most rules a model may hold.</summary>
    public const int MaximumRules = 1000;

    private readonly int[] _derivedIndex; // per column: its index in Derived, or -1

    private ColumnConstraints(IReadOnlyList<GanConstraint> rules, IReadOnlyList<ResolvedComparison[]> comparisons, IReadOnlyList<DerivedColumn> derived, int columnCount,
        IReadOnlyList<FixedCombination>? combinations = null, IReadOnlyList<ResolvedIncrement>? increments = null, IReadOnlyList<OneHotGroup>? oneHots = null)
    {
        OneHots = oneHots ?? [];
        Rules = rules;
        RuleComparisons = comparisons;
        Derived = derived;
        Combinations = combinations ?? [];
        Increments = increments ?? [];
        _derivedIndex = new int[columnCount];
        Array.Fill(_derivedIndex, -1);
        for (int i = 0; i < derived.Count; i++) _derivedIndex[derived[i].Column] = i;
    }

    /// <summary>The rules, as the user wrote them.</summary>
    public IReadOnlyList<GanConstraint> Rules { get; }

    /// <summary>Each rule's comparisons, resolved.</summary>
    public IReadOnlyList<ResolvedComparison[]> RuleComparisons { get; }

    /// <summary>The columns learned as distances above others (or below, <see cref="DerivedColumn.Below"/>), each after its anchors.</summary>
    public IReadOnlyList<DerivedColumn> Derived { get; }

    /// <summary>The categorical columns whose combinations are fixed, each rule's.</summary>
    public IReadOnlyList<FixedCombination> Combinations { get; }

    /// <summary>The same rules with <paramref name="combinations"/>, fitted once the categorical columns are.</summary>
    public ColumnConstraints WithCombinations(IReadOnlyList<FixedCombination> combinations) =>
        new(Rules, RuleComparisons, Derived, _derivedIndex.Length, combinations, Increments, OneHots);

    /// <summary>The groups of columns of which exactly one is set.</summary>
    public IReadOnlyList<OneHotGroup> OneHots { get; }

    /// <summary>The same rules with <paramref name="oneHots"/>, fitted once the columns are.</summary>
    public ColumnConstraints WithOneHots(IReadOnlyList<OneHotGroup> oneHots) =>
        new(Rules, RuleComparisons, Derived, _derivedIndex.Length, Combinations, Increments, oneHots);

    /// <summary>
    /// The one-hot groups of <paramref name="rules"/> from the training rows (<paramref name="values"/>: each column's values,
    /// a boolean's as 0/1, NaN for missing), checked: booleans or numbers of 0 and 1 without missing values, exactly
    /// one set in every row; <see cref="InvalidOperationException"/> (or <see cref="ArgumentException"/> for a column
    /// of another kind) naming the rule and the first row that breaks it.
    /// </summary>
    public static List<OneHotGroup> FitOneHots(IReadOnlyList<GanConstraint> rules, IReadOnlyList<GanColumn> columns, Func<int, double[]> values, int rows)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var groups = new List<OneHotGroup>();
        for (int i = 0; i < rules.Count; i++)
        {
            if (rules[i].OneHotColumns is not { } names) continue;
            var cs = names.Select(n => index.TryGetValue(n, out int c) ? c
                : throw new ArgumentException($"The constraint '{rules[i]}' names column '{n}', which is not one of the columns the GAN learns.")).ToArray();
            foreach (int c in cs)
            {
                if (columns[c] is not (BooleanColumn or NumericColumn { HasMissing: false }) || columns[c] is MadeColumn)
                    throw new ArgumentException($"The constraint '{rules[i]}' names column '{columns[c].Name}' ({columns[c].Type}{(columns[c] is NumericColumn { HasMissing: true } ? ", with missing values" : "")}): " +
                        "a one-hot group is of booleans, or of numbers of 0 and 1 without missing values.");
            }
            var data = cs.Select(values).ToArray();
            var hot = new long[cs.Length];
            long broken = 0, first = -1;
            for (int r = 0; r < rows; r++)
            {
                int set = 0, at = -1;
                bool binary = true;
                for (int k = 0; k < cs.Length; k++)
                {
                    double v = data[k][r];
                    if (v == 1) { set++; at = k; }
                    else if (v != 0) binary = false;
                }
                if (set == 1 && binary) hot[at]++;
                else if (broken++ == 0) first = r;
            }
            if (broken > 0)
                throw new InvalidOperationException($"The training data break the constraints they are to teach: '{rules[i]}' is broken by {broken:N0} of {rows:N0} training rows " +
                    $"(the first is row {first:N0}: {string.Join(", ", cs.Select((c, k) => $"{columns[c].Name} = {data[k][first].ToString(CultureInfo.InvariantCulture)}"))}). " +
                    "Every row needs exactly one of the columns set (true, or 1 with the others 0): correct or drop those rows, or remove the constraint.");
            groups.Add(new OneHotGroup(rules[i].ToString(), cs, hot.Select(n => (double)n / rows).ToArray(), columns));
        }
        return groups;
    }

    /// <summary>The columns whose values keep fixed increments, with their steps.</summary>
    public IReadOnlyList<ResolvedIncrement> Increments { get; }

    /// <summary>
    /// The fixed increments of <paramref name="rules"/>, read against the columns: a number column takes a number, a date,
    /// time or duration column a TimeSpan; <see cref="ArgumentException"/> naming the rule otherwise.
    /// </summary>
    public static ResolvedIncrement[] ResolveIncrements(IReadOnlyList<GanConstraint> rules, IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds)
    {
        var increments = new List<ResolvedIncrement>();
        for (int i = 0; i < rules.Count; i++)
        {
            if (rules[i]?.Increment is not { } increment) continue;
            int c = names.ToList().IndexOf(increment.Column);
            if (c < 0)
                throw new ArgumentException($"The constraint '{rules[i]}' names column '{increment.Column}', which is not one of the columns the GAN learns ({string.Join(", ", names.Select(n => $"'{n}'"))}).");
            double step = (kinds[c], increment.Step) switch
            {
                (null, _) => throw new ArgumentException($"The constraint '{rules[i]}' names column '{increment.Column}', which holds categories: increments are of numbers, dates or durations."),
                (TimeKind, TimeSpan t) => t.Ticks / (double)TimeSpan.TicksPerMicrosecond,
                (TimeKind, _) => throw new ArgumentException($"The constraint '{rules[i]}' gives a number as the step of column '{increment.Column}', a {kinds[c]!.Description}: give a TimeSpan."),
                (_, double d) => d,
                _ => throw new ArgumentException($"The constraint '{rules[i]}' gives a TimeSpan as the step of column '{increment.Column}', a number: give a number."),
            };
            increments.Add(new ResolvedIncrement(i, c, step));
        }
        return increments.ToArray();
    }

    /// <summary>Whether some rule is a C# predicate (<see cref="GanConstraint.Where"/>): generation must leave out the rows it refuses.</summary>
    public bool HasPredicates => Rules.Any(r => r.IsPredicate);

    /// <summary>The first predicate rule without its delegate (restored from a file and not given again), or null.</summary>
    public GanConstraint? MissingPredicate => Rules.FirstOrDefault(r => r.IsPredicate && r.Predicate is null);

    /// <summary>The same rules with the predicate rule named <paramref name="name"/> given <paramref name="predicate"/>.</summary>
    /// <exception cref="ArgumentException">No predicate rule has that name.</exception>
    public ColumnConstraints WithPredicate(string name, Func<GanRow, bool> predicate)
    {
        int i = Rules.ToList().FindIndex(r => r.IsPredicate && r.ToString() == name);
        if (i < 0)
            throw new ArgumentException($"The model has no predicate rule named '{name}'" +
                (HasPredicates ? $"; its predicate rules: {string.Join(", ", Rules.Where(r => r.IsPredicate).Select(r => $"'{r}'"))}." : "."), nameof(name));
        var rules = Rules.ToArray();
        rules[i] = rules[i].WithPredicate(predicate);
        return new ColumnConstraints(rules, RuleComparisons, Derived, _derivedIndex.Length, Combinations, Increments, OneHots);
    }

    /// <summary>
    /// A check of decoded rows against the predicate rules: true for a row every predicate accepts. The predicates read
    /// the row through a <see cref="GanRow"/> over <paramref name="rows"/>' buffers (made columns are not made yet).
    /// </summary>
    /// <exception cref="InvalidOperationException">A predicate threw (named, with its message) or is missing.</exception>
    public Func<int, bool> PredicateCheck(IReadOnlyList<GanColumn> columns, DecodedRows rows)
    {
        var predicates = Rules.Where(r => r.IsPredicate).ToArray();
        if (predicates.FirstOrDefault(p => p.Predicate is null) is { } missing) throw MissingPredicateException(missing);
        int current = 0;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var row = new GanRow((name, _) => index.TryGetValue(name, out int c)
            ? columns[c].CreateGetter(rows.Buffers[c], () => current)
            : throw new ArgumentException($"A predicate asked for column '{name}', which the model does not have."));
        return r =>
        {
            current = r;
            foreach (var p in predicates)
            {
                bool kept;
                try { kept = p.Predicate!(row); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"The predicate '{p}' threw on a generated row: {e.GetType().Name}: {e.Message}", e);
                }
                if (!kept) return false;
            }
            return true;
        };
    }

    /// <summary>The exception for generating without a predicate a file could not keep.</summary>
    public static InvalidOperationException MissingPredicateException(GanConstraint rule) => new(
        $"This model was trained with the rule '{rule}', a C# predicate that a model file cannot keep. Give it again before generating: " +
        $"model = model.WithPredicate(\"{rule}\", row => ...).");

    /// <summary>
    /// Counts the training rows of <paramref name="data"/> each predicate rule refuses; <see cref="InvalidOperationException"/>
    /// naming each refused rule with its count and first row, or a predicate that threw, with its row.
    /// </summary>
    public static void CheckPredicates(IReadOnlyList<GanConstraint> rules, IDataView data, IReadOnlyList<string> columnNames, Action checkAlive)
    {
        var predicates = rules.Where(r => r.IsPredicate).ToArray();
        if (predicates.Length == 0) return;
        var columns = columnNames.Select(n => data.Schema[n]).ToArray();
        using var cursor = data.GetRowCursor(columns);
        var getGetter = typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!;
        var row = new GanRow((name, type) =>
        {
            var column = data.Schema.GetColumnOrNull(name) is { } found && columnNames.Contains(name) ? found
                : throw new ArgumentException($"A predicate asked for column '{name}', which is not one of the columns the GAN learns.");
            try { return (Delegate)getGetter.MakeGenericMethod(type).Invoke(cursor, [column])!; }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is InvalidOperationException)
            {
                throw new ArgumentException($"Column '{name}' has type {column.Type}, not {type.Name}: read it as its own type.", nameof(name));
            }
        });
        var counts = new long[predicates.Length];
        var first = new long[predicates.Length];
        long r = 0;
        for (; cursor.MoveNext(); r++)
        {
            if ((r & 4095) == 0) checkAlive();
            for (int i = 0; i < predicates.Length; i++)
            {
                bool kept;
                try { kept = predicates[i].Predicate!(row); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"The predicate '{predicates[i]}' threw on training row {r:N0}: {e.GetType().Name}: {e.Message}", e);
                }
                if (!kept && counts[i]++ == 0) first[i] = r;
            }
        }
        var broken = predicates.Select((p, i) => (p, i)).Where(x => counts[x.i] > 0)
            .Select(x => $"'{x.p}' is broken by {counts[x.i]:N0} of {r:N0} training rows (the first is row {first[x.i]:N0})").ToArray();
        if (broken.Length > 0)
            throw new InvalidOperationException($"The training data break the constraints they are to teach: {string.Join("; ", broken)}. " +
                "Generated rows can only keep a rule the training rows keep: correct or drop those rows, or remove the constraint from Options.Constraints.");
    }

    /// <summary>The same rules with <paramref name="increments"/>.</summary>
    public ColumnConstraints WithIncrements(IReadOnlyList<ResolvedIncrement> increments) =>
        new(Rules, RuleComparisons, Derived, _derivedIndex.Length, Combinations, increments, OneHots);

    /// <summary>Whether <paramref name="v"/> is a whole multiple of <paramref name="step"/>, as closely as the kind holds numbers.</summary>
    private static bool IsMultiple(double v, double step, NumericKind kind)
    {
        double k = Math.Round(v / step);
        double precision = kind.Precision switch { NumberPrecision.Single => 1.0 / (1 << 23), NumberPrecision.Double => Math.ScaleB(1, -52), _ => 0 };
        return Math.Abs(v - k * step) <= Math.Max(1e-9 * step, 2 * Math.Abs(v) * precision);
    }

    /// <summary>
    /// Checks that every fixed increment is held by its fitted column's grid (<see cref="HeldByConstruction(ResolvedIncrement, IReadOnlyList{GanColumn})"/>);
    /// <see cref="InvalidOperationException"/> naming the rule and why not.
    /// </summary>
    public void CheckIncrements(IReadOnlyList<GanColumn> columns)
    {
        foreach (var increment in Increments)
        {
            if (HeldByConstruction(increment, columns)) continue;
            var column = (NumericColumn)columns[increment.Column];
            string why = IsDerived(increment.Column) ? "it lies above or below another column and is learned as its distance from it, which no grid of its own holds"
                : $"its training values lie on {(column.Granularity is { } grid ? $"a grid of {grid.Step}" : "no decimal grid")} from {((NumericKind)column.Kind).Format(column.Minimum)}";
            throw new InvalidOperationException($"The constraint '{Rules[increment.Rule]}' cannot be held: {why}. Drop it, or (for a step no decimal number writes, such as 1/3) scale the column first.");
        }
    }

    /// <summary>Whether the column's grid keeps to the increment: a plain column whose grid step is a multiple of it, from a minimum that is one.</summary>
    private bool HeldByConstruction(ResolvedIncrement increment, IReadOnlyList<GanColumn> columns)
    {
        if (IsDerived(increment.Column) || columns[increment.Column] is not NumericColumn column) return false;
        var kind = (NumericKind)column.Kind;
        if (!IsMultiple(column.Minimum, increment.Step, kind)) return false;
        if (column.Granularity is not { } grid) return column.Minimum == column.Maximum;
        double ratio = grid.Step / increment.Step;
        return ratio >= 1 - 1e-9 && Math.Abs(ratio - Math.Round(ratio)) <= 1e-9 * ratio;
    }

    /// <summary>Whether column <paramref name="c"/> is learned as a distance above (or below) others.</summary>
    public bool IsDerived(int c) => _derivedIndex[c] >= 0;

    /// <summary>Whether a rule may change column <paramref name="c"/> after decoding (a derived column, or one of fixed combinations): such a column takes no part in dependencies.</summary>
    public bool Changes(int c) => IsDerived(c) || Combinations.Any(f => f.Columns.Contains(c)) || OneHots.Any(h => h.Columns.Contains(c));

    /// <summary>The derived column <paramref name="c"/>, or null.</summary>
    public DerivedColumn? DerivedOf(int c) => _derivedIndex[c] >= 0 ? Derived[_derivedIndex[c]] : null;


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
            foreach (string name in rule.CombinedColumns ?? [])
            {
                if (!index.TryGetValue(name, out int c))
                    throw new ArgumentException($"The constraint '{rule}' names column '{name}', which is not one of the columns the GAN learns ({string.Join(", ", names.Select(n => $"'{n}'"))}).");
                if (kinds[c] is not null)
                    throw new ArgumentException($"The constraint '{rule}' names column '{name}', which holds numbers: fixed combinations are of categories (text, booleans, keys).");
                int other = Array.FindIndex(rules.ToArray(), 0, i, r => r?.CombinedColumns?.Contains(name) == true);
                if (other >= 0)
                    throw new ArgumentException($"Column '{name}' is in two fixed-combination rules ('{rules[other]}' and '{rule}'): list its columns in one rule.");
            }
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
        IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, long rows, IReadOnlyList<ResolvedIncrement>? increments = null)
    {
        var broken = new List<string>();
        foreach (var increment in increments ?? [])
        {
            var own = values[increment.Column]!;
            var kind = kinds[increment.Column]!;
            long count = 0, first = -1;
            for (long r = 0; r < rows; r++)
            {
                if (double.IsNaN(own[r]) || IsMultiple(own[r], increment.Step, kind)) continue;
                if (count++ == 0) first = r;
            }
            if (count > 0)
                broken.Add($"'{rules[increment.Rule]}' is broken by {count:N0} of {rows:N0} training rows (the first is row {first:N0}: {names[increment.Column]} = {kind.Format(own[first])})");
        }
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
    /// categorical one), which keep all rules (<see cref="CheckTraining"/>). A column of <paramref name="below"/> is
    /// derived below the columns its comparisons put above it instead (<see cref="DerivedColumn.Below"/>): no comparison
    /// may put it above a column, nor its anchors above one.
    /// </summary>
    public static ColumnConstraints Fit(IReadOnlyList<GanConstraint> rules, ResolvedComparison[][] resolved, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        IReadOnlySet<int>? below = null)
    {
        int n = kinds.Count;
        var all = resolved.SelectMany(r => r).ToArray();
        below ??= new HashSet<int>();
        foreach (int c in below)
        {
            var anchorsOf = all.Where(x => x.Low.Column == c && x.High.IsColumn).Select(x => x.High.Column).ToArray();
            if (anchorsOf.Length == 0 || anchorsOf.Any(below.Contains) || all.Any(x => x.High.Column == c && x.Low.IsColumn) || all.Any(x => x.Low.IsColumn && anchorsOf.Contains(x.High.Column) && !below.Contains(x.Low.Column)))
                throw new InvalidOperationException($"Column {c} cannot be derived below other columns: it must lie below columns that lie above nothing else, and above none.");
        }
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
        // The columns below others first: their anchors are no rule's, and a column above them reads their values.
        foreach (int c in order.Where(below.Contains))
        {
            var kind = kinds[c]!;
            var own = values[c]!;
            if (StudyEnd.UnitFor(kind) == 0)
                throw new InvalidOperationException($"Column {c} is of a type too narrow to learn its share below other columns in.");
            var anchors = all.Where(x => x.Low.Column == c && x.High.IsColumn).GroupBy(x => x.High.Column)
                .Select(group => new DerivedAnchor(group.Key, 0, group.Any(x => x.Strict))).OrderBy(a => a.Column).ToArray();
            double? floor = null;
            foreach (var x in all.Where(x => x.High.Column == c && !x.Low.IsColumn)) floor = Max(floor, Above(kind, x.Low.Value, x.Strict));
            double fallback = double.NegativeInfinity, minimum = double.PositiveInfinity, maximum = double.NegativeInfinity;
            for (int r = 0; r < rows; r++)
            {
                double v = own[r];
                if (double.IsNaN(v)) continue;
                minimum = Math.Min(minimum, v);
                maximum = Math.Max(maximum, v);
                if (ceiling[c] is null && anchors.All(a => double.IsNaN(values[a.Column]![r]))) fallback = Math.Max(fallback, v);
            }
            if (!double.IsFinite(minimum)) minimum = maximum = 0;
            if (!double.IsFinite(fallback)) fallback = maximum;
            var present = own.Where(v => !double.IsNaN(v)).Order().ToArray();
            var scale = present.Length >= 2 ? MarginalMap.Quantiles(present) : null;
            var column = new DerivedColumn(c, anchors, floor, ceiling[c], fallback, minimum, maximum, Below: true, Scale: scale);
            double unit = StudyEnd.UnitFor(kind);
            var distance = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                if (double.IsNaN(own[r])) { distance[r] = double.NaN; continue; }
                double top = Base(column, values, r);
                double share;
                if (scale is not null)
                {
                    double level = TopLevel(scale, top);
                    share = level > 0 ? Math.Clamp(MarginalMap.Level(scale, own[r], 0.5) / level, 0, 1) : 0;
                }
                else share = top > minimum ? Math.Clamp((own[r] - minimum) / (top - minimum), 0, 1) : 0;
                distance[r] = unit == 1 ? share : Math.Round(share * unit);
            }
            derived.Add(column);
            distances.Add((c, distance));
        }
        foreach (int c in order)
        {
            if (below.Contains(c)) continue;
            var into = all.Where(x => x.High.Column == c && x.Low.IsColumn && !below.Contains(x.Low.Column)).ToArray();
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
    /// fallback when there is neither (for a column <see cref="DerivedColumn.Below"/> its anchors: the least of them and its
    /// ceiling, its top). <paramref name="values"/> holds the row's anchors as their types hold them.
    /// </summary>
    private static double Base(DerivedColumn column, IReadOnlyList<double[]?> values, int r)
    {
        if (column.Below)
        {
            bool present = column.Ceiling is not null;
            double top = column.Ceiling ?? double.PositiveInfinity;
            foreach (var anchor in column.Anchors)
            {
                double v = values[anchor.Column]![r];
                if (double.IsNaN(v)) continue;
                top = Math.Min(top, v);
                present = true;
            }
            return present ? top : column.Fallback;
        }
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

    /// <summary>
    /// The fixed combinations of <paramref name="rules"/> from the training rows: <paramref name="levels"/> holds each
    /// categorical column's category index per row (null for a numeric column), <paramref name="columns"/> the fitted columns.
    /// </summary>
    public static List<FixedCombination> FitCombinations(IReadOnlyList<GanConstraint> rules, IReadOnlyList<GanColumn> columns, IReadOnlyList<int[]?> levels, int rows)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var fitted = new List<FixedCombination>();
        for (int i = 0; i < rules.Count; i++)
        {
            if (rules[i].CombinedColumns is not { } names) continue;
            var cs = names.Select(n => index[n]).ToArray();
            var counts = cs.Select(c => ((CategoricalColumn)columns[c]).LevelCount).ToArray();
            long possible = counts.Aggregate(1L, (p, n) => Math.Min(p * n, long.MaxValue / 2));
            if (possible > FixedCombination.MaximumCombinations)
                throw new ArgumentException($"The constraint '{rules[i]}' spans {possible:N0} possible combinations ({string.Join(" × ", counts)} categories), more than the " +
                    $"{FixedCombination.MaximumCombinations:N0} a model holds: leave out a column with many categories.");
            var seen = new Dictionary<long, long>();
            var strides = FixedCombination.Strides(counts);
            for (int r = 0; r < rows; r++)
            {
                long key = 0;
                for (int k = 0; k < cs.Length; k++) key += levels[cs[k]]![r] * strides[k];
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
            var keys = seen.Keys.Order().ToArray();
            var tuples = keys.SelectMany(key => cs.Select((_, k) => (int)(key / strides[k] % counts[k]))).ToArray();
            fitted.Add(new FixedCombination(rules[i].ToString(), cs, counts, tuples, keys.Select(k => seen[k]).ToArray()));
        }
        return fitted;
    }

    // ---- Decoding ----

    /// <summary>Makes the derived columns of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/> their values from their distances.</summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        foreach (var f in Combinations) f.Apply(into, firstRow, rows);
        foreach (var h in OneHots) h.Apply(into, firstRow, rows);
        foreach (var d in Derived)
        {
            var column = (NumericColumn)columns[d.Column];
            var kind = (NumericKind)column.Kind;
            var numbers = into.Numbers(d.Column);
            var anchors = d.Anchors.Select(a => (into.Numbers(a.Column), (NumericKind)columns[a.Column].Kind)).ToArray();
            if (d.Below)
            {
                ApplyBelow(d, kind, numbers, anchors, firstRow, rows);
                continue;
            }
            double high = Math.Min(d.Ceiling ?? double.PositiveInfinity, kind.Highest);
            bool nudge = kind.Precision != NumberPrecision.Whole && d.Anchors.Any(a => a.Strict);
            for (int r = firstRow; r < firstRow + rows; r++)
            {
                double distance = numbers[r];
                if (double.IsNaN(distance)) continue;
                var (a, strictBelow) = RowBase(d, anchors, r);
                double value = kind.Stored(Math.Min(a + kind.Stored(distance), high));
                if (nudge && value <= strictBelow) value = Nudge(kind, strictBelow);
                if (d.Ceiling is { } ceiling) value = Math.Min(value, ceiling);
                numbers[r] = value;
            }
        }
    }

    /// <summary>
    /// Row <paramref name="r"/>'s base for a derived column, as <see cref="AddOnnxBase"/> makes it: the greatest of its
    /// present anchors plus their offsets and its floor (for a column <see cref="DerivedColumn.Below"/> its anchors, the
    /// least of them and its ceiling), the fallback where none is present; and its nearest strict anchor (infinite where
    /// none). The anchors are read as the graph holds them: its output, in the column's type.
    /// </summary>
    private static (double Base, double Strict) RowBase(DerivedColumn d, (double[] Values, NumericKind Kind)[] anchors, int r)
    {
        double? start = d.Below ? d.Ceiling : d.Floor;
        double none = d.Below ? double.PositiveInfinity : double.NegativeInfinity;
        bool any = start is not null;
        double a = start ?? none, strict = none;
        for (int i = 0; i < anchors.Length; i++)
        {
            double v = anchors[i].Values[r];
            if (double.IsNaN(v)) continue;
            v = anchors[i].Kind.Stored(v);
            a = d.Below ? Math.Min(a, v) : Math.Max(a, v + d.Anchors[i].Offset);
            if (d.Anchors[i].Strict) strict = d.Below ? Math.Min(strict, v) : Math.Max(strict, v);
            any = true;
        }
        return (any ? a : d.Fallback, strict);
    }

    /// <summary>
    /// The level of a below column's top <paramref name="top"/> (the least of its anchors) among its
    /// <see cref="DerivedColumn.Scale"/>: where quantiles equal it, the start of their run, so that a share of it lies
    /// below it.
    /// </summary>
    private static double TopLevel(double[] scale, double top) => MarginalMap.Level(scale, top, 0.0);

    /// <summary>
    /// A column derived below its anchors (<see cref="DerivedColumn.Below"/>), from its share u: M + u (A − M), or with a
    /// <see cref="DerivedColumn.Scale"/> the scale's quantile at u times A's level.
    /// </summary>
    private static void ApplyBelow(DerivedColumn d, NumericKind kind, double[] numbers, (double[] Values, NumericKind Kind)[] anchors, int firstRow, int rows)
    {
        double unit = StudyEnd.UnitFor(kind);
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            double share = numbers[r];
            if (double.IsNaN(share)) continue;
            var (a, strictAbove) = RowBase(d, anchors, r);
            double u = Math.Clamp(share / unit, 0, 1);
            double raw = d.Scale is { } scale
                ? MarginalMap.Interpolate(scale, u * TopLevel(scale, a))
                : d.Minimum + Math.Max(a - d.Minimum, 0) * u;
            double value = kind.Stored(kind.Precision == NumberPrecision.Whole ? Math.Round(raw, MidpointRounding.ToEven) : raw);
            if (value >= strictAbove) value = NudgeDown(kind, strictAbove);
            value = Math.Min(value, a);
            if (d.Floor is { } floor) value = Math.Max(value, floor);
            numbers[r] = value;
        }
    }

    /// <summary>A value of the kind surely below <paramref name="v"/>: one step for a whole number, else as <see cref="Nudge"/> is above it.</summary>
    private static double NudgeDown(NumericKind kind, double v) => kind.Precision switch
    {
        NumberPrecision.Whole => v - 1,
        NumberPrecision.Single => (float)v - MathF.Max(MathF.Abs((float)v) * SingleNudge, SingleSmallest),
        _ => v - Math.Max(Math.Abs(v) * DoubleNudge, DoubleSmallest),
    };

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
        foreach (var f in Combinations) f.AddOnnx(g, decoded);
        foreach (var h in OneHots) h.AddOnnx(g, columns, decoded);
        foreach (var d in Derived)
        {
            var column = (NumericColumn)columns[d.Column];
            var kind = (NumericKind)column.Kind;
            var type = column.OutputType;
            string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
            string distance = ToDouble(decoded[d.Column], type);
            if (d.Below)
            {
                decoded[d.Column] = AddOnnxBelow(g, d, columns, decoded, distance);
                continue;
            }
            var (a, strictBelow) = AddOnnxBase(g, d, columns, decoded);
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

    /// <summary>
    /// A derived column's base as ONNX nodes (as <see cref="Apply"/> and <see cref="ApplyBelow"/> make it): the greatest of
    /// its present anchors plus their offsets and its floor, or for a column <see cref="DerivedColumn.Below"/> its anchors
    /// the least of them and its ceiling; the fallback where none is present. Also the nearest strict anchor (the
    /// greatest below, the least above), null where none is strict; both as doubles.
    /// </summary>
    private static (string Base, string? Strict) AddOnnxBase(OnnxGraph g, DerivedColumn d, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        string nearest = d.Below ? "Min" : "Max";
        double? start = d.Below ? d.Ceiling : d.Floor;
        double none = d.Below ? double.PositiveInfinity : double.NegativeInfinity;
        string a = g.Scalar(start ?? none);
        string? any = null; // null: some bound is always present
        bool always = start is not null;
        string? strict = null;
        foreach (var anchor in d.Anchors)
        {
            var anchorColumn = (NumericColumn)columns[anchor.Column];
            string raw = decoded[anchor.Column];
            string v = anchorColumn.OutputType == OnnxType.Double ? raw : g.Node("Cast", [raw], ("to", (long)OnnxType.Double));
            string moved = g.Node(nearest, [a, d.Below ? v : g.Node("Add", [v, g.Scalar(anchor.Offset)])]);
            if (anchorColumn.HasMissing)
            {
                string present = g.Node("Not", [anchorColumn.AddOnnxIsMissing(g, raw)]);
                a = g.Node("Where", [present, moved, a]);
                any = any is null ? present : g.Node("Or", [any, present]);
                if (anchor.Strict) strict = strict is null ? g.Node("Where", [present, v, g.Scalar(none)])
                    : g.Node("Where", [present, g.Node(nearest, [strict, v]), strict]);
            }
            else
            {
                a = moved;
                always = true;
                if (anchor.Strict) strict = strict is null ? v : g.Node(nearest, [strict, v]);
            }
        }
        if (!always) a = g.Node("Where", [any!, a, g.Scalar(d.Fallback)]);
        return (a, strict);
    }

    /// <summary><see cref="ApplyBelow"/> as ONNX nodes, from the column's share <paramref name="share"/> as a double.</summary>
    private static string AddOnnxBelow(OnnxGraph g, DerivedColumn d, IReadOnlyList<GanColumn> columns, string[] decoded, string share)
    {
        var column = (NumericColumn)columns[d.Column];
        var kind = (NumericKind)column.Kind;
        var type = column.OutputType;
        string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
        var (a, strictAbove) = AddOnnxBase(g, d, columns, decoded);
        string u = g.Node("Min", [g.Node("Max", [g.Node("Div", [share, g.Scalar(StudyEnd.UnitFor(kind))]), g.Scalar(0.0)]), g.Scalar(1.0)]);
        string value;
        if (d.Scale is { } scale)
        {
            // As TopLevel and Interpolate: the search and arithmetic of the marginal maps, on [batch, 1].
            string Column(string v) => g.Node("Unsqueeze", [v, g.Constant([1L], 1)]);
            string level = MarginalMap.OnnxLevel(g, scale, scale.Length, Column(a), g.Scalar(0.0), null);
            string at = MarginalMap.OnnxInterpolate(g, g.Constant(scale, scale.Length), scale.Length, g.Node("Mul", [Column(u), level]), null);
            value = g.Node("Reshape", [at, g.Constant([-1L], 1)]);
        }
        else
        {
            string span = g.Node("Max", [g.Node("Sub", [a, g.Scalar(d.Minimum)]), g.Scalar(0.0)]);
            value = g.Node("Add", [g.Scalar(d.Minimum), g.Node("Mul", [span, u])]);
        }
        // As kind.Stored: a whole number rounded half to even, a Single rounded to its precision (held in doubles).
        if (kind.Precision == NumberPrecision.Whole) value = g.Node("Round", [value]);
        else if (kind.Precision == NumberPrecision.Single) value = ToDouble(g.Node("Cast", [value], ("to", (long)OnnxType.Float)), OnnxType.Float);
        if (strictAbove is not null)
        {
            // As NudgeDown: a whole number one step below; a floating-point value a step below, in its own type.
            string nudged = kind.Precision switch
            {
                NumberPrecision.Whole => g.Node("Sub", [strictAbove, g.Scalar(1.0)]),
                NumberPrecision.Single => Single(g.Node("Cast", [strictAbove], ("to", (long)OnnxType.Float))),
                _ => g.Node("Sub", [strictAbove, g.Node("Max", [g.Node("Mul", [g.Node("Abs", [strictAbove]), g.Scalar(DoubleNudge)]), g.Scalar(DoubleSmallest)])]),
            };
            string Single(string f) => ToDouble(g.Node("Sub", [f, g.Node("Max", [g.Node("Mul", [g.Node("Abs", [f]), g.Scalar(SingleNudge)]), g.Scalar(SingleSmallest)])]), OnnxType.Float);
            value = g.Node("Where", [g.Node("GreaterOrEqual", [value, strictAbove]), nudged, value]);
        }
        value = g.Node("Min", [value, a]);
        if (d.Floor is { } floor) value = g.Node("Max", [value, g.Scalar(floor)]);
        if (type != OnnxType.Double) value = g.Node("Cast", [value], ("to", (long)type));
        if (column.HasMissing) value = g.Node("Where", [column.AddOnnxIsMissing(g, decoded[d.Column]), column.AddOnnxMissing(g), value]);
        return value;
    }

    /// <summary>A whole-number scalar of an integer graph type.</summary>
    private static string Typed(OnnxGraph g, double value, OnnxType type) =>
        type == OnnxType.Int64 ? g.Scalar((long)value) : g.Node("Cast", [g.Scalar((long)value)], ("to", (long)type));

    /// <summary>Whether the first <paramref name="rows"/> rows of <paramref name="decoded"/> keep every rule; the first rule broken otherwise.</summary>
    public string? FirstBroken(DecodedRows decoded, IReadOnlyList<GanColumn> columns, int rows)
    {
        var values = new double[]?[decoded.Buffers.Length];
        for (int c = 0; c < values.Length; c++) values[c] = decoded.Buffers[c] as double[];
        for (int i = 0; i < Rules.Count; i++)
            for (int r = 0; r < rows; r++)
                if (!RuleComparisons[i].All(c => Holds(c, values, r))) return Rules[i].ToString();
        foreach (var f in Combinations)
            for (int r = 0; r < rows; r++)
                if (!f.Holds(decoded, r)) return f.Rule;
        foreach (var h in OneHots)
            for (int r = 0; r < rows; r++)
                if (!h.Holds(decoded, r)) return h.Rule;
        if (HasPredicates && MissingPredicate is null)
        {
            var check = PredicateCheck(columns, decoded);
            for (int r = 0; r < rows; r++)
                if (!check(r)) return Rules.First(x => x.IsPredicate).ToString();
        }
        foreach (var increment in Increments)
        {
            var kind = (NumericKind)columns[increment.Column].Kind;
            var own = values[increment.Column]!;
            for (int r = 0; r < rows; r++)
                if (!double.IsNaN(own[r]) && !IsMultiple(own[r], increment.Step, kind)) return Rules[increment.Rule].ToString();
        }
        return null;
    }

    // ---- Saving and restoring ----

    public ConstraintsState ToState(IReadOnlyList<GanColumn> columns) => new()
    {
        Rules = Rules.Select((rule, i) => new RuleState
        {
            Text = rule.ToString(),
            Combined = rule.CombinedColumns?.ToArray(),
            Predicate = rule.IsPredicate,
            OneHot = rule.OneHotColumns?.ToArray(),
            IncrementColumn = Increments.FirstOrDefault(x => x.Rule == i) is { Column: var ic } && rule.Increment is not null ? columns[ic].Name : null,
            IncrementStep = rule.Increment is not null ? Increments.First(x => x.Rule == i).Step : null,
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
            Below = d.Below ? true : null,
            Scale = d.Scale,
        }).ToArray(),
        OneHots = OneHots.Count == 0 ? null : OneHots.Select(h => new OneHotState { Columns = h.Columns.Select(c => columns[c].Name).ToArray(), Shares = h.Shares }).ToArray(),
        Combinations = Combinations.Count == 0 ? null : Combinations.Select(f => new CombinationState
        {
            Columns = f.Columns.Select(c => columns[c].Name).ToArray(), Tuples = f.Tuples, Counts = f.Counts,
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
        var increments = new List<ResolvedIncrement>();
        for (int i = 0; i < rules.Length; i++)
        {
            string where = $"constraint {i + 1}";
            var rule = rules[i] ?? throw new InvalidDataException($"{where} is null");
            var comparisons = rule.Comparisons ?? [];
            if (string.IsNullOrWhiteSpace(rule.Text) || rule.Text.Length > 1000)
                throw new InvalidDataException($"{where} needs its text");
            if (rule.OneHot is { } hotColumns)
            {
                if (comparisons.Length != 0 || rule.Combined is not null || rule.IncrementColumn is not null || rule.Predicate)
                    throw new InvalidDataException($"{where} is a one-hot group with other parts");
                resolved[i] = [];
                restoredRules[i] = GanConstraint.Restored(rule.Text, [], null, null, oneHot: hotColumns);
                continue;
            }
            if (rule.Predicate)
            {
                if (comparisons.Length != 0 || rule.Combined is not null || rule.IncrementColumn is not null)
                    throw new InvalidDataException($"{where} is a predicate with comparisons, combinations or an increment");
                resolved[i] = [];
                restoredRules[i] = GanConstraint.Restored(rule.Text, [], null, null, isPredicate: true);
                continue;
            }
            if (rule.IncrementColumn is { } incrementColumn)
            {
                int c = Numeric(incrementColumn, where);
                if (comparisons.Length != 0 || rule.Combined is not null || rule.IncrementStep is not { } step || !(step > 0) || !double.IsFinite(step))
                    throw new InvalidDataException($"{where} is an increment without a positive finite step");
                resolved[i] = [];
                increments.Add(new ResolvedIncrement(i, c, step));
                restoredRules[i] = GanConstraint.Restored(rule.Text, [], null, (incrementColumn, step));
                continue;
            }
            if (rule.Combined is { } combined)
            {
                if (comparisons.Length != 0 || combined.Length < 2 || combined.Distinct().Count() != combined.Length
                    || combined.Any(n => n is null || !index.TryGetValue(n, out int c) || columns[c] is not CategoricalColumn))
                    throw new InvalidDataException($"{where} fixes the combinations of columns that are not two or more distinct categorical columns of the model");
                resolved[i] = [];
                restoredRules[i] = GanConstraint.Restored(rule.Text, [], combined.ToArray());
                continue;
            }
            if (comparisons.Length is < 1 or > 2)
                throw new InvalidDataException($"{where} needs one or two comparisons");
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
            restoredRules[i] = GanConstraint.Restored(rule.Text, publicComparisons, null);
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
            if (s.Scale is { } scale && (s.Below != true || scale.Length is < 2 or > MarginalMap.Levels + 1 || !scale.All(double.IsFinite)
                || scale.Zip(scale.Skip(1)).Any(p => p.Second < p.First) || scale[0] < s.Minimum || scale[^1] > s.Maximum))
                throw new InvalidDataException($"{where} has a scale that is not 2 to {MarginalMap.Levels + 1} ascending finite numbers within its range, or is not below its anchors");
            derived.Add(new DerivedColumn(c, anchors, s.Floor, s.Ceiling, s.Fallback, s.Minimum, s.Maximum, s.Below == true, s.Scale));
        }
        var combinations = new List<FixedCombination>();
        foreach (var s in state.Combinations ?? [])
        {
            var cs = (s?.Columns ?? []).Select(n => n is not null && index.TryGetValue(n, out int c) && columns[c] is CategoricalColumn ? c : -1).ToArray();
            if (s is null || cs.Length < 2 || cs.Contains(-1) || cs.Distinct().Count() != cs.Length || combinations.Any(f => f.Columns.Intersect(cs).Any()))
                throw new InvalidDataException("its fixed combinations name columns that are not two or more distinct categorical columns of the model, or name one twice");
            string text = restoredRules.FirstOrDefault(r => r.CombinedColumns?.SequenceEqual(s.Columns!) == true)?.ToString()
                ?? throw new InvalidDataException($"its fixed combinations of {string.Join(", ", s.Columns!.Select(n => Common.Text.Printable(n, 60)))} belong to no rule");
            combinations.Add(new FixedCombination(text, cs, cs.Select(c => ((CategoricalColumn)columns[c]).LevelCount).ToArray(), s.Tuples ?? [], s.Counts ?? []));
        }
        if (restoredRules.Count(r => r.CombinedColumns is not null) != combinations.Count)
            throw new InvalidDataException("its rules of fixed combinations and the combinations it lists differ in number");
        var oneHots = new List<OneHotGroup>();
        foreach (var s in state.OneHots ?? [])
        {
            var cs = (s?.Columns ?? []).Select(n => n is not null && index.TryGetValue(n, out int c) ? c : -1).ToArray();
            var shares = s?.Shares ?? [];
            string? text = restoredRules.FirstOrDefault(r => r.OneHotColumns is { } names && s?.Columns is { } listed && names.SequenceEqual(listed))?.ToString();
            if (text is null || cs.Length < 2 || cs.Contains(-1) || cs.Distinct().Count() != cs.Length || shares.Length != cs.Length
                || shares.Any(x => !(x >= 0 && x <= 1)) || oneHots.Any(h => h.Columns.Intersect(cs).Any()) || combinations.Any(f => f.Columns.Intersect(cs).Any()))
                throw new InvalidDataException("its one-hot groups name no rule, columns that are not two or more distinct columns of the model, a column twice, or shares outside [0, 1]");
            oneHots.Add(new OneHotGroup(text, cs, shares, columns));
        }
        if (restoredRules.Count(r => r.OneHotColumns is not null) != oneHots.Count)
            throw new InvalidDataException("its one-hot rules and the groups it lists differ in number");
        var constraints = new ColumnConstraints(restoredRules, resolved, derived, columns.Count, combinations, increments, oneHots);
        foreach (var increment in increments)
        {
            if (!constraints.HeldByConstruction(increment, columns))
                throw new InvalidDataException($"constraint {increment.Rule + 1} ('{Common.Text.Printable(restoredRules[increment.Rule].ToString(), 100)}') is not held by its column's grid as it is described");
        }
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
        {
            bool Keeps(DerivedAnchor a) => !c.Strict || a.Strict && (a.Offset > 0 || ((NumericKind)columns[c.High.Column].Kind).Precision != NumberPrecision.Whole);
            return DerivedOf(c.High.Column) is { Below: false } d && d.Anchors.Any(a => a.Column == c.Low.Column && Keeps(a))
                || DerivedOf(c.Low.Column) is { Below: true } b && b.Anchors.Any(a => a.Column == c.High.Column && (!c.Strict || a.Strict)); // nudged below a strict one
        }
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
    public CombinationState[]? Combinations { get; set; }
    public OneHotState[]? OneHots { get; set; }
}

internal sealed class RuleState
{
    public string? Text { get; set; }
    /// <summary>A fixed-combination rule's columns; null for an order.</summary>
    public string[]? Combined { get; set; }
    /// <summary>Whether the rule is a C# predicate, which the file names but cannot hold.</summary>
    public bool Predicate { get; set; }
    /// <summary>A one-hot rule's columns; null otherwise.</summary>
    public string[]? OneHot { get; set; }
    /// <summary>A fixed-increment rule's column and step (in the column's numbers: microseconds for time); null otherwise.</summary>
    public string? IncrementColumn { get; set; }
    public double? IncrementStep { get; set; }
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
    /// <summary>True where the column lies below its anchors (<see cref="DerivedColumn.Below"/>; format 38); null above them.</summary>
    public bool? Below { get; set; }
    /// <summary>A below column's training quantiles, on which its share is taken (<see cref="DerivedColumn.Scale"/>; format 39); null: on its numbers.</summary>
    public double[]? Scale { get; set; }
}

internal sealed class AnchorState
{
    public string? Column { get; set; }
    public double Offset { get; set; }
    public bool Strict { get; set; }
}

/// <summary>Fixed combinations as a model file keeps them: the columns, and each combination seen (category indices, a tuple after another) with its row count.</summary>
internal sealed class CombinationState
{
    public string[]? Columns { get; set; }
    public int[]? Tuples { get; set; }
    public long[]? Counts { get; set; }
}

/// <summary>
/// Categorical columns whose combinations are those of the training rows (<see cref="GanConstraint.FixedCombinations"/>).
/// A decoded row's combination is looked up in a table over every possible combination (at most
/// <see cref="MaximumCombinations"/>), made from the combinations seen: a seen one stays; any other becomes the most
/// frequent seen combination that shares its longest leading part with it (the most frequent of all when not even
/// the first column's category was seen). The same table gathers in .NET and in the graph.
/// </summary>
internal sealed class FixedCombination
{
    public const int MaximumCombinations = 100_000;

    private readonly long[] _strides;
    private readonly long[] _repair; // per possible combination: the combination it becomes
    private readonly bool[] _seen;

    public FixedCombination(string rule, int[] columns, int[] levels, int[] tuples, long[] counts)
    {
        Rule = rule;
        Columns = columns;
        Levels = levels;
        Tuples = tuples;
        Counts = counts;
        int k = columns.Length;
        long possible = levels.Aggregate(1L, (p, n) => Math.Min(p * n, long.MaxValue / 2));
        if (possible > MaximumCombinations || counts.Length == 0 || tuples.Length != counts.Length * k || counts.Any(n => n < 1))
            throw new InvalidDataException($"'{Common.Text.Printable(rule, 100)}' has no combination, more than {MaximumCombinations:N0} possible, or combinations without their counts");
        _strides = Strides(levels);
        _seen = new bool[possible];
        var keys = new long[counts.Length];
        for (int t = 0; t < counts.Length; t++)
        {
            long key = 0;
            for (int i = 0; i < k; i++)
            {
                int v = tuples[t * k + i];
                if (v < 0 || v >= levels[i]) throw new InvalidDataException($"'{Common.Text.Printable(rule, 100)}' lists a category its column does not have");
                key += v * _strides[i];
            }
            if (_seen[key]) throw new InvalidDataException($"'{Common.Text.Printable(rule, 100)}' lists a combination twice");
            _seen[key] = true;
            keys[t] = key;
        }
        // The most frequent seen combination for each leading part (prefix length m = 0 .. k-1), ties to the lowest.
        var best = new Dictionary<long, int>[k];
        for (int m = 0; m < k; m++)
        {
            best[m] = [];
            for (int t = 0; t < counts.Length; t++)
            {
                long prefix = keys[t] / (m == 0 ? possible : _strides[m - 1]);
                if (!best[m].TryGetValue(prefix, out int b) || counts[t] > counts[b] || counts[t] == counts[b] && keys[t] < keys[b]) best[m][prefix] = t;
            }
        }
        _repair = new long[possible];
        for (long x = 0; x < possible; x++)
        {
            if (_seen[x]) { _repair[x] = x; continue; }
            for (int m = k - 1; m >= 0; m--)
            {
                if (best[m].TryGetValue(x / (m == 0 ? possible : _strides[m - 1]), out int t)) { _repair[x] = keys[t]; break; }
            }
        }
    }

    /// <summary>The rule's text.</summary>
    public string Rule { get; }
    public int[] Columns { get; }
    public int[] Levels { get; }
    public int[] Tuples { get; }
    public long[] Counts { get; }

    /// <summary>Each column's place value in a combination's index: the product of the category counts after it.</summary>
    public static long[] Strides(int[] levels)
    {
        var strides = new long[levels.Length];
        long stride = 1;
        for (int i = levels.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= levels[i];
        }
        return strides;
    }

    private long Key(DecodedRows rows, int r)
    {
        long key = 0;
        for (int i = 0; i < Columns.Length; i++) key += rows.Levels(Columns[i])[r] * _strides[i];
        return key;
    }

    public bool Holds(DecodedRows rows, int r) => _seen[Key(rows, r)];

    public void Apply(DecodedRows into, int firstRow, int rows)
    {
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            long key = Key(into, r), repaired = _repair[key];
            if (repaired == key) continue;
            for (int i = 0; i < Columns.Length; i++) into.Levels(Columns[i])[r] = (int)(repaired / _strides[i] % Levels[i]);
        }
    }

    /// <summary><see cref="Apply"/> as ONNX nodes on the columns' category indices (int64, [batch]).</summary>
    public void AddOnnx(OnnxGraph g, string[] decoded)
    {
        string key = g.Node("Mul", [decoded[Columns[0]], g.Scalar(_strides[0])]);
        for (int i = 1; i < Columns.Length; i++) key = g.Node("Add", [key, g.Node("Mul", [decoded[Columns[i]], g.Scalar(_strides[i])])]);
        string repaired = g.Node("Gather", [g.Constant(_repair, _repair.Length), key], ("axis", 0));
        for (int i = 0; i < Columns.Length; i++)
            decoded[Columns[i]] = g.Node("Mod", [g.Node("Div", [repaired, g.Scalar(_strides[i])]), g.Scalar((long)Levels[i])]);
    }
}

/// <summary>A one-hot group as a model file keeps it: its columns and the share of training rows each is set in.</summary>
internal sealed class OneHotState
{
    public string[]? Columns { get; set; }
    public double[]? Shares { get; set; }
}

/// <summary>
/// Columns of which exactly one is set (<see cref="GanConstraint.OneHot"/>): booleans, or numbers of 0 and 1. Each decoded
/// row scores every column 2 when set (a boolean true, a number of 0.5 or more) plus the share of training rows it is set
/// in, and the best-scoring column becomes the row's one set column: the one set column where there is one, the most
/// frequent of those set where several are, the most frequent of all where none is. The same in .NET and in the graph.
/// </summary>
internal sealed class OneHotGroup
{
    private readonly int[] _trueLevel;  // a boolean column's level of true (-1 when it has none); -1 for numbers
    private readonly int[] _falseLevel;
    private readonly double[] _score;   // the share each column adds; -10 for a column that cannot be set

    public OneHotGroup(string rule, int[] columns, double[] shares, IReadOnlyList<GanColumn> all)
    {
        Rule = rule;
        Columns = columns;
        Shares = shares;
        _trueLevel = new int[columns.Length];
        _falseLevel = new int[columns.Length];
        _score = new double[columns.Length];
        for (int k = 0; k < columns.Length; k++)
        {
            _trueLevel[k] = _falseLevel[k] = -1;
            switch (all[columns[k]])
            {
                case BooleanColumn b:
                    _trueLevel[k] = b.FindLevel(true);
                    _falseLevel[k] = b.FindLevel(false);
                    break;
                case NumericColumn { HasMissing: false } n when n.Minimum >= 0 && n.Maximum <= 1:
                    break;
                default:
                    throw new InvalidDataException($"'{Common.Text.Printable(rule, 100)}' names column '{all[columns[k]].Name}', which is neither a boolean nor a number of 0 and 1 without missing values");
            }
            _score[k] = all[columns[k]] is BooleanColumn && _trueLevel[k] < 0 ? -10 : shares[k];
        }
        for (int k = 0; k < columns.Length; k++)
        {
            // A column that is never false is always the one set: it must outscore every other, always.
            if (all[columns[k]] is BooleanColumn && _falseLevel[k] < 0 && shares[k] < 1)
                throw new InvalidDataException($"'{Common.Text.Printable(rule, 100)}': column '{all[columns[k]].Name}' is never false, yet the others are set in some rows");
        }
    }

    public string Rule { get; }
    public int[] Columns { get; }
    public double[] Shares { get; }

    private bool IsSet(DecodedRows rows, int k, int r) =>
        rows.Buffers[Columns[k]] is int[] levels ? levels[r] == _trueLevel[k] : rows.Numbers(Columns[k])[r] >= 0.5;

    public bool Holds(DecodedRows rows, int r)
    {
        int set = 0;
        for (int k = 0; k < Columns.Length; k++)
        {
            bool on = IsSet(rows, k, r);
            if (on) set++;
            if (rows.Buffers[Columns[k]] is double[] numbers && numbers[r] is not (0 or 1)) return false;
        }
        return set == 1;
    }

    public void Apply(DecodedRows into, int firstRow, int rows)
    {
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < Columns.Length; k++)
            {
                double score = (IsSet(into, k, r) ? 2 : 0) + _score[k];
                if (score > bestScore) { best = k; bestScore = score; }
            }
            for (int k = 0; k < Columns.Length; k++)
            {
                if (into.Buffers[Columns[k]] is int[] levels) levels[r] = k == best ? _trueLevel[k] : _falseLevel[k];
                else into.Numbers(Columns[k])[r] = k == best ? 1 : 0;
            }
        }
    }

    /// <summary><see cref="Apply"/> as ONNX nodes: a boolean's category index (int64), a number in its type; [batch] each.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        var one = g.Constant([1L], 1);
        var scores = new string[Columns.Length];
        for (int k = 0; k < Columns.Length; k++)
        {
            var column = columns[Columns[k]];
            string set = column is BooleanColumn
                ? g.Node("Equal", [decoded[Columns[k]], g.Scalar((long)_trueLevel[k])])
                : g.Node("GreaterOrEqual", [column.OutputType == OnnxType.Double ? decoded[Columns[k]] : g.Node("Cast", [decoded[Columns[k]]], ("to", (long)OnnxType.Double)), g.Scalar(0.5)]);
            var score = g.Node("Add", [g.Node("Mul", [g.Node("Cast", [set], ("to", (long)OnnxType.Double)), g.Scalar(2.0)]), g.Scalar(_score[k])]);
            scores[k] = g.Node("Unsqueeze", [score, one]);
        }
        var best = g.Node("ArgMax", [g.Node("Concat", scores, ("axis", 1L))], ("axis", 1L), ("keepdims", 0L));
        for (int k = 0; k < Columns.Length; k++)
        {
            var column = columns[Columns[k]];
            var hot = g.Node("Equal", [best, g.Scalar((long)k)]);
            decoded[Columns[k]] = column is BooleanColumn
                ? g.Node("Where", [hot, g.Scalar((long)_trueLevel[k]), g.Scalar((long)Math.Max(0, _falseLevel[k]))])
                : g.Node("Cast", [hot], ("to", (long)column.OutputType));
        }
    }
}
