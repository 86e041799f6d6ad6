using System.Globalization;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A number column that other number columns make exactly in every training row: a total that is the sum of its
/// parts (a county's population and its five groups), a share of two columns (percentage white = 100 × white / total),
/// a product (an amount from price × quantity). The <see cref="Target"/> is made from its generated
/// <see cref="Inputs"/> after decoding, so every generated row adds up, as a person checking the rows would expect: a
/// generator that learns a total on its own makes one that is never quite its parts' sum.
/// </summary>
/// <remarks>
/// The inputs are read as their columns' types hold them and computed in double, in order (a sum from its first part
/// on; a ratio as (scale × numerator) / denominator; a product as (scale × first) × second), rounded to the target's
/// decimals when it has a grid (a whole-number type always rounds to whole numbers), then stored in its type. Where that
/// is no number (a missing input, a denominator of 0) or lies outside the target's training range, the target keeps the
/// generator's own value: a ratio of two generated values can be far from any the data have (an area from a population
/// and a density that do not go together), and a value beyond the range gives a row away more surely than a formula it
/// breaks. A target the generator makes missing stays missing (the formula holds where its columns are present).
/// .NET (<see cref="Apply"/>) and the graph (<see cref="AddOnnx"/>) make the same values with the same operations in the
/// same order. Found at <c>Fit</c> by <see cref="Find"/> (see <see cref="GanTrainer.Options.NumericFormulas"/>).
/// </remarks>
internal sealed class NumericFormula
{
    /// <summary>The most parts a sum has (and a saved one may have).</summary>
    public const int MaximumParts = 64;

    /// <summary>The fewest training rows a formula is found on.</summary>
    public const int MinimumRows = 20;

    /// <summary>
    /// How closely a training row's target must match the formula: within this share of its magnitude (for a sum, of
    /// its parts' magnitudes added). A file written with nine significant digits (R's default) is within 5 × 10⁻⁹;
    /// a Single column within 6 × 10⁻⁸; a column rounded to fewer digits has a grid and matches exactly.
    /// </summary>
    public const double Tolerance = 1e-6;

    /// <summary>The least and greatest power of ten a ratio or product may scale by.</summary>
    public const int LeastScaleExponent = -6, GreatestScaleExponent = 6;

    /// <summary>The most number columns the search for ratios and products compares (their triples grow as its cube); the rest take part only in sums.</summary>
    public const int MaximumRatioCandidates = 100;

    /// <summary>Rows the search compares columns on (at even strides): a formula found is checked on every row.</summary>
    private const int SearchRows = 2_000;

    private readonly NumericGranularity? _round;

    private static readonly GanFormulaKind[] s_twoInputKinds = [GanFormulaKind.Ratio, GanFormulaKind.Product];

    public NumericFormula(int target, GanFormulaKind kind, int[] inputs, double scale, int? decimals, string targetName, string[] inputNames, int? solvedInput = null,
        FormulaSolving solving = FormulaSolving.WhereOutOfRange, double[]? offsets = null)
    {
        if ((kind == GanFormulaKind.Offset) != (offsets is not null)) throw new ArgumentException("an offset formula, and only one, has an offset for each category", nameof(offsets));
        Offsets = offsets;
        SolvedInput = solvedInput;
        Solving = solvedInput is null ? FormulaSolving.WhereOutOfRange : solving;
        Target = target;
        Kind = kind;
        Inputs = inputs;
        Scale = scale;
        Decimals = decimals;
        TargetName = targetName;
        InputNames = inputNames;
        // A grid of one unit at that many decimals from 0: Round is then round(v × 10^d) / 10^d, ties to even.
        if (decimals is int d) _round = new NumericGranularity(1, d, 0, 0, targetName);
    }

    /// <summary>The column made: its index in the encoder.</summary>
    public int Target { get; }

    public GanFormulaKind Kind { get; }

    /// <summary>
    /// The columns it is made from, in order: a sum's parts; a ratio's numerator and denominator; a product's two
    /// factors; an offset's number and the categorical column whose category fixes the offset.
    /// </summary>
    public int[] Inputs { get; }

    /// <summary>
    /// For an <see cref="GanFormulaKind.Offset"/>: what each category of the categorical input (by its index) adds to the
    /// number, NaN for a category whose training rows held no one offset (there the target keeps the generator's value);
    /// null for the other kinds.
    /// </summary>
    public double[]? Offsets { get; }

    /// <summary>A ratio's or product's power of ten (1 for a sum).</summary>
    public double Scale { get; }

    /// <summary>The decimals the made value is rounded to (0: whole numbers); null for none.</summary>
    public int? Decimals { get; }

    /// <summary>
    /// For a ratio one of whose inputs no other rule touches, which one (0: the numerator, a count of which the ratio is
    /// the share; 1: the denominator, a density of which the ratio is the area), or whose numerator is a part of the sum
    /// that makes its denominator (0: a group's count, of which the ratio is its share of the total); null for none. That
    /// input is made from the generator's own target and the other input, and the target then from them, where
    /// <see cref="Solving"/> says (see <see cref="Apply"/>).
    /// </summary>
    public int? SolvedInput { get; }

    /// <summary>Where a ratio that <see cref="Solves"/> makes its solved input from the generator's own target.</summary>
    public FormulaSolving Solving { get; }

    /// <summary>Whether the ratio solves for one of its inputs (<see cref="SolvedInput"/>).</summary>
    public bool Solves => SolvedInput is not null;

    /// <summary>The column it solves for; null for none.</summary>
    public int? SolvedColumn => SolvedInput is int i ? Inputs[i] : null;

    /// <summary>The same formula, solving for input <paramref name="input"/> (0 or 1) as <paramref name="solving"/> says (a missing input stays missing).</summary>
    public NumericFormula Solved(int input, FormulaSolving solving) => new(Target, Kind, Inputs, Scale, Decimals, TargetName, InputNames, input, solving, Offsets);

    public string TargetName { get; }
    public string[] InputNames { get; }

    /// <summary>What users see of it.</summary>
    public GanColumnFormula ToInfo() => new(TargetName, InputNames, Kind, Scale, SolvedInput == 0, SolvedInput == 1) { TargetLearned = Solving != FormulaSolving.WhereOutOfRange };

    /// <inheritdoc cref="GanColumnFormula.ToString"/>
    public override string ToString() => ToInfo().ToString();

    /// <summary>The formula's value from its inputs <paramref name="x"/> (as their types hold them), rounded, before the type's range and storage; NaN where it has none.</summary>
    private double Raw(ReadOnlySpan<double> x)
    {
        double v;
        switch (Kind)
        {
            case GanFormulaKind.Sum:
                v = x[0];
                for (int i = 1; i < x.Length; i++) v += x[i];
                break;
            case GanFormulaKind.Ratio:
                v = Scale * x[0] / x[1]; // over 0: infinite or NaN, in no range
                break;
            case GanFormulaKind.Offset:
                // x[1] is the category's index; a category without an offset (NaN) makes none.
                v = x[1] >= 0 && x[1] < Offsets!.Length ? x[0] + Offsets[(int)x[1]] : double.NaN;
                break;
            default:
                v = Scale * x[0] * x[1];
                break;
        }
        return _round is { } grid ? grid.Round(v) : v;
    }

    /// <summary>
    /// The target's value from inputs <paramref name="x"/>, as <paramref name="kind"/> holds it; NaN where the formula
    /// has none, or makes a value outside [<paramref name="minimum"/>, <paramref name="maximum"/>] (the target's training range).
    /// </summary>
    public double Value(ReadOnlySpan<double> x, NumericKind kind, double minimum, double maximum)
    {
        double v = Raw(x);
        return v >= minimum && v <= maximum ? kind.Stored(v) : double.NaN;
    }

    /// <summary>An input <paramref name="v"/> as the graph holds it (its column's output, in its type); missing stays NaN.</summary>
    private static double Held(NumericKind? kind, double v) => double.IsNaN(v) ? v : kind!.Stored(v);

    /// <summary>
    /// The target, its kind, and its number inputs' kinds and values in some decoded rows: what <see cref="Apply"/> and
    /// <see cref="HoldsIn"/> read. An offset's categorical input has no kind nor numbers (null): its category indices are
    /// <see cref="Levels"/>.
    /// </summary>
    private readonly record struct Bound(NumericColumn Target, NumericKind Kind, NumericKind?[] Kinds, double[]?[] Inputs, int[]? Levels);

    private Bound Bind(DecodedRows rows, IReadOnlyList<GanColumn> columns)
    {
        var target = (NumericColumn)columns[Target];
        int? category = Kind == GanFormulaKind.Offset ? Inputs[1] : null;
        return new(target, (NumericKind)target.Kind, Inputs.Select(c => c == category ? null : (NumericKind)columns[c].Kind).ToArray(),
            Inputs.Select(c => c == category ? null : rows.Numbers(c)).ToArray(), category is int g ? rows.Levels(g) : null);
    }

    /// <summary>The formula's value in row <paramref name="r"/> of <paramref name="bound"/> (<see cref="Value"/>), its inputs read into <paramref name="x"/>.</summary>
    private double ValueAt(Bound bound, int r, Span<double> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = bound.Inputs[i] is { } numbers ? Held(bound.Kinds[i], numbers[r]) : bound.Levels![r];
        return Value(x, bound.Kind, bound.Target.Minimum, bound.Target.Maximum); // NaN where an input is missing
    }

    /// <summary>
    /// Rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/>: the target is made from
    /// its inputs where that lies in its training range. A formula that <see cref="Solves"/> makes the solved input from
    /// the generator's own target and the other input (a numerator as (target × denominator) / scale, a denominator as
    /// (scale × numerator) / target), on the input's grid or rounded for a whole-number type, and where that lies in the
    /// input's range and the target made from it in the target's, sets both: in every row
    /// (<see cref="FormulaSolving.EveryRow"/>), or only where the target made from the generated inputs leaves its range
    /// (<see cref="FormulaSolving.WhereOutOfRange"/>). A numerator made <see cref="FormulaSolving.BeforeTotal"/> was made
    /// in <see cref="ApplyBeforeFormulas"/>; the sum has made the total from it since, and the share is made here.
    /// </summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        var bound = Bind(into, columns);
        var y = into.Numbers(Target);
        var solved = SolvedColumn is int c && Solving != FormulaSolving.BeforeTotal ? (NumericColumn)columns[c] : null;
        bool first = Solving == FormulaSolving.EveryRow;
        int i = SolvedInput ?? 0;
        Span<double> x = stackalloc double[Inputs.Length];
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            if (double.IsNaN(y[r])) continue; // the generator's missing value stays
            double v = ValueAt(bound, r, x);
            if (first && !double.IsNaN(bound.Inputs[i]![r]) && Solved(solved!, i, bound.Kind.Stored(y[r]), x[1 - i], bound) is var (input, made))
            {
                bound.Inputs[i]![r] = input;
                y[r] = made;
            }
            else if (!double.IsNaN(v)) y[r] = v;
            else if (!first && solved is not null && !double.IsNaN(bound.Inputs[i]![r]) && Solved(solved, i, bound.Kind.Stored(y[r]), x[1 - i], bound) is var (fallback, target))
            {
                bound.Inputs[i]![r] = fallback;
                y[r] = target;
            }
        }
    }

    /// <summary>
    /// Before any formula applies, for a ratio whose numerator is a part of the sum that makes its denominator
    /// (<see cref="FormulaSolving.BeforeTotal"/>; nothing for any other): in rows [<paramref name="firstRow"/>, +
    /// <paramref name="rows"/>) where the generator's own share, part and total are present, the part is made from the
    /// share and the total ((share × total) / scale, on the part's grid or whole), where that lies in the part's range.
    /// The sum then makes the total from the parts and <see cref="Apply"/> the share from the part and that total: the
    /// shares keep the generator's (calibrated) values, rescaled where they do not add up to the whole.
    /// </summary>
    public void ApplyBeforeFormulas(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        if (Solving != FormulaSolving.BeforeTotal) return;
        var bound = Bind(into, columns);
        var y = into.Numbers(Target);
        var part = (NumericColumn)columns[Inputs[0]];
        var parts = bound.Inputs[0]!;
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            if (double.IsNaN(y[r]) || double.IsNaN(parts[r])) continue; // a missing share or part stays
            double made = SolvedRound(part, bound.Kind.Stored(y[r]) * Held(bound.Kinds[1], bound.Inputs[1]![r]) / Scale);
            if (made >= part.Minimum && made <= part.Maximum) parts[r] = bound.Kinds[0]!.Stored(made); // NaN (a missing total) is in no range
        }
    }

    /// <summary>
    /// Input <paramref name="i"/> solved from target <paramref name="p"/> and the other input <paramref name="other"/>
    /// (as their types hold them), and the target made from it; null where either leaves its column's range or is no number.
    /// </summary>
    private (double Input, double Target)? Solved(NumericColumn column, int i, double p, double other, Bound bound)
    {
        double made = SolvedRound(column, i == 0 ? p * other / Scale : Scale * other / p);
        if (!(made >= column.Minimum && made <= column.Maximum)) return null; // NaN and a target of 0 too
        made = bound.Kinds[i]!.Stored(made);
        double target = Value(i == 0 ? [made, other] : [other, made], bound.Kind, bound.Target.Minimum, bound.Target.Maximum);
        return double.IsNaN(target) ? null : (made, target);
    }

    /// <summary>The grid a solved numerator is rounded to: its column's, or whole numbers for a whole-number type; null for none.</summary>
    private static NumericGranularity? SolvedGrid(NumericColumn numerator) =>
        numerator.Granularity ?? (((NumericKind)numerator.Kind).Precision == NumberPrecision.Whole ? new NumericGranularity(1, 0, 0, 0, numerator.Name) : null);

    private static double SolvedRound(NumericColumn numerator, double v) => SolvedGrid(numerator) is { } grid ? grid.Round(v) : v;

    /// <summary>
    /// Whether the first <paramref name="rows"/> rows of <paramref name="decoded"/> keep the formula: the target is its
    /// value where it has one in the target's range and the target is present, and else a value the column itself
    /// allows (the generator's own, missing too where the column has missing values).
    /// </summary>
    public bool HoldsIn(DecodedRows decoded, IReadOnlyList<GanColumn> columns, int rows)
    {
        var bound = Bind(decoded, columns);
        var y = decoded.Numbers(Target);
        Span<double> x = stackalloc double[Inputs.Length];
        for (int r = 0; r < rows; r++)
        {
            double v = ValueAt(bound, r, x);
            if (double.IsNaN(v) || double.IsNaN(y[r]) ? !bound.Target.Allows(y[r]) : bound.Kind.Stored(y[r]) != v) return false;
        }
        return true;
    }

    /// <summary><see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the target's entry is replaced.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        var target = (NumericColumn)columns[Target];
        var x = Inputs.Select(c => columns[c] is NumericColumn number ? AsDouble(g, number, decoded[c]) : decoded[c]).ToArray();
        string v;
        switch (Kind)
        {
            case GanFormulaKind.Offset:
                // The category's offset (NaN for one without: in no range, so the target keeps its value), added to the number.
                v = g.Node("Add", [x[0], g.Node("Gather", [g.Constant(Offsets!, Offsets!.Length), x[1]], ("axis", 0))]);
                break;
            case GanFormulaKind.Sum:
                v = x[0];
                for (int i = 1; i < x.Length; i++) v = g.Node("Add", [v, x[i]]);
                break;
            case GanFormulaKind.Ratio:
                v = g.Node("Div", [g.Node("Mul", [g.Scalar(Scale), x[0]]), x[1]]);
                break;
            default:
                v = g.Node("Mul", [g.Node("Mul", [g.Scalar(Scale), x[0]]), x[1]]);
                break;
        }
        if (_round is { } grid) v = grid.AddOnnxRound(g, v);
        // In range (which NaN, from a missing input or 0 / 0, and the infinity of a ratio over 0 are not), and not where
        // the generator makes the target missing.
        string inRange = InRange(g, v, target);
        string present = target.HasMissing ? g.Node("Not", [target.AddOnnxIsMissing(g, decoded[Target])]) : "";
        if (target.HasMissing) inRange = g.Node("And", [inRange, present]);
        string own = decoded[Target];
        decoded[Target] = g.Node("Where", [inRange, AsColumnType(g, target, v), own]);
        if (SolvedInput is not int k || Solving == FormulaSolving.BeforeTotal) return;
        // The solved input from the generator's own target and the other input, as Apply makes it: in every row, or else where the made target is out of range.
        var solved = (NumericColumn)columns[Inputs[k]];
        string p = AsDouble(g, target, own);
        string other = x[1 - k];
        string a = k == 0
            ? g.Node("Div", [g.Node("Mul", [p, other]), g.Scalar(Scale)])
            : g.Node("Div", [g.Node("Mul", [g.Scalar(Scale), other]), p]);
        if (SolvedGrid(solved) is { } solvedGrid) a = solvedGrid.AddOnnxRound(g, a);
        string solvable = Solving == FormulaSolving.EveryRow ? InRange(g, a, solved) : g.Node("And", [g.Node("Not", [inRange]), InRange(g, a, solved)]);
        if (target.HasMissing) solvable = g.Node("And", [solvable, present]);
        if (solved.HasMissing) solvable = g.Node("And", [solvable, g.Node("Not", [solved.AddOnnxIsMissing(g, decoded[Inputs[k]])])]); // a missing input stays
        string typedA = AsColumnType(g, solved, a);
        string heldA = AsDouble(g, solved, typedA);
        string made = k == 0
            ? g.Node("Div", [g.Node("Mul", [g.Scalar(Scale), heldA]), other])
            : g.Node("Div", [g.Node("Mul", [g.Scalar(Scale), other]), heldA]);
        if (_round is { } targetGrid) made = targetGrid.AddOnnxRound(g, made);
        string both = g.Node("And", [solvable, InRange(g, made, target)]);
        decoded[Inputs[k]] = g.Node("Where", [both, typedA, decoded[Inputs[k]]]);
        decoded[Target] = g.Node("Where", [both, AsColumnType(g, target, made), decoded[Target]]);
    }

    /// <summary><paramref name="value"/>, a node of <paramref name="column"/>'s output type, as a double (as the column's type holds it).</summary>
    private static string AsDouble(OnnxGraph g, NumericColumn column, string value) =>
        column.OutputType == OnnxType.Double ? value : g.Node("Cast", [value], ("to", (long)OnnxType.Double));

    /// <summary><paramref name="value"/>, a double node, in <paramref name="column"/>'s output type.</summary>
    private static string AsColumnType(OnnxGraph g, NumericColumn column, string value) =>
        column.OutputType == OnnxType.Double ? value : g.Node("Cast", [value], ("to", (long)column.OutputType));

    /// <summary>Whether <paramref name="value"/> (double) lies in <paramref name="column"/>'s training range: at least its minimum and at most its maximum, which NaN is not.</summary>
    private static string InRange(OnnxGraph g, string value, NumericColumn column) =>
        g.Node("And", [g.Node("GreaterOrEqual", [value, g.Scalar(column.Minimum)]), g.Node("LessOrEqual", [value, g.Scalar(column.Maximum)])]);

    /// <summary><see cref="ApplyBeforeFormulas"/> as ONNX nodes on <paramref name="decoded"/>, before any formula's <see cref="AddOnnx"/>.</summary>
    public void AddOnnxBeforeFormulas(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        if (Solving != FormulaSolving.BeforeTotal) return;
        var target = (NumericColumn)columns[Target];
        var part = (NumericColumn)columns[Inputs[0]];
        var total = (NumericColumn)columns[Inputs[1]];
        string made = g.Node("Div", [g.Node("Mul", [AsDouble(g, target, decoded[Target]), AsDouble(g, total, decoded[Inputs[1]])]), g.Scalar(Scale)]);
        if (SolvedGrid(part) is { } grid) made = grid.AddOnnxRound(g, made);
        // In the part's range, which NaN (a missing share or total) is not; a missing part stays.
        string ok = InRange(g, made, part);
        if (part.HasMissing) ok = g.Node("And", [ok, g.Node("Not", [part.AddOnnxIsMissing(g, decoded[Inputs[0]])])]);
        if (target.HasMissing) ok = g.Node("And", [ok, g.Node("Not", [target.AddOnnxIsMissing(g, decoded[Target])])]);
        decoded[Inputs[0]] = g.Node("Where", [ok, AsColumnType(g, part, made), decoded[Inputs[0]]]);
    }

    /// <summary>
    /// Whether the formula makes the target of every one of the first <paramref name="rows"/> training rows
    /// (<paramref name="values"/>, as their kinds hold them) whose target and inputs are all present, at least
    /// <see cref="MinimumRows"/> of them.
    /// </summary>
    private bool Holds(IReadOnlyList<double[]?> values, NumericKind kind, int rows)
    {
        var (complete, broken) = Check(values, kind, rows, stopAtFirst: true);
        return broken == 0 && complete >= MinimumRows;
    }

    /// <summary>
    /// Of the first <paramref name="rows"/> rows of <paramref name="values"/> (each column's values as its kind holds
    /// them, the formula's columns at its indices; an offset's categorical input as its category indices), those whose
    /// target and inputs are all present (for an offset, of a category with one), and how many of them break the formula
    /// (a target more than <see cref="Tolerance"/> of its magnitude away from the formula's value).
    /// </summary>
    public (int Complete, int Broken) Check(IReadOnlyList<double[]?> values, NumericKind kind, int rows, bool stopAtFirst = false)
    {
        var y = values[Target]!;
        var inputs = Inputs.Select(c => values[c]!).ToArray();
        Span<double> x = stackalloc double[Inputs.Length];
        int complete = 0, broken = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(y[r])) continue;
            double magnitude = Math.Abs(y[r]);
            bool present = true;
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = inputs[i][r];
                present &= !double.IsNaN(x[i]);
                if (Kind == GanFormulaKind.Sum || Kind == GanFormulaKind.Offset && i == 0) magnitude += Math.Abs(x[i]);
            }
            // A row of a category without an offset has no value to break.
            if (!present || Kind == GanFormulaKind.Offset && !(x[1] >= 0 && x[1] < Offsets!.Length && double.IsFinite(Offsets[(int)x[1]]))) continue;
            complete++;
            double v = Value(x, kind, double.NegativeInfinity, double.PositiveInfinity);
            if (!(Math.Abs(v - y[r]) <= Tolerance * magnitude)) // NaN (0 / 0) breaks it too
            {
                broken++;
                if (stopAtFirst) break;
            }
        }
        return (complete, broken);
    }

    /// <summary>
    /// The formulas the training rows show, in the order they apply (each after those that make its inputs), each holding
    /// in every row where its columns are all present. Candidates are the number columns (not times) with more than one
    /// value in at least <see cref="MinimumRows"/> rows, whose
    /// <paramref name="values"/> are given (null for a column that cannot take part); <paramref name="excluded"/> are
    /// columns no formula may make (those that rules read or set). Sums: each candidate, from the smallest in magnitude
    /// up, as the least-squares combination of the smaller candidates (a pivoted QR on 4 rows a part and 40 more, spread over
    /// up to 2,000), kept where every
    /// weight is 0 or 1 and the sum holds in every row; a total found is no part of a later one, which takes the finer
    /// parts. Ratios and products: every triple of candidates, the scale a power of ten from one row, checked on every row.
    /// Among the ways to write one relation, a column with fractions is made before a whole-number one (a percentage from
    /// counts, not a count from a percentage), a product before a ratio (an amount from price and quantity, not a price
    /// from amount and quantity); a formula that would make a column from itself is left out. <paramref name="decimals"/> gives each column's grid decimals (null: none).
    /// </summary>
    /// <param name="fixedColumns">Columns that other rules read or set (null: none): a ratio solves for a numerator only where it is none of them and no other formula reads or makes it.</param>
    /// <param name="categories">
    /// Each categorical column's category in each row (null for a column that cannot take part; null for none): offsets
    /// between two candidates that a category fixes are found too (<see cref="AddOffsets"/>).
    /// </param>
    public static List<NumericFormula> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values,
        IReadOnlyList<int?> decimals, int rows, Func<int, bool> excluded, Action checkAlive, Func<int, bool>? fixedColumns = null, IReadOnlyList<CategoryCodes?>? categories = null)
    {
        int n = names.Count;
        if (rows < MinimumRows) return [];
        var candidates = new List<int>();
        var meanAbs = new double[n];
        for (int c = 0; c < n; c++)
        {
            if (values[c] is not { } v || kinds[c] is null or TimeKind) continue;
            double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
            int present = 0;
            bool infinite = false;
            for (int r = 0; r < rows && !infinite; r++)
            {
                if (double.IsNaN(v[r])) continue;
                infinite = double.IsInfinity(v[r]);
                min = Math.Min(min, v[r]);
                max = Math.Max(max, v[r]);
                sum += Math.Abs(v[r]);
                present++;
            }
            if (infinite || present < MinimumRows || !(min < max)) continue;
            meanAbs[c] = sum / present;
            candidates.Add(c);
        }
        if (candidates.Count < (categories is null ? 3 : 2)) return [];
        int stride = Math.Max(1, rows / SearchRows);
        int[] sample = Enumerable.Range(0, rows / stride).Select(i => i * stride).ToArray();
        int? DecimalsOf(int c) => decimals[c] ?? (kinds[c]!.Precision == NumberPrecision.Whole ? 0 : null);

        // Sums, smallest totals first.
        var found = new List<NumericFormula>();
        var totals = new HashSet<int>();
        foreach (int t in candidates.OrderBy(c => meanAbs[c]).ThenBy(c => c))
        {
            checkAlive();
            if (excluded(t)) continue;
            var parts = candidates.Where(c => c != t && !totals.Contains(c) && meanAbs[c] <= meanAbs[t] * (1 + 1e-9)).Take(MaximumParts).ToList();
            // The sample rows where the total and every part are present; the part missing most often leaves while they are too few.
            var rowsOf = sample.Where(r => !double.IsNaN(values[t]![r])).ToArray();
            int[] complete = [];
            while (parts.Count >= 2)
            {
                complete = rowsOf.Where(r => parts.All(c => !double.IsNaN(values[c]![r]))).ToArray();
                if (complete.Length >= Math.Max(MinimumRows, parts.Count + 10)) break;
                parts.Remove(parts.MaxBy(c => rowsOf.Count(r => double.IsNaN(values[c]![r])))!);
            }
            if (parts.Count < 2 || complete.Length < Math.Max(MinimumRows, parts.Count + 10)) continue;
            // An exact sum needs a few rows more than it has parts; every row checks it after.
            int fit = Math.Min(complete.Length, 4 * parts.Count + 40);
            var spread = Enumerable.Range(0, fit).Select(i => complete[(int)((long)i * complete.Length / fit)]).ToArray();
            if (LeastSquares(values, parts.ToArray(), t, spread) is not { } weights) continue;
            var chosen = new List<int>();
            bool whole = true;
            for (int i = 0; i < parts.Count; i++)
            {
                if (Math.Abs(weights[i] - 1) < 1e-3) chosen.Add(parts[i]);
                else if (!(Math.Abs(weights[i]) < 1e-3)) whole = false;
            }
            if (!whole || chosen.Count < 2) continue;
            var sumOf = new NumericFormula(t, GanFormulaKind.Sum, chosen.ToArray(), 1, DecimalsOf(t), names[t], chosen.Select(c => names[c]).ToArray());
            if (!sumOf.Holds(values, kinds[t]!, rows)) continue;
            found.Add(sumOf);
            totals.Add(t);
        }

        // Ratios and products, fractions before whole numbers.
        var triples = candidates.Take(MaximumRatioCandidates).ToArray();
        var others = new List<NumericFormula>();
        foreach (int p in triples)
        {
            checkAlive();
            if (excluded(p) || totals.Contains(p)) continue;
            foreach (int a in triples)
            {
                if (a == p) continue;
                foreach (int b in triples)
                {
                    if (b == p || b == a) continue;
                    foreach (var kind in s_twoInputKinds)
                    {
                        if (kind == GanFormulaKind.Product && b < a) continue; // a product's factors in either order are one formula
                        if (ScaleOf(kind, values[p]!, values[a]!, values[b]!, sample) is not double scale) continue;
                        var formula = new NumericFormula(p, kind, [a, b], scale, DecimalsOf(p), names[p], [names[a], names[b]]);
                        if (formula.Holds(values, kinds[p]!, rows)) others.Add(formula);
                    }
                }
            }
        }
        foreach (var formula in others.OrderBy(f => kinds[f.Target]!.Precision == NumberPrecision.Whole || DecimalsOf(f.Target) == 0 ? 1 : 0)
                     .ThenBy(f => f.Kind == GanFormulaKind.Product ? 0 : 1).ThenBy(f => f.Target).ThenBy(f => f.Inputs[0]).ThenBy(f => f.Inputs[1]))
        {
            if (found.Any(f => f.Target == formula.Target) || MakesFrom(found, formula.Inputs, formula.Target)) continue;
            found.Add(formula);
        }
        if (categories is not null) AddOffsets(found, names, kinds, values, DecimalsOf, rows, candidates, excluded, categories, sample, checkAlive);
        // The generator learns a ratio's target (a share, an area) and makes an input from it: a numerator nothing else
        // touches, in every row; else a denominator nothing else touches; else a numerator that is a part of the sum making
        // the denominator (a group's count, from its share of the total), before the sum. A share the formula made from two
        // counts generated apart spreads far wider than the data's (midwest's share of American Indians, of people of known
        // poverty status); learned, it keeps its calibrated distribution, and the count, a product, follows the total.
        if (fixedColumns is not null)
        {
            bool Touched(NumericFormula f, int c, NumericFormula? but = null) => found.Any(o => o != f && o != but && (o.Target == c || o.Inputs.Contains(c)));
            bool Free(NumericFormula f, int c) => !fixedColumns(c) && kinds[c] is not TimeKind && !Touched(f, c);
            for (int i = 0; i < found.Count; i++)
            {
                var f = found[i];
                if (f.Kind != GanFormulaKind.Ratio) continue;
                var sum = found.FirstOrDefault(o => o.Kind == GanFormulaKind.Sum && o.Target == f.Inputs[1] && o.Inputs.Contains(f.Inputs[0]));
                if (Free(f, f.Inputs[0])) found[i] = f.Solved(0, FormulaSolving.EveryRow);
                else if (Free(f, f.Inputs[1])) found[i] = f.Solved(1, FormulaSolving.EveryRow);
                else if (sum is not null && !fixedColumns(f.Inputs[0]) && !Touched(f, f.Inputs[0], but: sum)) found[i] = f.Solved(0, FormulaSolving.BeforeTotal);
            }
        }
        return InApplyOrder(found);
    }

    /// <summary>The least share of the rows holding an offset's columns whose category has an offset (the others' categories, whose rows hold no one offset, keep the generator's values).</summary>
    public const double MinimumOffsetShare = 0.95;

    /// <summary>
    /// The least share of an offset's rows, among those whose category has one, that lie in categories where its number
    /// takes more than one value: fewer, and the two columns are each the category's own (a patient's age and follow-up,
    /// whose difference any entity fixes), not one moving with the other.
    /// </summary>
    public const double MinimumMovingShare = 0.5;

    /// <summary>
    /// Adds to <paramref name="found"/> the offsets the training rows show: two candidate number columns whose difference
    /// the row's category of a categorical column (<paramref name="categories"/>: 2 to
    /// <see cref="ColumnDependency.MaximumKeys"/> categories) fixes, in all but <see cref="ColumnDependency.ExceptionShare"/>
    /// of each category's rows (rounded down), within <see cref="Tolerance"/> of their magnitudes: a patient's day of the
    /// study and day of the diary, which began on a day of the patient's own; a year and an age, within a person. A
    /// category whose rows break that has no offset. An offset is kept where the categories with one hold at least
    /// <see cref="MinimumOffsetShare"/> of the rows holding its three columns (at least <see cref="MinimumRows"/>), the
    /// number moves within categories holding <see cref="MinimumMovingShare"/> of them, and two categories differ in
    /// offset. The target is the column of the two whose values spread more (the categories' offsets carry the
    /// difference; the generator learns the other, whose spread within each category is the same), or the other where
    /// <paramref name="excluded"/> says no formula may make it; the strongest first,
    /// each target made by one formula only, none from itself.
    /// </summary>
    private static void AddOffsets(List<NumericFormula> found, IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values,
        Func<int, int?> decimalsOf, int rows, List<int> candidates, Func<int, bool> excluded, IReadOnlyList<CategoryCodes?> categories, int[] sample, Action checkAlive)
    {
        var offsets = new List<(int Covered, NumericFormula Formula)>();
        for (int g = 0; g < categories.Count; g++)
        {
            if (categories[g] is not { Count: >= 2 and <= ColumnDependency.MaximumKeys } codes || codes.Levels.Length < rows) continue;
            var first = new double[codes.Count];
            var magnitude = new double[codes.Count];
            for (int i = 0; i < candidates.Count; i++)
            {
                for (int j = i + 1; j < candidates.Count; j++)
                {
                    checkAlive();
                    int a = candidates[i], b = candidates[j];
                    if (!OffsetInSample(values[a]!, values[b]!, codes, sample, first, magnitude)) continue;
                    var (t, x) = Spread(values[a]!, values[b]!, rows) ? (a, b) : (b, a);
                    if (excluded(t)) (t, x) = (x, t);
                    if (excluded(t)) continue;
                    if (Offset(names, kinds, values, decimalsOf, rows, t, x, g, codes) is { } offset) offsets.Add(offset);
                }
            }
        }
        foreach (var (_, f) in offsets.OrderByDescending(o => o.Covered).ThenBy(o => o.Formula.Target).ThenBy(o => o.Formula.Inputs[0]).ThenBy(o => o.Formula.Inputs[1]))
        {
            if (found.Any(o => o.Target == f.Target) || MakesFrom(found, f.Inputs, f.Target)) continue;
            found.Add(f);
        }
    }

    /// <summary>
    /// Whether the difference of <paramref name="a"/> and <paramref name="b"/> looks fixed by the category in the
    /// <paramref name="sample"/> rows: of the rows whose category an earlier sample row had, at least 10 and at most a
    /// tenth differ from that row's difference (a quick test; the offset is checked on every row after).
    /// <paramref name="first"/> and <paramref name="magnitude"/> are buffers of a value per category.
    /// </summary>
    private static bool OffsetInSample(double[] a, double[] b, CategoryCodes codes, int[] sample, double[] first, double[] magnitude)
    {
        Array.Fill(first, double.NaN);
        int repeated = 0, differing = 0, limit = sample.Length / 10;
        foreach (int r in sample)
        {
            if (double.IsNaN(a[r]) || double.IsNaN(b[r])) continue;
            int l = codes.Levels[r];
            double d = b[r] - a[r];
            if (double.IsNaN(first[l]))
            {
                first[l] = d;
                magnitude[l] = Math.Abs(a[r]) + Math.Abs(b[r]);
                continue;
            }
            repeated++;
            if (!(Math.Abs(d - first[l]) <= Tolerance * Math.Max(magnitude[l], Math.Abs(a[r]) + Math.Abs(b[r]))) && ++differing > limit) return false;
        }
        return repeated >= 10;
    }

    /// <summary>Whether <paramref name="a"/> spreads more than <paramref name="b"/> (its variance over the first <paramref name="rows"/> rows holding both is at least <paramref name="b"/>'s).</summary>
    private static bool Spread(double[] a, double[] b, int rows)
    {
        double sa = 0, sb = 0, qa = 0, qb = 0;
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(a[r]) || double.IsNaN(b[r])) continue;
            n++;
            sa += a[r];
            sb += b[r];
            qa += a[r] * a[r];
            qb += b[r] * b[r];
        }
        return n == 0 || qa - sa * sa / n >= qb - sb * sb / n;
    }

    /// <summary>
    /// The offset that makes <paramref name="t"/> from <paramref name="x"/> and the category of column
    /// <paramref name="g"/> (<paramref name="codes"/>) over the first <paramref name="rows"/> rows, and the rows it makes;
    /// null where it does not qualify (see <see cref="AddOffsets"/>). Each category's offset is the median of its rows'
    /// differences; a category whose rows break it beyond the exceptions allowed has none (NaN).
    /// </summary>
    private static (int Covered, NumericFormula Formula)? Offset(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values,
        Func<int, int?> decimalsOf, int rows, int t, int x, int g, CategoryCodes codes)
    {
        double[] ys = values[t]!, xs = values[x]!;
        int count = codes.Count;
        // The rows holding both numbers, category by category (a counting sort).
        var start = new int[count + 1];
        int complete = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(ys[r]) || double.IsNaN(xs[r])) continue;
            start[codes.Levels[r] + 1]++;
            complete++;
        }
        if (complete < MinimumRows) return null;
        for (int l = 0; l < count; l++) start[l + 1] += start[l];
        var byLevel = new int[complete];
        var next = start[..count];
        for (int r = 0; r < rows; r++)
            if (!double.IsNaN(ys[r]) && !double.IsNaN(xs[r])) byLevel[next[codes.Levels[r]]++] = r;
        var offsets = new double[count];
        var differences = new double[complete];
        for (int l = 0; l < count; l++)
        {
            int n = start[l + 1] - start[l];
            if (n == 0) { offsets[l] = double.NaN; continue; }
            for (int i = 0; i < n; i++) { int r = byLevel[start[l] + i]; differences[i] = ys[r] - xs[r]; }
            Array.Sort(differences, 0, n);
            offsets[l] = differences[(n - 1) / 2];
        }
        var kind = kinds[t]!;
        var formula = new NumericFormula(t, GanFormulaKind.Offset, [x, g], 1, decimalsOf(t), names[t], [names[x], names[g]], offsets: offsets);
        int covered = 0, moving = 0;
        Span<double> input = stackalloc double[2];
        for (int l = 0; l < count; l++)
        {
            int n = start[l + 1] - start[l], broken = 0;
            if (n == 0) continue;
            double least = double.PositiveInfinity, most = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                int r = byLevel[start[l] + i];
                input[0] = xs[r];
                input[1] = l;
                double v = formula.Value(input, kind, double.NegativeInfinity, double.PositiveInfinity);
                if (!(Math.Abs(v - ys[r]) <= Tolerance * (Math.Abs(ys[r]) + Math.Abs(xs[r])))) broken++;
                least = Math.Min(least, xs[r]);
                most = Math.Max(most, xs[r]);
            }
            // The formula holds this array: a category that fails has no offset in it.
            if (broken > (int)(ColumnDependency.ExceptionShare * n)) { offsets[l] = double.NaN; continue; }
            covered += n - broken;
            if (least < most) moving += n - broken;
        }
        if (covered < MinimumOffsetShare * complete || moving < MinimumMovingShare * covered || offsets.Where(double.IsFinite).Distinct().Count() < 2) return null;
        return (covered, formula);
    }

    /// <summary>Whether column <paramref name="target"/> is among <paramref name="inputs"/> or among what <paramref name="formulas"/> make them from: a formula making it from them would be a cycle.</summary>
    private static bool MakesFrom(List<NumericFormula> formulas, int[] inputs, int target)
    {
        var seen = new HashSet<int>();
        var pending = new Stack<int>(inputs);
        while (pending.Count > 0)
        {
            int c = pending.Pop();
            if (c == target) return true;
            if (!seen.Add(c)) continue;
            foreach (var f in formulas.Where(f => f.Target == c))
                foreach (int i in f.Inputs) pending.Push(i);
        }
        return false;
    }

    /// <summary><paramref name="formulas"/> ordered so that each comes after those that make its inputs (they form no cycle); found order otherwise.</summary>
    private static List<NumericFormula> InApplyOrder(List<NumericFormula> formulas)
    {
        var ordered = new List<NumericFormula>();
        var left = new List<NumericFormula>(formulas);
        while (left.Count > 0)
        {
            var next = left.First(f => !f.Inputs.Any(i => left.Any(o => o.Target == i)));
            ordered.Add(next);
            left.Remove(next);
        }
        return ordered;
    }

    /// <summary>
    /// The power of ten s with p = s × a / b (a ratio) or p = s × a × b (a product) on the first sample row where every
    /// value is other than 0, checked on up to 32 sample rows; null when there is none.
    /// </summary>
    private static double? ScaleOf(GanFormulaKind kind, double[] p, double[] a, double[] b, int[] sample)
    {
        double? scale = null;
        int checkedRows = 0;
        foreach (int r in sample)
        {
            if (double.IsNaN(p[r]) || double.IsNaN(a[r]) || double.IsNaN(b[r])) continue;
            if (scale is null)
            {
                if (p[r] == 0 || a[r] == 0 || b[r] == 0) continue;
                double estimate = kind == GanFormulaKind.Ratio ? p[r] * b[r] / a[r] : p[r] / (a[r] * b[r]);
                if (!(estimate > 0) || double.IsInfinity(estimate)) return null;
                double exponent = Math.Round(Math.Log10(estimate));
                if (exponent < LeastScaleExponent || exponent > GreatestScaleExponent) return null;
                double power = Math.Pow(10, exponent);
                if (!(Math.Abs(estimate - power) <= Tolerance * power)) return null;
                scale = power;
            }
            double v = kind == GanFormulaKind.Ratio ? scale.Value * a[r] / b[r] : scale.Value * a[r] * b[r];
            if (!(Math.Abs(v - p[r]) <= Tolerance * Math.Abs(p[r]) + 1e-12)) return null;
            if (++checkedRows == 32) break;
        }
        return scale;
    }

    /// <summary>
    /// The least-squares weights of <paramref name="parts"/> that best make column <paramref name="target"/> over rows
    /// <paramref name="sample"/> (a Householder QR with column pivoting on columns scaled to unit length; a column the
    /// others already make gets weight 0); null when no column has length.
    /// </summary>
    internal static double[]? LeastSquares(IReadOnlyList<double[]?> values, int[] parts, int target, int[] sample)
    {
        int n = sample.Length, m = parts.Length;
        var a = new double[m][]; // columns
        var norms = new double[m];
        for (int j = 0; j < m; j++)
        {
            var v = values[parts[j]]!;
            a[j] = new double[n];
            double s = 0;
            for (int i = 0; i < n; i++) { a[j][i] = v[sample[i]]; s += a[j][i] * a[j][i]; }
            norms[j] = Math.Sqrt(s);
            if (norms[j] > 0) for (int i = 0; i < n; i++) a[j][i] /= norms[j];
        }
        var y = values[target]!;
        var b = new double[n];
        double yNorm = 0;
        for (int i = 0; i < n; i++) { b[i] = y[sample[i]]; yNorm += b[i] * b[i]; }
        yNorm = Math.Sqrt(yNorm);
        if (!(yNorm > 0)) return null;
        for (int i = 0; i < n; i++) b[i] /= yNorm;
        int[] order = Enumerable.Range(0, m).ToArray();
        int rank = 0;
        double first = 0;
        for (int k = 0; k < Math.Min(n, m); k++)
        {
            // The remaining column longest below row k leads.
            int best = -1;
            double bestLength = -1;
            for (int j = k; j < m; j++)
            {
                double s = 0;
                for (int i = k; i < n; i++) s += a[j][i] * a[j][i];
                if (s > bestLength) { bestLength = s; best = j; }
            }
            double length = Math.Sqrt(bestLength);
            if (k == 0) first = length;
            if (!(length > 1e-9 * first)) break;
            (a[k], a[best]) = (a[best], a[k]);
            (order[k], order[best]) = (order[best], order[k]);
            // Householder reflection of column k below row k onto its first entry.
            var col = a[k];
            double alpha = col[k] > 0 ? -length : length;
            var u = new double[n];
            for (int i = k; i < n; i++) u[i] = col[i];
            u[k] -= alpha;
            double uu = 0;
            for (int i = k; i < n; i++) uu += u[i] * u[i];
            if (uu > 0)
            {
                void Reflect(double[] x)
                {
                    double dot = 0;
                    for (int i = k; i < n; i++) dot += u[i] * x[i];
                    double f = 2 * dot / uu;
                    for (int i = k; i < n; i++) x[i] -= f * u[i];
                }
                for (int j = k; j < m; j++) Reflect(a[j]);
                Reflect(b);
            }
            rank = k + 1;
        }
        if (rank == 0) return null;
        // Back-substitution through the leading rank × rank triangle; the other columns weigh 0.
        var z = new double[rank];
        for (int k = rank - 1; k >= 0; k--)
        {
            double s = b[k];
            for (int j = k + 1; j < rank; j++) s -= a[j][k] * z[j];
            z[k] = s / a[k][k];
        }
        var weights = new double[m];
        for (int k = 0; k < rank; k++) weights[order[k]] = z[k] * yNorm / norms[order[k]];
        return weights;
    }
}

/// <summary>A <see cref="NumericFormula"/> in a model file.</summary>
internal sealed class FormulaState
{
    public string? Target { get; set; }
    public GanFormulaKind Kind { get; set; }
    public string[]? Inputs { get; set; }
    public double Scale { get; set; }
    public int? Decimals { get; set; }

    /// <summary>Whether a ratio solves for one of its inputs where its value leaves the target's range (<see cref="NumericFormula.Solves"/>); false in format 13.</summary>
    public bool Solves { get; set; }

    /// <summary>Which input it solves for (<see cref="NumericFormula.SolvedInput"/>): 0, the numerator (always before format 19), or 1, the denominator.</summary>
    public int SolvedInput { get; set; }

    /// <summary>
    /// Whether a ratio that solves makes its solved input from the generator's own target in every row where it can
    /// (format 24; false before: only where the target made from the generated inputs leaves its range). A numerator that
    /// a sum making the denominator reads is made before the formulas apply (<see cref="FormulaSolving.BeforeTotal"/>).
    /// </summary>
    public bool EveryRow { get; set; }

    /// <summary>An offset's value for each category of its categorical input, NaN for none (<see cref="NumericFormula.Offsets"/>); absent for the other kinds, and in files of format 31 and older.</summary>
    public double[]? Offsets { get; set; }

    public static FormulaState From(NumericFormula f) => new()
    {
        Target = f.TargetName, Kind = f.Kind, Inputs = f.InputNames, Scale = f.Scale, Decimals = f.Decimals, Solves = f.Solves, SolvedInput = f.SolvedInput ?? 0,
        EveryRow = f.Solving != FormulaSolving.WhereOutOfRange, Offsets = f.Offsets,
    };

    /// <summary>
    /// The formulas of a model file, checked against its columns: a file from a stranger cannot make decoding read
    /// outside them, read a column before a formula makes it, or make a column from itself.
    /// </summary>
    public static NumericFormula[] Restore(FormulaState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} formulas, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        bool Number(int c) => columns[c] is NumericColumn { Kind: NumericKind and not TimeKind };
        var made = new HashSet<int>();
        var read = new HashSet<int>();
        var result = new NumericFormula[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"formula {i + 1} is null");
            string Where() => $"formula {i + 1} (of '{Common.Text.Printable(s.Target ?? "", 60)}')";
            if (s.Target is null || !index.TryGetValue(s.Target, out int t) || !Number(t))
                throw new InvalidDataException($"{Where()} does not make a number column of the model");
            var inputs = s.Inputs ?? [];
            bool offset = s.Kind == GanFormulaKind.Offset;
            if (!Enum.IsDefined(s.Kind) || (s.Kind == GanFormulaKind.Sum ? inputs.Length < 2 || inputs.Length > NumericFormula.MaximumParts : inputs.Length != 2))
                throw new InvalidDataException($"{Where()} is not a sum of 2 to {NumericFormula.MaximumParts} columns, nor a ratio, product or offset of 2");
            var at = new int[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
            {
                // An offset's second input is the categorical column whose category fixes the offset.
                bool known = inputs[k] is not null && index.TryGetValue(inputs[k], out at[k]) && at[k] != t;
                if (!known || (offset && k == 1 ? columns[at[k]] is not CategoricalColumn : !Number(at[k])))
                    throw new InvalidDataException(offset
                        ? $"{Where()} reads something other than a number column and a categorical column of the model, or reads its own column"
                        : $"{Where()} reads something other than number columns of the model, or reads its own column");
            }
            if (at.Distinct().Count() != at.Length) throw new InvalidDataException($"{Where()} reads a column twice");
            if (offset != s.Offsets is not null
                || offset && (s.Offsets!.Length != ((CategoricalColumn)columns[at[1]]).LevelCount || s.Offsets.Any(double.IsInfinity) || !s.Offsets.Any(double.IsFinite)))
                throw new InvalidDataException(offset
                    ? $"{Where()} needs an offset (a finite number, or NaN for none) for each of the {((CategoricalColumn)columns[at[1]]).LevelCount} categories of '{Common.Text.Printable(inputs[1], 60)}', one of them finite"
                    : $"{Where()} lists offsets, which only an offset formula has");
            double power = Math.Log10(s.Scale);
            if (s.Kind is GanFormulaKind.Sum or GanFormulaKind.Offset ? s.Scale != 1 : !(Math.Round(power) == power && power >= NumericFormula.LeastScaleExponent && power <= NumericFormula.GreatestScaleExponent))
                throw new InvalidDataException($"{Where()} has a scale other than a power of ten from 10^{NumericFormula.LeastScaleExponent} to 10^{NumericFormula.GreatestScaleExponent} (1 for a sum or an offset)");
            if (s.Decimals is int d && (d < 0 || d > NumericGranularity.MaximumDecimals))
                throw new InvalidDataException($"{Where()} rounds to {d} decimals, outside 0 to {NumericGranularity.MaximumDecimals}");
            if (made.Contains(t) || read.Contains(t)) throw new InvalidDataException($"{Where()} makes a column another formula makes or has read before");
            if (s.SolvedInput is not (0 or 1) || s.SolvedInput != 0 && !s.Solves || s.EveryRow && !s.Solves)
                throw new InvalidDataException($"{Where()} solves for input {s.SolvedInput}{(s.EveryRow ? " in every row" : "")}: a ratio solves for its numerator (0) or its denominator (1), and only where it solves at all");
            // A numerator an earlier formula read (a sum's part) is made before the formulas apply; checked below to be the sum making the denominator.
            var solving = !s.EveryRow ? FormulaSolving.WhereOutOfRange : s.SolvedInput == 0 && read.Contains(at[0]) ? FormulaSolving.BeforeTotal : FormulaSolving.EveryRow;
            if (s.Solves && (s.Kind != GanFormulaKind.Ratio || made.Contains(at[s.SolvedInput]) || read.Contains(at[s.SolvedInput]) && solving != FormulaSolving.BeforeTotal))
                throw new InvalidDataException($"{Where()} solves for a column that is no ratio's numerator or denominator, or one another formula reads or makes");
            made.Add(t);
            foreach (int c in at) read.Add(c);
            result[i] = new NumericFormula(t, s.Kind, at, s.Scale, s.Decimals, s.Target, at.Select(c => columns[c].Name).ToArray(), s.Solves ? s.SolvedInput : null, solving, s.Offsets);
        }
        // A solved input is read by no other formula either; a numerator made before the total, by no other than the sum making the denominator.
        foreach (var f in result.Where(f => f.Solves))
        {
            int c = f.SolvedColumn!.Value;
            var others = result.Where(o => o != f && (o.Target == c || o.Inputs.Contains(c))).ToArray();
            bool sumOfIt = others is [{ Kind: GanFormulaKind.Sum } sum] && sum.Target == f.Inputs[1] && sum.Target != c;
            if (others.Length > 0 && !(f.Solving == FormulaSolving.BeforeTotal && sumOfIt))
                throw new InvalidDataException($"formula {f} solves for '{Common.Text.Printable(columns[c].Name, 60)}', which another formula "
                    + (f.Solving == FormulaSolving.BeforeTotal ? "than the sum making its denominator " : "") + "reads or makes");
        }
        return result;
    }
}

/// <summary>Where a ratio that solves for an input (<see cref="NumericFormula.Solves"/>) makes that input from the generator's own target.</summary>
internal enum FormulaSolving
{
    /// <summary>Only where the target made from the generated inputs leaves its range (files of format 23 and older).</summary>
    WhereOutOfRange,

    /// <summary>
    /// In every row where the input and the target made from it lie in their ranges: the generator learns the target (a
    /// share, an area) and the input (a count, a density) follows from it; where they do not, as
    /// <see cref="WhereOutOfRange"/>'s formula makes the target.
    /// </summary>
    EveryRow,

    /// <summary>
    /// A numerator that is a part of the sum making the denominator (a group's count, of which the ratio is its share of
    /// the total): made from the generator's own share and total before any formula applies; the sum then makes the total
    /// and the ratio the share (no fallback: the sum has read the part).
    /// </summary>
    BeforeTotal,
}
