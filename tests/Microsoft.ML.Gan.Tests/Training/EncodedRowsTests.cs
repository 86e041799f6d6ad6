using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Tests.Training;

[TestClass]
public sealed class EncodedRowsTests
{
    /// <summary>
    /// A layout with a tanh span, a softmax span of 3 (an index in one byte), one of 300 (two bytes), one of 70,000 (four
    /// bytes), another tanh span and a softmax span of 256 (the most one byte holds).
    /// </summary>
    private static readonly OutputSpan[] s_spans =
    [
        new(0, 1, SpanActivation.Tanh), new(1, 3, SpanActivation.Softmax), new(4, 300, SpanActivation.Softmax),
        new(304, 70_000, SpanActivation.Softmax), new(70_304, 1, SpanActivation.Tanh), new(70_305, 256, SpanActivation.Softmax),
    ];

    private const int Width = 70_561;

    /// <summary>Rows of <see cref="s_spans"/>: row r's scalars and choices follow from r.</summary>
    private static void Fill(float[] block, int first, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int r = first + i;
            var row = block.AsSpan(i * Width, Width);
            row[0] = (float)Math.Sin(r) * 0.99f;
            row[1 + r % 3] = 1;
            row[4 + (r * 7) % 300] = 1;
            row[304 + (r * 7919) % 70_000] = 1;
            row[70_304] = -1f / (r + 2);
            row[70_305 + (r * 31) % 256] = 1;
        }
    }

    [TestMethod]
    [DataRow(TrainingRowStorage.Memory)]
    [DataRow(TrainingRowStorage.TemporaryFile)]
    public void RowsComeBackAsTheyWereEncodedInFourteenBytesARowWhereverTheyAreKept(TrainingRowStorage storage)
    {
        const int Rows = 9000; // more than one block of encoding
        using var rows = EncodedRows.Create(s_spans, Width, Rows, storage, null, Fill, () => { });
        Assert.AreEqual(Rows, rows.Count);
        Assert.AreEqual(2 * 4 + 1 + 2 + 4 + 1, rows.RecordBytes, "two floats, then the indices in 1, 2, 4 and 1 bytes");
        Assert.AreEqual(storage == TrainingRowStorage.TemporaryFile, rows.OnDisk);
        if (rows.OnDisk && !OperatingSystem.IsWindows())
            Assert.IsFalse(File.Exists(rows.FilePath), "the file has no name left: a killed process leaves nothing behind");

        var expected = new float[Width];
        var actual = new float[3 * Width];
        foreach (int r in new[] { 0, 1, 255, 8191, 8192, 8999 })
        {
            Array.Clear(expected);
            Fill(expected, r, 1);
            rows.Gather([r, r, r], actual);
            for (int k = 0; k < 3; k++) CollectionAssert.AreEqual(expected, actual.AsSpan(k * Width, Width).ToArray(), $"row {r}, copy {k}");
        }
        var two = new float[2 * Width];
        rows.Expand(8191, 2, two);
        Array.Clear(actual);
        Fill(actual, 8191, 2);
        CollectionAssert.AreEqual(actual.AsSpan(0, 2 * Width).ToArray(), two);
        Assert.AreEqual(8998 * 7919 % 70_000, rows.Choice(8998, rows.ChoiceAt(304)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => rows.Gather([Rows], actual));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => rows.ChoiceAt(5), "no softmax span starts at float 5");
    }

    [TestMethod]
    public void ARowThatIsNotOneHotIsRefusedAndTheFileGoes()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-rows-").FullName;
        try
        {
            var error = Assert.ThrowsExactly<InvalidOperationException>(() => EncodedRows.Create(s_spans, Width, 20, TrainingRowStorage.TemporaryFile, directory, (block, first, count) =>
            {
                Fill(block, first, count);
                block[(13 - first) * Width + 4 + 299] = 1; // row 13: two 1s in the span of 300
            }, () => { }));
            StringAssert.Contains(error.Message, "row 13");
            StringAssert.Contains(error.Message, "floats 4-303");
            Assert.IsEmpty(Directory.GetFiles(directory), "no temporary file is left behind");
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [TestMethod]
    public void AFolderThatDoesNotExistIsNamedBeforeAnythingIsWritten()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"mlgan-no-such-folder-{Guid.NewGuid():N}");
        var error = Assert.ThrowsExactly<DirectoryNotFoundException>(() => EncodedRows.Create(s_spans, Width, 5, TrainingRowStorage.TemporaryFile, missing, Fill, () => { }));
        StringAssert.Contains(error.Message, missing);
        var options = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).Gan().Train(new GanTrainer.Options { TemporaryDirectory = missing }));
        StringAssert.Contains(options.Message, "TemporaryDirectory");
    }

    [TestMethod]
    public void AutoKeepsATableInMemoryUnlessItsRowsPassTheLimit()
    {
        using var small = EncodedRows.Create(s_spans, Width, 100, TrainingRowStorage.Auto, null, Fill, () => { });
        Assert.IsFalse(small.OnDisk);
        Assert.IsFalse(EncodedRows.GoesToFile(TrainingRowStorage.Auto, EncodedRows.MemoryLimitBytes), "up to the limit: memory");
        Assert.IsTrue(EncodedRows.GoesToFile(TrainingRowStorage.Auto, EncodedRows.MemoryLimitBytes + 1), "a byte past it: a file");
        Assert.IsFalse(EncodedRows.GoesToFile(TrainingRowStorage.Memory, 100 * EncodedRows.MemoryLimitBytes), "Memory however many");
        Assert.IsTrue(EncodedRows.GoesToFile(TrainingRowStorage.TemporaryFile, 1), "TemporaryFile however few");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void TrainingFromATemporaryFileGivesTheModelTrainingFromMemoryGives(bool conditional)
    {
        // The storage changes where the rows are, never which rows a batch gets: the same seed trains the same model.
        var rows = TestTables.MixedRows(400, seed: 3);
        List<string> Train(TrainingRowStorage storage)
        {
            var ml = new MLContext(seed: 1);
            var options = new GanTrainer.Options
            {
                Epochs = 3, BatchSize = 50, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1,
                ConditionalGenerator = conditional, TrainingRowStorage = storage, DensityRatioFilter = false,
            };
            using var model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(rows));
            return TestTables.Dump(model.Generate(200, seed: 1));
        }
        var memory = Train(TrainingRowStorage.Memory);
        CollectionAssert.AreEqual(memory, Train(TrainingRowStorage.TemporaryFile));
        CollectionAssert.AreEqual(memory, Train(TrainingRowStorage.Auto));
    }

    [TestMethod]
    public void BatchesAreTheirRowsAndLeaveNoGarbageOfTheirSize()
    {
        // A batch of 4 rows of 70,561 floats is 1.1 MB: torch.tensor's copy of it would be a large managed object a
        // batch, freed only by a full collection (a gigabyte a minute on a table of 20 million rows).
        using var rows = EncodedRows.Create(s_spans, Width, 50, TrainingRowStorage.Memory, null, Fill, () => { });
        var batches = new TrainingBatches(rows, 4, TorchSharp.torch.CPU, seed: 1, sampler: null, new ConditionLayout(new TabularEncoder([])));
        var seen = new List<float[]>();
        var tensors = new List<TorchSharp.torch.Tensor>();
        using (TorchSharp.torch.NewDisposeScope())
        {
            var (first, conditions) = batches.NextReal();
            Assert.IsNull(conditions);
            CollectionAssert.AreEqual(new long[] { 4, Width }, first.shape);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) tensors.Add(batches.NextReal().Real);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsLessThan(1_000_000L, allocated, $"20 batches of 1.1 MB allocated {allocated:N0} managed bytes");
            seen.Add(first.data<float>().ToArray());
            seen.AddRange(tensors.Select(t => t.data<float>().ToArray()));
        }
        // Each batch holds its own rows (no batch is overwritten by the next), and 12 batches of 4 are a pass over
        // the first 48 of the 50 rows in some order, none twice.
        var expected = new float[Width];
        var drawn = new List<int>();
        foreach (var batch in seen)
        {
            for (int k = 0; k < 4; k++)
            {
                var row = batch.AsSpan(k * Width, Width).ToArray();
                int r = Enumerable.Range(0, 50).First(candidate => { Array.Clear(expected); Fill(expected, candidate, 1); return row.AsSpan().SequenceEqual(expected); });
                drawn.Add(r);
            }
        }
        Assert.HasCount(48, drawn.Take(48).Distinct(), "the first pass draws each row at most once");
    }

    [TestMethod]
    public void ChecksCompareALargeTableThroughAUniformSampleOfItsRows()
    {
        CollectionAssert.AreEqual(Enumerable.Range(0, 500).ToArray(), TrainingDiagnostics.RealSample(500, 7));
        int rows = 1_000_000;
        var sample = TrainingDiagnostics.RealSample(rows, 7);
        Assert.HasCount(TrainingDiagnostics.MaximumRealRows, sample);
        for (int i = 1; i < sample.Length; i++) Assert.IsLessThan(sample[i], sample[i - 1], "increasing, so distinct");
        Assert.IsLessThan(rows, sample[^1]);
        // Uniform: each tenth of the table holds about a tenth of the sample (binomial sd ≈ 95 of 10,000).
        foreach (var tenth in sample.GroupBy(r => r / (rows / 10)))
            Assert.AreEqual(TrainingDiagnostics.MaximumRealRows / 10, tenth.Count(), 600, $"tenth {tenth.Key}");
        CollectionAssert.AreEqual(sample, TrainingDiagnostics.RealSample(rows, 7), "seeded");
    }
}
