using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Categories that thresholds fix: a code of bins (a county's education bin, income bin and metro status, one letter
/// each) is found at Fit as a tree on those columns and nothing else, with its edges in the data's gaps, while a
/// category with one row in ten off its bin, an unrelated category and a rare flag are not; every generated row's code
/// is the one its numbers give, in .NET and in the graph alike, after a save and a load too, where a generator on its
/// own mixes them; a condition on the code still holds; a file that lies about a tree is refused.
/// </summary>
[TestClass]
public sealed class CategoryThresholdsTests
{
    // The bins' edges: education below 60 is L, below 80 A, else H; income below 30 L, below 55 A, else H. No row lies
    // within half a point of an edge, so the edges found lie in those gaps.
    private static readonly double[] s_educationEdges = [60, 80];
    private static readonly double[] s_incomeEdges = [30, 55];

    private static char Letter(double value, double[] edges) => value < edges[0] ? 'L' : value < edges[1] ? 'A' : 'H';

    private static string Code(double education, double income, int metro) => $"{Letter(education, s_educationEdges)}{Letter(income, s_incomeEdges)}{(metro == 1 ? 'U' : 'R')}";

    /// <summary>
    /// 800 counties: Education (Single, 40-95 %), Income (Double, 10-90) and Metro (Int32, 0/1), related to each other;
    /// Code, their bins' letters; Tier, Income's bin with one row in ten given another; Region, unrelated; Flag, true in
    /// 2 % of rows at random; Age, a county's own number. With <paramref name="metroAsText"/>, Metro is "Yes" or "No".
    /// </summary>
    private static IDataView Counties(int seed, int rows = 800, bool metroAsText = false)
    {
        var random = new Random(seed);
        var education = new float[rows];
        var income = new double[rows];
        var metro = new int[rows];
        var code = new ReadOnlyMemory<char>[rows];
        var tier = new ReadOnlyMemory<char>[rows];
        var region = new ReadOnlyMemory<char>[rows];
        var flag = new bool[rows];
        var age = new int[rows];
        string[] regions = ["North", "South", "East", "West"];
        double AwayFromEdges(double v, double[] edges) => edges.Any(e => Math.Abs(v - e) < 0.5) ? v + 1 : v;
        for (int r = 0; r < rows; r++)
        {
            metro[r] = random.NextDouble() < 0.35 ? 1 : 0;
            double e = 40 + 55 * random.NextDouble() * (metro[r] == 1 ? 1 : 0.85);
            education[r] = (float)Math.Round(AwayFromEdges(e, s_educationEdges), 2);
            double i = Math.Clamp(10 + 0.6 * (education[r] - 40) + 40 * random.NextDouble() + (metro[r] == 1 ? 8 : 0), 10, 90);
            income[r] = Math.Round(AwayFromEdges(i, s_incomeEdges), 1);
            code[r] = Code(education[r], income[r], metro[r]).AsMemory();
            char bin = Letter(income[r], s_incomeEdges);
            tier[r] = (random.NextDouble() < 0.1 ? "LAH"[random.Next(3)] : bin).ToString().AsMemory();
            region[r] = regions[random.Next(4)].AsMemory();
            flag[r] = random.NextDouble() < 0.02;
            age[r] = 20 + random.Next(60);
        }
        return new TestTables.ArrayView(
        [
            ("Education", NumberDataViewType.Single, education), ("Income", NumberDataViewType.Double, income),
            metroAsText ? ("Metro", TextDataViewType.Instance, metro.Select(m => (m == 1 ? "Yes" : "No").AsMemory()).ToArray()) : ("Metro", NumberDataViewType.Int32, metro),
            ("Code", TextDataViewType.Instance, code), ("Tier", TextDataViewType.Instance, tier), ("Region", TextDataViewType.Instance, region),
            ("Flag", BooleanDataViewType.Instance, flag), ("Age", NumberDataViewType.Int32, age),
        ]);
    }

    private static ColumnFitSettings Settings() => new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, Formulas = true, CategoryThresholds = true };

    private static GanTrainer.Options Small(bool thresholds = true) => new()
    {
        Epochs = 4, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, CategoryThresholds = thresholds,
    };

    /// <summary>Each column's distinct thresholds in <paramref name="tree"/>, by name.</summary>
    private static Dictionary<string, double[]> Edges(CategoryThresholds tree) =>
        Enumerable.Range(0, tree.Splits.Length).Where(n => tree.Splits[n] >= 0).GroupBy(n => tree.FeatureNames[tree.Splits[n]])
            .ToDictionary(g => g.Key, g => g.Select(n => tree.Thresholds[n]).Distinct().Order().ToArray());

    [TestMethod]
    public void ACodeOfBinsIsFoundAsATreeOnItsColumnsWithItsEdgesInTheDataGaps()
    {
        var data = Counties(1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings(), () => { }).Encoder;
        var tree = encoder.Thresholds.Single(); // Tier (one row in ten off), Region (unrelated) and Flag (rare, random) have none
        Assert.AreEqual("Code", tree.TargetName);
        CollectionAssert.AreEquivalent(new[] { "Education", "Income", "Metro" }, tree.FeatureNames, "the tree reads the three columns of the code, nothing else");
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Code" && d.TargetName == "Metro"), "the code fixes the metro status, and still does");
        Assert.AreEqual("Metro", tree.FeatureNames[tree.Splits[0]], "the column the code fixes is read first, a branch per value");

        // One edge in each gap of the data, shared by every branch: two edges a number.
        var edges = Edges(tree);
        Assert.HasCount(2, edges["Education"], string.Join(", ", edges["Education"]));
        Assert.HasCount(2, edges["Income"], string.Join(", ", edges["Income"]));
        for (int k = 0; k < 2; k++)
        {
            Assert.IsLessThanOrEqualTo(0.5, Math.Abs(edges["Education"][k] - s_educationEdges[k]), $"education edge {edges["Education"][k]}");
            Assert.IsLessThanOrEqualTo(0.5, Math.Abs(edges["Income"][k] - s_incomeEdges[k]), $"income edge {edges["Income"][k]}");
        }
        Assert.AreEqual("Code is set by thresholds on Education, Income, Metro (" + tree.LeafCount + " bins)", tree.ToString());
        Assert.IsGreaterThanOrEqualTo(12, tree.LeafCount, "about one leaf a code the data hold (18 possible, the rare ones included)");

        // Every training row holds the code its tree gives.
        var (read, count) = encoder.ReadRows(data, 800, seed: 1, () => { });
        Assert.IsTrue(tree.HoldsIn(read, count));

        Assert.IsEmpty(TabularEncoder.Fit(data, names, Settings() with { CategoryThresholds = false }, () => { }).Encoder.Thresholds);
        // A column a constraint names takes no part: without Income no tree fixes the code.
        var ruled = TabularEncoder.Fit(data, names, Settings(), () => { }, constraints: [GanConstraint.Positive("Income")]).Encoder;
        Assert.IsEmpty(ruled.Thresholds, string.Join("; ", ruled.Thresholds));
    }

    [TestMethod]
    public void ATreeIsNotFoundOnTooFewRowsNorForACategoryThatOnlyMostlyFollowsItsBins()
    {
        // 40 rows: too few to tell a rule from a chance partition.
        var few = Counties(2, rows: 40);
        Assert.IsEmpty(TabularEncoder.Fit(few, few.Schema.Select(c => c.Name).ToArray(), Settings(), () => { }).Encoder.Thresholds);
        // Tier alone with its numbers: one row in ten off its bin.
        var data = Counties(3);
        var encoder = TabularEncoder.Fit(data, ["Income", "Tier", "Age", "Flag"], Settings(), () => { }).Encoder;
        Assert.IsEmpty(encoder.Thresholds, string.Join("; ", encoder.Thresholds));
    }

    [TestMethod]
    public void GeneratedRowsHoldTheCodeTheirNumbersGiveInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        // Metro a category here: the tree reads its index, in .NET and in the graph.
        var data = Counties(4, metroAsText: true);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var info = model.CategoryThresholds.Single();
        Assert.AreEqual("Code", info.Column);
        CollectionAssert.AreEqual(new[] { "Education", "Income", "Metro" }, info.FromColumns.ToArray(), "in the table's order");
        var tree = model.Model.Encoder.Thresholds.Single();
        var edges = Edges(tree);
        using var bare = ml.Gan().Train(Small(thresholds: false)).Fit(data);
        Assert.IsEmpty(bare.CategoryThresholds);

        // The share of generated rows whose code is the one the tree's edges give their numbers, of those whose numbers
        // lie in bins the training rows hold (a row in bins no county has, such as low education with high income in
        // a city, takes the code of a leaf next to it).
        var held = TestTables.Column(data, "Code").Select(v => v.ToString()).ToHashSet();
        double Agree(IDataView rows)
        {
            var e = TestTables.Column(rows, "Education").Select(Convert.ToDouble).ToArray();
            var i = TestTables.Column(rows, "Income").Select(Convert.ToDouble).ToArray();
            var m = TestTables.Column(rows, "Metro").Select(v => v.ToString() == "Yes" ? 1 : 0).ToArray();
            var c = TestTables.Column(rows, "Code").Select(v => v.ToString()).ToArray();
            var binned = Enumerable.Range(0, c.Length).Select(r => $"{Letter(e[r], edges["Education"])}{Letter(i[r], edges["Income"])}{(m[r] == 1 ? 'U' : 'R')}").ToArray();
            var inHeldBins = Enumerable.Range(0, c.Length).Where(r => held.Contains(binned[r])).ToArray();
            Assert.IsGreaterThan(0.9 * c.Length, inHeldBins.Length, "nearly every row lies in bins the training rows hold");
            return inHeldBins.Count(r => c[r] == binned[r]) / (double)inHeldBins.Length;
        }
        double with = Agree(model.Generate(2000, seed: 5)), without = Agree(bare.Generate(2000, seed: 5));
        Console.WriteLine($"generated rows whose code their numbers give: {with:P1} with the tree, {without:P1} without");
        Assert.AreEqual(1.0, with, "every generated row's code is its numbers' bins");
        Assert.IsLessThan(0.95, without, "the contrast: a generator on its own gives rows codes their numbers rule out");

        // The code's shares follow the numbers' calibrated maps: near the training shares.
        var codes = TestTables.Column(model.Generate(3000, seed: 6), "Code").Select(v => v.ToString()!).ToArray();
        var training = TestTables.Column(data, "Code").Select(v => v.ToString()!).ToArray();
        double distance = codes.Concat(training).Distinct().Sum(k => Math.Abs(codes.Count(v => v == k) / 3000.0 - training.Count(v => v == k) / 800.0)) / 2;
        // The metro status follows the generator's own choice of code (the dependency, before the tree reads it), whose
        // shares are calibrated as any category's are.
        double metro = TestTables.Column(model.Generate(3000, seed: 6), "Metro").Count(v => v.ToString() == "Yes") / 3000.0;
        double metroReal = TestTables.Column(data, "Metro").Count(v => v.ToString() == "Yes") / 800.0;
        Console.WriteLine($"total variation of the codes from the training shares: {distance:F3}; metro {metro:P1} generated, {metroReal:P1} real");
        Assert.IsLessThan(0.2, distance);
        Assert.AreEqual(metroReal, metro, 0.05, "the metro share");

        // A condition on the code holds, and the rows' numbers are in its bins.
        var conditioned = model.Generate(50, seed: 7, new Dictionary<string, object> { ["Code"] = "HHU" });
        Assert.IsTrue(TestTables.Column(conditioned, "Code").All(v => v.ToString() == "HHU"));
        Assert.IsTrue(TestTables.Column(conditioned, "Education").Select(Convert.ToDouble).All(v => v >= edges["Education"][1]));
        Assert.IsTrue(TestTables.Column(conditioned, "Metro").All(v => v.ToString() == "Yes"), "the code fixes the metro status, after the tree as before");

        // The .NET decoder and the graph: each row holds its tree's code in both, the same code but where the two
        // matrix products' last bits put a number on the other side of an edge.
        var m = model.Model;
        int count = 2000;
        var (reference, graph) = TestTables.DotNetAndGraph(m, seed: 8, count);
        Assert.IsTrue(tree.HoldsIn(reference, count), ".NET");
        Assert.IsTrue(tree.HoldsIn(graph, count), "the graph");
        int differ = Enumerable.Range(0, count).Count(r => reference.Levels(tree.Target)[r] != graph.Levels(tree.Target)[r]);
        Assert.IsLessThanOrEqualTo(count / 100, differ, $"rows whose code differs: {differ}");
        using (var session = new InferenceSession(m.ExportOnnx(CategorySampling.Sample)))
            StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.category_thresholds"], info.ToString());

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(info.ToString(), loaded.CategoryThresholds.Single().ToString());
            Assert.AreEqual(1.0, Agree(loaded.Generate(1000, seed: 9)));
        });
    }

    /// <summary>Manifests that lie about a tree, each with what the refusal names.</summary>
    public static IEnumerable<object[]> TreeLies() =>
    [
        ["a numeric target", (Action<JsonObject>)(t => t["Target"] = "Age"), "do not name a categorical column"],
        ["an unknown target", (Action<JsonObject>)(t => t["Target"] = "Nope"), "do not name a categorical column"],
        ["an unknown column read", (Action<JsonObject>)(t => t["Features"]![0] = "Nope"), "read something other than number or category columns"],
        ["the target read", (Action<JsonObject>)(t => t["Features"]![0] = "Code"), "read something other than number or category columns"],
        ["a column read twice", (Action<JsonObject>)(t => t["Features"]![1] = t["Features"]![0]!.GetValue<string>()), "read a column twice"],
        ["a node short of a threshold", (Action<JsonObject>)(t => t["Thresholds"]!.AsArray().RemoveAt(0)), "do not hold 1 to 511 nodes"],
        ["a leaf of a category the column lacks", (Action<JsonObject>)(t => t["Levels"]![LeafOf(t)] = 99), "a category the column does not have"],
        ["a leaf that also splits", (Action<JsonObject>)(t => t["Splits"]![LeafOf(t)] = 0), "a category the column does not have, or that also splits"],
        ["a split on no column", (Action<JsonObject>)(t => t["Splits"]![0] = 7), "neither a leaf nor a split on one of its columns"],
        ["a threshold that is no number", (Action<JsonObject>)(t => t["Thresholds"]![0] = "NaN"), "neither a leaf nor a split"],
        ["a child before its parent", (Action<JsonObject>)(t => t["Right"]![0] = 0), "could loop"],
        ["a child past the last node", (Action<JsonObject>)(t => t["Left"]![0] = 100_000), "could loop"],
    ];

    private static int LeafOf(JsonObject tree) => tree["Levels"]!.AsArray().Select((v, i) => (v!.GetValue<int>(), i)).First(p => p.Item1 >= 0).i;

    /// <summary>A model with the counties' tree, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 1;
        using var model = ml.Gan().Train(options).Fit(Counties(5));
        Assert.AreEqual("Code", model.CategoryThresholds.Single().Column);
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(TreeLies))]
    public void AManifestThatLiesAboutATreeIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedRuleLie(s_saved.Value, "CategoryThresholds", edit, lie, named);

    [TestMethod]
    public void AManifestWhoseTreeSetsAColumnADependencySetsIsRefused()
    {
        // A rule from Region that sets the code too, applied first.
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest =>
            manifest["Dependencies"]!.AsArray().Insert(0, HostileFiles.Dependency("Region", "Code")),
            "a dependency that sets the tree's category");
        StringAssert.Contains(e.Message, "its thresholds set column 'Code', which a dependency or a constraint sets");
    }

    [TestMethod]
    public void AGraphWhoseCodesAreNotThoseItsDescriptionsThresholdsGiveIsRefusedAtLoad()
    {
        // The description moves every edge of Education far away; the graph still bins the rows at the trained edges.
        var ml = new MLContext(1);
        using var model = ml.Gan().LoadModel(new MemoryStream(s_saved.Value));
        var lying = HostileFiles.OnnxWithDescription(model.Model, manifest =>
        {
            var tree = manifest["CategoryThresholds"]![0]!.AsObject();
            int education = tree["Features"]!.AsArray().Select(v => v!.GetValue<string>()).ToList().IndexOf("Education");
            var thresholds = tree["Thresholds"]!.AsArray();
            for (int n = 0; n < thresholds.Count; n++)
                if (tree["Splits"]![n]!.GetValue<int>() == education) thresholds[n] = thresholds[n]!.GetValue<double>() + 30;
        });
        HostileFiles.RefusedMismatchedOnnx(lying, "is not the category its thresholds give");
    }
}
