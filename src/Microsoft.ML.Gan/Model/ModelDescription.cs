using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// What a saved model says about itself: a model zip's manifest.json, and the same JSON in an exported graph's
/// metadata. Its own type, apart from the public <see cref="GanTrainer.Options"/>, so the file format does not move
/// when the public surface does.
/// </summary>
internal sealed class ModelDescription
{
    /// <summary>
    /// 27: a numeric trend may follow a curve of its own within each category of a categorical column
    /// (<see cref="Encoding.TrendState.Within"/>); a library that knows only 26 would put every category on one curve.
    /// 26: a numeric trend may follow the ratio of two columns (<see cref="Encoding.TrendState.Per"/>); a library that
    /// knows only 25 would read the numerator alone as its anchor.
    /// 42: a trend's map after it may map the trend's value as the target's type holds it (<see cref="Encoding.TrendState.CalibrationHeld"/>);
    /// a library that knows only 41 would map a Single target's value as computed in double, below its own run of knots.
    /// 41: a level's target may be mapped onto its training values after its level (<see cref="Encoding.EntityLevelState.Calibration"/>);
    /// a library that knows only 40 would decode the level's values unmapped, in other shares and between the training values.
    /// 40: a spike's generated rows may carry the generator's leaning into the marginal map (<see cref="Encoding.ColumnState.LeaningSpikes"/>);
    /// a library that knows only 39 would decode them onto the spike itself, where the map expects a band about it.
    /// 39: a column below others may take its share on its own training quantiles (<see cref="Encoding.DerivedState.Scale"/>);
    /// a library that knows only 38 would take it on the column's numbers, and lose its spikes.
    /// 38: a column may be learned as its distance below others (<see cref="Encoding.DerivedState.Below"/>: an order's earlier
    /// number below a later one a category fixes); a library that knows only 37 would refuse its rule as not held.
    /// 37: a level's distances may be scaled by each category's own spread (<see cref="Encoding.EntityLevelState.Spreads"/>);
    /// a library that knows only 36 would give every category the same spread.
    /// 36: a level may follow a line of each category's own along another number column (<see cref="Encoding.EntityLevelState.Along"/>);
    /// a library that knows only 35 would put every row of a category at the same level.
    /// 35: a rule may read a number column learned about its categories' levels (a trend's anchor or term, a formula's
    /// input), and the level applies first, right after decoding (<see cref="Encoding.EntityLevel"/>); a library that knows
    /// only 34 would apply it after the rules, which would read the distances.
    /// 34: a number column may be learned as its share of the time a study's end leaves it (<see cref="StudyEnds"/>,
    /// <see cref="GanTrainer.Options.StudyEnds"/>); a library that knows only 33 would generate the shares.
    /// 33: a number column may be learned as its distance from a level each category of another holds (<see cref="EntityLevels"/>,
    /// <see cref="GanTrainer.Options.EntityLevels"/>); a library that knows only 32 would generate the distances.
    /// 32: a formula may add to a number an offset the row's category fixes (<see cref="GanFormulaKind.Offset"/>,
    /// <see cref="Encoding.FormulaState.Offsets"/>); a library that knows only 31 would refuse it as an unknown kind.
    /// 31: the options name <see cref="GanTrainer.Options.NumberOrders"/>, and the orders a model's training rows showed
    /// (<see cref="FoundOrders"/>) may order two number columns; a library that knows only 30 is told to update.
    /// 30: a numeric column's marginal map may be grouped by another number's few exact values (<see cref="NumericColumn.IsCode"/>);
    /// a library that knows only 29 would refuse the group as no categorical column.
    /// 29: a numeric column may be missing wherever another is, in exactly its rows or elsewhere too
    /// (<see cref="ColumnState.MissingWith"/>, <see cref="ColumnState.MissingElsewhere"/>); a library that knows only 28 would let each decide alone.
    /// 28: a model may rule out pairs of categories (<see cref="Exclusions"/>); a library that knows only 27 would generate them.
    /// 25: a numeric trend may map the values it makes onto its target's training values (<see cref="Encoding.TrendState.Calibration"/>);
    /// a library that knows only 24 would generate the trend's values unmapped.
    /// 24: a ratio formula may make its solved input from the generator's own target in every row
    /// (<see cref="Encoding.FormulaState.EveryRow"/>), a sum's part before the sum; a library that knows only 23 would do so
    /// only where the made target leaves its range. A numeric trend may follow a column formulas make, and then applies
    /// after them (<see cref="Encoding.NumericTrend.AppliesAfter"/>), which a library that knows only 23 refuses.
    /// 23: the options name <see cref="GanTrainer.Options.TimeOrders"/>, and a model's constraints may hold orders its
    /// training rows showed rather than ones it was given; a library that knows only 22 is told to update.
    /// 22: a numeric column's marginal map may keep its training quantiles at uneven levels, repeating training values
    /// (<see cref="ColumnState.MarginalLevels"/>); a library that knows only 21 would read them at even levels.
    /// 21: a numeric column may be normalised by rank (<see cref="ColumnState.RankQuantiles"/>; the options may name
    /// <see cref="ContinuousNormalization.Rank"/>); a library that knows only 20 would decode its values linearly.
    /// 20: the options may name <see cref="ContinuousNormalization.Auto"/> (with <see cref="GanTrainer.Options.ModeSpecificMinimumValues"/>); a
    /// library that knows only 19 cannot read that name, so it is told to update instead.
    /// 19: a ratio formula may solve for its denominator (<see cref="Encoding.FormulaState.SolvedInput"/>).
    /// 18: a numeric trend may have up to 96 knots (32 before; <see cref="Encoding.NumericTrend.MaximumKnots"/>).
    /// 17: a numeric trend may add other columns in proportion (<see cref="Encoding.TrendState.Terms"/>).
    /// 16: a categorical column may be set from thresholds on others (<see cref="CategoryThresholds"/>).
    /// 15: a combination may be learned as a hidden category (<see cref="Encoding.CombinationColumn"/>, after the table's columns; <see cref="Encoding.NumericCombinationState.Category"/>).
    /// 14: number columns may keep the training rows' combinations (<see cref="Combinations"/>).
    /// 13: number columns may be made exactly from others (<see cref="Formulas"/>).
    /// 12: number columns may be learned as residuals from another column's curve (<see cref="Trends"/>).
    /// 11: a model may hold constraints (<see cref="Constraints"/>), whose derived columns are fitted on distances, and identifier columns (<see cref="IdentifierColumn"/>).
    /// 10: DateTime, DateTimeOffset and TimeSpan columns (<see cref="TimeColumn"/>; <see cref="ColumnState.TimeOffsetMinutes"/>, <see cref="ColumnState.DateTimeKind"/>).
    /// 9: numeric columns' marginal maps may be grouped by a categorical column (<see cref="ColumnState.MarginalGroup"/>).
    /// 8: categorical columns may carry the shares their conditions are drawn with (<see cref="ColumnState.ConditionShares"/>).
    /// 7: a model may hold a density-ratio filter (<see cref="Filter"/>; its weights in the zip's filter.bin, or in the graph).
    /// 6: a model may hold column dependencies (<see cref="Dependencies"/>). 5: columns may carry logit biases and
    /// marginal maps. 4: numeric columns may carry a granularity and mirror values beyond their range (a library that reads only 3
    /// would generate differently, so it refuses these files). 3: every file carries an integrity record (SHA-256 of its bytes). 3 and 2 (release
    /// 0.1.0) are read too; version 1 files are refused clearly.
    /// </summary>
    public const int CurrentFormat = 42;

    /// <summary>The first format whose files must carry an integrity record.</summary>
    public const int SealedFormat = 3;

    /// <summary>The oldest format this library reads.</summary>
    public const int OldestReadableFormat = 2;

    public int FormatVersion { get; set; }
    public string? LibraryVersion { get; set; }
    public long TrainingRows { get; set; }
    public int SelectedEpoch { get; set; }

    /// <summary>The options the model was trained with (named "Options" in the file).</summary>
    public TrainingRecord? Options { get; set; }
    public ColumnState[]? Columns { get; set; }

    /// <summary>The rules between columns that generated rows obey, in the order they apply; null in format 5 and older.</summary>
    public DependencyState[]? Dependencies { get; set; }

    /// <summary>The rules every generated row keeps (<see cref="GanTrainer.Options.Constraints"/>); null in format 10 and older, and for a model without any.</summary>
    public ConstraintsState? Constraints { get; set; }

    /// <summary>
    /// The rules among <see cref="Constraints"/> that <see cref="GanTrainer.Options.TimeOrders"/> and
    /// <see cref="GanTrainer.Options.NumberOrders"/> found, as written; null
    /// when none (and in files of format 22 and older). Not given by the user, so not handed back among the options'
    /// constraints: a new <c>Fit</c> finds them again where its rows keep them.
    /// </summary>
    public string[]? FoundOrders { get; set; }

    /// <summary>The number columns learned as residuals from another column's curve, in the order they apply; null in format 11 and older, and for a model without any.</summary>
    public TrendState[]? Trends { get; set; }

    /// <summary>The number columns made exactly from others, in the order they apply; null in format 12 and older, and for a model without any.</summary>
    public FormulaState[]? Formulas { get; set; }

    /// <summary>The number columns that keep the training rows' combinations, in the order they apply; null in format 13 and older, and for a model without any.</summary>
    public NumericCombinationState[]? Combinations { get; set; }

    /// <summary>The categorical columns set from thresholds on others, in the order they apply; null in format 15 and older, and for a model without any.</summary>
    public CategoryThresholdsState[]? CategoryThresholds { get; set; }

    /// <summary>The pairs of categories no generated row holds; null in format 27 and older, and for a model without any.</summary>
    public ExclusionState[]? Exclusions { get; set; }

    /// <summary>The number columns learned as their distances from their category's level, in the order they apply (last); null in format 32 and older, and for a model without any.</summary>
    public EntityLevelState[]? EntityLevels { get; set; }

    /// <summary>The number columns learned as their shares of the time a study's end leaves them, in the order they apply (last); null in format 33 and older, and for a model without any.</summary>
    public StudyEndState[]? StudyEnds { get; set; }

    /// <summary>The density-ratio filter generated rows pass; null in format 6 and older, and for a model without one.</summary>
    public FilterState? Filter { get; set; }
    public GanEpochStatistics[]? History { get; set; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public void WriteTo(Stream stream) => JsonSerializer.Serialize(stream, this, s_json);

    /// <exception cref="JsonException">The text is not a description.</exception>
    public static ModelDescription? FromJson(string json) => JsonSerializer.Deserialize<ModelDescription>(json, s_json);

    /// <summary>A history written apart from its description (a graph's <see cref="OnnxMetadata.HistoryKey"/>).</summary>
    /// <exception cref="JsonException">The text is not a history.</exception>
    public static GanEpochStatistics[]? HistoryFromJson(string json) => JsonSerializer.Deserialize<GanEpochStatistics[]>(json, s_json);

    /// <exception cref="JsonException">The stream does not hold a description.</exception>
    public static ModelDescription? ReadFrom(Stream stream) => JsonSerializer.Deserialize<ModelDescription>(stream, s_json);

    public static string LibraryVersionNow =>
        typeof(ModelDescription).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

/// <summary>
/// The training options a model keeps: every plain setting of <see cref="GanTrainer.Options"/> (the callbacks and
/// the scoring choice are the caller's, not the model's). Property names are those of the file format.
/// </summary>
internal sealed class TrainingRecord
{
    public string[]? Columns { get; set; }
    public int Epochs { get; set; }
    /// <summary>0 in files of format 4 and older, whose epochs were one pass each.</summary>
    public int MinimumEpochSteps { get; set; }
    public int BatchSize { get; set; }
    public int DiscriminatorSteps { get; set; }
    public int NoiseDimension { get; set; }
    public NoisePrior NoisePrior { get; set; }
    public GanLossKind Loss { get; set; }
    public double GradientPenaltyWeight { get; set; }
    public int Pac { get; set; }
    public bool ConditionalGenerator { get; set; }
    public TrainingConditionDraw TrainingConditionDraw { get; set; }
    public bool GeneratorResidual { get; set; }
    public GanOptimizerKind Optimizer { get; set; }
    public double GeneratorLearningRate { get; set; }
    public double DiscriminatorLearningRate { get; set; }
    public double AdamBeta1 { get; set; }
    public double AdamBeta2 { get; set; }
    public double Momentum { get; set; }
    public double GeneratorWeightDecay { get; set; }
    public double DiscriminatorWeightDecay { get; set; }
    public int[] GeneratorLayers { get; set; } = [];
    public int[] DiscriminatorLayers { get; set; } = [];
    public bool GeneratorBatchNorm { get; set; }
    public double DiscriminatorDropout { get; set; }
    public double GumbelTemperature { get; set; }
    /// <summary>0 in files written before the option (their generators were not averaged).</summary>
    public double GeneratorAverageDecay { get; set; }
    public ContinuousNormalization ContinuousNormalization { get; set; }
    public int MaximumModes { get; set; }
    /// <summary>0 in files of format 19 and older, which never name <see cref="ContinuousNormalization.Auto"/>.</summary>
    public int ModeSpecificMinimumValues { get; set; }
    /// <summary>Null in files of format 20 and older, which never ranked a column (restored as infinity: none).</summary>
    public double? RankMinimumSkewness { get; set; }
    /// <summary>False in files of format 3 and older, which had no granularity.</summary>
    public bool NumericGranularity { get; set; }
    /// <summary>False in files of format 4 and older, which had no marginal maps.</summary>
    public bool ExactMarginals { get; set; }
    /// <summary><see cref="GanTrainer.Options.RepeatTrainingValues"/>; null in files of format 21 and older (false: their maps interpolate even quantiles).</summary>
    public bool? RepeatTrainingValues { get; set; }

    /// <summary><see cref="GanTrainer.Options.TimeOrders"/>; null in files of format 22 and older (false: no orders were found; their rules are all given).</summary>
    public bool? TimeOrders { get; set; }

    /// <summary><see cref="GanTrainer.Options.NumberOrders"/>; null in files of format 30 and older (false: no order between numbers was found).</summary>
    public bool? NumberOrders { get; set; }
    /// <summary>False in files of format 8 and older, which had no grouped maps.</summary>
    public bool GroupedMarginals { get; set; }
    /// <summary>False in files of format 5 and older, which had no dependencies.</summary>
    public bool ExactDependencies { get; set; }
    /// <summary><see cref="GanTrainer.Options.DependenciesInTraining"/>; null in files written before it (format 40 and older: the generator was trained to make the rules' targets itself).</summary>
    public bool? DependenciesInTraining { get; set; }
    /// <summary>False in files of format 11 and older, which had no numeric trends.</summary>
    public bool NumericTrends { get; set; }
    /// <summary>False in files of format 16 and older, whose trends added no terms.</summary>
    public bool TrendTerms { get; set; }
    /// <summary><see cref="GanTrainer.Options.TrendRatios"/>; null in files of format 25 and older (false: no trend followed a ratio).</summary>
    public bool? TrendRatios { get; set; }
    /// <summary><see cref="GanTrainer.Options.CategoryTrends"/>; null in files of format 26 and older (false: no trend was within categories).</summary>
    public bool? CategoryTrends { get; set; }
    /// <summary>False in files of format 12 and older, which had no formulas.</summary>
    public bool NumericFormulas { get; set; }
    /// <summary>False in files of format 13 and older, which had no combinations.</summary>
    public bool NumericCombinations { get; set; }
    /// <summary>False in files of format 14 and older, which learned no combination as a category.</summary>
    public bool CombinationCategories { get; set; }
    /// <summary>False in files of format 15 and older, which set no category from thresholds.</summary>
    public bool CategoryThresholds { get; set; }
    /// <summary><see cref="GanTrainer.Options.CategorySteps"/>; null in files written before it (format 36 and older: no category was found to step within entities).</summary>
    public bool? CategorySteps { get; set; }
    /// <summary><see cref="GanTrainer.Options.CategoryExclusions"/>; null in files of format 27 and older (false: no pair was ruled out).</summary>
    public bool? CategoryExclusions { get; set; }

    /// <summary><see cref="GanTrainer.Options.MissingTogether"/>; null in files of format 28 and older (false: each column's head decided alone).</summary>
    public bool? MissingTogether { get; set; }
    /// <summary><see cref="GanTrainer.Options.EntityLevels"/>; null in files of format 32 and older (false: no number was learned about a level).</summary>
    public bool? EntityLevels { get; set; }

    /// <summary><see cref="GanTrainer.Options.EntityLevelLines"/>; null in files of format 35 and older (false: no level followed a line).</summary>
    public bool? EntityLevelLines { get; set; }

    /// <summary><see cref="GanTrainer.Options.EntityLevelSpreads"/>; null in files of format 36 and older (false: one spread for every category).</summary>
    public bool? EntityLevelSpreads { get; set; }

    /// <summary><see cref="GanTrainer.Options.OrdersBelowFixed"/>; null in files of format 37 and older (false: no such order was kept).</summary>
    public bool? OrdersBelowFixed { get; set; }

    /// <summary><see cref="GanTrainer.Options.StudyEnds"/>; null in files of format 33 and older (false: no number was learned as a share of a study's time).</summary>
    public bool? StudyEnds { get; set; }
    /// <summary>False in files of format 6 and older, which had no filter.</summary>
    public bool DensityRatioFilter { get; set; }
    public CategorySampling CategorySampling { get; set; }
    public string[] MissingCategoryTokens { get; set; } = [];
    /// <summary>Empty in files of format 10 and older, which had no identifiers.</summary>
    public string[] Identifiers { get; set; } = [];
    public int MaximumCategories { get; set; }
    public int? Seed { get; set; }
    public int? TrainingThreads { get; set; }
    public GanDevice Device { get; set; }
    public int DeviceIndex { get; set; }
    public bool FallbackToCpu { get; set; }
    public string NoiseColumnName { get; set; } = "";
    public int ValidationInterval { get; set; }
    public int ValidationRows { get; set; }
    public bool KeepBestEpoch { get; set; }
    public int EarlyStoppingPatience { get; set; }

    public static TrainingRecord From(GanTrainer.Options o) => new()
    {
        Columns = o.Columns?.ToArray(), Epochs = o.Epochs, MinimumEpochSteps = o.MinimumEpochSteps, BatchSize = o.BatchSize, DiscriminatorSteps = o.DiscriminatorSteps,
        NoiseDimension = o.NoiseDimension, NoisePrior = o.NoisePrior, Loss = o.Loss, GradientPenaltyWeight = o.GradientPenaltyWeight, Pac = o.Pac,
        ConditionalGenerator = o.ConditionalGenerator, TrainingConditionDraw = o.TrainingConditionDraw, GeneratorResidual = o.GeneratorResidual, Optimizer = o.Optimizer,
        GeneratorLearningRate = o.GeneratorLearningRate, DiscriminatorLearningRate = o.DiscriminatorLearningRate, AdamBeta1 = o.AdamBeta1,
        AdamBeta2 = o.AdamBeta2, Momentum = o.Momentum, GeneratorWeightDecay = o.GeneratorWeightDecay, DiscriminatorWeightDecay = o.DiscriminatorWeightDecay,
        GeneratorLayers = o.GeneratorLayers.ToArray(), DiscriminatorLayers = o.DiscriminatorLayers.ToArray(), GeneratorBatchNorm = o.GeneratorBatchNorm,
        DiscriminatorDropout = o.DiscriminatorDropout, GumbelTemperature = o.GumbelTemperature, GeneratorAverageDecay = o.GeneratorAverageDecay, ContinuousNormalization = o.ContinuousNormalization,
        MaximumModes = o.MaximumModes, ModeSpecificMinimumValues = o.ModeSpecificMinimumValues, RankMinimumSkewness = o.RankMinimumSkewness, NumericGranularity = o.NumericGranularity, ExactMarginals = o.ExactMarginals, RepeatTrainingValues = o.RepeatTrainingValues, GroupedMarginals = o.GroupedMarginals, TimeOrders = o.TimeOrders, NumberOrders = o.NumberOrders, ExactDependencies = o.ExactDependencies, DependenciesInTraining = o.DependenciesInTraining, NumericTrends = o.NumericTrends, TrendTerms = o.TrendTerms, TrendRatios = o.TrendRatios, CategoryTrends = o.CategoryTrends, NumericFormulas = o.NumericFormulas, NumericCombinations = o.NumericCombinations, CombinationCategories = o.CombinationCategories, CategoryThresholds = o.CategoryThresholds, CategoryExclusions = o.CategoryExclusions, MissingTogether = o.MissingTogether, EntityLevels = o.EntityLevels, EntityLevelLines = o.EntityLevelLines, EntityLevelSpreads = o.EntityLevelSpreads, OrdersBelowFixed = o.OrdersBelowFixed, CategorySteps = o.CategorySteps, StudyEnds = o.StudyEnds, DensityRatioFilter = o.DensityRatioFilter, CategorySampling = o.CategorySampling, MissingCategoryTokens = o.MissingCategoryTokens.ToArray(), Identifiers = o.Identifiers.ToArray(),
        MaximumCategories = o.MaximumCategories, Seed = o.Seed, TrainingThreads = o.TrainingThreads, Device = o.Device, DeviceIndex = o.DeviceIndex, FallbackToCpu = o.FallbackToCpu,
        NoiseColumnName = o.NoiseColumnName, ValidationInterval = o.ValidationInterval, ValidationRows = o.ValidationRows,
        KeepBestEpoch = o.KeepBestEpoch, EarlyStoppingPatience = o.EarlyStoppingPatience,
    };

    public GanTrainer.Options ToOptions() => new()
    {
        Columns = Columns?.ToArray(), Epochs = Epochs, MinimumEpochSteps = Math.Max(1, MinimumEpochSteps), BatchSize = BatchSize, DiscriminatorSteps = DiscriminatorSteps,
        NoiseDimension = NoiseDimension, NoisePrior = NoisePrior, Loss = Loss, GradientPenaltyWeight = GradientPenaltyWeight, Pac = Pac,
        ConditionalGenerator = ConditionalGenerator, TrainingConditionDraw = TrainingConditionDraw, GeneratorResidual = GeneratorResidual, Optimizer = Optimizer,
        GeneratorLearningRate = GeneratorLearningRate, DiscriminatorLearningRate = DiscriminatorLearningRate, AdamBeta1 = AdamBeta1,
        AdamBeta2 = AdamBeta2, Momentum = Momentum, GeneratorWeightDecay = GeneratorWeightDecay, DiscriminatorWeightDecay = DiscriminatorWeightDecay,
        GeneratorLayers = GeneratorLayers.ToArray(), DiscriminatorLayers = DiscriminatorLayers.ToArray(), GeneratorBatchNorm = GeneratorBatchNorm,
        DiscriminatorDropout = DiscriminatorDropout, GumbelTemperature = GumbelTemperature, GeneratorAverageDecay = GeneratorAverageDecay, ContinuousNormalization = ContinuousNormalization,
        MaximumModes = MaximumModes, ModeSpecificMinimumValues = ModeSpecificMinimumValues > 0 ? ModeSpecificMinimumValues : GanTrainer.Defaults.ModeSpecificMinimumValues, RankMinimumSkewness = RankMinimumSkewness ?? double.PositiveInfinity, NumericGranularity = NumericGranularity, ExactMarginals = ExactMarginals, RepeatTrainingValues = RepeatTrainingValues ?? false, GroupedMarginals = GroupedMarginals, TimeOrders = TimeOrders ?? false, NumberOrders = NumberOrders ?? false, ExactDependencies = ExactDependencies, DependenciesInTraining = DependenciesInTraining ?? false, NumericTrends = NumericTrends, TrendTerms = TrendTerms, TrendRatios = TrendRatios ?? false, CategoryTrends = CategoryTrends ?? false, NumericFormulas = NumericFormulas, NumericCombinations = NumericCombinations, CombinationCategories = CombinationCategories, CategoryThresholds = CategoryThresholds, CategoryExclusions = CategoryExclusions ?? false, MissingTogether = MissingTogether ?? false, EntityLevels = EntityLevels ?? false, EntityLevelLines = EntityLevelLines ?? false, EntityLevelSpreads = EntityLevelSpreads ?? false, OrdersBelowFixed = OrdersBelowFixed ?? false, CategorySteps = CategorySteps ?? false, StudyEnds = StudyEnds ?? false, DensityRatioFilter = DensityRatioFilter, CategorySampling = CategorySampling, MissingCategoryTokens = MissingCategoryTokens.ToArray(), Identifiers = (Identifiers ?? []).ToArray(),
        MaximumCategories = MaximumCategories, Seed = Seed, TrainingThreads = TrainingThreads, Device = Device, DeviceIndex = DeviceIndex, FallbackToCpu = FallbackToCpu,
        NoiseColumnName = NoiseColumnName, ValidationInterval = ValidationInterval, ValidationRows = ValidationRows,
        KeepBestEpoch = KeepBestEpoch, EarlyStoppingPatience = EarlyStoppingPatience,
    };

    /// <summary>A copy with another way of picking categories (the graph an export writes).</summary>
    public TrainingRecord With(CategorySampling sampling)
    {
        var copy = (TrainingRecord)MemberwiseClone();
        copy.CategorySampling = sampling;
        return copy;
    }
}
