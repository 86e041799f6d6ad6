namespace Microsoft.ML.Gan;

/// <summary>
/// Where and how a <see cref="GanTransformer"/> runs its generator through ONNX Runtime. The same choices as
/// ML.NET's ApplyOnnxModel: a GPU device, and whether to fall back to the CPU when it cannot be used.
/// </summary>
public sealed class GanScoringOptions
{
    /// <summary>
    /// The CUDA device to score on, or null (the default) for the CPU. A GPU needs the application to reference
    /// the <c>Microsoft.ML.OnnxRuntime.Gpu</c> native package instead of <c>Microsoft.ML.OnnxRuntime</c>.
    /// </summary>
    public int? GpuDeviceId { get; set; }

    /// <summary>
    /// When a GPU is asked for and cannot be used: true scores on the CPU and logs why; false (the default)
    /// throws an exception that says why.
    /// </summary>
    public bool FallbackToCpu { get; set; }

    /// <summary>Threads ONNX Runtime uses within one batch; null for its default (one per core).</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>Rows scored per ONNX Runtime call (default 1,024). Larger batches use the CPU's vector units better; memory grows with it.</summary>
    public int BatchSize { get; set; } = GanTrainer.Defaults.ScoringBatchSize;

    internal GanScoringOptions Clone() => (GanScoringOptions)MemberwiseClone();

    internal void Validate()
    {
        if (GpuDeviceId < 0) throw new ArgumentOutOfRangeException(nameof(GpuDeviceId), GpuDeviceId, "GpuDeviceId must be null (CPU) or a device number, 0 or more.");
        if (IntraOpThreads < 1) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be null (ONNX Runtime's default) or 1 or more.");
        if (BatchSize is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be between 1 and 1,048,576 rows.");
    }
}
