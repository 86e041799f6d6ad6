using System.IO.Compression;

namespace Microsoft.ML.Gan.Tests.Model;

/// <summary>Saving is atomic; loading a file that is not a whole model says which file and what is wrong.</summary>
[TestClass]
public sealed class ModelFileTests
{
    private static MLContext s_ml = null!;
    private static GanTransformer s_model = null!;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(1);
        var rows = TestTables.MixedRows(200, seed: 1);
        s_model = s_ml.Gan().Train(new GanTrainer.Options { Epochs = 2, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1 })
            .Fit(s_ml.Data.LoadFromEnumerable(rows));
        s_folder = Directory.CreateTempSubdirectory("gan-model-tests").FullName;
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_model?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    private static string PathOf(string name) => Path.Combine(s_folder, name);

    [TestMethod]
    public void SavingReplacesAnExistingFileAndLeavesNoTemporaryFile()
    {
        string path = PathOf("replace.zip");
        File.WriteAllText(path, "old content");
        s_model.Save(path);
        using (var loaded = s_ml.Gan().LoadModel(path))
            Assert.AreEqual(s_model.TrainingSchema.Count, loaded.TrainingSchema.Count);
        Assert.IsEmpty(Directory.GetFiles(s_folder).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).ToList(), "no temporary file is left behind");
    }

    [TestMethod]
    public void SavingIntoAMissingFolderFailsAndWritesNothing()
    {
        string path = Path.Combine(s_folder, "no-such-folder", "model.zip");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => s_model.Save(path));
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [TestMethod]
    public void AMissingFileIsNamed()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => s_ml.Gan().LoadModel(PathOf("absent.zip")));
        StringAssert.Contains(e.Message, "absent.zip");
    }

    [TestMethod]
    public void AFileThatIsNotAZipIsNamedAndExplained()
    {
        string path = PathOf("garbage.zip");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 251)).ToArray());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "not a readable Microsoft.ML.Gan model");
    }

    [TestMethod]
    public void ATruncatedFileIsNamedAndExplained()
    {
        string whole = PathOf("whole.zip"), cut = PathOf("truncated.zip");
        s_model.Save(whole);
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(cut));
        StringAssert.Contains(e.Message, cut);
    }

    [TestMethod]
    public void AForeignZipIsNamedAndExplained()
    {
        string path = PathOf("foreign.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            writer.Write("not a model");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "not a Microsoft.ML.Gan model");
    }

    [TestMethod]
    public void WeightsThatDoNotMatchTheNetworkAreReported()
    {
        string path = PathOf("mismatch.zip");
        s_model.Save(path);
        Hostile.HostileFiles.EditZip(path, zip =>
        {
            zip.GetEntry("generator.bin")!.Delete();
            using var entry = zip.CreateEntry("generator.bin").Open();
            entry.Write(new byte[100]);
        });
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
        StringAssert.Contains(e.Message, "generator weights");
    }

    [TestMethod]
    public void AFormatFromAnotherVersionIsReported()
    {
        string path = PathOf("future.zip");
        s_model.Save(path);
        Hostile.HostileFiles.EditManifest(path, manifest => manifest["FormatVersion"] = 99);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
        StringAssert.Contains(e.Message, "format version 99");
        StringAssert.Contains(e.Message, "update Microsoft.ML.Gan");
    }

    [TestMethod]
    public void OneModelCanGenerateFromSeveralThreadsAtOnce()
    {
        var expected = TestTables.Dump(s_model.Generate(3000, seed: 5));
        var results = new List<string>[4];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = TestTables.Dump(s_model.Generate(3000, seed: 5)));
        foreach (var r in results) CollectionAssert.AreEqual(expected, r);
    }
}
