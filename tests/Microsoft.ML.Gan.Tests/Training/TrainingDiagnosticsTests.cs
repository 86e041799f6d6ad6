using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>Quality checks while training: scores, mode collapse, best-epoch selection, early stopping.</summary>
[TestClass]
public sealed class TrainingDiagnosticsTests
{
    private static IDataView Mixture(MLContext ml) =>
        ml.Data.LoadFromEnumerable(TestTables.TwoGaussians(1000, 2).Select(v => new TestTables.Scalar { Value = v }));

    /// <summary>The seed's GAN, small: these tests are about the checks, not the model.</summary>
    private static GanTrainer.Options Small(int epochs, int interval)
    {
        var options = GanTrainer.Options.Classic();
        options.Epochs = epochs;
        options.BatchSize = 100;
        options.NoiseDimension = 8;
        options.GeneratorLayers = [32, 32];
        options.DiscriminatorLayers = [32, 32];
        options.DiscriminatorDropout = 0;
        options.Seed = 3;
        options.ValidationInterval = interval;
        options.ValidationRows = 1000;
        options.TrainingThreads = 1; // tests here compare trainings: a model is reproducible for a seed and a thread count
        return options;
    }

    [TestMethod]
    public void ChecksAreScoredEveryIntervalAndInTheLastEpoch()
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 25, interval: 10)).Fit(Mixture(ml));
        CollectionAssert.AreEqual(new[] { 10, 20, 25 }, model.History.Where(h => h.WasValidated).Select(h => h.Epoch).ToArray());
        Assert.IsTrue(model.History.Where(h => h.WasValidated).All(h => h.ValidationScore is > 0 and <= 1));
        Assert.IsTrue(model.History.Where(h => !h.WasValidated).All(h => h.CollapsedModes is { Count: 0 }));
        // The score tracks learning: the trained generator matches the mixture better than after 10 epochs.
        Assert.IsGreaterThan(model.History[9].ValidationScore, model.History[^1].ValidationScore);
        Assert.AreEqual(25, model.SelectedEpoch);
    }

    [TestMethod]
    public void ChecksDoNotChangeTraining()
    {
        var ml = new MLContext(1);
        using var without = ml.Gan().Train(Small(epochs: 6, interval: 0)).Fit(Mixture(ml));
        using var with = ml.Gan().Train(Small(epochs: 6, interval: 2)).Fit(Mixture(ml));
        Assert.IsFalse(without.History.Any(h => h.WasValidated));
        CollectionAssert.AreEqual(TestTables.Dump(without.Generate(300, seed: 1)), TestTables.Dump(with.Generate(300, seed: 1)));
    }

    [TestMethod]
    public void ACollapsedCategoryAndASkippedRangeAreReported()
    {
        // A generator whose output layer ignores the noise: one category always wins and the number sits at one point.
        var ml = new MLContext(1);
        var rows = TestTables.MixedRows(600, seed: 4);
        var settings = new ColumnFitSettings(new HashSet<string> { "", "?" }, 100);
        var (encoder, encoded) = TabularEncoder.Fit(ml.Data.LoadFromEnumerable(rows), ["Height", "City"], settings, () => { });
        using var _ = encoded;
        using var generator = new GeneratorNetwork(new GeneratorShape(4, 0, [8], encoder.Width, BatchNorm: false, Residual: false));
        using (no_grad())
        {
            generator.Output.weight!.zero_();
            var bias = new float[encoder.Width];
            var city = (TextColumn)encoder.Columns[1];
            bias[1 + Array.IndexOf(city.Levels, "Oslo")] = 20; // Height takes float 0; City's span follows
            generator.Output.bias!.copy_(tensor(bias));
        }
        var diagnostics = new TrainingDiagnostics(encoder, null, encoded, 500, NoisePrior.Gaussian, 4, seed: 1);
        var result = diagnostics.Measure(generator, CategorySampling.Sample);
        foreach (string city in new[] { "Lima", "Pune", "Kyiv", "?" })
            Assert.IsTrue(result.Collapsed.Any(c => c.StartsWith($"City = '{city}'")), $"City '{city}' reported: {string.Join(" | ", result.Collapsed)}");
        Assert.IsFalse(result.Collapsed.Any(c => c.StartsWith("City = 'Oslo'")));
        Assert.IsGreaterThanOrEqualTo(8, result.Collapsed.Count(c => c.StartsWith("Height ")), "all Height deciles but the one at the generated value");
        Assert.IsLessThan(0.5, result.Score);
    }

    [TestMethod]
    public void KeepBestEpochKeepsTheBestCheckedGenerator()
    {
        var ml = new MLContext(1);
        // Without batch norm: the generator is its weights alone (batch-norm calibration after training draws noise
        // from training's random source, which 60 epochs leave elsewhere than 54 do).
        GanTrainer.Options Options(int epochs)
        {
            var options = Small(epochs, interval: 3);
            options.GeneratorBatchNorm = false;
            return options;
        }
        var options = Options(60);
        options.KeepBestEpoch = true;
        using var model = ml.Gan().Train(options).Fit(Mixture(ml));
        var best = model.History.Where(h => h.WasValidated).MaxBy(h => h.ValidationScore)!;
        Assert.AreEqual(best.Epoch, model.SelectedEpoch);
        Assert.AreNotEqual(model.History.Count, best.Epoch, "the best check is not the last epoch, so keeping it matters");

        // The kept generator is the best epoch's: training stopped at that epoch (same seed; checks do not change
        // training) generates the same rows, and the last epoch's generator does not.
        using var atBest = ml.Gan().Train(Options(best.Epoch)).Fit(Mixture(ml));
        using var last = ml.Gan().Train(Options(60)).Fit(Mixture(ml));
        var rows = TestTables.Dump(model.Generate(300, seed: 2));
        CollectionAssert.AreEqual(TestTables.Dump(atBest.Generate(300, seed: 2)), rows);
        CollectionAssert.AreNotEqual(TestTables.Dump(last.Generate(300, seed: 2)), rows);

        string path = Path.Combine(Path.GetTempPath(), $"gan-best-{Guid.NewGuid():N}.zip");
        try
        {
            model.Save(path);
            using var loaded = ml.Gan().LoadModel(path);
            Assert.AreEqual(model.SelectedEpoch, loaded.SelectedEpoch);
            CollectionAssert.AreEqual(model.History.ToList(), loaded.History.ToList());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void EarlyStoppingStopsAfterChecksWithoutImprovement()
    {
        var ml = new MLContext(1);
        var options = Small(epochs: 400, interval: 1);
        options.EarlyStoppingPatience = 2;
        using var model = ml.Gan().Train(options).Fit(Mixture(ml));
        Assert.IsLessThan(400, model.History.Count, "training stopped early");
        var scores = model.History.Select(h => h.ValidationScore).ToList();
        double bestBefore = scores.Take(scores.Count - 2).Max();
        Assert.IsTrue(scores.Skip(scores.Count - 2).All(s => s <= bestBefore), "the last two checks did not improve on the best");
    }

    [TestMethod]
    public void SelectionWithoutChecksIsRejected()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(new GanTrainer.Options { KeepBestEpoch = true, ValidationInterval = 0 }));
        Assert.AreEqual("ValidationInterval", e.ParamName);
    }

    [TestMethod]
    public void ADivergingRunStopsWithAnExceptionInsteadOfReturningABrokenModel()
    {
        var ml = new MLContext(1);
        var options = Small(epochs: 50, interval: 0);
        options.Optimizer = GanOptimizerKind.SgdMomentum;
        options.GeneratorLearningRate = options.DiscriminatorLearningRate = 1e30;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(options).Fit(Mixture(ml)));
        StringAssert.Contains(e.Message, "Training diverged in epoch");
        StringAssert.Contains(e.Message, "Lower the learning rates");
    }
}
