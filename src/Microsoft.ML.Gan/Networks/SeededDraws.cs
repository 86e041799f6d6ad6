using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Every draw from a training's own <see cref="torch.Generator"/> goes through here. TorchSharp's generator is always a
/// CPU generator (its native shim ignores the device it is given) and CUDA kernels refuse one, so on any device but the
/// CPU the numbers are drawn on the CPU from that generator and copied over. On the CPU nothing changes; on a GPU a
/// seed gives the same draws as on the CPU.
/// </summary>
internal static class SeededDraws
{
    /// <summary>U[0, 1) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Uniform(long[] shape, Device device, torch.Generator random, ScalarType? dtype = null)
    {
        if (device.type == DeviceType.CPU) return rand(shape, dtype: dtype, device: device, generator: random);
        using var host = rand(shape, dtype: dtype, generator: random);
        return TorchRuntime.ToDevice(host, device);
    }

    /// <summary>N(0, 1) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Normal(long[] shape, Device device, torch.Generator random)
    {
        if (device.type == DeviceType.CPU) return randn(shape, device: device, generator: random);
        using var host = randn(shape, generator: random);
        return TorchRuntime.ToDevice(host, device);
    }

    /// <summary>Fills <paramref name="target"/> (a parameter, under no_grad) uniformly on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static void FillUniform(Tensor target, double low, double high, torch.Generator random)
    {
        if (target.device_type == DeviceType.CPU)
        {
            target.uniform_(low, high, random);
            return;
        }
        using var host = empty(target.shape, target.dtype);
        host.uniform_(low, high, random);
        target.copy_(host);
    }
}
