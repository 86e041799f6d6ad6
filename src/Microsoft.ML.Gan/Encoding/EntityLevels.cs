using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A number column that each category of a categorical column of many categories holds about a level of its own: a
/// patient's bilirubin over the visits of a study, a city's monthly sales. The <see cref="Target"/> is learned as its
/// distance from its row's category's level, and decoded as level plus distance: a generator that has to learn hundreds
/// of levels from one-hot categories places a patient's visits anywhere in the column's spread, which a detector that
/// reads the patient beside the value sees at once (pbcseq's id × alk.phos); the distance it learns instead is the
/// spread within a patient, and the level puts every generated visit back in its patient's band.
/// </summary>
/// <remarks>
/// The levels are on the target's log-odds scale: a value's level u among the training values (<see cref="Quantiles"/>,
/// ties at the middle of their run, placed within [<see cref="Edge"/>, 1 − <see cref="Edge"/>]) as log(u / (1 − u)), where distances are alike at every level (a skewed
/// measure's small values spread as little as its large ones spread widely on its own scale); a category's level is the
/// mean of its rows' (0 for a category of fewer than <see cref="MinimumCategoryRows"/> present values). A distance
/// is learned in <see cref="Scale"/>s of the log-odds (1000 for a whole-number column, whose values decode rounded; 1
/// for others). Decoding adds the row's category's level, maps the log-odds back to a level (1 / (1 + e^−z)) and the level
/// to a value through the quantiles, rounded to the target's grid: every decoded value lies in the training range, and a
/// training value's distance decodes back to the value. It applies first, right after the generator's columns are
/// decoded: no rule sets or changes the target or the category's column (<see cref="Find"/> is given only such
/// columns), and a rule that reads the target (a trend's anchor, a formula's input) reads its value, as it was found on
/// values. .NET (<see cref="Apply"/>) and the graph (<see cref="AddOnnx"/>) make the same values with the
/// same operations in the same order.
/// </remarks>
internal sealed class EntityLevel
{
    /// <summary>The fewest categories a column whose categories hold levels has: fewer, and the generator learns each one's spread itself.</summary>
    public const int MinimumCategories = 20;

    /// <summary>The most categories it may have (and a saved one may): those of a categorical column.</summary>
    public const int MaximumCategories = ColumnDependency.MaximumKeys;

    /// <summary>Present values a category needs for a level of its own.</summary>
    public const int MinimumCategoryRows = 3;

    /// <summary>
    /// The least share of the target's variance (on the log-odds scale) its categories' levels must explain, adjusted for
    /// the share levels of so few rows explain by chance (ε²): half, where a patient's levels of a liver test explain
    /// 64-78 % and a school's pupils' scores a tenth.
    /// </summary>
    public const double MinimumExplained = 0.5;

    /// <summary>
    /// The least share a column's levels explain for the column to keep them rather than follow a trend (it may still
    /// anchor one): a state's population over the years of a panel.
    /// </summary>
    public const double MinimumExplainedPastTrends = 0.9;

    /// <summary>
    /// The median present values of the categories with a level must be below this: a category with rows enough for a
    /// map of its own (<see cref="MarginalGroups.MinimumRows"/>) keeps its whole spread by that map, which a level and
    /// one spread of distances for all keep less well (txhousing's 46 cities of 187 months: city × listings went from
    /// nothing to a pair AUC of 0.58, FastTree 0.605 → 0.685 on seed 1). Levels are for the entities of a few rows each.
    /// </summary>
    public const int MaximumMedianRows = MarginalGroups.MinimumRows;

    /// <summary>The least share of the present values that categories with a level of their own hold.</summary>
    public const double MinimumCovered = 0.5;

    /// <summary>
    /// The least share of the present values of categories with a level that lie in categories where the target moves:
    /// a column each category fixes in nearly every row is the category's (a dependency), not a level.
    /// </summary>
    public const double MinimumMoving = 0.1;

    /// <summary>
    /// Where a value's level of 0 and of 1 are taken, so that their log-odds stay finite (±9.2): levels from 0 to 1 are
    /// placed evenly from <see cref="Edge"/> to 1 − <see cref="Edge"/>, and placed back when decoding.
    /// </summary>
    public const double Edge = 1e-4;

    /// <summary>The <see cref="Scale"/> of a whole-number target's distances.</summary>
    public const double IntegerScale = 1000;

    /// <summary>Rows with both the target and the <see cref="Along"/> column present a category needs for a line of its own.</summary>
    public const int MinimumLineRows = 4;

    /// <summary>
    /// The least share of what the levels leave of the target's variance (within the categories, on the log-odds scale)
    /// the categories' lines along another column must explain, adjusted for the share lines through so few rows explain
    /// by chance: half, where a state's population along the years of a panel leaves 1 % of it.
    /// </summary>
    public const double MinimumExplainedAlong = 0.5;

    /// <summary>
    /// The least share of a number's variance (on the log-odds scale, adjusted for chance) that its categories' levels
    /// and lines together must explain where the levels alone explain less than <see cref="MinimumExplained"/>: three
    /// quarters, so that a category's line, which a generated value a step apart in its column moves along, is kept only
    /// where it carries most of the column (a state's share of young men along the years: 93 %).
    /// </summary>
    public const double MinimumExplainedOnLines = 0.75;

    /// <summary>The most a category's line may move the target's log-odds across the category's range of the <see cref="Along"/> column (a saved one too).</summary>
    public const double MaximumLineSpan = 100;

    /// <summary>The weight, in rows, that a category's spread gives the spread of all categories (<see cref="WithSpreads"/>): a category of few rows keeps near the common spread.</summary>
    public const double SpreadPrior = 4;

    /// <summary>The narrowest and widest spread a category may have, as a multiple of the common one (a saved one too).</summary>
    public const double MinimumSpread = 0.01, MaximumSpread = 100;

    private readonly double[] _quantiles;
    private readonly double[] _levels;
    private readonly Line? _line;
    private readonly double[]? _spreads;

    /// <summary>
    /// Each category's line along column <see cref="Column"/>: the log-odds a row's value of it adds to the category's
    /// level, <c>Slopes[c] × (x − Centres[c])</c>, x first placed within the category's training range [Lows[c],
    /// Highs[c]] (0 for a category without a line: all four 0) and a missing x adding nothing.
    /// </summary>
    internal sealed record Line(int Column, string Name, double[] Slopes, double[] Centres, double[] Lows, double[] Highs, double Explained)
    {
        public double Term(int category, double x)
        {
            if (double.IsNaN(x) || (uint)category >= (uint)Slopes.Length) return 0;
            return Slopes[category] * (Math.Clamp(x, Lows[category], Highs[category]) - Centres[category]);
        }
    }

    public EntityLevel(int target, string targetName, int entity, string entityName, double[] quantiles, double[] levels, double scale,
        NumericGranularity? grid, bool integer, double explained, Line? line = null, double[]? spreads = null, MarginalMap? calibration = null)
    {
        Calibration = calibration;
        _line = line;
        _spreads = spreads;
        Target = target;
        TargetName = targetName;
        Entity = entity;
        EntityName = entityName;
        _quantiles = quantiles;
        _levels = levels;
        Scale = scale;
        Grid = grid;
        IsInteger = integer;
        Explained = explained;
    }

    /// <summary>The column learned as its distance from its category's level: its index in the encoder.</summary>
    public int Target { get; }

    public string TargetName { get; }

    /// <summary>The categorical column whose categories hold the levels.</summary>
    public int Entity { get; }

    public string EntityName { get; }

    /// <summary>The target's present training values at <see cref="MarginalMap.Levels"/> + 1 even levels, ascending.</summary>
    public IReadOnlyList<double> Quantiles => _quantiles;

    /// <summary>Each category's level (log-odds), by its index in <see cref="Entity"/>; 0 for a category without one.</summary>
    public IReadOnlyList<double> Levels => _levels;

    /// <summary>The distance learned per unit of log-odds: <see cref="IntegerScale"/> for a whole-number target, else 1.</summary>
    public double Scale { get; }

    /// <summary>The target's grid, when it has one: decoded values are rounded to it.</summary>
    public NumericGranularity? Grid { get; }

    /// <summary>Whether the target holds whole numbers (rounded, half to even, when it has no grid).</summary>
    public bool IsInteger { get; }

    /// <summary>The share of the target's log-odds variance the levels explain (ε²), for people to read.</summary>
    public double Explained { get; }

    /// <summary>The target's training range: its lowest and highest quantile.</summary>
    public double Minimum => _quantiles[0];

    public double Maximum => _quantiles[^1];

    /// <summary>The number column along which each category's level follows a line of its own (a state's population along the years of a panel); null without lines.</summary>
    public int? Along => _line?.Column;

    public string? AlongName => _line?.Name;

    /// <summary>The categories' lines, when they have them.</summary>
    internal Line? Lines => _line;

    /// <summary>
    /// Each category's spread about its level (and line), as a multiple of the common spread, by its index in
    /// <see cref="Entity"/> (1 for a category without a level); null where the distances are not scaled by category
    /// (<see cref="WithSpreads"/>).
    /// </summary>
    public IReadOnlyList<double>? Spreads => _spreads;

    /// <summary>
    /// The target's map after its level (format 41; null in older files and without exact marginals): a monotone map of
    /// the values the level decodes to (its category's level plus the generated distance) onto the target's training
    /// values, its generated side fitted by calibration. The target's own map shapes the distances, but a value is
    /// the distance through its category's level, so the distances' shape is not the values': Fatalities' drinking age
    /// (twelve values, 21 in 69 % of the rows, each state about a level) came out in 713 values, 4 % of them between the
    /// data's, and a shape of 0.95; mpg's city mileage 0.95. Mapped, the values are the training ones (exactly, for a
    /// target of few values) in the training shares, and each row keeps its rank.
    /// </summary>
    public MarginalMap? Calibration { get; }

    /// <summary>The same level with lines along another column (<see cref="FindLines"/>).</summary>
    public EntityLevel WithLines(Line line) => new(Target, TargetName, Entity, EntityName, _quantiles, _levels, Scale, Grid, IsInteger, Explained, line, _spreads, Calibration);

    /// <summary>The level with the training side of its <see cref="Calibration"/> from the target's present training values <paramref name="sorted"/> (ascending), the generated side left to calibration.</summary>
    public EntityLevel WithCalibrationTraining(double[] sorted, bool repeats, Func<double, double>? stored)
    {
        var state = CalibrationState(null);
        MarginalMap.FitTraining(state, sorted, repeats: repeats, stored: stored);
        return WithCalibration(state);
    }

    /// <summary>
    /// The level with the generated side of its <see cref="Calibration"/> from <paramref name="generated"/>, the values it
    /// decoded generated rows to before the map (NaN missing), each counted with its weight when <paramref name="weights"/>
    /// are given; itself when it has no calibration or no value is present.
    /// </summary>
    public EntityLevel WithGeneratedCalibration(double[] generated, float[]? weights)
    {
        if (Calibration is null) return this;
        var state = CalibrationState(Calibration);
        if (!MarginalMap.FitGenerated(state, generated, weights, null)) return this;
        return WithCalibration(state);
    }

    /// <summary>The level with its calibration's generated side dropped (it then decodes without the map), for calibration to read the values it makes.</summary>
    public EntityLevel WithoutGeneratedCalibration()
    {
        if (Calibration is not { IsCalibrated: true }) return this;
        var state = CalibrationState(Calibration);
        state.MarginalGenerated = null;
        return WithCalibration(state);
    }

    /// <summary>The level without a map after it (as files of format 40 and older have it).</summary>
    public EntityLevel WithoutCalibration() => Calibration is null ? this : new(Target, TargetName, Entity, EntityName, _quantiles, _levels, Scale, Grid, IsInteger, Explained, _line, _spreads);

    /// <summary>A column state of the target's range and grid, with <paramref name="map"/> written into it.</summary>
    internal ColumnState CalibrationState(MarginalMap? map)
    {
        var state = new ColumnState { Name = TargetName, Kind = "Double", Minimum = Minimum, Maximum = Maximum, GranularityUnits = Grid?.Units, GranularityDecimals = Grid?.Decimals };
        map?.ToState(state);
        return state;
    }

    private EntityLevel WithCalibration(ColumnState state) =>
        new(Target, TargetName, Entity, EntityName, _quantiles, _levels, Scale, Grid, IsInteger, Explained, _line, _spreads,
            NumericTrend.CalibrationMap(state, TargetName, Minimum, Maximum, "its level"));

    /// <summary>
    /// The same level with each category's own spread about its level and line (a state whose population grows along the
    /// years on an all but straight line, another that moves about its line): the root mean square of the category's
    /// log-odds about them as a multiple of that of all categories, within [<see cref="MinimumSpread"/>,
    /// <see cref="MaximumSpread"/>], drawn towards 1 on the log scale by <see cref="SpreadPrior"/> rows (a category of
    /// n rows keeps n / (n + 4) of its log). The distance learned is then divided by
    /// the category's spread, and generation multiplies it back, so that a generator that learns one spread of distances
    /// for every category gives each its own. The level as it is where the target does not move about its levels.
    /// </summary>
    /// <param name="values">The target's training values (not yet its distances), <paramref name="rows"/> of them.</param>
    /// <param name="x">The <see cref="Along"/> column's training values, where the level has lines.</param>
    public EntityLevel WithSpreads(double[] values, double[]? x, CategoryCodes codes, int rows)
    {
        int k = codes.Count;
        var count = new int[k];
        var squares = new double[k];
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(values[r])) continue;
            int c = codes.Levels[r];
            double e = LogOdds(_quantiles, values[r]) - LevelOf(c) - (_line?.Term(c, x?[r] ?? double.NaN) ?? 0);
            count[c]++;
            squares[c] += e * e;
        }
        int n = 0;
        double all = 0;
        for (int c = 0; c < k; c++)
            if (count[c] >= MinimumCategoryRows) { n += count[c]; all += squares[c]; }
        if (n == 0 || !(all > 0)) return this;
        double common = all / n;
        var spreads = new double[k];
        for (int c = 0; c < k; c++)
        {
            if (count[c] < MinimumCategoryRows) { spreads[c] = 1; continue; }
            // On the log scale (a spread is a scale), drawn towards the common one by SpreadPrior rows of it.
            double own = Math.Clamp(Math.Sqrt(squares[c] / count[c] / common), MinimumSpread, MaximumSpread);
            spreads[c] = Math.Clamp(Math.Exp(Math.Log(own) * count[c] / (count[c] + SpreadPrior)), MinimumSpread, MaximumSpread);
        }
        return new(Target, TargetName, Entity, EntityName, _quantiles, _levels, Scale, Grid, IsInteger, Explained, _line, spreads, Calibration);
    }

    private double SpreadOf(int category) => _spreads is { } spreads && (uint)category < (uint)spreads.Length ? spreads[category] : 1;

    public override string ToString() => $"{TargetName} about a level for each {EntityName} ({Explained:P0} of its spread)" +
        (_line is { } line ? $", on a line along {line.Name} ({line.Explained:P0} of the rest)" : "") + (_spreads is null ? "" : ", each with a spread of its own");

    /// <summary>The log-odds of a present value's level among the quantiles (ties at the middle of their run).</summary>
    private static double LogOdds(double[] quantiles, double v)
    {
        double u = Edge + MarginalMap.Level(quantiles, v, 0.5) * (1 - 2 * Edge);
        return Math.Log(u / (1 - u));
    }

    /// <summary>
    /// The distance a present value of a row of category <paramref name="category"/> (and value <paramref name="x"/> of
    /// the <see cref="Along"/> column, read where the level has lines) is learned as (whole with <see cref="IntegerScale"/>); NaN stays NaN.
    /// </summary>
    public double Distance(double v, int category, double x = double.NaN)
    {
        if (double.IsNaN(v)) return v;
        double d = (LogOdds(_quantiles, v) - LevelOf(category) - (_line?.Term(category, x) ?? 0)) * Scale;
        if (_spreads is not null) d /= SpreadOf(category);
        return IsInteger ? Math.Round(d, MidpointRounding.ToEven) : d;
    }

    private double LevelOf(int category) => (uint)category < (uint)_levels.Length ? _levels[category] : 0;

    /// <summary>The value a distance <paramref name="d"/> of a row of category <paramref name="category"/> (and <see cref="Along"/> value <paramref name="x"/>) decodes to; NaN stays NaN.</summary>
    public double Value(double d, int category, double x = double.NaN)
    {
        if (double.IsNaN(d)) return d;
        double z = _spreads is null ? d / Scale + LevelOf(category) : d / Scale * SpreadOf(category) + LevelOf(category);
        if (_line is { } line) z += line.Term(category, x);
        double u = Math.Clamp((1.0 / (1.0 + Math.Exp(-z)) - Edge) / (1 - 2 * Edge), 0.0, 1.0);
        double v = MarginalMap.Interpolate(_quantiles, u);
        if (Grid is { } grid) v = grid.Round(v);
        else if (IsInteger) v = Math.Round(v, MidpointRounding.ToEven);
        return Math.Clamp(v, Minimum, Maximum);
    }

    /// <summary>
    /// Makes the target of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/> from
    /// its distance there (as its column's type holds it, as the graph has it) and the row's category, mapped by the
    /// <see cref="Calibration"/>, as the column's type holds it.
    /// </summary>
    /// <remarks>
    /// With a calibrated <see cref="Calibration"/>, <paramref name="draws"/> holds the rows' uniforms (from row
    /// <paramref name="firstRow"/> on, <paramref name="drawStride"/> a row) and <paramref name="drawIndex"/> is the target's
    /// own map's draw among them (as a trend's map after it reads it: <see cref="NumericTrend.CalibrationDraw"/>); with
    /// argmax sampling (or no draws) a tie takes the middle level.
    /// </remarks>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows, ReadOnlySpan<float> draws, int drawStride, int drawIndex, CategorySampling sampling)
    {
        var y = into.Numbers(Target);
        var categories = into.Levels(Entity);
        var kind = (NumericKind)columns[Target].Kind;
        var map = Calibration is { IsCalibrated: true } calibrated ? calibrated : null;
        bool drawn = map is not null && sampling != CategorySampling.ArgMax && drawIndex >= 0 && !draws.IsEmpty;
        var x = _line is { } line ? into.Numbers(line.Column) : null;
        var alongKind = _line is { } l ? (NumericKind)columns[l.Column].Kind : null;
        for (int r = firstRow; r < firstRow + rows; r++)
        {
            double v = x is null ? Value(kind.Stored(y[r]), categories[r]) : Value(kind.Stored(y[r]), categories[r], alongKind!.Stored(x[r]));
            if (map is not null && !double.IsNaN(v))
                v = NumericTrend.MappedAfter(map, kind.Stored, v, drawn ? NumericTrend.CalibrationDraw(draws[(r - firstRow) * drawStride + drawIndex]) : 0.5, Grid, Minimum, Maximum);
            y[r] = kind.Stored(v);
        }
    }

    /// <summary>The distances of rows [0, <paramref name="count"/>) of <paramref name="rows"/>, whose target holds values: as <c>Fit</c> has them.</summary>
    public void Distances(DecodedRows rows, int count)
    {
        var y = rows.Numbers(Target);
        var categories = rows.Levels(Entity);
        var x = _line is { } line ? rows.Numbers(line.Column) : null;
        for (int r = 0; r < count; r++) y[r] = Distance(y[r], categories[r], x?[r] ?? double.NaN);
    }

    /// <summary><see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the target's entry is replaced.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded, string? draws, int drawIndex, CategorySampling sampling)
    {
        var target = (NumericColumn)columns[Target];
        string d = target.OutputType == OnnxType.Double ? decoded[Target] : g.Node("Cast", [decoded[Target]], ("to", (long)OnnxType.Double));
        // A missing distance (NaN) stays missing; the value is made from 0 there, as a NaN index would read outside the quantiles.
        string missing = g.Node("IsNaN", [d]);
        string present = g.Node("Where", [missing, g.Scalar(0.0), d]);
        string level = g.Node("Gather", [g.Constant(_levels, _levels.Length), decoded[Entity]], ("axis", 0));
        string distance = g.Node("Div", [present, g.Scalar(Scale)]);
        if (_spreads is { } spreads) distance = g.Node("Mul", [distance, g.Node("Gather", [g.Constant(spreads, spreads.Length), decoded[Entity]], ("axis", 0))]);
        string z = g.Node("Add", [distance, level]);
        if (_line is { } line)
        {
            // The category's line: slope × (x placed within the category's range − centre); a missing x adds nothing (x is the centre there).
            var along = (NumericColumn)columns[line.Column];
            string x = along.OutputType == OnnxType.Double ? decoded[line.Column] : g.Node("Cast", [decoded[line.Column]], ("to", (long)OnnxType.Double));
            string Of(double[] table) => g.Node("Gather", [g.Constant(table, table.Length), decoded[Entity]], ("axis", 0));
            string centre = Of(line.Centres);
            x = g.Node("Where", [g.Node("IsNaN", [x]), centre, x]);
            x = g.Node("Max", [g.Node("Min", [x, Of(line.Highs)]), Of(line.Lows)]);
            z = g.Node("Add", [z, g.Node("Mul", [Of(line.Slopes), g.Node("Sub", [x, centre])])]);
        }
        string u = g.Node("Div", [g.Scalar(1.0), g.Node("Add", [g.Scalar(1.0), g.Node("Exp", [g.Node("Neg", [z])])])]);
        u = g.Node("Div", [g.Node("Sub", [u, g.Scalar(Edge)]), g.Scalar(1 - 2 * Edge)]);
        u = g.Node("Max", [g.Node("Min", [u, g.Scalar(1.0)]), g.Scalar(0.0)]);
        string v = MarginalMap.OnnxInterpolate(g, g.Constant(_quantiles, _quantiles.Length), _quantiles.Length, u, null);
        if (Grid is { } grid) v = grid.AddOnnxRound(g, v);
        else if (IsInteger) v = g.Node("Round", [v]);
        v = g.Node("Max", [g.Node("Min", [v, g.Scalar(Maximum)]), g.Scalar(Minimum)]);
        if (Calibration is { IsCalibrated: true } map) v = NumericTrend.AddOnnxMappedAfter(g, map, v, target.OutputType, draws, drawIndex, sampling, Grid, Minimum, Maximum);
        v = g.Node("Where", [missing, d, v]);
        decoded[Target] = target.OutputType == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)target.OutputType));
    }

    /// <summary>
    /// The levels the training rows show: for each number column <paramref name="eligible"/> says may be a target (its
    /// present values in <paramref name="values"/>, <paramref name="rows"/> of them), the categorical column among
    /// <paramref name="categories"/> (each row's category index, and the count) whose categories' levels explain the
    /// most of it, at least <see cref="MinimumExplained"/>, with <see cref="MinimumCovered"/> of its values in categories
    /// of a level and <see cref="MinimumMoving"/> of those in categories where it moves.
    /// </summary>
    public static List<EntityLevel> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        IReadOnlyList<CategoryCodes?> categories, Func<int, bool> eligible, Func<int, NumericGranularity?> gridOf, Action checkAlive)
    {
        var found = new List<EntityLevel>();
        for (int t = 0; t < values.Count; t++)
        {
            if (values[t] is not { } column || kinds[t] is not { } kind || kind is TimeKind || kind.Lowest >= 0 || !eligible(t)) continue;
            checkAlive();
            if (Scaled(column, rows) is not var (quantiles, z)) continue;
            EntityLevel? best = null;
            for (int e = 0; e < categories.Count; e++)
            {
                if (categories[e] is not { Count: >= MinimumCategories and <= MaximumCategories } codes) continue;
                if (Explain(z, codes, rows) is not var (explained, levels) || explained < MinimumExplained || (best is not null && explained <= best.Explained)) continue;
                bool integer = kind.Precision == NumberPrecision.Whole;
                best = new EntityLevel(t, names[t], e, names[e], quantiles, levels, integer ? IntegerScale : 1, gridOf(t), integer, explained);
            }
            if (best is not null) found.Add(best);
        }
        return found;
    }

    /// <summary>
    /// The levels on lines the training rows show where levels alone fall short: for each number column
    /// <paramref name="eligible"/> says may be a target, the categorical column and the column among
    /// <paramref name="along"/> (not the target) whose levels and lines together explain the most of it, at least
    /// <see cref="MinimumExplainedOnLines"/>, the lines at least <see cref="MinimumExplainedAlong"/> of what the levels leave (a
    /// state's share of young men, which falls along the years at a pace of each state's own: the states' levels
    /// alone explain a third of it). Each with the share both explain, the strongest first.
    /// </summary>
    public static List<(EntityLevel Level, double Explained)> FindOnLines(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        IReadOnlyList<CategoryCodes?> categories, Func<int, bool> eligible, IReadOnlyList<int> along, Func<int, NumericGranularity?> gridOf, Action checkAlive)
    {
        var found = new List<(EntityLevel, double)>();
        for (int t = 0; t < values.Count; t++)
        {
            if (values[t] is not { } column || kinds[t] is not { } kind || kind is TimeKind || kind.Lowest >= 0 || !eligible(t)) continue;
            checkAlive();
            if (Scaled(column, rows) is not var (quantiles, z)) continue;
            (EntityLevel Level, double Explained)? best = null;
            for (int e = 0; e < categories.Count; e++)
            {
                if (categories[e] is not { Count: >= MinimumCategories and <= MaximumCategories } codes || Explain(z, codes, rows) is not var (explained, levels)) continue;
                bool integer = kind.Precision == NumberPrecision.Whole;
                var level = new EntityLevel(t, names[t], e, names[e], quantiles, levels, integer ? IntegerScale : 1, gridOf(t), integer, explained)
                    .FindLines(names, values, rows, codes, along.Where(a => a != t), checkAlive);
                if (level.Lines is not { } line) continue;
                double both = 1 - (1 - explained) * (1 - line.Explained);
                if (both >= MinimumExplainedOnLines && (best is null || both > best.Value.Explained)) best = (level, both);
            }
            if (best is { } kept) found.Add(kept);
        }
        return found.OrderByDescending(f => f.Item2).ToList();
    }

    /// <summary>A column's training quantiles and each row's log-odds among them (NaN where missing); null for too few present values or a constant column.</summary>
    private static (double[] Quantiles, double[] Z)? Scaled(double[] column, int rows)
    {
        var present = new List<double>(rows);
        for (int r = 0; r < rows; r++) if (!double.IsNaN(column[r])) present.Add(column[r]);
        if (present.Count < 2 * MinimumCategoryRows) return null;
        var sorted = present.ToArray();
        Array.Sort(sorted);
        if (sorted[0] == sorted[^1]) return null;
        var quantiles = MarginalMap.Quantiles(sorted);
        var z = new double[rows];
        for (int r = 0; r < rows; r++) z[r] = double.IsNaN(column[r]) ? double.NaN : LogOdds(quantiles, column[r]);
        return (quantiles, z);
    }

    /// <summary>
    /// The level with lines along the column among <paramref name="candidates"/> (their training values in
    /// <paramref name="values"/>, <paramref name="rows"/> of them; the target's are its values, not yet its distances)
    /// whose lines explain the most of what the categories' levels leave of the target, at least
    /// <see cref="MinimumExplainedAlong"/> (adjusted for chance: each line costs a degree of freedom); the level as it is
    /// where none does. A category's line is the least-squares slope of the target's log-odds on the column through its
    /// rows where both are present (at least <see cref="MinimumLineRows"/> of them, the column not constant there).
    /// </summary>
    public EntityLevel FindLines(IReadOnlyList<string> names, IReadOnlyList<double[]?> values, int rows, CategoryCodes codes, IEnumerable<int> candidates, Action checkAlive)
    {
        var y = values[Target]!;
        var z = new double[rows];
        for (int r = 0; r < rows; r++) z[r] = double.IsNaN(y[r]) ? double.NaN : LogOdds(_quantiles, y[r]);
        // What the levels leave: within the categories of a level (as Explain counts them).
        var count = new int[codes.Count];
        for (int r = 0; r < rows; r++) if (!double.IsNaN(z[r])) count[codes.Levels[r]]++;
        int covered = 0, groups = 0;
        double left = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(z[r]) || count[codes.Levels[r]] < MinimumCategoryRows) continue;
            double e = z[r] - _levels[codes.Levels[r]];
            left += e * e;
        }
        for (int c = 0; c < codes.Count; c++) if (count[c] >= MinimumCategoryRows) { covered += count[c]; groups++; }
        if (!(left > 0) || covered - groups < 2) return this;
        Line? best = null;
        foreach (int a in candidates)
        {
            if (a == Target || a == Entity || values[a] is not { } x) continue;
            checkAlive();
            if (LinesAlong(z, x, codes, count, a, names[a]) is not { } line) continue;
            // The share of what the levels leave that the lines explain, each line a degree of freedom.
            int lines = line.Slopes.Count(b => b != 0);
            if (covered - groups - lines < 1) continue;
            double after = 0;
            for (int r = 0; r < rows; r++)
            {
                if (double.IsNaN(z[r]) || count[codes.Levels[r]] < MinimumCategoryRows) continue;
                double e = z[r] - _levels[codes.Levels[r]] - line.Term(codes.Levels[r], x[r]);
                after += e * e;
            }
            double explained = Math.Clamp(1 - after / (covered - groups - lines) / (left / (covered - groups)), 0, 1);
            if (explained < MinimumExplainedAlong || (best is not null && explained <= best.Explained)) continue;
            best = line with { Explained = explained };
        }
        return best is null ? this : WithLines(best);
    }

    /// <summary>Each category's line of <paramref name="z"/> along <paramref name="x"/> (categories of a level only); null where no category has one.</summary>
    private Line? LinesAlong(double[] z, double[] x, CategoryCodes codes, int[] count, int column, string name)
    {
        int k = codes.Count;
        var n = new int[k];
        var sx = new double[k];
        var sz = new double[k];
        var low = new double[k];
        var high = new double[k];
        Array.Fill(low, double.PositiveInfinity);
        Array.Fill(high, double.NegativeInfinity);
        for (int r = 0; r < z.Length; r++)
        {
            int c = codes.Levels[r];
            if (double.IsNaN(z[r]) || double.IsNaN(x[r]) || count[c] < MinimumCategoryRows) continue;
            n[c]++;
            sx[c] += x[r];
            sz[c] += z[r];
            low[c] = Math.Min(low[c], x[r]);
            high[c] = Math.Max(high[c], x[r]);
        }
        var sxx = new double[k];
        var sxz = new double[k];
        for (int r = 0; r < z.Length; r++)
        {
            int c = codes.Levels[r];
            if (double.IsNaN(z[r]) || double.IsNaN(x[r]) || count[c] < MinimumCategoryRows || n[c] < MinimumLineRows) continue;
            double dx = x[r] - sx[c] / n[c];
            sxx[c] += dx * dx;
            sxz[c] += dx * (z[r] - sz[c] / n[c]);
        }
        var slopes = new double[k];
        var centres = new double[k];
        var lows = new double[k];
        var highs = new double[k];
        bool any = false;
        for (int c = 0; c < k; c++)
        {
            if (n[c] < MinimumLineRows || !(high[c] > low[c]) || !(sxx[c] > 0)) continue;
            double slope = sxz[c] / sxx[c];
            if (!double.IsFinite(slope) || slope == 0 || Math.Abs(slope) * (high[c] - low[c]) > MaximumLineSpan) continue;
            slopes[c] = slope;
            centres[c] = Math.Clamp(sx[c] / n[c], low[c], high[c]);
            lows[c] = low[c];
            highs[c] = high[c];
            any = true;
        }
        return any ? new Line(column, name, slopes, centres, lows, highs, 0) : null;
    }

    /// <summary>
    /// The share of <paramref name="z"/>'s variance (NaN: missing) the means of the categories of <paramref name="codes"/>
    /// with <see cref="MinimumCategoryRows"/> present values explain, adjusted for chance (ε²), and each category's mean
    /// (0 without one); null where such categories hold too few of the values, the target moves in too few of them, or
    /// they hold a median of <see cref="MaximumMedianRows"/> values or more.
    /// </summary>
    internal static (double Explained, double[] Levels)? Explain(double[] z, CategoryCodes codes, int rows)
    {
        var count = new int[codes.Count];
        var sum = new double[codes.Count];
        var low = new double[codes.Count];
        var high = new double[codes.Count];
        Array.Fill(low, double.PositiveInfinity);
        Array.Fill(high, double.NegativeInfinity);
        int present = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(z[r])) continue;
            int c = codes.Levels[r];
            present++;
            count[c]++;
            sum[c] += z[r];
            low[c] = Math.Min(low[c], z[r]);
            high[c] = Math.Max(high[c], z[r]);
        }
        var levels = new double[codes.Count];
        int covered = 0, moving = 0, groups = 0;
        double total = 0;
        for (int c = 0; c < codes.Count; c++)
        {
            if (count[c] < MinimumCategoryRows) continue;
            levels[c] = sum[c] / count[c];
            covered += count[c];
            total += sum[c];
            groups++;
            if (high[c] > low[c]) moving += count[c];
        }
        if (groups < 2 || covered < MinimumCovered * present || moving < MinimumMoving * covered || covered - groups < 1) return null;
        var sizes = count.Where(n => n >= MinimumCategoryRows).Order().ToArray();
        if (sizes[sizes.Length / 2] >= MaximumMedianRows) return null;
        double mean = total / covered, all = 0, within = 0;
        for (int r = 0; r < rows; r++)
        {
            if (double.IsNaN(z[r])) continue;
            int c = codes.Levels[r];
            if (count[c] < MinimumCategoryRows) continue;
            all += (z[r] - mean) * (z[r] - mean);
            within += (z[r] - levels[c]) * (z[r] - levels[c]);
        }
        if (!(all > 0)) return null;
        double explained = 1 - within / (covered - groups) / (all / (covered - 1));
        return (Math.Clamp(explained, 0, 1), levels);
    }
}

/// <summary>An <see cref="EntityLevel"/> in a model file.</summary>
internal sealed class EntityLevelState
{
    public string? Target { get; set; }
    public string? Entity { get; set; }
    public double[]? Quantiles { get; set; }
    public double[]? Levels { get; set; }
    public double Scale { get; set; }
    public long? GridUnits { get; set; }
    public int? GridDecimals { get; set; }
    public double Explained { get; set; }

    /// <summary>The column each category's level follows a line along (format 36); null without lines.</summary>
    public string? Along { get; set; }
    public double[]? Slopes { get; set; }
    public double[]? Centres { get; set; }
    public double[]? Lows { get; set; }
    public double[]? Highs { get; set; }
    public double? AlongExplained { get; set; }

    /// <summary>Each category's spread about its level, as a multiple of the common one (format 37); null where the distances are not scaled by category.</summary>
    public double[]? Spreads { get; set; }

    /// <summary>
    /// The target's map after its level (<see cref="EntityLevel.Calibration"/>, format 41): its marginal fields only; the
    /// range and grid are the level's. Absent in older files and in models trained without exact marginals.
    /// </summary>
    public ColumnState? Calibration { get; set; }

    public static EntityLevelState From(EntityLevel level) => new()
    {
        Calibration = level.Calibration is { } map ? TrendState.MarginalFields(map) : null,
        Target = level.TargetName, Entity = level.EntityName, Quantiles = level.Quantiles.ToArray(), Levels = level.Levels.ToArray(), Scale = level.Scale,
        GridUnits = level.Grid?.Units, GridDecimals = level.Grid?.Decimals, Explained = level.Explained,
        Along = level.Lines?.Name, Slopes = level.Lines?.Slopes.ToArray(), Centres = level.Lines?.Centres.ToArray(), Lows = level.Lines?.Lows.ToArray(),
        Highs = level.Lines?.Highs.ToArray(), AlongExplained = level.Lines?.Explained, Spreads = level.Spreads?.ToArray(),
    };

    /// <summary>
    /// The levels of a model file, checked against its columns: a file from a stranger cannot make decoding read outside
    /// them, divide by zero or decode a value out of the target's type.
    /// </summary>
    public static EntityLevel[] Restore(EntityLevelState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} levels of categories, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var targets = new HashSet<int>();
        var result = new EntityLevel[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"level {i + 1} of categories is null");
            string Where() => $"the levels of '{Common.Text.Printable(s.Target ?? "", 60)}' for each category of '{Common.Text.Printable(s.Entity ?? "", 60)}'";
            if (s.Target is null || !index.TryGetValue(s.Target, out int t) || s.Entity is null || !index.TryGetValue(s.Entity, out int e))
                throw new InvalidDataException($"{Where()} do not name two columns of the model");
            if (columns[t] is not NumericColumn { Kind: NumericKind kind and not TimeKind } || kind.Lowest >= 0)
                throw new InvalidDataException($"{Where()} need a signed number column as the target");
            if (columns[e] is not CategoricalColumn { LevelCount: >= 2 and <= EntityLevel.MaximumCategories } entity || columns[e] is CombinationColumn)
                throw new InvalidDataException($"{Where()} need a categorical column of the model with 2 to {EntityLevel.MaximumCategories:N0} categories");
            if (!targets.Add(t))
                throw new InvalidDataException($"{Where()} are the second levels of '{Common.Text.Printable(s.Target, 60)}'");
            if (s.Levels is not { } levels || levels.Length != entity.LevelCount || levels.Any(l => !double.IsFinite(l) || Math.Abs(l) > 100))
                throw new InvalidDataException($"{Where()} need one finite level (at most 100 in size) for each of the {entity.LevelCount} categories");
            var q = s.Quantiles;
            bool ascending = q is { Length: >= 2 and <= MaximumQuantilesSaved };
            for (int k = 0; ascending && k < q!.Length; k++) ascending = double.IsFinite(q[k]) && q[k] >= kind.Lowest && q[k] <= kind.Highest && (k == 0 || q[k] >= q[k - 1]);
            if (!ascending)
                throw new InvalidDataException($"{Where()} need 2 to {MaximumQuantilesSaved:N0} quantiles, finite, ascending and within the column's type");
            bool integer = kind.Precision == NumberPrecision.Whole;
            if (s.Scale != (integer ? EntityLevel.IntegerScale : 1))
                throw new InvalidDataException($"{Where()} have a scale of {s.Scale}; a {(integer ? "whole-number" : "number")} column's is {(integer ? EntityLevel.IntegerScale : 1)}");
            if (!(s.Explained >= 0 && s.Explained <= 1))
                throw new InvalidDataException($"{Where()} have an explained share that is not from 0 to 1");
            NumericGranularity? grid = null;
            if (s.GridUnits is { } units && s.GridDecimals is { } decimals) grid = new NumericGranularity(units, decimals, q![0], q[^1], s.Target);
            else if (s.GridUnits is not null || s.GridDecimals is not null) throw new InvalidDataException($"{Where()} have half a grid");
            if (s.Spreads is { } spreads && (spreads.Length != entity.LevelCount || spreads.Any(v => !(v >= EntityLevel.MinimumSpread && v <= EntityLevel.MaximumSpread))))
                throw new InvalidDataException($"{Where()} need one spread for each of the {entity.LevelCount} categories, each from {EntityLevel.MinimumSpread} to {EntityLevel.MaximumSpread}");
            MarginalMap? calibration = null;
            if (s.Calibration is { } saved)
            {
                // The target's own map gives the draw a tie in the level's values is placed with: without one, no map after the level.
                if (((NumericColumn)columns[t]).Marginal is null)
                    throw new InvalidDataException($"{Where()} have a map after them, but their target column has no map of its own");
                saved.Name = s.Target;
                saved.Kind = "Double";
                saved.Minimum = q![0];
                saved.Maximum = q[^1];
                saved.GranularityUnits = s.GridUnits;
                saved.GranularityDecimals = s.GridDecimals;
                calibration = NumericTrend.CalibrationMap(saved, s.Target, q[0], q[^1], "its level")
                    ?? throw new InvalidDataException($"{Where()} have an empty map after them");
            }
            result[i] = new EntityLevel(t, s.Target, e, s.Entity, q!, levels, s.Scale, grid, integer, s.Explained, RestoreLine(s, index, columns, t, e, entity.LevelCount, Where), s.Spreads,
                calibration);
        }
        return result;
    }

    private const int MaximumQuantilesSaved = 100_000;

    /// <summary>
    /// The lines of a saved level, checked: a number column of the model other than the target and the categories'
    /// column, one slope, centre and range for each category, each range ascending with its centre in it and its line
    /// moving the log-odds by at most <see cref="EntityLevel.MaximumLineSpan"/> across it, so that decoding stays finite.
    /// </summary>
    private static EntityLevel.Line? RestoreLine(EntityLevelState s, Dictionary<string, int> index, IReadOnlyList<GanColumn> columns, int t, int e, int categories, Func<string> where)
    {
        if (s.Along is null)
        {
            if (s.Slopes is not null || s.Centres is not null || s.Lows is not null || s.Highs is not null || s.AlongExplained is not null)
                throw new InvalidDataException($"{where()} have lines but no column they follow");
            return null;
        }
        if (!index.TryGetValue(s.Along, out int a) || a == t || a == e || columns[a] is not NumericColumn { Kind: NumericKind and not TimeKind })
            throw new InvalidDataException($"{where()} follow lines along '{Common.Text.Printable(s.Along, 60)}', which is not another number column of the model");
        if (s.Slopes is not { } slopes || s.Centres is not { } centres || s.Lows is not { } lows || s.Highs is not { } highs ||
            slopes.Length != categories || centres.Length != categories || lows.Length != categories || highs.Length != categories)
            throw new InvalidDataException($"{where()} need a slope, a centre and a range for each of the {categories} categories of their lines");
        for (int c = 0; c < categories; c++)
        {
            if (!double.IsFinite(slopes[c]) || !double.IsFinite(centres[c]) || !double.IsFinite(lows[c]) || !double.IsFinite(highs[c]) ||
                !(lows[c] <= centres[c] && centres[c] <= highs[c]) || !(Math.Abs(slopes[c]) * (highs[c] - lows[c]) <= EntityLevel.MaximumLineSpan))
                throw new InvalidDataException($"{where()} have a line for category {c + 1} that is not finite, has its centre outside its range or moves by more than {EntityLevel.MaximumLineSpan} across it");
        }
        if (s.AlongExplained is not { } explained || !(explained >= 0 && explained <= 1))
            throw new InvalidDataException($"{where()} have lines whose explained share is not from 0 to 1");
        return new EntityLevel.Line(a, s.Along, slopes, centres, lows, highs, explained);
    }
}
