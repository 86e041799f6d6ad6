using Microsoft.ML.Gan.Networks;
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
