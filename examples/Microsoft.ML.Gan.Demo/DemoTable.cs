using Microsoft.ML;

namespace Microsoft.ML.Gan.Demo;

/// <summary>
/// A made-up customer table with the things that make tabular data hard for a generator: a skewed income with
/// several modes, integers, a boolean, categories, a "?" missing token and NaN gaps that are not missing at random,
/// and columns that depend on each other. Built from a fixed seed so every run trains on the same rows.
/// </summary>
internal static class DemoTable
{
    /// <summary>The token the table writes for an unknown region (the trainer must be told it means "missing").</summary>
    public const string MissingToken = "?";

    /// <summary>One row. The member order is the column order of the table and of the CSV.</summary>
    public sealed class Customer
    {
        public int Age { get; set; }
        public string Segment { get; set; } = "";
        public double Income { get; set; }
        public bool HomeOwner { get; set; }
        public string Region { get; set; } = "";
        public float CreditScore { get; set; }
    }

    public static IDataView Create(MLContext ml, int rows = 5_000, int seed = 2024) =>
        ml.Data.LoadFromEnumerable(Customers(rows, seed).ToList());

    public static IEnumerable<Customer> Customers(int rows, int seed)
    {
        var random = new Random(seed);
        double Normal(double mean, double sd) =>
            mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        T Pick<T>((T Value, double Weight)[] choices)
        {
            double u = random.NextDouble();
            foreach (var (value, weight) in choices)
            {
                if ((u -= weight) < 0) return value;
            }
            return choices[^1].Value;
        }

        for (int i = 0; i < rows; i++)
        {
            string segment = Pick([("Student", 0.18), ("Employee", 0.52), ("Manager", 0.15), ("Retired", 0.15)]);

            // The segment sets the age band, and both set the income: one log-normal mode per segment, rising with age at work.
            int age = segment switch
            {
                "Student" => (int)Math.Round(Math.Clamp(Normal(22, 2.5), 18, 30)),
                "Employee" => (int)Math.Round(Math.Clamp(Normal(39, 9), 21, 67)),
                "Manager" => (int)Math.Round(Math.Clamp(Normal(48, 7), 29, 68)),
                _ => (int)Math.Round(Math.Clamp(Normal(72, 6), 60, 95)),
            };
            double logIncome = segment switch
            {
                "Student" => Normal(Math.Log(14_000), 0.35),
                "Employee" => Normal(Math.Log(42_000) + 0.012 * (age - 39), 0.30),
                "Manager" => Normal(Math.Log(115_000) + 0.010 * (age - 48), 0.25),
                _ => Normal(Math.Log(30_000), 0.30),
            };
            double income = Math.Round(Math.Exp(logIncome));

            // Older and richer customers own their home more often.
            double ownerLogit = -3.5 + 0.09 * age + 0.8 * Math.Log(income / 40_000);
            bool owner = random.NextDouble() < 1 / (1 + Math.Exp(-ownerLogit));

            string region = Pick([("North", 0.30), ("South", 0.26), ("East", 0.20), ("West", 0.17), (MissingToken, 0.07)]);

            // Students often have no credit history yet: their score is missing far more often than the others'.
            float score = random.NextDouble() < (segment == "Student" ? 0.18 : 0.04)
                ? float.NaN
                : (float)Math.Round(Math.Clamp(560 + 2.2 * (age - 18) + 60 * Math.Log(income / 40_000) + Normal(0, 40), 300, 850));

            yield return new Customer
            {
                Age = age, Segment = segment, Income = income, HomeOwner = owner, Region = region, CreditScore = score,
            };
        }
    }
}
