using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Batch norm normalises with the statistics of the batch while training but with running averages when
/// generating. The running averages trail the last updates, so they are recomputed after training as an exact
/// average over many noise batches from the final generator: generation then sees what training saw.
/// </summary>
internal static class BatchNormCalibration
{
    /// <summary>Noise batches that re-estimate the statistics.</summary>
    private const int Batches = 64;

    /// <param name="layout">The condition layout of a conditional generator, or null.</param>
    public static void Run(GeneratorNetwork generator, int batch, NoisePrior prior, ConditionLayout? layout, Device device, torch.Generator random, int seed)
    {
        var draws = new Random(seed ^ 0xBA7C);
        int rows = Math.Max(batch, 64);
        var norms = generator.modules().OfType<BatchNorm1d>().ToList();
        using (NewDisposeScope()) foreach (var bn in norms) bn.reset_running_stats();
        generator.train();
        using (no_grad())
        {
            Span<float> pick = stackalloc float[ConditionLayout.DrawsPerRow];
            for (int i = 0; i < Batches; i++)
            {
                using var scope = NewDisposeScope();
                // A cumulative average: batch i weighs 1/(i+1), so every batch counts equally.
                foreach (var bn in norms) bn.momentum = 1.0 / (i + 1);
                Tensor? condition = null;
                if (layout is not null)
                {
                    // Ordinary rows: conditions as the data have them, as generation draws them.
                    var values = new float[rows * layout.Width];
                    for (int r = 0; r < rows; r++)
                    {
                        pick[0] = draws.NextSingle();
                        pick[1] = draws.NextSingle();
                        layout.Fill(values.AsSpan(r * layout.Width, layout.Width), pick);
                    }
                    condition = TorchRuntime.Copied(values, [rows, layout.Width], device);
                }
                generator.forward(NoiseBatches.Draw(prior, rows, generator.Shape.NoiseDimension, device, random), condition);
            }
        }
        foreach (var bn in norms) bn.momentum = 0.1;
    }
}
