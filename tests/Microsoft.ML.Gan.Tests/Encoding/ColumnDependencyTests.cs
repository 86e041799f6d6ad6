using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Column dependencies: the rules a table's rows obey (a function of one column, a category that fixes another, a date
/// that fixes its year and month) are found at Fit, chance agreements are not, and every generated row obeys them, in
/// .NET and in the exported graph, also after a save and a load.
/// </summary>
[TestClass]
public sealed class ColumnDependencyTests
{
    private static readonly string[] s_education = ["Preschool", "HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate"];
    private static readonly float[] s_educationNum = [1, 9, 10, 13, 14, 16];

    /// <summary>
    /// Education, its number and a code (each a function of the others), relationship and sex ("Husband" male but for one row in
    /// a few hundred, "Wife" female, "Single" either), a month's date with its year and month, and two columns that
    /// depend on nothing.
    /// </summary>
    internal static IDataView Linked(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        bool exception = false;
        var code = new float[rows];
        var education = new ReadOnlyMemory<char>[rows];
        var educationNum = new float[rows];
        var relationship = new ReadOnlyMemory<char>[rows];
        var sex = new ReadOnlyMemory<char>[rows];
        var year = new int[rows];
        var month = new int[rows];
        var date = new double[rows];
        var noise = new ReadOnlyMemory<char>[rows];
        var amount = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int e = random.Next(s_education.Length);
            education[r] = s_education[e].AsMemory();
            educationNum[r] = s_educationNum[e];
            code[r] = s_educationNum[e] / 10f + 0.01f; // a Single that no double holds exactly: 1.31f, 0.91f
            double u = random.NextDouble();
            string rel = u < 0.4 ? "Husband" : u < 0.5 ? "Wife" : "Single";
            relationship[r] = rel.AsMemory();
            string s = rel switch { "Husband" => exception ? "Male" : "Female", "Wife" => "Female", _ => random.Next(2) == 0 ? "Male" : "Female" };
            if (rel == "Husband") exception = true; // only the first Husband is recorded Female
            sex[r] = s.AsMemory();
            year[r] = 2000 + random.Next(5);
            month[r] = 1 + random.Next(12);
            date[r] = year[r] + (month[r] - 1) / 12.0;
            noise[r] = ((char)('x' + random.Next(3))).ToString().AsMemory();
            amount[r] = (float)Math.Round(random.NextDouble() * 1000, 2);
        }
        return new TestTables.ArrayView(
        [
            ("Code", NumberDataViewType.Single, code), ("Education", TextDataViewType.Instance, education), ("EducationNum", NumberDataViewType.Single, educationNum),
            ("Relationship", TextDataViewType.Instance, relationship), ("Sex", TextDataViewType.Instance, sex),
            ("Year", NumberDataViewType.Int32, year), ("Month", NumberDataViewType.Int32, month), ("Date", NumberDataViewType.Double, date),
            ("Colour", TextDataViewType.Instance, noise), ("Amount", NumberDataViewType.Single, amount),
        ]);
    }

    private static TabularEncoder Fitted(IDataView data) =>
        TabularEncoder.Fit(data, data.Schema.Select(c => c.Name).ToArray(),
            new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true), () => { }).Encoder;

    private static string Pairs(TabularEncoder encoder) =>
        string.Join(", ", encoder.Dependencies.Select(d => $"{d.DeterminantName}->{d.TargetName}").Order(StringComparer.Ordinal));

    [TestMethod]
    public void TheRulesATableObeysAreFoundAndNoOthers()
    {
        var encoder = Fitted(Linked(new MLContext(1), 3000, seed: 1));
        // Code, education and its number fix each other: the first column's rules are kept, and no rule that closes a cycle.
        Assert.AreEqual("Code->Education, Code->EducationNum, Date->Month, Date->Year, Education->EducationNum, Relationship->Sex", Pairs(encoder));

        var info = encoder.Dependencies.Select(d => d.ToInfo()).ToDictionary(d => $"{d.Determinant}->{d.Target}");
        Assert.IsTrue(info["Education->EducationNum"].Complete, "every education fixes its number");
        Assert.AreEqual(2, info["Relationship->Sex"].Values, "Husband and Wife fix sex (one Husband in 1,200 recorded Female is an exception); Single does not");
        Assert.IsFalse(info["Relationship->Sex"].Complete);
        Assert.AreEqual(60, info["Date->Year"].Values, "each of the 60 months fixes its year");

        var relationship = (CategoricalColumn)encoder.Columns[3];
        var sex = (CategoricalColumn)encoder.Columns[4];
        var rule = encoder.Dependencies.Single(d => d.TargetName == "Sex");
        var fixes = rule.Keys.Zip(rule.Values).ToDictionary(p => relationship.LevelName((int)p.First), p => sex.LevelName((int)p.Second));
        Assert.AreEqual("Male", fixes["Husband"]);
        Assert.AreEqual("Female", fixes["Wife"]);

        // A column is final before it fixes another: every dependency that changes a column comes before any it fixes.
        var fixedSoFar = new HashSet<int>();
        foreach (var d in encoder.Dependencies)
        {
            Assert.IsFalse(fixedSoFar.Contains(d.Target), $"{d.TargetName} is changed after it fixed another column");
            fixedSoFar.Add(d.Determinant);
        }
    }

    /// <summary>A determinant X and a target T built row by row: (X value, T value, rows).</summary>
    private static TabularEncoder FittedPairs(params (string X, string T, int Rows)[] groups)
    {
        var x = groups.SelectMany(g => Enumerable.Repeat(g.X.AsMemory(), g.Rows)).ToArray();
        var t = groups.SelectMany(g => Enumerable.Repeat(g.T.AsMemory(), g.Rows)).ToArray();
        return Fitted(new TestTables.ArrayView([("X", TextDataViewType.Instance, x), ("T", TextDataViewType.Instance, t)]));
    }

    private static string[] RuleKeys(TabularEncoder encoder) =>
        encoder.Dependencies.Where(d => d.DeterminantName == "X").SelectMany(d => d.Keys.Select(k => ((CategoricalColumn)encoder.Columns[0]).LevelName((int)k))).Order().ToArray();

    [TestMethod]
    public void ChanceAgreementsAndThinSupportMakeNoRule()
    {
        var encoder = FittedPairs(
            ("few", "rare", 9),          // 9 rows agree: fewer than the 10 a rule needs
            ("common", "usual", 40),     // 40 rows agree on a value 77 % of rows hold: 0.77^40 is not small enough
            ("real", "scarce", 40),      // 40 rows agree on a value 2 % of rows hold: a rule
            ("other", "usual", 1500),
            ("other", "rare", 411));
        CollectionAssert.AreEqual(new[] { "real" }, RuleKeys(encoder));
    }

    /// <summary>
    /// Cars: 40 models of 8 makes, 1 to 6 rows a model (too few for a rule of one model alone), and a class that depends
    /// on the model loosely, but for the 15 rows of the "special" class, all of make m0. <paramref name="breaker"/> gives
    /// one model a second make in one of its rows.
    /// </summary>
    private static IDataView Cars(bool breaker = false)
    {
        var model = new List<ReadOnlyMemory<char>>();
        var make = new List<ReadOnlyMemory<char>>();
        var kind = new List<ReadOnlyMemory<char>>();
        for (int m = 0; m < 40; m++)
        {
            int rows = m < 5 ? 3 : 1 + m % 6;
            for (int r = 0; r < rows; r++)
            {
                model.Add($"model{m}".AsMemory());
                make.Add((breaker && m == 7 && r == 1 ? "m7" : $"m{m / 5}").AsMemory());
                kind.Add((m < 5 ? "special" : $"c{(m + r) % 3}").AsMemory());
            }
        }
        return new TestTables.ArrayView([("Model", TextDataViewType.Instance, model.ToArray()), ("Make", TextDataViewType.Instance, make.ToArray()),
            ("Class", TextDataViewType.Instance, kind.ToArray())]);
    }

    [TestMethod]
    public void AModelFixesItsMakeAsAWholeThoughEachModelHasFewRows()
    {
        var encoder = Fitted(Cars());
        var rule = encoder.Dependencies.Single(d => d.DeterminantName == "Model" && d.TargetName == "Make");
        Assert.IsTrue(rule.ToInfo().Complete, "every model is a key, those seen once included");
        var models = (CategoricalColumn)encoder.Columns[0];
        var makes = (CategoricalColumn)encoder.Columns[1];
        for (int k = 0; k < rule.Keys.Length; k++)
        {
            int m = int.Parse(models.LevelName((int)rule.Keys[k])["model".Length..]);
            Assert.AreEqual($"m{m / 5}", makes.LevelName((int)rule.Values[k]));
        }
        // The special class's 15 rows are all of make m0, a rule of its own, but the model fixes the make already: a
        // second rule for it could only contradict the model's in a generated row.
        Assert.IsFalse(encoder.Dependencies.Any(d => d.DeterminantName == "Class" && d.TargetName == "Make"), Pairs(encoder));

        // One model's rows disagree: no whole rule, and no model has the 10 rows a rule of its own needs.
        var broken = Fitted(Cars(breaker: true));
        Assert.IsFalse(broken.Dependencies.Any(d => d.DeterminantName == "Model"), Pairs(broken));
    }

    [TestMethod]
    public void AWholeRuleNeedsMoreThanChanceAgreement()
    {
        // Six values of two rows each agree on a T that is half one value, half the other: (1/2)^6 is chance.
        var encoder = FittedPairs(("a", "p", 2), ("b", "q", 2), ("c", "p", 2), ("d", "q", 2), ("e", "p", 2), ("f", "q", 2), ("g", "p", 1), ("h", "q", 1));
        CollectionAssert.AreEqual(Array.Empty<string>(), RuleKeys(encoder));
        // Forty such values are not: a rule for every value.
        var many = Enumerable.Range(0, 40).Select(i => ($"v{i:D2}", i % 2 == 0 ? "p" : "q", 2)).ToArray();
        Assert.HasCount(40, RuleKeys(FittedPairs(many)));
    }

    /// <summary>
    /// A block of towns: <paramref name="block"/> of the rows (about a third) are district "a", all with tax 100 (a
    /// rule); the others' tax is 1 to 20.
    /// </summary>
    private static IDataView Towns(int rows, int seed, double block = 0.3)
    {
        var random = new Random(seed);
        var district = new ReadOnlyMemory<char>[rows];
        var tax = new float[rows];
        var size = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            bool inBlock = random.NextDouble() < block;
            district[r] = (inBlock ? "a" : random.Next(2) == 0 ? "b" : "c").AsMemory();
            tax[r] = inBlock ? 100 : 1 + random.Next(20);
            size[r] = (float)Math.Round(random.NextDouble() * 50 + (inBlock ? 50 : 0), 1);
        }
        return new TestTables.ArrayView([("District", TextDataViewType.Instance, district), ("Tax", NumberDataViewType.Single, tax), ("Size", NumberDataViewType.Single, size)]);
    }

    [TestMethod]
    public void ANumberARuleSetsInSomeRowsIsMappedOnTheOtherRowsValues()
    {
        var ml = new MLContext(1);
        var data = Towns(1500, seed: 2);
        static TabularEncoder Fit(IDataView data) => TabularEncoder.Fit(data, ["District", "Tax", "Size"],
            new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Marginal: true, Dependencies: true), () => { }).Encoder;
        var fitted = Fit(data);
        Assert.AreEqual("District->Tax", Pairs(fitted));
        var tax = (NumericColumn)fitted.Columns[1];
        CollectionAssert.AreEqual(Enumerable.Range(1, 20).Select(v => (double)v).ToArray(), tax.ToState().MarginalValues!, "the map holds the taxes of the rows the rule leaves to it");
        Assert.IsTrue(tax.Marginal!.FreeRows);

        // A rule that sets a few rows only (under 1 in 20) leaves the whole column's map: it would hardly differ.
        var few = (NumericColumn)Fit(Towns(1500, seed: 2, block: 0.03)).Columns[1];
        Assert.IsFalse(few.Marginal!.FreeRows);
        CollectionAssert.Contains(few.ToState().MarginalValues!, 100.0);

        // Generated: tax 100 as often as district a, not a third more on top of it (the whole column's share given
        // to the rows the rule leaves alone: about 0.3 + 0.7 × 0.3 = 0.51).
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 3 };
        using var model = ml.Gan().Train(options).Fit(data);
        Assert.IsTrue(model.Columns.Single(c => c.Name == "Tax").CalibratedOnFreeRows, "the model tells it");
        Assert.IsFalse(model.Columns.Single(c => c.Name == "Size").CalibratedOnFreeRows);
        var generated = model.Generate(10_000, seed: 4);
        var taxes = TestTables.Column(generated, "Tax").Cast<float>().ToArray();
        var districts = TestTables.Column(generated, "District").Cast<string>().ToArray();
        double real = TestTables.Column(data, "Tax").Cast<float>().Count(t => t == 100) / 1500.0;
        double share = taxes.Count(t => t == 100) / (double)taxes.Length;
        Console.WriteLine($"tax 100: {share:P1} of generated rows, {real:P1} of the training rows");
        Assert.AreEqual(real, share, 0.05);
        Assert.AreEqual(0, Enumerable.Range(0, taxes.Length).Count(r => taxes[r] == 100 && districts[r] != "a"), "no other district is given the block's tax");
    }

    [TestMethod]
    public void ARuleAllowsOneExceptionInAHundredRows()
    {
        // 200 rows of "a" with T = "one", but for 2 (1 %): kept; with 3 exceptions: not.
        (string, string, int)[] rest = [("b", "two", 450), ("b", "three", 450), ("c", "two", 450), ("c", "three", 450)];
        var kept = FittedPairs([("a", "one", 198), ("a", "two", 2), .. rest]);
        CollectionAssert.AreEqual(new[] { "a" }, RuleKeys(kept));
        var broken = FittedPairs([("a", "one", 197), ("a", "two", 3), .. rest]);
        CollectionAssert.AreEqual(Array.Empty<string>(), RuleKeys(broken));
    }

    [TestMethod]
    public void OptionsOffFindNone()
    {
        var ml = new MLContext(1);
        var data = Linked(ml, 600, seed: 2);
        var options = new GanTrainer.Options { Epochs = 1, BatchSize = 100, NoiseDimension = 4, GeneratorLayers = [8], DiscriminatorLayers = [8], Seed = 1, ExactDependencies = false };
        Assert.IsGreaterThan(0, Fitted(data).Dependencies.Count, "the table has rules to find");
        using var off = ml.Gan().Train(options).Fit(data);
        Assert.AreEqual(0, off.Dependencies.Count, "and with the option off none is kept");
        var classic = GanTrainer.Options.Classic();
        Assert.IsFalse(classic.ExactDependencies);
        Assert.IsTrue(new GanTrainer.Options().ExactDependencies, "on by default");
    }

    /// <summary>Rows that break one of the table's rules, of <paramref name="rows"/>.</summary>
    private static int Broken(IDataView rows)
    {
        var code = TestTables.Column(rows, "Code").Cast<float>().ToArray();
        var education = TestTables.Column(rows, "Education").Cast<string>().ToArray();
        var number = TestTables.Column(rows, "EducationNum").Cast<float>().ToArray();
        var relationship = TestTables.Column(rows, "Relationship").Cast<string>().ToArray();
        var sex = TestTables.Column(rows, "Sex").Cast<string>().ToArray();
        var year = TestTables.Column(rows, "Year").Cast<int>().ToArray();
        var month = TestTables.Column(rows, "Month").Cast<int>().ToArray();
        var date = TestTables.Column(rows, "Date").Cast<double>().ToArray();
        int broken = 0;
        for (int r = 0; r < education.Length; r++)
        {
            int e = Array.IndexOf(s_education, education[r]);
            bool ok = s_educationNum[e] == number[r] && s_educationNum[e] / 10f + 0.01f == code[r]
                && (relationship[r] != "Husband" || sex[r] == "Male") && (relationship[r] != "Wife" || sex[r] == "Female")
                && year[r] == (int)Math.Floor(date[r]) && month[r] == 1 + (int)Math.Round((date[r] - year[r]) * 12);
            if (!ok) broken++;
        }
        return broken;
    }

    [TestMethod]
    public void EveryGeneratedRowObeysTheRulesInDotNetAndInTheGraphAlsoAfterALoad()
    {
        var ml = new MLContext(1);
        var data = Linked(ml, 2000, seed: 3);
        var options = new GanTrainer.Options { Epochs = 2, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4 };
        using var model = ml.Gan().Train(options).Fit(data);
        Assert.AreEqual(6, model.Dependencies.Count);
        options.ExactDependencies = false;
        using var bare = ml.Gan().Train(options).Fit(data);

        int bareBroken = Broken(bare.Generate(5000, seed: 5));
        Console.WriteLine($"rows breaking a rule: {bareBroken} of 5,000 without dependencies");
        Assert.IsGreaterThan(100, bareBroken, "two epochs teach a generator few of the rules: without dependencies many rows break one");
        var generated = model.Generate(20_000, seed: 5);
        Assert.AreEqual(0, Broken(generated), "with them, none (the exported graph generates these rows)");
        // The shares are calibrated with the rules applied: the categories a rule sets come out in their training shares.
        foreach (string column in new[] { "Sex", "Education" })
        {
            var real = TestTables.Column(data, column).Cast<string>().ToList();
            var synthetic = TestTables.Column(generated, column).Cast<string>().ToList();
            foreach (string level in real.Distinct())
                Assert.AreEqual(real.Count(v => v == level) / (double)real.Count, synthetic.Count(v => v == level) / (double)synthetic.Count, 0.03, $"{column} = {level}");
        }

        // The .NET decoder applies them as the graph does: the same categories, the same numbers.
        var m = model.Model;
        int rows = 2000;
        var (noise, uniforms) = TestTables.Inputs(seed: 6, rows, m.NoiseDimension, m.Signature.UniformsPerRow, m.Training.NoisePrior);
        var reference = m.GenerateWithTorch(noise, uniforms, rows, m.Training.CategorySampling);
        var onnx = TestTables.ScoreWithGraph(m, noise, uniforms, rows);
        foreach (var d in m.Encoder.Dependencies)
        {
            Assert.IsTrue(d.HoldsIn(reference, m.Encoder.Columns, rows), $"{d.DeterminantName} -> {d.TargetName} in .NET");
            Assert.IsTrue(d.HoldsIn(onnx, m.Encoder.Columns, rows), $"{d.DeterminantName} -> {d.TargetName} in the graph");
        }
        for (int c = 0; c < m.Encoder.Columns.Count; c++)
        {
            if (m.Encoder.Columns[c] is CategoricalColumn)
                CollectionAssert.AreEqual(reference.Levels(c), onnx.Levels(c), m.Encoder.Columns[c].Name);
        }

        // Saved and loaded, as a model zip and as a bare graph: the same rules, the same rows.
        TestTables.SavedAndLoaded(ml, model, loaded =>
        {
            CollectionAssert.AreEqual(model.Dependencies.ToArray(), loaded.Dependencies.ToArray());
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "Sex"), TestTables.Column(loaded.Generate(300, seed: 8), "Sex"));
            CollectionAssert.AreEqual(TestTables.Column(model.Generate(300, seed: 8), "EducationNum"), TestTables.Column(loaded.Generate(300, seed: 8), "EducationNum"));
        });
    }
}
