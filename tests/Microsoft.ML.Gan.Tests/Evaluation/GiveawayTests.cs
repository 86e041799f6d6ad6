using Microsoft.ML;
using Microsoft.ML.Gan.Evaluation;

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

    public sealed class Household
    {
        public float Adults { get; set; }
        public float Children { get; set; }
        public float Size { get; set; }
        public float ChildShare { get; set; }
        public float Rent { get; set; }
    }

    /// <summary>Size = Adults + Children and ChildShare = 100 × Children / Size in every row, unless <paramref name="loose"/> (then Size is one more in every fourth row, and the share half a point more in every fourth other row); Rent unrelated.</summary>
    private static List<Household> Households(int rows, int seed, bool loose)
    {
        var random = new Random(seed);
        var list = new List<Household>(rows);
        for (int i = 0; i < rows; i++)
        {
            int adults = 1 + random.Next(4), children = random.Next(5);
            float size = adults + children + (loose && i % 4 == 1 ? 1 : 0);
            list.Add(new Household
            {
                Adults = adults, Children = children, Size = size,
                ChildShare = (float)(100.0 * children / size) + (loose && i % 4 == 2 ? 0.5f : 0),
                Rent = (float)Math.Round(500 + 1500 * random.NextDouble(), 2),
            });
        }
        return list;
    }

    [TestMethod]
    public void AFormulaEveryRealRowKeepsIsNamedWithTheShareOfSyntheticRowsThatBreakIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Households(2000, 1, loose: false));
        SyntheticDataMetrics Evaluate(bool loose) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Households(2000, 2, loose)));
        var kept = Evaluate(loose: false).Giveaways.Formulas;
        CollectionAssert.AreEqual(new[] { "Size = Adults + Children", "ChildShare = 100 × Children / Size" }, kept.Select(f => f.Formula.ToString()).ToArray());
        Assert.IsTrue(kept.All(f => f.BrokenShare == 0 && f.CheckedRows == 2000), "a fresh sample keeps them");

        var broken = Evaluate(loose: true);
        Assert.AreEqual(0.25, broken.Giveaways.Formulas[0].BrokenShare, 0.001, "every fourth total is off by one");
        Assert.AreEqual(0.25, broken.Giveaways.Formulas[1].BrokenShare, 0.001, "the share is off where it drifts, not where the total does (it is of the row's own total)");
        StringAssert.Contains(broken.ToString(), "Size = Adults + Children: every real row keeps it; 25.0 % of 2,000 synthetic rows break it");
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(Households(2000, 2, loose: true)), broken, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, "<tr><td>Size = Adults + Children</td><td class=\"num\">2,000</td><td class=\"num\">25.0 %</td></tr>", "the report's table of formulas");
    }

    public sealed class Visit
    {
        public string Patient { get; set; } = "";
        public float Day { get; set; }
        public float StudyDay { get; set; }
        public float Pain { get; set; }
    }

    /// <summary>
    /// 30 patients' diaries of 20 days each: StudyDay is Day plus the patient's own start (the same starts for every
    /// seed), but 3 days later in every fifth row where <paramref name="loose"/>; Pain unrelated.
    /// </summary>
    private static List<Visit> Visits(int seed, bool loose)
    {
        var starts = new Random(99);
        var random = new Random(seed);
        var list = new List<Visit>();
        for (int p = 0; p < 30; p++)
        {
            int start = 100 + starts.Next(1000), day = -random.Next(10);
            for (int i = 0; i < 20; i++)
            {
                day += 1 + random.Next(2);
                list.Add(new Visit { Patient = $"P{p:00}", Day = day, StudyDay = day + start + (loose && list.Count % 5 == 4 ? 3 : 0), Pain = (float)Math.Round(10 * random.NextDouble(), 1) });
            }
        }
        return list;
    }

    [TestMethod]
    public void AnOffsetEveryRealRowKeepsIsNamedWithTheShareOfSyntheticRowsThatBreakIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Visits(1, loose: false));
        SyntheticDataMetrics Evaluate(bool loose) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Visits(2, loose)));
        var kept = Evaluate(loose: false).Giveaways.Formulas;
        Assert.AreEqual("StudyDay = Day + an offset for each Patient", string.Join("; ", kept.Select(f => f.Formula)));
        Assert.IsTrue(kept.All(f => f.BrokenShare == 0 && f.CheckedRows == 600), "a fresh sample of the same patients keeps it");
        var broken = Evaluate(loose: true).Giveaways.Formulas.Single();
        Assert.AreEqual(0.2, broken.BrokenShare, 1e-9, "every fifth study day is 3 days off its patient's start");
        StringAssert.Contains(Evaluate(loose: true).ToString(),
            "StudyDay = Day + an offset for each Patient: the real rows of every Patient with one keep it (all but 1 % of each's); 20.0 % of 600 synthetic rows of those break it");
    }

    public sealed class County
    {
        public double Total { get; set; }
        public double Child { get; set; }
        public double Adult { get; set; }
        public double Elder { get; set; }
        public float Rent { get; set; }
    }

    /// <summary>Total the weighted mean of the three rates (noise of sd 0.1), unless <paramref name="loose"/> (then every fourth row's Total is its adults' rate); Rent unrelated.</summary>
    private static List<County> Counties(int rows, int seed, bool loose)
    {
        var normal = TestTables.Normal(5 * rows, seed);
        var list = new List<County>(rows);
        for (int i = 0; i < rows; i++)
        {
            double adult = Math.Max(1, 12 + 5 * normal[5 * i]);
            double child = Math.Max(0, 1.3 * adult + 4 * normal[5 * i + 1]);
            double elder = Math.Max(0, 0.5 * adult + 5 + 3 * normal[5 * i + 2]);
            double total = 0.25 * child + 0.6 * adult + 0.15 * elder + 0.1 * normal[5 * i + 3];
            list.Add(new County { Total = loose && i % 4 == 1 ? adult : total, Child = child, Adult = adult, Elder = elder, Rent = (float)(800 + 100 * normal[5 * i + 4]) });
        }
        return list;
    }

    [TestMethod]
    public void ATrendTheRealRowsFollowIsNamedWithTheShareOfSyntheticRowsThatStrayFromIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Counties(2000, 1, loose: false));
        SyntheticDataMetrics Evaluate(bool loose) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Counties(2000, 2, loose)));
        var kept = Evaluate(loose: false).Giveaways.Trends;
        // Total on Adult or Adult on Total (each explains the other alike): either way with the other two rates as terms.
        var trend = kept.Single().Trend;
        Assert.IsTrue(trend is { Target: "Total", Anchor: "Adult" } or { Target: "Adult", Anchor: "Total" }, trend.ToString());
        Assert.AreEqual("Child, Elder", string.Join(", ", trend.Terms.Select(t => t.Column).Order(StringComparer.Ordinal)), trend.ToString());
        Assert.AreEqual(2000, kept[0].CheckedRows);
        Assert.IsLessThan(0.03, kept[0].OutsideShare, "a fresh sample strays about as often as 1 % of the real rows do");

        var broken = Evaluate(loose: true);
        var loose = broken.Giveaways.Trends.Single();
        Assert.IsTrue(loose.OutsideShare is > 0.15 and < 0.27, $"every fourth Total is off the mean (by more than the band in most of them): {loose.OutsideShare:P1}");
        StringAssert.Contains(broken.ToString(), string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{trend}: 99 % of real rows within {loose.BandText} of it; {loose.OutsideShare:P1} of 2,000 synthetic rows farther"));
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(Counties(2000, 2, loose: true)), broken, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, $"<tr><td>{System.Net.WebUtility.HtmlEncode(trend.ToString())}</td><td class=\"num\">{loose.BandText}</td><td class=\"num\">2,000</td>", "the report's table of trends");
    }

    public sealed class StoreMonth
    {
        public string Store { get; set; } = "";
        public float Month { get; set; }
        public float Sales { get; set; }
    }

    /// <summary>Five stores over 120 months, each store's sales 2 % around a curve of its own; where <paramref name="swapped"/>, every fourth row's sales are the next store's.</summary>
    private static List<StoreMonth> StoreMonths(int seed, bool swapped)
    {
        var normal = TestTables.Normal(600, seed);
        static double Curve(int s, int t) => 1000 * (s + 1) * (1 + 0.5 * Math.Sin(2 * Math.PI * t / (80 + 20 * s) + s));
        var rows = new List<StoreMonth>();
        for (int t = 0; t < 120; t++)
            for (int s = 0; s < 5; s++)
            {
                int i = rows.Count, own = swapped && i % 4 == 1 ? (s + 1) % 5 : s;
                rows.Add(new StoreMonth { Store = $"S{s}", Month = t, Sales = (float)Math.Round(Curve(own, t) * (1 + 0.02 * normal[i])) });
            }
        return rows;
    }

    [TestMethod]
    public void ACurveWithinEachCategoryIsNamedWithTheShareOfSyntheticRowsOffTheirCategorysCurve()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(StoreMonths(1, swapped: false));
        SyntheticDataMetrics Evaluate(bool swapped) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(StoreMonths(2, swapped)));
        var kept = Evaluate(swapped: false).Giveaways.Trends.Single();
        Assert.AreEqual("Sales follows Month within each Store", $"{kept.Trend.Target} follows {kept.Trend.Anchor} within each {kept.Trend.Within}", kept.ToString());
        Assert.IsLessThan(0.03, kept.OutsideShare, "a fresh sample strays about as often as 1 % of the real rows do");
        var broken = Evaluate(swapped: true).Giveaways.Trends.Single();
        Assert.IsTrue(broken.OutsideShare is > 0.15 and < 0.27, $"every fourth row holds another store's sales: {broken.OutsideShare:P1} off their store's curve");
        StringAssert.Contains(broken.ToString(), "within each Store");
    }

    public sealed class Month
    {
        public string City { get; set; } = "";
        public int Year { get; set; }
        public int MonthOfYear { get; set; }
        public float Date { get; set; }
        public float Sales { get; set; }
    }

    [TestMethod]
    public void RealRowsScoredAgainstThemselvesStrayFromAnExactTrendNoMoreThanTheBandAllows()
    {
        // txhousing's calendar: the year is the date less the month's twelfths, exactly in every row (the date a Single).
        // The band was once read from the search's own residuals (all 0) while rows were scored by the trend's curve,
        // whose rounding differs in the last bits: the real rows themselves were then "100 % farther".
        var random = new Random(3);
        var rows = new List<Month>();
        foreach (var city in new[] { "Abilene", "Amarillo", "Austin", "Beaumont" })
            for (int year = 2000; year <= 2015; year++)
                for (int month = 1; month <= 12; month++)
                    rows.Add(new Month { City = city, Year = year, MonthOfYear = month, Date = year + (month - 1) / 12f, Sales = (float)Math.Round(100 + 50 * random.NextDouble()) });
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(rows);
        var trends = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(rows)).Giveaways.Trends;
        Assert.IsNotEmpty(trends, "the calendar is found as a trend");
        foreach (var t in trends)
            Assert.IsLessThanOrEqualTo(1 - GiveawayFinder.TrendBandShare + 1e-9, t.OutsideShare, $"{t}: the real rows lie within their own band");
        var calendar = trends.Single(t => t.Trend.Target is "Year" or "Date");
        Assert.IsLessThan(1e-3, calendar.Band, $"{calendar}: the band is the Single dates' rounding");
        Assert.AreEqual("0 (to rounding)", (calendar with { Band = 8.64e-12 }).BandText, "a band of a double's last bits (txhousing's, read from a CSV) is not printed as 8.64E-12");
        Assert.AreEqual("4.77E-05", (calendar with { Band = 4.77e-5 }).BandText);
        Assert.AreEqual("1,026", (calendar with { Band = 1025.7 }).BandText);
    }

    public sealed class Area
    {
        public float Graduates { get; set; }
        public float Poverty { get; set; }
        public string Code { get; set; } = "";
        public float Size { get; set; }
    }

    /// <summary>
    /// Code is two letters: the bin of Graduates (below 70 or not), then the bin of Poverty (below 15 or not), in every
    /// row; unless <paramref name="loose"/>, when each row's code is drawn from the four alone. Size unrelated.
    /// </summary>
    private static List<Area> Areas(int rows, int seed, bool loose)
    {
        var random = new Random(seed);
        var list = new List<Area>(rows);
        for (int i = 0; i < rows; i++)
        {
            float graduates = (float)Math.Round(50 + 45 * random.NextDouble(), 2);
            float poverty = (float)Math.Round(40 * random.NextDouble(), 2);
            string code = loose
                ? "LH"[random.Next(2)].ToString() + "lh"[random.Next(2)]
                : (graduates < 70 ? "L" : "H") + (poverty < 15 ? "l" : "h");
            list.Add(new Area { Graduates = graduates, Poverty = poverty, Code = code, Size = (float)Math.Round(random.NextDouble(), 3) });
        }
        return list;
    }

    [TestMethod]
    public void ACategoryThatThresholdsFixInTheRealRowsIsNamedWithTheShareOfSyntheticRowsThatBreakIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Areas(2000, 1, loose: false));
        SyntheticDataMetrics Evaluate(bool loose) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Areas(2000, 2, loose)));
        var kept = Evaluate(loose: false).Giveaways.Thresholds.Single();
        Assert.AreEqual("Code", kept.Thresholds.Column);
        CollectionAssert.AreEquivalent(new[] { "Graduates", "Poverty" }, kept.Thresholds.FromColumns.ToArray(), kept.ToString());
        Assert.AreEqual(4, kept.Thresholds.Bins, kept.ToString());
        Assert.IsLessThan(0.01, kept.BrokenShare, "a fresh sample keeps the bins (a value between two real ones at an edge may fall either side)");

        var broken = Evaluate(loose: true);
        var loose = broken.Giveaways.Thresholds.Single();
        Assert.IsTrue(loose.BrokenShare is > 0.7 and < 0.8, $"a code drawn alone is its values' bin in one row of four: {loose.BrokenShare:P1} break it");
        StringAssert.Contains(broken.ToString(), loose.ToString(), "the summary lists it");
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(Areas(2000, 2, loose: true)), broken, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, "<tr><td>Code</td><td>Graduates, Poverty</td><td class=\"num\">4</td>", "the report's table of categories set by thresholds");

        // A table whose categories no number fixes lists none.
        Assert.IsEmpty(GiveawayTests.Evaluate(People(2000, 1), People(2000, 2)).Giveaways.Thresholds);
    }

    public sealed class StateYear
    {
        public string State { get; set; } = "";
        public float Year { get; set; }
        public string Law { get; set; } = "";
        public float Rate { get; set; }
    }

    /// <summary>
    /// 40 states × 15 years: each of the first 30 states passes its law in a year of its own and keeps it, the rest never
    /// have it; unless <paramref name="loose"/>, when each row's law is drawn alone (each state's own share of years with
    /// it). Rate unrelated.
    /// </summary>
    private static List<StateYear> Laws(int seed, bool loose)
    {
        var random = new Random(seed);
        var list = new List<StateYear>();
        for (int s = 0; s < 40; s++)
        {
            int passed = s < 30 ? 2001 + s % 13 : int.MaxValue;
            double share = s < 30 ? (2015 - passed) / 15.0 : 0;
            for (int year = 2000; year < 2015; year++)
                list.Add(new StateYear
                {
                    State = $"S{s:00}", Year = year, Rate = (float)Math.Round(random.NextDouble(), 3),
                    Law = (loose ? random.NextDouble() < share : year >= passed) ? "yes" : "no",
                });
        }
        return list;
    }

    [TestMethod]
    public void ALawEachStateKeepsFromAYearOfItsOwnIsNamedWithTheShareOfSyntheticRowsThatBreakIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Laws(1, loose: false));
        SyntheticDataMetrics Evaluate(bool loose) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Laws(2, loose)));
        var kept = Evaluate(loose: false).Giveaways.Thresholds.Single();
        Assert.AreEqual("Law", kept.Thresholds.Column);
        CollectionAssert.AreEqual(new[] { "State", "Year" }, kept.Thresholds.FromColumns.ToArray(), kept.ToString());
        Assert.AreEqual(0, kept.BrokenShare, "the same steps");

        // Drawn each year at the state's own share: off its step in about half the years of a state that switches.
        var loose = Evaluate(loose: true).Giveaways.Thresholds.Single();
        Assert.AreEqual("Law", loose.Thresholds.Column);
        Assert.IsTrue(loose.BrokenShare is > 0.15 and < 0.5, $"{loose.BrokenShare:P1} break it");
    }

    public sealed class Patient
    {
        public float Albumin { get; set; }
        public float Copper { get; set; }
        public float Cholesterol { get; set; }
        public float Weight { get; set; }
    }

    /// <summary>
    /// Patients whose lab values (Albumin, Copper) were taken for three in four, Cholesterol missing wherever they are
    /// and for a tenth more, Weight missing at random; when <paramref name="apart"/>, one row in twenty has Copper
    /// without Albumin (rows 0, 20, 40 …) and another Cholesterol without Albumin (rows 4, 24, 44 …).
    /// </summary>
    private static List<Patient> Patients(int rows, int seed, bool apart)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(r =>
        {
            bool untested = r % 4 == 0, copperApart = apart && r % 10 == 0;
            return new Patient
            {
                Albumin = untested ? float.NaN : 3 + (float)random.NextDouble(),
                Copper = untested && !copperApart ? float.NaN : random.Next(4, 500),
                Cholesterol = untested && !(apart && r % 20 == 4) || r % 10 == 1 ? float.NaN : random.Next(120, 400),
                Weight = random.NextDouble() < 0.2 ? float.NaN : random.Next(50, 90),
            };
        }).ToList();
    }

    [TestMethod]
    public void ColumnsMissingWithOthersInTheRealRowsAreNamedWithTheShareOfSyntheticRowsThatBreakThem()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Patients(2000, 1, apart: false));
        SyntheticDataMetrics Evaluate(bool apart) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Patients(2000, 2, apart)));
        var kept = Evaluate(apart: false).Giveaways.Missing;
        CollectionAssert.AreEqual(new[] { "Copper with Albumin (same rows)", "Cholesterol with Albumin (elsewhere too)" },
            kept.Select(m => $"{m.Column} with {m.MissingWith} ({(m.Elsewhere ? "elsewhere too" : "same rows")})").ToArray(), "Weight is missing on its own");
        Assert.IsTrue(kept.All(m => m.BrokenShare == 0), "a fresh sample keeps them");

        var broken = Evaluate(apart: true);
        var (copper, cholesterol) = (broken.Giveaways.Missing[0], broken.Giveaways.Missing[1]);
        Assert.AreEqual(0.05, copper.BrokenShare, 1e-9, copper.ToString());
        Assert.AreEqual(0.05, cholesterol.BrokenShare, 1e-9, cholesterol.ToString());
        Assert.AreEqual("Copper and Albumin are missing in the same real rows: 5.0 % of synthetic rows miss one and not the other", copper.ToString());
        Assert.AreEqual("Cholesterol is missing in every real row that misses Albumin, and in others: 5.0 % of synthetic rows miss Albumin and have Cholesterol", cholesterol.ToString());
        StringAssert.Contains(broken.ToString(), cholesterol.ToString(), "the summary lists it");
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(Patients(2000, 2, apart: true)), broken, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, "<tr><td>Cholesterol</td><td>Albumin</td><td>no</td><td class=\"num\">", "the report's table of columns missing with others");

        // A table without such columns lists none.
        Assert.IsEmpty(GiveawayTests.Evaluate(People(2000, 1), People(2000, 2)).Giveaways.Missing);
    }

    public sealed class Enrolment
    {
        public float Year { get; set; }
        public float Months { get; set; }
        public string Status { get; set; } = "";
    }

    /// <summary>
    /// Patients diagnosed from 1960 to 1994 and followed until the study's end (the start of 2000: 12 × (2000 − year)
    /// months) or their death before it, a third of them alive at the end (followed for 0 to 24 months less than the time
    /// left, their last visit); <paramref name="apart"/>: the months drawn from the whole column, whatever the year.
    /// </summary>
    private static List<Enrolment> Enrolments(int rows, int seed, bool apart)
    {
        var random = new Random(seed);
        var list = Enumerable.Range(0, rows).Select(_ =>
        {
            int year = random.Next(1960, 1995), left = 12 * (2000 - year);
            bool alive = random.Next(3) == 0;
            return new Enrolment { Year = year, Status = alive ? "alive" : "dead", Months = alive ? left - random.Next(25) : 1 + random.Next(left) };
        }).ToList();
        if (apart)
        {
            var months = list.Select(e => e.Months).OrderBy(_ => random.Next()).ToArray();
            for (int i = 0; i < list.Count; i++) list[i].Months = months[i];
        }
        return list;
    }

    [TestMethod]
    public void AStudysEndTheRealRowsKeepIsNamedWithTheShareOfSyntheticRowsPastIt()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Enrolments(2000, 1, apart: false));
        SyntheticDataMetrics Evaluate(bool apart) => ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Enrolments(2000, 2, apart)));
        var kept = Evaluate(apart: false).Giveaways.Bounds.Single();
        Assert.AreEqual("Months", kept.Column);
        Assert.AreEqual("Year", kept.Other);
        Assert.AreEqual(12, kept.Scale, 0.5, "a year takes 12 months off the time left");
        Assert.IsGreaterThan(0.2, kept.NearShare, "the living, near the end");
        Assert.IsLessThan(0.005, kept.BrokenShare, "a fresh sample keeps it");

        var broken = Evaluate(apart: true);
        var past = broken.Giveaways.Bounds.Single();
        Assert.IsGreaterThan(0.2, past.BrokenShare, "months of an early patient given to a late one pass the end");
        StringAssert.StartsWith(past.ToString(), "Months + 1");
        StringAssert.Contains(past.ToString(), " × Year ≤ 2");
        StringAssert.Contains(past.ToString(), "of 2,000 synthetic rows past it");
        StringAssert.Contains(broken.ToString(), past.ToString(), "the summary lists it");
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(Enrolments(2000, 2, apart: true)), broken, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, $"<tr><td>{past.Rule.Replace("×", "&#215;")}</td>", "the report's table of bounds");

        // An upper bound that rises with the other column (an income below 1,000 × age + 5,000) is no study's end, and
        // columns that are unrelated keep none.
        Assert.IsEmpty(GiveawayTests.Evaluate(People(2000, 1), People(2000, 2)).Giveaways.Bounds);
        var random = new Random(3);
        double[] x = Enumerable.Range(0, 1000).Select(_ => (double)random.Next(100)).ToArray(), y = Enumerable.Range(0, 1000).Select(_ => random.NextDouble()).ToArray();
        Assert.IsNull(GiveawayFinder.Bound(x, y, seed: 1));
    }

    public sealed class Tract
    {
        public float Tax { get; set; }
        public float Zoning { get; set; }
        public float Income { get; set; }
    }

    /// <summary>40 towns of 4 to 9 tracts: a town's Tax and Zoning repeat on its tracts; when <paramref name="mixed"/>, every fifth tract takes the next town's zoning.</summary>
    private static List<Tract> Tracts(int seed, bool mixed)
    {
        var random = new Random(seed);
        var list = new List<Tract>();
        for (int town = 0; town < 40; town++)
        {
            for (int i = 0, tracts = 4 + random.Next(6); i < tracts; i++)
            {
                int zoningOf = mixed && list.Count % 5 == 4 ? (town + 1) % 40 : town;
                list.Add(new Tract { Tax = 200 + 7 * (town % 35), Zoning = 5 * ((zoningOf * 7) % 30), Income = (float)Math.Round(20_000 + 30_000 * random.NextDouble()) });
            }
        }
        return list;
    }

    [TestMethod]
    public void RowsThatMixTwoTownsAreNamedWithTheirShare()
    {
        var ml = new MLContext(1);
        var real = ml.Data.LoadFromEnumerable(Tracts(1, mixed: false));
        var clean = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(Tracts(2, mixed: false))).Giveaways.Combinations;
        Assert.AreEqual("Tax, Zoning come in 40 combinations", string.Join("; ", clean.Select(c => c.Combination)), "the towns, not the incomes");
        Assert.AreEqual(0, clean[0].BrokenShare, "a fresh sample of the towns mixes none");

        var synthetic = Tracts(2, mixed: true);
        var mixed = ml.Gan().Evaluate(real, ml.Data.LoadFromEnumerable(synthetic));
        Assert.AreEqual(synthetic.Count / 5 / (double)synthetic.Count, mixed.Giveaways.Combinations[0].BrokenShare, 0.01, "every fifth tract mixes two towns");
        StringAssert.Contains(mixed.ToString(), $"Tax, Zoning come in 40 combinations in the real rows; {mixed.Giveaways.Combinations[0].BrokenShare:P1} of synthetic rows hold none of them");
        string html = SyntheticDataReport.Render(real, ml.Data.LoadFromEnumerable(synthetic), mixed, null, "t", GanLossKind.WassersteinGp);
        StringAssert.Contains(html, "<tr><td>Tax, Zoning</td><td class=\"num\">40</td>", "the report's table of combinations");
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
