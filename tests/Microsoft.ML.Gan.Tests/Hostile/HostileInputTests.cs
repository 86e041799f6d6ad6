using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Hostile;

/// <summary>Odd tables and odd arguments: refused at once with the right exception and a message that says what to do.</summary>
[TestClass]
public sealed class HostileInputTests
{
    private static MLContext s_ml = null!;
    private static GanTransformer s_model = null!;

    private static GanTrainer.Options Quick() => new() { Epochs = 1, BatchSize = 20, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1 };

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(1);
        s_model = s_ml.Gan().Train(Quick()).Fit(s_ml.Data.LoadFromEnumerable(TestTables.MixedRows(200, seed: 1)));
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    public sealed class Named
    {
        public float Value { get; set; }
        public string Kind { get; set; } = "";
    }

    [TestMethod]
    [DataRow(" ")]
    [DataRow("line\nbreak")]
    [DataRow("tab\tinside")]
    public void AColumnNameModelFilesCannotCarryIsRefusedAtFit(string name)
    {
        var definition = SchemaDefinition.Create(typeof(Named));
        definition["Value"].ColumnName = name;
        var data = s_ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new Named { Value = i, Kind = i % 2 == 0 ? "a" : "b" }), definition);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_ml.Gan().Train(Quick()).Fit(data));
        StringAssert.Contains(e.Message, "ML.NET's model files cannot carry it");
    }

    [TestMethod]
    public void AnUnusualButSaveableNameTravelsThroughEveryFormat()
    {
        var definition = SchemaDefinition.Create(typeof(Named));
        definition["Value"].ColumnName = "Größe (cm) / 2";
        var data = s_ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new Named { Value = i, Kind = i % 2 == 0 ? "a" : "b" }), definition);
        using var model = s_ml.Gan().Train(Quick()).Fit(data);
        string folder = Directory.CreateTempSubdirectory("gan-names-").FullName;
        try
        {
            foreach (var (file, save) in new (string, Action<string>)[] { ("m.zip", model.Save), ("m.onnx", p => model.SaveAsOnnx(p)), ("m.mlnet.zip", p => s_ml.Gan().SaveModel(model, null, p)) })
            {
                string path = Path.Combine(folder, file);
                save(path);
                using var loaded = s_ml.Gan().LoadModel(path);
                CollectionAssert.AreEqual(TestTables.Dump(model.Generate(30, 1)), TestTables.Dump(loaded.Generate(30, 1)), file);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SavingInMlNetsFormatReplacesAFileAtomically()
    {
        string folder = Directory.CreateTempSubdirectory("gan-mlnet-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            s_ml.Gan().SaveModel(s_model, null, path);
            var good = File.ReadAllBytes(path);
            var disposed = s_model.WithScoring(new GanScoringOptions());
            disposed.Dispose();
            Assert.Throws<Exception>(() => s_ml.Gan().SaveModel(disposed, null, path));
            CollectionAssert.AreEqual(good, File.ReadAllBytes(path), "the model that was there is untouched");
            Assert.IsEmpty(Directory.GetFiles(folder, "*.tmp"), "no temporary file is left");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TextThatIsNotValidUnicodeIsRefusedAtFitNamingTheRow()
    {
        var rows = Enumerable.Range(0, 40).Select(i => new Named { Value = i, Kind = i == 17 ? "bad\uD800text" : i % 2 == 0 ? "a" : "b" });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(Quick()).Fit(s_ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Column 'Kind'");
        StringAssert.Contains(e.Message, "row 17");
        StringAssert.Contains(e.Message, "lone surrogate");
        // A well-formed pair (an emoji) is text like any other, and comes back as it was.
        var emoji = Enumerable.Range(0, 40).Select(i => new Named { Value = i, Kind = i % 2 == 0 ? "🙂" : "b" });
        using var model = s_ml.Gan().Train(Quick()).Fit(s_ml.Data.LoadFromEnumerable(emoji));
        Assert.IsTrue(TestTables.Column(model.Generate(200, 1), "Kind").All(k => k is "🙂" or "b"));
    }

    [TestMethod]
    public void BadConditionsAreRefusedWhenAsked()
    {
        var nullValue = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["City"] = null! }));
        StringAssert.Contains(nullValue.Message, "Condition on column 'City': the value is null");
        var wrongType = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(10, 1, new Dictionary<string, object> { ["Owner"] = 3.5 }));
        StringAssert.Contains(wrongType.Message, "not one of its categories");
    }

    [TestMethod]
    public void AVeryLargeRowCountDoesNotOverflowTheCandidateBudget()
    {
        // rows × candidates a row overflowed a long and reported that the generator "rarely makes this combination".
        var view = s_model.Generate(long.MaxValue / 2, 1, new Dictionary<string, object> { ["City"] = "Oslo" }, maximumCandidatesPerRow: 1000);
        using var cursor = view.GetRowCursor(view.Schema);
        var city = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["City"]);
        ReadOnlyMemory<char> value = default;
        for (int i = 0; i < 50; i++)
        {
            Assert.IsTrue(cursor.MoveNext());
            city(ref value);
            Assert.AreEqual("Oslo", value.ToString());
        }
    }
}
