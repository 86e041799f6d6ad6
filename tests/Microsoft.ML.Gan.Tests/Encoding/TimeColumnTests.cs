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
            // The plain-words metadata tells a reader without .NET how to read them.
            string columns = session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.columns"];
            StringAssert.Contains(columns, "Ordered: DateTime (int64 microseconds since 1970-01-01T00:00:00 of its clock time, Utc; -9223372036854775808 (NaT) when missing)");
            StringAssert.Contains(columns, "values at UTC-05:00");
            StringAssert.Contains(columns, "Handling: TimeSpan (int64 microseconds)");

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
    public void ADensityRatioFilterReadsMissingDatesAlikeInDotNetAndInTheGraph()
    {
        // The graph marks a missing date as NaT, not NaN: the filter's missing flag must read it so, as .NET reads NaN.
        var model = s_model.Model.Copy();
        var (real, count) = model.Encoder.ReadRows(s_ml.Data.LoadFromEnumerable(s_orders), 600, seed: 1, () => { });
        var filtered = model.WithFilter(Microsoft.ML.Gan.Training.DensityRatioTraining.Run(model, real, count, seed: 2, () => { }).Filter);
        int rows = 2000;
        var (noise, uniforms) = TestTables.Inputs(seed: 13, rows, filtered.NoiseDimension, filtered.Signature.UniformsPerRow, filtered.Training.NoisePrior);
        var reference = filtered.GenerateWithTorch(noise, uniforms, rows, filtered.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(filtered, noise, uniforms, rows);
        int ordered = filtered.Encoder.Columns.Select(c => c.Name).ToList().IndexOf("Ordered");
        Assert.IsTrue(reference.Numbers(ordered).Any(double.IsNaN), "some dates are missing");
        CollectionAssert.AreEqual(reference.Numbers(ordered).Select(double.IsNaN).ToArray(), onnx.Numbers(ordered).Select(double.IsNaN).ToArray(),
            "the same dates are missing in both");
        // libtorch and ONNX Runtime run the generator in single precision, and their sums may end an ulp apart: over a
        // range of two years, an ulp of the network's output is seconds, so a payment's whole second differs between
        // them in most rows (stop 41's build too), and the filter reads those rows a little apart. A missing flag read
        // wrong would move a row's keep probability by far more than the few parts in 10,000 this allows.
        for (int r = 0; r < rows; r++)
            Assert.AreEqual(reference.KeepProbability![r], onnx.KeepProbability![r], 5e-4 + 1e-4 * reference.KeepProbability[r], $"row {r}: keep probability");
        filtered.Dispose();
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

    private static double Micro(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / 10.0;

    private static DateTime Date(double microseconds) => new(DateTime.UnixEpoch.Ticks + (long)microseconds * 10);

    [TestMethod]
    public void MonthlyQuarterlyMonthEndAndBusinessDayCalendarsAreLearned()
    {
        // Months' firsts at 09:00, one month in five left out: every month from the first to the last is on the calendar.
        var firsts = Enumerable.Range(0, 60).Where(k => k % 5 != 2).Select(k => Micro(new DateTime(2019, 3, 1, 9, 0, 0).AddMonths(k))).ToArray();
        var monthly = TimeKind.Calendar(firsts, TimeSpan.Zero)!;
        Assert.AreEqual(60, monthly.Length);
        Assert.IsTrue(monthly.Select(Date).All(t => t.Day == 1 && t.Hour == 9));
        Assert.AreEqual(new DateTime(2024, 2, 1, 9, 0, 0), Date(monthly[^1]));

        // Quarter ends: the last day of every third month.
        var quarters = Enumerable.Range(0, 30).Select(k => Micro(new DateTime(2000, 3, 31).AddMonths(3 * k) is var t ? new DateTime(t.Year, t.Month, DateTime.DaysInMonth(t.Year, t.Month)) : default)).ToArray();
        var quarterly = TimeKind.Calendar(quarters, TimeSpan.Zero)!;
        CollectionAssert.AreEqual(quarters, quarterly, "every quarter end, nothing between");

        // Business days over three months: no weekend on the calendar, every weekday on it.
        var random = new Random(4);
        var business = Enumerable.Range(0, 200).Select(_ => new DateTime(2024, 1, 1).AddDays(random.Next(0, 90)))
            .Where(t => t.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday).Select(Micro).ToArray();
        var weekdays = TimeKind.Calendar(business, TimeSpan.Zero)!;
        Assert.IsTrue(weekdays.Select(Date).All(t => t.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday));
        Assert.AreEqual(business.Max(), weekdays[^1]);
        Assert.IsGreaterThan(60, weekdays.Length);

        // On the column's own clock: the 28th at 23:30 at UTC-05:00 is the 29th in UTC, but the 1st of March after February.
        var late = Enumerable.Range(0, 24).Select(k => Micro(new DateTime(2022, 1, 28, 23, 30, 0).AddMonths(k) + TimeSpan.FromHours(5))).ToArray();
        var local = TimeKind.Calendar(late, TimeSpan.FromHours(-5))!;
        CollectionAssert.AreEqual(late, local, "every month's 28th at 23:30 on the column's clock");
        Assert.IsNull(TimeKind.Calendar(late, TimeSpan.Zero), "in UTC the days of the month differ");

        // No calendar: every day of the week; two times of day; too few values; business days over two weeks only.
        Assert.IsNull(TimeKind.Calendar(Enumerable.Range(0, 100).Select(k => Micro(new DateTime(2024, 1, 1).AddDays(k))).ToArray(), TimeSpan.Zero));
        Assert.IsNull(TimeKind.Calendar(firsts.Select((v, i) => i == 3 ? v + 3_600e6 : v).ToArray(), TimeSpan.Zero));
        Assert.IsNull(TimeKind.Calendar(firsts[..10], TimeSpan.Zero));
        Assert.IsNull(TimeKind.Calendar(business.Where(v => Date(v) < new DateTime(2024, 1, 13)).ToArray(), TimeSpan.Zero));
    }

    [TestMethod]
    public void CalendarSharesSpreadEachValueOverTheInstantsAroundIt()
    {
        double[] calendar = [0, 10, 20, 30, 40, 50];
        // Every instant once: equal shares.
        var all = MarginalMap.CalendarShares([0, 10, 20, 30, 40, 50], calendar)!;
        Assert.AreEqual(5, all.Length);
        for (int k = 0; k < all.Length; k++) Assert.AreEqual((k + 1) / 6.0, all[k], 1e-12, $"equal shares: instant {k}");
        // Values at positions 0 and 4 (each half the rows): 0's half spreads over [0, 2], 4's over [2, 4]: positions 1 to 3
        // get a quarter of a half each, the ends the rest; position 5, beyond the last value, gets nothing but rounding.
        var gaps = MarginalMap.CalendarShares([0, 0, 40, 40], calendar);
        Assert.IsNull(gaps, "an instant after the last value has no share, which a saved map cannot hold");
        var inside = MarginalMap.CalendarShares([0, 0, 40, 40], calendar[..5])!;
        double[] mass = [0.125, 0.25, 0.25, 0.25];
        for (int k = 0; k < inside.Length; k++) Assert.AreEqual(mass.Take(k + 1).Sum(), inside[k], 1e-12, $"instant {k}");
        Assert.IsNull(MarginalMap.CalendarShares([0, 15], calendar), "a value off the calendar");
    }

    public sealed class Shipment
    {
        public DateTime Day { get; set; }
        public float Weight { get; set; }
        public string Era { get; set; } = "";
    }

    [TestMethod]
    public void ACalendarOfMoreThanAThousandDaysIsNotGroupedButANumberBesideItIs()
    {
        // 10,000 shipments on business days over six years (about 1,560 days on the calendar, each 6 times or so), in two eras
        // that explain both the day and the weight: the weight is grouped by era, the calendar is not (its tables would
        // be 1,560 shares a category).
        var random = new Random(3);
        var shipments = Enumerable.Range(0, 10_000).Select(_ =>
        {
            DateTime day;
            do day = new DateTime(2015, 1, 1).AddDays(random.Next(0, 6 * 365)); while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
            string era = day.Year < 2018 ? "early" : "late";
            return new Shipment { Day = day, Era = era, Weight = (float)Math.Round((era == "early" ? 10 : 30) + 5 * random.NextDouble(), 1) };
        }).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Seed: 1, Granularity: true, Marginal: true, Groups: true);
        var (encoder, _) = TabularEncoder.Fit(s_ml.Data.LoadFromEnumerable(shipments), ["Day", "Weight", "Era"], settings, () => { });
        var day = (NumericColumn)encoder.Columns[0];
        Assert.IsTrue(day.Marginal is { IsDiscrete: true, ValueCount: > 1000 }, $"a calendar of business days: {day.Marginal?.ValueCount} instants");
        Assert.AreEqual(-1, encoder.GroupOf(0), "the calendar is not grouped");
        Assert.AreEqual(2, encoder.GroupOf(1), "the weight is grouped by era");
    }

    [TestMethod]
    public void MonthlyDatesAreGeneratedOnTheirCalendar()
    {
        // 300 month firsts (as economic series are dated), a number that grows with them.
        var months = Enumerable.Range(0, 300).Select(k => new { Month = new DateTime(1990, 1, 1).AddMonths(k), Level = (float)(100 + k + 5 * Math.Sin(k)) }).ToArray();
        using var model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 20, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 1,
        }).Fit(s_ml.Data.LoadFromEnumerable(months));
        var generated = TestTables.Column(model.Generate(2000, seed: 2), "Month").Cast<DateTime>().ToArray();
        Assert.IsTrue(generated.All(t => t.Day == 1 && t.TimeOfDay == TimeSpan.Zero), $"first days only: {generated.First(t => t.Day != 1 || t.TimeOfDay != TimeSpan.Zero):o}");
        Assert.IsGreaterThan(200, generated.Distinct().Count(), "spread over the months");
    }

    /// <summary>Orders ordered and paid half a year later than <see cref="Orders"/> makes them, and handled twice as long.</summary>
    private static Order[] LateOrders() => Orders(600, seed: 8).Select(o => new Order
    {
        Ordered = o.Ordered == default ? default : o.Ordered.AddDays(180), Paid = o.Paid.AddDays(180), Handling = o.Handling * 2,
        Amount = o.Amount, Channel = o.Channel,
    }).ToArray();

    [TestMethod]
    public void WhatGivesAwayDatesAndDurationsIsWrittenAsDatesAndDurations()
    {
        // Synthetic orders half a year late and handled twice as long: the giveaways name dates and durations.
        var late = LateOrders();
        var metrics = s_ml.Gan().Evaluate(s_ml.Data.LoadFromEnumerable(s_orders), s_ml.Data.LoadFromEnumerable(late));
        var giveaways = metrics.Giveaways.Columns.ToDictionary(g => g.Column);
        IEnumerable<string> Values(string column) => giveaways[column].OverGenerated.Concat(giveaways[column].UnderGenerated).Select(v => v.Value).Where(v => v != "(missing)");
        Assert.IsTrue(Values("Ordered").Any() && Values("Ordered").All(v => System.Text.RegularExpressions.Regex.IsMatch(v, @"^(below |)\d{4}-\d\d-\d\d( to \d{4}-\d\d-\d\d| and above|)$")),
            "days: " + string.Join("; ", Values("Ordered")));
        Assert.IsTrue(Values("Paid").Any() && Values("Paid").All(v => v.Contains('Z') && !v.Contains("E+")), "instants in UTC: " + string.Join("; ", Values("Paid")));
        Assert.IsTrue(Values("Handling").Any() && Values("Handling").All(v => v.Contains(':')), "durations: " + string.Join("; ", Values("Handling")));
    }

    [TestMethod]
    public void TheReportWritesDatesAsDates()
    {
        var late = LateOrders();
        var real = s_ml.Data.LoadFromEnumerable(s_orders);
        var synthetic = s_ml.Data.LoadFromEnumerable(late);
        var metrics = s_ml.Gan().Evaluate(real, synthetic);
        string folder = Directory.CreateTempSubdirectory("gan-time-report-").FullName;
        try
        {
            string path = Path.Combine(folder, "report.html");
            SyntheticDataReport.Write(path, real, synthetic, metrics);
            // The text around the embedded charts: no date written as a number of microseconds.
            string text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "data:image/png;base64,[A-Za-z0-9+/=]+", "");
            Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(text, @"\d\.\d+E\+1[45]"), "no date as 1.7E+15");
            StringAssert.Matches(text, new System.Text.RegularExpressions.Regex(@"20\d\d-\d\d-\d\d"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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
        StringAssert.Contains(e.Message, "that no time zone of this machine gives at their instants");
    }

    public sealed class Reading
    {
        public DateTimeOffset At { get; set; }
        public float Level { get; set; }
    }

    [TestMethod]
    public void TimesRecordedInAZoneWithDaylightSavingKeepItsOffsets()
    {
        // Readings over two years at Oslo's clock: +01:00 in winter, +02:00 in summer. (A machine without time zone
        // data, as some minimal images are, knows no zone: there the column is refused, as the next test shows.)
        if (!TimeZoneInfo.TryFindSystemTimeZoneById("Europe/Oslo", out var oslo))
        {
            Assert.Inconclusive("This machine has no time zone data (on Debian, the tzdata package).");
            return;
        }
        var random = new Random(4);
        var readings = Enumerable.Range(0, 800).Select(_ =>
        {
            var utc = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(15 * random.Next(0, 70_000));
            return new Reading { At = TimeZoneInfo.ConvertTime(utc, oslo), Level = MathF.Round(10 + 5 * random.NextSingle(), 1) };
        }).ToArray();
        Assert.AreEqual(2, readings.Select(r => r.At.Offset).Distinct().Count());
        using var model = s_ml.Gan().Train(new GanTrainer.Options { Epochs = 3, BatchSize = 100, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 1, DensityRatioFilter = false })
            .Fit(s_ml.Data.LoadFromEnumerable(readings));
        var rows = s_ml.Data.CreateEnumerable<Reading>(model.Generate(3000, seed: 2), reuseRowObject: false).ToArray();
        Assert.IsTrue(rows.All(r => r.At.Offset == oslo.GetUtcOffset(r.At.UtcDateTime)), "every generated time has the zone's offset at its instant");
        Assert.AreEqual(2, rows.Select(r => r.At.Offset).Distinct().Count(), "winter and summer times");
        TestTables.SavedAndLoaded(s_ml, model, loaded =>
            CollectionAssert.AreEqual(TestTables.Dump(model.Generate(200, seed: 3)), TestTables.Dump(loaded.Generate(200, seed: 3))));
        using var graph = new MemoryStream();
        model.SaveAsOnnx(graph);
        using var session = new InferenceSession(graph.ToArray());
        StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.columns"], "At: DateTimeOffset (int64 microseconds since 1970-01-01T00:00:00Z, the instant in UTC; values in time zone ");
    }

    public sealed class Sale
    {
        public DateTime Month { get; set; }
        public int Year { get; set; }
        public string Quarter { get; set; } = "";
        public float Amount { get; set; }
    }

    [TestMethod]
    public void RulesKeyedOnADateHoldInEveryGeneratedRowAndSurviveSaving()
    {
        // Twelve sales a month for five years: the month's date fixes its year (a number) and its quarter (a category).
        var random = new Random(7);
        var sales = Enumerable.Range(0, 60).SelectMany(m => Enumerable.Range(0, 12).Select(_ =>
        {
            var month = new DateTime(2019, 1, 1).AddMonths(m);
            return new Sale { Month = month, Year = month.Year, Quarter = $"Q{(month.Month + 2) / 3}", Amount = (float)Math.Round(100 + m + 20 * random.NextDouble(), 2) };
        })).ToArray();
        using var model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 5, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 3,
        }).Fit(s_ml.Data.LoadFromEnumerable(sales));
        CollectionAssert.IsSubsetOf(new[] { "Month → Year", "Month → Quarter" }, model.Dependencies.Select(d => $"{d.Determinant} → {d.Target}").ToArray());
        var rows = s_ml.Data.CreateEnumerable<Sale>(model.Generate(1000, seed: 4), reuseRowObject: false).ToArray();
        Assert.IsTrue(rows.All(r => r.Month.Day == 1 && r.Year == r.Month.Year && r.Quarter == $"Q{(r.Month.Month + 2) / 3}"), "every row keeps both rules");
        var expected = TestTables.Dump(model.Generate(300, seed: 5));
        TestTables.SavedAndLoaded(s_ml, model, loaded => CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(300, seed: 5)), "a saved model and its graph make the same rows"));
    }

    [TestMethod]
    public void TheLargestDateTimeIsRefusedAsASentinelButTheLastDayOfYear9999IsADate()
    {
        Order[] WithEnd(DateTime end)
        {
            var orders = Orders(40, seed: 6);
            orders[9].Ordered = end;
            return orders;
        }
        var quick = new GanTrainer.Options { Epochs = 1, BatchSize = 20, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, DensityRatioFilter = false };
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(quick).Fit(s_ml.Data.LoadFromEnumerable(WithEnd(DateTime.MaxValue))));
        StringAssert.Contains(e.Message, "Column 'Ordered'");
        StringAssert.Contains(e.Message, "largest value");
        StringAssert.Contains(e.Message, "never");
        using var model = s_ml.Gan().Train(quick).Fit(s_ml.Data.LoadFromEnumerable(WithEnd(new DateTime(9999, 12, 31))));
        var generated = TestTables.Column(model.Generate(200, seed: 1), "Ordered").Cast<DateTime>().ToArray();
        Assert.IsTrue(generated.All(t => t == default || (t >= s_first && t <= new DateTime(9999, 12, 31))), "generated within the range, up to its last day");
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
