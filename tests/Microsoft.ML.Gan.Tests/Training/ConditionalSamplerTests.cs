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
}
