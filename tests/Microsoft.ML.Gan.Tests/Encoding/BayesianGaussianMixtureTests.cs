using System.Diagnostics;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// The variational Dirichlet-process Gaussian mixture behind mode-specific normalisation: it recovers known
/// mixtures, keeps only the components the data need, handles the awkward columns real tables have, and its
/// per-value probabilities are sound.
/// </summary>
[TestClass]
public sealed class BayesianGaussianMixtureTests
{
    private static readonly (double Weight, double Mean, double Std)[] Three = [(0.5, -5, 1), (0.3, 0, 0.5), (0.2, 8, 2)];

    private static double[] Mixture(int count, int seed, params (double Weight, double Mean, double Std)[] parts)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u = random.NextDouble(), cumulative = 0;
            int k = 0;
            while (k < parts.Length - 1 && u >= (cumulative += parts[k].Weight)) k++;
            values[i] = parts[k].Mean + parts[k].Std * TestTables.Normal(random);
        }
        return values;
    }

    private static BayesianGaussianMixture Fit(double[] values, int maximumComponents = 10, int seed = 0) =>
        BayesianGaussianMixture.Fit(values, new BayesianGaussianMixtureOptions { MaximumComponents = maximumComponents, Seed = seed });

    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    /// <summary>The invariants every fitted mixture keeps: valid components, sorted by mean, weights above the threshold summing to 1.</summary>
    private static void AssertWellFormed(BayesianGaussianMixture mixture, double threshold = 0.005)
    {
        var components = mixture.Components;
        Assert.IsGreaterThan(0, components.Count);
        for (int k = 0; k < components.Count; k++)
        {
            var c = components[k];
            Assert.IsTrue(double.IsFinite(c.Mean) && double.IsFinite(c.StandardDeviation) && c.StandardDeviation > 0, $"component {k}: {c}");
            Assert.IsGreaterThanOrEqualTo(threshold, c.Weight, $"component {k} should have been pruned: {c}");
            if (k > 0) Assert.IsGreaterThanOrEqualTo(components[k - 1].Mean, c.Mean, "components are sorted by mean");
        }
        Assert.AreEqual(1.0, components.Sum(c => c.Weight), 1e-12);
    }

    [TestMethod]
    public void ThreeSeparatedGaussiansAreRecovered()
    {
        var mixture = Fit(Mixture(20_000, 1, Three));

        AssertRecoversThree(mixture);
    }

    [TestMethod]
    public void OneGaussianGivesOneDominantComponent()
    {
        var mixture = Fit(Mixture(20_000, 2, (1, 3, 2)));

        AssertWellFormed(mixture);
        var main = mixture.Components.MaxBy(c => c.Weight);
        Assert.IsGreaterThan(0.95, main.Weight);
        Assert.AreEqual(3, main.Mean, 0.05);
        Assert.AreEqual(2, main.StandardDeviation, 0.05);
    }

    [TestMethod]
    public void TheDirichletPriorLeavesOnlyTheComponentsTheDataNeed()
    {
        var values = Mixture(20_000, 3, (0.6, -2, 1), (0.4, 4, 1));
        var mixture = Fit(values, maximumComponents: 10);

        AssertWellFormed(mixture);
        Assert.IsLessThanOrEqualTo(3, mixture.Components.Count, string.Join("; ", mixture.Components));
        Assert.AreEqual(2, mixture.Components.Count(c => c.Weight > 0.3), "both clusters keep a large component");
        Assert.AreEqual(-2, mixture.Components[0].Mean, 0.1);
        Assert.AreEqual(4, mixture.Components[^1].Mean, 0.1);

        // Pruning then renormalising: a threshold above the smallest weight drops that component and rescales the rest.
        var three = BayesianGaussianMixture.Fit(Mixture(20_000, 1, Three), new BayesianGaussianMixtureOptions { WeightThreshold = 0.25 });
        AssertWellFormed(three, 0.25);
        Assert.HasCount(2, three.Components);
        Assert.AreEqual(0.5 / 0.8, three.Components[0].Weight, 0.02);
        Assert.AreEqual(0.3 / 0.8, three.Components[1].Weight, 0.02);
    }

    [TestMethod]
    public void ProbabilitiesAreNormalisedAndStableFarInTheTails()
    {
        var mixture = Fit(Mixture(20_000, 1, Three));
        var components = mixture.Components;
        var p = new double[components.Count];
        int widest = Enumerable.Range(0, components.Count).MaxBy(k => components[k].StandardDeviation);

        for (double x = -20; x <= 20; x += 0.25)
        {
            mixture.Probabilities(x, p);
            Assert.IsTrue(p.All(v => v >= 0 && v <= 1), $"x = {x}");
            Assert.AreEqual(1.0, p.Sum(), 1e-12, $"x = {x}");
        }
        // A million standard deviations out, and astronomically far: no NaN, and the widest tail takes the value.
        foreach (double x in new[] { -5 - 1e6, 8 + 2e6, -1e300, 1e300, double.MaxValue })
        {
            mixture.Probabilities(x, p);
            Assert.IsFalse(p.Any(double.IsNaN), $"x = {x}");
            Assert.AreEqual(1.0, p.Sum(), 1e-12, $"x = {x}");
            Assert.AreEqual(1.0, p[widest], 1e-12, $"x = {x}");
            Assert.AreEqual(widest, mixture.MostLikely(x));
        }
    }

    [TestMethod]
    public void MostLikelyPicksTheClusterAtItsCentre()
    {
        var mixture = Fit(Mixture(20_000, 1, Three));

        for (int k = 0; k < Three.Length; k++)
            Assert.AreEqual(k, mixture.MostLikely(Three[k].Mean), $"the centre of cluster {k}");
        Assert.AreEqual(0, mixture.MostLikely(-7.5));
        Assert.AreEqual(2, mixture.MostLikely(12));
    }

    [TestMethod]
    public void SampleDrawsComponentsAtTheirProbabilities()
    {
        var mixture = Fit(Mixture(20_000, 1, Three));
        var p = new double[mixture.Components.Count];
        // Between the clusters at -5 and 0, where the first has probability 0.3 (found by bisection).
        double lo = -5, hi = 0, x = 0;
        for (int i = 0; i < 60; i++)
        {
            x = 0.5 * (lo + hi);
            mixture.Probabilities(x, p);
            if (p[0] > 0.3) lo = x;
            else hi = x;
        }
        Assert.AreEqual(0.3, p[0], 1e-6);
        Assert.AreEqual(0.7, p[1], 1e-3);

        // Evenly spaced uniforms make the inverse-CDF frequencies exact up to one draw in the count.
        const int draws = 20_000;
        var frequency = new double[p.Length];
        for (int i = 0; i < draws; i++) frequency[mixture.Sample(x, (i + 0.5) / draws)]++;
        for (int k = 0; k < p.Length; k++) Assert.AreEqual(p[k], frequency[k] / draws, 2.0 / draws, $"component {k}");

        // Random uniforms agree within sampling error (the binomial standard deviation is below 0.004).
        var random = new Random(7);
        Array.Clear(frequency);
        for (int i = 0; i < draws; i++) frequency[mixture.Sample(x, random.NextDouble())]++;
        for (int k = 0; k < p.Length; k++) Assert.AreEqual(p[k], frequency[k] / draws, 0.015, $"component {k}");

        Assert.AreEqual(0, mixture.Sample(x, 0.0));
        Assert.AreEqual(Array.FindLastIndex(p, v => v > 0), mixture.Sample(x, Math.BitDecrement(1.0)), "the last component with any probability");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mixture.Sample(x, 1.0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mixture.Sample(x, -0.1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mixture.Sample(x, double.NaN));
    }

    [TestMethod]
    public void TheFitIsDeterministicAndIndependentOfTheValuesOrder()
    {
        var values = Mixture(20_000, 4, (0.7, 10, 3), (0.3, 30, 1));
        var first = Fit(values, seed: 5);
        var again = Fit(values, seed: 5);
        CollectionAssert.AreEqual(first.Components.ToArray(), again.Components.ToArray(), "the same values and seed give bit-identical components");

        var shuffled = (double[])values.Clone();
        new Random(9).Shuffle(shuffled);
        CollectionAssert.AreEqual(first.Components.ToArray(), Fit(shuffled, seed: 5).Components.ToArray(), "the values' order does not matter");
        // Without subsampling the seed has nothing to draw.
        CollectionAssert.AreEqual(first.Components.ToArray(), Fit(values, seed: 6).Components.ToArray());
    }

    [TestMethod]
    public void AConstantColumnIsOneNarrowComponent()
    {
        foreach (double value in new[] { 42.5, 0.0, -3e9 })
        {
            var mixture = Fit(Enumerable.Repeat(value, 1000).ToArray());

            Assert.HasCount(1, mixture.Components);
            var c = mixture.Components[0];
            Assert.AreEqual(1.0, c.Weight);
            Assert.AreEqual(value, c.Mean);
            Assert.IsGreaterThan(0, c.StandardDeviation);
            Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(value)), c.StandardDeviation);
            Assert.AreEqual(0, mixture.MostLikely(value));
        }
    }

    [TestMethod]
    public void FewDistinctValuesGetAComponentEach()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 10_000).Select(_ => (double)random.Next(3)).ToArray();
        var mixture = Fit(values);

        AssertWellFormed(mixture);
        Assert.HasCount(3, mixture.Components);
        for (int k = 0; k < 3; k++)
        {
            var c = mixture.Components[k];
            Assert.AreEqual(k, c.Mean, 1e-3);
            Assert.IsLessThan(0.05, c.StandardDeviation, "a spike of equal values is narrow");
            Assert.AreEqual(values.Count(v => v == k) / (double)values.Length, c.Weight, 0.01);
            Assert.AreEqual(k, mixture.MostLikely(k));
        }

        // Two values, each repeated, are two spikes; two single values are too few to tell apart from one Gaussian.
        var pair = Fit([.. Enumerable.Repeat(1.0, 500), .. Enumerable.Repeat(5.0, 500)]);
        AssertWellFormed(pair);
        Assert.HasCount(2, pair.Components);
        Assert.AreEqual(1, pair.Components[0].Mean, 1e-2);
        Assert.AreEqual(5, pair.Components[1].Mean, 1e-2);
        var two = Fit([1.0, 5.0]);
        AssertWellFormed(two);
        Assert.IsTrue(two.Components.All(c => c.Mean >= 1 && c.Mean <= 5), string.Join("; ", two.Components));
    }

    [TestMethod]
    public void AZeroSpikeWithAHeavyTailGetsItsOwnNarrowComponent()
    {
        // Like capital-gain in the Adult census table: 90 % zeros, the rest log-normal in the thousands.
        var random = new Random(12);
        var values = Enumerable.Range(0, 20_000).Select(_ => random.NextDouble() < 0.9 ? 0 : Math.Exp(8.5 + TestTables.Normal(random))).ToArray();
        double spread = StandardDeviation(values);
        var mixture = Fit(values);

        AssertWellFormed(mixture);
        int zero = mixture.MostLikely(0);
        var spike = mixture.Components[zero];
        Assert.AreEqual(0, spike.Mean, 0.001 * spread);
        Assert.IsLessThan(0.02 * spread, spike.StandardDeviation, $"the spike's spread against the column's {spread}");
        Assert.AreEqual(values.Count(v => v == 0) / (double)values.Length, spike.Weight, 0.01);
        var positive = values.Where(v => v > 0).Order().ToArray();
        Assert.AreNotEqual(zero, mixture.MostLikely(positive[positive.Length / 2]), "a typical non-zero value is not the spike's");
    }

    [TestMethod]
    public void ALogNormalColumnIsFittedByASkewedMixture()
    {
        var random = new Random(13);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(TestTables.Normal(random))).ToArray();
        var mixture = Fit(values);

        AssertWellFormed(mixture);
        Assert.IsGreaterThan(1, mixture.Components.Count, "one Gaussian cannot follow a log-normal");
        // Draws from the mixture follow the column (one Gaussian with its mean and spread has KS above 0.1).
        var draws = new double[values.Length];
        for (int i = 0; i < draws.Length; i++)
        {
            double u = random.NextDouble(), cumulative = 0;
            int k = 0;
            while (k < mixture.Components.Count - 1 && u >= (cumulative += mixture.Components[k].Weight)) k++;
            draws[i] = mixture.Components[k].Mean + mixture.Components[k].StandardDeviation * TestTables.Normal(random);
        }
        double ks = ColumnStatistics.KolmogorovSmirnov(values, draws);
        Assert.IsLessThan(0.03, ks, $"KS between the column and draws from its mixture: {ks:F4}");
    }

    [TestMethod]
    public void LargeMagnitudesAreStandardisedAway()
    {
        var values = Mixture(20_000, 1, Three);
        var small = Fit(values);
        var large = Fit(values.Select(v => 1e6 + 1e3 * v).ToArray());

        Assert.HasCount(small.Components.Count, large.Components);
        for (int k = 0; k < small.Components.Count; k++)
        {
            Assert.AreEqual(small.Components[k].Weight, large.Components[k].Weight, 1e-6);
            Assert.AreEqual(1e6 + 1e3 * small.Components[k].Mean, large.Components[k].Mean, 1e-3);
            Assert.AreEqual(1e3 * small.Components[k].StandardDeviation, large.Components[k].StandardDeviation, 1e-3);
        }
    }

    [TestMethod]
    public void ALongColumnIsSubsampledBeforeFitting()
    {
        var values = Mixture(1_000_000, 14, Three);
        var options = new BayesianGaussianMixtureOptions { SampleSize = 20_000, Seed = 1 };
        var watch = Stopwatch.StartNew();
        var mixture = BayesianGaussianMixture.Fit(values, options);
        watch.Stop();

        AssertRecoversThree(mixture);
        // The seed picks the subsample (the fit itself draws nothing), so it shows that one was taken; a generous
        // time limit shows that the million values were not iterated over (the fit takes tens of milliseconds).
        CollectionAssert.AreEqual(mixture.Components.ToArray(), BayesianGaussianMixture.Fit(values, options).Components.ToArray());
        CollectionAssert.AreNotEqual(mixture.Components.ToArray(), BayesianGaussianMixture.Fit(values, new BayesianGaussianMixtureOptions { Seed = 2 }).Components.ToArray());
        Assert.IsLessThan(3.0, watch.Elapsed.TotalSeconds);
    }

    [TestMethod]
    public void WithOneComponentTheLowerBoundIsTheLogEvidence()
    {
        // With one component q(μ, λ) can be the exact Normal-Gamma posterior, so the bound must equal the closed
        // form log p(x) = ln Γ(a_n) - ln Γ(a_0) + a_0 ln b_0 - a_n ln b_n + ½ ln(β_0 / β_n) - (n / 2) ln 2π
        // under the standardised priors m_0 = 0, β_0 = 1, a_0 = b_0 = ½ (n even, so Γ is taken at half-integers).
        var random = new Random(15);
        var x = Enumerable.Range(0, 50).Select(_ => 0.3 + 1.7 * TestTables.Normal(random)).ToArray();
        int n = x.Length;
        double mean = x.Average(), scatter = x.Sum(v => (v - mean) * (v - mean));
        double an = 0.5 + n / 2.0, bn = 0.5 + 0.5 * scatter + n * mean * mean / (2.0 * (1 + n));
        static double LogGammaHalf(int k) => 0.5 * Math.Log(Math.PI) + Enumerable.Range(1, k).Sum(j => Math.Log(j - 0.5));
        double evidence = LogGammaHalf(n / 2) - LogGammaHalf(0) + 0.5 * Math.Log(0.5) - an * Math.Log(bn)
            + 0.5 * Math.Log(1.0 / (1 + n)) - n / 2.0 * Math.Log(2 * Math.PI);

        double bound = BayesianGaussianMixture.LowerBound(x, [Enumerable.Repeat(1.0, n).ToArray()], 0.001);
        Assert.AreEqual(evidence, bound, 1e-6);

        // Two components can only do worse on a single Gaussian's values than the evidence of one (the prior charges each).
        var halves = new[] { x.Select(v => v < mean ? 1.0 : 0).ToArray(), x.Select(v => v < mean ? 0 : 1.0).ToArray() };
        Assert.IsLessThan(bound, BayesianGaussianMixture.LowerBound(x, halves, 0.001));
    }

    [TestMethod]
    public void TheSpecialFunctionsMatchKnownValues()
    {
        const double euler = 0.57721566490153286;
        Assert.AreEqual(-euler, BayesianGaussianMixture.Digamma(1), 1e-10);
        Assert.AreEqual(-euler - 2 * Math.Log(2), BayesianGaussianMixture.Digamma(0.5), 1e-10);
        Assert.AreEqual(BayesianGaussianMixture.Digamma(0.001) + 1000, BayesianGaussianMixture.Digamma(1.001), 1e-9);
        Assert.AreEqual(Math.Log(100) - 1 / 200.0 - 1 / 120000.0, BayesianGaussianMixture.Digamma(100), 1e-10);
        Assert.AreEqual(0.5 * Math.Log(Math.PI), BayesianGaussianMixture.LogGamma(0.5), 1e-10);
        Assert.AreEqual(Math.Log(362880), BayesianGaussianMixture.LogGamma(10), 1e-10);
        Assert.AreEqual(0, BayesianGaussianMixture.LogGamma(1), 1e-10);
        Assert.AreEqual(BayesianGaussianMixture.LogGamma(1.001) - Math.Log(0.001), BayesianGaussianMixture.LogGamma(0.001), 1e-9);
    }

    [TestMethod]
    public void BadValuesAreRejected()
    {
        var options = new BayesianGaussianMixtureOptions();
        Assert.ThrowsExactly<ArgumentException>(() => BayesianGaussianMixture.Fit([], options));
        Assert.ThrowsExactly<ArgumentException>(() => BayesianGaussianMixture.Fit([1, double.NaN, 2], options));
        Assert.ThrowsExactly<ArgumentException>(() => BayesianGaussianMixture.Fit([1, double.PositiveInfinity], options));
        Assert.ThrowsExactly<ArgumentException>(() => BayesianGaussianMixture.Fit([double.NegativeInfinity, 3], options));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BayesianGaussianMixture.Fit([1, 2], new BayesianGaussianMixtureOptions { MaximumComponents = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BayesianGaussianMixture.Fit([1, 2], new BayesianGaussianMixtureOptions { WeightConcentration = 0 }));

        var mixture = Fit([1, 2, 3, 10, 11, 12]);
        var p = new double[mixture.Components.Count];
        Assert.ThrowsExactly<ArgumentException>(() => mixture.Probabilities(double.NaN, p));
        Assert.ThrowsExactly<ArgumentException>(() => mixture.Probabilities(1, new double[p.Length + 1]));
    }

    [TestMethod]
    public void SavedComponentsRoundTripAndInvalidOnesAreRejected()
    {
        var fitted = Fit(Mixture(20_000, 1, Three));
        var rebuilt = new BayesianGaussianMixture(fitted.Components.ToArray());
        CollectionAssert.AreEqual(fitted.Components.ToArray(), rebuilt.Components.ToArray());
        var p = new double[3];
        var q = new double[3];
        fitted.Probabilities(-2.1, p);
        rebuilt.Probabilities(-2.1, q);
        CollectionAssert.AreEqual(p, q);

        // Weights rounded on saving are renormalised.
        var rounded = new BayesianGaussianMixture([new(0.5f, -1, 1), new(0.5000001f, 1, 1)]);
        Assert.AreEqual(1.0, rounded.Components.Sum(c => c.Weight), 1e-15);

        MixtureComponent[][] invalid =
        [
            [],
            [new(0, 0, 1)],
            [new(-0.5, 0, 1), new(1.5, 1, 1)],
            [new(double.NaN, 0, 1)],
            [new(1, double.NaN, 1)],
            [new(1, double.PositiveInfinity, 1)],
            [new(1, 0, 0)],
            [new(1, 0, -1)],
            [new(1, 0, double.PositiveInfinity)],
            [new(0.5, 1, 1), new(0.5, 0, 1)],
        ];
        foreach (var components in invalid)
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => new BayesianGaussianMixture(components), string.Join("; ", components));
            Assert.Contains("Gaussian mixture", e.Message);
        }
    }

    /// <summary>The mixture is the <see cref="Three"/> Gaussians: 3 components, means within 0.1, standard deviations within 10 %, weights within 0.02.</summary>
    private static void AssertRecoversThree(BayesianGaussianMixture mixture)
    {
        AssertWellFormed(mixture);
        Assert.HasCount(3, mixture.Components);
        for (int k = 0; k < 3; k++)
        {
            var c = mixture.Components[k];
            Assert.AreEqual(Three[k].Mean, c.Mean, 0.1, $"mean of component {k}");
            Assert.AreEqual(Three[k].Std, c.StandardDeviation, 0.1 * Three[k].Std, $"standard deviation of component {k}");
            Assert.AreEqual(Three[k].Weight, c.Weight, 0.02, $"weight of component {k}");
        }
    }
}
