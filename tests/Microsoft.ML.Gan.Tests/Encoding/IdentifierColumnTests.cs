using System.Text.RegularExpressions;
using Microsoft.ML.Gan.Tests.Hostile;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Identifier columns (<see cref="GanTrainer.Options.Identifiers"/>): generated unique, in the training values' format,
/// never a training value; the same through a model file and a graph (which does not make them); refused where no
/// format holds them.
/// </summary>
[TestClass]
public sealed class IdentifierColumnTests
{
    public sealed class Customer
    {
        public string CustomerId { get; set; } = "";
        public int Invoice { get; set; }
        public float Amount { get; set; }
        public string Segment { get; set; } = "";
    }

    /// <summary>Customers C-000001 … with gaps, invoices numbered from 7 with gaps, amounts and segments that go together.</summary>
    private static Customer[] Customers(int count, int seed)
    {
        var random = new Random(seed);
        int id = 0, invoice = 7;
        return Enumerable.Range(0, count).Select(_ =>
        {
            bool large = random.Next(3) == 0;
            id += random.Next(1, 40);
            invoice += random.Next(1, 5);
            return new Customer
            {
                CustomerId = $"C-{id:D6}", Invoice = invoice, Amount = MathF.Round((large ? 500 : 50) * (1 + random.NextSingle()), 2), Segment = large ? "large" : "small",
            };
        }).ToArray();
    }

    private static MLContext s_ml = null!;
    private static Customer[] s_customers = null!;
    private static GanTransformer s_model = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_customers = Customers(800, seed: 2);
        s_model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 10, BatchSize = 100, NoiseDimension = 8, GeneratorLayers = [32, 32], DiscriminatorLayers = [32], Seed = 3,
            Identifiers = ["CustomerId", "Invoice"],
        }).Fit(s_ml.Data.LoadFromEnumerable(s_customers));
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    private static Customer[] Rows(IDataView view) => s_ml.Data.CreateEnumerable<Customer>(view, reuseRowObject: false).ToArray();

    [TestMethod]
    public void GeneratedIdentifiersAreUniqueInTheirFormatAndNeverATrainingOne()
    {
        var rows = Rows(s_model.Generate(5000, seed: 4));
        var ids = rows.Select(r => r.CustomerId).ToArray();
        Assert.AreEqual(5000, ids.Distinct().Count(), "unique");
        Assert.IsTrue(ids.All(i => Regex.IsMatch(i, @"^C-\d{6}$")), $"the training format, zero-padded: {ids[0]}");
        var training = s_customers.Select(c => c.CustomerId).ToHashSet();
        Assert.IsFalse(ids.Any(training.Contains), "never a training identifier");
        int greatest = s_customers.Max(c => int.Parse(c.CustomerId[2..]));
        Assert.IsTrue(ids.All(i => int.Parse(i[2..]) > greatest), "above every training number");
        Assert.IsGreaterThan(500_000, ids.Select(i => int.Parse(i[2..])).Max() - greatest, "spread over the format's room, not counted up from the last one");

        var invoices = rows.Select(r => r.Invoice).ToArray();
        Assert.AreEqual(5000, invoices.Distinct().Count());
        Assert.IsTrue(invoices.All(i => i > s_customers.Max(c => c.Invoice)), "whole numbers above the training ones");

        // The learned columns are still learned: segments and amounts go together.
        Assert.IsGreaterThan(300.0, rows.Where(r => r.Segment == "large").Average(r => r.Amount) - rows.Where(r => r.Segment == "small").Average(r => r.Amount));

        // Row p of a seed: the same identifier every time; another seed, others.
        CollectionAssert.AreEqual(ids, Rows(s_model.Generate(5000, seed: 4)).Select(r => r.CustomerId).ToArray());
        var other = Rows(s_model.Generate(5000, seed: 5)).Select(r => r.CustomerId).ToArray();
        Assert.IsLessThan(50, ids.Zip(other).Count(p => p.First == p.Second), "another seed permutes them otherwise");

        var info = s_model.Columns.Single(c => c.Name == "CustomerId");
        Assert.IsTrue(info.IsIdentifier);
        Assert.AreEqual(greatest + 1, info.Minimum);
        Assert.AreEqual(999_999, info.Maximum);
    }

    [TestMethod]
    public void SlicesOfASeedGetTheIdentifiersOfTheirRowsAndTheRoomCountsFromTheFirstRow()
    {
        var whole = Rows(s_model.Generate(900, seed: 4)).Select(r => r.CustomerId).ToArray();
        var sliced = Rows(s_model.Generate(500, 4, 0)).Concat(Rows(s_model.Generate(400, 4, 500))).Select(r => r.CustomerId).ToArray();
        CollectionAssert.AreEqual(whole, sliced, "identifiers come from the rows' places in the seed, so slices never repeat one");
        // CustomerId's six zero-padded digits run out; Invoice's numbers, of no fixed width, go on in wider ones.
        var customer = s_model.Columns.Single(c => c.Name == "CustomerId");
        long room = (long)(customer.Maximum - customer.Minimum) + 1;
        Assert.AreEqual(1, Rows(s_model.Generate(1, 4, room - 1)).Length, "the last row the format holds");
        var beyond = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_model.Generate(2, 4, room - 1));
        StringAssert.Contains(beyond.Message, "'CustomerId'");
        StringAssert.Contains(beyond.Message, $"rows {room - 1:N0} to {room:N0}");
        Assert.AreEqual(int.MaxValue, s_model.Columns.Single(c => c.Name == "Invoice").Maximum, "an Int32 of no fixed width holds numbers up to its type's maximum");
    }

    [TestMethod]
    public void NumbersOfNoFixedWidthGrowAWidthAtATimeSoASmallTableAugmentsToAnySize()
    {
        // Ids 1 to 60 (at most two digits): the first 939 generated rows get the three-digit numbers above 60, the next
        // 9,000 the four-digit ones, each block in its own order.
        var small = Enumerable.Range(1, 60).Select(i => new Customer { CustomerId = $"K{i}", Invoice = i, Amount = i % 7, Segment = i % 2 == 0 ? "a" : "b" }).ToArray();
        using var model = s_ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 1, BatchSize = 30, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 1, Identifiers = ["CustomerId", "Invoice"],
        }).Fit(s_ml.Data.LoadFromEnumerable(small));
        var rows = Rows(model.Generate(3000, seed: 2));
        var invoices = rows.Select(r => r.Invoice).ToArray();
        Assert.AreEqual(3000, invoices.Distinct().Count(), "unique across the blocks");
        Assert.IsTrue(invoices.Take(939).All(i => i is >= 61 and <= 999), $"the first block: 61 to 999 ({invoices.Take(939).Min()} to {invoices.Take(939).Max()})");
        Assert.IsTrue(invoices.Skip(939).All(i => i is >= 1000 and <= 9999), "then four digits");
        Assert.IsGreaterThan(8000, invoices.Skip(939).Max() - invoices.Skip(939).Min(), "spread over the block, not counted up");
        Assert.IsGreaterThan(900, invoices.Take(939).Max() - invoices.Take(939).Min(), "the first block is all used before the next");
        var ids = rows.Select(r => r.CustomerId).ToArray();
        Assert.AreEqual(3000, ids.Distinct().Count());
        Assert.IsTrue(ids.Take(939).All(i => Regex.IsMatch(i, "^K[1-9][0-9]{1,2}$")) && ids.Skip(939).All(i => Regex.IsMatch(i, "^K[1-9][0-9]{3}$")),
            "text identifiers of no fixed width grow the same way, with no leading zeros");

        // A row keeps its number whichever slice makes it, across a block's end too.
        var sliced = Rows(model.Generate(900, 2, 0)).Concat(Rows(model.Generate(2100, 2, 900))).Select(r => r.Invoice).ToArray();
        CollectionAssert.AreEqual(invoices, sliced);
        var far = Rows(model.Generate(50, 2, 1_000_000_000)).Select(r => r.Invoice).ToArray();
        Assert.IsTrue(far.All(i => i >= 1_000_000_000), "row 10^9 of a seed lies in the ten-digit block, up to Int32's maximum");
        var past = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(10, 2, int.MaxValue));
        StringAssert.Contains(past.Message, "Column 'Invoice' is an identifier whose format holds");

        // The graph's metadata says where the numbers go.
        using var graph = new MemoryStream();
        model.SaveAsOnnx(graph);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(graph.ToArray());
        StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.columns"], "Invoice: Identifier, not an output of this graph (made in .NET from each row's position: a number from 61 below 1000, then wider numbers below 2147483648");
        TestTables.SavedAndLoaded(s_ml, model, loaded => CollectionAssert.AreEqual(invoices, Rows(loaded.Generate(3000, seed: 2)).Select(r => r.Invoice).ToArray()));
    }

    [TestMethod]
    public void IdentifiersStayUniqueWithConditionsAndTransform()
    {
        var large = Rows(s_model.Generate(700, seed: 6, new Dictionary<string, object> { ["Segment"] = "large" }));
        Assert.IsTrue(large.All(r => r.Segment == "large"));
        Assert.AreEqual(700, large.Select(r => r.CustomerId).Distinct().Count(), "unique among the rows kept, whatever was rejected");

        var noise = s_ml.Data.LoadFromEnumerable(Enumerable.Range(0, 1500).Select(i => new NoiseRow { Noise = TestTables.Normal(8, i).Select(v => (float)v).ToArray() }));
        var scored = s_model.Transform(noise);
        var ids = TestTables.Column(scored, "CustomerId").Cast<string>().ToArray();
        Assert.AreEqual(1500, ids.Distinct().Count(), "unique across batches of a scored view");
    }

    public sealed class NoiseRow
    {
        [Microsoft.ML.Data.VectorType(8)]
        public float[] Noise { get; set; } = [];
    }

    [TestMethod]
    public void TheGraphDoesNotMakeThemAndLoadedModelsMakeTheSameOnes()
    {
        var expected = TestTables.Dump(s_model.Generate(400, seed: 9));
        TestTables.SavedAndLoaded(s_ml, s_model, loaded => CollectionAssert.AreEqual(expected, TestTables.Dump(loaded.Generate(400, seed: 9))));
        using var graph = new MemoryStream();
        s_model.SaveAsOnnx(graph);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(graph.ToArray());
        CollectionAssert.DoesNotContain(session.OutputNames.ToList(), "CustomerId");
        CollectionAssert.Contains(session.OutputNames.ToList(), "Amount");
        StringAssert.Contains(session.ModelMetadata.CustomMetadataMap["microsoft.ml.gan.columns"], "CustomerId: Identifier, not an output of this graph (made in .NET from each row's position: 'C-' + a number from");
    }

    [TestMethod]
    public void ColumnsNoFormatHoldsAreRefused()
    {
        var few = s_ml.Data.LoadFromEnumerable(Customers(60, seed: 8));
        GanTrainer.Options With(params string[] identifiers) => new() { Epochs = 1, BatchSize = 50, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 1, Identifiers = identifiers };
        var amount = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(With("Amount")).Fit(few));
        StringAssert.Contains(amount.Message, "Column 'Amount' is in Options.Identifiers but has type Single: identifiers are text (String) or whole numbers");
        var segment = Assert.ThrowsExactly<InvalidOperationException>(() => s_ml.Gan().Train(With("Segment")).Fit(few));
        StringAssert.Contains(segment.Message, "Column 'Segment' is an identifier, but its values are not a shared prefix, a number and a shared suffix");
        var unknown = Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(With("Id")).Fit(few));
        StringAssert.Contains(unknown.Message, "Options.Identifiers names 'Id', which is not one of the columns");
        var rule = With("Invoice");
        rule.Constraints.Add(GanConstraint.Positive("Invoice"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => s_ml.Gan().Train(rule).Fit(few)).Message, "names column 'Invoice', an identifier");
        var condition = Assert.ThrowsExactly<ArgumentException>(() => s_model.Generate(5, 1, new Dictionary<string, object> { ["CustomerId"] = "C-000001" }));
        StringAssert.Contains(condition.Message, "it is an identifier");

        // Two digits, zero-padded, up to 89: room for ten more.
        var tight = Enumerable.Range(0, 90).Select(i => new Customer { CustomerId = $"X-{i:D2}", Invoice = i, Amount = i, Segment = "s" }).ToArray();
        using var model = s_ml.Gan().Train(With("CustomerId")).Fit(s_ml.Data.LoadFromEnumerable(tight));
        Assert.AreEqual(10, Rows(model.Generate(10, seed: 1)).Select(r => r.CustomerId).Distinct().Count(r => Regex.IsMatch(r, "^X-9[0-9]$")));
        var full = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(11, seed: 1));
        StringAssert.Contains(full.Message, "Column 'CustomerId' is an identifier whose format holds 10 new values ('X-' + 2 digits, zero-padded, from 90)");
    }

    [TestMethod]
    public void AFileWhoseIdentifierFormatCannotHoldItsRoomIsRefused()
    {
        string folder = Directory.CreateTempSubdirectory("gan-identifiers-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.zip");
            s_model.Save(path);
            HostileFiles.EditManifest(path, manifest => manifest["Columns"]!.AsArray().First(c => (string?)c!["Name"] == "CustomerId")!["IdentifierRoom"] = 5_000_000);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => s_ml.Gan().LoadModel(path));
            StringAssert.Contains(e.Message, "the saved identifier format");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
