using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Pairs of categories the training rows never hold though their shares expect many (the sizes of community a region
/// has none of): found at Fit, and only they (not a pair too rare to be missed by chance, nor pairs of unrelated
/// columns); no generated row holds one, in .NET and in the graph alike, after a save and a load too, where the same
/// generator without them makes some; conditions still hold; a file that lies about them is refused.
/// </summary>
[TestClass]
public sealed class CategoryExclusionTests
{
    // The sizes of community each region has: region E has one size only (as Chile's "SA" has only 250,000 people).
    private static readonly Dictionary<string, string[]> s_sizes = new()
    {
        ["A"] = ["S1", "S2", "S3"], ["B"] = ["S2", "S4"], ["C"] = ["S1", "S5", "S6"], ["D"] = ["S3", "S4", "S5"], ["E"] = ["S6"],
    };

    private static readonly (string Region, double Share)[] s_regions = [("A", 0.3), ("B", 0.2), ("C", 0.2), ("D", 0.2), ("E", 0.1)];

    /// <summary>
    /// Communities: Region (shares 30/20/20/20/10 %), Size (one of the region's sizes at random), Vote (three parties,
    /// unrelated), Flag (true in 2 % of rows, never in region E: a pair absent with only 3 rows expected), Age (a number).
    /// </summary>
    private static IDataView Communities(int seed, int rows = 1500)
    {
        var random = new Random(seed);
        var region = new ReadOnlyMemory<char>[rows];
        var size = new ReadOnlyMemory<char>[rows];
        var vote = new ReadOnlyMemory<char>[rows];
        var flag = new bool[rows];
        var age = new int[rows];
        int flagged = 0;
        for (int r = 0; r < rows; r++)
        {
            // Regions in their exact shares, in a shuffled order.
            string name = s_regions[Array.FindIndex(Cumulative(), c => (r + 0.5) / rows < c)].Region;
            region[r] = name.AsMemory();
            size[r] = s_sizes[name][random.Next(s_sizes[name].Length)].AsMemory();
            vote[r] = new[] { "Left", "Centre", "Right" }[random.Next(3)].AsMemory();
            flag[r] = name != "E" && flagged < rows / 50 && random.NextDouble() < 0.03 && ++flagged > 0;
            age[r] = 20 + random.Next(60);
        }
        var order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        T[] Shuffled<T>(T[] values) => order.Select(i => values[i]).ToArray();
        return new TestTables.ArrayView(
        [
            ("Region", TextDataViewType.Instance, Shuffled(region)), ("Size", TextDataViewType.Instance, Shuffled(size)),
            ("Vote", TextDataViewType.Instance, Shuffled(vote)), ("Flag", BooleanDataViewType.Instance, Shuffled(flag)), ("Age", NumberDataViewType.Int32, Shuffled(age)),
        ]);
    }

    private static double[] Cumulative()
    {
        double total = 0;
        return s_regions.Select(r => total += r.Share).ToArray();
    }

    /// <summary>The (region, size) pairs no region has.</summary>
    private static HashSet<(string, string)> Impossible() =>
        s_sizes.Keys.SelectMany(r => Enumerable.Range(1, 6).Select(s => $"S{s}").Where(s => !s_sizes[r].Contains(s)).Select(s => (r, s))).ToHashSet();

    private static ColumnFitSettings Settings() => new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { CategoryExclusions = true };

    private static GanTrainer.Options Small(bool exclusions = true) => new()
    {
        Epochs = 4, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, CategoryExclusions = exclusions,
    };

    private static (string, string)[] Pairs(IDataView rows) =>
        TestTables.Column(rows, "Region").Zip(TestTables.Column(rows, "Size"), (r, s) => (r.ToString()!, s.ToString()!)).ToArray();

    [TestMethod]
    public void ThePairsNoRegionHasAreFoundAndOnlyThey()
    {
        var data = Communities(1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings(), () => { }).Encoder;
        var exclusion = encoder.Exclusions.Single(); // Vote is unrelated; Flag's absence in region E expects 3 rows only
        Assert.AreEqual("Region", exclusion.FirstName);
        Assert.AreEqual("Size", exclusion.SecondName);
        // Region E's pairs are left to the dependency that sets its size: the others are ruled out.
        var impossible = Impossible().Where(p => p.Item1 != "E").ToHashSet();
        CollectionAssert.AreEquivalent(impossible.ToArray(), exclusion.Pairs.ToArray(), string.Join(", ", exclusion.Pairs));
        var first = exclusion.Pairs[0];
        Assert.AreEqual($"Region × Size: {impossible.Count} pairs never together ({first.First} with {first.Second}, {exclusion.Pairs[1].First} with {exclusion.Pairs[1].Second}, {exclusion.Pairs[2].First} with {exclusion.Pairs[2].Second}, …)", exclusion.ToString());
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Region" && d.TargetName == "Size"), "region E fixes its size: a dependency between the two, which the exclusion allows");

        // Every training row keeps them.
        var (read, count) = encoder.ReadRows(data, 1500, seed: 1, () => { });
        Assert.IsTrue(exclusion.HoldsIn(read, count));

        Assert.IsEmpty(TabularEncoder.Fit(data, names, Settings() with { CategoryExclusions = false }, () => { }).Encoder.Exclusions);
        Assert.IsFalse(GanTrainer.Options.Classic().CategoryExclusions, "the original GAN has no such rule");
        // A column a constraint names takes no part.
        var ruled = TabularEncoder.Fit(data, names, Settings(), () => { }, constraints: [GanConstraint.FixedCombinations("Region", "Size")]);
        Assert.IsEmpty(ruled.Encoder.Exclusions, string.Join("; ", ruled.Encoder.Exclusions));
        // Nor does one a dependency from a third column sets: Size set from a copy of Region.
        var copy = new TestTables.ArrayView(
        [
            ("Zone", TextDataViewType.Instance, TestTables.Column(data, "Region").Select(v => ("Z" + v).AsMemory()).ToArray()),
            ("Region", TextDataViewType.Instance, TestTables.Column(data, "Region").Select(v => v.ToString().AsMemory()).ToArray()),
            ("Size", TextDataViewType.Instance, TestTables.Column(data, "Size").Select(v => v.ToString().AsMemory()).ToArray()),
        ]);
        var third = TabularEncoder.Fit(copy, ["Zone", "Region", "Size"], Settings(), () => { }).Encoder;
        Assert.IsTrue(third.Dependencies.Any(d => d.DeterminantName == "Zone" && d.TargetName == "Size"), string.Join("; ", third.Dependencies.Select(d => d.ToInfo())));
        Assert.IsFalse(third.Exclusions.Any(x => x.SecondName == "Size" || x.FirstName == "Size"), string.Join("; ", third.Exclusions));
    }

    [TestMethod]
    public void FewRowsMakeNoRule()
    {
        // 60 rows: a region's missing sizes expect a few rows each, which chance may leave out.
        var few = Communities(2, rows: 60);
        Assert.IsEmpty(TabularEncoder.Fit(few, few.Schema.Select(c => c.Name).ToArray(), Settings(), () => { }).Encoder.Exclusions);
    }

    [TestMethod]
    public void PenaltiesAddUpAndTheCategoryRuledOutLeastWins()
    {
        var data = Communities(3);
        var encoder = TabularEncoder.Fit(data, ["Region", "Size"], Settings(), () => { }).Encoder;
        var exclusion = encoder.Exclusions.Single();
        var size = (CategoricalColumn)encoder.Columns[exclusion.Second];
        var region = (CategoricalColumn)encoder.Columns[exclusion.First];
        int a = Enumerable.Range(0, region.LevelCount).Single(l => region.LevelName(l) == "A");
        var logits = new float[size.LevelCount];
        int s4 = Enumerable.Range(0, size.LevelCount).Single(l => size.LevelName(l) == "S4");
        logits[s4] = 50; // the generator's strong choice, which region A rules out
        exclusion.AddPenalties(a, logits);
        int chosen = GanColumn.Choose(logits, 0.5f, CategorySampling.ArgMax);
        CollectionAssert.Contains(s_sizes["A"], size.LevelName(chosen));
        // Twice ruled out is worse than once: the penalties add.
        var twice = new float[size.LevelCount];
        twice[s4] = 50;
        exclusion.AddPenalties(a, twice);
        exclusion.AddPenalties(a, twice);
        Assert.AreEqual(-2 * CategoryExclusion.Penalty + 50, twice[s4]);
        Assert.AreEqual(-CategoryExclusion.Penalty + 50, logits[s4]);
    }

    [TestMethod]
    public void GeneratedRowsHoldNoExcludedPairInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Communities(4);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var info = model.CategoryExclusions.Single();
        Assert.AreEqual("Region", info.Column);
        Assert.AreEqual("Size", info.OtherColumn);
        var impossible = Impossible();
        using var bare = ml.Gan().Train(Small(exclusions: false)).Fit(data);
        Assert.IsEmpty(bare.CategoryExclusions);

        double Broken(IDataView rows) => Pairs(rows).Count(impossible.Contains) / (double)Pairs(rows).Length;
        double with = Broken(model.Generate(3000, seed: 5)), without = Broken(bare.Generate(3000, seed: 5));
        Console.WriteLine($"generated rows in a pair no region has: {with:P2} with the exclusions, {without:P2} without");
        Assert.AreEqual(0.0, with, "no generated row holds an excluded pair");
        Assert.IsGreaterThan(0.01, without, "the contrast: the same generator on its own makes such rows");

        // The shares stay calibrated: regions and sizes near the training shares.
        var generated = Pairs(model.Generate(3000, seed: 6));
        var training = Pairs(data);
        double Distance(Func<(string, string), string> key) =>
            generated.Select(key).Concat(training.Select(key)).Distinct().Sum(k => Math.Abs(generated.Count(p => key(p) == k) / 3000.0 - training.Count(p => key(p) == k) / 1500.0)) / 2;
        double regions = Distance(p => p.Item1), sizes = Distance(p => p.Item2);
        Console.WriteLine($"total variation from the training shares: regions {regions:F3}, sizes {sizes:F3}");
        Assert.IsLessThan(0.1, regions);
        Assert.IsLessThan(0.1, sizes);

        // A condition on the second column holds, and its rows' regions are ones that have that size.
        var conditioned = Pairs(model.Generate(100, seed: 7, new Dictionary<string, object> { ["Size"] = "S6" }));
        Assert.IsTrue(conditioned.All(p => p.Item2 == "S6" && s_sizes[p.Item1].Contains("S6")), string.Join(", ", conditioned.Distinct()));

        // The .NET decoder and the graph: neither holds an excluded pair, and they choose the same categories but where
        // the two runtimes' last bits put a draw on the other side of a softmax boundary.
        var m = model.Model;
        var exclusion = m.Encoder.Exclusions.Single();
        int count = 2000;
        var (reference, graph) = TestTables.DotNetAndGraph(m, seed: 8, count);
        Assert.IsTrue(exclusion.HoldsIn(reference, count), ".NET");
        Assert.IsTrue(exclusion.HoldsIn(graph, count), "the graph");
        int differ = Enumerable.Range(0, count).Count(r => reference.Levels(exclusion.Second)[r] != graph.Levels(exclusion.Second)[r]);
        Assert.IsLessThanOrEqualTo(count / 100, differ, $"rows whose size differs: {differ}");
        using (var session = new InferenceSession(m.ExportOnnx(CategorySampling.Sample)))
            StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.category_exclusions"], $"Region × Size: {info.Pairs.Count} pairs");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(info.ToString(), loaded.CategoryExclusions.Single().ToString());
            Assert.IsTrue(loaded.Options.CategoryExclusions);
            CollectionAssert.AreEquivalent(info.Pairs.ToArray(), loaded.CategoryExclusions.Single().Pairs.ToArray());
            Assert.AreEqual(0.0, Broken(loaded.Generate(1000, seed: 9)));
        });
    }

    /// <summary>Manifests that lie about an exclusion, each with what the refusal names.</summary>
    public static IEnumerable<object[]> ExclusionLies() =>
    [
        ["an unknown column", (Action<JsonObject>)(x => x["First"] = "Nope"), "does not name two categorical columns"],
        ["a numeric column", (Action<JsonObject>)(x => x["Second"] = "Age"), "does not name two categorical columns"],
        ["the columns out of order", (Action<JsonObject>)(x => (x["First"], x["Second"]) = ("Size", "Region")), "does not name two categorical columns of the model, in their order"],
        ["a category the column lacks", (Action<JsonObject>)(x => x["SecondLevels"]![0] = 99), "names a category neither column has"],
        ["a negative category", (Action<JsonObject>)(x => x["FirstLevels"]![0] = -1), "names a category neither column has"],
        ["a pair short of its second category", (Action<JsonObject>)(x => x["SecondLevels"]!.AsArray().RemoveAt(0)), "each with both of its categories"],
        ["no pair", (Action<JsonObject>)(x => (x["FirstLevels"], x["SecondLevels"]) = (new JsonArray(), new JsonArray())), "needs at least one pair"],
        ["pairs out of order", (Action<JsonObject>)(x => (x["FirstLevels"], x["SecondLevels"]) = (Reversed(x["FirstLevels"]!), Reversed(x["SecondLevels"]!))), "out of order or twice"],
        ["a pair twice", (Action<JsonObject>)(x => { x["FirstLevels"]!.AsArray().Insert(0, x["FirstLevels"]![0]!.GetValue<int>()); x["SecondLevels"]!.AsArray().Insert(0, x["SecondLevels"]![0]!.GetValue<int>()); }), "out of order or twice"],
        ["every size of a region ruled out", (Action<JsonObject>)(x => (x["FirstLevels"], x["SecondLevels"]) = (new JsonArray(0, 0, 0, 0, 0, 0), new JsonArray(0, 1, 2, 3, 4, 5))), "rules out every category of 'Size'"],
    ];

    private static JsonArray Reversed(JsonNode array) => new(array.AsArray().Select(v => (JsonNode)v!.GetValue<int>()).Reverse().ToArray());

    /// <summary>A model with the communities' exclusion, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 1;
        using var model = ml.Gan().Train(options).Fit(Communities(5));
        Assert.AreEqual("Size", model.CategoryExclusions.Single().OtherColumn);
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(ExclusionLies))]
    public void AManifestThatLiesAboutAnExclusionIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedRuleLie(s_saved.Value, "Exclusions", edit, lie, named);

    [TestMethod]
    public void AManifestWhoseExclusionInvolvesAColumnAThirdColumnSetsIsRefused()
    {
        // A rule from Vote that sets the size too.
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest =>
            manifest["Dependencies"]!.AsArray().Add(HostileFiles.Dependency("Vote", "Size")),
            "a dependency from a third column that sets the exclusion's column");
        StringAssert.Contains(e.Message, "involves column 'Size', which a dependency from another column, thresholds or a constraint sets or names");
    }

    [TestMethod]
    public void AGraphThatMakesPairsItsDescriptionRulesOutIsRefusedAtLoad()
    {
        // The description rules out every pair of region A but one; the graph still makes them.
        var ml = new MLContext(1);
        using var model = ml.Gan().LoadModel(new MemoryStream(s_saved.Value));
        var region = (CategoricalColumn)model.Model.Encoder.Columns[0];
        var size = (CategoricalColumn)model.Model.Encoder.Columns[1];
        int a = Enumerable.Range(0, region.LevelCount).Single(l => region.LevelName(l) == "A");
        var allowed = Enumerable.Range(0, size.LevelCount).Where(l => s_sizes["A"].Contains(size.LevelName(l))).ToArray();
        var lying = HostileFiles.OnnxWithDescription(model.Model, manifest =>
        {
            var x = manifest["Exclusions"]![0]!.AsObject();
            var pairs = x["FirstLevels"]!.AsArray().Select(v => v!.GetValue<int>()).Zip(x["SecondLevels"]!.AsArray().Select(v => v!.GetValue<int>()))
                .Concat(allowed.Skip(1).Select(s => (a, s))).Distinct().Order().ToArray();
            x["FirstLevels"] = new JsonArray(pairs.Select(p => (JsonNode)p.Item1).ToArray());
            x["SecondLevels"] = new JsonArray(pairs.Select(p => (JsonNode)p.Item2).ToArray());
        });
        HostileFiles.RefusedMismatchedOnnx(lying, "hold a pair of categories its exclusion");
    }
}
