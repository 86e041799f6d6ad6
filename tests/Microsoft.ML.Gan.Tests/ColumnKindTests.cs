using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Every scalar column kind ML.NET has comes back with its own name, type and order, and valid values.</summary>
[TestClass]
public sealed class ColumnKindTests
{
    public sealed class AllKinds
    {
        public sbyte S8 { get; set; }
        public byte U8 { get; set; }
        public short S16 { get; set; }
        public ushort U16 { get; set; }
        public int S32 { get; set; }
        public uint U32 { get; set; }
        public long S64 { get; set; }
        public ulong U64 { get; set; }
        public float F32 { get; set; }
        public double F64 { get; set; }
        public bool Flag { get; set; }
        public string Word { get; set; } = "";
    }

    [TestMethod]
    public void EveryKindRoundTripsThroughTheSchemaWithValidValues()
    {
        var ml = new MLContext(1);
        var random = new Random(3);
        string[] words = ["red", "green", "blue"];
        var rows = Enumerable.Range(0, 300).Select(i => new AllKinds
        {
            S8 = (sbyte)random.Next(-100, 100), U8 = (byte)random.Next(10, 250), S16 = (short)random.Next(-3000, 3000),
            U16 = (ushort)random.Next(0, 60000), S32 = random.Next(-1_000_000, 1_000_000), U32 = (uint)random.Next(5, 1000),
            S64 = random.NextInt64(-10_000_000_000, 10_000_000_000), U64 = (ulong)random.NextInt64(0, 1L << 40),
            F32 = (float)random.NextDouble(), F64 = random.NextDouble() * 1e6, Flag = random.Next(2) == 0, Word = words[random.Next(3)],
        }).ToList();
        var table = ml.Transforms.Conversion.MapValueToKey("WordKey", "Word").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

        using var model = ml.Gan().Train(new GanTrainer.Options { Epochs = 3, BatchSize = 50, NoiseDimension = 8, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 4 }).Fit(table);
        var generated = model.Generate(500, seed: 1);

        var visible = table.Schema.Where(c => !c.IsHidden).ToList();
        Assert.AreEqual(visible.Count, generated.Schema.Count);
        for (int i = 0; i < visible.Count; i++)
        {
            Assert.AreEqual(visible[i].Name, generated.Schema[i].Name);
            Assert.AreEqual(visible[i].Type, generated.Schema[i].Type, visible[i].Name);
        }

        void InRange<T>(string name, Func<AllKinds, T> real) where T : IComparable<T>
        {
            var values = TestTables.Column(generated, name).Cast<T>().ToList();
            T min = rows.Min(real)!, max = rows.Max(real)!;
            Assert.IsTrue(values.All(v => v.CompareTo(min) >= 0 && v.CompareTo(max) <= 0), $"{name} in [{min}, {max}]");
        }
        InRange("S8", r => r.S8);
        InRange("U8", r => r.U8);
        InRange("S16", r => r.S16);
        InRange("S32", r => r.S32);
        InRange("U32", r => r.U32);
        InRange("S64", r => r.S64);
        InRange("F64", r => r.F64);

        var keys = TestTables.Column(generated, "WordKey").Cast<uint>().ToList();
        Assert.IsTrue(keys.All(k => k is >= 1 and <= 3), "keys are the training keys (1..3)");
        var keyType = (KeyDataViewType)generated.Schema["WordKey"].Type;
        Assert.AreEqual(3UL, keyType.Count);
    }
}
