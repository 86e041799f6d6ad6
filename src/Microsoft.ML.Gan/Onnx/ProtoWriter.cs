using Google.Protobuf;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes one protobuf message field by field (tag, then value), the way the protobuf wire format lays it out.
/// Nested messages are written whole into their parent as length-delimited bytes. The ONNX schema's messages
/// and field numbers live in <see cref="OnnxGraph"/>; this class knows only the wire format.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _out;

    public ProtoWriter() => _out = new CodedOutputStream(_buffer, leaveOpen: true);

    public ProtoWriter Int64(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFloat(value);
        return this;
    }

    public ProtoWriter String(int field, string value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    /// <summary>A repeated integer field, one tag per value (the proto2 default ONNX's schema uses; every parser reads it).</summary>
    public ProtoWriter Int64s(int field, IEnumerable<long> values)
    {
        foreach (long v in values) Int64(field, v);
        return this;
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _buffer.ToArray();
    }
}
