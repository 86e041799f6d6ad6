using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Rank normalisation (<see cref="RankScale"/>): a value's level among the training values, decoded through their
/// quantiles; which columns get it (every one with <see cref="ContinuousNormalization.Rank"/>, the small skewed ones
/// without a spike with <see cref="ContinuousNormalization.Auto"/>), and that it travels with the model.
/// </summary>
[TestClass]
public sealed class RankNormalizationTests
{
    private sealed class Row
    {
        public float Skewed { get; set; }
        public float Even { get; set; }
        public float Spiky { get; set; }
    }

    /// <summary>
    /// Skewed: a log-normal with σ 1.5 (skewness far above 2), a few values missing; Even: uniform on [0, 100]
    /// (skewness near 0); Spiky: 0 in a third of the rows (a spike), the same log-normal in the others.
    /// </summary>
    private static IDataView Table(int rows)
    {
        var random = new Random(7);
        var list = Enumerable.Range(0, rows).Select(i => new Row
        {
            Skewed = i % 25 == 3 ? float.NaN : (float)Math.Exp(1.5 * TestTables.Normal(random)),
            Even = (float)(100 * random.NextDouble()),
            Spiky = i % 3 == 0 ? 0 : (float)Math.Exp(1.5 * TestTables.Normal(random)),
        }).ToList();
        return new MLContext(1).Data.LoadFromEnumerable(list);
    }

    /// <summary>Whether each column is rank-normalised, and the skewed one's modes, fitted as GanTrainer.Fit fits them.</summary>
    private static (bool Skewed, bool Even, bool Spiky, int SkewedModes) RankedOf(GanTrainer.Options options, int rows = 300)
    {
        var (encoder, encoded) = TabularEncoder.Fit(Table(rows), ["Skewed", "Even", "Spiky"], GanTrainer.ColumnSettings(options, seed: 1), () => { });
        encoded.Dispose();
        bool Ranked(int c) => ((NumericColumn)encoder.Columns[c]).Rank is not null;
        return (Ranked(0), Ranked(1), Ranked(2), ((NumericColumn)encoder.Columns[0]).ModeCount);
    }

    [TestMethod]
    public void SkewnessIsTheThirdStandardisedMoment()
    {
        Assert.AreEqual(0, RankScale.Skewness([1, 2, 3]), 1e-12, "symmetric");
        // 0, 0, 0, 1: mean 1/4, second moment 3/16, third 3/32: (3/32) / (3/16)^1.5 = 2 / √3.
        Assert.AreEqual(2 / Math.Sqrt(3), RankScale.Skewness([0, 0, 0, 1]), 1e-12);
        Assert.AreEqual(-2 / Math.Sqrt(3), RankScale.Skewness([1, 1, 1, 0]), 1e-12, "a left tail is negative");
        Assert.AreEqual(0, RankScale.Skewness([5, 5, 5, 5]), "a constant column has none");
        Assert.AreEqual(0, RankScale.Skewness([1, 9]), "too few values to say");
    }

    [TestMethod]
    public void ATrainingValueEncodesAtItsMidRankAndDecodesBack()
    {
        // 1.05^0 ... 1.05^199 (1 to about 16,000): bunched at the low end of a linear range, even in ranks.
        var sorted = Enumerable.Range(0, 200).Select(i => Math.Pow(1.05, i)).ToArray();
        sorted[10] = sorted[11] = sorted[12] = sorted[9]; // a run of four equal values, at ranks 9 to 12
        Array.Sort(sorted);
        var scale = RankScale.FromState(RankScale.Fit(sorted), sorted[0], sorted[^1], "x")!;
        for (int i = 0; i < sorted.Length; i++)
        {
            // The scale interpolates between 501 knots, which need not fall on the training values: within a knot's level.
            double level = i is >= 9 and <= 12 ? 10.5 / 199 : i / 199.0;
            Assert.AreEqual(2 * level - 1, scale.Encode(sorted[i]), 2.0 / 500, $"value {i}: its (mid-)rank on [-1, 1]");
            if (i is < 9 or > 12) Assert.AreEqual(sorted[i], scale.Decode(scale.Encode(sorted[i])), 1e-9 * sorted[i], $"value {i} decodes back");
        }
        Assert.AreEqual(sorted[9], scale.Decode(scale.Encode(sorted[9])), 1e-9, "the run decodes to its value");
        Assert.AreEqual(-1, scale.Encode(0), "below the range: the lowest level");
        Assert.AreEqual(1, scale.Encode(1e9), "above it: the highest");
        Assert.AreEqual(sorted[0], scale.Decode(-1));
        Assert.AreEqual(sorted[^1], scale.Decode(1));
        // Halfway in code is the median, where min-max would put the middle of the range (about 10,000 times larger).
        Assert.AreEqual((sorted[99] + sorted[100]) / 2, scale.Decode(0), 1e-9);
    }

    [TestMethod]
    public void AutoRanksSmallSkewedColumnsWithoutASpikeOnly()
    {
        Assert.IsGreaterThan(2, Math.Abs(RankScale.Skewness(TestTables.Column(Table(300), "Spiky").Select(v => (double)(float)v).ToArray())), "the spiky column is skewed too");
        var defaults = new GanTrainer.Options();
        Assert.AreEqual(2.0, defaults.RankMinimumSkewness);
        Assert.AreEqual((true, false, false, 0), RankedOf(defaults), "300 values: the log-normal by rank; the uniform, and the column a third of which is 0, min-max");
        Assert.AreEqual((false, false, false, 0), RankedOf(new GanTrainer.Options { RankMinimumSkewness = double.PositiveInfinity }), "infinity ranks none");
        Assert.AreEqual((true, true, false, 0), RankedOf(new GanTrainer.Options { RankMinimumSkewness = 0 }), "0 ranks every small column without a spike");
        Assert.AreEqual((false, false, false, 0), RankedOf(new GanTrainer.Options { ContinuousNormalization = ContinuousNormalization.MinMax }));
        Assert.IsFalse(RankedOf(new GanTrainer.Options { ContinuousNormalization = ContinuousNormalization.ModeSpecific }).Skewed);

        var large = RankedOf(defaults, rows: 1500);
        Assert.IsFalse(large.Skewed, "1,440 present values: modes, not ranks");
        Assert.IsGreaterThan(0, large.SkewedModes);
        Assert.AreEqual((true, true, true, 0), RankedOf(new GanTrainer.Options { ContinuousNormalization = ContinuousNormalization.Rank }, rows: 1500),
            "Rank ranks every column, large or not, spike or not");
    }

    [TestMethod]
    public void TheThresholdMustBeANumberNotBelowZero()
    {
        foreach (double bad in new[] { -0.5, double.NaN })
        {
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GanTrainer.Options { RankMinimumSkewness = bad }.Validate());
            StringAssert.Contains(error.Message, "RankMinimumSkewness");
        }
        new GanTrainer.Options { RankMinimumSkewness = double.PositiveInfinity }.Validate();
    }

    [TestMethod]
    public void RanksSpreadTheEncodedValuesWhereMinMaxBunchesThem()
    {
        var values = Enumerable.Range(0, 300).Select(i => Math.Exp(1.5 * TestTables.Normal(new Random(i)))).ToArray();
        var kind = (NumericKind)ColumnKinds.Find(NumberDataViewType.Double)!;
        NumericColumn Fitted(RankScale.Choice? rank) => (NumericColumn)kind.Restore(NumericColumn.Fit("x", kind.Name, values, null, rank: rank));
        float[] Encoded(NumericColumn column)
        {
            var matrix = new float[values.Length];
            column.Encode(values, matrix, 1, 0, seed: 1);
            return matrix;
        }
        var ranked = Encoded(Fitted(new RankScale.Choice(2, Spikes: false)));
        var linear = Encoded(Fitted(null));
        // Rank codes are near-uniform on [-1, 1]: their mean is about 0 and half lie above 0; min-max codes crowd at -1.
        Assert.AreEqual(0, ranked.Average(), 0.01);
        Assert.AreEqual(150, ranked.Count(t => t > 0), 1);
        Assert.IsLessThan(-0.8, linear.Average(), "min-max puts the bulk of a log-normal in the lowest tenth");
        Assert.IsLessThan(10, linear.Count(t => t > 0));
    }

    [TestMethod]
    public void AModelKeepsItsRankScaleThroughSaveAndLoadAndTheUserSeesIt()
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, ValidationInterval = 0,
            DensityRatioFilter = false, RankMinimumSkewness = 1.5,
        }).Fit(Table(300));
        Assert.IsTrue(model.Columns[0].RankNormalized, "the log-normal");
        Assert.IsFalse(model.Columns[1].RankNormalized, "the uniform");
        Assert.IsFalse(model.Columns[2].RankNormalized, "the spiky one");
        Assert.AreEqual(0, model.Columns[0].NormalizationModes);

        var path = Path.Combine(Path.GetTempPath(), $"gan-rank-{Guid.NewGuid():N}.zip");
        try
        {
            model.Save(path);
            using var loaded = ml.Gan().LoadModel(path);
            Assert.IsTrue(loaded.Columns[0].RankNormalized);
            Assert.AreEqual(1.5, loaded.Model.Training.ToOptions().RankMinimumSkewness);
            CollectionAssert.AreEqual(((NumericColumn)model.Model.Encoder.Columns[0]).Rank!.Quantiles.ToArray(),
                ((NumericColumn)loaded.Model.Encoder.Columns[0]).Rank!.Quantiles.ToArray(), "the scale itself travels");
            var before = TestTables.Column(model.Generate(500, seed: 3), "Skewed");
            var after = TestTables.Column(loaded.Generate(500, seed: 3), "Skewed");
            CollectionAssert.AreEqual(before, after, "the loaded model generates the same rows");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AFileWrittenBeforeRanksRestoresOptionsThatRankNothing()
    {
        var record = TrainingRecord.From(new GanTrainer.Options());
        Assert.AreEqual(2.0, record.ToOptions().RankMinimumSkewness, "written and read back");
        record.RankMinimumSkewness = null; // as read from a file of format 20 or older
        Assert.AreEqual(double.PositiveInfinity, record.ToOptions().RankMinimumSkewness, "those files ranked no column");
    }
}
