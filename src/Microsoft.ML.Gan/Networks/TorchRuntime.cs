using TorchSharp;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Loads TorchSharp's native backend once, turning a load failure into an exception that says what to do, and tunes
/// the C library's heap for its tensors (<see cref="Common.NativeHeap"/>).
/// </summary>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> s_loadError = new(TryLoad);

    public static void EnsureLoaded()
    {
        if (s_loadError.Value is { } error) throw Explain(error);
    }

    /// <summary>
    /// A tensor of <paramref name="shape"/> on <paramref name="device"/> (the CPU when null) holding the first values of
    /// <paramref name="values"/>, copied once by libtorch into memory of its own. <c>torch.tensor</c> would copy them
    /// into a new managed array and compute on that, at whatever address the collector gave it; MKL's kernels take
    /// other paths for other alignments and round differently, so the same seed trained models that differed in their
    /// last bits from run to run (rhDNase's calibration through its filter: one of two results, by where an array
    /// fell). libtorch's allocator aligns every tensor alike (64 bytes), and the managed array is read in place.
    /// </summary>
    public static torch.Tensor Copied(float[] values, long[] shape, torch.Device? device = null)
    {
        long count = 1;
        foreach (long d in shape) count *= d;
        using var scope = torch.NewDisposeScope();
        var flat = torch.from_array(values);
        if (values.LongLength != count) flat = flat.narrow(0, 0, count);
        var host = flat.view(shape);
        var copy = device is null || device.type == DeviceType.CPU ? host.clone() : ToDevice(host, device);
        return copy.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="host"/> (on the CPU) copied to <paramref name="device"/>; to a CUDA device without waiting for it: through
    /// page-locked memory, since a copy from ordinary memory makes the CPU wait until every kernel queued before it has
    /// run, so the next step's kernels could not be queued while this one's run. libtorch's pinned-memory cache keeps the
    /// staging block until the copy is done, so it is disposed at once.
    /// </summary>
    public static torch.Tensor ToDevice(torch.Tensor host, torch.Device device)
    {
        if (device.type != DeviceType.CUDA) return host.to(device);
        using var pinned = host.pin_memory();
        return pinned.to(device, non_blocking: true);
    }

    /// <summary>The exception a user sees when TorchSharp's native backend failed to load with <paramref name="error"/>.</summary>
    internal static InvalidOperationException Explain(Exception error)
    {
        string glibcxx = error.ToString().Contains("GLIBCXX", StringComparison.Ordinal)
            ? " The system's libstdc++ is older than the one TorchSharp's libLibTorchSharp.so was built against (GLIBCXX_3.4.32, GCC 13): " +
              "the Microsoft.ML.Gan build step marks that version reference weak in the build output; make sure the application's build imported " +
              "Microsoft.ML.Gan's build targets (a PackageReference does this) and that MicrosoftMLGanPatchTorchSharpNative is not false, or install libstdc++ from GCC 13 or later."
            : "";
        return new InvalidOperationException(
            "TorchSharp's native backend could not be loaded, so the GAN cannot train or generate. The application must reference one native " +
            "TorchSharp package: TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows." + glibcxx + " Loader said: " + error.Message, error);
    }

    private static Exception? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            Common.NativeHeap.EnsureTuned(); // CPU tensors come from malloc: see NativeHeap
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return e.InnerException ?? e;
        }
    }
}
