using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// A spread of each entity's own about its level and line: states whose population grows along the years on an all but
/// straight line and states that move about theirs keep their spreads, where one spread of distances for every state
/// gives the tight states their neighbours'; every training value decodes back; the graph agrees with .NET, after a
/// save and a load too; a file that lies about the spreads is refused.
/// </summary>
[TestClass]
public sealed class EntityLevelSpreadTests
{
    private const int States = 40, Years = 10;

    /// <summary>Whether state <paramref name="s"/> moves about its line (the odd ones) or keeps to it.</summary>
    private static bool Loose(int s) => s % 2 == 1;

    /// <summary>
    /// 40 states × 10 years: Pop (Double) is e^(1 + the state's level + its slope × (Year − 5.5) + noise), the noise's
    /// spread 0.01 in the even states and 0.2 in the odd ones; Rate (Double) noise about a level of each state's own.
    /// </summary>
    private static IDataView Panel(int seed)
    {
        var normal = TestTables.Normal(4 * States * Years, seed);
        int n = 0;
        var state = new List<ReadOnlyMemory<char>>();
        var year = new List<int>();
        var pop = new List<double>();
        var rate = new List<double>();
        for (int s = 0; s < States; s++)
        {
            double level = normal[n++], slope = 0.2 * normal[n++], own = normal[n++];
            for (int y = 1; y <= Years; y++)
            {
                state.Add($"S{s:00}".AsMemory());
                year.Add(y);
                pop.Add(Math.Round(Math.Exp(1 + level + slope * (y - 5.5) + (Loose(s) ? 0.2 : 0.01) * normal[n++]), 4));
                rate.Add(Math.Round(10 + own + 0.33 * normal[n++], 3));
            }
        }
        return new TestTables.ArrayView(
        [
            ("State", TextDataViewType.Instance, state.ToArray()), ("Year", NumberDataViewType.Int32, year.ToArray()),
            ("Pop", NumberDataViewType.Double, pop.ToArray()), ("Rate", NumberDataViewType.Double, rate.ToArray()),
        ]);
    }

    private static readonly ColumnFitSettings s_settings = new(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true)
    {
        Trends = true, Formulas = true, EntityLevels = true, EntityLevelLines = true, EntityLevelSpreads = true,
    };

    private static GanTrainer.Options Small(bool spreads = true, int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4, TrainingThreads = 1,
        EntityLevelSpreads = spreads,
    };

    /// <summary>
    /// The median, over the tight states and over the loose ones, of the root mean square of log(Pop) about the state's
    /// own line along the years in the real rows (each state's least-squares line through its training rows).
    /// </summary>
    private static (double Tight, double Loose) AboutTheLines(IDataView rows, IDataView real)
    {
        static Dictionary<int, List<(double Year, double LogPop)>> ByState(IDataView v)
        {
            var states = TestTables.Column(v, "State").Select(x => int.Parse(x.ToString()!.AsSpan(1))).ToArray();
            var years = TestTables.Column(v, "Year").Select(Convert.ToDouble).ToArray();
            var pops = TestTables.Column(v, "Pop").Select(x => Math.Log(Math.Max(1e-6, Convert.ToDouble(x)))).ToArray();
            var by = new Dictionary<int, List<(double, double)>>();
            for (int r = 0; r < states.Length; r++)
            {
                if (!by.TryGetValue(states[r], out var list)) by[states[r]] = list = [];
                list.Add((years[r], pops[r]));
            }
            return by;
        }
        var lines = ByState(real).ToDictionary(p => p.Key, p =>
        {
            double mx = p.Value.Average(v => v.Year), my = p.Value.Average(v => v.LogPop);
            double slope = p.Value.Sum(v => (v.Year - mx) * (v.LogPop - my)) / p.Value.Sum(v => (v.Year - mx) * (v.Year - mx));
            return (mx, my, slope);
        });
        var rms = ByState(rows).Where(p => p.Value.Count >= 3).ToDictionary(p => p.Key, p =>
        {
            var (mx, my, slope) = lines[p.Key];
            return Math.Sqrt(p.Value.Average(v => Math.Pow(v.LogPop - my - slope * (v.Year - mx), 2)));
        });
        static double Median(IEnumerable<double> v) { var a = v.Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
        return (Median(rms.Where(p => !Loose(p.Key)).Select(p => p.Value)), Median(rms.Where(p => Loose(p.Key)).Select(p => p.Value)));
    }

    [TestMethod]
    public void EachStateKeepsASpreadOfItsOwnAboutItsLine()
    {
        var ml = new MLContext(1);
        var data = Panel(seed: 1);
        string[] names = data.Schema.Select(c => c.Name).ToArray();
        var encoder = TabularEncoder.Fit(data, names, s_settings, () => { }).Encoder;
        var pop = encoder.EntityLevels.Single(l => l.TargetName == "Pop");
        Assert.AreEqual("Year", pop.AlongName, pop.ToString());
        StringAssert.EndsWith(pop.ToString(), ", each with a spread of its own");
        var states = TestTables.Column(data, "State").Select(v => v.ToString()!).Distinct().Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
        double MedianSpread(bool loose) => states.Where(p => Loose(int.Parse(p.Key.AsSpan(1))) == loose).Select(p => pop.Spreads![p.Value]).Order().ElementAt(States / 4);
        double tight = MedianSpread(false), loose = MedianSpread(true);
        Console.WriteLine($"median spread of the tight states {tight:F3}, of the loose ones {loose:F3} (of the common spread)");
        Assert.IsGreaterThan(2 * tight, loose, "the noise is twenty times as wide in the loose states (about lines on the log-odds of the marginal, which bend)");
        Assert.IsNull(TabularEncoder.Fit(data, names, s_settings with { EntityLevelSpreads = false }, () => { }).Encoder.EntityLevels.Single(l => l.TargetName == "Pop").Spreads, "the switch");

        // Every training value's distance decodes back to it, at its state and year.
        var codes = TestTables.Column(data, "State").Select(v => states[v.ToString()!]).ToArray();
        var years = TestTables.Column(data, "Year").Select(Convert.ToDouble).ToArray();
        var pops = TestTables.Column(data, "Pop").Select(Convert.ToDouble).ToArray();
        for (int r = 0; r < pops.Length; r++)
            Assert.AreEqual(pops[r], pop.Value(pop.Distance(pops[r], codes[r], years[r]), codes[r], years[r]), $"row {r}");

        // Generated rows keep each state's spread about its line: the tight states' rows close to it, the loose ones' not.
        using var model = ml.Gan().Train(Small()).Fit(data);
        Assert.IsTrue(model.Columns.Single(c => c.Name == "Pop").LevelSpreads);
        using var common = ml.Gan().Train(Small(spreads: false)).Fit(data);
        Assert.IsFalse(common.Columns.Single(c => c.Name == "Pop").LevelSpreads);
        var real = AboutTheLines(data, data);
        var with = AboutTheLines(model.Generate(2000, seed: 5), data);
        var without = AboutTheLines(common.Generate(2000, seed: 5), data);
        Console.WriteLine($"log(Pop) about each state's line, median of the tight / loose states: real {real.Tight:F3} / {real.Loose:F3}, " +
            $"generated with spreads {with.Tight:F3} / {with.Loose:F3}, with one spread {without.Tight:F3} / {without.Loose:F3}");
        Assert.IsGreaterThan(2 * with.Tight, with.Loose, "the loose states move about their lines, the tight ones keep to theirs");
        Assert.IsLessThan(0.5 * without.Tight, with.Tight, "the contrast: one spread of distances gives the tight states the loose ones'");

        // The graph multiplies by the state's spread where .NET does (but where a Year a step apart moves Pop along its
        // line), after a save and a load too.
        TestTables.AssertGraphAgreesWithinSteps(model.Model, seed: 7, 1000, _ => 5, (column, step) => column.Name == "Pop" ? 1e3 : double.IsNaN(step) ? 1e-6 : step * 1.000001);
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(pop.Spreads!.ToArray(), loaded.Model.Encoder.EntityLevels.Single(l => l.TargetName == "Pop").Spreads!.ToArray());
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Pop"), TestTables.Column(loaded.Generate(300, seed: 8), "Pop"));
        });
    }

    /// <summary>A model with the spreads, saved once for the lies.</summary>
    private static readonly Lazy<byte[]> s_saved = new(() =>
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().Train(Small(epochs: 1)).Fit(Panel(seed: 2));
        Assert.IsNotNull(model.Model.Encoder.EntityLevels[0].Spreads);
        return HostileFiles.Saved(model);
    });

    public static IEnumerable<object[]> SpreadLies =>
    [
        ["a spread short", (Action<JsonArray>)(l => l[0]!["Spreads"]!.AsArray().RemoveAt(0)), "need one spread for each of the 40 categories"],
        ["a spread of 0", (Action<JsonArray>)(l => l[0]!["Spreads"]![0] = 0), "each from 0.01 to 100"],
        ["a spread that is no number", (Action<JsonArray>)(l => l[0]!["Spreads"]![0] = "NaN"), "each from 0.01 to 100"],
        ["a huge spread", (Action<JsonArray>)(l => l[0]!["Spreads"]![0] = 1e9), "each from 0.01 to 100"],
    ];

    [TestMethod]
    [DynamicData(nameof(SpreadLies))]
    public void AManifestThatLiesAboutALevelsSpreadsIsRefused(string lie, Action<JsonArray> edit, string named)
    {
        var e = HostileFiles.RefusedManifest(s_saved.Value, manifest => edit(manifest["EntityLevels"]!.AsArray()), lie);
        StringAssert.Contains(e.Message, named, lie);
    }
}
