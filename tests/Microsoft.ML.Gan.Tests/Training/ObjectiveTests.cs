using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>The objectives: the original GAN's losses on logits, WGAN-GP's critic and penalty, divergence, names; and the batch shape.</summary>
[TestClass]
public sealed class ObjectiveTests
{
    [TestMethod]
    public void LossesMatchHandComputedValues()
    {
        // D(x) = sigmoid(l). Real logits 0 and ln 3 give D = 1/2 and 3/4; fake logits 0 and -ln 3 give D = 1/2 and 1/4.
        using var real = tensor(new[] { 0f, (float)Math.Log(3) });
        using var fake = tensor(new[] { 0f, (float)-Math.Log(3) });
        double expectedD = -(Math.Log(0.5) + Math.Log(0.75)) / 2 - (Math.Log(0.5) + Math.Log(0.75)) / 2;
        var minimax = GanObjective.For(GanLossKind.Minimax);
        var nonSaturating = GanObjective.For(GanLossKind.NonSaturating);
        Assert.AreEqual(expectedD, minimax.DiscriminatorLoss(real, fake).item<float>(), 1e-6, "J_D");
        Assert.AreEqual(expectedD, nonSaturating.DiscriminatorLoss(real, fake).item<float>(), 1e-6, "J_D is the same game for both generator losses");
        // Minimax: mean log(1 - D(G(z))) = (log 1/2 + log 3/4) / 2. NonSaturating: -mean log D(G(z)) = -(log 1/2 + log 1/4) / 2.
        Assert.AreEqual((Math.Log(0.5) + Math.Log(0.75)) / 2, minimax.GeneratorLoss(fake).item<float>(), 1e-6, "minimax J_G");
        Assert.AreEqual(-(Math.Log(0.5) + Math.Log(0.25)) / 2, nonSaturating.GeneratorLoss(fake).item<float>(), 1e-6, "non-saturating J_G");
        Assert.AreEqual(0.75, minimax.Score(real).data<float>()[1], 1e-6, "D(x) = sigmoid(l)");
    }

    [TestMethod]
    public void LossesStayFiniteForSaturatedDiscriminators()
    {
        // log(sigmoid(l)) computed naively is -inf for l = -200; the logit form gives 200.
        using var real = tensor(new[] { -200f });
        using var fake = tensor(new[] { 200f });
        Assert.AreEqual(400, GanObjective.For(GanLossKind.NonSaturating).DiscriminatorLoss(real, fake).item<float>(), 1e-3);
        Assert.AreEqual(200, GanObjective.For(GanLossKind.NonSaturating).GeneratorLoss(tensor(new[] { -200f })).item<float>(), 1e-3);
        Assert.AreEqual(-200, GanObjective.For(GanLossKind.Minimax).GeneratorLoss(fake).item<float>(), 1e-3);
    }

    [TestMethod]
    public void TheGradientPenaltyMatchesHandWorkedCases()
    {
        // A linear critic on packs of 2 rows of width 2: its gradient is its weight vector w for every input, so the
        // penalty is weight · (‖w‖ − 1)² whatever the rows.
        using var linear = nn.Linear(4, 1);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 0.5f, -1f, 2f, 0f }).reshape(1, 4));
            linear.bias!.zero_();
        }
        using var critic = new PackedCritic(linear, pac: 2, width: 2);
        var real = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [4, 2]);
        var fake = tensor(new float[] { 0, 0, 1, 1, -1, 2, 0, 3 }, [4, 2]);
        double penalty = GanObjective.GradientPenalty(critic, real, fake, 2, tensor(new float[] { 0.25f, 0.75f }), 10).item<float>();
        Assert.AreEqual(10 * Math.Pow(Math.Sqrt(0.25 + 1 + 4) - 1, 2), penalty, 1e-4);

        // A quadratic critic, ½‖pack‖²: its gradient at x̂ is x̂ itself, so each pack contributes (‖x̂‖ − 1)²
        // with x̂ = α real + (1 − α) fake, α per pack. Worked by hand below.
        using var quadratic = new QuadraticCritic(pac: 2, width: 2);
        penalty = GanObjective.GradientPenalty(quadratic, real, fake, 2, tensor(new float[] { 0.25f, 0.75f }), 1).item<float>();
        double[] pack1 = [0.25 * 1 + 0.75 * 0, 0.25 * 2 + 0.75 * 0, 0.25 * 3 + 0.75 * 1, 0.25 * 4 + 0.75 * 1];
        double[] pack2 = [0.75 * 5 + 0.25 * -1, 0.75 * 6 + 0.25 * 2, 0.75 * 7 + 0.25 * 0, 0.75 * 8 + 0.25 * 3];
        static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
        double expected = (Math.Pow(Norm(pack1) - 1, 2) + Math.Pow(Norm(pack2) - 1, 2)) / 2;
        Assert.AreEqual(expected, penalty, 1e-3 * expected);
    }

    private sealed class PackedCritic : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear _linear;
        private readonly int _packed;

        public PackedCritic(TorchSharp.Modules.Linear linear, int pac, int width) : base("critic")
        {
            _linear = linear;
            _packed = pac * width;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => _linear.forward(x.reshape(-1, _packed)).squeeze(1);
    }

    private sealed class QuadraticCritic(int pac, int width) : nn.Module<Tensor, Tensor>("quadratic")
    {
        public override Tensor forward(Tensor x) => x.reshape(-1, pac * width).pow(2).sum(1) / 2;
    }

    [TestMethod]
    public void TheWassersteinLossesAreTheCriticMeans()
    {
        var real = tensor(new float[] { 1, 3 });
        var fake = tensor(new float[] { -2, 0 });
        var critic = GanObjective.For(GanLossKind.WassersteinGp);
        Assert.AreEqual(-1 - 2, critic.DiscriminatorLoss(real, fake).item<float>(), 1e-6);
        Assert.AreEqual(1, critic.GeneratorLoss(fake).item<float>(), 1e-6);
        CollectionAssert.AreEqual(new float[] { 1, 3 }, critic.Score(real).data<float>().ToArray(), "a critic's score is its value");
    }

    [TestMethod]
    public void AnUnknownLossKindIsRefusedNotReplaced()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GanObjective.For((GanLossKind)42));
        StringAssert.Contains(e.Message, "WassersteinGp");
        var options = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).Gan().Train(new GanTrainer.Options { Loss = (GanLossKind)42 }));
        StringAssert.Contains(options.Message, "Loss");
    }

    [TestMethod]
    public void EachObjectiveJudgesDivergenceOnItsOwnScale()
    {
        static GanEpochStatistics Epoch(double lossD, double lossG, double value) => new(1, lossD, lossG, 0, 0, value, 1, 1, 1, 1, 1);
        var original = GanObjective.For(GanLossKind.NonSaturating);
        var critic = GanObjective.For(GanLossKind.WassersteinGp);
        Assert.IsFalse(original.Diverged(Epoch(1.3, 0.7, -1.3)));
        Assert.IsTrue(original.Diverged(Epoch(2e4, 0.7, -2e4)), "a softplus loss in the tens of thousands: logits in the thousands");
        Assert.IsTrue(original.Diverged(Epoch(double.NaN, 0.7, -1.3)));
        // A critic's values have no fixed offset: a large generator loss with a small gap W is a healthy critic.
        Assert.IsFalse(critic.Diverged(Epoch(-0.5, 3e4, 0.4)));
        Assert.IsTrue(critic.Diverged(Epoch(-2e4, 3, 2e4)), "W in the tens of thousands");
        Assert.IsTrue(critic.Diverged(Epoch(-0.5, double.PositiveInfinity, 0.4)));
    }

    [TestMethod]
    public void EachObjectiveNamesItsScoresForTheLogAndTheReport()
    {
        var original = GanObjective.For(GanLossKind.Minimax).Labels;
        Assert.AreEqual("D(x)", original.RealScore);
        Assert.AreEqual(0.5, original.ScoreOptimum);
        Assert.AreEqual(-Math.Log(4), original.ValueReference, 1e-12);
        Assert.AreEqual(Math.Log(4), original.DiscriminatorLossOptimum!.Value, 1e-12);
        var critic = GanObjective.For(GanLossKind.WassersteinGp).Labels;
        Assert.AreEqual("W", critic.ValueShort);
        Assert.IsNull(critic.ScoreOptimum, "a critic's scores are unbounded");
        Assert.IsNull(critic.DiscriminatorLossOptimum);
    }

    [TestMethod]
    public void PacksShapeTheBatch()
    {
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => log.Add(e.Message);
        using var channel = ((Runtime.IHostEnvironment)ml).Start("test");
        Assert.AreEqual((500, 10), GanTraining.BatchShape(30_000, new GanTrainer.Options(), channel));
        Assert.AreEqual((5000, 10), GanTraining.BatchShape(30_000, new GanTrainer.Options { BatchSize = 5000 }, channel), "a batch that fits: Pac as asked");
        Assert.AreEqual((100, 10), GanTraining.BatchShape(30_000, new GanTrainer.Options { BatchSize = 100 }, channel), "a batch the user made small: Pac as asked");
        Assert.AreEqual((400, 8), GanTraining.BatchShape(400, new GanTrainer.Options(), channel), "a table smaller than a batch keeps 50 packs: packs of 8");
        Assert.AreEqual((136, 2), GanTraining.BatchShape(137, new GanTrainer.Options(), channel), "clamped to the table, packs of 2 for 68 of them, then to whole packs");
        Assert.AreEqual((60, 1), GanTraining.BatchShape(60, new GanTrainer.Options(), channel), "too few rows for 50 packs of two: packs of one");
        Assert.IsTrue(log.Any(m => m.Contains("make 13 packs of 10 (Pac) a batch, too few to learn from: using packs of 2")), string.Join("\n", log));
        Assert.IsTrue(log.Any(m => m.Contains("judges rows one at a time")), string.Join("\n", log));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan().Train(new GanTrainer.Options { BatchSize = 55 }));
        StringAssert.Contains(e.Message, "multiple of Pac");
    }
}
