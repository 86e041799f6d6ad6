using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Gan.Tests.Cli;

/// <summary>
/// The command-line tool (src/Microsoft.ML.Gan.Cli, <c>mlgan</c>), run as its own process the way a user runs it:
/// train on a CSV with quoted commas, missing markers and identifiers, generate to a pipe and to a file, inspect, and
/// every exit code with its one-line message.
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
            bool web = random.Next(2) == 0;
            csv.Append(CultureInfo.InvariantCulture, $"ORD-{1000 + i * 3},customer{i}@shop.example.com,{Math.Round((web ? 20 : 80) + 10 * random.NextDouble(), 2)},")
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
    }

    [TestMethod]
    public void CtrlCStopsTrainingAndLeavesNoModelFile()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("SIGINT is sent with kill(1), on Linux and macOS.");
            return;
        }
        using var process = Start("train", "orders.csv", "--model", "interrupted.zip", "--epochs", "100000");
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
        Assert.AreNotEqual(0, process.ExitCode, "an interrupted training is not a success");
        StringAssert.Contains(rest.Result, "stopped: cancelled before the end; nothing was written.");
        Assert.IsFalse(File.Exists(Path.Combine(s_folder, "interrupted.zip")), "no model file");
        _ = output.Result;
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
        StringAssert.Contains(text, "Example: mlgan generate customers.zip --rows 100000 --out synthetic.csv");
    }
}
