using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Scoring;

/// <summary>Supplies row <paramref name="row"/>'s noise vector and its uniforms (<see cref="GeneratorSignature.UniformsPerRow"/>, in [0, 1)).</summary>
internal delegate void RowInputs(int row, Span<float> noise, Span<float> uniforms);

/// <summary>
/// Generates rows with a model's scoring graph through ONNX Runtime, on the provider <see cref="GanScoringOptions"/>
/// chose. Each row's result depends only on its inputs; any number of threads may generate at once.
/// </summary>
internal sealed class GeneratorSession : IDisposable
{
    private readonly GanModel _model;
    private readonly OnnxScorer _scorer;

    public GeneratorSession(GanModel model, GanScoringOptions options)
    {
        _model = model;
        Options = options;
        _scorer = OnnxScorer.Create(model.ScoringGraph, model.Signature, model.Encoder, options);
    }

    public GanScoringOptions Options { get; }

    public ScoringProvider Provider => _scorer.Provider;

    /// <summary>
    /// Generates <paramref name="rows"/> rows into <paramref name="into"/> (from its row 0): for each row,
    /// <paramref name="inputs"/> supplies its noise vector and uniforms; ONNX Runtime runs the graph on all of them at
    /// once. Each row's condition is drawn from its uniforms, or is <paramref name="fixedCondition"/> for every row.
    /// </summary>
    public void Generate(int rows, RowInputs inputs, DecodedRows into, FixedCondition? fixedCondition = null)
    {
        var signature = _model.Signature;
        int nz = signature.Noise.Width, nd = signature.DecodeDraws, perRow = signature.UniformsPerRow, nc = signature.ConditionWidth;
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] noise = pool.Rent(rows * nz), uniforms = pool.Rent(Math.Max(1, rows * perRow)), draws = pool.Rent(Math.Max(1, rows * nd)),
            condition = pool.Rent(Math.Max(1, rows * nc));
        try
        {
            // Drawing Gaussian noise costs about as much as a small generator's forward pass: spread it over the cores.
            const int Chunk = 128;
            int chunks = (rows + Chunk - 1) / Chunk;
            if (chunks <= 1) Fill(0, rows);
            else Parallel.For(0, chunks, k => Fill(k * Chunk, Math.Min(rows, (k + 1) * Chunk)));
            _scorer.Run(noise, condition, draws, rows, into, 0);
        }
        finally
        {
            pool.Return(noise);
            pool.Return(uniforms);
            pool.Return(draws);
            pool.Return(condition);
        }

        void Fill(int from, int to)
        {
            for (int r = from; r < to; r++)
            {
                var rowUniforms = uniforms.AsSpan(r * perRow, perRow);
                inputs(r, noise.AsSpan(r * nz, nz), rowUniforms);
                signature.Prepare(rowUniforms, fixedCondition, draws.AsSpan(r * nd, nd), condition.AsSpan(r * nc, nc));
            }
        }
    }

    public void Dispose() => _scorer.Dispose();
}
