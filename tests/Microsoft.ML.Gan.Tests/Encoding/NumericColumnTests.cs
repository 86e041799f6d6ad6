using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>The numeric family: mode-specific normalisation and spike modes, encoded and decoded.</summary>
[TestClass]
public sealed class NumericColumnTests
{
    /// <summary>A numeric column fitted from values, as training fits it (a Double column, or an Int32 one).</summary>
    private static NumericColumn Fit(string name, double[] values, bool integer = false)
    {
        var kind = (NumericKind)ColumnKinds.Find(integer ? NumberDataViewType.Int32 : NumberDataViewType.Double)!;
        return (NumericColumn)kind.Restore(NumericColumn.Fit(name, kind.Name, values, new BayesianGaussianMixtureOptions { Seed = 1 }));
    }

    [TestMethod]
    public void ModeSpecificNormalisationFindsTheModesAndDecodesWhatItEncodes()
    {
        var random = new Random(2);
        var values = Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? 1000 + 5 * TestTables.Normal(random) : 10 + TestTables.Normal(random)).ToArray();
        var encoder = Fit("x", values);
        Assert.AreEqual(2, encoder.ModeCount, string.Join("; ", encoder.Modes));
        Assert.AreEqual(10, encoder.Modes[0].Mean, 0.2);
        Assert.AreEqual(1000, encoder.Modes[1].Mean, 1.0);
        Assert.AreEqual(1 + 2, encoder.Width, "offset plus two mode entries");

        var matrix = new float[values.Length * encoder.Width];
        encoder.Encode(values, matrix, encoder.Width, 0, seed: 3);
        for (int r = 0; r < values.Length; r++)
        {
            var row = matrix.AsSpan(r * encoder.Width, encoder.Width);
            Assert.IsTrue(Math.Abs(row[0]) <= 0.99f, "offset clipped to ±0.99");
            Assert.AreEqual(1f, row[1] + row[2], "one mode");
            // As generator output: the offset as its tanh value, the mode one-hot as decisive logits.
            var output = new[] { row[0], row[1] * 50, row[2] * 50 };
            double decoded = encoder.Decode(output, [0.5f], CategorySampling.ArgMax);
            Assert.AreEqual(values[r], decoded, 1e-4 * Math.Max(1, Math.Abs(values[r])), $"row {r}");
        }
    }

    [TestMethod]
    public void AValueThatMakesUpMuchOfAColumnIsASpikeDecodedExactly()
    {
        // Like Adult's capital-gain: most rows 0, the rest spread over a long range.
        var random = new Random(6);
        var values = Enumerable.Range(0, 4000).Select(i => i % 10 < 9 ? 0.0 : Math.Round(2000 + 3000 * Math.Abs(TestTables.Normal(random)))).ToArray();
        var encoder = Fit("gain", values, integer: true);
        CollectionAssert.AreEqual(new[] { 0.0 }, encoder.Spikes.ToArray(), "0 is 90 % of the rows; no other value reaches 5 %");
        Assert.IsTrue(encoder.Modes.All(m => m.Mean > 1000), "the mixture models the non-zero values only");

        var matrix = new float[values.Length * encoder.Width];
        encoder.Encode(values, matrix, encoder.Width, 0, seed: 3);
        int spikeMode = encoder.ModeCount - 1;
        for (int r = 0; r < values.Length; r++)
        {
            var row = matrix.AsSpan(r * encoder.Width, encoder.Width);
            Assert.AreEqual(values[r] == 0, row[1 + spikeMode] == 1f, $"row {r}: zeros, and only zeros, take the spike mode");
        }
        // Whatever offset the generator gives, the spike decodes to exactly 0.
        var output = new float[encoder.Width];
        output[1 + spikeMode] = 30;
        foreach (float offset in new[] { -0.9f, 0.013f, 0.7f })
        {
            output[0] = offset;
            Assert.AreEqual(0.0, encoder.Decode(output, [0.5f], CategorySampling.ArgMax));
        }
    }

    [TestMethod]
    public void OvershootIsMirroredInsideTheRangeInsteadOfPilingUpAtItsEnds()
    {
        // A column bounded on both sides (like a temperature with a record high), its mass near both ends.
        var random = new Random(8);
        var values = Enumerable.Range(0, 3000).Select(_ => Math.Clamp(60 + 12 * TestTables.Normal(random), 40, 97)).Select(v => v + 1e-7 * random.NextDouble()).ToArray();
        var mirrored = Fit("temp", values);
        Assert.IsTrue(mirrored.ReflectsAtEdges, "new models mirror");
        var state = mirrored.ToState();
        state.ReflectAtEdges = false; // how format 3 files decode
        var clamped = (NumericColumn)mirrored.Kind.Restore(state);

        // Offsets all over [-1, 1]: a mode's ±4σ reaches past both ends of the range.
        var output = new float[mirrored.Width];
        int atEnds = 0, mirroredAtEnds = 0, differ = 0;
        const int n = 20_000;
        for (int r = 0; r < n; r++)
        {
            output[0] = (float)(2 * random.NextDouble() - 1);
            for (int k = 1; k < output.Length; k++) output[k] = (float)(3 * random.NextDouble());
            float[] draw = [(float)random.NextDouble()];
            double c = clamped.Decode(output, draw, CategorySampling.Sample), m = mirrored.Decode(output, draw, CategorySampling.Sample);
            Assert.IsTrue(m >= mirrored.Minimum && m <= mirrored.Maximum, $"{m} in the range");
            if (c == clamped.Minimum || c == clamped.Maximum) atEnds++;
            else Assert.AreEqual(c, m, "a value inside the range is left alone");
            if (m == mirrored.Minimum || m == mirrored.Maximum) mirroredAtEnds++;
            if (c != m) differ++;
        }
        Assert.IsGreaterThan(n / 50, atEnds, "clamping piles overshoot onto the ends");
        Assert.IsLessThan(5, mirroredAtEnds, "mirroring leaves no pile at the ends");
        Assert.IsGreaterThan(atEnds - 5, differ, "the overshooting values moved inside");
    }
}
