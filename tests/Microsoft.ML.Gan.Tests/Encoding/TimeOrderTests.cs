using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Orders the training rows show between time columns (<see cref="GanTrainer.Options.TimeOrders"/>, <see cref="TimeOrders"/>):
/// found only where every row keeps them and the later column lies at a more regular distance after the earlier than it
/// spreads on its own; kept by the constraints in every generated row, with the distance's shape.
/// </summary>
[TestClass]
public sealed class TimeOrderTests
{
    private const double Day = 1;

    /// <summary>Days 0 to 90 at random; the second column 168 to 170 days after, but for 5 rows ended early.</summary>
    private static (double[] Entry, double[] End) Study(int rows, int seed)
    {
        var random = new Random(seed);
        var entry = Enumerable.Range(0, rows).Select(_ => (double)random.Next(0, 91)).ToArray();
        var end = entry.Select((e, i) => e + (i % 40 == 7 ? random.Next(10, 100) : random.Next(168, 171)) * Day).ToArray();
        return (entry, end);
    }

    [TestMethod]
    public void AnOrderEveryRowKeepsAtARegularDistanceIsFoundAndNoOtherIs()
    {
        var (entry, end) = Study(200, 1);
        Assert.IsTrue(TimeOrders.Order(entry, end, 200), "every end after its entry, at 168-170 days for most: a strict order");
        Assert.IsNull(TimeOrders.Order(end, entry, 200), "not the other way");

        var broken = (double[])end.Clone();
        broken[123] = entry[123] - 1;
        Assert.IsNull(TimeOrders.Order(entry, broken, 200), "one row ending before its entry: no rule");

        var same = (double[])end.Clone();
        same[5] = entry[5];
        Assert.IsFalse(TimeOrders.Order(entry, same, 200), "ending on the day of entry in one row: an order that allows equality");
        Assert.IsNull(TimeOrders.Order(entry, (double[])entry.Clone(), 200), "equal in every row: one value, not an order");
        Assert.IsNull(TimeOrders.Order(entry, end, 19), "19 rows say too little");

        var missing = (double[])broken.Clone();
        missing[123] = double.NaN;
        Assert.IsTrue(TimeOrders.Order(entry, missing, 200), "a row missing either says nothing");

        // Always later, but at a distance as spread as the later date itself: its order comes from the ranges, not a relation.
        var random = new Random(2);
        var early = Enumerable.Range(0, 200).Select(_ => (double)random.Next(0, 30)).ToArray();
        var late = Enumerable.Range(0, 200).Select(_ => (double)random.Next(30, 400)).ToArray();
        Assert.IsNull(TimeOrders.Order(early, late, 200));
    }

    [TestMethod]
    public void ATableOfMillionsOfRowsIsCheckedOnEveryRowBeyondTheRowsItsSpreadsAreMeasuredOn()
    {
        // 2.5 million rows: the spreads come from every second or third row, but the order is checked on all of them.
        int rows = 2_500_000;
        var random = new Random(7);
        var entry = new double[rows];
        var end = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            entry[r] = random.Next(0, 91);
            end[r] = entry[r] + random.Next(168, 171);
        }
        Assert.IsTrue(TimeOrders.Order(entry, end, rows));
        end[rows - 1] = entry[rows - 1] - 1; // an odd row, which the spreads skip (they take every second), breaks the order
        Assert.AreEqual(2, Math.Max(1, rows / TabularEncoder.StatisticsRows), "the row is one the spreads skip");
        Assert.IsNull(TimeOrders.Order(entry, end, rows), "a rule some row breaks would be refused at Fit: none is found");
    }

    [TestMethod]
    public void AChainGivesItsStepsAndGivenRulesAndOtherTypesAreLeftAlone()
    {
        var (entry, end) = Study(300, 3);
        var report = end.Select(e => e + 7).ToArray();
        var other = end.ToArray();
        string[] names = ["Entry", "End", "Report", "Instant"];
        NumericKind?[] kinds = [DateTimeColumnKind.Instance, DateTimeColumnKind.Instance, DateTimeColumnKind.Instance, DateTimeOffsetKind.Instance];
        double[]?[] values = [entry, end, report, other];

        var found = TimeOrders.Find(names, kinds, values, 300, [], () => { });
        CollectionAssert.AreEqual(new[] { "Entry < End", "End < Report" }, found.Select(r => r.ToString()).ToArray(),
            "entry before report follows from the two steps; a DateTimeOffset is not compared with a DateTime");
        Assert.IsTrue(found.All(r => r.Comparisons.Single().Strict));

        var given = TimeOrders.Find(names, kinds, values, 300, [GanConstraint.Inequality("End", "Report")], () => { });
        Assert.AreEqual(0, given.Count, $"End is named by a given rule, and its orders are the given rules' business: {string.Join("; ", given)}");
    }

    public sealed class Visit
    {
        public DateTime Entry { get; set; }
        public DateTime End { get; set; }
        public float Score { get; set; }
    }

    private static Visit[] Visits(int count, int seed)
    {
        var random = new Random(seed);
        var first = new DateTime(2024, 1, 1);
        return Enumerable.Range(0, count).Select(i =>
        {
            var entry = first.AddDays(random.Next(0, 120));
            return new Visit { Entry = entry, End = entry.AddDays(random.Next(28, 31)), Score = MathF.Round(50 * random.NextSingle(), 1) };
        }).ToArray();
    }

    [TestMethod]
    public void ATrainedModelKeepsTheOrderAndItsDistanceInEveryRowAndSaysSo()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Visits(600, seed: 4));
        GanTrainer.Options Options(bool orders) => new()
        {
            Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5,
            DensityRatioFilter = false, TimeOrders = orders,
        };
        using var model = ml.Gan().Train(Options(true)).Fit(data);
        Assert.AreEqual("Entry < End", model.Constraints.Single().ToString(), "found, and listed with the model's rules");
        Assert.AreSame(model.Constraints[0], model.FoundOrders.Single(), "and said to be found, not given");
        Assert.AreEqual(0, model.Options.Constraints.Count, "no user gave it: a new Fit finds it again where its rows keep it");
        using var plain = ml.Gan().Train(Options(false)).Fit(data);
        Assert.AreEqual(0, plain.Constraints.Count);
        var givenOptions = Options(true);
        givenOptions.Epochs = 1;
        givenOptions.Constraints.Add(GanConstraint.Inequality("Entry", "End", strict: true));
        using var given = ml.Gan().Train(givenOptions).Fit(data);
        Assert.AreEqual(0, given.FoundOrders.Count, "a rule the options give is theirs, not found");
        Assert.AreEqual("Entry < End", given.Options.Constraints.Single().ToString(), "and handed back with them");

        double[] Gaps(GanTransformer m) => ml.Data.CreateEnumerable<Visit>(m.Generate(5000, seed: 6), reuseRowObject: false)
            .Select(v => (v.End - v.Entry).TotalDays).ToArray();
        var kept = Gaps(model);
        Assert.IsTrue(kept.All(g => g >= 28 && g <= 30), $"every visit ends 28 to 30 days after its entry, as in training: {kept.Min()} to {kept.Max()}");
        var learned = Gaps(plain);
        Assert.IsGreaterThan(0.3, learned.Count(g => g < 28 || g > 30) / (double)learned.Length,
            "three epochs do not teach the distance without the rule: most rows miss it");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.IsTrue(loaded.Model.Training.ToOptions().TimeOrders);
            Assert.AreEqual("Entry < End", loaded.Constraints.Single().ToString());
            Assert.AreEqual("Entry < End", loaded.FoundOrders.Single().ToString(), "still found, not given, from a zip and from a bare graph");
            CollectionAssert.AreEqual(Gaps(model), Gaps(loaded), "the loaded model generates the same rows");
        });
    }

    [TestMethod]
    public void OlderFilesAndTheOriginalGanFindNoOrders()
    {
        var record = TrainingRecord.From(new GanTrainer.Options());
        Assert.IsTrue(record.ToOptions().TimeOrders, "on by default, written and read back");
        record.TimeOrders = null; // as read from a file of format 22 or older
        Assert.IsFalse(record.ToOptions().TimeOrders, "their rules were all given");
        Assert.IsFalse(GanTrainer.Options.Classic().TimeOrders);
    }
}
