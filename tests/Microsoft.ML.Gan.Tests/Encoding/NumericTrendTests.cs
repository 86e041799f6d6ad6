using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Numeric trends: a number that another column all but determines along a curve (a population growing with the
/// date, spending that grows faster) is found at Fit and learned as its residual, and every generated row keeps to the
/// curve of its anchor, on the column's grid and in its range, in .NET and in the graph alike, after a save and a
/// load too; an independent number follows nothing, rules and dependencies come first, and a file that lies about a
/// trend is refused.
/// </summary>
[TestClass]
public sealed class NumericTrendTests
{
    private static readonly DateTime s_start = new(1970, 1, 1);

    /// <summary>
    /// Monthly rows: Population grows by 150 a month (whole numbers, noise of sd 100, 3 % missing), Spending with the
    /// square of the months (a Double, one decimal), Index by a tenth a month (a Single, one decimal), Rate and Region
    /// independent of everything.
    /// </summary>
    private static IDataView Monthly(int rows, int seed)
    {
        var random = new Random(seed);
        var date = new DateTime[rows];
        var population = new float[rows];
        var spending = new double[rows];
        var rate = new float[rows];
        var index = new float[rows];
        var region = new ReadOnlyMemory<char>[rows];
        for (int r = 0; r < rows; r++)
        {
            int month = random.Next(600);
            date[r] = s_start.AddMonths(month);
            population[r] = r % 33 == 5 ? float.NaN : (float)Math.Round(200_000 + 150 * month + 100 * TestTables.Normal(1, random.Next())[0]);
            spending[r] = Math.Round(500 + 0.02 * month * month + 20 * random.NextDouble(), 1);
            rate[r] = (float)Math.Round(5 + 10 * random.NextDouble(), 1);
            index[r] = (float)Math.Round(50 + 0.1 * month + random.NextDouble(), 1);
            region[r] = new[] { "North", "South", "East" }[random.Next(3)].AsMemory();
        }
        return new TestTables.ArrayView(
        [
            ("Date", DateTimeDataViewType.Instance, date), ("Population", NumberDataViewType.Single, population), ("Spending", NumberDataViewType.Double, spending),
            ("Rate", NumberDataViewType.Single, rate), ("Index", NumberDataViewType.Single, index), ("Region", TextDataViewType.Instance, region),
        ]);
    }

    private static int Months(DateTime date) => (date.Year - s_start.Year) * 12 + date.Month - 1;

    private static GanTrainer.Options Small(bool trends = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, NumericTrends = trends,
    };

    [TestMethod]
    public void ANumberThatFollowsAnotherAlongACurveIsFoundAndNoOther()
    {
        var data = Monthly(3000, seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true };
        var encoder = TabularEncoder.Fit(data, names, settings, () => { }).Encoder;
        Assert.AreEqual("Index on Date, Population on Date, Spending on Date", string.Join(", ", encoder.Trends.Select(t => $"{t.TargetName} on {t.AnchorName}").Order(StringComparer.Ordinal)),
            "the three that follow the date, each on the column that explains it best (a target anchors no other), and not Rate");
        foreach (var trend in encoder.Trends)
        {
            Assert.IsGreaterThan(0.99, trend.Explained, trend.ToString());
            Assert.IsLessThanOrEqualTo(NumericTrend.MaximumKnots, trend.Knots.Length);
        }
        // The target's range is the column's own, not its residuals'; the residuals are what the column learned.
        int p = Array.IndexOf(names, "Population");
        var info = encoder.Info(p);
        Assert.IsTrue(info.Minimum is > 190_000 and < 200_000 && info.Maximum > 280_000, $"{info.Minimum} to {info.Maximum}");
        Assert.AreEqual(1, info.Step, "whole numbers");
        var residuals = (NumericColumn)encoder.Columns[p];
        Assert.IsTrue(residuals.Minimum > -1000 && residuals.Maximum < 1000, $"residuals {residuals.Minimum} to {residuals.Maximum}");

        var off = TabularEncoder.Fit(data, names, settings with { Trends = false }, () => { }).Encoder;
        Assert.IsEmpty(off.Trends);
        // A constraint on a column keeps it to the constraint's own transform.
        var ruled = TabularEncoder.Fit(data, names, settings, () => { }, constraints: [GanConstraint.Positive("Population")]).Encoder;
        Assert.AreEqual("Index on Date, Spending on Date", string.Join(", ", ruled.Trends.Select(t => $"{t.TargetName} on {t.AnchorName}").Order(StringComparer.Ordinal)));
    }

    [TestMethod]
    public void AColumnThatADependencyFixesFollowsNoTrend()
    {
        // Year is a function of the date (an exact rule, found as a dependency); as a curve it would only be close.
        var ml = new MLContext(1);
        var random = new Random(2);
        int rows = 2000;
        var date = new double[rows];
        var year = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            year[r] = 2000 + random.Next(10);
            date[r] = year[r] + random.Next(12) / 12.0;
        }
        var data = new TestTables.ArrayView([("Date", NumberDataViewType.Double, date), ("Year", NumberDataViewType.Int32, year)]);
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true };
        var encoder = TabularEncoder.Fit(data, ["Date", "Year"], settings, () => { }).Encoder;
        Assert.AreEqual("Date->Year", string.Join(", ", encoder.Dependencies.Select(d => $"{d.DeterminantName}->{d.TargetName}")));
        Assert.IsEmpty(encoder.Trends);
        // Without the dependency, the curve takes it.
        var curved = TabularEncoder.Fit(data, ["Date", "Year"], settings with { Dependencies = false }, () => { }).Encoder;
        Assert.AreEqual("Year on Date", string.Join(", ", curved.Trends.Select(t => $"{t.TargetName} on {t.AnchorName}")));
    }

    [TestMethod]
    public void GeneratedRowsKeepToTheCurveInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Monthly(3000, seed: 3);
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.AreEqual("Index follows Date, Population follows Date, Spending follows Date", string.Join(", ", model.Trends.Select(t => $"{t.Target} follows {t.Anchor}").Order(StringComparer.Ordinal)));
        Assert.IsTrue(model.Trends.All(t => t.Knots > 64), "3,000 rows give curves of more knots than format 17's 32, which the graph must search too: " + string.Join(", ", model.Trends));
        Assert.IsFalse(model.Trends.Any(t => t.MappedAfter), "curves that explain more than 99 % keep the values they make: " + string.Join(", ", model.Trends.Select(t => $"{t.Explained:F4}")));
        using var bare = ml.Gan().Train(Small(trends: false)).Fit(data);

        // Within 1,000 of the line (its training noise has an sd of 100) where three epochs without the trend place few rows.
        double OnLine(GanTransformer m)
        {
            var rows = m.Generate(3000, seed: 5);
            var dates = TestTables.Column(rows, "Date").Cast<DateTime>().ToList();
            var people = TestTables.Column(rows, "Population").Cast<float>().ToList();
            var present = Enumerable.Range(0, dates.Count).Where(r => !float.IsNaN(people[r])).ToList();
            Assert.IsTrue(present.All(r => people[r] == MathF.Round(people[r])), "whole numbers, as trained");
            return present.Count(r => Math.Abs(people[r] - (200_000 + 150 * Months(dates[r]))) < 1000) / (double)present.Count;
        }
        double with = OnLine(model), without = OnLine(bare);
        Console.WriteLine($"rows on the line: {with:P1} with the trend, {without:P1} without");
        Assert.IsGreaterThan(0.97, with);
        Assert.IsLessThan(0.5, without, "the contrast: a short run without the trend does not find the line");
        var population = TestTables.Column(model.Generate(3000, seed: 6), "Population").Cast<float>().ToList();
        double missing = population.Count(float.IsNaN) / (double)population.Count;
        Assert.AreEqual(1 / 33.0, missing, 0.03, "the residual keeps the column's missing values");
        var info = model.Columns.Single(c => c.Name == "Population");
        Assert.IsTrue(population.Where(v => !float.IsNaN(v)).All(v => v >= info.Minimum && v <= info.Maximum), "within the training range");

        // The .NET decoder and the graph: the same numbers, bit for bit.
        var m = model.Model;
        int count = 2000;
        var (noise, uniforms) = TestTables.Inputs(seed: 7, count, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, count, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, count);
        for (int c = 0; c < m.Encoder.Columns.Count; c++)
        {
            if (m.Encoder.Columns[c] is NumericColumn)
                CollectionAssert.AreEqual(reference.Numbers(c), onnx.Numbers(c), m.Encoder.Columns[c].Name);
        }

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Trends.ToArray(), loaded.Trends.ToArray());
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Spending"), TestTables.Column(loaded.Generate(300, seed: 8), "Spending"));
            var indices = TestTables.Column(loaded.Generate(300, seed: 8), "Index").Cast<float>().ToList();
            Assert.IsTrue(indices.All(v => v == (float)Math.Round(v, 1)), "a Single of one decimal stays on its grid");
        });
    }

    /// <summary>
    /// Cars: fuel use (whole litres per 1,000 km) follows the weight (whole kilograms, unsigned, so no target) along a
    /// line (R² about 0.9, below <see cref="NumericTrend.MaximumCalibratedExplained"/>), with residuals of two kinds:
    /// most cars within a litre of the line, some two to four litres above it.
    /// </summary>
    private static IDataView Cars(int rows, int seed)
    {
        var random = new Random(seed);
        var weight = new ushort[rows];
        var fuel = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            weight[r] = (ushort)random.Next(800, 2501);
            int residual = random.NextDouble() < 0.7 ? random.Next(-1, 2) : random.Next(2, 5);
            fuel[r] = (int)Math.Round(weight[r] / 100.0 + 4) + residual;
        }
        return new TestTables.ArrayView([("Weight", NumberDataViewType.UInt16, weight), ("Fuel", NumberDataViewType.Int32, fuel)]);
    }

    [TestMethod]
    public void ATrendsTargetIsMappedOntoItsTrainingValuesAfterTheTrendInDotNetAndInTheGraph()
    {
        var ml = new MLContext(1);
        var data = Cars(1500, seed: 11);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var m = model.Model;
        var trend = m.Encoder.Trends.Single();
        Assert.AreEqual("Fuel", trend.TargetName);
        Assert.IsLessThan(NumericTrend.MaximumCalibratedExplained, trend.Explained, trend.ToString());
        Assert.IsTrue(trend.Calibration is { IsCalibrated: true, IsDiscrete: true }, "mapped after the trend onto its training values, calibrated after training");
        Assert.IsTrue(model.Trends.Single().MappedAfter, "the user sees it");

        // The same generator without the map after the trend: the sum of curve and residual, as before.
        var bare = m.WithEncoder(m.Encoder.WithTrends([trend.WithoutGeneratedCalibration()]));
        var training = TestTables.Column(data, "Fuel").Cast<int>().ToArray();
        var values = training.ToHashSet();
        double Gap(GanModel of)
        {
            using var transformer = new GanTransformer(ml, of.Copy(), null);
            var generated = TestTables.Column(transformer.Generate(20_000, seed: 12), "Fuel").Cast<int>().ToArray();
            if (ReferenceEquals(of, m)) Assert.IsTrue(generated.All(values.Contains), "every value one the training rows hold");
            // Total variation distance between the two distributions of values.
            var all = values.Concat(generated).Distinct();
            return all.Sum(v => Math.Abs(training.Count(x => x == v) / (double)training.Length - generated.Count(x => x == v) / (double)generated.Length)) / 2;
        }
        double with = Gap(m), without = Gap(bare);
        Console.WriteLine($"fuel's distance from its training distribution: {with:F3} mapped after the trend, {without:F3} without");
        Assert.IsLessThan(0.04, with, "the training distribution, but for the sampling of 20,000 rows and of the calibration's");
        Assert.IsGreaterThan(2 * with, without, "three epochs do not give the sum of curve and residual the target's shape");

        // The rows keep to the line: the map moves a value by about what the sum got wrong, not off its anchor's curve.
        var rows = model.Generate(20_000, seed: 13);
        var weights = TestTables.Column(rows, "Weight").Cast<ushort>().ToArray();
        var fuels = TestTables.Column(rows, "Fuel").Cast<int>().ToArray();
        double near = Enumerable.Range(0, weights.Length).Count(r => Math.Abs(fuels[r] - (weights[r] / 100.0 + 4)) <= 6) / (double)weights.Length;
        Assert.IsGreaterThan(0.95, near, $"{near:P1} of rows within 6 litres of the line");

        // .NET and the graph: the same values, draws and all (the map's tie-breaking draw comes from the target's own).
        TestTables.AssertGraphAgrees(m, seed: 14, count: 2000, Enumerable.Range(0, m.Encoder.Columns.Count));
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.IsTrue(loaded.Model.Encoder.Trends.Single().Calibration is { IsCalibrated: true }, "saved with the model");
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(500, seed: 15), "Fuel"), TestTables.Column(loaded.Generate(500, seed: 15), "Fuel"));
        });
    }

    /// <summary>
    /// Savings: a rate in percent (a Single on a grid of 0.1, 3 to 9) that follows the month along a line with a spread
    /// of half a point, so that its map after the trend maps onto about 60 training values, each spanned by many
    /// generated ones held as Singles (2.2 as 2.2000000477).
    /// </summary>
    private static IDataView Savings(int rows, int seed)
    {
        var random = new Random(seed);
        var month = new ushort[rows]; // unsigned: it follows nothing (a trend's target needs a sign)
        var rate = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            month[r] = (ushort)random.Next(0, 600);
            rate[r] = (float)Math.Round(Math.Clamp(3 + month[r] / 100.0 + 0.5 * TestTables.Normal(random), 3, 9.5), 1);
        }
        return new TestTables.ArrayView([("Month", NumberDataViewType.UInt16, month), ("Rate", NumberDataViewType.Single, rate)]);
    }

    [TestMethod]
    public void ATrendsMapMeetsASingleTargetsValueAsTheTypeHoldsItAndAnOlderFileDecodesAsItWasMade()
    {
        var ml = new MLContext(1);
        var data = Savings(2000, seed: 21);
        using var model = ml.Gan().Train(Small()).Fit(data);
        var trend = model.Model.Encoder.Trends.Single();
        Assert.AreEqual("Rate", trend.TargetName, trend.ToString());
        Assert.IsTrue(trend.Calibration is { IsCalibrated: true } && trend.CalibrationHeld, "mapped after the trend, meeting the value as the Single holds it");

        // A file of format 41 has no CalibrationHeld: its trend maps the value as computed, in .NET and in the graph alike.
        string folder = Directory.CreateTempSubdirectory("gan-held-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            model.Save(path);
            HostileFiles.EditManifest(path, manifest =>
            {
                var saved = manifest["Trends"]!.AsArray().Single()!.AsObject();
                Assert.IsTrue((bool?)saved["CalibrationHeld"] == true, "saved with the model");
                saved.Remove("CalibrationHeld");
            });
            using var older = ml.Gan().LoadModel(path);
            Assert.IsFalse(older.Model.Encoder.Trends.Single().CalibrationHeld);
            TestTables.AssertGraphAgrees(older.Model, seed: 22, count: 2000, Enumerable.Range(0, 2));
            TestTables.AssertGraphAgrees(model.Model, seed: 22, count: 2000, Enumerable.Range(0, 2));

            var training = TestTables.Column(data, "Rate").Cast<float>().ToArray();
            double Distance(GanTransformer of)
            {
                var generated = TestTables.Column(of.Generate(20_000, seed: 23), "Rate").Cast<float>().ToArray();
                var all = training.Concat(generated).Distinct();
                return all.Sum(v => Math.Abs(training.Count(x => x == v) / (double)training.Length - generated.Count(x => x == v) / (double)generated.Length)) / 2;
            }
            double held = Distance(model), computed = Distance(older);
            Console.WriteLine($"rate's distance from its training values: {held:F3} met as held, {computed:F3} as computed");
            // (0.031 met as held, 0.251 as computed: about half the grid's values are held above their double, half below.)
            Assert.IsLessThan(computed - 0.03, held, "a grid value met in double falls below its own run of knots and takes the value below it");
            TestTables.SavedAndLoaded(ml, model, loaded =>
            {
                Assert.IsTrue(loaded.Model.Encoder.Trends.Single().CalibrationHeld);
                CollectionAssert.AreEqual(TestTables.Column(model.Generate(500, seed: 24), "Rate"), TestTables.Column(loaded.Generate(500, seed: 24), "Rate"));
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Counties' votes for two small parties: in most counties the second's count is about a third of the first's, give
    /// or take a vote or two (whole numbers, 0-60), and one county has 9,888 and 2,927 (Florida's Miami-Dade had them for
    /// Harris and Phillips), so that the line through it explains more than 99 % of the variance of the second while in
    /// the other counties it explains far less. The first is unsigned, so it follows nothing (a trend's target needs a sign).
    /// </summary>
    private static IDataView Counties(int rows, int seed, bool extreme)
    {
        var random = new Random(seed);
        var first = new ushort[rows];
        var second = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            first[r] = (ushort)random.Next(0, 61);
            second[r] = Math.Max(0, (int)Math.Round(first[r] / 3.0 + 1.5 * TestTables.Normal(1, random.Next())[0]));
        }
        if (extreme) (first[0], second[0]) = (9888, 2927);
        return new TestTables.ArrayView([("First", NumberDataViewType.UInt16, first), ("Second", NumberDataViewType.Int32, second)]);
    }

    /// <summary>
    /// Stones' widths (4 to 9 mm, in hundredths: an unsigned count, which anchors a trend but follows none) and depths in
    /// mm, 0.62 of the width within a few hundredths, two decimals; the depths of the rows <paramref name="errors"/>
    /// recorded as 31.8 mm.
    /// </summary>
    private static (IDataView Data, string[] Names) Stones(int rows, IReadOnlyCollection<int> errors)
    {
        var random = new Random(3);
        var width = new ushort[rows];
        var depth = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            width[r] = (ushort)(400 + random.Next(501));
            depth[r] = errors.Contains(r) ? 31.8f : (float)Math.Round(0.0062 * width[r] + 0.03 * TestTables.Normal(1, random.Next())[0], 2);
        }
        return (new TestTables.ArrayView([("Width", NumberDataViewType.UInt16, width), ("Depth", NumberDataViewType.Single, depth)]), ["Width", "Depth"]);
    }

    private static NumericTrend[] TrendsOf((IDataView Data, string[] Names) table) =>
        TabularEncoder.Fit(table.Data, table.Names, new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true }, () => { })
            .Encoder.Trends.ToArray();

    [TestMethod]
    public void AFewGrossErrorsNeitherHideATrendNorBendItsCurveButATailOfThemIsNoError()
    {
        // Two depths of 31.8 among 3,000 stones leave the depth's variance mostly theirs (R² about 0.6 with them): set
        // aside (at most one row in a thousand may be), the rest follow the width to R² 0.99, on a curve that passes
        // the errors' knots at 0.62 of the width as everywhere else (with them, their knots would sit about 0.9 mm high).
        var trends = TrendsOf(Stones(3000, [1234, 2345]));
        Assert.HasCount(1, trends, string.Join("; ", trends.Select(t => t.ToString())));
        var trend = trends[0];
        Assert.AreEqual("Depth on Width", $"{trend.TargetName} on {trend.AnchorName}", trend.ToString());
        Assert.IsGreaterThan(0.99, trend.Explained, trend.ToString());
        for (int k = 0; k < trend.Knots.Length; k++)
            Assert.AreEqual(0.0062 * trend.Knots[k], trend.Levels[k], 0.05, $"knot {k} at width {trend.Knots[k]}");
        // Decoding still makes the errors' distances: the target's range is the column's own, 31.8 included.
        Assert.AreEqual(31.8, trend.Maximum, 1e-4);

        // Four such rows among 3,000 are more than one in a thousand: a tail of the spread, which stays, and no trend
        // explains it; nor is one among 900 rows set aside (fewer than a thousand rows set none aside).
        Assert.IsEmpty(TrendsOf(Stones(3000, [10, 1234, 2345, 2999])), "a tail of four");
        Assert.IsEmpty(TrendsOf(Stones(900, [456])), "one among 900");

        // The rows kept are those given, in their order, but the far ones; the array itself when none is far.
        double[] xs = Enumerable.Range(0, 2000).Select(i => (double)i).ToArray();
        double[] ys = xs.Select(x => 2 * x + (x % 7) / 10).ToArray();
        int[] sorted = Enumerable.Range(0, 2000).ToArray();
        Assert.AreSame(sorted, NumericTrend.WithoutGrossErrors(xs, ys, sorted), "a clean line: nothing set aside");
        ys[700] = 1e6;
        ys[1500] = -1e6;
        CollectionAssert.AreEqual(sorted.Where(r => r is not (700 or 1500)).ToArray(), NumericTrend.WithoutGrossErrors(xs, ys, sorted));
        ys[100] = 1e6;
        Assert.AreSame(sorted, NumericTrend.WithoutGrossErrors(xs, ys, sorted), "three far rows among 2,000 are more than two: a tail");
    }

    [TestMethod]
    public void AnAnchorThatAnotherAnchorExplainsWithItsTargetsFollowsIt()
    {
        // Diamonds' shares explained (carat 0, x 1, y 2, z 3): strongest first takes x on y, then z on carat, and carat,
        // now an anchor, follows nothing. y explains carat and z too: carat joins y's targets, with z.
        (double, int, int)[] candidates =
        [
            (0.9978, 1, 2), (0.9970, 2, 1), (0.9930, 3, 0), (0.9928, 0, 2), (0.9900, 0, 1), (0.9890, 1, 0), (0.9880, 2, 0), (0.9840, 3, 1), (0.9830, 3, 2),
        ];
        var absorbed = NumericTrend.Absorbed([(1, 2), (3, 0)], candidates);
        Assert.IsNotNull(absorbed);
        Assert.AreEqual(2, absorbed.Value.Hub);
        CollectionAssert.AreEqual(new[] { 0, 3 }, absorbed.Value.Moved, "carat, then its target z");
        Assert.IsNull(NumericTrend.Absorbed([(1, 2), (0, 2), (3, 2)], candidates), "one hub left: nothing to absorb");
        // Where y does not explain z, carat explains y and x as well: y and x join carat instead.
        var noZonY = candidates.Where(c => c != (0.9830, 3, 2)).ToArray();
        var other = NumericTrend.Absorbed([(1, 2), (3, 0)], noZonY);
        Assert.AreEqual(0, other!.Value.Hub);
        CollectionAssert.AreEqual(new[] { 2, 1 }, other.Value.Moved);
        // Where neither explains the other's targets too, each anchor stays one.
        Assert.IsNull(NumericTrend.Absorbed([(1, 2), (3, 0)], noZonY.Where(c => c.Item3 != 0).ToArray()), "y does not explain z, carat nothing");
        Assert.IsNull(NumericTrend.Absorbed([], candidates));
    }

    [TestMethod]
    public void AtFitEveryColumnThatOneAnchorExplainsFollowsIt()
    {
        // A width W, a length X within a hair of it, a weight C that W explains to R² about 0.98, and a depth Z that C
        // explains better than W does: strongest first makes C Z's anchor and leaves C following nothing; joined to the
        // hub, all three follow one anchor.
        var random = new Random(6);
        int rows = 2000;
        var w = new float[rows];
        var x = new float[rows];
        var c = new float[rows];
        var z = new float[rows];
        var noise = TestTables.Normal(4 * rows, 7);
        for (int r = 0; r < rows; r++)
        {
            w[r] = (float)(4 + 5 * random.NextDouble());
            x[r] = w[r] + 0.01f * (float)noise[r];
            c[r] = w[r] + 0.2f * (float)noise[rows + r];
            z[r] = c[r] + 0.05f * (float)noise[2 * rows + r];
        }
        var data = new TestTables.ArrayView([("W", NumberDataViewType.Single, w), ("X", NumberDataViewType.Single, x), ("C", NumberDataViewType.Single, c), ("Z", NumberDataViewType.Single, z)]);
        var trends = TrendsOf((data, ["W", "X", "C", "Z"]));
        Assert.HasCount(3, trends, string.Join("; ", trends.Select(t => t.ToString())));
        Assert.AreEqual(1, trends.Select(t => t.Anchor).Distinct().Count(), string.Join("; ", trends.Select(t => t.ToString())));
    }

    [TestMethod]
    public void TheBulkOfATrendsRowsIsWhatIsLeftWithoutTheExtremeOnesAtEachEnd()
    {
        // A line that holds exactly but for one extreme row at the top, which is left out: the bulk is explained fully.
        double[] target = [1, 2, 3, 4, 5, 6, 1000];
        double[] residuals = [0, 0, 0, 0, 0, 0, 500];
        Assert.AreEqual(1, NumericTrend.BulkExplained(target, residuals), 1e-12);
        // Residuals as large as the bulk's spread: nothing of it explained, whatever the extreme rows do.
        double[] spread = [0, 1, -1, 1, -1, 1, 0];
        double[] values = [1, 2, 3, 4, 5, 6, 7];
        Assert.AreEqual(1 - 5.0 / 10, NumericTrend.BulkExplained(values, spread), 1e-12, "rows 2-6 left: their variance 10, their residuals' squares 5");
        // Missing rows are no rows; too few left explain nothing.
        Assert.AreEqual(1, NumericTrend.BulkExplained([double.NaN, 1, 2, 3, 4, 5, 9], [0, 0, 0, 0, 0, 0, 7]), 1e-12);
        Assert.AreEqual(0, NumericTrend.BulkExplained([1, 2, 3, 4], [0, 0, 0, 0]));
        // At least one row an end, more in a larger table: a hundredth of 1,000 rows is ten at each end.
        var many = Enumerable.Range(0, 1000).Select(i => (double)i).ToArray();
        var off = new double[1000];
        for (int i = 0; i < 10; i++) off[i] = off[999 - i] = 1e6;
        Assert.AreEqual(1, NumericTrend.BulkExplained(many, off), 1e-12, "the ten rows at each end are left out");
        off[10] = 1e6;
        Assert.IsLessThan(0, NumericTrend.BulkExplained(many, off), "the eleventh is not");
        Assert.ThrowsExactly<ArgumentException>(() => NumericTrend.BulkExplained([1, 2, 3], [0, 0]));
    }

    [TestMethod]
    public void ATrendAllButExactOnlyThroughOneExtremeRowIsMappedAfterItAndAnExactOneIsNot()
    {
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Marginal: true) { Trends = true };
        NumericTrend TrendOf(IDataView data) => TabularEncoder.Fit(data, ["First", "Second"], settings, () => { }).Encoder.Trends.Single(t => t.TargetName == "Second");

        var skewed = TrendOf(Counties(400, seed: 3, extreme: true));
        Assert.IsGreaterThanOrEqualTo(NumericTrend.MaximumCalibratedExplained, skewed.Explained, $"the extreme county makes the line all but exact: {skewed}");
        Assert.IsNotNull(skewed.Calibration, "but not in the other counties: the second party's votes are mapped onto their training values after the trend");

        // The same counties without it: a trend that explains less than 99 % is mapped after, as before.
        var plain = TrendOf(Counties(400, seed: 3, extreme: false));
        Assert.IsLessThan(NumericTrend.MaximumCalibratedExplained, plain.Explained, plain.ToString());
        Assert.IsNotNull(plain.Calibration);

        // A population along its dates is all but exact in every part of it: no map moves its rows off the curve.
        var monthly = Monthly(3000, seed: 1);
        var population = TabularEncoder.Fit(monthly, monthly.Schema.Select(c => c.Name).ToArray(), settings, () => { }).Encoder.Trends.Single(t => t.TargetName == "Population");
        Assert.IsGreaterThanOrEqualTo(NumericTrend.MaximumCalibratedExplained, population.Explained, population.ToString());
        Assert.IsNull(population.Calibration, "all but exact in the bulk too");
    }

    /// <summary>Manifests that lie about a trend, each with what the refusal names.</summary>
    public static IEnumerable<object[]> TrendLies() =>
    [
        ["an unknown target", (Action<JsonObject>)(t => t["Target"] = "Nope"), "does not name two different columns"],
        ["a text target", (Action<JsonObject>)(t => t["Target"] = "Region"), "needs a signed number column"],
        ["a column following itself", (Action<JsonObject>)(t => t["Anchor"] = (string?)t["Target"]), "does not name two different columns"],
        ["knots descending", (Action<JsonObject>)(t => { t["Knots"] = new JsonArray(3.0, 2.0, 1.0); t["Levels"] = new JsonArray(1.0, 2.0, 3.0); }), "strictly ascending"],
        ["knots without levels", (Action<JsonObject>)(t => t["Levels"] = new JsonArray(1.0)), "each with a level"],
        ["one knot", (Action<JsonObject>)(t => { t["Knots"] = new JsonArray(1.0); t["Levels"] = new JsonArray(1.0); }), $"2 to {NumericTrend.MaximumKnots} knots"],
        ["too many knots", (Action<JsonObject>)(t =>
        {
            t["Knots"] = new JsonArray(Enumerable.Range(0, NumericTrend.MaximumKnots + 1).Select(i => (JsonNode?)JsonValue.Create((double)i)).ToArray());
            t["Levels"] = new JsonArray(Enumerable.Range(0, NumericTrend.MaximumKnots + 1).Select(i => (JsonNode?)JsonValue.Create(1.0)).ToArray());
        }), $"2 to {NumericTrend.MaximumKnots} knots"],
        ["a range upside down", (Action<JsonObject>)(t => t["Minimum"] = 1e9), "ordered"],
        ["half a grid", (Action<JsonObject>)(t => t["GridDecimals"] = null), "half a grid"],
        ["a map after the trend grouped by a category", (Action<JsonObject>)(t => t["Calibration"] = new JsonObject
        {
            ["MarginalValues"] = new JsonArray(210_000.0, 220_000.0), ["MarginalCumulative"] = new JsonArray(0.5), ["MarginalGroup"] = "Region",
        }), "maps the whole column"],
        ["a map after the trend with values out of order", (Action<JsonObject>)(t => t["Calibration"] = new JsonObject
        {
            ["MarginalValues"] = new JsonArray(220_000.0, 210_000.0), ["MarginalCumulative"] = new JsonArray(0.5),
        }), "distinct finite numbers in ascending order"],
        ["a map after the trend past the target's range", (Action<JsonObject>)(t => t["Calibration"] = new JsonObject
        {
            ["MarginalValues"] = new JsonArray(210_000.0, 1e12), ["MarginalCumulative"] = new JsonArray(0.5),
        }), "that the column can hold"],
        ["an empty map after the trend", (Action<JsonObject>)(t => t["Calibration"] = new JsonObject()), "an empty map after the trend"],
        ["a map's manner without the map", (Action<JsonObject>)(t => { t.Remove("Calibration"); t["CalibrationHeld"] = true; }), "has no such map"],
    ];

    /// <summary>A model with trends, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small()).Fit(Monthly(600, seed: 9));
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(TrendLies))]
    public void AManifestThatLiesAboutATrendIsRefused(string lie, Action<JsonObject> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => edit(manifest["Trends"]!.AsArray().Select(t => t!.AsObject()).First(t => (string?)t["Target"] == "Population")), lie);
        StringAssert.Contains(e.Message, named, lie);
    }
}
