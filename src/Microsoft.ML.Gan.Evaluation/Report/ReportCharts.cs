using System.Globalization;
using Microsoft.ML.Gan.Training;
using ScottPlot;

namespace Microsoft.ML.Gan.Evaluation.Report;

/// <summary>A rendered chart and, when something was left out of it, a note saying what.</summary>
internal sealed record ReportChart(byte[] Png, string? Note);

/// <summary>The report's charts, drawn with ScottPlot and returned as PNG bytes.</summary>
internal static class ReportCharts
{
    public const int Width = 560;
    public const int Height = 340;
    public const int MaximumCategories = 20;
    private const int MaximumBins = 40;
    private const int LabelLength = 18;

    /// <summary>The share of real values left out at each end of a histogram whose extremes stretch its range.</summary>
    private const double TailShare = 0.005;

    private static readonly Color RealColor = Color.FromHex("#1f77b4");
    private static readonly Color SyntheticColor = Color.FromHex("#ff7f0e");

    /// <summary>
    /// Overlaid histograms over the same bins; bars are shares of the non-missing values. The bins span the real range,
    /// or, where a few extreme values stretch it (a skewed amount), the real values between their 0.5 % and 99.5 %
    /// quantiles, and the note says how much of each table lies beyond.
    /// </summary>
    /// <remarks>
    /// <paramref name="format"/> writes a value for the note (a date as a date), and for the axis unless
    /// <paramref name="dates"/>; six significant digits without one. With <paramref name="dates"/> the values are
    /// microseconds since 1970-01-01 and the axis is a calendar's (ticks on days, months or years).
    /// </remarks>
    public static ReportChart Histogram(string name, double[] real, double[] synthetic, Func<double, string>? format = null, bool dates = false)
    {
        format ??= v => v.ToString("G6", CultureInfo.InvariantCulture);
        if (dates)
        {
            // OLE automation dates (days since 1899-12-30), the scale ScottPlot's date axis reads.
            const double EpochDay = 25569, MicrosecondsPerDay = 86_400_000_000;
            real = real.Select(v => v / MicrosecondsPerDay + EpochDay).ToArray();
            synthetic = synthetic.Select(v => v / MicrosecondsPerDay + EpochDay).ToArray();
            var inner = format;
            format = v => inner((v - EpochDay) * MicrosecondsPerDay);
        }
        var realValues = real.Where(v => !double.IsNaN(v)).ToArray();
        var syntheticValues = synthetic.Where(v => !double.IsNaN(v)).ToArray();
        var plot = NewPlot(name);
        plot.YLabel("share of values");
        string? note = null;
        if (realValues.Length == 0)
        {
            note = "the real column has no values";
            return new ReportChart(Png(plot), note);
        }
        double min = realValues.Min(), max = realValues.Max();
        int bins = Math.Min(MaximumBins, Math.Max(1, (int)Math.Ceiling(Math.Sqrt(realValues.Length))));
        string? tails = null;
        // Whole numbers with a small range: one bin per value, so bars do not alias.
        if (realValues.All(v => v == Math.Floor(v)) && max - min + 1 <= MaximumBins) { bins = (int)(max - min + 1); min -= 0.5; max += 0.5; }
        else
        {
            var sorted = realValues.Order().ToArray();
            double low = sorted[(int)(TailShare * (sorted.Length - 1))], high = sorted[(int)Math.Ceiling((1 - TailShare) * (sorted.Length - 1))];
            if (high > low && high - low < (max - min) / 3)
            {
                static string Beyond(double[] values, double low, double high) =>
                    string.Create(CultureInfo.InvariantCulture, $"{values.Count(v => v < low) / (double)Math.Max(1, values.Length):P1} below, {values.Count(v => v > high) / (double)Math.Max(1, values.Length):P1} above");
                tails = string.Create(CultureInfo.InvariantCulture,
                    $"drawn from {format(low)} to {format(high)}, the real 0.5 % to 99.5 % quantiles of a range from {format(min)} to {format(max)}: real {Beyond(realValues, low, high)}, synthetic {Beyond(syntheticValues, low, high)}");
                min = low;
                max = high;
            }
        }
        if (max <= min) { min -= 0.5; max += 0.5; bins = 1; }
        double width = (max - min) / bins;
        var realShares = Shares(realValues, min, width, bins, out _);
        var syntheticShares = Shares(syntheticValues, min, width, bins, out long outside);
        var realBars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => new Bar
        {
            Position = min + (b + 0.5) * width, Value = realShares[b], Size = width, FillColor = RealColor.WithAlpha(0.55), LineWidth = 0,
        }).ToArray());
        realBars.LegendText = "Real";
        var syntheticBars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => new Bar
        {
            Position = min + (b + 0.5) * width, Value = syntheticShares[b], Size = width, FillColor = SyntheticColor.WithAlpha(0.45), LineWidth = 0,
        }).ToArray());
        syntheticBars.LegendText = "Synthetic";
        plot.Axes.Margins(bottom: 0);
        if (dates && plot.Axes.DateTimeTicksBottom().TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic calendar)
            calendar.LabelFormatter = t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        else plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = format };
        plot.ShowLegend(Edge.Right);
        if (tails is not null) note = tails;
        else if (outside == 1) note = "1 synthetic value outside the real range is not drawn";
        else if (outside > 1) note = string.Create(CultureInfo.InvariantCulture, $"{outside:N0} synthetic values outside the real range are not drawn");
        return new ReportChart(Png(plot), note);
    }

    /// <summary>Grouped bars of category shares: the most frequent categories, missing as its own bar, the rest together.</summary>
    public static ReportChart CategoryBars(EvaluationColumn column, int[] real, int[] synthetic)
    {
        int count = column.CategoryCount;
        var realShares = Frequencies(real, count);
        var syntheticShares = Frequencies(synthetic, count);
        // Most frequent first (real, then synthetic); missing (code 0) is never folded into "other".
        var ranked = Enumerable.Range(1, count - 1)
            .Where(k => realShares[k] > 0 || syntheticShares[k] > 0)
            .OrderByDescending(k => realShares[k]).ThenByDescending(k => syntheticShares[k]).ThenBy(k => k)
            .ToList();
        var shown = ranked.Take(MaximumCategories).ToList();
        var labels = shown.Select(k => Shorten(column.CategoryName(k))).ToList();
        var realValues = shown.Select(k => realShares[k]).ToList();
        var syntheticValues = shown.Select(k => syntheticShares[k]).ToList();
        if (realShares[0] > 0 || syntheticShares[0] > 0)
        {
            labels.Add(EvaluationColumn.MissingName);
            realValues.Add(realShares[0]);
            syntheticValues.Add(syntheticShares[0]);
        }
        string? note = null;
        if (ranked.Count > shown.Count)
        {
            var rest = ranked.Skip(shown.Count).ToList();
            labels.Add(string.Create(CultureInfo.InvariantCulture, $"(other {rest.Count})"));
            realValues.Add(rest.Sum(k => realShares[k]));
            syntheticValues.Add(rest.Sum(k => syntheticShares[k]));
            note = string.Create(CultureInfo.InvariantCulture, $"{rest.Count} less frequent categories drawn as one bar");
        }

        var plot = NewPlot(column.Name);
        plot.YLabel("share of rows");
        const double barWidth = 0.4;
        var realBars = plot.Add.Bars(realValues.Select((v, i) => new Bar
        {
            Position = i - barWidth / 2, Value = v, Size = barWidth, FillColor = RealColor, LineWidth = 0,
        }).ToArray());
        realBars.LegendText = "Real";
        var syntheticBars = plot.Add.Bars(syntheticValues.Select((v, i) => new Bar
        {
            Position = i + barWidth / 2, Value = v, Size = barWidth, FillColor = SyntheticColor, LineWidth = 0,
        }).ToArray());
        syntheticBars.LegendText = "Synthetic";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        if (labels.Count > 6 || labels.Any(l => l.Length > 8)) RotateBottomLabels(plot, labels);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right);
        return new ReportChart(Png(plot), note);
    }

    /// <summary>A correlation matrix on the fixed scale −1..1, with the column names on both axes; row 0 at the top.</summary>
    public static byte[] CorrelationHeatmap(string title, string[] names, double[,] correlations)
    {
        int n = names.Length;
        var plot = NewPlot(title);
        var heatmap = plot.Add.Heatmap(correlations);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-1, 1);
        // Cell (i, j) covers [j - ½, j + ½] × [n - 1 - i - ½, n - 1 - i + ½]: row 0 at the top, as a matrix is read.
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Add.ColorBar(heatmap);
        var labels = names.Select(name => Shorten(name)).ToArray();
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Left.SetTicks(positions.Select(p => n - 1 - p).ToArray(), labels);
        RotateBottomLabels(plot, labels);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        if (n <= 12)
        {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    var text = plot.Add.Text(correlations[i, j].ToString("F2", CultureInfo.InvariantCulture), j, n - 1 - i);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = n <= 6 ? 14 : 11;
                    text.LabelFontColor = Math.Abs(correlations[i, j]) > 0.6 ? Colors.White : Colors.Black;
                }
        }
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.HideGrid();
        int size = Math.Clamp(260 + 40 * n, 420, 900);
        return plot.GetImageBytes(size + 60, size, ImageFormat.Png);
    }

    /// <summary>Discriminator and generator losses per epoch, with the discriminator's loss at the optimum when the objective has one.</summary>
    public static byte[] Losses(IReadOnlyList<GanEpochStatistics> history, ObjectiveLabels labels)
    {
        var plot = NewPlot("Losses");
        Line(plot, history, s => s.DiscriminatorLoss, "Discriminator", RealColor);
        Line(plot, history, s => s.GeneratorLoss, "Generator", SyntheticColor);
        if (labels.DiscriminatorLossOptimum is double o) Reference(plot, o, labels.DiscriminatorLossOptimumLabel ?? "optimum");
        return Curve(plot);
    }

    /// <summary>Mean scores on real and generated rows per epoch: probabilities with their optimum, or a critic's values.</summary>
    public static byte[] Scores(IReadOnlyList<GanEpochStatistics> history, ObjectiveLabels labels)
    {
        var plot = NewPlot(labels.ScoresTitle);
        Line(plot, history, s => s.MeanRealScore, labels.RealScoreLegend, RealColor);
        Line(plot, history, s => s.MeanFakeScore, labels.FakeScoreLegend, SyntheticColor);
        if (labels.ScoreOptimum is double optimum)
        {
            Reference(plot, optimum, $"{optimum.ToString(CultureInfo.InvariantCulture)} (optimum)");
            plot.Axes.SetLimitsY(0, 1);
        }
        return Curve(plot);
    }

    /// <summary>The game's value per epoch (V(D, G), or the Wasserstein estimate), with its reference line.</summary>
    public static byte[] Value(IReadOnlyList<GanEpochStatistics> history, ObjectiveLabels labels)
    {
        var plot = NewPlot(labels.ValueName);
        Line(plot, history, s => s.Value, labels.ValueName, Color.FromHex("#2ca02c"));
        Reference(plot, labels.ValueReference, labels.ValueReferenceLabel);
        return Curve(plot);
    }

    private static void Reference(Plot plot, double y, string label)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.Gray;
        line.LegendText = label;
    }

    private static void Line(Plot plot, IReadOnlyList<GanEpochStatistics> history, Func<GanEpochStatistics, double> value, string label, Color color)
    {
        var xs = history.Select(s => (double)s.Epoch).ToArray();
        var ys = history.Select(value).ToArray();
        var line = plot.Add.ScatterLine(xs, ys);
        line.Color = color;
        line.LineWidth = 1.5f;
        line.LegendText = label;
    }

    private static byte[] Curve(Plot plot)
    {
        plot.XLabel("epoch");
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(Width, Height + 60, ImageFormat.Png);
    }

    private static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Font.Set(SansFont.Value);
        plot.Title(Shorten(title, 60));
        return plot;
    }

    /// <summary>
    /// A sans-serif family that Skia can find here: on Linux the fontconfig-free native Skia scans the font folders
    /// and would otherwise take whatever family comes first (often a serif one).
    /// </summary>
    private static readonly Lazy<string> SansFont = new(() =>
    {
        foreach (string family in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI" })
            if (SkiaSharp.SKFontManager.Default.MatchFamily(family) is { } typeface) { typeface.Dispose(); return family; }
        return Fonts.Default;
    });

    /// <summary>Tilts the bottom tick labels and leaves room for the longest, which ScottPlot does not measure when tilted.</summary>
    private static void RotateBottomLabels(Plot plot, IReadOnlyList<string> labels)
    {
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        int longest = labels.Count == 0 ? 0 : labels.Max(l => l.Length);
        plot.Axes.Bottom.MinimumSize = 16 + 4.5f * longest;
    }

    private static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    private static double[] Shares(double[] values, double min, double width, int bins, out long outside)
    {
        var shares = new double[bins];
        outside = 0;
        double max = min + width * bins;
        foreach (double v in values)
        {
            if (v < min || v > max) { outside++; continue; }
            shares[Math.Min(bins - 1, (int)((v - min) / width))]++;
        }
        if (values.Length > 0) for (int b = 0; b < bins; b++) shares[b] /= values.Length;
        return shares;
    }

    private static double[] Frequencies(int[] codes, int count)
    {
        var shares = new double[count];
        foreach (int k in codes) shares[k]++;
        if (codes.Length > 0) for (int k = 0; k < count; k++) shares[k] /= codes.Length;
        return shares;
    }

    private static string Shorten(string text) => Shorten(text, LabelLength);

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
