namespace Microsoft.ML.Gan;

/// <summary>How <see cref="GanCatalog.Augment(GanTransformer, IDataView, string, GanAugmentationOptions?)"/> rebalances a table.</summary>
public sealed class GanAugmentationOptions
{
    /// <summary>
    /// Rows wanted per class in the result, by category as <see cref="GanColumnInfo.Categories"/> writes it ("True"
    /// and "False" for booleans, the raw value for keys). Classes not named keep their rows. Null (the default)
    /// raises every class to the count of the largest one. Augmenting only adds rows: a target below a class's real
    /// count is an error.
    /// </summary>
    public IReadOnlyDictionary<string, long>? TargetCounts { get; set; }

    /// <summary>Seed of the synthetic rows. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Candidate rows allowed per synthetic row when the generator does not produce the class at once. Default 100.</summary>
    public int MaximumCandidatesPerRow { get; set; } = GanTrainer.Defaults.MaximumCandidatesPerRow;

    /// <summary>
    /// Training options for <see cref="GanCatalog.Augment(IDataView, string, GanAugmentationOptions?)"/>, which trains
    /// the GAN first; null for the defaults. Its Columns (when set) must include the label.
    /// </summary>
    public GanTrainer.Options? Training { get; set; }
}
