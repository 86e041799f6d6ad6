using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Categories that step along the years within each state: a law a state passes in a year of its own and keeps, a
/// limit it raises twice, are found at Fit as trees on the state and the year, with the switch between the right
/// years; one state that repealed its law is missed on its three years alone; a flag drawn each year, and the same
/// laws shuffled among each state's years, are not found; every generated row holds its state's law of its year, in
/// .NET and in the graph alike, after a save and a load too, where a generator on its own makes laws come and go; a
/// file that calls a tree steps that reads no entity and number is refused.
/// </summary>
[TestClass]
public sealed class CategoryStepsTests
{
    private const int States = 40, FirstYear = 1990, Years = 12;

    /// <summary>The year state <paramref name="s"/> passes its law (past the last year: never; before the first: always).</summary>
    private static int Passed(int s) => s < 24 ? FirstYear + 2 + s % 9 : s < 34 ? int.MaxValue : int.MinValue;

    /// <summary>State <paramref name="s"/>'s law in <paramref name="year"/>: state 0 repealed it for three years.</summary>
    private static string Law(int s, int year) => s == 0 ? (year is >= FirstYear + 4 and < FirstYear + 7 ? "yes" : "no") : year >= Passed(s) ? "yes" : "no";

    /// <summary>State <paramref name="s"/>'s speed limit in <paramref name="year"/>: 55, then 65, then 70 in the first 24 states; 55 throughout in the rest.</summary>
    private static string Limit(int s, int year) => s >= 24 ? "55" : year < FirstYear + 1 + s % 5 ? "55" : year < FirstYear + 6 + s % 4 ? "65" : "70";

    /// <summary>
    /// 40 states × 12 years: State (text), Year (Int32), Law and Limit (text, as above), Rate (Single: the state's level
    /// and a year's noise), Flag (text, "a" or "b" drawn each row). With <paramref name="shuffled"/>, each state's laws
    /// and limits are shuffled among its years (the same shares, no order).
    /// </summary>
    private static IDataView Panel(int seed, bool shuffled = false)
    {
        var random = new Random(seed);
        var normal = TestTables.Normal(2 * States * Years + States, seed);
        int n = 0;
        var state = new List<ReadOnlyMemory<char>>();
        var year = new List<int>();
        var law = new List<ReadOnlyMemory<char>>();
        var limit = new List<ReadOnlyMemory<char>>();
        var rate = new List<float>();
        var flag = new List<ReadOnlyMemory<char>>();
        for (int s = 0; s < States; s++)
        {
            double level = 5 + 2 * normal[n++];
            var laws = Enumerable.Range(0, Years).Select(y => Law(s, FirstYear + y)).ToArray();
            var limits = Enumerable.Range(0, Years).Select(y => Limit(s, FirstYear + y)).ToArray();
            if (shuffled)
            {
                random.Shuffle(laws);
                random.Shuffle(limits);
            }
            for (int y = 0; y < Years; y++)
            {
                state.Add($"S{s:00}".AsMemory());
                year.Add(FirstYear + y);
                law.Add(laws[y].AsMemory());
                limit.Add(limits[y].AsMemory());
                rate.Add((float)Math.Round(level + 0.3 * normal[n++], 2));
                flag.Add((random.Next(2) == 0 ? "a" : "b").AsMemory());
            }
        }
        return new TestTables.ArrayView(
        [
            ("State", TextDataViewType.Instance, state.ToArray()), ("Year", NumberDataViewType.Int32, year.ToArray()),
            ("Law", TextDataViewType.Instance, law.ToArray()), ("Limit", TextDataViewType.Instance, limit.ToArray()),
            ("Rate", NumberDataViewType.Single, rate.ToArray()), ("Flag", TextDataViewType.Instance, flag.ToArray()),
        ]);
    }

    private static ColumnFitSettings Settings(bool steps = true) =>
        new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Formulas = true, CategoryThresholds = true, CategorySteps = steps, EntityLevels = true };

    private static GanTrainer.Options Small(bool steps = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, CategorySteps = steps,
    };

    /// <summary>The share of rows whose Law and Limit are their state's of their year (the panel's own), each.</summary>
    private static (double Law, double Limit) Held(IDataView rows)
    {
        var state = TestTables.Column(rows, "State").Select(v => int.Parse(v.ToString()!.AsSpan(1))).ToArray();
        var year = TestTables.Column(rows, "Year").Select(Convert.ToInt32).ToArray();
        var law = TestTables.Column(rows, "Law").Select(v => v.ToString()).ToArray();
        var limit = TestTables.Column(rows, "Limit").Select(v => v.ToString()).ToArray();
        // State 0's repealed years are the steps' one miss: its law is "no" throughout.
        string Expected(int r) => state[r] == 0 ? "no" : Law(state[r], year[r]);
        int n = state.Length;
        return (Enumerable.Range(0, n).Count(r => law[r] == Expected(r)) / (double)n, Enumerable.Range(0, n).Count(r => limit[r] == Limit(state[r], year[r])) / (double)n);
    }

    [TestMethod]
    public void ALawEachStatePassesInAYearOfItsOwnAndKeepsIsFoundAsStepsAlongTheYears()
    {
        var data = Panel(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var logged = new List<string>();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, Settings(), () => { }, log: logged.Add);
        encoded.Dispose();
        var trees = encoder.Thresholds.ToDictionary(t => t.TargetName);
        Console.WriteLine(string.Join("\n", logged));
        CollectionAssert.AreEquivalent(new[] { "Law", "Limit" }, trees.Keys.ToArray(), "Flag is drawn each year, Rate is a number");
        foreach (var tree in trees.Values)
            CollectionAssert.AreEqual(new[] { "State", "Year" }, tree.FeatureNames, tree.ToString());
        Assert.IsFalse(encoder.Dependencies.Any(d => d.TargetName is "Law" or "Limit"), "the steps set them, last");
        StringAssert.Contains(string.Join("\n", logged), "Law steps along Year within each State (23 of 40 switch, 3 rows missed;");
        StringAssert.Contains(string.Join("\n", logged), "Limit steps along Year within each State (24 of 40 switch, 0 rows missed;");

        // Each switch lies between the last year before it and its year: the tree's law of every state in every year,
        // state 0's repealed years its one miss (3 rows of 480: within the 1 % a tree may miss).
        var law = trees["Law"];
        var (read, count) = encoder.ReadRows(data, States * Years, seed: 1, () => { });
        var laws = read.Levels(law.Target);
        var states = read.Levels(encoder.Columns.ToList().FindIndex(c => c.Name == "State"));
        var years = (double[])read.Buffers[encoder.Columns.ToList().FindIndex(c => c.Name == "Year")];
        var missed = Enumerable.Range(0, count).Where(r => law.Classify(read, r) != laws[r]).ToArray();
        Assert.HasCount(3, missed);
        Assert.IsTrue(missed.All(r => years[r] is >= FirstYear + 4 and < FirstYear + 7 && missed.Select(m => states[m]).Distinct().Count() == 1), "state 0's three repealed years");
        Assert.IsTrue(trees["Limit"].HoldsIn(read, count), "a limit raised twice: two switches a state");
        var yearSplits = Enumerable.Range(0, law.Splits.Length).Where(i => law.Splits[i] == 1).Select(i => law.Thresholds[i]).ToArray();
        Assert.HasCount(23, yearSplits, "one switch a state that passed its law in the years");
        Assert.IsTrue(yearSplits.All(t => t - Math.Floor(t) == 0.5), "each between two years: " + string.Join(", ", yearSplits));

        Assert.IsFalse(TabularEncoder.Fit(data, names, Settings(steps: false), () => { }).Encoder.Thresholds.Any(t => t.TargetName is "Law" or "Limit"),
            "no plain tree of thresholds finds them");
    }

    [TestMethod]
    public void TheSameLawsShuffledAmongEachStatesYearsAreNoSteps()
    {
        // The same shares in each state, in no order: the rows change value between years as often as chance has them.
        var data = Panel(seed: 2, shuffled: true);
        var encoder = TabularEncoder.Fit(data, data.Schema.Select(c => c.Name).ToArray(), Settings(), () => { }).Encoder;
        Assert.IsEmpty(encoder.Thresholds, string.Join("; ", encoder.Thresholds));
    }

    [TestMethod]
    public void GeneratedRowsHoldTheirStatesLawOfTheirYearInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Panel(seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        CollectionAssert.AreEquivalent(new[] { "Law", "Limit" }, model.CategoryThresholds.Select(t => t.Column).ToArray());
        var info = model.CategoryThresholds.Single(t => t.Column == "Law");
        Assert.IsTrue(info.Steps);
        CollectionAssert.AreEqual(new[] { "State", "Year" }, info.FromColumns.ToArray(), "the entity's column, then the number");
        StringAssert.StartsWith(info.ToString(), "Law steps along Year within each State (");
        using var bare = ml.Gan().Train(Small(steps: false)).Fit(data);
        Assert.IsEmpty(bare.CategoryThresholds);

        var (law, limit) = Held(model.Generate(2000, seed: 5));
        var (bareLaw, bareLimit) = Held(bare.Generate(2000, seed: 5));
        Console.WriteLine($"generated rows holding their state's law of their year: {law:P1} with steps, {bareLaw:P1} without; limit {limit:P1}, {bareLimit:P1}");
        Assert.AreEqual(1.0, law, "every generated row's law is its state's of its year");
        Assert.AreEqual(1.0, limit);
        Assert.IsLessThan(0.95, bareLaw, "the contrast: a generator on its own makes laws come and go");

        // The .NET decoder and the graph: each row holds its state's law of its year in both, the same law but where the
        // two matrix products' last bits put a year on the other side of a rounding.
        int count = 2000;
        var (reference, graph) = TestTables.DotNetAndGraph(model.Model, seed: 8, count);
        foreach (var tree in model.Model.Encoder.Thresholds)
        {
            Assert.IsTrue(tree.HoldsIn(reference, count), ".NET");
            Assert.IsTrue(tree.HoldsIn(graph, count), "the graph");
            int differ = Enumerable.Range(0, count).Count(r => reference.Levels(tree.Target)[r] != graph.Levels(tree.Target)[r]);
            Assert.IsLessThanOrEqualTo(count / 100, differ, $"{tree}: rows that differ {differ}");
        }
        using (var session = new InferenceSession(model.Model.ExportOnnx(CategorySampling.Sample)))
            StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.category_thresholds"], info.ToString());

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEquivalent(model.CategoryThresholds.Select(t => t.ToString()).ToArray(), loaded.CategoryThresholds.Select(t => t.ToString()).ToArray());
            Assert.AreEqual((1.0, 1.0), Held(loaded.Generate(1000, seed: 9)));
        });
    }

    /// <summary>A model with the panel's steps, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 1;
        options.DensityRatioFilter = false;
        using var model = ml.Gan().Train(options).Fit(Panel(seed: 6));
        Assert.IsTrue(model.CategoryThresholds.Any(t => t.Steps));
        return HostileFiles.Saved(model);
    });

    /// <summary>Manifests that call a tree steps though it reads no entity's category and then a number, each with what the refusal names.</summary>
    public static IEnumerable<object[]> StepLies() =>
    [
        ["the number first", (Action<JsonObject>)(t =>
        {
            var features = t["Features"]!.AsArray();
            string entity = features[0]!.GetValue<string>(), number = features[1]!.GetValue<string>();
            features[0] = number;
            features[1] = entity;
            var splits = t["Splits"]!.AsArray();
            for (int n = 0; n < splits.Count; n++) if (splits[n]!.GetValue<int>() >= 0) splits[n] = 1 - splits[n]!.GetValue<int>();
        }), "are said to be steps"],
        ["a third column read", (Action<JsonObject>)(t => t["Features"]!.AsArray().Add("Rate")), "are said to be steps"],
        ["two categories", (Action<JsonObject>)(t => t["Features"]![1] = "Flag"), "are said to be steps"],
    ];

    [TestMethod]
    [DynamicData(nameof(StepLies))]
    public void AManifestThatCallsATreeStepsThatReadsNoEntityAndNumberIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedLie(s_saved.Value, manifest =>
        {
            var tree = manifest["CategoryThresholds"]!.AsArray().Select(t => t!.AsObject()).First(t => t["Steps"]?.GetValue<bool>() == true);
            edit(tree);
        }, lie, named);
}
