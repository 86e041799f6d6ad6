using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.Generation;

/// <summary>
/// What generated rows must hold, resolved from the user's column names and values: categories (the rarest of which the
/// generator is conditioned on, when the model is conditional), and numbers, dates or durations in a range or at a value,
/// which rejection alone honours (the generator has no condition for them); the check every kept row passes.
/// </summary>
internal sealed class RowConditions
{
    private readonly (int Column, int Level, string Text)[] _required;
    private readonly (int Column, double Low, double High, string Text)[] _ranges;

    private readonly string? _conditionedOn;

    private RowConditions((int Column, int Level, string Text)[] required, (int, double, double, string)[] ranges, FixedCondition? fixedCondition, int maximumCandidatesPerRow,
        string? conditionedOn, double? ordinaryShare = null)
    {
        _conditionedOn = conditionedOn;
        _required = required;
        _ranges = ranges;
        Fixed = fixedCondition;
        MaximumCandidatesPerRow = maximumCandidatesPerRow;
        OrdinaryShare = ordinaryShare;
    }

    /// <summary>
    /// The condition fed to the generator, or null when rows are found by rejection alone among ordinary rows: when
    /// the model is unconditional, only numbers are asked for, or the asked rows are common enough among ordinary rows
    /// (<see cref="FindOrdinaryShare"/>).
    /// </summary>
    public FixedCondition? Fixed { get; }

    /// <summary>The share of ordinary rows (those the filter keeps) that honour the conditions, where it was measured.</summary>
    public double? OrdinaryShare { get; }

    /// <summary>Candidates <see cref="FindOrdinaryShare"/> makes, from a seed of its own.</summary>
    internal const int TrialCandidates = 4096;

    /// <summary>
    /// Rejection alone is used where at least this many of <see cref="MaximumCandidatesPerRow"/> ordinary rows honour the
    /// conditions: it then needs half the candidates allowed, or fewer (a category of 2 % of the rows, by default).
    /// </summary>
    internal const double OrdinaryRowsNeeded = 2;

    /// <summary>
    /// Chooses how rows are found when the generator could be conditioned on a category: among ordinary rows, by
    /// rejection alone, where they hold the asked values often enough (at least <see cref="OrdinaryRowsNeeded"/> of
    /// <see cref="MaximumCandidatesPerRow"/>, measured on <see cref="TrialCandidates"/> candidates of a fixed seed);
    /// otherwise by the conditioned generator, as before.
    /// </summary>
    /// <remarks>
    /// Ordinary rows are what the model's calibration and density-ratio filter were fitted to: the asked rows among
    /// them follow the table's rows of those values. A conditioned generator makes its own rows, which nothing after
    /// training corrects: on Adult (seed 1), rows conditioned on an income of `&gt;50K` put 10 % of their weight on the
    /// wrong occupations (total variation against the real `&gt;50K` rows), where those found among ordinary rows put
    /// 3 %; rows conditioned on Husband got the share of incomes over 50K wrong by 21 points (2 among ordinary rows);
    /// rows conditioned on Mexico (2 % of the rows), their education by 45 % (8 % among ordinary rows). Rejection costs
    /// 1 ÷ share candidates a kept row, so rarer categories keep the conditioned generator. The measurement depends on
    /// the model and the conditions alone, so every slice of a seed chooses alike.
    /// </remarks>
    public RowConditions FindOrdinaryShare(GeneratorSession session)
    {
        if (Fixed is null) return this;
        var encoder = session.Model.Encoder;
        var prior = session.Model.Signature.NoisePrior;
        int batch = Math.Max(1, Math.Min(session.Options.BatchSize, TrialCandidates));
        var rows = new DecodedRows(encoder, batch);
        int kept = 0, honoured = 0;
        for (int first = 0; first < TrialCandidates; first += batch)
        {
            int count = Math.Min(batch, TrialCandidates - first);
            int start = first;
            session.Generate(count, (k, noise, uniforms) => NoiseSource.FillCandidate(TrialSeed, (ulong)(start + k), 0, prior, noise, uniforms), rows);
            for (int k = 0; k < count; k++)
            {
                if (rows.Kept is { } keep && !keep[k]) continue;
                kept++;
                if (Honoured(rows, k)) honoured++;
            }
        }
        double share = honoured / (double)Math.Max(1, kept);
        return share * MaximumCandidatesPerRow >= OrdinaryRowsNeeded
            ? new RowConditions(_required, _ranges, null, MaximumCandidatesPerRow, null, share)
            : new RowConditions(_required, _ranges, Fixed, MaximumCandidatesPerRow, _conditionedOn, share);
    }

    /// <summary>The seed of <see cref="FindOrdinaryShare"/>'s candidates (any fixed value: "conditions").</summary>
    private const ulong TrialSeed = 0x636f6e646974696fUL;

    public int MaximumCandidatesPerRow { get; }

    /// <summary>Candidates allowed for <paramref name="rows"/> rows: <see cref="MaximumCandidatesPerRow"/> a row (saturating), at least 10,000.</summary>
    public long CandidateBudget(long rows) =>
        Math.Max(rows > long.MaxValue / MaximumCandidatesPerRow ? long.MaxValue : rows * MaximumCandidatesPerRow, 10_000);

    public bool Honoured(DecodedRows rows, int row)
    {
        foreach (var (column, level, _) in _required)
        {
            if (rows.Levels(column)[row] != level) return false;
        }
        foreach (var (column, low, high, _) in _ranges)
        {
            double v = rows.Numbers(column)[row];
            if (!(v >= low && v <= high)) return false; // a missing value is in no range
        }
        return true;
    }

    public string Describe() => string.Join(" and ", _required.Select(r => r.Text).Concat(_ranges.Select(r => r.Text)));

    /// <summary>How the rows were found, for the log: "by rejection alone among ordinary rows, 24.1 % of which hold them" or the condition fed to the generator.</summary>
    public string DescribeMethod() => Fixed is null
        ? OrdinaryShare is { } share ? $"by rejection alone among ordinary rows, {share:P1} of which hold them" : "by rejection alone"
        : $"the generator conditioned on {_conditionedOn}{(OrdinaryShare is { } few ? $", as {few:P1} of ordinary rows hold them" : "")}";

    /// <summary>Checks the conditions against the model's columns and categories; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static RowConditions Resolve(GanModel model, IReadOnlyDictionary<string, object> conditions, int maximumCandidatesPerRow)
    {
        if (conditions.Count == 0) throw new ArgumentException("Give at least one condition (column name → category, value or GanRange), or call Generate without conditions.", nameof(conditions));
        var columns = model.Encoder.Columns.Take(model.Encoder.VisibleCount).ToList(); // a hidden column takes no condition
        var required = new List<(int, int, string)>();
        var ranges = new List<(int, double, double, string)>();
        var known = columns.Select(k => $"'{k.Name}'").ToList();
        foreach (var (name, value) in conditions)
        {
            int c = -1;
            for (int i = 0; i < columns.Count; i++)
            {
                if (columns[i].Name == name) c = i;
            }
            if (c < 0)
                throw new ArgumentException($"Condition on column '{name}': the model has no such column. Its columns: {string.Join(", ", known)}.", nameof(conditions));
            if (value is null)
                throw new ArgumentException($"Condition on column '{name}': the value is null; give {(columns[c] is CategoricalColumn ? "one of its categories" : "a value or a GanRange")}.", nameof(conditions));
            if (columns[c] is MadeColumn)
                throw new ArgumentException($"Condition on column '{name}': it is {(columns[c] is IdentifierColumn ? "an identifier" : "fake data")}, made new for every row; conditions are on the other columns.", nameof(conditions));
            if (columns[c] is NumericColumn numeric)
            {
                ranges.Add(Range(model, c, numeric, name, value));
                continue;
            }
            var k = (CategoricalColumn)columns[c];
            if (value is GanRange)
                throw new ArgumentException($"Condition on column '{name}': it holds categories ({columns[c].Type}); a range is for numbers, dates and durations. Give one of its categories.", nameof(conditions));
            int level = k.FindLevel(value);
            if (level < 0)
            {
                var levels = Enumerable.Range(0, k.LevelCount).Select(k.LevelName).ToList();
                throw new ArgumentException(
                    $"Condition on column '{name}': {Show(value)} is not one of its categories ({string.Join(", ", levels.Take(30).Select(v => $"'{v}'"))}{(levels.Count > 30 ? ", ..." : "")}).", nameof(conditions));
            }
            required.Add((c, level, $"{name} = '{k.LevelName(level)}'"));
        }

        FixedCondition? fixedCondition = null;
        string? conditionedOn = null;
        if (model.Conditional && required.Count > 0)
        {
            // Condition the generator on the rarest asked-for category: the others are common enough for rejection.
            var rarest = required.OrderBy(r => ((CategoricalColumn)columns[r.Item1]).LevelCounts[r.Item2]).First();
            fixedCondition = new FixedCondition(model.Layout.IndexOfColumn(rarest.Item1), rarest.Item2);
            conditionedOn = rarest.Item3;
        }
        return new RowConditions(required.ToArray(), ranges.ToArray(), fixedCondition, maximumCandidatesPerRow, conditionedOn);
    }

    /// <summary>A number column's condition in its own numbers (dates in microseconds): a <see cref="GanRange"/> or one value, which must meet the values the column generates.</summary>
    private static (int, double, double, string) Range(GanModel model, int c, NumericColumn column, string name, object value)
    {
        var kind = (NumericKind)column.Kind;
        double Bound(object bound) =>
            kind.Constant(bound) is { } v && double.IsFinite(v) ? v
            : throw new ArgumentException($"Condition on column '{name}': {Show(bound)} is not a value of its type ({kind.Description}); give {(kind is TimeKind ? $"a {kind.Description}" : "a number")}.", "conditions");
        var (low, high, text) = value is GanRange range
            ? (range.Low is null ? double.NegativeInfinity : Bound(range.Low), range.High is null ? double.PositiveInfinity : Bound(range.High), $"{name} in {range}")
            : (Bound(value), Bound(value), $"{name} = {GanRange.Show(value)}");
        // The values the column can generate: its training range (its own, for a column a constraint derives).
        var info = model.Encoder.Info(c);
        bool derived = model.Encoder.Constraints?.IsDerived(c) == true;
        if (!derived && (high < info.Minimum || low > info.Maximum))
            throw new ArgumentException($"Condition on column '{name}': {text[(name.Length + 1)..]} lies outside the values it generates, its training range " +
                $"[{kind.Format(info.Minimum)}, {kind.Format(info.Maximum)}]: no row can honour it.", "conditions");
        return (c, low, high, text);
    }

    private static string Show(object value) => value switch
    {
        string s => $"'{s}'",
        ReadOnlyMemory<char> m => $"'{m}'",
        GanRange r => r.ToString(),
        _ => $"{GanRange.Show(value)} ({value.GetType().Name})",
    };
}
