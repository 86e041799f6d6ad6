using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Evaluation;

/// <summary>The metrics at their limits, efficacy, determinism and bad input.</summary>
[TestClass]
public sealed class EvaluationLimitTests
{
    public sealed class Correlated
    {
        public float X { get; set; }
        public double Y { get; set; }
        public int Z { get; set; }
        public string C { get; set; } = "";
        public bool Flag { get; set; }
    }

    /// <summary>Y ≈ 2X, Z ≈ X, C and Flag follow the sign and size of X: strong pairwise structure.</summary>
    private static Correlated[] CorrelatedRows(int rows, int seed)
    {
        var random = new Random(seed);
        var list = new Correlated[rows];
        for (int i = 0; i < rows; i++)
        {
            double x = TestTables.Normal(random);
            list[i] = new Correlated
            {
                X = (float)x,
                Y = random.NextDouble() < 0.05 ? double.NaN : 2 * x + 0.1 * TestTables.Normal(random),
                Z = (int)Math.Round(3 * x + TestTables.Normal(random) * 0.3),
                C = x < -0.5 ? "low" : x < 0.5 ? "mid" : random.NextDouble() < 0.1 ? "" : "high",
                Flag = x > 0,
            };
        }
        return list;
    }

    [TestMethod]
    public void IdenticalTablesScoreOneAndAreAllCopies()
    {
        var ml = new MLContext(1);
        var rows = CorrelatedRows(400, 1);
        var m = ml.Gan().Evaluate(ml.Data.LoadFromEnumerable(rows), ml.Data.LoadFromEnumerable(rows));
        Assert.AreEqual(1.0, m.ColumnShapesScore, 1e-12);
        Assert.AreEqual(1.0, m.ColumnPairTrendsScore, 1e-12);
        Assert.AreEqual(10, m.ColumnPairs.Count);
        Assert.AreEqual(1.0, m.Privacy.ExactCopyShare, 1e-12);
        Assert.AreEqual(0.0, m.Privacy.SyntheticDcrMedian, 1e-12);
        Assert.IsTrue(m.Columns.All(c => c.OutOfRangeCount == 0 && c.UnseenCategoryRows == 0));
        Assert.IsNotNull(m.Detection);
        Assert.IsLessThan(0.65, m.Detection.MeanAuc);   // identical rows cannot be told apart
    }

    [TestMethod]
    public void ShuffledColumnsKeepShapesButLosePairTrends()
    {
        var ml = new MLContext(1);
        var rows = CorrelatedRows(1000, 2);
        var random = new Random(3);
        var shuffled = rows.Select(r => new Correlated()).ToArray();
        var order = Enumerable.Range(0, rows.Length).ToArray();
        random.Shuffle(order); for (int i = 0; i < rows.Length; i++) shuffled[i].X = rows[order[i]].X;
        random.Shuffle(order); for (int i = 0; i < rows.Length; i++) shuffled[i].Y = rows[order[i]].Y;
        random.Shuffle(order); for (int i = 0; i < rows.Length; i++) shuffled[i].Z = rows[order[i]].Z;
        random.Shuffle(order); for (int i = 0; i < rows.Length; i++) shuffled[i].C = rows[order[i]].C;
        random.Shuffle(order); for (int i = 0; i < rows.Length; i++) shuffled[i].Flag = rows[order[i]].Flag;
        var m = ml.Gan().Evaluate(ml.Data.LoadFromEnumerable(rows), ml.Data.LoadFromEnumerable(shuffled));
        Assert.IsGreaterThan(0.999, m.ColumnShapesScore);
        Assert.IsLessThan(0.75, m.ColumnPairTrendsScore);
        var xy = m.ColumnPairs.Single(p => p.First == "X" && p.Second == "Y");
        Assert.IsGreaterThan(0.95, xy.RealCorrelation!.Value);
        Assert.IsLessThan(0.1, Math.Abs(xy.SyntheticCorrelation!.Value));
        Assert.IsGreaterThan(0.8, m.Detection!.MeanAuc);   // broken dependencies are easy to detect
    }

    [TestMethod]
    public void ConstantTableIsDetectedAndAFreshSampleIsNot()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(CorrelatedRows(1500, 4));
        var constant = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 1500).Select(_ => new Correlated { X = 0.1f, Y = 0.2, Z = 0, C = "mid", Flag = true }));
        var fresh = ml.Data.LoadFromEnumerable(CorrelatedRows(1500, 5));
        var detected = ml.Gan().Evaluate(real, constant);
        var hidden = ml.Gan().Evaluate(real, fresh);
        Assert.IsGreaterThan(0.9, detected.Detection!.MeanAuc);
        Assert.IsLessThan(0.65, hidden.Detection!.MeanAuc);
        Assert.AreEqual(5, hidden.Detection.FoldAucs.Count);
        Assert.AreEqual(1500, hidden.Detection.RowsPerClass);
        Assert.IsGreaterThan(0.9, hidden.ColumnShapesScore);
        Assert.IsGreaterThan(0.9, hidden.ColumnPairTrendsScore);
    }

    public sealed class Labelled
    {
        public float Signal { get; set; }
        public float Noise { get; set; }
        public string Group { get; set; } = "";
        public bool Label { get; set; }
    }

    private static Labelled[] LabelledRows(int rows, int seed, bool randomLabels = false)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ =>
        {
            double s = TestTables.Normal(random);
            return new Labelled
            {
                Signal = (float)s,
                Noise = (float)TestTables.Normal(random),
                Group = random.Next(3) switch { 0 => "g0", 1 => "g1", _ => "g2" },
                Label = randomLabels ? random.NextDouble() < 0.5 : s > 0.5,
            };
        }).ToArray();
    }

    [TestMethod]
    public void EfficacyDropsWhenSyntheticLabelsAreRandom()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(LabelledRows(1000, 6));
        var holdout = ml.Data.LoadFromEnumerable(LabelledRows(500, 7));
        var good = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(LabelledRows(1000, 8)), "Label", holdout, seed: 3);
        var bad = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(LabelledRows(1000, 9, randomLabels: true)), "Label", holdout, seed: 3);
        Assert.IsNotNull(good.Efficacy, good.EfficacySkippedReason);
        Assert.AreEqual("True", good.Efficacy.PositiveClass);   // about 31 % of rows: the less frequent class
        Assert.AreEqual(500, good.Efficacy.HoldoutRows);
        Assert.IsGreaterThan(0.85, good.Efficacy.TrainedOnReal.F1);
        Assert.IsGreaterThan(0.85, good.Efficacy.TrainedOnSynthetic.F1);
        Assert.IsGreaterThan(0.9, good.Efficacy.F1Ratio);
        Assert.IsNotNull(bad.Efficacy);
        Assert.AreEqual(good.Efficacy.TrainedOnReal, bad.Efficacy.TrainedOnReal);   // same real rows, same seed
        Assert.IsLessThan(good.Efficacy.TrainedOnReal.F1 - 0.3, bad.Efficacy.TrainedOnSynthetic.F1);
        Assert.IsLessThan(0.75, bad.Efficacy.TrainedOnSynthetic.Auc);
        Assert.IsNotNull(good.Privacy.HoldoutDcrMedian);
        StringAssert.Contains(good.Summary(), "trained on synthetic");
    }

    public sealed class Graded
    {
        public float Signal { get; set; }
        public float Noise { get; set; }
        public string Grade { get; set; } = "";
        public float Target { get; set; }
    }

    /// <summary>A grade (three classes) and a numeric target, both set by Signal; random ones when asked.</summary>
    private static Graded[] GradedRows(int rows, int seed, bool random = false)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ =>
        {
            double s = TestTables.Normal(r);
            double g = random ? TestTables.Normal(r) : s;
            return new Graded
            {
                Signal = (float)s,
                Noise = (float)TestTables.Normal(r),
                Grade = g < -0.5 ? "low" : g < 0.5 ? "mid" : "high",
                Target = (float)(random ? 3 * TestTables.Normal(r) : 3 * s + 0.1 * TestTables.Normal(r)),
            };
        }).ToArray();
    }

    [TestMethod]
    public void MulticlassEfficacyUsesMeanF1AndDropsForRandomClasses()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(GradedRows(900, 10));
        var holdout = ml.Data.LoadFromEnumerable(GradedRows(450, 11));
        var options = new SyntheticDataEvaluationOptions { Columns = ["Signal", "Noise", "Grade"], LabelColumn = "Grade", HoldoutReal = holdout, Seed = 2, DetectionFolds = 2 };
        var good = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(GradedRows(900, 12)), options);
        var bad = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(GradedRows(900, 13, random: true)), options);
        Assert.IsNotNull(good.Efficacy, good.EfficacySkippedReason);
        Assert.AreEqual(EfficacyTask.MulticlassClassification, good.Efficacy.Task);
        Assert.IsNull(good.Efficacy.PositiveClass);
        Assert.IsGreaterThan(0.85, good.Efficacy.TrainedOnReal.F1);
        Assert.IsGreaterThan(0.85, good.Efficacy.TrainedOnReal.Accuracy);
        Assert.IsGreaterThan(0.9, good.Efficacy.F1Ratio);
        Assert.IsTrue(double.IsNaN(good.Efficacy.TrainedOnReal.Auc));
        Assert.IsLessThan(0.6, bad.Efficacy!.TrainedOnSynthetic.F1, "classes unrelated to the features cannot be learned");
        StringAssert.Contains(good.Summary(), "MulticlassClassification");
    }

    [TestMethod]
    public void RegressionEfficacyUsesRSquaredAndDropsForARandomTarget()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(GradedRows(900, 20));
        var holdout = ml.Data.LoadFromEnumerable(GradedRows(450, 21));
        var options = new SyntheticDataEvaluationOptions { Columns = ["Signal", "Noise", "Target"], LabelColumn = "Target", HoldoutReal = holdout, Seed = 2, DetectionFolds = 2 };
        var good = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(GradedRows(900, 22)), options);
        var bad = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(GradedRows(900, 23, random: true)), options);
        Assert.IsNotNull(good.Efficacy, good.EfficacySkippedReason);
        Assert.AreEqual(EfficacyTask.Regression, good.Efficacy.Task);
        Assert.IsGreaterThan(0.9, good.Efficacy.TrainedOnReal.RSquared);
        Assert.IsGreaterThan(0.9, good.Efficacy.RSquaredRatio);
        Assert.IsLessThan(1.0, good.Efficacy.TrainedOnReal.MeanAbsoluteError, "the target spans about ±9; a good fit is off by far less");
        Assert.IsLessThan(0.2, bad.Efficacy!.TrainedOnSynthetic.RSquared, "a target unrelated to the features explains nothing");
        Assert.IsTrue(double.IsNaN(good.Efficacy.F1Ratio));
    }

    [TestMethod]
    public void ALabelWithOneClassSkipsEfficacyWithAReason()
    {
        var ml = new MLContext(1);
        var rows = LabelledRows(60, 10).Select(r => { r.Group = "only"; return r; }).ToArray();
        var view = ml.Data.LoadFromEnumerable(rows);
        var m = ml.Gan().Evaluate(view, view, new SyntheticDataEvaluationOptions { LabelColumn = "Group", HoldoutReal = view, DetectionFolds = 2 });
        Assert.IsNull(m.Efficacy);
        StringAssert.Contains(m.EfficacySkippedReason!, "1 class(es)");
    }

    [TestMethod]
    public void SameSeedSameMetrics()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(TestTables.MixedRows(600, 11));
        var synthetic = ml.Data.LoadFromEnumerable(TestTables.MixedRows(600, 12));
        var options = new SyntheticDataEvaluationOptions { Seed = 5, MaximumRows = 400, PrivacyRows = 100 };
        var a = ml.Gan().Evaluate(real, synthetic, options);
        var b = new MLContext(99).Gan().Evaluate(real, synthetic, options);
        Assert.AreEqual(a.Summary(), b.Summary());
        CollectionAssert.AreEqual(a.Detection!.FoldAucs.ToArray(), b.Detection!.FoldAucs.ToArray());
        Assert.AreEqual(7, a.Columns.Count);
        Assert.AreEqual(21, a.ColumnPairs.Count);
        Assert.AreEqual(100, a.Privacy.DcrRows);
        StringAssert.Contains(a.ToString(), "Column shapes");
    }

    [TestMethod]
    public void KeyColumnsAreCategories()
    {
        var ml = new MLContext(1);
        var rows = ml.Data.LoadFromEnumerable(TestTables.MixedRows(200, 13));
        var keyed = ml.Transforms.Conversion.MapValueToKey("City").Fit(rows).Transform(rows);
        var m = ml.Gan().Evaluate(keyed, keyed, new SyntheticDataEvaluationOptions { Columns = ["City", "Age"] });
        var city = m.Columns.Single(c => c.Name == "City");
        Assert.AreEqual(ComparedColumnKind.Categorical, city.Kind);
        Assert.AreEqual(1.0, city.ShapeScore, 1e-12);
        Assert.AreEqual(1.0, m.ColumnPairTrendsScore, 1e-12);
    }

    public sealed class AgeAsFloat { public float Age { get; set; } }
    public sealed class AgeAsInt { public int Age { get; set; } }
    public sealed class OtherColumn { public int Years { get; set; } }
    public sealed class WithVector { [VectorType(2)] public float[] V { get; set; } = new float[2]; public int Age { get; set; } }

    [TestMethod]
    public void MismatchedTypeIsNamedInTheException()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(new[] { new AgeAsInt { Age = 3 } });
        var synthetic = ml.Data.LoadFromEnumerable(new[] { new AgeAsFloat { Age = 3 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Evaluate(real, synthetic));
        StringAssert.Contains(e.Message, "'Age'");
        StringAssert.Contains(e.Message, "Int32");
        StringAssert.Contains(e.Message, "Single");
    }

    [TestMethod]
    public void MissingColumnIsNamedInTheException()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(new[] { new AgeAsInt { Age = 3 } });
        var synthetic = ml.Data.LoadFromEnumerable(new[] { new OtherColumn { Years = 3 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Evaluate(real, synthetic));
        StringAssert.Contains(e.Message, "'Age'");
        StringAssert.Contains(e.Message, "missing from the synthetic table");
        var holdout = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Gan().Evaluate(real, real, new SyntheticDataEvaluationOptions { HoldoutReal = synthetic }));
        StringAssert.Contains(holdout.Message, "holdout");
        var unknown = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Gan().Evaluate(real, real, new SyntheticDataEvaluationOptions { Columns = ["Nope"] }));
        StringAssert.Contains(unknown.Message, "'Nope'");
    }

    [TestMethod]
    public void UnsupportedColumnTypeIsNamedAndOptionsAreChecked()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(new[] { new WithVector { Age = 1 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Evaluate(view, view));
        StringAssert.Contains(e.Message, "'V'");
        var fine = ml.Gan().Evaluate(view, view, new SyntheticDataEvaluationOptions { Columns = ["Age"] });
        Assert.AreEqual(1, fine.Columns.Count);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Gan().Evaluate(view, view, new SyntheticDataEvaluationOptions { Columns = ["Age"], DetectionFolds = 1 }));
    }
}
