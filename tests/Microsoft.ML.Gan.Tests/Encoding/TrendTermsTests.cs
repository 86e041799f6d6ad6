using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// A trend's terms: a rate that is a weighted mean of three others (a county's poverty rate and its children's, adults'
/// and elders' rates) follows one of them along a curve and adds the other two in proportion, found at Fit with their
/// weights; every generated row keeps the weighted mean, in .NET and in the graph alike (missing values of a term too),
/// after a save and a load; a column the rate does not depend on is no term; a file that lies about a term is refused.
/// </summary>
[TestClass]
public sealed class TrendTermsTests
{
    private const double ChildWeight = 0.25, AdultWeight = 0.6, ElderWeight = 0.15;

    /// <summary>
    /// Counties: Adult a rate around 12 (sd 5); Child and Elder loosely tied to it (no curve on Adult explains 90 % of
    /// either), Elder missing in 1 row of 25; Total their weighted mean plus noise of sd 0.1 (where Elder is missing, its
    /// mean stands in); Income unrelated to all of them; with <paramref name="regions"/>, a text column too.
    /// </summary>
    private static IDataView Counties(int rows, int seed, bool regions = false)
    {
        var random = new Random(seed);
        var normal = TestTables.Normal(4 * rows, seed);
        var total = new double[rows];
        var child = new double[rows];
        var adult = new double[rows];
        var elder = new double[rows];
        var income = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            adult[r] = Math.Round(Math.Max(1, 12 + 5 * normal[4 * r]), 2);
            child[r] = Math.Round(Math.Max(0, 1.3 * adult[r] + 4 * normal[4 * r + 1]), 2);
            double elderly = Math.Round(Math.Max(0, 0.5 * adult[r] + 5 + 3 * normal[4 * r + 2]), 2);
            elder[r] = r % 25 == 7 ? double.NaN : elderly;
            total[r] = Math.Round(ChildWeight * child[r] + AdultWeight * adult[r] + ElderWeight * elderly + 0.1 * normal[4 * r + 3], 2);
            income[r] = (float)Math.Round(30_000 + 20_000 * random.NextDouble());
        }
        List<(string, DataViewType, Array)> columns =
        [
            ("Total", NumberDataViewType.Double, total), ("Child", NumberDataViewType.Double, child), ("Adult", NumberDataViewType.Double, adult),
            ("Elder", NumberDataViewType.Double, elder), ("Income", NumberDataViewType.Single, income),
        ];
        if (regions) columns.Add(("Region", TextDataViewType.Instance, Enumerable.Range(0, rows).Select(r => new[] { "North", "South" }[r % 2].AsMemory()).ToArray()));
        return new TestTables.ArrayView([.. columns]);
    }

    private static GanTrainer.Options Small(bool terms = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, TrendTerms = terms,
    };

    /// <summary>Total − the weighted mean of the three rates (NaN where Elder is missing).</summary>
    private static double Gap(double total, double child, double adult, double elder) => total - (ChildWeight * child + AdultWeight * adult + ElderWeight * elder);

    [TestMethod]
    public void AWeightedMeanFollowsOneRateAndAddsTheOthersWithTheirWeights()
    {
        var data = Counties(2000, seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, TrendTerms = true };
        var encoder = TabularEncoder.Fit(data, names, settings, () => { }).Encoder;
        // Total on Adult, or Adult on Total (each explains the other alike): either way the other two rates are its terms.
        var trend = encoder.Trends.Single();
        Assert.IsTrue(trend is { TargetName: "Total", AnchorName: "Adult" } or { TargetName: "Adult", AnchorName: "Total" }, trend.ToString());
        Assert.AreEqual("Child, Elder", string.Join(", ", trend.Terms.Select(t => t.Name).Order(StringComparer.Ordinal)), "and not Income: " + trend);
        Assert.IsGreaterThan(0.999, trend.Explained, trend.ToString());
        // The weights, as the target's own: Total adds Child × 0.25, Adult (solved for) adds Child × −0.25 / 0.6.
        double scale = trend.TargetName == "Total" ? 1 : -1 / AdultWeight;
        Assert.AreEqual(ChildWeight * scale, trend.Terms.Single(t => t.Name == "Child").Coefficient, 0.01 * Math.Abs(scale), trend.ToString());
        Assert.AreEqual(ElderWeight * scale, trend.Terms.Single(t => t.Name == "Elder").Coefficient, 0.01 * Math.Abs(scale), trend.ToString());
        Assert.AreEqual(0.5 * 12 + 5, trend.Terms.Single(t => t.Name == "Elder").Mean, 0.5, "Elder's mean, over the rows that have it");

        // Off, the same trend without terms: the curve alone explains less.
        var off = TabularEncoder.Fit(data, names, settings with { TrendTerms = false }, () => { }).Encoder.Trends.Single();
        Assert.IsEmpty(off.Terms);
        Assert.AreEqual((trend.TargetName, trend.AnchorName), (off.TargetName, off.AnchorName));
        Assert.IsLessThan(0.99, off.Explained, off.ToString());
    }

    [TestMethod]
    public void ColumnsThatAddNothingAreNoTerms()
    {
        // Total follows Adult alone (noise of sd 1 around it): Child and Elder are unrelated, so none is added.
        var random = new Random(3);
        var normal = TestTables.Normal(4000, 3);
        int rows = 1000;
        var total = new double[rows];
        var child = new double[rows];
        var adult = new double[rows];
        var elder = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            adult[r] = 10 + 5 * normal[4 * r];
            total[r] = adult[r] + normal[4 * r + 1];
            child[r] = 20 + 5 * normal[4 * r + 2];
            elder[r] = 8 + 3 * normal[4 * r + 3] + 0.02 * (total[r] - adult[r]); // a trace of the noise: too little to halve it
        }
        var data = new TestTables.ArrayView(
        [
            ("Total", NumberDataViewType.Double, total), ("Child", NumberDataViewType.Double, child), ("Adult", NumberDataViewType.Double, adult),
            ("Elder", NumberDataViewType.Double, elder),
        ]);
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: false, Dependencies: false) { Trends = true, TrendTerms = true };
        var trends = TabularEncoder.Fit(data, ["Total", "Child", "Adult", "Elder"], settings, () => { }).Encoder.Trends;
        Assert.AreEqual(1, trends.Count, string.Join("; ", trends));
        Assert.IsEmpty(trends[0].Terms, trends[0].ToString());
    }

    [TestMethod]
    public void GeneratedRowsKeepTheWeightedMeanInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Counties(2000, seed: 2);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var trend = model.Trends.Single();
        Assert.AreEqual("Child, Elder", string.Join(", ", trend.Terms.Select(t => t.Column).Order(StringComparer.Ordinal)), trend.ToString());
        StringAssert.Contains(trend.ToString(), "× Child", "the public description names its terms");
        using var bare = ml.Gan().Train(Small(terms: false)).Fit(data);

        // Within 0.5 of the weighted mean (the training rows' noise has an sd of 0.1), where three epochs without the terms place few rows.
        double OnMean(GanTransformer m)
        {
            var rows = m.Generate(2000, seed: 5);
            double[] Of(string name) => TestTables.Column(rows, name).Select(Convert.ToDouble).ToArray();
            double[] total = Of("Total"), child = Of("Child"), adult = Of("Adult"), elder = Of("Elder");
            var present = Enumerable.Range(0, total.Length).Where(r => !double.IsNaN(elder[r])).ToList();
            return present.Count(r => Math.Abs(Gap(total[r], child[r], adult[r], elder[r])) < 0.5) / (double)present.Count;
        }
        double with = OnMean(model), without = OnMean(bare);
        Console.WriteLine($"rows on the weighted mean: {with:P1} with the terms, {without:P1} without");
        Assert.IsGreaterThan(0.95, with);
        Assert.IsLessThan(0.6, without, "the contrast: a short run with the curve alone does not find the mean");

        // The .NET decoder and the graph: the same operations in the same order, rows whose Elder is missing too. The
        // network's own outputs may differ in their last bit (libtorch's and ONNX Runtime's matrix products round
        // differently), which moves a value that lies on a rounding boundary by one step of its grid (a hundredth here,
        // a unit for Income) in a few rows; the rest are the same bit for bit.
        var m = model.Model;
        int count = 2000;
        var reference = TestTables.AssertGraphAgreesWithinSteps(m, seed: 7, count, _ => count / 200, (column, step) =>
        {
            Assert.IsFalse(double.IsNaN(step), $"{column.Name} has a grid");
            return 1.01 * step;
        });
        int elderColumn = m.Encoder.Columns.Select(c => c.Name).ToList().IndexOf("Elder");
        Assert.IsGreaterThan(0, reference.Numbers(elderColumn).Take(count).Count(double.IsNaN), "some rows without Elder, whose term adds nothing");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Trends.ToArray(), loaded.Trends.ToArray());
            Assert.AreEqual(2, loaded.Trends.Single().Terms.Count);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), trend.Target), TestTables.Column(loaded.Generate(300, seed: 8), trend.Target));
        });
    }

    /// <summary>Manifests that lie about a trend's terms, each with what the refusal names.</summary>
    public static IEnumerable<object[]> TermLies() =>
    [
        ["an unknown column", (Action<JsonObject>)(t => t["Terms"]![0]!["Column"] = "Nope"), "does not name a column of the model other than"],
        ["the target itself", (Action<JsonObject>)(t => t["Terms"]![0]!["Column"] = (string?)t["Target"]), "does not name a column of the model other than"],
        ["its anchor", (Action<JsonObject>)(t => t["Terms"]![0]!["Column"] = (string?)t["Anchor"]), "does not name a column of the model other than"],
        ["a column twice", (Action<JsonObject>)(t => t["Terms"]![1]!["Column"] = (string?)t["Terms"]![0]!["Column"]), "does not name a column of the model other than"],
        ["a text column", (Action<JsonObject>)(t => t["Terms"]![0]!["Column"] = "Region"), "which is not a number column"],
        ["a null term", (Action<JsonObject>)(t => t["Terms"]![0] = null), "has a null term"],
        ["five terms", (Action<JsonObject>)(t => t["Terms"] = new JsonArray(Enumerable.Range(0, 5).Select(_ => (JsonNode?)t["Terms"]![0]!.DeepClone()).ToArray())), "more than 4"],
        ["a coefficient past a double", (Action<JsonObject>)(t => t["Terms"]![0]!["Coefficient"] = JsonValue.Create("Infinity")), "not finite"],
        // Finite, but times the column's range past a double: rows would be the column's end, or missing (+∞ − ∞).
        ["coefficients that overflow over their columns' ranges", (Action<JsonObject>)(t =>
        {
            t["Terms"]![0]!["Coefficient"] = 1e308;
            t["Terms"]![1]!["Coefficient"] = -1e308;
        }), "add up past what a double holds"],
    ];

    /// <summary>A model with a trend of two terms (and a text column to name), saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var data = Counties(600, seed: 9, regions: true);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual(2, model.Trends.Single().Terms.Count, model.Trends.Single().ToString());
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(TermLies))]
    public void AManifestThatLiesAboutATrendsTermIsRefused(string lie, Action<JsonObject> edit, string named)
    {
        HostileFiles.RefusedTrendLie(s_saved.Value, edit, lie, named);
    }

    [TestMethod]
    public void ATermThatALaterTrendMakesIsRefused()
    {
        // Two trends, the second's target read by the first as a term: decoding would read it before it is made.
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest =>
        {
            var trends = manifest["Trends"]!.AsArray();
            var first = trends.Single()!.AsObject();
            var second = first.DeepClone().AsObject();
            second["Target"] = "Income";
            second["Anchor"] = first["Anchor"]!.DeepClone();
            second["Terms"] = null;
            first["Terms"]![0]!["Column"] = "Income";
            trends.Add(second);
        }, "a later trend's target as a term");
        StringAssert.Contains(e.Message, "another trend has as its target, or anchors a target");
    }
}
