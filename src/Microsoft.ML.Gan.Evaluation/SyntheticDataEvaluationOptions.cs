namespace Microsoft.ML.Gan;

/// <summary>
/// Options of <see cref="GanEvaluationCatalog.Evaluate(GanCatalog, IDataView, IDataView, SyntheticDataEvaluationOptions?)"/>: which
/// columns to compare, the optional machine-learning efficacy test, sampling sizes and the seed.
/// </summary>
public sealed class SyntheticDataEvaluationOptions
{
    /// <summary>
    /// The columns to compare; null or empty means every column of the real table. Each must be a scalar Single,
    /// Double, integer, Boolean, Text or key column, present with the same type in both tables.
    /// </summary>
    public IReadOnlyList<string>? Columns { get; set; }

    /// <summary>
    /// The label for the machine-learning efficacy test (binary: two classes in the real table). Efficacy is
    /// measured only when this and <see cref="HoldoutReal"/> are both set. It need not be among <see cref="Columns"/>.
    /// </summary>
    public string? LabelColumn { get; set; }

    /// <summary>
    /// Real rows that were NOT used to train the generator, in the same schema. Used as the test set of the
    /// efficacy test and as the privacy baseline (their distance to the closest real record). Optional.
    /// </summary>
    public IDataView? HoldoutReal { get; set; }

    /// <summary>Seed of every sample and of the classifiers; the same seed gives the same metrics. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Text values counted as missing in category columns, besides the empty text (as
    /// <see cref="GanTrainer.Options.MissingCategoryTokens"/> does for training). Default none: only empty text is missing.
    /// </summary>
    public IReadOnlyList<string> MissingCategoryTokens { get; set; } = [];

    /// <summary>
    /// At most this many rows are sampled (with <see cref="Seed"/>) from each table for the column pair trends,
    /// detection, efficacy training and as the real reference of the distance to the closest record. Column
    /// shapes, column quality and the exact-copy share use every row. Default 20,000.
    /// </summary>
    public int MaximumRows { get; set; } = 20_000;

    /// <summary>Cross-validation folds of the detection classifier. Default 5; at least 2.</summary>
    public int DetectionFolds { get; set; } = 5;

    /// <summary>
    /// Bins of a continuous column in the pair trends' contingency tables, cut at the real data's quantiles
    /// (ties merge bins). Default 10; at least 2.
    /// </summary>
    public int QuantileBins { get; set; } = 10;

    /// <summary>Synthetic rows (at most) whose distance to the closest real record is measured. Default 2,000.</summary>
    public int PrivacyRows { get; set; } = 2_000;

    /// <summary>
    /// Columns whose values an attacker who knows the rest of a person's row would like to learn (a diagnosis, an
    /// income): for each, the evaluation measures attribute inference (<see cref="AttributeInferenceMetrics"/>), how
    /// much better the synthetic rows give it for the people whose rows trained the generator than for new people of the
    /// same population (<see cref="HoldoutReal"/>, which it needs). Each must be among the evaluated columns. Default
    /// none.
    /// </summary>
    public IReadOnlyList<string>? SensitiveColumns { get; set; }

    /// <summary>
    /// The columns the attacker of <see cref="SensitiveColumns"/> knows of a person (an id, an age, a date); null or
    /// empty means every evaluated column but the sensitive one. Each must be among the evaluated columns.
    /// </summary>
    public IReadOnlyList<string>? KnownColumns { get; set; }

    internal void Validate()
    {
        if (MaximumRows < 10) throw new ArgumentOutOfRangeException(nameof(MaximumRows), MaximumRows, "MaximumRows must be at least 10.");
        if (DetectionFolds < 2) throw new ArgumentOutOfRangeException(nameof(DetectionFolds), DetectionFolds, "DetectionFolds must be at least 2.");
        if (QuantileBins < 2) throw new ArgumentOutOfRangeException(nameof(QuantileBins), QuantileBins, "QuantileBins must be at least 2.");
        if (PrivacyRows < 1) throw new ArgumentOutOfRangeException(nameof(PrivacyRows), PrivacyRows, "PrivacyRows must be at least 1.");
    }
}
