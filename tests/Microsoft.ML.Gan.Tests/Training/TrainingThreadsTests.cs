using Microsoft.ML.Gan.Training;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>libtorch's thread count while training: what the load leaves, or what the options fix, and restored afterwards.</summary>
[TestClass]
public sealed class TrainingThreadsTests
{
    [TestMethod]
    [DataRow(2, 0.0, 2)]
    [DataRow(2, 0.3, 2)]
    [DataRow(2, 0.7, 1)]
    [DataRow(2, 1.0, 1)]
    [DataRow(2, 2.5, 1)]
    [DataRow(16, 3.2, 13)]
    [DataRow(4, double.NaN, 4)]
    public void TheThreadsAreTheCoresOtherWorkLeaves(int cores, double otherCores, int expected) =>
        Assert.AreEqual(expected, TrainingThreads.Choose(cores, otherCores));

    [TestMethod]
    public void AFixedCountIsUsedWhileTrainingAndTheProcessCountIsRestored()
    {
        int before = torch.get_num_threads();
        var seen = new List<int>();
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var options = new GanTrainer.Options
        {
            Epochs = 3, BatchSize = 50, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, TrainingThreads = 1,
            Progress = new Progress(() => seen.Add(torch.get_num_threads())),
        };
        using (ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(TestTables.MixedRows(200, 1)))) { }
        CollectionAssert.AreEqual(new[] { 1, 1, 1 }, seen, "one thread in every epoch");
        Assert.AreEqual(before, torch.get_num_threads(), "the process's count is back");
        Assert.IsTrue(messages.Any(m => m.Contains("Training with 1 thread(s), as Options.TrainingThreads asks")), "the log says how many threads trained");

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(new GanTrainer.Options { TrainingThreads = 0 }));
        Assert.AreEqual("TrainingThreads", e.ParamName);
    }

    [TestMethod]
    public void TheAutomaticCountIsLoggedAndNeverAboveTheCores()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var seen = new List<int>();
        var options = new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 50, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1,
            Progress = new Progress(() => seen.Add(torch.get_num_threads())),
        };
        using (ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(TestTables.MixedRows(200, 1)))) { }
        Assert.IsTrue(seen.All(n => n >= 1 && n <= Environment.ProcessorCount));
        Assert.IsTrue(messages.Any(m => m.Contains("TrainingThreads is automatic")), string.Join("\n", messages.Where(m => m.Contains("thread"))));
    }

    private sealed class Progress(Action onEpoch) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value) => onEpoch();
    }
}
