using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Gan.Tests.Cli;

/// <summary>
/// The command-line tool (src/Microsoft.ML.Gan.Cli, <c>mlgan</c>), run as its own process the way a user runs it:
/// train on a CSV with quoted commas, missing markers and identifiers, and on tricky columns (codes, leading zeros);
/// generate to a pipe, to CSV and to Parquet, with conditions; augment; evaluate; inspect zip and ONNX; export; Ctrl+C with and
/// without keeping the model; and every exit code with its one-line message.
/// </summary>
[TestClass]
public sealed class CommandLineTests
{
    private static string s_folder = null!;
    private static string s_model = null!;

    /// <summary>The tool's build output, beside this test project's (same configuration and framework).</summary>
    private static string Tool()
    {
        string here = AppContext.BaseDirectory; // .../tests/Microsoft.ML.Gan.Tests/bin/<Configuration>/<tfm>/
        var dir = new DirectoryInfo(here);
        string tfm = dir.Name, configuration = dir.Parent!.Name;
        var root = dir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Microsoft.ML.Gan.sln"))) root = root.Parent;
        string path = Path.Combine(root!.FullName, "src", "Microsoft.ML.Gan.Cli", "bin", configuration, tfm, "mlgan.dll");
        return File.Exists(path) ? path : throw new AssertFailedException($"The tool is not built at {path}.");
    }

    /// <summary>The tool started in the test folder with <paramref name="args"/>, its outputs redirected, one libtorch thread.</summary>
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = s_folder };
        start.ArgumentList.Add(Tool());
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["OMP_NUM_THREADS"] = "1";
        return Process.Start(start)!;
    }

    private static (int Code, string Out, string Error) Mlgan(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(entireProcessTree: true); throw new AssertFailedException("mlgan did not finish in 5 minutes."); }
        return (process.ExitCode, output.Result, error.Result);
    }

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_folder = Directory.CreateTempSubdirectory("mlgan-").FullName;
        var random = new Random(1);
        var csv = new StringBuilder("OrderId,Customer,Amount,Items,Channel,Ordered\n");
        for (int i = 0; i < 300; i++)
        {
            // Amounts by channel overlap (45 to 50), so the channel is no bin of the amount that a tree would set.
            bool web = random.Next(2) == 0;
            csv.Append(CultureInfo.InvariantCulture, $"ORD-{1000 + i * 3},customer{i}@shop.example.com,{Math.Round(web ? 20 + 30 * random.NextDouble() : 45 + 45 * random.NextDouble(), 2)},")
                .Append(i % 10 == 3 ? "NA" : random.Next(1, 6).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(web ? "\"web, app\"" : "store").Append(',')
                .Append(new DateTime(2024, 1, 1).AddDays(random.Next(365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append('\n');
        }
        File.WriteAllText(Path.Combine(s_folder, "orders.csv"), csv.ToString());
        var (code, output, error) = Mlgan("train", "orders.csv", "--model", "orders.zip", "--epochs", "3");
        Assert.AreEqual(0, code, $"{output}\n{error}");
        s_model = Path.Combine(s_folder, "orders.zip");
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (s_folder is not null) Directory.Delete(s_folder, recursive: true);
    }

    [TestMethod]
    public void TrainInfersTheColumnsAndWritesTheModel()
    {
        Assert.IsTrue(File.Exists(s_model));
        var (code, output, _) = Mlgan("inspect", "orders.zip");
        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "identifier, from 1,898");
        StringAssert.Contains(output, "fake data: Email (en)");
        StringAssert.Contains(output, "2024-0");
        StringAssert.Contains(output, "Trained on 300 rows for 3 epochs");
        StringAssert.Contains(output, "2 categories (", "a categorical column's categories with their shares");
        StringAssert.Contains(output, "web, app ");
        var joined = string.Join(" ", output.Split('│', '\n').Select(p => p.Trim()).Where(p => p.Length > 0));
        StringAssert.Contains(joined, "mapped within each of 2 categories of Channel", "the amount depends on the channel: its map is grouped, and inspect says so");
        StringAssert.Contains(joined, "min-max", "300 rows are too few for modes: the numbers are normalised min-max by default, and inspect says so");
        Assert.DoesNotContain(" modes", joined);
    }

    /// <summary>Writes <paramref name="csv"/> as <paramref name="name"/>.csv, trains one epoch on it and returns what <c>mlgan inspect</c> prints of the model.</summary>
    private static string TrainedAndInspected(string name, string csv)
    {
        File.WriteAllText(Path.Combine(s_folder, $"{name}.csv"), csv);
        var (code, output, error) = Mlgan("train", $"{name}.csv", "--model", $"{name}.zip", "--epochs", "1");
        Assert.AreEqual(0, code, $"{output}\n{error}");
        (code, output, error) = Mlgan("inspect", $"{name}.zip");
        Assert.AreEqual(0, code, error);
        return output;
    }

    [TestMethod]
    public void InspectSaysWhichColumnsAreNormalisedByRankAndWhichRepeatTheirValues()
    {
        // A county's population (log-normal: skewness far above 2) beside a uniform share to a tenth, 300 rows: the
        // populations all but never repeat, the shares (1,001 possible) often do.
        var random = new Random(3);
        var csv = new StringBuilder("Population,Share\n");
        for (int i = 0; i < 300; i++)
        {
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            csv.Append(CultureInfo.InvariantCulture, $"{Math.Round(20000 * Math.Exp(1.5 * gaussian))},{Math.Round(100 * random.NextDouble(), 1)}\n");
        }
        var rows = TrainedAndInspected("counties", csv.ToString()).Split('\n');
        string Row(string column) => rows.Single(r => r.Contains(column, StringComparison.Ordinal));
        StringAssert.Contains(Row("Population"), "rank", "the skewed column is ranked by default");
        StringAssert.Contains(Row("Share"), "min-max", "the even one is not");
        StringAssert.Contains(Row("Share"), "repeats", "shares repeat: the map generates them as often as new rows would");
        Assert.DoesNotContain("repeats", Row("Population"), "populations barely repeat");
    }

    [TestMethod]
    public void InspectNamesAnEmptyCategoryInsteadOfPrintingNothing()
    {
        // A cause of death recorded for the dead only (as in survival's flchain): the empty field is the commonest value.
        var csv = new StringBuilder("Age,Cause\n");
        for (int i = 0; i < 120; i++) csv.Append(CultureInfo.InvariantCulture, $"{50 + i % 40},{(i % 4 == 0 ? "Circulatory" : i % 4 == 1 ? "Neoplasms" : "")}\n");
        var row = TrainedAndInspected("causes", csv.ToString()).Split('\n').Single(r => r.Contains("Cause", StringComparison.Ordinal));
        StringAssert.Contains(row, "3 categories ((empty) 50 %, Circulatory 25 %", "the empty value is named, not printed as a blank before its share");
    }

    [TestMethod]
    public void InspectSaysWhichRulesTheTrainingRowsShowed()
    {
        // Stays of 2 to 4 nights, arrivals over a year: the departure follows the arrival in every row, 2-4 days on.
        var random = new Random(4);
        var csv = new StringBuilder("Arrival,Departure\n");
        for (int i = 0; i < 200; i++)
        {
            var arrival = new DateTime(2024, 1, 1).AddDays(random.Next(0, 365));
            csv.Append(CultureInfo.InvariantCulture, $"{arrival:yyyy-MM-dd},{arrival.AddDays(random.Next(2, 5)):yyyy-MM-dd}\n");
        }
        var output = TrainedAndInspected("stays", csv.ToString());
        StringAssert.Contains(output, "Rule: Arrival < Departure (found: every training row keeps it)");
    }

    [TestMethod]
    public void InspectSaysWhichColumnsAreMissingTogether()
    {
        // A lab's two measures, taken for the same three patients in four; a weight missing in other rows.
        var random = new Random(5);
        var csv = new StringBuilder("Albumin,Copper,Weight\n");
        for (int i = 0; i < 200; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{(i % 4 == 0 ? "" : $"{3 + random.NextDouble():F2}")},{(i % 4 == 0 ? "" : $"{random.Next(4, 500)}")},{(i % 5 == 1 ? "" : $"{random.Next(50, 90)}")}\n");
        var output = TrainedAndInspected("labs", csv.ToString());
        StringAssert.Contains(output, "Missing together: Albumin, Copper (in 25.0 % of the training rows)");
        var copper = output.Split('\n').Single(r => r.Contains("Copper", StringComparison.Ordinal) && r.Contains("missing", StringComparison.Ordinal));
        StringAssert.Contains(copper, "missing 25.0 %");
        Assert.IsFalse(output.Split('\n').Any(r => r.Contains("Weight", StringComparison.Ordinal) && r.Contains("missing exactly", StringComparison.Ordinal)), output);
    }

    [TestMethod]
    public void InspectSaysAMeasureIsMappedWithinEachValueOfAYear()
    {
        // Each year spreads the value about the same centre, each as far as its own (neither tells the other by a curve).
        var random = new Random(6);
        double[] spreads = [1, 5, 20, 40];
        var csv = new StringBuilder("Year,Value\n");
        for (int i = 0; i < 800; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{2001 + i % 4},{50 + spreads[i % 4] * (2 * random.NextDouble() - 1):F2}\n");
        var output = TrainedAndInspected("years", csv.ToString());
        // The table wraps a long cell over lines whose other cells are empty: read as one text, it is the cell's.
        string flat = string.Join(" ", output.Replace("│", " ", StringComparison.Ordinal).Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        StringAssert.Contains(flat, "mapped within each of 4 values of Year (2001, 2002, 2003, 2004)", output);
    }

    [TestMethod]
    public void InspectPrintsTheFormulasAModelKeeps()
    {
        var random = new Random(2);
        var csv = new StringBuilder("Food,Drinks,Total,Tip\n");
        for (int i = 0; i < 200; i++)
        {
            double food = Math.Round(5 + 40 * random.NextDouble(), 2), drinks = Math.Round(10 * random.NextDouble(), 2);
            csv.Append(CultureInfo.InvariantCulture, $"{food},{drinks},{Math.Round(food + drinks, 2)},{Math.Round(3 * random.NextDouble(), 2)}\n");
        }
        var output = TrainedAndInspected("bills", csv.ToString());
        StringAssert.Contains(output, "Formula: Total = Food + Drinks");
        Assert.DoesNotContain("Tip =", output, "the tip is nobody's sum");
        Assert.DoesNotContain("made from", output, "a sum solves for nothing");

        // A share of two near-equal counts: inspect says the share is learned and the count made from it.
        var counts = new StringBuilder("Total,Known,Share\n");
        for (int i = 0; i < 200; i++)
        {
            int total = 1000 + random.Next(9000), known = total - random.Next(total / 5);
            counts.Append(CultureInfo.InvariantCulture, $"{total},{known},{(100.0 * known / total).ToString("R", CultureInfo.InvariantCulture)}\n");
        }
        output = TrainedAndInspected("counts", counts.ToString());
        StringAssert.Contains(output, "Formula: Share = 100 × Known / Total (Share learned; Known made from it and Total)");

        // An area from a population that is a sum and a density: the area is learned and the density made from it.
        var plots = new StringBuilder("A,B,Pop,Area,Density\n");
        for (int i = 0; i < 200; i++)
        {
            int a = 1000 + random.Next(9000), b = random.Next(2000);
            double area = Math.Round(0.02 + 0.08 * random.NextDouble(), 3);
            plots.Append(CultureInfo.InvariantCulture, $"{a},{b},{a + b},{area.ToString("R", CultureInfo.InvariantCulture)},{(0.001 * (a + b) / area).ToString("R", CultureInfo.InvariantCulture)}\n");
        }
        output = TrainedAndInspected("plots", plots.ToString());
        StringAssert.Contains(output, "Formula: Area = 0.001 × Pop / Density (Area learned; Density made from it and Pop)");
        Assert.DoesNotContain("after the formulas", output, "no trend here follows a made column");

        // Adults about three quarters of a total its parts add up to: the trend on the total is put back after the formulas.
        var towns = new StringBuilder("A,B,Total,Adults\n");
        for (int i = 0; i < 200; i++)
        {
            int a = 1000 + random.Next(9000), b = random.Next(2000);
            towns.Append(CultureInfo.InvariantCulture, $"{a},{b},{a + b},{(int)Math.Round((a + b) * (0.75 + 0.005 * (random.NextDouble() - 0.5)))}\n");
        }
        output = TrainedAndInspected("towns", towns.ToString());
        StringAssert.Contains(output, "Formula: Total = A + B");
        StringAssert.Contains(output, "Trend: Adults follows Total");
        StringAssert.Contains(output, "(after the formulas)");
    }

    [TestMethod]
    public void InspectPrintsTheCombinationsAModelKeeps()
    {
        // 40 shops, 3 to 8 sales each: a shop's floor space and staff repeat on its sales; the amount is the sale's own.
        var random = new Random(3);
        var csv = new StringBuilder("Space,Staff,Amount\n");
        for (int shop = 0; shop < 40; shop++)
        {
            int space = 100 + 10 * (shop % 35), staff = 2 + (shop * 7) % 30;
            for (int sale = 0, sales = 3 + random.Next(6); sale < sales; sale++)
                csv.Append(CultureInfo.InvariantCulture, $"{space},{staff},{Math.Round(5 + 200 * random.NextDouble(), 2)}\n");
        }
        var output = TrainedAndInspected("shops", csv.ToString());
        StringAssert.Contains(output, "Combination: Space, Staff come in 40 combinations, learned as one category");
        Assert.DoesNotContain("Amount come", output, "a sale's amount is its own");
        Assert.DoesNotContain("(combination of", output, "the shop, learned as a category, is no column of the table");
    }

    [TestMethod]
    public void InspectPrintsTheCategoriesThatThresholdsFix()
    {
        // 300 people: an age group that is the bin of the age (under 30, under 60, older); an income of their own.
        var random = new Random(4);
        var csv = new StringBuilder("Age,Group,Income\n");
        for (int i = 0; i < 300; i++)
        {
            int age = 18 + random.Next(70);
            csv.Append(CultureInfo.InvariantCulture, $"{age},{(age < 30 ? "young" : age < 60 ? "middle" : "old")},{Math.Round(20 + 80 * random.NextDouble(), 1)}\n");
        }
        var output = TrainedAndInspected("people", csv.ToString());
        StringAssert.Contains(output, "Thresholds: Group is set by thresholds on Age (3 bins)");
    }

    [TestMethod]
    public void InspectPrintsThePairsOfCategoriesAModelRulesOut()
    {
        // 600 shops in three towns, each town with its own two kinds of shop; a price of their own.
        var random = new Random(5);
        var kinds = new Dictionary<string, string[]> { ["Ayr"] = ["bakery", "florist"], ["Bude"] = ["florist", "grocer"], ["Cork"] = ["grocer", "bakery"] };
        var csv = new StringBuilder("Town,Kind,Price\n");
        for (int i = 0; i < 600; i++)
        {
            string town = kinds.Keys.ElementAt(i % 3);
            csv.Append(CultureInfo.InvariantCulture, $"{town},{kinds[town][random.Next(2)]},{Math.Round(5 + 50 * random.NextDouble(), 2)}\n");
        }
        var output = TrainedAndInspected("shops-by-town", csv.ToString());
        var line = output.Split('\n').Single(l => l.StartsWith("Excluded: ", StringComparison.Ordinal)).Trim();
        StringAssert.StartsWith(line, "Excluded: Town × Kind, 3 pairs never together: ");
        CollectionAssert.AreEquivalent(new[] { "Ayr with grocer", "Bude with bakery", "Cork with florist" }, line.Split(": ")[2].Split(", "), line);
    }

    [TestMethod]
    public void InspectPrintsTheNumbersLearnedAboutALevelOfEachCategorysOwn()
    {
        // 40 patients of 6 visits: a lab value about a level of the patient's own, a score that is noise.
        var random = new Random(6);
        var csv = new StringBuilder("Patient,Lab,Score\n");
        for (int p = 0; p < 40; p++)
        {
            double level = 2 * random.NextDouble();
            for (int v = 0; v < 6; v++)
                csv.Append(CultureInfo.InvariantCulture, $"P{p:00},{Math.Round(Math.Exp(level + 0.1 * random.NextDouble()), 2)},{Math.Round(100 * random.NextDouble(), 1)}\n");
        }
        var output = TrainedAndInspected("visits-by-patient", csv.ToString());
        var line = output.Split('\n').Single(l => l.StartsWith("Level: ", StringComparison.Ordinal)).Trim();
        StringAssert.StartsWith(line, "Level: Lab about a level of each Patient's own (");
        StringAssert.EndsWith(line, "of its spread), learned as its distance from it and mapped onto its training values after it");
    }

    [TestMethod]
    public void InspectPrintsAStudysEndAndTheFollowUpLearnedAsItsShareOfTheTimeLeft()
    {
        // 400 patients diagnosed in 1960-1994, followed to death or the end of 1999 (a third alive at it); a dose that is noise.
        var random = new Random(8);
        var csv = new StringBuilder("Year,Months,Dose\n");
        for (int p = 0; p < 400; p++)
        {
            int year = random.Next(1960, 1995), left = 12 * (2000 - year);
            csv.Append(CultureInfo.InvariantCulture, $"{year},{(random.Next(3) == 0 ? left - random.Next(25) : 1 + random.Next(left))},{Math.Round(10 + 40 * random.NextDouble(), 1)}\n");
        }
        var output = TrainedAndInspected("follow-up", csv.ToString());
        var line = output.Split('\n').Single(l => l.StartsWith("Study end: ", StringComparison.Ordinal)).Trim();
        StringAssert.StartsWith(line, "Study end: Months + 1");
        StringAssert.EndsWith(line, " in every training row; Months learned as its share of the time Year leaves it");
        var joined = string.Join(" ", output.Split('│', '\n').Select(p => p.Trim()).Where(p => p.Length > 0));
        StringAssert.Contains(joined, "a share of the time Year leaves it", "the column's row says so too");
    }

    [TestMethod]
    public void ColumnsOverrideTheInference()
    {
        var (code, output, error) = Mlgan("train", "orders.csv", "--model", "overridden.zip", "--epochs", "1", "--columns", "Items:skip, Customer:text");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "left out, as given");
        (code, output, _) = Mlgan("inspect", "overridden.zip");
        Assert.AreEqual(0, code);
        Assert.DoesNotContain("Items", output, "a skipped column is not learned");
        StringAssert.Contains(output, "300 categories", "the addresses learned as text, as asked");
        foreach (var (list, message) in new[] { ("Items:weird", "is not name:kind"), ("Colour:text", "The file has no column 'Colour'") })
        {
            (code, _, error) = Mlgan("train", "orders.csv", "--model", "never.zip", "--epochs", "1", "--columns", list);
            Assert.AreEqual(2, code, list);
            StringAssert.Contains(error, message, list);
        }
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "never.zip")));
    }

    [TestMethod]
    public void GenerateStreamsCsvToAPipeOrWritesAFile()
    {
        var (code, output, error) = Mlgan("generate", "orders.zip", "--rows", "50", "--seed", "4");
        Assert.AreEqual(0, code, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(51, lines, "a header and 50 rows on standard output");
        Assert.AreEqual("OrderId,Customer,Amount,Items,Channel,Ordered", lines[0].TrimEnd('\r'));
        Assert.IsTrue(lines.Skip(1).All(l => l.StartsWith("ORD-", StringComparison.Ordinal)), lines[1]);
        Assert.IsTrue(lines.Skip(1).Any(l => l.Contains("\"web, app\"", StringComparison.Ordinal)), "a quoted comma is quoted again");

        (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "50", "--seed", "4", "--out", "synthetic.csv");
        Assert.AreEqual(0, code, error);
        CollectionAssert.AreEqual(lines, File.ReadAllText(Path.Combine(s_folder, "synthetic.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries), "the same rows in the file");
        Assert.IsEmpty(Directory.GetFiles(s_folder, "*.tmp-*"), "no temporary file left");
    }

    [TestMethod]
    public void FirstRowMakesSlicesThatConcatenateToTheWhole()
    {
        // Three processes, three slices of seed 6: their rows (headers dropped) are one process's rows, identifiers included.
        var (code, whole, error) = Mlgan("generate", "orders.zip", "--rows", "90", "--seed", "6");
        Assert.AreEqual(0, code, error);
        var parts = new List<string>();
        foreach (var (first, rows) in new[] { ("0", "40"), ("40", "1"), ("41", "49") })
        {
            (code, var output, error) = Mlgan("generate", "orders.zip", "--rows", rows, "--seed", "6", "--first-row", first);
            Assert.AreEqual(0, code, error);
            parts.AddRange(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        }
        var expected = whole.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.HasCount(90, expected);
        CollectionAssert.AreEqual(expected, parts);
        Assert.AreEqual(90, parts.Select(l => l.Split(',')[0]).Distinct().Count(), "an order id is never repeated across slices");

        (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "5", "--first-row", "-3");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "--first-row must be 0 or more");

        // digest: parts in either format hash like one file of the same rows; another order, or a row short, does not.
        Assert.AreEqual(0, Mlgan("generate", "orders.zip", "--rows", "90", "--seed", "6", "--out", "whole.csv").Code);
        Assert.AreEqual(0, Mlgan("generate", "orders.zip", "--rows", "40", "--seed", "6", "--out", "part-0.parquet").Code);
        Assert.AreEqual(0, Mlgan("generate", "orders.zip", "--rows", "50", "--seed", "6", "--first-row", "40", "--out", "part-1.csv").Code);
        Assert.AreEqual(0, Mlgan("generate", "orders.zip", "--rows", "49", "--seed", "6", "--first-row", "40", "--out", "short.csv").Code);
        string Digest(params string[] files)
        {
            var (c, o, e) = Mlgan(["digest", "--model", "orders.zip", .. files]);
            Assert.AreEqual(0, c, e);
            return o.Trim();
        }
        string one = Digest("whole.csv");
        StringAssert.StartsWith(one, "90 rows sha256 ");
        Assert.AreEqual(one, Digest("part-0.parquet", "part-1.csv"));
        Assert.AreNotEqual(one, Digest("part-1.csv", "part-0.parquet"), "the order of the rows counts");
        StringAssert.StartsWith(Digest("part-0.parquet", "short.csv"), "89 rows sha256 ");
        (code, _, error) = Mlgan("digest", "--model", "orders.zip", "nowhere.parquet");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "nowhere.parquet");
    }

    [TestMethod]
    public void ExportWritesTheSeedAndRowsGraphOrTheNoiseGraph()
    {
        var (code, _, error) = Mlgan("export", "orders.zip", "--out", "orders.onnx");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(error, "inputs Seed (int64 [1], or one a row) and Row (int64 [rows])");
        StringAssert.Contains(error, "Attempt");
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(s_folder, "orders.onnx")))
        {
            CollectionAssert.AreEqual(new[] { "Seed", "Row" }, session.InputNames.ToArray());
            Assert.DoesNotContain("OrderId", session.OutputNames, "identifiers are made in .NET, not by the graph");
            // Rows 10..29 of seed 7 from the graph are those the library's Generate makes there.
            using var seed = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[] { 7 }, [1]);
            using var rows = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(Enumerable.Range(10, 20).Select(i => (long)i).ToArray(), [20]);
            var names = session.OutputNames.ToArray();
            using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["Seed", "Row"], [seed, rows], names);
            var ml = new MLContext(1);
            using var model = ml.Gan().LoadModel(s_model);
            var amounts = TestTables.Column(model.Generate(20, 7, firstRow: 10), "Amount").Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray();
            var graph = outputs[Array.IndexOf(names, "Amount")];
            var fromGraph = graph.GetTensorTypeAndShape().ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float
                ? graph.GetTensorDataAsSpan<float>().ToArray().Select(f => (double)f).ToArray()
                : graph.GetTensorDataAsSpan<double>().ToArray();
            CollectionAssert.AreEqual(amounts, fromGraph);
        }

        (code, _, error) = Mlgan("export", "orders.zip", "--out", "orders-noise.onnx", "--inputs", "noise");
        Assert.AreEqual(0, code, error);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(s_folder, "orders-noise.onnx")))
            Assert.AreEqual("Noise", session.InputNames[0]);
        (code, _, error) = Mlgan("export", "orders.zip", "--out", "x.onnx", "--inputs", "dice");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "dice");
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "x.onnx")));
    }

    [TestMethod]
    public void EvaluateComparesTheLearnedColumnsAndWritesTheReport()
    {
        var (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "300", "--out", "for-evaluation.csv");
        Assert.AreEqual(0, code, error);
        string output;
        (code, output, error) = Mlgan("evaluate", "orders.csv", "for-evaluation.csv", "--report", "report.html");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "Column shapes");
        StringAssert.Contains(output, "Amount");
        Assert.DoesNotContain("OrderId ", output, "identifiers are new by design: not compared");
        Assert.IsTrue(File.Exists(Path.Combine(s_folder, "report.html")));
        (code, _, error) = Mlgan("evaluate", "orders.csv", "for-evaluation.csv", "--label", "Channel");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "--label needs --holdout");

        // Attribute inference of the channel by an attacker who knows the amount and items (the training rows as their
        // own holdout: the attack fares alike on both, no risk).
        (code, output, error) = Mlgan("evaluate", "orders.csv", "for-evaluation.csv", "--holdout", "orders.csv", "--sensitive", "Channel", "--known", "Amount, Items");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "Inference of Channel");
        StringAssert.Contains(output, "closest synthetic row on Amount, Items;");
        StringAssert.Contains(output, "(risk 0.000 ± ");
        foreach (var (args, expected) in new[]
        {
            (new[] { "--sensitive", "Channel" }, "--sensitive needs --holdout"),
            (["--holdout", "orders.csv", "--sensitive", "Chanel"], "--sensitive: 'Chanel' is not a column the evaluation reads"),
            (["--holdout", "orders.csv", "--known", "Amount"], "give --sensitive too"),
        })
        {
            (code, _, error) = Mlgan(["evaluate", "orders.csv", "for-evaluation.csv", .. args]);
            Assert.AreEqual(2, code, string.Join(" ", args));
            StringAssert.Contains(error, expected);
        }
    }

    /// <summary>
    /// Starts training for ever, interrupts it as Ctrl+C does once its first epoch is reported, and waits for the tool
    /// to end: its exit code and what it wrote to standard error after the interruption.
    /// </summary>
    private static (int Code, string Error) Interrupted(params string[] args)
    {
        using var process = Start(args);
        // Whatever happens below, the tool does not outlive three minutes (a test must not hang the suite).
        using var watchdog = new Timer(_ => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }, null, TimeSpan.FromMinutes(3), Timeout.InfiniteTimeSpan);
        var output = process.StandardOutput.ReadToEndAsync();
        // Wait until training runs (its first epoch line), then interrupt it as Ctrl+C does.
        var error = new StringBuilder();
        string? line;
        while ((line = process.StandardError.ReadLine()) is not null && !line.StartsWith("epoch 1/", StringComparison.Ordinal)) error.AppendLine(line);
        Assert.IsNotNull(line, $"training started: {error}");
        // Ctrl+C is SIGINT. A process started in the background by a non-interactive shell inherits SIGINT ignored (as
        // nohup and CI runners start them), and .NET then leaves it ignored: there, SIGTERM, which the tool handles the
        // same way, stands in for it.
        bool ignoresInterrupt = OperatingSystem.IsLinux() && File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } ignored
            && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
        using (var kill = Process.Start("kill", [ignoresInterrupt ? "-TERM" : "-INT", process.Id.ToString(CultureInfo.InvariantCulture)])!) kill.WaitForExit();
        var rest = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"training did not stop within two minutes of {(ignoresInterrupt ? "SIGTERM" : "SIGINT")}");
        }
        _ = output.Result;
        return (process.ExitCode, rest.Result);
    }

    [TestMethod]
    public void CtrlCStopsTrainingAndLeavesNoModelFile()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("SIGINT is sent with kill(1), on Linux and macOS.");
            return;
        }
        var (code, error) = Interrupted("train", "orders.csv", "--model", "interrupted.zip", "--epochs", "100000");
        Assert.AreEqual(1, code, "an interrupted training is not a success");
        StringAssert.Contains(error, "stopped: cancelled before the end; nothing was written.");
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "interrupted.zip")), "no model file");
        Assert.IsEmpty(Directory.GetFiles(s_folder, "interrupted.zip*"), "nor a partial one");
    }

    [TestMethod]
    public void CtrlCWithKeepOnCancelWritesTheModelTrainedSoFar()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("SIGINT is sent with kill(1), on Linux and macOS.");
            return;
        }
        var (code, error) = Interrupted("train", "orders.csv", "--model", "kept.zip", "--epochs", "100000", "--keep-on-cancel");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(error, "Stopped by Ctrl+C after epoch ");
        string output;
        (code, output, error) = Mlgan("inspect", "kept.zip");
        Assert.AreEqual(0, code, error);
        var epochs = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"for (\d+) epochs").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.IsTrue(epochs is >= 1 and < 100_000, output);
        StringAssert.Contains(output, $"Epochs={epochs}", "the model's options say the epochs it ran");
        (code, output, error) = Mlgan("generate", "kept.zip", "--rows", "5");
        Assert.AreEqual(0, code, error);
        Assert.HasCount(6, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [TestMethod]
    public void TrickyColumnsAreInferredAsMeantAndAKindTheValuesCannotTakeIsRefused()
    {
        // Codes in whole numbers (departments far apart, postal codes with leading zeros), a small count, a rating with
        // "?" for missing, and a note whose values hold quoted commas.
        var random = new Random(5);
        var csv = new StringBuilder("Zip,Department,Children,Rating,Note\n");
        string[] zips = ["02139", "10001", "00501"];
        for (int i = 0; i < 150; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{zips[random.Next(3)]},{new[] { 110, 240, 395 }[random.Next(3)]},{random.Next(4)},")
                .Append(i % 6 == 2 ? "?" : random.Next(1, 6).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(random.Next(2) == 0 ? "\"late, again\"" : "fine").Append('\n');
        File.WriteAllText(Path.Combine(s_folder, "tricky.csv"), csv.ToString());
        var (code, output, error) = Mlgan("train", "tricky.csv", "--model", "tricky.zip", "--epochs", "2");
        Assert.AreEqual(0, code, error);
        string Row(string column) => output.Split('\n').First(l => l.Contains($" {column} ", StringComparison.Ordinal));
        StringAssert.Contains(Row("Zip"), "String");
        StringAssert.Contains(Row("Zip"), "leading");
        StringAssert.Contains(Row("Department"), "String");
        StringAssert.Contains(Row("Children"), "Int32");
        StringAssert.Contains(Row("Rating"), "Single");
        StringAssert.Contains(output, "--columns name:kind", "how to override is said");

        (code, output, error) = Mlgan("generate", "tricky.zip", "--rows", "200");
        Assert.AreEqual(0, code, error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r')).ToList();
        CollectionAssert.IsSubsetOf(rows.Select(r => r[..5]).Distinct().ToList(), zips, "postal codes keep their zeros");
        CollectionAssert.IsSubsetOf(rows.Select(r => r.Split(',')[1]).Distinct().ToList(), new[] { "110", "240", "395" }, "departments are the codes, never between them");

        foreach (var (kinds, message) in new[]
        {
            ("Note:float", "Column 'Note' cannot be read as Single: a value ('"),
            ("Rating:int", "it has missing values ('?', row 3 after the header), which whole numbers cannot hold; read it as Single"),
        })
        {
            (code, _, error) = Mlgan("train", "tricky.csv", "--model", "refused.zip", "--epochs", "1", "--columns", kinds);
            Assert.AreEqual(2, code, kinds);
            StringAssert.Contains(error, message, kinds);
            Assert.DoesNotContain("(Parameter", error, "no C# parameter names in a user's message");
        }
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "refused.zip")));
    }

    [TestMethod]
    public async Task ParquetFilesAreWrittenAndReadWithTheSameValuesAsCsv()
    {
        var (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "70000", "--seed", "6", "--out", "rows.csv");
        Assert.AreEqual(0, code, error);
        (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "70000", "--seed", "6", "--out", "rows.parquet");
        Assert.AreEqual(0, code, error);
        var csv = File.ReadAllLines(Path.Combine(s_folder, "rows.csv"));

        // Read back with Parquet.Net: two row groups (65,536 rows each at most), typed columns, nulls for missing values.
        await using var reader = await Parquet.ParquetReader.CreateAsync(Path.Combine(s_folder, "rows.parquet"));
        var fields = reader.Schema.GetDataFields();
        CollectionAssert.AreEqual(csv[0].Split(','), fields.Select(f => f.Name).ToArray());
        Assert.AreEqual(2, reader.RowGroupCount);
        var amounts = new List<float?>();
        var ordered = new List<DateTime?>();
        var items = new List<float?>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var a = new float?[group.RowCount];
            await group.ReadAsync(fields[2], a.AsMemory());
            amounts.AddRange(a);
            var it = new float?[group.RowCount];
            await group.ReadAsync(fields[3], it.AsMemory());
            items.AddRange(it);
            var d = new DateTime?[group.RowCount];
            await group.ReadAsync(fields[5], d.AsMemory());
            ordered.AddRange(d);
        }
        Assert.HasCount(70_000, amounts);
        Assert.IsTrue(items.Any(v => v is null), "a missing number is a null");
        for (int r = 0; r < 70_000; r++)
        {
            var fields0 = csv[r + 1].Split(',');
            Assert.AreEqual(fields0[2], amounts[r]!.Value.ToString("R", CultureInfo.InvariantCulture), $"row {r}");
            Assert.AreEqual(fields0[^1], ordered[r]!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), $"row {r}");
            Assert.AreEqual(fields0[3], items[r] is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : "", $"row {r}");
        }

        // And read: trained on, and evaluated against the CSV of the same rows.
        foreach (string file in new[] { "few.csv", "few.parquet" })
        {
            (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "400", "--seed", "7", "--out", file);
            Assert.AreEqual(0, code, error);
        }
        string output;
        (code, output, error) = Mlgan("train", "few.parquet", "--model", "from-parquet.zip", "--epochs", "1");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output.Split('\n').First(l => l.Contains(" Ordered ", StringComparison.Ordinal)), "DateTime");
        StringAssert.Contains(output.Split('\n').First(l => l.Contains(" Channel ", StringComparison.Ordinal)), "String");
        StringAssert.Contains(output.Split('\n').First(l => l.Contains(" Amount ", StringComparison.Ordinal)), "Single");
        (code, output, error) = Mlgan("evaluate", "few.csv", "few.parquet");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "Column shapes       1.0000", "the same rows through either file");
        StringAssert.Contains(output, "Column pair trends  1.0000");
    }

    [TestMethod]
    public void WhereConditionsGiveOnlyRowsThatHoldThem()
    {
        var (code, output, error) = Mlgan("generate", "orders.zip", "--rows", "100", "--where", "Channel=store", "--where", "Amount=80..85", "--where", "Ordered>=2024-07-01");
        Assert.AreEqual(0, code, error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r').Split(',')).ToList();
        Assert.HasCount(100, rows);
        foreach (var row in rows)
        {
            Assert.AreEqual("store", row[4]);
            Assert.IsTrue(float.Parse(row[2], CultureInfo.InvariantCulture) is >= 80 and <= 85, row[2]);
            Assert.IsGreaterThanOrEqualTo(new DateTime(2024, 7, 1), DateTime.Parse(row[5], CultureInfo.InvariantCulture));
        }
        foreach (var (where, message) in new[]
        {
            ("Colour=red", "the model has no column 'Colour'"),
            ("Channel=post", "'post' is not one of its categories"),
            ("Amount=cheap", "'cheap' is not a number"),
            ("Amount>=1000", "lies outside the values it generates"),
            ("Channel>=store", "holds categories"),
        })
        {
            (code, _, error) = Mlgan("generate", "orders.zip", "--rows", "10", "--where", where);
            Assert.AreEqual(2, code, where);
            StringAssert.Contains(error, message, where);
        }
    }

    [TestMethod]
    public async Task AugmentRebalancesTheClassesIntoCsvOrParquet()
    {
        var real = File.ReadAllLines(Path.Combine(s_folder, "orders.csv"));
        int web = real.Skip(1).Count(l => l.Contains("\"web, app\"", StringComparison.Ordinal)), store = real.Length - 1 - web;
        var (code, _, error) = Mlgan("augment", "orders.csv", "--label", "Channel", "--model", "orders.zip", "--out", "balanced.csv");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(error, $"web, app {Math.Max(web, store):N0}");
        var balanced = File.ReadAllLines(Path.Combine(s_folder, "balanced.csv"));
        Assert.HasCount(1 + 2 * Math.Max(web, store), balanced, "every class as many rows as the largest");
        Assert.AreEqual(real[1].Split(',')[0], balanced[1].Split(',')[0], "the real rows first, as they were");

        (code, _, error) = Mlgan("augment", "orders.csv", "--label", "Channel", "--model", "orders.zip", "--out", "more.parquet", "--target", "store=400");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(error, "store 400");
        await using (var reader = await Parquet.ParquetReader.CreateAsync(Path.Combine(s_folder, "more.parquet")))
            Assert.AreEqual(300 + 400 - store, reader.RowGroups.Sum(g => g.RowCount));

        foreach (var (args, message) in new[]
        {
            (new[] { "--label", "Amount" }, "is numeric in the model"),
            (new[] { "--label", "Channel", "--target", "store=3" }, "augmentation only adds rows"),
            (new[] { "--label", "Channel", "--target", "post=500" }, "does not have"),
        })
        {
            (code, _, error) = Mlgan(["augment", "orders.csv", "--model", "orders.zip", "--out", "never.csv", .. args]);
            Assert.AreEqual(2, code, string.Join(' ', args));
            StringAssert.Contains(error, message, string.Join(' ', args));
        }
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "never.csv")));
    }

    [TestMethod]
    public void SetTakesAnyPlainTrainerOptionAndInspectShowsIt()
    {
        var (code, output, error) = Mlgan("train", "orders.csv", "--model", "set.zip", "--epochs", "2", "--onnx", "set.onnx",
            "--set", "BatchSize=100", "--set", "generatorlayers=64x64", "--set", "Loss=NonSaturating", "--set", "ValidationInterval=1");
        Assert.AreEqual(0, code, error);
        (code, output, error) = Mlgan("inspect", "set.zip");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "BatchSize=100");
        StringAssert.Contains(output, "GeneratorLayers=64x64");
        StringAssert.Contains(output, "Loss=NonSaturating");
        StringAssert.Contains(output, "Quality checks by epoch");
        StringAssert.Contains(output, "epoch 2 (kept)");
        (code, output, error) = Mlgan("inspect", "set.onnx");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "Amount", "an exported graph is inspected too");
        foreach (var (set, message) in new[]
        {
            ("Colour=red", "the trainer has no option 'Colour'"),
            ("BatchSize=many", "BatchSize cannot be 'many': it takes a whole number"),
            ("Loss=Hinge", "it is one of Minimax, NonSaturating, WassersteinGp"),
            ("Columns=a", "the trainer has no option 'Columns'"),
            ("BatchSize=-5", "BatchSize"),
        })
        {
            (code, _, error) = Mlgan("train", "orders.csv", "--model", "never.zip", "--epochs", "1", "--set", set);
            Assert.AreEqual(2, code, set);
            StringAssert.Contains(error, message, set);
        }
    }

    [TestMethod]
    public void BadUsageAndBadInputExitWithTwoAndOneLineNoStackTrace()
    {
        foreach (var (args, message) in new[]
        {
            (new[] { "generate", "missing.zip", "--rows", "5" }, "There is no file"),
            (new[] { "generate", "orders.zip" }, "Option '--rows' is required"),
            (new[] { "train", "orders.csv", "--model", "x.zip", "--epochs", "0" }, "--epochs must be 1 or more"),
            (new[] { "frobnicate" }, "error:"),
            (new[] { "inspect", "orders.csv" }, "error:"),
        })
        {
            var (code, _, error) = Mlgan(args);
            Assert.AreEqual(2, code, $"{string.Join(' ', args)}: {error}");
            StringAssert.Contains(error, message, string.Join(' ', args));
            Assert.DoesNotContain("   at ", error, "no stack trace without --verbose");
        }
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "x.zip")), "no model written");
        var (help, text, _) = Mlgan("generate", "--help");
        Assert.AreEqual(0, help);
        StringAssert.Contains(text, "Example: mlgan generate customers.zip --rows 100000 --where country=Norway");
        foreach (string command in new[] { "train", "augment", "evaluate", "inspect" })
        {
            (help, text, _) = Mlgan(command, "--help");
            Assert.AreEqual(0, help, command);
            StringAssert.Contains(text, $"Example: mlgan {command} ", command);
        }
    }
}
