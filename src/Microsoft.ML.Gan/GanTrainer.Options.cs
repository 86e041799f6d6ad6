namespace Microsoft.ML.Gan;

public sealed partial class GanTrainer
{
    /// <summary>
    /// Everything that shapes training. The defaults train a usable model on a small table without tuning;
    /// every member says its default and what it is for.
    /// </summary>
    public sealed class Options
    {
        /// <summary>The columns to learn and generate, in this order. Default: null, every visible column of the training data.</summary>
        public string[]? Columns { get; set; }

        /// <summary>
        /// Epochs of training. Default 300. An epoch is a pass over the training rows, rows / BatchSize generator
        /// updates, or <see cref="MinimumEpochSteps"/> updates when a pass makes fewer.
        /// </summary>
        public int Epochs { get; set; } = Defaults.Epochs;

        /// <summary>
        /// The fewest generator updates an epoch makes. A small table's pass is one or two updates (153 rows in batches
        /// of 500: one), and 300 of them teach a GAN nothing of the relations between columns; its epochs then draw
        /// this many batches each. Default 16 (4,800 updates in 300 epochs; Adult's 26,048 rows make 52 an epoch and
        /// are unaffected). 1 makes every epoch one pass, however small the table.
        /// </summary>
        public int MinimumEpochSteps { get; set; } = Defaults.MinimumEpochSteps;

        /// <summary>
        /// Rows in a minibatch (the original GAN's m): m real rows and m noise vectors per update. Default 500. A batch size
        /// larger than the table is clamped to the table's row count (the log says so).
        /// </summary>
        public int BatchSize { get; set; } = Defaults.BatchSize;

        /// <summary>
        /// Discriminator updates per generator update (the original GAN's k). Default 2: on Adult, over two seeds, it beat 1
        /// (CTGAN's) on every score (quality 0.928 vs 0.907, FastTree detection AUC 0.877 vs 0.888, efficacy F1 0.614 vs
        /// 0.602) for 1.5 times the training time. <see cref="Classic"/> uses 1, as the paper's experiments did.
        /// </summary>
        public int DiscriminatorSteps { get; set; } = Defaults.DiscriminatorSteps;

        /// <summary>Length of the noise vector z fed to the generator. Default 128.</summary>
        public int NoiseDimension { get; set; } = Defaults.NoiseDimension;

        /// <summary>The distribution z is drawn from. Default <see cref="Gan.NoisePrior.Gaussian"/>.</summary>
        public NoisePrior NoisePrior { get; set; } = Defaults.NoisePrior;

        /// <summary>The adversarial objective. Default <see cref="GanLossKind.WassersteinGp"/>.</summary>
        public GanLossKind Loss { get; set; } = Defaults.Loss;

        /// <summary>Weight of the gradient penalty of <see cref="GanLossKind.WassersteinGp"/>. Default 10 (Gulrajani et al., CTGAN).</summary>
        public double GradientPenaltyWeight { get; set; } = Defaults.GradientPenaltyWeight;

        /// <summary>
        /// Rows the discriminator judges together (PacGAN, Lin et al. 2018): a pack of generated rows that all look
        /// alike gives itself away, which fights mode collapse. 1 judges rows one at a time (the original GAN).
        /// BatchSize must be a multiple of it. Default 10, as CTGAN. On a table smaller than BatchSize the packs are made
        /// smaller, so that a batch still gives the discriminator 50 judgements (the log says so): 153 rows in packs of
        /// 10 gave it 11 and lost the correlations between columns.
        /// </summary>
        public int Pac { get; set; } = Defaults.Pac;

        /// <summary>
        /// Condition the generator on one categorical column's category per row, sampled by log-frequency while
        /// training (CTGAN's conditional vector and training-by-sampling), so rare categories are learned rather than
        /// dropped; it also enables generating rows for a given category. Default true; it has no effect on a table
        /// without categorical columns.
        /// </summary>
        public bool ConditionalGenerator { get; set; } = Defaults.ConditionalGenerator;

        /// <summary>
        /// How training draws each row's condition. Default <see cref="Gan.TrainingConditionDraw.LogFrequency"/> (CTGAN's).
        /// A combination's hidden category (<see cref="CombinationCategories"/>) is drawn at its frequency whatever this says.
        /// </summary>
        public TrainingConditionDraw TrainingConditionDraw { get; set; } = Defaults.TrainingConditionDraw;

        /// <summary>
        /// Residual generator layers (CTGAN's): each hidden layer's output is concatenated with its input, so the
        /// output layer sees the noise, the condition and every hidden representation. Default true.
        /// </summary>
        public bool GeneratorResidual { get; set; } = Defaults.GeneratorResidual;

        /// <summary>The gradient rule for both networks. Default <see cref="GanOptimizerKind.Adam"/>.</summary>
        public GanOptimizerKind Optimizer { get; set; } = Defaults.Optimizer;

        /// <summary>Generator learning rate. Default 2e-4 (for SGD with momentum, about 0.01 is a usual start).</summary>
        public double GeneratorLearningRate { get; set; } = Defaults.LearningRate;

        /// <summary>Discriminator learning rate. Default 2e-4.</summary>
        public double DiscriminatorLearningRate { get; set; } = Defaults.LearningRate;

        /// <summary>Adam's first-moment decay. Default 0.5, the usual GAN setting (lower than Adam's 0.9 for stability).</summary>
        public double AdamBeta1 { get; set; } = Defaults.AdamBeta1;

        /// <summary>Adam's second-moment decay. Default 0.9.</summary>
        public double AdamBeta2 { get; set; } = Defaults.AdamBeta2;

        /// <summary>Momentum of <see cref="GanOptimizerKind.SgdMomentum"/>. Default 0.9.</summary>
        public double Momentum { get; set; } = Defaults.Momentum;

        /// <summary>L2 weight decay of the generator. Default 1e-6.</summary>
        public double GeneratorWeightDecay { get; set; } = Defaults.WeightDecay;

        /// <summary>L2 weight decay of the discriminator. Default 1e-6.</summary>
        public double DiscriminatorWeightDecay { get; set; } = Defaults.WeightDecay;

        /// <summary>Widths of the generator's hidden layers. Default [256, 256].</summary>
        public int[] GeneratorLayers { get; set; } = [Defaults.LayerWidth, Defaults.LayerWidth];

        /// <summary>Widths of the discriminator's hidden layers. Default [256, 256].</summary>
        public int[] DiscriminatorLayers { get; set; } = [Defaults.LayerWidth, Defaults.LayerWidth];

        /// <summary>
        /// Batch normalisation in the generator's hidden layers. Default true: it steadies training on tables. After
        /// training its running statistics are re-estimated over many noise batches, so generation matches training.
        /// </summary>
        public bool GeneratorBatchNorm { get; set; } = Defaults.GeneratorBatchNorm;

        /// <summary>Dropout after each discriminator hidden layer, in [0, 1). Default 0.5 (CTGAN's): a discriminator that memorises rows starves the generator.</summary>
        public double DiscriminatorDropout { get; set; } = Defaults.DiscriminatorDropout;

        /// <summary>Temperature of the Gumbel-softmax that makes category outputs differentiable while training. Default 0.2.</summary>
        public double GumbelTemperature { get; set; } = Defaults.GumbelTemperature;

        /// <summary>
        /// β of an exponential moving average of the generator's weights, in [0, 1); 0 (the default) for none. With β
        /// above 0 each averaged weight moves a share 1 − β towards the trained one after every generator update (β is
        /// smaller over a run's first updates: min(β, (1 + t) ÷ (10 + t)) after t of them), and the model, the epochs'
        /// quality checks and snapshots use the averaged generator. A GAN's generator circles the game's equilibrium;
        /// the average of its recent updates lies nearer it. 0.999 averages about the last thousand updates.
        /// </summary>
        public double GeneratorAverageDecay { get; set; } = Defaults.GeneratorAverageDecay;

        /// <summary>
        /// How numeric columns are normalised. Default <see cref="Gan.ContinuousNormalization.Auto"/>: mode-specific for a
        /// column with at least <see cref="ModeSpecificMinimumValues"/> present values; for a smaller one, by rank where its
        /// values are skewed (see <see cref="RankMinimumSkewness"/>), min-max otherwise.
        /// </summary>
        public ContinuousNormalization ContinuousNormalization { get; set; } = Defaults.ContinuousNormalization;

        /// <summary>
        /// With <see cref="Gan.ContinuousNormalization.Auto"/>, the fewest present training values for which a numeric column
        /// is normalised mode by mode (below, by rank or min-max: see <see cref="RankMinimumSkewness"/>). Default 1,000.
        /// </summary>
        public int ModeSpecificMinimumValues { get; set; } = Defaults.ModeSpecificMinimumValues;

        /// <summary>
        /// With <see cref="Gan.ContinuousNormalization.Auto"/>, the least absolute skewness (third standardised moment of
        /// the present training values) for which a column below <see cref="ModeSpecificMinimumValues"/> is normalised by
        /// rank instead of min-max, when no one value holds 5 % of its values (a spike: 0 in most rows, a binary code,
        /// a cap many rows sit at keep min-max, where a spike takes a point rather than a wide run of ranks). Default 2
        /// (a county's population; an exponential's skewness is 2); 0 ranks every such column without a spike,
        /// <see cref="double.PositiveInfinity"/> none.
        /// </summary>
        public double RankMinimumSkewness { get; set; } = Defaults.RankMinimumSkewness;

        /// <summary>
        /// Whether each numeric column is generated at the granularity of its training values: whole numbers where
        /// they are whole (also in a Single column), two decimals where they have two, steps of 5 where they move in
        /// fives. Learned exactly from every value at <c>Fit</c> and applied in .NET and in the exported graph; a
        /// column that needs more than 15 decimals is continuous. Default true: a detector spots an age of 40.49 at once.
        /// False generates any value in the training range (integer columns are still rounded to whole numbers).
        /// </summary>
        public bool NumericGranularity { get; set; } = Defaults.NumericGranularity;

        /// <summary>
        /// Whether each column is generated with its training marginal, calibrated after training on 50,000 rows the
        /// trained generator makes (fewer for very wide tables), stored in the model and applied in .NET and in the
        /// exported graph. Default true; <see cref="Classic"/> sets it false, which generates the network's own values.
        /// <list type="bullet">
        /// <item>Categories (and booleans, keys) and missing rates: a bias is added to each category's logit (to the
        /// missing logit of a numeric column with missing values) so that the generated shares are the training
        /// shares. The generator's relations between columns stay; a sex or race share no longer drifts.</item>
        /// <item>Numbers: a monotone quantile map. A value keeps its rank among the generated values and takes the
        /// training values' quantile at that rank, so the column's shape is the training column's. A column with few
        /// distinct values (at most 1,000, each seen 4 times on average: ages, counts, codes, a month's date) maps
        /// onto exactly those values in their shares; any other onto its quantiles at 501 levels, interpolated, then
        /// rounded to its granularity (one whose values repeat keeps them as often as new rows would: see
        /// <see cref="RepeatTrainingValues"/>). The model then holds each numeric column's quantiles (or distinct values), as it
        /// holds each category.</item>
        /// <item>A number learned as its residual from a trend (<see cref="NumericTrends"/>) that explains less than 99 %
        /// of its variance: the value the trend makes (curve plus residual, a sum no column's map calibrates) is mapped
        /// the same way onto the column's training values, after the trend. A trend that explains more is all but exact,
        /// and keeps its values as it makes them.</item>
        /// </list>
        /// </summary>
        public bool ExactMarginals { get; set; } = Defaults.ExactMarginals;

        /// <summary>
        /// With <see cref="ExactMarginals"/>: whether a numeric column mapped onto interpolated quantiles whose training
        /// values repeat (calories from a menu, prices at round figures, lengths of stay) generates those values
        /// themselves as often as new rows would repeat them, and new values between them the rest of the time. New
        /// rows hold a value the training rows lack about as often as the training rows hold a value seen once (the
        /// Good-Turing estimate); interpolating the quantiles makes new values for about one row in D of N (D distinct
        /// values in N rows), too many where values repeat, and a tree spots the values no real row has. Each distinct
        /// value keeps its share of the rows less a discount (the same for every value, n1/D for n1 values seen once),
        /// which goes half to the gap on either side where the column's grid has values inside: the new values stay where
        /// the mass was, and a dense run of whole numbers that the training rows all hold gets none. Applies to columns
        /// of at most 1,000 distinct values that are not mapped onto their exact values already; a column whose every
        /// value repeats, or whose grid leaves no value between neighbours, maps onto its exact values. Default true.
        /// </summary>
        public bool RepeatTrainingValues { get; set; } = Defaults.RepeatTrainingValues;

        /// <summary>
        /// With <see cref="ExactMarginals"/>: whether a numeric column whose values depend on a categorical column, or
        /// on a number of a few exact values (a year, a count of children, a stage: 2 to 20 values, each value a
        /// category), is mapped within each of that column's categories, not only as a whole. At <c>Fit</c>, for each
        /// numeric column, the column whose categories' distributions of it lie furthest from its own (a Kolmogorov-Smirnov
        /// distance beyond chance of at least 0.1, weighted over the categories: a shift or a narrower spread alike)
        /// is its group (a number that groups others is not grouped itself: it decodes first; nor is one that a rule,
        /// formula, trend, combination or constraint sets after decoding), and so is the categorical column of a panel whose periods the column holds (each category
        /// holds each of the column's values once, some over a span of its own: a store's months from its opening);
        /// each of its categories with at least 50 values gets its own quantiles (up to 100 categories), and after
        /// training the generator's quantiles within it. A generated value is then placed by its rank among the values generated with its row's category and comes
        /// out as that category's training quantile: each category keeps its range and shape (a small city's listings
        /// stay a small city's; a store opened in March has no January), and rows of rarer categories are mapped as
        /// the whole column. Not for a column that a dependency sets, nor one it keys on unless the column maps onto
        /// its exact values (the keys). The log names each grouping. Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool GroupedMarginals { get; set; } = Defaults.GroupedMarginals;

        /// <summary>
        /// Whether two columns of dates, instants or durations of one type that every training row holds in one order
        /// (where both are present, in at least 20 rows, not equal in all) are kept in that order by a rule, as if it
        /// were in <see cref="Constraints"/>, when the later one lies at a more regular distance after the earlier than it
        /// spreads on its own (interquartile ranges): a study's end after its entry, a delivery after its order. The
        /// later column is then learned as its distance after the earlier, so generated rows keep the order and the
        /// distance's shape. Columns a given rule names are left as the rules say; an order implied through a third
        /// column is not added again. The log names each rule, and the model's <c>Constraints</c> list them. Default
        /// true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool TimeOrders { get; set; } = Defaults.TimeOrders;

        /// <summary>
        /// Whether two number columns that read as two points on one scale are kept in the order every training row holds
        /// them in, as <see cref="TimeOrders"/> keeps dates: where both are present (in at least 20 rows) the one is never
        /// above the other and equals it in some rows (a recurrence time and a follow-up time, equal where nothing
        /// recurred), each takes more than 20 values (not a code or a flag), the later holds no value in more rows than
        /// their distance holds its most common one (a death day that is the study's end for everyone alive then stays free), their values spread alike (Kolmogorov-Smirnov distance below 0.6),
        /// the later lies at a more regular distance above the earlier than it spreads on its own, and neither follows the
        /// other along a curve (a trend keeps such a pair, see <see cref="NumericTrends"/>). Numbers in other units that
        /// happen to hold an order (a crime rate below a share of old houses) and parts below their whole (which never
        /// meet it unless the other parts are all zero) are left alone. Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool NumberOrders { get; set; } = Defaults.NumberOrders;

        /// <summary>
        /// Whether rules between columns that the training rows obey hold in every generated row too. At <c>Fit</c>
        /// each column with at most 1,000 distinct values is checked against every other column: where the rows (at
        /// least 10) holding one of its values all hold one value of the other column, but for at most 1 in 100 of
        /// them, and the agreement is too strong to be chance, the rule is kept. education "Bachelors" always has
        /// education-num 13; relationship "Husband" is "Male" (one Husband in ten thousand recorded "Female" is such an
        /// exception); a month's date fixes its year. A value seen in fewer than 10 rows makes no rule of its own, but a
        /// category that fixes the other column as a whole (a car's model its make: every value of two rows or more holds
        /// one, and all those agreements together are not chance) keys every value, those seen once too. Generated rows are made to obey
        /// each rule after decoding, in .NET and in the exported graph; where the determining value has no rule the
        /// generator's own value stays. A number that rules set in at least 1 row in 20 is calibrated (with
        /// <see cref="ExactMarginals"/>) onto the values of the rows they leave to it, so the rules' values are not
        /// given to those rows as well. The model lists them (<see cref="GanTransformer.Dependencies"/>). Default true;
        /// <see cref="Classic"/> sets it false. A combination the data never have is what a detector finds first.
        /// </summary>
        public bool ExactDependencies { get; set; } = Defaults.ExactDependencies;

        /// <summary>
        /// Whether the generator is trained on the rows the <see cref="ExactDependencies"/> will make: while training,
        /// where a category the generator chooses fixes another column, the discriminator sees that column as the
        /// training rows of the category hold it, not as the generator made it (see <see cref="Training.DependencySubstitution"/>),
        /// so that the generator learns to choose the category whose fixed values go with the rest of the row. Default
        /// true; <see cref="Classic"/> sets it false. No effect without <see cref="ExactDependencies"/>.
        /// </summary>
        public bool DependenciesInTraining { get; set; } = Defaults.DependenciesInTraining;

        /// <summary>
        /// Whether a number column that another number or date column all but determines along a smooth curve is
        /// learned as its residual from that curve. At <c>Fit</c> each signed number column is compared with every other
        /// number or time column: where a piecewise-linear curve through the other column (up to 96 knots, each the mean
        /// of a run of at least 10 of its sorted rows) explains at least 90 % of the column's variance (R² ≥ 0.9), the generator learns
        /// the distance from the curve, and decoding puts it back on the curve of the row's generated anchor (on the
        /// column's grid, within its training range), in .NET and in the exported graph. A monthly table's population
        /// that grows with the date, or spending that follows population, then stays on its trend instead of scattering
        /// around it, which is what a detector sees first. Each column follows at most one other; a column a constraint
        /// names keeps to the constraint. The model lists them (<see cref="GanTransformer.Trends"/>). Default true;
        /// <see cref="Classic"/> sets it false.
        /// </summary>
        public bool NumericTrends { get; set; } = Defaults.NumericTrends;

        /// <summary>
        /// Whether a trend (<see cref="NumericTrends"/>) may also add other number columns in proportion, beyond its
        /// anchor's curve: a county's poverty rate is, within a fraction of a point, a weighted mean of its children's,
        /// adults' and elders' rates (ggplot2's <c>midwest</c>: R² 0.954 on the adults' rate alone, 0.997 with the other
        /// two), and a generator left to learn the rest from noise makes rates no county has. At <c>Fit</c>, after a
        /// trend's curve, the number columns that are no trend's target are added one at a time by least squares (at
        /// most four), each while it explains at least half of what the trend still leaves unexplained; the curve is then
        /// fitted again on what the terms leave. Decoding adds each term's coefficient × (its value − its mean), in .NET
        /// and in the exported graph. A column a trend adds is not another trend's target. Default true;
        /// <see cref="Classic"/> sets it false (and has no trends).
        /// </summary>
        public bool TrendTerms { get; set; } = Defaults.TrendTerms;

        /// <summary>
        /// Whether a number column that no trend makes yet may follow the curve of the ratio of two other number columns
        /// (<see cref="NumericTrends"/>): a median price follows the mean one, a sum of sales over their count (ggplot2's
        /// <c>txhousing</c>: R² 0.93 on volume / sales, at most 0.40 on any one column), which a generator making each
        /// of the three on its own scale keeps far more loosely (in one 300-epoch model's rows, a correlation of 0.61
        /// with the mean price where the data have 0.96). At <c>Fit</c>, after the trends of single columns, each target left is tried against the ratios of
        /// every pair of number columns that are no later trend's target (up to 40 number columns), and the strongest
        /// ratio that explains at least 90 % of it becomes its anchor. Decoding divides the two columns' values, in .NET
        /// and in the exported graph; where the ratio is missing or not finite (a zero count) the trend's fallback stands
        /// in for the curve. Default true; <see cref="Classic"/> sets it false (and has no trends).
        /// </summary>
        public bool TrendRatios { get; set; } = Defaults.TrendRatios;

        /// <summary>
        /// Whether a number column that no trend makes yet may follow a curve of its own along another column within each
        /// category of a categorical column (<see cref="NumericTrends"/>): a panel of entities over time, where each
        /// city's listings rise and fall along the months in a shape of their own (ggplot2's <c>txhousing</c>: curves
        /// within its 46 cities explain 99 % of the listings; the listings of a city's year, 99.4 % in the data, 94.9 %
        /// in rows generated without them, 99.3 % with them). At <c>Fit</c>, after the trends on single columns and
        /// ratios, each target left is tried along every number or time column within every categorical column of 2 to
        /// 100 categories that nothing changes after decoding; the curves share their knots (about 10 rows of a category
        /// a knot), a category of fewer than 20 rows follows the whole column's curve moved to its own level, and the
        /// strongest pair whose curves explain at least 90 % of the target, and at least half of what its categories
        /// alone leave, becomes its trend; its residuals' map is grouped by those categories. Decoding reads each row's
        /// generated category and puts the residual back on that category's curve, in .NET and in the exported graph.
        /// Default false: on txhousing it keeps each city's series but did not lower the detection AUC (0.630 → 0.638,
        /// seeds 1-3), and generated rows lie closer to their training twins of the same city and month (distance ratio
        /// 0.87 → 0.69). <see cref="Classic"/> sets it false (and has no trends).
        /// </summary>
        public bool CategoryTrends { get; set; } = Defaults.CategoryTrends;

        /// <summary>
        /// Whether a number column that other number columns make exactly in every training row is made from them in
        /// every generated row: a total that is the sum of its parts (a county's population and its five groups), a
        /// ratio scaled by a power of ten (a percentage: 100 × part / total), a product (an amount: price × quantity).
        /// At <c>Fit</c>, each number column is tried as a sum of the smaller ones (least squares on a few rows a part,
        /// every weight 0 or 1) and as a ratio or product of any two (of the first 100 number columns); a formula is kept
        /// where it holds in every training row where its columns are present, at least 20 (within 1 part in a million; a
        /// column with a grid to its decimals). Generated rows make the column from their generated inputs after decoding, in .NET and
        /// in the exported graph, so totals add up and shares match their counts, as anyone checking the rows expects; the
        /// generator's own value of the column stays where the formula has none (a missing input, a denominator of 0),
        /// where the generator makes the column missing, or where the formula makes a value
        /// outside the column's training range (a ratio of two values that do not go together). A ratio whose numerator
        /// or denominator nothing else touches, or whose numerator only the sum making its denominator reads (a group's
        /// count and its share of the total), keeps the generator's own share instead and makes that input from it,
        /// wherever both stay in their ranges (<see cref="GanColumnFormula.TargetLearned"/>): a share made from two counts
        /// generated apart spreads wider than the data's. Two number columns whose difference the row's category of a
        /// categorical column (2 to 1,000 categories) fixes, in all but 1 % of each category's rows, are an offset
        /// (<see cref="GanFormulaKind.Offset"/>): a day of the study is the day of a patient's diary plus the day it began,
        /// the patient's own; the wider column is made from the other and the category's offset, kept where categories
        /// with an offset hold 95 % of the rows, the number moves within them, and the offsets differ (a category whose
        /// rows hold no one offset keeps the generator's value). A column a dependency reads or sets is made by no formula; a
        /// column a constraint names takes no part. The model lists them (<see cref="GanTransformer.Formulas"/>). Default
        /// true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool NumericFormulas { get; set; } = Defaults.NumericFormulas;

        /// <summary>
        /// Whether a categorical column that thresholds on other columns fix in every training row is set from them in
        /// every generated row: a bin of a number (an age group of the age, a size class of the size), or a code made of
        /// several bins (ggplot2's <c>midwest</c>: a county's <c>category</c> is the bin of its share of high-school
        /// graduates, the bin of its poverty rate and its metro status, one letter each). A generator that learns the
        /// category and the numbers apart makes rows whose category the numbers rule out (two in three of midwest's,
        /// after one epoch), which a tree finds at once. At <c>Fit</c>, each categorical column of up to 64 categories that no
        /// dependency sets is predicted by a small decision tree on the other number and category columns (each split the
        /// one that cuts fewest rows of a category apart, then of least Gini impurity, at edges the tree already has where
        /// they part the same rows; grown until each leaf holds one category, at most four leaves a category and 12
        /// levels; on at most 20,000 rows); it is kept when a tree grown on half the rows predicts the other half (at most
        /// 5 % of them wrong, and a tenth of what the most common category alone misses), when it splits on a number, and
        /// when it holds in every training row but at most 1 % of them. A column the category fixes by a dependency (the
        /// metro status) is read as one branch per value first; a whole-number column with a value in every other row or
        /// more (an identifier) is not read. After decoding, last, in .NET and in the exported graph, the column is set
        /// from its tree on the row's final values; the generator still learns it (its shares calibrated as it chooses
        /// them), and conditions on it are honoured as before (by the generator, then by rejection).
        /// The model lists them (<see cref="GanTransformer.CategoryThresholds"/>). Default true; <see cref="Classic"/>
        /// sets it false.
        /// </summary>
        public bool CategoryThresholds { get; set; } = Defaults.CategoryThresholds;

        /// <summary>
        /// Whether a categorical column that, within each category of a column of 20 to 1,000 categories (an entity: a
        /// state, a patient), steps along a number column (the years) is set from its steps in every generated row: a law
        /// a state passes in a year of its own and keeps (AER's Guns: <c>law</c> switches from no to yes once in 25 of 51
        /// states and never back; USSeatBelts: its speed limits, drinking age, alcohol limit and seat-belt enforcement).
        /// A generator that learns the column from the row's other values makes a state's law come and go from year to
        /// year. At <c>Fit</c>, for each categorical column of up to 64 categories, each entity column and each number
        /// column (not an identifier-like whole number) are tried: each entity's rows, in the number's order, hold each
        /// value in one run, or the step of at most two runs that misses the fewest of them is taken; it is kept when at
        /// least 3 entities switch, when the rows change value between neighbours at most a quarter as often as in a
        /// random order (at least 20 such changes expected), and when the steps miss at most 1 % of the rows. It is kept
        /// as a tree of thresholds (<see cref="CategoryThresholds"/>): splits on the entity's category narrow to one
        /// entity, or to a run of entities that hold one value throughout, then one split on the number a switch; after
        /// decoding, last, in .NET and in the graph, the column is set from it on the row's final values (a number past an
        /// entity's last switch takes its last value; a missing one too). The dependencies that set it (a few states
        /// that always had the law; no limit of 70 without one of 65) give way to it: they hold wherever the steps do. The model lists them with the trees
        /// (<see cref="GanTransformer.CategoryThresholds"/>). Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool CategorySteps { get; set; } = Defaults.CategorySteps;

        /// <summary>
        /// Whether pairs of categories that the training rows never hold, though their columns' shares say many rows
        /// should, are kept out of every generated row: structural zeros of the table, such as a region and a size of
        /// community it has none of (Chile: region "M", 100 of 2,700 rows, never with a community of 250,000 people, 1,300
        /// rows), or "Never-married" with "Husband". A generator that learns the columns' joint shape still puts some rows
        /// there (3 % of Chile's), which no real row is. At <c>Fit</c>, for every two categorical columns of at most
        /// 65,536 pairs of categories that nothing changes after decoding (no constraint, thresholds or dependency from
        /// a third column sets either), each pair that no training row holds though its categories' rows, multiplied and
        /// divided by all rows, expect at least 13.8 (the chance of none by chance e^−13.8 = 10^−6) is ruled out, but
        /// where a dependency between the two sets the other column from that category (Chile's region "SA", whose
        /// communities all have 250,000 people): the dependency makes those rows whole. Rarer pairs stay allowed: their
        /// absence may be chance (on small tables, a threshold of 3 to 10 ruled out pairs that 2-4 % of held-out real rows
        /// hold). When generating, in .NET and in the exported graph, the
        /// later column's categories that the earlier column's category rules out get their logits lowered before it is
        /// chosen: the row keeps its earlier category and chooses among the allowed ones in the generator's own
        /// proportions. Conditions on either column are honoured as before. The model lists them
        /// (<see cref="GanTransformer.CategoryExclusions"/>). Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool CategoryExclusions { get; set; } = Defaults.CategoryExclusions;

        /// <summary>
        /// Whether numeric columns that are missing in exactly the same training rows are missing together in every
        /// generated row: measures a study did not take for some patients (pbc's six trial measures, missing in the same
        /// 106 of 418 rows), the start and end of a treatment (rhDNase), a count and the amount it sums (txhousing's
        /// sales and volume). Each column's own present/missing head learns the rate, but not that the rows coincide:
        /// about 5 % of pbc's generated rows had some of the six and not the others, which no real row has. At <c>Fit</c>,
        /// numeric and time columns with at least three missing values whose missing rows are the same are grouped (on
        /// every training row); in each group the later columns follow the first, their leader: when generating, in .NET
        /// and in the exported graph, a follower is missing exactly where its leader's head says the leader is, and
        /// otherwise decodes its own value. Columns a rule sets after decoding (a constraint, formula or dependency)
        /// take no part; a trend's target does (the trend keeps it missing where its residual is). The model says so (<see cref="GanColumnInfo.MissingWith"/>). Default true;
        /// <see cref="Classic"/> sets it false.
        /// </summary>
        public bool MissingTogether { get; set; } = Defaults.MissingTogether;

        /// <summary>
        /// Whether a number that each category of a column of many categories holds about a level of its own is learned
        /// as its distance from that level: a patient's bilirubin over the visits of a study (pbcseq's 312 patients
        /// explain 64-78 % of its liver tests' spread), a store's monthly sales. A generator that learns hundreds of
        /// levels from one-hot categories places a patient's visits anywhere in the column's spread; a detector reading
        /// the patient beside the value sees it at once. At <c>Fit</c>, after every rule between columns is found, each
        /// number column no rule sets or changes (but a dependency on some of its keys, which gives way; a trend or a
        /// formula may read it) is tried against
        /// each categorical column of 20 to 1,000 categories that no rule sets: on the log-odds of each value's level
        /// among the training values, a category's level is the mean of its rows' (with at least 3 present values),
        /// kept where the levels explain at least half of the spread (adjusted for chance), categories with a level hold
        /// half the values, the number moves within categories holding a tenth of those, and those categories hold a
        /// median of fewer than 50 values (more: a map grouped by the category keeps its spread; see
        /// <see cref="GroupedMarginals"/>). A number whose levels would explain 90 % of its spread or more follows no
        /// trend (it may anchor one): it keeps its level (a state's population over a panel's years). The generator learns each
        /// row's distance from its category's level; generation, in .NET and in the exported graph, adds the level first,
        /// before any rule reads the column (a trend's anchor, a formula's input: a state's counts that follow one count
        /// keep the state's level through it), and maps it back through the training values (every value in the
        /// training range, on the column's grid). The
        /// model says so (<see cref="GanColumnInfo.LevelWithin"/>). Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool EntityLevels { get; set; } = Defaults.EntityLevels;

        /// <summary>
        /// Whether a number learned about its categories' levels (<see cref="EntityLevels"/>) may follow a line of each
        /// category's own along another number column: a state's population, its shares by race, its income, each rising
        /// or falling along the years of a panel at a pace of its own (AER's Guns: a state's population along the years
        /// 99.9 %, which a generator that learns one spread of distances for every state places anywhere in the state's
        /// band). At <c>Fit</c>, for each level, each number column the generator makes that no rule sets or changes and
        /// no level is on is tried: through each category's rows where both are present (at least 4, the column not
        /// constant there) the least-squares slope of the target's log-odds on it; the column whose lines explain the most
        /// of what the levels leave, at least half (adjusted for chance: a line costs a degree of freedom), is kept. The
        /// generator then learns each row's distance from its category's line, and generation adds the line at the row's
        /// value of the column, placed within the category's training range of it (a missing value adds nothing), in .NET
        /// and in the exported graph. A number whose categories' levels alone explain less than half of it, but whose
        /// levels and lines together explain three quarters (adjusted for chance), holds a level on a line too: Guns' share
        /// of young men falls along the years at a pace of each state's own (levels 19 %, lines 92 % of the rest); no
        /// column is then both a level's target and another's line's column (the strongest first). The model says so
        /// (<see cref="GanColumnInfo.LevelAlong"/>). Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool EntityLevelLines { get; set; } = Defaults.EntityLevelLines;

        /// <summary>
        /// Whether each category of a number's levels (<see cref="EntityLevels"/>) keeps a spread of its own about its
        /// level and line: AER's Guns holds states whose population grows along the years on an all but straight line
        /// and states that move about theirs (the root mean square of the residual log-odds differs seven-fold between a
        /// tenth and nine tenths of its states), and a generator that learns one spread of distances for every state
        /// gave the tight states their neighbours' spread (their generated rows two and a half times as far from the
        /// line as the real ones, a seed's 300-epoch model). At <c>Fit</c>, each category's root mean square about its
        /// level and line, as a multiple of all categories' (drawn towards it on the log scale by four rows), divides the distance the generator learns,
        /// and generation multiplies it back, in .NET and in the exported graph. The model says so
        /// (<see cref="GanColumnInfo.LevelSpreads"/>). Default false: it lowered FastTree's detection on four of the five
        /// tables with levels (Guns 0.650 → 0.593, USSeatBelts 0.495 → 0.435, Fatalities 0.420 → 0.401, mpg 0.506 →
        /// 0.461; seeds 1-3) but not on pbcseq (0.640 → 0.654), and it brought USSeatBelts' rows nearer the training
        /// rows than held-out rows are (distance-to-closest-record ratio 1.66 → 0.77). <see cref="Classic"/> sets it false.
        /// </summary>
        public bool EntityLevelSpreads { get; set; } = Defaults.EntityLevelSpreads;

        /// <summary>
        /// Whether a number every training row keeps below another that a category fixes is kept below it
        /// (<see cref="NumberOrders"/> on): pbcseq's visit day is always before its patient's end of follow-up, the same
        /// in each of the patient's rows, and a generator that learns the day on its own scale placed about 2 % of its
        /// visits after the end. The two must never meet (bdf's group within its class, the whole class in 72 % of the
        /// rows, stays dropped: kept as a share, bdf's FastTree detection rose 0.583 → 0.653, its centred group size no
        /// longer following it), and the order is kept where chance would keep it less than once in a
        /// million (one draw for each value of the later column). The later stays the category's, and the earlier is
        /// learned as its share of the way up to the later, taken on its own training quantiles so that the days a
        /// schedule repeats keep their share of the rows, in .NET and in the exported graph, so no generated row leaves
        /// that range (model format 39; <see cref="GanColumnInfo.LearnedBelow"/>).
        /// Default false: on pbcseq (seeds 1-3, both on one file) it holds the order in every row, but FastTree's detection
        /// is 0.658 against the defaults' 0.635 and the efficacy ratio 0.965 against 0.980 (a share on the day's numbers,
        /// stop 64, lost the visits' schedule: 0.733). <see cref="Classic"/> sets it false.
        /// </summary>
        public bool OrdersBelowFixed { get; set; } = Defaults.OrdersBelowFixed;

        /// <summary>
        /// Whether a number column that every training row keeps below a bound falling with another number is learned as
        /// its share of what the bound leaves: a study's end, <c>follow-up + s × entry ≤ K</c>, which a patient's
        /// follow-up reaches sooner the later the patient entered (mgus2's months of follow-up + 11.6 × the year of
        /// diagnosis; flchain's days + 345 × the year of the sample). A generator that learns the follow-up on its own
        /// scale places 8-11 % of mgus2's patients past the study's end, rows no real table has, which a detector reading
        /// the two columns finds at once. At <c>Fit</c>, before any other rule is found, each number column that counts from
        /// its start (never below 0, its least value no further from 0 than its range spans), that no constraint names and
        /// no exact formula makes or reads (see <see cref="NumericFormulas"/>: parts below their total keep their sum by it)
        /// is tried against each number column never missing (of more than 20 values where maps are grouped: a map
        /// grouped by an entry of few values keeps each value's times, as flchain's follow-up within its 9 years of
        /// sampling, which as shares of the time left were told from real rows more easily; see <see cref="GroupedMarginals"/>): the bound is read off the rows
        /// where the column is highest for its entry (a least-squares line through the highest row of each tenth of the
        /// rows by entry, falling), its limit the rows' highest sum, and kept where a tenth of the rows lie near it (within
        /// 5 % of the column's range), all along the entry (the 10th and 90th percentiles of their entries a quarter of its
        /// range apart), and a twentieth of values paired at random would pass it (the evaluation's giveaways name such
        /// bounds and the rows past them: <c>SyntheticDataGiveaways.Bounds</c>). A column at or below the target in every
        /// row and equal to it in some (a time to progression) takes the target's bound, so their order holds. The
        /// generator learns each row's share of the time left (from 0 to 1); generation, in .NET and in the exported
        /// graph, multiplies it by the time the row's entry leaves, last, on the column's grid within its training range.
        /// No other rule reads or sets the column but an order between columns of one bound. The model says so
        /// (<see cref="GanColumnInfo.StudyEnd"/>). Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool StudyEnds { get; set; } = Defaults.StudyEnds;

        /// <summary>
        /// Whether number columns whose values come in few combinations keep the training rows' combinations in every
        /// generated row: the attributes of an entity that each of its rows repeats, as a table joined from a finer and a
        /// coarser one holds them (each tract of a town with the town's tax rate, pupil-teacher ratio and zoning). A
        /// generator that learns each column apart mixes two entities in one row (one town's tax rate with another's
        /// zoning), which a classifier finds at once. At <c>Fit</c>, two number columns without missing values, each with at most a third as many
        /// values as rows (and at most 1,000), are tied when their values come in few pairs (at most 1.25 times the
        /// values of the one with more, and a quarter of the pairs they could make); tied columns form a group, which is kept where its
        /// combinations are at most 1.5 times its most varied column's values, at most 1,000, and three rows each on
        /// average. After decoding, in .NET and in the exported graph, each generated row takes the training combination
        /// nearest its own values (each column scaled by its standard deviation): the generator still chooses the entity,
        /// from all it made of the row, and the row holds one that exists. A column a constraint names takes no
        /// part, nor does a number a category fixes (a town's name its tax rate: the numbers follow the name by the
        /// dependencies); a group whose anchor fixes the others in every row by the dependencies (a date its year) is left
        /// to them; the dependencies from numbers that would set a combined column give way to the combination, and the
        /// others may read one. The model lists them (<see cref="GanTransformer.Combinations"/>).
        /// Default true; <see cref="Classic"/> sets it false.
        /// </summary>
        public bool NumericCombinations { get; set; } = Defaults.NumericCombinations;

        /// <summary>
        /// Whether the generator learns the entity behind a combination of number columns
        /// (<see cref="NumericCombinations"/>) as one category of its own, where no column of the combination fixes the
        /// others: the town behind its tracts' tax rate, zoning and nitric oxides. The category is learned like any
        /// other (each training row's is its combination; ordinary rows are conditioned on it and generated at its
        /// training share), except that training draws it at its frequency, not by log-frequency (towns of a few rows
        /// each are no rare class to be learned more often than they occur: on Boston, log-frequency cost the R² ratio
        /// 0.13), so the tracts' own columns are learned with their town, and a generated row's combined
        /// columns are its category's values, in .NET and in the exported graph. It is hidden: no generated row, schema
        /// or graph output has it. With it false, or where one column fixes the others (a month its year), each row takes
        /// the combination nearest the values the generator made. It costs training time: a one-hot and a condition block
        /// each as wide as the combinations are many (Boston's 98: its epochs took three times as long). Needs
        /// <see cref="NumericCombinations"/>. Default true;
        /// <see cref="Classic"/> sets it false.
        /// </summary>
        public bool CombinationCategories { get; set; } = Defaults.CombinationCategories;

        /// <summary>
        /// Whether generated rows pass a density-ratio filter. After training (and calibration), a small classifier
        /// learns to tell training rows from as many generated rows (at most 50,000 of each, a fifth held out to stop
        /// it before it learns the training rows themselves); its logit estimates how much more often the data have a
        /// row than the generator makes it, and a generated row is kept with a probability that grows with it (1 for
        /// the 5 % of rows it finds most real): discriminator rejection sampling. Rows the generator over-produces are
        /// thinned out, in .NET and in the exported graph (an output "KeepProbability"; see <see cref="GanTransformer.SaveAsOnnx(string, CategorySampling?)"/>),
        /// and with <see cref="ExactMarginals"/> the kept rows are calibrated onto the training marginals. A classifier
        /// that can barely tell the rows apart (held-out AUC below 0.55) is not kept. Generation then makes about
        /// 1 ÷ <see cref="GanTransformer.FilterKeepRate"/> candidate rows a row (about 3 on Adult).
        /// <see cref="GanTransformer.Transform"/> scores every noise row and applies no filter. Default true;
        /// <see cref="Classic"/> sets it false.
        /// </summary>
        public bool DensityRatioFilter { get; set; } = Defaults.DensityRatioFilter;

        /// <summary>Most Gaussian modes per numeric column in mode-specific normalisation (modes under 0.5 % weight are dropped). Default 10.</summary>
        public int MaximumModes { get; set; } = Defaults.MaximumModes;

        /// <summary>How generated categories are picked from the generator's scores. Default <see cref="Gan.CategorySampling.Sample"/>.</summary>
        public CategorySampling CategorySampling { get; set; } = Defaults.CategorySampling;

        /// <summary>
        /// Text values that mean "missing" in category columns. Default [""] (empty text). Add "?" or "NA" where the
        /// table uses them. Missing tokens are generated at their real rate and written back exactly as they were.
        /// </summary>
        public string[] MissingCategoryTokens { get; set; } = [Defaults.MissingCategoryToken];

        /// <summary>
        /// Rules every generated row keeps, in .NET and in the exported graph: an order between two columns of numbers,
        /// dates or durations (<c>GanConstraint.Inequality("ordered", "delivered")</c>), a range with column or constant
        /// bounds (<c>GanConstraint.Range(0, "discount", "price")</c>), a sign (<c>GanConstraint.Positive("age")</c>).
        /// Checked on the training rows at <c>Fit</c> (a rule some rows break is refused, with their count and the first
        /// of them). A column above another is learned as its distance above it, so the rule holds by construction
        /// (see <see cref="GanConstraint"/>). Default: none.
        /// </summary>
        public List<GanConstraint> Constraints { get; set; } = [];

        /// <summary>
        /// Identifier columns (customer numbers, invoice ids): text written as a fixed prefix, a number and a fixed
        /// suffix (<c>C-000123</c>), or whole numbers. They take no part in the network: every generated row gets a new
        /// identifier in the same format, unique among the rows generated and above every training value, so never one a
        /// training row holds (row p of a seed always gets the same one); numbers of no fixed width take wider numbers as
        /// the rows need them, up to the type's maximum. Not an output of the exported graph, which has
        /// no row positions: .NET makes them (<c>Generate</c>, <c>Transform</c>). Default: none.
        /// </summary>
        public string[] Identifiers { get; set; } = [];

        /// <summary>
        /// Text columns of personal data (names, e-mail addresses, phone numbers, addresses) and what makes them: Bogus
        /// (<c>GanFakeData.FullName</c>, <c>GanFakeData.Email.In("de")</c>) or a list of values (<c>GanFakeData.OneOf(...)</c>).
        /// They take no part in the network; their training values are neither learned nor kept (Fit logs a line for
        /// each), so generated rows never copy them and do not follow them either. Not an output of the exported graph:
        /// .NET makes them from each row's position, as it makes identifiers. Default: none.
        /// </summary>
        public Dictionary<string, GanFakeData> FakeData { get; set; } = [];

        /// <summary>The most categories a column may have. Default 1000: more is usually an identifier or free text.</summary>
        public int MaximumCategories { get; set; } = Defaults.MaximumCategories;

        /// <summary>Seed of every random choice (weights, minibatches, noise). Default null: drawn from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>
        /// libtorch's threads while training on the CPU. Default null: automatic, every core while nothing else keeps the
        /// machine busy and fewer while other processes do, chosen again after every epoch (libtorch's threads spin
        /// while they wait for each other, so keeping them all on a shared machine makes training several times slower
        /// instead of about twice). A model is reproducible for a seed and a thread count: set this to train the same
        /// model again whatever else runs. libtorch's thread count is process-wide; it is restored after training.
        /// </summary>
        public int? TrainingThreads { get; set; }

        /// <summary>Where to train. Default <see cref="GanDevice.Auto"/>: CUDA when TorchSharp reports one, else the CPU.</summary>
        public GanDevice Device { get; set; } = Defaults.Device;

        /// <summary>The CUDA device index used when training on CUDA. Default 0.</summary>
        public int DeviceIndex { get; set; }

        /// <summary>
        /// With <see cref="Device"/> = Cuda on a machine without that CUDA device: train on the CPU and log it (true)
        /// or throw (false). Default false: asking for a GPU explicitly should not silently train for hours on a CPU.
        /// </summary>
        public bool FallbackToCpu { get; set; }

        /// <summary>
        /// Where the encoded training rows are kept while training. Default <see cref="Gan.TrainingRowStorage.Auto"/>: in
        /// memory up to 1 GiB of them, otherwise in a temporary file mapped into memory, so that tables larger than memory train.
        /// The model does not depend on it: the same seed trains the same model either way.
        /// </summary>
        public TrainingRowStorage TrainingRowStorage { get; set; } = Defaults.TrainingRowStorage;

        /// <summary>
        /// The folder of the training rows' temporary file (<see cref="TrainingRowStorage"/>). Default null: the system's
        /// temporary folder. Fit refuses, before training, a folder with less free space than the rows need.
        /// </summary>
        public string? TemporaryDirectory { get; set; }

        /// <summary>Name of the noise column <see cref="GanTransformer.Transform"/> reads (vector of Single, NoiseDimension long). Default "Noise".</summary>
        public string NoiseColumnName { get; set; } = Defaults.NoiseColumnName;

        /// <summary>
        /// Epochs between quality checks while training. Default 10; 0 turns them off. A check decodes a fixed
        /// sample of <see cref="ValidationRows"/> generated rows, scores it against the training rows
        /// (<see cref="GanEpochStatistics.ValidationScore"/>) and reports mode collapse
        /// (<see cref="GanEpochStatistics.CollapsedModes"/>, and a warning in the log). The last epoch is always checked.
        /// </summary>
        public int ValidationInterval { get; set; } = Defaults.ValidationInterval;

        /// <summary>Generated rows each quality check decodes. Default 2,000.</summary>
        public int ValidationRows { get; set; } = Defaults.ValidationRows;

        /// <summary>
        /// Keep the generator of the checked epoch with the best <see cref="GanEpochStatistics.ValidationScore"/>
        /// instead of the last one. Default false. <see cref="GanTransformer.SelectedEpoch"/> says which was kept.
        /// </summary>
        public bool KeepBestEpoch { get; set; }

        /// <summary>
        /// Stop training after this many quality checks in a row without a better validation score. Default 0 (off).
        /// Usually combined with <see cref="KeepBestEpoch"/>.
        /// </summary>
        public int EarlyStoppingPatience { get; set; }

        /// <summary>
        /// Where the trained model's generator runs through ONNX Runtime when it makes rows (CPU by default, or a
        /// GPU). A deployment choice, not part of the model: saved models do not keep it.
        /// </summary>
        public GanScoringOptions Scoring { get; set; } = new();

        /// <summary>Called after every epoch with that epoch's statistics. Default null.</summary>
        public IProgress<GanTrainingProgress>? Progress { get; set; }

        /// <summary>
        /// Ends training early but keeps its model: once cancelled, training stops after the epoch under way, and
        /// <c>Fit</c> returns the model a run of that many epochs would have returned (the best checked epoch so far
        /// when <see cref="KeepBestEpoch"/> is on, then calibration and the filter). A user who stops a long run
        /// because it is good enough asks for this; <c>Fit</c>'s own cancellation token, by contrast, returns no model.
        /// The first epoch always runs to its end. The model's options record the epochs it ran. Default: never cancelled.
        /// </summary>
        public CancellationToken StopEarly { get; set; }

        /// <summary>Sees the networks and optimizers when training starts (tests observe the updates through it).</summary>
        internal Action<Training.TrainingParts>? TrainingStarted { get; set; }

        /// <summary>Models as shorter runs would return them, taken along the way (the quality benchmark's curve). Default null.</summary>
        internal Training.EpochSnapshots? Snapshots { get; set; }

        /// <summary>
        /// The original GAN (Goodfellow et al., 2014) on min-max encodings: non-saturating loss, one
        /// discriminator step per generator step, one row per judgement, no conditional vector, plain layers, dropout 0.25. The baseline the
        /// tabular features (the defaults) are measured against; change any property after.
        /// </summary>
        public static Options Classic() => new()
        {
            Loss = GanLossKind.NonSaturating,
            DiscriminatorSteps = 1,
            Pac = 1,
            ConditionalGenerator = false,
            GeneratorResidual = false,
            ContinuousNormalization = ContinuousNormalization.MinMax,
            DiscriminatorDropout = 0.25,
            DiscriminatorWeightDecay = 0,
            ExactMarginals = false,
            RepeatTrainingValues = false,
            GroupedMarginals = false,
            TimeOrders = false,
            NumberOrders = false,
            ExactDependencies = false,
            DependenciesInTraining = false,
            NumericTrends = false,
            TrendTerms = false,
            TrendRatios = false,
            CategoryTrends = false,
            NumericFormulas = false,
            NumericCombinations = false,
            CombinationCategories = false,
            CategoryThresholds = false,
            CategorySteps = false,
            CategoryExclusions = false,
            MissingTogether = false,
            EntityLevels = false,
            EntityLevelLines = false,
            EntityLevelSpreads = false,
            OrdersBelowFixed = false,
            StudyEnds = false,
            DensityRatioFilter = false,
            MinimumEpochSteps = 1,
            GeneratorAverageDecay = 0,
        };

        /// <summary>A copy, so a trained model keeps the options it was trained with even if the caller changes theirs.</summary>
        public Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy.Columns = Columns?.ToArray();
            copy.GeneratorLayers = GeneratorLayers.ToArray();
            copy.DiscriminatorLayers = DiscriminatorLayers.ToArray();
            copy.MissingCategoryTokens = MissingCategoryTokens.ToArray();
            copy.Identifiers = Identifiers?.ToArray()!;
            copy.FakeData = FakeData is null ? null! : new Dictionary<string, GanFakeData>(FakeData);
            copy.Constraints = Constraints?.ToList()!;
            copy.Scoring = Scoring.Clone();
            return copy;
        }

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
        public void Validate()
        {
            ArgumentNullException.ThrowIfNull(Scoring, nameof(Scoring));
            Scoring.Validate();
            static void Positive(int value, string name)
            {
                if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive; it was {value}.");
            }
            static void Rate(double value, string name)
            {
                if (!(value > 0) || double.IsInfinity(value))
                    throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number; it was {value}.");
            }
            static void Unit(double value, string name, bool includeZero)
            {
                if (!(value < 1) || value < 0 || (!includeZero && value == 0))
                    throw new ArgumentOutOfRangeException(name, value, $"{name} must be in {(includeZero ? "[0, 1)" : "(0, 1)")}; it was {value}.");
            }
            static void Layers(int[]? layers, string name)
            {
                if (layers is null || layers.Any(w => w <= 0))
                    throw new ArgumentOutOfRangeException(name, $"{name} must list positive layer widths (it may be empty for no hidden layer).");
            }

            static void Known<T>(T value, string name) where T : struct, Enum
            {
                if (!Enum.IsDefined(value))
                    throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}, which is not one of {string.Join(", ", Enum.GetNames<T>())}.");
            }

            Known(NoisePrior, nameof(NoisePrior));
            Known(Loss, nameof(Loss));
            Known(Optimizer, nameof(Optimizer));
            Known(ContinuousNormalization, nameof(ContinuousNormalization));
            Known(CategorySampling, nameof(CategorySampling));
            Known(TrainingConditionDraw, nameof(TrainingConditionDraw));
            Known(Device, nameof(Device));
            Known(TrainingRowStorage, nameof(TrainingRowStorage));
            if (TemporaryDirectory is not null && (string.IsNullOrWhiteSpace(TemporaryDirectory) || !Directory.Exists(TemporaryDirectory)))
                throw new ArgumentOutOfRangeException(nameof(TemporaryDirectory), TemporaryDirectory,
                    $"TemporaryDirectory is '{TemporaryDirectory}', which is not an existing folder: create it, or leave the option null for the system's temporary folder.");
            Positive(Epochs, nameof(Epochs));
            Positive(BatchSize, nameof(BatchSize));
            Positive(MinimumEpochSteps, nameof(MinimumEpochSteps));
            Positive(MaximumModes, nameof(MaximumModes));
            Positive(ModeSpecificMinimumValues, nameof(ModeSpecificMinimumValues));
            if (!(RankMinimumSkewness >= 0))
                throw new ArgumentOutOfRangeException(nameof(RankMinimumSkewness), RankMinimumSkewness,
                    "RankMinimumSkewness must be 0 or more (0 ranks every small column; PositiveInfinity none).");
            Positive(Pac, nameof(Pac));
            if (BatchSize % Pac != 0)
                throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize ({BatchSize}) must be a multiple of Pac ({Pac}): the discriminator judges packs of {Pac} rows.");
            if (!(GradientPenaltyWeight >= 0) || double.IsInfinity(GradientPenaltyWeight))
                throw new ArgumentOutOfRangeException(nameof(GradientPenaltyWeight), GradientPenaltyWeight, "GradientPenaltyWeight must be zero or more.");
            Positive(DiscriminatorSteps, nameof(DiscriminatorSteps));
            Positive(NoiseDimension, nameof(NoiseDimension));
            Positive(MaximumCategories, nameof(MaximumCategories));
            Positive(ValidationRows, nameof(ValidationRows));
            if (ValidationInterval < 0) throw new ArgumentOutOfRangeException(nameof(ValidationInterval), ValidationInterval, "ValidationInterval must be zero (no checks) or positive.");
            if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be zero (off) or positive.");
            if ((KeepBestEpoch || EarlyStoppingPatience > 0) && ValidationInterval == 0)
                throw new ArgumentOutOfRangeException(nameof(ValidationInterval), "KeepBestEpoch and EarlyStoppingPatience need quality checks: set ValidationInterval above 0.");
            Rate(GeneratorLearningRate, nameof(GeneratorLearningRate));
            Rate(DiscriminatorLearningRate, nameof(DiscriminatorLearningRate));
            Rate(GumbelTemperature, nameof(GumbelTemperature));
            if (!(GeneratorAverageDecay >= 0 && GeneratorAverageDecay < 1))
                throw new ArgumentOutOfRangeException(nameof(GeneratorAverageDecay), GeneratorAverageDecay,
                    "GeneratorAverageDecay must be 0 (no average) or a decay below 1, such as 0.999.");
            Unit(AdamBeta1, nameof(AdamBeta1), includeZero: true);
            Unit(AdamBeta2, nameof(AdamBeta2), includeZero: true);
            Unit(Momentum, nameof(Momentum), includeZero: true);
            Unit(DiscriminatorDropout, nameof(DiscriminatorDropout), includeZero: true);
            if (GeneratorWeightDecay < 0 || DiscriminatorWeightDecay < 0 || double.IsNaN(GeneratorWeightDecay) || double.IsNaN(DiscriminatorWeightDecay))
                throw new ArgumentOutOfRangeException(nameof(GeneratorWeightDecay), "Weight decay must be zero or positive.");
            Layers(GeneratorLayers, nameof(GeneratorLayers));
            Layers(DiscriminatorLayers, nameof(DiscriminatorLayers));
            if (TrainingThreads is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(TrainingThreads), TrainingThreads, "TrainingThreads must be null (automatic) or between 1 and 1,024.");
            if (DeviceIndex < 0) throw new ArgumentOutOfRangeException(nameof(DeviceIndex), DeviceIndex, "DeviceIndex must be zero or positive.");
            if (string.IsNullOrWhiteSpace(NoiseColumnName)) throw new ArgumentOutOfRangeException(nameof(NoiseColumnName), "NoiseColumnName must name a column.");
            if (MissingCategoryTokens is null) throw new ArgumentOutOfRangeException(nameof(MissingCategoryTokens), "MissingCategoryTokens may be empty but not null.");
            if (FakeData is null || FakeData.Any(kv => string.IsNullOrWhiteSpace(kv.Key) || kv.Value is null)) throw new ArgumentOutOfRangeException(nameof(FakeData), "FakeData may be empty but neither null nor hold an empty name or a null kind.");
            if (Identifiers is null || Identifiers.Any(string.IsNullOrWhiteSpace)) throw new ArgumentOutOfRangeException(nameof(Identifiers), "Identifiers may be empty but neither null nor hold an empty name.");
            if (Constraints is null || Constraints.Any(c => c is null)) throw new ArgumentOutOfRangeException(nameof(Constraints), "Constraints may be empty but neither null nor hold null.");
            if (Columns is not null)
            {
                if (Columns.Length == 0) throw new ArgumentOutOfRangeException(nameof(Columns), "Columns is empty: name at least one column, or leave it null for all columns.");
                var repeated = Columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
                if (repeated is not null) throw new ArgumentOutOfRangeException(nameof(Columns), $"Column '{repeated.Key}' is named twice in Columns.");
            }
        }
    }
}
