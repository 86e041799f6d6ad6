using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Repeated training values (<see cref="GanTrainer.Options.RepeatTrainingValues"/>): a numeric column mapped by
/// interpolation whose values repeat generates them as often as new rows would (the share of values seen once missing
/// from the training values, Good-Turing), where interpolating even quantiles made new values for about one row in D of N.
/// </summary>
[TestClass]
public sealed class RepeatTrainingValuesTests
{
    private static MarginalMap Fitted(double[] training, IEnumerable<double> generated, bool repeats)
    {
        var state = new ColumnState { Name = "X", Kind = "Double", Minimum = training.Min(), Maximum = training.Max(), RowCount = training.Length };
        MarginalMap.FitTraining(state, training.Order().ToArray(), repeats: repeats);
        Assert.IsTrue(MarginalMap.FitGenerated(state, generated));
        return MarginalMap.FromState(state, "X", v => v >= state.Minimum && v <= state.Maximum)!;
    }

    /// <summary>
    /// A menu's items: <paramref name="count"/> draws from 400 prices between 300 and about 1,570 (in cents), some far
    /// more often than others (a Zipf-like law), so that some prices repeat many times and many are seen once.
    /// </summary>
    private static double[] Menu(int count, int seed)
    {
        var prices = Enumerable.Range(0, 400).Select(i => Math.Round(300.0 + 3.17 * i, 2)).ToArray();
        var weights = Enumerable.Range(1, 400).Select(r => 1.0 / r).ToArray();
        // The popular items scattered over the price range, not all at its low end.
        var order = Enumerable.Range(0, 400).OrderBy(i => (i * 7919) % 401).ToArray();
        double total = weights.Sum();
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            double u = random.NextDouble() * total;
            int r = 0;
            while (r < 399 && u >= weights[r]) u -= weights[r++];
            return prices[order[r]];
        }).ToArray();
    }

    [TestMethod]
    public void EachValueKeepsItsRunLessTheDiscountAndTheGapsShareTheValuesSeenOnce()
    {
        // 7 values, 4 distinct (1 three times, 2 once, 3 twice, 5 once): 2 seen once, a discount of 2/4 per value, half
        // to each side's gap (the ends keep the half they have no gap for).
        var (levels, values) = MarginalMap.RepeatKnots([1, 1, 1, 2, 3, 3, 5])!.Value;
        CollectionAssert.AreEqual(new double[] { 1, 1, 2, 2, 3, 3, 5, 5 }, values);
        Assert.AreEqual(0, levels[0]);
        Assert.AreEqual(1, levels[^1]);
        double[] runs = [2.75 / 7, 0.5 / 7, 1.5 / 7, 0.75 / 7];
        for (int j = 0; j < 4; j++) Assert.AreEqual(runs[j], levels[2 * j + 1] - levels[2 * j], 1e-12, $"value {values[2 * j]}'s run");
        for (int j = 0; j < 3; j++) Assert.AreEqual(0.5 / 7, levels[2 * j + 2] - levels[2 * j + 1], 1e-12, $"the gap after {values[2 * j]}");

        Assert.IsNull(MarginalMap.RepeatKnots([1, 2, 3, 4]), "all distinct: the even quantiles already interpolate them all");
        var almost = Enumerable.Range(0, 100).Select(i => (double)Math.Min(i, 98)).ToArray(); // one value of 99 repeats
        Assert.IsNull(MarginalMap.RepeatKnots(almost), "a repeat in a hundred values: below the least share");
        var two = Enumerable.Range(0, 100).Select(i => (double)Math.Min(i, 98) + (i == 1 ? -1 : 0)).ToArray(); // and 0 twice
        Assert.IsNotNull(MarginalMap.RepeatKnots(two), "two values repeat in a hundred: at the least share");
        Assert.IsNull(MarginalMap.RepeatKnots([1, 1, 2, 2, 3, 3]), "none seen once: the exact values serve");
        Assert.IsNull(MarginalMap.RepeatKnots([4, 4, 4]), "one value");
    }

    [TestMethod]
    public void OnlyGapsTheGridHasAValueInsideGetNewValues()
    {
        // Whole numbers: 1 and 2 are neighbours on the grid, 3 lies between 2 and 4, and 5 and 6 between 4 and 7.
        var (levels, values) = MarginalMap.RepeatKnots([1, 1, 1, 2, 4, 4, 7], v => Math.Round(v, MidpointRounding.ToEven))!.Value;
        CollectionAssert.AreEqual(new double[] { 1, 1, 2, 2, 4, 4, 7, 7 }, values);
        Assert.AreEqual(levels[1], levels[2], "no gap between 1 and 2: the run of 2 starts where 1's ends");
        Assert.AreEqual(3.0 / 7, levels[1], 1e-12, "1 keeps all its share: no gap on either side takes any");
        Assert.AreEqual(0.75 / 7, levels[3] - levels[2], 1e-12, "2 gives a half discount to the gap after it");
        Assert.AreEqual(0.5 / 7, levels[4] - levels[3], 1e-12, "each gap with room gets a discount");
        Assert.AreEqual(1.5 / 7, levels[5] - levels[4], 1e-12, "4 gives half to each side");
        Assert.AreEqual(0.5 / 7, levels[6] - levels[5], 1e-12);
        var map = MarginalMap.InterpolateAt(levels, values, levels[1]);
        Assert.AreEqual(1, map, "at the jump: the value whose run ends there");
        Assert.AreEqual(2, MarginalMap.InterpolateAt(levels, values, levels[2] + 1e-9), "past it: the next");

        // On a grid of at most 10,000 values in the range, each grid value gets its share: a gap's share spread evenly
        // over the grid values inside it (rounding a ramp would give its ends part of it).
        var (points, cumulative) = MarginalMap.GridShares([1, 1, 1, 2, 4, 4, 7], new NumericGranularity(1, 0, 1, 7, "X"), v => v)!.Value;
        CollectionAssert.AreEqual(new double[] { 1, 2, 3, 4, 5, 6, 7 }, points);
        double[] shares = [3.0 / 7, 0.75 / 7, 0.5 / 7, 1.5 / 7, 0.25 / 7, 0.25 / 7];
        double sum = 0;
        for (int i = 0; i < 6; i++) Assert.AreEqual(sum += shares[i], cumulative[i], 1e-12, $"up to {points[i]}");

        // Consecutive whole numbers, some seen once: no value could be new, so the map takes the exact values.
        Assert.IsNull(MarginalMap.RepeatKnots([1, 1, 2, 3, 3, 4, 5, 5, 6], v => Math.Round(v)));
        var state = new ColumnState { Name = "X", Kind = "Double", Minimum = 1, Maximum = 60, RowCount = 90, GranularityUnits = 1, GranularityDecimals = 0 };
        var consecutive = Enumerable.Range(0, 90).Select(i => (double)(1 + (i * 7 % 60))).Order().ToArray();
        MarginalMap.FitTraining(state, consecutive, repeats: true);
        Assert.IsNotNull(state.MarginalValues, "every whole number from 1 to 60 is a training value: exact values");
        Assert.IsNull(state.MarginalLevels);
    }

    [TestMethod]
    public void AMapThatRepeatsMakesNewValuesAsOftenAsNewRowsHaveThem()
    {
        var training = Menu(150, seed: 1);
        var sorted = training.Order().ToArray();
        int distinct = sorted.Distinct().Count(), once = sorted.GroupBy(v => v).Count(g => g.Count() == 1);
        Assert.IsGreaterThan(4 * distinct, 4 * 150 - 1, "too few repeats for an exact-value map: interpolated");
        var known = new HashSet<double>(training);

        var generated = TestTables.Normal(50_000, 4);
        var draws = TestTables.Normal(20_000, 5);
        double NewShare(MarginalMap map) => draws.Count(v => !known.Contains(map.Map(v, 0.5))) / (double)draws.Length;
        var repeating = Fitted(training, generated, repeats: true);
        var interpolating = Fitted(training, generated, repeats: false);
        Assert.IsTrue(repeating.RepeatsValues);
        Assert.AreEqual(distinct, repeating.RepeatedValueCount);
        Assert.IsFalse(interpolating.RepeatsValues);

        double repeated = NewShare(repeating), interpolated = NewShare(interpolating);
        // Each of the D - 1 gaps gets the discount n1/D of a row: new values in n1/N (D - 1)/D of the rows.
        Assert.AreEqual((double)once / 150 * (distinct - 1) / distinct, repeated, 0.02, "new values in about the share of the values seen once");
        Assert.IsGreaterThan(repeated + 0.1, interpolated, "interpolation makes new values for about one row in D of N");

        // The map still keeps the generated order and gives the training shape.
        var byValue = draws.Order().Select(v => repeating.Map(v, 0.5)).ToArray();
        for (int i = 1; i < byValue.Length; i++) Assert.IsGreaterThanOrEqualTo(byValue[i - 1], byValue[i]);
        var mapped = draws.Select(v => repeating.Map(v, 0.5)).ToArray();
        foreach (double value in sorted.Distinct().Where(v => sorted.Count(x => x == v) >= 5))
            Assert.AreEqual(sorted.Count(x => x == value) / 150.0, mapped.Count(x => x == value) / (double)mapped.Length, 0.015,
                $"a price seen often ({value}) keeps about its share, less the discount");
    }

    [TestMethod]
    public void AColumnWhoseEveryValueRepeatsMapsOntoItsExactValues()
    {
        // 40 distinct values, each twice: too many for the exact map by its usual rule (4 rows a value), but no value
        // is seen once, so new rows would hold none the training rows lack.
        var training = Enumerable.Range(0, 80).Select(i => (double)(i / 2) * 1.5).ToArray();
        var generated = TestTables.Normal(20_000, 6);
        Assert.IsTrue(Fitted(training, generated, repeats: true).IsDiscrete);
        Assert.IsFalse(Fitted(training, generated, repeats: false).IsDiscrete);

        // All distinct: interpolated even quantiles either way.
        var distinct = Enumerable.Range(0, 80).Select(i => i * 1.5).ToArray();
        var map = Fitted(distinct, generated, repeats: true);
        Assert.IsFalse(map.IsDiscrete);
        Assert.IsFalse(map.RepeatsValues);
    }

    [TestMethod]
    public void ARefitOnTheRowsRulesLeaveRepeatsToo()
    {
        var state = new ColumnState { Name = "X", Kind = "Double", Minimum = 300, Maximum = 1500, RowCount = 150 };
        var training = Menu(150, seed: 1).Order().ToArray();
        MarginalMap.FitTraining(state, training, repeats: true);
        Assert.IsNotNull(state.MarginalLevels);
        MarginalMap.RefitTraining(state, training.Take(120).ToArray());
        Assert.IsNotNull(state.MarginalLevels, "the refit keeps the choice");
        Assert.AreEqual(MarginalMap.RepeatKnots(training.Take(120).ToArray())!.Value.Levels.Length, state.MarginalLevels!.Length);

        var plain = new ColumnState { Name = "X", Kind = "Double", Minimum = 300, Maximum = 1500, RowCount = 150 };
        MarginalMap.FitTraining(plain, training);
        MarginalMap.RefitTraining(plain, training.Take(120).ToArray());
        Assert.IsNull(plain.MarginalLevels, "and so does a map fitted without repeats");
    }

    private sealed class Row
    {
        public float Calories { get; set; }
        public float Weight { get; set; }
    }

    [TestMethod]
    public void ATrainedModelRepeatsTrainingValuesKeepsThemThroughSaveAndLoadAndSaysSo()
    {
        var menu = Menu(300, seed: 2);
        var random = new Random(3);
        var rows = menu.Select(c => new Row { Calories = (float)c, Weight = (float)(50 + 10 * random.NextDouble()) }).ToList();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(rows);
        GanTransformer Train(bool repeats) => ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, ValidationInterval = 0,
            DensityRatioFilter = false, RepeatTrainingValues = repeats,
        }).Fit(data);
        using var model = Train(true);
        using var plain = Train(false);
        int distinct = menu.Distinct().Count();
        Assert.AreEqual(distinct, model.Columns[0].RepeatedValues, "the menu's prices");
        Assert.AreEqual(0, model.Columns[1].RepeatedValues, "weights are all distinct");
        Assert.AreEqual(0, plain.Columns[0].RepeatedValues);

        var known = new HashSet<float>(rows.Select(r => r.Calories));
        double NewShare(GanTransformer m) => TestTables.Column(m.Generate(4000, seed: 5), "Calories").Count(v => !known.Contains((float)v)) / 4000.0;
        double once = menu.GroupBy(v => v).Count(g => g.Count() == 1) / 300.0;
        Assert.AreEqual(3.17, model.Columns[0].Step, 1e-9, "the menu's grid");
        Assert.IsTrue(((NumericColumn)model.Model.Encoder.Columns[0]).Marginal!.IsDiscrete, "400 grid values: each its share");
        double repeated = NewShare(model), interpolated = NewShare(plain);
        // New values only in the gaps the grid has prices inside: each such gap a discount (values seen once ÷ distinct values) of the rows.
        var prices = menu.Distinct().Order().ToArray();
        int rooms = prices.Zip(prices.Skip(1)).Count(p => p.Second - p.First > 3.17 * 1.5);
        double expected = rooms * (menu.GroupBy(v => v).Count(g => g.Count() == 1) / (double)distinct) / 300;
        Assert.AreEqual(expected, repeated, 0.04, $"generated rows hold new values as the map intends (values seen once: {once:P1}; interpolating: {interpolated:P1})");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual(distinct, loaded.Columns[0].RepeatedValues);
            Assert.IsTrue(loaded.Model.Training.ToOptions().RepeatTrainingValues);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(500, seed: 3), "Calories"), TestTables.Column(loaded.Generate(500, seed: 3), "Calories"),
                "the loaded model (a zip, and a bare graph) generates the same rows");
        });
    }

    [TestMethod]
    public void AFileWrittenBeforeRepeatsRestoresOptionsWithout()
    {
        var record = TrainingRecord.From(new GanTrainer.Options());
        Assert.IsTrue(record.ToOptions().RepeatTrainingValues, "written and read back");
        record.RepeatTrainingValues = null; // as read from a file of format 21 or older
        Assert.IsFalse(record.ToOptions().RepeatTrainingValues, "their maps interpolated even quantiles");
        Assert.IsFalse(GanTrainer.Options.Classic().RepeatTrainingValues, "the original GAN has no maps");
    }
}
