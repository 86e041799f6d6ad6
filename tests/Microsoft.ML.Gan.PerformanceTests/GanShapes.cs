using System.Text.Json.Serialization;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>One categorical column's one-hot block in the condition vector, and where its span lies in the encoded row.</summary>
/// <param name="RowStart">First float of the column's one-hot span in the encoded row (the cross-entropy term reads the generator's logits there).</param>
/// <param name="Count">The column's categories: entries in its condition block.</param>
internal readonly record struct ConditionBlock(int RowStart, int Count);

/// <summary>The shape of one linear layer: input and output features.</summary>
internal readonly record struct LayerShape(int In, int Out)
{
    public long Macs => (long)In * Out;

    public override string ToString() => $"{In}→{Out}";
}

/// <summary>
/// The shapes of a model's networks and training step, taken from the library itself (its fitted encoder and
/// condition layout, so mode-specific normalisation's widths are the real ones), and the matrix work they imply,
/// counted in multiply-adds (one multiply-add = 2 FLOP).
/// </summary>
/// <remarks>
/// <para>Only the linear layers are counted: batch norm, activations, dropout, concatenations, losses, the
/// cross-entropy term and Adam are elementwise and small beside them. The condition vector costs nothing by itself;
/// it is counted through the widths it adds: c inputs to every generator layer with residual layers (the first
/// only, without), and c per row (pac × c per pack) to the discriminator's first layer.</para>
/// <para>Per generator row, with residual layers, layer i reads n_0 = noise + c plus every earlier hidden width:
/// G = Σ_i n_i·h_i + n_L·w, n_i = n_0 + h_0 + … + h_{i-1} (without residual layers n_i = h_{i-1}).
/// Per discriminator pack of P rows: D = P(w + c)·d_0 + Σ d_i·d_{i+1} + d_last·1. With a batch of B rows (B/P packs):</para>
/// <para>D-step = B·G (no gradient) + (B/P)·(2D forward real and fake + 2D weight gradients + 2(D − P(w + c)·d_0)
/// input gradients, none for the first layer) + the gradient penalty.</para>
/// <para>Gradient penalty (WGAN-GP only), an approximation: (B/P)·6D = one critic forward on the interpolates (D),
/// the backward to the input that makes the gradient (input gradients of every layer, D), and the double backward
/// through that gradient (4D): each matrix product of the first backward, g·W, is differentiated for W and for g
/// (2D), and libtorch also sends LeakyReLU's second derivative, zeros, back through the forward layers, computing
/// their weight and input gradients (2D). A timing check agreed: on a 2048-wide MLP of three LeakyReLU layers (1,024
/// rows, one thread), forward + gradient took about 2 forward passes and the whole penalty with its backward 5.7 to
/// 6.0; without the activations, which leaves no forward graph to go back through, 4.2.</para>
/// <para>G-step = B·(G forward + G weight gradients + G input gradients except the first layer's) + (B/P)·3D
/// (forward, weight gradients, input gradients of every layer).</para>
/// </remarks>
internal sealed record GanShapes(
    int NoiseDimension,
    int Width,
    int ConditionWidth,
    IReadOnlyList<ConditionBlock> ConditionBlocks,
    IReadOnlyList<int> GeneratorLayers,
    IReadOnlyList<int> DiscriminatorLayers,
    int BatchSize,
    int Pac,
    int DiscriminatorStepsPerGeneratorStep,
    bool GeneratorResidual,
    bool GeneratorBatchNorm,
    double DiscriminatorDropout,
    GanLossKind Loss,
    double GradientPenaltyWeight,
    ContinuousNormalization ContinuousNormalization,
    long TrainingRows,
    [property: JsonIgnore] GanTrainer.Options Options)
{
    /// <summary>Shapes of a trained model, from its encoder and condition layout.</summary>
    public static GanShapes Of(GanTransformer model)
    {
        var m = model.Model;
        return From(m.Training.ToOptions(), m.Encoder.Width, m.Conditional ? m.Layout : null, m.TrainingRows);
    }

    /// <summary>
    /// The shapes training with <paramref name="options"/> on <paramref name="table"/> will have, before training:
    /// fits the library's encoder on the table with the settings GanTrainer.Fit uses. The mixtures of mode-specific
    /// normalisation are seeded, and the number of modes they keep sets the width, so the options must carry a seed.
    /// </summary>
    public static GanShapes Plan(IDataView table, GanTrainer.Options options)
    {
        int seed = options.Seed ?? throw new ArgumentException("Planning the shapes needs Options.Seed: the encoder's fit depends on it.", nameof(options));
        var columns = options.Columns ?? table.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        // The very settings Fit uses: a partial copy would miss what widens the encoding (a combination learned as a
        // hidden category, a column a rule sets) and plan a loop of another width.
        var settings = GanTrainer.ColumnSettings(options, seed);
        var (encoder, encoded) = TabularEncoder.Fit(table, columns, settings, () => { }, log: null, options.Constraints);
        int rows = encoded.Count;
        encoded.Dispose();
        var layout = new ConditionLayout(encoder);
        return From(options, encoder.Width, options.ConditionalGenerator && layout.Width > 0 ? layout : null, rows);
    }

    /// <summary>Shapes for an encoded width and condition layout (null: no conditional generator).</summary>
    public static GanShapes From(GanTrainer.Options options, int width, ConditionLayout? layout, long rows)
    {
        var (batch, pac) = BatchShape(options, rows);
        var blocks = layout?.Columns.Select(c => new ConditionBlock(c.RowStart, c.Count)).ToArray() ?? [];
        return new GanShapes(
            options.NoiseDimension, width, blocks.Sum(b => b.Count), blocks, options.GeneratorLayers.ToArray(), options.DiscriminatorLayers.ToArray(),
            batch, pac, options.DiscriminatorSteps, options.GeneratorResidual, options.GeneratorBatchNorm, options.DiscriminatorDropout,
            options.Loss, options.GradientPenaltyWeight, options.ContinuousNormalization, rows, options);
    }

    /// <summary>
    /// The batch and pack sizes training uses (GanTraining.BatchShape, restated because it logs through a channel):
    /// the batch clamped to the table, packs of one when the batch holds fewer than two packs, the batch rounded down
    /// to whole packs.
    /// </summary>
    private static (int Batch, int Pac) BatchShape(GanTrainer.Options options, long rows)
    {
        int batch = (int)Math.Min(options.BatchSize, rows);
        int pac = batch < 2 * options.Pac ? 1 : options.Pac;
        return (batch / pac * pac, pac);
    }

    /// <summary>Whether the generator is conditioned (the condition vector is not empty).</summary>
    public bool Conditional => ConditionWidth > 0;

    /// <summary>Discriminator judgements per batch.</summary>
    public int Packs => BatchSize / Pac;

    /// <summary>The generator's input: noise followed by the condition vector.</summary>
    public int GeneratorInputWidth => NoiseDimension + ConditionWidth;

    /// <summary>The discriminator's input per pack: Pac rows, each an encoded row followed by its condition vector.</summary>
    public int DiscriminatorInputWidth => Pac * (Width + ConditionWidth);

    /// <summary>G's linear layers in order, the output layer last; with residual layers each reads every earlier width.</summary>
    public LayerShape[] GeneratorLayerShapes
    {
        get
        {
            var shapes = new List<LayerShape>();
            int width = GeneratorInputWidth;
            foreach (int h in GeneratorLayers)
            {
                shapes.Add(new LayerShape(width, h));
                width = GeneratorResidual ? width + h : h;
            }
            shapes.Add(new LayerShape(width, Width));
            return shapes.ToArray();
        }
    }

    /// <summary>D's linear layers in order, per pack: packed input, hidden..., one logit.</summary>
    public LayerShape[] DiscriminatorLayerShapes
    {
        get
        {
            var shapes = new List<LayerShape>();
            int width = DiscriminatorInputWidth;
            foreach (int h in DiscriminatorLayers)
            {
                shapes.Add(new LayerShape(width, h));
                width = h;
            }
            shapes.Add(new LayerShape(width, 1));
            return shapes.ToArray();
        }
    }

    /// <summary>G's layer with the most multiply-adds: the shape the layer-sized matmul rate is measured at.</summary>
    public LayerShape LargestGeneratorLayer => GeneratorLayerShapes.MaxBy(l => l.Macs);

    /// <summary>Multiply-adds of one forward pass of G for one row.</summary>
    public long GeneratorMacsPerRow => GeneratorLayerShapes.Sum(l => l.Macs);

    /// <summary>Multiply-adds of one forward pass of D for one pack of <see cref="Pac"/> rows.</summary>
    public long DiscriminatorMacsPerPack => DiscriminatorLayerShapes.Sum(l => l.Macs);

    /// <summary>The gradient penalty's work in one discriminator update (0 unless WGAN-GP); see the remarks for what is counted.</summary>
    public long GradientPenaltyMacs => Loss == GanLossKind.WassersteinGp ? (long)Packs * 6 * DiscriminatorMacsPerPack : 0;

    /// <summary>
    /// One discriminator update on B real and B generated rows: G forward (no gradient) on B rows, D forward on both
    /// sides' packs, D backward (weight gradients of every layer, input gradients of every layer but the first, whose
    /// input needs none), and the gradient penalty.
    /// </summary>
    public long DiscriminatorStepMacs =>
        (long)BatchSize * GeneratorMacsPerRow
        + (long)Packs * (2 * DiscriminatorMacsPerPack                                        // forward, real and fake
                         + 2 * DiscriminatorMacsPerPack                                      // weight gradients
                         + 2 * (DiscriminatorMacsPerPack - DiscriminatorLayerShapes[0].Macs)) // input gradients
        + GradientPenaltyMacs;

    /// <summary>
    /// One generator update on B rows: G and D forward; D backward with weight gradients (D's parameters still
    /// require them) and input gradients of every layer; G backward with weight gradients of every layer and input
    /// gradients of every layer but the first (noise and condition need none).
    /// </summary>
    public long GeneratorStepMacs =>
        (long)BatchSize * (2 * GeneratorMacsPerRow + GeneratorMacsPerRow - GeneratorLayerShapes[0].Macs)
        + (long)Packs * 3 * DiscriminatorMacsPerPack;

    /// <summary>One generator update and the discriminator updates that precede it.</summary>
    public long TrainingStepMacs => DiscriminatorStepsPerGeneratorStep * DiscriminatorStepMacs + GeneratorStepMacs;

    /// <summary>"128+102→256→256→163, residual (layer inputs 230, 486, 742), BatchNorm, ReLU"</summary>
    public string DescribeGenerator()
    {
        string input = Conditional ? $"{NoiseDimension}+{ConditionWidth}" : $"{NoiseDimension}";
        string chain = string.Join("→", [input, .. GeneratorLayers.Select(h => h.ToString()), Width.ToString()]);
        string residual = GeneratorResidual ? $", residual (layer inputs {string.Join(", ", GeneratorLayerShapes.Select(l => l.In))})" : "";
        return $"{chain}{residual}{(GeneratorBatchNorm ? ", BatchNorm" : "")}, ReLU";
    }

    /// <summary>"packs of 10: 10×(163+102)=2650→256→256→1, LeakyReLU 0.2, dropout 0.5"</summary>
    public string DescribeDiscriminator()
    {
        string row = Conditional ? $"({Width}+{ConditionWidth})" : $"{Width}";
        string input = Pac > 1 ? $"packs of {Pac}: {Pac}×{row}={DiscriminatorInputWidth}" : Conditional ? $"{row}={DiscriminatorInputWidth}" : row;
        string chain = string.Join("→", [input, .. DiscriminatorLayers.Select(h => h.ToString()), "1"]);
        return $"{chain}, LeakyReLU 0.2{(DiscriminatorDropout > 0 ? $", dropout {DiscriminatorDropout}" : "")}";
    }

    /// <summary>"WassersteinGp (gradient penalty 10)"</summary>
    public string DescribeLoss() => Loss == GanLossKind.WassersteinGp ? $"{Loss} (gradient penalty weight {GradientPenaltyWeight})" : Loss.ToString();

    /// <summary>What differs between planned and trained shapes, or null when the networks and steps are the same.</summary>
    public string? Mismatch(GanShapes other)
    {
        var differences = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) differences.Add($"{name} {a} here, {b} there");
        }
        Check("encoded width", Width, other.Width);
        Check("condition width", ConditionWidth, other.ConditionWidth);
        Check("rows", TrainingRows, other.TrainingRows);
        Check("batch", BatchSize, other.BatchSize);
        Check("pac", Pac, other.Pac);
        Check("generator", DescribeGenerator(), other.DescribeGenerator());
        Check("discriminator", DescribeDiscriminator(), other.DescribeDiscriminator());
        Check("loss", DescribeLoss(), other.DescribeLoss());
        Check("condition blocks", string.Join(",", ConditionBlocks), string.Join(",", other.ConditionBlocks));
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }
}
