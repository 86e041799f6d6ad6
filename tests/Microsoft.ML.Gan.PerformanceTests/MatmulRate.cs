using System.Diagnostics;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>This machine's float32 matrix-multiply rate through TorchSharp, the yardstick for "distance from the compute limit".</summary>
/// <param name="Size">Side of the square matrices of the large multiply.</param>
/// <param name="LargeGflops">Best of a few repetitions of a Size×Size·Size×Size torch.mm.</param>
/// <param name="LayerShape">The layer-sized multiply, "rows×in·in×out".</param>
/// <param name="LayerGflops">Best rate of many repetitions of the layer-sized multiply: what these small shapes can reach.</param>
/// <param name="Device">Where the multiplies ran: "CPU" or "CUDA device 0".</param>
internal sealed record MatmulRate(int Size, double LargeGflops, string LayerShape, double LayerGflops, string Device)
{
    /// <summary>Times torch.mm on a large square and on one layer's shape (<paramref name="rows"/>×<paramref name="inner"/>·<paramref name="inner"/>×<paramref name="outer"/>).</summary>
    public static MatmulRate Measure(int rows, int inner, int outer, BenchDevice device, int size = 2048)
    {
        double large = Best(size, size, size, repetitions: 5, device);
        double layer = Best(rows, inner, outer, repetitions: Math.Max(20, (int)(4e9 / (2.0 * rows * inner * outer))), device);
        return new MatmulRate(size, large, $"{rows}×{inner}·{inner}×{outer}", layer, device.Description);
    }

    /// <summary>GFLOP/s of the fastest of several timed blocks of <paramref name="repetitions"/>/5 multiplies each.</summary>
    private static double Best(int m, int k, int n, int repetitions, BenchDevice device)
    {
        using var scope = NewDisposeScope();
        var a = randn(m, k, device: device.Torch);
        var b = randn(k, n, device: device.Torch);
        for (int i = 0; i < 3; i++) mm(a, b).Dispose(); // warm up: thread pool, allocator, kernels
        device.Synchronize();

        int perBlock = Math.Max(1, repetitions / 5);
        double best = double.MaxValue;
        for (int block = 0; block < 5; block++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < perBlock; i++) mm(a, b).Dispose();
            device.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds / perBlock);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
