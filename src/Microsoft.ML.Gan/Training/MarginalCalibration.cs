using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The second half of each numeric column's <see cref="MarginalMap"/>: after training, the trained generator makes
/// <see cref="MarginalMap.CalibrationRows"/> rows as <c>Generate</c> makes them (noise and draws from a seed of
/// their own, conditions as the data have them), and each mapped column's values before the map give the
/// generator's own quantiles.
/// </summary>
internal static class MarginalCalibration
{
    private const int Batch = 4096;

    /// <summary>The model with its numeric columns' maps calibrated; the model itself when no column has a map.</summary>
    public static GanModel Run(GanModel model, int seed, Action checkAlive)
    {
        var encoder = model.Encoder;
        var mapped = Enumerable.Range(0, encoder.Columns.Count).Where(c => encoder.Columns[c] is NumericColumn { Marginal: not null }).ToArray();
        if (mapped.Length == 0) return model;

        var samples = mapped.ToDictionary(c => c, _ => new List<double>(MarginalMap.CalibrationRows));
        int nz = model.NoiseDimension, perRow = model.Signature.UniformsPerRow;
        ulong calibrationSeed = (ulong)(uint)seed ^ 0x4D41_5247_494E_414CUL; // its own stream, apart from training's and Generate's
        var sampling = model.Training.CategorySampling;
        for (int start = 0; start < MarginalMap.CalibrationRows; start += Batch)
        {
            checkAlive();
            int rows = Math.Min(Batch, MarginalMap.CalibrationRows - start);
            var noise = new float[rows * nz];
            var uniforms = new float[Math.Max(1, rows * perRow)];
            for (int r = 0; r < rows; r++)
                NoiseSource.FillRow(calibrationSeed, (ulong)(start + r), model.Training.NoisePrior, noise.AsSpan(r * nz, nz), uniforms.AsSpan(r * perRow, perRow));
            var (draws, condition) = model.Signature.PrepareRows(uniforms, rows);
            var output = model.ForwardWithTorch(noise, condition, rows);
            foreach (int c in mapped)
            {
                var column = (NumericColumn)encoder.Columns[c];
                var list = samples[c];
                for (int r = 0; r < rows; r++)
                    list.Add(column.DecodeUnmapped(output.AsSpan(r * encoder.Width + encoder.OffsetOf(c), column.Width),
                        draws.AsSpan(r * encoder.DrawCount + encoder.DrawOffsetOf(c), column.DrawCount), sampling));
            }
        }

        var columns = encoder.Columns.Select((column, c) => samples.TryGetValue(c, out var values) ? ((NumericColumn)column).WithGeneratedMarginal(values) : column).ToArray();
        return new GanModel(new TabularEncoder(columns), model.Training, model.Generator, model.History, model.TrainingRows, model.SelectedEpoch);
    }
}
