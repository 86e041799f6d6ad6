namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// The shapes of a trained model's networks and training step, read from its public options and column
/// descriptions, and the matrix work they imply counted in multiply-adds (one multiply-add = 2 FLOP). Only the
/// linear layers are counted: batch norm, activations, dropout, losses and Adam are elementwise and small beside them.
/// </summary>
internal sealed record GanShapes(
    int NoiseDimension,
    IReadOnlyList<int> GeneratorLayers,
    IReadOnlyList<int> DiscriminatorLayers,
    int Width,
    int BatchSize,
    int DiscriminatorStepsPerGeneratorStep,
    bool GeneratorBatchNorm,
    double DiscriminatorDropout,
    [property: System.Text.Json.Serialization.JsonIgnore] GanTrainer.Options Options)
{
    /// <summary>Shapes of <paramref name="model"/>; the batch is clamped to its training rows, as training clamps it.</summary>
    public static GanShapes Of(GanTransformer model) => From(model.Options, EncodedWidth(model), model.TrainingRowCount);

    /// <summary>Shapes that training with <paramref name="options"/> on <paramref name="rows"/> rows of encoded width <paramref name="width"/> will have.</summary>
    public static GanShapes From(GanTrainer.Options options, int width, long rows) => new(
        options.NoiseDimension, options.GeneratorLayers, options.DiscriminatorLayers, width,
        (int)Math.Min(options.BatchSize, rows), options.DiscriminatorSteps, options.GeneratorBatchNorm, options.DiscriminatorDropout, options);

    /// <summary>
    /// Floats in one encoded row, from what the model says about its columns: a number takes 1 (its tanh value)
    /// plus 2 when it has missing values (a present/missing softmax); a category column one per category.
    /// </summary>
    public static int EncodedWidth(GanTransformer model) =>
        model.Columns.Sum(c => c.IsCategorical ? c.Categories.Count : c.MissingRate > 0 ? 3 : 1);

    /// <summary>
    /// The same width counted from the table itself, before training (so the bare loop can be built first): each
    /// text column one float per distinct value (missing tokens are categories too), each number 1, plus 2 when a value is NaN.
    /// </summary>
    public static (int Width, long Rows) EncodedWidth(IDataView table)
    {
        var columns = table.Schema.Where(c => !c.IsHidden).ToArray();
        using var cursor = table.GetRowCursor(columns);
        var count = new List<Func<int>>();
        var read = new List<Action>();
        foreach (var column in columns)
        {
            var raw = column.Type.RawType;
            if (raw == typeof(ReadOnlyMemory<char>))
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                ReadOnlyMemory<char> value = default;
                read.Add(() => { getter(ref value); seen.Add(value.ToString()); });
                count.Add(() => seen.Count);
            }
            else
            {
                Func<double> get = raw == typeof(int) ? Number<int>(cursor, column, v => v)
                    : raw == typeof(float) ? Number<float>(cursor, column, v => v)
                    : raw == typeof(double) ? Number<double>(cursor, column, v => v)
                    : throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}; counting its width is not implemented here.");
                bool missing = false;
                read.Add(() => missing |= double.IsNaN(get()));
                count.Add(() => missing ? 3 : 1);
            }
        }
        long rows = 0;
        while (cursor.MoveNext())
        {
            foreach (var r in read) r();
            rows++;
        }
        return (count.Sum(c => c()), rows);
    }

    private static Func<double> Number<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, double> toDouble)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () => { getter(ref value); return toDouble(value); };
    }

    /// <summary>Layer widths of G: noise, hidden..., encoded row.</summary>
    public int[] GeneratorWidths => [NoiseDimension, .. GeneratorLayers, Width];

    /// <summary>Layer widths of D: encoded row, hidden..., one logit.</summary>
    public int[] DiscriminatorWidths => [Width, .. DiscriminatorLayers, 1];

    /// <summary>Multiply-adds of one forward pass of G for one row.</summary>
    public long GeneratorMacsPerRow => Macs(GeneratorWidths, skipFirst: false);

    /// <summary>Multiply-adds of one forward pass of D for one row.</summary>
    public long DiscriminatorMacsPerRow => Macs(DiscriminatorWidths, skipFirst: false);

    /// <summary>
    /// One discriminator update on B real and B generated rows: G forward (no gradient) on B rows, D forward on 2B
    /// rows, D backward on 2B rows (weight gradients of every layer, input gradients of every layer but the first,
    /// whose input needs none).
    /// </summary>
    public long DiscriminatorStepMacs =>
        (long)BatchSize * (GeneratorMacsPerRow
            + 2 * DiscriminatorMacsPerRow                              // forward, real and fake
            + 2 * DiscriminatorMacsPerRow                              // weight gradients
            + 2 * Macs(DiscriminatorWidths, skipFirst: true));         // input gradients

    /// <summary>
    /// One generator update on B noise vectors: G and D forward; D backward with weight gradients (D's parameters
    /// still require them) and input gradients of every layer; G backward with weight gradients of every layer and
    /// input gradients of every layer but the first (the noise needs none).
    /// </summary>
    public long GeneratorStepMacs =>
        (long)BatchSize * (GeneratorMacsPerRow + DiscriminatorMacsPerRow
            + 2 * DiscriminatorMacsPerRow
            + GeneratorMacsPerRow + Macs(GeneratorWidths, skipFirst: true));

    /// <summary>One generator update and the discriminator updates that precede it.</summary>
    public long TrainingStepMacs => DiscriminatorStepsPerGeneratorStep * DiscriminatorStepMacs + GeneratorStepMacs;

    /// <summary>"128→256→256→110"</summary>
    public static string Describe(IEnumerable<int> widths) => string.Join("→", widths);

    private static long Macs(int[] widths, bool skipFirst)
    {
        long total = 0;
        for (int i = skipFirst ? 1 : 0; i + 1 < widths.Length; i++) total += (long)widths[i] * widths[i + 1];
        return total;
    }
}
