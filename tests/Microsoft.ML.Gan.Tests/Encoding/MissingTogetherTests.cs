using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Numeric columns missing in exactly the same training rows (a sub-study's measures, pbc's six), and columns missing
/// in all of another's rows and more (pbc's cholesterol): found at Fit, and only they (not a column missing in other
/// rows, nor two missing in the same two rows, nor one a constraint names); every generated row keeps them, in .NET and
/// in the graph alike, after a save and a load too, where the same generator without the rule breaks many rows; a file
/// that lies about them is refused.
/// </summary>
[TestClass]
public sealed class MissingTogetherTests
{
    private static readonly string[] s_together = ["Dose", "Response", "Visit"];

    /// <summary>
    /// A trial: Arm (A/B), Age (no missing), Dose, Response and Visit (a date), all three missing in the same 30 % of
    /// the rows (patients outside the sub-study), Weight missing in another 20 % at random, RareA and RareB, each
    /// missing in the same two rows only, Followup missing in Dose's rows and a tenth more, and Late in Followup's and a
    /// tenth more.
    /// </summary>
    private static IDataView Trial(int seed, int rows = 600)
    {
        var random = new Random(seed);
        var arm = new ReadOnlyMemory<char>[rows];
        var age = new int[rows];
        var dose = new float[rows];
        var response = new double[rows];
        var visit = new DateTime[rows];
        var weight = new float[rows];
        var rareA = new float[rows];
        var rareB = new float[rows];
        var followup = new float[rows];
        var late = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            bool b = random.NextDouble() < 0.5;
            arm[r] = (b ? "B" : "A").AsMemory();
            age[r] = 20 + random.Next(60);
            bool outside = r % 10 < 3; // exactly 30 %, spread over the table
            dose[r] = outside ? float.NaN : MathF.Round(10 + (b ? 5 : 0) + 3 * (float)random.NextDouble(), 1);
            response[r] = outside ? double.NaN : Math.Round(dose[r] * 0.5 + 4 * random.NextDouble(), 2);
            visit[r] = outside ? default : new DateTime(2024, 1, 1).AddDays(random.Next(365));
            weight[r] = random.NextDouble() < 0.2 ? float.NaN : MathF.Round(50 + 40 * (float)random.NextDouble(), 1);
            rareA[r] = r is 5 or 17 ? float.NaN : random.Next(100);
            rareB[r] = r is 5 or 17 ? float.NaN : random.Next(100);
            followup[r] = r % 10 < 4 ? float.NaN : random.Next(30, 60);
            late[r] = r % 10 < 5 ? float.NaN : random.Next(60, 90);
        }
        return new TestTables.ArrayView(
        [
            ("Arm", TextDataViewType.Instance, arm), ("Age", NumberDataViewType.Int32, age), ("Dose", NumberDataViewType.Single, dose),
            ("Response", NumberDataViewType.Double, response), ("Visit", DateTimeDataViewType.Instance, visit), ("Weight", NumberDataViewType.Single, weight),
            ("RareA", NumberDataViewType.Single, rareA), ("RareB", NumberDataViewType.Single, rareB),
            ("Followup", NumberDataViewType.Single, followup), ("Late", NumberDataViewType.Single, late),
        ]);
    }

    private static ColumnFitSettings Settings(bool together = true) => new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true) { MissingTogether = together };

    private static GanTrainer.Options Small(bool together = true) => new()
    {
        Epochs = 4, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1, MissingTogether = together,
    };

    /// <summary>Whether each row's value of <paramref name="name"/> is missing.</summary>
    private static bool[] Missing(IDataView rows, string name) => TestTables.Column(rows, name).Select(v => v switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        DateTime t => t == default,
        _ => throw new AssertFailedException($"column {name}: a {v?.GetType().Name}"),
    }).ToArray();

    /// <summary>
    /// The share of rows that break the trial's rules: the three columns not all missing or all present, Followup present
    /// where Dose is missing, or Late present where Followup is missing.
    /// </summary>
    private static double Broken(IDataView rows)
    {
        var masks = s_together.Select(n => Missing(rows, n)).ToArray();
        var (followup, late) = (Missing(rows, "Followup"), Missing(rows, "Late"));
        return Enumerable.Range(0, masks[0].Length).Count(r => masks.Any(m => m[r] != masks[0][r]) || masks[0][r] && !followup[r] || followup[r] && !late[r]) / (double)masks[0].Length;
    }

    [TestMethod]
    public void TheColumnsMissingInTheSameRowsAreFoundAndOnlyThey()
    {
        var data = Trial(1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, Settings(), () => { }).Encoder;
        string?[] Leaders(TabularEncoder e) => e.Columns.Select((_, c) => e.Info(c).MissingWith).ToArray();
        // Dose leads; Weight is missing in other rows; RareA and RareB share two rows only, which may be chance; Followup
        // is missing in Dose's rows and elsewhere, Late in Followup's (the largest it holds) and elsewhere.
        CollectionAssert.AreEqual(new[] { null, null, null, "Dose", "Dose", null, null, null, "Dose", "Followup" }, Leaders(encoder));
        CollectionAssert.AreEqual(new[] { false, false, false, false, false, false, false, false, true, true }, encoder.Columns.Select((_, c) => encoder.Info(c).MissingElsewhere).ToArray());
        Assert.AreEqual(2, encoder.LeaderOf(4));
        Assert.AreEqual(-1, encoder.LeaderOf(2));

        CollectionAssert.AreEqual(new string?[10], Leaders(TabularEncoder.Fit(data, names, Settings(together: false), () => { }).Encoder));
        Assert.IsFalse(GanTrainer.Options.Classic().MissingTogether, "the original GAN has no such rule");
        Assert.IsTrue(new GanTrainer.Options().MissingTogether);
        // A column a constraint names takes no part: the other two still go together.
        var ruled = TabularEncoder.Fit(data, names, Settings(), () => { }, constraints: [GanConstraint.Positive("Dose")]).Encoder;
        CollectionAssert.AreEqual(new[] { null, null, null, null, "Response", null, null, null, "Response", "Followup" }, Leaders(ruled));
    }

    [TestMethod]
    public void FinderLinksEqualMasksOfAtLeastThreeRowsAndMasksWithinOthersWithEnoughEvidence()
    {
        double n = double.NaN;
        // 40 rows: columns 0, 1 and 6 missing in rows 0-9, column 2 in other ten rows, column 9 in rows 0-13.
        double[] Masked(Func<int, bool> missing) => Enumerable.Range(0, 40).Select(r => missing(r) ? n : r).ToArray();
        double[]?[] values =
        [
            Masked(r => r < 10), // leads the next and column 6
            Masked(r => r < 10),
            Masked(r => r is >= 10 and < 20), // the same count, other rows
            null, // not numeric
            Masked(_ => true), // missing everywhere: no rule
            Masked(_ => true),
            Masked(r => r < 10),
            Masked(r => r < 2), // two rows only, in column 0's
            Masked(r => r < 2),
            Masked(r => r < 14), // column 10's rows and more: 12 · ln(40/14) = 12.6, short of the evidence (column 0's: 10.5)
            Masked(r => r < 12), // column 0's rows and more: 10 · ln(40/12) = 12.0, short too
        ];
        var links = MissingTogether.Find(values, _ => true, () => { });
        CollectionAssert.AreEqual(new[] { new MissingTogether.Link(1, 0, false), new MissingTogether.Link(6, 0, false) }, links.ToArray());
        // A column that is not eligible leaves the others their link.
        CollectionAssert.AreEqual(new[] { new MissingTogether.Link(6, 1, false) }, MissingTogether.Find(values, c => c != 0, () => { }).ToArray());
        // With 400 rows the same nesting is evidence enough (10 · ln(400/14) = 33.5): column 9 follows the largest group
        // it holds (column 10's 12 rows, which follows column 0's 10).
        double[] Longer(double[] v) => [.. v, .. Enumerable.Range(40, 360).Select(r => v.All(double.IsNaN) ? n : r)];
        var longer = values.Select(v => v is null ? null : Longer(v)).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            new MissingTogether.Link(1, 0, false), new MissingTogether.Link(6, 0, false), new MissingTogether.Link(9, 10, true), new MissingTogether.Link(10, 0, true),
        }, MissingTogether.Find(longer, _ => true, () => { }).ToArray());
    }

    [TestMethod]
    public void GeneratedRowsAreMissingTogetherInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Trial(2);
        using var model = ml.Gan().Train(Small()).Fit(data);
        string?[] Leaders(GanTransformer m) => s_together.Append("Followup").Append("Late").Select(n => m.Columns.Single(c => c.Name == n).MissingWith).ToArray();
        string?[] expected = [null, "Dose", "Dose", "Dose", "Followup"];
        CollectionAssert.AreEqual(expected, Leaders(model));
        using var bare = ml.Gan().Train(Small(together: false)).Fit(data);
        Assert.IsTrue(bare.Columns.All(c => c.MissingWith is null));

        var rows = model.Generate(3000, seed: 5);
        double with = Broken(rows), without = Broken(bare.Generate(3000, seed: 5));
        Console.WriteLine($"generated rows that break the rules: {with:P2} with them, {without:P2} without");
        Assert.AreEqual(0.0, with, "every generated row keeps them");
        Assert.IsGreaterThan(0.02, without, "the contrast: the same generator on its own breaks rows");
        // The rates are still calibrated to the training rows' 30, 40 and 50 % (the last two counting their own rows
        // among those their leaders leave); Weight keeps its own rows.
        double Rate(string name) => Missing(rows, name).Count(m => m) / 3000.0;
        Console.WriteLine($"missing: Dose {Rate("Dose"):P1} (training 30 %), Followup {Rate("Followup"):P1} (40 %), Late {Rate("Late"):P1} (50 %), Weight {Rate("Weight"):P1} (about 20 %)");
        Assert.AreEqual(0.3, Rate("Dose"), 0.06);
        Assert.AreEqual(0.4, Rate("Followup"), 0.06);
        Assert.AreEqual(0.5, Rate("Late"), 0.06);
        var dose = Missing(rows, "Dose");
        Assert.IsLessThan(0.9, Missing(rows, "Weight").Zip(dose, (w, d) => w == d).Count(x => x) / 3000.0, "Weight is missing on its own");
        // Present values are values: the followers decode their own where the leader is present.
        Assert.IsTrue(TestTables.Column(rows, "Response").Zip(dose).Where(p => !p.Second).All(p => (double)p.First >= 0));

        // The .NET decoder and the graph: in each, the followers are missing exactly where the leader is, Followup
        // wherever Dose is and Late wherever Followup is, each also elsewhere; the two runtimes agree but where their
        // last bits put a draw on the other side of a head's boundary.
        var m = model.Model;
        int count = 2000;
        var (reference, graph) = TestTables.DotNetAndGraph(m, seed: 8, count);
        var names = m.Encoder.Columns.Select(c => c.Name).ToList();
        foreach (var (decoded, runtime) in new[] { (reference, ".NET"), (graph, "the graph") })
        {
            bool[] Mask(string name) => decoded.Numbers(names.IndexOf(name)).Take(count).Select(double.IsNaN).ToArray();
            var (leader, followup, late) = (Mask("Dose"), Mask("Followup"), Mask("Late"));
            Assert.IsTrue(leader.Any(x => x) && leader.Any(x => !x), runtime);
            foreach (string name in s_together.Skip(1)) CollectionAssert.AreEqual(leader, Mask(name), $"{name} in {runtime}");
            Assert.IsTrue(Enumerable.Range(0, count).All(r => !leader[r] || followup[r]), $"Followup wherever Dose, in {runtime}");
            Assert.IsTrue(Enumerable.Range(0, count).All(r => !followup[r] || late[r]), $"Late wherever Followup, in {runtime}");
            Assert.IsTrue(Enumerable.Range(0, count).Any(r => followup[r] && !leader[r]) && Enumerable.Range(0, count).Any(r => late[r] && !followup[r]), $"and elsewhere, in {runtime}");
        }
        foreach (string name in new[] { "Dose", "Followup", "Late" })
        {
            int c = names.IndexOf(name);
            int differ = Enumerable.Range(0, count).Count(r => double.IsNaN(reference.Numbers(c)[r]) != double.IsNaN(graph.Numbers(c)[r]));
            Assert.IsLessThanOrEqualTo(count / 100, differ, $"rows whose {name} is missing in one runtime and not the other: {differ}");
        }
        using (var session = new InferenceSession(m.ExportOnnx(CategorySampling.Sample)))
            StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.missing_together"], "Response with Dose; Visit with Dose; Followup with Dose and elsewhere; Late with Followup and elsewhere");

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(expected, Leaders(loaded));
            Assert.IsTrue(loaded.Columns.Single(c => c.Name == "Late").MissingElsewhere);
            Assert.IsTrue(loaded.Options.MissingTogether);
            Assert.AreEqual(0.0, Broken(loaded.Generate(1000, seed: 9)));
        });
    }

    /// <summary>A model with the trial's group, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 1;
        using var model = ml.Gan().Train(options).Fit(Trial(3));
        Assert.AreEqual("Dose", model.Columns.Single(c => c.Name == "Visit").MissingWith);
        return HostileFiles.Saved(model);
    });

    private static JsonObject Column(JsonObject manifest, string name) => HostileFiles.Column(manifest, name);

    /// <summary>Manifests that lie about a column's leader, each with what the refusal names.</summary>
    public static IEnumerable<object[]> Lies() =>
    [
        ["missing elsewhere with as many missing values", (Action<JsonObject>)(m => Column(m, "Response")["MissingElsewhere"] = true), "a column missing elsewhere too has more"],
        ["missing in the same rows with more missing values", (Action<JsonObject>)(m => Column(m, "Followup")["MissingElsewhere"] = false), "columns missing in the same rows have as many"],
        ["missing elsewhere without a leader", (Action<JsonObject>)(m => Column(m, "Weight")["MissingElsewhere"] = true), "Column 'Weight': the saved column is missing elsewhere than a leader it does not name"],
        ["a chain that comes back", (Action<JsonObject>)(m => Column(m, "Dose")["MissingWith"] = "Response"), "Column 'Dose' is saved as missing with a chain of columns that comes back on itself"],
        ["an unknown leader", (Action<JsonObject>)(m => Column(m, "Response")["MissingWith"] = "Nope"), "Column 'Response' is saved as missing with 'Nope', which is not another column of the table"],
        ["a categorical leader", (Action<JsonObject>)(m => Column(m, "Response")["MissingWith"] = "Arm"), "missing with 'Arm', which is not a numeric column with missing values"],
        ["a leader without missing values", (Action<JsonObject>)(m => Column(m, "Response")["MissingWith"] = "Age"), "missing with 'Age', which is not a numeric column with missing values"],
        ["the column itself", (Action<JsonObject>)(m => Column(m, "Response")["MissingWith"] = "Response"), "Column 'Response': the saved column is missing with itself"],
        ["a follower without missing values", (Action<JsonObject>)(m => Column(m, "Age")["MissingWith"] = "Dose"), "Column 'Age': the saved column is missing with 'Dose', but has no missing values of its own"],
    ];

    [TestMethod]
    [DynamicData(nameof(Lies))]
    public void AManifestThatLiesAboutALeaderIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedLie(s_saved.Value, edit, lie, named);

    [TestMethod]
    public void AManifestWhoseFollowerADependencySetsIsRefused()
    {
        // A rule from Age that sets Response after decoding, which would decide its missing rows apart from Dose's.
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => (manifest["Dependencies"] ??= new JsonArray()).AsArray().Add(
            new JsonObject { ["Determinant"] = "Age", ["Target"] = "Response", ["Keys"] = new JsonArray(30.0), ["Values"] = new JsonArray(10.0) }),
            "a dependency that sets a follower");
        StringAssert.Contains(e.Message, "but a rule sets 'Response' after decoding: such a column is missing with no other");
    }

    [TestMethod]
    public void AGraphWhoseColumnsAreMissingApartThoughItsDescriptionSaysTogetherIsRefusedAtLoad()
    {
        // The description says Followup is missing wherever Weight is (and elsewhere); the graph has it follow Dose.
        using var model = new MLContext(1).Gan().LoadModel(new MemoryStream(s_saved.Value));
        var elsewhere = HostileFiles.OnnxWithDescription(model.Model, manifest => Column(manifest, "Followup")["MissingWith"] = "Weight");
        HostileFiles.RefusedMismatchedOnnx(elsewhere, "rows where 'Weight' is missing and 'Followup' is not, though its description says 'Followup' is missing wherever 'Weight' is");
        // It says Late is missing in exactly Followup's rows (its count made Followup's); the graph has it elsewhere too.
        var together = HostileFiles.OnnxWithDescription(model.Model, manifest =>
        {
            Column(manifest, "Late")["MissingElsewhere"] = false;
            Column(manifest, "Late")["MissingCount"] = Column(manifest, "Followup")["MissingCount"]!.GetValue<long>();
        });
        HostileFiles.RefusedMismatchedOnnx(together, "rows where 'Late' is missing and 'Followup' is not, though its description says they are missing in the same rows");
    }
}
