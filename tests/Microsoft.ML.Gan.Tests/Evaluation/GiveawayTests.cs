using Microsoft.ML;

namespace Microsoft.ML.Gan.Tests.Evaluation;

/// <summary>"What gives it away": on tables with one planted defect, the evaluation names that defect.</summary>
[TestClass]
public sealed class GiveawayTests
{
    public sealed class Person
    {
        public float Age { get; set; }
        public float Income { get; set; }
        public string Relationship { get; set; } = "";
        public string Sex { get; set; } = "";
        public string City { get; set; } = "";
    }

    private static readonly string[] s_cities = ["Oslo", "Lima", "Pune", "Kyiv", "Baku"];

    /// <summary>Whole-year ages, an income that grows with age, husbands male and wives female, a city unrelated to the rest.</summary>
    private static List<Person> People(int rows, int seed)
    {
        var random = new Random(seed);
        var list = new List<Person>(rows);
        for (int i = 0; i < rows; i++)
        {
            int age = 18 + random.Next(60);
            string relationship = random.Next(3) switch { 0 => "Husband", 1 => "Wife", _ => "Own-child" };
            string sex = relationship == "Husband" ? "Male" : relationship == "Wife" ? "Female" : random.Next(2) == 0 ? "Male" : "Female";
            list.Add(new Person
            {
                Age = age,
                Income = (float)(1000 * age + 5000 * random.NextDouble()),
                Relationship = relationship,
                Sex = sex,
                City = s_cities[random.Next(s_cities.Length)],
            });
        }
        return list;
    }

    private static SyntheticDataMetrics Evaluate(List<Person> real, List<Person> synthetic)
    {
        var ml = new MLContext(1);
        return ml.Gan().Evaluate(ml.Data.LoadFromEnumerable(real), ml.Data.LoadFromEnumerable(synthetic));
    }

    [TestMethod]
    public void AFreshSampleGivesNothingAway()
    {
        var m = Evaluate(People(3000, 1), People(3000, 2));
        foreach (var column in m.Giveaways.Columns)
            Assert.IsLessThan(0.56, column.DetectionAuc, $"{column.Column}: {column.DetectionAuc}");
        foreach (var pair in m.Giveaways.Pairs)
            Assert.IsLessThan(0.04, pair.Gain, $"{pair.First} × {pair.Second}: {pair.Gain}");
        Assert.IsTrue(m.Giveaways.Columns.All(c => c.UnseenValueShare == 0));
        Assert.IsLessThan(0.05, m.Detection!.SurelyDetectedShare, "a detector is sure of almost none of a fresh sample");
    }

    [TestMethod]
    public void AgesOffTheWholeYearsAreNamedWithTheirShare()
    {
        var synthetic = People(3000, 2);
        var random = new Random(3);
        foreach (var p in synthetic.Where(_ => random.NextDouble() < 0.4)) p.Age += 0.49f; // 40.49
        var m = Evaluate(People(3000, 1), synthetic);

        var worst = m.Giveaways.Columns[0];
        Assert.AreEqual("Age", worst.Column, string.Join("; ", m.Giveaways.Columns.Select(c => $"{c.Column} {c.DetectionAuc:F3}")));
        Assert.IsGreaterThan(0.65, worst.DetectionAuc);
        Assert.AreEqual(0.4, worst.UnseenValueShare, 0.03);
        Assert.AreEqual("values the real rows never have", worst.OverGenerated[0].Value);
        Assert.IsTrue(m.Giveaways.Columns.Skip(1).All(c => c.DetectionAuc < 0.56), "the other columns give nothing away");
        Assert.IsLessThan(0.75, worst.DetectionAuc, "40 % of rows told apart for sure, the rest not at all: 0.7");
    }

    [TestMethod]
    public void ACategoryTheDataNeverHasGivesEveryRowAwayForSure()
    {
        var synthetic = People(3000, 2);
        foreach (var p in synthetic) p.City = "Atlantis";
        var m = Evaluate(People(3000, 1), synthetic);

        var worst = m.Giveaways.Columns[0];
        Assert.AreEqual("City", worst.Column);
        Assert.IsGreaterThan(0.99, worst.DetectionAuc);
        Assert.AreEqual(1.0, worst.UnseenValueShare);
        Assert.AreEqual("Atlantis (not in the real rows)", worst.OverGenerated[0].Value);
        Assert.IsGreaterThan(0.9, m.Detection!.SurelyDetectedShare);
        Assert.IsLessThan(0.05, m.Detection.RealRowsCalledSyntheticShare);
    }

    [TestMethod]
    public void RowsTheDetectorIsSureOfAreCountedInBothTables()
    {
        // City "Baku" in 5 % of the real rows and 95 % of the synthetic ones: a Baku row is synthetic 19 times in 20.
        var real = People(3000, 1);
        var synthetic = People(3000, 2);
        for (int i = 0; i < real.Count; i++) real[i].City = i % 20 == 0 ? "Baku" : "Oslo";
        for (int i = 0; i < synthetic.Count; i++) synthetic[i].City = i % 20 == 0 ? "Oslo" : "Baku";
        var m = Evaluate(real, synthetic);
        // Calibrated trees are not quite as sure as the counts: most of the synthetic Baku rows, about the real ones.
        Assert.IsGreaterThan(0.75, m.Detection!.SurelyDetectedShare, $"the synthetic Baku rows: {m.Detection.SurelyDetectedShare}");
        Assert.AreEqual(0.05, m.Detection.RealRowsCalledSyntheticShare, 0.03, "the real Baku rows");
    }

    [TestMethod]
    public void ADriftedCategoryIsNamedWithItsShares()
    {
        var synthetic = People(3000, 2);
        var random = new Random(4);
        foreach (var p in synthetic.Where(p => p.City == "Oslo" && random.NextDouble() < 0.6)) p.City = "Lima"; // Oslo 20 % → 8 %
        var m = Evaluate(People(3000, 1), synthetic);

        var worst = m.Giveaways.Columns[0];
        Assert.AreEqual("City", worst.Column);
        Assert.AreEqual("Lima", worst.OverGenerated[0].Value);
        Assert.AreEqual("Oslo", worst.UnderGenerated[0].Value);
        Assert.AreEqual(0.2, worst.UnderGenerated[0].RealShare, 0.03);
        Assert.AreEqual(0.08, worst.UnderGenerated[0].SyntheticShare, 0.03);
        Assert.AreEqual(0, worst.UnseenValueShare);
    }

    [TestMethod]
    public void ABrokenRelationIsNamedAsAPairWithTheCombinationsTheDataNeverHas()
    {
        // Sex drawn on its own: each column keeps its shares, but husbands are now female half the time.
        var synthetic = People(3000, 2);
        var random = new Random(5);
        foreach (var p in synthetic) p.Sex = random.NextDouble() < synthetic.Count(q => q.Sex == "Male") / (double)synthetic.Count ? "Male" : "Female";
        var m = Evaluate(People(3000, 1), synthetic);

        Assert.IsTrue(m.Giveaways.Columns.All(c => c.DetectionAuc < 0.56), "no column alone gives it away");
        var pair = m.Giveaways.Pairs[0];
        Assert.AreEqual(("Relationship", "Sex"), (pair.First, pair.Second), string.Join("; ", m.Giveaways.Pairs.Select(p => $"{p.First}×{p.Second} {p.Gain:F3}")));
        Assert.IsGreaterThan(0.15, pair.Gain);
        var unseen = pair.UnseenCombinations.Select(v => v.Value).ToList();
        CollectionAssert.AreEquivalent(new[] { "Husband with Female", "Wife with Male" }, unseen);
        Assert.IsTrue(pair.UnseenCombinations.All(v => v.RealShare == 0 && v.SyntheticShare > 0.1));
        StringAssert.Contains(m.Summary(), "never in the real rows: ");
    }

    [TestMethod]
    public void AFlattenedRelationBetweenNumbersIsNamedAsAPair()
    {
        // Income shuffled across rows: its own shape intact, its tie to age gone.
        var synthetic = People(3000, 2);
        var incomes = synthetic.Select(p => p.Income).ToArray();
        new Random(6).Shuffle(incomes);
        for (int i = 0; i < synthetic.Count; i++) synthetic[i].Income = incomes[i];
        var m = Evaluate(People(3000, 1), synthetic);

        Assert.IsTrue(m.Giveaways.Columns.All(c => c.DetectionAuc < 0.56));
        Assert.AreEqual(("Age", "Income"), (m.Giveaways.Pairs[0].First, m.Giveaways.Pairs[0].Second));
        Assert.IsGreaterThan(0.3, m.Giveaways.Pairs[0].Gain);
    }
}
