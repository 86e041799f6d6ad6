using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Tests.Training;

/// <summary>CTGAN's training-by-sampling: conditions by log-frequency or frequency, and real rows that have them.</summary>
[TestClass]
public sealed class ConditionalSamplerTests
{
    [TestMethod]
    [DataRow(TrainingConditionDraw.LogFrequency)]
    [DataRow(TrainingConditionDraw.Frequency)]
    [DataRow(TrainingConditionDraw.Mixed)]
    public void TrainingBySamplingDrawsConditionsAsAskedAndMatchingRealRows(TrainingConditionDraw draw)
    {
        // 2 % rare, 98 % common: log-frequency sampling gives the rare one far more than 2 % of the conditions,
        // frequency sampling its 2 %.
        var rows = Enumerable.Range(0, 1000).Select(i => new { Kind = i % 50 == 0 ? "rare" : "common", Value = (float)i }).ToList();
        var settings = new ColumnFitSettings(new HashSet<string>(), 100);
        var (encoder, encoded) = TabularEncoder.Fit(new MLContext(1).Data.LoadFromEnumerable(rows), ["Kind", "Value"], settings, () => { });
        using var _ = encoded;
        var layout = new ConditionLayout(encoder);
        var sampler = new ConditionalSampler(layout, encoded, seed: 1, draw);
        const int Batch = 4000;
        var condition = new float[Batch * layout.Width];
        var mask = new float[Batch * layout.Columns.Count];
        var levels = new[] { new long[Batch] };
        var real = new int[Batch];
        sampler.Sample(Batch, condition, mask, levels, real);
        var kind = (TextColumn)encoder.Columns[0];
        int rare = Array.IndexOf(kind.Levels, "rare");
        double rareShare = levels[0].Count(l => l == rare) / (double)Batch;
        double logShare = Math.Log(1 + 20) / (Math.Log(1 + 20) + Math.Log(1 + 980));
        double expected = draw switch { TrainingConditionDraw.Frequency => 0.02, TrainingConditionDraw.Mixed => (logShare + 0.02) / 2, _ => logShare };
        Assert.AreEqual(expected, rareShare, draw == TrainingConditionDraw.Frequency ? 0.008 : 0.03, $"{draw} shares");
        for (int i = 0; i < Batch; i++)
        {
            Assert.AreEqual(1f, mask[i]);
            Assert.AreEqual(rows[real[i]].Kind, kind.Levels[levels[0][i]], $"row {i}: the real row has the conditioned category");
            Assert.AreEqual(1f, condition[i * layout.Width + (int)levels[0][i]]);
        }
    }

    [TestMethod]
    public void ACombinationsHiddenCategoryIsDrawnAtItsFrequencyWhateverTheDraw()
    {
        // 40 entities of 3 to 35 rows, each with its own A (four values shared by two) and B (each shared by two):
        // a combination no column fixes, learned as a hidden category. Its entities are drawn as often as they occur,
        // while the ordinary category Kind is drawn by log-frequency.
        var a = new List<double>();
        var b = new List<double>();
        var kind = new List<string>();
        for (int e = 0; e < 40; e++)
            for (int i = 0, size = 3 + e % 5 * 8; i < size; i++)
            {
                a.Add(e < 36 ? e : e - 36);
                b.Add(e / 2);
                kind.Add(a.Count % 50 == 0 ? "rare" : "common");
            }
        var data = new TestTables.ArrayView([("A", Microsoft.ML.Data.NumberDataViewType.Double, a.ToArray()), ("B", Microsoft.ML.Data.NumberDataViewType.Double, b.ToArray()),
            ("Kind", Microsoft.ML.Data.TextDataViewType.Instance, kind.Select(k => k.AsMemory()).ToArray())]);
        var settings = new ColumnFitSettings(new HashSet<string>(), 100) { Combinations = true, CombinationCategories = true };
        var (encoder, encoded) = TabularEncoder.Fit(data, ["A", "B", "Kind"], settings, () => { });
        using var _ = encoded;
        var combination = encoder.Combinations.Single();
        Assert.IsTrue(combination.Learned, combination.ToString());
        var layout = new ConditionLayout(encoder);
        int hidden = layout.IndexOfColumn(combination.Category), text = layout.IndexOfColumn(2);
        Assert.IsTrue(layout.Columns[hidden].DrawnAtFrequency);
        Assert.IsFalse(layout.Columns[text].DrawnAtFrequency);

        var sampler = new ConditionalSampler(layout, encoded, seed: 2, TrainingConditionDraw.LogFrequency);
        const int Batch = 200_000;
        var levels = new[] { new long[Batch], new long[Batch] };
        var mask = new float[Batch * 2];
        sampler.Sample(Batch, new float[Batch * layout.Width], mask, levels, new int[Batch]);
        var drawn = Enumerable.Range(0, Batch).Where(i => mask[i * 2 + hidden] == 1f).Select(i => levels[hidden][i]).ToArray();
        double total = combination.Counts.Sum(), largest = 0;
        for (int t = 0; t < combination.Count; t++)
            largest = Math.Max(largest, Math.Abs(drawn.Count(l => l == t) / (double)drawn.Length - combination.Counts[t] / total));
        Assert.IsLessThan(0.006, largest, "each entity drawn at its share of the rows (3 to 35 of 760: 0.4 % to 4.6 %)");
        // The contrast: log-frequency would give an entity of 3 rows 1.7 % of the draws against 0.4 % of the rows.
        var kindDrawn = Enumerable.Range(0, Batch).Where(i => mask[i * 2 + text] == 1f).Select(i => levels[text][i]).ToArray();
        int rare = Array.IndexOf(((TextColumn)encoder.Columns[2]).Levels, "rare");
        Assert.IsGreaterThan(0.1, kindDrawn.Count(l => l == rare) / (double)kindDrawn.Length, "the ordinary category still by log-frequency");
    }
}
