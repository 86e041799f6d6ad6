using System.Globalization;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A column of categories: text, key or boolean. Each category seen in training is one entry of a one-hot
/// softmax head. Missing values are categories too (a text token such as "" or "?", key value 0), flagged as
/// missing, so they are generated at their real rate and come back exactly as they were written.
/// </summary>
internal sealed class CategoricalColumnEncoder : ColumnEncoder
{
    private readonly OutputSpan[] _spans;
    private readonly ReadOnlyMemory<char>[] _textValues;

    public CategoricalColumnEncoder(ColumnEncoderState state)
        : base(state.Name, state.Kind)
    {
        Levels = state.Levels ?? [];
        Values = state.Values ?? [];
        LevelCounts = state.LevelCounts ?? [];
        LevelIsMissing = state.LevelIsMissing ?? new bool[LevelCounts.Length];
        KeyRawType = state.KeyRawType;
        KeyCount = state.KeyCount;
        int count = Kind == ColumnKind.Text ? Levels.Length : Values.Length;
        if (count == 0 || LevelCounts.Length != count || LevelIsMissing.Length != count)
            throw new InvalidDataException($"Column '{Name}': the saved categories are inconsistent.");
        _spans = [new OutputSpan(0, count, SpanActivation.Softmax)];
        _textValues = Levels.Select(l => l.AsMemory()).ToArray();
    }

    public string[] Levels { get; }
    public ulong[] Values { get; }
    public long[] LevelCounts { get; }
    public bool[] LevelIsMissing { get; }
    public string? KeyRawType { get; }
    public ulong KeyCount { get; }

    public override int Width => LevelCounts.Length;
    public override int DrawCount => 1;
    public override IReadOnlyList<OutputSpan> Spans => _spans;

    /// <summary>The text of category <paramref name="level"/> (Text columns), without allocating.</summary>
    public ReadOnlyMemory<char> TextOf(int level) => _textValues[level];

    public static CategoricalColumnEncoder FitText(string name, Dictionary<string, long> counts, ISet<string> missingTokens)
    {
        var levels = counts.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        return new CategoricalColumnEncoder(new ColumnEncoderState
        {
            Name = name, Kind = ColumnKind.Text, Levels = levels,
            LevelCounts = levels.Select(l => counts[l]).ToArray(),
            LevelIsMissing = levels.Select(missingTokens.Contains).ToArray(),
            RowCount = counts.Values.Sum(),
            MissingCount = levels.Where(missingTokens.Contains).Sum(l => counts[l]),
        });
    }

    public static CategoricalColumnEncoder FitValues(string name, ColumnKind kind, Dictionary<ulong, long> counts, Type? keyRawType, ulong keyCount)
    {
        var values = counts.Keys.Order().ToArray();
        bool isKey = kind == ColumnKind.Key;
        return new CategoricalColumnEncoder(new ColumnEncoderState
        {
            Name = name, Kind = kind, Values = values,
            LevelCounts = values.Select(v => counts[v]).ToArray(),
            // Key value 0 is ML.NET's missing key; booleans have no missing value.
            LevelIsMissing = values.Select(v => isKey && v == 0).ToArray(),
            KeyRawType = keyRawType?.Name, KeyCount = keyCount,
            RowCount = counts.Values.Sum(),
            MissingCount = isKey && counts.TryGetValue(0, out long m) ? m : 0,
        });
    }

    /// <summary>Writes the one-hot rows; <paramref name="levels"/> holds each row's category index.</summary>
    public void Encode(ReadOnlySpan<int> levels, float[] matrix, int stride, int offset)
    {
        for (int r = 0; r < levels.Length; r++)
        {
            int at = r * stride + offset;
            Array.Clear(matrix, at, Width);
            matrix[at + levels[r]] = 1f;
        }
    }

    public int Decode(ReadOnlySpan<float> logits, ReadOnlySpan<float> draws, CategorySampling sampling) =>
        Choose(logits, draws[0], sampling);

    public override (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling)
    {
        var level = OnnxChoose(g, output, offset, Width, draws, drawOffset, sampling);
        (string table, OnnxType type) = Kind switch
        {
            ColumnKind.Text => (g.StringConstant(Levels), OnnxType.String),
            ColumnKind.Boolean => (g.IntegerConstant(OnnxType.Bool, Values), OnnxType.Bool),
            _ => (g.IntegerConstant(KeyOnnxType, Values), KeyOnnxType),
        };
        return (g.Node("Gather", [table, level], ("axis", 0)), type);
    }

    /// <summary>Keys come out of the graph as their raw unsigned values (0 is ML.NET's missing key).</summary>
    private OnnxType KeyOnnxType => KeyRawType switch
    {
        nameof(Byte) => OnnxType.UInt8,
        nameof(UInt16) => OnnxType.UInt16,
        nameof(UInt64) => OnnxType.UInt64,
        _ => OnnxType.UInt32,
    };

    public Type KeyType => KeyRawType switch
    {
        nameof(Byte) => typeof(byte),
        nameof(UInt16) => typeof(ushort),
        nameof(UInt64) => typeof(ulong),
        _ => typeof(uint),
    };

    public override ColumnEncoderState ToState() => new()
    {
        Name = Name, Kind = Kind, Levels = Kind == ColumnKind.Text ? Levels : null,
        Values = Kind == ColumnKind.Text ? null : Values, LevelCounts = LevelCounts, LevelIsMissing = LevelIsMissing,
        KeyRawType = KeyRawType, KeyCount = KeyCount,
        RowCount = LevelCounts.Sum(), MissingCount = LevelCounts.Where((_, i) => LevelIsMissing[i]).Sum(),
    };

    public override GanColumnInfo ToInfo()
    {
        long total = LevelCounts.Sum();
        var names = Kind switch
        {
            ColumnKind.Text => Levels,
            ColumnKind.Boolean => Values.Select(v => v != 0 ? "True" : "False").ToArray(),
            _ => Values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray(),
        };
        return new GanColumnInfo(
            Name, ColumnKinds.ToType(Kind, KeyType, KeyCount), IsCategorical: true,
            MissingRate: total == 0 ? 0 : (double)LevelCounts.Where((_, i) => LevelIsMissing[i]).Sum() / total,
            Minimum: double.NaN, Maximum: double.NaN, Categories: names,
            CategoryFrequencies: LevelCounts.Select(c => total == 0 ? 0 : (double)c / total).ToArray());
    }
}
