using TorchSharp;

namespace Microsoft.ML.Gan.Training;

/// <summary>The device training will run on and the sentence the log says about it.</summary>
internal sealed record DeviceChoice(DeviceType Type, int Index, string Message)
{
    public torch.Device ToDevice() => Type == DeviceType.CUDA ? torch.device(DeviceType.CUDA, Index) : torch.CPU;
}

/// <summary>
/// Chooses the training device from the options and what TorchSharp reports. Pure, so the choice is tested on
/// machines without a GPU by feeding it what a GPU machine would report.
/// </summary>
internal static class DeviceSelection
{
    public static DeviceChoice Choose(GanDevice requested, int index, bool fallbackToCpu, bool cudaAvailable, int cudaDeviceCount)
    {
        switch (requested)
        {
            case GanDevice.Cpu:
                return new DeviceChoice(DeviceType.CPU, 0, "Training on the CPU, as Options.Device asks.");
            case GanDevice.Auto:
                if (cudaAvailable && index < cudaDeviceCount)
                    return new DeviceChoice(DeviceType.CUDA, index, $"Training on CUDA device {index} (Device = Auto; TorchSharp reports {cudaDeviceCount} CUDA device(s)).");
                return new DeviceChoice(DeviceType.CPU, 0, cudaAvailable
                    ? $"Training on the CPU (Device = Auto): CUDA device {index} was asked for but TorchSharp reports only {cudaDeviceCount}."
                    : "Training on the CPU (Device = Auto): TorchSharp reports no CUDA device. Reference TorchSharp-cuda-linux or TorchSharp-cuda-windows instead of TorchSharp-cpu to train on a GPU.");
            case GanDevice.Cuda:
                if (cudaAvailable && index < cudaDeviceCount)
                    return new DeviceChoice(DeviceType.CUDA, index, $"Training on CUDA device {index}, as Options.Device asks.");
                string why = cudaAvailable
                    ? $"CUDA device {index} was asked for (Options.DeviceIndex) but TorchSharp reports {cudaDeviceCount} CUDA device(s)"
                    : "Options.Device is Cuda but TorchSharp reports no usable CUDA device (is the application referencing TorchSharp-cuda-linux or TorchSharp-cuda-windows, with a matching NVIDIA driver?)";
                if (fallbackToCpu) return new DeviceChoice(DeviceType.CPU, 0, $"Training on the CPU: {why}; falling back because Options.FallbackToCpu is true.");
                throw new InvalidOperationException($"{why}. Set Options.Device to Auto or Cpu, or Options.FallbackToCpu to true to train on the CPU instead.");
            default:
                throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown device kind.");
        }
    }

    /// <summary>Chooses with what the TorchSharp in this process reports.</summary>
    public static DeviceChoice Choose(GanDevice requested, int index, bool fallbackToCpu)
    {
        TorchRuntime.EnsureLoaded();
        bool available = requested != GanDevice.Cpu && torch.cuda.is_available();
        return Choose(requested, index, fallbackToCpu, available, available ? torch.cuda.device_count() : 0);
    }
}

/// <summary>Loads TorchSharp's native backend once, turning a load failure into an exception that says what to do.</summary>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> s_loadError = new(TryLoad);

    public static void EnsureLoaded()
    {
        if (s_loadError.Value is { } error) throw Explain(error);
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
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return e.InnerException ?? e;
        }
    }
}
