using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>
/// Steering a few-valued number's shares through a filter ends no further from the training shares than the best step it
/// measured, give or take a point: a last step whose kept shares jumped away is taken back.
/// </summary>
[TestClass]
public sealed class ValueSteeringTests
{
    private static readonly NumericKind s_double = (NumericKind)ColumnKinds.Find(NumberDataViewType.Double)!;

    /// <summary>Values 1, 2 and 3 with training shares 0.2, 0.5 and 0.3, mapped from uniform generated values.</summary>
    private static NumericColumn Calibrated()
    {
        var training = Enumerable.Range(0, 1000).Select(i => i < 200 ? 1.0 : i < 700 ? 2.0 : 3.0).ToArray();
        var state = NumericColumn.Fit("x", s_double.Name, training, new BayesianGaussianMixtureOptions { Seed = 1 }, s_double.Stored, marginal: true);
        var random = new Random(2);
        var column = ((NumericColumn)s_double.Restore(state)).WithGeneratedMarginal(Enumerable.Range(0, 5000).Select(_ => random.NextDouble()).ToArray(), null, null);
        Assert.IsTrue(column.Marginal is { IsDiscrete: true, IsCalibrated: true, ValueCount: 3 });
        return column;
    }

    /// <summary>Kept rows holding the three values in these counts, each of weight 1.</summary>
    private static (double[] Values, float[] Weights) Kept(int ones, int twos, int threes)
    {
        var values = Enumerable.Repeat(1.0, ones).Concat(Enumerable.Repeat(2.0, twos)).Concat(Enumerable.Repeat(3.0, threes)).ToArray();
        return (values, Enumerable.Repeat(1f, values.Length).ToArray());
    }

    [TestMethod]
    public void ALastStepThatJumpedAwayIsTakenBackAndOneCloseToTheBestIsKept()
    {
        var column = Calibrated();
        var steering = new MarginalCalibration.ValueSteering(0, column.Marginal!);
        // The first measure: shares 0.22, 0.48, 0.30 (a gap of 0.02 in the first cumulative share); a step moves the knots.
        var (values, weights) = Kept(220, 480, 300);
        var stepped = steering.Step(column, values, weights, null, last: false);
        Assert.AreNotSame(column, stepped);
        CollectionAssert.AreNotEqual(column.Marginal!.GeneratedKnots!.ToArray(), stepped.Marginal!.GeneratedKnots!.ToArray(), "the first step warps the knots");

        // The step's rows jumped: the middle value's rows went to the last (cumulative shares 0.2 and 0.3 against 0.2 and 0.7).
        var jumped = Kept(200, 100, 700);
        var ended = steering.Step(stepped, jumped.Values, jumped.Weights, null, last: true);
        CollectionAssert.AreEqual(column.Marginal!.GeneratedKnots!.ToArray(), ended.Marginal!.GeneratedKnots!.ToArray(),
            "the column goes back to the knots of the step measured closest to the training shares");

        // Measured within a point of the best, the last step stays.
        var other = new MarginalCalibration.ValueSteering(0, column.Marginal!);
        var first = other.Step(column, values, weights, null, last: false);
        var close = Kept(215, 490, 295);
        var kept = other.Step(first, close.Values, close.Weights, null, last: false);
        var nearly = Kept(222, 483, 295); // a gap of 0.022: within 0.01 of the best (0.015)
        Assert.AreSame(kept, other.Step(kept, nearly.Values, nearly.Weights, null, last: true));
    }
}
