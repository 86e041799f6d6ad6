using System.Globalization;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>What one quality check during training found.</summary>
/// <param name="Score">Mean over columns of 1 − KS (numbers; the missing-rate gap when larger) or 1 − TVD (categories).</param>
/// <param name="Collapsed">Categories and value ranges of the real data that the generator (almost) no longer produces.</param>
internal sealed record DiagnosticsResult(double Score, IReadOnlyList<string> Collapsed);

/// <summary>
/// Checks the generator while it trains: decodes a fixed sample of noise (the same every check, drawn apart from
/// the training's own random numbers so that checking does not change training) and compares it column by column
/// with the training rows. Finds mode collapse: a category of at least 1 % of the real rows generated at under a
/// tenth of its real share, or a tenth of a numeric column's real values (a decile) the generator all but skips.
/// </summary>
internal sealed class TrainingDiagnostics
{
    private const double MinimumShare = 0.01;
    private const double CollapsedFraction = 0.1;
    private const int Deciles = 10;

    private readonly TabularEncoder _encoder;
    private readonly OutputHeads _heads;
    private readonly float[] _noise;
    private readonly float[] _draws;
    private readonly float[] _conditions;
    private readonly int _conditionWidth;
    private readonly int _rows;
    private readonly DecodedRows _real;
    private readonly double[]?[] _edges;

    /// <param name="layout">The conditional generator's condition layout, or null for an unconditional generator.</param>
    public TrainingDiagnostics(TabularEncoder encoder, ConditionLayout? layout, EncodedRows data, int sampleRows, NoisePrior prior, int noiseDimension, ulong seed)
    {
        _encoder = encoder;
        _heads = new OutputHeads(encoder.Spans);
        _rows = Math.Max(1, sampleRows);
        _noise = new float[_rows * noiseDimension];
        _draws = new float[_rows * encoder.DrawCount];
        _conditionWidth = layout?.Width ?? 0;
        _conditions = new float[_rows * _conditionWidth];
        var uniforms = new float[encoder.DrawCount + ConditionLayout.DrawsPerRow];
        for (int r = 0; r < _rows; r++)
        {
            // Ordinary rows, the way generation makes them: row r's noise and uniforms, conditions drawn as the data have them.
            NoiseSource.FillRow(seed, (ulong)r, prior, _noise.AsSpan(r * noiseDimension, noiseDimension), uniforms);
            uniforms.AsSpan(0, encoder.DrawCount).CopyTo(_draws.AsSpan(r * encoder.DrawCount, encoder.DrawCount));
            layout?.Fill(_conditions.AsSpan(r * _conditionWidth, _conditionWidth), uniforms.AsSpan(encoder.DrawCount));
        }

        // The real rows decoded back to values: their one-hot parts are exact, so arg-max decoding recovers them. A
        // table of more than MaximumRealRows rows is compared through a uniform sample of them.
        var chosen = RealSample(data.Count, seed);
        _real = new DecodedRows(encoder, chosen.Length);
        const int Block = 4096;
        var block = new float[Math.Min(Block, chosen.Length) * encoder.Width];
        var half = new float[Math.Min(Block, chosen.Length) * encoder.DrawCount];
        Array.Fill(half, 0.5f);
        for (int first = 0; first < chosen.Length; first += Block)
        {
            int count = Math.Min(Block, chosen.Length - first);
            data.Gather(chosen.AsSpan(first, count), block);
            encoder.Decode(block, half, count, CategorySampling.ArgMax, _real, first);
        }

        _edges = new double[]?[encoder.Columns.Count];
        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            if (encoder.Columns[c] is NumericColumn) _edges[c] = ColumnStatistics.QuantileEdges(_real.Numbers(c), Deciles);
        }
    }

    /// <summary>Real rows the checks compare with at most: a larger table is compared through a uniform sample of this many.</summary>
    public const int MaximumRealRows = 100_000;

    /// <summary>The real rows compared with, in order: all of a table of at most <see cref="MaximumRealRows"/> rows, else a uniform sample (selection sampling, seeded).</summary>
    internal static int[] RealSample(int rows, ulong seed) => RowSample.Uniform(rows, MaximumRealRows, (int)(seed ^ (seed >> 32)));

    public DiagnosticsResult Measure(GeneratorNetwork generator, CategorySampling sampling)
    {
        var device = generator.parameters().First().device;
        float[] output;
        bool wasTraining = generator.training;
        generator.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var grad = no_grad();
            var z = TorchRuntime.Copied(_noise, [_rows, _noise.Length / _rows], device);
            var c = _conditionWidth > 0 ? TorchRuntime.Copied(_conditions, [_rows, _conditionWidth], device) : null;
            output = _heads.ForGeneration(generator.forward(z, c)).cpu().data<float>().ToArray();
        }
        finally
        {
            generator.train(wasTraining);
        }
        var synthetic = new DecodedRows(_encoder, _rows);
        _encoder.Decode(output, _draws, _rows, sampling, synthetic);

        double total = 0;
        var collapsed = new List<string>();
        for (int c = 0; c < _encoder.Columns.Count; c++)
        {
            var column = _encoder.Columns[c];
            if (column is CategoricalColumn categorical)
            {
                var real = _real.Levels(c);
                var fake = synthetic.Levels(c);
                total += 1 - ColumnStatistics.TotalVariation(real, fake, categorical.Width);
                var realCounts = Count(real, categorical.Width);
                var fakeCounts = Count(fake, categorical.Width);
                for (int k = 0; k < categorical.Width; k++)
                {
                    double realShare = (double)realCounts[k] / real.Length, fakeShare = (double)fakeCounts[k] / fake.Length;
                    if (realShare >= MinimumShare && fakeShare < CollapsedFraction * realShare)
                        collapsed.Add($"{column.Name} = '{categorical.LevelName(k)}' ({realShare:P1} of real rows, {fakeShare:P1} generated)");
                }
            }
            else if (column is NumericColumn)
            {
                var real = _real.Numbers(c);
                var fake = synthetic.Numbers(c);
                double ks = ColumnStatistics.KolmogorovSmirnov(real, fake);
                double missingGap = Math.Abs(MissingShare(real) - MissingShare(fake));
                total += 1 - Math.Max(ks, missingGap);
                FindSkippedDeciles(column.Name, _edges[c]!, real, fake, collapsed);
            }
        }
        return new DiagnosticsResult(total / Math.Max(1, _encoder.Columns.Count(c => c is not MadeColumn)), collapsed); // made apart from the network, not learned
    }

    private static void FindSkippedDeciles(string name, double[] edges, double[] real, double[] fake, List<string> collapsed)
    {
        if (edges.Length < 2) return;
        var realBins = Count(ColumnStatistics.Bin(Present(real), edges), edges.Length + 1);
        var fakePresent = Present(fake);
        if (fakePresent.Length == 0) return; // the missing-rate gap already scores this
        var fakeBins = Count(ColumnStatistics.Bin(fakePresent, edges), edges.Length + 1);
        double realTotal = realBins.Sum(), fakeTotal = fakeBins.Sum();
        for (int b = 0; b <= edges.Length; b++)
        {
            double realShare = realBins[b] / realTotal, fakeShare = fakeBins[b] / fakeTotal;
            if (realShare < 0.05 || fakeShare >= CollapsedFraction * realShare) continue;
            string range = b == 0 ? $"below {edges[0]:G4}"
                : b == edges.Length ? $"at or above {edges[^1]:G4}"
                : $"in [{edges[b - 1]:G4}, {edges[b]:G4})";
            collapsed.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {range} ({realShare:P1} of real rows, {fakeShare:P1} generated)"));
        }
    }

    private static long[] Count(ReadOnlySpan<int> codes, int categories)
    {
        var counts = new long[categories];
        foreach (int code in codes) counts[code]++;
        return counts;
    }

    private static double MissingShare(double[] values) => values.Count(double.IsNaN) / (double)values.Length;

    private static double[] Present(double[] values) => values.Where(v => !double.IsNaN(v)).ToArray();
}
