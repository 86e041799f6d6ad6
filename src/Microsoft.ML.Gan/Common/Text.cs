namespace Microsoft.ML.Gan.Common;

/// <summary>Text from a file put into a message: printable, and short.</summary>
internal static class Text
{
    /// <summary><paramref name="text"/> with control and other unprintable characters replaced by '?', cut to <paramref name="maximum"/> characters.</summary>
    public static string Printable(string? text, int maximum = 300)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var chars = text.Length > maximum ? text[..maximum].ToCharArray() : text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]) && chars[i] is not ('\n' or '\t') || char.IsSurrogate(chars[i]) || chars[i] == '\uFFFD') chars[i] = '?';
        }
        return new string(chars) + (text.Length > maximum ? "..." : "");
    }
}
