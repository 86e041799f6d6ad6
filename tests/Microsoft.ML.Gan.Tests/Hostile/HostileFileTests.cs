using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Tests.Hostile;

/// <summary>
/// Model files from a stranger: every corrupt, truncated, bombed or lying file is refused at load with an
/// <see cref="InvalidDataException"/> that names the file, within bounded memory, leaving the file as it was; none
/// crashes the process, and none loads and then fails.
/// </summary>
[TestClass]
public sealed class HostileFileTests
{
    /// <summary>Managed memory one refused file may cost, beyond its own bytes.</summary>
    private const long MemoryBound = 48L << 20;

    private static MLContext s_ml = null!;
    private static GanTransformer s_model = null!;
    private static string s_folder = null!;
    private static string s_zip = null!, s_onnx = null!, s_mlnet = null!;
    private static long s_peakBefore;

    [ClassInitialize]
    public static void Make(TestContext _)
    {
        s_peakBefore = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        s_ml = new MLContext(1);
        s_folder = Directory.CreateTempSubdirectory("gan-hostile-").FullName;
        var rows = TestTables.MixedRows(300, seed: 4);
        var data = s_ml.Data.LoadFromEnumerable(rows);
        var table = s_ml.Transforms.Conversion.MapValueToKey("CityKey", "City").Fit(data).Transform(data);
        s_model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 50, NoiseDimension = 4, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 3, MissingCategoryTokens = ["", "?"],
            // Some lies below edit the modes: every number is fitted mode by mode, though 300 rows would get min-max by default.
            ContinuousNormalization = ContinuousNormalization.ModeSpecific,
        }).Fit(table);
        Assert.AreEqual("City → CityKey (every value); Segment → Owner (2 values)", string.Join("; ", s_model.Dependencies), "the dependencies the lies below edit");
        s_zip = Path.Combine(s_folder, "good.zip");
        s_onnx = Path.Combine(s_folder, "good.onnx");
        s_mlnet = Path.Combine(s_folder, "good.mlnet.zip");
        s_model.Save(s_zip);
        s_model.SaveAsOnnx(s_onnx);
        s_ml.Gan().SaveModel(s_model, null, s_mlnet);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_model?.Dispose();
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
        // All the hostile files of this class together raised the process's peak working set by less than this.
        long grown = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 - s_peakBefore;
        Assert.IsLessThan(768L << 20, grown, $"peak working set grew by {grown >> 20} MiB");
    }

    /// <summary>Loads <paramref name="bytes"/> from a file and asserts the refusal: the type, the file named, the memory, the file untouched.</summary>
    private static InvalidDataException Refused(byte[] bytes, string name, Func<string, GanTransformer>? load = null)
    {
        string path = Path.Combine(s_folder, name);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => (load ?? (p => s_ml.Gan().LoadModel(p)))(path).Dispose(), name);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        StringAssert.Contains(e.Message, path, "the message names the file");
        Assert.IsTrue(e.Message.All(c => !char.IsControl(c) || c is '\n' or '\t'), $"{name}: the message holds no raw bytes: {e.Message}");
        Assert.IsLessThan(MemoryBound + 4L * bytes.Length, allocated, $"{name}: {allocated >> 20} MiB allocated to refuse it");
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(path), $"{name}: the file is left as it was");
        return e;
    }

    [TestMethod]
    public void TheGoodFilesLoad()
    {
        foreach (string path in new[] { s_zip, s_onnx, s_mlnet })
        {
            using var loaded = s_ml.Gan().LoadModel(path);
            CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(100, seed: 1)), TestTables.Dump(loaded.Generate(100, seed: 1)), path);
        }
    }

    [TestMethod]
    public void AFlippedBitAnywhereInAModelZipIsRefused()
    {
        var good = File.ReadAllBytes(s_zip);
        int refused = 0;
        foreach (int position in HostileFiles.Positions(good.Length, 300))
        {
            Refused(HostileFiles.Flip(good, position, position % 8), "flipped.zip");
            refused++;
        }
        Assert.IsGreaterThan(400, refused);
    }

    [TestMethod]
    public void AFlippedBitAnywhereInAnOnnxFileIsRefused()
    {
        var good = File.ReadAllBytes(s_onnx);
        foreach (int position in HostileFiles.Positions(good.Length, 300))
            Refused(HostileFiles.Flip(good, position, (position * 3) % 8), "flipped.onnx");
        foreach (int position in HostileFiles.Positions(good.Length, 60))
            Refused(HostileFiles.Flip(good, position, position % 8), "flipped-onnx.onnx", p => s_ml.Gan().LoadOnnx(p));
    }

    [TestMethod]
    public void AFlippedBitInTheGraphOfAnMlNetModelIsRefused()
    {
        // ML.NET's own entries are ML.NET's format; the graph it carries is the library's, with its integrity record.
        var good = File.ReadAllBytes(s_mlnet);
        int refusedOrUnchanged = 0;
        foreach (int position in HostileFiles.Positions(good.Length, 80))
        {
            var flipped = HostileFiles.Flip(good, position, position % 8);
            string path = Path.Combine(s_folder, "flipped.mlnet.zip");
            File.WriteAllBytes(path, flipped);
            try
            {
                using var loaded = s_ml.Gan().LoadModel(path);
                // A flip in ML.NET's bookkeeping that ML.NET ignores: the GAN it gives back is the same.
                CollectionAssert.AreEqual(TestTables.Dump(s_model.Generate(50, seed: 2)), TestTables.Dump(loaded.Generate(50, seed: 2)), $"byte {position}");
            }
            catch (InvalidDataException e)
            {
                StringAssert.Contains(e.Message, path);
            }
            refusedOrUnchanged++;
        }
        Assert.IsGreaterThan(100, refusedOrUnchanged);
    }

    [TestMethod]
    public void TruncatedFilesAreRefused()
    {
        foreach (var (path, name) in new[] { (s_zip, "truncated.zip"), (s_onnx, "truncated.onnx"), (s_mlnet, "truncated.mlnet.zip") })
        {
            var good = File.ReadAllBytes(path);
            foreach (int length in new[] { 0, 1, 2, 10, 100, 1000 }.Concat(Enumerable.Range(1, 20).Select(k => (int)((long)k * good.Length / 21))).Append(good.Length - 1).Where(l => l < good.Length))
            {
                if (length == 0)
                {
                    Refused([], name);
                    continue;
                }
                Refused(good[..length], name);
            }
        }
    }

    [TestMethod]
    public void DecompressionBombsAreRefusedWithinBoundedMemory()
    {
        // 256 MiB of zeros behind each entry, from files of a few hundred kilobytes.
        foreach (string entry in new[] { "manifest.json", "generator.bin" })
        {
            string bomb = Path.Combine(s_folder, $"bomb-{entry}.zip");
            HostileFiles.Bomb(s_zip, bomb, entry, 256L << 20);
            var bytes = File.ReadAllBytes(bomb);
            Assert.IsLessThan(2L << 20, bytes.Length, "the bomb is small");
            var e = Refused(bytes, $"refused-bomb-{entry}.zip");
            StringAssert.Contains(e.Message, "bytes");
        }
    }

    /// <summary>Each lie a manifest can tell, told in a re-sealed model zip: refused at load, naming the field.</summary>
    public static IEnumerable<object[]> ManifestLies() =>
    [
        ["noise of a million", (Action<JsonObject>)(m => m["Options"]!["NoiseDimension"] = 1_000_000), "NoiseDimension"],
        ["noise of two billion", (Action<JsonObject>)(m => m["Options"]!["NoiseDimension"] = 2_000_000_000), "NoiseDimension"],
        ["a layer of a million", (Action<JsonObject>)(m => m["Options"]!["GeneratorLayers"] = new JsonArray(1_000_000)), "GeneratorLayers"],
        ["a thousand layers", (Action<JsonObject>)(m => m["Options"]!["GeneratorLayers"] = new JsonArray(Enumerable.Repeat(8, 1000).Select(v => (JsonNode)v).ToArray())), "GeneratorLayers"],
        ["a huge network", (Action<JsonObject>)(m => m["Options"]!["GeneratorLayers"] = new JsonArray(60_000, 60_000)), "parameters"],
        ["options out of range", (Action<JsonObject>)(m => m["Options"]!["Pac"] = 0), "options are out of range"],
        ["no options", (Action<JsonObject>)(m => m.Remove("Options")), "options"],
        ["no columns", (Action<JsonObject>)(m => m["Columns"] = new JsonArray()), "columns"],
        ["a null column", (Action<JsonObject>)(m => m["Columns"]!.AsArray()[0] = null), "null"],
        ["a column without a name", (Action<JsonObject>)(m => Column(m, "Height")["Name"] = ""), "no name"],
        ["a column named twice", (Action<JsonObject>)(m => Column(m, "Age")["Name"] = "Height"), "twice"],
        ["a column named like an input", (Action<JsonObject>)(m => Column(m, "Age")["Name"] = "Condition"), "input of the generator"],
        ["an unknown kind", (Action<JsonObject>)(m => Column(m, "Age")["Kind"] = "Complex"), "'Complex'"],
        ["a category count of long.MaxValue", (Action<JsonObject>)(m => Column(m, "City")["LevelCounts"]!.AsArray()[0] = long.MaxValue), "overflow"],
        ["all category counts zero", (Action<JsonObject>)(m => Column(m, "City")["LevelCounts"] = new JsonArray(0, 0, 0, 0, 0)), "all zero"],
        ["a negative count", (Action<JsonObject>)(m => Column(m, "Segment")["LevelCounts"]!.AsArray()[0] = -5), "negative"],
        ["counts for fewer categories", (Action<JsonObject>)(m => Column(m, "City")["LevelCounts"] = new JsonArray(3, 4)), "inconsistent"],
        ["a key count of ten billion", (Action<JsonObject>)(m => Column(m, "CityKey")["KeyCount"] = 10_000_000_000L), "key count"],
        ["a key value beyond its count", (Action<JsonObject>)(m => Column(m, "CityKey")["KeyCount"] = 2), "outside the key's range"],
        ["a key of a raw type keys cannot have", (Action<JsonObject>)(m => Column(m, "CityKey")["KeyRawType"] = "Int32"), "raw type"],
        ["Boolean values other than 0 and 1", (Action<JsonObject>)(m => Column(m, "Owner")["Values"] = new JsonArray(0, 7)), "false and true"],
        ["a null category", (Action<JsonObject>)(m => Column(m, "City")["Levels"]!.AsArray()[0] = null), "null"],
        ["minimum above maximum", (Action<JsonObject>)(m => { Column(m, "Height")["Minimum"] = 200; Column(m, "Height")["Maximum"] = 100; }), "range"],
        ["an infinite maximum", (Action<JsonObject>)(m => Column(m, "Height")["Maximum"] = "Infinity"), "range"],
        ["more missing than rows", (Action<JsonObject>)(m => Column(m, "Income")["MissingCount"] = 1_000_000), "counts"],
        ["a mode with no spread", (Action<JsonObject>)(m => Column(m, "Height")["ModeStandardDeviations"]!.AsArray()[0] = 0), "modes"],
        ["modes of different lengths", (Action<JsonObject>)(m => Column(m, "Height")["ModeWeights"] = new JsonArray(1)), "differ in number"],
        ["a grid of zero units", (Action<JsonObject>)(m => Column(m, "Age")["GranularityUnits"] = 0), "granularity"],
        ["a grid of 99 decimals", (Action<JsonObject>)(m => Column(m, "Age")["GranularityDecimals"] = 99), "granularity"],
        ["a grid without its decimals", (Action<JsonObject>)(m => Column(m, "Age").Remove("GranularityDecimals")), "granularity"],
        ["a grid too fine for the range", (Action<JsonObject>)(m => { Column(m, "Age")["GranularityDecimals"] = 15; Column(m, "Age")["Maximum"] = 1e6; }), "too wide"],
        ["marginal knots descending", (Action<JsonObject>)(m => Reverse(Column(m, "Height"), "MarginalGenerated")), "marginal map"],
        ["a marginal map beyond the range", (Action<JsonObject>)(m => TrainingSide(Column(m, "Height"))[0] = -1e9), "marginal map"],
        ["a NaN marginal knot", (Action<JsonObject>)(m => Column(m, "Age")["MarginalGenerated"]!.AsArray()[1] = "NaN"), "marginal map"],
        ["marginal values without their shares", (Action<JsonObject>)(m => DropShares(Column(m, "Age"))), "marginal map"],
        ["marginal sides of other lengths", (Action<JsonObject>)(m => Column(m, "Height")["MarginalQuantiles"] = new JsonArray(150.1, 150.5)), "marginal map"],
        ["uneven levels of another length", (Action<JsonObject>)(m => Column(m, "Height")["MarginalLevels"] = new JsonArray(0.0, 1.0)), "levels for"],
        ["uneven levels descending", (Action<JsonObject>)(m => Column(m, "Height")["MarginalLevels"] = Levels(Column(m, "Height"), i => 1 - i)), "levels for"],
        ["uneven levels whose first segment is empty", (Action<JsonObject>)(m => Column(m, "Height")["MarginalLevels"] = Levels(Column(m, "Height"), i => i < 0.01 ? 0 : i)), "the second above 0"],
        ["uneven levels without quantiles", (Action<JsonObject>)(m => Column(m, "Age")["MarginalLevels"] = new JsonArray(0.0, 1.0)), "levels without training quantiles"],
        ["more repeated values than the map holds", (Action<JsonObject>)(m => Column(m, "Height")["MarginalRepeatedValues"] = 1_000_000), "repeats"],
        ["a found order the model has no rule for", (Action<JsonObject>)(m => m["FoundOrders"] = new JsonArray("Age < Height")), "(TimeOrders, NumberOrders) gave the rule 'Age < Height'"],
        ["a found order that is null", (Action<JsonObject>)(m => m["FoundOrders"] = new JsonArray((JsonNode?)null)), "(TimeOrders, NumberOrders) gave the rule '(null)'"],
        ["a map grouped by a number of many values", (Action<JsonObject>)(m => Grouped(Column(m, "Height"), "Age", [0, 1])), "grouped by the number column 'Age', which cannot group a map"],
        ["a map grouped by an unknown column", (Action<JsonObject>)(m => Grouped(Column(m, "Height"), "Nope", [0])), "grouped by 'Nope', which is neither a categorical column nor a number of few values"],
        ["a group table for a category the column lacks", (Action<JsonObject>)(m => Grouped(Column(m, "Height"), "City", [0, 9])), "does not have"],
        ["group categories out of order", (Action<JsonObject>)(m => Grouped(Column(m, "Height"), "City", [2, 1])), "distinct category indices"],
        ["group tables of another length", (Action<JsonObject>)(m => { Grouped(Column(m, "Height"), "City", [0]); Column(m, "Height")["MarginalGroupTraining"]!.AsArray().RemoveAt(0); }), "groups' training tables"],
        ["group tables without their column", (Action<JsonObject>)(m => { Grouped(Column(m, "Height"), "City", [0]); Column(m, "Height").Remove("MarginalGroup"); }), "without the column they group by"],
        ["a group's quantiles descending", (Action<JsonObject>)(m => { Grouped(Column(m, "Height"), "City", [0]); Reverse(Column(m, "Height"), "MarginalGroupTraining"); }), "ascending order"],
        ["a group's generated quantiles of another length", (Action<JsonObject>)(m => { Grouped(Column(m, "Height"), "City", [0]); Column(m, "Height")["MarginalGroupGenerated"] = new JsonArray(1.0, 2.0); }), "generated tables"],
        ["a rank scale beside modes", (Action<JsonObject>)(m => Column(m, "Height")["RankQuantiles"] = new JsonArray(160.5, 165.5)), "normalised one way"],
        ["rank quantiles descending", (Action<JsonObject>)(m => Column(m, "Height")["RankQuantiles"] = new JsonArray(165.5, 160.5)), "rank scale"],
        ["a rank scale beyond the range", (Action<JsonObject>)(m => Column(m, "Height")["RankQuantiles"] = new JsonArray(-1e9, 160.5)), "rank scale"],
        ["a NaN rank quantile", (Action<JsonObject>)(m => Column(m, "Height")["RankQuantiles"] = new JsonArray(160.5, "NaN")), "rank scale"],
        ["a huge logit bias", (Action<JsonObject>)(m => Column(m, "City")["LogitBiases"]!.AsArray()[0] = 1e30), "logit biases"],
        ["logit biases for fewer categories", (Action<JsonObject>)(m => Column(m, "City")["LogitBiases"] = new JsonArray(0.5, -0.5)), "logit biases"],
        ["condition shares that do not sum to 1", (Action<JsonObject>)(m => Column(m, "City")["ConditionShares"] = new JsonArray(0.5, 0.5, 0.5, 0.5, 0.5)), "condition shares"],
        ["a negative condition share", (Action<JsonObject>)(m => Column(m, "City")["ConditionShares"] = new JsonArray(1.5, -0.5, 0, 0, 0)), "condition shares"],
        ["condition shares for fewer categories", (Action<JsonObject>)(m => Column(m, "City")["ConditionShares"] = new JsonArray(0.5, 0.5)), "condition shares"],
        ["a missing bias on a column with no missing values", (Action<JsonObject>)(m => Column(m, "Age")["LogitBiases"] = new JsonArray(0, 1)), "missing-value head"],
        ["a dependency on an unknown column", (Action<JsonObject>)(m => Dependency(m)["Determinant"] = "Nope"), "does not name two different columns"],
        ["a column that fixes itself", (Action<JsonObject>)(m => Dependency(m)["Target"] = (string?)Dependency(m)["Determinant"]), "does not name two different columns"],
        ["dependency keys descending", (Action<JsonObject>)(m => { Reverse(Dependency(m), "Keys"); Reverse(Dependency(m), "Values"); }), "ascending"],
        ["a dependency value the target cannot hold", (Action<JsonObject>)(m => Dependency(m)["Values"]!.AsArray()[0] = 99), "cannot hold"],
        ["a dependency without values", (Action<JsonObject>)(m => Dependency(m)["Values"] = new JsonArray()), "keys, each with a value"],
        ["a number key off its column's grid", (Action<JsonObject>)(m => AddDependency(m, "Age", "Segment", [20.5], [0])), "ascending values of 'Age'"],
        ["dependencies out of order", (Action<JsonObject>)(m => AddDependency(m, "Segment", "City", [0], [0])), "out of order"],
        ["a format from the future", (Action<JsonObject>)(m => m["FormatVersion"] = 99), "format version 99"],
        ["format 1", (Action<JsonObject>)(m => m["FormatVersion"] = 1), "format version 1"],
    ];

    /// <summary>The model's first column dependency (City fixes CityKey: the one is a function of the other).</summary>
    private static JsonObject Dependency(JsonObject manifest) => manifest["Dependencies"]!.AsArray()[0]!.AsObject();

    private static void AddDependency(JsonObject manifest, string determinant, string target, double[] keys, double[] values) =>
        manifest["Dependencies"]!.AsArray().Add(new JsonObject
        {
            ["Determinant"] = determinant, ["Target"] = target,
            ["Keys"] = new JsonArray(keys.Select(k => (JsonNode?)k).ToArray()), ["Values"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray()),
        });

    private static JsonObject Column(JsonObject manifest, string name) => HostileFiles.Column(manifest, name);

    [TestMethod]
    [DynamicData(nameof(ManifestLies))]
    public void ALyingManifestIsRefusedAtLoad(string lie, Action<JsonObject> edit, string named)
    {
        string path = Path.Combine(s_folder, "lie.zip");
        File.Copy(s_zip, path, overwrite: true);
        HostileFiles.EditManifest(path, edit);
        var e = Refused(File.ReadAllBytes(path), "lying.zip");
        StringAssert.Contains(e.Message, named, lie);
    }

    [TestMethod]
    [DynamicData(nameof(ManifestLies))]
    public void ALyingDescriptionInAnOnnxFileIsRefusedAtLoad(string lie, Action<JsonObject> edit, string named)
    {
        var e = Refused(HostileFiles.OnnxWithDescription(s_model.Model, edit), "lying.onnx");
        StringAssert.Contains(e.Message, named, lie);
    }

    [TestMethod]
    public void AnOnnxFileWhoseHistoryIsNotAHistoryIsRefusedAtLoad()
    {
        var model = s_model.Model;
        var signature = model.SignatureFor(model.Training.CategorySampling);
        var metadata = OnnxMetadata.Create(model.Describe(model.Training.CategorySampling), signature).ToList();
        Assert.IsTrue(metadata.Any(kv => kv.Key == OnnxMetadata.HistoryKey), "an export keeps the history apart");
        foreach (string garbage in new[] { "{\"Epoch\": 1}", "[1, 2", "[{\"Epoch\": \"one\"}]" })
        {
            var lying = metadata.Select(kv => kv.Key == OnnxMetadata.HistoryKey ? new KeyValuePair<string, string>(kv.Key, garbage) : kv);
            var e = Refused(GeneratorGraph.Build(model.Encoder, FoldedGenerator.From(model.Generator!), signature, model.Filter, lying), "history.onnx");
            StringAssert.Contains(e.Message, "not readable", garbage);
        }
    }

    /// <summary>Descriptions that are valid on their own but not for the graph they travel with.</summary>
    public static IEnumerable<object[]> GraphLies() =>
    [
        ["another noise size", (Action<JsonObject>)(m => m["Options"]!["NoiseDimension"] = 7), CategorySampling.Sample, "input 'Noise'"],
        ["another noise name", (Action<JsonObject>)(m => m["Options"]!["NoiseColumnName"] = "Z"), CategorySampling.Sample, "inputs"],
        ["a renamed column", (Action<JsonObject>)(m => Column(m, "Age")["Name"] = "Years"), CategorySampling.Sample, "outputs"],
        ["another number type", (Action<JsonObject>)(m => Column(m, "Age")["Kind"] = "Single"), CategorySampling.Sample, "output 'Age'"],
        ["a category dropped", (Action<JsonObject>)(m => DropLastCategory(Column(m, "City"))), CategorySampling.Sample, "input"],
        ["sampling told, argmax graph", (Action<JsonObject>)(m => m["Options"]!["CategorySampling"] = "Sample"), CategorySampling.ArgMax, "input"],
        ["argmax told, sampling graph", (Action<JsonObject>)(m => m["Options"]!["CategorySampling"] = "ArgMax"), CategorySampling.Sample, "input"],
        ["no missing values told", (Action<JsonObject>)(m => { Column(m, "Income")["MissingCount"] = 0; Column(m, "Income").Remove("LogitBiases"); }), CategorySampling.Sample, "input"],
        ["unconditional told", (Action<JsonObject>)(m => m["Options"]!["ConditionalGenerator"] = false), CategorySampling.Sample, "input"],
        ["a narrower range told", (Action<JsonObject>)(m => NarrowerRange(Column(m, "Height"), 151)), CategorySampling.Sample, "came out as"],
        ["a coarser grid told", (Action<JsonObject>)(m => Column(m, "Age")["GranularityUnits"] = 7), CategorySampling.Sample, "in steps of 7"],
        ["a rule the graph does not apply", (Action<JsonObject>)(m => AddDependency(m, "Segment", "Owner", [0, 1, 2], [0, 0, 0])), CategorySampling.Sample, "break the rule"],
        ["other category names told", (Action<JsonObject>)(m => Column(m, "Segment")["Levels"] = new JsonArray("", "X", "Y")), CategorySampling.Sample, "trial run"],
    ];

    private static void Reverse(JsonObject column, string field) =>
        column[field] = new JsonArray(column[field]!.AsArray().Reverse().Select(v => (JsonNode?)v!.DeepClone()).ToArray());

    /// <summary>
    /// A quantile-mapped column's map grouped by <paramref name="group"/>, with a well-formed table for each of
    /// <paramref name="levels"/> (its first 101 training quantiles, and as many generated ones).
    /// </summary>
    private static void Grouped(JsonObject column, string group, int[] levels)
    {
        var quantiles = column["MarginalQuantiles"]!.AsArray().Take(101).ToArray();
        var generated = column["MarginalGenerated"]!.AsArray().Take(101).ToArray();
        column["MarginalGroup"] = group;
        column["MarginalGroupLevels"] = new JsonArray(levels.Select(l => (JsonNode?)l).ToArray());
        column["MarginalGroupTraining"] = new JsonArray(levels.SelectMany(_ => quantiles).Select(q => q!.DeepClone()).ToArray());
        column["MarginalGroupGenerated"] = new JsonArray(levels.SelectMany(_ => generated).Select(q => q!.DeepClone()).ToArray());
    }

    /// <summary>The training side of a column's marginal map: its quantiles, or its distinct values.</summary>
    /// <summary>Levels for each of a column's training quantiles: <paramref name="level"/> of its even position in [0, 1].</summary>
    private static JsonArray Levels(JsonObject column, Func<double, double> level)
    {
        int n = column["MarginalQuantiles"]!.AsArray().Count;
        return new JsonArray(Enumerable.Range(0, n).Select(i => (JsonNode?)level(i / (n - 1.0))).ToArray());
    }

    private static JsonArray TrainingSide(JsonObject column) => (column["MarginalQuantiles"] ?? column["MarginalValues"])!.AsArray();

    /// <summary>Values without their cumulative shares; or, for a column mapped by quantiles, values added beside them.</summary>
    private static void DropShares(JsonObject column)
    {
        if (column["MarginalValues"] is not null) column.Remove("MarginalCumulative");
        else column["MarginalValues"] = new JsonArray(1, 2);
    }

    /// <summary>A lower maximum, with the marginal map's training side (which must lie in the range) cut to it.</summary>
    private static void NarrowerRange(JsonObject column, double maximum)
    {
        column["Maximum"] = maximum;
        if (column["MarginalQuantiles"] is JsonArray quantiles)
            column["MarginalQuantiles"] = new JsonArray(quantiles.Select(q => (JsonNode?)Math.Min((double)q!, maximum)).ToArray());
        if (column["MarginalValues"] is JsonArray values)
        {
            var kept = values.Select(v => (double)v!).Where(v => v <= maximum).ToArray();
            column["MarginalValues"] = new JsonArray(kept.Select(v => (JsonNode?)v).ToArray());
            column["MarginalCumulative"] = new JsonArray(column["MarginalCumulative"]!.AsArray().Take(kept.Length - 1).Select(c => c!.DeepClone()).ToArray());
        }
    }

    private static void DropLastCategory(JsonObject column)
    {
        foreach (string field in new[] { "Levels", "LevelCounts", "LevelIsMissing", "LogitBiases" })
            if (column[field] is JsonArray values) values.RemoveAt(values.Count - 1);
        column.Remove("ConditionShares"); // calibrated over every category: without them, conditions are drawn by the counts
        column.Parent!.Parent!.AsObject().Remove("Dependencies"); // they name the dropped category: the lie is the graph's input
        foreach (var grouped in column.Parent!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["MarginalGroup"] == (string?)column["Name"]))
            foreach (string field in new[] { "MarginalGroup", "MarginalGroupLevels", "MarginalGroupTraining", "MarginalGroupGenerated" })
                grouped.Remove(field); // so do maps grouped by the column
    }

    [TestMethod]
    [DynamicData(nameof(GraphLies))]
    public void AGraphThatDoesNotMatchItsDescriptionIsRefusedAtLoad(string lie, Action<JsonObject> edit, CategorySampling graph, string named)
    {
        var e = Refused(HostileFiles.OnnxWithDescription(s_model.Model, edit, graph), "mismatched.onnx");
        StringAssert.Contains(e.Message, "does not match its description", lie);
        StringAssert.Contains(e.Message, named, lie);
    }

    [TestMethod]
    public void WeightsOfAnotherShapeAreRefusedAtLoad()
    {
        // A manifest that still passes its own checks but describes wider layers than the weights hold.
        string path = Path.Combine(s_folder, "wider.zip");
        File.Copy(s_zip, path, overwrite: true);
        HostileFiles.EditManifest(path, m => m["Options"]!["GeneratorLayers"] = new JsonArray(32));
        var e = Refused(File.ReadAllBytes(path), "wider.zip");
        StringAssert.Contains(e.Message, "generator weights");
    }

    [TestMethod]
    public void GarbageIsRefusedWithAPrintableMessage()
    {
        var random = new Random(5);
        foreach (int length in new[] { 3, 64, 5000 })
        {
            var garbage = new byte[length];
            random.NextBytes(garbage);
            Refused(garbage, $"garbage-{length}.bin");
            garbage[0] = (byte)'P';
            garbage[1] = (byte)'K';
            Refused(garbage, $"garbage-zip-{length}.zip");
        }
    }
}
