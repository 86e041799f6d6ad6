using System.Globalization;
using System.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A key column (ML.NET's categorical indices) with raw type <typeparamref name="T"/>: its categories are the raw
/// key values seen in training, ascending, named by their number; value 0 is ML.NET's missing key. The graph outputs
/// the raw unsigned value. Generated rows keep the key type, its count included.
/// </summary>
internal sealed class KeyColumn<T> : CategoricalColumn
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private readonly ulong[] _values;
    private readonly Dictionary<ulong, int> _levelOf = [];

    public KeyColumn(ColumnState state)
        : base(state.Name, state.LevelCounts, state.LevelIsMissing, state.Values?.Length ?? 0, state.LogitBiases, state.ConditionShares)
    {
        _values = state.Values!;
        KeyCount = state.KeyCount;
        ulong limit = ulong.CreateSaturating(T.AllBitsSet);
        if (KeyCount > limit) throw new InvalidDataException($"Column '{Name}': the saved key count {KeyCount} does not fit the key's raw type {typeof(T).Name}.");
        for (int i = 0; i < _values.Length; i++)
        {
            if (_values[i] > limit || (KeyCount > 0 && _values[i] > KeyCount) || !_levelOf.TryAdd(_values[i], i))
                throw new InvalidDataException($"Column '{Name}': the saved key value {_values[i]} is repeated or outside the key's range.");
        }
        Type = new KeyDataViewType(typeof(T), KeyCount);
    }

    /// <summary>The key type's count of values (0: unknown).</summary>
    public ulong KeyCount { get; }

    public override ColumnKind Kind => KeyKind.Instance;
    public override DataViewType Type { get; }

    public override string LevelName(int level) => _values[level].ToString(CultureInfo.InvariantCulture);

    public override int FindLevel(object value)
    {
        ulong? key = value switch
        {
            byte or ushort or uint or ulong => Convert.ToUInt64(value, CultureInfo.InvariantCulture),
            int or long or short or sbyte when Convert.ToInt64(value, CultureInfo.InvariantCulture) >= 0 => Convert.ToUInt64(value, CultureInfo.InvariantCulture),
            string s when ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong p) => p,
            _ => null,
        };
        return key is ulong k && _levelOf.TryGetValue(k, out int level) ? level : -1;
    }

    public override OnnxType OutputType => OnnxTypes.Of<T>();

    protected override string AddOnnxTable(OnnxGraph g) => g.IntegerConstant(OutputType, _values);

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow) => ReadLevels<T>(output, rows, buffer, firstRow, _levelOf);

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var levels = (int[])buffer;
        return (ValueGetter<T>)((ref T value) => value = T.CreateTruncating(_values[levels[row()]]));
    }

    public override ColumnState ToState()
    {
        var state = BaseState();
        state.Values = _values;
        state.KeyRawType = typeof(T).Name;
        state.KeyCount = KeyCount;
        return state;
    }
}

/// <summary>Key columns of any raw type (Byte, UInt16, UInt32, UInt64): the one place that tells the raw types apart.</summary>
internal sealed class KeyKind : CategoricalKind
{
    public static KeyKind Instance { get; } = new();

    public override string Name => "Key";

    public override string Description => "key types";

    public override bool Handles(DataViewType type) => type is KeyDataViewType;

    public override CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column) =>
        RawType(column.Type.RawType.Name, column.Name).CreateReader(cursor, column);

    public override CategoricalColumn Create(DataViewSchema.Column column, IReadOnlyList<SeenCategory> categories)
    {
        var sorted = categories.OrderBy(c => ulong.Parse(c.Name, CultureInfo.InvariantCulture)).ToArray();
        var state = new ColumnState
        {
            Name = column.Name, Kind = Name, Values = sorted.Select(c => ulong.Parse(c.Name, CultureInfo.InvariantCulture)).ToArray(),
            LevelCounts = sorted.Select(c => c.Count).ToArray(), LevelIsMissing = sorted.Select(c => c.Missing).ToArray(),
            KeyRawType = column.Type.RawType.Name, KeyCount = ((KeyDataViewType)column.Type).Count,
        };
        return (CategoricalColumn)Restore(state);
    }

    public override GanColumn Restore(ColumnState state) => RawType(state.KeyRawType ?? nameof(UInt32), state.Name).Restore(state);

    private static Raw RawType(string name, string column) => name switch
    {
        nameof(Byte) => Raw<byte>.Instance,
        nameof(UInt16) => Raw<ushort>.Instance,
        nameof(UInt32) => Raw<uint>.Instance,
        nameof(UInt64) => Raw<ulong>.Instance,
        _ => throw new InvalidDataException($"Column '{column}': '{name}' is not a raw type of ML.NET keys (Byte, UInt16, UInt32 or UInt64)."),
    };

    private abstract class Raw
    {
        public abstract CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column);

        public abstract GanColumn Restore(ColumnState state);
    }

    private sealed class Raw<T> : Raw
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        public static Raw<T> Instance { get; } = new();

        public override CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var getter = cursor.GetGetter<T>(column);
            var names = new Dictionary<T, string>();
            T value = default;
            return (out bool missing) =>
            {
                getter(ref value);
                missing = value == T.Zero; // ML.NET's missing key
                if (!names.TryGetValue(value, out var name)) names.Add(value, name = ulong.CreateTruncating(value).ToString(CultureInfo.InvariantCulture));
                return name;
            };
        }

        public override GanColumn Restore(ColumnState state) => new KeyColumn<T>(state);
    }
}
