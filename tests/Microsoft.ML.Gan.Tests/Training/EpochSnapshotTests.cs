using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// Snapshots (the quality benchmark's curve of quality against training time): the model a snapshot hands over after
/// epoch e must be the model a run of e epochs returns, and taking it must leave the rest of training unchanged.
/// </summary>
[TestClass]
public sealed class EpochSnapshotTests
{
    private static GanTrainer.Options Options(int epochs) => new()
    {
        // The defaults' stages all run (batch-norm statistics, calibration, the density-ratio filter), on small networks.
        Epochs = epochs, BatchSize = 100, GeneratorLayers = [32], DiscriminatorLayers = [32], NoiseDimension = 16, Seed = 5,
        TrainingThreads = 1, Device = GanDevice.Cpu,
    };

    [TestMethod]
    public void ASnapshotIsTheModelOfTheShorterRunAndLeavesTrainingUnchanged()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestTables.MixedRows(600, seed: 3));

        var taken = new List<EpochSnapshot>();
        var options = Options(3);
        options.Snapshots = new EpochSnapshots(new HashSet<int> { 2, 3, 7 }, taken.Add);
        using var full = ml.Gan().Train(options).Fit(data);
        try
        {
            // Epoch 3 is the run's last (its model is Fit's own) and epoch 7 never comes: one snapshot.
            Assert.HasCount(1, taken, "snapshots taken");
            var snapshot = taken[0];
            Assert.AreEqual(2, snapshot.Epoch);
            Assert.HasCount(2, snapshot.Model.History, "the snapshot's history ends at its epoch");
            Assert.AreEqual(2, snapshot.Model.Options.Epochs, "a snapshot's options say the epochs it had");
            Assert.AreEqual(full.History.Take(2).Sum(h => h.Seconds), snapshot.TrainingTime.TotalSeconds, 1e-6, "training time = its epochs' seconds (a TimeSpan holds whole ticks of 0.1 µs)");

            using var shorter = ml.Gan().Train(Options(2)).Fit(data);
            using var plain = ml.Gan().Train(Options(3)).Fit(data);
            Assert.AreEqual(shorter.FilterKeepRate, snapshot.Model.FilterKeepRate, "the same density-ratio filter");
            Assert.AreEqual(Rows(shorter), Rows(snapshot.Model), "the snapshot after epoch 2 makes the rows of a 2-epoch run");
            Assert.AreEqual(Rows(plain), Rows(full), "taking a snapshot leaves training as it was");
            Assert.AreNotEqual(Rows(full), Rows(snapshot.Model), "and an epoch later the rows differ");
        }
        finally
        {
            foreach (var s in taken) s.Model.Dispose();
        }
    }

    /// <summary>Every value of 200 generated rows, as text.</summary>
    internal static string Rows(GanTransformer model)
    {
        var rows = model.Generate(200, seed: 9);
        var columns = rows.Schema.Select(c => TestTables.Column(rows, c.Name)).ToList();
        return string.Join("\n", Enumerable.Range(0, 200).Select(i => string.Join(",", columns.Select(c => Convert.ToString(c[i], System.Globalization.CultureInfo.InvariantCulture)))));
    }
}
