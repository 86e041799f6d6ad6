using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>The condition vector of a conditional generator: one block per categorical column.</summary>
[TestClass]
public sealed class ConditionLayoutTests
{
    internal static ColumnFitSettings Settings() => new(new HashSet<string>(["", "?"]), 100);

    [TestMethod]
    public void TheConditionLayoutDrawsColumnsUniformlyAndCategoriesByFrequency()
    {
        var ml = new MLContext(1);
        var (encoder, _) = TabularEncoder.Fit(ml.Data.LoadFromEnumerable(TestTables.MixedRows(2000, seed: 5)),
            ["Height", "Income", "Age", "Children", "Owner", "City", "Segment"], Settings(), () => { });
        var layout = new ConditionLayout(encoder);
        CollectionAssert.AreEqual(new[] { "Owner", "City", "Segment" }, layout.Columns.Select(c => c.Name).ToArray());
        Assert.AreEqual(layout.Columns.Sum(c => c.Count), layout.Width);
        var condition = new float[layout.Width];
        var perColumn = new int[layout.Columns.Count];
        var city = layout.Columns[1];
        var cityCounts = new int[city.Count];
        var random = new Random(4);
        const int Draws = 30_000;
        for (int i = 0; i < Draws; i++)
        {
            layout.Fill(condition, [random.NextSingle(), random.NextSingle()]);
            Assert.AreEqual(1f, condition.Sum());
            int at = Array.IndexOf(condition, 1f);
            int d = layout.Columns.ToList().FindLastIndex(c => c.Offset <= at);
            perColumn[d]++;
            if (d == 1) cityCounts[at - city.Offset]++;
        }
        foreach (int n in perColumn) Assert.AreEqual(1.0 / 3, n / (double)Draws, 0.015);
        for (int k = 0; k < city.Count; k++) Assert.AreEqual(city.Frequencies[k], cityCounts[k] / (double)perColumn[1], 0.02, $"City category {k}");

        // A fixed condition ignores the draws.
        layout.Fill(condition, [0.99f, 0.99f], new FixedCondition(2, 1));
        Assert.AreEqual(1f, condition[layout.Columns[2].Offset + 1]);
        Assert.AreEqual(1f, condition.Sum());
        Assert.AreEqual(2, layout.IndexOfColumn(layout.Columns[2].Column));
        Assert.AreEqual(-1, layout.IndexOfColumn(0), "Height is numeric: no condition block");
    }
}
