using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Scoring;

/// <summary>Supplies row <paramref name="row"/>'s noise vector and its uniforms (<see cref="GeneratorSignature.UniformsPerRow"/>, in [0, 1)).</summary>
internal delegate void RowInputs(int row, Span<float> noise, Span<float> uniforms);

/// <summary>
/// Generates rows with a model's scoring graph through ONNX Runtime, on the provider <see cref="GanScoringOptions"/>
/// chose (the session is made on first use). Owns the model: disposing waits for the generations in flight, frees
/// the session and the model's weights, and makes every later use throw <see cref="ObjectDisposedException"/>, so
/// a view that outlives its model never reads freed memory. Each row's result depends only on its inputs; any
/// number of threads may generate at once.
/// </summary>
internal sealed class GeneratorSession : IDisposable
{
    private readonly Lazy<OnnxScorer> _scorer;

    /// <param name="created">Told which execution provider the session got, when it is made (for the log).</param>
    public GeneratorSession(GanModel model, GanScoringOptions options, Action<ScoringProvider>? created = null)
    {
        Model = model;
        Options = options;
        Lifetime = new Lifetime(nameof(GanTransformer));
        _scorer = new Lazy<OnnxScorer>(() =>
        {
            var scorer = OnnxScorer.Create(model.ScoringGraph, model.Signature, model.Encoder, options);
            created?.Invoke(scorer.Provider);
            return scorer;
        });
    }

    public GanModel Model { get; }

    public GanScoringOptions Options { get; }

    /// <summary>Held by every use of the model and its session; ended by <see cref="Dispose"/>.</summary>
    public Lifetime Lifetime { get; }

    public ScoringProvider Provider
    {
        get
        {
            using var use = Lifetime.Enter();
            return _scorer.Value.Provider;
        }
    }

    /// <summary>
    /// Generates <paramref name="rows"/> rows into <paramref name="into"/> (from its row 0): for each row,
    /// <paramref name="inputs"/> supplies its noise vector and uniforms; ONNX Runtime runs the graph on all of them at
    /// once. Each row's condition is drawn from its uniforms, or is <paramref name="fixedCondition"/> for every row.
    /// With a density-ratio filter, <see cref="DecodedRows.Kept"/> says which rows pass it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public void Generate(int rows, RowInputs inputs, DecodedRows into, FixedCondition? fixedCondition = null)
    {
        using var use = Lifetime.Enter();
        var scorer = _scorer.Value;
        var signature = Model.Signature;
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
            scorer.Run(noise, condition, draws, rows, into, 0);
            if (signature.Filtered) into.DecideKept(uniforms, perRow, rows);
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

    /// <summary>Waits for generations in flight, then frees the session and the model.</summary>
    public void Dispose() => Lifetime.End(() =>
    {
        if (_scorer.IsValueCreated) _scorer.Value.Dispose();
        Model.Dispose();
    });
}
