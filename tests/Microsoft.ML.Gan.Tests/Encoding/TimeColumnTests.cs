using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Evaluation;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Date, time and duration columns (<see cref="TimeColumn"/>): trained and generated in their own type, precision,
/// range and time zone, with missing dates, the same through a model file, an exported graph and a bare ONNX
/// Runtime session; inconsistent columns and saved states refused.
/// </summary>
[TestClass]
public sealed class TimeColumnTests
{
    public sealed class Order
    {
        public DateTime Ordered { get; set; }
        public DateTimeOffset Paid { get; set; }
        public TimeSpan Handling { get; set; }
        public float Amount { get; set; }
        public string Channel { get; set; } = "";
    }

    private static readonly DateTime s_first = new(2023, 1, 2, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan s_offset = TimeSpan.FromHours(-5);

    /// <summary>Orders on whole days (Utc, one in twenty unknown), paid at a whole second at UTC-05:00, handled in whole minutes.</summary>
    private static Order[] Orders(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            bool web = random.Next(3) > 0;
            var day = s_first.AddDays(random.Next(0, 700));
            return new Order
            {
                Ordered = i % 20 == 7 ? default : day,
                Paid = new DateTimeOffset(day.Ticks, TimeSpan.Zero).ToOffset(s_offset).AddSeconds(random.Next(60, web ? 3_600 : 200_000)),
                Handling = TimeSpan.FromMinutes(web ? random.Next(5, 60) : random.Next(60, 300)),
                Amount = MathF.Round((float)(20 + 80 * random.NextDouble()), 2),
                Channel = web ? "web" : "store",
            };
        }).ToArray();
    }

    private static MLContext s_ml = null!;
    private static Order[] s_orders = null!;
    private static GanTransformer s_model = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_orders = Orders(600, seed: 3);
        s_model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 30, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32, 32], DiscriminatorLayers = [32], Seed = 2,
            DensityRatioFilter = false,
        }).Fit(s_ml.Data.LoadFromEnumerable(s_orders));
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    [TestMethod]
    public void GeneratedDatesTimesAndDurationsKeepTheirTypePrecisionRangeAndZone()
    {
        var rows = s_ml.Data.CreateEnumerable<Order>(s_model.Generate(3000, seed: 5), reuseRowObject: false).ToArray();
        var days = s_orders.Where(o => o.Ordered != default).Select(o => o.Ordered).ToArray();
        DateTime firstDay = days.Min(), lastDay = days.Max();
        var ordered = rows.Select(r => r.Ordered).Where(d => d != default).ToArray();
        double missing = 1 - ordered.Length / 3000.0;
        Assert.IsTrue(missing > 0.01 && missing < 0.15, $"about 5 % of order dates are missing, as in training: {missing:P1}");
        Assert.IsTrue(ordered.All(d => d.TimeOfDay == TimeSpan.Zero && d.Kind == DateTimeKind.Utc && d >= firstDay && d <= lastDay),
            "order dates are whole days in the training range, of the training values' kind");
        Assert.IsGreaterThan(200, ordered.Distinct().Count(), "dates spread over the range");

        var paid = rows.Select(r => r.Paid).ToArray();
        DateTimeOffset firstPaid = s_orders.Min(o => o.Paid), lastPaid = s_orders.Max(o => o.Paid);
        Assert.IsTrue(paid.All(p => p.Offset == s_offset && p.Ticks % TimeSpan.TicksPerSecond == 0 && p >= firstPaid && p <= lastPaid),
            "payments are whole seconds at the training values' offset, in their range");

        var handling = rows.Select(r => r.Handling).ToArray();
        Assert.IsTrue(handling.All(h => h.Ticks % TimeSpan.TicksPerMinute == 0 && h >= TimeSpan.FromMinutes(5) && h < TimeSpan.FromMinutes(300)),
            "handling times are whole minutes in the training range");
        // The relation the rows hold: store orders take longer to handle than web orders.
        double web = handling.Where((_, i) => rows[i].Channel == "web").Average(h => h.TotalMinutes);
        double store = handling.Where((_, i) => rows[i].Channel == "store").Average(h => h.TotalMinutes);
        Assert.IsGreaterThan(web + 30, store, $"store orders are handled more slowly (web {web:F0} min, store {store:F0} min)");

        var info = s_model.Columns.ToDictionary(c => c.Name);
        Assert.AreEqual(TimeSpan.FromDays(1).Ticks / 10.0, info["Ordered"].Step, "a grid of whole days, in microseconds");
        Assert.AreEqual(60e6, info["Handling"].Step, "a grid of whole minutes");
        Assert.AreEqual(DateTimeDataViewType.Instance, info["Ordered"].Type);
    }

    [TestMethod]
    public void TimeColumnsComeBackTheSameFromAModelFileAndAGraph()
    {
        var expected = TestTables.Dump(s_model.Generate(500, seed: 9));
        Assert.IsTrue(expected.Any(r => r.StartsWith("0001-01-01T00:00:00.0000000 Unspecified", StringComparison.Ordinal)), "some dates are missing");
        TestTables.SavedAndLoaded(s_ml, s_model, loaded => CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(500, seed: 9))));
    }

    [TestMethod]
    public void ABareOnnxSessionGetsMicrosecondsSinceTheEpochAndNaTForMissingDates()
    {
        string folder = Directory.CreateTempSubdirectory("gan-time-").FullName;
        try
        {
            string path = Path.Combine(folder, "orders.onnx");
            s_model.SaveAsOnnx(path);
            using var session = new InferenceSession(path);
            var types = session.OutputMetadata.ToDictionary(o => o.Key, o => o.Value.ElementDataType);
            foreach (var name in new[] { "Ordered", "Paid", "Handling" })
                Assert.AreEqual(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64, types[name], name);

            int rows = 400, nz = s_model.NoiseDimension;
            var signature = s_model.Model.Signature;
            var (noise, uniforms) = TestTables.Inputs(seed: 12, rows, nz, signature.UniformsPerRow, s_model.Model.Training.NoisePrior);
            var (draws, condition) = signature.PrepareRows(uniforms, rows);
            using var noiseValue = OrtValue.CreateTensorValueFromMemory(noise, [rows, nz]);
            using var conditionValue = OrtValue.CreateTensorValueFromMemory(condition, [rows, signature.ConditionWidth]);
            using var drawsValue = OrtValue.CreateTensorValueFromMemory(draws, [rows, s_model.Model.Encoder.DrawCount]);
            using var outputs = session.Run(new RunOptions(), ["Noise", "Condition", "CategoryDraws"], [noiseValue, conditionValue, drawsValue], session.OutputNames);
            long[] Output(string name) => outputs[session.OutputNames.ToList().IndexOf(name)].GetTensorDataAsSpan<long>().ToArray();

            // Without a filter, Generate(rows, seed) makes exactly these candidates, in order.
            var generated = s_ml.Data.CreateEnumerable<Order>(s_model.Generate(rows, seed: 12), reuseRowObject: false).ToArray();
            var ordered = Output("Ordered");
            Assert.IsTrue(ordered.Contains(long.MinValue), "a missing date is int64's least value (NaT)");
            CollectionAssert.AreEqual(generated.Select(o => o.Ordered == default ? long.MinValue : (o.Ordered - DateTime.UnixEpoch).Ticks / 10).ToArray(), ordered);
            CollectionAssert.AreEqual(generated.Select(o => (o.Paid - DateTimeOffset.UnixEpoch).Ticks / 10).ToArray(), Output("Paid"), "an instant in UTC");
            CollectionAssert.AreEqual(generated.Select(o => o.Handling.Ticks / 10).ToArray(), Output("Handling"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void RealAndGeneratedRowsWithDatesAreEvaluated()
    {
        var real = s_ml.Data.LoadFromEnumerable(s_orders);
        var metrics = s_ml.Gan().Evaluate(real, s_model.Generate(600, seed: 3));
        var shapes = metrics.Columns.ToDictionary(s => s.Name);
        foreach (var name in new[] { "Ordered", "Paid", "Handling" })
        {
            Assert.IsTrue(shapes[name].ShapeScore > 0.5 && shapes[name].ShapeScore <= 1, $"{name}: {shapes[name].ShapeScore}");
            Assert.AreEqual(0, shapes[name].OutOfRangeCount, name);
        }
        Assert.AreEqual(0.05, shapes["Ordered"].RealMissingRate, 1e-9, "a default date is a missing one");
    }

    [TestMethod]
    public void AColumnWithTwoUtcOffsetsIsRefusedNamingItAndTheRow()
    {
        var orders = Orders(50, seed: 1);
        orders[17].Paid = orders[17].Paid.ToOffset(TimeSpan.FromHours(1));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(new GanTrainer.Options { Epochs = 1, Seed = 1 })
            .Fit(s_ml.Data.LoadFromEnumerable(orders)));
        StringAssert.Contains(e.Message, "Column 'Paid'");
        StringAssert.Contains(e.Message, "-05:00 and +01:00");
        StringAssert.Contains(e.Message, "row 17");
        StringAssert.Contains(e.Message, "ToUniversalTime");
    }

    [TestMethod]
    public void SavedTimeColumnsThatNoValueCouldHaveAreRefused()
    {
        var states = s_model.Model.Encoder.Columns.Where(c => c is TimeColumn).ToDictionary(c => c.Name, c => c.ToState());
        void Refused(string column, Action<ColumnState> damage, string message)
        {
            var state = s_model.Model.Encoder.Columns.First(c => c.Name == column).ToState();
            damage(state);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => ColumnKinds.Restore(state), message);
            StringAssert.Contains(e.Message, $"Column '{column}'");
            StringAssert.Contains(e.Message, message);
        }
        Refused("Handling", s => s.MissingCount = 3, "cannot hold");
        Refused("Paid", s => s.TimeOffsetMinutes = 15 * 60, "UTC offset");
        Refused("Ordered", s => s.TimeOffsetMinutes = 60, "UTC offset");
        Refused("Ordered", s => s.DateTimeKind = "Sideways", "date kind");
        Refused("Ordered", s => s.DateTimeKind = "7", "date kind");
        Refused("Ordered", s => { s.Maximum = 3e17; s.MarginalGenerated = null; s.MarginalQuantiles = null; s.MarginalValues = null; s.MarginalCumulative = null; s.GranularityUnits = null; s.GranularityDecimals = null; }, "outside what");
        Assert.AreEqual(-300, states["Paid"].TimeOffsetMinutes);
        Assert.AreEqual("Utc", states["Ordered"].DateTimeKind);
    }
}
