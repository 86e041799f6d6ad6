namespace Microsoft.ML.Gan.Encoding;

/// <summary>One categorical column's block in the condition vector.</summary>
/// <remarks>
/// Column is the column's index in the encoder, Offset its first entry in the condition vector, RowStart the first
/// float of its one-hot span in the encoded row, Count its number of categories and Frequencies their training
/// shares (summing to 1): the training shares, or the calibrated ones of <see cref="CategoricalColumn.ConditionShares"/>.
/// </remarks>
internal sealed record ConditionColumn(int Column, string Name, int Offset, int RowStart, int Count, double[] Frequencies)
{
    /// <summary>
    /// Whether training draws this column's conditions at the categories' own frequencies, whatever
    /// <see cref="GanTrainer.Options.TrainingConditionDraw"/> says: a combination's hidden category (<see cref="CombinationColumn"/>),
    /// whose entities (towns of a few rows each) are no rare class to be learned more often than it occurs.
    /// </summary>
    public bool DrawnAtFrequency { get; init; }
}

/// <summary>Every generated row conditioned on one category: condition column <paramref name="ConditionIndex"/> (in <see cref="ConditionLayout.Columns"/>) has category <paramref name="Level"/>.</summary>
internal readonly record struct FixedCondition(int ConditionIndex, int Level);

/// <summary>
/// The condition vector of a conditional generator (CTGAN): one block per categorical column, one entry per
/// category; a condition sets exactly one entry of one block to 1. Ordinary rows are generated with the
/// condition drawn as the data have it: a column uniformly, then a category by its training frequency, so that
/// conditioning changes which rows come out, not how often each category does (through a density-ratio filter, by
/// the calibrated shares that make the kept rows' frequencies the training ones).
/// </summary>
internal sealed class ConditionLayout
{
    public ConditionLayout(TabularEncoder encoder)
    {
        var columns = new List<ConditionColumn>();
        int offset = 0, rowStart = 0;
        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            if (encoder.Columns[c] is CategoricalColumn k)
            {
                columns.Add(new ConditionColumn(c, k.Name, offset, rowStart, k.Width, k.ConditionShares ?? k.TrainingShares) { DrawnAtFrequency = k is CombinationColumn });
                offset += k.Width;
            }
            rowStart += encoder.Columns[c].Width;
        }
        Columns = columns;
        Width = offset;
    }

    public IReadOnlyList<ConditionColumn> Columns { get; }

    /// <summary>Entries in the condition vector; 0 when the table has no categorical column (then nothing is conditioned).</summary>
    public int Width { get; }

    /// <summary>Uniform draws <see cref="Fill"/> takes per row.</summary>
    public const int DrawsPerRow = 2;

    /// <summary>
    /// Writes a generated row's condition vector: <paramref name="fixedCondition"/> when one is given; otherwise an
    /// ordinary row's, from two uniforms in [0, 1): the first picks the column, the second its category by training
    /// frequency. The one place where draws become conditions (generation, validation, batch-norm calibration).
    /// </summary>
    public void Fill(Span<float> condition, ReadOnlySpan<float> uniforms, FixedCondition? fixedCondition = null)
    {
        condition.Clear();
        if (fixedCondition is { } c)
        {
            condition[Columns[c.ConditionIndex].Offset + c.Level] = 1f;
            return;
        }
        if (Columns.Count == 0) return;
        var column = Columns[Math.Min(Columns.Count - 1, (int)(uniforms[0] * Columns.Count))];
        condition[column.Offset + Pick(column.Frequencies, uniforms[1])] = 1f;
    }

    /// <summary>The condition block of the encoder's column <paramref name="column"/>, or -1 when it has none.</summary>
    public int IndexOfColumn(int column)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Column == column) return i;
        }
        return -1;
    }

    /// <summary>The index whose cumulative share first exceeds <paramref name="uniform"/> (inverse CDF).</summary>
    internal static int Pick(IReadOnlyList<double> shares, double uniform)
    {
        double cumulative = 0;
        for (int i = 0; i < shares.Count; i++)
        {
            cumulative += shares[i];
            if (uniform < cumulative) return i;
        }
        for (int i = shares.Count - 1; i > 0; i--)
        {
            if (shares[i] > 0) return i; // rounding left the total a hair under the draw
        }
        return 0;
    }
}
