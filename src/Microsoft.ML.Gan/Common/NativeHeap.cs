using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Common;

/// <summary>
/// libtorch allocates every CPU tensor with the C library's malloc and frees it as soon as it is disposed. With
/// glibc's defaults a tensor of a few megabytes (a batch of Adult's packed rows is 5 MB) is either mapped fresh from
/// the kernel or, freed at the top of the heap, handed back to it at once: every training step then faults in its
/// pages again. On Adult that doubled an epoch (2 cores: 5.0 s against 2.6 s, 1.7 million page faults in four
/// epochs against 0.3 million). The first use of TorchSharp therefore raises glibc's mmap threshold to its largest
/// (32 MiB: smaller blocks come from the heap) and its trim threshold to 512 MiB (freed memory up to that is kept
/// for the next step), process-wide; the C library's other users are served as before. Set the AppContext switch
/// <see cref="KeepSwitch"/> to leave glibc's settings alone. Nothing is changed off Linux or without glibc.
/// </summary>
internal static class NativeHeap
{
    /// <summary>The AppContext switch that keeps the C library's malloc settings as they are.</summary>
    public const string KeepSwitch = "Microsoft.ML.Gan.KeepNativeHeapSettings";

    /// <summary>glibc's largest mmap threshold on 64-bit systems (its DEFAULT_MMAP_THRESHOLD_MAX).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Freed memory at the top of the heap that is kept rather than returned to the kernel.</summary>
    public const int TrimThreshold = 512 << 20;

    private const int TrimThresholdParameter = -1, MmapThresholdParameter = -3; // glibc's M_TRIM_THRESHOLD and M_MMAP_THRESHOLD

    private static readonly Lazy<bool> s_tuned = new(Tune);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Mallopt(int parameter, int value);

    /// <summary>Tunes the heap once per process; true when glibc's settings are now the ones above.</summary>
    public static bool EnsureTuned() => s_tuned.Value;

    /// <summary>Whether to tune: on Linux, unless the switch says to keep the settings.</summary>
    internal static bool ShouldTune(bool linux, bool? keepSwitch) => linux && keepSwitch != true;

    private static bool Tune()
    {
        bool? keep = AppContext.TryGetSwitch(KeepSwitch, out bool value) ? value : null;
        if (!ShouldTune(OperatingSystem.IsLinux(), keep)) return false;
        // glibc's own file name: musl (which has no such thresholds) and other C libraries do not answer to it.
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return false;
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var address)) return false;
        var mallopt = Marshal.GetDelegateForFunctionPointer<Mallopt>(address);
        // mallopt returns 1 on success. Setting the mmap threshold first keeps glibc from moving it again.
        return mallopt(MmapThresholdParameter, MmapThreshold) == 1 & mallopt(TrimThresholdParameter, TrimThreshold) == 1;
    }
}
