using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Small tables made in code, with fixed seeds, for fast tests.</summary>
internal static class TestTables
{
    public sealed class Scalar
    {
        public float Value { get; set; }
    }

    /// <summary>A standard normal draw (Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]).</summary>
    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A one-dimensional mixture of two Gaussians: N(-2, 0.5²) and N(2, 0.5²), equal weights.</summary>
    public static float[] TwoGaussians(int rows, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double normal = Normal(random); // drawn before the side, as the tests' thresholds were set on
            values[i] = (float)((random.Next(2) == 0 ? -2 : 2) + 0.5 * normal);
        }
        return values;
    }

    /// <summary>A skewed amount, a few-valued count and a category.</summary>
    public sealed class Skewed
    {
        public float Income { get; set; }
        public int Children { get; set; }
        public string Segment { get; set; } = "";
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
            var t when t == typeof(DateTime) => Getter<DateTime>(cursor, column),
            var t when t == typeof(DateTimeOffset) => Getter<DateTimeOffset>(cursor, column),
            var t when t == typeof(TimeSpan) => Getter<TimeSpan>(cursor, column),
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
        Microsoft.ML.Gan.Common.ColumnStatistics.KolmogorovSmirnov(a.ToArray(), b.ToArray());

    public sealed class AllKinds
    {
        public sbyte S8 { get; set; }
        public byte U8 { get; set; }
        public short S16 { get; set; }
        public ushort U16 { get; set; }
        public int S32 { get; set; }
        public uint U32 { get; set; }
        public long S64 { get; set; }
        public ulong U64 { get; set; }
        public float F32 { get; set; }
        public double F64 { get; set; }
        public bool Flag { get; set; }
        /// <summary>Whole days from 2020 on, every tenth missing (the default value).</summary>
        public DateTime Day { get; set; }
        /// <summary>Instants to the second, all at UTC+02:00.</summary>
        public DateTimeOffset Stamp { get; set; }
        /// <summary>Durations in whole minutes, some zero.</summary>
        public TimeSpan Wait { get; set; }
        public string Word { get; set; } = "";
    }

    /// <summary>Every scalar kind, keys included, with a missing key (0) and a text column with a missing token.</summary>
    internal static IDataView AllKindsTable(MLContext ml)
    {
        var random = new Random(3);
        string[] words = ["red", "green", "blue", "?"];
        var rows = Enumerable.Range(0, 300).Select(i => new AllKinds
        {
            S8 = (sbyte)random.Next(-100, 100), U8 = (byte)random.Next(10, 250), S16 = (short)random.Next(-3000, 3000),
            U16 = (ushort)random.Next(0, 60000), S32 = random.Next(-1_000_000, 1_000_000), U32 = (uint)random.Next(5, 1000),
            S64 = random.NextInt64(-10_000_000_000, 10_000_000_000), U64 = (ulong)random.NextInt64(0, 1L << 40),
            F32 = (float)random.NextDouble(), F64 = random.NextDouble() * 1e6, Flag = random.Next(2) == 0, Word = words[random.Next(4)],
            Day = i % 10 == 3 ? default : new DateTime(2020, 1, 1).AddDays(random.Next(0, 900)),
            Stamp = new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.FromHours(2)).AddSeconds(random.Next(0, 5_000_000)),
            Wait = TimeSpan.FromMinutes(random.Next(6) == 0 ? 0 : random.Next(1, 600)),
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        // Keys: "?" is left out of the key's values, so it maps to key 0, ML.NET's missing key.
        var keys = ml.Transforms.Conversion.MapValueToKey("WordKey", "Word", keyData: ml.Data.LoadFromEnumerable(words[..3].Select(w => new { Word = w })));
        return keys.Fit(data).Transform(data);
    }

    /// <summary>Every row of a view, one string a row, numbers by their bits: equal lists mean identical rows.</summary>
    internal static List<string> Dump(IDataView view)
    {
        var columns = view.Schema.Where(c => !c.IsHidden && c.Type is not VectorDataViewType).Select(c => c.Name).ToList();
        var values = columns.Select(c => TestTables.Column(view, c)).ToList();
        return Enumerable.Range(0, values[0].Count).Select(r => string.Join("|", values.Select(v => v[r] switch
        {
            float f => BitConverter.SingleToInt32Bits(f).ToString(),
            double d => BitConverter.DoubleToInt64Bits(d).ToString(),
            DateTime t => $"{t:o} {t.Kind}",
            DateTimeOffset t => t.ToString("o"),
            var o => o.ToString(),
        }))).ToList();
    }

    /// <summary>Rows 0..rows-1 of a seed: each row's noise and its uniforms, as generation draws them.</summary>
    internal static (float[] Noise, float[] Draws) Inputs(ulong seed, int rows, int nz, int nd, NoisePrior prior)
    {
        var noise = new float[rows * nz];
        var draws = new float[Math.Max(1, rows * nd)];
        for (int r = 0; r < rows; r++) NoiseSource.FillRow(seed, (ulong)r, prior, noise.AsSpan(r * nz, nz), draws.AsSpan(r * nd, nd));
        return (noise, draws);
    }

    /// <summary>Candidate <paramref name="attempt"/> of rows 0..rows-1 of a seed: each row's noise and uniforms for that attempt.</summary>
    internal static (float[] Noise, float[] Draws) CandidateInputs(ulong seed, int rows, ulong attempt, int nz, int nd, NoisePrior prior)
    {
        var noise = new float[rows * nz];
        var draws = new float[Math.Max(1, rows * nd)];
        for (int r = 0; r < rows; r++) NoiseSource.FillCandidate(seed, (ulong)r, attempt, prior, noise.AsSpan(r * nz, nz), draws.AsSpan(r * nd, nd));
        return (noise, draws);
    }

    /// <summary>
    /// <paramref name="count"/> rows of seed <paramref name="seed"/> made from the same inputs twice: by the .NET decoder
    /// (libtorch's forward pass) and by the scoring graph through ONNX Runtime, to set side by side.
    /// </summary>
    internal static (Microsoft.ML.Gan.Encoding.DecodedRows DotNet, Microsoft.ML.Gan.Encoding.DecodedRows Graph) DotNetAndGraph(Microsoft.ML.Gan.Model.GanModel model, ulong seed, int count)
    {
        var (noise, uniforms) = Inputs(seed, count, model.NoiseDimension, model.Signature.UniformsPerRow, model.Training.NoisePrior);
        return (model.GenerateWithTorch(noise, uniforms, count, model.Training.CategorySampling), ScoreWithGraph(model, noise, uniforms, count));
    }

    /// <summary>Rows decoded by the model's scoring graph through ONNX Runtime from these inputs (as <c>Generate</c> feeds it), to set beside the .NET reference.</summary>
    internal static Microsoft.ML.Gan.Encoding.DecodedRows ScoreWithGraph(Microsoft.ML.Gan.Model.GanModel model, float[] noise, float[] uniforms, int rows)
    {
        using var scorer = Microsoft.ML.Gan.Scoring.OnnxScorer.Create(model.ScoringGraph, model.Signature, model.Encoder, new GanScoringOptions());
        var onnx = new Microsoft.ML.Gan.Encoding.DecodedRows(model.Encoder, rows);
        var (draws, condition) = model.Signature.PrepareRows(uniforms, rows);
        scorer.Run(noise, condition, draws, rows, onnx, 0);
        return onnx;
    }

    /// <summary>
    /// Asserts that the .NET decoder (libtorch's forward pass) and the scoring graph make the same numbers, bit for bit as
    /// the columns' types hold them, in number columns <paramref name="columns"/> of <paramref name="count"/> rows of seed <paramref name="seed"/>.
    /// Where <paramref name="exact"/> (given .NET's rows, a column and a row) says false, the two need only agree within
    /// a millionth: a generator's own value of a column without a grid may differ in its last bit, as libtorch's and ONNX
    /// Runtime's matrix products round differently on some processors.
    /// </summary>
    internal static void AssertGraphAgrees(Microsoft.ML.Gan.Model.GanModel model, ulong seed, int count, IEnumerable<int> columns,
        Func<Microsoft.ML.Gan.Encoding.DecodedRows, int, int, bool>? exact = null)
    {
        var (reference, onnx) = DotNetAndGraph(model, seed, count);
        foreach (int c in columns)
        {
            var column = (Microsoft.ML.Gan.Encoding.NumericColumn)model.Encoder.Columns[c];
            var kind = (Microsoft.ML.Gan.Encoding.NumericKind)column.Kind;
            var (expected, actual) = (reference.Numbers(c).Select(kind.Stored).ToArray(), onnx.Numbers(c).Select(kind.Stored).ToArray());
            if (exact is null)
            {
                CollectionAssert.AreEqual(expected, actual, column.Name);
                continue;
            }
            for (int r = 0; r < count; r++)
            {
                if (exact(reference, c, r) || double.IsNaN(expected[r])) Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected[r]), BitConverter.DoubleToInt64Bits(actual[r]), $"{column.Name}, row {r}: {expected[r]} in .NET, {actual[r]} in the graph");
                else Assert.AreEqual(expected[r], actual[r], 1e-6 * Math.Abs(expected[r]), $"{column.Name}, row {r}");
            }
        }
    }

    /// <summary>
    /// Asserts that the .NET decoder and the scoring graph make the same numbers (as the columns' types hold them) in every number column of
    /// <paramref name="count"/> rows of seed <paramref name="seed"/>, but in a few rows: the network's outputs may differ
    /// in their last bit between the two runtimes, and a value on a rounding boundary of its grid (or past a steep part of
    /// a map) then comes out a little apart. A column's differing rows are at most <paramref name="differing"/> (given the
    /// column, null for no bound), each within <paramref name="tolerance"/> (given the column and its grid's step, NaN
    /// without a grid). Returns .NET's rows, for the caller's own checks.
    /// </summary>
    internal static Microsoft.ML.Gan.Encoding.DecodedRows AssertGraphAgreesWithinSteps(Microsoft.ML.Gan.Model.GanModel model, ulong seed, int count,
        Func<Microsoft.ML.Gan.Encoding.NumericColumn, int?> differing, Func<Microsoft.ML.Gan.Encoding.NumericColumn, double, double> tolerance)
    {
        var (reference, onnx) = DotNetAndGraph(model, seed, count);
        for (int c = 0; c < model.Encoder.Columns.Count; c++)
        {
            if (model.Encoder.Columns[c] is not Microsoft.ML.Gan.Encoding.NumericColumn column) continue;
            var kind = (Microsoft.ML.Gan.Encoding.NumericKind)column.Kind;
            var (expected, actual) = (reference.Numbers(c).Take(count).Select(kind.Stored).ToArray(), onnx.Numbers(c).Take(count).Select(kind.Stored).ToArray());
            var differ = Enumerable.Range(0, count).Where(r => BitConverter.DoubleToInt64Bits(expected[r]) != BitConverter.DoubleToInt64Bits(actual[r])).ToList();
            if (differing(column) is int most) Assert.IsLessThanOrEqualTo(most, differ.Count, $"{column.Name}: rows {string.Join(", ", differ.Take(10))}");
            double within = tolerance(column, model.Encoder.Info(c).Step);
            foreach (int r in differ)
                Assert.AreEqual(expected[r], actual[r], within, $"{column.Name}, row {r}: {expected[r]} in .NET, {actual[r]} in the graph");
        }
        return reference;
    }

    /// <summary>Pearson's correlation of two equally long series (NaN where either is constant).</summary>
    internal static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Standard normal draws (Box-Muller) from a seeded <see cref="Random"/>.</summary>
    internal static double[] Normal(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
    }

    /// <summary>
    /// <paramref name="model"/> saved as a model zip and as a bare ONNX graph and loaded back from each: <paramref name="check"/>
    /// runs on each loaded model (then disposed), and the files are deleted.
    /// </summary>
    internal static void SavedAndLoaded(MLContext ml, GanTransformer model, Action<GanTransformer> check)
    {
        string folder = Directory.CreateTempSubdirectory("gan-roundtrip-").FullName;
        try
        {
            string zip = Path.Combine(folder, "m.zip"), graph = Path.Combine(folder, "m.onnx");
            model.Save(zip);
            model.SaveAsOnnx(graph);
            using var fromZip = ml.Gan().LoadModel(zip);
            using var fromGraph = ml.Gan().LoadOnnx(graph);
            check(fromZip);
            check(fromGraph);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A table held in arrays, one per column (of the column type's raw type): any ML.NET column type, read by one cursor at a time.</summary>
    internal sealed class ArrayView(IReadOnlyList<(string Name, DataViewType Type, Array Values)> columns) : IDataView
    {
        public DataViewSchema Schema { get; } = Build(columns);
        public bool CanShuffle => false;
        public long? GetRowCount() => columns[0].Values.Length;

        private static DataViewSchema Build(IReadOnlyList<(string Name, DataViewType Type, Array Values)> columns)
        {
            var builder = new DataViewSchema.Builder();
            foreach (var (name, type, _) in columns) builder.AddColumn(name, type);
            return builder.ToSchema();
        }

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columns);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this, columns)];

        private sealed class Cursor(ArrayView view, IReadOnlyList<(string Name, DataViewType Type, Array Values)> columns) : DataViewRowCursor
        {
            private long _position = -1;
            public override DataViewSchema Schema => view.Schema;
            public override long Position => _position;
            public override long Batch => 0;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override bool MoveNext() => ++_position < columns[0].Values.Length;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                var values = (TValue[])columns[column.Index].Values;
                return (ref TValue value) => value = values[_position];
            }
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
        }
    }
}
