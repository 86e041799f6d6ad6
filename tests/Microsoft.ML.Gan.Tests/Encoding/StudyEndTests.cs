using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Study ends: a follow-up every training row keeps below a bound falling with the year of entry (months + 12 × year
/// never past the end of 1999) is found at Fit and learned as its share of the time left; a time to progression below
/// it, meeting it in most rows, takes its bound and keeps its order; noise, a column a constraint names and a column
/// below 0 take none. Every training value's share decodes back to it; generated rows never pass the end, in .NET and
/// in the graph alike, after a save and a load too, where a generator of as few epochs without the rule passes it in a
/// fifth of its rows; a file that lies about a study end is refused.
/// </summary>
[TestClass]
public sealed class StudyEndTests
{
    /// <summary>
    /// <paramref name="rows"/> patients diagnosed from <paramref name="first"/> to 1994 (Year, Int32) and followed to death or the end of 1999
    /// (Months, Int32: a third alive, within 24 months of the end, the rest dead at any month of their time); Progress
    /// (Int32) the months to progression, the follow-up itself for the four in five who never progress; Dose (Single)
    /// noise; Change (Double) noise around 0, below 0 in half the rows; Sex (text) noise.
    /// </summary>
    private static IDataView Patients(int seed, int rows = 1500, int first = 1960)
    {
        var random = new Random(seed);
        var year = new int[rows];
        var months = new int[rows];
        var progress = new int[rows];
        var dose = new float[rows];
        var change = new double[rows];
        var sex = new ReadOnlyMemory<char>[rows];
        for (int r = 0; r < rows; r++)
        {
            year[r] = random.Next(first, 1995);
            int left = 12 * (2000 - year[r]);
            months[r] = random.Next(3) == 0 ? left - random.Next(25) : 1 + random.Next(left);
            progress[r] = random.Next(5) == 0 ? 1 + random.Next(months[r]) : months[r];
            dose[r] = (float)Math.Round(10 + 40 * random.NextDouble(), 1);
            change[r] = Math.Round(random.NextDouble() * 2 - 1, 3);
            sex[r] = (random.Next(2) == 0 ? "F" : "M").AsMemory();
        }
        return new TestTables.ArrayView(
        [
            ("Year", NumberDataViewType.Int32, year), ("Months", NumberDataViewType.Int32, months), ("Progress", NumberDataViewType.Int32, progress),
            ("Dose", NumberDataViewType.Single, dose), ("Change", NumberDataViewType.Double, change), ("Sex", TextDataViewType.Instance, sex),
        ]);
    }

    private static readonly ColumnFitSettings s_settings = new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true)
    {
        Trends = true, Formulas = true, EntityLevels = true, NumberOrders = true, StudyEnds = true,
    };

    private static GanTrainer.Options Small(bool ends = true, int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, StudyEnds = ends,
    };

    private static string Ends(TabularEncoder encoder) => string.Join("; ", encoder.StudyEnds.Select(e => $"{e.TargetName} along {e.EntryName}"));

    private const string Expected = "Months along Year; Progress along Year";

    /// <summary>The share of <paramref name="rows"/> whose Months pass the end of 1999 (12 × 2000 − 12 × Year) by more than a month.</summary>
    private static double PastTheEnd(IDataView rows)
    {
        var year = TestTables.Column(rows, "Year").Select(Convert.ToDouble).ToArray();
        var months = TestTables.Column(rows, "Months").Select(Convert.ToDouble).ToArray();
        return (double)Enumerable.Range(0, year.Length).Count(r => months[r] > 12 * (2000 - year[r]) + 1) / year.Length;
    }

    [TestMethod]
    public void AFollowUpEveryRowEndsByTheStudysEndIsLearnedAsItsShareOfTheTimeLeft()
    {
        var data = Patients(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var logged = new List<string>();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, s_settings, () => { }, log: logged.Add);
        encoded.Dispose();
        Assert.AreEqual(Expected, Ends(encoder), "Dose is noise, Change below 0, Sex no number; Year below 2000 − Months / 12 starts far from 0, no time");
        var months = encoder.StudyEnds[0];
        Assert.AreEqual(12, months.Scale, 0.5, "a year takes 12 months off the time left");
        Assert.IsGreaterThan(0.2, months.NearShare, "the living, near the end");
        Assert.IsTrue(months.IsInteger && months.Unit == StudyEnd.FineUnit, "an Int32 column's share in millionths");
        Assert.IsTrue(encoder.StudyEnds[1].SameBound(months), "Progress, never past the follow-up and equal to it in most rows, takes its bound");
        // The order between the two holds between their shares: kept as a rule.
        Assert.IsTrue(encoder.Constraints!.Rules.Any(r => r.ToString() == "Progress ≤ Months"), string.Join("; ", encoder.Constraints.Rules));
        Assert.IsTrue(logged.Any(l => l.Contains("Options.StudyEnds") && l.Contains("Months as its share of what Months + 1")), string.Join("\n", logged));
        // The column's info: its own range and grid, and the bound.
        var info = encoder.Info(1);
        Assert.AreEqual(months.Rule, info.StudyEnd);
        Assert.AreEqual("Year", info.StudyEndEntry);
        Assert.AreEqual(1.0, info.Step);
        Assert.AreEqual(TestTables.Column(data, "Months").Cast<int>().Max(), info.Maximum);

        Assert.IsEmpty(TabularEncoder.Fit(data, names, s_settings with { StudyEnds = false }, () => { }).Encoder.StudyEnds);
        // A column a constraint names takes none; the other keeps its own.
        var ruled = TabularEncoder.Fit(data, names, s_settings, () => { }, constraints: [GanConstraint.Positive("Months")]).Encoder;
        Assert.IsFalse(ruled.StudyEnds.Any(e => e.TargetName == "Months"), Ends(ruled));
        // Months shuffled across the years: no bound.
        var random = new Random(5);
        var shuffled = TestTables.Column(data, "Months").Cast<int>().OrderBy(_ => random.Next()).ToArray();
        var apart = new TestTables.ArrayView([("Year", NumberDataViewType.Int32, TestTables.Column(data, "Year").Cast<int>().ToArray()), ("Months", NumberDataViewType.Int32, shuffled)]);
        Assert.IsEmpty(TabularEncoder.Fit(apart, ["Year", "Months"], s_settings, () => { }).Encoder.StudyEnds);
        // Entries of 1985-1994 only (10 years): with grouped maps, a map grouped by the year may keep each year's time left,
        // and no study end is made; without them, it is.
        var recent = Patients(seed: 1, first: 1985);
        Assert.AreEqual(Expected, Ends(TabularEncoder.Fit(recent, names, s_settings, () => { }).Encoder));
        var grouped = TabularEncoder.Fit(recent, names, s_settings with { Marginal = true, Groups = true }, () => { }).Encoder;
        Assert.IsEmpty(grouped.StudyEnds);
        Assert.AreEqual(Expected, Ends(TabularEncoder.Fit(data, names, s_settings with { Marginal = true, Groups = true }, () => { }).Encoder), "35 years are no code");
    }

    [TestMethod]
    public void EveryTrainingValuesShareDecodesBackToItAndTrainingRowsReadAgainHoldTheShares()
    {
        var data = Patients(seed: 2);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, s_settings, () => { });
        encoded.Dispose();
        Assert.AreEqual(Expected, Ends(encoder));
        var year = TestTables.Column(data, "Year").Select(Convert.ToDouble).ToArray();
        foreach (var end in encoder.StudyEnds)
        {
            var values = TestTables.Column(data, end.TargetName).Select(Convert.ToDouble).ToArray();
            for (int r = 0; r < values.Length; r++)
            {
                double share = end.Share(values[r], year[r]);
                Assert.IsTrue(share >= 0 && share <= end.Unit && share == Math.Round(share), $"{end.TargetName}, row {r}: {share}");
                Assert.AreEqual(values[r], end.Value(share, year[r]), $"{end.TargetName}, row {r}");
            }
        }
        // Read back (as a model settled again reads its training rows), the targets hold their shares.
        var (real, count) = encoder.ReadRows(data, 10_000, seed: 1, () => { });
        var before = encoder.StudyEnds.Select(e => real.Numbers(e.Target).Take(count).ToArray()).ToArray();
        var entry = real.Numbers(0).Take(count).ToArray();
        encoder.TrendResiduals(real, count);
        for (int i = 0; i < encoder.StudyEnds.Count; i++)
            for (int r = 0; r < count; r++)
                Assert.AreEqual(encoder.StudyEnds[i].Share(before[i][r], entry[r]), real.Numbers(encoder.StudyEnds[i].Target)[r], $"{encoder.StudyEnds[i].TargetName}, row {r}");
        // A share decodes within the target's range and grid, whatever the generator makes of it.
        var months = encoder.StudyEnds[0];
        Assert.AreEqual(months.Minimum, months.Value(-500, 1994));
        Assert.AreEqual(Math.Round(months.Room(1994)), months.Value(2 * months.Unit, 1994), "a share past 1 is the whole time left");
        Assert.AreEqual(months.Room(1960), months.Room(1900), "an entry is read within its training range");
        Assert.IsTrue(double.IsNaN(months.Value(double.NaN, 1980)));
        // Seconds over a week (600,000 steps): millionths bring every whole value back, where ten-thousandths would miss by up to 30.
        var seconds = new StudyEnd(0, "Seconds", 1, "Start", 1, 1_000_000, 0, 400_000, 0, 600_000, null, 0.2, StudyEnd.FineUnit);
        foreach (double v in new[] { 0.0, 1, 12_345, 299_999, 599_999 })
            Assert.AreEqual(v, seconds.Value(seconds.Share(v, 400_000), 400_000), $"{v} seconds");
        Assert.AreEqual(StudyEnd.FineUnit, StudyEnd.UnitFor((NumericKind)ColumnKinds.Find(NumberDataViewType.Int32)!));
        Assert.AreEqual(StudyEnd.IntegerUnit, StudyEnd.UnitFor((NumericKind)ColumnKinds.Find(NumberDataViewType.Int16)!), "a 16-bit column cannot hold a million");
        Assert.AreEqual(0, StudyEnd.UnitFor((NumericKind)ColumnKinds.Find(NumberDataViewType.Byte)!), "nor a byte ten thousand: no study end");
        Assert.AreEqual(1, StudyEnd.UnitFor((NumericKind)ColumnKinds.Find(NumberDataViewType.Single)!));
    }

    [TestMethod]
    public void GeneratedRowsNeverPassTheStudysEndInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Patients(seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual(Expected, Ends(model.Model.Encoder));
        Assert.AreEqual("Year", model.Columns.Single(c => c.Name == "Months").StudyEndEntry);
        using var bare = ml.Gan().Train(Small(ends: false)).Fit(data);
        Assert.IsEmpty(bare.Model.Encoder.StudyEnds);
        Assert.IsNull(bare.Columns.Single(c => c.Name == "Months").StudyEnd);
        var generated = model.Generate(2000, seed: 5);
        double with = PastTheEnd(generated), without = PastTheEnd(bare.Generate(2000, seed: 5));
        Console.WriteLine($"rows past the end of 1999: {PastTheEnd(data):P1} real, {with:P1} generated with the study's end, {without:P1} without");
        Assert.AreEqual(0, PastTheEnd(data));
        Assert.AreEqual(0, with, "a share of the time left cannot pass the end");
        Assert.IsGreaterThan(0.1, without, "the contrast: a generator of a few epochs on its own passes it");
        var progress = TestTables.Column(generated, "Progress").Cast<int>().ToArray();
        var months = TestTables.Column(generated, "Months").Cast<int>().ToArray();
        Assert.IsTrue(Enumerable.Range(0, progress.Length).All(r => progress[r] <= months[r] && progress[r] >= 1), "progression within the follow-up, from month 1");

        // The network's outputs may differ in their last bit between the runtimes: a value on a rounding boundary of its grid then comes out a step apart.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (_, step) => double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(Expected, Ends(loaded.Model.Encoder));
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Months"), TestTables.Column(loaded.Generate(300, seed: 8), "Months"));
        });
    }

    public static IEnumerable<object[]> EndLies =>
    [
        ["a scale of 0", (Action<JsonArray>)(l => l[0]!["Scale"] = 0), "a scale above 0"],
        ["an infinite limit", (Action<JsonArray>)(l => l[0]!["Limit"] = "Infinity"), "needs finite numbers"],
        ["a huge limit", (Action<JsonArray>)(l => l[0]!["Limit"] = 1e300), "needs finite numbers"],
        ["an entry's range upside down", (Action<JsonArray>)(l => l[0]!["EntryLow"] = 3000), "an entry's range"],
        ["a target below 0", (Action<JsonArray>)(l => l[0]!["Minimum"] = -1), "a target's range from 0"],
        ["a target past its type", (Action<JsonArray>)(l => l[0]!["Maximum"] = 1e12), "within its type"],
        ["a share of people past 1", (Action<JsonArray>)(l => l[0]!["NearShare"] = 2), "a share from 0 to 1"],
        ["a Single's unit on an Int32", (Action<JsonArray>)(l => l[0]!["Unit"] = 1), "learns its share in units of 1; a column of its type learns it in units of 1000000"],
        ["a 16-bit column's unit on an Int32", (Action<JsonArray>)(l => l[0]!["Unit"] = 10_000), "learns its share in units of 10000;"],
        ["a text column as its target", (Action<JsonArray>)(l => l[0]!["Target"] = "Sex"), "needs two number columns"],
        ["an unknown column", (Action<JsonArray>)(l => l[0]!["Entry"] = "Nobody"), "does not name two columns of the model"],
        ["its own entry", (Action<JsonArray>)(l => l[0]!["Entry"] = "Months"), "does not name two columns of the model"],
        ["the same target twice", (Action<JsonArray>)(l => l[1] = l[0]!.DeepClone()), "two study ends of 'Months'"],
        ["another's target as its entry", (Action<JsonArray>)(l => l[1]!["Entry"] = "Months"), "which is a study end's target itself"],
        ["half a grid", (Action<JsonArray>)(l => l[0]!.AsObject().Remove("GridDecimals")), "has half a grid"],
        ["an order with another bound", (Action<JsonArray>)(l => l[1]!["Limit"] = l[1]!["Limit"]!.GetValue<double>() + 12), "a constraint with a column of no study end of the same bound"],
    ];

    /// <summary>A model with the two study ends, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 1)).Fit(Patients(seed: 4, rows: 600));
        Assert.AreEqual(Expected, Ends(model.Model.Encoder));
        Assert.AreEqual(1.0, model.Model.Encoder.StudyEnds[0].Grid!.Value.Step, "a whole-number target's grid");
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(EndLies))]
    public void AManifestThatLiesAboutAStudysEndIsRefused(string lie, Action<JsonArray> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => edit(manifest["StudyEnds"]!.AsArray()), lie);
        StringAssert.Contains(e.Message, named, lie);
    }
}
