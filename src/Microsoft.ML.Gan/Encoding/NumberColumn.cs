using System.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A column of ML.NET numbers of type <typeparamref name="T"/> (Single, Double or any integer type): the numeric
/// family's modelling, with values read, output by the graph and served to ML.NET as <typeparamref name="T"/>.
/// Values are rounded to the column's granularity (whole numbers at least, for integer types; half to even) and
/// clamped to the training range, so casts never overflow.
/// </summary>
internal sealed class NumberColumn<T> : NumericColumn
    where T : unmanaged, INumber<T>
{
    private static readonly bool s_integer =
        typeof(T).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IBinaryInteger<>));

    private readonly NumberKind<T> _kind;

    public NumberColumn(NumberKind<T> kind, ColumnState state)
        : base(state) => _kind = kind;

    public override ColumnKind Kind => _kind;
    public override DataViewType Type => _kind.Type;
    public override bool IsInteger => s_integer;
    public override OnnxType OutputType => OnnxTypes.Of<T>();

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow)
    {
        var from = output.GetTensorDataAsSpan<T>();
        var into = ((double[])buffer).AsSpan(firstRow, rows);
        for (int i = 0; i < into.Length; i++) into[i] = double.CreateTruncating(from[i]);
    }

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var numbers = (double[])buffer;
        // Saturating: decoded values are clamped to the training range, so this only guards 2^63 and 2^64 at the edge.
        return (ValueGetter<T>)((ref T value) => value = T.CreateSaturating(numbers[row()]));
    }
}

/// <summary>Columns of ML.NET's number type <typeparamref name="T"/>.</summary>
internal sealed class NumberKind<T>(NumberDataViewType type) : NumericKind
    where T : unmanaged, INumber<T>
{
    public NumberDataViewType Type { get; } = type;

    public override string Name => typeof(T).Name;

    public override string Description => typeof(T).Name;

    public override bool Handles(DataViewType type) => type.Equals(Type);

    public override Func<double> CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default;
        return () =>
        {
            getter(ref value);
            return double.CreateTruncating(value);
        };
    }

    public override double Stored(double value) => double.CreateTruncating(T.CreateTruncating(value));

    public override NumberPrecision Precision { get; } =
        typeof(T) == typeof(float) ? NumberPrecision.Single : typeof(T) == typeof(double) ? NumberPrecision.Double : NumberPrecision.Whole;

    public override double Lowest { get; } = End(up: false);

    public override double Highest { get; } = End(up: true);

    /// <summary>Numbers of every numeric type, as doubles.</summary>
    public override double? Constant(object value) => value switch
    {
        double d => d, float f => f, decimal m => (double)m, long l => l, ulong u => u, int i => i, uint u => u,
        short s => s, ushort u => u, sbyte s => s, byte b => b,
        _ => null,
    };

    /// <summary>
    /// The type's greatest (or least) value as a double that converts back: the floating-point types' own; a 64-bit
    /// integer's end rounds beyond it, so one double inside.
    /// </summary>
    private static double End(bool up)
    {
        if (typeof(T) == typeof(float)) return up ? float.MaxValue : float.MinValue;
        if (typeof(T) == typeof(double)) return up ? double.MaxValue : double.MinValue;
        T end = T.CreateSaturating(up ? double.PositiveInfinity : double.NegativeInfinity);
        double d = double.CreateTruncating(end);
        decimal exact = decimal.CreateTruncating(end);
        if (up ? (decimal)d > exact : (decimal)d < exact) d = up ? Math.BitDecrement(d) : Math.BitIncrement(d);
        return d;
    }

    public override GanColumn Restore(ColumnState state) => new NumberColumn<T>(this, state);
}
