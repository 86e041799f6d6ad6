using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Combinations: a town's attributes that each of its tracts repeats are found at Fit as one combination (and the
/// tracts' own numbers are not); every generated row takes one of the training rows' combinations, in .NET and in the
/// graph alike, after a save and a load too, while a generator without them mixes towns; the choice (nearest anchor,
/// then nearest in the others, first of equals) is the same in .NET and in the graph; a file that lies about one is refused.
/// </summary>
[TestClass]
public sealed class NumericCombinationTests
{
    private static readonly string[] s_members = ["Oxides", "Tax", "Ratio", "Zone"];

    /// <summary>
    /// 60 towns of 4 to 9 tracts each. A town's Tax (Double, one decimal), Ratio (Single, one decimal), Zone (Int32, six
    /// values) and Oxides (Double, three decimals) come from small pools, so that towns share values and no column
    /// fixes another, while the four together single out the town; District (text) names the zone. A tract's Income
    /// (Single), Rooms (Double) and Age (Int32, 0-100) are its own.
    /// </summary>
    private static (IDataView Data, HashSet<(double, double, double, double)> Towns) Tracts(int seed, bool named = false)
    {
        var random = new Random(seed);
        var taxes = Enumerable.Range(0, 50).Select(i => Math.Round(180 + 9.7 * i, 1)).ToArray();
        var ratios = Enumerable.Range(0, 40).Select(i => (float)Math.Round(12.6 + 0.23 * i, 1)).ToArray();
        var zones = new[] { 0, 12, 20, 25, 40, 80 };
        var oxides = Enumerable.Range(0, 55).Select(i => Math.Round(0.385 + 0.0071 * i, 3)).ToArray();
        var towns = new List<(double Tax, float Ratio, int Zone, double Oxides)>();
        var seen = new HashSet<(double, double, double, double)>();
        for (int t = 0; t < 60; t++)
        {
            // Every pool value used at least once where it can be; a few towns share a value of each.
            var town = (taxes[t % 50], ratios[(t * 7) % 40], zones[(t * 5 + t / 6) % 6], oxides[(t * 13) % 55]);
            if (!seen.Add((town.Item1, town.Item2, town.Item3, town.Item4))) throw new InvalidOperationException("towns must differ");
            towns.Add(town);
        }
        var tax = new List<double>();
        var ratio = new List<float>();
        var zone = new List<int>();
        var ox = new List<double>();
        var district = new List<ReadOnlyMemory<char>>();
        var name = new List<ReadOnlyMemory<char>>();
        var income = new List<float>();
        var rooms = new List<double>();
        var age = new List<int>();
        foreach (var town in towns)
        {
            int tracts = 4 + random.Next(6);
            for (int i = 0; i < tracts; i++)
            {
                tax.Add(town.Tax);
                ratio.Add(town.Ratio);
                zone.Add(town.Zone);
                ox.Add(town.Oxides);
                district.Add($"Z{town.Zone}".AsMemory());
                name.Add($"Town {towns.IndexOf(town)}".AsMemory());
                income.Add((float)Math.Round(20_000 + 40_000 * random.NextDouble() + 300 * town.Ratio, 0));
                rooms.Add(Math.Round(4 + 4 * random.NextDouble(), 3));
                age.Add(random.Next(101));
            }
        }
        var data = new TestTables.ArrayView(
        [
            .. named ? new (string, DataViewType, Array)[] { ("Town", TextDataViewType.Instance, name.ToArray()) } : [],
            ("Tax", NumberDataViewType.Double, tax.ToArray()), ("Ratio", NumberDataViewType.Single, ratio.ToArray()), ("Zone", NumberDataViewType.Int32, zone.ToArray()),
            ("Oxides", NumberDataViewType.Double, ox.ToArray()), ("District", TextDataViewType.Instance, district.ToArray()), ("Income", NumberDataViewType.Single, income.ToArray()),
            ("Rooms", NumberDataViewType.Double, rooms.ToArray()), ("Age", NumberDataViewType.Int32, age.ToArray()),
        ]);
        return (data, seen);
    }

    private static GanTrainer.Options Small(bool combinations = true, bool categories = true) => new()
    {
        Epochs = 3, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, NumericCombinations = combinations,
        CombinationCategories = categories,
    };

    private static ColumnFitSettings Settings() => new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { Trends = true, Formulas = true, Combinations = true };

    [TestMethod]
    public void ATownsAttributesAreFoundAsOneCombinationAndATractsOwnNumbersAreNot()
    {
        var (data, towns) = Tracts(1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings(), () => { }).Encoder;
        var found = encoder.Combinations.Select(c => c.ToInfo()).ToArray();
        Assert.HasCount(1, found, string.Join("; ", found.Select(f => f.ToString())));
        CollectionAssert.AreEqual(s_members, found[0].Columns.ToArray(),
            "Oxides singles out a town in the most rows and leads; Income, Rooms and Age vary within a town and take no part");
        Assert.AreEqual(towns.Count, found[0].Combinations);
        Assert.AreEqual("Oxides, Tax, Ratio, Zone come in 60 combinations", found[0].ToString());
        // A dependency may read a combined column (Zone names its District), never set one: the rules the numbers made
        // among themselves (an oxides value of ten tracts or more fixes its town's tax rate) give way to the combination.
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Zone" && d.TargetName == "District"), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        Assert.IsFalse(encoder.Dependencies.Any(d => s_members.Contains(d.TargetName)), string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo())));
        Assert.IsFalse(encoder.Trends.Any(t => s_members.Contains(t.TargetName) || s_members.Contains(t.AnchorName)), "a combined column follows no curve and anchors none");

        Assert.IsFalse(found[0].LearnedAsCategory, "learned as a category only where asked");
        Assert.AreEqual(names.Length, encoder.Columns.Count, "no hidden column");

        Assert.IsEmpty(TabularEncoder.Fit(data, names, Settings() with { Combinations = false }, () => { }).Encoder.Combinations);
        // A column a constraint names takes no part; the others still combine.
        var ruled = TabularEncoder.Fit(data, names, Settings(), () => { }, constraints: [GanConstraint.Positive("Tax")]).Encoder;
        CollectionAssert.AreEqual(new[] { "Oxides", "Ratio", "Zone" }, ruled.Combinations.Single().Names);
    }

    [TestMethod]
    public void ACombinationNoColumnFixesIsLearnedAsAHiddenCategoryAfterTheTablesColumns()
    {
        var (data, towns) = Tracts(1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var (encoder, encoded) = TabularEncoder.Fit(data, names, Settings() with { CombinationCategories = true }, () => { });
        using (encoded)
        {
            var combination = encoder.Combinations.Single();
            Assert.IsTrue(combination.Learned);
            Assert.AreEqual(names.Length, encoder.VisibleCount, "the table's columns first, in its order");
            Assert.AreEqual(names.Length + 1, encoder.Columns.Count);
            Assert.AreEqual(names.Length, combination.Category);
            var hidden = (CombinationColumn)encoder.Columns[combination.Category];
            Assert.AreEqual("(combination of Oxides, Tax, Ratio, Zone)", hidden.Name);
            Assert.IsTrue(encoder.IsHidden(combination.Category) && !encoder.IsHidden(names.Length - 1));
            CollectionAssert.AreEqual(combination.Counts, hidden.LevelCounts, "a category a combination, with its training rows");
            CollectionAssert.AreEqual(names, encoder.BuildSchema().Select(c => c.Name).ToArray(), "generated rows have the table's columns only");
            Assert.AreEqual("Oxides, Tax, Ratio, Zone come in 60 combinations, learned as one category", combination.ToInfo().ToString());
            Assert.IsTrue(new ConditionLayout(encoder).Columns.Any(c => c.Column == combination.Category), "ordinary rows are conditioned on the town as on any category");

            // Each encoded training row's one-hot is its own town, and decoding it gives the town's values back.
            var decoded = new DecodedRows(encoder, encoded.Count);
            var block = new float[encoded.Count * encoder.Width];
            encoded.Gather(Enumerable.Range(0, encoded.Count).ToArray(), block);
            encoder.Decode(block, new float[encoded.Count * encoder.DrawCount], encoded.Count, CategorySampling.ArgMax, decoded);
            var (read, count) = encoder.ReadRows(data, encoded.Count, seed: 1, () => { });
            Assert.AreEqual(encoded.Count, count);
            for (int r = 0; r < count; r++)
            {
                foreach (int c in combination.Columns) Assert.AreEqual(read.Numbers(c)[r], decoded.Numbers(c)[r], $"row {r}, {encoder.Columns[c].Name}");
                Assert.AreEqual(decoded.Levels(combination.Category)[r], read.Levels(combination.Category)[r], $"row {r}: the town read from its values is the one it was encoded with");
            }
        }

        // Where one column fixes the others, the row keeps that column's value instead: no hidden column.
        var month = Enumerable.Range(0, 600).Select(i => (double)(i % 120)).ToArray(); // ten years of months, five rows each
        var year = month.Select(m => 2000.0 + Math.Floor(m / 12)).ToArray();
        var noise = Enumerable.Range(0, 600).Select(i => (double)(i * 7919 % 600)).ToArray();
        var panel = new TestTables.ArrayView([("Month", NumberDataViewType.Double, month), ("Year", NumberDataViewType.Double, year), ("Sales", NumberDataViewType.Double, noise)]);
        var functional = TabularEncoder.Fit(panel, ["Month", "Year", "Sales"], Settings() with { CombinationCategories = true, Dependencies = false }, () => { });
        functional.Rows.Dispose();
        Assert.IsTrue(functional.Encoder.Combinations.Single().Functional);
        Assert.IsFalse(functional.Encoder.Combinations.Single().Learned);
        Assert.AreEqual(3, functional.Encoder.Columns.Count);
    }

    [TestMethod]
    public void NumbersATownsNameFixesFollowTheNameNotACombination()
    {
        // With the town's name a column, the name fixes its numbers: the generator learns the name as a category, and
        // the numbers follow it by the dependencies, as good as a combination and with the name to match.
        var (data, _) = Tracts(1, named: true);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings(), () => { }).Encoder;
        Assert.IsEmpty(encoder.Combinations, string.Join("; ", encoder.Combinations));
        foreach (string member in s_members)
            Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Town" && d.TargetName == member), $"Town -> {member}: {string.Join("; ", encoder.Dependencies.Select(d => d.ToInfo()))}");
    }

    [TestMethod]
    public void NumbersThatMerelyRepeatAreNoCombination()
    {
        // Two columns of 50 values each, drawn apart: they make most of their 2,500 pairs, and no combination.
        var random = new Random(3);
        int rows = 3000;
        var a = Enumerable.Range(0, rows).Select(_ => (double)random.Next(50)).ToArray();
        var b = Enumerable.Range(0, rows).Select(_ => (double)random.Next(50) / 10).ToArray();
        // A column a small one fixes (Parity of Small): a dependency's business, not a combination's (too few pairs possible).
        var small = Enumerable.Range(0, rows).Select(_ => random.Next(6)).ToArray();
        var parity = small.Select(v => v % 2).ToArray();
        var data = new TestTables.ArrayView([("A", NumberDataViewType.Double, a), ("B", NumberDataViewType.Double, b), ("Small", NumberDataViewType.Int32, small), ("Parity", NumberDataViewType.Int32, parity)]);
        var encoder = TabularEncoder.Fit(data, ["A", "B", "Small", "Parity"], Settings(), () => { }).Encoder;
        Assert.IsEmpty(encoder.Combinations, string.Join("; ", encoder.Combinations));
        Assert.IsTrue(encoder.Dependencies.Any(d => d.DeterminantName == "Small" && d.TargetName == "Parity"));
    }

    [TestMethod]
    public void GeneratedRowsTakeTheTrainingCombinationsInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var (data, towns) = Tracts(2);
        using var model = ml.Gan().Train(Small()).Fit(data);
        CollectionAssert.AreEqual(s_members, model.Combinations.Single().Columns.ToArray());
        Assert.IsTrue(model.Combinations.Single().LearnedAsCategory);
        using var nearest = ml.Gan().Train(Small(categories: false)).Fit(data);
        Assert.IsFalse(nearest.Combinations.Single().LearnedAsCategory);
        using var bare = ml.Gan().Train(Small(combinations: false)).Fit(data);
        Assert.IsEmpty(bare.Combinations);

        // The hidden category is no column users see, generate or condition on.
        string hidden = model.Model.Encoder.Columns[^1].Name;
        CollectionAssert.AreEqual(data.Schema.Select(c => c.Name).ToArray(), model.Columns.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(data.Schema.Select(c => c.Name).ToArray(), model.Generate(10, seed: 1).Schema.Select(c => c.Name).ToArray());
        CollectionAssert.DoesNotContain(model.Model.SignatureFor(CategorySampling.Sample).Outputs.ToArray(), hidden);
        var refused = Assert.ThrowsExactly<ArgumentException>(() => model.Generate(10, seed: 1, new Dictionary<string, object> { [hidden] = "1" }));
        StringAssert.Contains(refused.Message, "the model has no such column");
        // A client that brings its own condition finds the hidden block, and its categories, in the graph's metadata.
        using (var session = new InferenceSession(model.Model.ExportOnnx(CategorySampling.Sample)))
        {
            CollectionAssert.DoesNotContain(session.OutputNames.ToArray(), hidden);
            var metadata = session.ModelMetadata.CustomMetadataMap;
            StringAssert.Contains(metadata["microsoft.ml.gan.condition"], $"{hidden} at ");
            var categories = System.Text.Json.Nodes.JsonNode.Parse(metadata["microsoft.ml.gan.categories"])!.AsObject();
            CollectionAssert.AreEqual(Enumerable.Range(1, towns.Count).ToArray(), categories[hidden]!.AsArray().Select(v => v!.GetValue<int>()).ToArray());
            StringAssert.Contains(metadata["microsoft.ml.gan.columns"], $"{hidden}: a combination learned as {towns.Count} categories");
            StringAssert.Contains(metadata["microsoft.ml.gan.combinations"], "Oxides, Tax, Ratio, Zone come in 60 combinations, learned as one category");
        }

        double Kept(GanTransformer m)
        {
            var rows = m.Generate(2000, seed: 5);
            var columns = s_members.Select(n => TestTables.Column(rows, n).Select(Convert.ToDouble).ToArray()).ToArray();
            return Enumerable.Range(0, columns[0].Length).Count(r => towns.Contains((columns[1][r], columns[2][r], columns[3][r], columns[0][r]))) / (double)columns[0].Length;
        }
        double with = Kept(model), near = Kept(nearest), without = Kept(bare);
        Console.WriteLine($"rows holding a town of the training rows: {with:P1} learned as a category, {near:P1} the nearest, {without:P1} without");
        Assert.AreEqual(1.0, with, "every generated row holds a town's attributes");
        Assert.AreEqual(1.0, near, "every generated row holds a town's attributes");
        Assert.IsLessThan(0.5, without, "the contrast: a generator on its own mixes towns");

        // The towns come at their training shares: the category's shares are calibrated as any category's are.
        var generated = model.Generate(3000, seed: 6);
        var oxides = TestTables.Column(generated, "Oxides").Select(Convert.ToDouble).ToArray();
        var taxes = TestTables.Column(generated, "Tax").Select(Convert.ToDouble).ToArray();
        var made = Enumerable.Range(0, oxides.Length).GroupBy(r => (oxides[r], taxes[r])).ToDictionary(g => g.Key, g => g.Count() / (double)oxides.Length);
        var training = model.Model.Encoder.Combinations.Single();
        double total = training.Counts.Sum(), distance = 0;
        for (int t = 0; t < training.Count; t++)
            distance += Math.Abs(made.GetValueOrDefault((training.Tuples[t * 4], training.Tuples[t * 4 + 1])) - training.Counts[t] / total);
        Console.WriteLine($"towns made: {made.Count} of {training.Count}; total variation from the training shares {distance / 2:F3}");
        Assert.IsGreaterThanOrEqualTo(training.Count - 3, made.Count, "nearly every town is made");
        Assert.IsLessThan(0.15, distance / 2, "the towns' shares are near the training shares");

        // The .NET decoder and the graph: each row holds a combination in both, the same one but where the two matrix
        // products' last bits put a generated anchor on the other side of a step of its map (the choice itself is the
        // same to the bit: see EachRowTakesTheNearestCombinationInDotNetAndTheGraphAlike).
        var m = model.Model;
        var combination = m.Encoder.Combinations.Single();
        int count = 2000;
        var (reference, graph) = TestTables.DotNetAndGraph(m, seed: 7, count);
        Assert.IsTrue(combination.HoldsIn(reference, count), ".NET");
        Assert.IsTrue(combination.HoldsIn(graph, count), "the graph");
        int differ = Enumerable.Range(0, count).Count(r => combination.Columns.Any(c => reference.Numbers(c)[r] != graph.Numbers(c)[r]));
        Assert.IsLessThanOrEqualTo(count / 100, differ, $"rows whose combination differs: {differ}");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Combinations.Single().Columns.ToArray(), loaded.Combinations.Single().Columns.ToArray());
            foreach (string name in s_members)
                CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), name), TestTables.Column(loaded.Generate(300, seed: 8), name), name);
        });
    }

    /// <summary>Columns A and B (Double) of a fitted encoder, with a combination made by hand: (1, 10), (3, 0), (3, 20); B scaled by 10.</summary>
    private static (NumericCombination Combination, IReadOnlyList<GanColumn> Columns) ByHand()
    {
        var values = Enumerable.Range(0, 60).Select(i => (double)(i % 4)).ToArray();
        var data = new TestTables.ArrayView([("A", NumberDataViewType.Double, values), ("B", NumberDataViewType.Double, values.Select(v => v * 7).ToArray())]);
        var columns = TabularEncoder.Fit(data, ["A", "B"], new ColumnFitSettings(new HashSet<string> { "" }, 1000), () => { }).Encoder.Columns;
        return (new NumericCombination([0, 1], [1, 10, 3, 0, 3, 20], [1, 1, 1], [1, 10], ["A", "B"]), columns);
    }

    /// <summary>
    /// Rows (A, B) and the combination each takes: the least (A − a)² + ((B − b) / 10)², the first of equal costs (in
    /// the sorted order: (1, 10), (3, 0), (3, 20)); where every cost overflows, the first.
    /// </summary>
    private static readonly (double A, double B, double ToA, double ToB)[] s_choices =
    [
        (2, 0, 3, 0), (2, 10, 1, 10), (2.9, 12, 3, 20), (3, 10, 3, 0), (3, 10.000001, 3, 20), (-5, 100, 1, 10), (50, -1, 3, 0), (1, 1e300, 1, 10),
        (2.0000001, 20, 3, 20), (-0.0, 0, 1, 10), (4, 15, 3, 20), (2, 5, 1, 10), (0, 5, 1, 10), (1e300, 0, 1, 10),
    ];

    [TestMethod]
    public void EachRowTakesTheNearestCombinationInDotNetAndTheGraphAlike()
    {
        var (combination, columns) = ByHand();
        var encoder = new TabularEncoder(columns);
        var rows = new DecodedRows(encoder, s_choices.Length);
        for (int r = 0; r < s_choices.Length; r++) (rows.Numbers(0)[r], rows.Numbers(1)[r]) = (s_choices[r].A, s_choices[r].B);
        combination.Apply(rows, columns, 0, s_choices.Length);
        for (int r = 0; r < s_choices.Length; r++)
            Assert.AreEqual((s_choices[r].ToA, s_choices[r].ToB), (rows.Numbers(0)[r], rows.Numbers(1)[r]), $"row {r}: ({s_choices[r].A}, {s_choices[r].B})");
        Assert.IsTrue(combination.HoldsIn(rows, s_choices.Length));

        var graph = new OnnxGraph("combination");
        var one = graph.Constant([1L], 1);
        var decoded = new[] { graph.Node("Squeeze", [graph.Input("a", OnnxType.Double, 1), one]), graph.Node("Squeeze", [graph.Input("b", OnnxType.Double, 1), one]) };
        combination.AddOnnx(graph, columns, decoded);
        graph.Output("to_a", decoded[0], OnnxType.Double);
        graph.Output("to_b", decoded[1], OnnxType.Double);
        using var session = new InferenceSession(graph.ToModel("test", []));
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("a", new DenseTensor<double>(s_choices.Select(c => c.A).ToArray(), [s_choices.Length, 1])),
            NamedOnnxValue.CreateFromTensor("b", new DenseTensor<double>(s_choices.Select(c => c.B).ToArray(), [s_choices.Length, 1])),
        ]);
        var toA = results.First(x => x.Name == "to_a").AsEnumerable<double>().ToArray();
        var toB = results.First(x => x.Name == "to_b").AsEnumerable<double>().ToArray();
        for (int r = 0; r < s_choices.Length; r++)
            Assert.AreEqual((s_choices[r].ToA, s_choices[r].ToB), (toA[r], toB[r]), $"graph, row {r}: ({s_choices[r].A}, {s_choices[r].B})");
        Assert.IsFalse(combination.Functional, "A = 3 goes with two values of B");
    }

    [TestMethod]
    public void WhereOneColumnFixesTheOthersARowKeepsItsValueAndTheOthersFollow()
    {
        // (1, 10), (2, 0), (3, 20): A fixes B. A row (2.9, 0) keeps A's nearest value, 3, and takes B = 20, where the
        // nearest combination in both would be (2, 0).
        var (_, columns) = ByHand();
        var combination = new NumericCombination([0, 1], [1, 10, 2, 0, 3, 20], [1, 1, 1], [1, 10], ["A", "B"]);
        Assert.IsTrue(combination.Functional);
        var rows = new DecodedRows(new TabularEncoder(columns), 3);
        double[][] given = [[2.9, 0], [2.5, 10], [-1, 20]], expected = [[3, 20], [2, 0], [1, 10]];
        for (int r = 0; r < 3; r++) (rows.Numbers(0)[r], rows.Numbers(1)[r]) = (given[r][0], given[r][1]);
        combination.Apply(rows, columns, 0, 3);
        for (int r = 0; r < 3; r++)
            Assert.AreEqual((expected[r][0], expected[r][1]), (rows.Numbers(0)[r], rows.Numbers(1)[r]), $"row {r}: the lower of two anchors as near, as the graph's ArgMin");
    }

    /// <summary>Manifests that lie about a combination, each with what the refusal names.</summary>
    public static IEnumerable<object[]> CombinationLies() =>
    [
        ["an unknown column", (Action<JsonObject>)(c => c["Columns"]![1] = "Nope"), "names something other than number columns"],
        ["a text column", (Action<JsonObject>)(c => c["Columns"]![1] = "District"), "names something other than number columns"],
        ["one column", (Action<JsonObject>)(c => c["Columns"] = new JsonArray("Oxides")), "does not combine 2 to 64 columns"],
        ["a column twice", (Action<JsonObject>)(c => c["Columns"]![1] = "Oxides"), "names a column twice"],
        ["a combination short of a value", (Action<JsonObject>)(c => c["Tuples"]!.AsArray().RemoveAt(0)), "does not hold 1 to 1,000 combinations"],
        ["no combination", (Action<JsonObject>)(c => { c["Tuples"] = new JsonArray(); c["Counts"] = new JsonArray(); }), "does not hold 1 to 1,000 combinations"],
        ["a scale short", (Action<JsonObject>)(c => c["Scales"]!.AsArray().RemoveAt(0)), "a scale a column"],
        ["a scale of 0", (Action<JsonObject>)(c => c["Scales"]![1] = 0.0), "no positive number"],
        ["the first column's scale of 0", (Action<JsonObject>)(c => c["Scales"]![0] = 0.0), "no positive number"],
        ["a count of 0", (Action<JsonObject>)(c => c["Counts"]![0] = 0), "a count below 1"],
        ["a value outside the column's range", (Action<JsonObject>)(c => c["Tuples"]![1] = 1e9), "which the column does not allow"],
        ["a whole-number column's fraction", (Action<JsonObject>)(c => c["Tuples"]![3] = 12.5), "which the column does not allow"],
        ["combinations out of order", (Action<JsonObject>)(c =>
        {
            var t = c["Tuples"]!.AsArray(); // the first and the last combination swapped
            for (int i = 0; i < 4; i++) (t[i], t[t.Count - 4 + i]) = (t[t.Count - 4 + i]!.DeepClone(), t[i]!.DeepClone());
        }), "out of order"],
    ];

    /// <summary>A model with the towns' combination, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small()).Fit(Tracts(3).Data);
        CollectionAssert.AreEqual(s_members, model.Combinations.Single().Columns.ToArray());
        return HostileFiles.Saved(model);
    });

    [TestMethod]
    [DynamicData(nameof(CombinationLies))]
    public void AManifestThatLiesAboutACombinationIsRefused(string lie, Action<JsonObject> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => edit(manifest["Combinations"]![0]!.AsObject()), lie);
        StringAssert.Contains(e.Message, named, lie);
    }

    [TestMethod]
    public void AManifestWhoseCombinationHoldsAColumnAnotherRuleSetsIsRefused()
    {
        // A formula that makes a combined column: Tax as the sum of Income and Age.
        // (The dependencies left out: one reads Tax, which a formula may not make either.)
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest =>
        {
            manifest["Dependencies"] = null;
            manifest["Formulas"] = new JsonArray(new JsonObject { ["Target"] = "Tax", ["Kind"] = "Sum", ["Inputs"] = new JsonArray("Income", "Age"), ["Scale"] = 1.0 });
        }, "a formula that makes a combined column");
        StringAssert.Contains(e.Message, "holds column 'Tax', which a dependency, trend, formula or constraint sets");
    }

    /// <summary>The manifest's last column: the hidden one.</summary>
    private static JsonNode Last(JsonObject manifest) => manifest["Columns"]!.AsArray()[^1]!;

    /// <summary>Manifests whose hidden category lies, each with what the refusal names.</summary>
    public static IEnumerable<object[]> CategoryLies() =>
    [
        ["the category a column of the table", (Action<JsonObject>)(m => m["Combinations"]![0]!["Category"] = "District"), "which is no combination's column of the model"],
        ["an unknown category", (Action<JsonObject>)(m => m["Combinations"]![0]!["Category"] = "Nope"), "which is no combination's column of the model"],
        ["a category of fewer categories than combinations", (Action<JsonObject>)(m =>
        {
            var hidden = Last(m);
            hidden["LevelCounts"]!.AsArray().RemoveAt(0);
            hidden["LevelIsMissing"]!.AsArray().RemoveAt(0);
            hidden["LogitBiases"] = null;
            hidden["ConditionShares"] = null;
        }), "which is no combination's column of the model"],
        ["the hidden column no combination's", (Action<JsonObject>)(m => m["Combinations"]![0]!.AsObject().Remove("Category")), "that no combination (or more than one) is learned as"],
        ["the hidden column among the table's", (Action<JsonObject>)(m =>
        {
            var columns = m["Columns"]!.AsArray();
            var hidden = columns[^1]!;
            columns.RemoveAt(columns.Count - 1);
            columns.Insert(0, hidden);
        }), "comes after all of them"],
        ["a category that stands for a missing value", (Action<JsonObject>)(m => Last(m)["LevelIsMissing"]![0] = true), "stands for no missing value"],
        ["a dependency that sets the hidden category", (Action<JsonObject>)(m =>
        {
            var dependency = m["Dependencies"]![0]!;
            dependency["Target"] = Last(m)["Name"]!.GetValue<string>();
        }), "on '(combination of Oxides, Tax, Ratio, Zone)' involves a combination's hidden category"],
    ];

    [TestMethod]
    [DynamicData(nameof(CategoryLies))]
    public void AManifestThatLiesAboutAHiddenCategoryIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedLie(s_saved.Value, edit, lie, named);

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void AGraphWhoseRowsLeaveTheCombinationsItsDescriptionListsIsRefusedAtLoad(bool categories)
    {
        // The description gives the first 30 towns another zoning (one the column has); the graph still makes the
        // towns' own. A learned category and the nearest combination alike.
        var ml = new MLContext(1);
        using var model = categories ? ml.Gan().LoadModel(new MemoryStream(s_saved.Value)) : ml.Gan().Train(Small(categories: false)).Fit(Tracts(3).Data);
        Assert.AreEqual(categories, model.Combinations.Single().LearnedAsCategory);
        var lying = HostileFiles.OnnxWithDescription(model.Model, manifest =>
        {
            var tuples = manifest["Combinations"]![0]!["Tuples"]!.AsArray();
            for (int t = 0; t < 30; t++) tuples[t * 4 + 3] = tuples[t * 4 + 3]!.GetValue<double>() == 80 ? 0.0 : 80.0;
        });
        HostileFiles.RefusedMismatchedOnnx(lying, "come in a combination its description does not list");
    }
}
