using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A decoded row as the density-ratio filter's classifier reads it (see <see cref="Model.DensityRatioFilter"/>):
/// a category as its one-hot vector; a number as a piecewise-linear code over its training quantiles (one ramp per
/// quantile bin: 0 below the bin, 1 above it, linear inside), so that a small network sees where in the training
/// distribution a value lies whatever its scale and skew; and a 1 where a number is missing (its ramps then 0).
/// Computed the same way in .NET (<see cref="Compute"/>) and in the graph (<see cref="AddOnnx"/>), in float.
/// </summary>
internal sealed class RowFeatures
{
    /// <summary>Quantile bins of a numeric column's code (fewer where the column has fewer distinct values).</summary>
    public const int Bins = 16;

    private readonly int[] _offsets;
    private readonly bool[] _missingFlag;
    private readonly bool[] _identifier; // no features: an identifier says nothing about a row

    /// <param name="knots">Per column: a numeric column's ascending distinct quantiles (the bins' edges); null for a categorical one.</param>
    public RowFeatures(IReadOnlyList<GanColumn> columns, IReadOnlyList<float[]?> knots)
    {
        if (knots.Count != columns.Count)
            throw new InvalidDataException($"The density-ratio filter describes {knots.Count} column(s); the model has {columns.Count}.");
        Knots = knots.ToArray();
        _offsets = new int[columns.Count];
        _missingFlag = new bool[columns.Count];
        _identifier = new bool[columns.Count];
        int width = 0;
        for (int c = 0; c < columns.Count; c++)
        {
            _offsets[c] = width;
            switch (columns[c])
            {
                case MadeColumn:
                    if (knots[c] is not null) throw new InvalidDataException($"The density-ratio filter gives column '{columns[c].Name}' quantiles.");
                    _identifier[c] = true;
                    break;
                case CategoricalColumn categorical:
                    if (knots[c] is not null) throw new InvalidDataException($"The density-ratio filter gives categorical column '{columns[c].Name}' quantiles.");
                    width += categorical.LevelCount;
                    break;
                case NumericColumn numeric:
                    var k = knots[c] ?? throw new InvalidDataException($"The density-ratio filter gives numeric column '{columns[c].Name}' no quantiles.");
                    if (k.Length == 0 || k.Length > Bins + 1 || k.Any(v => !float.IsFinite(v)) || k.Zip(k.Skip(1)).Any(p => !(p.First < p.Second)))
                        throw new InvalidDataException(
                            $"The density-ratio filter's quantiles of column '{columns[c].Name}' are not 1 to {Bins + 1} finite ascending values.");
                    _missingFlag[c] = numeric.HasMissing;
                    width += k.Length - 1 + (numeric.HasMissing ? 1 : 0);
                    break;
                default:
                    throw new InvalidDataException($"Column '{columns[c].Name}' is of a kind the density-ratio filter cannot read.");
            }
        }
        Width = width;
    }

    /// <summary>Per column: a numeric column's bin edges; null for a categorical one.</summary>
    public IReadOnlyList<float[]?> Knots { get; }

    /// <summary>Features a row has.</summary>
    public int Width { get; }

    /// <summary>The features of <paramref name="real"/>'s rows: each numeric column's quantiles over its present values.</summary>
    public static RowFeatures Fit(IReadOnlyList<GanColumn> columns, DecodedRows real, int rows)
    {
        var knots = new float[]?[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c] is not NumericColumn) continue;
            var present = real.Numbers(c).AsSpan(0, rows).ToArray().Where(v => !double.IsNaN(v)).Select(v => (float)v).ToArray();
            Array.Sort(present);
            if (present.Length == 0)
            {
                knots[c] = [0f];
                continue;
            }
            var edges = new List<float>();
            for (int b = 0; b <= Bins; b++)
            {
                float q = present[(int)Math.Min(present.Length - 1, Math.Round((double)b * (present.Length - 1) / Bins))];
                if (edges.Count == 0 || q > edges[^1]) edges.Add(q);
            }
            knots[c] = edges.ToArray();
        }
        return new RowFeatures(columns, knots);
    }

    /// <summary>Writes the features of rows <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 into <paramref name="into"/> ([count, Width], row-major).</summary>
    public void Compute(DecodedRows rows, int first, int count, Span<float> into)
    {
        into[..(count * Width)].Clear();
        for (int c = 0; c < Knots.Count; c++)
        {
            int offset = _offsets[c];
            if (_identifier[c]) continue;
            if (Knots[c] is not { } k)
            {
                var levels = rows.Levels(c);
                for (int r = 0; r < count; r++) into[r * Width + offset + levels[first + r]] = 1f;
                continue;
            }
            var numbers = rows.Numbers(c);
            int bins = k.Length - 1;
            for (int r = 0; r < count; r++)
            {
                double v = numbers[first + r];
                var row = into.Slice(r * Width + offset);
                if (double.IsNaN(v))
                {
                    if (_missingFlag[c]) row[bins] = 1f;
                    continue;
                }
                float x = (float)v;
                for (int b = 0; b < bins; b++) row[b] = Math.Clamp((x - k[b]) / (k[b + 1] - k[b]), 0f, 1f);
            }
        }
    }

    /// <summary>The features as a float [batch, Width] value of the graph, from each column's decoded value (categories as their indices).</summary>
    public string AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, IReadOnlyList<string> decoded)
    {
        var parts = new List<string>();
        var one = g.Constant([1L], 1);
        for (int c = 0; c < columns.Count; c++)
        {
            if (_identifier[c]) continue;
            if (Knots[c] is not { } k)
            {
                int levels = ((CategoricalColumn)columns[c]).LevelCount;
                parts.Add(g.Node("OneHot", [decoded[c], g.Constant([(long)levels], 1), g.Constant([0f, 1f], 2)], ("axis", -1L)));
                continue;
            }
            var x = g.Node("Unsqueeze", [decoded[c], one]);
            if (columns[c].OutputType != OnnxType.Float) x = g.Node("Cast", [x], ("to", (long)OnnxType.Float));
            // Missing as the column marks it (NaN, or a date's NaT), as .NET reads it from the decoded NaN.
            var numeric = (NumericColumn)columns[c];
            var missing = numeric.HasMissing ? g.Node("Unsqueeze", [numeric.AddOnnxIsMissing(g, decoded[c]), one]) : g.Node("IsNaN", [x]);
            int bins = k.Length - 1;
            if (bins > 0)
            {
                // A missing value reads as the lowest edge: every ramp 0.
                var present = g.Node("Where", [missing, g.Scalar(k[0]), x]);
                var lower = k[..^1];
                var widths = k.Skip(1).Zip(lower, (hi, lo) => hi - lo).ToArray();
                var ramp = g.Node("Div", [g.Node("Sub", [present, g.Constant(lower, 1, bins)]), g.Constant(widths, 1, bins)]);
                parts.Add(g.Node("Min", [g.Node("Max", [ramp, g.Scalar(0f)]), g.Scalar(1f)]));
            }
            if (_missingFlag[c]) parts.Add(g.Node("Cast", [missing], ("to", (long)OnnxType.Float)));
        }
        return parts.Count == 1 ? parts[0] : g.Node("Concat", parts.ToArray(), ("axis", 1L));
    }
}
