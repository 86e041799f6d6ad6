using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>The device choice, fed what TorchSharp would report on machines with and without GPUs.</summary>
[TestClass]
public sealed class DeviceSelectionTests
{
    [TestMethod]
    public void AutoPicksCudaOnlyWhenTorchSharpReportsIt()
    {
        var withGpu = DeviceSelection.Choose(GanDevice.Auto, 0, fallbackToCpu: false, cudaAvailable: true, cudaDeviceCount: 2);
        Assert.AreEqual(DeviceType.CUDA, withGpu.Type);
        Assert.AreEqual(0, withGpu.Index);
        StringAssert.Contains(withGpu.Message, "CUDA device 0");

        var second = DeviceSelection.Choose(GanDevice.Auto, 1, false, true, 2);
        Assert.AreEqual((DeviceType.CUDA, 1), (second.Type, second.Index));

        var without = DeviceSelection.Choose(GanDevice.Auto, 0, false, cudaAvailable: false, cudaDeviceCount: 0);
        Assert.AreEqual(DeviceType.CPU, without.Type);
        StringAssert.Contains(without.Message, "TorchSharp reports no CUDA device");

        var outOfRange = DeviceSelection.Choose(GanDevice.Auto, 3, false, true, 2);
        Assert.AreEqual(DeviceType.CPU, outOfRange.Type);
        StringAssert.Contains(outOfRange.Message, "only 2");
    }

    [TestMethod]
    public void CpuIsCpuEvenWithAGpu()
    {
        Assert.AreEqual(DeviceType.CPU, DeviceSelection.Choose(GanDevice.Cpu, 0, false, true, 1).Type);
    }

    [TestMethod]
    public void CudaIsUsedWhenPresentAndOtherwiseThrowsOrFallsBackAsAsked()
    {
        var gpu = DeviceSelection.Choose(GanDevice.Cuda, 0, false, true, 1);
        Assert.AreEqual((DeviceType.CUDA, 0), (gpu.Type, gpu.Index));

        var none = Assert.ThrowsExactly<InvalidOperationException>(() => DeviceSelection.Choose(GanDevice.Cuda, 0, false, false, 0));
        StringAssert.Contains(none.Message, "no usable CUDA device");
        var missingIndex = Assert.ThrowsExactly<InvalidOperationException>(() => DeviceSelection.Choose(GanDevice.Cuda, 4, false, true, 2));
        StringAssert.Contains(missingIndex.Message, "CUDA device 4");

        var fallback = DeviceSelection.Choose(GanDevice.Cuda, 0, true, false, 0);
        Assert.AreEqual(DeviceType.CPU, fallback.Type);
        StringAssert.Contains(fallback.Message, "falling back");
    }

    [TestMethod]
    public void ANativeLoadFailureSaysWhatToDo()
    {
        var plain = TorchRuntime.Explain(new DllNotFoundException("libLibTorchSharp.so: cannot open shared object file"));
        StringAssert.Contains(plain.Message, "TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows");
        StringAssert.Contains(plain.Message, "cannot open shared object file");
        Assert.DoesNotContain("GLIBCXX", plain.Message);

        var old = TorchRuntime.Explain(new DllNotFoundException("/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found"));
        StringAssert.Contains(old.Message, "MicrosoftMLGanPatchTorchSharpNative");
        Assert.IsInstanceOfType<DllNotFoundException>(old.InnerException);
    }
}
