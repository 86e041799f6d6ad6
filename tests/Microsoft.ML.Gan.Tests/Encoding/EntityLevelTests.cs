using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Entity levels: a number each category of a column of many categories holds about a level of its own (a patient's
/// bilirubin over its visits, its stage) is found at Fit and learned as its distance from the level; a number the
/// category does not set (noise), a column of few categories, one a category fixes in every row, or one a constraint
/// names is not. Every training value's distance decodes back to it; generated rows keep each patient's band, in .NET
/// and in the graph alike, after a save and a load too; a file that lies about a level is refused.
/// </summary>
[TestClass]
public sealed class EntityLevelTests
{
    /// <summary>
    /// 60 patients of 4 to 12 visits each: Bili (Single, one decimal) is e^(the patient's level + a visit's noise of a
    /// fifth of the levels' spread); Stage (Int32, 1 to 4) the patient's own but in a third of the patients one higher
    /// from a later visit on; Score (Single) noise; Age (Double) each patient's own; Ward (text, 5 wards) noise.
    /// </summary>
    internal static IDataView Visits(int seed, int patients = 60)
    {
        var random = new Random(seed);
        var normal = TestTables.Normal(20_000, seed);
        int n = 0;
        var patient = new List<ReadOnlyMemory<char>>();
        var bili = new List<float>();
        var stage = new List<int>();
        var score = new List<float>();
        var age = new List<double>();
        var ward = new List<ReadOnlyMemory<char>>();
        for (int p = 0; p < patients; p++)
        {
            double level = normal[n++];
            int own = 1 + random.Next(3), rows = 4 + random.Next(9), later = random.Next(3) == 0 ? 1 + random.Next(rows - 1) : int.MaxValue;
            double years = Math.Round(30 + 40 * random.NextDouble(), 2);
            for (int i = 0; i < rows; i++)
            {
                patient.Add($"P{p:00}".AsMemory());
                bili.Add((float)Math.Round(0.1 + Math.Exp(level + 0.2 * normal[n++]), 1));
                stage.Add(own + (i >= later ? 1 : 0));
                score.Add((float)Math.Round(50 + 10 * normal[n++], 1));
                age.Add(years);
                ward.Add($"W{random.Next(5)}".AsMemory());
            }
        }
        return new TestTables.ArrayView(
        [
            ("Patient", TextDataViewType.Instance, patient.ToArray()), ("Bili", NumberDataViewType.Single, bili.ToArray()), ("Stage", NumberDataViewType.Int32, stage.ToArray()),
            ("Score", NumberDataViewType.Single, score.ToArray()), ("Age", NumberDataViewType.Double, age.ToArray()), ("Ward", TextDataViewType.Instance, ward.ToArray()),
        ]);
    }

    private static readonly ColumnFitSettings s_settings = new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, Formulas = true, EntityLevels = true, EntityLevelLines = true };

    private static GanTrainer.Options Small(bool levels = true, int epochs = 3, bool lines = true) => new()
    {
        Epochs = epochs, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, EntityLevels = levels,
        EntityLevelLines = lines,
    };

    private const string Expected = "Bili about a level for each Patient; Stage about a level for each Patient";

    private static string Levels(TabularEncoder encoder) => string.Join("; ", encoder.EntityLevels.Select(l => $"{l.TargetName} about a level for each {l.EntityName}"));

    [TestMethod]
    public void ANumberEachPatientHoldsAboutALevelOfItsOwnIsLearnedAsItsDistanceFromIt()
    {
        var data = Visits(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var logged = new List<string>();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, s_settings, () => { }, log: logged.Add);
        encoded.Dispose();
        Assert.AreEqual(Expected, Levels(encoder), "Score is noise, Age each patient's own in every row (a dependency), Ward a column of 5 categories");
        foreach (var level in encoder.EntityLevels)
        {
            Assert.IsTrue(level.Explained is > 0.5 and < 1, $"{level}: {level.Explained}");
            Assert.AreEqual(60, level.Levels.Count, "a level for each patient");
        }
        var bili = encoder.EntityLevels[0];
        Assert.AreEqual(1.0, bili.Scale);
        Assert.AreEqual(EntityLevel.IntegerScale, encoder.EntityLevels[1].Scale, "a whole-number column's distances in thousandths");
        Assert.IsTrue(encoder.Dependencies.Any(d => d.ToInfo().ToString().Contains("Age")), "Age stays the patient's by a dependency");
        Assert.IsTrue(logged.Any(l => l.Contains("about a level of its own") && l.Contains("Bili about a level for each Patient")), string.Join("\n", logged));
        // The column's info: its own range and grid, not its distances'.
        var info = encoder.Info(1);
        Assert.AreEqual("Patient", info.LevelWithin);
        Assert.AreEqual(0.1, info.Step, 1e-12);
        Assert.AreEqual(bili.Minimum, info.Minimum);

        var without = TabularEncoder.Fit(data, names, s_settings with { EntityLevels = false }, () => { }).Encoder;
        Assert.IsEmpty(without.EntityLevels);
        // A dependency on some patients' stage (those whose stage never moves) gives way to the level.
        Assert.IsTrue(without.Dependencies.Any(d => d.TargetName == "Stage"), string.Join("; ", without.Dependencies.Select(d => d.ToInfo())));
        Assert.IsFalse(encoder.Dependencies.Any(d => d.TargetName == "Stage" || d.TargetName == "Bili" || d.DeterminantName == "Bili"), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        Assert.IsTrue(logged.Any(l => l.Contains("in place of")), string.Join("\n", logged));
        // A column a constraint names takes no part.
        var ruled = TabularEncoder.Fit(data, names, s_settings, () => { }, constraints: [GanConstraint.Positive("Bili")]).Encoder;
        Assert.AreEqual("Stage about a level for each Patient", Levels(ruled));
        // Fewer than 20 patients: the generator learns each one's spread itself.
        Assert.IsEmpty(TabularEncoder.Fit(Visits(seed: 1, patients: 15), names, s_settings, () => { }).Encoder.EntityLevels);
    }

    [TestMethod]
    public void TheLevelsExplainWhatTheCategoriesSetAndNothingByChance()
    {
        const int groups = 200, each = 5;
        var codes = new CategoryCodes(Enumerable.Range(0, groups * each).Select(r => r / each).ToArray(), groups);
        var noise = TestTables.Normal(groups * each, seed: 3);
        var chance = EntityLevel.Explain(noise, codes, groups * each);
        Assert.IsNotNull(chance);
        Assert.IsLessThan(0.1, chance.Value.Explained, "5 rows a category explain about a fifth of noise unadjusted; adjusted, about nothing");
        var strong = noise.Select((v, r) => 3 * noise[r / each * each] + 0.3 * v).ToArray(); // each group's first draw sets its level
        Assert.IsGreaterThan(0.85, EntityLevel.Explain(strong, codes, groups * each)!.Value.Explained);
        // The category's own value in every row: no spread within, no level (a dependency's).
        Assert.IsNull(EntityLevel.Explain(noise.Select((_, r) => noise[r / each * each]).ToArray(), codes, groups * each));
        // Categories of 60 rows each: a map of its own keeps each one's spread, no level.
        var more = TestTables.Normal(1200, seed: 4);
        var large = new CategoryCodes(Enumerable.Range(0, 1200).Select(r => r / 60).ToArray(), 20);
        Assert.IsNull(EntityLevel.Explain(more.Select((v, r) => 3 * more[r / 60 * 60] + 0.3 * v).ToArray(), large, 1200));
        var small = new CategoryCodes(Enumerable.Range(0, 1200).Select(r => r / 40).ToArray(), 30);
        Assert.IsGreaterThan(0.85, EntityLevel.Explain(more.Select((v, r) => 3 * more[r / 40 * 40] + 0.3 * v).ToArray(), small, 1200)!.Value.Explained,
            "categories of 40 rows each: a level");
        // Categories of 2 rows (below 3) hold none of the values: no level.
        var pairs = new CategoryCodes(Enumerable.Range(0, 400).Select(r => r / 2).ToArray(), 200);
        Assert.IsNull(EntityLevel.Explain(noise.Take(400).ToArray(), pairs, 400));
    }

    [TestMethod]
    public void EveryTrainingValuesDistanceDecodesBackToIt()
    {
        var data = Visits(seed: 2);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, s_settings, () => { });
        encoded.Dispose();
        Assert.AreEqual(Expected, Levels(encoder));
        var patients = (CategoricalColumn)encoder.Columns[0];
        var byName = Enumerable.Range(0, patients.LevelCount).ToDictionary(patients.LevelName, l => l);
        var patient = TestTables.Column(data, "Patient").Select(v => byName[v.ToString()!]).ToArray();
        foreach (var (level, column) in new[] { (encoder.EntityLevels[0], "Bili"), (encoder.EntityLevels[1], "Stage") })
        {
            var values = TestTables.Column(data, column).Select(Convert.ToDouble).ToArray();
            var kind = (NumericKind)encoder.Columns[level.Target].Kind;
            for (int r = 0; r < values.Length; r++)
                Assert.AreEqual(values[r], kind.Stored(level.Value(kind.Stored(level.Distance(values[r], patient[r])), patient[r])), $"{column}, row {r}");
        }
        // A patient's own rows lie close to its level: their distances spread far less than the values' log-odds.
        var stage = encoder.EntityLevels[1];
        Assert.IsTrue(Enumerable.Range(0, patient.Length).Count(r => stage.Distance(TestTables.Column(data, "Stage").Cast<int>().ElementAt(r), patient[r]) == 0) > patient.Length / 3,
            "a patient whose stage never moves has its stage at distance 0");
    }

    [TestMethod]
    public void TrainingRowsReadAgainHoldEachLevelTargetsDistancesAsFitLearnedThem()
    {
        // A model settled again groups its maps on the training rows read back: a level target's map is of its distances,
        // so the rows read back must hold them, each patient's centred on its level, not the values themselves.
        var data = Visits(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, s_settings, () => { });
        encoded.Dispose();
        Assert.AreEqual(Expected, Levels(encoder));
        var (real, count) = encoder.ReadRows(data, 10_000, seed: 1, () => { });
        var patient = real.Levels(0).Take(count).ToArray();
        var values = encoder.EntityLevels.Select(l => real.Numbers(l.Target).Take(count).ToArray()).ToArray();
        encoder.TrendResiduals(real, count);
        for (int i = 0; i < encoder.EntityLevels.Count; i++)
        {
            var level = encoder.EntityLevels[i];
            var distances = real.Numbers(level.Target);
            for (int r = 0; r < count; r++) Assert.AreEqual(level.Distance(values[i][r], patient[r]), distances[r], $"{level.TargetName}, row {r}");
            // Each patient's distances average its level's own distance, 0 (in thousandths for the whole-number stage, rounded).
            double tolerance = level.IsInteger ? 0.5 : 1e-9;
            foreach (var rows in Enumerable.Range(0, count).GroupBy(r => patient[r]))
                Assert.AreEqual(0, rows.Average(r => distances[r]), tolerance, $"{level.TargetName} of patient {rows.Key}");
            Assert.IsTrue(Enumerable.Range(0, count).GroupBy(r => patient[r]).Any(rows => Math.Abs(rows.Average(r => values[i][r])) > 1),
                $"{level.TargetName}'s values themselves do not centre on 0");
        }
    }

    /// <summary>Each distinct text of column <paramref name="column"/> of <paramref name="data"/>, numbered in the order first seen.</summary>
    private static Dictionary<string, int> Indices(IDataView data, string column) =>
        TestTables.Column(data, column).Select(v => v.ToString()!).Distinct().Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);

    /// <summary>The adjusted share of log(Bili)'s spread the patients explain in <paramref name="rows"/>.</summary>
    private static double PatientsExplain(IDataView rows, IReadOnlyDictionary<string, int> byName)
    {
        var patient = TestTables.Column(rows, "Patient").Select(v => byName[v.ToString()!]).ToArray();
        var bili = TestTables.Column(rows, "Bili").Select(v => Math.Log((float)v)).ToArray();
        return EntityLevel.Explain(bili, new CategoryCodes(patient, byName.Count), bili.Length)!.Value.Explained;
    }

    [TestMethod]
    public void GeneratedRowsKeepEachPatientsBandInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Visits(seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual(Expected, Levels(model.Model.Encoder));
        Assert.AreEqual("Patient", model.Columns.Single(c => c.Name == "Bili").LevelWithin);
        using var bare = ml.Gan().Train(Small(levels: false)).Fit(data);
        Assert.IsEmpty(bare.Model.Encoder.EntityLevels);
        Assert.IsNull(bare.Columns.Single(c => c.Name == "Bili").LevelWithin);
        var byName = Indices(data, "Patient");
        double real = PatientsExplain(data, byName), with = PatientsExplain(model.Generate(2000, seed: 5), byName), without = PatientsExplain(bare.Generate(2000, seed: 5), byName);
        Console.WriteLine($"share of log(Bili)'s spread the patients explain: {real:P1} real, {with:P1} generated with levels, {without:P1} without");
        Assert.IsGreaterThan(0.9, real);
        Assert.IsGreaterThan(0.7, with, "each patient's visits in its own band");
        Assert.IsLessThan(0.3, without, "the contrast: a generator of a few epochs on its own spreads a patient's visits over the column");
        // Every value in the column's training range, on its grid.
        var stages = TestTables.Column(model.Generate(500, seed: 6), "Stage").Cast<int>().ToArray();
        Assert.IsTrue(stages.All(s => s is >= 1 and <= 4), string.Join(", ", stages.Distinct()));

        // The network's outputs may differ in their last bit between the runtimes: a value on a rounding boundary of its grid then comes out a step apart.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (_, step) => double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(Expected, Levels(loaded.Model.Encoder));
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Bili"), TestTables.Column(loaded.Generate(300, seed: 8), "Bili"));
        });
    }

    [TestMethod]
    public void ALevelsTargetIsMappedOntoItsTrainingValuesAndSharesAfterTheLevel()
    {
        var ml = new MLContext(1);
        var data = Visits(seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var e = model.Model.Encoder;
        Assert.AreEqual(Expected, Levels(e));
        Assert.IsTrue(e.EntityLevels.All(l => l.Calibration is { IsCalibrated: true }), "each level's target is mapped after its level");
        // The same generator decoding its levels' values unmapped (as files of format 40 did).
        using var unmapped = new GanTransformer(ml, model.Model.Copy().WithEncoder(e.WithEntityLevels(e.EntityLevels.Select(l => l.WithoutCalibration()).ToArray())), null);
        var real = TestTables.Column(data, "Stage").Cast<int>().ToArray();
        double Gap(GanTransformer t)
        {
            var generated = TestTables.Column(t.Generate(4000, seed: 5), "Stage").Cast<int>().ToArray();
            return Enumerable.Range(1, 4).Max(v => Math.Abs(real.Average(s => s == v ? 1.0 : 0.0) - generated.Average(s => s == v ? 1.0 : 0.0)));
        }
        double mapped = Gap(model), before = Gap(unmapped);
        Console.WriteLine($"Stage: largest share gap {mapped:F3} mapped after the level, {before:F3} unmapped");
        Assert.IsLessThan(0.03, mapped, "the stages in their training shares");
        Assert.IsGreaterThan(mapped + 0.015, before, "the contrast: a generator of three epochs through the levels alone");
        // Saved and loaded, the map is the same; the graph makes the same values (a step apart where the runtimes' last bits differ).
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (_, step) => double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Stage"), TestTables.Column(loaded.Generate(300, seed: 8), "Stage")));
    }

    /// <summary>
    /// A panel: 40 states of 8 years. Young (Int32) is a count each state holds about a level of its own
    /// (e^(4 + the state's level + a year's noise of <paramref name="noise"/> times the levels' spread)); Total (Double)
    /// is 7.5 × Young and 2 % of noise, so that one of the two follows a curve of the other; Year (Int32) 1 to 8.
    /// </summary>
    private static IDataView Panel(int seed, double noise, int states = 40)
    {
        var normal = TestTables.Normal(10_000, seed);
        int n = 0;
        var state = new List<ReadOnlyMemory<char>>();
        var year = new List<int>();
        var young = new List<int>();
        var total = new List<double>();
        for (int s = 0; s < states; s++)
        {
            double level = normal[n++];
            for (int y = 1; y <= 8; y++)
            {
                int count = (int)Math.Round(Math.Exp(4 + level + noise * normal[n++]));
                state.Add($"S{s:00}".AsMemory());
                year.Add(y);
                young.Add(count);
                total.Add(Math.Round(7.5 * count * (1 + 0.02 * normal[n++]), 1));
            }
        }
        return new TestTables.ArrayView(
        [
            ("State", TextDataViewType.Instance, state.ToArray()), ("Year", NumberDataViewType.Int32, year.ToArray()),
            ("Young", NumberDataViewType.Int32, young.ToArray()), ("Total", NumberDataViewType.Double, total.ToArray()),
        ]);
    }

    /// <summary>The adjusted share of log(<paramref name="column"/>)'s spread the states explain in <paramref name="rows"/>.</summary>
    private static double StatesExplain(IDataView rows, string column, IReadOnlyDictionary<string, int> byName)
    {
        var state = TestTables.Column(rows, "State").Select(v => byName[v.ToString()!]).ToArray();
        var values = TestTables.Column(rows, column).Select(v => Math.Log(Math.Max(1, Convert.ToDouble(v)))).ToArray();
        return EntityLevel.Explain(values, new CategoryCodes(state, byName.Count), values.Length)!.Value.Explained;
    }

    [TestMethod]
    public void ANumberATrendReadsTakesItsLevelFirstSoItsFollowerKeepsTheStatesBandToo()
    {
        // A trend's anchor that each state holds about a level (three quarters of its spread, short of what keeps it out
        // of trends): the level applies right after decoding, before the trend reads the anchor, so the follower keeps
        // each state's band through the curve (Fatalities: every count of a state's deaths and people followed one
        // count, which could take no level while a trend read it).
        var ml = new MLContext(1);
        var data = Panel(seed: 1, noise: 0.6);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        var trend = encoder.Trends.Single();
        Assert.IsTrue(trend.TargetName is "Young" or "Total" && trend.AnchorName is "Young" or "Total", trend.ToString());
        var level = encoder.EntityLevels.Single();
        Assert.AreEqual(trend.AnchorName, level.TargetName, "the anchor, which the trend only reads, takes the state's level");
        Assert.AreEqual("State", level.EntityName);
        // The training rows read again: the follower's residual is from the anchor's value, the anchor then its distance.
        var (real, count) = encoder.ReadRows(data, 10_000, seed: 1, () => { });
        var anchors = real.Numbers(trend.Anchor).Take(count).ToArray();
        var targets = real.Numbers(trend.Target).Take(count).ToArray();
        encoder.TrendResiduals(real, count);
        var expected = new DecodedRows(encoder, count);
        anchors.CopyTo(expected.Numbers(trend.Anchor), 0);
        targets.CopyTo(expected.Numbers(trend.Target), 0);
        NumericTrend.Residuals([trend], encoder.Columns.Select(c => c.Kind as NumericKind).ToArray(),
            encoder.Columns.Select((c, i) => c is NumericColumn ? expected.Numbers(i) : null).ToArray(), count, null);
        var states = real.Levels(level.Entity);
        for (int r = 0; r < count; r++)
        {
            Assert.AreEqual(expected.Numbers(trend.Target)[r], real.Numbers(trend.Target)[r], $"{trend.TargetName}'s residual, row {r}");
            Assert.AreEqual(level.Distance(anchors[r], states[r]), real.Numbers(trend.Anchor)[r], $"{trend.AnchorName}'s distance, row {r}");
        }

        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual(level.TargetName, model.Model.Encoder.EntityLevels.Single().TargetName);
        Assert.AreEqual(trend.ToString(), model.Model.Encoder.Trends.Single().ToString());
        using var bare = ml.Gan().Train(Small(levels: false)).Fit(data);
        var byName = Indices(data, "State");
        var generated = model.Generate(1200, seed: 5); // 30 rows a state: below the median of 50 where a state would want a map of its own
        var without = bare.Generate(1200, seed: 5);
        foreach (string column in new[] { "Young", "Total" })
        {
            double realShare = StatesExplain(data, column, byName), with = StatesExplain(generated, column, byName), none = StatesExplain(without, column, byName);
            Console.WriteLine($"share of log({column})'s spread the states explain: {realShare:P1} real, {with:P1} generated with levels, {none:P1} without");
            Assert.IsTrue(realShare is > 0.6 and < EntityLevel.MinimumExplainedPastTrends, $"{column}: {realShare}");
            Assert.IsGreaterThan(0.5, with, $"{column}: each state's years in its own band");
            Assert.IsLessThan(0.3, none, $"{column}: the contrast, a generator of a few epochs on its own");
        }
        // The follower is the curve of the anchor's value, not of its distance: Total stays about 7.5 Young.
        var young = TestTables.Column(generated, "Young").Select(Convert.ToDouble).ToArray();
        var total = TestTables.Column(generated, "Total").Select(Convert.ToDouble).ToArray();
        double near = Enumerable.Range(0, young.Length).Count(r => young[r] >= 10 && Math.Abs(total[r] / (7.5 * young[r]) - 1) < 0.15) / (double)young.Count(y => y >= 10);
        Assert.IsGreaterThan(0.8, near, $"{near:P1} of rows keep Total within 15 % of 7.5 Young");

        // The graph applies the level where .NET does, before the trend: the same rows, after a save and a load too.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (_, step) => double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Total"), TestTables.Column(loaded.Generate(300, seed: 8), "Total")));
        // A level on the column the trend sets is no model's: refused.
        var saved = HostileFiles.Saved(model);
        bool whole = ((NumericKind)model.Model.Encoder.Columns[trend.Target].Kind).Precision == NumberPrecision.Whole;
        var e = HostileFiles.RefusedManifest(saved, manifest =>
        {
            var lie = manifest["EntityLevels"]!.AsArray()[0]!;
            lie["Target"] = trend.TargetName;
            lie["Scale"] = whole ? EntityLevel.IntegerScale : 1; // all else as the target's own would be
            lie.AsObject().Remove("GridUnits");
            lie.AsObject().Remove("GridDecimals");
        }, "a level on a trend's target");
        StringAssert.Contains(e.Message, "a dependency, constraint, trend, formula");
    }

    [TestMethod]
    public void ANumberTheStateHoldsNearlyWhollyKeepsItsLevelRatherThanFollowATrend()
    {
        // Total follows 7.5 Young within 2 %, and the states explain 99 % of both: each keeps its state's level rather
        // than one following the other's curve, whose residual the generator would make with no regard for the state
        // (Fatalities' populations, 95-96 % their state's, followed one count through chained trends).
        var ml = new MLContext(1);
        var data = Panel(seed: 2, noise: 0.1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        Assert.IsEmpty(encoder.Trends, string.Join("; ", encoder.Trends));
        Assert.AreEqual("Young about a level for each State; Total about a level for each State", Levels(encoder));
        Assert.IsTrue(encoder.EntityLevels.All(l => l.Explained >= EntityLevel.MinimumExplainedPastTrends), string.Join("; ", encoder.EntityLevels));
        // The contrast: without levels the pair is a trend.
        Assert.AreEqual(1, TabularEncoder.Fit(data, names, s_settings with { EntityLevels = false }, () => { }).Encoder.Trends.Count);

        using var model = ml.Gan().Train(Small()).Fit(data);
        var byName = Indices(data, "State");
        var generated = model.Generate(1200, seed: 5);
        foreach (string column in new[] { "Young", "Total" })
        {
            double realShare = StatesExplain(data, column, byName), with = StatesExplain(generated, column, byName);
            Console.WriteLine($"share of log({column})'s spread the states explain: {realShare:P1} real, {with:P1} generated");
            Assert.IsGreaterThan(0.85, with, $"{column}: each state's years in its own band");
        }
    }

    /// <summary>
    /// A panel of 40 states of 8 years whose populations move along the years at a pace of each state's own: Pop
    /// (Double, millions to three decimals) is e^(1 + the state's level + the state's slope × (Year − 4.5) + 2 % of noise), a slope of a fifth of the levels'
    /// spread a year on average; Rate (Double) a level of the state's own and a year's noise of a third of its spread,
    /// with no line; Year (Int32) 1 to 8, every year of every state.
    /// </summary>
    private static IDataView MovingPanel(int seed, int states = 40)
    {
        var normal = TestTables.Normal(10_000, seed);
        int n = 0;
        var state = new List<ReadOnlyMemory<char>>();
        var year = new List<int>();
        var pop = new List<double>();
        var rate = new List<double>();
        for (int s = 0; s < states; s++)
        {
            double level = normal[n++], slope = 0.2 * normal[n++], own = normal[n++];
            for (int y = 1; y <= 8; y++)
            {
                state.Add($"S{s:00}".AsMemory());
                year.Add(y);
                pop.Add(Math.Round(Math.Exp(1 + level + slope * (y - 4.5) + 0.02 * normal[n++]), 3));
                rate.Add(Math.Round(10 + own + 0.33 * normal[n++], 3));
            }
        }
        return new TestTables.ArrayView(
        [
            ("State", TextDataViewType.Instance, state.ToArray()), ("Year", NumberDataViewType.Int32, year.ToArray()),
            ("Pop", NumberDataViewType.Double, pop.ToArray()), ("Rate", NumberDataViewType.Double, rate.ToArray()),
        ]);
    }

    /// <summary>
    /// The mean over the states (of rows with at least two years) of the correlation of log(Pop) with the year within
    /// the state, signed by the state's own direction in <paramref name="real"/>: 1 where every state moves its own way.
    /// </summary>
    private static double StatesOwnPace(IDataView rows, IDataView real, string column = "Pop")
    {
        Dictionary<string, (List<double> Year, List<double> Pop)> ByState(IDataView v)
        {
            var states = TestTables.Column(v, "State").Select(x => x.ToString()!).ToArray();
            var years = TestTables.Column(v, "Year").Select(Convert.ToDouble).ToArray();
            var pops = TestTables.Column(v, column).Select(x => Math.Log(Math.Max(1e-3, Convert.ToDouble(x)))).ToArray();
            var by = new Dictionary<string, (List<double>, List<double>)>();
            for (int r = 0; r < states.Length; r++)
            {
                if (!by.TryGetValue(states[r], out var lists)) by[states[r]] = lists = ([], []);
                lists.Item1.Add(years[r]);
                lists.Item2.Add(pops[r]);
            }
            return by;
        }
        var direction = ByState(real).ToDictionary(p => p.Key, p => Math.Sign(TestTables.Pearson(p.Value.Year, p.Value.Pop)));
        var signed = ByState(rows).Select(p => direction[p.Key] * TestTables.Pearson(p.Value.Year, p.Value.Pop)).Where(double.IsFinite).ToArray();
        Assert.IsGreaterThan(20, signed.Length, "states with rows of at least two years");
        return signed.Average();
    }

    [TestMethod]
    public void ANumberThatMovesAlongTheYearsAtItsStatesOwnPaceFollowsALineOfTheStatesOwn()
    {
        // Guns' populations: each state's rises along the years at a pace of its own. The level alone puts a generated
        // row anywhere in the state's band whatever its year; the state's line along the years puts it where that year was.
        var ml = new MLContext(1);
        var data = MovingPanel(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        Assert.AreEqual("Pop about a level for each State; Rate about a level for each State", Levels(encoder));
        var pop = encoder.EntityLevels[0];
        Assert.AreEqual("Year", pop.AlongName, pop.ToString());
        Assert.IsGreaterThan(0.9, pop.Lines!.Explained, pop.ToString());
        Assert.IsNull(encoder.EntityLevels[1].Along, "Rate's years are noise: no line");
        Assert.IsNull(TabularEncoder.Fit(data, names, s_settings with { EntityLevelLines = false }, () => { }).Encoder.EntityLevels[0].Along, "the switch");
        // Every training value's distance from its state's line decodes back to it, at its year.
        var states = Indices(data, "State");
        var codes = TestTables.Column(data, "State").Select(v => states[v.ToString()!]).ToArray();
        var years = TestTables.Column(data, "Year").Select(Convert.ToDouble).ToArray();
        var pops = TestTables.Column(data, "Pop").Select(Convert.ToDouble).ToArray();
        for (int r = 0; r < pops.Length; r++)
            Assert.AreEqual(pops[r], pop.Value(pop.Distance(pops[r], codes[r], years[r]), codes[r], years[r]), $"row {r}");
        // The distances are what the line leaves: far less than what the level leaves.
        double Spread(Func<int, double> distance) => Enumerable.Range(0, pops.Length).Select(r => distance(r) * distance(r)).Average();
        double level = Spread(r => pop.Distance(pops[r], codes[r], double.NaN)), line = Spread(r => pop.Distance(pops[r], codes[r], years[r]));
        Assert.IsLessThan(0.2 * level, line, $"mean square distance {line} from the lines against {level} from the levels");

        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual("Year", model.Columns.Single(c => c.Name == "Pop").LevelAlong);
        Assert.IsNull(model.Columns.Single(c => c.Name == "Rate").LevelAlong);
        using var flat = ml.Gan().Train(Small(lines: false)).Fit(data);
        Assert.IsNull(flat.Columns.Single(c => c.Name == "Pop").LevelAlong);
        double real = StatesOwnPace(data, data), with = StatesOwnPace(model.Generate(1200, seed: 5), data), without = StatesOwnPace(flat.Generate(1200, seed: 5), data);
        Console.WriteLine($"correlation of log(Pop) with the year within a state, in the state's own direction: {real:F2} real, {with:F2} generated with lines, {without:F2} without");
        Assert.IsGreaterThan(0.9, real);
        Assert.IsGreaterThan(0.6, with, "each state's rows move along the years its own way");
        Assert.IsLessThan(0.3, without, "the contrast: one spread of distances for every state knows no state's pace");

        // The graph adds the line where .NET does: the same rows (but a few, where a Year a step apart between the
        // runtimes moves Pop along its line), after a save and a load too.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (column, step) => column.Name == "Pop" ? 1e3 : double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual("Year", loaded.Model.Encoder.EntityLevels[0].AlongName);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Pop"), TestTables.Column(loaded.Generate(300, seed: 8), "Pop"));
        });
    }

    /// <summary>
    /// 40 states of 8 years whose share of young people moves along the years at a pace and in a direction of each
    /// state's own, about levels that differ little: Young (Double, two decimals) is 17 + 0.15 × the state's level +
    /// 0.4 × the state's slope × (Year − 4.5) + a little noise, so the states' levels explain little of it and their lines
    /// nearly all the rest; Old (Double) is 30 − Young / 2 and noise, moving with Young within each state; Loose
    /// (Double) moves along the years at a pace of each state's own too, but with noise of about its lines' spread.
    /// </summary>
    private static IDataView SlopedPanel(int seed, int states = 40)
    {
        var normal = TestTables.Normal(10_000, seed);
        int n = 0;
        var state = new List<ReadOnlyMemory<char>>();
        var year = new List<int>();
        var young = new List<double>();
        var old = new List<double>();
        var loose = new List<double>();
        for (int s = 0; s < states; s++)
        {
            double level = normal[n++], slope = normal[n++], own = normal[n++];
            for (int y = 1; y <= 8; y++)
            {
                double v = Math.Round(17 + 0.15 * level + 0.4 * slope * (y - 4.5) + 0.03 * normal[n++], 2);
                state.Add($"S{s:00}".AsMemory());
                year.Add(y);
                young.Add(v);
                old.Add(Math.Round(30 - v / 2 + 0.2 * normal[n++], 2));
                loose.Add(Math.Round(17 + 0.4 * own * (y - 4.5) + 0.75 * normal[n++], 2));
            }
        }
        return new TestTables.ArrayView(
        [
            ("State", TextDataViewType.Instance, state.ToArray()), ("Year", NumberDataViewType.Int32, year.ToArray()),
            ("Young", NumberDataViewType.Double, young.ToArray()), ("Old", NumberDataViewType.Double, old.ToArray()),
            ("Loose", NumberDataViewType.Double, loose.ToArray()),
        ]);
    }

    [TestMethod]
    public void ANumberTheStatesLevelsExplainLittleButTheirLinesNearlyAllHoldsALevelOnALine()
    {
        // Guns' share of young men: it falls along the years at a pace of each state's own, and the states' levels alone
        // explain less than half of it, so it took neither level nor line, and the generator made it with no regard for
        // the state. Level and line together explain nearly all of it: it holds both.
        var ml = new MLContext(1);
        var data = SlopedPanel(seed: 3);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        Console.WriteLine(string.Join("; ", encoder.EntityLevels));
        var young = encoder.EntityLevels.Single(l => l.TargetName == "Young");
        Assert.AreEqual("State", young.EntityName);
        Assert.IsLessThan(EntityLevel.MinimumExplained, young.Explained, young.ToString());
        Assert.IsGreaterThan(0.9, young.Lines!.Explained, young.ToString());
        // Loose's lines explain about half of it, short of the three quarters a level on a line needs.
        Assert.IsFalse(encoder.EntityLevels.Any(l => l.TargetName == "Loose"), string.Join("; ", encoder.EntityLevels));
        // No column is both a level's target and another level's line's column.
        Assert.IsFalse(encoder.EntityLevels.Any(l => encoder.EntityLevels.Any(o => o.Along == l.Target)), string.Join("; ", encoder.EntityLevels));
        Assert.IsEmpty(TabularEncoder.Fit(data, names, s_settings with { EntityLevelLines = false }, () => { }).Encoder.EntityLevels, "without lines, no level");

        using var model = ml.Gan().Train(Small()).Fit(data);
        using var flat = ml.Gan().Train(Small(lines: false)).Fit(data);
        double real = StatesOwnPace(data, data, "Young"), with = StatesOwnPace(model.Generate(1200, seed: 5), data, "Young"),
            without = StatesOwnPace(flat.Generate(1200, seed: 5), data, "Young");
        Console.WriteLine($"correlation of log(Young) with the year within a state, in the state's own direction: {real:F2} real, {with:F2} generated with lines, {without:F2} without");
        Assert.IsGreaterThan(0.9, real);
        Assert.IsGreaterThan(0.6, with, "each state's rows move along the years its own way");
        Assert.IsLessThan(0.3, without, "the contrast: the generator alone knows no state's pace");
        // A Year a step apart between the runtimes (a last-bit difference on a rounding boundary) moves Young and Old
        // along their lines in that row: a few rows, each by at most a line's slope a year.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5,
            (column, step) => column.Name is "Young" or "Old" ? 2.0 : double.IsNaN(step) ? 1e-6 : step * 1.000001);
    }

    public static IEnumerable<object[]> LineLies =>
    [
        ["a category as the column", (Action<JsonArray>)(l => l[0]!["Along"] = "State"), "which is not another number column of the model"],
        ["the target as the column", (Action<JsonArray>)(l => l[0]!["Along"] = "Pop"), "which is not another number column of the model"],
        ["an unknown column", (Action<JsonArray>)(l => l[0]!["Along"] = "Nobody"), "which is not another number column of the model"],
        ["a column with a level of its own", (Action<JsonArray>)(l => l[0]!["Along"] = "Rate"), "which has a level of its own"],
        ["lines without a column", (Action<JsonArray>)(l => l[0]!.AsObject().Remove("Along")), "have lines but no column they follow"],
        ["a slope short", (Action<JsonArray>)(l => l[0]!["Slopes"]!.AsArray().RemoveAt(0)), "need a slope, a centre and a range for each of the 40 categories"],
        ["no centres", (Action<JsonArray>)(l => l[0]!.AsObject().Remove("Centres")), "need a slope, a centre and a range"],
        ["a huge slope", (Action<JsonArray>)(l => l[0]!["Slopes"]![0] = 1e6), "moves by more than 100 across it"],
        ["an infinite slope", (Action<JsonArray>)(l => l[0]!["Slopes"]![0] = "Infinity"), "is not finite"],
        ["a centre outside its range", (Action<JsonArray>)(l => l[0]!["Centres"]![0] = 1e9), "has its centre outside its range"],
        ["a range upside down", (Action<JsonArray>)(l => { l[0]!["Lows"]![0] = 9; l[0]!["Highs"]![0] = 0; }), "has its centre outside its range"],
        ["an explained share of 2", (Action<JsonArray>)(l => l[0]!["AlongExplained"] = 2), "whose explained share is not from 0 to 1"],
    ];

    /// <summary>A model whose Pop follows the states' lines along the years, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_savedLines = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 1)).Fit(MovingPanel(seed: 2));
        Assert.AreEqual("Year", model.Model.Encoder.EntityLevels[0].AlongName);
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(LineLies))]
    public void AManifestThatLiesAboutALevelsLinesIsRefused(string lie, Action<JsonArray> edit, string named) => AssertRefused(s_savedLines.Value, lie, edit, named);

    /// <summary>Asserts that <paramref name="saved"/> with its levels edited by <paramref name="edit"/> is refused, the message naming <paramref name="named"/>.</summary>
    private static void AssertRefused(byte[] saved, string lie, Action<JsonArray> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(saved, manifest => edit(manifest["EntityLevels"]!.AsArray()), lie);
        StringAssert.Contains(e.Message, named, lie);
    }

    public static IEnumerable<object[]> LevelLies =>
    [
        ["a level short", (Action<JsonArray>)(l => l[0]!["Levels"]!.AsArray().RemoveAt(0)), "need one finite level (at most 100 in size) for each of the 60 categories"],
        ["an infinite level", (Action<JsonArray>)(l => l[0]!["Levels"]![0] = "Infinity"), "need one finite level"],
        ["a huge level", (Action<JsonArray>)(l => l[0]!["Levels"]![0] = 1e6), "need one finite level"],
        ["no levels", (Action<JsonArray>)(l => l[0]!.AsObject().Remove("Levels")), "need one finite level"],
        ["quantiles descending", (Action<JsonArray>)(l => { var q = l[0]!["Quantiles"]!.AsArray(); q[0] = 1e30; }), "quantiles, finite, ascending and within the column's type"],
        ["one quantile", (Action<JsonArray>)(l => { var q = l[0]!["Quantiles"]!.AsArray(); while (q.Count > 1) q.RemoveAt(1); }), "need 2 to 100,000 quantiles"],
        ["a whole-number scale on a Single", (Action<JsonArray>)(l => l[0]!["Scale"] = 1000), "a number column's is 1"],
        ["a scale of 1 on an Int32", (Action<JsonArray>)(l => l[1]!["Scale"] = 1), "a whole-number column's is 1000"],
        ["a category as its target", (Action<JsonArray>)(l => l[0]!["Target"] = "Ward"), "need a signed number column as the target"],
        ["a number as its categories", (Action<JsonArray>)(l => l[0]!["Entity"] = "Score"), "need a categorical column of the model"],
        ["an unknown column", (Action<JsonArray>)(l => l[0]!["Entity"] = "Nobody"), "do not name two columns of the model"],
        ["the same target twice", (Action<JsonArray>)(l => l[1] = l[0]!.DeepClone()), "are the second levels of 'Bili'"],
        ["a target a dependency sets", (Action<JsonArray>)(l => l[0]!["Target"] = "Age"), "a dependency, constraint, trend, formula"],
        ["half a grid", (Action<JsonArray>)(l => l[0]!.AsObject().Remove("GridUnits")), "have half a grid"],
        ["a map after the level outside its range", (Action<JsonArray>)(l => { var c = l[1]!["Calibration"]!; var v = (c["MarginalValues"] ?? c["MarginalQuantiles"])!.AsArray(); v[v.Count - 1] = 1e9; }), "Stage (after its level)"],
        ["a map after a level whose target has no map of its own", (Action<JsonArray>)(l => l[1]!.Root["Columns"]!.AsArray().First(c => (string?)c!["Name"] == "Stage")!.AsObject()
            .Where(p => p.Key.StartsWith("Marginal", StringComparison.Ordinal)).Select(p => p.Key).ToList().ForEach(k => l[1]!.Root["Columns"]!.AsArray().First(c => (string?)c!["Name"] == "Stage")![k] = null)),
            "have a map after them, but their target column has no map of its own"],
        ["a map after the level grouped", (Action<JsonArray>)(l => l[0]!["Calibration"]!["MarginalGroup"] = "Ward"), "the map after its level is grouped"],
        ["a map after the level with generated knots descending", (Action<JsonArray>)(l => { var g = l[0]!["Calibration"]!["MarginalGenerated"]!.AsArray(); g[0] = 1e30; }), "Bili (after its level)"],
    ];

    /// <summary>A model with the two levels, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 1)).Fit(Visits(seed: 4));
        Assert.AreEqual(Expected, Levels(model.Model.Encoder));
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(LevelLies))]
    public void AManifestThatLiesAboutALevelIsRefused(string lie, Action<JsonArray> edit, string named) => AssertRefused(s_saved.Value, lie, edit, named);
}
