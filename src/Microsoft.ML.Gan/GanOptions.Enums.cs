namespace Microsoft.ML.Gan;

/// <summary>The distribution the generator's noise vector z is drawn from.</summary>
public enum NoisePrior
{
    /// <summary>Independent standard normal components, N(0, 1). The common choice.</summary>
    Gaussian,
    /// <summary>Independent uniform components on [-1, 1], as in the original GAN paper's experiments.</summary>
    Uniform,
}

/// <summary>The adversarial objective.</summary>
public enum GanLossKind
{
    /// <summary>
    /// The original minimax game: the discriminator ascends log D(x) + log(1 - D(G(z))) and the generator
    /// descends log(1 - D(G(z))), exactly as in the original GAN (Goodfellow et al., 2014). Its generator gradient vanishes while the
    /// discriminator wins easily (early training), so it learns slowly.
    /// </summary>
    Minimax,
    /// <summary>
    /// The discriminator as in <see cref="Minimax"/>; the generator minimises -log D(G(z)) instead, which has the
    /// same fixed point but strong gradients early on.
    /// </summary>
    NonSaturating,
    /// <summary>
    /// Wasserstein loss with gradient penalty (WGAN-GP, Gulrajani et al. 2017), as CTGAN trains: the discriminator
    /// is a critic whose mean score on real rows minus that on generated rows estimates the Wasserstein distance;
    /// a penalty (weight <see cref="GanTrainer.Options.GradientPenaltyWeight"/>) keeps its gradient norm near 1.
    /// Stable on tables with many columns; gradients do not vanish when the critic wins. The default.
    /// </summary>
    WassersteinGp,
}

/// <summary>The gradient rule used for both networks.</summary>
public enum GanOptimizerKind
{
    /// <summary>Adam, the common practice for GANs (betas 0.5 / 0.9 by default).</summary>
    Adam,
    /// <summary>Stochastic gradient descent with momentum, as in the original paper's experiments.</summary>
    SgdMomentum,
}

/// <summary>Where training runs.</summary>
public enum GanDevice
{
    /// <summary>CUDA when TorchSharp reports a usable CUDA device, the CPU otherwise. The log says which.</summary>
    Auto,
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>A CUDA device (see <see cref="GanTrainer.Options.DeviceIndex"/>).</summary>
    Cuda,
}

/// <summary>Where the encoded training rows are kept while the GAN trains (they are kept compactly either way: a category as its index).</summary>
public enum TrainingRowStorage
{
    /// <summary>
    /// In memory when they take at most 1 GiB (about 25 million rows of Adult's columns), in a temporary file otherwise.
    /// The default.
    /// </summary>
    Auto,
    /// <summary>In the process's memory, however many there are.</summary>
    Memory,
    /// <summary>
    /// In a temporary file (in <see cref="GanTrainer.Options.TemporaryDirectory"/>), written once and mapped into memory:
    /// the operating system pages rows in as batches draw them and out when memory is short, so a table larger than the
    /// machine's memory trains. The file is deleted when training ends, or at once where the system allows (Linux, macOS),
    /// so that a killed process leaves none behind.
    /// </summary>
    TemporaryFile,
}

/// <summary>How training draws each row's condition (a categorical column's category) for the conditional generator.</summary>
public enum TrainingConditionDraw
{
    /// <summary>
    /// A category with probability ∝ log(1 + its count) (CTGAN's training-by-sampling): rare categories are trained
    /// on far more often than they occur. The rows the discriminator sees then have other shares than the table (on
    /// Adult, 75 % White and 62 % male instead of 85 % and 67 %), and a generator that follows its condition
    /// imperfectly carries those shares into ordinary generation. The default.
    /// </summary>
    LogFrequency,
    /// <summary>A category with probability ∝ its count: the discriminator sees rows with the table's own shares.</summary>
    Frequency,
    /// <summary>Half of the rows as <see cref="LogFrequency"/>, half as <see cref="Frequency"/>: rare categories still trained on more often, the shares the discriminator sees halfway to the table's.</summary>
    Mixed,
}

/// <summary>How a categorical column's value is chosen from the generator's scores when rows are generated.</summary>
public enum CategorySampling
{
    /// <summary>
    /// Draw the category from the generator's softmax (Gumbel-max with seeded uniform draws). The generator is
    /// trained against Gumbel-softmax samples, so this reproduces the category frequencies it learned. The default.
    /// </summary>
    Sample,
    /// <summary>Take the highest-scoring category: deterministic given the noise, but over-represents frequent categories.</summary>
    ArgMax,
}

/// <summary>How numeric columns are normalised for the networks.</summary>
public enum ContinuousNormalization
{
    /// <summary>
    /// CTGAN's mode-specific normalisation: a variational Gaussian mixture (up to <see cref="GanTrainer.Options.MaximumModes"/>
    /// modes) per column; a value becomes its mode (one-hot) and its offset within the mode. Keeps multi-modal and
    /// long-tailed columns (amounts, counts, spikes at zero) in shape.
    /// </summary>
    ModeSpecific,
    /// <summary>The training range mapped linearly onto [-1, 1]. Simple; flattens modes and tails.</summary>
    MinMax,
    /// <summary>
    /// Mode-specific where a column has at least <see cref="GanTrainer.Options.ModeSpecificMinimumValues"/> present
    /// training values; below, rank where the values' absolute skewness is at least
    /// <see cref="GanTrainer.Options.RankMinimumSkewness"/> and no value is a spike, min-max otherwise. A mixture fitted on a few hundred
    /// values leaves a few dozen rows a mode, and on such tables min-max kept the columns' relations with the others far
    /// better (Boston's R² ratio 0.75 → 0.92 on three seeds); a heavy-tailed column's values bunch in a corner of a
    /// linear range, and ranks spread them. The marginal map after training gives each column its shape either way. The default.
    /// </summary>
    Auto,
    /// <summary>
    /// Every numeric column by rank: a value becomes its level among the training values (the share below it) on
    /// [-1, 1], and is decoded through the training values' quantiles. Spreads skewed and heavy-tailed columns evenly;
    /// flattens modes into one scale.
    /// </summary>
    Rank,
}

/// <summary>What an exported ONNX generator graph takes as its inputs.</summary>
public enum GanOnnxInputs
{
    /// <summary>
    /// The caller's randomness: the noise (float [batch, noise]), for a conditional generator the condition vector, and
    /// the category draws. For callers who bring their own noise; <see cref="GanCatalog.LoadOnnx(string, GanScoringOptions?)"/>
    /// loads this graph back. The default.
    /// </summary>
    Noise,
    /// <summary>
    /// A seed (int64 [1], or one a row) and row indices (int64 [rows]): the graph makes the noise, the condition, the category draws and
    /// the density-ratio filter's attempts itself from counter-based streams, so row i of seed s is bit for bit the row
    /// <see cref="GanTransformer.Generate(long, int, long)"/> makes there, in any ONNX runtime (opset 18), with no
    /// random-number library. Any engine can shard generation by row ranges.
    /// </summary>
    SeedAndRows,
}

/// <summary>How a formula (<see cref="GanColumnFormula"/>) makes its target from its inputs.</summary>
public enum GanFormulaKind
{
    /// <summary>The sum of two or more columns: a total and its parts.</summary>
    Sum,

    /// <summary>A scale (a power of ten) times one column divided by another: a share, a percentage, a rate.</summary>
    Ratio,

    /// <summary>A scale (a power of ten) times the product of two columns: an amount from a price and a quantity.</summary>
    Product,

    /// <summary>
    /// A number column plus an offset that the row's category of a categorical column fixes: a day of the study from the
    /// day of a patient's diary and the patient (whose diary began on a day of its own), a year from an age and the
    /// person. Its inputs are the number and the categorical column.
    /// </summary>
    Offset,
}
