using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Tests.Hostile;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Maps grouped by a number of few exact values (<see cref="NumericColumn.IsCode"/>): a year, a count, a stage groups
/// another column's map as a categorical column's categories do, each value a category; the same categories in .NET
/// and in the graph; found at Fit only where the number may group (not grouped itself, not set after decoding).
/// </summary>
[TestClass]
public sealed class GroupByValuesTests
{
    [TestMethod]
    public void AValueFindsTheCategoryOfItsNearestExactValueInDotNetAndInTheGraph()
    {
        // Three exact values, unevenly apart, as a Single column holds them (0.2f is not 0.2).
        double[] exact = [0.1, 0.2, 0.35];
        var training = Enumerable.Range(0, 300).Select(i => (double)(float)exact[i % 3]).Order().ToArray();
        var state = new ColumnState { Name = "Dose", Kind = "Single", Minimum = training[0], Maximum = training[^1], RowCount = training.Length };
        MarginalMap.FitTraining(state, training);
        var map = MarginalMap.FromState(state, "Dose", _ => true)!;
        Assert.IsTrue(map.IsDiscrete);
        Assert.AreEqual(3, map.ValueCount);

        double[] inputs = [(float)0.1, (float)0.2, (float)0.35, 0.1, 0.2, 0.35, 0.14, 0.16, 0.27, 0.28, -5, 5, double.NaN];
        int[] expected = [0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 0, 2, 3];
        CollectionAssert.AreEqual(expected, inputs.Select(map.CodeOf).ToArray(), "the nearest exact value's index; a missing value the last category");

        var graph = new OnnxGraph("codes");
        var v = graph.Input("v", OnnxType.Double, 1);
        var missing = graph.Node("IsNaN", [graph.Node("Reshape", [v, graph.Constant([-1L], 1)])]);
        graph.Output("code", map.AddOnnxCodeOf(graph, v, missing), OnnxType.Int64);
        using var session = new InferenceSession(graph.ToModel("test", []));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("v", new DenseTensor<double>(inputs, [inputs.Length, 1]))]);
        CollectionAssert.AreEqual(expected.Select(c => (long)c).ToArray(), results.First().AsEnumerable<long>().ToArray(), "the graph finds the same categories");

        // A map that interpolates has no exact values to stand for categories.
        var continuous = Enumerable.Range(0, 5000).Select(i => i * 0.001).ToArray();
        var wide = new ColumnState { Name = "Wide", Kind = "Double", Minimum = 0, Maximum = continuous[^1], RowCount = continuous.Length };
        MarginalMap.FitTraining(wide, continuous);
        Assert.ThrowsExactly<InvalidOperationException>(() => MarginalMap.FromState(wide, "Wide", _ => true)!.CodeOf(1.0));
    }

    /// <summary>
    /// 2,400 patients: a stage of 1 to 4 that places a measure in a band of its own (not in the stage's order), a grade
    /// of eight letters (two to a stage where <paramref name="gradeFixesStage"/>, else apart from it); two three-valued scores that mostly agree; a count of 30 values that shifts a
    /// level; a sex; and a number of visits that the sex shifts, which shifts a cost in turn.
    /// </summary>
    private static TestTables.ArrayView Patients(bool gradeFixesStage)
    {
        const int n = 2400;
        var random = new Random(11);
        var stage = new int[n];
        var grade = new ReadOnlyMemory<char>[n];
        var kappa = new double[n];
        var first = new int[n];
        var second = new int[n];
        var count = new int[n];
        var level = new double[n];
        var sex = new ReadOnlyMemory<char>[n];
        var visits = new int[n];
        var cost = new double[n];
        double[] band = [50, 0, 100, 20];
        for (int r = 0; r < n; r++)
        {
            int g = r % 8;
            grade[r] = ((char)('A' + (gradeFixesStage ? g : random.Next(8)))).ToString().AsMemory();
            stage[r] = g / 2 + 1;
            kappa[r] = Math.Round(band[g / 2] + 10 * random.NextDouble(), 3);
            first[r] = random.Next(3);
            second[r] = random.NextDouble() < 0.8 ? first[r] : random.Next(3);
            count[r] = random.Next(30);
            level[r] = Math.Round(10 * count[r] + random.NextDouble(), 3);
            bool female = random.NextDouble() < 0.5;
            sex[r] = (female ? "F" : "M").AsMemory();
            visits[r] = random.NextDouble() < 0.7 ? (female ? 0 : 2) : random.Next(3);
            cost[r] = Math.Round(100 * visits[r] + 30 * random.NextDouble(), 2);
        }
        return new TestTables.ArrayView([("Stage", NumberDataViewType.Int32, stage), ("Grade", TextDataViewType.Instance, grade), ("Kappa", NumberDataViewType.Double, kappa),
            ("First", NumberDataViewType.Int32, first), ("Second", NumberDataViewType.Int32, second), ("Count", NumberDataViewType.Int32, count),
            ("Level", NumberDataViewType.Double, level), ("Sex", TextDataViewType.Instance, sex), ("Visits", NumberDataViewType.Int32, visits),
            ("Cost", NumberDataViewType.Double, cost)]);
    }

    private static readonly string[] s_patientColumns = ["Stage", "Grade", "Kappa", "First", "Second", "Count", "Level", "Sex", "Visits", "Cost"];

    private static (TabularEncoder Encoder, IReadOnlyList<MarginalGroups.Grouping> Groupings) Grouped(bool dependencies, bool byValues, bool gradeFixesStage = false)
    {
        var data = Patients(gradeFixesStage);
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Seed: 1, Granularity: true, Marginal: true, Dependencies: dependencies);
        var (encoder, _) = TabularEncoder.Fit(data, s_patientColumns, settings, () => { });
        var (real, count) = encoder.ReadRows(data, 2400, seed: 1, () => { });
        return MarginalGroups.Fit(encoder, real, count, () => { }, byValues: byValues);
    }

    private static string? GroupOf(TabularEncoder encoder, string column) =>
        encoder.Columns.OfType<NumericColumn>().Single(c => c.Name == column).Marginal!.Group;

    [TestMethod]
    public void ANumberOfFewValuesGroupsWhatItShiftsUnlessACategoryOrARuleSetsIt()
    {
        var (encoder, groupings) = Grouped(dependencies: false, byValues: true);
        var stage = encoder.Columns.OfType<NumericColumn>().Single(c => c.Name == "Stage");
        Assert.IsTrue(stage.IsCode, "four exact values");
        Assert.AreEqual(5, stage.CodeCount, "one category a value, and one for a missing value");
        Assert.AreEqual("Stage", GroupOf(encoder, "Kappa"), "the stage places it");
        StringAssert.StartsWith(groupings.Single(g => g.Column == "Kappa").ToString(), "'Kappa' within each of 4 values of 'Stage' (distance ");
        Assert.IsNull(GroupOf(encoder, "Stage"), "a number that groups others decodes first: it is not grouped itself");
        Assert.IsFalse(encoder.Columns.OfType<NumericColumn>().Single(c => c.Name == "Count").IsCode, "thirty values are too many for categories");
        Assert.IsNull(GroupOf(encoder, "Level"), "so the level it shifts keeps its whole map");
        // The two scores shift each other: one is grouped by the other, which keeps its own map whole.
        var scores = new[] { GroupOf(encoder, "First"), GroupOf(encoder, "Second") };
        Assert.AreEqual(1, scores.Count(g => g is not null), $"First by {scores[0] ?? "none"}, Second by {scores[1] ?? "none"}");
        Assert.IsTrue(scores.Contains("First") || scores.Contains("Second"));
        // The visits depend on the sex: grouped by it, they group nothing, and the cost they shift goes within the sex.
        Assert.AreEqual("Sex", GroupOf(encoder, "Visits"));
        Assert.AreEqual("Sex", GroupOf(encoder, "Cost"), "not within the visits, whose own values are only as right as their grouping keeps them");

        // The map's group column is found again by the encoder, and its tables' categories are named by their values.
        int kappa = encoder.Columns.ToList().FindIndex(c => c.Name == "Kappa");
        var grouped = (NumericColumn)encoder.Columns[kappa];
        var withGenerated = grouped.WithGeneratedMarginal(TestTables.Normal(8000, 12), null, Enumerable.Range(0, 8000).Select(i => i % 4).ToArray());
        var calibrated = encoder.WithColumns(encoder.Columns.Select((c, i) => i == kappa ? withGenerated : c).ToArray());
        Assert.AreEqual(0, calibrated.GroupOf(kappa), "grouped by the stage, column 0");
        var info = calibrated.Info(kappa);
        Assert.AreEqual("Stage", info.GroupedBy);
        CollectionAssert.AreEqual(new[] { "1", "2", "3", "4" }, info.GroupCategories.ToArray());

        // Categories only: no category places it.
        var (categoriesOnly, _) = Grouped(dependencies: false, byValues: false);
        Assert.IsNull(GroupOf(categoriesOnly, "Kappa"));
        Assert.IsNull(GroupOf(categoriesOnly, "First"));
        Assert.IsNull(GroupOf(categoriesOnly, "Second"));

        // Two grades to a stage: the stage is grouped by its grade, so it groups nothing, and the grade places the measure.
        var (graded, _) = Grouped(dependencies: false, byValues: true, gradeFixesStage: true);
        Assert.AreEqual("Grade", GroupOf(graded, "Stage"));
        Assert.AreEqual("Grade", GroupOf(graded, "Kappa"));

        // The grade sets the stage by a rule, after decoding: a stage decoded by the generator would group rows the rule
        // then moves to another stage, so the grade groups the measure.
        var (ruled, _) = Grouped(dependencies: true, byValues: true, gradeFixesStage: true);
        Assert.IsTrue(ruled.Dependencies.Any(d => d.TargetName == "Stage"), string.Join("; ", ruled.Dependencies.Select(d => $"{d.DeterminantName} → {d.TargetName}")));
        Assert.AreEqual("Grade", GroupOf(ruled, "Kappa"));
    }

    /// <summary>A sample year and a measure each year places in a band of its own, not in the years' order; a rate that depends on nothing.</summary>
    public sealed class Sample
    {
        public int Year { get; set; }
        public float Value { get; set; }
        public float Rate { get; set; }
    }

    private static readonly double[] s_bands = [50, 0, 100, 20];

    private static List<Sample> Samples(int perYear, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 4 * perYear).Select(i => new Sample
        {
            Year = 2001 + i % 4,
            Value = (float)Math.Round(s_bands[i % 4] + 10 * random.NextDouble(), 2),
            Rate = (float)Math.Round(10 * random.NextDouble(), 2),
        }).ToList();
    }

    private static GanTrainer.Options Small() => new()
    {
        Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 13, TrainingThreads = 1,
        // The value's bands follow the year in no order: no curve of the year is learned, the map alone keeps them.
        NumericTrends = false,
    };

    [TestMethod]
    public void EveryGeneratedRowKeepsItsYearsBandInDotNetInTheGraphAndAfterALoad()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Samples(400, seed: 14));
        var options = Small();
        using var model = ml.Gan().Train(options).Fit(data);
        options.GroupedMarginals = false;
        using var ungrouped = ml.Gan().Train(options).Fit(data);

        var info = model.Columns.Single(c => c.Name == "Value");
        Assert.AreEqual("Year", info.GroupedBy, "the year places the value");
        CollectionAssert.AreEqual(new[] { "2001", "2002", "2003", "2004" }, info.GroupCategories.ToArray());
        Assert.IsNull(model.Columns.Single(c => c.Name == "Year").GroupedBy);
        Assert.IsNull(model.Columns.Single(c => c.Name == "Rate").GroupedBy, "the rate depends on nothing");

        static int OutsideTheirBand(GanTransformer m)
        {
            var generated = m.Generate(20_000, seed: 15);
            var year = TestTables.Column(generated, "Year").Cast<int>().ToArray();
            var value = TestTables.Column(generated, "Value").Cast<float>().ToArray();
            return Enumerable.Range(0, year.Length).Count(r => year[r] is < 2001 or > 2004 || value[r] < s_bands[year[r] - 2001] || value[r] > s_bands[year[r] - 2001] + 10);
        }
        int outsideUngrouped = OutsideTheirBand(ungrouped);
        Console.WriteLine($"rows with a value outside its year's band: {outsideUngrouped} of 20,000 without groups");
        Assert.IsGreaterThan(200, outsideUngrouped, "two epochs do not teach a generator each year's band: one map for the whole column mixes them");
        Assert.AreEqual(0, OutsideTheirBand(model), "mapped within each year, none (generated through the exported graph)");

        // The .NET decoder finds the same years and maps into the same bands as the graph: every year alike, and every
        // value but a few on a rounding edge of its cents, where libtorch's and ONNX Runtime's last bits differ.
        var m = model.Model;
        TestTables.AssertGraphAgreesWithinSteps(m, seed: 16, 3000, column => column.Name == "Value" ? 3 : column.Name == "Year" ? 0 : null,
            (column, step) => column.Name == "Value" ? step * 1.000001 : 1e-6 * 110);

        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            Assert.AreEqual("Year", loaded.Columns.Single(c => c.Name == "Value").GroupedBy);
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(500, seed: 17), "Value"), TestTables.Column(loaded.Generate(500, seed: 17), "Value"));
        });
    }

    /// <summary>A model whose value is grouped by its year, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Epochs = 1;
        using var model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(Samples(200, seed: 18)));
        Assert.AreEqual("Year", model.Columns.Single(c => c.Name == "Value").GroupedBy);
        return HostileFiles.Saved(model);
    });

    /// <summary>Manifests that lie about the column a map is grouped by, each with what the refusal names.</summary>
    public static IEnumerable<object[]> Lies() =>
    [
        ["grouped by a number of many values", (Action<JsonObject>)(m => HostileFiles.Column(m, "Value")["MarginalGroup"] = "Rate"),
            "Column 'Value': its marginal map is grouped by the number column 'Rate', which cannot group a map: only a number mapped onto 2 to 20 exact values"],
        ["grouped by itself", (Action<JsonObject>)(m => HostileFiles.Column(m, "Value")["MarginalGroup"] = "Value"),
            "Column 'Value': its marginal map is grouped by 'Value', which is neither a categorical column nor a number of few values among the model's other columns"],
        ["a table for a year the column lacks", (Action<JsonObject>)(m => HostileFiles.Column(m, "Value")["MarginalGroupLevels"]!.AsArray()[^1] = 7),
            "Column 'Value': its marginal map has a table for a category of 'Year' that the column does not have (5 categories)"],
    ];

    [TestMethod]
    [DynamicData(nameof(Lies))]
    public void AManifestThatLiesAboutTheNumberAMapIsGroupedByIsRefused(string lie, Action<JsonObject> edit, string named) =>
        HostileFiles.RefusedLie(s_saved.Value, edit, lie, named);
}
