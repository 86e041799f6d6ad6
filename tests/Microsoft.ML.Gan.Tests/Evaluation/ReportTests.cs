using System.Text.RegularExpressions;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Evaluation;

/// <summary>The HTML report: one self-contained file, every chart a decodable PNG, names escaped, written atomically.</summary>
[TestClass]
public sealed class ReportTests
{
    private const string OddName = "ratio <&> \"x\"";
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public sealed class Row
    {
        public float Age { get; set; }
        public double Income { get; set; }
        public string Segment { get; set; } = "";
        public bool Owner { get; set; }
        [ColumnName(OddName)] public float Ratio { get; set; }
    }

    private static IDataView Table(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        var segments = new[] { "a", "b", "<c>", "d&e" };
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i =>
        {
            float age = 18 + random.Next(60);
            return new Row
            {
                Age = i % 17 == 0 ? float.NaN : age,
                Income = 1000 * age + 5000 * random.NextDouble(),
                // Empty text is missing: it gets a bar of its own.
                Segment = i % 11 == 0 ? "" : segments[random.Next(segments.Length)],
                Owner = random.NextDouble() < 0.4,
                Ratio = (float)random.NextDouble(),
            };
        }).ToList());
    }

    private static List<GanEpochStatistics> History() =>
        Enumerable.Range(1, 20).Select(e => new GanEpochStatistics(e, 1.4 - 0.01 * e, -0.7 + 0.01 * e, 0.55 - 0.002 * e, 0.45 + 0.002 * e,
            -1.4 + 0.01 * e, 0.5, 0.5, 10, 10, 0.1)).ToList();

    private static string NewFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "gan-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    [TestMethod]
    public void ReportIsOneHtmlFileWithAPngPerChartAndEscapedNames()
    {
        var ml = new MLContext(1);
        var real = Table(ml, 200, 1);
        var synthetic = Table(ml, 150, 2);
        var metrics = ml.Gan().Evaluate(real, synthetic);
        string folder = NewFolder();
        try
        {
            string path = Path.Combine(folder, "report.html");
            File.WriteAllText(path, "old content");   // replaced, not appended to
            SyntheticDataReport.Write(path, real, synthetic, metrics, History(), title: "Test <report>");

            Assert.AreEqual(1, Directory.GetFiles(folder).Length, "only the report is left in the folder: " + string.Join(", ", Directory.GetFiles(folder)));
            string html = File.ReadAllText(path);
            Assert.StartsWith("<!DOCTYPE html>", html);
            Assert.AreEqual(1, Regex.Matches(html, "<html[ >]").Count);
            Assert.AreEqual(1, Regex.Matches(html, "</html>").Count);
            Assert.DoesNotContain("<script", html);
            Assert.DoesNotMatchRegex(new Regex("(src|href)=\"(https?:|//|file:)"), html, "no external resources");

            // 5 column charts + 2 heat maps (3 numeric columns) + 3 training curves.
            var images = Regex.Matches(html, "<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
            Assert.AreEqual(Regex.Matches(html, "<img ").Count, images.Count, "every image is an embedded PNG");
            Assert.AreEqual(5 + 2 + 3, images.Count);
            foreach (Match image in images)
            {
                byte[] bytes = Convert.FromBase64String(image.Groups[1].Value);
                Assert.IsGreaterThan(1000, bytes.Length);
                CollectionAssert.AreEqual(PngSignature, bytes.Take(8).ToArray());
            }

            foreach (string name in new[] { "Age", "Income", "Segment", "Owner" }) Assert.Contains($"<b>{name}</b>", html);
            Assert.Contains("ratio &lt;&amp;&gt; &quot;x&quot;", html);
            Assert.DoesNotContain(OddName, html);
            Assert.Contains("Test &lt;report&gt;", html);
            Assert.Contains("Detection AUC", html);
            Assert.Contains("Detection AUC, logistic regression", html);
            Assert.Contains("Rows surely detected", html);
            Assert.Contains("Column pair trends", html);
            // What gives it away: every column with its AUC alone, escaped, and the pairs.
            Assert.Contains("<h2>What gives it away</h2>", html);
            foreach (var g in metrics.Giveaways.Columns)
                Assert.Contains($"<td>{System.Net.WebUtility.HtmlEncode(g.Column)}</td><td class=\"num\">{g.DetectionAuc.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}</td>", html);
            Assert.AreEqual(5, metrics.Giveaways.Pairs.Count);
            foreach (var p in metrics.Giveaways.Pairs)
                Assert.Contains($"<td>{System.Net.WebUtility.HtmlEncode(p.First)} × {System.Net.WebUtility.HtmlEncode(p.Second)}</td>", html);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public void WithoutHistoryThereAreNoTrainingCurves()
    {
        var ml = new MLContext(1);
        var real = Table(ml, 40, 1);
        var synthetic = Table(ml, 40, 2);
        var metrics = ml.Gan().Evaluate(real, synthetic);
        string folder = NewFolder();
        try
        {
            string path = Path.Combine(folder, "r.html");
            SyntheticDataReport.Write(path, real, synthetic, metrics);
            string html = File.ReadAllText(path);
            Assert.AreEqual(5 + 2, Regex.Matches(html, "src=\"data:image/png;base64,").Count);
            Assert.DoesNotContain("<h2>Training</h2>", html);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    public sealed class Amount
    {
        public double Value { get; set; }
    }

    [TestMethod]
    public void AHistogramStretchedByAFewExtremesIsDrawnBetweenTheRealQuantilesAndSaysWhatIsLeftOut()
    {
        // 0.35 % of the amounts a thousand times larger: over the full range every other value falls in the first bar.
        var ml = new MLContext(1);
        IDataView Amounts(int seed) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2000).Select(i =>
            new Amount { Value = (i % 300 == 0 ? 1000 : 1) * (50 + new Random(seed * 10_000 + i).NextDouble() * 100) }).ToList());
        var real = Amounts(1);
        var synthetic = Amounts(2);
        string html = SyntheticDataReport.Render(real, synthetic, ml.Gan().Evaluate(real, synthetic), null, "t", GanLossKind.WassersteinGp);
        var note = Regex.Match(html, "drawn from [^<;]*quantiles of a range from [^:]*: real ([0-9.]+) % below, ([0-9.]+) % above, synthetic [0-9.]+ % below, ([0-9.]+) % above");
        Assert.IsTrue(note.Success, "the note says which range is drawn and how much lies beyond it: " + Regex.Match(html, "<b>Value</b>[^<]*").Value);
        Assert.AreEqual(0.35, double.Parse(note.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 0.1, "the real extremes (7 of 2,000) are left out, and said so");

        // A column without such extremes keeps its full range.
        var plain = Table(ml, 200, 1);
        string full = SyntheticDataReport.Render(plain, Table(ml, 200, 2), ml.Gan().Evaluate(plain, Table(ml, 200, 2)), null, "t", GanLossKind.WassersteinGp);
        Assert.DoesNotContain("quantiles of a range", full);
    }

    [TestMethod]
    public void TheTrainingCurvesSayWhatTheLossMeans()
    {
        var ml = new MLContext(1);
        var real = Table(ml, 40, 1);
        var synthetic = Table(ml, 40, 2);
        var metrics = ml.Gan().Evaluate(real, synthetic);
        var history = Enumerable.Range(1, 3).Select(e => new GanEpochStatistics(e, -0.5 / e, 0.3, 0.2, -0.1, 0.3 / e, 1, 1, 10, 10, 0.1, double.NaN, [])).ToList();
        string critic = SyntheticDataReport.Render(real, synthetic, metrics, history, "t", GanLossKind.WassersteinGp);
        Assert.Contains("Wasserstein estimate", critic);
        Assert.DoesNotContain("0.5 is the optimum", critic);
        string seed = SyntheticDataReport.Render(real, synthetic, metrics, history, "t", GanLossKind.NonSaturating);
        Assert.Contains("0.5 is the optimum", seed);
        Assert.DoesNotContain("Wasserstein estimate", seed);
    }

    [TestMethod]
    public void WritingIntoAMissingFolderThrowsAndLeavesNothing()
    {
        var ml = new MLContext(1);
        var real = Table(ml, 30, 1);
        var synthetic = Table(ml, 30, 2);
        var metrics = ml.Gan().Evaluate(real, synthetic);
        string parent = NewFolder();
        try
        {
            string missing = Path.Combine(parent, "missing");
            Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
                SyntheticDataReport.Write(Path.Combine(missing, "report.html"), real, synthetic, metrics));
            Assert.IsFalse(Directory.Exists(missing));
            Assert.IsEmpty(Directory.GetFileSystemEntries(parent));
        }
        finally { Directory.Delete(parent, recursive: true); }
    }
}
