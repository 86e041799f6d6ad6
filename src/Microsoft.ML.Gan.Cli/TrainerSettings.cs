using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// The trainer's options as text: <c>--set Name=Value</c> sets any plain one (numbers, switches, choices, layer sizes
/// as 256x256), and <see cref="Describe"/> writes a model's options back in the same form, so that what inspect shows
/// can be given to train again. Columns, identifiers and fake data come from --columns; callbacks and the scoring
/// device are not the command line's.
/// </summary>
internal static class TrainerSettings
{
    private static readonly HashSet<string> s_notSettable = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(GanTrainer.Options.Columns), nameof(GanTrainer.Options.Identifiers), nameof(GanTrainer.Options.FakeData),
        nameof(GanTrainer.Options.MissingCategoryTokens), nameof(GanTrainer.Options.Constraints), nameof(GanTrainer.Options.Scoring),
        nameof(GanTrainer.Options.Progress), nameof(GanTrainer.Options.StopEarly),
    };

    /// <summary>The options --set can set, by name.</summary>
    public static IReadOnlyList<PropertyInfo> Settable { get; } = typeof(GanTrainer.Options)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && !s_notSettable.Contains(p.Name) && IsPlain(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
        .ToArray();

    private static bool IsPlain(Type type) =>
        type == typeof(int) || type == typeof(double) || type == typeof(bool) || type == typeof(string) || type == typeof(int[]) || type.IsEnum;

    /// <summary>Applies "Name=Value" pairs to <paramref name="options"/>; <see cref="UsageException"/> for a name or value it cannot take.</summary>
    public static void Apply(GanTrainer.Options options, IEnumerable<string> pairs)
    {
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=');
            string name = equals > 0 ? pair[..equals].Trim() : pair.Trim();
            var property = Settable.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException(equals <= 0
                    ? $"--set: '{pair}' is not Name=Value (e.g. --set BatchSize=1000)."
                    : $"--set: the trainer has no option '{name}' that the command line sets; it has {string.Join(", ", Settable.Select(p => p.Name))}.");
            if (equals <= 0) throw new UsageException($"--set: '{pair}' is not Name=Value (e.g. --set {property.Name}={Show(property.GetValue(new GanTrainer.Options()))}).");
            string text = pair[(equals + 1)..].Trim();
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            try
            {
                object? value = type == typeof(int[]) ? text.Split('x', 'X', ',').Select(v => int.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToArray()
                    : type.IsEnum ? (Enum.TryParse(type, text, ignoreCase: true, out object? choice) && Enum.IsDefined(type, choice!) ? choice
                        : throw new FormatException($"it is one of {string.Join(", ", Enum.GetNames(type))}"))
                    : type == typeof(bool) ? bool.Parse(text)
                    : type == typeof(string) ? text
                    : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
                property.SetValue(options, value);
            }
            catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
            {
                string takes = type.IsEnum ? e.Message : type == typeof(int[]) ? "give layer sizes as whole numbers, e.g. 256x256"
                    : $"it takes {(type == typeof(bool) ? "true or false" : type == typeof(int) ? "a whole number" : "a number")}";
                throw new UsageException($"--set: {property.Name} cannot be '{text}': {takes}.");
            }
        }
    }

    /// <summary>The options of <paramref name="options"/> that differ from the defaults, as Name=Value (what --set takes).</summary>
    public static IEnumerable<string> Describe(GanTrainer.Options options)
    {
        var defaults = new GanTrainer.Options();
        foreach (var p in Settable)
        {
            string value = Show(p.GetValue(options)), usual = Show(p.GetValue(defaults));
            if (value != usual) yield return $"{p.Name}={value}";
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "",
        int[] sizes => string.Join("x", sizes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
