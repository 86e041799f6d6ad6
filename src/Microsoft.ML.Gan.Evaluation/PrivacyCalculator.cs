using System.Numerics;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Evaluation;

/// <summary>Exact copies, distances to the closest record, and the closest records themselves (for attribute inference).</summary>
internal static class PrivacyCalculator
{
    // Missing continuous values sit far outside [0, 1]: missing vs present then costs the full 1 (the cap) and
    // missing vs missing costs 0, with the same branch-free kernel as every other value.
    private const float MissingPosition = 1e6f;

    /// <summary>Synthetic rows equal to some real row in every given column (NaN equal to NaN).</summary>
    public static long ExactCopies(EvaluationTable real, EvaluationTable synthetic, int[] columns)
    {
        var comparer = new RowComparer(columns);
        var set = new HashSet<RowRef>(real.RowCount, comparer);
        for (int i = 0; i < real.RowCount; i++) set.Add(new RowRef(real, i));
        long copies = 0;
        for (int i = 0; i < synthetic.RowCount; i++)
            if (set.Contains(new RowRef(synthetic, i))) copies++;
        return copies;
    }

    /// <summary>
    /// For each query row, the distance to the closest reference row: the mean over columns of |a − b| scaled by the
    /// real range and capped at 1 (continuous) or 0/1 mismatch (categorical).
    /// </summary>
    public static double[] ClosestDistances(EvaluationTable reference, EvaluationTable query, int[] columns, double[] minimum, double[] maximum) =>
        Closest(reference, query, columns, minimum, maximum, null);

    /// <summary>
    /// For each query row, the closest reference row by the distance of <see cref="ClosestDistances"/> (the first in
    /// the reference's order among equally close ones); -1 where the reference is empty or no column is given.
    /// </summary>
    public static int[] ClosestRows(EvaluationTable reference, EvaluationTable query, int[] columns, double[] minimum, double[] maximum)
    {
        var rows = new int[query.RowCount];
        Closest(reference, query, columns, minimum, maximum, rows);
        return rows;
    }

    private static double[] Closest(EvaluationTable reference, EvaluationTable query, int[] columns, double[] minimum, double[] maximum, int[]? rows)
    {
        int nRef = reference.RowCount, nQuery = query.RowCount;
        var result = new double[nQuery];
        if (nRef == 0 || columns.Length == 0)
        {
            Array.Fill(result, double.NaN);
            if (rows is not null) Array.Fill(rows, -1);
            return result;
        }
        var refColumns = columns.Select(c => Encode(reference, c, minimum[c], maximum[c])).ToArray();
        var queryColumns = columns.Select(c => Encode(query, c, minimum[c], maximum[c])).ToArray();
        int width = Vector<float>.Count;
        Parallel.For(0, nQuery, () => new float[nRef], (i, _, distance) =>
        {
            Array.Clear(distance);
            var one = Vector<float>.One;
            for (int c = 0; c < refColumns.Length; c++)
            {
                float q = queryColumns[c][i];
                var qv = new Vector<float>(q);
                var r = refColumns[c];
                var rv = MemoryMarshal.Cast<float, Vector<float>>(r.AsSpan());
                var dv = MemoryMarshal.Cast<float, Vector<float>>(distance.AsSpan());
                for (int k = 0; k < rv.Length; k++) dv[k] += Vector.Min(one, Vector.Abs(rv[k] - qv));
                for (int k = rv.Length * width; k < nRef; k++) distance[k] += Math.Min(1f, Math.Abs(r[k] - q));
            }
            float best = float.PositiveInfinity;
            var all = MemoryMarshal.Cast<float, Vector<float>>(distance.AsSpan());
            if (all.Length > 0)
            {
                var bv = all[0];
                for (int k = 1; k < all.Length; k++) bv = Vector.Min(bv, all[k]);
                for (int k = 0; k < width; k++) best = Math.Min(best, bv[k]);
            }
            for (int k = all.Length * width; k < nRef; k++) best = Math.Min(best, distance[k]);
            result[i] = best / refColumns.Length;
            if (rows is not null) rows[i] = Array.IndexOf(distance, best);
            return distance;
        }, _ => { });
        return result;
    }

    private static float[] Encode(EvaluationTable table, int column, double minimum, double maximum)
    {
        var encoded = new float[table.RowCount];
        if (table.Continuous[column] is { } values)
        {
            double range = maximum > minimum ? maximum - minimum : 1;
            double min = double.IsFinite(minimum) ? minimum : 0;
            for (int i = 0; i < encoded.Length; i++)
                encoded[i] = double.IsNaN(values[i]) ? MissingPosition : (float)Math.Clamp((values[i] - min) / range, -10, 10);
        }
        else
        {
            var codes = table.Codes[column]!;
            for (int i = 0; i < encoded.Length; i++) encoded[i] = codes[i];
        }
        return encoded;
    }

    private readonly record struct RowRef(EvaluationTable Table, int Row);

    private sealed class RowComparer(int[] columns) : IEqualityComparer<RowRef>
    {
        public bool Equals(RowRef x, RowRef y)
        {
            foreach (int c in columns)
            {
                if (x.Table.Continuous[c] is { } a)
                {
                    double u = a[x.Row], v = y.Table.Continuous[c]![y.Row];
                    if (!(u == v || (double.IsNaN(u) && double.IsNaN(v)))) return false;
                }
                else if (x.Table.Codes[c]![x.Row] != y.Table.Codes[c]![y.Row]) return false;
            }
            return true;
        }

        public int GetHashCode(RowRef r)
        {
            var hash = new HashCode();
            foreach (int c in columns)
            {
                if (r.Table.Continuous[c] is { } a)
                {
                    double v = a[r.Row];
                    // One hash for every NaN and for ±0, as Equals has it.
                    hash.Add(double.IsNaN(v) ? double.NaN : v == 0 ? 0.0 : v);
                }
                else hash.Add(r.Table.Codes[c]![r.Row]);
            }
            return hash.ToHashCode();
        }
    }
}
