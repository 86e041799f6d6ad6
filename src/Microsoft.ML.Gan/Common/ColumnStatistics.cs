namespace Microsoft.ML.Gan.Common;

/// <summary>The statistics behind column shapes and pair trends, on plain arrays.</summary>
internal static class ColumnStatistics
{
    /// <summary>
    /// Two-sample Kolmogorov-Smirnov statistic of the non-missing (non-NaN) values: the largest gap between the two
    /// empirical CDFs. Both empty: 0; one empty: 1. With <paramref name="bWeights"/> (one per value of
    /// <paramref name="b"/>), <paramref name="b"/>'s CDF counts each value with its weight, and a value of weight 0 is
    /// left out as a missing one is.
    /// </summary>
    public static double KolmogorovSmirnov(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bWeights = default)
    {
        var x = Present(a);
        var (y, w) = Weighed(b, bWeights);
        if (x.Length == 0 && y.Length == 0) return 0;
        if (x.Length == 0 || y.Length == 0) return 1;
        Array.Sort(x);
        Array.Sort(y, w);
        double total = 0;
        foreach (double weight in w) total += weight;
        int i = 0, j = 0;
        double d = 0, below = 0;
        while (i < x.Length && j < y.Length)
        {
            double v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v) i++;
            while (j < y.Length && y[j] <= v) below += w[j++];
            d = Math.Max(d, Math.Abs((double)i / x.Length - below / total));
        }
        return d;
    }

    /// <summary>
    /// The Kolmogorov-Smirnov distance between one sample's two weightings: the largest gap between the CDFs of the
    /// present values of <paramref name="values"/> counted with <paramref name="a"/> and with <paramref name="b"/>
    /// (one weight per value each). 0 when either weighting has no weight on a present value.
    /// </summary>
    public static double KolmogorovSmirnovOfWeights(ReadOnlySpan<double> values, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var rows = new List<int>(values.Length);
        double totalA = 0, totalB = 0;
        for (int r = 0; r < values.Length; r++)
        {
            if (double.IsNaN(values[r])) continue;
            rows.Add(r);
            totalA += a[r];
            totalB += b[r];
        }
        if (totalA <= 0 || totalB <= 0) return 0;
        var order = rows.ToArray();
        var keys = new double[order.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = values[order[i]];
        Array.Sort(keys, order);
        double d = 0, belowA = 0, belowB = 0;
        for (int i = 0; i < order.Length; i++)
        {
            belowA += a[order[i]];
            belowB += b[order[i]];
            if (i + 1 < order.Length && keys[i + 1] == keys[i]) continue; // the CDFs step at distinct values only
            d = Math.Max(d, Math.Abs(belowA / totalA - belowB / totalB));
        }
        return d;
    }

    /// <summary>
    /// Total variation distance ½ Σ |p − q| between the frequencies of codes in 0..<paramref name="categories"/>−1;
    /// with <paramref name="bWeights"/> (one per code of <paramref name="b"/>), <paramref name="b"/>'s frequencies count
    /// each code with its weight.
    /// </summary>
    public static double TotalVariation(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int categories, ReadOnlySpan<double> bWeights = default)
    {
        if (a.Length == 0 || b.Length == 0) return a.Length == b.Length ? 0 : 1;
        var ca = new double[categories];
        var cb = new double[categories];
        foreach (int v in a) ca[v]++;
        double total = 0;
        for (int r = 0; r < b.Length; r++)
        {
            double weight = bWeights.IsEmpty ? 1 : bWeights[r];
            cb[b[r]] += weight;
            total += weight;
        }
        if (total == 0) return 1;
        double sum = 0;
        for (int k = 0; k < categories; k++) sum += Math.Abs(ca[k] / a.Length - cb[k] / total);
        return sum / 2;
    }

    /// <summary>Pearson's r over the rows where both values are present; 0 when either is constant or fewer than 2 rows.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double sx = 0, sy = 0;
        long n = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || double.IsNaN(y[i])) continue;
            sx += x[i]; sy += y[i]; n++;
        }
        if (n < 2) return 0;
        double mx = sx / n, my = sy / n, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || double.IsNaN(y[i])) continue;
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
        }
        if (sxx <= 0 || syy <= 0) return 0;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>
    /// Inner edges at the <paramref name="bins"/>-quantiles of the present values (duplicates merged, so a column
    /// with ties gets fewer bins).
    /// </summary>
    public static double[] QuantileEdges(ReadOnlySpan<double> values, int bins)
    {
        var x = Present(values);
        if (x.Length == 0) return [];
        Array.Sort(x);
        var edges = new List<double>(bins - 1);
        for (int k = 1; k < bins; k++)
        {
            double e = x[Math.Min(x.Length - 1, (int)((long)k * x.Length / bins))];
            if (edges.Count == 0 || e > edges[^1]) edges.Add(e);
        }
        return edges.ToArray();
    }

    /// <summary>Bin of each value: the number of edges at or below it (0..edges.Length); missing: edges.Length + 1.</summary>
    public static int[] Bin(ReadOnlySpan<double> values, double[] edges)
    {
        var bins = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (double.IsNaN(v)) { bins[i] = edges.Length + 1; continue; }
            int lo = 0, hi = edges.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (edges[mid] <= v) lo = mid + 1; else hi = mid;
            }
            bins[i] = lo;
        }
        return bins;
    }

    /// <summary>Total variation distance between the joint frequencies of (a1, b1) and (a2, b2); codes below the counts.</summary>
    public static double JointTotalVariation(ReadOnlySpan<int> a1, ReadOnlySpan<int> b1, ReadOnlySpan<int> a2, ReadOnlySpan<int> b2, int countA, int countB)
    {
        int n1 = a1.Length, n2 = a2.Length;
        if (n1 == 0 || n2 == 0) return n1 == n2 ? 0 : 1;
        long cells = (long)countA * countB;
        if (cells <= 1 << 22)
        {
            var c1 = new int[cells];
            var c2 = new int[cells];
            for (int i = 0; i < n1; i++) c1[(long)a1[i] * countB + b1[i]]++;
            for (int i = 0; i < n2; i++) c2[(long)a2[i] * countB + b2[i]]++;
            double sum = 0;
            for (long k = 0; k < cells; k++)
                if ((c1[k] | c2[k]) != 0) sum += Math.Abs((double)c1[k] / n1 - (double)c2[k] / n2);
            return sum / 2;
        }
        // Many categories on both sides: count only the cells that occur.
        var counts = new Dictionary<long, (int Real, int Synthetic)>();
        for (int i = 0; i < n1; i++)
        {
            long key = (long)a1[i] * countB + b1[i];
            counts.TryGetValue(key, out var c);
            counts[key] = (c.Real + 1, c.Synthetic);
        }
        for (int i = 0; i < n2; i++)
        {
            long key = (long)a2[i] * countB + b2[i];
            counts.TryGetValue(key, out var c);
            counts[key] = (c.Real, c.Synthetic + 1);
        }
        double total = 0;
        foreach (var (r, s) in counts.Values) total += Math.Abs((double)r / n1 - (double)s / n2);
        return total / 2;
    }

    public static double Median(double[] values)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /// <summary>The non-missing values of positive weight (all weighing 1 without weights), with their weights.</summary>
    private static (double[] Values, double[] Weights) Weighed(ReadOnlySpan<double> values, ReadOnlySpan<double> weights)
    {
        if (weights.IsEmpty)
        {
            var present = Present(values);
            var ones = new double[present.Length];
            Array.Fill(ones, 1.0);
            return (present, ones);
        }
        var x = new List<double>();
        var w = new List<double>();
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsNaN(values[i]) || !(weights[i] > 0)) continue;
            x.Add(values[i]);
            w.Add(weights[i]);
        }
        return (x.ToArray(), w.ToArray());
    }

    private static double[] Present(ReadOnlySpan<double> values)
    {
        int n = 0;
        foreach (double v in values) if (!double.IsNaN(v)) n++;
        var x = new double[n];
        n = 0;
        foreach (double v in values) if (!double.IsNaN(v)) x[n++] = v;
        return x;
    }
}
