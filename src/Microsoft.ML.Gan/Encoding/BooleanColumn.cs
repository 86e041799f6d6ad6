using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>A Boolean column: the categories false and true (those seen in training), named "False" and "True". The graph outputs bool.</summary>
internal sealed class BooleanColumn : CategoricalColumn
{
    private readonly ulong[] _values;
    private readonly int[] _levelOf = [-1, -1];

    public BooleanColumn(ColumnState state)
        : base(state.Name, state.LevelCounts, state.LevelIsMissing, state.Values?.Length ?? 0, state.LogitBiases, state.ConditionShares)
    {
        _values = state.Values!;
        for (int i = 0; i < _values.Length; i++)
        {
            if (_values[i] > 1 || _levelOf[_values[i]] >= 0) throw new InvalidDataException($"Column '{Name}': the saved Boolean values are not false and true.");
            _levelOf[_values[i]] = i;
        }
    }

    public override ColumnKind Kind => BooleanKind.Instance;
    public override DataViewType Type => BooleanDataViewType.Instance;

    public override string LevelName(int level) => BooleanKind.NameOf(_values[level] != 0);

    public override int FindLevel(object value) => value switch
    {
        bool b => _levelOf[b ? 1 : 0],
        string s when bool.TryParse(s, out bool p) => _levelOf[p ? 1 : 0],
        _ => -1,
    };

    public override OnnxType OutputType => OnnxType.Bool;

    protected override string AddOnnxTable(OnnxGraph g) => g.IntegerConstant(OnnxType.Bool, _values);

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow)
    {
        var flags = output.GetTensorDataAsSpan<bool>();
        var into = ((int[])buffer).AsSpan(firstRow, rows);
        for (int r = 0; r < into.Length; r++)
        {
            int level = _levelOf[flags[r] ? 1 : 0];
            into[r] = Known(level >= 0, level);
        }
    }

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var levels = (int[])buffer;
        return (ValueGetter<bool>)((ref bool value) => value = _values[levels[row()]] != 0);
    }

    public override ColumnState ToState()
    {
        var state = BaseState();
        state.Values = _values;
        return state;
    }
}

/// <summary>Boolean columns: false before true.</summary>
internal sealed class BooleanKind : CategoricalKind
{
    public static BooleanKind Instance { get; } = new();

    /// <summary>A Boolean category's name, the same wherever the library shows it.</summary>
    public static string NameOf(bool value) => value ? "True" : "False";

    public override string Name => "Boolean";

    public override string Description => "Boolean";

    public override bool Handles(DataViewType type) => type is BooleanDataViewType;

    public override CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<bool>(column);
        bool value = false;
        return (out bool missing) =>
        {
            getter(ref value);
            missing = false; // ML.NET booleans have no missing value
            return NameOf(value);
        };
    }

    public override CategoricalColumn Create(DataViewSchema.Column column, IReadOnlyList<SeenCategory> categories)
    {
        var sorted = categories.OrderBy(c => bool.Parse(c.Name)).ToArray();
        return new BooleanColumn(new ColumnState
        {
            Name = column.Name, Kind = Name, Values = sorted.Select(c => bool.Parse(c.Name) ? 1UL : 0UL).ToArray(),
            LevelCounts = sorted.Select(c => c.Count).ToArray(), LevelIsMissing = sorted.Select(c => c.Missing).ToArray(),
        });
    }

    public override GanColumn Restore(ColumnState state) => new BooleanColumn(state);
}
