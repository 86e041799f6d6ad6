using Microsoft.ML.Gan.Common;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// The integrity record of an exported graph: one more metadata_props entry, written last, whose value is the
/// SHA-256 of every byte of the model before it. A protobuf message may end with any field, so the sealed file is an
/// ordinary ONNX model; a changed byte anywhere, the record included, no longer matches.
/// </summary>
internal static class OnnxSeal
{
    public const string Key = "microsoft.ml.gan.sha256";

    private static readonly int s_length = Trailer(new string('0', ContentHash.HexLength)).Length;

    /// <summary><paramref name="model"/> followed by its integrity record.</summary>
    public static byte[] Seal(byte[] model)
    {
        var trailer = Trailer(ContentHash.Of(model));
        var result = new byte[model.Length + trailer.Length];
        model.CopyTo(result, 0);
        trailer.CopyTo(result, model.Length);
        return result;
    }

    public static SealState Check(ReadOnlySpan<byte> model)
    {
        if (model.Length <= s_length) return SealState.Absent;
        var trailer = model[^s_length..];
        var expected = Trailer(new string('0', ContentHash.HexLength));
        // The record's framing (field, lengths, key) is fixed; only the hex digits vary.
        if (!trailer[..^ContentHash.HexLength].SequenceEqual(expected.AsSpan(0, expected.Length - ContentHash.HexLength))) return SealState.Absent;
        return ContentHash.Matches(model[..^s_length], trailer[^ContentHash.HexLength..]) ? SealState.Valid : SealState.Broken;
    }

    /// <summary>The metadata_props entry (ModelProto field 14) holding <paramref name="hex"/>.</summary>
    private static byte[] Trailer(string hex) =>
        new ProtoWriter().Message(OnnxGraph.MetadataPropsField, new ProtoWriter().String(1, Key).String(2, hex)).ToArray();
}
