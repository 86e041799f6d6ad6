namespace Microsoft.ML.Gan.Common;

/// <summary>
/// The logarithm, sine and cosine Box-Muller needs, made of operations IEEE 754 rounds exactly (+, −, ×, ÷ and
/// comparisons, in double), so that every runtime that evaluates the same steps in the same order gets the same bits.
/// .NET's <see cref="Math.Log(double)"/> and <see cref="Math.SinCos(double)"/> and ONNX Runtime's Log, Sin and Cos
/// differ in the last bit of many doubles; the self-contained ONNX graph (<see cref="Model.RowStreamGraph"/>) takes
/// exactly these steps with ONNX operators, so a row made there is bit for bit the row <see cref="NoiseSource"/> makes.
/// Accurate to about one unit in the last place: the normals are those of exact Box-Muller, rounded to float.
/// </summary>
internal static class PortableMath
{
    /// <summary>ln 2 split in two: the high part has trailing zero bits, so (e × <see cref="Ln2High"/>) is exact for |e| ≤ 2^11.</summary>
    public const double Ln2High = 6.93147180369123816490e-01;

    public const double Ln2Low = 1.90821492927058770002e-10;

    /// <summary>Powers of two by which the binary search in <see cref="MinusTwoLogOfUnit"/> scales: 2^32, 2^16, ... 2^1.</summary>
    public static readonly int[] ExponentSteps = [32, 16, 8, 4, 2, 1];

    /// <summary>√2: the mantissa is moved into [√2/2, √2] so the series below converges fast.</summary>
    public static readonly double Sqrt2 = Math.Sqrt(2);

    public const double HalfPi = Math.PI / 2;

    /// <summary>ln t = s × P(s²) with s = (t − 1)/(t + 1): P(z) = Σ 2 z^k / (2k + 1), k = 0..10, highest first (|s| ≤ 0.172, so z^11 is past the double's precision).</summary>
    public static readonly double[] LogSeries = Series(11, k => 2.0 / (2 * k + 1));

    /// <summary>sin b = b × S(b²): S(z) = Σ (−1)^k z^k / (2k + 1)!, k = 0..9, highest first (b ≤ π/4).</summary>
    public static readonly double[] SinSeries = Series(10, k => Sign(k) / Factorial(2 * k + 1));

    /// <summary>cos b = C(b²): C(z) = Σ (−1)^k z^k / (2k)!, k = 0..9, highest first.</summary>
    public static readonly double[] CosSeries = Series(10, k => Sign(k) / Factorial(2 * k));

    /// <summary>53 bits: a 53-bit integer and 2^53 convert to double exactly.</summary>
    public const double TwoTo53 = 9007199254740992.0;

    /// <summary>
    /// −2 ln(m / 2^53) for an integer m in [1, 2^53] held exactly in a double: m's binary exponent found by scaling with
    /// powers of two (exact), the rest by the series of <see cref="LogSeries"/>.
    /// </summary>
    public static double MinusTwoLogOfUnit(double m)
    {
        double t = m, e = 0;
        foreach (int step in ExponentSteps)
        {
            double power = Math.ScaleB(1.0, step);
            if (t >= power)
            {
                t *= 1.0 / power;
                e += step;
            }
        }
        if (t > Sqrt2)
        {
            t *= 0.5;
            e += 1;
        }
        double s = (t - 1) / (t + 1);
        double log = s * Horner(LogSeries, s * s);
        double k = e - 53;
        return -2 * (k * Ln2High + (k * Ln2Low + log));
    }

    /// <summary>
    /// sin and cos of 2π × (<paramref name="k"/> / 2^53) for an integer k in [0, 2^53) held exactly in a double: the
    /// quadrant and the fraction within it are exact; the angle from the nearer end of the quadrant (at most π/4)
    /// goes through <see cref="SinSeries"/> and <see cref="CosSeries"/>.
    /// </summary>
    public static (double Sin, double Cos) SinCosOfTurn(double k)
    {
        double v = k * (4.0 / TwoTo53);
        double quadrant = Math.Floor(v);
        double g = v - quadrant;
        bool flip = g > 0.5;
        double b = (flip ? 1 - g : g) * HalfPi;
        double z = b * b;
        double sinB = b * Horner(SinSeries, z), cosB = Horner(CosSeries, z);
        double sa = flip ? cosB : sinB, ca = flip ? sinB : cosB;
        return quadrant switch
        {
            0 => (sa, ca),
            1 => (ca, -sa),
            2 => (-sa, -ca),
            _ => (-ca, sa),
        };
    }

    /// <summary>c[0] z^n + ... + c[n], evaluated as ((c[0] z + c[1]) z + ...) + c[n]: one multiply and one add a step.</summary>
    public static double Horner(double[] highestFirst, double z)
    {
        double p = highestFirst[0];
        for (int i = 1; i < highestFirst.Length; i++) p = p * z + highestFirst[i];
        return p;
    }

    private static double[] Series(int terms, Func<int, double> coefficient) =>
        Enumerable.Range(0, terms).Reverse().Select(coefficient).ToArray();

    private static double Sign(int k) => k % 2 == 0 ? 1.0 : -1.0;

    private static double Factorial(int n)
    {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }
}
