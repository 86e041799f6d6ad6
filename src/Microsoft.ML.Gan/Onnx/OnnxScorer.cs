using System.Buffers;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Onnx;

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
/// Runs an exported generator graph through ONNX Runtime and puts the decoded columns into <see cref="DecodedRows"/>.
/// One session serves every thread (InferenceSession.Run is thread-safe).
/// </summary>
internal sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly TabularEncoder _encoder;
    private readonly string _noiseName;
    private readonly string? _drawsName;
    private readonly string? _conditionName;
    private readonly string[] _outputNames;
    private readonly Dictionary<string, int>[] _textLevels;
    private readonly Dictionary<ulong, int>[] _valueLevels;

    private OnnxScorer(InferenceSession session, TabularEncoder encoder, string noiseName, string? conditionName, string? drawsName, ScoringProvider provider)
    {
        _session = session;
        _encoder = encoder;
        _noiseName = noiseName;
        _conditionName = conditionName;
        _drawsName = drawsName;
        Provider = provider;
        _outputNames = encoder.Columns.Select(c => c.Name).ToArray();
        _textLevels = new Dictionary<string, int>[encoder.Columns.Count];
        _valueLevels = new Dictionary<ulong, int>[encoder.Columns.Count];
        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            if (encoder.Columns[c] is not CategoricalColumnEncoder k) continue;
            if (k.Kind == ColumnKind.Text)
            {
                _textLevels[c] = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < k.Levels.Length; i++) _textLevels[c][k.Levels[i]] = i;
            }
            else
            {
                _valueLevels[c] = [];
                for (int i = 0; i < k.Values.Length; i++) _valueLevels[c][k.Values[i]] = i;
            }
        }
    }

    public ScoringProvider Provider { get; }

    /// <param name="conditionName">The condition input's name, or null when the graph has none.</param>
    /// <param name="drawsName">The category draws input's name, or null when the graph has none (argmax).</param>
    public static OnnxScorer Create(byte[] model, TabularEncoder encoder, string noiseName, string? conditionName, string? drawsName, GanScoringOptions options)
    {
        OnnxRuntimeCheck.EnsureLoaded();
        var sessionOptions = new SessionOptions();
        try
        {
            if (options.IntraOpThreads is int threads) sessionOptions.IntraOpNumThreads = threads;
            var provider = ScoringProviderSelection.Choose(options, OrtEnv.Instance().GetAvailableProviders(), sessionOptions.AppendExecutionProvider_CUDA);
            var session = new InferenceSession(model, sessionOptions);
            return new OnnxScorer(session, encoder, noiseName, conditionName, drawsName, provider);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    /// <summary>
    /// Scores <paramref name="rows"/> rows: <paramref name="noise"/> holds rows × noise dimension floats,
    /// <paramref name="condition"/> rows × condition width (ignored by an unconditional graph), <paramref name="draws"/>
    /// rows × draw count (ignored by an argmax graph). Results go to <paramref name="into"/> from its row
    /// <paramref name="firstRow"/> on.
    /// </summary>
    public void Run(float[] noise, int noiseWidth, float[] condition, int conditionWidth, float[] draws, int drawWidth, int rows, DecodedRows into, int firstRow)
    {
        var names = new List<string> { _noiseName };
        var values = new List<OrtValue>();
        try
        {
            values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, noise.AsMemory(0, rows * noiseWidth), [rows, noiseWidth]));
            if (_conditionName is not null)
            {
                names.Add(_conditionName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, condition.AsMemory(0, rows * conditionWidth), [rows, conditionWidth]));
            }
            if (_drawsName is not null)
            {
                names.Add(_drawsName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, draws.AsMemory(0, rows * drawWidth), [rows, drawWidth]));
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, values, _outputNames);
            for (int c = 0; c < _outputNames.Length; c++) Read(c, outputs[c], rows, into, firstRow);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private void Read(int c, OrtValue output, int rows, DecodedRows into, int firstRow)
    {
        var column = _encoder.Columns[c];
        if (column is ContinuousColumnEncoder)
        {
            var numbers = into.Numbers[c]!.AsSpan(firstRow, rows);
            switch (column.Kind)
            {
                case ColumnKind.Single: Widen(output.GetTensorDataAsSpan<float>(), numbers); break;
                case ColumnKind.Double: output.GetTensorDataAsSpan<double>()[..rows].CopyTo(numbers); break;
                case ColumnKind.SByte: Widen(output.GetTensorDataAsSpan<sbyte>(), numbers); break;
                case ColumnKind.Byte: Widen(output.GetTensorDataAsSpan<byte>(), numbers); break;
                case ColumnKind.Int16: Widen(output.GetTensorDataAsSpan<short>(), numbers); break;
                case ColumnKind.UInt16: Widen(output.GetTensorDataAsSpan<ushort>(), numbers); break;
                case ColumnKind.Int32: Widen(output.GetTensorDataAsSpan<int>(), numbers); break;
                case ColumnKind.UInt32: Widen(output.GetTensorDataAsSpan<uint>(), numbers); break;
                case ColumnKind.Int64: Widen(output.GetTensorDataAsSpan<long>(), numbers); break;
                case ColumnKind.UInt64: Widen(output.GetTensorDataAsSpan<ulong>(), numbers); break;
            }
            return;
        }

        var levels = into.Levels[c]!.AsSpan(firstRow, rows);
        if (column.Kind == ColumnKind.Text)
        {
            // ONNX Runtime hands out each string as UTF-8 bytes; decode into one buffer and look it up without allocating.
            var lookup = _textLevels[c].GetAlternateLookup<ReadOnlySpan<char>>();
            char[] buffer = ArrayPool<char>.Shared.Rent(256);
            try
            {
                for (int r = 0; r < rows; r++)
                {
                    var utf8 = output.GetStringElementAsSpan(r);
                    if (utf8.Length > buffer.Length)
                    {
                        ArrayPool<char>.Shared.Return(buffer);
                        buffer = ArrayPool<char>.Shared.Rent(utf8.Length);
                    }
                    int length = System.Text.Encoding.UTF8.GetChars(utf8, buffer);
                    levels[r] = Level(lookup.TryGetValue(buffer.AsSpan(0, length), out int l), l, column);
                }
            }
            finally
            {
                ArrayPool<char>.Shared.Return(buffer);
            }
            return;
        }
        var map = _valueLevels[c];
        switch (column.Kind, ((CategoricalColumnEncoder)column).KeyType)
        {
            case (ColumnKind.Boolean, _):
                var flags = output.GetTensorDataAsSpan<bool>();
                for (int r = 0; r < rows; r++) levels[r] = Level(map.TryGetValue(flags[r] ? 1UL : 0UL, out int l), l, column);
                break;
            case (_, var t) when t == typeof(byte): Levels(output.GetTensorDataAsSpan<byte>(), levels, map, column); break;
            case (_, var t) when t == typeof(ushort): Levels(output.GetTensorDataAsSpan<ushort>(), levels, map, column); break;
            case (_, var t) when t == typeof(ulong): Levels(output.GetTensorDataAsSpan<ulong>(), levels, map, column); break;
            default: Levels(output.GetTensorDataAsSpan<uint>(), levels, map, column); break;
        }
    }

    private static void Widen<T>(ReadOnlySpan<T> from, Span<double> into) where T : System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < into.Length; i++) into[i] = double.CreateTruncating(from[i]);
    }

    private static void Levels<T>(ReadOnlySpan<T> from, Span<int> into, Dictionary<ulong, int> map, ColumnEncoder column) where T : System.Numerics.IBinaryInteger<T>
    {
        for (int i = 0; i < into.Length; i++) into[i] = Level(map.TryGetValue(ulong.CreateTruncating(from[i]), out int l), l, column);
    }

    private static int Level(bool found, int level, ColumnEncoder column) => found ? level
        : throw new InvalidDataException($"Column '{column.Name}': the ONNX graph produced a value that is not one of the column's categories; the graph does not match its metadata.");

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
