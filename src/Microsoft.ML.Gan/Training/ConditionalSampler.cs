using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// CTGAN's training-by-sampling. Each row of a batch picks a categorical column uniformly and one of its categories
/// with probability proportional to log(1 + count) (<see cref="TrainingConditionDraw.LogFrequency"/>), so rare
/// categories are trained on far more often than they occur, or to its count (<see cref="TrainingConditionDraw.Frequency"/>);
/// the generator is conditioned on that choice and the real rows the discriminator sees are drawn among the rows
/// that have it. Both sides then carry the same condition distribution.
/// </summary>
internal sealed class ConditionalSampler
{
    private readonly ConditionLayout _layout;
    private readonly int[][][] _rowsByLevel;
    private readonly double[][] _shares;
    private readonly Random _random;

    public ConditionalSampler(ConditionLayout layout, float[] matrix, int rows, int width, int seed, TrainingConditionDraw draw = TrainingConditionDraw.LogFrequency)
    {
        _layout = layout;
        _random = new Random(seed);
        _rowsByLevel = new int[layout.Columns.Count][][];
        _shares = new double[layout.Columns.Count][];
        for (int d = 0; d < layout.Columns.Count; d++)
        {
            var column = layout.Columns[d];
            var lists = Enumerable.Range(0, column.Count).Select(_ => new List<int>()).ToArray();
            for (int r = 0; r < rows; r++)
            {
                // The encoded span is an exact one-hot: its 1 is the row's category.
                var span = matrix.AsSpan(r * width + column.RowStart, column.Count);
                lists[span.IndexOf(1f)].Add(r);
            }
            _rowsByLevel[d] = lists.Select(l => l.ToArray()).ToArray();
            var logs = Normalized(lists.Select(l => Math.Log(1 + l.Count)));
            var counts = Normalized(lists.Select(l => (double)l.Count));
            _shares[d] = draw switch
            {
                TrainingConditionDraw.Frequency => counts,
                TrainingConditionDraw.Mixed => logs.Zip(counts, (a, b) => (a + b) / 2).ToArray(),
                _ => logs,
            };
        }
    }

    private static double[] Normalized(IEnumerable<double> weights)
    {
        var w = weights.ToArray();
        double total = w.Sum();
        return w.Select(v => v / total).ToArray();
    }

    /// <summary>
    /// One batch: <paramref name="condition"/> (batch × layout width, one-hot), <paramref name="mask"/> (batch ×
    /// condition columns), each row's category per column in <paramref name="levels"/> ([column][row], 0 where the
    /// row conditions another column) and, when <paramref name="realRows"/> is given, a real row with the same
    /// category for each.
    /// </summary>
    public void Sample(int batch, float[] condition, float[] mask, long[][] levels, int[]? realRows)
    {
        int columns = _layout.Columns.Count, width = _layout.Width;
        Array.Clear(condition, 0, batch * width);
        Array.Clear(mask, 0, batch * columns);
        foreach (var l in levels) Array.Clear(l, 0, batch);
        for (int i = 0; i < batch; i++)
        {
            int d = _random.Next(columns);
            var column = _layout.Columns[d];
            int level = ConditionLayout.Pick(_shares[d], _random.NextDouble());
            condition[i * width + column.Offset + level] = 1f;
            mask[i * columns + d] = 1f;
            levels[d][i] = level;
            if (realRows is not null)
            {
                var candidates = _rowsByLevel[d][level];
                realRows[i] = candidates[_random.Next(candidates.Length)];
            }
        }
    }
}
