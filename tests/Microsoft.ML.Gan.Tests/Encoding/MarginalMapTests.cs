using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// The marginal map: generated values sent onto the training values' distribution, keeping their order; a few-valued
/// column onto its exact values with their shares; the same values in .NET and in the graph.
/// </summary>
[TestClass]
public sealed class MarginalMapTests
{
    private static MarginalMap Fitted(double[] training, IEnumerable<double> generated, bool repeats = false, bool wholeNumbers = false)
    {
        var state = new ColumnState { Name = "X", Kind = "Double", Minimum = training.Min(), Maximum = training.Max(), RowCount = training.Length };
        if (wholeNumbers) (state.GranularityUnits, state.GranularityDecimals) = (1, 0);
        MarginalMap.FitTraining(state, training.Order().ToArray(), repeats: repeats);
        Assert.IsTrue(MarginalMap.FitGenerated(state, generated));
        return MarginalMap.FromState(state, "X", v => v >= state.Minimum && v <= state.Maximum)!;
    }

    private static double KolmogorovSmirnov(double[] a, double[] b)
    {
        var x = a.Order().ToArray();
        var y = b.Order().ToArray();
        double worst = 0;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            double v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] == v) i++;
            while (j < y.Length && y[j] == v) j++;
            worst = Math.Max(worst, Math.Abs((double)i / x.Length - (double)j / y.Length));
        }
        return worst;
    }

    /// <summary>
    /// A few-valued map's shares moved without its training side (what steers them through a filter): generated knots
    /// warped so that the level 0.3 among the old ones gives way from the first value to the second where the training
    /// share of 0.6 did, and three values' boundaries moved at once.
    /// </summary>
    [TestMethod]
    public void WarpedKnotsMoveAFewValuedMapsSharesAndLeaveItsValues()
    {
        var random = new Random(3);
        var training = Enumerable.Range(0, 1000).Select(i => i < 600 ? 0.0 : 1.0).ToArray();
        var generated = Enumerable.Range(0, 20_000).Select(_ => random.NextDouble()).ToArray();
        var map = Fitted(training, generated);
        Assert.IsTrue(map.IsDiscrete);
        double Ones(MarginalMap m) => generated.Average(v => m.Map(v, 0.5));
        Assert.AreEqual(0.4, Ones(map), 0.01, "calibrated: the training share of ones");

        var warped = MarginalMap.Warp(map.GeneratedKnots!, map.Cumulative!, [0.3]);
        CollectionAssert.AreEqual(warped.Order().ToArray(), warped, "knots stay ascending");
        Assert.AreEqual(map.GeneratedKnots![0], warped[0], 1e-6);
        Assert.AreEqual(map.GeneratedKnots![^1], warped[^1], 1e-6);
        var state = new ColumnState { Name = "X", Kind = "Double", Minimum = 0, Maximum = 1, RowCount = training.Length };
        map.ToState(state);
        state.MarginalGenerated = warped;
        var moved = MarginalMap.FromState(state, "X", v => v >= 0 && v <= 1)!;
        Assert.AreEqual(0.7, Ones(moved), 0.01, "values above the old level 0.3 are ones now");
        CollectionAssert.AreEquivalent(new[] { 0.0, 1.0 }, generated.Select(v => moved.Map(v, 0.5)).Distinct().ToArray(), "the same exact values");
        // The identity: boundaries at the training shares leave the knots as they are (as Singles hold them).
        var same = MarginalMap.Warp(map.GeneratedKnots!, map.Cumulative!, map.Cumulative!);
        for (int j = 0; j < same.Length; j++) Assert.AreEqual((float)map.GeneratedKnots![j], same[j], 1e-12);

        // Three values (shares 0.2, 0.3, 0.5), boundaries moved to 0.1 and 0.7: shares 0.1, 0.6, 0.3.
        var three = Fitted(Enumerable.Range(0, 1000).Select(i => i < 200 ? 1.0 : i < 500 ? 2.0 : 3.0).ToArray(), generated);
        state = new ColumnState { Name = "X", Kind = "Double", Minimum = 1, Maximum = 3, RowCount = 1000 };
        three.ToState(state);
        state.MarginalGenerated = MarginalMap.Warp(three.GeneratedKnots!, three.Cumulative!, [0.1, 0.7]);
        var threeMoved = MarginalMap.FromState(state, "X", v => v >= 1 && v <= 3)!;
        var mapped = generated.Select(v => threeMoved.Map(v, 0.5)).ToArray();
        Assert.AreEqual(0.1, mapped.Average(v => v == 1 ? 1.0 : 0.0), 0.01);
        Assert.AreEqual(0.6, mapped.Average(v => v == 2 ? 1.0 : 0.0), 0.01);
        Assert.AreEqual(0.3, mapped.Average(v => v == 3 ? 1.0 : 0.0), 0.01);
    }

    /// <summary>
    /// A spike of generated values (37 % of them at one value no Single holds, as decoding in doubles makes them) spreads
    /// its rows over the values its levels span by their draws; a warp moving a boundary by 0.01 must keep that: the
    /// warped knots of the spike hold its exact value, so its rows still tie with them. Rounded to Singles (stop 69),
    /// every spike row lost the tie and took one value (HMDA's commonest unemployment rate, 37 % of the rows, went to 0 %).
    /// </summary>
    [TestMethod]
    public void AWarpKeepsASpikeOfGeneratedValuesSpreadOverTheValuesItSpans()
    {
        var random = new Random(5);
        // Training: values 1 to 4 with shares 0.2, 0.3, 0.3, 0.2; generated: a spike at 0.5 + 1/30 (37 % of the rows)
        // inside uniform values, so the spike's levels span values 2 and 3.
        var training = Enumerable.Range(0, 1000).Select(i => i < 200 ? 1.0 : i < 500 ? 2.0 : i < 800 ? 3.0 : 4.0).ToArray();
        double spike = 0.5 + 1.0 / 30;
        Assert.AreNotEqual(spike, (double)(float)spike, "the spike's value is not a Single's");
        var generated = Enumerable.Range(0, 20_000).Select(i => i % 100 < 37 ? spike : random.NextDouble()).ToArray();
        var draws = Enumerable.Range(0, generated.Length).Select(_ => random.NextDouble()).ToArray();
        var map = Fitted(training, generated);
        Assert.IsTrue(map.IsDiscrete);
        double[] Shares(MarginalMap m)
        {
            var mapped = generated.Select((v, i) => m.Map(v, draws[i])).ToArray();
            return [.. Enumerable.Range(1, 4).Select(value => mapped.Average(v => v == value ? 1.0 : 0.0))];
        }
        var before = Shares(map);
        for (int v = 0; v < 4; v++) Assert.AreEqual(new[] { 0.2, 0.3, 0.3, 0.2 }[v], before[v], 0.02, $"calibrated: value {v + 1}'s share");

        var knots = map.GeneratedKnots!;
        foreach (double[] boundaries in new[] { map.Cumulative!.ToArray(), [0.21, 0.49, 0.8] })
        {
            var warped = MarginalMap.Warp(knots, map.Cumulative!, boundaries);
            var state = new ColumnState { Name = "X", Kind = "Double", Minimum = 1, Maximum = 4, RowCount = training.Length };
            map.ToState(state);
            state.MarginalGenerated = warped;
            var after = Shares(MarginalMap.FromState(state, "X", v => v >= 1 && v <= 4)!);
            // The moved boundaries: value 1 gains about 0.01, value 2 loses about 0.02, value 3 gains about 0.01.
            var expected = new[] { boundaries[0], boundaries[1] - boundaries[0], boundaries[2] - boundaries[1], 1 - boundaries[2] };
            for (int v = 0; v < 4; v++) Assert.AreEqual(expected[v], after[v], 0.02, $"boundaries {string.Join(", ", boundaries)}: value {v + 1}'s share");
            Assert.IsTrue(warped.Count(k => k == spike) >= knots.Count(k => k == spike) - 20, $"boundaries {string.Join(", ", boundaries)}: the spike's knots keep its exact value");
        }
    }

    [TestMethod]
    public void AMapAfterARuleMeetsASingleTargetsGridValueAsTheTypeHoldsIt()
    {
        // A rule (a trend, a level) makes a Single target's values on a grid of 0.1, in doubles (2.2); calibration fitted
        // the map's generated side on the decoded values, which the Single holds (2.2000000477). Half the rows are 2.2,
        // the spike spanning values 2 and 3 of the training ones.
        var random = new Random(9);
        var single = (NumericKind)ColumnKinds.Find(Microsoft.ML.Data.NumberDataViewType.Single)!;
        var training = Enumerable.Range(0, 1000).Select(i => i < 250 ? 1.0 : i < 500 ? 2.0 : i < 750 ? 3.0 : 4.0).ToArray();
        var made = Enumerable.Range(0, 20_000).Select(i => i % 2 == 0 ? 2.2 : Math.Round(random.NextDouble() < 0.5 ? 1 + random.NextDouble() : 3 + random.NextDouble(), 1)).ToArray();
        var map = Fitted(training, made.Select(single.Stored));
        Assert.IsTrue(map.IsDiscrete);
        var draws = Enumerable.Range(0, made.Length).Select(_ => random.NextDouble()).ToArray();
        var mapped = made.Select((v, i) => NumericTrend.MappedAfter(map, single.Stored, v, draws[i], null, 1, 4)).ToArray();
        // The spike's rows spread over values 2 and 3, a quarter of the rows each, as the training shares have them.
        for (int value = 1; value <= 4; value++)
            Assert.AreEqual(0.25, mapped.Average(v => v == value ? 1.0 : 0.0), 0.02, $"value {value}'s share");
    }

    [TestMethod]
    public void ContinuousValuesTakeTheTrainingShapeAndKeepTheirOrder()
    {
        var random = new Random(3);
        var training = Enumerable.Range(0, 5000).Select(_ => -Math.Log(1 - random.NextDouble()) * 1000).ToArray(); // skewed: an amount
        var map = Fitted(training, TestTables.Normal(50_000, 4));
        Assert.IsFalse(map.IsDiscrete, "5,000 distinct amounts are mapped by quantiles");

        var generated = TestTables.Normal(20_000, 5);
        var mapped = generated.Select(v => map.Map(v, 0.5)).ToArray();
        Assert.IsLessThan(0.03, KolmogorovSmirnov(mapped, training), "the mapped values have the training shape");
        Assert.IsGreaterThan(0.3, KolmogorovSmirnov(generated, training), "the generated ones did not");
        var byValue = generated.Zip(mapped).OrderBy(p => p.First).Select(p => p.Second).ToArray();
        for (int i = 1; i < byValue.Length; i++) Assert.IsGreaterThanOrEqualTo(byValue[i - 1], byValue[i], "the map keeps the generated order");
        Assert.AreEqual(training.Min(), map.Map(-100, 0.5), "below every generated value: the training minimum");
        Assert.AreEqual(training.Max(), map.Map(100, 0.5), "above: the maximum");
    }

    [TestMethod]
    public void AFewValuedColumnMapsOntoItsValuesWithTheirShares()
    {
        var training = Enumerable.Repeat(1.0, 500).Concat(Enumerable.Repeat(2.0, 300)).Concat(Enumerable.Repeat(5.0, 200)).ToArray();

        // The generator puts every row on one value (a spike): each row's draw spreads it over the training values.
        var spike = Fitted(training, Enumerable.Repeat(7.0, 1000));
        Assert.IsTrue(spike.IsDiscrete);
        var spread = Enumerable.Range(0, 10_000).Select(i => spike.Map(7.0, (i + 0.5) / 10_000)).ToArray();
        Assert.AreEqual(0.5, spread.Count(v => v == 1) / 10_000.0, 0.02);
        Assert.AreEqual(0.3, spread.Count(v => v == 2) / 10_000.0, 0.02);
        Assert.AreEqual(0.2, spread.Count(v => v == 5) / 10_000.0, 0.02);
        Assert.AreEqual(1.0, spike.Map(7.0, 0.5), "without a draw, the middle level: the median value");

        // Continuous generated values land only on the training values, in their shares.
        var map = Fitted(training, TestTables.Normal(50_000, 6));
        var mapped = TestTables.Normal(10_000, 7).Select(v => map.Map(v, 0.5)).ToArray();
        CollectionAssert.IsSubsetOf(mapped.Distinct().ToArray(), new[] { 1.0, 2.0, 5.0 });
        Assert.AreEqual(0.5, mapped.Count(v => v == 1) / 10_000.0, 0.03);
        Assert.AreEqual(0.2, mapped.Count(v => v == 5) / 10_000.0, 0.03);
    }

    [TestMethod]
    public void TheGraphMapsAsDotNetDoesToTheBit()
    {
        var random = new Random(8);
        var amounts = Enumerable.Range(0, 3000).Select(_ => Math.Round(-Math.Log(1 - random.NextDouble()) * 100, 2)).ToArray();
        var codes = Enumerable.Range(0, 3000).Select(_ => (double)random.Next(0, 12) * 5).ToArray();
        // Generated samples with spikes of their own (exact repeats), as spike modes make them.
        var generated = TestTables.Normal(20_000, 9).Select((v, i) => i % 4 == 0 ? 0.25 : v).ToArray();
        // Amounts of which some repeat (whole hundreds a tenth of the time), by levels that keep each repeated value.
        var prices = amounts.Take(800).Select((v, i) => i % 10 == 0 ? 100 * Math.Round(v / 100) : v).ToArray();
        var repeating = Fitted(prices, generated, repeats: true);
        Assert.IsTrue(repeating.RepeatsValues);
        // Whole numbers, some neighbours (no grid value between them) and some not: levels that jump from one run to the next.
        var counts = amounts.Take(150).Select(v => Math.Round(v / 3)).ToArray();
        var jumping = Fitted(counts, generated, repeats: true, wholeNumbers: true);
        Assert.IsTrue(jumping.RepeatsValues);
        var (jumps, _) = MarginalMap.RepeatKnots(counts.Order().ToArray(), v => Math.Round(v, MidpointRounding.ToEven))!.Value;
        Assert.IsTrue(jumps.Zip(jumps.Skip(1)).Any(p => p.First == p.Second), "some runs start where the last ended");
        Assert.IsTrue(jumps.Zip(jumps.Skip(1)).Count(p => p.First < p.Second) > jumps.Length / 2, "and most gaps interpolate");
        foreach (var (name, map) in new[] { ("quantiles", Fitted(amounts, generated)), ("values", Fitted(codes, generated)), ("repeated values", repeating), ("repeated whole numbers", jumping) })
        {
            var inputs = TestTables.Normal(2000, 10).Concat([0.25, -50, 50, double.Epsilon, -0.0]).ToArray();
            var draws = inputs.Select((_, i) => (double)(float)((i * 0.6180339887) % 1)).ToArray();
            var graph = new OnnxGraph("map");
            var v = graph.Input("v", OnnxType.Double, 1);
            var d = graph.Input("d", OnnxType.Double, 1);
            graph.Output("y", map.AddOnnxMap(graph, v, d), OnnxType.Double);
            using var session = new InferenceSession(graph.ToModel("test", []));
            using var results = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("v", new DenseTensor<double>(inputs, [inputs.Length, 1])),
                NamedOnnxValue.CreateFromTensor("d", new DenseTensor<double>(draws, [draws.Length, 1])),
            ]);
            var fromGraph = results.First().AsEnumerable<double>().ToArray();
            for (int i = 0; i < inputs.Length; i++)
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(map.Map(inputs[i], draws[i])), BitConverter.DoubleToInt64Bits(fromGraph[i]),
                    $"{name}: {inputs[i]} with draw {draws[i]}: .NET {map.Map(inputs[i], draws[i])}, graph {fromGraph[i]}");
        }
    }

    [TestMethod]
    public void TheGraphsSearchCountsAsDotNetsBinarySearchDoes()
    {
        // Lengths around the search's powers of 23 (one, two and three steps), sorted values with repeats (runs, one
        // across the two tables' boundary), and values on every knot, between, outside, infinite and NaN; two tables side
        // by side, searched by row offsets.
        var random = new Random(11);
        foreach (int n in new[] { 1, 2, 3, 22, 23, 24, 501, 528, 529, 1000 })
        {
            var tables = new double[2 * n];
            for (int t = 0; t < 2; t++)
            {
                // The second table starts with the first's last value: a run of equal values across their boundary.
                double from = t == 0 ? 0 : tables[n - 1];
                var one = Enumerable.Range(0, n).Select(_ => from + Math.Round(random.NextDouble() * 20, random.Next(0, 2))).Order().ToArray();
                one[0] = from == 0 ? one[0] : from;
                one.CopyTo(tables, t * n);
            }
            var values = tables.Concat(tables.Select(x => x + 0.05)).Concat(tables.Select(x => x - 0.05))
                .Concat([double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 21, 0]).ToArray();
            var offsets = values.Select((_, i) => (long)(i % 2 * n)).ToArray();
            var graph = new OnnxGraph("search");
            var v = graph.Input("v", OnnxType.Double, 1);
            var table = graph.Input("t", OnnxType.Int64, 1);
            var sorted = graph.Constant(tables, tables.Length);
            var below = MarginalMap.OnnxCountBelow(graph, sorted, n, v, table);
            graph.Output("whole", MarginalMap.OnnxCountBelow(graph, graph.Constant(tables.AsSpan(0, n), n), n, v), OnnxType.Int64);
            graph.Output("below", below, OnnxType.Int64);
            // At or below from the count strictly below and the runs of equal values, as the map's level finds it.
            var runEnds = graph.Constant(MarginalMap.RunEnds(tables, n), tables.Length);
            graph.Output("atOrBelow", MarginalMap.OnnxCountAtOrBelow(graph, sorted, runEnds, n, v, below, table), OnnxType.Int64);
            using var session = new InferenceSession(graph.ToModel("test", []));
            using var results = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("v", new DenseTensor<double>(values, [values.Length, 1])),
                NamedOnnxValue.CreateFromTensor("t", new DenseTensor<long>(offsets, [offsets.Length, 1])),
            ]);
            long[] Output(string name) => results.First(r => r.Name == name).AsEnumerable<long>().ToArray();
            var (whole, byTable, atOrBelow) = (Output("whole"), Output("below"), Output("atOrBelow"));
            Assert.HasCount(values.Length, whole);
            for (int i = 0; i < values.Length; i++)
            {
                var own = tables.AsSpan((int)offsets[i], n);
                Assert.AreEqual(MarginalMap.CountBelow(tables.AsSpan(0, n), values[i], orEqual: false), whole[i], $"n = {n}, below {values[i]}");
                Assert.AreEqual(MarginalMap.CountBelow(own, values[i], orEqual: false), byTable[i], $"n = {n}, table at {offsets[i]}, below {values[i]}");
                Assert.AreEqual(MarginalMap.CountBelow(own, values[i], orEqual: true), atOrBelow[i], $"n = {n}, table at {offsets[i]}, at or below {values[i]}");
            }
        }
    }

    [TestMethod]
    public void TrainedModelsGenerateEachNumericColumnInItsTrainingShape()
    {
        var random = new Random(11);
        var rows = Enumerable.Range(0, 1500).Select(_ =>
        {
            float income = (float)Math.Round(Math.Exp(10 + 0.8 * TestTables.Normal(1, random.Next())[0]), 0);
            return new TestTables.Skewed { Income = income, Children = random.Next(0, 10) < 6 ? 0 : random.Next(1, 5), Segment = random.Next(0, 3) == 0 ? "a" : "b" };
        }).ToList();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        // The maps alone: a density-ratio filter would correct the unmapped training's shapes too.
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 2, DensityRatioFilter = false };
        using var mapped = ml.Gan().Train(options).Fit(data);
        options.ExactMarginals = false;
        using var raw = ml.Gan().Train(options).Fit(data);

        var income = rows.Select(r => (double)r.Income).ToArray();
        var children = rows.Select(r => (double)r.Children).ToArray();
        double Ks(GanTransformer model, string column, double[] real) =>
            KolmogorovSmirnov(TestTables.Column(model.Generate(3000, seed: 3), column).Select(Convert.ToDouble).ToArray(), real);
        // Two epochs teach a generator little; the map gives every column its training shape all the same.
        double incomeMapped = Ks(mapped, "Income", income), incomeRaw = Ks(raw, "Income", income);
        double childrenMapped = Ks(mapped, "Children", children), childrenRaw = Ks(raw, "Children", children);
        Console.WriteLine($"KS income {incomeMapped:F3} mapped, {incomeRaw:F3} not; children {childrenMapped:F3} mapped, {childrenRaw:F3} not");
        Assert.IsLessThan(0.04, incomeMapped, "incomes mapped");
        Assert.IsLessThan(0.04, childrenMapped, "children mapped");
        Assert.IsGreaterThan(2 * incomeMapped, incomeRaw, "incomes of the same training without the map");
        CollectionAssert.IsSubsetOf(TestTables.Column(mapped.Generate(3000, seed: 4), "Children").Distinct().ToArray(), new object[] { 0, 1, 2, 3, 4 });

        // The map travels with a saved model and with the graph.
        string path = Path.Combine(Path.GetTempPath(), $"gan-map-{Guid.NewGuid():N}.zip");
        try
        {
            mapped.Save(path);
            using var loaded = ml.Gan().LoadModel(path);
            CollectionAssert.AreEqual(TestTables.Column(mapped.Generate(500, seed: 5), "Income"), TestTables.Column(loaded.Generate(500, seed: 5), "Income"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void CategoryAndMissingSharesComeOutAsInTraining()
    {
        var random = new Random(12);
        var rows = Enumerable.Range(0, 2000).Select(_ => new TestTables.Skewed
        {
            Income = random.NextDouble() < 0.3 ? float.NaN : (float)Math.Round(random.NextDouble() * 1000),
            Children = random.Next(0, 4),
            Segment = random.NextDouble() switch { < 0.80 => "common", < 0.95 => "rarer", _ => "rare" },
        }).ToList();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 5 };
        using var calibrated = ml.Gan().Train(options).Fit(data);
        options.ExactMarginals = false;
        using var raw = ml.Gan().Train(options).Fit(data);

        double Error(GanTransformer model)
        {
            var generated = model.Generate(5000, seed: 6);
            var segments = TestTables.Column(generated, "Segment").Cast<string>().ToList();
            double missing = TestTables.Column(generated, "Income").Cast<float>().Count(float.IsNaN) / 5000.0;
            double worst = Math.Abs(missing - 0.3);
            foreach (var (segment, share) in new[] { ("common", 0.80), ("rarer", 0.15), ("rare", 0.05) })
                worst = Math.Max(worst, Math.Abs(segments.Count(s => s == segment) / 5000.0 - share));
            return worst;
        }
        double calibratedError = Error(calibrated), rawError = Error(raw);
        Console.WriteLine($"largest share error {calibratedError:F3} calibrated, {rawError:F3} not");
        Assert.IsLessThan(0.025, calibratedError, "shares and the missing rate within 2.5 points of the training ones");
        Assert.IsGreaterThan(2 * calibratedError, rawError, "the same training without calibration is further off");
        Assert.IsNotNull(calibrated.Model.Encoder.Columns.OfType<CategoricalColumn>().Single().LogitBiases);
    }
}
