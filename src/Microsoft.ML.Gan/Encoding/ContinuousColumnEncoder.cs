namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A numeric column (floating point or integer). The value is scaled linearly from the training range onto
/// [-1, 1] (a tanh head); a column with missing values (NaN) gets a two-way softmax head present/missing so the
/// generator learns their rate. Decoding maps back, clamps to the training range and rounds integer columns.
/// </summary>
internal sealed class ContinuousColumnEncoder : ColumnEncoder
{
    private readonly OutputSpan[] _spans;

    public ContinuousColumnEncoder(ColumnEncoderState state)
        : base(state.Name, state.Kind)
    {
        Minimum = state.Minimum;
        Maximum = state.Maximum;
        RowCount = state.RowCount;
        MissingCount = state.MissingCount;
        _spans = HasMissing
            ? [new OutputSpan(0, 1, SpanActivation.Tanh), new OutputSpan(1, 2, SpanActivation.Softmax)]
            : [new OutputSpan(0, 1, SpanActivation.Tanh)];
    }

    public double Minimum { get; }
    public double Maximum { get; }
    public long RowCount { get; }
    public long MissingCount { get; }
    public bool HasMissing => MissingCount > 0;
    public bool IsInteger => ColumnKinds.IsInteger(Kind);

    public override int Width => HasMissing ? 3 : 1;
    public override int DrawCount => HasMissing ? 1 : 0;
    public override IReadOnlyList<OutputSpan> Spans => _spans;

    /// <summary>Fits the range from the column's values (NaN for missing); the caller has rejected infinities.</summary>
    public static ContinuousColumnEncoder Fit(string name, ColumnKind kind, ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long missing = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) { missing++; continue; }
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ContinuousColumnEncoder(new ColumnEncoderState
        {
            Name = name, Kind = kind, Minimum = min, Maximum = max, RowCount = values.Length, MissingCount = missing,
        });
    }

    public void Encode(ReadOnlySpan<double> values, float[] matrix, int stride, int offset)
    {
        double range = Maximum - Minimum;
        for (int r = 0; r < values.Length; r++)
        {
            int at = r * stride + offset;
            double v = values[r];
            bool missing = double.IsNaN(v);
            // A missing value sits at the middle of the range so it pulls the tanh head nowhere.
            matrix[at] = missing || range == 0 ? 0f : (float)(2 * (v - Minimum) / range - 1);
            if (HasMissing)
            {
                matrix[at + 1] = missing ? 0f : 1f;
                matrix[at + 2] = missing ? 1f : 0f;
            }
        }
    }

    /// <summary>Decodes one row's slice of generator output (tanh already applied to the value, logits for the flag).</summary>
    public double Decode(ReadOnlySpan<float> slice, ReadOnlySpan<float> draws, CategorySampling sampling)
    {
        if (HasMissing && Choose(slice.Slice(1, 2), draws[0], sampling) == 1) return double.NaN;
        double t = Math.Clamp((double)slice[0], -1.0, 1.0);
        double v = Minimum + (t + 1) / 2 * (Maximum - Minimum);
        if (IsInteger) v = Math.Round(v, MidpointRounding.AwayFromZero);
        return Math.Clamp(v, Minimum, Maximum);
    }

    public override ColumnEncoderState ToState() => new()
    {
        Name = Name, Kind = Kind, Minimum = Minimum, Maximum = Maximum, RowCount = RowCount, MissingCount = MissingCount,
    };

    public override GanColumnInfo ToInfo() => new(
        Name, ColumnKinds.ToType(Kind), IsCategorical: false,
        MissingRate: RowCount == 0 ? 0 : (double)MissingCount / RowCount,
        Minimum, Maximum, Categories: [], CategoryFrequencies: []);
}
