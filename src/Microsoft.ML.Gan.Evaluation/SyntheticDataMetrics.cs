using System.Globalization;
using System.Text;

namespace Microsoft.ML.Gan;

/// <summary>How a column is compared: continuous (Single, Double, integers) or categorical (Text, Boolean, key).</summary>
public enum ComparedColumnKind
{
    /// <summary>Single, Double and integer columns: compared by the Kolmogorov-Smirnov statistic; NaN is missing.</summary>
    Continuous,
    /// <summary>Text, Boolean and key columns: compared by the total variation distance; empty text and key 0 are missing.</summary>
    Categorical,
}

/// <summary>How a pair of columns is compared.</summary>
public enum PairTrendMethod
{
    /// <summary>Both continuous: 1 − |Pearson(real) − Pearson(synthetic)| / 2.</summary>
    Correlation,
    /// <summary>Otherwise: 1 − total variation distance of the joint contingency tables.</summary>
    Contingency,
}

/// <summary>
/// One column compared: its shape score and its quality figures.
/// </summary>
/// <param name="Name">The column.</param>
/// <param name="Type">Its ML.NET type, as text.</param>
/// <param name="Kind">Continuous or categorical.</param>
/// <param name="ShapeScore">
/// 1 − <paramref name="ShapeStatistic"/>; in [0, 1], higher is better (1 = the same marginal distribution).
/// </param>
/// <param name="ShapeStatistic">
/// Continuous: the two-sample Kolmogorov-Smirnov statistic (the largest gap between the empirical CDFs of the
/// non-missing values). Categorical: the total variation distance ½ Σ |p − q| of the category frequencies, missing
/// being a category. In [0, 1], lower is better.
/// </param>
/// <param name="RealMissingRate">Share of real rows with a missing value (NaN; empty text; key 0).</param>
/// <param name="SyntheticMissingRate">Share of synthetic rows with a missing value; ideally close to the real rate.</param>
/// <param name="OutOfRangeCount">Continuous: synthetic values outside the real minimum..maximum (0 for categorical).</param>
/// <param name="UnseenCategoryRows">Categorical: synthetic rows whose category never occurs in the real table (0 for continuous).</param>
/// <param name="UnseenCategoryCount">Categorical: distinct such categories (0 for continuous).</param>
public sealed record ColumnComparison(
    string Name, string Type, ComparedColumnKind Kind, double ShapeScore, double ShapeStatistic,
    double RealMissingRate, double SyntheticMissingRate, long OutOfRangeCount, long UnseenCategoryRows, int UnseenCategoryCount);

/// <summary>
/// One pair of columns compared.
/// </summary>
/// <param name="First">The first column (in evaluation order).</param>
/// <param name="Second">The second column.</param>
/// <param name="Method">Correlation (both continuous) or contingency.</param>
/// <param name="Score">
/// Correlation: 1 − |Pearson(real) − Pearson(synthetic)| / 2. Contingency: 1 − total variation distance of the
/// two joint frequency tables, continuous columns binned at the real data's quantiles, missing a bin of its own.
/// In [0, 1], higher is better.
/// </param>
/// <param name="RealCorrelation">Correlation: Pearson's r on the real rows where both are present (0 for a constant column); else null.</param>
/// <param name="SyntheticCorrelation">Correlation: the same on the synthetic rows; else null.</param>
public sealed record ColumnPairComparison(
    string First, string Second, PairTrendMethod Method, double Score, double? RealCorrelation, double? SyntheticCorrelation);

/// <summary>
/// How well a classifier tells synthetic rows from real ones.
/// </summary>
/// <param name="MeanAuc">
/// Mean ROC AUC over the cross-validation folds, in [0, 1]: 0.5 = indistinguishable (best), 1 = every row detected
/// (worst). Below 0.5 is chance too.
/// </param>
/// <param name="FoldAucs">The AUC of each fold.</param>
/// <param name="RowsPerClass">Real rows used, and as many synthetic ones.</param>
public sealed record DetectionMetrics(double MeanAuc, IReadOnlyList<double> FoldAucs, int RowsPerClass)
{
    /// <summary>How sure the detector must be that a row is synthetic for <see cref="SurelyDetectedShare"/>: 90 %.</summary>
    public const double Sure = 0.9;

    /// <summary>
    /// Share of the synthetic rows (each scored once, by the fold that did not train on it) that the detector
    /// calls synthetic with a calibrated probability of at least 90 %: the rows that give themselves away on
    /// their own. In [0, 1], lower is better; compare with <see cref="RealRowsCalledSyntheticShare"/>.
    /// </summary>
    public double SurelyDetectedShare { get; init; }

    /// <summary>The same share among the real rows (the detector's false alarms): the baseline for <see cref="SurelyDetectedShare"/>.</summary>
    public double RealRowsCalledSyntheticShare { get; init; }

    /// <summary>1 − 2·|AUC − 0.5|, clipped to [0, 1]: higher is better (1 = indistinguishable).</summary>
    public double Score => Math.Clamp(1 - 2 * Math.Abs(MeanAuc - 0.5), 0, 1);
}

/// <summary>What the efficacy test's learner predicts.</summary>
public enum EfficacyTask
{
    /// <summary>A label with two classes: FastTree binary classification; F1 of the less frequent class.</summary>
    BinaryClassification,
    /// <summary>A category label (or a number with at most 20 values) with 3 to 50 classes: one FastTree per class against the rest; macro-averaged F1.</summary>
    MulticlassClassification,
    /// <summary>A numeric label with more than 20 distinct values: FastTree regression; R² and mean absolute error.</summary>
    Regression,
}

/// <summary>Scores of one learner on the real holdout rows. Figures that do not apply to the task are NaN.</summary>
/// <param name="F1">Classification: F1 of the positive class (binary) or the mean F1 over classes (multiclass), in [0, 1], higher is better.</param>
/// <param name="Accuracy">Classification: share of holdout rows classified right, in [0, 1], higher is better.</param>
/// <param name="Auc">Binary classification: ROC AUC, in [0, 1], higher is better (0.5 = chance).</param>
/// <param name="RSquared">Regression: 1 − residual / total sum of squares on the holdout, at most 1, higher is better (0 = predicting the mean).</param>
/// <param name="MeanAbsoluteError">Regression: mean |prediction − label| on the holdout, lower is better.</param>
/// <param name="TrainingRows">Rows it was trained on.</param>
public sealed record EfficacyScores(double F1, double Accuracy, double Auc, double RSquared, double MeanAbsoluteError, int TrainingRows);

/// <summary>
/// Machine-learning efficacy: the same FastTree learner trained on synthetic rows and on real rows, both tested on
/// the real holdout rows. Ratios near 1 (synthetic as useful as real) are best.
/// </summary>
/// <param name="LabelColumn">The label.</param>
/// <param name="Task">Binary or multiclass classification, or regression (chosen from the real label's values).</param>
/// <param name="PositiveClass">Binary classification: the less frequent of the two real classes; null otherwise.</param>
/// <param name="HoldoutRows">Holdout rows tested (those with a label the task knows).</param>
/// <param name="TrainedOnReal">The learner trained on the real rows.</param>
/// <param name="TrainedOnSynthetic">The learner trained on the synthetic rows.</param>
public sealed record EfficacyMetrics(string LabelColumn, EfficacyTask Task, string? PositiveClass, int HoldoutRows, EfficacyScores TrainedOnReal, EfficacyScores TrainedOnSynthetic)
{
    /// <summary>F1 trained on synthetic ÷ F1 trained on real (NaN when the latter is 0 or for regression); 1 is best.</summary>
    public double F1Ratio => TrainedOnReal.F1 > 0 ? TrainedOnSynthetic.F1 / TrainedOnReal.F1 : double.NaN;

    /// <summary>Accuracy trained on synthetic ÷ accuracy trained on real; 1 is best.</summary>
    public double AccuracyRatio => TrainedOnReal.Accuracy > 0 ? TrainedOnSynthetic.Accuracy / TrainedOnReal.Accuracy : double.NaN;

    /// <summary>AUC trained on synthetic ÷ AUC trained on real (binary only); 1 is best.</summary>
    public double AucRatio => TrainedOnReal.Auc > 0 ? TrainedOnSynthetic.Auc / TrainedOnReal.Auc : double.NaN;

    /// <summary>R² trained on synthetic ÷ R² trained on real (regression only, NaN when the latter is not positive); 1 is best.</summary>
    public double RSquaredRatio => TrainedOnReal.RSquared > 0 ? TrainedOnSynthetic.RSquared / TrainedOnReal.RSquared : double.NaN;
}

/// <summary>
/// How close synthetic rows come to real ones.
/// </summary>
/// <param name="ExactCopyShare">
/// Share of (all) synthetic rows equal to some real row in every evaluated column (NaN equals NaN). In [0, 1];
/// lower is better: copies leak real records.
/// </param>
/// <param name="ExactCopyRows">The number of such rows.</param>
/// <param name="SyntheticDcrMedian">
/// Median distance to the closest record: for each of up to <see cref="SyntheticDataEvaluationOptions.PrivacyRows"/>
/// synthetic rows, the smallest distance to a (sampled) real row, where the distance is the mean over columns of
/// |a − b| / (real range) capped at 1 for continuous columns and 0/1 mismatch for categorical ones (missing is a
/// value: missing vs present is 1). In [0, 1]; 0 = copies. Compare with <paramref name="HoldoutDcrMedian"/>: much
/// below it means memorisation.
/// </param>
/// <param name="HoldoutDcrMedian">The same median for the holdout rows against the real rows (the baseline); null without a holdout.</param>
/// <param name="DcrRows">Synthetic rows whose distance was measured.</param>
public sealed record PrivacyMetrics(double ExactCopyShare, long ExactCopyRows, double SyntheticDcrMedian, double? HoldoutDcrMedian, int DcrRows)
{
    /// <summary>
    /// The share of holdout rows equal to some real training row in every column: the copies that a table's own
    /// repeated rows make (a table of few-valued columns has many); null without a holdout. Synthetic rows copy no
    /// more than this when they copy no more than new real rows would.
    /// </summary>
    public double? HoldoutExactCopyShare { get; init; }

    /// <summary>Synthetic DCR median ÷ holdout DCR median (null without a holdout): near 1 or above is fine, near 0 means memorisation.</summary>
    public double? DcrRatio => HoldoutDcrMedian is double h ? (h > 0 ? SyntheticDcrMedian / h : double.NaN) : null;

    /// <summary>Attribute inference of each of <see cref="SyntheticDataEvaluationOptions.SensitiveColumns"/>, in their order; empty when none was asked for or it was skipped.</summary>
    public IReadOnlyList<AttributeInferenceMetrics> AttributeInference { get; init; } = [];

    /// <summary>Why attribute inference was not measured though sensitive columns were named (no holdout, too few rows); null otherwise.</summary>
    public string? AttributeInferenceSkippedReason { get; init; }
}

/// <summary>
/// Attribute inference of one sensitive column: an attacker who knows some columns of a person's row (<paramref name="Known"/>)
/// takes the synthetic row closest to them on those columns (by the distance the distance to the closest record uses) and
/// reads the sensitive value off it. Tried on <paramref name="Rows"/> training rows and as many holdout rows: a generator
/// that learnt the population gives new people's values as well as its training people's; one that memorised rows gives
/// its training people's better. Copies counted alone say nothing of this where rows repeat by design (a patient's eight
/// endpoints, a child's visits); see <see cref="Risk"/>.
/// </summary>
/// <param name="Column">The sensitive column.</param>
/// <param name="Known">The columns the attacker knows.</param>
/// <param name="Rows">Training rows attacked, and as many holdout rows.</param>
/// <param name="TrainingSuccess">The share of training rows whose sensitive value the attack gets right: the same category (missing counts as a value), or, for a number, within <paramref name="Tolerance"/> of it (both missing counts).</param>
/// <param name="HoldoutSuccess">The same share for the holdout rows: what the synthetic rows give of anyone of the population.</param>
/// <param name="Tolerance">How far a guessed number may lie from the true one: 5 % of the column's real range; 0 for a categorical column.</param>
public sealed record AttributeInferenceMetrics(string Column, IReadOnlyList<string> Known, int Rows, double TrainingSuccess, double HoldoutSuccess, double Tolerance)
{
    /// <summary>
    /// How much of what the attack could still learn about the training people, beyond what it gets of anyone, it does
    /// learn: (training success − holdout success) ÷ (1 − holdout success), 0 where the training rows fare no better, 1
    /// where the synthetic rows give every training person's value that the population does not; in [0, 1].
    /// </summary>
    public double Risk => HoldoutSuccess >= 1 ? 0 : Math.Clamp((TrainingSuccess - HoldoutSuccess) / (1 - HoldoutSuccess), 0, 1);

    /// <summary>
    /// The sampling noise of <see cref="Risk"/>: the standard error of the two shares' difference (each of
    /// <see cref="Rows"/> rows) ÷ (1 − holdout success). A risk within about two of these of 0 is no evidence of leakage:
    /// 278 rows of a value right 85 % of the time leave ± 0.19.
    /// </summary>
    public double RiskStandardError => HoldoutSuccess >= 1 || Rows == 0 ? 0
        : Math.Sqrt((TrainingSuccess * (1 - TrainingSuccess) + HoldoutSuccess * (1 - HoldoutSuccess)) / Rows) / (1 - HoldoutSuccess);
}

/// <summary>A value (or a combination of values) and how often the real and the synthetic rows have it.</summary>
/// <param name="Value">The category, the number, a range between real quantiles ("30 to 41"), or "values the real rows never have".</param>
/// <param name="RealShare">Its share of the real rows, in [0, 1].</param>
/// <param name="SyntheticShare">Its share of the synthetic rows, in [0, 1].</param>
public sealed record ValueGiveaway(string Value, double RealShare, double SyntheticShare);

/// <summary>What one column gives away on its own.</summary>
/// <param name="Column">The column.</param>
/// <param name="DetectionAuc">
/// ROC AUC of the best detector that sees only this column (its values' real-to-synthetic frequency ratios, learnt on
/// half the rows, measured on the other half). 0.5: the column alone gives nothing away; 1: it gives every row away.
/// </param>
/// <param name="OverGenerated">The values synthetic rows have much more often than real ones, the worst first.</param>
/// <param name="UnderGenerated">The values synthetic rows have much less often than real ones, the worst first.</param>
/// <param name="UnseenValueShare">
/// Share of synthetic rows holding a value the real rows never have: a category they lack, or, in a number column whose
/// real values repeat (whole numbers, a few prices), a number they never hold (40.49 among whole ages).
/// </param>
public sealed record ColumnGiveaway(string Column, double DetectionAuc, IReadOnlyList<ValueGiveaway> OverGenerated,
    IReadOnlyList<ValueGiveaway> UnderGenerated, double UnseenValueShare);

/// <summary>What a pair of columns gives away beyond what each column gives away alone.</summary>
/// <param name="First">The first column.</param>
/// <param name="Second">The second column.</param>
/// <param name="DetectionAuc">ROC AUC of the best detector that sees only these two columns (continuous ones in 8 quantile bins).</param>
/// <param name="Gain">
/// <paramref name="DetectionAuc"/> minus the better of the two columns' AUCs with the same bins: how much the
/// combination gives away that neither column does (a broken relation). Near 0: the pair adds nothing.
/// </param>
/// <param name="UnseenCombinations">Combinations the synthetic rows have and the real rows never do (at least 0.1 % of the synthetic rows), the commonest first.</param>
public sealed record PairGiveaway(string First, string Second, double DetectionAuc, double Gain, IReadOnlyList<ValueGiveaway> UnseenCombinations);

/// <summary>
/// What gives the synthetic rows away, for a user who wants to know why a detector tells them from real ones: the
/// columns ranked by what each gives away alone, and the pairs of columns whose combination gives away the most
/// beyond that. Together with <see cref="DetectionMetrics.SurelyDetectedShare"/> (how many rows a detector is sure of).
/// </summary>
/// <param name="Columns">Every evaluated column, the most revealing first.</param>
/// <param name="Pairs">The five pairs with the largest <see cref="PairGiveaway.Gain"/>.</param>
/// <param name="Formulas">
/// The formulas every real row keeps (a total that is the sum of its parts, a share, a product, and an offset a
/// category fixes, which the real rows of each category with one keep but for 1 % of them: see
/// <see cref="GanTrainer.Options.NumericFormulas"/>), each with the share of synthetic rows that break it: a check
/// anyone can run on the rows, and a detector may not see.
/// </param>
/// <param name="Combinations">
/// The combinations of number columns the real rows come in (an entity's attributes each of its rows repeats, such as
/// a town's tax rate and zoning: see <see cref="GanTrainer.Options.NumericCombinations"/>), each with the share of
/// synthetic rows that hold none of them: rows that mix two towns.
/// </param>
/// <param name="Trends">
/// The trends the real rows follow (a number that another all but determines along a curve, plus other numbers in
/// proportion, such as a rate that is a weighted mean of three others: see <see cref="GanTrainer.Options.NumericTrends"/>
/// and <see cref="GanTrainer.Options.TrendTerms"/>), each with the share of synthetic rows that stray farther from it
/// than 99 % of the real rows do.
/// </param>
/// <param name="Thresholds">
/// The categorical columns that thresholds on other columns fix in the real rows (a bin of a number, or a code made of
/// several bins, such as an age group or midwest's <c>category</c>: see <see cref="GanTrainer.Options.CategoryThresholds"/>),
/// each with the share of synthetic rows whose category is not the one their values give.
/// </param>
public sealed record SyntheticDataGiveaways(IReadOnlyList<ColumnGiveaway> Columns, IReadOnlyList<PairGiveaway> Pairs, IReadOnlyList<FormulaGiveaway> Formulas,
    IReadOnlyList<CombinationGiveaway> Combinations, IReadOnlyList<TrendGiveaway> Trends, IReadOnlyList<ThresholdGiveaway> Thresholds)
{
    /// <summary>
    /// The number columns missing in every real row another is missing in (in exactly its rows, or in others too), as
    /// <see cref="GanTrainer.Options.MissingTogether"/> finds them on the real rows, with the synthetic rows that break each.
    /// </summary>
    public IReadOnlyList<MissingGiveaway> Missing { get; init; } = [];

    /// <summary>
    /// Bounds between two number columns the real rows keep (a study's end, which a follow-up from a later entry reaches
    /// sooner), with the synthetic rows past each.
    /// </summary>
    public IReadOnlyList<BoundGiveaway> Bounds { get; init; } = [];
}

/// <summary>
/// A bound <c>Column + Scale × Other ≤ Limit</c> that every real row keeps, read off the real rows (a study's end:
/// mgus2's months of follow-up + about 12 × the year of diagnosis), and how the synthetic rows keep it.
/// </summary>
/// <param name="Column">The bounded column (b).</param>
/// <param name="Other">The column whose value lowers the bound (a).</param>
/// <param name="Scale">How much a unit of <paramref name="Other"/> lowers it (s &gt; 0), read off the real rows where <paramref name="Column"/> is highest for its <paramref name="Other"/>.</param>
/// <param name="Limit">The bound (K): the highest <c>Column + Scale × Other</c> of the real rows.</param>
/// <param name="NearShare">The share of real rows within 5 % of <paramref name="Column"/>'s range of the bound.</param>
/// <param name="CheckedRows">The synthetic rows holding both columns.</param>
/// <param name="BrokenShare">The share of those past the bound by more than 1 % of <paramref name="Column"/>'s real range.</param>
public sealed record BoundGiveaway(string Column, string Other, double Scale, double Limit, double NearShare, int CheckedRows, double BrokenShare)
{
    /// <summary>The bound as people read it: "futime + 11.4 × dxyr ≤ 23,971".</summary>
    public string Rule => string.Create(CultureInfo.InvariantCulture,
        $"{Column} + {Scale:G3} × {Other} ≤ {(Math.Abs(Limit) >= 1000 ? Limit.ToString("N0", CultureInfo.InvariantCulture) : Limit.ToString("G4", CultureInfo.InvariantCulture))}");

    /// <summary>"futime + 11.4 × dxyr ≤ 23,971 in every real row (19.0 % of them near it): 10.3 % of 1,384 synthetic rows past it".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Rule} in every real row ({NearShare:P1} of them near it): {BrokenShare:P1} of {CheckedRows:N0} synthetic rows past it");
}

/// <summary>A number column missing in every real row that another misses, and how the synthetic rows keep it.</summary>
/// <param name="Column">The column that is missing with the other.</param>
/// <param name="MissingWith">The column whose missing rows it is missing in.</param>
/// <param name="Elsewhere">Whether it is missing in other real rows too (false: in exactly the same rows).</param>
/// <param name="BrokenShare">The share of synthetic rows that miss <paramref name="MissingWith"/> and have <paramref name="Column"/>, or, without
/// <paramref name="Elsewhere"/>, that miss one of the two and not the other.</param>
public sealed record MissingGiveaway(string Column, string MissingWith, bool Elsewhere, double BrokenShare)
{
    /// <summary>The line the summary and the benchmark print.</summary>
    public override string ToString() => Elsewhere
        ? string.Create(CultureInfo.InvariantCulture, $"{Column} is missing in every real row that misses {MissingWith}, and in others: {BrokenShare:P1} of synthetic rows miss {MissingWith} and have {Column}")
        : string.Create(CultureInfo.InvariantCulture, $"{Column} and {MissingWith} are missing in the same real rows: {BrokenShare:P1} of synthetic rows miss one and not the other");
}

/// <summary>A categorical column that thresholds on others fix in the real rows, and how the synthetic rows keep it.</summary>
/// <param name="Thresholds">The tree, as "category is set by thresholds on perchsd, percbelowpoverty, inmetro (18 bins)", grown on the real rows.</param>
/// <param name="BrokenShare">The share of synthetic rows whose category is not the one the tree gives their values.</param>
public sealed record ThresholdGiveaway(GanCategoryThresholds Thresholds, double BrokenShare)
{
    /// <summary>The line the summary and the benchmark print.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Thresholds}: {BrokenShare:P1} of synthetic rows hold another category than their values give");
}

/// <summary>A trend the real rows follow, and how far the synthetic rows stray from it.</summary>
/// <param name="Trend">The trend, as "rate follows adults + 0.257 × children (R² 0.9979, 31 knots)", fitted on the real rows.</param>
/// <param name="Band">The distance from the trend that holds 99 % of the real rows.</param>
/// <param name="CheckedRows">The synthetic rows whose target is present.</param>
/// <param name="OutsideShare">The share of those farther from the trend than <paramref name="Band"/> (1 % of the real rows are).</param>
public sealed record TrendGiveaway(GanColumnTrend Trend, double Band, int CheckedRows, double OutsideShare)
{
    /// <summary>
    /// The band as people read it: whole numbers with separators from 1,000 up, three significant digits below, and
    /// "0 (to rounding)" for an exact trend, whose band is only the last bits of a double (such as 8.6E-12).
    /// </summary>
    public string BandText => Math.Abs(Band) >= 1000 ? Band.ToString("N0", CultureInfo.InvariantCulture)
        : Band is > 0 and < ExactBand ? "0 (to rounding)"
        : Band.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>A band below this is rounding, not a distance any data measure.</summary>
    internal const double ExactBand = 1e-9;

    /// <summary>"rate follows adults + 0.257 × children (R² 0.9979, 31 knots): 99 % of real rows within 1.04 of it; 0.8 % of 5,000 synthetic rows farther".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Trend}: 99 % of real rows within {BandText} of it; {OutsideShare:P1} of {CheckedRows:N0} synthetic rows farther");
}

/// <summary>Number columns whose values come only in some combinations in the real rows, and how the synthetic rows keep them.</summary>
/// <param name="Combination">The columns and how many combinations the real rows hold.</param>
/// <param name="BrokenShare">The share of synthetic rows whose values of the columns are no combination of the real rows.</param>
public sealed record CombinationGiveaway(GanColumnCombination Combination, double BrokenShare);

/// <summary>A formula every real row keeps (an offset: the real rows of each category with one, but 1 % of them), and how the synthetic rows keep it.</summary>
/// <param name="Formula">The formula, as "total = a + b", "share = 100 × part / total", "amount = price × quantity", "dos = time + an offset for each id".</param>
/// <param name="CheckedRows">The synthetic rows whose columns of the formula are all present (for an offset, of a category with one).</param>
/// <param name="BrokenShare">The share of those whose value is not the formula's (beyond 1 part in a million).</param>
public sealed record FormulaGiveaway(GanColumnFormula Formula, int CheckedRows, double BrokenShare);

/// <summary>
/// The result of <see cref="GanEvaluationCatalog.Evaluate(GanCatalog, IDataView, IDataView, SyntheticDataEvaluationOptions?)"/>: how
/// closely a synthetic table follows a real one, column by column, pair by pair, to a classifier and for privacy.
/// Immutable. <see cref="ToString"/> gives a readable summary.
/// </summary>
public sealed class SyntheticDataMetrics
{
    internal SyntheticDataMetrics(
        long realRows, long syntheticRows, IReadOnlyList<ColumnComparison> columns, IReadOnlyList<ColumnPairComparison> pairs,
        DetectionMetrics? detection, DetectionMetrics? logisticDetection, string? detectionSkipped, EfficacyMetrics? efficacy, string? efficacySkipped,
        PrivacyMetrics privacy, IReadOnlyDictionary<string, TimeSpan> timings, IReadOnlyList<string> missingCategoryTokens,
        SyntheticDataGiveaways giveaways)
    {
        Giveaways = giveaways;
        MissingCategoryTokens = missingCategoryTokens;
        RealRowCount = realRows;
        SyntheticRowCount = syntheticRows;
        Columns = columns;
        ColumnPairs = pairs;
        Detection = detection;
        LogisticDetection = logisticDetection;
        DetectionSkippedReason = detectionSkipped;
        Efficacy = efficacy;
        EfficacySkippedReason = efficacySkipped;
        Privacy = privacy;
        Timings = timings;
        ColumnShapesScore = columns.Count > 0 ? columns.Average(c => c.ShapeScore) : double.NaN;
        ColumnPairTrendsScore = pairs.Count > 0 ? pairs.Average(p => p.Score) : double.NaN;
    }

    /// <summary>
    /// The overall quality score: the mean of <see cref="ColumnShapesScore"/> and <see cref="ColumnPairTrendsScore"/>
    /// (the definition SDMetrics and SDGym use, so figures compare with theirs).
    /// </summary>
    public double QualityScore => (ColumnShapesScore + ColumnPairTrendsScore) / 2;

    /// <summary>Rows read from the real table.</summary>
    public long RealRowCount { get; }

    /// <summary>Rows read from the synthetic table.</summary>
    public long SyntheticRowCount { get; }

    /// <summary>Each evaluated column: shape score, missing rates, out-of-range and unseen categories.</summary>
    public IReadOnlyList<ColumnComparison> Columns { get; }

    /// <summary>Each pair of evaluated columns: its trend score.</summary>
    public IReadOnlyList<ColumnPairComparison> ColumnPairs { get; }

    /// <summary>Mean of the columns' <see cref="ColumnComparison.ShapeScore"/>: in [0, 1], higher is better.</summary>
    public double ColumnShapesScore { get; }

    /// <summary>Mean of the pairs' <see cref="ColumnPairComparison.Score"/>: in [0, 1], higher is better (NaN with one column).</summary>
    public double ColumnPairTrendsScore { get; }

    /// <summary>The detection test with FastTree (boosted trees); null when skipped (see <see cref="DetectionSkippedReason"/>).</summary>
    public DetectionMetrics? Detection { get; }

    /// <summary>
    /// The same detection test with a logistic regression on standardised features, the detector of SDMetrics'
    /// LogisticDetection (which published detection scores of CTGAN and others use). A weaker detector than
    /// FastTree: it sees each feature's effect, not their interactions. Null when skipped.
    /// </summary>
    public DetectionMetrics? LogisticDetection { get; }

    /// <summary>Why detection was skipped (too few rows), or null.</summary>
    public string? DetectionSkippedReason { get; }

    /// <summary>The text values counted as missing in category columns besides the empty text (from the options).</summary>
    public IReadOnlyList<string> MissingCategoryTokens { get; }

    /// <summary>The efficacy test; null when skipped (see <see cref="EfficacySkippedReason"/>).</summary>
    public EfficacyMetrics? Efficacy { get; }

    /// <summary>Why efficacy was not measured (no label or holdout, not a binary label, …), or null.</summary>
    public string? EfficacySkippedReason { get; }

    /// <summary>Exact copies and distances to the closest record.</summary>
    public PrivacyMetrics Privacy { get; }

    /// <summary>What gives the synthetic rows away: the columns and pairs a detector relies on, and their worst values.</summary>
    public SyntheticDataGiveaways Giveaways { get; }

    /// <summary>Time spent on each part: reading, shapes, pair trends, detection, efficacy, privacy.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings { get; }

    /// <summary>A readable multi-line summary: the scores, then per column and the weakest pairs.</summary>
    public string Summary()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"Synthetic data evaluation: {RealRowCount} real rows, {SyntheticRowCount} synthetic rows, {Columns.Count} columns");
        s.AppendLine(c, $"  Column shapes       {ColumnShapesScore:F4}   (1 = same marginals)");
        s.AppendLine(c, $"  Column pair trends  {ColumnPairTrendsScore:F4}   (1 = same correlations / joint frequencies)");
        if (Detection is { } d)
            s.AppendLine(c, $"  Detection AUC       {d.MeanAuc:F4}   (FastTree; 0.5 = indistinguishable, 1 = fully detected; {Detection.FoldAucs.Count} folds, {d.RowsPerClass} rows per class)");
        if (LogisticDetection is { } l)
            s.AppendLine(c, $"  Detection AUC       {l.MeanAuc:F4}   (logistic regression, as SDMetrics' LogisticDetection)");
        else s.AppendLine(c, $"  Detection           skipped: {DetectionSkippedReason}");
        if (Efficacy is { } e)
        {
            string positive = e.PositiveClass is null ? "" : $", positive '{e.PositiveClass}'";
            s.AppendLine(c, $"  Efficacy ({e.LabelColumn}, {e.Task}{positive}, {e.HoldoutRows} holdout rows)");
            if (e.Task == EfficacyTask.Regression)
            {
                s.AppendLine(c, $"    trained on real       R² {e.TrainedOnReal.RSquared:F4}  MAE {e.TrainedOnReal.MeanAbsoluteError:G5}");
                s.AppendLine(c, $"    trained on synthetic  R² {e.TrainedOnSynthetic.RSquared:F4}  MAE {e.TrainedOnSynthetic.MeanAbsoluteError:G5}");
                s.AppendLine(c, $"    ratio (synthetic/real) R² {e.RSquaredRatio:F4}");
            }
            else
            {
                s.AppendLine(c, $"    trained on real       F1 {e.TrainedOnReal.F1:F4}  accuracy {e.TrainedOnReal.Accuracy:F4}  AUC {e.TrainedOnReal.Auc:F4}");
                s.AppendLine(c, $"    trained on synthetic  F1 {e.TrainedOnSynthetic.F1:F4}  accuracy {e.TrainedOnSynthetic.Accuracy:F4}  AUC {e.TrainedOnSynthetic.Auc:F4}");
                s.AppendLine(c, $"    ratio (synthetic/real) F1 {e.F1Ratio:F4}  accuracy {e.AccuracyRatio:F4}  AUC {e.AucRatio:F4}");
            }
        }
        else s.AppendLine(c, $"  Efficacy            skipped: {EfficacySkippedReason}");
        var p = Privacy;
        s.Append(c, $"  Exact copies        {p.ExactCopyShare:P2} ({p.ExactCopyRows} synthetic rows equal a real row)");
        if (p.HoldoutExactCopyShare is double hc) s.Append(c, $"; holdout rows equal to a real row {hc:P2}");
        s.AppendLine();
        s.Append(c, $"  DCR median          {p.SyntheticDcrMedian:F4} over {p.DcrRows} synthetic rows");
        if (p.HoldoutDcrMedian is double h) s.Append(c, $"; holdout baseline {h:F4} (ratio {p.DcrRatio:F3}, much below 1 = memorisation)");
        s.AppendLine();
        foreach (var a in p.AttributeInference)
            s.AppendLine(c, $"  Inference of {a.Column,-6} {a.TrainingSuccess:P1} of {a.Rows} training rows guessed from the closest synthetic row on {string.Join(", ", a.Known)}; {a.HoldoutSuccess:P1} of holdout rows (risk {a.Risk:F3} ± {a.RiskStandardError:F3}, 0 = no more than of anyone)");
        if (p.AttributeInferenceSkippedReason is { } why) s.AppendLine(c, $"  Inference           skipped: {why}");
        s.AppendLine("  Columns:  name  kind  shape  (KS/TVD)  missing real/synthetic  out-of-range  unseen categories");
        foreach (var col in Columns)
            s.AppendLine(c, $"    {col.Name,-20} {col.Kind,-11} {col.ShapeScore:F4} ({col.ShapeStatistic:F4})  {col.RealMissingRate:P1}/{col.SyntheticMissingRate:P1}  {col.OutOfRangeCount}  {col.UnseenCategoryRows} rows, {col.UnseenCategoryCount} distinct");
        if (Detection is { } sure)
            s.AppendLine(c, $"  Surely detected     {sure.SurelyDetectedShare:P1} of synthetic rows (FastTree ≥ 90 % sure; real rows called synthetic so: {sure.RealRowsCalledSyntheticShare:P1})");
        s.AppendLine("  What gives it away (AUC of a detector that sees only that column; 0.5 = nothing):");
        foreach (var g in Giveaways.Columns.Take(5))
        {
            s.Append(c, $"    {g.Column,-20} {g.DetectionAuc:F3}");
            if (g.UnseenValueShare > 0) s.Append(c, $"  {g.UnseenValueShare:P1} of synthetic rows hold values the real rows never have;");
            foreach (var v in g.OverGenerated.Take(2)) s.Append(c, $"  {v.Value}: {v.SyntheticShare:P1} synthetic vs {v.RealShare:P1} real;");
            s.AppendLine();
        }
        foreach (var pair in Giveaways.Pairs.Where(p => p.Gain > 0.01))
        {
            s.Append(c, $"    {pair.First} × {pair.Second}: AUC {pair.DetectionAuc:F3}, {pair.Gain:+0.000} beyond either column");
            foreach (var v in pair.UnseenCombinations.Take(2)) s.Append(c, $"; never in the real rows: {v.Value} ({v.SyntheticShare:P1})");
            s.AppendLine();
        }
        foreach (var f in Giveaways.Formulas)
        {
            if (f.Formula.Kind == GanFormulaKind.Offset)
                s.AppendLine(c, $"    {f.Formula}: the real rows of every {f.Formula.Inputs[1]} with one keep it (all but 1 % of each's); {f.BrokenShare:P1} of {f.CheckedRows:N0} synthetic rows of those break it");
            else
                s.AppendLine(c, $"    {f.Formula}: every real row keeps it; {f.BrokenShare:P1} of {f.CheckedRows:N0} synthetic rows break it");
        }
        foreach (var f in Giveaways.Combinations)
            s.AppendLine(c, $"    {f.Combination} in the real rows; {f.BrokenShare:P1} of synthetic rows hold none of them");
        foreach (var t in Giveaways.Trends)
            s.AppendLine(c, $"    {t}");
        foreach (var t in Giveaways.Thresholds)
            s.AppendLine(c, $"    {t}");
        foreach (var m in Giveaways.Missing)
            s.AppendLine(c, $"    {m}");
        foreach (var b in Giveaways.Bounds)
            s.AppendLine(c, $"    {b}");
        if (ColumnPairs.Count > 0)
        {
            s.AppendLine("  Weakest pairs:");
            foreach (var pair in ColumnPairs.OrderBy(x => x.Score).Take(5))
            {
                s.Append(c, $"    {pair.First} × {pair.Second}: {pair.Score:F4} ({pair.Method}");
                if (pair.RealCorrelation is double r) s.Append(c, $", r real {r:F3} vs synthetic {pair.SyntheticCorrelation:F3}");
                s.AppendLine(")");
            }
        }
        return s.ToString();
    }

    /// <inheritdoc cref="Summary"/>
    public override string ToString() => Summary();
}
