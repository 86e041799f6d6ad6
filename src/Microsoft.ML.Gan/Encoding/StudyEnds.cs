using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A number column that every training row keeps below a bound falling with another: <c>b + s × a ≤ K</c>, a study's
/// end, which a patient's follow-up (<c>b</c>, months) reaches sooner the later the patient entered (<c>a</c>, the year
/// of diagnosis; mgus2's follow-up + 12 × the year never passes the end of 1999). The <see cref="Target"/> is learned as
/// its share of the time left, <c>b ÷ (K − s × a)</c>, and decoded as share × time left: a generator that learns the
/// follow-up on its own scale places a tenth of mgus2's patients past the study's end (a row no real table has, which a
/// detector reading the two columns finds at once); a share from 0 to 1 cannot pass it.
/// </summary>
/// <remarks>
/// The bound is read off the training rows as the evaluation's giveaways read it (<see cref="Read"/>); <c>K</c> is the
/// highest <c>b + s × a</c> of the training rows, so every share lies in [0, 1]. A column below the target in every row
/// and equal to it in some (a time to progression, never past the follow-up) takes the target's bound
/// (<see cref="Find"/>), so an order between the two holds between their shares. A whole-number target's share is
/// learned in millionths (<see cref="FineUnit"/>; ten-thousandths, <see cref="IntegerUnit"/>, for a type that cannot
/// hold a million), so every training value's share decodes back to it for ranges of up to a million steps. The entry is read as its column holds it, within its training range (the
/// middle of that range where it is missing); the value is rounded to the target's grid and kept in its training range.
/// It applies after every other rule: no rule reads or sets the target but an order between targets of one bound,
/// which holds between their shares. .NET (<see cref="Apply"/>) and the graph (<see cref="AddOnnx"/>) make the same
/// values with the same operations in the same order.
/// </remarks>
internal sealed class StudyEnd
{
    /// <summary>The fewest rows with both columns present a bound is read on.</summary>
    public const int MinimumRows = 100;

    /// <summary>The share of rows a bound must have near it (within <see cref="Near"/> of the bounded column's range).</summary>
    public const double MinimumNearShare = 0.1;

    /// <summary>How near a row lies to the bound to count as reaching it: this share of the bounded column's range.</summary>
    public const double Near = 0.05;

    /// <summary>The least spread of the near rows' <c>a</c> (10th to 90th percentile), as a share of <c>a</c>'s range.</summary>
    public const double MinimumSpread = 0.25;

    /// <summary>The least share of values paired at random that break the bound: fewer, and it says no more than the two ranges.</summary>
    public const double MinimumChance = 0.05;

    /// <summary>The unit a whole-number target's share is learned in where its type cannot hold <see cref="FineUnit"/> (16 bits): ten-thousandths.</summary>
    public const double IntegerUnit = 10_000;

    /// <summary>The unit a whole-number target's share is learned in where its type holds a million: millionths.</summary>
    public const double FineUnit = 1_000_000;

    /// <summary>The unit a target of <paramref name="kind"/> learns its share in: 1 for a fractional type, else the finest of <see cref="FineUnit"/> and <see cref="IntegerUnit"/> the type holds; 0 for none.</summary>
    public static double UnitFor(NumericKind kind) =>
        kind.Precision != NumberPrecision.Whole ? 1 : kind.Highest >= FineUnit ? FineUnit : kind.Highest >= IntegerUnit ? IntegerUnit : 0;

    /// <summary>The least share of rows where a lower column meets the target for it to take the target's bound.</summary>
    public const double MinimumMeeting = 0.01;

    /// <summary>Rows the search reads bounds on (at even strides): a bound found is made on every row.</summary>
    private const int SearchRows = 20_000;

    public StudyEnd(int target, string targetName, int entry, string entryName, double scale, double limit, double entryLow, double entryHigh,
        double minimum, double maximum, NumericGranularity? grid, double nearShare, double unit)
    {
        if (!(unit >= 1)) throw new ArgumentException("a share is learned in a unit of at least 1 (above 1 for a whole-number target, 1 for others)", nameof(unit));
        Unit = unit;
        Target = target;
        TargetName = targetName;
        Entry = entry;
        EntryName = entryName;
        Scale = scale;
        Limit = limit;
        EntryLow = entryLow;
        EntryHigh = entryHigh;
        Minimum = minimum;
        Maximum = maximum;
        Grid = grid;
        NearShare = nearShare;
    }

    /// <summary>The column learned as its share of the time left: its index in the encoder.</summary>
    public int Target { get; }

    public string TargetName { get; }

    /// <summary>The column the bound falls with (the entry).</summary>
    public int Entry { get; }

    public string EntryName { get; }

    /// <summary><c>s</c>: how much the bound falls per unit of the entry.</summary>
    public double Scale { get; }

    /// <summary><c>K</c>: the highest <c>target + s × entry</c> of the training rows.</summary>
    public double Limit { get; }

    /// <summary>The entry's training range, which the entry is read within.</summary>
    public double EntryLow { get; }

    public double EntryHigh { get; }

    /// <summary>The target's training range: decoded values are kept in it.</summary>
    public double Minimum { get; }

    public double Maximum { get; }

    /// <summary>The target's grid, when it has one: decoded values are rounded to it.</summary>
    public NumericGranularity? Grid { get; }

    /// <summary>Whether the target holds whole numbers (its share learned in <see cref="Unit"/>s, whole; values rounded, half to even, without a grid).</summary>
    public bool IsInteger => Unit > 1;

    /// <summary>The share learned per share of the time left (<see cref="UnitFor"/>): 1 for a fractional target.</summary>
    public double Unit { get; }

    /// <summary>The share of the training rows within <see cref="Near"/> of the bound, for people to read.</summary>
    public double NearShare { get; }

    /// <summary>Whether <paramref name="other"/> is the same bound on the same entry (an order between their targets holds between their shares).</summary>
    public bool SameBound(StudyEnd other) => other.Entry == Entry && other.Scale == Scale && other.Limit == Limit && other.EntryLow == EntryLow && other.EntryHigh == EntryHigh;

    /// <summary>The rule, for people to read: "futime + 11.6 × dxyr ≤ 23151".</summary>
    public string Rule => $"{TargetName} + {Scale:G4} × {EntryName} ≤ {Limit:G6}";

    public override string ToString() => $"{TargetName} as its share of what {Rule} leaves ({NearShare:P0} of the rows near it)";

    /// <summary>The time left below the bound for an entry <paramref name="a"/> (within its training range; the middle of it where missing).</summary>
    public double Room(double a) => Limit - Scale * (double.IsNaN(a) ? EntryLow + (EntryHigh - EntryLow) / 2 : Math.Clamp(a, EntryLow, EntryHigh));

    /// <summary>What a present value <paramref name="b"/> of a row of entry <paramref name="a"/> is learned as (whole, in <see cref="Unit"/>s, for a whole-number target); NaN stays NaN.</summary>
    public double Share(double b, double a)
    {
        if (double.IsNaN(b)) return b;
        double room = Room(a);
        double share = room > 0 ? Math.Clamp(b / room, 0, 1) : 1;
        return IsInteger ? Math.Round(share * Unit, MidpointRounding.ToEven) : share;
    }

    /// <summary>The value a learned share <paramref name="learned"/> of a row of entry <paramref name="a"/> decodes to; NaN stays NaN.</summary>
    public double Value(double learned, double a)
    {
        if (double.IsNaN(learned)) return learned;
        double v = Math.Clamp(learned / Unit, 0.0, 1.0) * Room(a);
        if (Grid is { } grid) v = grid.Round(v);
        else if (IsInteger) v = Math.Round(v, MidpointRounding.ToEven);
        return Math.Clamp(v, Minimum, Maximum);
    }

    /// <summary>
    /// Makes the target of rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) of <paramref name="into"/> from
    /// its share there (as its column's type holds it, as the graph has it) and the row's entry, as its column's type holds it.
    /// </summary>
    public void Apply(DecodedRows into, IReadOnlyList<GanColumn> columns, int firstRow, int rows)
    {
        var y = into.Numbers(Target);
        var a = into.Numbers(Entry);
        var kind = (NumericKind)columns[Target].Kind;
        var entryKind = (NumericKind)columns[Entry].Kind;
        for (int r = firstRow; r < firstRow + rows; r++) y[r] = kind.Stored(Value(kind.Stored(y[r]), double.IsNaN(a[r]) ? a[r] : entryKind.Stored(a[r])));
    }

    /// <summary>The shares of rows [0, <paramref name="count"/>) of <paramref name="rows"/>, whose target holds values: as <c>Fit</c> has them.</summary>
    public void Shares(DecodedRows rows, int count)
    {
        var y = rows.Numbers(Target);
        var a = rows.Numbers(Entry);
        for (int r = 0; r < count; r++) y[r] = Share(y[r], a[r]);
    }

    /// <summary><see cref="Apply"/> as ONNX nodes on <paramref name="decoded"/> (each column's output node, [batch]); the target's entry is replaced.</summary>
    public void AddOnnx(OnnxGraph g, IReadOnlyList<GanColumn> columns, string[] decoded)
    {
        var target = (NumericColumn)columns[Target];
        var entry = (NumericColumn)columns[Entry];
        string ToDouble(string v, OnnxType t) => t == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)OnnxType.Double));
        string learned = ToDouble(decoded[Target], target.OutputType);
        string a = ToDouble(decoded[Entry], entry.OutputType);
        // Room: the entry within its range, the middle of it where missing (Clip passes NaN through, Where replaces it).
        a = g.Node("Max", [g.Node("Min", [a, g.Scalar(EntryHigh)]), g.Scalar(EntryLow)]);
        if (entry.HasMissing) a = g.Node("Where", [g.Node("IsNaN", [ToDouble(decoded[Entry], entry.OutputType)]), g.Scalar(EntryLow + (EntryHigh - EntryLow) / 2), a]);
        string room = g.Node("Sub", [g.Scalar(Limit), g.Node("Mul", [g.Scalar(Scale), a])]);
        string share = g.Node("Max", [g.Node("Min", [g.Node("Div", [learned, g.Scalar(Unit)]), g.Scalar(1.0)]), g.Scalar(0.0)]);
        string v = g.Node("Mul", [share, room]);
        if (Grid is { } grid) v = grid.AddOnnxRound(g, v);
        else if (IsInteger) v = g.Node("Round", [v]);
        v = g.Node("Max", [g.Node("Min", [v, g.Scalar(Maximum)]), g.Scalar(Minimum)]);
        if (target.HasMissing) v = g.Node("Where", [g.Node("IsNaN", [learned]), learned, v]);
        decoded[Target] = target.OutputType == OnnxType.Double ? v : g.Node("Cast", [v], ("to", (long)target.OutputType));
    }

    /// <summary>
    /// The bound <c>b + Scale × a ≤ Limit</c> the present pairs of <paramref name="a"/> and <paramref name="b"/> keep;
    /// null where there is none. <c>Scale</c> &gt; 0 is read off the rows where <c>b</c> is highest for its <c>a</c> (a
    /// least-squares line through the highest row of each tenth of the rows by <c>a</c>), <c>Limit</c> is the rows'
    /// highest <c>b + Scale × a</c>; a bound needs <see cref="MinimumNearShare"/> of the rows near it, reaching it all along
    /// <c>a</c> (their 10th and 90th percentiles of <c>a</c> <see cref="MinimumSpread"/> of its range apart), and
    /// <see cref="MinimumChance"/> of 20,000 values paired at random (seeded by <paramref name="seed"/>) past it.
    /// </summary>
    public static (double Scale, double Limit, double Near, double Range)? Read(double[] a, double[] b, int seed)
    {
        var rows = Enumerable.Range(0, Math.Min(a.Length, b.Length)).Where(r => !double.IsNaN(a[r]) && !double.IsNaN(b[r])).ToArray();
        if (rows.Length < MinimumRows) return null;
        double[] x = rows.Select(r => a[r]).ToArray(), y = rows.Select(r => b[r]).ToArray();
        if (x.Distinct().Count() < 8 || y.Distinct().Count() < 20) return null;
        // The highest row of each tenth of the rows by a: the bound's line where the rows reach it.
        var order = Enumerable.Range(0, x.Length).OrderBy(i => x[i]).ThenBy(i => i).ToArray();
        var top = new List<(double X, double Y)>();
        for (int t = 0; t < 10; t++)
        {
            int from = t * order.Length / 10, to = (t + 1) * order.Length / 10;
            if (to - from < 10) continue;
            int best = order[from];
            for (int k = from + 1; k < to; k++) if (y[order[k]] > y[best]) best = order[k];
            top.Add((x[best], y[best]));
        }
        if (top.Count < 5) return null;
        double mx = top.Average(p => p.X), my = top.Average(p => p.Y);
        double sxx = top.Sum(p => (p.X - mx) * (p.X - mx)), sxy = top.Sum(p => (p.X - mx) * (p.Y - my));
        if (!(sxx > 0) || !(sxy < 0)) return null;
        double scale = -sxy / sxx, limit = double.NegativeInfinity, range = y.Max() - y.Min();
        for (int i = 0; i < x.Length; i++) limit = Math.Max(limit, y[i] + scale * x[i]);
        if (!double.IsFinite(limit) || !double.IsFinite(scale) || !(range > 0)) return null;
        var near = Enumerable.Range(0, x.Length).Where(i => limit - scale * x[i] - y[i] <= Near * range).Select(i => x[i]).Order().ToArray();
        double nearShare = (double)near.Length / x.Length;
        if (nearShare < MinimumNearShare) return null;
        // The rows near it reach it all along a (entries of many years reach the study's end): rows that sit near it only
        // at one end of a (counties almost all white, whose black population is near 0) make no bound.
        if (near[(int)(0.9 * (near.Length - 1))] - near[(int)(0.1 * (near.Length - 1))] < MinimumSpread * (x.Max() - x.Min())) return null;
        // Values paired at random: a bound they seldom break is no more than the two columns' ranges.
        var random = new Random(seed);
        const int pairs = 20_000;
        int past = 0;
        for (int k = 0; k < pairs; k++) if (y[random.Next(y.Length)] + scale * x[random.Next(x.Length)] > limit) past++;
        return (double)past / pairs < MinimumChance ? null : (scale, limit, nearShare, range);
    }

    /// <summary>
    /// The study ends the training rows show (<paramref name="values"/>: each number column's first <paramref name="rows"/>
    /// values, null for a column that takes no part): for each column <paramref name="target"/> allows (whose values are
    /// never below 0, the least no further from 0 than the range spans: a time from its start), the bound on a column <paramref name="entry"/> allows (never missing) that <see cref="Read"/> finds
    /// on a sample of the rows with the most rows near it, made on every row; the targets with most rows near their bounds
    /// first, a target no other's entry. A column <paramref name="target"/> allows that lies at or below a target in
    /// every row where both are present and meets it in <see cref="MinimumMeeting"/> of them takes that target's bound.
    /// </summary>
    public static List<StudyEnd> Find(IReadOnlyList<string> names, IReadOnlyList<NumericKind?> kinds, IReadOnlyList<double[]?> values, int rows,
        Func<int, bool> target, Func<int, bool> entry, Func<int, NumericGranularity?> gridOf, int seed, Action checkAlive)
    {
        int n = values.Count;
        bool Number(int c) => values[c] is not null && kinds[c] is { } kind && kind is not TimeKind;
        bool Target(int c) => Number(c) && target(c) && UnitFor(kinds[c]!) > 0;
        var range = new (double Low, double High, bool Missing)[n];
        for (int c = 0; c < n; c++)
        {
            if (!Number(c)) continue;
            double low = double.PositiveInfinity, high = double.NegativeInfinity;
            bool missing = false;
            var v = values[c]!;
            for (int r = 0; r < rows; r++)
            {
                if (double.IsNaN(v[r])) { missing = true; continue; }
                low = Math.Min(low, v[r]);
                high = Math.Max(high, v[r]);
            }
            range[c] = (low, high, missing);
        }
        // A target is a time from its start: never below 0, its least value no further from 0 than its range spans (the year
        // of entry, below 2000 − months ÷ 12, is the same bound read the other way, and no share of anything).
        var targets = Enumerable.Range(0, n).Where(c => Target(c) && range[c].Low >= 0 && range[c].High > range[c].Low && range[c].Low <= range[c].High - range[c].Low).ToArray();
        var entries = Enumerable.Range(0, n).Where(c => Number(c) && entry(c) && !range[c].Missing && range[c].High > range[c].Low).ToArray();
        if (targets.Length == 0 || entries.Length == 0) return [];
        int stride = Math.Max(1, rows / SearchRows), count = rows / stride;
        var sampled = new double[]?[n];
        double[] Sampled(int c) => sampled[c] ??= Enumerable.Range(0, count).Select(i => values[c]![i * stride]).ToArray();
        var candidates = new List<(double Near, int Target, int Entry, double Scale)>();
        foreach (int b in targets)
            foreach (int a in entries)
            {
                if (a == b) continue;
                checkAlive();
                if (Read(Sampled(a), Sampled(b), seed) is { } bound) candidates.Add((bound.Near, b, a, bound.Scale));
            }
        var chosen = new Dictionary<int, (int Entry, double Scale, double Near)>();
        var entered = new HashSet<int>();
        foreach (var (near, b, a, scale) in candidates.OrderByDescending(c => c.Near).ThenBy(c => c.Target).ThenBy(c => c.Entry))
        {
            if (chosen.ContainsKey(b) || entered.Contains(b) || chosen.ContainsKey(a)) continue;
            chosen[b] = (a, scale, near);
            entered.Add(a);
        }
        StudyEnd Made(int t, int a, double scale, double near, double limit)
        {
            var kind = kinds[t]!;
            return new StudyEnd(t, names[t], a, names[a], scale, limit, range[a].Low, range[a].High, range[t].Low, range[t].High, gridOf(t),
                near, UnitFor(kind));
        }
        var found = new List<StudyEnd>();
        foreach (var (b, (a, scale, near)) in chosen.OrderBy(p => p.Key))
        {
            double limit = double.NegativeInfinity;
            double[] x = values[a]!, y = values[b]!;
            for (int r = 0; r < rows; r++) if (!double.IsNaN(y[r])) limit = Math.Max(limit, y[r] + scale * x[r]);
            found.Add(Made(b, a, scale, near, limit));
        }
        // A column below a target in every row, meeting it in some, takes the target's bound (in place of its own): the
        // targets with most rows near their bounds first, a target that has taken another's bound no longer lending its own.
        foreach (var upper in found.OrderByDescending(e => e.NearShare).ThenBy(e => e.Target).ToArray())
        {
            if (!found.Contains(upper)) continue;
            foreach (int c in targets)
            {
                if (c == upper.Target || entered.Contains(c) || found.FirstOrDefault(e => e.Target == c) is { } own && own.SameBound(upper)) continue;
                checkAlive();
                double[] y = values[upper.Target]!, lower = values[c]!;
                int both = 0, meet = 0;
                bool below = true;
                for (int r = 0; r < rows && below; r++)
                {
                    if (double.IsNaN(y[r]) || double.IsNaN(lower[r])) continue;
                    both++;
                    if (lower[r] > y[r]) below = false;
                    else if (lower[r] == y[r]) meet++;
                }
                if (!below || both < MinimumRows || meet < MinimumMeeting * both) continue;
                found.RemoveAll(e => e.Target == c);
                found.Add(Made(c, upper.Entry, upper.Scale, upper.NearShare, upper.Limit));
            }
        }
        return found.OrderBy(e => e.Target).ToList();
    }
}

/// <summary>A <see cref="StudyEnd"/> in a model file.</summary>
internal sealed class StudyEndState
{
    public string? Target { get; set; }
    public string? Entry { get; set; }
    public double Scale { get; set; }
    public double Limit { get; set; }
    public double EntryLow { get; set; }
    public double EntryHigh { get; set; }
    public double Minimum { get; set; }
    public double Maximum { get; set; }
    public long? GridUnits { get; set; }
    public int? GridDecimals { get; set; }
    public double Unit { get; set; }
    public double NearShare { get; set; }

    public static StudyEndState From(StudyEnd end) => new()
    {
        Target = end.TargetName, Entry = end.EntryName, Scale = end.Scale, Limit = end.Limit, EntryLow = end.EntryLow, EntryHigh = end.EntryHigh,
        Minimum = end.Minimum, Maximum = end.Maximum, GridUnits = end.Grid?.Units, GridDecimals = end.Grid?.Decimals, Unit = end.Unit, NearShare = end.NearShare,
    };

    /// <summary>
    /// The study ends of a model file, checked against its columns: a file from a stranger cannot make decoding read
    /// outside them, decode a value out of the target's type or make a target of a column twice or of another's entry.
    /// </summary>
    public static StudyEnd[] Restore(StudyEndState[]? states, IReadOnlyList<GanColumn> columns)
    {
        if (states is null) return [];
        if (states.Length > columns.Count) throw new InvalidDataException($"it lists {states.Length:N0} study ends, more than its {columns.Count} columns");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++) index[columns[c].Name] = c;
        var result = new StudyEnd[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i] ?? throw new InvalidDataException($"study end {i + 1} is null");
            string Where() => $"the study end of '{Common.Text.Printable(s.Target ?? "", 60)}' along '{Common.Text.Printable(s.Entry ?? "", 60)}'";
            if (s.Target is null || !index.TryGetValue(s.Target, out int t) || s.Entry is null || !index.TryGetValue(s.Entry, out int e) || t == e)
                throw new InvalidDataException($"{Where()} does not name two columns of the model");
            if (columns[t] is not NumericColumn { Kind: NumericKind kind and not TimeKind } || columns[e] is not NumericColumn { Kind: NumericKind and not TimeKind })
                throw new InvalidDataException($"{Where()} needs two number columns (not times)");
            double unit = StudyEnd.UnitFor(kind);
            if (unit == 0 || s.Unit != unit)
                throw new InvalidDataException($"{Where()} learns its share in units of {s.Unit}; a column of its type learns it in {(unit == 0 ? "none (a whole-number type must hold 10,000)" : $"units of {unit}")}");
            double[] numbers = [s.Scale, s.Limit, s.EntryLow, s.EntryHigh, s.Minimum, s.Maximum, s.NearShare];
            if (numbers.Any(v => !double.IsFinite(v) || Math.Abs(v) > 1e15) || !(s.Scale > 0) || !(s.EntryLow <= s.EntryHigh) || !(s.Minimum >= 0 && s.Minimum <= s.Maximum)
                || s.Maximum > kind.Highest || !(s.NearShare >= 0 && s.NearShare <= 1))
                throw new InvalidDataException($"{Where()} needs finite numbers (at most 10^15 in size), a scale above 0, an entry's range and a target's range from 0 within its type, and a share from 0 to 1");
            NumericGranularity? grid = null;
            if (s.GridUnits is { } units && s.GridDecimals is { } decimals) grid = new NumericGranularity(units, decimals, s.Minimum, s.Maximum, s.Target);
            else if (s.GridUnits is not null || s.GridDecimals is not null) throw new InvalidDataException($"{Where()} has half a grid");
            result[i] = new StudyEnd(t, s.Target, e, s.Entry, s.Scale, s.Limit, s.EntryLow, s.EntryHigh, s.Minimum, s.Maximum, grid, s.NearShare, unit);
        }
        foreach (var end in result)
        {
            if (result.Count(x => x.Target == end.Target) > 1)
                throw new InvalidDataException($"it lists two study ends of '{Common.Text.Printable(end.TargetName, 60)}'");
            if (result.Any(x => x.Target == end.Entry))
                throw new InvalidDataException($"the study end of '{Common.Text.Printable(end.TargetName, 60)}' falls along '{Common.Text.Printable(end.EntryName, 60)}', which is a study end's target itself");
        }
        return result;
    }
}
