using System.Globalization;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Data;
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

/// <summary>
/// Orders between number columns (<see cref="GanTrainer.Options.NumberOrders"/>): kept only for two numbers on one
/// scale that meet in some rows (a recurrence time and a follow-up time), or below a number a category fixes (a visit's
/// day before the patient's end), never for numbers in other units, parts below their whole, or a pair a trend keeps;
/// held in every generated row, in .NET, in the graph and after a load.
/// </summary>
[TestClass]
public sealed class NumberOrderTests
{
    private static readonly NumericKind s_int = new NumberKind<int>(NumberDataViewType.Int32);
    private static readonly NumericKind s_single = new NumberKind<float>(NumberDataViewType.Single);

    public sealed class Patient
    {
        public int Recurrence { get; set; }
        public int FollowUp { get; set; }
        public float Score { get; set; }
    }

    /// <summary>Days to a recurrence (100 to 3,000) and to the end of follow-up: the same day where nothing recurred (every other row), else 100 to 2,000 days later.</summary>
    private static Patient[] Patients(int count, int seed, bool meet = true)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int recurrence = random.Next(100, 3001);
            int later = random.Next(100, 2001);
            return new Patient { Recurrence = recurrence, FollowUp = recurrence + (meet && i % 2 == 0 ? 0 : later), Score = MathF.Round(50 * random.NextSingle(), 1) };
        }).ToArray();
    }

    private static List<GanConstraint> Found(string[] names, NumericKind[] kinds, double[][] values) =>
        TimeOrders.Find(names, kinds, values, values[0].Length, [], () => { });

    [TestMethod]
    public void NumbersOnOneScaleThatMeetAreOrderedAndNoOthersAre()
    {
        var patients = Patients(400, seed: 1);
        double[] recurrence = patients.Select(p => (double)p.Recurrence).ToArray(), followUp = patients.Select(p => (double)p.FollowUp).ToArray();
        Assert.AreEqual("Recurrence ≤ FollowUp", Found(["Recurrence", "FollowUp"], [s_int, s_int], [recurrence, followUp]).Single().ToString());
        Assert.IsTrue(TimeOrders.OneScale(recurrence, followUp, 400));

        // The same times where every follow-up ends after the recurrence: two numbers that never meet say too little.
        var apart = Patients(400, seed: 1, meet: false);
        Assert.IsEmpty(Found(["Recurrence", "FollowUp"], [s_int, s_int], [apart.Select(p => (double)p.Recurrence).ToArray(), apart.Select(p => (double)p.FollowUp).ToArray()]));

        var random = new Random(2);
        // Other units: a rate of 0 to 2 below an age of 20 to 100 in every row, equal in none; made to meet in one row,
        // they still spread apart (Kolmogorov-Smirnov distance 1).
        double[] rate = Enumerable.Range(0, 400).Select(_ => Math.Round(2 * random.NextDouble(), 2)).ToArray();
        double[] age = Enumerable.Range(0, 400).Select(_ => (double)random.Next(20, 101)).ToArray();
        rate[0] = age[0] = 20;
        Assert.IsFalse(TimeOrders.OneScale(rate, age, 400));
        Assert.IsEmpty(Found(["Rate", "Age"], [s_single, s_int], [rate, age]));

        // A part and its whole meet only where the other part is 0; here its share of 80-100 % makes a curve of the
        // whole on it explain more than 0.9: a trend's pair, not an order's.
        double[] part = Enumerable.Range(0, 400).Select(_ => (double)random.Next(1000, 5001)).ToArray();
        double[] whole = part.Select((p, i) => i % 10 == 0 ? p : Math.Round(p / (0.8 + 0.2 * random.NextDouble()))).ToArray();
        Assert.IsGreaterThan(0.9, NumericTrend.CurveExplained(part, whole));
        Assert.IsEmpty(Found(["Part", "Whole"], [s_int, s_int], [part, whole]));

        // A flag of 0 or 1 never above a count of nodes (0 in 60 % of the rows, else 1 to 30), equal to it in many rows and
        // spread much as it is (Kolmogorov-Smirnov distance about 0.3): a code, not a point on the count's scale.
        double[] nodes = Enumerable.Range(0, 400).Select(i => i % 5 < 3 ? 0.0 : 1 + i % 30).ToArray();
        double[] flag = nodes.Select(n => n >= 1 ? 1.0 : 0.0).ToArray();
        Assert.IsFalse(TimeOrders.Order(flag, nodes, 400), "the rows keep the order, meeting in some");
        Assert.IsLessThan(TimeOrders.MaximumNumberDistance, Common.ColumnStatistics.KolmogorovSmirnov(flag, nodes));
        Assert.IsFalse(TimeOrders.OneScale(flag, nodes, 400));
        Assert.IsEmpty(Found(["Flag", "Nodes"], [s_int, s_int], [flag, nodes]));

        // Diagnosis and death days where everyone alive at the study's end (day 11,504, 40 % of the rows) has it as
        // death day: an order would smear that day over the distance's spread. Days without the end (and farther apart, so that
        // no curve explains the death day) stay ordered.
        double[] diagnosis = Enumerable.Range(0, 400).Select(_ => (double)random.Next(8500, 11000)).ToArray();
        double[] death = diagnosis.Select((d, i) => i % 5 < 2 ? 11_504 : i % 50 == 7 ? d : d + random.Next(30, 500)).ToArray();
        Assert.IsFalse(TimeOrders.Order(diagnosis, death, 400), "the rows keep the order, meeting in some");
        Assert.IsFalse(TimeOrders.OneScale(diagnosis, death, 400), "40 % at one day, where no distance is that common");
        double[] uncensored = diagnosis.Select((d, i) => i % 50 == 7 ? d : d + random.Next(30, 2000)).ToArray();
        Assert.IsTrue(TimeOrders.OneScale(diagnosis, uncensored, 400));

        // A date and a number are never compared.
        Assert.IsEmpty(Found(["Recurrence", "FollowUp"], [DateTimeColumnKind.Instance, s_int], [recurrence, followUp]));
    }

    [TestMethod]
    public void NumbersEqualInMostRowsAreOrderedThoughTheLineTheyMeetOnFitsThemAll()
    {
        // Months to a progression (1 to 400) and to the end of follow-up: the same month for the 92 % who never progressed,
        // else 1 to 180 months later. A curve of either on the other explains more than 0.9 of it, mostly from the rows
        // where they are equal; where they differ, it explains less, and only an order keeps the equal rows equal.
        var random = new Random(11);
        double[] progression = Enumerable.Range(0, 1000).Select(_ => (double)random.Next(1, 401)).ToArray();
        double[] followUp = progression.Select((p, i) => i % 25 < 2 ? p + random.Next(1, 181) : p).ToArray();
        Assert.IsGreaterThan(NumericTrend.MinimumExplained, NumericTrend.CurveExplained(progression, followUp));
        Assert.IsGreaterThan(NumericTrend.MinimumExplained, NumericTrend.CurveExplained(followUp, progression));
        var apart = Enumerable.Range(0, 1000).Where(i => progression[i] != followUp[i]).ToArray();
        Assert.IsLessThan(NumericTrend.MinimumExplained, NumericTrend.CurveExplained(apart.Select(i => followUp[i]).ToArray(), apart.Select(i => progression[i]).ToArray()));
        Assert.AreEqual("Progression ≤ FollowUp", Found(["Progression", "FollowUp"], [s_int, s_int], [progression, followUp]).Single().ToString());

        // Where the rows that differ lie on a curve too (the later 10 % to 40 % after the earlier), the pair is a trend's.
        double[] scaled = progression.Select((p, i) => i % 25 < 2 ? Math.Round(p * (1.1 + 0.3 * random.NextDouble())) : p).ToArray();
        Assert.IsEmpty(Found(["Progression", "FollowUp"], [s_int, s_int], [progression, scaled]));

        // And where fewer than TimeOrders.MinimumRows rows differ, there is no curve to judge: the order holds them.
        double[] rare = progression.Select((p, i) => i % 100 == 3 ? p + random.Next(1, 181) : p).ToArray();
        Assert.AreEqual("Progression ≤ FollowUp", Found(["Progression", "FollowUp"], [s_int, s_int], [progression, rare]).Single().ToString());
    }

    public sealed class Pupil
    {
        public string Class { get; set; } = "";
        public int GroupSize { get; set; }
        public int ClassSize { get; set; }
        public float Score { get; set; }
    }

    /// <summary>
    /// 40 classes of 15 pupils each: each class has its size (10 to 39), and each pupil a group within it whose size
    /// <paramref name="group"/> draws (from the random numbers, the class's index and its size).
    /// </summary>
    private static List<Pupil> Pupils(int seed, Func<Random, int, int, int> group)
    {
        var random = new Random(seed);
        var pupils = new List<Pupil>();
        for (int c = 0; c < 40; c++)
        {
            int size = 10 + (c * 7 + random.Next(3)) % 30;
            for (int p = 0; p < 15; p++)
                pupils.Add(new Pupil { Class = $"C{c:D2}", ClassSize = size, GroupSize = group(random, c, size), Score = MathF.Round(100 * random.NextSingle(), 1) });
        }
        return pupils;
    }

    [TestMethod]
    public void ALaterNumberThatACategoryFixesStaysTheCategorysAndIsNotOrdered()
    {
        // 40 classes of 15 pupils each in the table: each class has its size (10 to 39) and each pupil a group within
        // it of its own size, never above the class's and equal to it where the class is one group (every fifth class).
        // The order between the two sizes reads as two points on one scale; but the class fixes its size in every row.
        var pupils = Pupils(21, (random, c, size) => c % 5 == 0 ? size : random.Next(1, size + 1));
        double[] group = pupils.Select(p => (double)p.GroupSize).ToArray(), classSize = pupils.Select(p => (double)p.ClassSize).ToArray();
        Assert.AreEqual("GroupSize ≤ ClassSize", Found(["GroupSize", "ClassSize"], [s_int, s_int], [group, classSize]).Single().ToString(), "the pair alone reads as an order");
        int[] classes = pupils.Select(p => int.Parse(p.Class[1..], CultureInfo.InvariantCulture)).ToArray();
        Assert.IsTrue(TimeOrders.FixedByCategory(classes, 40, classSize, pupils.Count));
        Assert.IsFalse(TimeOrders.FixedByCategory(classes, 40, group, pupils.Count), "a group's size varies within its class");
        Assert.IsFalse(TimeOrders.FixedByCategory(Enumerable.Range(0, pupils.Count).ToArray(), pupils.Count, group, pupils.Count), "a category of a row each fixes nothing");

        // Nor is the group's size learned below the class's where orders below a fixed number are kept: they meet (a
        // share below the class's size cost bdf more than it gave, its group sizes no longer the class's own).
        foreach (bool below in new[] { false, true })
        {
            var ml = new MLContext(seed: 1);
            using var model = ml.Gan().Train(new GanTrainer.Options
            {
                Epochs = 1, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, DensityRatioFilter = false, OrdersBelowFixed = below,
            }).Fit(ml.Data.LoadFromEnumerable(pupils));
            Assert.IsEmpty(model.FoundOrders, $"the class keeps its size (OrdersBelowFixed {below})");
            CollectionAssert.Contains(model.Dependencies.Select(d => d.ToString()).ToArray(), "Class → ClassSize (every value)");
            var generated = ml.Data.CreateEnumerable<Pupil>(model.Generate(2000, seed: 2), reuseRowObject: false).ToArray();
            var sizes = generated.GroupBy(p => p.Class).Where(g => g.Select(p => p.ClassSize).Distinct().Count() > 1).Select(g => g.Key).ToArray();
            Assert.IsEmpty(sizes, $"every generated class has one size: {string.Join(", ", sizes.Take(5))} do not");
        }
    }

    public sealed class Checkup
    {
        public string Patient { get; set; } = "";
        public int Day { get; set; }
        public int FollowUp { get; set; }
        public float Lab { get; set; }
    }

    /// <summary>
    /// Each patient's end of follow-up (800 to 4,000 days, the same in each of the patient's rows) and visits on day 0,
    /// then every 150 to 500 days while before the end (at most ten): a visit's day is always below its patient's end,
    /// never on it.
    /// </summary>
    private static List<Checkup> Checkups(int patients, int seed)
    {
        var random = new Random(seed);
        var rows = new List<Checkup>();
        for (int p = 0; p < patients; p++)
        {
            int end = random.Next(800, 4001);
            for (int day = 0, visits = 0; day < end && visits < 10; day += random.Next(150, 501), visits++)
                rows.Add(new Checkup { Patient = $"P{p:D3}", Day = day, FollowUp = end, Lab = MathF.Round(10 + 5 * random.NextSingle(), 2) });
        }
        return rows;
    }

    [TestMethod]
    public void AVisitBeforeItsPatientsEndOfFollowUpIsKeptBelowItInEveryGeneratedRow()
    {
        var rows = Checkups(150, seed: 31);
        double[] day = rows.Select(r => (double)r.Day).ToArray(), end = rows.Select(r => (double)r.FollowUp).ToArray();
        int[] patients = rows.Select(r => int.Parse(r.Patient[1..], CultureInfo.InvariantCulture)).ToArray();
        Assert.IsTrue(TimeOrders.FixedByCategory(patients, 150, end, rows.Count));
        Assert.IsEmpty(Found(["Day", "FollowUp"], [s_int, s_int], [day, end]), "two numbers that never meet say too little on their own");
        Assert.IsTrue(TimeOrders.BelowFixed(day, end, rows.Count, strict: true));
        var found = TimeOrders.Find(["Day", "FollowUp"], [s_int, s_int], [day, end], rows.Count, [], () => { }, c => c == 1);
        Assert.AreEqual("Day < FollowUp", found.Single().ToString(), "below an end the patient fixes");
        Assert.IsEmpty(TimeOrders.Find(["Day", "FollowUp"], [s_int, s_int], [day, end], rows.Count, [], () => { }, c => c == 0), "the earlier column's being fixed says nothing");

        // Chance: 25 patients' rows keep the order as more than one in a million random pairings would (each patient's end one draw).
        var few = Checkups(25, seed: 43);
        double[] fewDays = few.Select(r => (double)r.Day).ToArray(), fewEnds = few.Select(r => (double)r.FollowUp).ToArray();
        // Every other test passes: many values each, spread alike, no curve; only chance refuses it.
        Assert.IsGreaterThan(NumericColumn.MaximumCodeValues, fewEnds.Distinct().Count());
        Assert.IsGreaterThan(NumericColumn.MaximumCodeValues, fewDays.Distinct().Count());
        Assert.IsLessThan(TimeOrders.MaximumNumberDistance, Common.ColumnStatistics.KolmogorovSmirnov(fewDays, fewEnds));
        Assert.IsLessThan(NumericTrend.MinimumExplained, NumericTrend.CurveExplained(fewDays, fewEnds));
        Assert.IsLessThan(NumericTrend.MinimumExplained, NumericTrend.CurveExplained(fewEnds, fewDays));
        Assert.IsFalse(TimeOrders.BelowFixed(fewDays, fewEnds, few.Count, strict: true),
            "25 patients' ends could keep the order by chance more than once in a million");

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        GanTrainer.Options Options(bool below) => new()
        {
            Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, OrdersBelowFixed = below,
        };
        using var model = ml.Gan().Train(Options(true)).Fit(data);
        Assert.AreEqual("Day < FollowUp", model.FoundOrders.Single().ToString());
        Assert.IsTrue(model.Model.Encoder.Constraints!.Derived.Single().Below);
        Checkup[] Generated(GanTransformer m) => ml.Data.CreateEnumerable<Checkup>(m.Generate(3000, seed: 6), reuseRowObject: false).ToArray();
        var kept = Generated(model);
        var broken = kept.Where(r => r.Day >= r.FollowUp || r.Day < 0).ToArray();
        Assert.IsEmpty(broken, $"every visit lies from day 0 to before its patient's end: {string.Join("; ", broken.Take(3).Select(r => $"day {r.Day} of {r.FollowUp}"))}");
        var ends = kept.GroupBy(r => r.Patient).Where(g => g.Select(r => r.FollowUp).Distinct().Count() > 1).Select(g => g.Key).ToArray();
        Assert.IsEmpty(ends, "each patient keeps one end");
        double first = kept.Count(r => r.Day == 0) / (double)kept.Length, real = rows.Count(r => r.Day == 0) / (double)rows.Count;
        Console.WriteLine($"visits on day 0: {first:P1} generated, {real:P1} real");
        Assert.IsGreaterThan(0.5 * real, first, "a patient's first visit, day 0, is a share of 0 of the way to the end");
        using var plain = ml.Gan().Train(Options(false)).Fit(data);
        Assert.IsEmpty(plain.FoundOrders, "off by default");
        var free = Generated(plain);
        Assert.IsGreaterThan(0.02, free.Count(r => r.Day >= r.FollowUp) / (double)free.Length, "two epochs do not teach the order without the rule");

        TestTables.AssertGraphAgrees(model.Model, seed: 7, 1000, [1, 2]);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.IsTrue(loaded.Model.Training.ToOptions().OrdersBelowFixed);
            Assert.IsTrue(loaded.Model.Encoder.Constraints!.Derived.Single().Below);
            CollectionAssert.AreEqual(kept.Select(r => (r.Day, r.FollowUp)).ToArray(), Generated(loaded).Select(r => (r.Day, r.FollowUp)).ToArray(), "the loaded model generates the same rows");
        });
    }

    /// <summary>
    /// Visits on a schedule, as in a trial: each patient's end of follow-up (800 to 4,000 days) and visits on day 0, at
    /// six months (182) and each year after (365, 730, …) while before the end; one visit in four is instead an unplanned
    /// one on a day of its own between the planned ones.
    /// </summary>
    private static List<Checkup> ScheduledCheckups(int patients, int seed)
    {
        var random = new Random(seed);
        var rows = new List<Checkup>();
        for (int p = 0; p < patients; p++)
        {
            int end = random.Next(800, 4001);
            int[] planned = [0, 182, .. Enumerable.Range(1, 10).Select(y => 365 * y)];
            for (int v = 0; v < planned.Length && planned[v] < end; v++)
            {
                int day = v > 0 && random.NextDouble() < 0.25 ? random.Next(planned[v - 1] + 1, planned[v]) : planned[v];
                rows.Add(new Checkup { Patient = $"P{p:D3}", Day = day, FollowUp = end, Lab = MathF.Round(10 + 5 * random.NextSingle(), 2) });
            }
        }
        return rows;
    }

    [TestMethod]
    public void AVisitScheduleKeepsItsDaysWhenItsVisitsAreLearnedBelowTheEnd()
    {
        var rows = ScheduledCheckups(150, seed: 8);
        int[] planned = [0, 182, .. Enumerable.Range(1, 10).Select(y => 365 * y)];
        double Planned(IReadOnlyCollection<Checkup> r) => r.Count(x => planned.Contains(x.Day)) / (double)r.Count;
        var ml = new MLContext(seed: 1);
        using var model = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, OrdersBelowFixed = true,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        var derived = model.Model.Encoder.Constraints!.Derived.Single();
        Assert.IsTrue(derived.Below);
        Assert.IsNotNull(derived.Scale, "the share is taken on the day's own quantiles");
        CollectionAssert.AreEqual(new[] { "FollowUp" }, model.Columns.Single(c => c.Name == "Day").LearnedBelow.ToArray(), "the model says what the day is learned below");
        Assert.IsEmpty(model.Columns.Single(c => c.Name == "FollowUp").LearnedBelow);
        var generated = ml.Data.CreateEnumerable<Checkup>(model.Generate(3000, seed: 6), reuseRowObject: false).ToArray();
        Assert.IsEmpty(generated.Where(r => r.Day >= r.FollowUp || r.Day < 0).ToArray(), "every visit lies from day 0 to before its patient's end");
        // On the numbers' scale a share lands on one planned day in hundreds: about 1 % of the rows came out planned.
        Console.WriteLine($"planned days: {Planned(generated):P1} generated, {Planned(rows):P1} real; six months {generated.Count(r => r.Day == 182) / 3000.0:P1}");
        Assert.IsGreaterThan(0.5 * Planned(rows), Planned(generated), "a planned day holds a run of the day's quantiles, and shares that land in it come out on it");
        Assert.IsGreaterThan(0.03, generated.Count(r => r.Day == 182) / 3000.0, "six months is a planned day of its own");
        TestTables.AssertGraphAgrees(model.Model, seed: 7, 1000, [1, 2]);

        // A file of format 38 has no scale: it takes the share on the day's numbers, and still keeps every visit before its end.
        string folder = Directory.CreateTempSubdirectory("gan-below-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            File.WriteAllBytes(path, Hostile.HostileFiles.Saved(model));
            Hostile.HostileFiles.EditManifest(path, m =>
            {
                m["FormatVersion"] = 38;
                m["Constraints"]!["Derived"]!.AsArray()[0]!.AsObject().Remove("Scale");
            });
            using var older = ml.Gan().LoadModel(path);
            Assert.IsNull(older.Model.Encoder.Constraints!.Derived.Single().Scale);
            var linear = ml.Data.CreateEnumerable<Checkup>(older.Generate(3000, seed: 6), reuseRowObject: false).ToArray();
            Assert.IsEmpty(linear.Where(r => r.Day >= r.FollowUp || r.Day < 0).ToArray(), "a format-38 file keeps its visits before the end");
            Assert.IsLessThan(0.5 * Planned(rows), Planned(linear), "and decodes on the numbers' scale, as it was written for");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A model with a visit's day learned below its patient's end, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_below = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, DensityRatioFilter = false,
            OrdersBelowFixed = true,
        }).Fit(ml.Data.LoadFromEnumerable(Checkups(150, seed: 31)));
        Assert.IsTrue(model.Model.Encoder.Constraints!.Derived.Single().Below);
        return Hostile.HostileFiles.Saved(model);
    });

    [TestMethod]
    public void AFileThatLiesAboutAColumnLearnedBelowAnotherIsRefused()
    {
        static System.Text.Json.Nodes.JsonObject Derived(System.Text.Json.Nodes.JsonObject m) => m["Constraints"]!["Derived"]!.AsArray()[0]!.AsObject();
        // Said to lie above its anchor: its rule (Day < FollowUp) is then held by no derived column.
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => { Derived(m)["Below"] = null; Derived(m)["Scale"] = null; }, "the flag dropped", "is not held by the model's columns");
        // Its scale said to be a column above its anchors', or out of order, or past its range: decoding would leave it.
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Below"] = null, "a scale above", "has a scale that is not");
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Scale"]!.AsArray()[1] = -1.0, "a scale out of order", "has a scale that is not");
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Scale"]!.AsArray()[^1] = 1e9, "a scale past its maximum", "has a scale that is not");
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Scale"] = new System.Text.Json.Nodes.JsonArray(0.0), "a scale of one value", "has a scale that is not");
        // Its anchor dropped: nothing keeps the day below the end.
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Anchors"] = new System.Text.Json.Nodes.JsonArray(), "no anchor", "has no anchor");
        // Its strictness dropped: a share of 1 would land on the end.
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Anchors"]!.AsArray()[0]!["Strict"] = false, "not strict", "is not held by the model's columns");
        // A minimum that is no number.
        Hostile.HostileFiles.RefusedLie(s_below.Value, m => Derived(m)["Minimum"] = "NaN", "a minimum of NaN", "not a finite number");
    }

    public sealed class Basket
    {
        public int Fruit { get; set; }
        public int Vegetables { get; set; }
        public int Total { get; set; }
    }

    [TestMethod]
    public void APartBelowItsSumThatMeetsItWhereTheOtherPartIsZeroIsLeftToTheFormula()
    {
        // Fruit 0-500, vegetables 0-300 (none in about 1 basket of 10), their total: fruit never above it, equal where
        // there are no vegetables, spread alike, and not a curve of it: an order on its own, but the sum keeps more.
        var random = new Random(8);
        var baskets = Enumerable.Range(0, 600).Select(i =>
        {
            int fruit = random.Next(501), vegetables = i % 10 == 0 ? 0 : random.Next(301);
            return new Basket { Fruit = fruit, Vegetables = vegetables, Total = fruit + vegetables };
        }).ToArray();
        double[] fruit = baskets.Select(b => (double)b.Fruit).ToArray(), total = baskets.Select(b => (double)b.Total).ToArray();
        Assert.AreEqual("Fruit ≤ Total", Found(["Fruit", "Total"], [s_int, s_int], [fruit, total]).Single().ToString(), "the pair alone reads as an order");

        var ml = new MLContext(seed: 1);
        using var model = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5, DensityRatioFilter = false,
        }).Fit(ml.Data.LoadFromEnumerable(baskets));
        Assert.AreEqual("Total = Fruit + Vegetables", model.Formulas.Single().ToString());
        Assert.IsEmpty(model.FoundOrders, "the order gives way to the formula");
        var generated = ml.Data.CreateEnumerable<Basket>(model.Generate(2000, seed: 2), reuseRowObject: false).ToArray();
        // The sum holds in every row whose sum lies in the total's training range (a formula makes no value beyond it).
        int most = baskets.Max(b => b.Total);
        var broken = generated.Where(b => b.Total != b.Fruit + b.Vegetables && b.Fruit + b.Vegetables <= most).ToArray();
        Assert.IsEmpty(broken, $"{broken.Length} rows break the sum, e.g. {string.Join("; ", broken.Take(3).Select(b => $"{b.Fruit} + {b.Vegetables} = {b.Total}"))}");
        Assert.IsLessThan(0.01, generated.Count(b => b.Total != b.Fruit + b.Vegetables) / (double)generated.Length);
    }

    [TestMethod]
    public void ATrainedModelKeepsTheOrderOfTwoNumbersInEveryRowAndOlderFilesFindNone()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Patients(600, seed: 4));
        GanTrainer.Options Options(bool orders) => new()
        {
            Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5,
            DensityRatioFilter = false, NumberOrders = orders,
        };
        using var model = ml.Gan().Train(Options(true)).Fit(data);
        Assert.AreEqual("Recurrence ≤ FollowUp", model.FoundOrders.Single().ToString(), "found, not given");
        Assert.AreEqual(0, model.Options.Constraints.Count);
        using var plain = ml.Gan().Train(Options(false)).Fit(data);
        Assert.AreEqual(0, plain.Constraints.Count);

        Patient[] Rows(GanTransformer m) => ml.Data.CreateEnumerable<Patient>(m.Generate(5000, seed: 6), reuseRowObject: false).ToArray();
        var kept = Rows(model);
        Assert.IsTrue(kept.All(p => p.FollowUp >= p.Recurrence), $"every follow-up ends on or after its recurrence: {kept.Count(p => p.FollowUp < p.Recurrence)} rows do not");
        double meet = kept.Count(p => p.FollowUp == p.Recurrence) / (double)kept.Length;
        Assert.IsTrue(meet is > 0.3 and < 0.7, $"and on the same day in about half the rows, as in training: {meet:P1}");
        var learned = Rows(plain);
        Assert.IsGreaterThan(0.1, learned.Count(p => p.FollowUp < p.Recurrence) / (double)learned.Length, "three epochs do not teach the order without the rule");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.IsTrue(loaded.Model.Training.ToOptions().NumberOrders);
            Assert.AreEqual("Recurrence ≤ FollowUp", loaded.FoundOrders.Single().ToString());
            CollectionAssert.AreEqual(kept.Select(p => (p.Recurrence, p.FollowUp)).ToArray(), Rows(loaded).Select(p => (p.Recurrence, p.FollowUp)).ToArray(), "the loaded model generates the same rows");
        });

        var record = TrainingRecord.From(new GanTrainer.Options());
        Assert.IsTrue(record.ToOptions().NumberOrders, "on by default, written and read back");
        record.NumberOrders = null; // as read from a file of format 30 or older
        Assert.IsFalse(record.ToOptions().NumberOrders);
        Assert.IsFalse(GanTrainer.Options.Classic().NumberOrders);
        Assert.IsFalse(new GanTrainer.Options().OrdersBelowFixed, "orders below a fixed number: off by default");
        Assert.IsTrue(TrainingRecord.From(new GanTrainer.Options { OrdersBelowFixed = true }).ToOptions().OrdersBelowFixed, "written and read back");
        Assert.IsFalse(GanTrainer.Options.Classic().OrdersBelowFixed);
    }
}
