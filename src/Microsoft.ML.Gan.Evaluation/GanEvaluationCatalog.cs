using Microsoft.ML.Gan.Evaluation;

namespace Microsoft.ML.Gan;

/// <summary>
/// <c>mlContext.Gan().Evaluate(...)</c>: the evaluation of synthetic tables, from the Microsoft.ML.Gan.Evaluation
/// package (it brings FastTree and the report's chart renderer, which training and generation do not need).
/// </summary>
public static class GanEvaluationCatalog
{
    /// <summary>
    /// Compares a synthetic table with the real one: column shapes (1 − Kolmogorov-Smirnov or 1 − total variation
    /// distance), column pair trends (correlations, contingency tables), detection (ROC AUC of a FastTree classifier
    /// telling real from synthetic rows, cross-validated), machine-learning efficacy (with
    /// <see cref="SyntheticDataEvaluationOptions.LabelColumn"/> and <see cref="SyntheticDataEvaluationOptions.HoldoutReal"/>),
    /// privacy (exact copies, distance to the closest record) and per-column missing rates, out-of-range values and
    /// unseen categories. Each view is read once; at most <see cref="SyntheticDataEvaluationOptions.MaximumRows"/>
    /// rows (default 20,000) of each are sampled for pair trends, detection and privacy. Deterministic for a seed.
    /// Runs in the catalog's MLContext (its log and cancellation).
    /// </summary>
    /// <param name="catalog">The context's GAN catalog (<c>mlContext.Gan()</c>).</param>
    /// <param name="real">The real table.</param>
    /// <param name="synthetic">The synthetic table: the same columns, with the same types.</param>
    /// <param name="options">What to compare and how; null for the defaults (every column of <paramref name="real"/>, seed 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing from a table, has another type there, or has a type that cannot be evaluated; the message names the column and the types.</exception>
    public static SyntheticDataMetrics Evaluate(this GanCatalog catalog, IDataView real, IDataView synthetic, SyntheticDataEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return SyntheticDataEvaluator.Evaluate(catalog.Context, real, synthetic, options ?? new SyntheticDataEvaluationOptions());
    }

    /// <summary>
    /// <see cref="Evaluate(GanCatalog, IDataView, IDataView, SyntheticDataEvaluationOptions?)"/> with machine-learning
    /// efficacy: a classifier of <paramref name="labelColumn"/> trained on the synthetic rows and on the real rows,
    /// both tested on <paramref name="holdoutReal"/>; the holdout is also the privacy baseline.
    /// </summary>
    /// <param name="catalog">The context's GAN catalog (<c>mlContext.Gan()</c>).</param>
    /// <param name="real">The real rows the generator was trained on.</param>
    /// <param name="synthetic">The synthetic rows.</param>
    /// <param name="labelColumn">The label.</param>
    /// <param name="holdoutReal">Real rows the generator never saw, in the same schema.</param>
    /// <param name="seed">Seed of the samples and classifiers.</param>
    public static SyntheticDataMetrics Evaluate(this GanCatalog catalog, IDataView real, IDataView synthetic, string labelColumn, IDataView holdoutReal, int seed = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        ArgumentNullException.ThrowIfNull(holdoutReal);
        return catalog.Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { LabelColumn = labelColumn, HoldoutReal = holdoutReal, Seed = seed });
    }
}
