using System.Security.Cryptography;

namespace Microsoft.ML.Gan.Common;

/// <summary>What an integrity record says about a file's bytes.</summary>
internal enum SealState
{
    /// <summary>The file carries no integrity record (files written before format 3).</summary>
    Absent,
    /// <summary>The record matches every byte before it.</summary>
    Valid,
    /// <summary>The record is there but does not match: the file changed after it was written.</summary>
    Broken,
}

/// <summary>SHA-256 in lower-case hex, as the integrity records of model files hold it.</summary>
internal static class ContentHash
{
    public const int HexLength = 64;

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Whether <paramref name="recorded"/> (ASCII hex) is the hash of <paramref name="content"/>.</summary>
    public static bool Matches(ReadOnlySpan<byte> content, ReadOnlySpan<byte> recorded)
    {
        Span<byte> hex = stackalloc byte[HexLength];
        System.Text.Encoding.ASCII.GetBytes(Of(content), hex);
        return CryptographicOperations.FixedTimeEquals(hex, recorded);
    }
}
