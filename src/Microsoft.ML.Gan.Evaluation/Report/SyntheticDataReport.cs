using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Evaluation;
using Microsoft.ML.Gan.Evaluation.Report;

namespace Microsoft.ML.Gan;

/// <summary>
/// Writes a self-contained HTML report of an evaluation: the scores and what they mean, a real-vs-synthetic chart of
/// every column, the real and synthetic correlation heat maps and, when given, the training curves. Charts are drawn
/// with ScottPlot and embedded as PNG data URIs, so the one file opens anywhere with no network and no scripts.
/// </summary>
public static class SyntheticDataReport
{
    /// <summary>
    /// Writes the report to <paramref name="path"/> atomically: into a temporary file in the same folder, then moved
    /// over <paramref name="path"/>, so a reader never sees half a report.
    /// </summary>
    /// <param name="path">The HTML file to write; its folder must exist. An existing file is replaced.</param>
    /// <param name="real">The real table that was evaluated.</param>
    /// <param name="synthetic">The synthetic table that was evaluated.</param>
    /// <param name="metrics">The result of <see cref="GanEvaluationCatalog.Evaluate(GanCatalog, IDataView, IDataView, SyntheticDataEvaluationOptions?)"/> on these tables; its columns are the ones charted.</param>
    /// <param name="history">The training statistics per epoch (<see cref="GanTransformer.History"/>), or null to leave the training curves out.</param>
    /// <param name="title">The report's title.</param>
    /// <param name="loss">The loss the model was trained with (<see cref="GanTrainer.Options.Loss"/>): it says what the training curves mean. Default: the Wasserstein loss of the default options.</param>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column of <paramref name="metrics"/> is missing from a table or has a type that cannot be charted.</exception>
    public static void Write(string path, IDataView real, IDataView synthetic, SyntheticDataMetrics metrics,
        IReadOnlyList<GanEpochStatistics>? history = null, string title = "Synthetic data report", GanLossKind loss = GanLossKind.WassersteinGp)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(synthetic);
        ArgumentNullException.ThrowIfNull(metrics);
        title ??= "Synthetic data report";
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot write the report to '{full}': the folder '{folder}' does not exist.");

        // The folder is checked before rendering, which reads both tables; the write is atomic like every file the library writes.
        string html = Render(real, synthetic, metrics, history, title, loss);
        AtomicFile.Write(full, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(html)));
    }

    internal static string Render(IDataView real, IDataView synthetic, SyntheticDataMetrics metrics,
        IReadOnlyList<GanEpochStatistics>? history, string title, GanLossKind loss = GanLossKind.WassersteinGp)
    {
        var columns = metrics.Columns.Select(c => Describe(real, synthetic, c.Name, metrics.MissingCategoryTokens)).ToArray();
        // Each table is read once, through one cursor; the real table first so its categories get the low codes.
        var realTable = EvaluationTable.Read(real, columns);
        foreach (var column in columns) column.RealCategoryCount = column.CategoryCount;
        var syntheticTable = EvaluationTable.Read(synthetic, columns);

        var html = new StringBuilder(1 << 20);
        var ci = CultureInfo.InvariantCulture;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append(ci, $"<title>{E(title)}</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append(ci, $"<h1>{E(title)}</h1>\n");
        html.Append(ci, $"<p class=\"lead\">{metrics.RealRowCount:N0} real rows, {metrics.SyntheticRowCount:N0} synthetic rows, {metrics.Columns.Count} columns. Generated {E(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", ci))} UTC.</p>\n");

        AppendScores(html, metrics);
        AppendGiveaways(html, metrics);
        AppendColumnTable(html, metrics);

        html.Append("<h2>Columns: real vs synthetic</h2>\n");
        html.Append("<p>Numbers: histograms over the same bins, spanning the real range (or, where a few extremes stretch it, the real 0.5 % to 99.5 % quantiles, as the caption says), as shares of the non-missing values. Categories: shares of the rows, the 20 most frequent categories, missing as a bar of its own, the rest together.</p>\n<div class=\"grid\">\n");
        for (int c = 0; c < columns.Length; c++)
        {
            var comparison = metrics.Columns[c];
            ReportChart chart = columns[c].IsContinuous
                ? ReportCharts.Histogram(columns[c].Name, realTable.Continuous[c]!, syntheticTable.Continuous[c]!, ((NumericKind)columns[c].Kind).Format,
                    dates: columns[c].Kind is DateTimeColumnKind or DateTimeOffsetKind)
                : ReportCharts.CategoryBars(columns[c], realTable.Codes[c]!, syntheticTable.Codes[c]!);
            string caption = string.Create(ci,
                $"<b>{E(comparison.Name)}</b> ({E(comparison.Type)}): shape score {comparison.ShapeScore:F3}; missing {comparison.RealMissingRate:P1} real, {comparison.SyntheticMissingRate:P1} synthetic");
            if (chart.Note is { } note) caption += "; " + E(note);
            AppendFigure(html, chart.Png, $"{comparison.Name}: real vs synthetic", caption);
        }
        html.Append("</div>\n");

        AppendCorrelations(html, columns, realTable, syntheticTable);

        if (history is { Count: > 0 })
        {
            html.Append("<h2>Training</h2>\n");
            var labels = Training.GanObjective.For(loss).Labels;
            html.Append(ci, $"<p>Per epoch, averaged over its updates. {E(labels.Explanation)}</p>\n<div class=\"grid\">\n");
            AppendFigure(html, ReportCharts.Losses(history, labels), "Losses", labels.LossesCaption);
            AppendFigure(html, ReportCharts.Scores(history, labels), labels.ScoresTitle, labels.ScoresCaption);
            AppendFigure(html, ReportCharts.Value(history, labels), labels.ValueTitle, labels.ValueCaption);
            html.Append("</div>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static EvaluationColumn Describe(IDataView real, IDataView synthetic, string name, IReadOnlyList<string> missingTokens)
    {
        var column = real.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(real), $"The real table has no column '{name}', which the metrics list.");
        var other = synthetic.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(synthetic), $"The synthetic table has no column '{name}', which the metrics list.");
        if (!other.Type.Equals(column.Type))
            throw new ArgumentOutOfRangeException(nameof(synthetic), $"Column '{name}' is {column.Type} in the real table but {other.Type} in the synthetic table.");
        var kind = ColumnKinds.Find(column.Type)
            ?? throw new ArgumentOutOfRangeException(nameof(real), $"Column '{name}' has type {column.Type}, which cannot be charted; supported: {ColumnKinds.SupportedTypes}.");
        return new EvaluationColumn(name, column.Type, kind, missingTokens);
    }

    private static void AppendScores(StringBuilder html, SyntheticDataMetrics m)
    {
        html.Append("<h2>Scores</h2>\n<table>\n<tr><th>Score</th><th>Value</th><th>Best</th><th>What it measures</th></tr>\n");
        void Row(string name, string value, string best, string meaning) =>
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td class=\"num\">{E(value)}</td><td>{E(best)}</td><td>{E(meaning)}</td></tr>\n");

        Row("Column shapes", F(m.ColumnShapesScore), "higher (0 to 1)",
            "Mean over columns of 1 − Kolmogorov-Smirnov statistic (numbers) or 1 − total variation distance (categories): how well each column's own distribution is reproduced.");
        Row("Column pair trends", F(m.ColumnPairTrendsScore), "higher (0 to 1)",
            "Mean over pairs of columns of 1 − |Pearson real − Pearson synthetic| / 2 (two numbers) or 1 − total variation of the joint frequencies: how well relations between columns are reproduced.");
        if (m.Detection is { } d)
            Row("Detection AUC", F(d.MeanAuc), "0.5 (1 is worst)",
                $"How well a classifier tells synthetic rows from real ones ({d.FoldAucs.Count}-fold cross-validation, {d.RowsPerClass:N0} rows per class). 0.5: it cannot; 1: every row detected. Detection score 1 − 2·|AUC − 0.5| = {F(d.Score)}.");
        else Row("Detection AUC", "skipped", "0.5", m.DetectionSkippedReason ?? "");
        if (m.LogisticDetection is { } l)
            Row("Detection AUC, logistic regression", F(l.MeanAuc), "0.5 (1 is worst)",
                "The same test with a logistic regression on standardised features, SDMetrics' LogisticDetection (the detector most published figures use). It sees each column's effect, not their interactions, so it is weaker than the trees above.");
        if (m.Detection is { } sure)
            Row("Rows surely detected", sure.SurelyDetectedShare.ToString("P1", CultureInfo.InvariantCulture), "lower (0 %)",
                $"Synthetic rows the trees call synthetic with at least 90 % probability (each scored by the fold that did not train on it): rows that give themselves away on their own. Real rows called synthetic as surely: {sure.RealRowsCalledSyntheticShare.ToString("P1", CultureInfo.InvariantCulture)}.");
        if (m.Efficacy is { } e)
        {
            if (e.Task == EfficacyTask.Regression)
            {
                Row("Efficacy: R² ratio", F(e.RSquaredRatio), "1",
                    $"R² on real holdout rows of a regressor of '{e.LabelColumn}' trained on synthetic rows ÷ the same trained on real rows: {F(e.TrainedOnSynthetic.RSquared)} ÷ {F(e.TrainedOnReal.RSquared)}.");
                Row("Efficacy: mean absolute error", F(e.TrainedOnSynthetic.MeanAbsoluteError), "lower", $"Trained on synthetic rows; trained on real rows: {F(e.TrainedOnReal.MeanAbsoluteError)}.");
            }
            else
            {
                string what = e.Task == EfficacyTask.BinaryClassification ? $"F1 of '{e.PositiveClass}'" : "mean F1 over the classes";
                Row("Efficacy: F1 ratio", F(e.F1Ratio), "1",
                    $"{what} on real holdout rows of a classifier of '{e.LabelColumn}' trained on synthetic rows ÷ the same trained on real rows: {F(e.TrainedOnSynthetic.F1)} ÷ {F(e.TrainedOnReal.F1)}.");
                Row("Efficacy: accuracy ratio", F(e.AccuracyRatio), "1", $"Accuracy trained on synthetic ÷ trained on real: {F(e.TrainedOnSynthetic.Accuracy)} ÷ {F(e.TrainedOnReal.Accuracy)}.");
                if (e.Task == EfficacyTask.BinaryClassification)
                    Row("Efficacy: AUC ratio", F(e.AucRatio), "1", $"AUC trained on synthetic ÷ trained on real: {F(e.TrainedOnSynthetic.Auc)} ÷ {F(e.TrainedOnReal.Auc)}.");
            }
        }
        else Row("Efficacy", "skipped", "ratios near 1", m.EfficacySkippedReason ?? "");
        var p = m.Privacy;
        Row("Exact copies", p.ExactCopyShare.ToString("P2", CultureInfo.InvariantCulture), "lower",
            $"Share of synthetic rows equal to some real row in every column ({p.ExactCopyRows:N0} rows): copies leak real records."
            + (p.HoldoutExactCopyShare is double hc ? $" Holdout baseline {hc.ToString("P2", CultureInfo.InvariantCulture)}: the share of new real rows that equal a training row (a table of few-valued columns repeats rows)." : ""));
        Row("Distance to closest record (median)", F(p.SyntheticDcrMedian), "not much below the holdout baseline",
            $"For {p.DcrRows:N0} synthetic rows, the distance to the nearest real row (0 = a copy, 1 = different in every column)."
            + (p.HoldoutDcrMedian is double h ? $" Holdout baseline {F(h)}, ratio {F(p.DcrRatio ?? double.NaN)}: much below 1 means memorisation." : " No holdout given, so no baseline."));
        foreach (var a in p.AttributeInference)
            Row($"Inference of '{a.Column}': risk", F(a.Risk), "near 0",
                $"An attacker who knows {string.Join(", ", a.Known.Select(k => $"'{k}'"))} of a person takes the closest synthetic row and reads '{a.Column}' off it"
                + (a.Tolerance > 0 ? $" (right within {a.Tolerance.ToString("G4", CultureInfo.InvariantCulture)})" : "")
                + $": right for {a.TrainingSuccess.ToString("P1", CultureInfo.InvariantCulture)} of {a.Rows:N0} training rows and {a.HoldoutSuccess.ToString("P1", CultureInfo.InvariantCulture)} of as many holdout rows."
                + " The risk is the share of what the attack could still learn of a training person, beyond what it gets of anyone, that it does learn"
                + $" (± {F(a.RiskStandardError)}, its sampling noise: within about twice that of 0 is no evidence of leakage).");
        if (p.AttributeInferenceSkippedReason is { } why) Row("Attribute inference", "skipped", "near 0", why);
        html.Append("</table>\n");
    }

    private static void AppendGiveaways(StringBuilder html, SyntheticDataMetrics m)
    {
        var ci = CultureInfo.InvariantCulture;
        string Share(double v) => v.ToString("P1", ci);
        string Values(IEnumerable<ValueGiveaway> values) =>
            string.Join("; ", values.Select(v => $"{E(v.Value)}: {Share(v.SyntheticShare)} synthetic, {Share(v.RealShare)} real"));
        html.Append("<h2>What gives it away</h2>\n");
        html.Append("<p>Each column's AUC is that of the best detector that sees only that column: 0.5 means the column alone gives nothing away, 1 that it gives every row away. The values listed are those the synthetic rows have too often or too rarely. A pair's gain is what the two columns together give away beyond the better of them alone: a relation between them that the synthetic rows do not keep.</p>\n");
        html.Append("<table>\n<tr><th>Column</th><th>AUC alone</th><th>Values the real rows never have</th><th>Too often</th><th>Too rarely</th></tr>\n");
        foreach (var c in m.Giveaways.Columns)
            html.Append(ci, $"<tr><td>{E(c.Column)}</td><td class=\"num\">{F(c.DetectionAuc)}</td><td class=\"num\">{Share(c.UnseenValueShare)}</td><td>{Values(c.OverGenerated)}</td><td>{Values(c.UnderGenerated)}</td></tr>\n");
        html.Append("</table>\n");
        if (m.Giveaways.Pairs.Count > 0)
        {
            html.Append("<table>\n<tr><th>Pair</th><th>AUC together</th><th>Gain beyond either alone</th><th>Combinations the real rows never have</th></tr>\n");
            foreach (var p in m.Giveaways.Pairs)
                html.Append(ci, $"<tr><td>{E(p.First)} × {E(p.Second)}</td><td class=\"num\">{F(p.DetectionAuc)}</td><td class=\"num\">{F(p.Gain)}</td><td>{Values(p.UnseenCombinations)}</td></tr>\n");
            html.Append("</table>\n");
        }
        RuleTable(html, m.Giveaways.Formulas,
            "Formulas every real row keeps (a total and its parts, a share, a product; an offset a category fixes, in the rows of each category with one), and the synthetic rows that break them: what anyone checking the rows finds first.",
            ["Formula", "Synthetic rows checked", "Share that break it"],
            f => [f.Formula.ToString(), f.CheckedRows.ToString("N0", ci), Share(f.BrokenShare)]);
        RuleTable(html, m.Giveaways.Combinations,
            "Number columns whose values come only in some combinations in the real rows (an entity's attributes each of its rows repeats), and the synthetic rows that hold none of them: rows that mix two entities.",
            ["Columns", "Combinations in the real rows", "Share of synthetic rows that hold none"],
            f => [string.Join(", ", f.Combination.Columns), f.Combination.Combinations.ToString("N0", ci), Share(f.BrokenShare)]);
        RuleTable(html, m.Giveaways.Trends,
            "Numbers that another all but determines along a curve in the real rows (plus other numbers in proportion), and the synthetic rows that stray from the curve farther than 99 % of the real rows do.",
            ["Trend", "Distance that holds 99 % of the real rows", "Synthetic rows checked", "Share farther"],
            t => [t.Trend.ToString(), t.BandText, t.CheckedRows.ToString("N0", ci), Share(t.OutsideShare)]);
        RuleTable(html, m.Giveaways.Thresholds,
            "Categories that thresholds on other columns fix in the real rows (a bin of a number, a code made of several bins), and the synthetic rows whose category is not the one their values give.",
            ["Category column", "Set from", "Bins", "Share of synthetic rows with another category"],
            t => [t.Thresholds.Column, string.Join(", ", t.Thresholds.FromColumns), t.Thresholds.Bins.ToString("N0", ci), Share(t.BrokenShare)], textCells: 2);
        RuleTable(html, m.Giveaways.Missing,
            "Number columns missing in every real row that another misses (in exactly the same rows, or in others too: measures not taken for some subjects), and the synthetic rows that break it.",
            ["Column", "Missing with", "In the same rows only", "Share of synthetic rows that break it"],
            x => [x.Column, x.MissingWith, x.Elsewhere ? "no" : "yes", Share(x.BrokenShare)], textCells: 3);
        RuleTable(html, m.Giveaways.Bounds,
            "Bounds between two numbers that every real row keeps (a study's end, which a follow-up from a later entry reaches sooner), and the synthetic rows past them.",
            ["Bound", "Real rows near it", "Synthetic rows checked", "Share past it"],
            b => [b.Rule, Share(b.NearShare), b.CheckedRows.ToString("N0", ci), Share(b.BrokenShare)]);
    }

    /// <summary>
    /// A table of rules the real rows keep (formulas, combinations, trends, categories set by thresholds) and how the
    /// synthetic rows keep each, under the paragraph that says what they are; nothing when the real rows keep none.
    /// Each row's first <paramref name="textCells"/> cells are text, the rest figures (right-aligned); cells are escaped.
    /// </summary>
    private static void RuleTable<T>(StringBuilder html, IReadOnlyList<T> rules, string intro, string[] headers, Func<T, string[]> cells, int textCells = 1)
    {
        if (rules.Count == 0) return;
        html.Append("<p>").Append(intro).Append("</p>\n<table>\n<tr>"); // the paragraph and headers are this file's own HTML
        foreach (var header in headers) html.Append("<th>").Append(header).Append("</th>");
        html.Append("</tr>\n");
        foreach (var rule in rules)
        {
            html.Append("<tr>");
            var row = cells(rule);
            for (int i = 0; i < row.Length; i++) html.Append(i < textCells ? "<td>" : "<td class=\"num\">").Append(E(row[i])).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void AppendColumnTable(StringBuilder html, SyntheticDataMetrics m)
    {
        html.Append("<h2>Column details</h2>\n<table>\n<tr><th>Column</th><th>Type</th><th>Kind</th><th>Shape score</th><th>KS / TVD</th><th>Missing real</th><th>Missing synthetic</th><th>Out of range</th><th>Unseen categories</th></tr>\n");
        var ci = CultureInfo.InvariantCulture;
        foreach (var c in m.Columns)
            html.Append(ci, $"<tr><td>{E(c.Name)}</td><td>{E(c.Type)}</td><td>{c.Kind}</td><td class=\"num\">{F(c.ShapeScore)}</td><td class=\"num\">{F(c.ShapeStatistic)}</td><td class=\"num\">{c.RealMissingRate:P1}</td><td class=\"num\">{c.SyntheticMissingRate:P1}</td><td class=\"num\">{c.OutOfRangeCount:N0}</td><td class=\"num\">{c.UnseenCategoryRows:N0} rows, {c.UnseenCategoryCount} distinct</td></tr>\n");
        html.Append("</table>\n<p class=\"note\">Shape score: higher is better (1 = same distribution). KS / TVD: lower is better. Out of range: synthetic numbers outside the real minimum to maximum. Unseen categories: synthetic categories the real table never has.</p>\n");
    }

    private static void AppendCorrelations(StringBuilder html, EvaluationColumn[] columns, EvaluationTable real, EvaluationTable synthetic)
    {
        html.Append("<h2>Correlations between numeric columns</h2>\n");
        var numeric = Enumerable.Range(0, columns.Length).Where(c => columns[c].IsContinuous).ToArray();
        if (numeric.Length < 2)
        {
            html.Append("<p>Fewer than two numeric columns: no correlation matrix to show.</p>\n");
            return;
        }
        html.Append("<p>Pearson's r over the rows where both values are present, on one colour scale from −1 to 1. The two maps should look alike.</p>\n<div class=\"grid\">\n");
        var names = numeric.Select(c => columns[c].Name).ToArray();
        AppendFigure(html, ReportCharts.CorrelationHeatmap("Real", names, Correlations(real, numeric)), "Real correlations", "Real");
        AppendFigure(html, ReportCharts.CorrelationHeatmap("Synthetic", names, Correlations(synthetic, numeric)), "Synthetic correlations", "Synthetic");
        html.Append("</div>\n");
    }

    private static double[,] Correlations(EvaluationTable table, int[] numeric)
    {
        int n = numeric.Length;
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            r[i, i] = 1;
            for (int j = i + 1; j < n; j++)
                r[i, j] = r[j, i] = ColumnStatistics.Pearson(table.Continuous[numeric[i]]!, table.Continuous[numeric[j]]!);
        }
        return r;
    }

    private static void AppendFigure(StringBuilder html, byte[] png, string alt, string captionHtml)
    {
        html.Append("<figure><img alt=\"").Append(E(alt)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(png)).Append("\"><figcaption>").Append(captionHtml).Append("</figcaption></figure>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F4", CultureInfo.InvariantCulture);

    private const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
        h1 { margin-bottom: 0.2em; }
        .lead, .note { color: #555; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .grid { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; }
        figure img { display: block; max-width: 100%; border: 1px solid #eee; }
        figcaption { font-size: 0.9em; color: #444; max-width: 560px; }

        """;
}
