using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Demo;

/// <summary>
/// A quick, honest check of a synthetic table against the real one: each column's distribution on its own, then
/// the strongest relations between columns, since matching every column alone but losing how they move together
/// is the usual way a generator fails.
/// </summary>
internal static class Comparison
{
    /// <summary>How many column pairs to show: the strongest in the real table, where a loss is most visible.</summary>
    private const int RelationsShown = 6;

    /// <summary>How many categories of a column to list; the rest are summed into one line.</summary>
    private const int CategoriesShown = 6;

    private sealed record Column(string Name, DataViewType Type, double[]? Numbers, string[]? Categories)
    {
        /// <summary>Booleans take part in correlations as 0/1; text only through group comparisons.</summary>
        public double[]? AsNumbers => Numbers ?? (Type is BooleanDataViewType ? Categories!.Select(c => c == bool.TrueString ? 1.0 : 0.0).ToArray() : null);
    }

    public static void Print(IDataView real, IDataView synthetic, ISet<string> missingTokens, TextWriter output)
    {
        var names = synthetic.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        var realColumns = Read(real, names);
        var synthColumns = Read(synthetic, names);
        int n = realColumns[0].Numbers?.Length ?? realColumns[0].Categories!.Length;
        int m = synthColumns[0].Numbers?.Length ?? synthColumns[0].Categories!.Length;
        int width = Math.Max(8, names.Max(s => s.Length) + 2);

        output.WriteLine($"Real ({n:N0} rows) vs synthetic ({m:N0} rows), column by column:");
        output.WriteLine($"  KS and TVD: 0 = same distribution, 1 = nothing in common. Two real samples of these sizes have KS < {1.36 * Math.Sqrt((double)(n + m) / ((double)n * m)):F3} (95 %).");
        output.WriteLine();
        output.WriteLine($"  {"number".PadRight(width)}{"",-7}{"mean",12}{"std",12}{"min",12}{"max",12}{"missing",9}{"KS",8}");
        for (int i = 0; i < names.Length; i++)
        {
            if (realColumns[i].Numbers is not { } a) continue;
            var b = synthColumns[i].Numbers!;
            var type = realColumns[i].Type;
            output.WriteLine($"  {names[i].PadRight(width)}{"real",-7}{Summary(a, type)}");
            output.WriteLine($"  {"".PadRight(width)}{"synth",-7}{Summary(b, type)}{KolmogorovSmirnov(a, b),8:F3}");
        }

        foreach (int i in Enumerable.Range(0, names.Length).Where(i => realColumns[i].Categories is not null))
        {
            var p = Frequencies(realColumns[i].Categories!);
            var q = Frequencies(synthColumns[i].Categories!);
            double Missing(Dictionary<string, double> f) => f.Where(kv => missingTokens.Contains(kv.Key)).Sum(kv => kv.Value);
            output.WriteLine();
            output.WriteLine($"  {names[i].PadRight(width)}{"real",9}{"synth",9}   missing {Missing(p),6:P1} vs {Missing(q),6:P1}   TVD {TotalVariation(p, q):F3}");
            var levels = p.OrderByDescending(kv => kv.Value).Select(kv => kv.Key).ToList();
            foreach (string level in levels.Take(CategoriesShown))
            {
                string label = missingTokens.Contains(level) ? $"\"{level}\" (missing)" : level;
                output.WriteLine($"    {label.PadRight(width - 2)}{p[level],9:P1}{q.GetValueOrDefault(level),9:P1}");
            }
            if (levels.Count > CategoriesShown)
            {
                var rest = levels.Skip(CategoriesShown).ToList();
                output.WriteLine($"    {$"({rest.Count} more)".PadRight(width - 2)}{rest.Sum(l => p[l]),9:P1}{rest.Sum(l => q.GetValueOrDefault(l)),9:P1}");
            }
        }

        var relations = Relations(realColumns, synthColumns).OrderByDescending(r => Math.Abs(r.Real)).Take(RelationsShown).ToList();
        if (relations.Count == 0) return;
        output.WriteLine();
        output.WriteLine("Strongest relations between columns in the real table (r: correlation, η: correlation ratio, V: Cramér's V):");
        int labelWidth = relations.Max(r => r.Label.Length) + 2;
        foreach (var (label, realValue, synthValue) in relations)
            output.WriteLine($"  {label.PadRight(labelWidth)}real {realValue,6:F2}   synth {synthValue,6:F2}");
    }

    private static Column[] Read(IDataView data, string[] names)
    {
        var schemaColumns = names.Select(name => data.Schema[name]).ToArray();
        using var cursor = data.GetRowCursor(schemaColumns);
        var numberGetters = schemaColumns.Select(c => Cells.IsNumeric(c.Type) ? Cells.Number(cursor, c) : null).ToArray();
        var categoryGetters = schemaColumns.Select(c => Cells.IsNumeric(c.Type) ? null : Cells.Category(cursor, c)).ToArray();
        var numbers = schemaColumns.Select(_ => new List<double>()).ToArray();
        var categories = schemaColumns.Select(_ => new List<string>()).ToArray();
        while (cursor.MoveNext())
        {
            for (int i = 0; i < schemaColumns.Length; i++)
            {
                if (numberGetters[i] is { } number) numbers[i].Add(number());
                else categories[i].Add(categoryGetters[i]!());
            }
        }
        return schemaColumns.Select((c, i) => numberGetters[i] is null
            ? new Column(c.Name, c.Type, null, categories[i].ToArray())
            : new Column(c.Name, c.Type, numbers[i].ToArray(), null)).ToArray();
    }

    /// <summary>Mean, standard deviation, minimum, maximum and missing share; dates as dates, durations in days, hours or minutes.</summary>
    private static string Summary(double[] values, DataViewType type)
    {
        var present = values.Where(v => !double.IsNaN(v)).ToArray();
        double missing = values.Length == 0 ? 0 : 1 - (double)present.Length / values.Length;
        if (present.Length == 0) return $"{"",48}{missing,9:P1}";
        double mean = present.Average();
        double std = Math.Sqrt(present.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, present.Length - 1));
        if (TimeText.IsTime(type))
            return $"{TimeText.Show(mean, type),18}{TimeText.Show(std, type, spread: true),12}{TimeText.Show(present.Min(), type),18}{TimeText.Show(present.Max(), type),18}{missing,9:P1}";
        return $"{Number(mean),12}{Number(std),12}{Number(present.Min()),12}{Number(present.Max()),12}{missing,9:P1}";
    }

    private static string Number(double value) => Math.Abs(value) switch
    {
        >= 1e7 => value.ToString("G4", CultureInfo.InvariantCulture),
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("G3", CultureInfo.InvariantCulture),
    };

    /// <summary>Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs (missing values left out).</summary>
    public static double KolmogorovSmirnov(IEnumerable<double> first, IEnumerable<double> second)
    {
        var a = first.Where(v => !double.IsNaN(v)).Order().ToArray();
        var b = second.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (a.Length == 0 || b.Length == 0) return double.NaN;
        int i = 0, j = 0;
        double gap = 0;
        while (i < a.Length && j < b.Length)
        {
            double x = Math.Min(a[i], b[j]);
            // Step past every copy of x in both samples: tied values (integers) must move the two CDFs together.
            while (i < a.Length && a[i] <= x) i++;
            while (j < b.Length && b[j] <= x) j++;
            gap = Math.Max(gap, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return gap;
    }

    /// <summary>Total variation distance: half the summed differences of category shares.</summary>
    public static double TotalVariation(Dictionary<string, double> p, Dictionary<string, double> q) =>
        0.5 * p.Keys.Union(q.Keys).Sum(k => Math.Abs(p.GetValueOrDefault(k) - q.GetValueOrDefault(k)));

    private static Dictionary<string, double> Frequencies(string[] values) =>
        values.CountBy(v => v).ToDictionary(kv => kv.Key, kv => (double)kv.Value / values.Length);

    /// <summary>One measure per pair of columns, chosen by their kinds, computed the same way on both tables.</summary>
    private static IEnumerable<(string Label, double Real, double Synth)> Relations(Column[] real, Column[] synth)
    {
        for (int i = 0; i < real.Length; i++)
        {
            for (int j = i + 1; j < real.Length; j++)
            {
                var (x, y) = (real[i], real[j]);
                bool xText = x.AsNumbers is null, yText = y.AsNumbers is null;
                if (!xText && !yText)
                    yield return ($"r({x.Name}, {y.Name})", Correlation(x.AsNumbers!, y.AsNumbers!), Correlation(synth[i].AsNumbers!, synth[j].AsNumbers!));
                else if (xText && yText)
                    yield return ($"V({x.Name}, {y.Name})", CramersV(x.Categories!, y.Categories!), CramersV(synth[i].Categories!, synth[j].Categories!));
                else
                {
                    var (g, v) = xText ? (i, j) : (j, i);
                    yield return ($"η({real[g].Name} → {real[v].Name})", CorrelationRatio(real[g].Categories!, real[v].AsNumbers!),
                        CorrelationRatio(synth[g].Categories!, synth[v].AsNumbers!));
                }
            }
        }
    }

    /// <summary>Pearson correlation over the rows where both values are present.</summary>
    private static double Correlation(double[] x, double[] y)
    {
        var pairs = x.Zip(y).Where(p => !double.IsNaN(p.First) && !double.IsNaN(p.Second)).ToArray();
        if (pairs.Length < 2) return double.NaN;
        double mx = pairs.Average(p => p.First), my = pairs.Average(p => p.Second);
        double sxy = pairs.Sum(p => (p.First - mx) * (p.Second - my));
        double sxx = pairs.Sum(p => (p.First - mx) * (p.First - mx)), syy = pairs.Sum(p => (p.Second - my) * (p.Second - my));
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>How much of a number's spread its category explains: sqrt(between-group / total sum of squares).</summary>
    private static double CorrelationRatio(string[] groups, double[] values)
    {
        var pairs = groups.Zip(values).Where(p => !double.IsNaN(p.Second)).ToArray();
        if (pairs.Length < 2) return double.NaN;
        double mean = pairs.Average(p => p.Second);
        double total = pairs.Sum(p => (p.Second - mean) * (p.Second - mean));
        double between = pairs.GroupBy(p => p.First).Sum(g => g.Count() * Math.Pow(g.Average(p => p.Second) - mean, 2));
        return total == 0 ? 0 : Math.Sqrt(between / total);
    }

    /// <summary>Association of two categories from the chi-square of their contingency table, scaled to [0, 1].</summary>
    private static double CramersV(string[] x, string[] y)
    {
        int n = x.Length;
        var rows = x.CountBy(v => v).ToDictionary();
        var cols = y.CountBy(v => v).ToDictionary();
        if (n == 0 || rows.Count < 2 || cols.Count < 2) return 0;
        var cells = x.Zip(y).CountBy(p => p).ToDictionary();
        double chi2 = 0;
        foreach (var (r, nr) in rows)
        {
            foreach (var (c, nc) in cols)
            {
                double expected = (double)nr * nc / n;
                double observed = cells.GetValueOrDefault((r, c));
                chi2 += (observed - expected) * (observed - expected) / expected;
            }
        }
        return Math.Sqrt(chi2 / n / (Math.Min(rows.Count, cols.Count) - 1));
    }
}
