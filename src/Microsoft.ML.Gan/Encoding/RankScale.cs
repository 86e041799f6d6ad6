using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// Rank normalisation of a numeric column: a value is encoded as its level among the training values (the share of
/// them below it, ties at the middle of their run) mapped onto [-1, 1], and the networks' [-1, 1] is decoded back
/// through the training values' quantiles. Where min-max leaves a heavy-tailed column's rows bunched in a corner of
/// the range (most of a county's counts within a tenth of it, a few outliers setting the rest), ranks spread them
/// evenly, so the networks see the column's order with the resolution they see a symmetric column's values with.
/// </summary>
/// <remarks>
/// The scale keeps the training quantiles at <see cref="MarginalMap.Levels"/> + 1 even levels and interpolates
/// linearly between them, the same curve both ways: a value decodes back to itself, and a training value's level is its
/// mid-rank to within a knot's level (1/500). The graph decodes with the same operations in the same order.
/// </remarks>
internal sealed class RankScale
{
    /// <summary>
    /// Which columns without modes are ranked: those whose present values' absolute skewness is at least
    /// <paramref name="MinimumSkewness"/> and, unless <paramref name="Spikes"/>, that have no spike (no value holding
    /// <see cref="NumericColumn.SpikeShare"/> of them: a spike takes a point of a linear scale, but a wide run of ranks).
    /// </summary>
    public sealed record Choice(double MinimumSkewness, bool Spikes)
    {
        /// <summary>Whether a column of these present values (<paramref name="sorted"/>: the same, ascending) is ranked.</summary>
        public bool Ranks(ReadOnlySpan<double> present, double[] sorted) =>
            Math.Abs(Skewness(present)) >= MinimumSkewness && (Spikes || NumericColumn.FindSpikes(sorted).Values.Length == 0);
    }

    /// <summary>The most quantiles a saved scale may have.</summary>
    private const int MaximumSaved = 100_000;

    private readonly double[] _quantiles;

    private RankScale(double[] quantiles) => _quantiles = quantiles;

    /// <summary>The training quantiles at even levels, ascending.</summary>
    public IReadOnlyList<double> Quantiles => _quantiles;

    /// <summary>The quantiles a scale keeps, from a column's present training values in ascending order.</summary>
    public static double[] Fit(double[] sorted) => MarginalMap.Quantiles(sorted);

    /// <summary>
    /// The sample skewness of <paramref name="present"/> (the third standardised moment); 0 for fewer than three
    /// values or a constant column. Auto normalisation ranks a small column whose skewness is large in either direction.
    /// </summary>
    public static double Skewness(ReadOnlySpan<double> present)
    {
        if (present.Length < 3) return 0;
        double mean = 0;
        foreach (double v in present) mean += v;
        mean /= present.Length;
        double m2 = 0, m3 = 0;
        foreach (double v in present)
        {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= present.Length;
        m3 /= present.Length;
        return m2 > 0 ? m3 / Math.Pow(m2, 1.5) : 0;
    }

    /// <summary>
    /// The scale a saved column holds, checked: null when it has none. Quantiles must be ascending finite numbers in
    /// the column's range [<paramref name="minimum"/>, <paramref name="maximum"/>].
    /// </summary>
    public static RankScale? FromState(double[]? quantiles, double minimum, double maximum, string column)
    {
        if (quantiles is null) return null;
        bool ascending = true;
        for (int i = 0; i < quantiles.Length && ascending; i++)
            ascending = double.IsFinite(quantiles[i]) && (i == 0 || quantiles[i] >= quantiles[i - 1]);
        if (quantiles.Length < 2 || quantiles.Length > MaximumSaved || !ascending || quantiles[0] < minimum || quantiles[^1] > maximum)
            throw new InvalidDataException(
                $"Column '{column}': the saved rank scale has {quantiles.Length} quantiles; it needs 2 to {MaximumSaved} finite numbers in ascending order within the column's range [{minimum}, {maximum}].");
        return new RankScale(quantiles);
    }

    /// <summary>A present value's code in [-1, 1]: twice its level among the training quantiles, less one (ties at the middle of their run).</summary>
    public double Encode(double v) => 2 * MarginalMap.Level(_quantiles, v, 0.5) - 1;

    /// <summary>The value at code <paramref name="t"/> (in [-1, 1]): the training quantile at level (t + 1) / 2, interpolated.</summary>
    public double Decode(double t) => MarginalMap.Interpolate(_quantiles, (t + 1) / 2);

    /// <summary>The graph's <see cref="Decode"/> of <paramref name="t"/> ([batch, 1] doubles in [-1, 1]): the same operations in the same order.</summary>
    public string AddOnnxDecode(OnnxGraph g, string t)
    {
        var u = g.Node("Div", [g.Node("Add", [t, g.Scalar(1.0)]), g.Scalar(2.0)]);
        return MarginalMap.OnnxInterpolate(g, g.Constant(_quantiles, _quantiles.Length), _quantiles.Length, u, null);
    }
}
