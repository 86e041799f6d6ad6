using Microsoft.ML.Gan.Networks;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// Host values reach libtorch through <see cref="TorchRuntime.Copied"/>: copied into libtorch's own, aligned memory,
/// so that MKL computes on them the same way whatever address the collector gave the managed array (the same seed
/// trained rhDNase models that differed in their last bits from run to run when the rows were read in place).
/// </summary>
[TestClass]
public sealed class HostTensorTests
{
    [TestMethod]
    public void EveryCopyIsAlignedHoldsTheValuesAndOwnsItsMemory()
    {
        TorchRuntime.EnsureLoaded();
        // Arrays of several lengths, so that some land off a 64-byte boundary: a tensor on the managed memory itself
        // would be misaligned for most of them.
        for (int length = 5; length < 5 + 8 * 7; length += 7)
        {
            var values = Enumerable.Range(0, length + 3).Select(i => i * 0.5f).ToArray();
            using var copy = TorchRuntime.Copied(values, [length]);
            long address = (long)copy.storage<float>().data_ptr();
            Assert.AreEqual(0, address % 64, $"a copy of {length} values starts on a 64-byte boundary");
            CollectionAssert.AreEqual(values.Take(length).ToArray(), copy.data<float>().ToArray(), "the first values, in order");
            values[0] = -1;
            Assert.AreEqual(0f, copy[0].item<float>(), "a copy: the array can change afterwards");
        }
        using var matrix = TorchRuntime.Copied([1, 2, 3, 4, 5, 6], [2, 3]);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, matrix.shape);
        Assert.AreEqual(6f, matrix[1, 2].item<float>());
        Assert.AreEqual(DeviceType.CPU, matrix.device_type);
    }
}
