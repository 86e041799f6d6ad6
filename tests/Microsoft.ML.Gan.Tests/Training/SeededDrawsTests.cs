using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// Draws from a training's own generator. TorchSharp's generator is a CPU generator whatever device it is given, and a
/// CUDA kernel refuses one ("Expected a 'cuda' device type for generator but found 'cpu'", seen on an H200): every
/// training on a GPU failed at its first weight. Off the CPU the numbers are drawn on the CPU and copied. No GPU here:
/// the meta device (shapes without data) stands in for one, and the generator's state shows where the numbers came from.
/// </summary>
[TestClass]
public sealed class SeededDrawsTests
{
    private static readonly Device Meta = new(DeviceType.META);

    [TestMethod]
    public void OnTheCpuTheDrawsAreTorchSharpsOwn()
    {
        TorchRuntime.EnsureLoaded();
        using var a = new torch.Generator(7);
        using var b = new torch.Generator(7);
        using var uniform = SeededDraws.Uniform([5, 3], CPU, a);
        using var expectedUniform = rand([5, 3], generator: b);
        using var normal = SeededDraws.Normal([4, 2], CPU, a);
        using var expectedNormal = randn([4, 2], generator: b);
        CollectionAssert.AreEqual(expectedUniform.data<float>().ToArray(), uniform.data<float>().ToArray());
        CollectionAssert.AreEqual(expectedNormal.data<float>().ToArray(), normal.data<float>().ToArray());
    }

    [TestMethod]
    public void OffTheCpuTheNumbersComeFromTheTrainingsGenerator()
    {
        TorchRuntime.EnsureLoaded();
        using var drawn = new torch.Generator(11);
        using var reference = new torch.Generator(11);

        using var uniform = SeededDraws.Uniform([6, 4], Meta, drawn, ScalarType.Float32);
        using var normal = SeededDraws.Normal([3, 5], Meta, drawn);
        Assert.AreEqual(DeviceType.META, uniform.device_type);
        CollectionAssert.AreEqual(new long[] { 6, 4 }, uniform.shape);
        CollectionAssert.AreEqual(new long[] { 3, 5 }, normal.shape);

        // The same draws made on the CPU leave the reference generator where the training's now is.
        using (rand([6, 4], generator: reference)) { }
        using (randn([3, 5], generator: reference)) { }
        using var next = rand([8], generator: drawn);
        using var expected = rand([8], generator: reference);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), next.data<float>().ToArray());
    }

    [TestMethod]
    public void WeightsOffTheCpuAreFilledFromTheTrainingsGenerator()
    {
        TorchRuntime.EnsureLoaded();
        using var drawn = new torch.Generator(3);
        using var reference = new torch.Generator(3);
        using var weight = empty([7, 2], device: Meta);
        using (no_grad()) SeededDraws.FillUniform(weight, -0.5, 0.5, drawn);

        using (empty([7, 2]).uniform_(-0.5, 0.5, reference)) { }
        using var next = rand([8], generator: drawn);
        using var expected = rand([8], generator: reference);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), next.data<float>().ToArray());

        // On the CPU the weight gets exactly the numbers uniform_ gives.
        using var a = new torch.Generator(5);
        using var b = new torch.Generator(5);
        using var cpuWeight = empty([4, 3]);
        SeededDraws.FillUniform(cpuWeight, -1, 1, a);
        using var cpuExpected = empty([4, 3]).uniform_(-1, 1, b);
        CollectionAssert.AreEqual(cpuExpected.data<float>().ToArray(), cpuWeight.data<float>().ToArray());
    }
}
