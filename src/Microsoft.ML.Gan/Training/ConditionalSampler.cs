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
    private readonly int[][] _rowsByLevel;   // per condition column: the rows, ordered by category (each category's in row order)
    private readonly int[][] _levelStarts;   // per condition column: where each category's rows start there (one more entry: the end)
    private readonly double[][] _shares;
    private readonly Random _random;

    public ConditionalSampler(ConditionLayout layout, EncodedRows rows, int seed, TrainingConditionDraw draw = TrainingConditionDraw.LogFrequency)
    {
        _layout = layout;
        _random = new Random(seed);
        _rowsByLevel = new int[layout.Columns.Count][];
        _levelStarts = new int[layout.Columns.Count][];
        _shares = new double[layout.Columns.Count][];
        for (int d = 0; d < layout.Columns.Count; d++)
        {
            var column = layout.Columns[d];
            // The condition column's span is an exact one-hot in the encoded rows: its 1 is the row's category. A
            // counting sort puts each category's rows together, 4 bytes a row (lists of rows per category would take
            // about twice that while they grew).
            int choice = rows.ChoiceAt(column.RowStart);
            var counts = new int[column.Count];
            for (int r = 0; r < rows.Count; r++) counts[rows.Choice(r, choice)]++;
            var starts = new int[column.Count + 1];
            for (int l = 0; l < column.Count; l++) starts[l + 1] = starts[l] + counts[l];
            var next = starts[..^1];
            var ordered = new int[rows.Count];
            for (int r = 0; r < rows.Count; r++) ordered[next[rows.Choice(r, choice)]++] = r;
            _rowsByLevel[d] = ordered;
            _levelStarts[d] = starts;
            var logs = Normalized(counts.Select(c => Math.Log(1 + c)));
            var frequencies = Normalized(counts.Select(c => (double)c));
            _shares[d] = column.DrawnAtFrequency ? frequencies : draw switch
            {
                TrainingConditionDraw.Frequency => frequencies,
                TrainingConditionDraw.Mixed => logs.Zip(frequencies, (a, b) => (a + b) / 2).ToArray(),
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
                int start = _levelStarts[d][level];
                realRows[i] = _rowsByLevel[d][start + _random.Next(_levelStarts[d][level + 1] - start)];
            }
        }
    }
}
