using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The grid a numeric column's values lie on: <c>origin + k × Units / 10^Decimals</c> for whole k, the origin being the
/// column's minimum. Whole years are (1, 0); prices in cents (1, 2); ages in steps of five (5, 0); half-points
/// (5, 1). Fitted from every training value, so it is exact: a single value off the grid makes the grid finer, and a
/// column whose values need more than <see cref="MaximumDecimals"/> decimals (measured continuously) has none.
/// Decoding rounds each generated value to the nearest grid point (ties to even), in .NET and in the graph with the
/// same operations in the same order, so the two agree to the bit; a grid point is the double nearest its decimal
/// value (40.49, not 40.490000000000002), which a Single column then holds as it held its training values.
/// </summary>
internal readonly record struct NumericGranularity
{
    /// <summary>The most decimals a grid may have: beyond them a double no longer holds the grid's integers exactly.</summary>
    public const int MaximumDecimals = 15;

    /// <summary>10^0 … 10^<see cref="MaximumDecimals"/>, each exact in a double.</summary>
    private static readonly double[] s_powersOfTen = Enumerable.Range(0, MaximumDecimals + 1).Select(d => Math.Pow(10, d)).ToArray();

    /// <summary>Grid integers (value × 10^Decimals) must stay below 2^53 to be exact in a double.</summary>
    private const double ExactIntegers = 9007199254740992.0;

    public NumericGranularity(long units, int decimals, double minimum, double maximum, string column)
    {
        if (units < 1 || units >= (long)ExactIntegers || decimals < 0 || decimals > MaximumDecimals)
            throw new InvalidDataException($"Column '{column}': the saved granularity ({units} units of 10^-{decimals}) is not a whole number of units from 1 to 2^53 with 0 to {MaximumDecimals} decimals.");
        Scale = s_powersOfTen[decimals];
        if (Math.Max(Math.Abs(minimum), Math.Abs(maximum)) * Scale >= ExactIntegers)
            throw new InvalidDataException($"Column '{column}': the range [{minimum}, {maximum}] is too wide for a granularity of {decimals} decimals.");
        Units = units;
        Decimals = decimals;
        Origin = Math.Round(minimum * Scale);
    }

    /// <summary>The grid's step in units of 10^-<see cref="Decimals"/>.</summary>
    public long Units { get; }

    public int Decimals { get; }

    /// <summary>10^<see cref="Decimals"/>.</summary>
    private double Scale { get; }

    /// <summary>The minimum in units of 10^-<see cref="Decimals"/>, a whole number.</summary>
    private double Origin { get; }

    /// <summary>The step as a number, for messages and descriptions.</summary>
    public double Step => Units / Scale;

    /// <summary>
    /// The finest grid that holds every present value of <paramref name="values"/> (NaN is missing) as its column
    /// type holds it (<paramref name="stored"/>: the value rounded to the type, e.g. to Single), or null when the
    /// values need more than <see cref="MaximumDecimals"/> decimals or are all equal.
    /// </summary>
    public static (long Units, int Decimals)? Fit(ReadOnlySpan<double> values, Func<double, double> stored)
    {
        // The fewest decimals that write every value exactly: a value with d decimals is the double nearest
        // round(v × 10^d) / 10^d, once rounded to its type. The count only grows, so most values cost one test.
        int decimals = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            while (!Writes(v, decimals, stored))
            {
                if (++decimals > MaximumDecimals) return null;
            }
        }
        if (!(min < max)) return null; // all equal, or none present: the range alone decides
        double scale = s_powersOfTen[decimals];
        if (Math.Max(Math.Abs(min), Math.Abs(max)) * scale >= ExactIntegers) return null;

        // The step: the greatest common divisor of every value's distance from the minimum, in those units.
        double origin = Math.Round(min * scale);
        long units = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            units = Gcd(units, (long)Math.Abs(Math.Round(v * scale) - origin));
            if (units == 1) break;
        }
        return units >= 1 ? (units, decimals) : null;
    }

    private static bool Writes(double v, int decimals, Func<double, double> stored)
    {
        double scale = s_powersOfTen[decimals];
        double scaled = v * scale;
        if (Math.Abs(scaled) >= ExactIntegers) return true; // the type cannot hold more decimals of so large a value
        return stored(Math.Round(scaled) / scale) == v;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary><paramref name="v"/> rounded to the nearest grid point, ties to even.</summary>
    public double Round(double v) =>
        (Origin + Math.Round((v * Scale - Origin) / Units, MidpointRounding.ToEven) * Units) / Scale;

    /// <summary>The graph's <see cref="Round"/>: the same operations, in the same order, in double.</summary>
    public string AddOnnxRound(OnnxGraph g, string v)
    {
        var steps = g.Node("Div", [g.Node("Sub", [g.Node("Mul", [v, g.Scalar(Scale)]), g.Scalar(Origin)]), g.Scalar((double)Units)]);
        var grid = g.Node("Add", [g.Scalar(Origin), g.Node("Mul", [g.Node("Round", [steps]), g.Scalar((double)Units)])]);
        return g.Node("Div", [grid, g.Scalar(Scale)]);
    }
}
