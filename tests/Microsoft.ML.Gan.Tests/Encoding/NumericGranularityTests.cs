using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>Each numeric column's grid: learned exactly from the training values, and what decoding rounds to.</summary>
[TestClass]
public sealed class NumericGranularityTests
{
    private static double AsSingle(double v) => (float)v;
    private static double AsDouble(double v) => v;

    [TestMethod]
    [DataRow(new[] { 17.0, 40, 90, 33 }, false, 1L, 0, DisplayName = "whole numbers in a Double column")]
    [DataRow(new[] { 17.0, 40, 90, 33 }, true, 1L, 0, DisplayName = "whole numbers in a Single column")]
    [DataRow(new[] { 40.49, 3.1, 100, 0.07 }, true, 1L, 2, DisplayName = "two decimals in a Single column")]
    [DataRow(new[] { 40.49, 3.1, 100, 0.07 }, false, 1L, 2, DisplayName = "two decimals in a Double column")]
    [DataRow(new[] { 20.0, 25, 45, 90 }, false, 5L, 0, DisplayName = "steps of five")]
    [DataRow(new[] { 1.5, 2, 3.5, 10 }, false, 5L, 1, DisplayName = "half points")]
    [DataRow(new[] { 1.0, 3, 7, 11 }, false, 2L, 0, DisplayName = "odd numbers: steps of two from the minimum")]
    [DataRow(new[] { -2.25, 0.5, 1.75 }, false, 25L, 2, DisplayName = "quarters, negative too")]
    [DataRow(new[] { 3.0, 4, 5, 4.001 }, false, 1L, 3, DisplayName = "one value off the grid makes it finer")]
    [DataRow(new[] { 1e6, 2e6, 5e6 }, false, 1000000L, 0, DisplayName = "millions")]
    public void TheFinestGridHoldingEveryValueIsLearned(double[] values, bool single, long units, int decimals)
    {
        var stored = single ? values.Select(AsSingle).ToArray() : values;
        var grid = NumericGranularity.Fit(stored.Append(double.NaN).ToArray(), single ? AsSingle : AsDouble);
        Assert.AreEqual((units, decimals), grid);
    }

    [TestMethod]
    public void ContinuousConstantOrHugeValuesHaveNoGrid()
    {
        var random = new Random(1);
        var continuous = Enumerable.Range(0, 200).Select(_ => random.NextDouble() * 100).ToArray();
        Assert.IsNull(NumericGranularity.Fit(continuous, AsDouble), "doubles with 16 or 17 significant digits");
        Assert.IsNull(NumericGranularity.Fit([0.1 + 0.2, 1], AsDouble), "0.30000000000000004 needs 17 decimals");
        Assert.IsNull(NumericGranularity.Fit([5, 5, double.NaN, 5], AsDouble), "a constant column");
        Assert.IsNull(NumericGranularity.Fit([double.NaN, double.NaN], AsDouble), "no values");
        Assert.IsNull(NumericGranularity.Fit([1e300, 2e300], AsDouble), "beyond 2^53 the grid's integers are not exact");
        Assert.IsNull(NumericGranularity.Fit([1e-20, 2e-20], AsDouble), "more than 15 decimals");
    }

    [TestMethod]
    public void RoundingGivesTheDoubleNearestTheDecimalTiesToEven()
    {
        var cents = new NumericGranularity(1, 2, minimum: 0.07, maximum: 100, column: "price");
        Assert.AreEqual(40.49, cents.Round(40.4949));
        Assert.AreEqual("40.49", cents.Round(40.4949).ToString(CultureInfo.InvariantCulture), "not 40.490000000000002");
        Assert.AreEqual(0.3, cents.Round(0.30000000000000004));
        Assert.AreEqual(0.01, cents.Step);

        var fives = new NumericGranularity(5, 0, minimum: 2, maximum: 97, column: "score"); // 2, 7, 12, ...
        Assert.AreEqual(12.0, fives.Round(13.9));
        Assert.AreEqual(17.0, fives.Round(14.6));
        Assert.AreEqual(2.0, fives.Round(4.5), "a tie goes to the even number of steps (0)");
        Assert.AreEqual(12.0, fives.Round(9.5), "a tie goes to the even number of steps (2)");
    }

    [TestMethod]
    public void ASavedGridThatCannotBeHeldIsRefused()
    {
        Assert.Throws<InvalidDataException>(() => new NumericGranularity(0, 0, 0, 1, "x"));
        Assert.Throws<InvalidDataException>(() => new NumericGranularity(1, 16, 0, 1, "x"));
        Assert.Throws<InvalidDataException>(() => new NumericGranularity(1, -1, 0, 1, "x"));
        var e = Assert.Throws<InvalidDataException>(() => new NumericGranularity(1, 10, 0, 1e9, "x"));
        StringAssert.Contains(e.Message, "'x'");
    }

    [TestMethod]
    public void ASingleColumnDecodesOnlyOntoItsGridAndIntoItsRange()
    {
        var kind = (NumericKind)ColumnKinds.Find(NumberDataViewType.Single)!;
        var values = Enumerable.Range(0, 400).Select(i => (double)(float)(10 + (i % 97) * 0.25)).ToArray(); // quarters from 10 to 34
        var column = (NumericColumn)kind.Restore(NumericColumn.Fit("x", kind.Name, values, new BayesianGaussianMixtureOptions { Seed = 1 }, kind.Stored));
        Assert.AreEqual(0.25, column.Granularity!.Value.Step);
        Assert.AreEqual(0.25, column.ToInfo().Step);

        var random = new Random(3);
        var output = new float[column.Width];
        for (int r = 0; r < 2000; r++)
        {
            for (int i = 0; i < output.Length; i++) output[i] = (float)(random.NextDouble() * 8 - 4);
            output[0] = (float)Math.Tanh(output[0]);
            double v = column.Decode(output, [(float)random.NextDouble()], CategorySampling.Sample);
            Assert.IsTrue(v >= 10 && v <= 34, $"{v} in the range");
            Assert.AreEqual(0, (v - 10) * 4 % 1, $"{v} is a quarter");
            Assert.IsTrue(column.Allows((float)v), $"{v} allowed");
        }
        Assert.IsFalse(column.Allows(10.3), "off the grid");
        Assert.IsFalse(column.Allows(34.25), "beyond the range");
    }

    [TestMethod]
    public void WithoutAGridIntegersStillRoundAndOtherNumbersDoNot()
    {
        var single = (NumericKind)ColumnKinds.Find(NumberDataViewType.Single)!;
        var integer = (NumericKind)ColumnKinds.Find(NumberDataViewType.Int32)!;
        double[] values = [1, 2, 3, 5, 8];
        var free = (NumericColumn)single.Restore(NumericColumn.Fit("x", single.Name, values, mixture: null));
        var whole = (NumericColumn)integer.Restore(NumericColumn.Fit("n", integer.Name, values, mixture: null));
        Assert.IsNull(free.Granularity);
        Assert.IsTrue(double.IsNaN(free.ToInfo().Step));
        Assert.AreEqual(1.0, whole.ToInfo().Step);
        float[] middle = [0.1f]; // min-max: 0.1 → 4.85
        Assert.AreEqual(4.85, free.Decode(middle, [], CategorySampling.Sample), 1e-6);
        Assert.AreEqual(5.0, whole.Decode(middle, [], CategorySampling.Sample));
    }

    private sealed class Priced
    {
        public float Age { get; set; }
        public float Price { get; set; }
        public int Score { get; set; }
        public double Ratio { get; set; }
    }

    [TestMethod]
    public void GeneratedRowsKeepEachColumnsGridThroughTheGraphAndASavedModel()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 400).Select(_ => new Priced
        {
            Age = 18 + random.Next(60), // whole years, loaded as Single as many ML.NET samples load them
            Price = (float)Math.Round(5 + 200 * random.NextDouble() * random.NextDouble(), 2),
            Score = 2 + 5 * random.Next(20), // 2, 7, 12, ..., 97
            Ratio = random.NextDouble(),
        }).ToList();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        // The marginal map is off: it would send few-valued columns onto their training values, and this tests the grid.
        var options = new GanTrainer.Options
        {
            Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 2, ExactMarginals = false,
        };
        using var model = ml.Gan().Train(options).Fit(data);

        var info = model.Columns.ToDictionary(c => c.Name);
        Assert.AreEqual(1.0, info["Age"].Step);
        Assert.AreEqual(0.01, info["Price"].Step);
        Assert.AreEqual(5.0, info["Score"].Step);
        Assert.IsTrue(double.IsNaN(info["Ratio"].Step), "a continuous column has no grid");

        string path = Path.Combine(Path.GetTempPath(), $"gan-grid-{Guid.NewGuid():N}.zip");
        try
        {
            model.Save(path);
            using var loaded = ml.Gan().LoadModel(path);
            foreach (var (name, generated) in new[] { ("trained", model.Generate(1000, seed: 3)), ("loaded", loaded.Generate(1000, seed: 3)) })
            {
                var ages = TestTables.Column(generated, "Age").Cast<float>().ToList();
                var prices = TestTables.Column(generated, "Price").Cast<float>().ToList();
                var scores = TestTables.Column(generated, "Score").Cast<int>().ToList();
                Assert.IsTrue(ages.All(a => a == MathF.Round(a) && a >= 18 && a <= 77), $"{name}: whole ages: {string.Join(", ", ages.Where(a => a != MathF.Round(a)).Take(5))}");
                Assert.IsTrue(prices.All(p => p == (float)Math.Round(p, 2)), $"{name}: prices in cents: {string.Join(", ", prices.Where(p => p != (float)Math.Round(p, 2)).Take(5))}");
                Assert.IsTrue(scores.All(s => (s - 2) % 5 == 0), $"{name}: scores in steps of five from 2: {string.Join(", ", scores.Where(s => (s - 2) % 5 != 0).Take(5))}");
                Assert.IsGreaterThan(20, ages.Distinct().Count(), $"{name}: ages still vary");
            }
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(200, seed: 4), "Price"), TestTables.Column(loaded.Generate(200, seed: 4), "Price"), "the saved model generates the same prices");
        }
        finally
        {
            File.Delete(path);
        }

        // Turned off, a Single column of whole numbers is generated as any number in its range (as before).
        options.NumericGranularity = false;
        using var free = ml.Gan().Train(options).Fit(data);
        var freeAges = TestTables.Column(free.Generate(1000, seed: 3), "Age").Cast<float>().ToList();
        Assert.IsGreaterThan(900, freeAges.Count(a => a != MathF.Round(a)), "without a grid, ages are not whole");
        Assert.IsTrue(double.IsNaN(free.Columns.Single(c => c.Name == "Age").Step));
    }
}
