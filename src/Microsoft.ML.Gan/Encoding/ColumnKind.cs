using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>The ML.NET value types a GAN column can hold, as stored in a saved model.</summary>
internal enum ColumnKind
{
    Single, Double, SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64,
    Boolean, Text, Key,
}

internal static class ColumnKinds
{
    /// <summary>Human-readable list for error messages.</summary>
    public const string SupportedTypes =
        "Single, Double, SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Boolean, Text (ReadOnlyMemory<char>) and key types";

    public static bool IsContinuous(ColumnKind kind) => kind <= ColumnKind.UInt64;

    public static bool IsInteger(ColumnKind kind) => kind is >= ColumnKind.SByte and <= ColumnKind.UInt64;

    /// <summary>The kind of an ML.NET column type, or null when the GAN cannot model it.</summary>
    public static ColumnKind? TryFrom(DataViewType type)
    {
        if (type is KeyDataViewType) return ColumnKind.Key;
        if (type is TextDataViewType) return ColumnKind.Text;
        if (type is BooleanDataViewType) return ColumnKind.Boolean;
        var raw = type.RawType;
        if (type is not NumberDataViewType) return null;
        if (raw == typeof(float)) return ColumnKind.Single;
        if (raw == typeof(double)) return ColumnKind.Double;
        if (raw == typeof(sbyte)) return ColumnKind.SByte;
        if (raw == typeof(byte)) return ColumnKind.Byte;
        if (raw == typeof(short)) return ColumnKind.Int16;
        if (raw == typeof(ushort)) return ColumnKind.UInt16;
        if (raw == typeof(int)) return ColumnKind.Int32;
        if (raw == typeof(uint)) return ColumnKind.UInt32;
        if (raw == typeof(long)) return ColumnKind.Int64;
        if (raw == typeof(ulong)) return ColumnKind.UInt64;
        return null;
    }

    /// <summary>The ML.NET type a generated column of this kind has (keys need their raw type and count).</summary>
    public static DataViewType ToType(ColumnKind kind, Type? keyRawType = null, ulong keyCount = 0) => kind switch
    {
        ColumnKind.Single => NumberDataViewType.Single,
        ColumnKind.Double => NumberDataViewType.Double,
        ColumnKind.SByte => NumberDataViewType.SByte,
        ColumnKind.Byte => NumberDataViewType.Byte,
        ColumnKind.Int16 => NumberDataViewType.Int16,
        ColumnKind.UInt16 => NumberDataViewType.UInt16,
        ColumnKind.Int32 => NumberDataViewType.Int32,
        ColumnKind.UInt32 => NumberDataViewType.UInt32,
        ColumnKind.Int64 => NumberDataViewType.Int64,
        ColumnKind.UInt64 => NumberDataViewType.UInt64,
        ColumnKind.Boolean => BooleanDataViewType.Instance,
        ColumnKind.Text => TextDataViewType.Instance,
        ColumnKind.Key => new KeyDataViewType(keyRawType ?? typeof(uint), keyCount),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown column kind."),
    };
}
