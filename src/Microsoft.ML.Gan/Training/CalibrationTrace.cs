using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// How each column's shape moves through the stages after training (a diagnostic: the benchmark's <c>calibration</c>
/// prints it). After each stage of <see cref="MarginalCalibration.Run"/> the calibration's own rows are decoded as the
/// model then stands, and each column's shape is measured against the training rows (SDMetrics' 1 − Kolmogorov-Smirnov
/// of the present values for a number, 1 − total variation for a category), with its missing share beside it; through
/// a filter each row weighs its keep probability, as calibration weighs it. Every stage aims at the training
/// marginals, so a stage that leaves a column clearly further from them than it found it is a defect to look into (a
/// warp that rounded a spike's knots made HMDA's unemployment rates 0.98 → 0.65 in one stage, and went unseen for four
/// stops because the mean over a table's columns hid it). Tracing costs a decoding of the rows per stage; without a
/// trace calibration does not decode for it.
/// </summary>
internal sealed class CalibrationTrace(DecodedRows real, int realRows)
{
    private readonly List<CalibrationStage> _stages = [];
    private readonly List<string> _notes = [];

    /// <summary>The stages recorded, in order.</summary>
    public IReadOnlyList<CalibrationStage> Stages => _stages;

    /// <summary>What happened between stages that no shape shows (a filter dropped).</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Put before the names of the stages recorded next ("filter: "), so a second calibration's stages read apart.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Each column's shape and missing share in <paramref name="decoded"/>, rows weighed by <paramref name="weights"/> (all alike when null).</summary>
    public void Record(string stage, IReadOnlyList<GanColumn> columns, DecodedRows decoded, int rows, float[]? weights)
    {
        var w = weights?.Select(v => (double)v).ToArray();
        var shapes = new double[columns.Count];
        var missing = new double[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            switch (columns[c])
            {
                case MadeColumn:
                    shapes[c] = missing[c] = double.NaN; // made apart from the network: nothing calibrated
                    break;
                case CategoricalColumn categorical:
                    shapes[c] = 1 - ColumnStatistics.TotalVariation(real.Levels(c).AsSpan(0, realRows), decoded.Levels(c).AsSpan(0, rows), categorical.LevelCount, w);
                    missing[c] = double.NaN;
                    break;
                default:
                    var values = ((NumericKind)columns[c].Kind).Stored(decoded.Numbers(c).AsSpan(0, rows)); // as the training values were held
                    shapes[c] = 1 - ColumnStatistics.KolmogorovSmirnov(real.Numbers(c).AsSpan(0, realRows), values, w);
                    missing[c] = MissingShare(values, w) - MissingShare(real.Numbers(c).AsSpan(0, realRows), null);
                    break;
            }
        }
        _stages.Add(new CalibrationStage(Prefix + stage, shapes, missing));
    }

    /// <summary>
    /// The columns calibration left clearly further from the training marginals than a stage before had them: each
    /// column whose shape at the last stage recorded (<paramref name="last"/> stages from the end: 1 for the last) is
    /// more than <paramref name="drop"/> below its best stage up to there, with the two shapes and the best stage's name.
    /// </summary>
    public IEnumerable<(int Column, double End, double Best, string BestStage)> EndsBelowBest(double drop, int last = 1)
    {
        if (_stages.Count < last) yield break;
        int end = _stages.Count - last;
        for (int c = 0; c < _stages[end].Shapes.Length; c++)
        {
            if (double.IsNaN(_stages[end].Shapes[c])) continue;
            int best = Enumerable.Range(0, end + 1).MaxBy(s => double.IsNaN(_stages[s].Shapes[c]) ? double.NegativeInfinity : _stages[s].Shapes[c]);
            if (_stages[best].Shapes[c] - _stages[end].Shapes[c] > drop) yield return (c, _stages[end].Shapes[c], _stages[best].Shapes[c], _stages[best].Name);
        }
    }

    /// <summary>Records what happened between stages.</summary>
    public void Note(string note) => _notes.Add(Prefix + note);

    private static double MissingShare(ReadOnlySpan<double> values, double[]? weights)
    {
        double missing = 0, total = 0;
        for (int r = 0; r < values.Length; r++)
        {
            double weight = weights?[r] ?? 1;
            total += weight;
            if (double.IsNaN(values[r])) missing += weight;
        }
        return total > 0 ? missing / total : 0;
    }
}

/// <summary>One stage of a <see cref="CalibrationTrace"/>: each column's shape (NaN for a made column) and its missing share less the training one (NaN for a category).</summary>
internal sealed record CalibrationStage(string Name, double[] Shapes, double[] MissingGaps);
