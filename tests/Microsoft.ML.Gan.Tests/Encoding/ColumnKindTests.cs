using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Tests.Encoding;

/// <summary>
/// Every column kind, through its own class: found by its ML.NET type, fitted, encoded and decoded back to the
/// values it read, served by its getter in its own type, saved and restored.
/// </summary>
[TestClass]
public sealed class ColumnKindTests
{
    /// <summary>
    /// Every kind in one table: <see cref="TestTables.AllKindsTable"/> (numbers of every type, a boolean, dates with
    /// missing days, times with an offset, durations, text with a missing token, a UInt32 key with missing keys) beside keys of the other raw types with missing keys (0) and
    /// floating-point columns with missing values (NaN).
    /// </summary>
    private static IDataView EveryKind(MLContext ml, out int rows)
    {
        var all = TestTables.AllKindsTable(ml);
        rows = TestTables.Column(all, "S8").Count;
        var random = new Random(5);
        int n = rows;
        var columns = all.Schema.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type, (Array)ToArray(TestTables.Column(all, c.Name), c.Type.RawType))).ToList();
        columns.Add(("K8", new KeyDataViewType(typeof(byte), 9), Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 10)).ToArray()));
        columns.Add(("K16", new KeyDataViewType(typeof(ushort), 300), Enumerable.Range(0, n).Select(_ => (ushort)random.Next(0, 301)).ToArray()));
        columns.Add(("K64", new KeyDataViewType(typeof(ulong), 1UL << 40), Enumerable.Range(0, n).Select(_ => random.Next(8) == 0 ? 0UL : (ulong)random.NextInt64(1, 1L << 40)).ToArray()));
        columns.Add(("Missing32", NumberDataViewType.Single, Enumerable.Range(0, n).Select(_ => random.Next(5) == 0 ? float.NaN : (float)random.NextDouble()).ToArray()));
        columns.Add(("Missing64", NumberDataViewType.Double, Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 ? double.NaN : random.NextDouble() * 50).ToArray()));
        return new TestTables.ArrayView(columns);
    }

    private static Array ToArray(List<object> values, Type type)
    {
        if (type == typeof(ReadOnlyMemory<char>)) return values.Select(v => ((string)v).AsMemory()).ToArray();
        var array = Array.CreateInstance(type, values.Count);
        for (int i = 0; i < values.Count; i++) array.SetValue(values[i], i);
        return array;
    }

    [TestMethod]
    public void EveryKindIsFoundByItsTypeAndAnUnknownOneIsRefused()
    {
        var table = EveryKind(new MLContext(1), out _);
        foreach (var column in table.Schema.Where(c => !c.IsHidden))
        {
            var kind = ColumnKinds.Find(column.Type);
            Assert.IsNotNull(kind, column.Name);
            Assert.IsTrue(kind.Handles(column.Type));
            Assert.AreSame(kind, ColumnKinds.Named(kind.Name, column.Name), "a kind is found again by the name model files store");
            Assert.AreEqual(1, ColumnKinds.All.Count(k => k.Handles(column.Type)), $"{column.Name}: one kind per type");
        }
        Assert.IsNull(ColumnKinds.Find(RowIdDataViewType.Instance));
        Assert.IsNull(ColumnKinds.Find(new VectorDataViewType(NumberDataViewType.Single, 3)));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ColumnKinds.Named("Complex", "z"));
        StringAssert.Contains(e.Message, "Column 'z'");
        StringAssert.Contains(e.Message, "'Complex'");
    }

    [TestMethod]
    public void EveryKindDecodesWhatItEncodesAndServesItInItsOwnType()
    {
        // Min-max columns: decoding the encoded rows (one-hots as decisive logits) gives back each value, to float
        // precision of its range; categories, keys (missing 0 included), booleans and missing numbers exactly.
        var ml = new MLContext(1);
        var table = EveryKind(ml, out int rows);
        var names = table.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        var settings = new ColumnFitSettings(new HashSet<string>(["", "?"]), 1000, Modes: null, Seed: 1);
        var (encoder, encoded) = TabularEncoder.Fit(table, names, settings, () => { });
        using var _ = encoded;
        Assert.AreEqual(rows, encoded.Count);

        var output = new float[rows * encoder.Width];
        encoded.Expand(0, rows, output);
        foreach (var span in encoder.Spans.Where(s => s.Activation == SpanActivation.Softmax))
        {
            for (int r = 0; r < rows; r++)
            {
                for (int i = span.Start; i < span.Start + span.Length; i++) output[r * encoder.Width + i] *= 50;
            }
        }
        var decoded = new DecodedRows(encoder, rows);
        encoder.Decode(output, new float[rows * encoder.DrawCount], rows, CategorySampling.ArgMax, decoded);

        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            var column = encoder.Columns[c];
            Assert.AreEqual(table.Schema[column.Name].Type, column.Type, column.Name);
            var real = TestTables.Column(table, column.Name);
            double tolerance = column is NumericColumn n ? 1e-6 * (n.Maximum - n.Minimum) : 0;
            for (int r = 0; r < rows; r++)
            {
                object value = Read(column, decoded.Buffers[c], r);
                Assert.AreEqual(real[r].GetType(), value.GetType(), $"{column.Name}: the getter serves the column's own type");
                if (tolerance == 0 || IsNaN(real[r]) || IsDefaultDate(real[r]))
                    Assert.AreEqual(real[r], value, $"{column.Name} row {r}");
                else
                    Assert.AreEqual(Number(real[r]), Number(value), tolerance, $"{column.Name} row {r}");
            }
        }
    }

    [TestMethod]
    public void EveryKindSavesAndRestoresItsState()
    {
        var ml = new MLContext(1);
        var table = EveryKind(ml, out int rows);
        var names = table.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        var modes = new BayesianGaussianMixtureOptions { MaximumComponents = 5 };
        var (encoder, _) = TabularEncoder.Fit(table, names, new ColumnFitSettings(new HashSet<string>(["", "?"]), 1000, modes, 3), () => { });
        // Through the model file's JSON, as a saved model restores them.
        var json = new ModelDescription { Columns = encoder.Columns.Select(c => c.ToState()).ToArray() }.ToJson();
        var restored = new TabularEncoder(ModelDescription.FromJson(json)!.Columns!.Select(ColumnKinds.Restore).ToArray());

        var random = new Random(9);
        var output = Enumerable.Range(0, rows * encoder.Width).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var draws = Enumerable.Range(0, rows * encoder.DrawCount).Select(_ => random.NextSingle()).ToArray();
        var before = new DecodedRows(encoder, rows);
        var after = new DecodedRows(restored, rows);
        encoder.Decode(output, draws, rows, CategorySampling.Sample, before);
        restored.Decode(output, draws, rows, CategorySampling.Sample, after);
        for (int c = 0; c < encoder.Columns.Count; c++)
        {
            var (a, b) = (encoder.Columns[c], restored.Columns[c]);
            Assert.AreSame(a.Kind, b.Kind);
            Assert.AreEqual(a.Type, b.Type, a.Name);
            Assert.AreEqual(a.Width, b.Width, a.Name);
            Assert.AreEqual(a.ToInfo().MissingRate, b.ToInfo().MissingRate, a.Name);
            CollectionAssert.AreEqual(a.ToInfo().Categories.ToArray(), b.ToInfo().Categories.ToArray(), a.Name);
            CollectionAssert.AreEqual(before.Buffers[c], after.Buffers[c], $"{a.Name} decodes the same after restoring");
        }
    }

    [TestMethod]
    public void EveryKindComesBackFromTrainingWithItsNameTypeAndOrder()
    {
        var ml = new MLContext(1);
        var table = EveryKind(ml, out _);
        using var model = ml.Gan().Train(new GanTrainer.Options
        {
            Epochs = 2, BatchSize = 50, NoiseDimension = 8, GeneratorLayers = [16], DiscriminatorLayers = [16], Seed = 4, MissingCategoryTokens = ["", "?"],
        }).Fit(table);
        var generated = model.Generate(300, seed: 1);
        var visible = table.Schema.Where(c => !c.IsHidden).ToList();
        Assert.AreEqual(visible.Count, generated.Schema.Count);
        for (int i = 0; i < visible.Count; i++)
        {
            Assert.AreEqual(visible[i].Name, generated.Schema[i].Name);
            Assert.AreEqual(visible[i].Type, generated.Schema[i].Type, visible[i].Name);
            // Categories and keys come only from those seen in training.
            if (model.Columns[i].IsCategorical)
            {
                var seen = TestTables.Column(table, visible[i].Name).Select(Name).ToHashSet();
                Assert.IsTrue(TestTables.Column(generated, visible[i].Name).All(v => seen.Contains(Name(v))), visible[i].Name);
            }
        }
        Assert.AreEqual(300UL, ((KeyDataViewType)generated.Schema["K16"].Type).Count, "a key keeps its type's count");
    }

    private static string Name(object value) => value is bool b ? BooleanKind.NameOf(b) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;

    private static bool IsNaN(object value) => value is float f ? float.IsNaN(f) : value is double d && double.IsNaN(d);

    /// <summary>A date's missing value.</summary>
    private static bool IsDefaultDate(object value) => value is DateTime t ? t == default : value is DateTimeOffset o && o == default;

    /// <summary>A value as the number a column models: dates and durations in microseconds (since the Unix epoch for dates).</summary>
    private static double Number(object value) => value switch
    {
        DateTime t => (t - DateTime.UnixEpoch).Ticks / 10.0,
        DateTimeOffset t => (t - DateTimeOffset.UnixEpoch).Ticks / 10.0,
        TimeSpan t => t.Ticks / 10.0,
        _ => Convert.ToDouble(value),
    };

    /// <summary>Row <paramref name="row"/> of a decoded buffer, through the column's own getter.</summary>
    private static object Read(GanColumn column, Array buffer, int row)
    {
        var getter = column.CreateGetter(buffer, () => row);
        return getter switch
        {
            ValueGetter<float> g => Get(g), ValueGetter<double> g => Get(g), ValueGetter<sbyte> g => Get(g), ValueGetter<byte> g => Get(g),
            ValueGetter<short> g => Get(g), ValueGetter<ushort> g => Get(g), ValueGetter<int> g => Get(g), ValueGetter<uint> g => Get(g),
            ValueGetter<long> g => Get(g), ValueGetter<ulong> g => Get(g), ValueGetter<bool> g => Get(g),
            ValueGetter<DateTime> g => Get(g), ValueGetter<DateTimeOffset> g => Get(g), ValueGetter<TimeSpan> g => Get(g),
            ValueGetter<ReadOnlyMemory<char>> g => Get(g).ToString(),
            _ => throw new AssertFailedException($"{column.Name}: unexpected getter {getter.GetType()}"),
        };
        static T Get<T>(ValueGetter<T> g)
        {
            T value = default!;
            g(ref value);
            return value;
        }
    }
}
