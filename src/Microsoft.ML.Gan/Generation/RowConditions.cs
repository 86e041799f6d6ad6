using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Generation;

/// <summary>
/// Categories that generated rows must have: resolved from the user's column names and values, the one the
/// generator is conditioned on (the rarest, when the model is conditional), and the check every kept row passes.
/// </summary>
internal sealed class RowConditions
{
    private readonly (int Column, int Level, string Text)[] _required;

    private RowConditions((int Column, int Level, string Text)[] required, FixedCondition? fixedCondition, int maximumCandidatesPerRow)
    {
        _required = required;
        Fixed = fixedCondition;
        MaximumCandidatesPerRow = maximumCandidatesPerRow;
    }

    /// <summary>The condition fed to the generator, or null when it is unconditional (then rejection alone honours them).</summary>
    public FixedCondition? Fixed { get; }

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
        return true;
    }

    public string Describe() => string.Join(" and ", _required.Select(r => r.Text));

    /// <summary>Checks the conditions against the model's columns and categories; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static RowConditions Resolve(GanModel model, IReadOnlyDictionary<string, object> conditions, int maximumCandidatesPerRow)
    {
        if (conditions.Count == 0) throw new ArgumentException("Give at least one condition (column name → category), or call Generate without conditions.", nameof(conditions));
        var columns = model.Encoder.Columns;
        var required = new List<(int, int, string)>();
        var categorical = columns.Where(k => k is CategoricalColumn).Select(k => $"'{k.Name}'").ToList();
        foreach (var (name, value) in conditions)
        {
            int c = -1;
            for (int i = 0; i < columns.Count; i++)
            {
                if (columns[i].Name == name) c = i;
            }
            if (c < 0)
                throw new ArgumentException($"Condition on column '{name}': the model has no such column. Columns that can be conditioned: {string.Join(", ", categorical)}.", nameof(conditions));
            if (columns[c] is not CategoricalColumn k)
                throw new ArgumentException($"Condition on column '{name}': it is numeric ({columns[c].Type}); conditions fix categorical columns (text, boolean, key): {string.Join(", ", categorical)}.", nameof(conditions));
            if (value is null)
                throw new ArgumentException($"Condition on column '{name}': the value is null; give one of its categories.", nameof(conditions));
            int level = k.FindLevel(value);
            if (level < 0)
            {
                var known = Enumerable.Range(0, k.LevelCount).Select(k.LevelName).ToList();
                throw new ArgumentException(
                    $"Condition on column '{name}': {Show(value)} is not one of its categories ({string.Join(", ", known.Take(30).Select(v => $"'{v}'"))}{(known.Count > 30 ? ", ..." : "")}).", nameof(conditions));
            }
            required.Add((c, level, $"{name} = '{k.LevelName(level)}'"));
        }

        FixedCondition? fixedCondition = null;
        if (model.Conditional)
        {
            // Condition the generator on the rarest asked-for category: the others are common enough for rejection.
            var rarest = required.OrderBy(r => ((CategoricalColumn)columns[r.Item1]).LevelCounts[r.Item2]).First();
            fixedCondition = new FixedCondition(model.Layout.IndexOfColumn(rarest.Item1), rarest.Item2);
        }
        return new RowConditions(required.ToArray(), fixedCondition, maximumCandidatesPerRow);
    }

    private static string Show(object value) => value switch
    {
        string s => $"'{s}'",
        ReadOnlyMemory<char> m => $"'{m}'",
        _ => $"{value} ({value.GetType().Name})",
    };
}
