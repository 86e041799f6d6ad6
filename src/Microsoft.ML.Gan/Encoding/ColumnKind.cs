using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A kind of column the GAN models, found by its <see cref="DataViewType"/>: it reads a training column's values
/// through a cursor (<see cref="CreateFitter"/>), fits a <see cref="GanColumn"/> from them, and restores that column
/// from a model file (<see cref="Restore"/>). Every kind is listed once, in <see cref="ColumnKinds.All"/>.
/// </summary>
internal abstract class ColumnKind
{
    /// <summary>The name a model file stores for columns of this kind (never changes once released).</summary>
    public abstract string Name { get; }

    /// <summary>The types this kind models, in words, for error messages.</summary>
    public abstract string Description { get; }

    public abstract bool Handles(DataViewType type);

    /// <summary>Reads <paramref name="column"/> row by row and fits it.</summary>
    public abstract ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings);

    /// <summary>The column a model file describes; <see cref="InvalidDataException"/> naming the column when the state is inconsistent.</summary>
    public abstract GanColumn Restore(ColumnState state);
}

/// <summary>Columns modelled as numbers: values are read as doubles (NaN is missing).</summary>
internal abstract class NumericKind : ColumnKind
{
    /// <summary>A reader of the current row's value of <paramref name="column"/> as a double (NaN when missing).</summary>
    public abstract Func<double> CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column);

    /// <summary><paramref name="value"/> as a column of this kind holds it (rounded to Single, for one), back as a double.</summary>
    public abstract double Stored(double value);

    /// <summary>
    /// Each of <paramref name="values"/> as a column of this kind holds it, missing (NaN) as it is. Decoding leaves a
    /// number in double (a Single on a grid of 1e-5 as -1.29617, which the column holds as -1.2961699962615967), and a
    /// decoded value set beside training values, which the column held, must be held as they are: else every value of
    /// a spike falls just beside the training rows' (Chile's <c>statusquo</c> read 0.936 for 0.986).
    /// </summary>
    public double[] Stored(ReadOnlySpan<double> values)
    {
        var held = new double[values.Length];
        for (int i = 0; i < values.Length; i++) held[i] = double.IsNaN(values[i]) ? double.NaN : Stored(values[i]);
        return held;
    }

    /// <summary>How finely the kind's values lie: whole numbers (integers, microseconds), or Single's or Double's floating point.</summary>
    public abstract NumberPrecision Precision { get; }

    /// <summary>The least and greatest numbers a column of the kind holds exactly (its type's range, as doubles that convert back).</summary>
    public abstract double Lowest { get; }
    public abstract double Highest { get; }

    /// <summary>
    /// A constant a <see cref="GanConstraint"/> compares a column of this kind with, as the kind's numbers (a date as
    /// microseconds since 1970, with any fraction kept); null when the constant's type is not one the kind compares with.
    /// </summary>
    public abstract double? Constant(object value);

    /// <summary>A value (as the kind's reader gives it) for people to read: six significant digits; dates as dates.</summary>
    public virtual string Format(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new NumericFitter(this, column, settings);
}

/// <summary>How finely a <see cref="NumericKind"/>'s values lie.</summary>
internal enum NumberPrecision { Whole, Single, Double }

/// <summary>Reads the current row's category: its name (as <see cref="CategoricalColumn.LevelName"/> writes it) and whether the type itself marks it missing.</summary>
internal delegate ReadOnlySpan<char> CategoryReader(out bool missing);

/// <summary>A category seen while fitting: its name, its row count, and whether it stands for a missing value.</summary>
internal readonly record struct SeenCategory(string Name, long Count, bool Missing);

/// <summary>Columns modelled as categories: values are read by name.</summary>
internal abstract class CategoricalKind : ColumnKind
{
    /// <summary>A reader of the current row's category of <paramref name="column"/>.</summary>
    public abstract CategoryReader CreateReader(DataViewRowCursor cursor, DataViewSchema.Column column);

    /// <summary>The fitted column from the categories seen (in the order first seen); the kind orders them.</summary>
    public abstract CategoricalColumn Create(DataViewSchema.Column column, IReadOnlyList<SeenCategory> categories);

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) => new CategoricalFitter(this, column, settings);
}

/// <summary>The column kinds, found by type. A new kind is one class and one line here.</summary>
internal static class ColumnKinds
{
    public static IReadOnlyList<ColumnKind> All { get; } =
    [
        new NumberKind<float>(NumberDataViewType.Single),
        new NumberKind<double>(NumberDataViewType.Double),
        new NumberKind<sbyte>(NumberDataViewType.SByte),
        new NumberKind<byte>(NumberDataViewType.Byte),
        new NumberKind<short>(NumberDataViewType.Int16),
        new NumberKind<ushort>(NumberDataViewType.UInt16),
        new NumberKind<int>(NumberDataViewType.Int32),
        new NumberKind<uint>(NumberDataViewType.UInt32),
        new NumberKind<long>(NumberDataViewType.Int64),
        new NumberKind<ulong>(NumberDataViewType.UInt64),
        BooleanKind.Instance,
        TextKind.Instance,
        KeyKind.Instance,
        DateTimeColumnKind.Instance,
        DateTimeOffsetKind.Instance,
        TimeSpanKind.Instance,
        IdentifierKind.Instance, // found by Options.Identifiers, never by type
        FakeKind.Instance, // found by Options.FakeData, never by type
        CombinationKind.Instance, // made from a combination of number columns, never found in a table
    ];

    private static readonly Dictionary<string, ColumnKind> s_byName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Human-readable list for error messages.</summary>
    public static string SupportedTypes { get; } = string.Join(", ", All.Where(k => k is not IdentifierKind and not FakeKind and not CombinationKind).Select(k => k.Description));

    /// <summary>The kind of an ML.NET column type, or null when the GAN cannot model it.</summary>
    public static ColumnKind? Find(DataViewType type) => All.FirstOrDefault(k => k.Handles(type));

    /// <summary>The kind a model file names; <see cref="InvalidDataException"/> for a name no kind has.</summary>
    public static ColumnKind Named(string? name, string column) =>
        name is not null && s_byName.TryGetValue(name, out var kind) ? kind
        : throw new InvalidDataException($"Column '{column}' has the kind '{name}', which this library does not know (it knows {string.Join(", ", s_byName.Keys)}).");

    /// <summary>Restores a column from its saved state.</summary>
    public static GanColumn Restore(ColumnState state) => Named(state.Kind, state.Name).Restore(state);
}

/// <summary>The checks and limits that apply while the training table is read.</summary>
/// <remarks>
/// Modes holds mode-specific normalisation's mixture settings (null for min-max normalisation); Seed seeds the
/// mixtures and the per-row mode draws; Granularity learns each numeric column's grid (<see cref="NumericGranularity"/>);
/// Marginal keeps the training side of each numeric column's <see cref="MarginalMap"/>; Dependencies finds the
/// <see cref="ColumnDependency"/> rules between columns; Groups (with Marginal) groups the maps by the categories their
/// columns depend on (<see cref="MarginalGroups"/>).
/// </remarks>
internal sealed record ColumnFitSettings(ISet<string> MissingCategoryTokens, int MaximumCategories,
    BayesianGaussianMixtureOptions? Modes = null, int Seed = 0, bool Granularity = false, bool Marginal = false, bool Dependencies = false,
    bool Groups = false)
{
    /// <summary>The columns to treat as identifiers (<see cref="IdentifierColumn"/>).</summary>
    public IReadOnlySet<string> Identifiers { get; init; } = new HashSet<string>();

    /// <summary>The columns of fake personal data, with what makes each (<see cref="FakeColumn"/>).</summary>
    public IReadOnlyDictionary<string, GanFakeData> FakeData { get; init; } = new Dictionary<string, GanFakeData>();

    /// <summary>Whether number columns that follow another column's curve are learned as their residuals (<see cref="NumericTrend"/>).</summary>
    public bool Trends { get; init; }

    /// <summary>Whether a trend may also add other number columns in proportion (<see cref="NumericTrend.Terms"/>).</summary>
    public bool TrendTerms { get; init; }

    /// <summary>Whether a trend may follow the ratio of two number columns (<see cref="GanTrainer.Options.TrendRatios"/>).</summary>
    public bool TrendRatios { get; init; }

    /// <summary>Whether a trend may follow a curve of its own within each category of a categorical column (<see cref="GanTrainer.Options.CategoryTrends"/>).</summary>
    public bool CategoryTrends { get; init; }

    /// <summary>Whether number columns that others make exactly (totals, shares, products) are made from them (<see cref="NumericFormula"/>).</summary>
    public bool Formulas { get; init; }

    /// <summary>Whether number columns whose values come in few combinations (an entity's attributes each of its rows repeats) keep the training rows' combinations (<see cref="NumericCombination"/>).</summary>
    public bool Combinations { get; init; }

    /// <summary>Whether a combination no column fixes is learned as a hidden category (<see cref="CombinationColumn"/>).</summary>
    public bool CombinationCategories { get; init; }

    /// <summary>Whether a categorical column that thresholds on other columns fix is set from them (<see cref="CategoryThresholds"/>).</summary>
    public bool CategoryThresholds { get; init; }

    /// <summary>Whether a categorical column that steps along a number within each category of an entity column is set from its steps (<see cref="CategorySteps"/>).</summary>
    public bool CategorySteps { get; init; }

    /// <summary>Whether pairs of categories the training rows never hold, though their shares expect many, are kept out of generated rows (<see cref="CategoryExclusion"/>).</summary>
    public bool CategoryExclusions { get; init; }

    /// <summary>Whether numeric columns missing in exactly the same training rows are missing together when generating (<see cref="MissingTogether"/>).</summary>
    public bool MissingTogether { get; init; }

    /// <summary>Whether a number that each category of a column of many categories holds about a level of its own is learned as its distance from the level (<see cref="EntityLevel"/>).</summary>
    public bool EntityLevels { get; init; }

    /// <summary>Whether such a level may follow a line of each category's own along another number column (<see cref="EntityLevel.FindLines"/>).</summary>
    public bool EntityLevelLines { get; init; }

    /// <summary>Whether each category of such a level keeps a spread of its own about it (<see cref="EntityLevel.WithSpreads"/>).</summary>
    public bool EntityLevelSpreads { get; init; }

    /// <summary>Whether a number that every row keeps below a bound falling with another is learned as its share of what the bound leaves (<see cref="StudyEnd"/>).</summary>
    public bool StudyEnds { get; init; }

    /// <summary>Which numeric columns without modes are rank-normalised (<see cref="RankScale"/>; see <see cref="GanTrainer.RankChoice"/>); null: none.</summary>
    public RankScale.Choice? Rank { get; init; }

    /// <summary>Whether a marginal map by interpolation repeats training values (<see cref="MarginalMap.RepeatKnots"/>).</summary>
    public bool Repeats { get; init; }

    /// <summary>Whether time columns that every training row holds in one order are kept in it by rules (<see cref="TimeOrders"/>).</summary>
    public bool TimeOrders { get; init; }

    /// <summary>Whether number columns on one scale that every training row holds in one order, meeting in some, are kept in it by rules (<see cref="TimeOrders"/>).</summary>
    public bool NumberOrders { get; init; }

    /// <summary>Whether a number below another that a category fixes, never meeting it, is kept below it as its share of the way up (<see cref="TimeOrders.BelowFixed"/>).</summary>
    public bool OrdersBelowFixed { get; init; }

    /// <summary>Where the encoded rows are kept (<see cref="Training.EncodedRows"/>).</summary>
    public TrainingRowStorage Storage { get; init; } = TrainingRowStorage.Memory;

    /// <summary>The folder of the encoded rows' temporary file; null for the system's temporary folder.</summary>
    public string? TemporaryDirectory { get; init; }
}

/// <summary>Reads one training column through the cursor into a compact buffer, checking each value, then fits and encodes it.</summary>
internal abstract class ColumnFitter
{
    protected ColumnFitter(DataViewSchema.Column column) => Column = column;

    public DataViewSchema.Column Column { get; }

    protected string Name => Column.Name;

    public abstract void Bind(DataViewRowCursor cursor);

    public abstract void Read(long row);

    /// <summary>Called once every row is read, before anything else: the fitter keeps its rows in arrays of their number from here on.</summary>
    public virtual void EndRead() { }

    public abstract GanColumn Fit();

    /// <summary>
    /// Writes the column's slice of the encoded rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) into rows 0.. of
    /// <paramref name="matrix"/> (<paramref name="fitted"/> is what <see cref="Fit"/> returned). A row's encoding does not
    /// depend on the block it is written in.
    /// </summary>
    public abstract void Encode(GanColumn fitted, float[] matrix, int stride, int offset, int firstRow, int rows);

    /// <summary>
    /// The rows (all, or those of <paramref name="rows"/>, in its order) as dense codes (0, 1, ... in order of first
    /// appearance) and each code's decoded value: a category's index in <paramref name="fitted"/>, or a number as the
    /// column holds it (NaN for missing).
    /// </summary>
    public abstract (int[] Codes, double[] Values) Coded(GanColumn fitted, int[]? rows = null);

    protected InvalidOperationException AllMissing(long rows) => new(
        $"Column '{Name}' has only missing values in all {rows:N0} rows: there is nothing to learn. Leave it out of Options.Columns.");
}

/// <summary>Fits a numeric column: reads doubles, refuses infinities, fits the range and the modes.</summary>
/// <remarks>
/// A kind whose values carry more than a number (a date's time zone) reads them with a fitter of its own that
/// overrides <see cref="CreateReader"/> and <see cref="Complete"/>.
/// </remarks>
internal class NumericFitter(NumericKind kind, DataViewSchema.Column column, ColumnFitSettings settings) : ColumnFitter(column)
{
    private readonly Common.RowBuffer<double> _reading = new();
    private double[]? _values;
    private Func<double>? _read;

    public NumericKind Kind => kind;

    /// <summary>
    /// The values, one a row (NaN for missing), once every row is read (<see cref="EndRead"/>); a constraint replaces a
    /// derived column's with its distances, and a trend a target's with its residuals, before <see cref="Fit"/>.
    /// </summary>
    public double[] Values => _values ?? throw new InvalidOperationException($"Column '{Name}': its values are asked for before every row is read.");

    public override void EndRead() => _values = _reading.Seal();

    public override void Bind(DataViewRowCursor cursor) => _read = CreateReader(cursor);

    /// <summary>The reader of the current row's value as a double (NaN when missing).</summary>
    protected virtual Func<double> CreateReader(DataViewRowCursor cursor) => kind.CreateReader(cursor, Column);

    /// <summary>
    /// The instants a date column's values keep to (see <see cref="MarginalMap.FitTraining"/>), from its present values
    /// and its state so far (range, grid); null for none, as for every column that is not a date.
    /// </summary>
    protected virtual double[]? Calendar(double[] present, ColumnState state) => null;

    /// <summary>Adds what the kind learned beside the numbers to the fitted <paramref name="state"/>, or refuses the column.</summary>
    protected virtual void Complete(ColumnState state) { }

    public override void Read(long row)
    {
        double v = _read!();
        if (double.IsInfinity(v))
            throw new InvalidOperationException(
                $"Column '{Name}' has an infinite value ({v.ToString(System.Globalization.CultureInfo.InvariantCulture)}) at row {row:N0}. " +
                "A GAN cannot model infinities: replace them (with NaN to mark them missing, or a finite value) before training.");
        _reading.Add(v);
    }

    public override GanColumn Fit()
    {
        var mixture = settings.Modes is null || PresentCount(Values) < settings.Modes.MinimumValues ? null : new BayesianGaussianMixtureOptions
        {
            MaximumComponents = settings.Modes.MaximumComponents, WeightThreshold = settings.Modes.WeightThreshold,
            WeightConcentration = settings.Modes.WeightConcentration, MaximumIterations = settings.Modes.MaximumIterations,
            Tolerance = settings.Modes.Tolerance, SampleSize = settings.Modes.SampleSize, Seed = ColumnSeed,
        };
        var state = NumericColumn.Fit(Name, kind.Name, Values, mixture,
            settings.Granularity ? kind.Stored : null, settings.Marginal, Calendar, settings.Rank, settings.Repeats);
        if (state.MissingCount == state.RowCount) throw AllMissing(state.RowCount);
        Complete(state);
        return kind.Restore(state);
    }

    private static long PresentCount(double[] values)
    {
        long present = 0;
        foreach (double v in values)
            if (!double.IsNaN(v)) present++;
        return present;
    }

    public override void Encode(GanColumn fitted, float[] matrix, int stride, int offset, int firstRow, int rows) =>
        ((NumericColumn)fitted).Encode(Values.AsSpan(firstRow, rows), matrix, stride, offset, (ulong)ColumnSeed, firstRow);

    public override (int[] Codes, double[] Values) Coded(GanColumn fitted, int[]? rows = null)
    {
        var all = Values;
        var codes = new int[rows?.Length ?? all.Length];
        var index = new Dictionary<double, int>(); // double's equality: every NaN is one key, as the missing value
        var values = new List<double>();
        for (int r = 0; r < codes.Length; r++)
        {
            double v = all[rows is null ? r : rows[r]];
            if (!index.TryGetValue(v, out int code))
            {
                index.Add(v, code = values.Count);
                values.Add(v);
            }
            codes[r] = code;
        }
        return (codes, values.ToArray());
    }

    /// <summary>Each column's own seed, from the training seed and the column's name, so columns draw independently.</summary>
    private int ColumnSeed
    {
        get
        {
            uint hash = 2166136261; // FNV-1a: stable across runs and platforms, unlike string.GetHashCode
            foreach (char ch in Name) hash = (hash ^ ch) * 16777619;
            return settings.Seed ^ (int)hash;
        }
    }
}

/// <summary>
/// Fits a categorical column: counts each category by name (refusing more than the allowed number), marks the
/// missing ones (the type's own missing value, or a missing token), and lets the kind order them.
/// </summary>
internal sealed class CategoricalFitter(CategoricalKind kind, DataViewSchema.Column column, ColumnFitSettings settings) : ColumnFitter(column)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<SeenCategory> _seen = [];
    private readonly List<long> _counts = [];
    private readonly Common.RowBuffer<int> _reading = new();
    private int[]? _rows;
    private CategoryReader? _read;

    public override void EndRead() => _rows = _reading.Seal();

    /// <summary>Each row's category, numbered in order of first appearance (after <see cref="EndRead"/>, before and after <see cref="Fit"/>).</summary>
    public int[] RowCategories => _rows ?? throw new InvalidOperationException($"Column '{Name}': its rows are not read yet.");

    /// <summary>How many categories the rows hold.</summary>
    public int CategoryCount => _seen.Count;

    public override void Bind(DataViewRowCursor cursor) => _read = kind.CreateReader(cursor, Column);

    public override void Read(long row)
    {
        var name = _read!(out bool missing);
        var lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(name, out int level))
        {
            level = _index.Count;
            if (level == settings.MaximumCategories)
                throw new InvalidOperationException(
                    $"Column '{Name}' has more than {settings.MaximumCategories:N0} distinct categories (found at row {row:N0}). " +
                    "An identifier (C-000123) belongs in Options.Identifiers, names, e-mail addresses or phone numbers in Options.FakeData; " +
                    "otherwise raise Options.MaximumCategories, or leave out or group the column (free text is not a category).");
            string text = name.ToString();
            // The graph carries categories as UTF-8: text that is not valid Unicode would come back as another string.
            if (!IsValidUnicode(text))
                throw new InvalidOperationException(
                    $"Column '{Name}' has text that is not valid Unicode (a lone surrogate) at row {row:N0}: '{Common.Text.Printable(text, 60)}'. " +
                    "A model cannot generate it back as it was; clean the column's text (for example replace lone surrogates with U+FFFD) before training.");
            _index.Add(text, level);
            _seen.Add(new SeenCategory(text, 0, missing || settings.MissingCategoryTokens.Contains(text)));
            _counts.Add(0);
        }
        _counts[level]++;
        _reading.Add(level);
    }

    private static bool IsValidUnicode(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    public override GanColumn Fit()
    {
        var seen = _seen.Select((s, i) => s with { Count = _counts[i] }).ToArray();
        if (seen.All(s => s.Missing)) throw AllMissing(_reading.Count);
        return kind.Create(Column, seen);
    }

    public override void Encode(GanColumn fitted, float[] matrix, int stride, int offset, int firstRow, int rows)
    {
        var remap = Remap((CategoricalColumn)fitted);
        var levels = new int[rows];
        for (int r = 0; r < rows; r++) levels[r] = remap[_rows![firstRow + r]];
        ((CategoricalColumn)fitted).Encode(levels, matrix, stride, offset);
    }

    /// <summary>Codes are the categories in order of first appearance; their values the fitted column's indices.</summary>
    public override (int[] Codes, double[] Values) Coded(GanColumn fitted, int[]? rows = null) =>
        (rows is null ? _rows!.ToArray() : rows.Select(r => _rows![r]).ToArray(), Remap((CategoricalColumn)fitted).Select(l => (double)l).ToArray());

    /// <summary>The fitted column's index of each category, in order of first appearance.</summary>
    private int[] Remap(CategoricalColumn column)
    {
        var remap = new int[_seen.Count];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int level = 0; level < column.LevelCount; level++) byName[column.LevelName(level)] = level;
        for (int i = 0; i < remap.Length; i++) remap[i] = byName[_seen[i].Name];
        return remap;
    }
}
