using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A date, time or duration column (ML.NET's <see cref="DateTimeDataViewType"/>, <see cref="DateTimeOffsetDataViewType"/>
/// and <see cref="TimeSpanDataViewType"/>), modelled as a number of whole microseconds: since 1970-01-01T00:00:00 (the
/// Unix epoch) for a date, and the length of a duration. Everything the numeric family does applies (modes, missing
/// values, the learned grid, the marginal map, mirroring at the range's ends): a column of whole days has a grid of
/// 86,400,000,000 µs from its first day, so it generates whole days; a column of hourly readings, whole hours.
/// </summary>
/// <remarks>
/// <para>Values are read and generated to the microsecond (a tick, 100 ns, is finer than the number keeps), exactly
/// between the years 1685 and 2255 (2^53 µs either side of 1970; further out, to within a few microseconds).</para>
/// <para>A <see cref="DateTime"/> counts the clock time it shows, whatever its <see cref="DateTime.Kind"/>; generated
/// values have the training values' kind when they all share one, else Unspecified. A <see cref="DateTimeOffset"/>
/// counts its instant in UTC; the training values must share one offset, which generated values have too. The
/// default value of either type (0001-01-01T00:00:00, what ML.NET's text loader makes of an empty field) is their
/// missing value, and generated rows show missing values that way. A <see cref="TimeSpan"/> has no missing value:
/// a zero duration is a duration.</para>
/// <para>The exported graph outputs int64 microseconds (since the Unix epoch, for dates: a DateTimeOffset's in
/// UTC, a DateTime's as its clock shows; pandas reads them with <c>pd.to_datetime(x, unit="us")</c>, JavaScript with
/// <c>new Date(Number(x / 1000n))</c>), and <see cref="long.MinValue"/> for a missing value (numpy's and pandas' NaT).</para>
/// </remarks>
internal sealed class TimeColumn : NumericColumn
{
    private readonly TimeKind _kind;

    public TimeColumn(TimeKind kind, ColumnState state)
        : base(state)
    {
        _kind = kind;
        if (!kind.HasMissingValue && HasMissing)
            throw new InvalidDataException($"Column '{Name}': the saved column has missing values, which a {kind.Name} column cannot hold.");
        if (Minimum < kind.Lowest || Maximum > kind.Highest)
            throw new InvalidDataException($"Column '{Name}': the saved range [{Minimum}, {Maximum}] µs is outside what a {kind.Name} can hold.");
        if (state.TimeOffsetMinutes is int minutes && (!kind.HasOffset || Math.Abs(minutes) > TimeKind.LargestOffsetMinutes))
            throw new InvalidDataException($"Column '{Name}': the saved UTC offset ({minutes} minutes) is not one a {kind.Name} column can have (within ±14 hours, DateTimeOffset only).");
        if (state.DateTimeKind is { } dateKind && (kind is not DateTimeColumnKind || !Enum.TryParse<DateTimeKind>(dateKind, ignoreCase: false, out _) || int.TryParse(dateKind, out _)))
            throw new InvalidDataException($"Column '{Name}': the saved date kind '{Common.Text.Printable(dateKind, 20)}' is not Utc, Local or Unspecified on a DateTime column.");
        Offset = TimeSpan.FromMinutes(state.TimeOffsetMinutes ?? 0);
        if (state.TimeZone is { } zone)
        {
            if (!kind.HasOffset || zone.Length > 100)
                throw new InvalidDataException($"Column '{Name}': a time zone on a {kind.Name} column.");
            try { Zone = TimeZoneInfo.FindSystemTimeZoneById(zone); }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new InvalidDataException($"Column '{Name}': its values keep the time zone '{Common.Text.Printable(zone, 60)}', which this machine does not know (on Linux, install tzdata).", e);
            }
        }
        DateTimeKind = state.DateTimeKind is { } k ? Enum.Parse<DateTimeKind>(k) : DateTimeKind.Unspecified;
    }

    /// <summary>The UTC offset generated DateTimeOffset values have (without a <see cref="Zone"/>).</summary>
    public TimeSpan Offset { get; }

    /// <summary>The time zone whose offsets generated DateTimeOffset values have at their instants (daylight saving time); null for one fixed <see cref="Offset"/>.</summary>
    public TimeZoneInfo? Zone { get; }

    /// <summary>The <see cref="DateTime.Kind"/> generated DateTime values have.</summary>
    public DateTimeKind DateTimeKind { get; }

    public override ColumnKind Kind => _kind;
    public override DataViewType Type => _kind.Type;
    public override bool IsInteger => true;
    public override OnnxType OutputType => OnnxType.Int64;

    protected internal override string AddOnnxMissing(OnnxGraph g) => g.Scalar(TimeKind.MissingOutput);

    internal override string AddOnnxIsMissing(OnnxGraph g, string value) => g.Node("Equal", [value, AddOnnxMissing(g)]);

    public override void ReadOnnxOutput(OrtValue output, int rows, Array buffer, int firstRow)
    {
        var from = output.GetTensorDataAsSpan<long>();
        var into = ((double[])buffer).AsSpan(firstRow, rows);
        // Saturating, as number columns' casts are: a graph from elsewhere cannot make a getter throw with a value no
        // DateTime holds. This library's graphs clamp to the training range already.
        for (int i = 0; i < into.Length; i++)
            into[i] = from[i] == TimeKind.MissingOutput ? double.NaN : Math.Clamp(from[i], _kind.Lowest, _kind.Highest);
    }

    public override Delegate CreateGetter(Array buffer, Func<int> row) => _kind.CreateGetter((double[])buffer, row, this);

    public override ColumnState ToState()
    {
        var state = base.ToState();
        state.TimeOffsetMinutes = _kind.HasOffset ? (int)Offset.TotalMinutes : null;
        state.TimeZone = Zone?.Id;
        state.DateTimeKind = _kind is DateTimeColumnKind ? DateTimeKind.ToString() : null;
        return state;
    }
}

/// <summary>The kinds of <see cref="TimeColumn"/>: one per ML.NET time type.</summary>
internal abstract class TimeKind : NumericKind
{
    /// <summary>The graph's output for a missing value: numpy's NaT.</summary>
    public const long MissingOutput = long.MinValue;

    /// <summary>The largest UTC offset a DateTimeOffset may have, in minutes (14 hours).</summary>
    public const int LargestOffsetMinutes = 14 * 60;

    protected static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>A millisecond, in ticks: how far inside its type's range a value must lie.</summary>
    protected const long Margin = TimeSpan.TicksPerMillisecond;

    /// <summary>The ML.NET type.</summary>
    public abstract DataViewType Type { get; }

    /// <summary>Whether the type's default value stands for a missing value.</summary>
    public abstract bool HasMissingValue { get; }

    /// <summary>Whether values carry a UTC offset.</summary>
    public virtual bool HasOffset => false;

    // Lowest and Highest (NumericKind's): the least and greatest number of microseconds a column of the kind may hold,
    // a millisecond inside the type's own range (and 14 hours more with an offset), so that a double's rounding of so
    // large a number (32 µs near year 9999), and any UTC offset, still make a value of the type.

    public override bool Handles(DataViewType type) => type.Equals(Type);

    public override NumberPrecision Precision => NumberPrecision.Whole;

    /// <summary>Whole microseconds: a tick count's tenth, rounded towards zero.</summary>
    protected static double Microseconds(long ticks) => ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>A date as ISO 8601 (the day, then the time when there is one; in UTC for an instant), a duration as d.hh:mm:ss.</summary>
    public override string Format(double value)
    {
        if (double.IsNaN(value)) return "";
        long ticks = (long)Math.Round(Math.Clamp(value, Lowest, Highest)) * TimeSpan.TicksPerMicrosecond;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (this is TimeSpanKind) return TimeSpan.FromTicks(ticks).ToString("c", invariant);
        var t = new DateTime(EpochTicks + ticks);
        string text = t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", invariant) : t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", invariant);
        return HasOffset ? text + "Z" : text;
    }

    /// <summary>A reader of the current row's <typeparamref name="T"/> value through <paramref name="number"/>, which may also look at the value.</summary>
    protected static Func<double> Reader<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, double> number)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return number(value);
        };
    }

    /// <summary>A value is kept as whole microseconds.</summary>
    public override double Stored(double value) => Math.Round(value, MidpointRounding.ToEven);

    public override GanColumn Restore(ColumnState state) => new TimeColumn(this, state);

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new TimeFitter(this, column, settings);

    /// <summary>
    /// Fits a time column: refuses values at the very ends of the type's range (9999-12-31T23:59:59.9999999 and the like,
    /// sentinels for "never" more often than dates) with a message that says so; kinds that learn more derive from it.
    /// </summary>
    protected class TimeFitter(TimeKind kind, DataViewSchema.Column column, ColumnFitSettings settings) : NumericFitter(kind, column, settings)
    {
        protected override void Complete(ColumnState state)
        {
            if (state.Minimum >= kind.Lowest && state.Maximum <= kind.Highest) return;
            string value = state.Minimum < kind.Lowest ? "its smallest value" : "its largest value";
            throw new InvalidOperationException(
                $"Column '{Name}': {value} lies within a millisecond (with an offset, 14 hours) of the end of what a {kind.Name} can hold, " +
                "which is more often a stand-in for \"never\" or \"unknown\" than a real value. Replace such values with the default value " +
                "(a missing date) or a real one before training.");
        }
    }

    /// <summary>The getter of the generated value in the column's type; NaN decodes as the type's default (missing).</summary>
    public abstract Delegate CreateGetter(double[] numbers, Func<int> row, TimeColumn column);

    /// <summary>The fewest present dates from which a calendar is learned.</summary>
    public const int MinimumCalendarValues = 20;

    /// <summary>The most instants a calendar may hold (a saved map's limit).</summary>
    private const int MaximumCalendar = 100_000;

    /// <summary>
    /// The calendar a date column keeps to, as the instants (microseconds since the epoch, ascending, from the first
    /// value to the last) that the pattern allows; null when the values keep to none of these, or are too few to tell
    /// (<see cref="MinimumCalendarValues"/>). The patterns, on the clock of the column's
    /// <paramref name="offset"/>, all at one time of day:
    /// <list type="bullet">
    /// <item>one day of the month (1 to 28), or each month's last day, in steps of whole months (monthly, quarterly,
    /// yearly figures: the step is the largest that every value keeps from the first);</item>
    /// <item>only some days of the week (business days; one weekday in steps of weeks), when the values span at
    /// least four weeks and number at least five per day of the week, so that a missing weekday is no accident.</item>
    /// </list>
    /// Dates on a calendar are generated on it: a month's 16th never follows months of firsts, nor a Saturday
    /// business days (see <see cref="MarginalMap.FitTraining"/>).
    /// </summary>
    public static double[]? Calendar(double[] present, TimeSpan offset)
    {
        if (present.Length < MinimumCalendarValues) return null;
        long offsetTicks = offset.Ticks;
        var clock = new DateTime[present.Length];
        for (int i = 0; i < present.Length; i++)
        {
            long ticks = EpochTicks + (long)present[i] * TimeSpan.TicksPerMicrosecond + offsetTicks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return null;
            clock[i] = new DateTime(ticks);
        }
        var time = clock[0].TimeOfDay;
        if (clock.Any(t => t.TimeOfDay != time)) return null;
        DateTime first = clock.Min(), last = clock.Max();
        if (first == last) return null;
        double Instant(DateTime t) => (t.Ticks - offsetTicks - EpochTicks) / TimeSpan.TicksPerMicrosecond;

        static int MonthIndex(DateTime t) => t.Year * 12 + t.Month - 1;
        bool monthEnds = clock.All(t => t.Day == DateTime.DaysInMonth(t.Year, t.Month));
        int day = clock[0].Day;
        if (monthEnds || (day <= 28 && clock.All(t => t.Day == day)))
        {
            int from = MonthIndex(first), step = 0;
            foreach (var t in clock) step = Gcd(step, MonthIndex(t) - from);
            int count = (MonthIndex(last) - from) / step + 1;
            if (count > MaximumCalendar) return null;
            var months = new double[count];
            for (int k = 0; k < count; k++)
            {
                int index = from + k * step, year = index / 12, month = index % 12 + 1;
                months[k] = Instant(new DateTime(year, month, monthEnds ? DateTime.DaysInMonth(year, month) : day) + time);
            }
            return months;
        }

        var weekdays = clock.Select(t => t.DayOfWeek).ToHashSet();
        long firstDay = first.Ticks / TimeSpan.TicksPerDay;
        long span = last.Ticks / TimeSpan.TicksPerDay - firstDay;
        if (weekdays.Count == 7 || span < 28 || present.Length < 5 * 7) return null;
        long dayStep = 0;
        foreach (var t in clock) dayStep = Gcd(dayStep, t.Ticks / TimeSpan.TicksPerDay - firstDay);
        if (span / dayStep + 1 > MaximumCalendar * 2) return null;
        var days = new List<double>();
        for (long d = 0; d <= span; d += dayStep)
        {
            var t = first.AddDays(d);
            if (weekdays.Contains(t.DayOfWeek)) days.Add(Instant(t));
            if (days.Count > MaximumCalendar) return null;
        }
        return [.. days];
    }

    /// <summary>The calendar when each of its instants lies on the column's grid (which the training values set), else null.</summary>
    public static double[]? OnGrid(double[]? calendar, ColumnState state)
    {
        if (calendar is null || state.GranularityUnits is not long units) return calendar;
        var grid = new NumericGranularity(units, state.GranularityDecimals ?? 0, state.Minimum, state.Maximum, state.Name);
        return calendar.All(v => grid.Round(v) == v) ? calendar : null;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}

/// <summary>DateTime columns: the clock time's microseconds since 1970-01-01T00:00:00; the default value is missing.</summary>
internal sealed class DateTimeColumnKind : TimeKind
{
    public static DateTimeColumnKind Instance { get; } = new();

    public override string Name => "DateTime";
    public override string Description => "DateTime";
    public override DataViewType Type => DateTimeDataViewType.Instance;
    public override bool HasMissingValue => true;
    public override double Lowest => Microseconds(DateTime.MinValue.Ticks + Margin - EpochTicks);
    public override double Highest => Microseconds(DateTime.MaxValue.Ticks - Margin - EpochTicks);

    /// <summary>The microseconds of a DateTime's clock time since the epoch; NaN for the default value.</summary>
    private static double Number(DateTime value) => value == default ? double.NaN : Microseconds(value.Ticks - EpochTicks);

    /// <summary>A DateTime's clock time, as a column of the kind holds it.</summary>
    public override double? Constant(object value) => value is DateTime t ? (t.Ticks - EpochTicks) / (double)TimeSpan.TicksPerMicrosecond : null;

    public override Func<double> CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column) => Reader<DateTime>(cursor, column, Number);

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new DateTimeFitter(this, column, settings);

    public override Delegate CreateGetter(double[] numbers, Func<int> row, TimeColumn column)
    {
        var kind = column.DateTimeKind;
        return (ValueGetter<DateTime>)((ref DateTime value) =>
        {
            double v = numbers[row()];
            value = double.IsNaN(v) ? default : new DateTime(EpochTicks + (long)v * TimeSpan.TicksPerMicrosecond, kind);
        });
    }

    /// <summary>Also learns the values' <see cref="DateTime.Kind"/>: the one they all share, else Unspecified.</summary>
    private sealed class DateTimeFitter(DateTimeColumnKind kind, DataViewSchema.Column column, ColumnFitSettings settings)
        : TimeFitter(kind, column, settings)
    {
        private DateTimeKind? _shared;
        private bool _mixed;

        protected override Func<double> CreateReader(DataViewRowCursor cursor) => Reader<DateTime>(cursor, Column, value =>
        {
            if (value == default) return double.NaN;
            if (_shared is null) _shared = value.Kind;
            else if (_shared != value.Kind) _mixed = true;
            return Number(value);
        });

        protected override void Complete(ColumnState state)
        {
            base.Complete(state);
            state.DateTimeKind = (_mixed ? DateTimeKind.Unspecified : _shared ?? DateTimeKind.Unspecified).ToString();
        }

        protected override double[]? Calendar(double[] present, ColumnState state) => OnGrid(TimeKind.Calendar(present, TimeSpan.Zero), state);
    }
}

/// <summary>DateTimeOffset columns: the instant's microseconds since 1970-01-01T00:00:00Z, all with one UTC offset; the default value is missing.</summary>
internal sealed class DateTimeOffsetKind : TimeKind
{
    public static DateTimeOffsetKind Instance { get; } = new();

    public override string Name => "DateTimeOffset";
    public override string Description => "DateTimeOffset (one UTC offset per column)";
    public override DataViewType Type => DateTimeOffsetDataViewType.Instance;
    public override bool HasMissingValue => true;
    public override bool HasOffset => true;
    public override double Lowest => Microseconds(DateTimeOffset.MinValue.UtcTicks + Margin + LargestOffsetMinutes * TimeSpan.TicksPerMinute - EpochTicks);
    public override double Highest => Microseconds(DateTimeOffset.MaxValue.UtcTicks - Margin - LargestOffsetMinutes * TimeSpan.TicksPerMinute - EpochTicks);

    /// <summary>The microseconds of a DateTimeOffset's instant since the epoch; NaN for the default value.</summary>
    private static double Number(DateTimeOffset value) => value == default ? double.NaN : Microseconds(value.UtcTicks - EpochTicks);

    /// <summary>A DateTimeOffset's instant, as a column of the kind holds it.</summary>
    public override double? Constant(object value) => value is DateTimeOffset t ? (t.UtcTicks - EpochTicks) / (double)TimeSpan.TicksPerMicrosecond : null;

    public override Func<double> CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column) => Reader<DateTimeOffset>(cursor, column, Number);

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new OffsetFitter(this, column, settings);

    public override Delegate CreateGetter(double[] numbers, Func<int> row, TimeColumn column)
    {
        var offset = column.Offset;
        var zone = column.Zone;
        // The range holds only instants the training values had, in their offset: the local clock stays within DateTime's range.
        return (ValueGetter<DateTimeOffset>)((ref DateTimeOffset value) =>
        {
            double v = numbers[row()];
            if (double.IsNaN(v)) { value = default; return; }
            long utc = EpochTicks + (long)v * TimeSpan.TicksPerMicrosecond;
            var at = zone is null ? offset : zone.GetUtcOffset(new DateTime(utc, DateTimeKind.Utc));
            value = new DateTimeOffset(utc + at.Ticks, at);
        });
    }

    /// <summary>Also learns the values' UTC offset, and refuses a column whose values have more than one.</summary>
    private sealed class OffsetFitter(DateTimeOffsetKind kind, DataViewSchema.Column column, ColumnFitSettings settings)
        : TimeFitter(kind, column, settings)
    {
        private TimeSpan? _offset;
        private long _row = -1;
        private long _otherRow = -1; // the first row with another offset than the first value's
        private TimeSpan _other;
        private readonly List<(long UtcTicks, short Minutes)> _instants = [];

        protected override Func<double> CreateReader(DataViewRowCursor cursor) => Reader<DateTimeOffset>(cursor, Column, value =>
        {
            _row++;
            if (value == default) return double.NaN;
            if (_offset is null) _offset = value.Offset;
            else if (_offset != value.Offset && _otherRow < 0) (_otherRow, _other) = (_row, value.Offset);
            _instants.Add((value.UtcTicks, (short)value.Offset.TotalMinutes));
            return Number(value);
        });

        protected override void Complete(ColumnState state)
        {
            base.Complete(state);
            state.TimeOffsetMinutes = (int)(_offset ?? TimeSpan.Zero).TotalMinutes;
            if (_otherRow < 0) return;
            // Several offsets: the values must keep one time zone's offsets at their instants (daylight saving time).
            state.TimeZone = ZoneOf(_instants)?.Id ?? throw new InvalidOperationException(
                $"Column '{Name}' holds times with different UTC offsets ({Format(_offset!.Value)} and {Format(_other)}, the second at row {_otherRow:N0}) " +
                "that no time zone of this machine gives at their instants. A column is generated in one offset, or in one time zone's: convert its values " +
                "to one (e.g. DateTimeOffset.ToUniversalTime, or TimeZoneInfo.ConvertTime to the zone they were recorded in) before training.");
        }

        /// <summary>The first time zone (by id) whose offset at every value's instant is the value's own; null for none.</summary>
        private static TimeZoneInfo? ZoneOf(List<(long UtcTicks, short Minutes)> instants)
        {
            var distinct = instants.Distinct().ToArray();
            foreach (var zone in TimeZoneInfo.GetSystemTimeZones().OrderBy(z => z.Id, StringComparer.Ordinal))
            {
                bool all = true;
                foreach (var (utc, minutes) in distinct)
                {
                    if (zone.GetUtcOffset(new DateTime(utc, DateTimeKind.Utc)).TotalMinutes != minutes) { all = false; break; }
                }
                if (all) return zone;
            }
            return null;
        }

        protected override double[]? Calendar(double[] present, ColumnState state) => OnGrid(TimeKind.Calendar(present, _offset ?? TimeSpan.Zero), state);

        private static string Format(TimeSpan offset) => (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>TimeSpan columns: the duration's microseconds; no missing value (zero is a duration).</summary>
internal sealed class TimeSpanKind : TimeKind
{
    public static TimeSpanKind Instance { get; } = new();

    public override string Name => "TimeSpan";
    public override string Description => "TimeSpan";
    public override DataViewType Type => TimeSpanDataViewType.Instance;
    public override bool HasMissingValue => false;
    public override double? Constant(object value) => value is TimeSpan t ? t.Ticks / (double)TimeSpan.TicksPerMicrosecond : null;

    public override double Lowest => Microseconds(TimeSpan.MinValue.Ticks + Margin);
    public override double Highest => Microseconds(TimeSpan.MaxValue.Ticks - Margin);

    public override Func<double> CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column) =>
        Reader<TimeSpan>(cursor, column, value => Microseconds(value.Ticks));

    public override Delegate CreateGetter(double[] numbers, Func<int> row, TimeColumn column) =>
        (ValueGetter<TimeSpan>)((ref TimeSpan value) => value = TimeSpan.FromTicks((long)numbers[row()] * TimeSpan.TicksPerMicrosecond));
}
