using System.Numerics;

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

    /// <summary>Powers of two by which the graph's binary search for m's exponent scales (<see cref="MinusTwoLogOfUnit(double)"/>): 2^32, 2^16, ... 2^1.</summary>
    public static readonly int[] ExponentSteps = [32, 16, 8, 4, 2, 1];

    /// <summary>√2: the mantissa is moved into [√2/2, √2] so the series below converges fast.</summary>
    public static readonly double Sqrt2 = Math.Sqrt(2);

    public const double HalfPi = Math.PI / 2;

    /// <summary>ln t = s × P(s²) with s = (t − 1)/(t + 1): P(z) = Σ 2 z^k / (2k + 1), k = 0..9, highest first (|s| ≤ 0.172: the next term is under 10^-16 of P).</summary>
    public static readonly double[] LogSeries = Series(10, k => 2.0 / (2 * k + 1));

    /// <summary>sin b = b × S(b²): S(z) = Σ (−1)^k z^k / (2k + 1)!, k = 0..8, highest first (b ≤ π/4: the next term is under 10^-19).</summary>
    public static readonly double[] SinSeries = Series(9, k => Sign(k) / Factorial(2 * k + 1));

    /// <summary>cos b = C(b²): C(z) = Σ (−1)^k z^k / (2k)!, k = 0..8, highest first (the next term is under 10^-17).</summary>
    public static readonly double[] CosSeries = Series(9, k => Sign(k) / Factorial(2 * k));

    /// <summary>53 bits: a 53-bit integer and 2^53 convert to double exactly.</summary>
    public const double TwoTo53 = 9007199254740992.0;

    private const long MantissaBits = 0x000F_FFFF_FFFF_FFFFL;
    private const long ExponentOfOne = 0x3FF0_0000_0000_0000L;

    /// <summary>
    /// −2 ln(m / 2^53) for an integer m in [1, 2^53] held exactly in a double: m = t × 2^e with t in [1, 2) (exact; the
    /// graph finds e by scaling with powers of two, .NET reads it from the bits: the same e and t), t moved into
    /// [√2/2, √2], the rest by the series of <see cref="LogSeries"/>.
    /// </summary>
    public static double MinusTwoLogOfUnit(double m)
    {
        long bits = BitConverter.DoubleToInt64Bits(m);
        double e = (bits >> 52) - 1023;
        double t = BitConverter.Int64BitsToDouble((bits & MantissaBits) | ExponentOfOne);
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

    /// <summary>
    /// Box-Muller on a stream's values: pair p takes <paramref name="raw"/>[2p] (its radius, from 1 − top 53 bits / 2^53)
    /// and <paramref name="raw"/>[2p + 1] (its angle) and writes radius × cos to <paramref name="into"/>[2p] and radius × sin
    /// to [2p + 1] (dropped past the end). Several pairs at a time in SIMD registers, each lane taking the scalar steps'
    /// exactly rounded operations, so the bits are those of <see cref="MinusTwoLogOfUnit(double)"/> and <see cref="SinCosOfTurn(double)"/>.
    /// </summary>
    public static void Normals(ReadOnlySpan<ulong> raw, Span<float> into)
    {
        int pairs = raw.Length / 2, p = 0;
        int lanes = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated && lanes >= 2)
        {
            Span<double> m = stackalloc double[lanes], turn = stackalloc double[lanes];
            for (; p + lanes <= pairs; p += lanes)
            {
                for (int j = 0; j < lanes; j++)
                {
                    m[j] = TwoTo53 - (raw[2 * (p + j)] >> 11);
                    turn[j] = raw[2 * (p + j) + 1] >> 11;
                }
                var radius = Vector.SquareRoot(MinusTwoLogOfUnit(new Vector<double>(m)));
                var (sin, cos) = SinCosOfTurn(new Vector<double>(turn));
                var x = radius * cos;
                var y = radius * sin;
                for (int j = 0; j < lanes; j++)
                {
                    int i = 2 * (p + j);
                    into[i] = (float)x[j];
                    if (i + 1 < into.Length) into[i + 1] = (float)y[j];
                }
            }
        }
        for (; p < pairs; p++)
        {
            double radius = Math.Sqrt(MinusTwoLogOfUnit(TwoTo53 - (raw[2 * p] >> 11)));
            var (sin, cos) = SinCosOfTurn(raw[2 * p + 1] >> 11);
            into[2 * p] = (float)(radius * cos);
            if (2 * p + 1 < into.Length) into[2 * p + 1] = (float)(radius * sin);
        }
    }

    /// <summary><see cref="MinusTwoLogOfUnit(double)"/> in every lane.</summary>
    public static Vector<double> MinusTwoLogOfUnit(Vector<double> m)
    {
        var bits = Vector.AsVectorInt64(m);
        var e = Vector.ConvertToDouble((bits >> 52) - new Vector<long>(1023));
        var t = Vector.AsVectorDouble((bits & new Vector<long>(MantissaBits)) | new Vector<long>(ExponentOfOne));
        var over = Vector.GreaterThan(t, new Vector<double>(Sqrt2));
        t = Vector.ConditionalSelect(over, t * new Vector<double>(0.5), t);
        e = Vector.ConditionalSelect(over, e + Vector<double>.One, e);
        var one = Vector<double>.One;
        var s = (t - one) / (t + one);
        var log = s * Horner(LogSeries, s * s);
        var k = e - new Vector<double>(53);
        return new Vector<double>(-2) * (k * new Vector<double>(Ln2High) + (k * new Vector<double>(Ln2Low) + log));
    }

    /// <summary><see cref="SinCosOfTurn(double)"/> in every lane.</summary>
    public static (Vector<double> Sin, Vector<double> Cos) SinCosOfTurn(Vector<double> k)
    {
        var v = k * new Vector<double>(4.0 / TwoTo53);
        var quadrant = Vector.Floor(v);
        var g = v - quadrant;
        var flip = Vector.GreaterThan(g, new Vector<double>(0.5));
        var b = Vector.ConditionalSelect(flip, Vector<double>.One - g, g) * new Vector<double>(HalfPi);
        var z = b * b;
        var sinB = b * Horner(SinSeries, z);
        var cosB = Horner(CosSeries, z);
        var sa = Vector.ConditionalSelect(flip, cosB, sinB);
        var ca = Vector.ConditionalSelect(flip, sinB, cosB);
        var q1 = Vector.Equals(quadrant, Vector<double>.One);
        var q2 = Vector.Equals(quadrant, new Vector<double>(2));
        var q3 = Vector.Equals(quadrant, new Vector<double>(3));
        var odd = q1 | q3;
        var sin = Vector.ConditionalSelect(odd, ca, sa);
        var cos = Vector.ConditionalSelect(odd, sa, ca);
        return (Vector.ConditionalSelect(q2 | q3, -sin, sin), Vector.ConditionalSelect(q1 | q2, -cos, cos));
    }

    /// <summary><see cref="Horner(double[], double)"/> in every lane.</summary>
    public static Vector<double> Horner(double[] highestFirst, Vector<double> z)
    {
        var p = new Vector<double>(highestFirst[0]);
        for (int i = 1; i < highestFirst.Length; i++) p = p * z + new Vector<double>(highestFirst[i]);
        return p;
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
