namespace Microsoft.ML.Gan;

/// <summary>
/// What a text column of personal data is made of (<see cref="GanTrainer.Options.FakeData"/>): names, e-mail
/// addresses, phone numbers, addresses or companies from the Bogus library in a locale (<see cref="In"/>; English by
/// default), or values drawn from a list the user gives (<see cref="OneOf"/>). Such a column takes no part in the
/// network and its training values are neither learned nor kept: every generated row gets a value of its own.
/// </summary>
public sealed class GanFakeData
{
    /// <summary>The kinds of value Bogus makes, by the names a model file keeps.</summary>
    internal static readonly string[] Kinds = ["FullName", "FirstName", "LastName", "Email", "Phone", "StreetAddress", "City", "Country", "Company", "UserName"];

    private GanFakeData(string kind, string locale, IReadOnlyList<string>? values)
    {
        Kind = kind;
        Locale = locale;
        Values = values;
    }

    /// <summary>The kind of value: FullName, FirstName, LastName, Email, Phone, StreetAddress, City, Country, Company, UserName, or OneOf.</summary>
    public string Kind { get; }

    /// <summary>Bogus's locale ("en", "de", "fr", "nb_NO", …); unused by <see cref="OneOf"/>.</summary>
    public string Locale { get; }

    /// <summary>For <see cref="OneOf"/>: the values drawn from, each as likely; null otherwise.</summary>
    public IReadOnlyList<string>? Values { get; }

    /// <summary>A person's first and last name.</summary>
    public static GanFakeData FullName { get; } = new("FullName", "en", null);
    /// <summary>A first name.</summary>
    public static GanFakeData FirstName { get; } = new("FirstName", "en", null);
    /// <summary>A last name.</summary>
    public static GanFakeData LastName { get; } = new("LastName", "en", null);
    /// <summary>An e-mail address.</summary>
    public static GanFakeData Email { get; } = new("Email", "en", null);
    /// <summary>A phone number in the locale's formats.</summary>
    public static GanFakeData Phone { get; } = new("Phone", "en", null);
    /// <summary>A street address (number and street).</summary>
    public static GanFakeData StreetAddress { get; } = new("StreetAddress", "en", null);
    /// <summary>A city name.</summary>
    public static GanFakeData City { get; } = new("City", "en", null);
    /// <summary>A country name.</summary>
    public static GanFakeData Country { get; } = new("Country", "en", null);
    /// <summary>A company name.</summary>
    public static GanFakeData Company { get; } = new("Company", "en", null);
    /// <summary>A user name.</summary>
    public static GanFakeData UserName { get; } = new("UserName", "en", null);

    /// <summary>Values drawn from <paramref name="values"/>, each as likely (at least one, none empty).</summary>
    public static GanFakeData OneOf(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToArray();
        if (list.Length == 0 || list.Any(string.IsNullOrEmpty))
            throw new ArgumentException("OneOf needs at least one value, none null or empty.", nameof(values));
        return new GanFakeData("OneOf", "en", list);
    }

    /// <summary>The same kind of value in Bogus's <paramref name="locale"/> ("de", "fr", "nb_NO", "pt_BR", …).</summary>
    public GanFakeData In(string locale)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(locale);
        if (!Bogus.Database.LocaleResourceExists(locale))
            throw new ArgumentException($"Bogus has no locale '{locale}'. Some it has: en, de, fr, es, it, nl, nb_NO, sv, pt_BR, ja, zh_CN.", nameof(locale));
        return new GanFakeData(Kind, locale, Values);
    }

    /// <summary>The kind and locale: "FullName (nb_NO)", "OneOf (3 values)".</summary>
    public override string ToString() => Values is { } v ? $"OneOf ({v.Count} values)" : $"{Kind} ({Locale})";

    internal static GanFakeData Restore(string? kind, string? locale, string[]? values, string column)
    {
        if (kind == "OneOf")
            return values is { Length: > 0 } && values.All(v => !string.IsNullOrEmpty(v)) ? new GanFakeData(kind, "en", values)
                : throw new InvalidDataException($"Column '{column}': fake data drawn from a list without values.");
        if (kind is null || !Kinds.Contains(kind) || string.IsNullOrWhiteSpace(locale) || !Bogus.Database.LocaleResourceExists(locale))
            throw new InvalidDataException($"Column '{column}': fake data of kind '{Common.Text.Printable(kind ?? "", 40)}' in locale '{Common.Text.Printable(locale ?? "", 20)}', which this library does not make.");
        return new GanFakeData(kind, locale, null);
    }
}
