namespace Microsoft.ML.Gan.Common;

/// <summary>Samples of a table's rows for statistics that need not see every row of a large one.</summary>
internal static class RowSample
{
    /// <summary>
    /// <paramref name="count"/> of the row indices [0, <paramref name="rows"/>), each set of them equally likely, in
    /// increasing order (selection sampling, one pass, seeded); every index when the table has no more rows than that.
    /// </summary>
    public static int[] Uniform(int rows, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (rows <= count) return Enumerable.Range(0, rows).ToArray();
        var chosen = new int[count];
        var random = new Random(seed);
        int needed = count;
        for (int r = 0; r < rows && needed > 0; r++)
            if (random.NextInt64(rows - r) < needed) chosen[count - needed--] = r;
        return chosen;
    }
}
