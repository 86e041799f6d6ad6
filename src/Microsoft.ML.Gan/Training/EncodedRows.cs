using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The encoded training rows, kept compactly: a row's tanh spans as floats and each softmax span (an exact one-hot)
/// as the index of its 1, in one, two or four bytes as the span's length needs. Adult's 170 encoded floats (680 bytes)
/// take 39 bytes, so 20 million rows take 780 MB where the float matrix would take 13.6 GB. Batches are expanded back to
/// floats as they are drawn (<see cref="Gather"/>), which on a CPU costs a few microseconds against a step's tens of
/// milliseconds. The rows live in native memory, or, for a table too large for that, in a temporary file that is
/// written once and then mapped read-only, so that the operating system pages rows in and out as training draws them
/// (<see cref="TrainingRowStorage"/>).
/// </summary>
internal sealed unsafe class EncodedRows : IDisposable
{
    /// <summary>With <see cref="TrainingRowStorage.Auto"/>, rows taking more bytes than this go to a temporary file.</summary>
    public const long MemoryLimitBytes = 1L << 30;

    private readonly int[] _scalarAt;      // per tanh span: its float in the encoded row
    private readonly int[] _choiceStart;   // per softmax span: its first float in the encoded row
    private readonly int[] _choiceLength;  // per softmax span: its floats
    private readonly int[] _choiceBytes;   // per softmax span: 1, 2 or 4
    private readonly int[] _choiceOffset;  // per softmax span: its index's byte within a record
    private byte* _base;
    private readonly FileStream? _writer;
    private readonly string? _path;
    private bool _disposed;

    private EncodedRows(IReadOnlyList<OutputSpan> spans, int width, int rows)
    {
        var layout = new RowLayout(spans, width);
        Width = width;
        Count = rows;
        (_scalarAt, _choiceStart, _choiceLength, _choiceBytes, _choiceOffset) = (layout.ScalarAt, layout.ChoiceStart, layout.ChoiceLength, layout.ChoiceBytes, layout.ChoiceOffset);
        RecordBytes = layout.RecordBytes;
    }

    /// <summary>Where each span of an encoded row goes in a record: the tanh spans' floats first, then each softmax span's index.</summary>
    private sealed class RowLayout
    {
        public RowLayout(IReadOnlyList<OutputSpan> spans, int width)
        {
            var scalars = new List<int>();
            var choices = new List<OutputSpan>();
            int covered = 0;
            foreach (var span in spans.OrderBy(s => s.Start))
            {
                if (span.Start != covered || span.Length < 1)
                    throw new InvalidOperationException($"The encoded row's spans do not tile it: a span starts at {span.Start}, {covered} expected.");
                covered += span.Length;
                if (span.Activation == SpanActivation.Tanh)
                {
                    if (span.Length != 1) throw new InvalidOperationException($"A tanh span of {span.Length} floats: compact rows keep one float a tanh span.");
                    scalars.Add(span.Start);
                }
                else choices.Add(span);
            }
            if (covered != width) throw new InvalidOperationException($"The encoded row's spans cover {covered} of its {width} floats.");
            ScalarAt = scalars.ToArray();
            ChoiceStart = choices.Select(s => s.Start).ToArray();
            ChoiceLength = choices.Select(s => s.Length).ToArray();
            ChoiceBytes = choices.Select(s => s.Length <= byte.MaxValue + 1 ? 1 : s.Length <= ushort.MaxValue + 1 ? 2 : 4).ToArray();
            ChoiceOffset = new int[choices.Count];
            int at = 4 * ScalarAt.Length;
            for (int i = 0; i < choices.Count; i++)
            {
                ChoiceOffset[i] = at;
                at += ChoiceBytes[i];
            }
            RecordBytes = Math.Max(1, at);
        }

        public int[] ScalarAt { get; }
        public int[] ChoiceStart { get; }
        public int[] ChoiceLength { get; }
        public int[] ChoiceBytes { get; }
        public int[] ChoiceOffset { get; }
        public int RecordBytes { get; }
    }

    /// <summary>Rows held.</summary>
    public int Count { get; }

    /// <summary>Floats in an encoded row (<see cref="TabularEncoder.Width"/>).</summary>
    public int Width { get; }

    /// <summary>Bytes a row takes here.</summary>
    public int RecordBytes { get; }

    /// <summary>Bytes all the rows take.</summary>
    public long TotalBytes => (long)Count * RecordBytes;

    /// <summary>Whether the rows are in a temporary file (mapped into memory) rather than in memory of their own.</summary>
    public bool OnDisk => _writer is not null;

    /// <summary>The name the file of rows on disk was made with (deleted at once where the system allows, at the end elsewhere); null in memory.</summary>
    public string? FilePath => _path;

    /// <summary>Whether rows taking <paramref name="totalBytes"/> go to a temporary file under <paramref name="storage"/>.</summary>
    public static bool GoesToFile(TrainingRowStorage storage, long totalBytes) =>
        storage == TrainingRowStorage.TemporaryFile || (storage == TrainingRowStorage.Auto && totalBytes > MemoryLimitBytes);

    /// <summary>Bytes a row of these <paramref name="spans"/> takes (for choosing the storage before the rows exist).</summary>
    public static long BytesPerRow(IReadOnlyList<OutputSpan> spans, int width) => new RowLayout(spans, width).RecordBytes;

    /// <summary>
    /// <paramref name="rows"/> rows of an encoded row's <paramref name="spans"/> (<see cref="TabularEncoder.Spans"/>, which tile its
    /// <paramref name="width"/> floats), made by <paramref name="encode"/>, which fills the floats of rows [first, first + count)
    /// (row-major, <paramref name="width"/> a row, zeros in between) for consecutive blocks of rows.
    /// </summary>
    /// <param name="storage">Where the rows go: <see cref="TrainingRowStorage.Auto"/> puts more than <see cref="MemoryLimitBytes"/> in a temporary file.</param>
    /// <param name="directory">The temporary file's folder; null for the system's temporary folder.</param>
    /// <exception cref="IOException">The folder has too little free space for the rows (the message says how much they need).</exception>
    public static EncodedRows Create(IReadOnlyList<OutputSpan> spans, int width, int rows, TrainingRowStorage storage, string? directory,
        Action<float[], int, int> encode, Action checkAlive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        long total = (long)rows * BytesPerRow(spans, width);
        var result = GoesToFile(storage, total) ? new EncodedRows(spans, width, rows, directory ?? Path.GetTempPath(), total)
                            : new EncodedRows(spans, width, rows, total);
        try
        {
            result.Fill(encode, checkAlive);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>In native memory.</summary>
    private EncodedRows(IReadOnlyList<OutputSpan> spans, int width, int rows, long total) : this(spans, width, rows)
    {
        _base = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, total));
        if (total > 0) GC.AddMemoryPressure(total);
    }

    /// <summary>In a new temporary file in <paramref name="directory"/>, written through a stream (a full disk is then an IOException, not a fault in mapped memory).</summary>
    private EncodedRows(IReadOnlyList<OutputSpan> spans, int width, int rows, string directory, long total) : this(spans, width, rows)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The folder for the training rows' temporary file, '{directory}', does not exist. Create it or set Options.TemporaryDirectory to another.");
        long free = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        if (free < total)
            throw new IOException($"The training rows need {total:N0} bytes on disk for their temporary file, and '{directory}' has {free:N0} free. " +
                "Free some space, or set Options.TemporaryDirectory to a folder on a larger disk.");
        _path = Path.Combine(directory, $"mlgan-rows-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        _writer = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        // Nothing else needs the name: where the system allows, it goes at once (the open handle keeps the file, which
        // is written and mapped through it), so that a process killed while training leaves no file behind.
        if (!OperatingSystem.IsWindows()) File.Delete(_path);
        _total = total; // mapped once written (Fill)
    }

    private readonly long _total;
    private MemoryMappedFile? _mapped;
    private MemoryMappedViewAccessor? _mappedView;

    private void Fill(Action<float[], int, int> encode, Action checkAlive)
    {
        const int Block = 8192;
        var floats = new float[Math.Min(Count, Block) * Width];
        var bytes = new byte[Math.Min(Count, Block) * RecordBytes];
        for (int first = 0; first < Count; first += Block)
        {
            checkAlive();
            int count = Math.Min(Block, Count - first);
            Array.Clear(floats);
            encode(floats, first, count);
            fixed (byte* into = bytes) Pack(floats, count, into, first);
            if (_writer is not null) _writer.Write(bytes, 0, count * RecordBytes);
            else new ReadOnlySpan<byte>(bytes, 0, count * RecordBytes).CopyTo(new Span<byte>(_base + (long)first * RecordBytes, count * RecordBytes));
        }
        if (_writer is null) return;
        _writer.Flush();
        _mapped = MemoryMappedFile.CreateFromFile(_writer, null, Math.Max(1, _total), MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _mappedView = _mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _mappedView.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _mappedView.PointerOffset;
    }

    /// <summary>Packs <paramref name="count"/> encoded rows (floats) into records; refuses a softmax span that is not an exact one-hot.</summary>
    private void Pack(float[] floats, int count, byte* into, int firstRow)
    {
        for (int r = 0; r < count; r++)
        {
            var row = floats.AsSpan(r * Width, Width);
            byte* record = into + (long)r * RecordBytes;
            for (int s = 0; s < _scalarAt.Length; s++) Unsafe.WriteUnaligned(record + 4 * s, row[_scalarAt[s]]);
            for (int c = 0; c < _choiceStart.Length; c++)
            {
                var span = row.Slice(_choiceStart[c], _choiceLength[c]);
                int one = span.IndexOf(1f);
                if (one < 0 || span.Count(0f) != span.Length - 1)
                    throw new InvalidOperationException($"Encoded row {firstRow + r:N0} is not one-hot at floats {_choiceStart[c]}-{_choiceStart[c] + _choiceLength[c] - 1}.");
                WriteChoice(record, c, one);
            }
        }
    }

    private void WriteChoice(byte* record, int c, int value)
    {
        byte* at = record + _choiceOffset[c];
        switch (_choiceBytes[c])
        {
            case 1: *at = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(at, (ushort)value); break;
            default: Unsafe.WriteUnaligned(at, value); break;
        }
    }

    private int ReadChoice(byte* record, int c) => _choiceBytes[c] switch
    {
        1 => *(record + _choiceOffset[c]),
        2 => Unsafe.ReadUnaligned<ushort>(record + _choiceOffset[c]),
        _ => Unsafe.ReadUnaligned<int>(record + _choiceOffset[c]),
    };

    /// <summary>The index of the softmax span that starts at float <paramref name="start"/> of the encoded row.</summary>
    public int ChoiceAt(int start)
    {
        int c = Array.IndexOf(_choiceStart, start);
        return c >= 0 ? c : throw new ArgumentOutOfRangeException(nameof(start), $"No softmax span starts at float {start} of the encoded row.");
    }

    /// <summary>Which entry of softmax span <paramref name="choice"/> is 1 in row <paramref name="row"/>.</summary>
    public int Choice(int row, int choice)
    {
        ThrowIfDisposed();
        return ReadChoice(Record(row), choice);
    }

    /// <summary>Writes the encoded floats of <paramref name="rows"/> (row indices), one after another, into <paramref name="into"/>.</summary>
    public void Gather(ReadOnlySpan<int> rows, Span<float> into)
    {
        ThrowIfDisposed();
        into[..(rows.Length * Width)].Clear();
        for (int i = 0; i < rows.Length; i++) Expand(Record(rows[i]), into.Slice(i * Width, Width));
    }

    /// <summary>Writes the encoded floats of rows [<paramref name="first"/>, + <paramref name="count"/>) into <paramref name="into"/>.</summary>
    public void Expand(int first, int count, Span<float> into)
    {
        ThrowIfDisposed();
        if (first < 0 || count < 0 || first > Count - count) throw new ArgumentOutOfRangeException(nameof(first));
        into[..(count * Width)].Clear();
        for (int i = 0; i < count; i++) Expand(Record(first + i), into.Slice(i * Width, Width));
    }

    private void Expand(byte* record, Span<float> row)
    {
        for (int s = 0; s < _scalarAt.Length; s++) row[_scalarAt[s]] = Unsafe.ReadUnaligned<float>(record + 4 * s);
        for (int c = 0; c < _choiceStart.Length; c++) row[_choiceStart[c] + ReadChoice(record, c)] = 1f;
    }

    private byte* Record(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} of {Count}.");
        return _base + (long)row * RecordBytes;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Frees rows in native memory that nobody disposed (the mapped file's handles free themselves).</summary>
    ~EncodedRows()
    {
        if (!_disposed && _writer is null && _base is not null) NativeMemory.Free(_base);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        GC.SuppressFinalize(this);
        if (_mappedView is not null)
        {
            _mappedView.SafeMemoryMappedViewHandle.ReleasePointer();
            _mappedView.Dispose();
            _mapped!.Dispose();
        }
        else if (_writer is null && _base is not null)
        {
            NativeMemory.Free(_base);
            if (TotalBytes > 0) GC.RemoveMemoryPressure(TotalBytes);
        }
        _writer?.Dispose(); // deletes the file where it still has a name
        _base = null;
    }
}
