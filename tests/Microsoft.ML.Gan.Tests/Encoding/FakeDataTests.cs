using System.Text.RegularExpressions;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Fake personal data (<see cref="GanTrainer.Options.FakeData"/>): made by Bogus or drawn from a list, never a training
/// value, the same row for the same seed, kept through model files and graphs; the log names each such column.
/// </summary>
[TestClass]
public sealed class FakeDataTests
{
    public sealed class Contact
    {
        public string Name { get; set; } = "";
        public string Email { get; set; } = "";
        public string Team { get; set; } = "";
        public float Score { get; set; }
    }

    /// <summary>Made-up contacts whose names and addresses no generator should give back, in two teams with different scores.</summary>
    private static Contact[] Contacts(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            bool red = random.Next(2) == 0;
            return new Contact
            {
                Name = $"Zyx{i} Qwv{random.Next(1000)}", Email = $"person{i}@example.invalid", Team = red ? "red" : "blue",
                Score = MathF.Round((red ? 20 : 80) + 10 * random.NextSingle(), 1),
            };
        }).ToArray();
    }

    [TestMethod]
    public void FakeColumnsAreMadeApartAndNeverCopyTrainingValues()
    {
        var ml = new MLContext(seed: 1);
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("neither learned nor kept", StringComparison.Ordinal)) lock (logged) logged.Add(e.Message); };
        var contacts = Contacts(600, seed: 2);
        var options = new GanTrainer.Options
        {
            Epochs = 8, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32, 32], DiscriminatorLayers = [32], Seed = 3,
            FakeData = { ["Name"] = GanFakeData.FullName.In("de"), ["Email"] = GanFakeData.Email },
        };
        using var model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(contacts));
        Assert.HasCount(2, logged, "the log names each fake column");
        StringAssert.Contains(logged[0], "Column 'Name' is made by Bogus (FullName, de)");

        var rows = ml.Data.CreateEnumerable<Contact>(model.Generate(2000, seed: 4), reuseRowObject: false).ToArray();
        var trainingNames = contacts.Select(c => c.Name).ToHashSet();
        Assert.IsFalse(rows.Any(r => trainingNames.Contains(r.Name) || r.Name.StartsWith("Zyx", StringComparison.Ordinal)), "no training name comes back");
        Assert.IsFalse(rows.Any(r => r.Email.EndsWith("@example.invalid", StringComparison.Ordinal)), "no training address comes back");
        Assert.IsTrue(rows.All(r => Regex.IsMatch(r.Name, @"^\S+( \S+)+$")), $"first and last names: {rows[0].Name}");
        Assert.IsTrue(rows.All(r => Regex.IsMatch(r.Email, @"^[^@\s]+@[^@\s]+\.[a-z]+$")), $"e-mail addresses: {rows[0].Email}");
        Assert.IsGreaterThan(1500, rows.Select(r => r.Name).Distinct().Count(), "varied names");
        // The learned columns are still learned.
        Assert.IsGreaterThan(40.0, rows.Where(r => r.Team == "blue").Average(r => r.Score) - rows.Where(r => r.Team == "red").Average(r => r.Score));

        // The same seed, the same people; saved and loaded (the graph does not make them), the same again.
        var expected = TestTables.Dump(model.Generate(300, seed: 9));
        CollectionAssert.AreEqual(expected, TestTables.Dump(model.Generate(300, seed: 9)));
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(300, seed: 9)));
            Assert.AreEqual("FullName (de)", loaded.Options.FakeData["Name"].ToString());
        });
        Assert.AreEqual("FullName (de)", model.Columns.Single(c => c.Name == "Name").FakeData!.ToString());
    }

    [TestMethod]
    public void ValuesDrawnFromAListComeInEqualShares()
    {
        var ml = new MLContext(seed: 1);
        var options = new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 100, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 3,
            FakeData = { ["Name"] = GanFakeData.OneOf(["Ada", "Grace", "Edsger"]), ["Email"] = GanFakeData.UserName },
        };
        using var model = ml.Gan().Train(options).Fit(ml.Data.LoadFromEnumerable(Contacts(200, seed: 5)));
        var names = TestTables.Column(model.Generate(3000, seed: 1), "Name").Cast<string>().ToArray();
        foreach (var name in new[] { "Ada", "Grace", "Edsger" })
            Assert.AreEqual(1 / 3.0, names.Count(n => n == name) / 3000.0, 0.04, name);
        Assert.IsTrue(names.All(n => n is "Ada" or "Grace" or "Edsger"));
    }

    [TestMethod]
    public void FakeDataThatCannotBeMadeIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Contacts(50, seed: 6));
        GanTrainer.Options With(string column, GanFakeData fake) => new() { Epochs = 1, BatchSize = 50, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 1, FakeData = { [column] = fake } };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Gan().Train(With("Score", GanFakeData.FullName)).Fit(data)).Message,
            "Column 'Score' is in Options.FakeData but has type Single: fake personal data is text");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Gan().Train(With("Nickname", GanFakeData.FullName)).Fit(data)).Message,
            "Options.FakeData names 'Nickname', which is not one of the columns");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GanFakeData.FullName.In("xx_YY")).Message, "Bogus has no locale 'xx_YY'");
        Assert.ThrowsExactly<ArgumentException>(() => GanFakeData.OneOf([]));
        var rule = With("Name", GanFakeData.FullName);
        rule.Constraints.Add(GanConstraint.FixedCombinations("Name", "Team"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Gan().Train(rule).Fit(data)).Message, "which is fake data made apart from the other columns");

        // A column of distinct names kept as categories is refused with the options that fit it.
        var many = ml.Data.LoadFromEnumerable(Contacts(1200, seed: 7));
        var refused = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan().Train(new GanTrainer.Options { Epochs = 1, Seed = 1 }).Fit(many));
        StringAssert.Contains(refused.Message, "names, e-mail addresses or phone numbers in Options.FakeData");
    }
}
