namespace Microsoft.ML.Gan.Tests.Evaluation;

/// <summary>
/// Attribute inference: synthetic rows that copy their training rows give a training person's sensitive value far more
/// often than a new person's (a high risk); rows drawn afresh from the same population give both alike (a risk near 0),
/// however strongly the population ties the value to what the attacker knows. Named columns are checked.
/// </summary>
[TestClass]
public sealed class AttributeInferenceTests
{
    public sealed class Person
    {
        public float Age { get; set; }
        public string Zip { get; set; } = "";
        public string Diagnosis { get; set; } = "";
        public float Income { get; set; }
    }

    /// <summary>
    /// People of one population: an age of 18 to 90, one of 20 zip codes, a diagnosis (one of 4, the zip's own in
    /// <paramref name="tied"/> of them, else any) and an income of 20,000 to 120,000 that nothing else sets.
    /// </summary>
    private static Person[] People(int count, int seed, double tied)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int zip = random.Next(20);
            int diagnosis = random.NextDouble() < tied ? zip % 4 : random.Next(4);
            return new Person { Age = random.Next(18, 91), Zip = $"Z{zip}", Diagnosis = $"D{diagnosis}", Income = 20_000 + 100 * random.Next(1001) };
        }).ToArray();
    }

    private static SyntheticDataMetrics Evaluate(Person[] training, Person[] synthetic, Person[] holdout, SyntheticDataEvaluationOptions? options = null)
    {
        var ml = new MLContext(1);
        options ??= new SyntheticDataEvaluationOptions { SensitiveColumns = ["Diagnosis", "Income"], KnownColumns = ["Age", "Zip"] };
        options.HoldoutReal = ml.Data.LoadFromEnumerable(holdout);
        return ml.Gan().Evaluate(ml.Data.LoadFromEnumerable(training), ml.Data.LoadFromEnumerable(synthetic), options);
    }

    [TestMethod]
    public void CopiedRowsGiveTheirPeoplesValuesAwayAndFreshRowsOfThePopulationDoNot()
    {
        var training = People(400, seed: 1, tied: 0.5);
        var holdout = People(400, seed: 2, tied: 0.5);

        var copied = Evaluate(training, training, holdout).Privacy.AttributeInference;
        Assert.HasCount(2, copied);
        var (diagnosis, income) = (copied[0], copied[1]);
        Assert.AreEqual("Diagnosis", diagnosis.Column);
        CollectionAssert.AreEqual(new[] { "Age", "Zip" }, diagnosis.Known.ToArray());
        Assert.AreEqual(400, diagnosis.Rows);
        Assert.AreEqual(0, diagnosis.Tolerance);
        // Each training person's own row is the closest (a few share an age and a zip): right nearly always. A new
        // person gets a stranger's diagnosis: right where the zip's ties it, about 0.5 + 0.5 × 0.25 + chance.
        Assert.IsGreaterThan(0.9, diagnosis.TrainingSuccess);
        Assert.IsLessThan(0.8, diagnosis.HoldoutSuccess);
        Assert.IsGreaterThan(0.6, diagnosis.Risk);
        Assert.IsGreaterThan(10 * diagnosis.RiskStandardError, diagnosis.Risk, "far above its noise");
        Assert.AreEqual(0.05 * (training.Max(p => p.Income) - training.Min(p => p.Income)), income.Tolerance, 1e-6);
        Assert.IsGreaterThan(0.9, income.TrainingSuccess);
        Assert.IsGreaterThan(0.7, income.Risk, "an income nothing sets is guessed within 5 % of its range by chance a tenth of the time");

        // A generator that learnt the population exactly: new people of it. The zip gives their diagnosis as well as a
        // training person's: no risk, though the attack is right more often than by chance.
        var fresh = Evaluate(training, People(2000, seed: 3, tied: 0.5), holdout).Privacy.AttributeInference;
        foreach (var a in fresh)
        {
            Assert.IsLessThan(0.15, a.Risk, $"{a.Column}: {a.TrainingSuccess:P1} against {a.HoldoutSuccess:P1}");
            Assert.IsLessThan(2 * a.RiskStandardError, a.Risk, $"{a.Column}: within its noise");
            // sqrt((p(1 − p) + q(1 − q)) / n) / (1 − q), by hand.
            double p = a.TrainingSuccess, q = a.HoldoutSuccess;
            Assert.AreEqual(Math.Sqrt((p * (1 - p) + q * (1 - q)) / 400) / (1 - q), a.RiskStandardError, 1e-12);
        }
        // A stranger of the same zip holds the person's diagnosis 0.625² + 3 × 0.125² ≈ 44 % of the time; chance, 25 %.
        Assert.IsGreaterThan(0.35, fresh[0].HoldoutSuccess, "the zip's diagnosis, in half the people");
    }

    [TestMethod]
    public void TheAttackerKnowsEveryOtherColumnUnlessToldAndBadNamesAreRefused()
    {
        var training = People(100, seed: 1, tied: 0);
        var holdout = People(100, seed: 2, tied: 0);
        var every = Evaluate(training, training, holdout, new SyntheticDataEvaluationOptions { SensitiveColumns = ["Diagnosis"] });
        CollectionAssert.AreEqual(new[] { "Age", "Zip", "Income" }, every.Privacy.AttributeInference.Single().Known.ToArray());
        StringAssert.Contains(every.Summary(), "Inference of Diagnosis");
        var ml0 = new MLContext(1);
        string html = SyntheticDataReport.Render(ml0.Data.LoadFromEnumerable(training), ml0.Data.LoadFromEnumerable(training), every, null, "t");
        StringAssert.Contains(html, "Inference of &#39;Diagnosis&#39;: risk");
        Assert.IsNull(every.Privacy.AttributeInferenceSkippedReason);

        var ml = new MLContext(1);
        var none = ml.Gan().Evaluate(ml.Data.LoadFromEnumerable(training), ml.Data.LoadFromEnumerable(training), new SyntheticDataEvaluationOptions { SensitiveColumns = ["Diagnosis"] });
        Assert.IsEmpty(none.Privacy.AttributeInference);
        StringAssert.Contains(none.Privacy.AttributeInferenceSkippedReason, "set HoldoutReal");
        Assert.IsNull(Evaluate(training, training, holdout, new SyntheticDataEvaluationOptions()).Privacy.AttributeInferenceSkippedReason, "nothing asked, nothing skipped");

        void Refused(SyntheticDataEvaluationOptions options, string expected)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Evaluate(training, training, holdout, options));
            StringAssert.Contains(e.Message, expected);
        }
        Refused(new() { SensitiveColumns = ["Salary"] }, "SensitiveColumns names 'Salary', which is not among the evaluated columns (Age, Zip, Diagnosis, Income)");
        Refused(new() { SensitiveColumns = ["Income"], Columns = ["Age", "Zip"] }, "SensitiveColumns names 'Income'");
        Refused(new() { SensitiveColumns = ["Diagnosis"], KnownColumns = ["Zip", "Name"] }, "KnownColumns names 'Name'");
        Refused(new() { SensitiveColumns = ["Diagnosis"], KnownColumns = ["Diagnosis"] }, "would know no column");
        Refused(new() { SensitiveColumns = ["Diagnosis", "Diagnosis"] }, "listed twice in SensitiveColumns");
    }
}
