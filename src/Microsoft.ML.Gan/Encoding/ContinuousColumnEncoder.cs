using Microsoft.ML.Gan.Onnx;

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
        // Half to even, as ONNX's Round, so the exported graph decodes the same integers.
        if (IsInteger) v = Math.Round(v, MidpointRounding.ToEven);
        return Math.Clamp(v, Minimum, Maximum);
    }

    public override (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling)
    {
        // The same operations in the same order as Decode, in double.
        var t = g.Node("Cast", [g.Node("Tanh", [OnnxSlice(g, output, offset, 1)])], ("to", (long)OnnxType.Double));
        t = g.Node("Min", [g.Node("Max", [t, g.Scalar(-1.0)]), g.Scalar(1.0)]);
        var v = g.Node("Add", [g.Node("Mul", [g.Node("Div", [g.Node("Add", [t, g.Scalar(1.0)]), g.Scalar(2.0)]), g.Scalar(Maximum - Minimum)]), g.Scalar(Minimum)]);
        if (IsInteger) v = g.Node("Round", [v]);
        v = g.Node("Min", [g.Node("Max", [v, g.Scalar(Minimum)]), g.Scalar(Maximum)]);
        v = g.Node("Reshape", [v, g.Constant([-1L], 1)]);
        var type = OnnxTypeOf(Kind);
        if (type != OnnxType.Double) v = g.Node("Cast", [v], ("to", (long)type));
        if (HasMissing)
        {
            var missing = g.Node("Equal", [OnnxChoose(g, output, offset + 1, 2, draws, drawOffset, sampling), g.Scalar(1L)]);
            var nan = type == OnnxType.Float ? g.Scalar(float.NaN) : g.Scalar(double.NaN);
            v = g.Node("Where", [missing, nan, v]);
        }
        return (v, type);
    }

    private static OnnxType OnnxTypeOf(ColumnKind kind) => kind switch
    {
        ColumnKind.Single => OnnxType.Float,
        ColumnKind.Double => OnnxType.Double,
        ColumnKind.SByte => OnnxType.Int8,
        ColumnKind.Byte => OnnxType.UInt8,
        ColumnKind.Int16 => OnnxType.Int16,
        ColumnKind.UInt16 => OnnxType.UInt16,
        ColumnKind.Int32 => OnnxType.Int32,
        ColumnKind.UInt32 => OnnxType.UInt32,
        ColumnKind.Int64 => OnnxType.Int64,
        ColumnKind.UInt64 => OnnxType.UInt64,
        _ => throw new InvalidOperationException($"Column kind {kind} is not numeric."),
    };

    public override ColumnEncoderState ToState() => new()
    {
        Name = Name, Kind = Kind, Minimum = Minimum, Maximum = Maximum, RowCount = RowCount, MissingCount = MissingCount,
    };

    public override GanColumnInfo ToInfo() => new(
        Name, ColumnKinds.ToType(Kind), IsCategorical: false,
        MissingRate: RowCount == 0 ? 0 : (double)MissingCount / RowCount,
        Minimum, Maximum, Categories: [], CategoryFrequencies: []);
}
