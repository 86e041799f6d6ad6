using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Trends on ratios (<see cref="GanTrainer.Options.TrendRatios"/>): a median price that follows the mean price, a sum
/// over a count, is found at Fit as a trend on the ratio of the two columns, which no single column explains; generated
/// rows keep it, in .NET and in the graph alike (rows whose count is zero or whose sum is missing take the fallback),
/// after a save and a load; a file that lies about a ratio is refused.
/// </summary>
[TestClass]
public sealed class TrendRatioTests
{
    private const double MedianShare = 0.85;

    /// <summary>
    /// Markets: Count a number of sales (unsigned, so no trend's target: Amount / Median would make it as well; whole,
    /// log-normal over three orders of magnitude), Amount their sum (Count ×
    /// a mean price, log-normal around 200,000, so no curve on Count explains 90 % of it), Median 0.85 × the mean price
    /// with 10 % noise, in hundreds. One row in 200 sold nothing but charged fees (Count 0, Amount a thousandth of a sale's:
    /// the ratio is infinite), one in 200 lacks its Amount; Listings is unrelated; with <paramref name="regions"/>, a text
    /// column too.
    /// </summary>
    private static IDataView Markets(int rows, int seed, bool regions = false)
    {
        var normal = TestTables.Normal(4 * rows, seed);
        var count = new uint[rows];
        var amount = new double[rows];
        var median = new double[rows];
        var listings = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double price = 200_000 * Math.Exp(0.5 * normal[4 * r + 1]);
            count[r] = r % 200 == 3 ? 0 : (uint)Math.Max(1, Math.Round(Math.Exp(4 + 1.5 * normal[4 * r])));
            amount[r] = r % 200 == 5 ? double.NaN : count[r] == 0 ? Math.Round(price / 100) : Math.Round(count[r] * price);
            median[r] = 100 * Math.Round(MedianShare * price * Math.Exp(0.1 * normal[4 * r + 2]) / 100);
            listings[r] = (float)Math.Round(Math.Exp(5 + normal[4 * r + 3]));
        }
        List<(string, DataViewType, Array)> columns =
        [
            ("Count", NumberDataViewType.UInt32, count), ("Amount", NumberDataViewType.Double, amount), ("Median", NumberDataViewType.Double, median),
            ("Listings", NumberDataViewType.Single, listings),
        ];
        if (regions) columns.Add(("Region", TextDataViewType.Instance, Enumerable.Range(0, rows).Select(r => new[] { "North", "South" }[r % 2].AsMemory()).ToArray()));
        return new TestTables.ArrayView([.. columns]);
    }

    private static GanTrainer.Options Small(bool ratios = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, TrendRatios = ratios,
    };

    /// <summary>Whether a row's median lies within 30 % (three of its noise's standard deviations) of 0.85 × its mean price.</summary>
    private static bool OnRatio(double count, double amount, double median) =>
        count > 0 && !double.IsNaN(amount) && Math.Abs(Math.Log(median / (MedianShare * amount / count))) < 0.3;

    [TestMethod]
    public void AMedianFollowsTheRatioOfASumToItsCountWhichNoColumnAloneExplains()
    {
        var data = Markets(3000, seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, TrendTerms = true, TrendRatios = true };
        var trend = TabularEncoder.Fit(data, names, settings, () => { }).Encoder.Trends.Single();
        Assert.AreEqual("Median", trend.TargetName, trend.ToString());
        Assert.IsTrue(trend.IsRatio);
        // Amount / Count, or Count / Amount (a falling curve): either ratio holds the mean price.
        CollectionAssert.AreEquivalent(new[] { "Amount", "Count" }, new[] { trend.AnchorName, trend.PerName }, trend.ToString());
        Assert.IsTrue(trend.Explained is > 0.9 and < NumericTrend.MaximumCalibratedExplained, trend.ToString());
        Assert.IsEmpty(trend.Terms);
        StringAssert.Contains(trend.ToString(), $"'{trend.AnchorName}' / '{trend.PerName}'");
        // The fallback: the mean median of the rows without a ratio (no sale, or no amount).
        Assert.AreEqual(MedianShare * 200_000 * Math.Exp(0.125 + 0.005), trend.Fallback, 40_000, "around the median's mean, over the rows whose ratio is missing");

        // Off: no trend at all, since no single column explains 90 % of the median.
        Assert.IsEmpty(TabularEncoder.Fit(data, names, settings with { TrendRatios = false }, () => { }).Encoder.Trends);
        Assert.IsTrue(new GanTrainer.Options().TrendRatios, "on by default");
        Assert.IsFalse(GanTrainer.Options.Classic().TrendRatios);
    }

    /// <summary>
    /// Card holders as AER's CreditCard has them: Card "no" in a quarter of the rows, whose Spent is then 0; Income (Single,
    /// two decimals) 2.5 in a fifth of the rows, log-normal elsewhere; Share the monthly spending over the yearly income,
    /// (Spent + 1) × 0.0012 / Income, in every row. The 30-odd rows (of 600) of no card and an income of 2.5 share one Share,
    /// 0.00048, which fixes their Card, Spent and Income: a dependency on that one value.
    /// </summary>
    private static IDataView Holders(int rows, int seed, double noise = 0)
    {
        var random = new Random(seed);
        var normal = TestTables.Normal(2 * rows, seed);
        var card = new ReadOnlyMemory<char>[rows];
        var income = new float[rows];
        var spent = new double[rows];
        var share = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            bool holds = random.NextDouble() >= 0.25;
            card[r] = (holds ? "yes" : "no").AsMemory();
            income[r] = random.NextDouble() < 0.2 ? 2.5f : (float)Math.Round(3 * Math.Exp(0.4 * normal[2 * r]), 2);
            spent[r] = holds ? Math.Round(200 * Math.Exp(0.8 * normal[2 * r + 1]), 2) : 0;
            share[r] = Math.Round((spent[r] + 1) * 0.0012 / income[r] * (1 + noise * (random.NextDouble() - 0.5)), 8);
        }
        return new TestTables.ArrayView(
        [
            ("Card", TextDataViewType.Instance, card), ("Income", NumberDataViewType.Single, income), ("Spent", NumberDataViewType.Double, spent),
            ("Share", NumberDataViewType.Double, share),
        ]);
    }

    [TestMethod]
    public void ADependencyOnOneValueGivesWayToARatioThroughItsColumn()
    {
        var data = Holders(600, seed: 3);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, TrendTerms = true, TrendRatios = true };
        var logged = new List<string>();
        var encoder = TabularEncoder.Fit(data, names, settings, () => { }, log: logged.Add).Encoder;
        // Without trends, the dependencies on Share's one value are what the rows show.
        var rules = TabularEncoder.Fit(data, names, settings with { Trends = false }, () => { }).Encoder;
        Assert.IsTrue(rules.Dependencies.Any(d => d.DeterminantName == "Share" && d.Keys.Length == 1), string.Join("; ", rules.Dependencies.Select(d => d.ToInfo())));
        var trend = encoder.Trends.Single(t => t.TargetName == "Share");
        Assert.IsTrue(trend.IsRatio && (trend.AnchorName, trend.PerName) is ("Spent", "Income") or ("Income", "Spent"), trend.ToString());
        Assert.IsGreaterThan(0.99, trend.Explained, trend.ToString());
        Assert.IsFalse(encoder.Dependencies.Any(d => d.DeterminantName == "Share" || d.TargetName == "Share"), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        // A card's absence still fixes its Spent at 0: the rule sets the ratio's part before the trend reads it.
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Card" && d.TargetName == "Spent"), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        Assert.IsTrue(logged.Any(l => l.Contains("given way to trends") && l.Contains("Share")), string.Join("\n", logged));

        // Generated rows keep the share: within 2 % of (Spent + 1) × 0.0012 / Income in nearly every card holder's row.
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var rows = model.Generate(2000, seed: 5);
        double[] Of(string name) => TestTables.Column(rows, name).Select(Convert.ToDouble).ToArray();
        double[] spentRows = Of("Spent"), incomeRows = Of("Income"), shareRows = Of("Share");
        var holders = Enumerable.Range(0, spentRows.Length).Where(r => spentRows[r] > 0 && incomeRows[r] > 0).ToArray();
        double kept = holders.Count(r => Math.Abs(Math.Log(shareRows[r] / ((spentRows[r] + 1) * 0.0012 / incomeRows[r]))) < 0.02) / (double)holders.Length;
        Console.WriteLine($"card holders' rows whose share is within 2 % of their spending over their income: {kept:P1} of {holders.Length}");
        Assert.IsGreaterThan(1000, holders.Length);
        Assert.IsGreaterThan(0.9, kept);
    }

    [TestMethod]
    public void ARatioThroughAColumnThatRulesSetInPartMustBeAllButExact()
    {
        // Share within ±40 % of the ratio: a curve, not the rule a ratio's column may set aside (Card → Spent sets a part).
        var data = Holders(600, seed: 3, noise: 0.8);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, TrendTerms = true, TrendRatios = true };
        var encoder = TabularEncoder.Fit(data, names, settings, () => { }).Encoder;
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Card" && d.TargetName == "Spent" && d.Keys.Length == 1), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        Assert.IsFalse(encoder.Trends.Any(t => t.TargetName == "Share"), string.Join("; ", encoder.Trends));
        // The contrast: without the rules the same curve is a trend, below the bar a ratio past them must clear.
        var free = TabularEncoder.Fit(data, names, settings with { Dependencies = false }, () => { }).Encoder.Trends.Single(t => t.TargetName == "Share");
        Assert.IsTrue(free.IsRatio && free.Explained is >= NumericTrend.MinimumExplained and < NumericTrend.MinimumExplainedPastRules, free.ToString());
    }

    [TestMethod]
    public void TheAxisIsTheRatioAndMissingWhereADivisorIsZeroOrAPartMissing()
    {
        var trend = new NumericTrend(0, 1, [1, 3], [10, 30], fallback: -5, grid: null, minimum: -100, maximum: 100, explained: 0.95, "Y", "A", per: 2, perName: "B");
        Assert.AreEqual(2.0, trend.AxisValue(6, 3));
        Assert.IsTrue(double.IsNaN(trend.AxisValue(6, 0)), "a zero divisor");
        Assert.IsTrue(double.IsNaN(trend.AxisValue(0, 0)), "0 / 0");
        Assert.IsTrue(double.IsNaN(trend.AxisValue(double.NaN, 3)));
        Assert.AreEqual(20 + 1, trend.Value(1, trend.AxisValue(6, 3), []), 1e-12, "the curve at 2, plus the residual");
        Assert.AreEqual(-5 + 1, trend.Value(1, trend.AxisValue(6, 0), []), 1e-12, "the fallback where the ratio has no value");
        Assert.AreEqual(6.0, new NumericTrend(0, 1, [1, 3], [10, 30], -5, null, -100, 100, 0.95, "Y", "A").AxisValue(6, 0), "without a divisor, the anchor itself");
        Assert.IsTrue(trend.Reads(2) && trend.Reads(1) && !trend.Reads(0));
        Assert.ThrowsExactly<ArgumentException>(() => new NumericTrend(0, 1, [1, 3], [10, 30], -5, null, -100, 100, 0.95, "Y", "A", per: 2));
    }

    [TestMethod]
    public void GeneratedRowsFollowTheRatioTheyAreMadeWith()
    {
        // The trend alone, without the maps after it: three epochs do not teach a generator how an amount goes with its
        // count (half its rows' mean prices lie outside the data's), and a map onto the median's training values then
        // moves the medians of such rows as much as the curve; a longer run learns both (txhousing, in the README).
        var ml = new MLContext(1);
        var data = Markets(3000, seed: 2);
        double Kept(bool ratios)
        {
            var options = Small(ratios);
            options.ExactMarginals = false;
            using var model = ml.Gan().Train(options).Fit(data);
            Assert.AreEqual(ratios ? 1 : 0, model.Trends.Count, string.Join("; ", model.Trends));
            var rows = model.Generate(3000, seed: 5);
            double[] Of(string name) => TestTables.Column(rows, name).Select(Convert.ToDouble).ToArray();
            double[] count = Of("Count"), amount = Of("Amount"), median = Of("Median");
            var priced = Enumerable.Range(0, count.Length).Where(r => count[r] > 0 && !double.IsNaN(amount[r])).ToList();
            return priced.Count(r => OnRatio(count[r], amount[r], median[r])) / (double)priced.Count;
        }
        double with = Kept(true), without = Kept(false);
        Console.WriteLine($"rows whose median is within 30 % of 0.85 × their mean price: {with:P1} with the ratio, {without:P1} without");
        Assert.IsGreaterThan(0.75, with);
        Assert.IsGreaterThan(0.25, with - without, "the contrast: a short run without the ratio keeps it in far fewer rows");
    }

    [TestMethod]
    public void TheGraphMakesTheRowsDotNetMakesAlsoWhereTheRatioHasNoValueAndAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Markets(3000, seed: 2);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var trend = model.Trends.Single();
        Assert.AreEqual("Median", trend.Target);
        Assert.IsNotNull(trend.Per, trend.ToString());
        StringAssert.Contains(trend.ToString(), $"{trend.Anchor} / {trend.Per}", "the public description names both columns");
        Assert.IsTrue(trend.MappedAfter, "below 99 %: its values are mapped onto the median's");

        // The .NET decoder and the graph: the same operations in the same order, rows without a ratio too. The network's
        // outputs may differ in their last bit between the two runtimes: a sum in the millions then comes out a few units
        // apart in many rows (that bit, through the map's steep quantiles of a heavy tail), and a median on a rounding
        // boundary one step of its grid apart in a few; the rest are the same bit for bit.
        var m = model.Model;
        int count = 3000;
        var reference = TestTables.AssertGraphAgreesWithinSteps(m, seed: 7, count, column => column.Name == "Median" ? count / 100 : null,
            (column, step) => Math.Max(1.01 * step, 1e-5 * (column.Maximum - column.Minimum)));
        var names = m.Encoder.Columns.Select(c => c.Name).ToList();
        var counts = reference.Numbers(names.IndexOf("Count")).Take(count).ToArray();
        var amounts = reference.Numbers(names.IndexOf("Amount")).Take(count).ToArray();
        Assert.IsGreaterThan(0, counts.Count(v => v == 0), "some rows without a sale, whose ratio is infinite");
        Assert.IsGreaterThan(0, amounts.Count(double.IsNaN), "some rows without an amount");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Trends.ToArray(), loaded.Trends.ToArray());
            Assert.AreEqual(trend.Per, loaded.Trends.Single().Per);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Median"), TestTables.Column(loaded.Generate(300, seed: 8), "Median"));
        });
    }

    /// <summary>Manifests that lie about a trend's divisor, each with what the refusal names.</summary>
    public static IEnumerable<object[]> PerLies() =>
    [
        ["an unknown column", (Action<JsonObject>)(t => t["Per"] = "Nope"), "which is not a number column of the model other than its target and anchor"],
        ["the target itself", (Action<JsonObject>)(t => t["Per"] = (string?)t["Target"]), "which is not a number column of the model other than its target and anchor"],
        ["its anchor", (Action<JsonObject>)(t => t["Per"] = (string?)t["Anchor"]), "which is not a number column of the model other than its target and anchor"],
        ["a text column", (Action<JsonObject>)(t => t["Per"] = "Region"), "which is not a number column of the model other than its target and anchor"],
        ["terms beside it", (Action<JsonObject>)(t => t["Terms"] = new JsonArray(new JsonObject { ["Column"] = "Listings", ["Coefficient"] = 1.0, ["Mean"] = 0.0 })), "follows a ratio and adds terms"],
    ];

    /// <summary>A model with a trend on a ratio (and a text column to name), saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var data = Markets(1200, seed: 9, regions: true);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.IsNotNull(model.Trends.Single().Per, model.Trends.Single().ToString());
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(PerLies))]
    public void AManifestThatLiesAboutARatiosDivisorIsRefused(string lie, Action<JsonObject> edit, string named)
    {
        HostileFiles.RefusedTrendLie(s_saved.Value, edit, lie, named);
    }

    [TestMethod]
    public void ADivisorThatALaterTrendMakesIsRefused()
    {
        // The first trend divided by Listings, and a second trend whose target is Listings: decoding would divide by it
        // before it is made.
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest =>
        {
            var trends = manifest["Trends"]!.AsArray();
            var first = trends.Single()!.AsObject();
            var second = first.DeepClone().AsObject();
            first["Per"] = "Listings";
            second["Target"] = "Listings";
            second["Anchor"] = "Amount";
            second["Per"] = null;
            second["Calibration"] = null;
            trends.Add(second);
        }, "a later trend's target as a divisor");
        StringAssert.Contains(e.Message, "another trend has as its target, or anchors a target");
    }
}
