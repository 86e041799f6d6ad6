using Microsoft.ML.Data;

namespace Microsoft.ML.Gan;

/// <summary>What the GAN learned about one column of the training table: enough to inspect a model.</summary>
/// <param name="Name">The column's name, as in the training table.</param>
/// <param name="Type">The ML.NET type generated rows have in this column (the training column's type).</param>
/// <param name="IsCategorical">True for text, key and boolean columns (a softmax head); false for numbers.</param>
/// <param name="MissingRate">Share of training rows with a missing value (NaN, a missing token, key 0).</param>
/// <param name="Minimum">
/// Smallest value seen in training (numbers only; NaN for categories). Generated values stay at or above it. Dates and
/// times as whole microseconds since 1970-01-01T00:00:00 (a DateTime's clock time, a DateTimeOffset's instant in UTC),
/// durations as microseconds: <c>DateTime.UnixEpoch.AddTicks((long)Minimum * 10)</c>.
/// </param>
/// <param name="Maximum">Largest value seen in training (numbers only; NaN for categories; dates as for <paramref name="Minimum"/>). Generated values stay at or below it.</param>
/// <param name="Categories">The categories seen in training, in the model's order; generated rows use only these.</param>
/// <param name="CategoryFrequencies">Each category's share of the training rows, in the order of <paramref name="Categories"/>.</param>
/// <param name="Step">
/// The spacing of generated values (numbers only), learned from the training values: 1 for whole numbers, 0.01 for
/// two decimals, 5 for steps of five; for dates, times and durations in microseconds (86,400,000,000 for whole days).
/// NaN where any value of the range may be generated, and for categories.
/// </param>
public sealed record GanColumnInfo(
    string Name,
    DataViewType Type,
    bool IsCategorical,
    double MissingRate,
    double Minimum,
    double Maximum,
    IReadOnlyList<string> Categories,
    IReadOnlyList<double> CategoryFrequencies,
    double Step = double.NaN)
{
    /// <summary>
    /// The column within whose categories this numeric column's values are calibrated (see
    /// <see cref="GanTrainer.Options.GroupedMarginals"/>): a categorical column, or a numeric one of a few exact values
    /// (a year, a count, a stage), each value a category. Each category listed in <see cref="GroupCategories"/> keeps
    /// its own range and shape. Null when the column is calibrated as a whole, or not at all.
    /// </summary>
    public string? GroupedBy { get; init; }

    /// <summary>
    /// The numeric column this one is missing with (see <see cref="GanTrainer.Options.MissingTogether"/>): every
    /// training row that misses that column misses this one too, and so does every generated row. Null when the
    /// column's missing values are its own (or it has none).
    /// </summary>
    public string? MissingWith { get; init; }

    /// <summary>
    /// With <see cref="MissingWith"/>: whether the column is missing in rows of its own too (false: in exactly the rows
    /// of <see cref="MissingWith"/>, in the training rows and in every generated row).
    /// </summary>
    public bool MissingElsewhere { get; init; }

    /// <summary>
    /// The categories of <see cref="GroupedBy"/> with a calibration of their own (a numeric group's values, written as
    /// round-trip invariant numbers, or "missing"); empty without one.
    /// </summary>
    public IReadOnlyList<string> GroupCategories { get; init; } = [];

    /// <summary>
    /// Whether column dependencies (<see cref="GanTransformer.Dependencies"/>) set this numeric column in part of the
    /// rows (at least 1 in 20) and its calibration holds the values of the other rows only (see
    /// <see cref="GanTrainer.Options.ExactDependencies"/>).
    /// </summary>
    public bool CalibratedOnFreeRows { get; init; }

    /// <summary>
    /// The categorical column each of whose categories holds this number column about a level of its own (see
    /// <see cref="GanTrainer.Options.EntityLevels"/>): a patient's bilirubin over the visits of a study. The generator
    /// learns each row's distance from its category's level, and the level places the value. Null without one.
    /// </summary>
    public string? LevelWithin { get; init; }

    /// <summary>With <see cref="LevelWithin"/>: the share of the column's spread (on its log-odds scale) the categories' levels explain.</summary>
    public double LevelExplained { get; init; }

    /// <summary>
    /// With <see cref="LevelWithin"/>: the number column along which each category's level follows a line of its own (a
    /// state's population along the years of a panel), so that a generated row's level is its category's at the row's
    /// value of it. Null without lines.
    /// </summary>
    public string? LevelAlong { get; init; }

    /// <summary>With <see cref="LevelAlong"/>: the share of what the levels leave of the column's spread that the lines explain.</summary>
    public double LevelAlongExplained { get; init; }

    /// <summary>With <see cref="LevelWithin"/>: whether each category keeps a spread of its own about its level (see <see cref="GanTrainer.Options.EntityLevelSpreads"/>).</summary>
    public bool LevelSpreads { get; init; }

    /// <summary>
    /// With <see cref="LevelWithin"/>: whether the values the level makes are mapped onto the column's training values
    /// after it (models of format 41 trained with <see cref="GanTrainer.Options.ExactMarginals"/>), so that the column
    /// keeps its training values and shares through its levels.
    /// </summary>
    public bool LevelMappedAfter { get; init; }

    /// <summary>
    /// The bound every training row keeps this number column below, falling with another (see
    /// <see cref="GanTrainer.Options.StudyEnds"/>), as people read it: "futime + 11.6 × dxyr ≤ 23151", a study's end.
    /// The generator learns each row's share of the time the bound leaves, and the bound makes the value. Null without one.
    /// </summary>
    public string? StudyEnd { get; init; }

    /// <summary>With <see cref="StudyEnd"/>: the column the bound falls with (the entry).</summary>
    public string? StudyEndEntry { get; init; }

    /// <summary>
    /// The columns this number column lies below in every training row, which a category fixes (see
    /// <see cref="GanTrainer.Options.OrdersBelowFixed"/>): the generator learns its share of the way up to the least of
    /// them, taken on its own training quantiles, so no generated row reaches them (a visit's day below its patient's end
    /// of follow-up). Empty without one.
    /// </summary>
    public IReadOnlyList<string> LearnedBelow { get; init; } = [];

    /// <summary>
    /// Whether the column is an identifier (<see cref="GanTrainer.Options.Identifiers"/>): made apart from the network,
    /// unique in what is generated, never a training value; <see cref="Minimum"/> and <see cref="Maximum"/> are the numbers it may take.
    /// </summary>
    public bool IsIdentifier { get; init; }

    /// <summary>For a column of fake personal data (<see cref="GanTrainer.Options.FakeData"/>): what makes it; null otherwise.</summary>
    public GanFakeData? FakeData { get; init; }

    /// <summary>
    /// The modes a numeric column is normalised with for the networks (Gaussian modes and spikes, see
    /// <see cref="GanTrainer.Options.ContinuousNormalization"/>); 0 where its range is mapped linearly onto [-1, 1]
    /// (min-max) or it is normalised by rank (<see cref="RankNormalized"/>), and for categories.
    /// </summary>
    public int NormalizationModes { get; init; }

    /// <summary>
    /// Whether a numeric column is normalised by rank (its values' levels among the training values, decoded through
    /// their quantiles; see <see cref="ContinuousNormalization.Rank"/>) rather than by min-max or modes.
    /// </summary>
    public bool RankNormalized { get; init; }

    /// <summary>
    /// How many distinct training values a numeric column's calibration generates as often as new rows would repeat
    /// them, making new values between them the rest of the time (see <see cref="GanTrainer.Options.RepeatTrainingValues"/>);
    /// 0 where it interpolates its quantiles, maps onto its exact values only, or has no calibration.
    /// </summary>
    public int RepeatedValues { get; init; }
}

/// <summary>
/// A rule between two columns that the training rows obey (but for at most 1 in 100 rows of each value) and every
/// generated row obeys: where <paramref name="Determinant"/> holds one of <paramref name="Values"/> particular values,
/// <paramref name="Target"/> holds the one value the training rows have with it (see <see cref="GanTrainer.Options.ExactDependencies"/>).
/// </summary>
/// <param name="Determinant">The column whose value decides.</param>
/// <param name="Target">The column whose value is decided.</param>
/// <param name="Values">How many of the determinant's values decide the target.</param>
/// <param name="Complete">True when every value of a categorical determinant decides it: the target is a function of the determinant.</param>
public sealed record GanColumnDependency(string Determinant, string Target, int Values, bool Complete)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Determinant} → {Target} ({(Complete ? "every value" : Values == 1 ? "1 value" : $"{Values} values")})";
}

/// <summary>
/// A number column that follows another column's curve (see <see cref="GanTrainer.Options.NumericTrends"/>): the model
/// learns its distance from the curve, and every generated row puts it back on the curve of its <paramref name="Anchor"/>.
/// </summary>
/// <param name="Target">The column that follows the curve.</param>
/// <param name="Anchor">The column whose curve it follows.</param>
/// <param name="Explained">The share of the target's training variance the curve explains (R², from 0.9 to 1).</param>
/// <param name="Knots">The curve's knots.</param>
public sealed record GanColumnTrend(string Target, string Anchor, double Explained, int Knots)
{
    /// <summary>
    /// The columns added in proportion after the curve (see <see cref="GanTrainer.Options.TrendTerms"/>): each adds
    /// its coefficient × (its value − its training mean). Empty when the curve alone makes the trend.
    /// </summary>
    public IReadOnlyList<GanTrendTerm> Terms { get; init; } = [];

    /// <summary>
    /// The column <see cref="Anchor"/> is divided by (see <see cref="GanTrainer.Options.TrendRatios"/>): the curve is on
    /// their ratio (a sum over a count); null for a curve on the anchor itself.
    /// </summary>
    public string? Per { get; init; }

    /// <summary>
    /// The categorical column within each of whose categories <see cref="Target"/> follows a curve of its own (see
    /// <see cref="GanTrainer.Options.CategoryTrends"/>: each city's listings along the months); null for one curve.
    /// </summary>
    public string? Within { get; init; }

    /// <summary>
    /// Whether the curve is put back after the <see cref="GanTransformer.Formulas"/>: its anchor is a column they make (a
    /// total its parts add up to, a count made from its share), so the rows' final value of it is the one followed.
    /// </summary>
    public bool AfterFormulas { get; init; }

    /// <summary>
    /// Whether the value the trend makes is then mapped onto the target's training values (see
    /// <see cref="GanTrainer.Options.ExactMarginals"/>: a trend that explains less than 99 % of its target's variance,
    /// or as much only through a few extreme rows), so that the column keeps its training shape; false for a trend all
    /// but exact, which keeps its values as it makes them.
    /// </summary>
    public bool MappedAfter { get; init; }

    /// <inheritdoc/>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Target} follows {Anchor}{(Per is null ? "" : $" / {Per}")}{(Within is null ? "" : $" within each {Within}")}{string.Concat(Terms.Select(t => t.ToString()))} (R² {Explained:F4}, {Knots} knots)");

    /// <inheritdoc/>
    public bool Equals(GanColumnTrend? other) => other is not null && Target == other.Target && Anchor == other.Anchor && Per == other.Per && Within == other.Within && Explained.Equals(other.Explained) &&
        Knots == other.Knots && Terms.SequenceEqual(other.Terms);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Target, Anchor, Explained, Knots, Terms.Count);
}

/// <summary>A column a trend adds in proportion: <paramref name="Coefficient"/> × (its value − <paramref name="Mean"/>), nothing where it is missing.</summary>
/// <param name="Column">The column added.</param>
/// <param name="Coefficient">What a unit of it adds to the trend.</param>
/// <param name="Mean">Its training mean, where it adds nothing.</param>
public sealed record GanTrendTerm(string Column, double Coefficient, double Mean)
{
    /// <summary>" + 0.249 × children".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $" {(Coefficient < 0 ? '-' : '+')} {Math.Abs(Coefficient):G3} × {Column}");
}

/// <summary>
/// A number column that other number columns make exactly in every training row, and in every generated row (see
/// <see cref="GanTrainer.Options.NumericFormulas"/>): a total and its parts, a share, a product, a number plus an offset
/// a category fixes.
/// </summary>
/// <param name="Target">The column made.</param>
/// <param name="Inputs">
/// The columns it is made from: a sum's parts; a ratio's numerator and denominator; a product's two factors; an offset's
/// number and the categorical column whose category fixes the offset.
/// </param>
/// <param name="Kind">How it is made.</param>
/// <param name="Scale">A ratio's or product's power of ten (100 for a percentage); 1 for a sum.</param>
/// <param name="SolvesNumerator">
/// For a ratio whose numerator no other rule touches, or is only a part of the sum that makes the denominator: the
/// numerator is made from the generator's own target and the denominator (a count from its share; see
/// <see cref="TargetLearned"/> for where).
/// </param>
/// <param name="SolvesDenominator">
/// For a ratio whose numerator other rules touch but whose denominator none does: the denominator is made from the
/// numerator and the generator's own target (a density from a population and its area; see <see cref="TargetLearned"/>
/// for where).
/// </param>
public sealed record GanColumnFormula(string Target, IReadOnlyList<string> Inputs, GanFormulaKind Kind, double Scale, bool SolvesNumerator = false, bool SolvesDenominator = false)
{
    /// <summary>
    /// For a ratio that solves for an input: whether the generator learns the target and the input is made from it in
    /// every row where both stay in their ranges (models trained since format 24), so the target keeps the training
    /// rows' distribution; a part of the sum that makes the denominator is made from its share and the generator's own
    /// total before the sum adds the parts up. False for models of older files, which make the input only where the
    /// target made from the generated inputs leaves its range.
    /// </summary>
    public bool TargetLearned { get; init; }

    /// <summary>
    /// The formula and, for one that solves, how: "share = 100 × count / total (share learned; count made from it and
    /// total)".
    /// </summary>
    public string Describe()
    {
        if (!SolvesNumerator && !SolvesDenominator) return ToString();
        string input = SolvesNumerator ? Inputs[0] : Inputs[1], other = SolvesNumerator ? Inputs[1] : Inputs[0];
        return TargetLearned
            ? $"{this} ({Target} learned; {input} made from it and {other})"
            : $"{this} (where that leaves {Target}'s range, {input} is made from {Target} and {other})";
    }

    /// <summary>"total = a + b + c", "share = 100 × part / total", "amount = price × quantity", "dos = time + an offset for each id".</summary>
    public override string ToString()
    {
        string scale = Scale == 1 ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Scale:G} × ");
        return Kind switch
        {
            GanFormulaKind.Sum => $"{Target} = {string.Join(" + ", Inputs)}",
            GanFormulaKind.Ratio => $"{Target} = {scale}{Inputs[0]} / {Inputs[1]}",
            GanFormulaKind.Offset => $"{Target} = {Inputs[0]} + an offset for each {Inputs[1]}",
            _ => $"{Target} = {scale}{Inputs[0]} × {Inputs[1]}",
        };
    }
}

/// <summary>
/// A categorical column that thresholds on other columns fix in every training row, and in every generated row (see
/// <see cref="GanTrainer.Options.CategoryThresholds"/>): a bin of a number, or a code made of several bins.
/// </summary>
/// <param name="Column">The categorical column set.</param>
/// <param name="FromColumns">The columns its thresholds read, in the table's order.</param>
/// <param name="Bins">The leaves of its tree: the regions of those columns' values, each with one category.</param>
/// <param name="Steps">
/// Whether it steps along a number within each category of an entity column (see
/// <see cref="GanTrainer.Options.CategorySteps"/>): then <paramref name="FromColumns"/> are the entity's column and the
/// number, in that order.
/// </param>
public sealed record GanCategoryThresholds(string Column, IReadOnlyList<string> FromColumns, int Bins, bool Steps = false)
{
    /// <summary>"category is set by thresholds on perchsd, percbelowpoverty, inmetro (18 bins)"; "law steps along year within each state (66 bins)".</summary>
    public override string ToString() => Steps && FromColumns.Count == 2
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Column} steps along {FromColumns[1]} within each {FromColumns[0]} ({Bins:N0} bins)")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Column} is set by thresholds on {string.Join(", ", FromColumns)} ({Bins:N0} bins)");
}

/// <summary>
/// Pairs of categories of two categorical columns that no training row holds although the columns' shares say many
/// should, and that no generated row holds (see <see cref="GanTrainer.Options.CategoryExclusions"/>): Chile's region
/// "M" with a community of 250,000 people, Adult's "Never-married" with "Husband".
/// </summary>
/// <param name="Column">The column whose category rules out the other's (the earlier of the two).</param>
/// <param name="OtherColumn">The column whose categories are ruled out.</param>
/// <param name="Pairs">The pairs no row holds, by their categories' names (missing values by their token).</param>
public sealed record GanCategoryExclusion(string Column, string OtherColumn, IReadOnlyList<(string Category, string OtherCategory)> Pairs)
{
    /// <summary>"region × population: 12 pairs never together (M with 250000, …)".</summary>
    public override string ToString()
    {
        string shown = string.Join(", ", Pairs.Take(3).Select(p => $"{p.Category} with {p.OtherCategory}")) + (Pairs.Count > 3 ? ", …" : "");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Column} × {OtherColumn}: {Pairs.Count:N0} {(Pairs.Count == 1 ? "pair" : "pairs")} never together ({shown})");
    }
}

/// <summary>
/// Number columns whose values come only in the combinations of the training rows (see
/// <see cref="GanTrainer.Options.NumericCombinations"/>): the attributes of an entity each of its rows repeats, such as a
/// town's tax rate and pupil-teacher ratio on each of its tracts.
/// </summary>
/// <param name="Columns">The columns, the one whose value alone singles out a combination in the most training rows first.</param>
/// <param name="Combinations">How many combinations the training rows hold.</param>
public sealed record GanColumnCombination(IReadOnlyList<string> Columns, int Combinations)
{
    /// <summary>
    /// Whether the generator learns the combinations as one category of their own (the town behind its tracts' values;
    /// see <see cref="GanTrainer.Options.CombinationCategories"/>), of which each row's columns take the values; false
    /// where each row takes the combination nearest the values the generator made.
    /// </summary>
    public bool LearnedAsCategory { get; init; }

    /// <summary>"nox, indus, tax come in 98 combinations, learned as one category".</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{string.Join(", ", Columns)} come in {Combinations:N0} combinations{(LearnedAsCategory ? ", learned as one category" : "")}");
}
