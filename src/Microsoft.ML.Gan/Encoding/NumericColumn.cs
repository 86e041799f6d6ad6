using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The numeric family (floating point and integer columns), in one of three normalisations:
/// <list type="bullet">
/// <item><b>mode-specific</b> (CTGAN's): a variational Gaussian mixture is fitted to the column; a value is encoded as
/// a one-hot of a mode drawn from its posterior (a softmax head) and its offset within that mode,
/// (v − μ) / (4σ) clipped to ±0.99 (a tanh head). Multi-modal and long-tailed columns keep their shape;</item>
/// <item><b>min-max</b>: the value scaled linearly from the training range onto [-1, 1] (a tanh head);</item>
/// <item><b>rank</b>: the value's level among the training values onto [-1, 1], decoded through their quantiles (a
/// tanh head; see <see cref="RankScale"/>).</item>
/// </list>
/// In mode-specific normalisation a value that alone makes up at least <see cref="SpikeShare"/> of the column (0 in an
/// amount most rows do not have, 40 hours a week, a frequent code) is a spike: a mode of its own with no spread, decoded
/// to exactly that value. The mixture models the other values. CTGAN leaves spikes to the mixture, which gives them a
/// narrow Gaussian, so its "zeros" come back as small non-zero amounts that a classifier spots at once.
/// A column with missing values (NaN) also gets a two-way softmax head present/missing so the generator learns their
/// rate. Decoding maps back, mirrors a value beyond an end of the training range back inside it (see
/// <see cref="ReflectsAtEdges"/>), sends it through the column's <see cref="MarginalMap"/> onto the training values'
/// distribution (when trained with <see cref="GanTrainer.Options.ExactMarginals"/>), rounds to the column's granularity (<see cref="NumericGranularity"/>: whole numbers, two
/// decimals, steps of five, as the training values lie; whole numbers for an integer column without one) and clamps
/// to the training range. Decoded values are doubles (NaN for missing); the leaf class
/// (<see cref="NumberColumn{T}"/>) casts them to the column's type.
/// </summary>
internal abstract class NumericColumn : GanColumn
{
    /// <summary>An offset of ±1 in the tanh head is this many standard deviations from the mode's mean.</summary>
    private const double ModeScale = 4;

    /// <summary>The share of present values one value needs to become a spike mode.</summary>
    public const double SpikeShare = 0.05;

    /// <summary>The most Gaussian modes, and the most spikes, a saved column may have.</summary>
    private const int MaximumModes = 1000;

    private readonly OutputSpan[] _spans;
    private readonly BayesianGaussianMixture? _mixture;
    private readonly double[] _spikes;
    private readonly long[] _spikeCounts;
    private readonly double[] _modeScales;
    private readonly double[] _modeMeans;
    private readonly NumericGranularity? _granularity;
    private readonly bool _reflect;
    private readonly MarginalMap? _map;
    private readonly RankScale? _rank;
    private readonly bool _leaningSpikes;
    private double[]? _leanSpreads;

    protected NumericColumn(ColumnState state)
        : base(state.Name)
    {
        Minimum = state.Minimum;
        Maximum = state.Maximum;
        RowCount = state.RowCount;
        MissingCount = state.MissingCount;
        if (!double.IsFinite(Minimum) || !double.IsFinite(Maximum) || Minimum > Maximum)
            throw new InvalidDataException($"Column '{Name}': the saved range [{Minimum}, {Maximum}] is not a range of finite numbers.");
        if (RowCount < 1 || MissingCount < 0 || MissingCount >= RowCount)
            throw new InvalidDataException($"Column '{Name}': the saved counts ({RowCount} rows, {MissingCount} missing) are inconsistent.");
        if (state.ModeMeans is { } means)
        {
            var stds = state.ModeStandardDeviations ?? throw new InvalidDataException($"Column '{Name}': the saved modes lack their standard deviations.");
            var weights = state.ModeWeights ?? throw new InvalidDataException($"Column '{Name}': the saved modes lack their weights.");
            if (stds.Length != means.Length || weights.Length != means.Length)
                throw new InvalidDataException($"Column '{Name}': the saved modes' means, standard deviations and weights differ in number.");
            if (means.Length > MaximumModes || means.Any(m => !double.IsFinite(m)) || stds.Any(s => !(s > 0) || !double.IsFinite(s)) || weights.Any(w => !(w >= 0) || !double.IsFinite(w)))
                throw new InvalidDataException($"Column '{Name}': the saved modes are not {MaximumModes} or fewer Gaussians with finite means, positive deviations and weights.");
            _mixture = new BayesianGaussianMixture(means.Select((m, k) => new MixtureComponent(weights[k], m, stds[k])).ToArray());
        }
        if ((state.GranularityUnits is null) != (state.GranularityDecimals is null))
            throw new InvalidDataException($"Column '{Name}': the saved granularity needs both its units and its decimals.");
        if (state.GranularityUnits is long units)
            _granularity = new NumericGranularity(units, state.GranularityDecimals!.Value, Minimum, Maximum, Name);
        _reflect = state.ReflectAtEdges;
        _map = MarginalMap.FromState(state, Name, v => v >= Minimum && v <= Maximum);
        _rank = RankScale.FromState(state.RankQuantiles, Minimum, Maximum, Name);
        if (_rank is not null && (_mixture is not null || state.SpikeValues is not null))
            throw new InvalidDataException($"Column '{Name}': the saved column has both modes and a rank scale; a column is normalised one way.");
        if (state.LogitBiases is not null && !HasMissing)
            throw new InvalidDataException($"Column '{Name}': the saved logit biases belong to a missing-value head, which a column without missing values lacks.");
        MissingBiases = CheckedBiases(state.LogitBiases, 2, Name);
        if (state.MissingWith is not null && !HasMissing)
            throw new InvalidDataException($"Column '{Name}': the saved column is missing with '{Common.Text.Printable(state.MissingWith, 80)}', but has no missing values of its own.");
        if (state.MissingWith == Name)
            throw new InvalidDataException($"Column '{Name}': the saved column is missing with itself; a column follows another.");
        if (state.MissingElsewhere && state.MissingWith is null)
            throw new InvalidDataException($"Column '{Name}': the saved column is missing elsewhere than a leader it does not name.");
        MissingWith = state.MissingWith;
        MissingElsewhere = state.MissingElsewhere;
        _spikes = state.SpikeValues ?? [];
        _spikeCounts = state.SpikeCounts ?? new long[_spikes.Length];
        if (_spikeCounts.Length != _spikes.Length || _spikes.Length > MaximumModes || _spikes.Any(v => !double.IsFinite(v)) || _spikeCounts.Any(n => n < 0))
            throw new InvalidDataException($"Column '{Name}': the saved spike values are inconsistent.");
        // Each mode decodes as offset × scale + mean: a Gaussian mode's scale is 4σ, a spike's is 0 (exactly its value).
        _modeScales = (_mixture?.Components.Select(m => ModeScale * m.StandardDeviation) ?? []).Concat(_spikes.Select(_ => 0.0)).ToArray();
        _modeMeans = (_mixture?.Components.Select(m => m.Mean) ?? []).Concat(_spikes).ToArray();
        _leaningSpikes = state.LeaningSpikes == true && _spikes.Length > 1 && GaussianModes == 0;
        var spans = new List<OutputSpan> { new(0, 1, SpanActivation.Tanh) };
        if (ModeCount > 0) spans.Add(new OutputSpan(1, ModeCount, SpanActivation.Softmax));
        if (HasMissing) spans.Add(new OutputSpan(1 + ModeCount, 2, SpanActivation.Softmax));
        _spans = spans.ToArray();
    }

    public double Minimum { get; }
    public double Maximum { get; }
    public long RowCount { get; }
    public long MissingCount { get; }
    public bool HasMissing => MissingCount > 0;

    /// <summary>Whether decoded values are rounded to whole numbers (integer types).</summary>
    public abstract bool IsInteger { get; }

    /// <summary>
    /// Whether a decoded value beyond an end of the training range is mirrored back inside it (2 × maximum − v above
    /// the maximum, 2 × minimum − v below the minimum) before it is clamped. Clamping alone piles every overshoot
    /// onto the end value, a spike the data do not have (a 97-degree day in a fifth of the rows of a table that has
    /// one); mirrored, the overshoot spreads over the values near the end, where the generator meant it. Values in
    /// the range are untouched. Files of format 3 and older clamp only.
    /// </summary>
    public bool ReflectsAtEdges => _reflect;

    /// <summary>Biases added to the present/missing logits when generating (see <see cref="ColumnState.LogitBiases"/>); null for none.</summary>
    public float[]? MissingBiases { get; }

    /// <summary>
    /// The numeric column this one is missing with (<see cref="MissingTogether"/>): when generating, it is missing in
    /// every row its leader is (as the leader's head decides); in the others it is present, or, when
    /// <see cref="MissingElsewhere"/>, missing where its own head says so. Null: its own head decides every row.
    /// </summary>
    public string? MissingWith { get; }

    /// <summary>Whether the column, missing with a leader, is also missing in rows of its own (where its own head decides).</summary>
    public bool MissingElsewhere { get; }

    /// <summary>The same column missing with <paramref name="leader"/> (null: on its own), and <paramref name="elsewhere"/> too.</summary>
    public NumericColumn WithMissingWith(string? leader, bool elsewhere = false)
    {
        var state = ToState();
        state.MissingWith = leader;
        state.MissingElsewhere = leader is not null && elsewhere;
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>The same column generating with <paramref name="biases"/> added to its present/missing logits.</summary>
    public NumericColumn WithMissingBiases(float[] biases)
    {
        var state = ToState();
        state.LogitBiases = biases;
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>The map onto the training values' distribution; null without one (see <see cref="GanTrainer.Options.ExactMarginals"/>).</summary>
    public MarginalMap? Marginal => _map;

    /// <summary>Whether decoding maps values through <see cref="Marginal"/> (calibrated after training).</summary>
    public bool MapsMarginal => _map is { IsCalibrated: true };

    /// <summary>
    /// Whether a spike's generated rows carry the generator's leaning towards the values above or below it into the
    /// map (format 40), in a column whose every mode is a spike (an indicator, a code of a few values each frequent; no
    /// Gaussian mode, whose values the map would not give a row that leant towards it): a row the mode head sends to a spike is placed within a narrow band about it (at most a quarter of
    /// the column's step, of the gap to the next spike and a ten-thousandth of its range) by how much more likely the head
    /// found the strongest mode above than the strongest below (logits, clipped at ±30). The map, calibrated on those
    /// values, then moves the rows that leaned furthest when the generator makes a spike too often or too rarely, where
    /// the row's own draw moved rows at random: a binary indicator's flipped rows lost its relations with the others
    /// (pbcseq's ascites × edema). Only with a map (the band never leaves decoding); files of format 39 and older place
    /// a spike's rows by their draws.
    /// </summary>
    public bool LeansSpikes => _leaningSpikes && _map is not null;

    /// <summary>A tie's place within a spike's band: the leaning's clip (logits) and the divisor that takes it into (-1, 1), a power of two.</summary>
    private const double LeanClip = 30, LeanScale = 64;

    /// <summary>
    /// Each mode's band half-width for <see cref="LeansSpikes"/> (whose modes are all spikes): for spike k a quarter of the
    /// smallest of the column's step, the gaps to its neighbouring spikes and a ten-thousandth of the range.
    /// </summary>
    private double[] LeanSpreads => _leanSpreads ??= SpikeSpreads();

    private double[] SpikeSpreads()
    {
        var spreads = new double[_spikes.Length];
        double step = _granularity?.Step ?? (IsInteger ? 1.0 : double.PositiveInfinity);
        for (int k = 0; k < _spikes.Length; k++)
        {
            double gap = Math.Min(step, 1e-4 * (Maximum - Minimum));
            if (k > 0) gap = Math.Min(gap, _spikes[k] - _spikes[k - 1]);
            if (k + 1 < _spikes.Length) gap = Math.Min(gap, _spikes[k + 1] - _spikes[k]);
            spreads[k] = 0.25 * gap;
        }
        return spreads;
    }

    /// <summary>
    /// How far mode <paramref name="mode"/>'s value moves for the row whose mode logits are <paramref name="logits"/>
    /// (<see cref="LeansSpikes"/>): its band's half-width times (the clipped log-odds of the strongest mode above against
    /// it, less that of the strongest below) ÷ 64. The same double operations as the graph's.
    /// </summary>
    private double Lean(ReadOnlySpan<float> logits, int mode)
    {
        double own = logits[mode], up = double.NegativeInfinity, down = double.NegativeInfinity, at = _modeMeans[mode];
        for (int j = 0; j < logits.Length; j++)
        {
            if (_modeMeans[j] > at) up = Math.Max(up, logits[j]);
            else if (_modeMeans[j] < at) down = Math.Max(down, logits[j]);
        }
        double x = Math.Min(Math.Max(up - own, -LeanClip), LeanClip) - Math.Min(Math.Max(down - own, -LeanClip), LeanClip);
        return LeanSpreads[mode] * (x / LeanScale);
    }

    /// <summary>The most exact values a number may have to group other columns' maps as categories (see <see cref="IsCode"/>).</summary>
    public const int MaximumCodeValues = 20;

    /// <summary>
    /// Whether the column's values can group other columns' maps as a categorical column's categories do
    /// (<see cref="MarginalGroups"/>): a number (not a date) mapped onto 2 to <see cref="MaximumCodeValues"/> exact values
    /// (flchain's sample year, a count of children, a stage), each value a category (<see cref="CodeOf"/>).
    /// </summary>
    public bool IsCode => this is not TimeColumn && _map is { IsDiscrete: true, ValueCount: >= 2 and <= MaximumCodeValues };

    /// <summary>How many categories a code column's values make: one per exact value, and one for a missing value.</summary>
    public int CodeCount => (_map?.ValueCount ?? 0) + 1;

    /// <summary>The category of value <paramref name="v"/> of a code column (<see cref="MarginalMap.CodeOf"/>).</summary>
    public int CodeOf(double v) => _map!.CodeOf(v);

    /// <summary>The name a user reads for category <paramref name="code"/> of a code column: the value it stands for, or "missing".</summary>
    public string CodeName(int code) => code < _map!.ValueCount
        ? _map.Value(code).ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        : "missing";

    /// <summary>The graph's <see cref="CodeOf"/> of <paramref name="value"/> (this column's decoded output, [batch]): int64, [batch].</summary>
    internal string AddOnnxCodeOf(OnnxGraph g, string value)
    {
        var v = OutputType == OnnxType.Double ? value : g.Node("Cast", [value], ("to", (long)OnnxType.Double));
        var missing = HasMissing ? AddOnnxIsMissing(g, value) : g.Node("IsNaN", [v]);
        return _map!.AddOnnxCodeOf(g, g.Node("Unsqueeze", [v, g.Constant([1L], 1)]), missing);
    }

    /// <summary>
    /// The same column with its marginal map calibrated on <paramref name="generated"/> (values decoded before the
    /// map, NaN missing), each value counted with its weight when <paramref name="weights"/> are given (the rows a
    /// density-ratio filter keeps); with groups, each row's category in the group column (<paramref name="groupLevels"/>)
    /// calibrates its group's table. The column itself when it has no map or no generated value is present.
    /// </summary>
    public NumericColumn WithGeneratedMarginal(double[] generated, float[]? weights, int[]? groupLevels)
    {
        if (_map is null) return this;
        var state = ToState();
        if (!MarginalMap.FitGenerated(state, generated, weights, groupLevels)) return this;
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>The same column with its map's generated side replaced by <paramref name="knots"/> (see <see cref="MarginalMap.Warp"/>).</summary>
    public NumericColumn WithGeneratedKnots(double[] knots)
    {
        if (_map is not { IsCalibrated: true }) throw new InvalidOperationException($"Column '{Name}' has no calibrated marginal map.");
        var state = ToState();
        state.MarginalGenerated = knots;
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>
    /// The same column with its map's training side made from <paramref name="sorted"/> (present values, ascending)
    /// instead of all its training values: the values of the rows no rule sets (see <see cref="ColumnDependency.WithFreeMarginals"/>).
    /// </summary>
    public NumericColumn WithTrainingMarginal(double[] sorted)
    {
        if (_map is null) throw new InvalidOperationException($"Column '{Name}' has no marginal map to fit.");
        var state = ToState();
        MarginalMap.RefitTraining(state, sorted, ((NumericKind)Kind).Stored);
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>
    /// The same column with its map's training side grouped by categorical column <paramref name="group"/>: for each
    /// category in <paramref name="levels"/>, the present training values of its rows (<paramref name="values"/>).
    /// Any generated side is dropped (calibration makes it again).
    /// </summary>
    public NumericColumn WithMarginalGroups(string group, int[] levels, double[][] values)
    {
        if (_map is null) throw new InvalidOperationException($"Column '{Name}' has no marginal map to group.");
        var state = ToState();
        state.MarginalGenerated = null;
        MarginalMap.FitGroupTraining(state, group, levels, values);
        return (NumericColumn)Kind.Restore(state);
    }

    /// <summary>The grid decoded values are rounded to; null when values anywhere in the range may be generated.</summary>
    public NumericGranularity? Granularity => _granularity;

    /// <summary>
    /// Whether a decoded value is one this column can generate: NaN only with missing values; else in the range and,
    /// with a granularity, on its grid as the column's type holds it.
    /// </summary>
    public bool Allows(double v) =>
        double.IsNaN(v) ? HasMissing
        : v >= Minimum && v <= Maximum && (_granularity is not { } grid || ((NumericKind)Kind).Stored(grid.Round(v)) == v);

    /// <summary>The rank scale (rank normalisation); null for min-max and mode-specific.</summary>
    public RankScale? Rank => _rank;

    /// <summary>The mixture's Gaussian modes (mode-specific normalisation); empty for min-max and rank.</summary>
    public IReadOnlyList<MixtureComponent> Modes => _mixture?.Components ?? [];

    /// <summary>The spike modes' values, after the Gaussian modes.</summary>
    public IReadOnlyList<double> Spikes => _spikes;

    /// <summary>Gaussian modes plus spikes: the width of the mode head (0 for min-max and rank).</summary>
    public int ModeCount => _modeMeans.Length;

    private int GaussianModes => _mixture?.Components.Count ?? 0;

    public override int Width => 1 + ModeCount + (HasMissing ? 2 : 0);
    /// <summary>A draw for the mode (with modes), for the missing flag (with missing values), and for the marginal map's ties (with a map).</summary>
    public override int DrawCount => (ModeCount > 0 ? 1 : 0) + (HasMissing ? 1 : 0) + (_map is not null ? 1 : 0);
    public override IReadOnlyList<OutputSpan> Spans => _spans;

    public override Array CreateBuffer(int capacity) => new double[capacity];

    /// <summary>
    /// Fits the range from the column's values (NaN for missing; the caller has rejected infinities); when
    /// <paramref name="mixture"/> is given, spikes and a Gaussian mixture on the present values; when
    /// <paramref name="stored"/> is given (a value rounded to the column's type), the values' granularity.
    /// </summary>
    /// <remarks>
    /// <paramref name="calendar"/> gives a date column's calendar from its present values (see <see cref="MarginalMap.FitTraining"/>).
    /// <paramref name="repeats"/>: a marginal map by interpolation repeats training values (<see cref="MarginalMap.RepeatKnots"/>).
    /// A column without a mixture is rank-normalised (<see cref="RankScale"/>) when <paramref name="rank"/> chooses it (null: none).
    /// </remarks>
    public static ColumnState Fit(string name, string kind, ReadOnlySpan<double> values, BayesianGaussianMixtureOptions? mixture,
        Func<double, double>? stored = null, bool marginal = false, Func<double[], ColumnState, double[]?>? calendar = null,
        RankScale.Choice? rank = null, bool repeats = false)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long missing = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) { missing++; continue; }
            if (v < min) min = v;
            if (v > max) max = v;
        }
        var state = new ColumnState
        {
            Name = name, Kind = kind, Minimum = min, Maximum = max, RowCount = values.Length, MissingCount = missing, ReflectAtEdges = true,
        };
        if (stored is not null && NumericGranularity.Fit(values, stored) is var (units, decimals))
        {
            state.GranularityUnits = units;
            state.GranularityDecimals = decimals;
        }
        bool mayRank = mixture is null && rank is not null;
        if ((marginal || mixture is not null || mayRank) && missing < values.Length)
        {
            var present = new double[values.Length - missing];
            int i = 0;
            foreach (double v in values)
            {
                if (!double.IsNaN(v)) present[i++] = v;
            }
            // One sorted copy serves the marginal map and the spikes (20 million values are 160 MB a copy).
            var sorted = (double[])present.Clone();
            Array.Sort(sorted);
            if (marginal) MarginalMap.FitTraining(state, sorted, calendar?.Invoke(present, state), repeats, stored);
            if (mixture is not null) FitModes(state, present, sorted, mixture);
            else if (mayRank && rank!.Ranks(present, sorted)) state.RankQuantiles = RankScale.Fit(sorted);
            // Only a column whose every mode is a spike leans: a row that leans towards another mode leans towards a value
            // the map can give it. Beside Gaussian modes the map would move it to the values next to the spike, which are
            // not where it leant (Adult's capital gains: FastTree 0.577 -> 0.583 on seeds 1-3 when those leant too).
            if (marginal && state.SpikeValues is { Length: > 1 } && state.ModeMeans is null) state.LeaningSpikes = true;
        }
        return state;
    }

    /// <summary>Spikes and a Gaussian mixture on the present values, into <paramref name="state"/>.</summary>
    private static void FitModes(ColumnState state, double[] present, double[] sorted, BayesianGaussianMixtureOptions mixture)
    {
        var (spikes, counts) = FindSpikes(sorted);
        state.SpikeValues = spikes.Length > 0 ? spikes : null;
        state.SpikeCounts = spikes.Length > 0 ? counts : null;
        var rest = spikes.Length == 0 ? present : new double[present.Length - counts.Sum()];
        if (spikes.Length > 0)
        {
            int at = 0;
            foreach (double v in present)
                if (Array.BinarySearch(spikes, v) < 0) rest[at++] = v;
        }
        if (rest.Length > 0)
        {
            var modes = BayesianGaussianMixture.Fit(rest, mixture).Components;
            state.ModeMeans = modes.Select(m => m.Mean).ToArray();
            state.ModeStandardDeviations = modes.Select(m => m.StandardDeviation).ToArray();
            state.ModeWeights = modes.Select(m => m.Weight).ToArray();
        }
    }

    /// <summary>The values that make up at least <see cref="SpikeShare"/> of the present values (<paramref name="sorted"/>, ascending), ascending, with their counts.</summary>
    internal static (double[] Values, long[] Counts) FindSpikes(double[] sorted)
    {
        var values = new List<double>();
        var counts = new List<long>();
        long needed = (long)Math.Ceiling(SpikeShare * sorted.Length);
        for (int start = 0; start < sorted.Length;)
        {
            int end = start + 1;
            while (end < sorted.Length && sorted[end] == sorted[start]) end++;
            if (end - start >= needed)
            {
                values.Add(sorted[start]);
                counts.Add(end - start);
            }
            start = end;
        }
        return (values.ToArray(), counts.ToArray());
    }

    /// <summary>
    /// Writes the encoded rows. With modes, each value's mode is drawn from its posterior with a counter-based
    /// uniform of (<paramref name="seed"/>, row), as CTGAN draws it, so a value near two modes is taught as both.
    /// <paramref name="values"/> are the rows from <paramref name="firstRow"/> on, written into rows 0.. of <paramref name="matrix"/>.
    /// </summary>
    public void Encode(ReadOnlySpan<double> values, float[] matrix, int stride, int offset, ulong seed, long firstRow = 0)
    {
        double range = Maximum - Minimum;
        int widest = HeaviestMode();
        Span<float> uniform = stackalloc float[1];
        for (int r = 0; r < values.Length; r++)
        {
            int at = r * stride + offset;
            double v = values[r];
            bool missing = double.IsNaN(v);
            if (ModeCount == 0)
            {
                // A missing value sits at the middle of the range so it pulls the tanh head nowhere.
                matrix[at] = missing || range == 0 ? 0f : _rank is { } rank ? (float)rank.Encode(v) : (float)(2 * (v - Minimum) / range - 1);
            }
            else
            {
                Array.Clear(matrix, at + 1, ModeCount);
                int mode = widest; // a missing value gets the heaviest mode and offset 0: a valid, uninformative code
                double alpha = 0;
                int spike = missing ? -1 : Array.BinarySearch(_spikes, v);
                if (spike >= 0) mode = GaussianModes + spike;
                else if (!missing)
                {
                    new NoiseSource(seed, (ulong)(firstRow + r)).FillUniform(uniform);
                    mode = _mixture!.Sample(v, Math.Min(uniform[0], 0.99999994f));
                    var m = _mixture.Components[mode];
                    alpha = Math.Clamp((v - m.Mean) / (ModeScale * m.StandardDeviation), -0.99, 0.99);
                }
                matrix[at] = (float)alpha;
                matrix[at + 1 + mode] = 1f;
            }
            if (HasMissing)
            {
                int flag = at + 1 + ModeCount;
                matrix[flag] = missing ? 0f : 1f;
                matrix[flag + 1] = missing ? 1f : 0f;
            }
        }
    }

    public override void Decode(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow) =>
        Decode(output, stride, offset, draws, drawStride, drawOffset, rows, sampling, buffer, firstRow, null, null);

    /// <summary>
    /// As <see cref="GanColumn.Decode"/>; with a grouped map, <paramref name="groupLevels"/> holds each row's category in
    /// the group column (decoded already, at the same rows from <paramref name="firstRow"/> on); for a column
    /// <see cref="MissingWith"/> a leader, <paramref name="missing"/> says which of the rows (from 0) its leader is
    /// missing in (see <see cref="DecodeUnmapped"/>).
    /// </summary>
    public void Decode(ReadOnlySpan<float> output, int stride, int offset, ReadOnlySpan<float> draws, int drawStride, int drawOffset,
        int rows, CategorySampling sampling, Array buffer, int firstRow, int[]? groupLevels, bool[]? missing)
    {
        var into = (double[])buffer;
        for (int r = 0; r < rows; r++)
            into[firstRow + r] = Decode(output.Slice(r * stride + offset, Width), draws.Slice(r * drawStride + drawOffset, DrawCount), sampling,
                groupLevels?[firstRow + r] ?? -1, missing is null ? null : missing[r]);
    }

    /// <summary>
    /// Decodes one row's slice of generator output (tanh already applied to the offset, logits on the other
    /// heads). Draws: the mode's first (with modes), then the missing flag's, then the marginal map's (with a map).
    /// <paramref name="groupLevel"/>: the row's category in the map's group column (-1 for none); <paramref name="missing"/>:
    /// whether the row's leader is missing (null: the column has none; see <see cref="DecodeUnmapped"/>).
    /// </summary>
    public double Decode(ReadOnlySpan<float> slice, ReadOnlySpan<float> draws, CategorySampling sampling, int groupLevel = -1, bool? missing = null) =>
        Finish(DecodeUnmapped(slice, draws, sampling, missing, lean: MapsMarginal), _map is null || sampling == CategorySampling.ArgMax ? 0.5 : draws[DrawCount - 1], groupLevel);

    /// <summary>Whether the column's own present/missing head (its logits, biases and draw in one row's slice) says the row's value is missing.</summary>
    public bool ChoosesMissing(ReadOnlySpan<float> slice, ReadOnlySpan<float> draws, CategorySampling sampling) =>
        HasMissing && Choose(slice.Slice(1 + ModeCount, 2), MissingBiases, draws[ModeCount > 0 ? 1 : 0], sampling) == 1;

    /// <summary>
    /// One row's value before the marginal map, rounding and clamping (mirrored at the range's ends): what the map is
    /// calibrated on. NaN when missing: where <paramref name="missing"/> (whether the column's leader is missing) is
    /// true, and where the column's own head chooses it when the column has no leader or is missing elsewhere too.
    /// With <paramref name="lean"/> (for a column that <see cref="LeansSpikes"/>: what its map is calibrated on and maps), a
    /// spike's value lies within its band by the row's leaning.
    /// </summary>
    public double DecodeUnmapped(ReadOnlySpan<float> slice, ReadOnlySpan<float> draws, CategorySampling sampling, bool? missing = null, bool lean = false)
    {
        if (missing is bool leader ? leader || MissingElsewhere && ChoosesMissing(slice, draws, sampling) : ChoosesMissing(slice, draws, sampling)) return double.NaN;
        int modeDraws = ModeCount > 0 ? 1 : 0;
        double t = Math.Clamp((double)slice[0], -1.0, 1.0);
        double v;
        if (_rank is { } rank) v = rank.Decode(t);
        else if (ModeCount == 0) v = Minimum + (t + 1) / 2 * (Maximum - Minimum);
        else
        {
            int mode = Choose(slice.Slice(1, ModeCount), draws[0], sampling);
            v = t * _modeScales[mode] + _modeMeans[mode];
            if (lean && LeansSpikes) v += Lean(slice.Slice(1, ModeCount), mode);
        }
        if (_reflect)
        {
            if (v > Maximum) v = 2 * Maximum - v;
            if (v < Minimum) v = 2 * Minimum - v;
        }
        return v;
    }

    /// <summary>A present value from <see cref="DecodeUnmapped"/> mapped, rounded to the column's grid and clamped to its range.</summary>
    private double Finish(double v, double draw, int groupLevel)
    {
        if (double.IsNaN(v)) return v;
        if (_map is { IsCalibrated: true } map)
        {
            v = map.Map(v, draw, groupLevel);
            if (map.IsDiscrete) return Math.Clamp(v, Minimum, Maximum); // a training value already: nothing to round
        }
        // Half to even, as ONNX's Round, so the exported graph decodes the same values.
        if (_granularity is { } grid) v = grid.Round(v);
        else if (IsInteger) v = Math.Round(v, MidpointRounding.ToEven);
        return Math.Clamp(v, Minimum, Maximum);
    }


    public override (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling) =>
        AddOnnxDecoder(g, output, offset, draws, drawOffset, sampling, null, null);

    /// <summary>
    /// As <see cref="GanColumn.AddOnnxDecoder"/>; with a grouped map, <paramref name="group"/> is each row's category in
    /// the group column (int64, [batch]) and that column's number of categories; for a column <see cref="MissingWith"/>
    /// a leader, <paramref name="missing"/> is whether each row's leader is missing (bool, [batch]), read as
    /// <see cref="DecodeUnmapped"/> reads it.
    /// </summary>
    public (string Value, OnnxType Type) AddOnnxDecoder(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling,
        (string Level, int LevelCount)? group, string? missing)
    {
        // The same operations in the same order as Decode, in double.
        var t = g.Node("Cast", [g.Node("Tanh", [OnnxSlice(g, output, offset, 1)])], ("to", (long)OnnxType.Double));
        t = g.Node("Min", [g.Node("Max", [t, g.Scalar(-1.0)]), g.Scalar(1.0)]);
        string v;
        if (_rank is { } rank) v = rank.AddOnnxDecode(g, t);
        else if (ModeCount == 0)
            v = g.Node("Add", [g.Node("Mul", [g.Node("Div", [g.Node("Add", [t, g.Scalar(1.0)]), g.Scalar(2.0)]), g.Scalar(Maximum - Minimum)]), g.Scalar(Minimum)]);
        else
        {
            var mode = OnnxChoose(g, output, offset + 1, ModeCount, draws, drawOffset, sampling);
            // [batch] → [batch, 1], to line up with the [batch, 1] offset.
            var scale = g.Node("Unsqueeze", [g.Node("Gather", [g.Constant(_modeScales, _modeScales.Length), mode], ("axis", 0)), g.Constant([1L], 1)]);
            var mean = g.Node("Unsqueeze", [g.Node("Gather", [g.Constant(_modeMeans, _modeMeans.Length), mode], ("axis", 0)), g.Constant([1L], 1)]);
            v = g.Node("Add", [g.Node("Mul", [t, scale]), mean]);
            if (LeansSpikes && MapsMarginal) v = g.Node("Add", [v, AddOnnxLean(g, output, offset, mode)]);
        }
        if (_reflect)
        {
            var upper = g.Scalar(Maximum);
            v = g.Node("Where", [g.Node("Greater", [v, upper]), g.Node("Sub", [g.Scalar(2 * Maximum), v]), v]);
            var lower = g.Scalar(Minimum);
            v = g.Node("Where", [g.Node("Less", [v, lower]), g.Node("Sub", [g.Scalar(2 * Minimum), v]), v]);
        }
        if (MapsMarginal)
        {
            var draw = sampling == CategorySampling.ArgMax || draws is null
                ? g.Scalar(0.5)
                : g.Node("Cast", [OnnxSlice(g, draws, drawOffset + DrawCount - 1, 1)], ("to", (long)OnnxType.Double));
            v = _map!.AddOnnxMap(g, v, draw, group);
        }
        bool exact = MapsMarginal && _map!.IsDiscrete; // a training value already: nothing to round
        if (!exact && _granularity is { } grid) v = grid.AddOnnxRound(g, v);
        else if (!exact && IsInteger) v = g.Node("Round", [v]);
        v = g.Node("Min", [g.Node("Max", [v, g.Scalar(Minimum)]), g.Scalar(Maximum)]);
        v = g.Node("Reshape", [v, g.Constant([-1L], 1)]);
        var type = OutputType;
        if (type != OnnxType.Double) v = g.Node("Cast", [v], ("to", (long)type));
        if (HasMissing)
        {
            var own = missing is null || MissingElsewhere ? AddOnnxChoosesMissing(g, output, offset, draws, drawOffset, sampling) : null;
            var isMissing = missing is null ? own! : own is null ? missing : g.Node("Or", [missing, own]);
            v = g.Node("Where", [isMissing, AddOnnxMissing(g), v]);
        }
        return (v, type);
    }

    /// <summary><see cref="Lean"/> in the graph: each row's move of its mode's value ([batch, 1] double), from its mode logits and chosen <paramref name="mode"/> (int64, [batch]).</summary>
    private string AddOnnxLean(OnnxGraph g, string output, int offset, string mode)
    {
        int m = ModeCount;
        var logits = g.Node("Cast", [OnnxSlice(g, output, offset + 1, m)], ("to", (long)OnnxType.Double));
        // For each mode, 0 where another mode's value lies above (below) its own, -∞ elsewhere: added to the logits, the
        // row maximum is the strongest such mode's logit (-∞ for none), as Lean's loop finds it.
        var above = new double[m * m];
        var below = new double[m * m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                above[i * m + j] = _modeMeans[j] > _modeMeans[i] ? 0.0 : double.NegativeInfinity;
                below[i * m + j] = _modeMeans[j] < _modeMeans[i] ? 0.0 : double.NegativeInfinity;
            }
        // (Opset 18 takes a reduction's axes as an input, 17 as an attribute.)
        string Strongest(double[] mask)
        {
            var masked = g.Node("Add", [logits, g.Node("Gather", [g.Constant(mask, m, m), mode], ("axis", 0))]);
            return g.Opset >= 18
                ? g.Node("ReduceMax", [masked, g.Constant([1L], 1)], ("keepdims", 1L))
                : g.Node("ReduceMax", [masked], ("axes", new long[] { 1 }), ("keepdims", 1L));
        }
        var own = g.Node("GatherElements", [logits, g.Node("Unsqueeze", [mode, g.Constant([1L], 1)])], ("axis", 1));
        string Clipped(string x) => g.Node("Min", [g.Node("Max", [g.Node("Sub", [x, own]), g.Scalar(-LeanClip)]), g.Scalar(LeanClip)]);
        var x = g.Node("Sub", [Clipped(Strongest(above)), Clipped(Strongest(below))]);
        var spread = g.Node("Unsqueeze", [g.Node("Gather", [g.Constant(LeanSpreads, m), mode], ("axis", 0)), g.Constant([1L], 1)]);
        return g.Node("Mul", [spread, g.Node("Div", [x, g.Scalar(LeanScale)])]);
    }

    /// <summary>As <see cref="ChoosesMissing"/> in the graph: whether the column's own head says each row is missing (bool, [batch]).</summary>
    public string AddOnnxChoosesMissing(OnnxGraph g, string output, int offset, string? draws, int drawOffset, CategorySampling sampling) =>
        g.Node("Equal", [OnnxChoose(g, output, offset + 1 + ModeCount, 2, draws, drawOffset + (ModeCount > 0 ? 1 : 0), sampling, MissingBiases), g.Scalar(1L)]);

    /// <summary>The graph's output for a missing value, a scalar of <see cref="GanColumn.OutputType"/>: NaN for floating point.</summary>
    protected internal virtual string AddOnnxMissing(OnnxGraph g) => OutputType == OnnxType.Float ? g.Scalar(float.NaN) : g.Scalar(double.NaN);

    /// <summary>Whether each value of <paramref name="value"/> (this column's graph output, [batch]) is missing, as a bool node.</summary>
    internal virtual string AddOnnxIsMissing(OnnxGraph g, string value) => g.Node("IsNaN", [value]);

    public override ColumnState ToState()
    {
        var state = State();
        _map?.ToState(state);
        state.LogitBiases = MissingBiases;
        state.MissingWith = MissingWith;
        state.MissingElsewhere = MissingElsewhere;
        return state;
    }

    private ColumnState State() => new()
    {
        Name = Name, Kind = Kind.Name, Minimum = Minimum, Maximum = Maximum, RowCount = RowCount, MissingCount = MissingCount,
        ModeMeans = _mixture?.Components.Select(m => m.Mean).ToArray(),
        ModeStandardDeviations = _mixture?.Components.Select(m => m.StandardDeviation).ToArray(),
        ModeWeights = _mixture?.Components.Select(m => m.Weight).ToArray(),
        SpikeValues = _spikes.Length > 0 ? _spikes : null,
        SpikeCounts = _spikes.Length > 0 ? _spikeCounts : null,
        LeaningSpikes = _leaningSpikes ? true : null,
        ReflectAtEdges = _reflect,
        GranularityUnits = _granularity?.Units,
        GranularityDecimals = _granularity?.Decimals,
        RankQuantiles = _rank?.Quantiles.ToArray(),
    };

    /// <summary>The mode with the most training values: Gaussian modes by weight times the values they model, spikes by count.</summary>
    private int HeaviestMode()
    {
        if (ModeCount == 0) return 0;
        double rest = RowCount - MissingCount - _spikeCounts.Sum();
        var weights = (_mixture?.Components.Select(m => m.Weight * rest) ?? []).Concat(_spikeCounts.Select(c => (double)c)).ToArray();
        return Array.IndexOf(weights, weights.Max());
    }

    public override GanColumnInfo ToInfo() => new(
        Name, Type, IsCategorical: false,
        MissingRate: RowCount == 0 ? 0 : (double)MissingCount / RowCount,
        Minimum, Maximum, Categories: [], CategoryFrequencies: [],
        Step: _granularity?.Step ?? (IsInteger ? 1 : double.NaN)) { NormalizationModes = ModeCount, RankNormalized = _rank is not null, RepeatedValues = _map?.RepeatedValueCount ?? 0, MissingWith = MissingWith, MissingElsewhere = MissingElsewhere };
}
