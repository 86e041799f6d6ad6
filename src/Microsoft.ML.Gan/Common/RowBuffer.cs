namespace Microsoft.ML.Gan.Common;

/// <summary>
/// Values read one a row from a table whose length is not known beforehand, in blocks of <see cref="BlockLength"/>, then
/// sealed into one array of exactly their number. A list doubles its array as it grows, so at 20 million doubles it holds
/// 33.5 million (268 MB instead of 160) and copies the lot each time; blocks hold at most one block more and copy once.
/// </summary>
internal sealed class RowBuffer<T>
{
    /// <summary>Values a block holds.</summary>
    public const int BlockLength = 1 << 18;

    private readonly List<T[]> _blocks = [];
    private int _inLast = BlockLength;
    private T[]? _sealed;

    /// <summary>Values added.</summary>
    public int Count { get; private set; }

    public void Add(T value)
    {
        if (_sealed is not null) throw new InvalidOperationException("The buffer is sealed.");
        if (_inLast == BlockLength)
        {
            _blocks.Add(new T[BlockLength]);
            _inLast = 0;
        }
        _blocks[^1][_inLast++] = value;
        Count++;
    }

    /// <summary>The values in one array of <see cref="Count"/>: made on the first call (the blocks are then let go), the same array after.</summary>
    public T[] Seal()
    {
        if (_sealed is not null) return _sealed;
        var all = new T[Count];
        for (int b = 0; b < _blocks.Count; b++)
        {
            int length = b == _blocks.Count - 1 ? _inLast : BlockLength;
            Array.Copy(_blocks[b], 0, all, (long)b * BlockLength, length);
            _blocks[b] = null!;
        }
        _blocks.Clear();
        return _sealed = all;
    }
}
