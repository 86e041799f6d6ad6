namespace Microsoft.ML.Gan;

public sealed partial class GanTrainer
{
    /// <summary>
    /// The default of every option, kept once: <see cref="Options"/> and the catalog's simple overloads read them
    /// from here (as ML.NET's trainers keep theirs). Why each default was chosen is said on its option.
    /// </summary>
    internal static class Defaults
    {
        public const int Epochs = 300;
        public const int BatchSize = 500;
        public const int MinimumEpochSteps = 16;
        public const int DiscriminatorSteps = 2;
        public const int NoiseDimension = 128;
        public const NoisePrior NoisePrior = Gan.NoisePrior.Gaussian;
        public const GanLossKind Loss = GanLossKind.WassersteinGp;
        public const double GradientPenaltyWeight = 10;
        public const int Pac = 10;
        public const bool ConditionalGenerator = true;
        public const bool GeneratorResidual = true;
        public const GanOptimizerKind Optimizer = GanOptimizerKind.Adam;
        public const double LearningRate = 2e-4;
        public const double AdamBeta1 = 0.5;
        public const double AdamBeta2 = 0.9;
        public const double Momentum = 0.9;
        public const double WeightDecay = 1e-6;
        public const int LayerWidth = 256;
        public const bool GeneratorBatchNorm = true;
        public const double DiscriminatorDropout = 0.5;
        public const double GumbelTemperature = 0.2;
        public const double GeneratorAverageDecay = 0;
        public const ContinuousNormalization ContinuousNormalization = Gan.ContinuousNormalization.Auto;
        public const int ModeSpecificMinimumValues = 1000;
        public const double RankMinimumSkewness = 2;
        public const int MaximumModes = 10;
        public const TrainingConditionDraw TrainingConditionDraw = Gan.TrainingConditionDraw.LogFrequency;
        public const bool NumericGranularity = true;
        public const bool ExactMarginals = true;
        public const bool RepeatTrainingValues = true;
        public const bool GroupedMarginals = true;
        public const bool TimeOrders = true;
        public const bool NumberOrders = true;
        public const bool ExactDependencies = true;
        public const bool DependenciesInTraining = true;
        public const bool NumericTrends = true;
        public const bool TrendTerms = true;
        public const bool TrendRatios = true;
        public const bool CategoryTrends = false;
        public const bool NumericFormulas = true;
        public const bool NumericCombinations = true;
        public const bool CombinationCategories = true;
        public const bool CategoryThresholds = true;
        public const bool CategorySteps = true;
        public const bool CategoryExclusions = true;
        public const bool MissingTogether = true;
        public const bool EntityLevels = true;
        public const bool EntityLevelLines = true;
        public const bool EntityLevelSpreads = false;
        public const bool OrdersBelowFixed = false;
        public const bool StudyEnds = true;
        public const bool DensityRatioFilter = true;
        public const CategorySampling CategorySampling = Gan.CategorySampling.Sample;
        public const string MissingCategoryToken = "";
        public const int MaximumCategories = 1000;
        public const GanDevice Device = GanDevice.Auto;
        public const TrainingRowStorage TrainingRowStorage = Gan.TrainingRowStorage.Auto;
        public const string NoiseColumnName = "Noise";
        public const int ValidationInterval = 10;
        public const int ValidationRows = 2000;

        /// <summary>Candidate rows a conditional Generate may make per row asked for.</summary>
        public const int MaximumCandidatesPerRow = 100;

        /// <summary>Rows scored per ONNX Runtime call.</summary>
        public const int ScoringBatchSize = 1024;
    }
}
