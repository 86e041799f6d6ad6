using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using TorchSharp;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// Where a benchmark runs its torch work (--device): chosen by the library's own rule (<see cref="DeviceSelection"/>),
/// so the bare loops, the matmul yardstick and the library's training all run on the same device; and a wait for that
/// device's queued work before a clock is read (CUDA runs kernels asynchronously, so a clock read without it times
/// only the launches).
/// </summary>
internal sealed class BenchDevice
{
    private BenchDevice(DeviceChoice choice)
    {
        Torch = choice.ToDevice();
        IsCuda = choice.Type == DeviceType.CUDA;
        Description = IsCuda ? $"CUDA device {choice.Index}" : "CPU";
    }

    public torch.Device Torch { get; }
    public bool IsCuda { get; }

    /// <summary>"CPU" or "CUDA device 0", for the reports.</summary>
    public string Description { get; }

    /// <summary>The library option that trains on this device.</summary>
    public GanDevice Option => IsCuda ? GanDevice.Cuda : GanDevice.Cpu;

    /// <summary>The device <paramref name="requested"/> names; a CUDA device this machine does not have is refused (no quiet fallback: the figures would be the CPU's).</summary>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and TorchSharp reports none.</exception>
    public static BenchDevice Choose(GanDevice requested)
    {
        TorchRuntime.EnsureLoaded();
        bool available = requested != GanDevice.Cpu && torch.cuda.is_available();
        int count = available ? torch.cuda.device_count() : 0;
        if (requested == GanDevice.Cuda && count == 0)
            throw new DeviceUnavailableException("--device cuda: TorchSharp reports no usable CUDA device here. The benchmark references TorchSharp-cpu; " +
                "on a GPU machine reference TorchSharp-cuda-linux (with a matching NVIDIA driver) instead. Run with --device cpu or auto here.");
        return new BenchDevice(DeviceSelection.Choose(requested, index: 0, fallbackToCpu: false, available, count));
    }

    /// <summary>
    /// How generation scores on this device: on CUDA, ONNX Runtime's GPU provider on the same device, falling back to its
    /// CPU provider where only the CPU package is referenced (the report's <c>scoring</c> line says which ran); null (the
    /// library's CPU default) on the CPU.
    /// </summary>
    public GanScoringOptions? Scoring() => IsCuda ? new GanScoringOptions { GpuDeviceId = Math.Max(0, (int)Torch.index), FallbackToCpu = true } : null;

    /// <summary>Waits until the device has finished the work queued so far (nothing to wait for on the CPU).</summary>
    public void Synchronize()
    {
        if (IsCuda) torch.cuda.synchronize(Torch);
    }
}

/// <summary>The device --device names is not on this machine.</summary>
internal sealed class DeviceUnavailableException(string message) : Exception(message);
