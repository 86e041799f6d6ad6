using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// The C library's heap, tuned for libtorch's tensors (<see cref="NativeHeap"/>) when TorchSharp loads. What the
/// settings are worth is measured by the benchmark project (<c>fit</c> with and without GAN_KEEP_NATIVE_HEAP=1).
/// </summary>
[TestClass]
public sealed class NativeHeapTests
{
    [TestMethod]
    public void TheHeapIsTunedOnLinuxUnlessTheSwitchKeepsItsSettings()
    {
        Assert.IsTrue(NativeHeap.ShouldTune(linux: true, keepSwitch: null));
        Assert.IsTrue(NativeHeap.ShouldTune(linux: true, keepSwitch: false));
        Assert.IsFalse(NativeHeap.ShouldTune(linux: true, keepSwitch: true), "the AppContext switch keeps glibc's settings");
        Assert.IsFalse(NativeHeap.ShouldTune(linux: false, keepSwitch: null), "nothing is changed off Linux");
    }

    [TestMethod]
    public void GlibcTakesTheSettingsWhenTorchSharpLoads()
    {
        // On Linux (glibc, as on every machine this project builds on) mallopt must take both thresholds; elsewhere nothing is touched.
        TorchRuntime.EnsureLoaded();
        Assert.AreEqual(OperatingSystem.IsLinux(), NativeHeap.EnsureTuned(), "glibc's mallopt took both thresholds exactly on Linux");
    }
}
