using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Offsets: two number columns whose difference the row's category fixes (a day of the study and the day of a
/// patient's diary, which began on a day of the patient's own) are found at Fit, the wider one made from the other and
/// the category; a category whose rows disagree has none; two columns that are each the category's own, a difference
/// no category fixes, or one offset for every category are no offset. Generated rows keep it, in .NET and in the graph
/// alike, after a save and a load too; a file that lies about one is refused.
/// </summary>
[TestClass]
public sealed class OffsetFormulaTests
{
    /// <summary>The patient whose diary skips a day in its dates but not in its days: its rows hold two offsets.</summary>
    private const string Broken = "P07";

    /// <summary>
    /// 40 patients of 15 to 40 diary days each: Day (Int32) counts from a few days before the diary's first on, skipping
    /// some; StudyDay (Int32) is Day plus the patient's own start (100 to 1,200), but for <see cref="Broken"/>, whose later
    /// half is one day later; Pain (Single) is noise; Sex (text) is each patient's own. <paramref name="starts"/> gets each patient's start.
    /// </summary>
    private static IDataView Diaries(int seed, out Dictionary<string, int> starts)
    {
        var random = new Random(seed);
        var patient = new List<ReadOnlyMemory<char>>();
        var day = new List<int>();
        var study = new List<int>();
        var pain = new List<float>();
        var sex = new List<ReadOnlyMemory<char>>();
        starts = [];
        for (int p = 1; p <= 40; p++)
        {
            string name = $"P{p:00}";
            int start = 100 + random.Next(1100), rows = 15 + random.Next(26), d = -random.Next(10);
            string s = random.Next(2) == 0 ? "female" : "male";
            starts[name] = start;
            for (int i = 0; i < rows; i++)
            {
                d += 1 + (random.Next(5) == 0 ? 1 : 0);
                patient.Add(name.AsMemory());
                day.Add(d);
                study.Add(d + start + (name == Broken && i >= rows / 2 ? 1 : 0));
                pain.Add((float)Math.Round(10 * random.NextDouble(), 1));
                sex.Add(s.AsMemory());
            }
        }
        return new TestTables.ArrayView(
        [
            ("Patient", TextDataViewType.Instance, patient.ToArray()), ("Day", NumberDataViewType.Int32, day.ToArray()), ("StudyDay", NumberDataViewType.Int32, study.ToArray()),
            ("Pain", NumberDataViewType.Single, pain.ToArray()), ("Sex", TextDataViewType.Instance, sex.ToArray()),
        ]);
    }

    private static readonly ColumnFitSettings s_settings = new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, Formulas = true };

    private static GanTrainer.Options Small(bool formulas = true, int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, NumericFormulas = formulas,
    };

    private const string Expected = "StudyDay = Day + an offset for each Patient";

    /// <summary>Each patient's offset in <paramref name="formula"/>, by name.</summary>
    private static Dictionary<string, double> OffsetsByName(NumericFormula formula, TabularEncoder encoder)
    {
        var patients = (CategoricalColumn)encoder.Columns[formula.Inputs[1]];
        return Enumerable.Range(0, patients.LevelCount).ToDictionary(patients.LevelName, l => formula.Offsets![l]);
    }

    [TestMethod]
    public void AnOffsetThePatientFixesIsFoundWithEachPatientsStartAndNoneWhereItsRowsDisagree()
    {
        var data = Diaries(seed: 1, out var starts);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        Assert.AreEqual(Expected, string.Join("; ", encoder.Formulas), "the study day, which spreads with the starts, from the diary's day and the patient; Pain and Sex take no part");
        var formula = encoder.Formulas[0];
        Assert.AreEqual(GanFormulaKind.Offset, formula.Kind);
        var offsets = OffsetsByName(formula, encoder);
        foreach (var (patient, start) in starts)
        {
            if (patient == Broken) Assert.IsTrue(double.IsNaN(offsets[patient]), $"{Broken}'s rows hold two offsets, half each: it has none, {offsets[patient]}");
            else Assert.AreEqual(start, offsets[patient], patient);
        }
        Assert.IsEmpty(TabularEncoder.Fit(data, names, s_settings with { Formulas = false }, () => { }).Encoder.Formulas);
        // A category a constraint names takes no part (nor does a column a constraint names).
        var ruled = TabularEncoder.Fit(data, names, s_settings, () => { }, constraints: [GanConstraint.Positive("StudyDay")]).Encoder;
        Assert.IsEmpty(ruled.Formulas);
    }

    private static readonly NumericKind s_int = new NumberKind<int>(NumberDataViewType.Int32);

    /// <summary>The formulas <see cref="NumericFormula.Find"/> gives on two number columns and a category of 30 (10 rows each, some present only in some rows).</summary>
    private static List<NumericFormula> Found(Func<int, int, double> first, Func<int, int, double> second)
    {
        const int rows = 300;
        var levels = Enumerable.Range(0, rows).Select(r => r / 10).ToArray();
        double[] a = Enumerable.Range(0, rows).Select(r => first(levels[r], r % 10)).ToArray(), b = Enumerable.Range(0, rows).Select(r => second(levels[r], r % 10)).ToArray();
        return NumericFormula.Find(["A", "B", "Group"], [s_int, s_int, null], [a, b, null], [0, 0, null], rows, _ => false, () => { },
            categories: [null, null, new CategoryCodes(levels, 30)]);
    }

    [TestMethod]
    public void NoOffsetWhereBothColumnsAreTheCategorysOwnOrItsDifferenceIsNotFixedOrOneForAll()
    {
        // The category's start plus the row's day, in either column order: the wider is made.
        Assert.AreEqual("B = A + an offset for each Group", string.Join("; ", Found((g, i) => i, (g, i) => 100 * g + i)));
        Assert.AreEqual("A = B + an offset for each Group", string.Join("; ", Found((g, i) => 100 * g - 2 * i, (g, i) => -2 * i)));
        // An age and a follow-up each the category's own: their difference too, but neither moves within it.
        Assert.IsEmpty(Found((g, i) => 20 + g, (g, i) => 300 + 7 * g));
        // A difference that moves within categories.
        Assert.IsEmpty(Found((g, i) => i, (g, i) => 100 * g + i * (i % 3)));
        // One offset for every category: no category fixes it.
        Assert.IsEmpty(Found((g, i) => i + 10 * g, (g, i) => i + 10 * g + 5));
        // Categories of one disagreeing row in ten: too many rows without an offset (the exceptions allowed are none below 100 rows).
        Assert.IsEmpty(Found((g, i) => i, (g, i) => 100 * g + i + (i == 3 ? 1 : 0)));
    }

    [TestMethod]
    public void AnOffsetWhoseCategoryThresholdsSetAfterTheFormulasIsLeftOut()
    {
        // Band is "low" where Pain is below 5, else "high" (thresholds set it after decoding, from Pain); End is Start
        // plus 100 in the low band and 130 in the high one.
        var random = new Random(5);
        int rows = 2000;
        var pain = new float[rows];
        var start = new int[rows];
        var end = new int[rows];
        var band = new ReadOnlyMemory<char>[rows];
        for (int r = 0; r < rows; r++)
        {
            pain[r] = (float)Math.Round(10 * random.NextDouble(), 1);
            bool low = pain[r] < 5;
            band[r] = (low ? "low" : "high").AsMemory();
            start[r] = random.Next(60);
            end[r] = start[r] + (low ? 100 : 130);
        }
        var data = new TestTables.ArrayView([("Pain", NumberDataViewType.Single, pain), ("Start", NumberDataViewType.Int32, start), ("End", NumberDataViewType.Int32, end), ("Band", TextDataViewType.Instance, band)]);
        string[] names = ["Pain", "Start", "End", "Band"];
        var settings = s_settings with { Dependencies = false, CategoryThresholds = true };
        var logged = new List<string>();
        var encoder = TabularEncoder.Fit(data, names, settings, () => { }, log: logged.Add).Encoder;
        Assert.IsTrue(encoder.Thresholds.Any(t => t.TargetName == "Band"), string.Join(", ", encoder.Thresholds));
        Assert.IsEmpty(encoder.Formulas, "the band an offset would read is set after the formulas");
        Assert.IsTrue(logged.Any(l => l.Contains("Offsets left out") && l.Contains("End = Start + an offset for each Band")), string.Join("\n", logged));
        Assert.AreEqual("End = Start + an offset for each Band", string.Join("; ", TabularEncoder.Fit(data, names, settings with { CategoryThresholds = false }, () => { }).Encoder.Formulas),
            "without the thresholds the offset is kept");
    }

    [TestMethod]
    public void GeneratedRowsKeepTheOffsetInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Diaries(seed: 2, out _);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual(Expected, string.Join("; ", model.Formulas));
        Assert.AreEqual(GanFormulaKind.Offset, model.Formulas[0].Kind);
        using var bare = ml.Gan().Train(Small(formulas: false)).Fit(data);
        Assert.IsEmpty(bare.Formulas);
        var offsets = OffsetsByName(model.Model.Encoder.Formulas[0], model.Model.Encoder);
        var range = model.Columns.Single(c => c.Name == "StudyDay");

        double Kept(GanTransformer m)
        {
            var rows = m.Generate(2000, seed: 5);
            var patient = TestTables.Column(rows, "Patient").Select(v => v.ToString()!).ToArray();
            var day = TestTables.Column(rows, "Day").Cast<int>().ToArray();
            var study = TestTables.Column(rows, "StudyDay").Cast<int>().ToArray();
            int kept = 0, offset = 0;
            for (int r = 0; r < study.Length; r++)
            {
                double made = day[r] + offsets[patient[r]];
                if (double.IsNaN(made)) continue; // the broken patient keeps the generator's own day
                offset++;
                if (study[r] == made) kept++;
                else if (m == model) Assert.IsFalse(made >= range.Minimum && made <= range.Maximum, $"row {r}: {patient[r]}'s day {day[r]} + {offsets[patient[r]]} is in range, yet StudyDay is {study[r]}");
            }
            Assert.IsGreaterThan(1000, offset, "most rows are of patients with an offset");
            return kept / (double)offset;
        }
        double with = Kept(model), without = Kept(bare);
        Console.WriteLine($"rows whose study day is the patient's start plus its day: {with:P1} with the offset, {without:P1} without");
        Assert.IsGreaterThan(0.95, with);
        Assert.IsLessThan(0.2, without, "the contrast: a generator on its own does not keep each patient's start");

        TestTables.AssertGraphAgrees(model.Model, seed: 7, 1000, [1, 2]);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(Expected, string.Join("; ", loaded.Formulas));
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "StudyDay"), TestTables.Column(loaded.Generate(300, seed: 8), "StudyDay"));
        });
    }

    public static IEnumerable<object[]> OffsetLies =>
    [
        ["offsets one short", (Action<JsonArray>)(f => f[0]!["Offsets"]!.AsArray().RemoveAt(0)), "needs an offset (a finite number, or NaN for none) for each of the 40 categories of 'Patient'"],
        ["an infinite offset", (Action<JsonArray>)(f => f[0]!["Offsets"]![0] = "Infinity"), "needs an offset"],
        ["no offset at all", (Action<JsonArray>)(f => { var o = f[0]!["Offsets"]!.AsArray(); for (int i = 0; i < o.Count; i++) o[i] = "NaN"; }), "one of them finite"],
        ["without offsets", (Action<JsonArray>)(f => f[0]!.AsObject().Remove("Offsets")), "needs an offset"],
        ["a sum with offsets", (Action<JsonArray>)(f => { f[0]!["Kind"] = "Sum"; f[0]!["Inputs"]![1] = "Pain"; }), "lists offsets, which only an offset formula has"],
        ["a sum of a category", (Action<JsonArray>)(f => f[0]!["Kind"] = "Sum"), "reads something other than number columns of the model"],
        ["a number as its category", (Action<JsonArray>)(f => f[0]!["Inputs"]![1] = "Pain"), "reads something other than a number column and a categorical column"],
        ["a category as its number", (Action<JsonArray>)(f => f[0]!["Inputs"]![0] = "Sex"), "reads something other than a number column and a categorical column"],
        ["a scale", (Action<JsonArray>)(f => f[0]!["Scale"] = 10), "1 for a sum or an offset"],
        ["solving", (Action<JsonArray>)(f => f[0]!["Solves"] = true), "solves for a column that is no ratio's numerator"],
    ];

    /// <summary>A model with the offset, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 1)).Fit(Diaries(seed: 3, out _));
        Assert.AreEqual(Expected, string.Join("; ", model.Formulas));
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(OffsetLies))]
    public void AManifestThatLiesAboutAnOffsetIsRefused(string lie, Action<JsonArray> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => edit(manifest["Formulas"]!.AsArray()), lie);
        StringAssert.Contains(e.Message, named, lie);
    }
}
