using System.Globalization;

namespace Microsoft.ML.Gan;

/// <summary>
/// One side of a <see cref="GanConstraint"/>: a training column, by name, or a constant (a number, a
/// <see cref="DateTime"/>, a <see cref="DateTimeOffset"/> or a <see cref="TimeSpan"/>, as the column it is compared with
/// holds). Written as the name or the value itself: <c>GanConstraint.Range(0, "discount", "price")</c>.
/// </summary>
public readonly struct GanBound : IEquatable<GanBound>
{
    private GanBound(string? column, object? value)
    {
        Column = column;
        Value = value;
    }

    /// <summary>The column this bound is, or null for a constant.</summary>
    public string? Column { get; }

    /// <summary>The constant this bound is (double, DateTime, DateTimeOffset or TimeSpan), or null for a column.</summary>
    public object? Value { get; }

    /// <summary>Whether the bound is a column.</summary>
    public bool IsColumn => Column is not null;

    /// <summary>A column, by name.</summary>
    public static GanBound OfColumn(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new GanBound(name, null);
    }

    /// <summary>A number; NaN and infinities are refused.</summary>
    public static GanBound OfValue(double value) =>
        double.IsFinite(value) ? new GanBound(null, value)
        : throw new ArgumentOutOfRangeException(nameof(value), value, "A constraint's bound must be a finite number.");

    /// <summary>A date (compared with a DateTime column as its clock time).</summary>
    public static GanBound OfValue(DateTime value) => new(null, value);

    /// <summary>An instant (compared with a DateTimeOffset column in UTC).</summary>
    public static GanBound OfValue(DateTimeOffset value) => new(null, value);

    /// <summary>A duration (compared with a TimeSpan column).</summary>
    public static GanBound OfValue(TimeSpan value) => new(null, value);

    /// <summary>The column of that name.</summary>
    public static implicit operator GanBound(string column) => OfColumn(column);

    /// <summary>The number.</summary>
    public static implicit operator GanBound(double value) => OfValue(value);

    /// <summary>The date.</summary>
    public static implicit operator GanBound(DateTime value) => OfValue(value);

    /// <summary>The instant.</summary>
    public static implicit operator GanBound(DateTimeOffset value) => OfValue(value);

    /// <summary>The duration.</summary>
    public static implicit operator GanBound(TimeSpan value) => OfValue(value);

    /// <summary>The column's name, or the constant (dates as ISO 8601, invariant culture).</summary>
    public override string ToString() => Column ?? Value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        _ => "",
    };

    /// <summary>Whether both are the same column, or equal constants.</summary>
    public bool Equals(GanBound other) => Column == other.Column && Equals(Value, other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GanBound other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Column, Value);

    /// <summary>Whether both are the same column, or equal constants.</summary>
    public static bool operator ==(GanBound left, GanBound right) => left.Equals(right);

    /// <summary>Whether they differ.</summary>
    public static bool operator !=(GanBound left, GanBound right) => !left.Equals(right);
}

/// <summary>
/// A rule every generated row obeys (<see cref="GanTrainer.Options.Constraints"/>): an order between two columns, or
/// between a column and a constant, of numbers, dates or durations (a delivery on or after its order, a discount
/// between 0 and the price, an age above 0); or categories that only come in the combinations the training rows have
/// (a city with its own country). Checked on the training rows at <c>Fit</c>: an order that some training rows break
/// is refused with their count and the first of them. Held by construction, in .NET and in the exported ONNX graph
/// alike: a column above another is learned as its distance above it (never negative), then decoded as that column
/// plus the distance; a column bounded by constants stays in its training range, which is within them; a combination
/// the training rows never have is replaced by one they have. An order says nothing where one of its columns is missing.
/// </summary>
public sealed class GanConstraint
{
    private readonly string _text;

    private GanConstraint(string text, IReadOnlyList<GanComparison> comparisons, IReadOnlyList<string>? combined = null, (string Column, object Step)? increment = null,
        bool isPredicate = false, Func<GanRow, bool>? predicate = null, IReadOnlyList<string>? oneHot = null)
    {
        OneHotColumns = oneHot;
        _text = text;
        Comparisons = comparisons;
        CombinedColumns = combined;
        Increment = increment;
        IsPredicate = isPredicate;
        Predicate = predicate;
    }

    /// <summary>For <see cref="OneHot"/>: its columns; null otherwise.</summary>
    public IReadOnlyList<string>? OneHotColumns { get; }

    /// <summary>
    /// Columns of which exactly one is set in every row (booleans true, or numbers 1 where the others are 0): a one-hot
    /// encoding spread over columns. Checked on the training rows; a decoded row with none or several set gets the one
    /// of its set columns (or of all, when none is) that the training rows set most often, in .NET and the graph alike.
    /// </summary>
    public static GanConstraint OneHot(params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length < 2 || columns.Any(string.IsNullOrWhiteSpace) || columns.Distinct(StringComparer.Ordinal).Count() != columns.Length)
            throw new ArgumentException("OneHot needs two or more distinct column names.", nameof(columns));
        return new GanConstraint($"one of {string.Join(", ", columns)}", [], null, null, oneHot: columns.ToArray());
    }

    /// <summary>Whether the rule is a C# predicate (<see cref="Where"/>).</summary>
    public bool IsPredicate { get; }

    /// <summary>A <see cref="Where"/> rule's predicate; null for other rules, and for a predicate a loaded model has not been given again (<see cref="GanTransformer.WithPredicate"/>).</summary>
    public Func<GanRow, bool>? Predicate { get; }

    /// <summary>
    /// A rule written in C#: <paramref name="predicate"/> returns true for the rows that keep it
    /// (<c>GanConstraint.Where("discount below a fifth of the price", r =&gt; r.Get&lt;float&gt;("discount") &lt;= 0.2f * r.Get&lt;float&gt;("price"))</c>).
    /// Checked on every training row at <c>Fit</c>; generation makes candidate rows and leaves out those it returns false
    /// for, within the candidate budget, in .NET only: the exported graph does not run C#, and a model file cannot keep
    /// a delegate, so a loaded model must be given the predicate again (<see cref="GanTransformer.WithPredicate"/>) before
    /// it generates, and <c>Transform</c>, which makes one row per noise row, refuses such a model. Identifiers and fake
    /// data are made after the rule is checked: read the other columns. <paramref name="name"/> names the rule in
    /// messages and files.
    /// </summary>
    public static GanConstraint Where(string name, Func<GanRow, bool> predicate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(predicate);
        return new GanConstraint(name, [], null, null, isPredicate: true, predicate);
    }

    /// <summary>The same rule with <paramref name="predicate"/> (a restored predicate rule given its delegate again).</summary>
    internal GanConstraint WithPredicate(Func<GanRow, bool> predicate) => new(_text, [], null, null, isPredicate: true, predicate);

    /// <summary>For <see cref="FixedIncrements(string, double)"/>: its column and step (a double, or a TimeSpan for a date or duration); null otherwise.</summary>
    public (string Column, object Step)? Increment { get; }

    /// <summary>The orders the rule consists of (a range is two; none for fixed combinations).</summary>
    public IReadOnlyList<GanComparison> Comparisons { get; }

    /// <summary>For <see cref="FixedCombinations"/>: its columns, in order; null for an order.</summary>
    public IReadOnlyList<string>? CombinedColumns { get; }

    /// <summary>The columns the rule names.</summary>
    public IReadOnlyList<string> Columns => IsPredicate ? [] : OneHotColumns ?? (Increment is { } increment ? [increment.Column] : CombinedColumns ?? Comparisons.SelectMany(c => new[] { c.Low.Column, c.High.Column }).OfType<string>().Distinct().ToArray());

    /// <summary>
    /// Categorical columns (text, booleans, keys) whose values come only in the combinations some training row holds:
    /// a generated row whose combination none holds keeps the longest leading part (in the order given) that some
    /// training row holds, and takes the most frequent training combination that starts so. List the column that
    /// matters most first (a country before its city). At most 100,000 possible combinations (the product of the
    /// columns' category counts).
    /// </summary>
    public static GanConstraint FixedCombinations(params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length < 2 || columns.Any(string.IsNullOrWhiteSpace) || columns.Distinct(StringComparer.Ordinal).Count() != columns.Length)
            throw new ArgumentException("FixedCombinations needs two or more distinct column names.", nameof(columns));
        return new GanConstraint($"fixed combinations of {string.Join(", ", columns)}", [], columns.ToArray());
    }

    /// <summary><paramref name="low"/> ≤ <paramref name="high"/> (&lt; when <paramref name="strict"/>); at least one of them a column.</summary>
    public static GanConstraint Inequality(GanBound low, GanBound high, bool strict = false)
    {
        var comparison = GanComparison.Create(low, high, strict);
        return new GanConstraint(comparison.ToString(), [comparison]);
    }

    /// <summary>
    /// <paramref name="low"/> ≤ <paramref name="column"/> ≤ <paramref name="high"/> (&lt; on both sides when
    /// <paramref name="strict"/>); each bound a column or a constant.
    /// </summary>
    public static GanConstraint Range(GanBound low, string column, GanBound high, bool strict = false)
    {
        var middle = GanBound.OfColumn(column);
        var below = GanComparison.Create(low, middle, strict);
        var above = GanComparison.Create(middle, high, strict);
        if (!low.IsColumn && !high.IsColumn && low.Value!.GetType() == high.Value!.GetType() && Comparer<object>.Default.Compare(low.Value, high.Value) > 0)
            throw new ArgumentException($"The range [{low}, {high}] of column '{column}' is empty: its low bound is above its high bound.", nameof(low));
        string sign = strict ? "<" : "≤";
        return new GanConstraint($"{low} {sign} {column} {sign} {high}", [below, above]);
    }

    /// <summary><paramref name="column"/> &gt; 0 (≥ 0 unless <paramref name="strict"/>).</summary>
    public static GanConstraint Positive(string column, bool strict = true) => Inequality(0.0, column, strict);

    /// <summary><paramref name="column"/> &lt; 0 (≤ 0 unless <paramref name="strict"/>).</summary>
    public static GanConstraint Negative(string column, bool strict = true) => Inequality(column, 0.0, strict);

    /// <summary>
    /// A number column whose values are whole multiples of <paramref name="step"/> (prices in steps of 0.05, counts in
    /// dozens). Checked on the training rows; held by the column's learned grid (<see cref="GanTrainer.Options.NumericGranularity"/>,
    /// which must be on), whose step a model must show to be a multiple of this one. Not for a column that lies above
    /// another (an <see cref="Inequality"/>'s high side).
    /// </summary>
    public static GanConstraint FixedIncrements(string column, double step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        if (!(step > 0) || !double.IsFinite(step)) throw new ArgumentOutOfRangeException(nameof(step), step, "An increment must be a positive finite number.");
        return new GanConstraint($"{column} in steps of {step.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", [], null, (column, step));
    }

    /// <summary>A date, time or duration column whose values are whole multiples of <paramref name="step"/> from 1970-01-01 (or from zero): quarter hours, whole days in UTC.</summary>
    public static GanConstraint FixedIncrements(string column, TimeSpan step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        if (step <= TimeSpan.Zero || step.Ticks % TimeSpan.TicksPerMicrosecond != 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, "An increment of time must be a positive whole number of microseconds.");
        return new GanConstraint($"{column} in steps of {step.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}", [], null, (column, step));
    }

    /// <summary>A rule a saved model describes: its words and its comparisons, its combined columns, or its increment (in the column's numbers).</summary>
    internal static GanConstraint Restored(string text, IReadOnlyList<GanComparison> comparisons, IReadOnlyList<string>? combined, (string, object)? increment = null,
        bool isPredicate = false, IReadOnlyList<string>? oneHot = null) =>
        new(text, comparisons, combined, increment, isPredicate, null, oneHot);

    /// <summary>The rule in symbols: "ordered ≤ delivered", "0 ≤ discount ≤ price".</summary>
    public override string ToString() => _text;
}

/// <summary>One order of a <see cref="GanConstraint"/>: <see cref="Low"/> ≤ <see cref="High"/>, or &lt; when <see cref="Strict"/>.</summary>
public sealed record GanComparison
{
    private GanComparison(GanBound low, GanBound high, bool strict)
    {
        Low = low;
        High = high;
        Strict = strict;
    }

    /// <summary>The lower side.</summary>
    public GanBound Low { get; }

    /// <summary>The higher side.</summary>
    public GanBound High { get; }

    /// <summary>Whether the sides may not be equal.</summary>
    public bool Strict { get; }

    internal static GanComparison Create(GanBound low, GanBound high, bool strict)
    {
        if (low.Column is null && low.Value is null || high.Column is null && high.Value is null)
            throw new ArgumentException("A constraint's bound must be a column or a constant (it was left unset).");
        if (!low.IsColumn && !high.IsColumn)
            throw new ArgumentException($"The rule {low} {(strict ? "<" : "≤")} {high} compares two constants: at least one side must be a column.");
        if (low.IsColumn && low.Column == high.Column)
            throw new ArgumentException($"The rule compares column '{low.Column}' with itself.");
        return new GanComparison(low, high, strict);
    }

    /// <summary>The order in symbols: "ordered ≤ delivered".</summary>
    public override string ToString() => $"{Low} {(Strict ? "<" : "≤")} {High}";
}
