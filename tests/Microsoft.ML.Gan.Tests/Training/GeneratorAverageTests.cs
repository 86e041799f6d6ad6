using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// The moving average of the generator's weights (<see cref="GanTrainer.Options.GeneratorAverageDecay"/>): each update
/// moves the average its share of the way, the trained weights come back exactly, training itself is left as it was, and
/// the model (and a snapshot) is the averaged generator.
/// </summary>
[TestClass]
public sealed class GeneratorAverageTests
{
    [TestMethod]
    public void TheDecayGrowsFromATenthToTheOneAskedFor()
    {
        Assert.AreEqual(0.1, GeneratorAverage.DecayAt(0, 0.999), 1e-12, "the first update takes 90 % of the trained weights");
        Assert.AreEqual(11.0 / 20, GeneratorAverage.DecayAt(10, 0.999), 1e-12);
        Assert.AreEqual(0.999, GeneratorAverage.DecayAt(100_000, 0.999), 1e-12, "later, the decay asked for");
        Assert.AreEqual(0.5, GeneratorAverage.DecayAt(100, 0.5), 1e-12, "a decay below the ramp is used as it is");
    }

    [TestMethod]
    public void EachUpdateMovesTheAverageItsShareAndTheTrainedWeightsComeBackExactly()
    {
        using var generator = new GeneratorNetwork(new GeneratorShape(4, 0, [3], 2, BatchNorm: true, Residual: true));
        var parameters = generator.parameters().ToArray();
        var start = Values(parameters);
        using var average = new GeneratorAverage(generator, 0.999);

        Set(parameters, start.Select(p => p.Select(v => v + 1f).ToArray()).ToArray());
        average.Update(); // decay 0.1: the average goes 90 % of the way from the start to start + 1
        Set(parameters, start.Select(p => p.Select(v => v - 2f).ToArray()).ToArray());
        average.Update(); // decay 2/11: and then 9/11 of the way to start − 2
        var trained = Values(parameters);

        average.UseAverage();
        average.UseAverage(); // twice changes nothing
        var averaged = Values(parameters);
        for (int p = 0; p < start.Length; p++)
            for (int i = 0; i < start[p].Length; i++)
            {
                double first = start[p][i] + 0.9 * 1.0;
                double expected = first + 9.0 / 11 * (start[p][i] - 2.0 - first);
                Assert.AreEqual(expected, averaged[p][i], 1e-5, $"parameter {p}, weight {i}");
            }
        Assert.ThrowsExactly<InvalidOperationException>(() => average.Update(), "no update while the generator holds the average");

        average.UseTrained();
        average.UseTrained();
        var back = Values(parameters);
        for (int p = 0; p < trained.Length; p++) CollectionAssert.AreEqual(trained[p], back[p], "the trained weights come back bit for bit");
    }

    [TestMethod]
    public void AveragingLeavesTrainingAsItWasAndTheModelAndItsSnapshotsAreTheAveragedGenerator()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestTables.MixedRows(400, seed: 4));
        using var plain = ml.Gan().Train(Options(3, 0)).Fit(data);
        using var averaged = ml.Gan().Train(Options(3, 0.99)).Fit(data);
        using var again = ml.Gan().Train(Options(3, 0.99)).Fit(data);

        // The networks' updates never see the average: every epoch's losses are those of the plain run.
        CollectionAssert.AreEqual(plain.History.Select(h => h.GeneratorLoss).ToArray(), averaged.History.Select(h => h.GeneratorLoss).ToArray());
        CollectionAssert.AreEqual(plain.History.Select(h => h.DiscriminatorLoss).ToArray(), averaged.History.Select(h => h.DiscriminatorLoss).ToArray());
        Assert.AreNotEqual(Rows(plain), Rows(averaged), "the model is the averaged generator, not the last update's");
        Assert.AreEqual(Rows(averaged), Rows(again), "the same seed averages the same way");
        Assert.AreEqual(0.99, averaged.Options.GeneratorAverageDecay, "the model says it was averaged");

        var taken = new List<EpochSnapshot>();
        var options = Options(3, 0.99);
        options.Snapshots = new EpochSnapshots(new HashSet<int> { 2 }, taken.Add);
        using var full = ml.Gan().Train(options).Fit(data);
        using var shorter = ml.Gan().Train(Options(2, 0.99)).Fit(data);
        try
        {
            Assert.HasCount(1, taken);
            Assert.AreEqual(Rows(shorter), Rows(taken[0].Model), "a snapshot holds the average as a 2-epoch run returns it");
            Assert.AreEqual(Rows(averaged), Rows(full), "and training goes on from the trained weights, as without it");
        }
        finally
        {
            foreach (var s in taken) s.Model.Dispose();
        }

        var path = Path.Combine(Path.GetTempPath(), $"mlgan-average-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Gan().SaveModel(averaged, data.Schema, path);
            using var loaded = ml.Gan().LoadModel(path);
            Assert.AreEqual(0.99, loaded.Options.GeneratorAverageDecay, "the option is kept in the model file");
            Assert.AreEqual(Rows(averaged), Rows(loaded));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ADecayOutsideZeroToOneIsRefusedByName()
    {
        var ml = new MLContext(1);
        foreach (double decay in new[] { 1, 1.5, -0.1, double.NaN })
        {
            var options = new GanTrainer.Options { GeneratorAverageDecay = decay };
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(options), $"decay {decay}");
            Assert.AreEqual(nameof(GanTrainer.Options.GeneratorAverageDecay), e.ParamName);
        }
        Assert.AreEqual(0, GanTrainer.Options.Classic().GeneratorAverageDecay, "the original GAN is not averaged");
    }

    private static GanTrainer.Options Options(int epochs, double decay) => new()
    {
        Epochs = epochs, BatchSize = 100, GeneratorLayers = [32], DiscriminatorLayers = [32], NoiseDimension = 16, Seed = 5,
        TrainingThreads = 1, Device = GanDevice.Cpu, GeneratorAverageDecay = decay,
    };

    private static float[][] Values(IEnumerable<TorchSharp.Modules.Parameter> parameters) =>
        parameters.Select(p => { using var c = p.detach().cpu(); return c.data<float>().ToArray(); }).ToArray();

    private static void Set(TorchSharp.Modules.Parameter[] parameters, float[][] values)
    {
        using var noGrad = no_grad();
        for (int p = 0; p < parameters.Length; p++)
        {
            using var source = tensor(values[p], parameters[p].shape);
            parameters[p].copy_(source);
        }
    }

    private static string Rows(GanTransformer model) => EpochSnapshotTests.Rows(model);
}
