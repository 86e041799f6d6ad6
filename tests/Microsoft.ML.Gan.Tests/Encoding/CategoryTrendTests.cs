using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Trends within categories (<see cref="GanTrainer.Options.CategoryTrends"/>): a panel of stores over months, each
/// store's sales along a curve of its own, is found at Fit as one trend whose curves are the stores' (one curve for all
/// explains little, the stores' means leave most of each store's swings); generated rows keep each store's curve, in
/// .NET and in the graph alike, after a save and a load; a file that lies about the categories is refused.
/// </summary>
[TestClass]
public sealed class CategoryTrendTests
{
    private const int Stores = 6;
    private const int Months = 120;

    /// <summary>Store i's sales in month t, without noise: its own scale, period and phase.</summary>
    private static double Curve(int store, double month) =>
        1000 * (store + 1) * (1 + 0.5 * Math.Sin(2 * Math.PI * month / (80 + 20 * store) + store));

    /// <summary>
    /// Six stores, each with a row for each of 120 months (Month a number, Sales 2 % around the store's curve, or the
    /// store's own level where <paramref name="shaped"/> is false), and a seventh store with ten rows only; Footfall is
    /// unrelated noise.
    /// </summary>
    private static IDataView Panel(int seed, bool shaped = true)
    {
        var normal = TestTables.Normal(2 * (Stores * Months + 10), seed);
        var store = new List<ReadOnlyMemory<char>>();
        var month = new List<float>();
        var sales = new List<double>();
        var footfall = new List<float>();
        void Add(int s, int t)
        {
            int i = sales.Count;
            store.Add($"S{s}".AsMemory());
            month.Add(t);
            double level = shaped ? Curve(s, t) : 1000 * (s + 1);
            sales.Add(Math.Round(level * (1 + 0.02 * normal[2 * i]), 1));
            footfall.Add((float)Math.Round(500 + 100 * normal[2 * i + 1]));
        }
        for (int t = 0; t < Months; t++)
            for (int s = 0; s < Stores; s++) Add(s, t);
        for (int t = 0; t < 10; t++) Add(Stores, 12 * t);
        return new TestTables.ArrayView(
        [
            ("Store", TextDataViewType.Instance, store.ToArray()), ("Month", NumberDataViewType.Single, month.ToArray()),
            ("Sales", NumberDataViewType.Double, sales.ToArray()), ("Footfall", NumberDataViewType.Single, footfall.ToArray()),
        ]);
    }

    private static GanTrainer.Options Small(bool within = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, CategoryTrends = within,
    };

    private static ColumnFitSettings Settings => new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, TrendTerms = true, TrendRatios = true, CategoryTrends = true };

    [TestMethod]
    public void EachStoresSalesFollowTheirOwnCurveAlongTheMonths()
    {
        var data = Panel(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings, () => { }).Encoder;
        var trend = encoder.Trends.Single();
        Assert.AreEqual("Sales", trend.TargetName, trend.ToString());
        Assert.AreEqual("Month", trend.AnchorName);
        Assert.AreEqual("Store", trend.WithinName);
        Assert.IsTrue(trend.IsWithin && !trend.IsRatio);
        Assert.IsEmpty(trend.Terms);
        Assert.IsGreaterThan(0.98, trend.Explained, trend.ToString());
        StringAssert.Contains(trend.ToString(), "'Sales' follows 'Month' within each 'Store'");
        // About ten rows of a store a knot: 720 rows of six stores, in runs of whole months.
        Assert.IsTrue(trend.Knots.Length is >= 10 and <= 12, $"{trend.Knots.Length} knots");
        var store = (CategoricalColumn)encoder.Columns[trend.Within];
        Assert.AreEqual(store.LevelCount * trend.Knots.Length, trend.CategoryLevels!.Length);
        // Each store's curve is its own: at each knot within 5 % of the store's true curve there.
        for (int s = 0; s < Stores; s++)
        {
            int level = Enumerable.Range(0, store.LevelCount).Single(l => store.LevelName(l) == $"S{s}");
            for (int k = 1; k < trend.Knots.Length - 1; k++)
            {
                double expected = Curve(s, trend.Knots[k]), actual = trend.Curve(trend.Knots[k], [], level);
                Assert.AreEqual(expected, actual, 0.05 * 1000 * (s + 1) + 0.1 * Math.Abs(expected), $"S{s} at month {trend.Knots[k]:F1}");
            }
        }
        // The store of ten rows has no curve of its own: it follows the whole column's, moved up to its own level (its
        // rows' mean distance from that curve: the seventh store's scale, 7,000, is twice the stores' mean).
        int small = Enumerable.Range(0, store.LevelCount).Single(l => store.LevelName(l) == $"S{Stores}");
        var shifts = trend.CategoryLevels.AsSpan(small * trend.Knots.Length, trend.Knots.Length).ToArray().Zip(trend.Levels, (own, all) => own - all).ToArray();
        Assert.AreEqual(shifts.Min(), shifts.Max(), 1e-6, "one shift at every knot");
        Assert.IsGreaterThan(1000, shifts[0], $"moved up by {shifts[0]:F0}");

        // Off: no trend at all, as no single curve explains 90 % of the sales.
        Assert.IsEmpty(TabularEncoder.Fit(data, names, Settings with { CategoryTrends = false }, () => { }).Encoder.Trends);
        Assert.IsFalse(new GanTrainer.Options().CategoryTrends, "off by default: asked for");
        Assert.IsFalse(GanTrainer.Options.Classic().CategoryTrends);
    }

    [TestMethod]
    public void CategoriesThatExplainALevelButNoShapeMakeNoTrend()
    {
        // Each store's own level, flat along the months: the stores explain nearly all of the sales, the months nothing of what they leave.
        var data = Panel(seed: 1, shaped: false);
        Assert.IsEmpty(TabularEncoder.Fit(data, data.Schema.Select(c => c.Name).ToArray(), Settings, () => { }).Encoder.Trends);
    }

    [TestMethod]
    public void ACurveReadsItsCategorysLevels()
    {
        // Two categories, two knots: category 0 rises from 0 to 10, category 1 falls from 100 to 80; x beyond the knots goes on along the last segment.
        var trend = new NumericTrend(0, 1, [0, 10], [50, 45], fallback: -1, grid: null, minimum: -1000, maximum: 1000, explained: 0.95, "Y", "X",
            within: 2, withinName: "G", categoryLevels: [0, 10, 100, 80]);
        Assert.AreEqual(5, trend.Curve(5, [], 0), 1e-12);
        Assert.AreEqual(90, trend.Curve(5, [], 1), 1e-12);
        Assert.AreEqual(70, trend.Curve(15, [], 1), 1e-12);
        Assert.AreEqual(-1 + 2, trend.Value(2, double.NaN, [], 1), 1e-12, "the fallback where the anchor is missing");
        Assert.IsTrue(trend.Reads(2) && trend.Reads(1) && !trend.Reads(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trend.Curve(5, [], 2));
        Assert.ThrowsExactly<ArgumentException>(() => new NumericTrend(0, 1, [0, 10], [50, 45], -1, null, -1000, 1000, 0.95, "Y", "X", within: 2, withinName: "G", categoryLevels: [0, 10, 100]));
        Assert.ThrowsExactly<ArgumentException>(() => new NumericTrend(0, 1, [0, 10], [50, 45], -1, null, -1000, 1000, 0.95, "Y", "X", within: 2, categoryLevels: [0, 10, 100, 80]));
    }

    [TestMethod]
    public void GeneratedRowsFollowTheirStoresCurve()
    {
        var ml = new MLContext(1);
        var data = Panel(seed: 2);
        double OnCurve(bool within)
        {
            using var model = ml.Gan().Train(Small(within)).Fit(data);
            Assert.AreEqual(within ? 1 : 0, model.Trends.Count, string.Join("; ", model.Trends));
            var rows = model.Generate(3000, seed: 5);
            var stores = TestTables.Column(rows, "Store").Select(v => v.ToString()!).ToArray();
            var months = TestTables.Column(rows, "Month").Select(Convert.ToDouble).ToArray();
            var sales = TestTables.Column(rows, "Sales").Select(Convert.ToDouble).ToArray();
            var shaped = Enumerable.Range(0, stores.Length).Where(r => stores[r] != $"S{Stores}").ToList();
            // Within 10 % of the store's scale of its curve at the row's month (five times the data's noise).
            return shaped.Count(r => Math.Abs(sales[r] - Curve(stores[r][1] - '0', months[r])) < 100 * (stores[r][1] - '0' + 1)) / (double)shaped.Count;
        }
        double with = OnCurve(true), without = OnCurve(false);
        Console.WriteLine($"rows within 10 % of their store's curve: {with:P1} with curves within stores, {without:P1} without");
        Assert.IsGreaterThan(0.75, with);
        Assert.IsGreaterThan(0.25, with - without, "the contrast: a short run without the curves keeps them in far fewer rows");
    }

    [TestMethod]
    public void TheGraphMakesTheRowsDotNetMakesAndALoadKeepsTheCurves()
    {
        var ml = new MLContext(1);
        var data = Panel(seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var trend = model.Trends.Single();
        Assert.AreEqual("Store", trend.Within, trend.ToString());
        StringAssert.Contains(trend.ToString(), "Sales follows Month within each Store", "the public description names the categories' column");
        // The residuals' map is grouped by the stores (each curve leaves residuals of its own spread), though they explain little of them.
        Assert.AreEqual("Store", model.Model.Encoder.Info(model.Model.Encoder.Columns.ToList().FindIndex(c => c.Name == "Sales")).GroupedBy);

        // The stores each row's curve is read from are the same in both (a category is decoded alike); the numbers too,
        // but where a network output's last bit puts a value on the other side of a rounding boundary.
        int count = 3000, store = model.Model.Encoder.Columns.ToList().FindIndex(c => c.Name == "Store");
        var reference = TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, count, column => column.Name == "Sales" ? count / 100 : null,
            (column, step) => Math.Max(double.IsNaN(step) ? 0 : 1.01 * step, 1e-5 * (column.Maximum - column.Minimum)));
        Assert.IsGreaterThan(Stores - 1, reference.Levels(store).Take(count).Distinct().Count(), "rows of every store, the curves of each read");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Trends.ToArray(), loaded.Trends.ToArray());
            Assert.AreEqual("Store", loaded.Trends.Single().Within);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Sales"), TestTables.Column(loaded.Generate(300, seed: 8), "Sales"));
        });
    }

    /// <summary>Manifests that lie about a trend's categories, each with what the refusal names.</summary>
    public static IEnumerable<object[]> WithinLies() =>
    [
        ["an unknown column", (Action<JsonObject>)(t => t["Within"] = "Nope"), "which is not a categorical column of the model with 2 to 100 categories"],
        ["a number column", (Action<JsonObject>)(t => t["Within"] = "Footfall"), "which is not a categorical column of the model with 2 to 100 categories"],
        ["levels without their column", (Action<JsonObject>)(t => t["Within"] = null), "which is not a categorical column of the model with 2 to 100 categories"],
        ["a category's levels short", (Action<JsonObject>)(t => t["CategoryLevels"]!.AsArray().RemoveAt(0)), "needs a level at each knot for each of the"],
        ["no levels", (Action<JsonObject>)(t => t["CategoryLevels"] = null), "needs a level at each knot for each of the"],
        ["a ratio beside it", (Action<JsonObject>)(t => t["Per"] = "Footfall"), "is within categories and follows a ratio or adds terms"],
        ["terms beside it", (Action<JsonObject>)(t => t["Terms"] = new JsonArray(new JsonObject { ["Column"] = "Footfall", ["Coefficient"] = 1.0, ["Mean"] = 0.0 })), "is within categories and follows a ratio or adds terms"],
    ];

    /// <summary>A model with a trend within categories, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small()).Fit(Panel(seed: 9));
        Assert.AreEqual("Store", model.Trends.Single().Within, model.Trends.Single().ToString());
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(WithinLies))]
    public void AManifestThatLiesAboutATrendsCategoriesIsRefused(string lie, Action<JsonObject> edit, string named)
    {
        HostileFiles.RefusedTrendLie(s_saved.Value, edit, lie, named);
    }
}
