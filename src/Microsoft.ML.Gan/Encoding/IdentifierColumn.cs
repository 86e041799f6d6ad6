using System.Globalization;
using System.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// An identifier (<see cref="GanTrainer.Options.Identifiers"/>): a text column written as a fixed prefix, a number and
/// a fixed suffix (<c>C-000123</c>, <c>INV2024-17</c>), or a column of whole numbers. It takes no part in the network
/// (no width in the encoded row, no output of the graph): generated rows get identifiers made from their position in
/// what is generated, unique among them and never one a training row holds. Row p of a seed gets a number above every
/// training value, written in the training values' format. Zero-padded numbers keep their width:
/// row p gets <see cref="First"/> + π(p), π a bijection of [0, <see cref="FirstBlock"/>) keyed by the seed. Numbers of
/// no fixed width take one digit more than the widest training number first (the first block, from <see cref="First"/>
/// below 10^(widest + 1)), and the rows past that block take the next width's numbers (10^k to 10^(k + 1) − 1, each
/// block permuted by its own key), and so on up to the column type's maximum: a table of a few hundred rows numbered 1,
/// 2, … grows to any size, its generated identifiers as short as the count allows, and row p of a seed keeps its number
/// whatever else is generated. A model file keeps the format and the first block, not the training identifiers.
/// </summary>
internal sealed class IdentifierColumn : MadeColumn
{
    /// <summary>The most generated identifiers one format may hold beyond the training ones.</summary>
    private const long MaximumRoom = 1L << 62;

    public IdentifierColumn(ColumnState state)
        : base(state.Name)
    {
        Prefix = state.IdentifierPrefix ?? "";
        Suffix = state.IdentifierSuffix ?? "";
        Digits = state.IdentifierDigits;
        First = state.IdentifierFirst;
        FirstBlock = state.IdentifierRoom;
        RowCount = state.RowCount;
        ValueType = state.IdentifierType switch
        {
            "String" => TextDataViewType.Instance,
            "Int32" => NumberDataViewType.Int32,
            "Int64" => NumberDataViewType.Int64,
            "UInt32" => NumberDataViewType.UInt32,
            "UInt64" => NumberDataViewType.UInt64,
            _ => throw new InvalidDataException($"Column '{Name}': an identifier of type '{Common.Text.Printable(state.IdentifierType ?? "", 40)}', which is none of String, Int32, Int64, UInt32, UInt64."),
        };
        if (Digits is < 0 or > 18 || First < 0 || FirstBlock < 1 || FirstBlock > MaximumRoom || First > long.MaxValue - FirstBlock
            || Digits > 0 && First + FirstBlock > Pow10(Digits) || ValueType is not TextDataViewType && (Prefix.Length > 0 || Suffix.Length > 0 || Digits > 0)
            || Prefix.Length > 100 || Suffix.Length > 100 || Prefix.Length > 0 && char.IsDigit(Prefix[^1]) || Suffix.Length > 0 && char.IsDigit(Suffix[0]))
            throw new InvalidDataException($"Column '{Name}': the saved identifier format (prefix, digits, suffix, numbers from {First} for {FirstBlock}) is inconsistent.");
        if (ValueType is NumberDataViewType && First + FirstBlock - 1 > TypeMaximum(ValueType))
            throw new InvalidDataException($"Column '{Name}': the saved identifiers reach beyond what a {ValueType} holds.");
        _blockEnds = BlockEnds(First, FirstBlock, Digits, ValueType);
        Room = Math.Min(MaximumRoom, _blockEnds[^1] - First);
    }

    /// <summary>Where each block of numbers ends (exclusive): the first at <see cref="First"/> + <see cref="FirstBlock"/>, each next one ten times further.</summary>
    private readonly long[] _blockEnds;

    public string Prefix { get; }
    public string Suffix { get; }

    /// <summary>The number's fixed width, zero-padded; 0 where the widths vary (no leading zeros).</summary>
    public int Digits { get; }

    /// <summary>The least number generated: one above the greatest training identifier's.</summary>
    public long First { get; }

    /// <summary>
    /// How many identifiers the first block holds from <see cref="First"/> on: below 10^digits where the numbers are
    /// zero-padded (all the format holds), below 10^(widest + 1) where they have no fixed width (the model file's room).
    /// </summary>
    public long FirstBlock { get; }

    /// <summary>How many identifiers the format holds from <see cref="First"/> on: the first block and, where the numbers have no fixed width, every wider one the type holds.</summary>
    public override long Room { get; }

    public long RowCount { get; }

    private DataViewType ValueType { get; }

    public override ColumnKind Kind => IdentifierKind.Instance;
    public override DataViewType Type => ValueType;

    /// <summary>The numbers of the rows, as <see cref="Stamp"/> writes them.</summary>
    public override Array CreateBuffer(int capacity) => new long[capacity];


    /// <summary>
    /// Writes the numbers of <paramref name="rows"/> rows whose positions in what is generated start at
    /// <paramref name="firstPosition"/> into <paramref name="buffer"/> from its row <paramref name="firstRow"/> on.
    /// </summary>
    /// <exception cref="InvalidOperationException">A position beyond the format's room.</exception>
    public override void Stamp(Array buffer, int firstRow, int rows, long firstPosition, ulong seed)
    {
        var numbers = (long[])buffer;
        if (firstPosition + rows > Room)
            throw new InvalidOperationException($"Column '{Name}' is an identifier whose format holds {Room:N0} new values above the training ones " +
                $"({Describe()}); generated rows need one each. Generate fewer rows, or leave the column out of Options.Identifiers.");
        for (int i = 0; i < rows; i++) numbers[firstRow + i] = Number(firstPosition + i, seed);
    }

    /// <summary>
    /// Row <paramref name="position"/>'s number: its place in its block, permuted by the block's key (the first block's
    /// key is the seed alone, as in files written before the wider blocks), from the block's start.
    /// </summary>
    private long Number(long position, ulong seed)
    {
        long start = First;
        for (int block = 0; block < _blockEnds.Length; block++)
        {
            long size = _blockEnds[block] - start;
            if (position < size)
                return start + Permute((ulong)position, block == 0 ? seed : NoiseSource.Mix(seed ^ ((ulong)block * NoiseSource.Golden)), size);
            position -= size;
            start = _blockEnds[block];
        }
        throw new InvalidOperationException($"Column '{Name}': row {position:N0} lies beyond the format's {Room:N0} identifiers.");
    }

    /// <summary>
    /// The ends of the blocks: <paramref name="first"/> + <paramref name="firstBlock"/>, then, where the numbers have no
    /// fixed width and the first block ends at a power of ten below what the type holds, each next power of ten (the
    /// last capped at the type's maximum + 1, or at 10^18 for text, whose numbers are read back in at most 18 digits).
    /// </summary>
    internal static long[] BlockEnds(long first, long firstBlock, int digits, DataViewType type)
    {
        var ends = new List<long> { first + firstBlock };
        long limit = type is NumberDataViewType ? (TypeMaximum(type) == long.MaxValue ? long.MaxValue : TypeMaximum(type) + 1) : Pow10(18);
        long end = ends[0];
        if (digits > 0 || !IsPowerOfTen(end)) return [.. ends];
        while (end < limit && end <= long.MaxValue / 10)
        {
            end = Math.Min(end * 10, limit);
            ends.Add(end);
        }
        return [.. ends];
    }

    private static bool IsPowerOfTen(long n)
    {
        long p = 1;
        while (p < n && p <= long.MaxValue / 10) p *= 10;
        return p == n;
    }

    /// <summary>The format in words: "C-" + 6 digits, zero-padded, from 32,562.</summary>
    public override string Describe() => ValueType is TextDataViewType
        ? $"'{Prefix}' + {(Digits > 0 ? $"{Digits} digits, zero-padded" : "a number")}{(Suffix.Length > 0 ? $" + '{Suffix}'" : "")}, from {First:N0}"
        : $"whole numbers from {First:N0}";

    /// <summary>The text of number <paramref name="n"/>.</summary>
    public string Format(long n) => Prefix + n.ToString(Digits > 0 ? "D" + Digits.ToString(CultureInfo.InvariantCulture) : "D", CultureInfo.InvariantCulture) + Suffix;

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var numbers = (long[])buffer;
        return ValueType switch
        {
            TextDataViewType => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = Format(numbers[row()]).AsMemory()),
            _ when ValueType == NumberDataViewType.Int32 => (ValueGetter<int>)((ref int v) => v = (int)numbers[row()]),
            _ when ValueType == NumberDataViewType.Int64 => (ValueGetter<long>)((ref long v) => v = numbers[row()]),
            _ when ValueType == NumberDataViewType.UInt32 => (ValueGetter<uint>)((ref uint v) => v = (uint)numbers[row()]),
            _ => (ValueGetter<ulong>)((ref ulong v) => v = (ulong)numbers[row()]),
        };
    }

    public override GanColumnInfo ToInfo() => new(Name, Type, IsCategorical: false, MissingRate: 0, First, First + Room - 1, Categories: [], CategoryFrequencies: [],
        Step: 1) { IsIdentifier = true };

    public override ColumnState ToState() => new()
    {
        Name = Name, Kind = Kind.Name, RowCount = RowCount, IdentifierType = ValueType is TextDataViewType ? "String" : ValueType.RawType.Name,
        IdentifierPrefix = Prefix, IdentifierSuffix = Suffix, IdentifierDigits = Digits, IdentifierFirst = First, IdentifierRoom = FirstBlock,
    };

    /// <summary>
    /// π: a bijection of [0, <paramref name="size"/>) keyed by the seed: a four-round Feistel network on the smallest
    /// even number of bits that holds the size, walked again while it lands beyond it (each walk stays a bijection).
    /// </summary>
    private long Permute(ulong position, ulong seed, long size)
    {
        int bits = Math.Max(2, 64 - BitOperations.LeadingZeroCount((ulong)(size - 1)));
        if (bits % 2 == 1) bits++;
        int half = bits / 2;
        ulong mask = (1UL << half) - 1;
        ulong x = position;
        do
        {
            ulong left = x >> half, right = x & mask;
            for (ulong round = 0; round < 4; round++)
            {
                ulong f = NoiseSource.Mix(right ^ (seed * NoiseSource.Golden) ^ (round << 56) ^ ((ulong)Name.Length << 48)) & mask;
                (left, right) = (right, left ^ f);
            }
            x = (left << half) | right;
        }
        while (x >= (ulong)size);
        return (long)x;
    }

    internal static long Pow10(int digits)
    {
        long p = 1;
        for (int i = 0; i < digits; i++) p *= 10;
        return p;
    }

    internal static long TypeMaximum(DataViewType type) =>
        type == NumberDataViewType.Int32 ? int.MaxValue : type == NumberDataViewType.UInt32 ? uint.MaxValue : long.MaxValue;

    /// <summary>The room of a format from <paramref name="first"/> on: below 10^digits (10^(widest + 1) where the widths vary) and the type's maximum.</summary>
    internal static long RoomFrom(long first, int fixedDigits, int widest, DataViewType type)
    {
        long end = fixedDigits > 0 ? Pow10(fixedDigits) : widest >= 18 ? long.MaxValue : Pow10(widest + 1);
        if (type is NumberDataViewType) end = Math.Min(end, TypeMaximum(type) == long.MaxValue ? long.MaxValue : TypeMaximum(type) + 1);
        return Math.Min(MaximumRoom, Math.Max(0, end - first));
    }
}

/// <summary>Identifier columns: chosen by <see cref="GanTrainer.Options.Identifiers"/>, never by type (<see cref="Handles"/> is false).</summary>
internal sealed class IdentifierKind : ColumnKind
{
    public static IdentifierKind Instance { get; } = new();

    public override string Name => "Identifier";

    public override string Description => "identifier (text or whole numbers)";

    public override bool Handles(DataViewType type) => false;

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new IdentifierFitter(column);

    public override GanColumn Restore(ColumnState state) => new IdentifierColumn(state);

    /// <summary>Whether a column of <paramref name="type"/> can be an identifier.</summary>
    public static bool Accepts(DataViewType type) => type is TextDataViewType || type == NumberDataViewType.Int32 || type == NumberDataViewType.Int64
        || type == NumberDataViewType.UInt32 || type == NumberDataViewType.UInt64;
}

/// <summary>
/// Reads an identifier column and learns its format: the prefix and suffix every value shares (without digits next
/// to the number), the number between them, and whether its width is fixed (zero-padded). Refuses values of any other
/// shape, naming the first, and missing values.
/// </summary>
internal sealed class IdentifierFitter(DataViewSchema.Column column) : ColumnFitter(column)
{
    private readonly List<string> _texts = [];
    private readonly List<long> _numbers = [];
    private Func<long, (string? Text, long Number)>? _read;

    public override void Bind(DataViewRowCursor cursor)
    {
        var type = Column.Type;
        if (type is TextDataViewType)
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(Column);
            ReadOnlyMemory<char> v = default;
            _read = _ => { getter(ref v); return (v.ToString(), 0); };
        }
        else if (type == NumberDataViewType.Int32) _read = Number<int>(cursor);
        else if (type == NumberDataViewType.Int64) _read = Number<long>(cursor);
        else if (type == NumberDataViewType.UInt32) _read = Number<uint>(cursor);
        else _read = Number<ulong>(cursor);
    }

    private Func<long, (string?, long)> Number<T>(DataViewRowCursor cursor) where T : IBinaryInteger<T>
    {
        var getter = cursor.GetGetter<T>(Column);
        T v = T.Zero;
        return row =>
        {
            getter(ref v);
            if (T.IsNegative(v) || ulong.CreateTruncating(v) > long.MaxValue / 2)
                throw new InvalidOperationException($"Column '{Name}' is an identifier, but holds {v} at row {row:N0}: identifiers are whole numbers from 0 to 2^62.");
            return (null, long.CreateTruncating(v));
        };
    }

    public override void Read(long row)
    {
        var (text, number) = _read!(row);
        if (text is null) _numbers.Add(number);
        else
        {
            if (text.Length == 0)
                throw new InvalidOperationException($"Column '{Name}' is an identifier, but row {row:N0} has none (empty text): every row needs one.");
            _texts.Add(text);
        }
    }

    public override GanColumn Fit() => IdentifierKind.Instance.Restore(FitState());

    private ColumnState FitState()
    {
        var state = new ColumnState { Name = Name, Kind = IdentifierKind.Instance.Name, IdentifierType = Column.Type is TextDataViewType ? "String" : Column.Type.RawType.Name };
        long greatest;
        int digits = 0, widest;
        if (Column.Type is TextDataViewType)
        {
            state.RowCount = _texts.Count;
            var (prefix, suffix) = SharedParts(_texts);
            greatest = -1;
            widest = 0;
            bool fixedWidth = true, padded = false;
            int width = -1;
            for (int i = 0; i < _texts.Count; i++)
            {
                string t = _texts[i];
                string middle = t.Length >= prefix.Length + suffix.Length ? t[prefix.Length..^suffix.Length] : "";
                if (middle.Length == 0 || middle.Length > 18 || !middle.All(char.IsAsciiDigit))
                    throw new InvalidOperationException($"Column '{Name}' is an identifier, but its values are not a shared prefix, a number and a shared suffix " +
                        $"('{Common.Text.Printable(t, 60)}' at row {i:N0}; prefix '{prefix}', suffix '{suffix}'). Identifiers like C-000123 or INV-17 are generated in their format; " +
                        "leave other columns out of Options.Identifiers (and out of Options.Columns, or make them categories).");
                if (width >= 0 && middle.Length != width) fixedWidth = false;
                width = middle.Length;
                padded |= middle.Length > 1 && middle[0] == '0';
                widest = Math.Max(widest, middle.Length);
                greatest = Math.Max(greatest, long.Parse(middle, CultureInfo.InvariantCulture));
            }
            if (padded && !fixedWidth)
                throw new InvalidOperationException($"Column '{Name}' is an identifier whose numbers are zero-padded to different widths: no one format writes them. " +
                    "Leave it out of Options.Identifiers, or pad every value to one width.");
            if (fixedWidth && padded) digits = widest;
            state.IdentifierPrefix = prefix;
            state.IdentifierSuffix = suffix;
        }
        else
        {
            state.RowCount = _numbers.Count;
            greatest = _numbers.Max();
            widest = greatest.ToString(CultureInfo.InvariantCulture).Length;
        }
        if (state.RowCount == 0) throw new InvalidOperationException($"Column '{Name}' is an identifier, but the table has no rows.");
        state.IdentifierDigits = digits;
        state.IdentifierFirst = greatest + 1;
        state.IdentifierRoom = IdentifierColumn.RoomFrom(greatest + 1, digits, widest, Column.Type);
        if (state.IdentifierRoom < 1)
            throw new InvalidOperationException($"Column '{Name}' is an identifier whose format has no room above its greatest value ({greatest:N0}): no new identifier can be written in it.");
        return state;
    }

    /// <summary>The prefix every value starts with (not ending in a digit) and the suffix every value ends with after it (not starting with one).</summary>
    public static (string Prefix, string Suffix) SharedParts(IReadOnlyList<string> values)
    {
        string prefix = values.Aggregate(values[0], (p, t) => Shared(p, t, fromStart: true));
        while (prefix.Length > 0 && char.IsDigit(prefix[^1])) prefix = prefix[..^1];
        string suffix = values.Aggregate(values[0][prefix.Length..], (s, t) => Shared(s, t[prefix.Length..], fromStart: false));
        while (suffix.Length > 0 && char.IsDigit(suffix[0])) suffix = suffix[1..];
        return (prefix, suffix);
    }

    /// <summary>Whether every value is <see cref="SharedParts"/>' prefix, a number of at most 18 digits, and its suffix.</summary>
    public static bool IsPrefixNumberSuffix(IReadOnlyList<string> values)
    {
        var (prefix, suffix) = SharedParts(values);
        return values.All(v => v.Length > prefix.Length + suffix.Length && v[prefix.Length..^suffix.Length] is var middle && middle.Length <= 18 && middle.All(char.IsAsciiDigit));
    }

    /// <summary>The longest common start (or end) of two texts.</summary>
    private static string Shared(string a, string b, bool fromStart)
    {
        int n = 0, limit = Math.Min(a.Length, b.Length);
        while (n < limit && (fromStart ? a[n] == b[n] : a[^(n + 1)] == b[^(n + 1)])) n++;
        return fromStart ? a[..n] : a[^n..];
    }

    /// <summary>Identifiers have no width: nothing to encode.</summary>
    public override void Encode(GanColumn fitted, float[] matrix, int stride, int offset, int firstRow, int rows)
    {
    }

    /// <summary>One code for every row: an identifier takes part in no dependency.</summary>
    public override (int[] Codes, double[] Values) Coded(GanColumn fitted, int[]? rows = null) => (new int[rows?.Length ?? Math.Max(_texts.Count, _numbers.Count)], [double.NaN]);
}
