using System.Buffers;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>A text column (ReadOnlyMemory&lt;char&gt;) of categories, ordered by ordinal comparison. The graph outputs strings.</summary>
internal sealed class TextColumn : CategoricalColumn
{
    private readonly ReadOnlyMemory<char>[] _text;
    private readonly Dictionary<string, int> _levels;

    public TextColumn(ColumnState state)
        : base(state.Name, state.LevelCounts, state.LevelIsMissing, state.Levels?.Length ?? 0, state.LogitBiases, state.ConditionShares)
    {
        Levels = state.Levels!;
        if (Levels.Any(l => l is null)) throw new InvalidDataException($"Column '{Name}': a saved category is null.");
        _text = Levels.Select(l => l.AsMemory()).ToArray();
        _levels = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Levels.Length; i++)
        {
            if (!_levels.TryAdd(Levels[i], i)) throw new InvalidDataException($"Column '{Name}': category '{Levels[i]}' is saved twice.");
        }
    }

    /// <summary>The categories' texts, in the model's order.</summary>
    public string[] Levels { get; }

    public override ColumnKind Kind => TextKind.Instance;
    public override DataViewType Type => TextDataViewType.Instance;

    public override string LevelName(int level) => Levels[level];

    public override int FindLevel(object value) => value switch
    {
        string s => _levels.GetValueOrDefault(s, -1),
        ReadOnlyMemory<char> m => _levels.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(m.Span, out int l) ? l : -1,
        _ => -1,
    };

    public override OnnxType OutputType => OnnxType.String;

    protected override string AddOnnxTable(OnnxGraph g) => g.StringConstant(Levels);

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow)
    {
        // ONNX Runtime hands out each string as UTF-8 bytes; decode into one buffer and look it up without allocating.
        var into = ((int[])buffer).AsSpan(firstRow, rows);
        var lookup = _levels.GetAlternateLookup<ReadOnlySpan<char>>();
        char[] chars = ArrayPool<char>.Shared.Rent(256);
        try
        {
            for (int r = 0; r < rows; r++)
            {
                var utf8 = output.GetStringElementAsSpan(r);
                if (utf8.Length > chars.Length)
                {
                    ArrayPool<char>.Shared.Return(chars);
                    chars = ArrayPool<char>.Shared.Rent(utf8.Length);
                }
                int length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
                into[r] = Known(lookup.TryGetValue(chars.AsSpan(0, length), out int l), l);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var levels = (int[])buffer;
        return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = _text[levels[row()]]);
    }

    public override ColumnState ToState()
    {
        var state = BaseState();
        state.Levels = Levels;
        return state;
    }
}

/// <summary>Text columns: categories by their text.</summary>
internal sealed class TextKind : CategoricalKind
{
    public static TextKind Instance { get; } = new();

    public override string Name => "Text";

    public override string Description => "Text (ReadOnlyMemory<char>)";

    public override bool Handles(DataViewType type) => type is TextDataViewType;

    public override CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> value = default;
        return (out bool missing) =>
        {
            getter(ref value);
            missing = false; // text is missing only where a token says so
            return value.Span;
        };
    }

    public override CategoricalColumn Create(DataViewSchema.Column column, IReadOnlyList<SeenCategory> categories)
    {
        var sorted = categories.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
        return new TextColumn(new ColumnState
        {
            Name = column.Name, Kind = Name, Levels = sorted.Select(c => c.Name).ToArray(),
            LevelCounts = sorted.Select(c => c.Count).ToArray(), LevelIsMissing = sorted.Select(c => c.Missing).ToArray(),
        });
    }

    public override GanColumn Restore(ColumnState state) => new TextColumn(state);
}
