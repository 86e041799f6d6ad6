using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// The library's own Adam and momentum SGD (written to hold their coefficients as long-lived Scalars) against
/// TorchSharp's: the same gradients must give the same parameters, to the bit, step after step.
/// </summary>
[TestClass]
public sealed class GanOptimizerTests
{
    [TestMethod]
    [DataRow(GanOptimizerKind.Adam, 0.0)]
    [DataRow(GanOptimizerKind.Adam, 1e-3)]
    [DataRow(GanOptimizerKind.SgdMomentum, 0.0)]
    [DataRow(GanOptimizerKind.SgdMomentum, 1e-3)]
    public void UpdatesAreTorchSharpsToTheBit(GanOptimizerKind kind, double decay)
    {
        var options = new GanTrainer.Options { Optimizer = kind, AdamBeta1 = 0.5, AdamBeta2 = 0.9, Momentum = 0.9 };
        using var ours = Network(7);
        using var theirs = Network(7);
        using var optimizer = GanOptimizer.Create(ours.parameters(), options, 0.01, decay);
        using var reference = kind == GanOptimizerKind.Adam
            ? (optim.Optimizer)optim.Adam(theirs.parameters(), 0.01, 0.5, 0.9, weight_decay: decay)
            : optim.SGD(theirs.parameters(), 0.01, 0.9, weight_decay: decay);
        using var random = new torch.Generator(11);

        for (int step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            var input = randn([32, 6], generator: random);
            optimizer.ZeroGrad();
            reference.zero_grad();
            ours.forward(input).pow(2).mean().backward();
            theirs.forward(input).pow(2).mean().backward();
            optimizer.Step();
            reference.step();
        }

        var a = ours.parameters().ToArray();
        var b = theirs.parameters().ToArray();
        Assert.AreEqual(b.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            CollectionAssert.AreEqual(b[i].data<float>().ToArray(), a[i].data<float>().ToArray(), $"{kind}, decay {decay}: parameter {i}");
        Assert.AreEqual(25L, optimizer.Steps);
        using var untouched = Network(7);
        Assert.IsFalse(untouched.parameters().First().data<float>().ToArray().SequenceEqual(a[0].data<float>().ToArray()), "the parameters moved");
    }

    [TestMethod]
    public void AParameterWithoutAGradientIsLeftAlone()
    {
        using var used = nn.Linear(3, 1);
        using var unused = nn.Linear(3, 1);
        var before = unused.weight!.data<float>().ToArray();
        using var optimizer = GanOptimizer.Create(used.parameters().Concat(unused.parameters()), new GanTrainer.Options(), 0.1, 0);
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            used.forward(ones(4, 3)).sum().backward();
            optimizer.Step();
        }
        CollectionAssert.AreEqual(before, unused.weight!.data<float>().ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 3, 0, 0 }, ((GanOptimizer.Adam)optimizer).Updates.ToArray(), "Adam counts updates per parameter");
    }

    private static nn.Module<Tensor, Tensor> Network(int seed)
    {
        using var random = new torch.Generator((ulong)seed);
        var network = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1));
        using (no_grad())
        {
            foreach (var p in network.parameters()) p.uniform_(-0.5, 0.5, random);
        }
        return network;
    }
}
