using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Small tables made in code, with fixed seeds, for fast tests.</summary>
internal static class TestTables
{
    public sealed class Scalar
    {
        public float Value { get; set; }
    }

    /// <summary>A one-dimensional mixture of two Gaussians: N(-2, 0.5²) and N(2, 0.5²), equal weights.</summary>
    public static float[] TwoGaussians(int rows, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            values[i] = (float)((random.Next(2) == 0 ? -2 : 2) + 0.5 * normal);
        }
        return values;
    }

    public sealed class Mixed
    {
        public float Height { get; set; }
        public double Income { get; set; }
        public int Age { get; set; }
        public short Children { get; set; }
        public bool Owner { get; set; }
        public string City { get; set; } = "";
        public string Segment { get; set; } = "";
    }

    /// <summary>
    /// Every scalar kind: float, double with NaN (missing), int, short, bool, a category with a "?" missing
    /// token, and a category with empty (missing) values; correlated so that rows carry real structure.
    /// </summary>
    public static List<Mixed> MixedRows(int rows, int seed)
    {
        var random = new Random(seed);
        string[] cities = ["Oslo", "Lima", "Pune", "Kyiv"];
        var list = new List<Mixed>(rows);
        for (int i = 0; i < rows; i++)
        {
            int city = random.Next(cities.Length);
            bool owner = random.NextDouble() < 0.3 + 0.1 * city;
            int age = 18 + random.Next(60);
            list.Add(new Mixed
            {
                Height = (float)(150 + 30 * random.NextDouble()),
                Income = random.NextDouble() < 0.2 ? double.NaN : 1000 * (1 + city) + 20 * age + 100 * random.NextDouble(),
                Age = age,
                Children = (short)random.Next(0, 5),
                Owner = owner,
                City = random.NextDouble() < 0.1 ? "?" : cities[city],
                Segment = random.NextDouble() < 0.15 ? "" : owner ? "A" : "B",
            });
        }
        return list;
    }

    /// <summary>Every value of a column, read through a cursor, as objects (for comparisons across kinds).</summary>
    public static List<object> Column(IDataView view, string name)
    {
        var column = view.Schema[name];
        var values = new List<object>();
        using var cursor = view.GetRowCursor([column]);
        Func<object> read = column.Type.RawType switch
        {
            var t when t == typeof(float) => Getter<float>(cursor, column),
            var t when t == typeof(double) => Getter<double>(cursor, column),
            var t when t == typeof(int) => Getter<int>(cursor, column),
            var t when t == typeof(short) => Getter<short>(cursor, column),
            var t when t == typeof(sbyte) => Getter<sbyte>(cursor, column),
            var t when t == typeof(ushort) => Getter<ushort>(cursor, column),
            var t when t == typeof(ulong) => Getter<ulong>(cursor, column),
            var t when t == typeof(uint) => Getter<uint>(cursor, column),
            var t when t == typeof(long) => Getter<long>(cursor, column),
            var t when t == typeof(byte) => Getter<byte>(cursor, column),
            var t when t == typeof(bool) => Getter<bool>(cursor, column),
            var t when t == typeof(ReadOnlyMemory<char>) => Text(cursor, column),
            var t => throw new NotSupportedException(t.Name),
        };
        while (cursor.MoveNext()) values.Add(read());
        return values;
    }

    private static Func<object> Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        return () => { T v = default!; getter(ref v); return v!; };
    }

    private static Func<object> Text(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        return () => { ReadOnlyMemory<char> v = default; getter(ref v); return v.ToString(); };
    }

    /// <summary>Two-sample Kolmogorov-Smirnov statistic (the library's, checked against hand-computed values in EvaluationMetricTests).</summary>
    public static double KolmogorovSmirnov(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Microsoft.ML.Gan.Evaluation.ColumnStatistics.KolmogorovSmirnov(a.ToArray(), b.ToArray());
}
