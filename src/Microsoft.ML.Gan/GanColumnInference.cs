using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan;

/// <summary>What <see cref="GanCatalog.InferColumns"/> made of a column of a CSV file.</summary>
public enum GanColumnRole
{
    /// <summary>Learned by the GAN, loaded as <see cref="GanInferredColumn.Kind"/>.</summary>
    Learned,
    /// <summary>An identifier (<see cref="GanTrainer.Options.Identifiers"/>).</summary>
    Identifier,
    /// <summary>Personal data made by Bogus (<see cref="GanTrainer.Options.FakeData"/>).</summary>
    Fake,
    /// <summary>Not used: empty, or free text that is neither a category nor personal data the library makes.</summary>
    LeftOut,
}

/// <summary>One column of a CSV file as <see cref="GanCatalog.InferColumns"/> read it: what it is and why.</summary>
public sealed record GanInferredColumn(string Name, int Index, GanColumnRole Role, DataKind? Kind, string Reason)
{
    /// <summary>For a <see cref="GanColumnRole.Fake"/> column: what makes it.</summary>
    public GanFakeData? FakeData { get; init; }

    /// <summary>"name: kind (reason)".</summary>
    public override string ToString() => $"{Name}: {(Role switch { GanColumnRole.Learned => Kind.ToString(), GanColumnRole.Fake => $"fake {FakeData}", _ => Role.ToString() })} ({Reason})";
}

/// <summary>
/// The columns of a CSV file as <see cref="GanCatalog.InferColumns"/> inferred them, with the text loader's options
/// that read them and the trainer's options that learn them (<see cref="ApplyTo"/>).
/// </summary>
public sealed class GanColumnInference
{
    private readonly char _separator;
    // Per column, why its values read cannot be each kind (null where unknown): a kind given by With is checked against them.
    private readonly IReadOnlyList<IReadOnlyDictionary<DataKind, string>>? _unreadable;

    internal GanColumnInference(IReadOnlyList<GanInferredColumn> columns, IReadOnlyList<string> missingTokens, char separator,
        IReadOnlyList<IReadOnlyDictionary<DataKind, string>>? unreadable = null)
    {
        Columns = columns;
        MissingTokens = missingTokens;
        _separator = separator;
        _unreadable = unreadable;
        LoaderOptions = new TextLoader.Options
        {
            Columns = columns.Where(c => c.Role != GanColumnRole.LeftOut).Select(c => new TextLoader.Column(c.Name, c.Kind!.Value, c.Index)).ToArray(),
            HasHeader = true,
            Separators = [separator],
            AllowQuoting = true,
            ReadMultilines = true,
            MissingRealsAsNaNs = true,
            TrimWhitespace = true,
        };
    }

    /// <summary>Every column of the file, in its order.</summary>
    public IReadOnlyList<GanInferredColumn> Columns { get; }

    /// <summary>The texts the file uses for a missing value ("", "NA", "?", …) that were found in it.</summary>
    public IReadOnlyList<string> MissingTokens { get; }

    /// <summary>Options for <c>mlContext.Data.LoadFromTextFile(path, options)</c> that load every column not left out, in its kind.</summary>
    public TextLoader.Options LoaderOptions { get; }

    /// <summary>
    /// Sets <paramref name="options"/>' <see cref="GanTrainer.Options.Columns"/>, <see cref="GanTrainer.Options.Identifiers"/>,
    /// <see cref="GanTrainer.Options.FakeData"/> and <see cref="GanTrainer.Options.MissingCategoryTokens"/> from the
    /// inference, and returns it.
    /// </summary>
    public GanTrainer.Options ApplyTo(GanTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Columns = Columns.Where(c => c.Role != GanColumnRole.LeftOut).Select(c => c.Name).ToArray();
        options.Identifiers = Columns.Where(c => c.Role == GanColumnRole.Identifier).Select(c => c.Name).ToArray();
        options.FakeData = Columns.Where(c => c.Role == GanColumnRole.Fake).ToDictionary(c => c.Name, c => c.FakeData!);
        options.MissingCategoryTokens = MissingTokens.Union([GanTrainer.Defaults.MissingCategoryToken]).ToArray();
        return options;
    }

    /// <summary>
    /// The same inference with column <paramref name="name"/> read otherwise: learned as <paramref name="kind"/>
    /// (<paramref name="role"/> <see cref="GanColumnRole.Learned"/>), an identifier (text or whole numbers: give its
    /// <paramref name="kind"/>), fake data (<paramref name="fake"/>), or left out. The reason says it was given.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No such column, a role without what it needs, or a kind the column's values cannot be read as (a word where a
    /// number is asked for, a missing value in a kind that has none): the message names the first such value and its row.
    /// </exception>
    public GanColumnInference With(string name, GanColumnRole role, DataKind? kind = null, GanFakeData? fake = null)
    {
        int i = Columns.ToList().FindIndex(c => c.Name == name);
        if (i < 0) throw new ArgumentException($"The file has no column '{name}'; its columns: {string.Join(", ", Columns.Select(c => c.Name))}.", nameof(name));
        if (role is GanColumnRole.Learned or GanColumnRole.Identifier && kind is { } given && _unreadable is not null &&
            _unreadable[i].GetValueOrDefault(given) is { } problem)
            throw new ArgumentException($"{problem} It was inferred as {Columns[i].ToString()[(name.Length + 2)..]}.", nameof(kind));
        var column = role switch
        {
            GanColumnRole.Learned or GanColumnRole.Identifier when kind is null => throw new ArgumentException($"Column '{name}': give the kind to read it as.", nameof(kind)),
            GanColumnRole.Fake when fake is null => throw new ArgumentException($"Column '{name}': give what makes its fake data.", nameof(fake)),
            GanColumnRole.Fake => Columns[i] with { Role = role, Kind = DataKind.String, FakeData = fake, Reason = "as given" },
            GanColumnRole.LeftOut => Columns[i] with { Role = role, Kind = null, FakeData = null, Reason = "left out, as given" },
            _ => Columns[i] with { Role = role, Kind = kind, FakeData = null, Reason = "as given" },
        };
        var columns = Columns.ToArray();
        columns[i] = column;
        return new GanColumnInference(columns, MissingTokens, _separator, _unreadable);
    }

    /// <summary>One line a column.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Columns);
}

/// <summary>
/// Infers a CSV file's columns from their text: booleans, whole numbers (read as Single where some are missing, so that
/// a missing one is NaN), numbers, dates (ISO 8601, or M/d/yyyy), instants with a UTC offset, durations, identifiers
/// (unique values written as a shared prefix, a number and a shared suffix; unique whole numbers in a column named like
/// an id), e-mail addresses and phone numbers (made by Bogus), categories, and free text (names of people become fake
/// names; other free text is left out).
/// </summary>
internal static class ColumnInference
{
    private static readonly string[] s_missing = ["", "NA", "N/A", "?", "null", "NULL", "NaN", "nan"];
    private static readonly string[] s_dateFormats =
        ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "M/d/yyyy", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss"];
    private static readonly Regex s_offset = new(@"(Z|[+-]\d\d:\d\d)$", RegexOptions.CultureInvariant);
    private static readonly Regex s_duration = new(@"^-?(\d+\.)?\d{1,2}:\d\d(:\d\d(\.\d{1,7})?)?$", RegexOptions.CultureInvariant);
    private static readonly Regex s_email = new(@"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_phone = new(@"^\+?[\d\s().\-/]{7,}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_personName = new(@"^\p{Lu}[\p{L}'\-.]*( \p{Lu}[\p{L}'\-.]*)+$", RegexOptions.CultureInvariant);
    private static readonly Regex s_singleName = new(@"^\p{Lu}[\p{L}'\-.]*$", RegexOptions.CultureInvariant);
    private static readonly Regex s_nameColumn = new(@"name", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex s_firstName = new(@"first.?name|given.?name", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex s_lastName = new(@"last.?name|sur.?name|family.?name", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    /// <summary>
    /// A name that calls its column an identifier: "id", "CustomerId", "user_id", "id_visit", and a number of one
    /// ("pupilNR", "CaseNo", "order_num", "account_number", "key"), which only unique whole numbers are read as.
    /// </summary>
    private static readonly Regex s_idName = new(IdWord +
        @"|(^|[_\s\-.])(?i:nr|no|num|number|key)$|[a-z](Nr|NR|No|NO|Num|NUM|Number|NUMBER|Key|KEY)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// A name that calls its column an entity's key: the identifier words of <see cref="s_idName"/> but "no", "num" and
    /// "number", which name levels as often as keys (Adult's "education-num").
    /// </summary>
    private static readonly Regex s_entityName = new(IdWord + @"|(^|[_\s\-.])(?i:nr|key)$|[a-z](Nr|NR|Key|KEY)$", RegexOptions.CultureInvariant);

    /// <summary>"id" as a word of a name, at its end or its start ("user_id", "CustomerId", "id_visit").</summary>
    private const string IdWord = @"(^|[_\s\-.])(id|ID|Id)$|[a-z](Id|ID)$|^(id|ID|Id)([_\s\-.]|$)";

    /// <summary>
    /// The fewest rows a value, on average, for whole numbers that repeat to be read as the keys of entities
    /// (categories): a patient's visits, a school's pupils. Fewer, and the keys are too thin to learn. TeachingRatings'
    /// 94 instructors, 4.9 courses each, read so were told apart by FastTree at 0.51-0.53 against 0.74-0.77 as a number
    /// (seeds 1-3, stop 66); no table the benchmark reads has named keys of 4 to 5 rows.
    /// </summary>
    internal const int RowsPerEntity = 4;

    public static GanColumnInference Infer(MLContext ml, string path, char separator, int maximumRows, int maximumCategories)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"There is no file '{Path.GetFullPath(path)}'.", path);
        string[] header = ReadHeader(path, separator);
        if (header.Length == 0 || header.All(string.IsNullOrWhiteSpace)) throw new InvalidDataException($"{path} has no header row naming its columns.");
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{path} names column '{duplicate.Key}' twice in its header.");
        var loader = new TextLoader.Options
        {
            Columns = header.Select((h, i) => new TextLoader.Column(h, DataKind.String, i)).ToArray(),
            HasHeader = true, Separators = [separator], AllowQuoting = true, ReadMultilines = true, TrimWhitespace = true,
        };
        var view = ml.Data.LoadFromTextFile(path, loader);
        var values = header.Select(_ => new List<string>()).ToArray();
        using (var cursor = view.GetRowCursor(view.Schema))
        {
            var getters = view.Schema.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
            ReadOnlyMemory<char> text = default;
            for (int r = 0; r < maximumRows && cursor.MoveNext(); r++)
            {
                for (int c = 0; c < getters.Length; c++)
                {
                    getters[c](ref text);
                    values[c].Add(text.ToString().Trim());
                }
            }
        }
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var columns = header.Select((name, i) => Column(name, i, values[i], maximumCategories, tokens)).ToArray();
        var numbers = NumbersOf(columns, values);
        FixingKeys(columns, numbers, maximumCategories);
        FollowedCodes(columns, numbers);
        // Personal data in the locale the file tells, where it does: phone numbers' country codes, e-mail addresses'
        // country domains; a column that tells none takes the file's.
        var locales = columns.Select((c, i) => c.FakeData is { Values: null } ? LocaleOf(values[i], c.FakeData.Kind) : null).ToArray();
        string? fileLocale = locales.Where(l => l is not null).GroupBy(l => l).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i].FakeData is not { Values: null } fake || (locales[i] ?? fileLocale) is not { } locale) continue;
            columns[i] = columns[i] with
            {
                FakeData = fake.In(locale),
                Reason = columns[i].Reason + (locales[i] is null ? $"; locale {locale}, as the file's other personal data tell" : $"; locale {locale}, as its values tell"),
            };
        }
        return new GanColumnInference(columns, tokens.Where(t => t.Length > 0).Order(StringComparer.Ordinal).ToArray(), separator,
            header.Select((h, i) => Unreadable(h, values[i])).ToArray());
    }

    /// <summary>The kinds <see cref="GanColumnInference.With"/> may give a column, besides text (which reads anything).</summary>
    private static readonly DataKind[] s_checkedKinds = Enum.GetValues<DataKind>().Where(k => k != DataKind.String).ToArray();

    /// <summary>
    /// Why a column's values (as read, row 1 the first after the header) cannot be loaded as each kind, in a sentence that
    /// names the first value that fails, its row and what to do; kinds every value can be read as are absent. ML.NET's
    /// text loader would otherwise turn a word into NaN without a word, or stop on a missing whole number. One pass, each
    /// value parsed once as a number and once as a whole number, so only these sentences are kept, not the values.
    /// </summary>
    internal static IReadOnlyDictionary<DataKind, string> Unreadable(string name, IReadOnlyList<string> values)
    {
        var invariant = CultureInfo.InvariantCulture;
        var problems = new Dictionary<DataKind, string>();
        for (int row = 0; row < values.Count && problems.Count < s_checkedKinds.Length; row++)
        {
            string v = values[row];
            string at = $"('{v}', row {row + 1} after the header)";
            bool missing = s_missing.Contains(v);
            bool number = missing || double.TryParse(v, NumberStyles.Float, invariant, out _);
            bool isWhole = decimal.TryParse(v, NumberStyles.AllowLeadingSign, invariant, out decimal whole);
            foreach (var kind in s_checkedKinds)
            {
                if (problems.ContainsKey(kind)) continue;
                string? problem = kind switch
                {
                    DataKind.Single or DataKind.Double => number ? null : $"a value {at} is not a number.",
                    DataKind.Boolean => missing || !bool.TryParse(v, out _)
                        ? $"a value {at} is not true or false{(missing ? " (a Boolean has no missing value; read it as text)" : "")}." : null,
                    DataKind.DateTime or DataKind.DateTimeOffset or DataKind.TimeSpan when missing =>
                        v.Length > 0 || kind == DataKind.TimeSpan ? $"a missing value {at} {(kind == DataKind.TimeSpan ? "cannot be held by a duration." : "must be an empty field for a date.")}" : null,
                    DataKind.DateTime => DateTime.TryParse(v, invariant, DateTimeStyles.None, out _) ? null : $"a value {at} is not one.",
                    DataKind.DateTimeOffset => DateTimeOffset.TryParse(v, invariant, DateTimeStyles.None, out _) ? null : $"a value {at} is not one.",
                    DataKind.TimeSpan => TimeSpan.TryParse(v, invariant, out _) ? null : $"a value {at} is not one.",
                    _ when missing => $"it has missing values {at}, which whole numbers cannot hold; read it as Single, where a missing value is NaN.",
                    _ => isWhole && whole >= MinimumOf(kind) && whole <= MaximumOf(kind) ? null : $"a value {at} is not a whole number from {MinimumOf(kind)} to {MaximumOf(kind)}.",
                };
                if (problem is not null) problems[kind] = $"Column '{name}' cannot be read as {kind}: {problem}";
            }
        }
        return problems;
    }

    private static decimal MinimumOf(DataKind kind) => kind switch
    {
        DataKind.SByte => sbyte.MinValue, DataKind.Int16 => short.MinValue, DataKind.Int32 => int.MinValue, DataKind.Int64 => long.MinValue, _ => 0,
    };

    private static decimal MaximumOf(DataKind kind) => kind switch
    {
        DataKind.SByte => sbyte.MaxValue, DataKind.Byte => byte.MaxValue, DataKind.Int16 => short.MaxValue, DataKind.UInt16 => ushort.MaxValue,
        DataKind.Int32 => int.MaxValue, DataKind.UInt32 => uint.MaxValue, DataKind.Int64 => long.MaxValue, _ => ulong.MaxValue,
    };

    private static GanInferredColumn Column(string name, int index, List<string> all, int maximumCategories, HashSet<string> tokens)
    {
        var present = all.Where(v => !s_missing.Contains(v)).ToList();
        int missing = all.Count - present.Count;
        foreach (var v in all.Where(v => s_missing.Contains(v))) tokens.Add(v);
        string missingNote = missing > 0 ? $", {missing:N0} missing" : "";
        if (present.Count == 0) return new(name, index, GanColumnRole.LeftOut, null, "every value missing");
        int distinct = present.Distinct(StringComparer.Ordinal).Count();
        bool unique = distinct == all.Count;
        var invariant = CultureInfo.InvariantCulture;

        if (missing == 0 && present.All(v => bool.TryParse(v, out _)))
            return new(name, index, GanColumnRole.Learned, DataKind.Boolean, "true/false");
        // A number written with a leading zero (a postal code, an account) is text: read as a number, it would lose the zero.
        string? zeroLed = present.FirstOrDefault(LeadingZero);
        if (zeroLed is null && present.All(v => long.TryParse(v, NumberStyles.AllowLeadingSign, invariant, out _)))
        {
            var numbers = present.Select(v => long.Parse(v, NumberStyles.AllowLeadingSign, invariant)).ToList();
            if (unique && s_idName.IsMatch(name) && numbers.All(n => n >= 0))
                return new(name, index, GanColumnRole.Identifier, numbers.Max() <= int.MaxValue ? DataKind.Int32 : DataKind.Int64, "unique whole numbers in a column named as identifiers (an id, a number: \"Id\", \"No\", \"NR\")");
            bool repeatedIds = !unique && s_entityName.IsMatch(name) && numbers.All(n => n >= 0) && distinct >= 2;
            string perKey = ((double)present.Count / distinct).ToString("F1", invariant);
            if (repeatedIds && distinct <= maximumCategories && present.Count >= RowsPerEntity * distinct)
                return new(name, index, GanColumnRole.Learned, DataKind.String,
                    $"{distinct:N0} categories{missingNote}: whole numbers in a column named as identifiers that rows repeat ({perKey} rows a value), " +
                    "the keys of the entities the rows describe, whose attributes follow them");
            // Identifiers that repeat but cannot be learned as keys: say why, for a user who would read them otherwise.
            string keys = !repeatedIds ? ""
                : distinct > maximumCategories ? $" (identifiers that rows repeat, {distinct:N0} keys: more than the {maximumCategories:N0} categories a column may have, so read as a number)"
                : $" (identifiers that rows repeat, {perKey} rows a key: fewer than {RowsPerEntity}, too few to learn each key as a category, so read as a number)";
            if (CodeReason(name, numbers) is { } code)
                return new(name, index, GanColumnRole.Learned, DataKind.String, $"{distinct:N0} categories{missingNote}: whole numbers that {code}");
            if (missing > 0) return new(name, index, GanColumnRole.Learned, DataKind.Single, $"whole numbers{missingNote}: read as Single, where a missing value is NaN{keys}");
            bool small = numbers.All(n => n is >= int.MinValue and <= int.MaxValue);
            return new(name, index, GanColumnRole.Learned, small ? DataKind.Int32 : DataKind.Int64, $"whole numbers{keys}");
        }
        if (zeroLed is null && present.All(v => double.TryParse(v, NumberStyles.Float, invariant, out double d) && double.IsFinite(d)))
        {
            // Single keeps 7 significant digits: more in a value, and Double.
            bool wide = present.Any(v => v.TrimStart('-', '+', '0', '.').Count(char.IsAsciiDigit) > 7 && !v.Contains('e', StringComparison.OrdinalIgnoreCase));
            return new(name, index, GanColumnRole.Learned, wide ? DataKind.Double : DataKind.Single, $"numbers{missingNote}");
        }
        bool onlyEmptyMissing = all.Where(v => s_missing.Contains(v)).All(v => v.Length == 0);
        if (onlyEmptyMissing)
        {
            if (present.All(v => s_offset.IsMatch(v) && DateTimeOffset.TryParse(v, invariant, DateTimeStyles.None, out _)))
                return new(name, index, GanColumnRole.Learned, DataKind.DateTimeOffset, $"instants with a UTC offset{missingNote}");
            if (present.All(v => DateTime.TryParseExact(v, s_dateFormats, invariant, DateTimeStyles.None, out _)))
                return new(name, index, GanColumnRole.Learned, DataKind.DateTime, $"dates{missingNote}");
            if (missing == 0 && present.All(v => s_duration.IsMatch(v) && TimeSpan.TryParse(v, invariant, out _)))
                return new(name, index, GanColumnRole.Learned, DataKind.TimeSpan, "durations");
        }
        if (present.All(v => s_email.IsMatch(v)))
            return new(name, index, GanColumnRole.Fake, DataKind.String, $"e-mail addresses{missingNote}: made by Bogus, the real ones neither learned nor kept") { FakeData = GanFakeData.Email };
        if (present.All(v => s_phone.IsMatch(v) && v.Count(char.IsAsciiDigit) >= 7))
            return new(name, index, GanColumnRole.Fake, DataKind.String, $"phone numbers{missingNote}: made by Bogus, the real ones neither learned nor kept") { FakeData = GanFakeData.Phone };
        if (unique && all.Count >= 20 && Encoding.IdentifierFitter.IsPrefixNumberSuffix(present))
            return new(name, index, GanColumnRole.Identifier, DataKind.String, "unique values written as a prefix, a number and a suffix");
        // Names of people are personal data however often they repeat: told by the column's name, or by free text that reads as names.
        bool single = present.Count(v => s_singleName.IsMatch(v)) >= 0.9 * present.Count;
        if (s_firstName.IsMatch(name) && single)
            return new(name, index, GanColumnRole.Fake, DataKind.String, $"first names ({distinct:N0} distinct): made by Bogus, the real ones neither learned nor kept") { FakeData = GanFakeData.FirstName };
        if (s_lastName.IsMatch(name) && single)
            return new(name, index, GanColumnRole.Fake, DataKind.String, $"last names ({distinct:N0} distinct): made by Bogus, the real ones neither learned nor kept") { FakeData = GanFakeData.LastName };
        // Capitalised words are names of people only where given names open them: CASchools' school names ("Sunol Glen
        // Unified") are capitalised words too, and made into fake people they lost the schools (free text is left out).
        bool names = present.Count(v => s_personName.IsMatch(v)) >= 0.9 * present.Count && present.Count(OpensWithAGivenName) >= GivenNameShare * present.Count;
        bool freeText = distinct > maximumCategories || distinct > 50 && distinct > present.Count / 2;
        if (names && (s_nameColumn.IsMatch(name) || freeText))
            return new(name, index, GanColumnRole.Fake, DataKind.String, $"names of people ({distinct:N0} distinct): made by Bogus, the real ones neither learned nor kept") { FakeData = GanFakeData.FullName };
        if (freeText)
            return new(name, index, GanColumnRole.LeftOut, null, $"free text ({distinct:N0} distinct values in {present.Count:N0}): not a category; declare it fake data or leave it out");
        string zeros = zeroLed is not null && present.All(v => v.All(char.IsAsciiDigit)) ? $": whole numbers written with leading zeros ('{zeroLed}'), kept as text" : "";
        return new(name, index, GanColumnRole.Learned, DataKind.String, $"{distinct:N0} categories{missingNote}{zeros}");
    }

    /// <summary>
    /// The least share of a column's values that must open with a given name (<see cref="OpensWithAGivenName"/>) for
    /// capitalised words to be read as names of people: Bogus' own full names open with one every time, a list of
    /// people of many origins mostly; CASchools' 420 school names 11 % of the time ("Lincoln Elementary").
    /// </summary>
    internal const double GivenNameShare = 0.5;

    /// <summary>
    /// Whether a value's first word (its second, after a title such as "Dr.") is a given name that one of Bogus' locales
    /// knows (16,955 of them, any case).
    /// </summary>
    internal static bool OpensWithAGivenName(string value)
    {
        var words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return false;
        string first = words[0].EndsWith('.') && words.Length > 2 ? words[1] : words[0];
        return s_givenNames.Value.Contains(first);
    }

    private static readonly Lazy<HashSet<string>> s_givenNames = new(() =>
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string locale in Bogus.Database.GetAllLocales())
        {
            var name = Bogus.Database.GetLocale(locale)["name"];
            if (name is null) continue;
            foreach (string key in (string[])["first_name", "male_first_name", "female_first_name"])
            {
                if (name[key] is Bogus.Bson.BArray list)
                    foreach (Bogus.Bson.BValue given in list) names.Add(given.StringValue);
            }
        }
        return names;
    });

    /// <summary>A whole number written with a zero before its first significant digit: "02139", "-007"; not "0".</summary>
    private static bool LeadingZero(string value)
    {
        var digits = value.AsSpan().TrimStart("+-");
        return digits.Length > 1 && digits[0] == '0' && digits.ContainsAnyExceptInRange('0', '9') is false;
    }

    private static readonly Regex s_codeName = new(@"code|zip|postal|fips|category|type|class|status|kind|group", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.RightToLeft);

    /// <summary>
    /// Words that name a quantity. Where one follows the last code word, the name is of a quantity of the coded thing
    /// (bdf's "classsiz", a class's size; "group_size", "type_count"); where the code word comes last, a code of the
    /// quantity ("age_group", "size_class").
    /// </summary>
    private static readonly Regex s_quantityName = new(@"siz|count|cnt|total|amount|sum|avg|mean|average|percent|pct|rate|ratio", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.RightToLeft);

    /// <summary>The last code word of <paramref name="name"/> where no quantity word follows it; else null.</summary>
    private static string? CodeWord(string name)
    {
        var code = s_codeName.Match(name);
        if (!code.Success) return null;
        var quantity = s_quantityName.Match(name);
        return quantity.Success && quantity.Index >= code.Index + code.Length ? null : code.Value;
    }

    /// <summary>The least gap between how much of another column a whole-number column's values explain as categories and along a curve, for it to be read as codes.</summary>
    internal const double CodeGap = 0.3;

    /// <summary>
    /// The fewest rows a value a whole-number column needs, on average, to be read as codes: a category of fewer rows is
    /// too thin for the generator to learn (Boston's tax, 66 values of 7.7 rows each that its zoning follows by value,
    /// read as categories made its rows easier to tell, FastTree 0.51 → 0.60 on seed 1; rhDNase's centres hold 15 each).
    /// </summary>
    internal const int RowsPerCode = 10;

    /// <summary>Each learned number or date column's values (NaN where missing or unreadable), read once; null for the others.</summary>
    private static double[]?[] NumbersOf(GanInferredColumn[] columns, List<string>[] values)
    {
        var invariant = CultureInfo.InvariantCulture;
        var numbers = new double[]?[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            var c = columns[i];
            if (c.Role != GanColumnRole.Learned) continue;
            numbers[i] = c.Kind switch
            {
                DataKind.Int32 or DataKind.Int64 or DataKind.Single or DataKind.Double =>
                    values[i].Select(v => double.TryParse(v, NumberStyles.Float, invariant, out double d) && double.IsFinite(d) ? d : double.NaN).ToArray(),
                DataKind.DateTime =>
                    values[i].Select(v => DateTime.TryParseExact(v, s_dateFormats, invariant, DateTimeStyles.None, out var t) ? t.Ticks / (double)TimeSpan.TicksPerDay : double.NaN).ToArray(),
                _ => null,
            };
        }
        return numbers;
    }

    /// <summary>The fewest values a measured attribute needs for a whole-number column that fixes it in every row to be read as keys.</summary>
    internal const int AttributeValues = 10;

    /// <summary>
    /// Reads as the keys of entities (categories) the whole-number columns, whatever their names, that fix a measured
    /// attribute in each of their values, where a number's dependency cannot keep it: TeachingRatings' <c>prof</c> (94
    /// instructors of 463 courses, 4.9 each: each holds one beauty score and one age in all its rows). A column of at
    /// least 10 distinct non-negative values that rows repeat, <see cref="RowsPerEntity"/> rows a value or more on
    /// average but fewer than <see cref="Encoding.ColumnDependency.MinimumSupport"/>, at most <paramref name="maximumCategories"/>
    /// values; the attribute is another number or date column of at least <see cref="AttributeValues"/> values that is one
    /// value in every value of the key it shares two rows with (99 % of them, and at least 10), and that does not follow
    /// the key along its order (the gap of <see cref="FollowedCodes"/>: a floor fixes its price along its order, a key its
    /// instructors' ages by value). Read as a number, a value of fewer rows than a dependency needs mixed the entities in
    /// generated rows (FastTree told TeachingRatings' apart at 0.74-0.77, against 0.51-0.53 read as keys). With more rows
    /// a value, the number's dependency keeps the attribute whole, and categories cost more than they give: MathAchieve's
    /// <c>School</c> (160 schools of 45 pupils, one mean SES each) read as keys took 3.2 times the training time for
    /// FastTree 0.541 ± 0.012 against 0.563 ± 0.017 (seeds 1-3, stop 66).
    /// </summary>
    private static void FixingKeys(GanInferredColumn[] columns, double[]?[] numbers, int maximumCategories)
    {
        var invariant = CultureInfo.InvariantCulture;
        for (int x = 0; x < columns.Length; x++)
        {
            if (numbers[x] is not { } keys || columns[x].Kind is not (DataKind.Int32 or DataKind.Int64 or DataKind.Single)) continue;
            var present = keys.Where(v => !double.IsNaN(v)).ToArray();
            if (present.Length == 0 || present.Any(v => v != Math.Round(v) || v < 0)) continue;
            int distinct = present.Distinct().Count();
            if (distinct < 10 || distinct > maximumCategories || present.Length < RowsPerEntity * distinct) continue;
            if (present.Length >= Encoding.ColumnDependency.MinimumSupport * distinct) continue; // a number's dependency keeps what its values hold
            (string Name, int Values, double Gap) best = ("", 0, 0);
            for (int y = 0; y < columns.Length; y++)
            {
                if (y == x || numbers[y] is not { } attribute) continue;
                var rows = Enumerable.Range(0, keys.Length).Where(r => !double.IsNaN(keys[r]) && !double.IsNaN(attribute[r])).ToArray();
                int values = rows.Select(r => attribute[r]).Distinct().Count();
                if (values < AttributeValues) continue;
                var repeated = rows.GroupBy(r => keys[r]).Where(g => g.Count() >= 2).ToArray();
                int fixedKeys = repeated.Count(g => g.Select(r => attribute[r]).Distinct().Count() == 1);
                if (fixedKeys < 10 || fixedKeys < 0.99 * repeated.Length) continue;
                var (categories, curve) = Explained(rows.Select(r => keys[r]).ToArray(), rows.Select(r => attribute[r]).ToArray());
                if (categories - curve >= CodeGap && categories - curve > best.Gap) best = (columns[y].Name, values, categories - curve);
            }
            if (best.Values == 0) continue;
            string perKey = ((double)present.Length / distinct).ToString("F1", invariant);
            columns[x] = columns[x] with
            {
                Kind = DataKind.String,
                Reason = $"{distinct:N0} categories{(present.Length < keys.Length ? $", {keys.Length - present.Length:N0} missing" : "")}: whole numbers that rows repeat ({perKey} rows a value), " +
                    $"each holding one '{best.Name}' in all its rows ({best.Values:N0} values, not along their order): the keys of the entities the rows describe, whose attributes follow them",
            };
        }
    }

    /// <summary>
    /// Reads as categories the whole-number columns whose values another column follows by value but not along their
    /// order: centres, stores or districts numbered 1 to k. For a column of 10 to 100 values, held by at least
    /// <see cref="RowsPerCode"/> rows a value on average, and each other number or date column: the share of that column's
    /// variance its values explain as categories (η², less the (k − 1)/(n − 1) chance gives), against the share a
    /// smooth curve of its rank explains (a polynomial of degree 5). A gap of <see cref="CodeGap"/> or more makes it
    /// codes: rhDNase's 51 centres, each enrolling in a window of its own (the entry date: η² 0.75, a curve 0.08). An
    /// age, a year or a count that other columns follow explains them as much along its order (gaps below 0.15 on the
    /// 18 tables the benchmark reads).
    /// </summary>
    private static void FollowedCodes(GanInferredColumn[] columns, double[]?[] numbers)
    {
        var invariant = CultureInfo.InvariantCulture;
        for (int x = 0; x < columns.Length; x++)
        {
            if (numbers[x] is not { } codes || columns[x].Kind is not (DataKind.Int32 or DataKind.Int64 or DataKind.Single)) continue;
            var present = codes.Where(v => !double.IsNaN(v)).ToArray();
            if (present.Any(v => v != Math.Round(v))) continue;
            int distinct = present.Distinct().Count();
            if (distinct is < 10 or > 100 || present.Length < RowsPerCode * distinct) continue;
            (string Name, double Categories, double Curve) best = ("", 0, 0);
            for (int y = 0; y < columns.Length; y++)
            {
                if (y == x || numbers[y] is not { } other) continue;
                var rows = Enumerable.Range(0, codes.Length).Where(r => !double.IsNaN(codes[r]) && !double.IsNaN(other[r])).ToArray();
                if (rows.Length < 50) continue;
                var (categories, curve) = Explained(rows.Select(r => codes[r]).ToArray(), rows.Select(r => other[r]).ToArray());
                if (categories - curve > best.Categories - best.Curve) best = (columns[y].Name, categories, curve);
            }
            if (best.Categories - best.Curve < CodeGap) continue;
            columns[x] = columns[x] with
            {
                Kind = DataKind.String,
                Reason = $"{distinct:N0} categories{(present.Length < codes.Length ? $", {codes.Length - present.Length:N0} missing" : "")}: whole numbers that '{best.Name}' follows by value, not along their order " +
                    $"(its variance explained {best.Categories.ToString("F2", invariant)} by the values, {best.Curve.ToString("F2", invariant)} by a curve)",
            };
        }
    }

    /// <summary>
    /// How much of <paramref name="y"/>'s variance <paramref name="x"/>'s values explain as categories (η², less chance's
    /// (k − 1)/(n − 1)) and along a curve (R² of a least-squares polynomial of degree 5 in x's mid-rank, from 0 to 1).
    /// </summary>
    internal static (double Categories, double Curve) Explained(double[] x, double[] y)
    {
        int n = y.Length;
        double mean = y.Average(), total = y.Sum(v => (v - mean) * (v - mean));
        if (total <= 0) return (0, 0);
        var byValue = x.Select((v, r) => (v, r)).GroupBy(p => p.v).ToArray();
        double between = byValue.Sum(g => { double m = g.Average(p => y[p.r]); return g.Count() * (m - mean) * (m - mean); });
        double categories = between / total - (byValue.Length - 1) / (double)(n - 1);
        // Mid-ranks, scaled to [0, 1]: the curve sees the values' order, not their spacing.
        var rank = new double[n];
        var order = Enumerable.Range(0, n).OrderBy(r => x[r]).ToArray();
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && x[order[j + 1]] == x[order[i]]) j++;
            for (int k = i; k <= j; k++) rank[order[k]] = n == 1 ? 0 : (i + j) / 2.0 / (n - 1);
            i = j + 1;
        }
        const int terms = 6;
        var a = new double[terms, terms + 1];
        for (int r = 0; r < n; r++)
        {
            var powers = new double[terms];
            powers[0] = 1;
            for (int p = 1; p < terms; p++) powers[p] = powers[p - 1] * rank[r];
            for (int p = 0; p < terms; p++)
            {
                for (int q = 0; q < terms; q++) a[p, q] += powers[p] * powers[q];
                a[p, terms] += powers[p] * (y[r] - mean);
            }
        }
        var coefficients = Solve(a, terms);
        double residual = 0;
        for (int r = 0; r < n; r++)
        {
            double fit = 0, power = 1;
            for (int p = 0; p < terms; p++, power *= rank[r]) fit += coefficients[p] * power;
            residual += (y[r] - mean - fit) * (y[r] - mean - fit);
        }
        return (categories, Math.Max(0, 1 - residual / total));
    }

    /// <summary>Solves the augmented system <paramref name="a"/> (size × size + 1) by Gaussian elimination with partial pivoting; a singular direction gets 0.</summary>
    private static double[] Solve(double[,] a, int size)
    {
        for (int col = 0; col < size; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < size; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            for (int k = 0; k <= size; k++) (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            if (Math.Abs(a[col, col]) < 1e-12) continue;
            for (int r = 0; r < size; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int k = col; k <= size; k++) a[r, k] -= f * a[col, k];
            }
        }
        var solution = new double[size];
        for (int r = 0; r < size; r++) solution[r] = Math.Abs(a[r, r]) < 1e-12 ? 0 : a[r, size] / a[r, r];
        return solution;
    }

    /// <summary>
    /// Why a column of whole numbers is a set of codes rather than a quantity, or null: a name that says so ("zip",
    /// "status_code", "type"), or a few values far apart and unevenly spaced (101, 205, 307: a department, a product
    /// line) that repeat, between which a generated number would mean nothing. Evenly spaced values (10, 20, 30) and dense ones
    /// (0 to 5 children) stay numbers: the learned granularity keeps them on their grid.
    /// </summary>
    private static string? CodeReason(string name, List<long> numbers)
    {
        var values = numbers.Distinct().Order().ToArray();
        if (values.Length < 2) return null;
        if (CodeWord(name) is { } word && values.Length <= GanTrainer.Defaults.MaximumCategories)
            return $"the column's name calls codes ('{word}')";
        // Codes repeat: a handful of distinct values in a handful of rows may as well be quantities.
        if (values.Length > 10 || numbers.Count < 5 * values.Length) return null;
        var gaps = values.Zip(values.Skip(1), (a, b) => (double)b - a).ToArray();
        bool farApart = gaps.Average() >= 10, uneven = gaps.Distinct().Count() > 1;
        return farApart && uneven ? $"are few, far apart and unevenly spaced ({string.Join(", ", values.Take(4))}{(values.Length > 4 ? ", …" : "")})" : null;
    }

    /// <summary>Countries' calling codes and domains, with the Bogus locale of each.</summary>
    private static readonly (string Code, string Domain, string Locale)[] s_countries =
    [
        ("+47", ".no", "nb_NO"), ("+46", ".se", "sv"), ("+49", ".de", "de"), ("+43", ".at", "de_AT"), ("+41", ".ch", "de_CH"), ("+33", ".fr", "fr"),
        ("+34", ".es", "es"), ("+39", ".it", "it"), ("+31", ".nl", "nl"), ("+32", ".be", "nl_BE"), ("+44", ".uk", "en_GB"), ("+353", ".ie", "en_IE"),
        ("+61", ".au", "en_AU"), ("+55", ".br", "pt_BR"), ("+351", ".pt", "pt_PT"), ("+48", ".pl", "pl"), ("+7", ".ru", "ru"), ("+81", ".jp", "ja"),
        ("+82", ".kr", "ko"), ("+86", ".cn", "zh_CN"), ("+90", ".tr", "tr"), ("+420", ".cz", "cz"), ("+380", ".ua", "uk"), ("+358", ".fi", "fi"),
    ];

    /// <summary>
    /// The Bogus locale most (90 %) of a column's phone numbers (by country code) or e-mail addresses (by country domain)
    /// tell; null where they tell none, or where Bogus lacks it.
    /// </summary>
    private static string? LocaleOf(List<string> values, string kind)
    {
        var present = values.Where(v => !s_missing.Contains(v)).ToList();
        if (present.Count == 0 || kind is not ("Phone" or "Email")) return null;
        string? Of(string v) => kind == "Phone"
            ? s_countries.Where(c => v.StartsWith(c.Code, StringComparison.Ordinal)).OrderByDescending(c => c.Code.Length).Select(c => c.Locale).FirstOrDefault()
            : s_countries.Where(c => v.EndsWith(c.Domain, StringComparison.OrdinalIgnoreCase)).Select(c => c.Locale).FirstOrDefault();
        var best = present.Select(Of).GroupBy(l => l).OrderByDescending(g => g.Count()).First();
        return best.Key is { } locale && best.Count() >= 0.9 * present.Count && Bogus.Database.LocaleResourceExists(locale) ? locale : null;
    }

    /// <summary>The header's names, with CSV quoting undone and surrounding spaces trimmed.</summary>
    private static string[] ReadHeader(string path, char separator)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        string line = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty: it needs a header row.");
        var names = new List<string>();
        var name = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { name.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == separator && !quoted) { names.Add(name.ToString().Trim()); name.Clear(); }
            else name.Append(c);
        }
        names.Add(name.ToString().Trim());
        return [.. names];
    }
}
