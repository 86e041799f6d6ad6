using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The column dependencies (<see cref="ColumnDependency"/>) as the discriminator sees generated rows while training:
/// where a category fixes another column (an instructor's beauty score, a patient's sex, education's years), the
/// target's encoded span in a generated row is replaced by the encoding that the training rows of the row's category
/// hold (their mean: a number's mode and scaled value, a category's one-hot). Decoding sets the target from the
/// category after training anyway; without this, the generator is trained to make the target itself, and the category
/// it chooses need not agree with it: the row's other columns follow the target the generator made, and the rule
/// then replaces it with its category's (TeachingRatings' beauty × evaluation, 0.20 in the data, came out 0.04-0.12).
/// With it, what the discriminator judges is the target the row will hold, and the generator learns to choose the
/// category whose target goes with the rest of the row.
/// </summary>
/// <remarks>
/// Only rules whose determinant the generator chooses as a category (a softmax span; not one that thresholds set)
/// take part. The category's span is the Gumbel-softmax sample the discriminator sees, so the replacement is the
/// sample's mixture of its categories' encodings: exact for a one-hot sample, and differentiable in the generator's
/// logits. Categories without a rule keep the generator's own target, in proportion to their weight. Rules apply in
/// the encoder's order, so a target that determines another is replaced first.
/// </remarks>
internal sealed class DependencySubstitution : IDisposable
{
    private readonly (int From, int Categories, int To, int Width, Tensor Table, Tensor Ruled)[] _rules;
    private readonly ColumnDependency[] _dependencies;
    private readonly bool[] _categoryTargets;

    private DependencySubstitution((int, int, int, int, Tensor, Tensor)[] rules, ColumnDependency[] dependencies, bool[] categoryTargets)
    {
        _rules = rules;
        _dependencies = dependencies;
        _categoryTargets = categoryTargets;
    }

    /// <summary>The rules that take part, as users read them: "education → education-num, relationship → sex".</summary>
    public string Describe() => string.Join(", ", _dependencies.Select(d => $"{d.DeterminantName} → {d.TargetName}"));

    /// <summary>How many rules take part.</summary>
    public int Count => _rules.Length;

    /// <summary>
    /// The rules of <paramref name="encoder"/> that can take part, with each key's mean encoding of its target over the
    /// training rows <paramref name="data"/> holds; null when none can.
    /// </summary>
    public static DependencySubstitution? Create(TabularEncoder encoder, EncodedRows data, Device device)
    {
        var rules = encoder.Dependencies
            .Where(d => encoder.Columns[d.Determinant] is CategoricalColumn && !encoder.SetByThresholds(d.Determinant) && d.Keys.Length > 0)
            .ToArray();
        if (rules.Length == 0 || data.Count == 0) return null;
        var sums = rules.Select(d => new double[encoder.Columns[d.Determinant].Width * encoder.Columns[d.Target].Width]).ToArray();
        var counts = rules.Select(d => new long[encoder.Columns[d.Determinant].Width]).ToArray();
        var choices = rules.Select(d => data.ChoiceAt(encoder.OffsetOf(d.Determinant))).ToArray();
        const int Block = 4096;
        var buffer = new float[Block * data.Width];
        for (int first = 0; first < data.Count; first += Block)
        {
            int count = Math.Min(Block, data.Count - first);
            data.Expand(first, count, buffer);
            for (int i = 0; i < rules.Length; i++)
            {
                int to = encoder.OffsetOf(rules[i].Target), width = encoder.Columns[rules[i].Target].Width;
                for (int r = 0; r < count; r++)
                {
                    int level = data.Choice(first + r, choices[i]);
                    counts[i][level]++;
                    var row = buffer.AsSpan(r * data.Width + to, width);
                    for (int j = 0; j < width; j++) sums[i][level * width + j] += row[j];
                }
            }
        }
        var made = new List<(int, int, int, int, Tensor, Tensor)>();
        try
        {
            for (int i = 0; i < rules.Length; i++)
            {
                var d = rules[i];
                int categories = encoder.Columns[d.Determinant].Width, width = encoder.Columns[d.Target].Width;
                var table = new float[categories * width];
                var ruled = new float[categories];
                foreach (double key in d.Keys)
                {
                    int level = (int)key;
                    if (counts[i][level] == 0) continue; // a key no training row holds (a whole-column rule's level seen in none): left to the generator
                    ruled[level] = 1;
                    for (int j = 0; j < width; j++) table[level * width + j] = (float)(sums[i][level * width + j] / counts[i][level]);
                }
                made.Add((encoder.OffsetOf(d.Determinant), categories, encoder.OffsetOf(d.Target), width,
                    tensor(table, [categories, width], device: device), tensor(ruled, [categories, 1], device: device)));
            }
        }
        catch
        {
            foreach (var m in made) { m.Item5.Dispose(); m.Item6.Dispose(); }
            throw;
        }
        return new DependencySubstitution([.. made], rules, rules.Select(d => encoder.Columns[d.Target] is CategoricalColumn).ToArray());
    }

    /// <summary>
    /// Generated rows as the discriminator sees them (heads applied), each rule's target replaced as the class remarks
    /// say. A rule reads its category's span as earlier rules left it (a target that determines another); the row is
    /// put together once, at the end.
    /// </summary>
    public Tensor Apply(Tensor rows)
    {
        var replaced = new SortedDictionary<int, (int Width, Tensor Values)>();
        Tensor Span(int start, int width) => replaced.TryGetValue(start, out var r) ? r.Values : rows.narrow(1, start, width);
        foreach (var (from, categories, to, width, table, ruled) in _rules)
        {
            var chosen = Span(from, categories);
            var own = Span(to, width);
            replaced[to] = (width, chosen.matmul(table).Plus(own.mul(chosen.matmul(ruled).OneMinus())));
        }
        var pieces = new List<Tensor>(2 * replaced.Count + 1);
        int at = 0;
        foreach (var (start, (width, values)) in replaced)
        {
            if (start > at) pieces.Add(rows.narrow(1, at, start - at));
            pieces.Add(values);
            at = start + width;
        }
        if (at < rows.shape[1]) pieces.Add(rows.narrow(1, at, rows.shape[1] - at));
        return cat(pieces, 1);
    }

    /// <summary>
    /// The category shares each row will hold in the columns rules set that are categories, keyed by the span's first
    /// float in the encoded row: the generator's softmax (no Gumbel noise) on its determinant, mixed through the rule's
    /// table, its own softmax in the weight of categories without a rule; chained rules as in <see cref="Apply"/>.
    /// </summary>
    /// <remarks>
    /// For the conditional cross-entropy (<see cref="ConditionBatch.CrossEntropy"/>): a condition on a column that a rule
    /// sets is honoured by choosing a determinant whose rows hold the condition's category, not by the generator's own
    /// target, which the rule throws away. Judged on its own target, the generator learned to make it match the
    /// condition while the category it chose set another (pbcseq: a row conditioned on a patient's outcome chose a
    /// patient of the other outcome, its measures made for the condition; efficacy 0.984 → 0.944 with the rules in
    /// training).
    /// </remarks>
    public IReadOnlyDictionary<int, Tensor> CategoryTargetShares(Tensor raw)
    {
        var replaced = new Dictionary<int, Tensor>();
        Tensor Span(int start, int width) => replaced.TryGetValue(start, out var shares) ? shares : raw.narrow(1, start, width).softmax(1);
        for (int i = 0; i < _rules.Length; i++)
        {
            if (!_categoryTargets[i]) continue;
            var (from, categories, to, width, table, ruled) = _rules[i];
            var chosen = Span(from, categories);
            replaced[to] = chosen.matmul(table).Plus(Span(to, width).mul(chosen.matmul(ruled).OneMinus()));
        }
        return replaced;
    }

    public void Dispose()
    {
        foreach (var rule in _rules)
        {
            rule.Table.Dispose();
            rule.Ruled.Dispose();
        }
    }
}
