using System.Text.Json;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// summary: the mean ± sample standard deviation of the figures of several quality runs (their --json files), one
/// line per table, settings and generation (the exported graph first, then what --compare-... added), so that three
/// seeds read as one result.
/// </summary>
internal static class QualitySummary
{
    private static readonly (string Header, string Name, double Scale, int Decimals)[] s_figures =
    [
        ("quality", "quality", 1, 3), ("shapes", "shapes", 1, 3), ("pairs", "pairs", 1, 3),
        ("AUC FastTree", "detectionAuc", 1, 3), ("AUC logistic", "logisticDetectionAuc", 1, 3),
        ("efficacy ratio", "efficacyRatio", 1, 3), ("efficacy synth", "efficacySynthetic", 1, 3), ("efficacy AUC synth", "efficacyAucSynthetic", 1, 3), ("copies %", "exactCopyShare", 100, 2), ("holdout copies %", "holdoutExactCopyShare", 100, 2), ("DCR ratio", "dcrRatio", 1, 3), ("top r gap", "topCorrelationGap", 1, 3), ("missing gap pt", "missingGap", 100, 1), ("missing rule breaks %", "missingRuleBreaks", 100, 1),
    ];

    public static SummaryResult Run(BenchmarkArguments arguments)
    {
        var runs = arguments.Files.SelectMany(Read).ToList();
        var groups = runs.GroupBy(r => (r.Table, r.Settings, r.Epochs, r.Index, r.Generation))
            .OrderBy(g => g.Key.Table, StringComparer.Ordinal).ThenBy(g => g.Key.Settings, StringComparer.Ordinal).ThenBy(g => g.Key.Index);
        var lines = new List<SummaryLine>();
        foreach (var g in groups)
        {
            var figures = s_figures.ToDictionary(f => f.Header, f => Stats(g.Select(r => f.Scale * r.Figures[f.Name])));
            figures["efficacy ratio, lowest"] = new Stat(g.Min(r => r.Figures["efficacyRatio"]), double.NaN, g.Count());
            figures["fit s"] = Stats(g.Select(r => r.FitSeconds));
            lines.Add(new SummaryLine(g.Key.Table, g.Key.Index == 0 ? g.Key.Settings : $"  {g.Key.Generation}", g.Key.Epochs, g.Select(r => r.Seed).Order().ToList(), g.First().Efficacy, figures));
        }
        var curves = arguments.Files.SelectMany(ReadCurve).GroupBy(p => (p.Table, p.Settings, p.Epochs))
            .OrderBy(g => g.Key.Table, StringComparer.Ordinal).ThenBy(g => g.Key.Settings, StringComparer.Ordinal)
            .Select(g => new SummaryCurve(g.Key.Table, g.Key.Settings, g.Key.Epochs, g.Select(p => p.Seed).Distinct().Order().ToList(),
                g.GroupBy(p => p.Point).OrderBy(p => p.Key).Select(p => new SummaryCurvePoint(p.Key,
                    Enumerable.Range(0, CurvePoint.Headers.Length - 1).Select(i => Stats(p.Select(x => x.Figures[i]))).ToList())).ToList()))
            .ToList();
        return new SummaryResult { Benchmark = "summary", Lines = lines, Curves = curves };
    }

    private sealed record CurveRun(string Table, string Settings, int Epochs, int Seed, int Point, double[] Figures);

    /// <summary>The curve points of a quality run (none in runs without snapshots or from before them).</summary>
    private static IEnumerable<CurveRun> ReadCurve(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        if (!root.TryGetProperty("curve", out var curve)) return [];
        string table = root.GetProperty("table").GetString() ?? "", settings = root.GetProperty("settings").GetString() ?? "";
        int epochs = root.GetProperty("epochs").GetInt32(), seed = root.GetProperty("seed").GetInt32();
        return curve.EnumerateArray().Select(p =>
        {
            var row = p.GetProperty("row");
            double[] figures = [Number(p.GetProperty("epochSeconds")), Number(p.GetProperty("restOfFitSeconds")), Number(row.GetProperty("quality")), Number(row.GetProperty("shapes")),
                Number(row.GetProperty("pairs")), Number(row.GetProperty("detectionAuc")), Number(row.GetProperty("logisticDetectionAuc")), Number(row.GetProperty("efficacyRatio")),
                Number(row.GetProperty("dcrRatio"))];
            return new CurveRun(table, settings, epochs, seed, p.GetProperty("epoch").GetInt32(), figures);
        }).ToList();
    }

    private sealed record QualityRun(string Table, string Settings, int Epochs, int Seed, double FitSeconds, int Index, string Generation, string Efficacy, Dictionary<string, double> Figures);

    private static IEnumerable<QualityRun> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"summary: there is no file '{Path.GetFullPath(path)}'.");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        if (!root.TryGetProperty("benchmark", out var b) || b.GetString() != "quality" || !root.TryGetProperty("results", out var results) || results.GetArrayLength() == 0)
            throw new InvalidDataException($"'{path}' is not the --json file of a quality run.");
        var list = new List<QualityRun>();
        for (int i = 0; i < results.GetArrayLength(); i++)
        {
            var result = results[i];
            var figures = s_figures.ToDictionary(f => f.Name, f => result.TryGetProperty(f.Name, out var v) ? Number(v) : double.NaN); // older runs lack the newer figures
            list.Add(new QualityRun(root.GetProperty("table").GetString() ?? "", root.GetProperty("settings").GetString() ?? "", root.GetProperty("epochs").GetInt32(),
                root.GetProperty("seed").GetInt32(), Number(root.GetProperty("fitSeconds")), i, result.GetProperty("generation").GetString() ?? "",
                result.GetProperty("efficacy").GetString() ?? "", figures));
        }
        return list;
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN; // "NaN" is written as a string

    private static Stat Stats(IEnumerable<double> values)
    {
        var v = values.ToList();
        double mean = v.Average();
        double sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : double.NaN;
        return new Stat(mean, sd, v.Count);
    }
}

internal sealed record Stat(double Mean, double StandardDeviation, int Count);

internal sealed record SummaryCurvePoint(int Epoch, List<Stat> Figures);

internal sealed record SummaryCurve(string Table, string Settings, int Epochs, List<int> Seeds, List<SummaryCurvePoint> Points);

internal sealed record SummaryLine(string Table, string Settings, int Epochs, List<int> Seeds, string Efficacy, Dictionary<string, Stat> Figures);

internal sealed class SummaryResult : BenchmarkResult
{
    public List<SummaryLine> Lines { get; init; } = [];
    public List<SummaryCurve> Curves { get; init; } = [];

    public override void Print(TextWriter w)
    {
        PrintHeader(w);
        w.WriteLine("mean ± sample standard deviation over seeds; indented lines: other generations of the same models (--compare-...)");
        w.WriteLine();
        var headers = Lines.SelectMany(l => l.Figures.Keys).Distinct().ToList();
        var table = new TextTable(new[] { "table", "settings", "epochs", "seeds", "efficacy" }.Concat(headers).ToArray());
        foreach (var l in Lines)
            table.Add(new[] { l.Table, l.Settings, l.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(",", l.Seeds), l.Efficacy }
                .Concat(headers.Select(h => l.Figures.TryGetValue(h, out var s) ? Cell(h, s) : "")).ToArray());
        table.Print(w);
        foreach (var c in Curves)
        {
            w.WriteLine();
            w.WriteLine($"quality against training time, {c.Table} ({c.Settings}; {c.Epochs} epochs; seeds {string.Join(",", c.Seeds)}):");
            CurvePoint.Table(c.Points.Select(p => (p.Epoch, p.Figures.Select(f => (f.Mean, f.StandardDeviation)).ToArray()))).Print(w);
        }
    }

    private static string Cell(string header, Stat s)
    {
        int decimals = header is "fit s" ? 0 : header.EndsWith('%') ? 2 : header.EndsWith("pt", StringComparison.Ordinal) ? 1 : 3;
        return double.IsNaN(s.StandardDeviation) ? Format.F(s.Mean, decimals) : $"{Format.F(s.Mean, decimals)} ± {Format.F(s.StandardDeviation, decimals)}";
    }
}
