using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>What a table of millions of rows goes through that a small one does not.</summary>
[TestClass]
public sealed class LargeTableTests
{
    [TestMethod]
    public void ValuesReadIntoBlocksSealIntoOneArrayOfTheirNumber()
    {
        var buffer = new RowBuffer<double>();
        int count = 2 * RowBuffer<double>.BlockLength + 17; // two full blocks and part of a third
        for (int i = 0; i < count; i++) buffer.Add(i * 0.5);
        var all = buffer.Seal();
        Assert.HasCount(count, all);
        Assert.AreEqual(0.0, all[0]);
        Assert.AreEqual((RowBuffer<double>.BlockLength - 1) * 0.5, all[RowBuffer<double>.BlockLength - 1]);
        Assert.AreEqual(RowBuffer<double>.BlockLength * 0.5, all[RowBuffer<double>.BlockLength], "the second block follows the first");
        Assert.AreEqual((count - 1) * 0.5, all[^1]);
        Assert.AreSame(all, buffer.Seal(), "sealed once");
        Assert.ThrowsExactly<InvalidOperationException>(() => buffer.Add(1));
        Assert.IsEmpty(new RowBuffer<int>().Seal());
    }

    [TestMethod]
    public void ATableOfMoreThanAMillionRowsFindsItsRulesOnASampleAndEncodesEveryRow()
    {
        // 1.2 million rows in which Grade (10 codes) fixes Band: the rule is found on a sample of a million of them, and
        // every row is encoded.
        int rows = TabularEncoder.StatisticsRows + 200_000;
        var grade = new int[rows];
        var band = new ReadOnlyMemory<char>[rows];
        string[] bands = ["low", "low", "low", "mid", "mid", "mid", "mid", "high", "high", "top"];
        for (int r = 0; r < rows; r++)
        {
            grade[r] = (int)((r * 2654435761L) % 10);
            band[r] = bands[grade[r]].AsMemory();
        }
        var table = new TestTables.ArrayView([("Grade", NumberDataViewType.Int32, grade), ("Band", TextDataViewType.Instance, band)]);
        var settings = new ColumnFitSettings(new HashSet<string> { "" }, 1000, Granularity: true, Dependencies: true, Seed: 3);
        var (encoder, encoded) = TabularEncoder.Fit(table, ["Grade", "Band"], settings, () => { });
        using (encoded)
        {
            Assert.AreEqual(rows, encoded.Count, "every row is encoded, not only the sample");
            var rule = encoder.Dependencies.Single();
            Assert.AreEqual("Grade", rule.DeterminantName);
            Assert.AreEqual("Band", rule.TargetName);
            Assert.HasCount(10, rule.Keys, "each grade fixes its band");
            // The last row is encoded as it is: its band's one-hot.
            var bandColumn = (TextColumn)encoder.Columns[1];
            var last = new float[encoder.Width];
            encoded.Expand(rows - 1, 1, last);
            int level = Array.IndexOf(bandColumn.Levels, bands[grade[rows - 1]]);
            Assert.AreEqual(1f, last[encoder.OffsetOf(1) + level]);
        }
        var sample = TabularEncoder.StatisticsSample(rows, 3)!;
        Assert.HasCount(TabularEncoder.StatisticsRows, sample);
        CollectionAssert.AreEqual(sample, TabularEncoder.StatisticsSample(rows, 3), "the same sample for a seed");
        Assert.IsNull(TabularEncoder.StatisticsSample(TabularEncoder.StatisticsRows, 3), "a table of a million rows uses every row");
    }
}
