using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Evaluation;

namespace Microsoft.ML.Gan.Tests.Evaluation;

/// <summary>Each metric against values computed by hand on tiny tables.</summary>
[TestClass]
public sealed class EvaluationMetricTests
{
    private const double Tolerance = 1e-9;

    public sealed class Num { public float X { get; set; } }
    public sealed class Cat { public string C { get; set; } = ""; }
    public sealed class TwoNum { public double X { get; set; } public double Y { get; set; } }
    public sealed class TwoCat { public string A { get; set; } = ""; public string B { get; set; } = ""; }
    public sealed class NumCat { public float X { get; set; } public string C { get; set; } = ""; }

    private static IDataView View<T>(MLContext ml, params T[] rows) where T : class => ml.Data.LoadFromEnumerable(rows);

    [TestMethod]
    public void ColumnShapeOfContinuousIsOneMinusKolmogorovSmirnov()
    {
        var ml = new MLContext(1);
        var m = ml.Gan().Evaluate(View(ml, new Num { X = 1 }, new Num { X = 2 }, new Num { X = 3 }),
                                  View(ml, new Num { X = 2 }, new Num { X = 3 }, new Num { X = 4 }));
        // The empirical CDFs differ by 1/3 at x = 1 (1/3 vs 0), 2, 3.
        Assert.AreEqual(1.0 / 3, m.Columns[0].ShapeStatistic, Tolerance);
        Assert.AreEqual(2.0 / 3, m.Columns[0].ShapeScore, Tolerance);
        Assert.AreEqual(2.0 / 3, m.ColumnShapesScore, Tolerance);
        Assert.AreEqual(ComparedColumnKind.Continuous, m.Columns[0].Kind);
        Assert.AreEqual(1L, m.Columns[0].OutOfRangeCount);   // 4 > real maximum 3
        Assert.AreEqual(TestTables.KolmogorovSmirnov([1, 2, 3], [2, 3, 4]), ColumnStatistics.KolmogorovSmirnov([1, 2, 3], [2, 3, 4]), Tolerance);
    }

    [TestMethod]
    public void OneSamplesTwoWeightingsAreComparedAsTwoSamplesWouldBe()
    {
        // Weights 1 on {1, 2, 3} and on {2, 3, 4} of one sample {1, 2, 3, 4}: the two samples' distance, 1/3.
        double[] values = [3, 1, 4, 2, double.NaN];
        float[] a = [1, 1, 0, 1, 5], b = [1, 0, 1, 1, 5];
        Assert.AreEqual(ColumnStatistics.KolmogorovSmirnov([1, 2, 3], [2, 3, 4]), ColumnStatistics.KolmogorovSmirnovOfWeights(values, a, b), Tolerance);
        // Tied values step together: 2 twice, weighed apart, is one step of the CDF.
        Assert.AreEqual(0.0, ColumnStatistics.KolmogorovSmirnovOfWeights([2, 2, 5], [1, 0, 1], [0, 1, 1]), Tolerance);
        Assert.AreEqual(0.5, ColumnStatistics.KolmogorovSmirnovOfWeights([1, 2], [1, 0], [1, 1]), Tolerance);
        Assert.AreEqual(0.0, ColumnStatistics.KolmogorovSmirnovOfWeights([1, 2], [0, 0], [1, 1]), Tolerance, "a weighting of no weight: nothing to compare");
    }

    [TestMethod]
    public void KolmogorovSmirnovLeavesMissingOutAndMissingRatesAreReported()
    {
        var ml = new MLContext(1);
        var m = ml.Gan().Evaluate(View(ml, new Num { X = 1 }, new Num { X = float.NaN }, new Num { X = 2 }),
                                  View(ml, new Num { X = 1 }, new Num { X = 2 }));
        Assert.AreEqual(0, m.Columns[0].ShapeStatistic, Tolerance);
        Assert.AreEqual(1.0 / 3, m.Columns[0].RealMissingRate, Tolerance);
        Assert.AreEqual(0, m.Columns[0].SyntheticMissingRate, Tolerance);
    }

    [TestMethod]
    public void ColumnShapeOfCategoryIsOneMinusTotalVariation()
    {
        var ml = new MLContext(1);
        var real = View(ml, new Cat { C = "a" }, new Cat { C = "a" }, new Cat { C = "b" }, new Cat { C = "c" });
        var synthetic = View(ml, new Cat { C = "a" }, new Cat { C = "b" }, new Cat { C = "b" }, new Cat { C = "z" }, new Cat { C = "z" },
            new Cat { C = "" }, new Cat { C = "a" }, new Cat { C = "b" });
        var m = ml.Gan().Evaluate(real, synthetic);
        // real: a .5, b .25, c .25; synthetic: a .25, b .375, z .25, missing .125 → ½(.25 + .125 + .25 + .25 + .125) = .5
        Assert.AreEqual(0.5, m.Columns[0].ShapeStatistic, Tolerance);
        Assert.AreEqual(0.5, m.Columns[0].ShapeScore, Tolerance);
        Assert.AreEqual(ComparedColumnKind.Categorical, m.Columns[0].Kind);
        Assert.AreEqual(2L, m.Columns[0].UnseenCategoryRows);
        Assert.AreEqual(1, m.Columns[0].UnseenCategoryCount);
        Assert.AreEqual(0.125, m.Columns[0].SyntheticMissingRate, Tolerance);
    }

    [TestMethod]
    public void PairTrendOfTwoContinuousColumnsComparesCorrelations()
    {
        var ml = new MLContext(1);
        var real = View(ml, new TwoNum { X = 1, Y = 2 }, new TwoNum { X = 2, Y = 4 }, new TwoNum { X = 3, Y = 6 }, new TwoNum { X = 4, Y = 8 });
        var synthetic = View(ml, new TwoNum { X = 1, Y = 1 }, new TwoNum { X = 2, Y = 3 }, new TwoNum { X = 3, Y = 2 }, new TwoNum { X = 4, Y = 4 });
        var m = ml.Gan().Evaluate(real, synthetic);
        var pair = m.ColumnPairs.Single();
        Assert.AreEqual(PairTrendMethod.Correlation, pair.Method);
        Assert.AreEqual(1.0, pair.RealCorrelation!.Value, Tolerance);
        Assert.AreEqual(0.8, pair.SyntheticCorrelation!.Value, Tolerance);   // Σdxdy = 4, Σdx² = Σdy² = 5
        Assert.AreEqual(0.9, pair.Score, Tolerance);                         // 1 − |1 − 0.8| / 2
        Assert.AreEqual(0.9, m.ColumnPairTrendsScore, Tolerance);
    }

    [TestMethod]
    public void PairTrendOfCategoriesComparesContingencyTables()
    {
        var ml = new MLContext(1);
        var real = View(ml, new TwoCat { A = "A", B = "x" }, new TwoCat { A = "A", B = "x" }, new TwoCat { A = "B", B = "y" }, new TwoCat { A = "B", B = "y" });
        var synthetic = View(ml, new TwoCat { A = "A", B = "y" }, new TwoCat { A = "A", B = "x" }, new TwoCat { A = "B", B = "x" }, new TwoCat { A = "B", B = "y" });
        var m = ml.Gan().Evaluate(real, synthetic);
        // Same marginals; joint: real Ax .5, By .5; synthetic .25 in each of four cells → TVD ½(4 × .25) = .5.
        Assert.AreEqual(1.0, m.ColumnShapesScore, Tolerance);
        var pair = m.ColumnPairs.Single();
        Assert.AreEqual(PairTrendMethod.Contingency, pair.Method);
        Assert.AreEqual(0.5, pair.Score, Tolerance);
        Assert.IsNull(pair.RealCorrelation);
    }

    [TestMethod]
    public void PairTrendBinsContinuousColumnsAtRealQuantiles()
    {
        var ml = new MLContext(1);
        var real = View(ml, new NumCat { X = 1, C = "a" }, new NumCat { X = 2, C = "a" }, new NumCat { X = 3, C = "b" }, new NumCat { X = 4, C = "b" });
        var synthetic = View(ml, new NumCat { X = 1, C = "b" }, new NumCat { X = 2, C = "b" }, new NumCat { X = 3, C = "a" }, new NumCat { X = 4, C = "a" });
        var m = ml.Gan().Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { QuantileBins = 2 });
        // Two bins cut at the real median 3: {1, 2} and {3, 4}. Real joint: (low, a), (high, b); synthetic the opposite → TVD 1.
        Assert.AreEqual(1.0, m.ColumnShapesScore, Tolerance);
        Assert.AreEqual(0.0, m.ColumnPairs.Single().Score, Tolerance);
        CollectionAssert.AreEqual(new[] { 3.0 }, ColumnStatistics.QuantileEdges([4, 1, 3, 2], 2));
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 1, 2 }, ColumnStatistics.Bin([1, 2, 3, 4, double.NaN], [3.0]));
    }

    [TestMethod]
    public void ExactCopyShareCountsRowsEqualToARealRowWithNaNEqualToNaN()
    {
        var ml = new MLContext(1);
        var real = View(ml, new NumCat { X = 1, C = "a" }, new NumCat { X = 2, C = "b" }, new NumCat { X = float.NaN, C = "c" });
        var synthetic = View(ml, new NumCat { X = 1, C = "a" }, new NumCat { X = float.NaN, C = "c" }, new NumCat { X = 2, C = "c" }, new NumCat { X = 3, C = "a" });
        var m = ml.Gan().Evaluate(real, synthetic);
        Assert.AreEqual(2L, m.Privacy.ExactCopyRows);
        Assert.AreEqual(0.5, m.Privacy.ExactCopyShare, Tolerance);
        Assert.IsNull(m.Privacy.HoldoutExactCopyShare);

        // The baseline: of three new real rows, one repeats a training row.
        var holdout = View(ml, new NumCat { X = 2, C = "b" }, new NumCat { X = 2, C = "a" }, new NumCat { X = 5, C = "c" });
        var withHoldout = ml.Gan().Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { HoldoutReal = holdout });
        Assert.AreEqual(1 / 3.0, withHoldout.Privacy.HoldoutExactCopyShare!.Value, Tolerance);
    }

    [TestMethod]
    public void DistanceToClosestRecordOfAThreeRowCase()
    {
        var ml = new MLContext(1);
        var real = View(ml, new NumCat { X = 0, C = "a" }, new NumCat { X = 10, C = "b" }, new NumCat { X = 5, C = "a" });
        var synthetic = View(ml, new NumCat { X = 4, C = "b" }, new NumCat { X = 5, C = "a" }, new NumCat { X = 20, C = "a" });
        var holdout = View(ml, new NumCat { X = 9, C = "b" });
        var m = ml.Gan().Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { HoldoutReal = holdout });
        // (4, b): nearest (10, b) at (0.6 + 0) / 2 = .3; (5, a): a copy, 0; (20, a): |20 − 0| / 10 capped at 1, so (1 + 0) / 2 = .5.
        Assert.AreEqual(0.3, m.Privacy.SyntheticDcrMedian, 1e-6);
        Assert.AreEqual(0.05, m.Privacy.HoldoutDcrMedian!.Value, 1e-6);   // (9, b) vs (10, b): 0.1 / 2
        Assert.AreEqual(3, m.Privacy.DcrRows);
        Assert.AreEqual(1L, m.Columns[0].OutOfRangeCount);
        var direct = PrivacyCalculator.ClosestDistances(
            ReadTable(ml, real, out var columns), ReadTable(ml, synthetic, columns), [0, 1], [0, 0], [10, 0]);
        Assert.AreEqual(0.3, direct[0], 1e-6);
        Assert.AreEqual(0.0, direct[1], 1e-6);
        Assert.AreEqual(0.5, direct[2], 1e-6);
        // The closest rows themselves: (10, b), the copy (5, a), and for (20, a) the first of (0, a) and (5, a), both 1 + 0 (capped).
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, PrivacyCalculator.ClosestRows(ReadTable(ml, real, out columns), ReadTable(ml, synthetic, columns), [0, 1], [0, 0], [10, 0]));
        Assert.IsNotNull(m.DetectionSkippedReason);   // three rows are too few for a classifier
        Assert.IsNotNull(m.EfficacySkippedReason);
    }

    private static EvaluationTable ReadTable(MLContext ml, IDataView view, out EvaluationColumn[] columns)
    {
        columns = [new("X", view.Schema["X"].Type, ColumnKinds.Find(view.Schema["X"].Type)!), new("C", view.Schema["C"].Type, ColumnKinds.Find(view.Schema["C"].Type)!)];
        var table = EvaluationTable.Read(view, columns);
        foreach (var c in columns) c.RealCategoryCount = c.CategoryCount;
        return table;
    }

    private static EvaluationTable ReadTable(MLContext ml, IDataView view, EvaluationColumn[] columns) => EvaluationTable.Read(view, columns);

    [TestMethod]
    public void AucF1AndAccuracyOfSmallCases()
    {
        Assert.AreEqual(1.0, BinaryClassifier.Auc([0.1f, 0.2f, 0.8f, 0.9f], [false, false, true, true]), Tolerance);
        Assert.AreEqual(0.5, BinaryClassifier.Auc([1f, 1f, 1f, 1f], [false, true, false, true]), Tolerance);
        Assert.AreEqual(0.75, BinaryClassifier.Auc([0.1f, 0.5f, 0.4f, 0.9f], [false, false, true, true]), Tolerance);
        // tp 1, fp 1, fn 1 → F1 = 2 / 4
        Assert.AreEqual(0.5, BinaryClassifier.F1([true, true, false, false], [true, false, true, false]), Tolerance);
        Assert.AreEqual(0.5, BinaryClassifier.Accuracy([true, true, false, false], [true, false, true, false]), Tolerance);
    }

    public sealed class Tokens { public string Region { get; set; } = ""; }

    [TestMethod]
    public void MissingTokensCountAsMissing()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(new[] { "a", "?", "b", "a" }.Select(r => new Tokens { Region = r }).ToList());
        var synthetic = ml.Data.LoadFromEnumerable(new[] { "a", "a", "", "b" }.Select(r => new Tokens { Region = r }).ToList());
        var plain = ml.Gan().Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { DetectionFolds = 2 });
        Assert.AreEqual(0.0, plain.Columns[0].RealMissingRate, "without tokens '?' is a category");
        var withToken = ml.Gan().Evaluate(real, synthetic, new SyntheticDataEvaluationOptions { DetectionFolds = 2, MissingCategoryTokens = ["?"] });
        Assert.AreEqual(0.25, withToken.Columns[0].RealMissingRate);
        Assert.AreEqual(0.25, withToken.Columns[0].SyntheticMissingRate);
        // '?' and empty are then the same (missing) value: real {a: 2, b: 1, missing: 1} = synthetic {a: 2, b: 1, missing: 1}.
        Assert.AreEqual(1.0, withToken.Columns[0].ShapeScore, 1e-12);
    }

    [TestMethod]
    public void WeighedValuesCountAsTheyWouldRepeated()
    {
        // A weight of 2 counts as the value twice, a weight of 0 leaves it out as a missing value is left out.
        double[] a = [1, 2, 3, 4, 5];
        Assert.AreEqual(ColumnStatistics.KolmogorovSmirnov(a, [1, 1, 2, 4]), ColumnStatistics.KolmogorovSmirnov(a, [1, 2, 4, 5], [2, 1, 1, 0]), 1e-12);
        Assert.AreEqual(ColumnStatistics.KolmogorovSmirnov(a, [3, 3, 3]), ColumnStatistics.KolmogorovSmirnov(a, [3, double.NaN, 9], [0.5, 1, 0]), 1e-12);
        Assert.AreEqual(1, ColumnStatistics.KolmogorovSmirnov(a, [1, 2], [0, 0]), "no value of positive weight: nothing in common");
        Assert.AreEqual(ColumnStatistics.TotalVariation([0, 1, 1, 2], [0, 0, 1], 3), ColumnStatistics.TotalVariation([0, 1, 1, 2], [0, 1, 2], 3, [2, 1, 0]), 1e-12);
        Assert.AreEqual(1 / 6.0, ColumnStatistics.TotalVariation([0, 1, 1, 2], [0, 1, 2], 3), 1e-12, "unweighed as before: ½ (1/12 + 1/6 + 1/12)");
    }
}
