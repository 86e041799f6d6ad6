using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Which numeric columns are normalised mode by mode: every one, none, or (the default, <see cref="ContinuousNormalization.Auto"/>)
/// those with enough present training values for a mixture.
/// </summary>
[TestClass]
public sealed class ContinuousNormalizationTests
{
    private sealed class Row
    {
        public float Full { get; set; }
        public float Sparse { get; set; }
    }

    /// <summary>
    /// 1,200 rows; both columns plainly bimodal (around 10 and 1,000), Full present in every row, Sparse in 300 only
    /// (NaN elsewhere): the rows a mixture would be fitted on differ, the shape does not.
    /// </summary>
    private static IDataView Table()
    {
        var random = new Random(4);
        double Bimodal(int i) => (i % 3 == 0 ? 1000 : 10) + random.NextDouble() - 0.5;
        var rows = Enumerable.Range(0, 1200).Select(i => new Row { Full = (float)Bimodal(i), Sparse = i % 4 == 0 ? (float)Bimodal(i / 4) : float.NaN }).ToList();
        return new MLContext(1).Data.LoadFromEnumerable(rows);
    }

    /// <summary>The number of Gaussian modes each of the two columns is normalised with, fitted as GanTrainer.Fit fits them.</summary>
    private static (int Full, int Sparse) ModesOf(GanTrainer.Options options)
    {
        var (encoder, encoded) = TabularEncoder.Fit(Table(), ["Full", "Sparse"], GanTrainer.ColumnSettings(options, seed: 1), () => { });
        encoded.Dispose();
        return (((NumericColumn)encoder.Columns[0]).ModeCount, ((NumericColumn)encoder.Columns[1]).ModeCount);
    }

    [TestMethod]
    public void AutoGivesModesOnlyToColumnsWithEnoughPresentValues()
    {
        var defaults = new GanTrainer.Options();
        Assert.AreEqual(ContinuousNormalization.Auto, defaults.ContinuousNormalization);
        Assert.AreEqual(1000, defaults.ModeSpecificMinimumValues);

        var (full, sparse) = ModesOf(defaults);
        Assert.AreEqual(2, full, "1,200 present values: fitted mode by mode");
        Assert.AreEqual(0, sparse, "300 present values (the 900 missing do not count): min-max");

        Assert.AreEqual((2, 2), ModesOf(new GanTrainer.Options { ModeSpecificMinimumValues = 300 }), "the threshold is the option, and 300 values reach 300");
        Assert.AreEqual((0, 0), ModesOf(new GanTrainer.Options { ModeSpecificMinimumValues = 1201 }));
        Assert.AreEqual((2, 2), ModesOf(new GanTrainer.Options { ContinuousNormalization = ContinuousNormalization.ModeSpecific }), "mode-specific fits every column");
        Assert.AreEqual((0, 0), ModesOf(new GanTrainer.Options { ContinuousNormalization = ContinuousNormalization.MinMax }));
    }

    [TestMethod]
    public void TheThresholdMustBePositive()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GanTrainer.Options { ModeSpecificMinimumValues = 0 }.Validate());
        StringAssert.Contains(error.Message, "ModeSpecificMinimumValues");
    }

    [TestMethod]
    public void AModelKeepsItsNormalisationChoiceThroughSaveAndLoad()
    {
        var ml = new MLContext(1);
        var options = new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, ModeSpecificMinimumValues = 250,
            ValidationInterval = 0, DensityRatioFilter = false,
        };
        using var model = ml.Gan().Train(options).Fit(Table());
        Assert.AreEqual((2, 2), (((NumericColumn)model.Model.Encoder.Columns[0]).ModeCount, ((NumericColumn)model.Model.Encoder.Columns[1]).ModeCount));
        var path = Path.Combine(Path.GetTempPath(), $"gan-normalisation-{Guid.NewGuid():N}.zip");
        model.Save(path);
        using var loaded = ml.Gan().LoadModel(path);
        File.Delete(path);
        var kept = loaded.Model.Training.ToOptions();
        Assert.AreEqual(ContinuousNormalization.Auto, kept.ContinuousNormalization);
        Assert.AreEqual(250, kept.ModeSpecificMinimumValues);
        Assert.AreEqual(2, ((NumericColumn)loaded.Model.Encoder.Columns[1]).ModeCount, "the fitted modes themselves travel with the model");
        Assert.AreEqual(2, loaded.Columns[1].NormalizationModes, "and the user sees them");

        using var small = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, ValidationInterval = 0, DensityRatioFilter = false,
        }).Fit(Table());
        Assert.AreEqual((2, 0), (small.Columns[0].NormalizationModes, small.Columns[1].NormalizationModes), "the defaults: modes for 1,200 values, min-max for 300");
    }
}
