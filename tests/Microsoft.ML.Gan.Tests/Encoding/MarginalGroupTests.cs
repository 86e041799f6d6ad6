using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Grouped marginal maps (<see cref="GanTrainer.Options.GroupedMarginals"/>): a numeric column that depends on a
/// categorical one is mapped within each category, so each category keeps its own range and shape; the same values in
/// .NET and in the graph; found at Fit only where the dependency is there.
/// </summary>
[TestClass]
public sealed class MarginalGroupTests
{
    private static ColumnState State(double[] training) =>
        new() { Name = "X", Kind = "Double", Minimum = training.Min(), Maximum = training.Max(), RowCount = training.Length };

    private static MarginalMap Load(ColumnState state) => MarginalMap.FromState(state, "X", v => v >= state.Minimum && v <= state.Maximum)!;

    /// <summary>
    /// Category 0 holds values in [0, 10], category 2 in [100, 110] (uniform), category 1 a few of both and no table.
    /// The generator makes the same values for every category: standard normals, so its rows do not tell the categories apart.
    /// </summary>
    private static (ColumnState State, double[] A, double[] B, double[] Generated, int[] Levels) TwoRanges(bool exact)
    {
        var random = new Random(21);
        double Draw(double low) => exact ? low + random.Next(0, 5) * 2.5 : low + 10 * random.NextDouble();
        var a = Enumerable.Range(0, 600).Select(_ => Draw(0)).ToArray();
        var b = Enumerable.Range(0, 600).Select(_ => Draw(100)).ToArray();
        var c = Enumerable.Range(0, 40).Select(i => Draw(i % 2 == 0 ? 0 : 100)).ToArray();
        var state = State([.. a, .. b, .. c]);
        MarginalMap.FitTraining(state, [.. a.Concat(b).Concat(c).Order()]);
        Assert.AreEqual(exact, state.MarginalValues is not null, "exact values only for the few-valued column");
        MarginalMap.FitGroupTraining(state, "City", [0, 2], [a, b]);
        var generated = TestTables.Normal(9000, 22);
        var levels = Enumerable.Range(0, generated.Length).Select(i => i % 3).ToArray();
        Assert.IsTrue(MarginalMap.FitGenerated(state, generated, null, levels));
        return (state, a, b, generated, levels);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void EachCategoryIsMappedOntoItsOwnValuesAndTheRestOntoTheColumns(bool exact)
    {
        var (state, a, b, _, _) = TwoRanges(exact);
        var map = Load(state);
        Assert.IsTrue(map.MapsGroups);
        CollectionAssert.AreEqual(new[] { 0, 2 }, map.GroupCategories.ToArray());

        var inputs = TestTables.Normal(5000, 23);
        var inA = inputs.Select((v, i) => map.Map(v, (i + 0.5) / inputs.Length, 0)).ToArray();
        var inB = inputs.Select((v, i) => map.Map(v, (i + 0.5) / inputs.Length, 2)).ToArray();
        Assert.IsTrue(inA.All(v => v >= a.Min() && v <= a.Max()), $"category 0 stays in its range [{a.Min()}, {a.Max()}]: {inA.Min()} to {inA.Max()}");
        Assert.IsTrue(inB.All(v => v >= b.Min() && v <= b.Max()), $"category 2 stays in its range: {inB.Min()} to {inB.Max()}");
        Assert.AreEqual(a.Average(), inA.Average(), 0.3, "category 0 takes its training shape");
        Assert.AreEqual(b.Average(), inB.Average(), 0.3, "category 2 too");
        if (exact) CollectionAssert.IsSubsetOf(inA.Distinct().ToArray(), a.Distinct().ToArray(), "only values category 0 has, even at the lowest level");
        var byValue = inputs.Zip(inB).OrderBy(p => p.First).Select(p => p.Second).ToArray();
        for (int i = 1; i < byValue.Length; i++) Assert.IsGreaterThanOrEqualTo(byValue[i - 1], byValue[i], "the order within a category is kept");

        // A category without a table, or none, is mapped as the whole column: half its values near each range.
        foreach (int level in new[] { 1, -1, 7 })
        {
            var whole = inputs.Select(v => map.Map(v, 0.5, level)).ToArray();
            CollectionAssert.AreEqual(inputs.Select(v => map.Map(v, 0.5)).ToArray(), whole, $"category {level}");
            Assert.AreEqual(0.5, whole.Count(v => v >= 100) / (double)whole.Length, 0.05);
        }
    }

    [TestMethod]
    public void AGroupTheGeneratorMakesTooRarelyKeepsTheColumnsMap()
    {
        var random = new Random(24);
        var a = Enumerable.Range(0, 500).Select(_ => random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 500).Select(_ => 5 + random.NextDouble()).ToArray();
        var state = State([.. a, .. b]);
        MarginalMap.FitTraining(state, [.. a.Concat(b).Order()]);
        MarginalMap.FitGroupTraining(state, "City", [0, 1], [a, b]);
        var generated = TestTables.Normal(3000, 25);
        var levels = generated.Select((_, i) => i < 100 ? 1 : 0).ToArray(); // 100 rows of category 1: too few for its quantiles
        Assert.IsTrue(MarginalMap.FitGenerated(state, generated, null, levels));
        var map = Load(state);
        CollectionAssert.AreEqual(new[] { 0 }, map.GroupCategories.ToArray(), "category 1 lost its table");
        Assert.AreEqual(map.Map(0.3, 0.5), map.Map(0.3, 0.5, 1));

        // Calibrated again through a filter: a group whose rows it keeps too thinly to place again keeps the quantiles it
        // had (the rows the filter was trained on decode as before); rows weighed fully place it anew.
        var before = state.MarginalGroupGenerated!.ToArray();
        var shifted = generated.Select(v => v + 3).ToArray();
        var thin = generated.Select((_, i) => i % 500 == 0 ? 1f : 1e-6f).ToArray();
        Assert.IsTrue(MarginalMap.FitGenerated(state, shifted, thin, levels));
        CollectionAssert.AreEqual(new[] { 0 }, state.MarginalGroupLevels);
        CollectionAssert.AreEqual(before, state.MarginalGroupGenerated, "thinly kept: the previous quantiles");
        Assert.IsTrue(MarginalMap.FitGenerated(state, shifted, generated.Select(_ => 1f).ToArray(), levels));
        Assert.AreEqual(before[50] + 3, state.MarginalGroupGenerated![50], 0.2, "fully kept: placed anew");

        // Weighed rows count by their effective number: 3,000 rows of which a handful carry the weight are too few.
        var weights = generated.Select((_, i) => i % 500 == 0 ? 1f : 1e-6f).ToArray();
        var weighed = State([.. a, .. b]);
        MarginalMap.FitTraining(weighed, [.. a.Concat(b).Order()]);
        MarginalMap.FitGroupTraining(weighed, "City", [0, 1], [a, b]);
        Assert.IsTrue(MarginalMap.FitGenerated(weighed, generated, weights, new int[generated.Length]));
        Assert.IsNull(weighed.MarginalGroup, "no group is left: the map has none");
        Assert.IsFalse(Load(weighed).MapsGroups);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TheGraphMapsEachGroupAsDotNetDoesToTheBit(bool exact)
    {
        var (state, _, _, generated, _) = TwoRanges(exact);
        var map = Load(state);
        var inputs = TestTables.Normal(3000, 26).Concat([generated[0], -50, 50, 0.0, double.Epsilon]).ToArray();
        var draws = inputs.Select((_, i) => (double)(float)((i * 0.6180339887) % 1)).ToArray();
        var levels = inputs.Select((_, i) => (long)(i % 4)).ToArray(); // 3: a category the group column has, without a table
        var graph = new OnnxGraph("grouped");
        var v = graph.Input("v", OnnxType.Double, 1);
        var d = graph.Input("d", OnnxType.Double, 1);
        var level = graph.Input("level", OnnxType.Int64, null);
        graph.Output("y", map.AddOnnxMap(graph, v, d, (level, 4)), OnnxType.Double);
        using var session = new InferenceSession(graph.ToModel("test", []));
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("v", new DenseTensor<double>(inputs, [inputs.Length, 1])),
            NamedOnnxValue.CreateFromTensor("d", new DenseTensor<double>(draws, [draws.Length, 1])),
            NamedOnnxValue.CreateFromTensor("level", new DenseTensor<long>(levels, [levels.Length])),
        ]);
        var fromGraph = results.First().AsEnumerable<double>().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            double expected = map.Map(inputs[i], draws[i], (int)levels[i]);
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(fromGraph[i]),
                $"{inputs[i]} with draw {draws[i]} in category {levels[i]}: .NET {expected}, graph {fromGraph[i]}");
        }
    }

    [TestMethod]
    public void TheAssociationIsHighForADependencyOfShiftOrSpreadAndNearZeroWithoutOne()
    {
        var random = new Random(27);
        var levels = Enumerable.Range(0, 3000).Select(i => i % 3).ToArray();
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var shifted = levels.Select(l => l * 10 + random.NextDouble()).ToArray();
        var spread = levels.Select(l => Normal() * (l == 0 ? 0.2 : 2)).ToArray();
        var independent = levels.Select(_ => random.NextDouble()).ToArray();
        double Measure(double[] values) => MarginalGroups.Association(values, levels, [0, 1, 2], 3);
        // Three groups apart: the lowest and the highest lie 2/3 from the whole, the middle one 1/3 (5/9 on the mean),
        // less chance's 0.8687·√(1/1000 − 1/3000) = 0.022.
        Assert.AreEqual(5 / 9.0 - 0.8687 * Math.Sqrt(1 / 1000.0 - 1 / 3000.0), Measure(shifted), 1e-9);
        // Same median, one group ten times narrower: a rank ω² would see nothing.
        Assert.IsGreaterThan(0.15, Measure(spread), "a category that only narrows the column depends on it too");
        Assert.IsLessThan(0.02, Measure(independent), "chance's distance is taken off");
        var small = Enumerable.Range(0, 3000).Select(i => i % 60).ToArray();
        Assert.IsLessThan(0.02, MarginalGroups.Association(independent, small, [.. Enumerable.Range(0, 59)], 60), "sixty groups of 50 rows each lie 0.12 from the whole by chance alone");
        Assert.AreEqual(0, MarginalGroups.Association([1, 1, 1, 1], [0, 1, 0, 1], [0, 1], 2), "a column of one value depends on nothing");

        // Four large groups alike and a fifth of the rows, in categories too small for tables, far above them: the large
        // groups lie 0.2 from the whole (the rest pulls it up), which their tables put right; the rest's own distance
        // (0.8) is left as it is by a grouping, so it does not count.
        var fifth = Enumerable.Range(0, 3000).Select(i => i % 5).ToArray();
        var apart = Enumerable.Range(0, 3000).Select(i => fifth[i] == 4 ? 100.0 : i / 5 % 100 * 0.01).ToArray();
        Assert.AreEqual(0.8 * (0.2 - 0.8687 * Math.Sqrt(1 / 600.0 - 1 / 3000.0)), MarginalGroups.Association(apart, fifth, [0, 1, 2, 3], 5), 1e-9);

        // The one-walk measure equals the distance taken at every value, with ties, rare categories in the remainder
        // group and groups that shift and spread.
        var mixed = Enumerable.Range(0, 2000).Select(i => i % 7).ToArray();
        var tied = mixed.Select(l => Math.Round(l * 0.3 + (l == 2 ? 0.2 : 1.5) * Normal(), 1)).ToArray();
        int[] groups = [0, 1, 2, 3, 4];
        Assert.AreEqual(BruteForce(tied, mixed, groups), MarginalGroups.Association(tied, mixed, groups, 7), 1e-12);
        Assert.IsGreaterThan(0.1, BruteForce(tied, mixed, groups), "a measure worth comparing");
    }

    /// <summary>The association by its definition: each large group's largest gap from the whole, taken after every distinct value.</summary>
    private static double BruteForce(double[] values, int[] levels, int[] large)
    {
        int n = values.Length;
        var groupOf = levels.Select(l => Array.IndexOf(large, l) is int g and >= 0 ? g : large.Length).ToArray();
        double total = 0;
        for (int g = 0; g < large.Length; g++)
        {
            var mine = values.Where((_, i) => groupOf[i] == g).ToArray();
            if (mine.Length == 0 || mine.Length == n) continue;
            double gap = values.Distinct().Max(x => Math.Abs((double)mine.Count(v => v <= x) / mine.Length - (double)values.Count(v => v <= x) / n));
            total += (double)mine.Length / n * Math.Max(0, gap - 0.8687 * Math.Sqrt(1.0 / mine.Length - 1.0 / n));
        }
        return total;
    }

    [TestMethod]
    public void AFewValuedColumnKeepsACategorysSharesWhereItRepeatsItsValuesAndSpreadsThemWhereNot()
    {
        // 24 cities of 60 rows. Rooms: three values a city (each 20 times), shifted by pairs of cities: grouped on the
        // rooms' dependency on the city, each city's table its own shares. Stock: every second value of a band of 120
        // (the even cities the even values, the odd ones the odd values; four bands of cities), each once a city: grouped
        // too, but as its own shares a city's table would give its rows back. Month: a panel's periods, every city each
        // month of the same span: left to the generator.
        var city = new ReadOnlyMemory<char>[1440];
        var rooms = new int[1440];
        var stock = new int[1440];
        var month = new int[1440];
        for (int r = 0; r < 1440; r++)
        {
            int c = r % 24;
            city[r] = $"city{c}".AsMemory();
            rooms[r] = 10 * (c / 2) + r / 24 % 3; // two cities a range: rooms do not fix the city
            stock[r] = 20 * (c / 6) + 2 * (r / 24) + c % 2;
            month[r] = r / 24;
        }
        var data = new TestTables.ArrayView([("City", TextDataViewType.Instance, city), ("Rooms", NumberDataViewType.Int32, rooms),
            ("Stock", NumberDataViewType.Int32, stock), ("Month", NumberDataViewType.Int32, month)]);
        string[] names = ["City", "Rooms", "Stock", "Month"];
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Seed: 1, Granularity: true, Marginal: true);
        var (encoder, _) = TabularEncoder.Fit(data, names, settings, () => { });
        var (real, count) = encoder.ReadRows(data, 2000, seed: 1, () => { });
        var (grouped, groupings) = MarginalGroups.Fit(encoder, real, count, () => { });

        var byName = grouped.Columns.OfType<NumericColumn>().ToDictionary(c => c.Name);
        Assert.IsTrue(byName.Values.All(c => c.Marginal!.IsDiscrete), "each is mapped onto its exact values");
        Assert.AreEqual("City", byName["Rooms"].Marginal!.Group);
        Assert.AreEqual(24, byName["Rooms"].Marginal!.GroupCategories.Count);
        Assert.AreEqual("City", byName["Stock"].Marginal!.Group, "its values are seen once a city, yet they depend on it");
        Assert.IsNull(byName["Month"].Marginal!.Group, "every city has every month: no association, and no span of its own");
        Assert.AreEqual(2, groupings.Count);
        StringAssert.StartsWith(groupings[0].ToString(), "'Rooms' within each of 24 categories of 'City' (distance ");
        Assert.IsTrue(groupings[1].Panel, "each city holds each of its stock values once, over a band of its own: a panel's periods as much as a dependency");

        // Rooms: city 0's table holds its own shares, a third on each of 0, 1 and 2, and none beyond.
        var roomsState = byName["Rooms"].ToState();
        int roomsWidth = roomsState.MarginalValues!.Length - 1;
        var city0 = roomsState.MarginalGroupTraining!.AsSpan(0, roomsWidth).ToArray();
        Assert.AreEqual(1 / 3.0, city0[0], 1e-12);
        Assert.AreEqual(2 / 3.0, city0[1], 1e-12);
        Assert.AreEqual(1.0, city0[2], 1e-12, "nothing past its own three values");

        // Stock: city 0 (even values 0 to 118, each once) has shares spread over the odd values between its own too,
        // evenly over its range, and none past it.
        var stockState = byName["Stock"].ToState();
        var values = stockState.MarginalValues!;
        CollectionAssert.AreEqual(Enumerable.Range(0, 180).Select(v => (double)v).ToArray(), values);
        int width = values.Length - 1;
        var even = stockState.MarginalGroupTraining!.AsSpan(0, width).ToArray();
        var shares = Enumerable.Range(0, values.Length).Select(k => (k == width ? 1 : even[k]) - (k == 0 ? 0 : even[k - 1])).ToArray();
        Assert.IsGreaterThan(0.004, shares[59], "an odd value between two of its own gets a share");
        Assert.AreEqual(0.0, shares.Skip(119).Sum(), 1e-12, "nothing past its last value");
        Assert.IsTrue(shares.Take(118).All(v => v > 0.004 && v < 0.013), $"about 1/118 each: {string.Join(", ", shares.Take(10).Select(v => v.ToString("F4")))}");
        Assert.AreEqual(1.0, shares.Sum(), 1e-9);

        // Fit groups the same way from the rows it reads (the benchmark's A/B groups a saved model from ReadRows).
        var (atFit, _) = TabularEncoder.Fit(data, names, settings with { Groups = true }, () => { });
        CollectionAssert.AreEqual(roomsState.MarginalGroupTraining, ((NumericColumn)atFit.Columns[1]).ToState().MarginalGroupTraining);
        CollectionAssert.AreEqual(stockState.MarginalGroupTraining, ((NumericColumn)atFit.Columns[2]).ToState().MarginalGroupTraining);
        Assert.IsNull(((NumericColumn)atFit.Columns[3]).Marginal!.Group);
    }

    /// <summary>Three cities of very different sizes of listings, and a measure that does not depend on the city.</summary>
    public sealed class Listing
    {
        public string City { get; set; } = "";
        public float Listings { get; set; }
        public float Rate { get; set; }
    }

    private static List<Listing> Listings(int perCity, int seed)
    {
        var random = new Random(seed);
        var cities = new[] { ("Small", 10.0), ("Middle", 100.0), ("Large", 1000.0) };
        return Enumerable.Range(0, 3 * perCity).Select(i =>
        {
            var (city, scale) = cities[i % 3];
            return new Listing
            {
                City = city,
                Listings = (float)Math.Round(scale * (1 + random.NextDouble()), 1),
                Rate = (float)Math.Round(random.NextDouble() * 10, 2),
            };
        }).ToList();
    }

    [TestMethod]
    public void EveryGeneratedRowKeepsItsCategorysRangeInDotNetInTheGraphAndAfterALoad()
    {
        var ml = new MLContext(1);
        var rows = Listings(400, seed: 28);
        var data = ml.Data.LoadFromEnumerable(rows);
        var ranges = rows.GroupBy(r => r.City).ToDictionary(g => g.Key, g => (Min: g.Min(r => r.Listings), Max: g.Max(r => r.Listings)));
        // One thread: the same two generators under any load.
        // The cities' ranges lie apart, so a tree would set the city from its listings (CategoryThresholds): the grouped
        // maps are for the generator's own city.
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 29, TrainingThreads = 1, CategoryThresholds = false };
        using var model = ml.Gan().Train(options).Fit(data);
        options.GroupedMarginals = false;
        using var ungrouped = ml.Gan().Train(options).Fit(data);

        var columns = model.Model.Encoder.Columns;
        var listings = (NumericColumn)columns.Single(c => c.Name == "Listings");
        Assert.AreEqual("City", listings.Marginal!.Group, "listings depend on the city");
        Assert.AreEqual(3, listings.Marginal.GroupCategories.Count);
        Assert.IsTrue(listings.Marginal.MapsGroups);
        Assert.IsNull(((NumericColumn)columns.Single(c => c.Name == "Rate")).Marginal!.Group, "the rate does not");
        Assert.IsTrue(model.Options.GroupedMarginals, "the model records the option");
        var info = model.Columns.Single(c => c.Name == "Listings");
        Assert.AreEqual("City", info.GroupedBy, "the user sees the grouping");
        CollectionAssert.AreEquivalent(new[] { "Small", "Middle", "Large" }, info.GroupCategories.ToArray());
        Assert.IsNull(model.Columns.Single(c => c.Name == "Rate").GroupedBy);
        Assert.IsNull(ungrouped.Columns.Single(c => c.Name == "Listings").GroupedBy);

        int Outside(GanTransformer m)
        {
            var generated = m.Generate(20_000, seed: 30);
            var city = TestTables.Column(generated, "City").Cast<string>().ToArray();
            var value = TestTables.Column(generated, "Listings").Cast<float>().ToArray();
            return Enumerable.Range(0, city.Length).Count(r => value[r] < ranges[city[r]].Min || value[r] > ranges[city[r]].Max);
        }
        int outsideUngrouped = Outside(ungrouped);
        Console.WriteLine($"rows with listings outside their city's range: {outsideUngrouped} of 20,000 without groups");
        Assert.IsGreaterThan(200, outsideUngrouped, "two epochs do not teach a generator each city's range: one map for the whole column lets cities mix");
        Assert.AreEqual(0, Outside(model), "with groups, none (generated through the exported graph)");

        // The .NET decoder maps as the graph does: the same categories, and the same numbers but where the two runtimes'
        // single-precision generators differ in the last bits (then a value may round to the next step of its grid).
        var m = model.Model;
        int count = 2000;
        var (noise, uniforms) = TestTables.Inputs(seed: 31, count, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, count, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, count);
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c] is not NumericColumn numeric)
            {
                CollectionAssert.AreEqual(reference.Levels(c), onnx.Levels(c), columns[c].Name);
                continue;
            }
            double tolerance = 1e-5 * Math.Max(1, numeric.Maximum - numeric.Minimum), step = numeric.Granularity!.Value.Step;
            int off = 0;
            for (int r = 0; r < count; r++)
            {
                double gap = Math.Abs(reference.Numbers(c)[r] - onnx.Numbers(c)[r]);
                if (gap <= tolerance) continue;
                off++;
                Assert.IsLessThanOrEqualTo(step * 1.001, gap, $"{numeric.Name} row {r}: .NET {reference.Numbers(c)[r]}, graph {onnx.Numbers(c)[r]}");
            }
            Assert.IsLessThanOrEqualTo(count / 100, off, $"{numeric.Name}: values a step apart");
        }

        // Saved and loaded, as a model zip and as a bare graph: the same rows.
        TestTables.SavedAndLoaded(ml, model, loaded =>
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(500, seed: 32), "Listings"), TestTables.Column(loaded.Generate(500, seed: 32), "Listings")));
    }

    /// <summary>A panel: twelve stores report a figure each month, store k from month 5k on (a store opened later has fewer months).</summary>
    public sealed class StoreMonth
    {
        public string Store { get; set; } = "";
        public int Month { get; set; }
        public int Year { get; set; }
        public float Sales { get; set; }
    }

    [TestMethod]
    public void APanelsPeriodsStayWithinEachCategorysOwnSpanAndKeepTheirRules()
    {
        var ml = new MLContext(1);
        var random = new Random(40);
        var rows = Enumerable.Range(0, 12).SelectMany(k => Enumerable.Range(5 * k, 120 - 5 * k).Select(m => new StoreMonth
        {
            Store = $"store{k}", Month = m, Year = 2000 + m / 12, Sales = (float)Math.Round(100 + 20 * random.NextDouble(), 1),
        })).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 41, TrainingThreads = 1 };
        using var model = ml.Gan().Train(options).Fit(data);
        options.GroupedMarginals = false;
        using var ungrouped = ml.Gan().Train(options).Fit(data);

        var info = model.Columns.Single(c => c.Name == "Month");
        Assert.AreEqual("Store", info.GroupedBy, "each store holds each month once, from its own opening: a panel's periods");
        Assert.AreEqual(12, info.GroupCategories.Count);
        // The month fixes the year, but a rule needs ten rows a month, which the first 45 months lack: the two come in
        // the training rows' 120 combinations instead, led by the month.
        Assert.AreEqual("Month, Year come in 120 combinations", string.Join("; ", model.Combinations), "the month, grouped, still fixes the year");
        Assert.IsFalse(model.Dependencies.Any(d => d.Target == "Year"), string.Join("; ", model.Dependencies));

        (int Early, int WrongYear) Check(GanTransformer m)
        {
            var generated = m.Generate(20_000, seed: 42);
            var store = TestTables.Column(generated, "Store").Cast<string>().Select(s => int.Parse(s["store".Length..])).ToArray();
            var month = TestTables.Column(generated, "Month").Cast<int>().ToArray();
            var year = TestTables.Column(generated, "Year").Cast<int>().ToArray();
            return (Enumerable.Range(0, store.Length).Count(r => month[r] < 5 * store[r]),
                Enumerable.Range(0, store.Length).Count(r => year[r] != 2000 + month[r] / 12));
        }
        var (ungroupedEarly, _) = Check(ungrouped);
        Console.WriteLine($"rows of a month before their store opened: {ungroupedEarly} of 20,000 without groups");
        Assert.IsGreaterThan(500, ungroupedEarly, "two epochs do not teach a generator which months each store has");
        var (early, wrongYear) = Check(model);
        Assert.AreEqual(0, early, "with the months grouped by store, none");
        Assert.AreEqual(0, wrongYear, "a month mapped within its store is still one of the training months, and fixes its year");
    }

    [TestMethod]
    public void ClassicAndUngroupedModelsHaveNoGroups()
    {
        Assert.IsFalse(GanTrainer.Options.Classic().GroupedMarginals);
        Assert.IsTrue(new GanTrainer.Options().GroupedMarginals, "on by default");
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Listings(150, seed: 33));
        var options = new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 34, GroupedMarginals = false, DensityRatioFilter = false,
        };
        using var model = ml.Gan().Train(options).Fit(data);
        Assert.IsTrue(model.Model.Encoder.Columns.OfType<NumericColumn>().All(c => c.Marginal!.Group is null));
    }

    [TestMethod]
    public void ATrendsTargetIsGroupedOnItsResidualsAndTrainingRowsReadAgainGroupTheSameWay()
    {
        // Sales grow with the month (R² about 0.97) and each of four stores sells its own amount above the curve: the
        // residuals depend on the store, the sales themselves hardly (the months spread them far wider).
        var random = new Random(5);
        var store = new ReadOnlyMemory<char>[2000];
        var month = new ushort[2000];
        var sales = new double[2000];
        double[] effect = [-300, -100, 100, 300];
        for (int r = 0; r < 2000; r++)
        {
            int s = r % 4;
            store[r] = $"store{s}".AsMemory();
            month[r] = (ushort)random.Next(120);
            sales[r] = Math.Round(1000 + 50 * month[r] + effect[s] + 50 * TestTables.Normal(1, random.Next())[0], 2);
        }
        var data = new TestTables.ArrayView([("Store", TextDataViewType.Instance, store), ("Month", NumberDataViewType.UInt16, month), ("Sales", NumberDataViewType.Double, sales)]);
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Seed: 1, Granularity: true, Marginal: true, Groups: true) { Trends = true };
        var (encoder, _) = TabularEncoder.Fit(data, ["Store", "Month", "Sales"], settings, () => { });
        Assert.AreEqual("Sales", encoder.Trends.Single().TargetName);
        var fitted = encoder.Columns.OfType<NumericColumn>().Single(c => c.Name == "Sales");
        Assert.AreEqual("Store", fitted.Marginal!.Group, "at Fit, the residuals are grouped by store");

        // The training rows read again (as a model settled again reads them) group the same way once their sales are residuals.
        var (real, count) = encoder.ReadRows(data, 2000, seed: 1, () => { });
        var (_, raw) = MarginalGroups.Fit(encoder, real, count, () => { });
        Assert.IsFalse(raw.Any(g => g.Column == "Sales"), "the sales themselves hardly depend on the store");
        encoder.TrendResiduals(real, count);
        var (regrouped, groupings) = MarginalGroups.Fit(encoder, real, count, () => { });
        StringAssert.StartsWith(groupings.Single(g => g.Column == "Sales").ToString(), "'Sales' within each of 4 categories of 'Store' (distance ");
        var again = regrouped.Columns.OfType<NumericColumn>().Single(c => c.Name == "Sales");
        CollectionAssert.AreEqual(fitted.ToState().MarginalGroupTraining, again.ToState().MarginalGroupTraining, "the same residuals, the same tables");
    }
}
