using Microsoft.ML;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// Training frees every native object itself. TorchSharp leaves a Scalar made from a C# number to the finalizer, which
/// may free it while libtorch still reads it: under garbage-collection pressure from other threads that aborted the
/// process inside libtorch (the soak benchmark found it). These tests fail on any TorchSharp object a training leaves
/// to the finalizer, whatever the losses, optimizer and layers, beyond the empty wrappers TorchSharp's module
/// constructors leave (see below).
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class NativeLifetimeTests
{
    [TestMethod]
    [DataRow("defaults")] // WGAN-GP, Adam, batch norm, residual, conditional, pac, dropout; validation every epoch; the density-ratio filter
    [DataRow("minimax")] // with momentum SGD, uniform noise, keep-best
    [DataRow("no batch norm")] // non-saturating, no dropout
    public void TrainingLeavesNothingToTorchSharpsFinalizer(string setup)
    {
        var options = setup switch
        {
            "defaults" => new GanTrainer.Options { ValidationInterval = 1, ValidationRows = 200 },
            "minimax" => Classic(o =>
            {
                o.Loss = GanLossKind.Minimax;
                o.Optimizer = GanOptimizerKind.SgdMomentum;
                o.NoisePrior = NoisePrior.Uniform;
                o.ValidationInterval = 1;
                o.ValidationRows = 200;
                o.KeepBestEpoch = true;
            }),
            _ => Classic(o =>
            {
                o.GeneratorBatchNorm = false;
                o.DiscriminatorDropout = 0;
            }),
        };
        options.BatchSize = 50;
        options.GeneratorLayers = [16, 16];
        options.DiscriminatorLayers = [16];
        options.Seed = 4;
        options.TrainingThreads = 1;

        foreach (int epochs in new[] { 1, 4 })
        {
            var (left, parameters) = Finalized(options, epochs);
            // The filter's classifier is a module too: a weight and a bias a layer.
            if (options.DensityRatioFilter) parameters += 2 * (Microsoft.ML.Gan.Training.DensityRatioTraining.Hidden.Length + 1);
            // TorchSharp's own module constructors leave one empty tensor wrapper per parameter to the finalizer (its
            // handle moved into the Parameter, so it frees nothing): exactly that many, however long the training.
            var expected = new List<string> { $"{typeof(TorchSharp.torch.Tensor).FullName} × {parameters}" };
            CollectionAssert.AreEqual(expected, left,
                $"{setup}, {epochs} epoch(s): left to the finalizer: {string.Join("; ", left)} (expected only the {parameters} wrappers of the networks' parameters)");
        }
    }

    [TestMethod]
    public void NoiseDrawnOutsideADisposeScopeLeavesNothingToTheFinalizer()
    {
        // Training draws its noise inside dispose scopes, which hold every temporary; a draw outside one must make none,
        // or the finalizer may free a temporary while the native call that reads it still runs (a uniform draw's
        // u * 2 - 1 once came back with a mean of -1.5e25 in a CI run).
        using var finalizations = new TorchFinalizations();
        finalizations.Settle();
        var before = finalizations.Snapshot();
        using (var random = new TorchSharp.torch.Generator(3))
            foreach (var prior in new[] { NoisePrior.Gaussian, NoisePrior.Uniform })
                using (var noise = Microsoft.ML.Gan.Training.NoiseBatches.Draw(prior, 100, 8, TorchSharp.torch.CPU, random))
                    Assert.AreEqual(800L, noise.numel());
        finalizations.Settle();
        CollectionAssert.AreEqual(new List<string>(), finalizations.Since(before), string.Join("; ", finalizations.Since(before)));
    }

    /// <summary>
    /// What a training of <paramref name="epochs"/> epochs, generating and disposing its model, left to the finalizer,
    /// and how many parameters its two networks have.
    /// </summary>
    private static (List<string> Left, int Parameters) Finalized(GanTrainer.Options options, int epochs)
    {
        options.Epochs = epochs;
        int parameters = 0;
        options.TrainingStarted = parts => parameters = parts.Generator.parameters().Count() + parts.Discriminator.parameters().Count();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestTables.MixedRows(300, seed: 2));
        using var finalizations = new TorchFinalizations();
        finalizations.Settle();
        var before = finalizations.Snapshot();
        using (var model = ml.Gan().Train(options).Fit(data))
            Assert.AreEqual(50L, model.Generate(50, seed: 1).GetRowCount());
        finalizations.Settle();
        Assert.IsGreaterThan(0, parameters);
        return (finalizations.Since(before), parameters);
    }

    private static GanTrainer.Options Classic(Action<GanTrainer.Options> change)
    {
        var options = GanTrainer.Options.Classic();
        change(options);
        return options;
    }
}
