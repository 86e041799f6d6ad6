using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A column made apart from the network (an identifier, fake personal data): it has no width in the encoded row, no
/// output in the graph, nothing to decode. Each generated row's value is made in .NET from the row's position in what is
/// generated and the seed (<see cref="Stamp"/>), after the rest of the row is decoded. Every part of the library that
/// learns, compares or exports columns leaves these out.
/// </summary>
internal abstract class MadeColumn(string name) : GanColumn(name)
{
    public sealed override int Width => 0;
    public sealed override int DrawCount => 0;
    public sealed override IReadOnlyList<OutputSpan> Spans => [];
    public sealed override OnnxType OutputType => OnnxType.Int64;

    /// <summary>Nothing to decode: the values come from the rows' positions (<see cref="Stamp"/>).</summary>
    public sealed override void Decode(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow)
    {
    }

    public sealed override (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph graph, string output, int offset, string? draws, int drawOffset, CategorySampling sampling) =>
        throw new InvalidOperationException($"Column '{Name}' is made apart from the network: the graph does not make it.");

    public sealed override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow) =>
        throw new InvalidOperationException($"Column '{Name}' is made apart from the network: the graph does not make it.");

    /// <summary>
    /// Makes the values of <paramref name="rows"/> rows whose positions in what is generated start at
    /// <paramref name="firstPosition"/>, into <paramref name="buffer"/> from its row <paramref name="firstRow"/> on:
    /// row p of a seed always gets the same value.
    /// </summary>
    public abstract void Stamp(Array buffer, int firstRow, int rows, long firstPosition, ulong seed);

    /// <summary>How many rows one generation may ask for (each identifier is used once); unlimited by default.</summary>
    public virtual long Room => long.MaxValue;

    /// <summary>What the column makes, in words.</summary>
    public abstract string Describe();
}
