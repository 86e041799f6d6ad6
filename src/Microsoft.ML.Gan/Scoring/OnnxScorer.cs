using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Scoring;

/// <summary>Which execution provider an ONNX Runtime session uses, and why.</summary>
internal sealed record ScoringProvider(int? CudaDevice, string Explanation)
{
    public string Name => CudaDevice is int d ? $"CUDA (device {d})" : "CPU";
}

/// <summary>
/// The choice of execution provider, kept apart from ONNX Runtime so it can be tested on any machine:
/// CUDA when asked and available, otherwise the CPU if falling back is allowed, otherwise a clear error.
/// </summary>
internal static class ScoringProviderSelection
{
    public const string CudaProvider = "CUDAExecutionProvider";

    /// <param name="options">What the user asked for.</param>
    /// <param name="availableProviders">ONNX Runtime's compiled-in providers (OrtEnv.GetAvailableProviders).</param>
    /// <param name="appendCuda">Adds the CUDA provider to a session's options; throws when CUDA cannot start.</param>
    public static ScoringProvider Choose(GanScoringOptions options, IReadOnlyCollection<string> availableProviders, Action<int> appendCuda)
    {
        if (options.GpuDeviceId is not int device) return new ScoringProvider(null, "CPU, as asked (GpuDeviceId is null)");

        string? failure = null;
        if (!availableProviders.Contains(CudaProvider))
        {
            failure = $"this ONNX Runtime has no CUDA execution provider (it has {string.Join(", ", availableProviders)}); " +
                      "reference the Microsoft.ML.OnnxRuntime.Gpu package instead of Microsoft.ML.OnnxRuntime";
        }
        else
        {
            try
            {
                appendCuda(device);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
            {
                failure = $"the CUDA execution provider could not start on device {device} ({e.Message}); check the CUDA and cuDNN libraries and the device number";
            }
        }

        if (failure is null) return new ScoringProvider(device, $"CUDA device {device}, as asked");
        if (options.FallbackToCpu) return new ScoringProvider(null, $"CPU: GPU {device} was asked for but {failure}; FallbackToCpu is set");
        throw new InvalidOperationException(
            $"Cannot score on GPU {device}: {failure}. Set GanScoringOptions.FallbackToCpu = true to score on the CPU instead, or GpuDeviceId = null.");
    }
}

/// <summary>
/// Runs an exported generator graph through ONNX Runtime and puts the decoded columns into <see cref="DecodedRows"/>:
/// each column reads its own output. One session serves every thread (InferenceSession.Run is thread-safe).
/// </summary>
internal sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly GeneratorSignature _signature;
    private readonly TabularEncoder _encoder;
    private readonly string[] _outputNames;

    private OnnxScorer(InferenceSession session, GeneratorSignature signature, TabularEncoder encoder, ScoringProvider provider)
    {
        _session = session;
        _signature = signature;
        _encoder = encoder;
        _outputNames = signature.GraphOutputs.ToArray();
        Provider = provider;
    }

    public ScoringProvider Provider { get; }

    /// <summary>A session over <paramref name="graph"/>, whose inputs and outputs <paramref name="signature"/> describes.</summary>
    public static OnnxScorer Create(byte[] graph, GeneratorSignature signature, TabularEncoder encoder, GanScoringOptions options)
    {
        OnnxRuntimeCheck.EnsureLoaded();
        var sessionOptions = new SessionOptions();
        try
        {
            if (options.IntraOpThreads is int threads) sessionOptions.IntraOpNumThreads = threads;
            var provider = ScoringProviderSelection.Choose(options, OrtEnv.Instance().GetAvailableProviders(), sessionOptions.AppendExecutionProvider_CUDA);
            var session = new InferenceSession(graph, sessionOptions);
            return new OnnxScorer(session, signature, encoder, provider);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    /// <summary>
    /// Scores <paramref name="rows"/> rows: <paramref name="noise"/> holds rows × noise width floats,
    /// <paramref name="condition"/> rows × condition width (ignored by an unconditional graph), <paramref name="draws"/>
    /// rows × draws width (ignored by an argmax graph). Results go to <paramref name="into"/> from its row
    /// <paramref name="firstRow"/> on, with a filtered graph's keep probabilities.
    /// </summary>
    public void Run(float[] noise, float[] condition, float[] draws, int rows, DecodedRows into, int firstRow)
    {
        var names = new List<string>(3);
        var values = new List<OrtValue>(3);
        try
        {
            foreach (var input in _signature.Inputs)
            {
                var data = input.Role switch { GraphInputRole.Noise => noise, GraphInputRole.Condition => condition, _ => draws };
                names.Add(input.Name);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, rows * input.Width), [rows, input.Width]));
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, values, _outputNames);
            int output = 0;
            for (int c = 0; c < _encoder.VisibleCount; c++)
                if (_encoder.Columns[c] is not MadeColumn) _encoder.Columns[c].ReadOnnxOutput(outputs[output++], rows, into.Buffers[c], firstRow);
            if (_signature.Filtered) outputs[output].GetTensorDataAsSpan<float>()[..rows].CopyTo(into.KeepBuffers().Probability.AsSpan(firstRow));
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Turns a missing ONNX Runtime native library into an exception that says which package to add.</summary>
internal static class OnnxRuntimeCheck
{
    private static readonly Lazy<Exception?> s_failure = new(() =>
    {
        try
        {
            _ = OrtEnv.Instance();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            return e;
        }
    });

    public static void EnsureLoaded()
    {
        if (s_failure.Value is Exception e)
            throw new InvalidOperationException(
                "ONNX Runtime's native library could not be loaded, so the generator cannot be scored. Reference the " +
                "Microsoft.ML.OnnxRuntime package (CPU) or Microsoft.ML.OnnxRuntime.Gpu (CUDA) in the application. " +
                $"({e.GetType().Name}: {e.Message})", e);
    }
}
