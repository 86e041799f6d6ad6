using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Model;

/// <summary>
/// Model files written by release 0.1.0 (format 2; Fixtures/ holds a tiny model, its ONNX export and 20 rows it
/// generated with seed 9) load in this release and generate the same rows: the manifest's JSON and the graph's
/// inputs have not moved.
/// </summary>
[TestClass]
public sealed class CompatibilityTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Model", "Fixtures", name);

    [TestMethod]
    [DataRow("format2.zip")]
    [DataRow("format2.onnx")]
    public void AModelFileOfRelease010LoadsAndGeneratesItsRows(string file)
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().LoadModel(Fixture(file));
        CollectionAssert.AreEqual(new[] { "Height", "Income", "Age", "Owner", "City", "CityKey" }, model.Columns.Select(c => c.Name).ToArray());
        Assert.AreEqual(NumberDataViewType.Int32, model.TrainingSchema["Age"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 4), model.TrainingSchema["CityKey"].Type);
        Assert.AreEqual(5, model.Options.Seed);
        Assert.AreEqual(4, model.NoiseDimension);
        CollectionAssert.AreEqual(new[] { "", "?" }, model.Options.MissingCategoryTokens);
        Assert.HasCount(3, model.History);
        Assert.AreEqual(200L, model.TrainingRowCount);

        var expected = File.ReadAllLines(Fixture("format2-rows.txt")).Skip(1).Select(l => l.Split('\t')).ToList();
        var rows = model.Generate(20, seed: 9);
        var columns = new[] { "Height", "Income", "Age", "Owner", "City", "CityKey" }.Select(c => TestTables.Column(rows, c)).ToArray();
        for (int r = 0; r < expected.Count; r++)
        {
            // Numbers to float precision (ONNX Runtime's kernels differ in the last bits between CPUs); the rest exactly.
            Assert.AreEqual(double.Parse(expected[r][0], CultureInfo.InvariantCulture), (float)columns[0][r], 1e-3, $"Height row {r}");
            double income = double.Parse(expected[r][1], CultureInfo.InvariantCulture);
            if (double.IsNaN(income)) Assert.IsTrue(double.IsNaN((double)columns[1][r]), $"Income row {r}");
            else Assert.AreEqual(income, (double)columns[1][r], 1e-2, $"Income row {r}");
            Assert.AreEqual(int.Parse(expected[r][2], CultureInfo.InvariantCulture), columns[2][r], $"Age row {r}");
            Assert.AreEqual(bool.Parse(expected[r][3]), columns[3][r], $"Owner row {r}");
            Assert.AreEqual(expected[r][4], columns[4][r], $"City row {r}");
            Assert.AreEqual(uint.Parse(expected[r][5], CultureInfo.InvariantCulture), columns[5][r], $"CityKey row {r}");
        }
    }

    [TestMethod]
    public void AResavedModelOfRelease010KeepsItsDescription()
    {
        var ml = new MLContext(1);
        using var model = ml.Gan().LoadModel(Fixture("format2.zip"));
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var again = ml.Gan().LoadModel(stream);
        CollectionAssert.AreEqual(model.History.ToList(), again.History.ToList());
        CollectionAssert.AreEqual(TestTables.Dump(model.Generate(50, seed: 1)), TestTables.Dump(again.Generate(50, seed: 1)));
        Assert.AreEqual(model.Options.Epochs, again.Options.Epochs);
        CollectionAssert.AreEqual(model.Options.GeneratorLayers, again.Options.GeneratorLayers);
    }
}
