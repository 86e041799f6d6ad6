using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Constraints (<see cref="GanConstraint"/>, <see cref="ColumnConstraints"/>): every generated row keeps every rule, in
/// .NET and in the graph alike, through a model file and a bare graph; a generator trained without them breaks them;
/// rules the data or the columns cannot keep are refused at <c>Fit</c>, and files whose rules their columns do not hold
/// are refused at load.
/// </summary>
[TestClass]
public sealed class ColumnConstraintTests
{
    public sealed class Sale
    {
        public DateTime Ordered { get; set; }
        public DateTime Delivered { get; set; }
        public float Price { get; set; }
        public float Discount { get; set; }
        public int Quantity { get; set; }
        public string Channel { get; set; } = "";
    }

    private static readonly DateTime s_first = new(2024, 1, 1);
    private static readonly DateTime s_deadline = new(2025, 6, 30);

    /// <summary>
    /// Sales on whole days of 2024-25 (one in twenty order dates unknown), delivered 1 to 14 days later (one in ten not
    /// yet), a discount of up to 30 % of the price on half of them, 1 to 5 items.
    /// </summary>
    private static Sale[] Sales(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var ordered = s_first.AddDays(random.Next(0, 500));
            bool web = random.Next(2) == 0;
            float price = MathF.Round(10 + 190 * random.NextSingle(), 2);
            return new Sale
            {
                Ordered = i % 20 == 3 ? default : ordered,
                Delivered = i % 10 == 5 ? default : ordered.AddDays(web ? random.Next(1, 6) : random.Next(3, 15)),
                Price = price,
                Discount = random.Next(2) == 0 ? 0 : MathF.Round(price * 0.3f * random.NextSingle(), 2),
                Quantity = random.Next(1, 6),
                Channel = web ? "web" : "store",
            };
        }).ToArray();
    }

    private static GanConstraint[] Rules() =>
    [
        GanConstraint.Inequality("Ordered", "Delivered", strict: true),
        GanConstraint.Range(0, "Discount", "Price"),
        GanConstraint.Positive("Quantity"),
        GanConstraint.Inequality("Delivered", s_deadline),
    ];

    private static MLContext s_ml = null!;
    private static Sale[] s_sales = null!;
    private static GanTransformer s_model = null!;
    private static GanTransformer s_bare = null!;

    private static GanTrainer.Options Options(params GanConstraint[] rules)
    {
        var options = new GanTrainer.Options
        {
            Epochs = 8, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32, 32], DiscriminatorLayers = [32], Seed = 2,
            DensityRatioFilter = false,
            TimeOrders = false, // the rules these tests give, and none the rows show (the bare generator is the one without rules)
        };
        options.Constraints.AddRange(rules);
        return options;
    }

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_sales = Sales(1000, seed: 3);
        var data = s_ml.Data.LoadFromEnumerable(s_sales);
        s_model = s_ml.Gan().Train(Options(Rules())).Fit(data);
        s_bare = s_ml.Gan().Train(Options()).Fit(data);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_model?.Dispose();
        s_bare?.Dispose();
    }

    /// <summary>The rows among <paramref name="sales"/> that break a rule of <see cref="Rules"/> (where its columns are present).</summary>
    private static int Broken(IEnumerable<Sale> sales) => sales.Count(s =>
        s.Ordered != default && s.Delivered != default && !(s.Ordered < s.Delivered)
        || !(0 <= s.Discount && s.Discount <= s.Price) || !(s.Quantity > 0)
        || s.Delivered != default && s.Delivered > s_deadline);

    private static Sale[] Rows(IDataView view) => s_ml.Data.CreateEnumerable<Sale>(view, reuseRowObject: false).ToArray();

    [TestMethod]
    public void EveryGeneratedRowKeepsEveryRuleWhereAGeneratorWithoutThemBreaksThem()
    {
        Assert.AreEqual(0, Broken(s_sales), "the training rows keep the rules");
        int bare = Broken(Rows(s_bare.Generate(20_000, seed: 5)));
        Console.WriteLine($"rows breaking a rule without constraints: {bare} of 20,000");
        Assert.IsGreaterThan(200, bare, "eight epochs do not teach a generator these rules: many of its rows break one");

        var rows = Rows(s_model.Generate(100_000, seed: 5));
        Assert.AreEqual(0, Broken(rows), "with the constraints none of 100,000 rows does (the exported graph made them)");

        // Deliveries stay whole days, at least a day (the least distance, the strict rule's offset) after their orders; most
        // within the training rows' 14 days (the rest took the distances of deliveries whose order date is unknown, which
        // stand on the least such delivery and lie further off: eight epochs do not teach the two kinds of rows apart).
        var gaps = rows.Where(r => r.Ordered != default && r.Delivered != default).Select(r => (r.Delivered - r.Ordered).TotalDays).ToArray();
        Assert.IsGreaterThan(50_000, gaps.Length);
        Assert.IsTrue(gaps.All(g => g >= 1 && g == Math.Floor(g)), $"deliveries whole days, a day or more after the order: {gaps.Min()} to {gaps.Max()}");
        double within = gaps.Count(g => g <= 14) / (double)gaps.Length;
        Assert.IsGreaterThan(0.85, within, $"most within 14 days: {within:P1}");
        Assert.IsTrue(rows.All(r => r.Delivered == default || r.Delivered.TimeOfDay == TimeSpan.Zero), "deliveries on whole days");

        // Missing values keep their rates, and a delivery whose order date is unknown still comes (from the fallback).
        double missing = rows.Count(r => r.Delivered == default) / (double)rows.Length;
        Assert.AreEqual(0.1, missing, 0.05, "one delivery in ten unknown, as in training");
        int orphans = rows.Count(r => r.Ordered == default && r.Delivered != default);
        Assert.IsGreaterThan(500, orphans, "deliveries of orders with an unknown date are generated");
        var known = s_sales.Where(s => s.Delivered != default).Select(s => s.Delivered).ToArray();
        Assert.IsTrue(rows.Where(r => r.Ordered == default && r.Delivered != default).All(r => r.Delivered >= known.Min() && r.Delivered <= s_deadline),
            "those stand on the least training delivery");

        // The discount rule: zero on about half of the rows, as in training; the price keeps its spread.
        double zero = rows.Count(r => r.Discount == 0) / (double)rows.Length;
        Assert.AreEqual(0.5, zero, 0.15, "half of the sales without a discount");
        var prices = rows.Select(r => (double)r.Price).ToArray();
        Assert.IsLessThan(0.15, TestTables.KolmogorovSmirnov(prices, s_sales.Select(s => (double)s.Price).ToArray()), "prices keep their distribution");
    }

    [TestMethod]
    public void RowsAskedForInADateRangeKeepTheRulesToo()
    {
        var june = GanRange.Between(new DateTime(2024, 6, 1), new DateTime(2024, 6, 30));
        var rows = Rows(s_model.Generate(300, seed: 8, new Dictionary<string, object> { ["Ordered"] = june, ["Price"] = GanRange.AtLeast(150) }));
        Assert.HasCount(300, rows);
        Assert.IsTrue(rows.All(r => r.Ordered >= new DateTime(2024, 6, 1) && r.Ordered <= new DateTime(2024, 6, 30) && r.Price >= 150), "orders of June 2024 at 150 or more");
        Assert.AreEqual(0, Broken(rows));
        var wrong = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Ordered"] = GanRange.Between(1, 2) }));
        StringAssert.Contains(wrong.Message, "is not a value of its type (DateTime); give a DateTime");
    }

    [TestMethod]
    public void TheDotNetDecoderAndTheGraphMakeTheSameRows()
    {
        var m = s_model.Model;
        int rows = 5000;
        var (noise, uniforms) = TestTables.Inputs(seed: 6, rows, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, rows, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, rows);
        var constraints = m.Encoder.Constraints!;
        Assert.IsNull(constraints.FirstBroken(reference, m.Encoder.Columns, rows), ".NET keeps the rules");
        Assert.IsNull(constraints.FirstBroken(onnx, m.Encoder.Columns, rows), "the graph keeps the rules");
        Assert.AreEqual(2, constraints.Derived.Count, "Delivered (above Ordered) and Price (above Discount) are learned as distances");
        // TorchSharp's and ONNX Runtime's single-precision generators differ in the last bits (so a value may round to the
        // next step of its grid); the derived columns add their anchors to the same distances in the same way.
        for (int c = 0; c < m.Encoder.Columns.Count; c++)
        {
            if (m.Encoder.Columns[c] is not NumericColumn numeric) continue;
            var (a, b) = (reference.Numbers(c), onnx.Numbers(c));
            CollectionAssert.AreEqual(a.Select(double.IsNaN).ToArray(), b.Select(double.IsNaN).ToArray(), $"{numeric.Name}: the same values missing");
            int off = Enumerable.Range(0, rows).Count(r => Math.Abs(a[r] - b[r]) > 1e-5 * Math.Max(1, Math.Abs(a[r])));
            Assert.IsLessThanOrEqualTo(rows / 100, off, $"{numeric.Name}: values apart in .NET and the graph");
        }
    }

    [TestMethod]
    public void RulesComeBackFromAModelFileAndAGraph()
    {
        var expected = TestTables.Dump(s_model.Generate(500, seed: 9));
        Assert.AreEqual("Ordered < Delivered; 0 ≤ Discount ≤ Price; 0 < Quantity; Delivered ≤ 2025-06-30", string.Join("; ", s_model.Constraints));
        var info = s_model.Columns.Single(c => c.Name == "Delivered");
        Assert.AreEqual(s_sales.Where(s => s.Delivered != default).Max(s => s.Delivered).Ticks, new DateTime(DateTime.UnixEpoch.Ticks + (long)info.Maximum * 10).Ticks,
            "a derived column's info gives its own range, not its distances'");
        using (var graph = new MemoryStream())
        {
            s_model.SaveAsOnnx(graph);
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(graph.ToArray());
            StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.constraints"],
                "every output row keeps: Ordered < Delivered; 0 ≤ Discount ≤ Price; 0 < Quantity; Delivered ≤ 2025-06-30", "a reader without .NET sees the rules");
        }
        TestTables.SavedAndLoaded(s_ml, s_model, loaded =>
        {
            Assert.AreEqual(string.Join("; ", s_model.Constraints), string.Join("; ", loaded.Constraints));
            Assert.AreEqual(string.Join("; ", s_model.Constraints), string.Join("; ", loaded.Options.Constraints), "the options a model reports name its rules");
            CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(500, seed: 9)));
        });
    }

    [TestMethod]
    public void RulesTheTrainingRowsBreakAreRefusedWithTheirCountAndFirstRow()
    {
        var sales = Sales(200, seed: 4);
        foreach (int i in new[] { 7, 50, 120 }) sales[i].Discount = sales[i].Price + 1;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(Rules())).Fit(s_ml.Data.LoadFromEnumerable(sales)));
        StringAssert.Contains(e.Message, "'0 ≤ Discount ≤ Price' is broken by 3 of 200 training rows (the first is row 7: Discount = ");
        StringAssert.Contains(e.Message, "remove the constraint from Options.Constraints");
        Assert.DoesNotContain("Ordered < Delivered", e.Message, "only the broken rule is named");
    }

    public static IEnumerable<object[]> BadRules() =>
    [
        [GanConstraint.Inequality("Ordered", "Shipped"), "names column 'Shipped', which is not one of the columns"],
        [GanConstraint.Inequality("Channel", "Price"), "compares column 'Channel', which holds categories"],
        [GanConstraint.Inequality("Quantity", "Price"), "compares column 'Quantity' (Int32) with column 'Price' (Single): the two must have one type"],
        [GanConstraint.Inequality("Ordered", 3.0), "give a constant of the column's own kind (DateTime)"],
        [GanConstraint.Inequality("Price", s_deadline), "give a constant of the column's own kind (a number)"],
    ];

    [TestMethod]
    [DynamicData(nameof(BadRules))]
    public void RulesTheColumnsCannotKeepAreRefusedBeforeTraining(GanConstraint rule, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(rule)).Fit(s_ml.Data.LoadFromEnumerable(s_sales.Take(50))));
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void ACycleOfOrdersIsRefused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(GanConstraint.Inequality("Discount", "Price"), GanConstraint.Inequality("Price", "Discount")))
            .Fit(s_ml.Data.LoadFromEnumerable(s_sales.Take(50))));
        StringAssert.Contains(e.Message, "order columns in a cycle (Discount ≤ Price, Price ≤ Discount)");
    }

    [TestMethod]
    public void RulesAreWrittenAsTheyRead()
    {
        Assert.AreEqual("a ≤ b", GanConstraint.Inequality("a", "b").ToString());
        Assert.AreEqual("0 < x < 1.5", GanConstraint.Range(0, "x", 1.5, strict: true).ToString());
        Assert.AreEqual("x < 0", GanConstraint.Negative("x").ToString());
        Assert.AreEqual("0 ≤ x", GanConstraint.Positive("x", strict: false).ToString());
        Assert.AreEqual("2024-01-01 ≤ day", GanConstraint.Inequality(new DateTime(2024, 1, 1), "day").ToString());
        CollectionAssert.AreEqual(new[] { "low", "x", "high" }, GanConstraint.Range("low", "x", "high").Columns.ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => GanConstraint.Inequality(1.0, 2.0), "two constants");
        Assert.ThrowsExactly<ArgumentException>(() => GanConstraint.Inequality("x", "x"), "a column with itself");
        Assert.ThrowsExactly<ArgumentException>(() => GanConstraint.Range(2, "x", 1), "an empty range");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GanConstraint.Inequality("x", double.NaN), "NaN");
    }

    public sealed class Reading
    {
        public float Low { get; set; }
        public float High { get; set; }
    }

    [TestMethod]
    public void AStrictOrderBetweenFloatingPointValuesAFewStepsApartHolds()
    {
        // High is one to four Single steps above Low, whose scale spans six powers of ten: a distance learned where the
        // values are small rounds away where they are large, and the value must still come out above its anchor.
        var random = new Random(11);
        var readings = Enumerable.Range(0, 600).Select(_ =>
        {
            float low = MathF.Pow(10, 6 * random.NextSingle());
            float high = low;
            for (int k = random.Next(1, 5); k > 0; k--) high = MathF.BitIncrement(high);
            return new Reading { Low = low, High = high };
        }).ToArray();
        using var model = s_ml.Gan().Train(Options(GanConstraint.Inequality("Low", "High", strict: true))).Fit(s_ml.Data.LoadFromEnumerable(readings));
        var rows = s_ml.Data.CreateEnumerable<Reading>(model.Generate(20_000, seed: 4), reuseRowObject: false).ToArray();
        Assert.AreEqual(0, rows.Count(r => !(r.Low < r.High)), "every High above its Low");
        var m = model.Model;
        var (noise, uniforms) = TestTables.Inputs(seed: 6, 5000, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        Assert.IsNull(m.Encoder.Constraints!.FirstBroken(m.GenerateWithTorch(noise, uniforms, 5000, m.Training.CategorySampling), m.Encoder.Columns, 5000), "in .NET too");
    }

    [TestMethod]
    public void ConstantsBecomeTheNearestValuesOfTheColumnsType()
    {
        var single = (Microsoft.ML.Gan.Encoding.NumericKind)ColumnKinds.Find(Microsoft.ML.Data.NumberDataViewType.Single)!;
        var integer = (Microsoft.ML.Gan.Encoding.NumericKind)ColumnKinds.Find(Microsoft.ML.Data.NumberDataViewType.Int32)!;
        Assert.AreEqual((double)MathF.BitIncrement(0.1f), ColumnConstraints.Above(single, (double)0.1f, strict: true), "above 0.1f: the next Single");
        Assert.AreEqual((double)0.1f, ColumnConstraints.Above(single, (double)0.1f, strict: false));
        Assert.IsGreaterThanOrEqualTo(0.1, ColumnConstraints.Above(single, 0.1, strict: false), "at or above the double 0.1: a Single not below it");
        Assert.IsLessThanOrEqualTo(0.1, ColumnConstraints.Below(single, 0.1, strict: false));
        Assert.AreEqual(3.0, ColumnConstraints.Above(integer, 2.5, strict: false));
        Assert.AreEqual(3.0, ColumnConstraints.Above(integer, 2, strict: true));
        Assert.AreEqual(1.0, ColumnConstraints.Below(integer, 2, strict: true));
        Assert.AreEqual(2.0, ColumnConstraints.Below(integer, 2.5, strict: true));
    }

    public sealed class Shop
    {
        public string Country { get; set; } = "";
        public string City { get; set; } = "";
        public string Segment { get; set; } = "";
        public float Amount { get; set; }
    }

    private static readonly string[][] s_cities = [["Oslo", "Bergen", "Tromsø"], ["Stockholm", "Malmö", "Umeå"], ["Copenhagen", "Aarhus", "Odense"]];
    private static readonly string[] s_countries = ["NO", "SE", "DK"];

    /// <summary>Shops in three countries with three cities each (nine of the 27 pairs), a segment and an amount unrelated to them.</summary>
    private static Shop[] Shops(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int country = random.Next(10) switch { < 5 => 0, < 8 => 1, _ => 2 };
            return new Shop
            {
                Country = s_countries[country], City = s_cities[country][random.Next(3)], Segment = random.Next(2) == 0 ? "retail" : "wholesale",
                Amount = MathF.Round(100 * random.NextSingle(), 1),
            };
        }).ToArray();
    }

    private static bool Unseen(Shop s) => !s_cities[Array.IndexOf(s_countries, s.Country)].Contains(s.City);

    [TestMethod]
    public void FixedCombinationsComeOnlyAsTheTrainingRowsHaveThem()
    {
        var shops = Shops(1000, seed: 5);
        var data = s_ml.Data.LoadFromEnumerable(shops);
        var bareOptions = Options();
        bareOptions.ExactDependencies = false; // which would find city fixing country, and fix it the same way
        bareOptions.CategoryExclusions = false; // which would rule out the 18 pairs no shop has, the same way
        using var bare = s_ml.Gan().Train(bareOptions).Fit(data);
        int unseen = s_ml.Data.CreateEnumerable<Shop>(bare.Generate(20_000, seed: 5), reuseRowObject: false).Count(Unseen);
        Console.WriteLine($"rows with a city of another country, without the rule: {unseen} of 20,000");
        Assert.IsGreaterThan(200, unseen, "eight epochs do not teach a generator which city is in which country");

        using var model = s_ml.Gan().Train(Options(GanConstraint.FixedCombinations("Country", "City"))).Fit(data);
        var rows = s_ml.Data.CreateEnumerable<Shop>(model.Generate(100_000, seed: 5), reuseRowObject: false).ToArray();
        Assert.AreEqual(0, rows.Count(Unseen), "with the rule, every city is in its own country (the graph made these rows)");
        foreach (var country in s_countries)
        {
            double real = shops.Count(s => s.Country == country) / 1000.0, generated = rows.Count(r => r.Country == country) / (double)rows.Length;
            Assert.AreEqual(real, generated, 0.05, $"the leading column keeps its shares: {country}");
        }
        Assert.AreEqual(9, rows.Select(r => (r.Country, r.City)).Distinct().Count(), "every seen pair is generated");

        var m = model.Model;
        var (noise, uniforms) = TestTables.Inputs(seed: 6, 5000, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, 5000, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, 5000);
        Assert.IsNull(m.Encoder.Constraints!.FirstBroken(reference, m.Encoder.Columns, 5000), ".NET keeps the rule");
        for (int c = 0; c < 2; c++) CollectionAssert.AreEqual(reference.Levels(c), onnx.Levels(c), m.Encoder.Columns[c].Name);
        Assert.AreEqual("fixed combinations of Country, City", model.Constraints.Single().ToString());
        var expected = TestTables.Dump(model.Generate(500, seed: 9));
        TestTables.SavedAndLoaded(s_ml, model, loaded =>
        {
            Assert.AreEqual("fixed combinations of Country, City", loaded.Constraints.Single().ToString());
            CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(500, seed: 9)));
        });

        // A file whose combinations name a category the column lacks is refused.
        string folder = Directory.CreateTempSubdirectory("gan-combinations-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.zip");
            model.Save(path);
            HostileFiles.EditManifest(path, manifest => manifest["Constraints"]!["Combinations"]![0]!["Tuples"]![0] = 7);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
            StringAssert.Contains(e.Message, "lists a category its column does not have");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void FixedCombinationsThatCannotBeKeptAreRefused()
    {
        var data = s_ml.Data.LoadFromEnumerable(Shops(100, seed: 6));
        var e = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(GanConstraint.FixedCombinations("Country", "Amount"))).Fit(data));
        StringAssert.Contains(e.Message, "names column 'Amount', which holds numbers: fixed combinations are of categories");
        e = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(GanConstraint.FixedCombinations("Country", "City"), GanConstraint.FixedCombinations("City", "Segment"))).Fit(data));
        StringAssert.Contains(e.Message, "Column 'City' is in two fixed-combination rules");
        Assert.ThrowsExactly<ArgumentException>(() => GanConstraint.FixedCombinations("Country"), "one column");
        Assert.ThrowsExactly<ArgumentException>(() => GanConstraint.FixedCombinations("City", "City"), "a column twice");

        // 320 × 320 categories: more possible combinations than a model holds.
        var wide = Enumerable.Range(0, 640).Select(i => new Shop { Country = $"c{i % 320}", City = $"t{i * 7 % 320}", Segment = "x", Amount = i }).ToArray();
        e = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(GanConstraint.FixedCombinations("Country", "City"))).Fit(s_ml.Data.LoadFromEnumerable(wide)));
        StringAssert.Contains(e.Message, "spans 102,400 possible combinations (320 × 320 categories)");
    }

    public sealed class Booking
    {
        public float Fee { get; set; }
        public TimeSpan Slot { get; set; }
        public int Guests { get; set; }
    }

    /// <summary>Fees in quarters of a unit, slots of quarter hours, guests in pairs.</summary>
    private static Booking[] Bookings(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new Booking
        {
            Fee = 5 + 0.25f * random.Next(0, 200), Slot = TimeSpan.FromMinutes(15 * random.Next(1, 40)), Guests = 2 * random.Next(1, 6),
        }).ToArray();
    }

    [TestMethod]
    public void FixedIncrementsHoldInEveryRowAndAreRefusedWhereNoGridCanHoldThem()
    {
        var bookings = Bookings(800, seed: 7);
        var data = s_ml.Data.LoadFromEnumerable(bookings);
        using var model = s_ml.Gan().Train(Options(GanConstraint.FixedIncrements("Fee", 0.25), GanConstraint.FixedIncrements("Slot", TimeSpan.FromMinutes(15)),
            GanConstraint.FixedIncrements("Guests", 2))).Fit(data);
        var rows = s_ml.Data.CreateEnumerable<Booking>(model.Generate(100_000, seed: 3), reuseRowObject: false).ToArray();
        Assert.IsTrue(rows.All(r => r.Fee * 4 == MathF.Round(r.Fee * 4) && r.Slot.Ticks % (15 * TimeSpan.TicksPerMinute) == 0 && r.Guests % 2 == 0),
            "fees in quarters, slots in quarter hours, guests in pairs, in each of 100,000 rows");
        Assert.AreEqual("Fee in steps of 0.25; Slot in steps of 00:15:00; Guests in steps of 2", string.Join("; ", model.Constraints));
        TestTables.SavedAndLoaded(s_ml, model, loaded => Assert.AreEqual(string.Join("; ", model.Constraints), string.Join("; ", loaded.Constraints)));

        // A training value off the step, a step of the wrong kind, a grid turned off, a column that lies above another.
        var off = Bookings(100, seed: 8);
        off[42].Fee = 7.1f;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.FixedIncrements("Fee", 0.25))).Fit(s_ml.Data.LoadFromEnumerable(off)));
        StringAssert.Contains(e.Message, "'Fee in steps of 0.25' is broken by 1 of 100 training rows (the first is row 42: Fee = 7.1)");
        var small = s_ml.Data.LoadFromEnumerable(bookings.Take(100));
        var wrong = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(Options(GanConstraint.FixedIncrements("Slot", 15.0))).Fit(small));
        StringAssert.Contains(wrong.Message, "gives a number as the step of column 'Slot', a TimeSpan: give a TimeSpan");
        var noGrid = Options(GanConstraint.FixedIncrements("Fee", 0.25));
        noGrid.NumericGranularity = false;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(noGrid).Fit(small)).Message, "needs Options.NumericGranularity");
        var pairs = Enumerable.Range(0, 100).Select(i => new Reading { Low = 0.25f * (i % 7), High = 0.25f * (i % 7 + 1 + i % 3) });
        var above = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.Inequality("Low", "High"), GanConstraint.FixedIncrements("High", 0.25)))
            .Fit(s_ml.Data.LoadFromEnumerable(pairs)));
        StringAssert.Contains(above.Message, "it lies above or below another column");

        // A file whose grid is not a multiple of its rule's step is refused.
        string folder = Directory.CreateTempSubdirectory("gan-increments-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.zip");
            model.Save(path);
            HostileFiles.EditManifest(path, manifest => manifest["Constraints"]!["Rules"]![0]!["IncrementStep"] = 0.1);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path)).Message, "is not held by its column's grid");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool SmallDiscount(GanRow r) => r.Get<float>("Discount") <= 0.2f * r.Get<float>("Price");

    [TestMethod]
    public void APredicateLeavesOutTheRowsItRefusesAndALoadedModelNeedsItBack()
    {
        var sales = Sales(1000, seed: 3).Where(s => s.Discount <= 0.2f * s.Price).ToArray();
        var rule = GanConstraint.Where("discount at most a fifth of the price", SmallDiscount);
        using var model = s_ml.Gan().Train(Options(rule)).Fit(s_ml.Data.LoadFromEnumerable(sales));
        int bareBroken = Rows(s_bare.Generate(5000, seed: 2)).Count(s => !(s.Discount <= 0.2f * s.Price));
        Assert.IsGreaterThan(100, bareBroken, "a generator without the rule breaks it");
        var rows = Rows(model.Generate(100_000, seed: 2));
        Assert.AreEqual(0, rows.Count(s => !(s.Discount <= 0.2f * s.Price)), "with it, no row of 100,000 does");
        Assert.IsGreaterThan(0.3, rows.Count(s => s.Discount > 0) / (double)rows.Length, "discounts are still given");

        string folder = Directory.CreateTempSubdirectory("gan-predicate-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.zip");
            model.Save(path);
            using var loaded = s_ml.Gan().LoadModel(path);
            Assert.AreEqual("discount at most a fifth of the price", loaded.Constraints.Single().ToString());
            Assert.IsTrue(loaded.Constraints.Single().IsPredicate && loaded.Constraints.Single().Predicate is null);
            var missing = Assert.ThrowsExactly<InvalidOperationException>(() => loaded.Generate(10, seed: 1));
            StringAssert.Contains(missing.Message, "a C# predicate that a model file cannot keep. Give it again before generating: model = model.WithPredicate(\"discount at most a fifth of the price\"");
            Assert.ThrowsExactly<ArgumentException>(() => loaded.WithPredicate("another rule", SmallDiscount));
            using var restored = loaded.WithPredicate("discount at most a fifth of the price", SmallDiscount);
            CollectionAssert.AreEqual(TestTables.Dump(model.Generate(300, seed: 9)), TestTables.Dump(restored.Generate(300, seed: 9)), "the same rows as before saving");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        var transform = Assert.ThrowsExactly<InvalidOperationException>(() => model.Transform(s_ml.Data.LoadFromEnumerable(new[] { new { Noise = new float[8] } })));
        StringAssert.Contains(transform.Message, "Transform makes one row per noise row and cannot");
    }

    [TestMethod]
    public void APredicateTheTrainingRowsBreakOrThatThrowsIsRefusedNamingTheRow()
    {
        var sales = Sales(300, seed: 4);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.Where("small discount", SmallDiscount))).Fit(s_ml.Data.LoadFromEnumerable(sales)));
        int broken = sales.Count(s => !(s.Discount <= 0.2f * s.Price)), first = Array.FindIndex(sales, s => !(s.Discount <= 0.2f * s.Price));
        StringAssert.Contains(e.Message, $"'small discount' is broken by {broken} of 300 training rows (the first is row {first})");
        var thrown = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.Where("typo", r => r.Get<float>("Prize") > 0))).Fit(s_ml.Data.LoadFromEnumerable(sales)));
        StringAssert.Contains(thrown.Message, "The predicate 'typo' threw on training row 0: ArgumentException: A predicate asked for column 'Prize'");
        var type = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.Where("type", r => r.Get<double>("Price") > 0))).Fit(s_ml.Data.LoadFromEnumerable(sales)));
        StringAssert.Contains(type.Message, "Column 'Price' has type Single, not Double");
    }

    public sealed class Pet
    {
        public bool Cat { get; set; }
        public bool Dog { get; set; }
        public float Bird { get; set; }
        public float Weight { get; set; }
    }

    [TestMethod]
    public void OneHotGroupsHaveExactlyOneSetInEveryRow()
    {
        var random = new Random(3);
        var pets = Enumerable.Range(0, 900).Select(_ =>
        {
            int kind = random.Next(10) switch { < 5 => 0, < 8 => 1, _ => 2 };
            return new Pet { Cat = kind == 0, Dog = kind == 1, Bird = kind == 2 ? 1 : 0, Weight = MathF.Round(kind switch { 0 => 4, 1 => 20, _ => 0.5f } * (0.8f + 0.4f * random.NextSingle()), 1) };
        }).ToArray();
        var data = s_ml.Data.LoadFromEnumerable(pets);
        var bareOptions = Options();
        bareOptions.ExactDependencies = false;
        using var bare = s_ml.Gan().Train(bareOptions).Fit(data);
        int bareBroken = s_ml.Data.CreateEnumerable<Pet>(bare.Generate(10_000, seed: 1), reuseRowObject: false).Count(p => (p.Cat ? 1 : 0) + (p.Dog ? 1 : 0) + p.Bird != 1);
        Assert.IsGreaterThan(100, bareBroken, "a short training sets none or two of them in many rows");

        using var model = s_ml.Gan().Train(Options(GanConstraint.OneHot("Cat", "Dog", "Bird"))).Fit(data);
        var rows = s_ml.Data.CreateEnumerable<Pet>(model.Generate(100_000, seed: 1), reuseRowObject: false).ToArray();
        Assert.AreEqual(0, rows.Count(p => (p.Cat ? 1 : 0) + (p.Dog ? 1 : 0) + p.Bird != 1 || p.Bird is not (0 or 1)), "exactly one set in each of 100,000 rows (the graph made them)");
        Assert.AreEqual(0.5, rows.Count(p => p.Cat) / (double)rows.Length, 0.1, "cats about half");
        Assert.IsGreaterThan(0.05, rows.Count(p => p.Bird == 1) / (double)rows.Length, "birds still come");

        var m = model.Model;
        var (noise, uniforms) = TestTables.Inputs(seed: 6, 5000, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, 5000, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, 5000);
        Assert.IsNull(m.Encoder.Constraints!.FirstBroken(reference, m.Encoder.Columns, 5000), ".NET keeps it");
        CollectionAssert.AreEqual(reference.Levels(0), onnx.Levels(0), "Cat alike in .NET and the graph");
        CollectionAssert.AreEqual(reference.Numbers(2), onnx.Numbers(2), "Bird alike");
        TestTables.SavedAndLoaded(s_ml, model, loaded => Assert.AreEqual("one of Cat, Dog, Bird", loaded.Constraints.Single().ToString()));

        (pets[17].Cat, pets[17].Dog, pets[17].Bird) = (true, true, 0); // a cat and a dog
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.OneHot("Cat", "Dog", "Bird"))).Fit(s_ml.Data.LoadFromEnumerable(pets)));
        StringAssert.Contains(e.Message, "'one of Cat, Dog, Bird' is broken by 1 of 900 training rows (the first is row 17: Cat = 1, Dog = 1, Bird = 0)");
        var weight = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Options(GanConstraint.OneHot("Cat", "Weight"))).Fit(data));
        StringAssert.Contains(weight.Message, "'one of Cat, Weight' is broken by");
    }

    public static IEnumerable<object[]> Lies() =>
    [
        ["a negative distance", (Action<System.Text.Json.Nodes.JsonObject>)(m => Derived(m)["Anchors"]![0]!["Offset"] = -1), "finite number ≥ 0"],
        ["no derived columns", (Action<System.Text.Json.Nodes.JsonObject>)(m => m["Constraints"]!.AsObject().Remove("Derived")), "is not held by the model's columns"],
        ["a strict rule not kept strictly", (Action<System.Text.Json.Nodes.JsonObject>)(m => Derived(m)["Anchors"]![0]!["Strict"] = false), "'Ordered < Delivered') is not held"],
        ["a bound beyond the range", (Action<System.Text.Json.Nodes.JsonObject>)(m => m["Constraints"]!["Rules"]![2]!["Comparisons"]![0]!["LowValue"] = 4), "'0 < Quantity') is not held"],
        ["a rule on a text column", (Action<System.Text.Json.Nodes.JsonObject>)(m => m["Constraints"]!["Rules"]![2]!["Comparisons"]![0]!["HighColumn"] = "Channel"), "which is not a numeric column"],
    ];

    private static System.Text.Json.Nodes.JsonObject Derived(System.Text.Json.Nodes.JsonObject manifest) =>
        manifest["Constraints"]!["Derived"]!.AsArray().Select(d => d!.AsObject()).First(d => (string?)d["Column"] == "Delivered");

    [TestMethod]
    [DynamicData(nameof(Lies))]
    public void AFileWhoseColumnsDoNotHoldItsRulesIsRefused(string lie, Action<System.Text.Json.Nodes.JsonObject> edit, string named)
    {
        string folder = Directory.CreateTempSubdirectory("gan-constraints-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.zip");
            s_model.Save(path);
            HostileFiles.EditManifest(path, edit);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path), lie);
            StringAssert.Contains(e.Message, named, lie);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
