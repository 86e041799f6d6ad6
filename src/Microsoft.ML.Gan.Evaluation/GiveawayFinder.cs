using System.Globalization;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Evaluation;

/// <summary>
/// Finds what gives synthetic rows away: for each column, and for each pair of columns, how well a detector that sees
/// only that column (or pair) tells synthetic rows from real ones, and which values (or combinations) make the
/// difference. The detector is a histogram: each value (a category, a discrete number, or a bin of the real
/// quantiles) scores by how much more often real rows have it than synthetic ones, learnt on one half of the rows
/// and measured, as a ROC AUC, on the other (and the other way round). It is the best detector that sees only
/// those values, so a column's AUC is what the column alone gives away.
/// </summary>
internal static class GiveawayFinder
{
    /// <summary>Quantile bins of a continuous column with many distinct values, alone.</summary>
    private const int Bins = 20;

    /// <summary>Quantile bins of such a column within a pair (fewer, so a pair's cells stay filled).</summary>
    private const int PairBins = 8;

    /// <summary>A numeric column with at most this many distinct real values is judged value by value.</summary>
    private const int MaximumDistinct = 64;

    private const int ValuesShown = 3;
    private const int PairsShown = 5;

    /// <summary>Combinations shown must make up at least this share of the synthetic rows.</summary>
    private const double NotableShare = 0.001;

    public static SyntheticDataGiveaways Find(EvaluationTable real, EvaluationTable synthetic, int[] evaluated, int seed)
    {
        var random = new Random(seed);
        var realHalf = Halves(real.RowCount, random);
        var syntheticHalf = Halves(synthetic.RowCount, random);

        var fine = evaluated.Select(c => Coding.For(real, synthetic, c, Bins)).ToArray();
        var fineAuc = fine.Select(coding => Split(coding.Real, coding.Synthetic, realHalf, syntheticHalf)).ToArray();
        var columns = fine.Select((coding, i) =>
        {
            var (realShares, syntheticShares) = Shares(coding.Real, coding.Synthetic, coding.Count);
            var ranked = Enumerable.Range(0, coding.Count).Where(k => realShares[k] > 0 || syntheticShares[k] > 0).ToList();
            ValueGiveaway Value(int k) => new(coding.Name(k), realShares[k], syntheticShares[k]);
            return new ColumnGiveaway(real.Columns[evaluated[i]].Name, fineAuc[i],
                ranked.Where(k => syntheticShares[k] > realShares[k]).OrderByDescending(k => syntheticShares[k] - realShares[k]).Take(ValuesShown).Select(Value).ToList(),
                ranked.Where(k => realShares[k] > syntheticShares[k]).OrderByDescending(k => realShares[k] - syntheticShares[k]).Take(ValuesShown).Select(Value).ToList(),
                Enumerable.Range(0, coding.Count).Where(coding.IsUnseen).Sum(k => syntheticShares[k]));
        }).OrderByDescending(c => c.DetectionAuc).ToList();

        // Within pairs, binned columns get fewer bins; categories and few-valued numbers keep their codes (and AUCs).
        var coarse = fine.Select((coding, i) => coding.Binned ? Coding.For(real, synthetic, evaluated[i], PairBins) : coding).ToArray();
        var alone = coarse.Select((coding, i) => coding.Binned ? Split(coding.Real, coding.Synthetic, realHalf, syntheticHalf) : fineAuc[i]).ToArray();
        var pairs = new List<(int I, int J)>();
        for (int i = 0; i < coarse.Length; i++) for (int j = i + 1; j < coarse.Length; j++) pairs.Add((i, j));
        var pairResults = new PairGiveaway[pairs.Count];
        Parallel.For(0, pairs.Count, p =>
        {
            var (i, j) = pairs[p];
            var (a, b) = (coarse[i], coarse[j]);
            var realCodes = Combine(a.Real, b.Real, b.Count);
            var syntheticCodes = Combine(a.Synthetic, b.Synthetic, b.Count);
            double auc = Split(realCodes, syntheticCodes, realHalf, syntheticHalf);
            // Combinations the synthetic rows have and the real rows never do, by their share of the synthetic rows.
            var realSeen = realCodes.ToHashSet();
            var unseen = syntheticCodes.Where(code => !realSeen.Contains(code)).GroupBy(code => code)
                .Select(g => (Code: g.Key, Share: (double)g.Count() / syntheticCodes.Length))
                .Where(x => x.Share >= NotableShare).OrderByDescending(x => x.Share).Take(ValuesShown)
                .Select(x => new ValueGiveaway($"{a.Name((int)(x.Code / b.Count))} with {b.Name((int)(x.Code % b.Count))}", 0, x.Share)).ToList();
            pairResults[p] = new PairGiveaway(real.Columns[evaluated[i]].Name, real.Columns[evaluated[j]].Name, auc, auc - Math.Max(alone[i], alone[j]), unseen);
        });
        var shownPairs = pairResults.OrderByDescending(p => p.Gain).ThenByDescending(p => p.DetectionAuc).Take(PairsShown).ToList();
        return new SyntheticDataGiveaways(columns, shownPairs, Formulas(real, synthetic, evaluated), Combinations(real, synthetic, evaluated), Trends(real, synthetic, evaluated),
            Thresholds(real, synthetic, evaluated)) { Missing = Missing(real, synthetic, evaluated), Bounds = Bounds(real, synthetic, evaluated, seed) };
    }

    /// <summary>How far past the bound a synthetic row must lie to break it, as a share of the bounded column's real range (the bound is read off a sample).</summary>
    internal const double BoundSlack = 0.01;

    private const int BoundsShown = 5;

    /// <summary>
    /// Bounds between two number columns that the real rows keep: <c>b + s × a ≤ K</c> in every real row, with
    /// <c>s</c> &gt; 0 read off the rows where <c>b</c> is highest for its <c>a</c> (a least-squares line through the highest
    /// row of each tenth of <c>a</c>), a tenth of the rows or more near the bound, reaching it all along <c>a</c> (their
    /// 10th and 90th percentiles of <c>a</c> a quarter of its range apart or more), and a bound that a twentieth of the
    /// values paired at random would break: a study's end, which a follow-up from a later entry reaches sooner
    /// (mgus2's months of follow-up + 12 × the year of diagnosis, never past the end of 1999). Each with the share of synthetic rows past it by more than <see cref="BoundSlack"/> of
    /// <c>b</c>'s range; of the two ways to read a pair's bound, the one with more rows near it; at most five, those
    /// broken most first. Dates are left to the orders.
    /// </summary>
    private static List<BoundGiveaway> Bounds(EvaluationTable real, EvaluationTable synthetic, int[] evaluated, int seed)
    {
        var numbers = evaluated.Where(c => real.Columns[c].Kind is NumericKind and not TimeKind && real.Continuous[c] is not null).ToArray();
        var found = new Dictionary<(int, int), (BoundGiveaway Bound, double Near)>();
        foreach (int a in numbers)
            foreach (int b in numbers)
            {
                if (a == b || Bound(real.Continuous[a]!, real.Continuous[b]!, seed) is not { } bound) continue;
                var key = (Math.Min(a, b), Math.Max(a, b));
                if (found.TryGetValue(key, out var known) && known.Near >= bound.Near) continue;
                double[] sa = synthetic.Continuous[a]!, sb = synthetic.Continuous[b]!;
                int checkedRows = 0, broken = 0;
                for (int r = 0; r < synthetic.RowCount; r++)
                {
                    if (double.IsNaN(sa[r]) || double.IsNaN(sb[r])) continue;
                    checkedRows++;
                    if (sb[r] + bound.Scale * sa[r] > bound.Limit + BoundSlack * bound.Range) broken++;
                }
                found[key] = (new BoundGiveaway(real.Columns[b].Name, real.Columns[a].Name, bound.Scale, bound.Limit, bound.Near, checkedRows,
                    checkedRows > 0 ? (double)broken / checkedRows : 0), bound.Near);
            }
        return found.Values.Select(f => f.Bound).OrderByDescending(f => f.BrokenShare).ThenBy(f => f.Column, StringComparer.Ordinal).Take(BoundsShown).ToList();
    }

    /// <summary>The bound <c>b + Scale × a ≤ Limit</c> the rows of <paramref name="a"/> and <paramref name="b"/> keep, as training reads a study's end (<see cref="StudyEnd.Read"/>); null where there is none.</summary>
    internal static (double Scale, double Limit, double Near, double Range)? Bound(double[] a, double[] b, int seed) => StudyEnd.Read(a, b, seed);

    /// <summary>
    /// The number columns missing in every real row another misses (<see cref="MissingTogether.Find"/>, on the real rows),
    /// with the share of synthetic rows that break each: the other missing and the column present, or, for columns
    /// missing in the same rows, either without the other.
    /// </summary>
    private static List<MissingGiveaway> Missing(EvaluationTable real, EvaluationTable synthetic, int[] evaluated)
    {
        var values = evaluated.Select(c => real.Columns[c].Kind is NumericKind ? real.Continuous[c] : null).ToArray();
        return MissingTogether.Find(values, i => values[i] is not null, () => { }).Select(link =>
        {
            var (follower, leader) = (synthetic.Continuous[evaluated[link.Follower]]!, synthetic.Continuous[evaluated[link.Leader]]!);
            int broken = Enumerable.Range(0, synthetic.RowCount).Count(r => double.IsNaN(leader[r]) ? !double.IsNaN(follower[r]) : !link.Elsewhere && double.IsNaN(follower[r]));
            return new MissingGiveaway(real.Columns[evaluated[link.Follower]].Name, real.Columns[evaluated[link.Leader]].Name, link.Elsewhere,
                synthetic.RowCount > 0 ? (double)broken / synthetic.RowCount : 0);
        }).ToList();
    }

    /// <summary>
    /// The categorical columns that thresholds on others fix in the real rows (<see cref="CategoryThresholds.Find"/>, on
    /// the real rows: a bin of a number, a code made of several bins) or that step along a number within each entity
    /// (<see cref="CategorySteps.Find"/>: a state's law along the years), with the share of synthetic rows whose category
    /// is not the one their values give.
    /// </summary>
    private static List<ThresholdGiveaway> Thresholds(EvaluationTable real, EvaluationTable synthetic, int[] evaluated)
    {
        var columns = evaluated.Select(c =>
        {
            var column = real.Columns[c];
            return column.Kind is NumericKind kind
                ? new ThresholdColumn(column.Name, 0, kind, real.Continuous[c]!.Any(double.IsNaN))
                : new ThresholdColumn(column.Name, column.RealCategoryCount, null, false);
        }).ToArray();
        var codes = evaluated.Select<int, (int[], double[])?>(c =>
        {
            if (real.Codes[c] is { } categories)
                return (categories, Enumerable.Range(0, real.Columns[c].RealCategoryCount).Select(k => (double)k).ToArray());
            return DenseCodes(real.Continuous[c]!);
        }).ToArray();
        var found = CategoryThresholds.Find(columns, codes, real.RowCount, [], _ => false, () => { });
        // And those that step along a number within each entity (a state's law along the years), as trees too.
        found.AddRange(CategorySteps.Find(columns, codes, real.RowCount, [], _ => false, found, () => { }).Select(s => s.Tree));
        return found.Select(tree =>
        {
            var target = synthetic.Codes[evaluated[tree.Target]]!;
            var features = tree.Features.Select(f => synthetic.Continuous[evaluated[f]] ?? synthetic.Codes[evaluated[f]]!.Select(k => (double)k).ToArray()).ToArray();
            int broken = 0;
            for (int r = 0; r < synthetic.RowCount; r++) if (tree.Classify(features, r) != target[r]) broken++;
            return new ThresholdGiveaway(tree.ToInfo(), synthetic.RowCount > 0 ? (double)broken / synthetic.RowCount : 0);
        }).ToList();
    }

    /// <summary>A number column's rows as codes of its distinct values (ascending; NaN, if any, first), with those values.</summary>
    private static (int[] Codes, double[] Values) DenseCodes(double[] v)
    {
        var values = v.Distinct().Order().ToArray();
        var index = new Dictionary<double, int>(values.Length);
        for (int i = 0; i < values.Length; i++) index[values[i]] = i;
        return (v.Select(x => index[x]).ToArray(), values);
    }

    /// <summary>The share of real rows a trend's band holds: the rest lie farther from it than any synthetic row need.</summary>
    internal const double TrendBandShare = 0.99;

    /// <summary>
    /// The trends the real rows follow (<see cref="NumericTrend.Find"/> with terms, on the real rows' numbers: a number
    /// another all but determines along a curve, plus other numbers in proportion), each with the distance from it that
    /// holds <see cref="TrendBandShare"/> of the real rows and the share of synthetic rows farther than that.
    /// </summary>
    private static List<TrendGiveaway> Trends(EvaluationTable real, EvaluationTable synthetic, int[] evaluated)
    {
        var names = evaluated.Select(c => real.Columns[c].Name).ToArray();
        var kinds = evaluated.Select(c => real.Columns[c].Kind as NumericKind).ToArray();
        // Copies: the search replaces each target's values by its residuals.
        var values = evaluated.Select((c, i) => kinds[i] is null || real.Continuous[c] is not { } v ? null : (double[])v.Clone()).ToArray();
        // Curves within categories too: each categorical column of 2 to 100 categories in the real rows (missing one of them).
        var categories = evaluated.Select(c => real.Codes[c] is { } codes && real.Columns[c].RealCategoryCount is >= 2 and <= NumericTrend.MaximumCategories
            ? new CategoryCodes(codes, real.Columns[c].RealCategoryCount) : null).ToArray();
        var trends = NumericTrend.Find(names, kinds, values, real.RowCount, granularity: false, _ => false, () => { }, terms: true, ratios: true, categories: categories);
        return trends.Select(t =>
        {
            // The band is read from the real rows' distances as the synthetic rows' are measured (the trend's curve):
            // the search's own residuals round differently in the last bits, and against an exact trend's band of 0
            // that difference alone put every row, real ones included, outside it.
            var realDistances = Distances(t, real, evaluated).Where(double.IsFinite).Order().ToArray();
            double band = realDistances.Length == 0 ? 0 : realDistances[Math.Min(realDistances.Length - 1, (int)Math.Ceiling(TrendBandShare * realDistances.Length) - 1)];
            int checkedRows = 0, outside = 0;
            foreach (double d in Distances(t, synthetic, evaluated))
            {
                if (double.IsNaN(d)) continue;
                checkedRows++;
                if (!(d <= band)) outside++;
            }
            return new TrendGiveaway(t.ToInfo(), band, checkedRows, checkedRows > 0 ? (double)outside / checkedRows : 0);
        }).ToList();
    }

    /// <summary>Each row's distance from <paramref name="trend"/>: NaN where its target is missing, +∞ where the trend cannot be read.</summary>
    private static IEnumerable<double> Distances(NumericTrend trend, EvaluationTable table, int[] evaluated)
    {
        var y = table.Continuous[evaluated[trend.Target]]!;
        var x = table.Continuous[evaluated[trend.Anchor]]!;
        var per = trend.IsRatio ? table.Continuous[evaluated[trend.Per]]! : null;
        var categories = trend.IsWithin ? table.Codes[evaluated[trend.Within]]! : null;
        int known = trend.IsWithin ? table.Columns[evaluated[trend.Within]].RealCategoryCount : 0;
        var terms = trend.Terms.Select(z => table.Continuous[evaluated[z.Column]]!).ToArray();
        var z = new double[terms.Length];
        for (int r = 0; r < table.RowCount; r++)
        {
            if (double.IsNaN(y[r])) { yield return double.NaN; continue; }
            for (int k = 0; k < z.Length; k++) z[k] = terms[k][r];
            // A category the real rows never had has no curve.
            if (categories is not null && categories[r] >= known) { yield return double.PositiveInfinity; continue; }
            double d = Math.Abs(y[r] - trend.Curve(per is null ? x[r] : trend.AxisValue(x[r], per[r]), z, categories?[r] ?? -1));
            yield return double.IsNaN(d) ? double.PositiveInfinity : d;
        }
    }

    /// <summary>
    /// The combinations of number columns the real rows come in (<see cref="NumericCombination.Find"/>, on the real rows'
    /// numbers: an entity's attributes each of its rows repeats), with the share of synthetic rows that hold none of them.
    /// </summary>
    private static List<CombinationGiveaway> Combinations(EvaluationTable real, EvaluationTable synthetic, int[] evaluated)
    {
        var names = evaluated.Select(c => real.Columns[c].Name).ToArray();
        var codes = evaluated.Select(c =>
        {
            if (real.Columns[c].Kind is not NumericKind or TimeKind || real.Continuous[c] is not { } v || v.Any(double.IsNaN)) return null;
            return ((int[], double[])?)DenseCodes(v);
        }).ToArray();
        var found = NumericCombination.Find(names, codes, real.RowCount, _ => false, (_, _) => false, () => { });
        return found.Select(f =>
        {
            var made = f.Columns.Select(i => synthetic.Continuous[evaluated[i]]!).ToArray();
            return new CombinationGiveaway(f.ToInfo(), synthetic.RowCount > 0 ? (double)f.Broken(made, synthetic.RowCount) / synthetic.RowCount : 0);
        }).ToList();
    }

    /// <summary>
    /// The formulas every real row keeps (<see cref="NumericFormula.Find"/>, on the real rows' numbers, grids and
    /// categories: offsets too), with the share of synthetic rows that break each.
    /// </summary>
    private static List<FormulaGiveaway> Formulas(EvaluationTable real, EvaluationTable synthetic, int[] evaluated)
    {
        var names = evaluated.Select(c => real.Columns[c].Name).ToArray();
        var kinds = evaluated.Select(c => real.Columns[c].Kind as NumericKind).ToArray();
        var values = evaluated.Select((c, i) => kinds[i] is null ? null : real.Continuous[c]).ToArray();
        var decimals = values.Select((v, i) => v is null ? null : NumericGranularity.Fit(v, kinds[i]!.Stored)?.Decimals).ToArray();
        // Offsets read a categorical column's category: its code, which the real and synthetic rows share.
        var categories = evaluated.Select((c, i) => kinds[i] is null && real.Codes[c] is { } codes ? new CategoryCodes(codes, real.Columns[c].CategoryCount) : null).ToArray();
        var formulas = NumericFormula.Find(names, kinds, values, decimals, real.RowCount, _ => false, () => { }, categories: categories);
        var made = evaluated.Select((c, i) => kinds[i] is not null ? synthetic.Continuous[c] : synthetic.Codes[c] is { } codes ? Array.ConvertAll(codes, x => (double)x) : null).ToArray();
        return formulas.Select(f =>
        {
            var (complete, broken) = f.Check(made, kinds[f.Target]!, synthetic.RowCount);
            return new FormulaGiveaway(f.ToInfo(), complete, complete > 0 ? (double)broken / complete : 0);
        }).ToList();
    }

    /// <summary>Each row's half (0 or 1), drawn with the seed.</summary>
    private static bool[] Halves(int rows, Random random)
    {
        var half = new bool[rows];
        for (int i = 0; i < rows; i++) half[i] = random.Next(2) == 1;
        return half;
    }

    private static long[] Combine(long[] a, long[] b, int bCount)
    {
        var combined = new long[a.Length];
        for (int i = 0; i < a.Length; i++) combined[i] = a[i] * bCount + b[i];
        return combined;
    }

    private static (double[] Real, double[] Synthetic) Shares(long[] real, long[] synthetic, int count)
    {
        var r = new double[count];
        var s = new double[count];
        foreach (long k in real) r[k]++;
        foreach (long k in synthetic) s[k]++;
        for (int k = 0; k < count; k++)
        {
            r[k] /= Math.Max(1, real.Length);
            s[k] /= Math.Max(1, synthetic.Length);
        }
        return (r, s);
    }

    /// <summary>The histogram detector's AUC, learnt on each half and measured on the other, averaged.</summary>
    private static double Split(long[] real, long[] synthetic, bool[] realHalf, bool[] syntheticHalf) =>
        (HalfAuc(real, synthetic, realHalf, syntheticHalf, learnOn: false) + HalfAuc(real, synthetic, realHalf, syntheticHalf, learnOn: true)) / 2;

    private static double HalfAuc(long[] real, long[] synthetic, bool[] realHalf, bool[] syntheticHalf, bool learnOn)
    {
        // Counts per code: learnt (real, synthetic) and measured (real, synthetic).
        var cells = new Dictionary<long, (long LearnReal, long LearnSynthetic, long TestReal, long TestSynthetic)>();
        long learnReal = 0, learnSynthetic = 0, testReal = 0, testSynthetic = 0;
        for (int i = 0; i < real.Length; i++)
        {
            var c = cells.GetValueOrDefault(real[i]);
            if (realHalf[i] == learnOn) { c.LearnReal++; learnReal++; } else { c.TestReal++; testReal++; }
            cells[real[i]] = c;
        }
        for (int i = 0; i < synthetic.Length; i++)
        {
            var c = cells.GetValueOrDefault(synthetic[i]);
            if (syntheticHalf[i] == learnOn) { c.LearnSynthetic++; learnSynthetic++; } else { c.TestSynthetic++; testSynthetic++; }
            cells[synthetic[i]] = c;
        }
        if (testReal == 0 || testSynthetic == 0) return 0.5;
        // A value's score: the log ratio of its smoothed real and synthetic frequencies (higher = more real-like).
        int k = cells.Count;
        var scored = cells.Values.Select(c => (
            Score: Math.Log((c.LearnReal + 0.5) / (learnReal + 0.5 * k)) - Math.Log((c.LearnSynthetic + 0.5) / (learnSynthetic + 0.5 * k)),
            c.TestReal, c.TestSynthetic)).OrderBy(x => x.Score).ToList();
        // AUC = P(a real row scores above a synthetic one) + half the ties, over groups of equal score.
        double pairs = 0;
        long syntheticBelow = 0;
        for (int g = 0; g < scored.Count;)
        {
            long groupReal = 0, groupSynthetic = 0;
            int end = g;
            while (end < scored.Count && scored[end].Score == scored[g].Score)
            {
                groupReal += scored[end].TestReal;
                groupSynthetic += scored[end].TestSynthetic;
                end++;
            }
            pairs += groupReal * (syntheticBelow + 0.5 * groupSynthetic);
            syntheticBelow += groupSynthetic;
            g = end;
        }
        return pairs / ((double)testReal * testSynthetic);
    }

    /// <summary>A column's values as codes shared by the real and synthetic rows, and each code's name.</summary>
    private sealed class Coding
    {
        private readonly Func<int, string> _name;

        private readonly Func<int, bool> _unseen;

        private Coding(long[] real, long[] synthetic, int count, Func<int, string> name, Func<int, bool> unseen, bool binned = false)
        {
            Binned = binned;
            Real = real;
            Synthetic = synthetic;
            Count = count;
            _name = name;
            _unseen = unseen;
        }

        public long[] Real { get; }
        public long[] Synthetic { get; }
        public int Count { get; }

        /// <summary>Whether the codes are bins between quantiles (whose number depends on the bins asked for).</summary>
        public bool Binned { get; }

        public string Name(int code) => _name(code);

        /// <summary>Whether a code stands for values (or a category) the real rows never have.</summary>
        public bool IsUnseen(int code) => _unseen(code);

        public static Coding For(EvaluationTable real, EvaluationTable synthetic, int column, int bins)
        {
            var info = real.Columns[column];
            if (real.Codes[column] is { } realCodes)
            {
                // Categories: the real ones first; a code at or above RealCategoryCount is one the real rows never have.
                var syntheticCodes = synthetic.Codes[column]!;
                int count = Math.Max(info.CategoryCount, 1);
                return new Coding(realCodes.Select(c => (long)c).ToArray(), syntheticCodes.Select(c => (long)c).ToArray(), count,
                    code => code >= info.RealCategoryCount ? $"{info.CategoryName(code)} (not in the real rows)" : info.CategoryName(code),
                    code => code >= info.RealCategoryCount);
            }
            var r = real.Continuous[column]!;
            var s = synthetic.Continuous[column]!;
            Func<double, string> format = ((NumericKind)info.Kind).Format;
            var seen = new HashSet<double>();
            long present = 0;
            foreach (double v in r)
            {
                if (double.IsNaN(v)) continue;
                present++;
                seen.Add(v);
            }
            const string Unseen = "values the real rows never have";
            if (seen.Count <= MaximumDistinct)
            {
                // Few values: each is a code, then one for any value the real rows never have, then missing.
                var values = seen.Order().ToArray();
                var index = values.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
                int unseen = values.Length, missing = values.Length + 1;
                long Code(double v) => double.IsNaN(v) ? missing : index.TryGetValue(v, out int i) ? i : unseen;
                return new Coding(r.Select(Code).ToArray(), s.Select(Code).ToArray(), values.Length + 2,
                    code => code < values.Length ? format(values[code]) : code == unseen ? Unseen : EvaluationColumn.MissingName, code => code == unseen);
            }
            // Many values: bins between the real quantiles, then missing; where the real values repeat (whole numbers,
            // a few prices), a value they never have gets a code of its own, so generated 40.49s show.
            bool discrete = seen.Count * 20L <= present;
            var edges = ColumnStatistics.QuantileEdges(r, bins);
            int missingBin = edges.Length + 1, unseenBin = edges.Length + 2;
            string Range(int code) =>
                code == unseenBin ? Unseen
                : code == missingBin ? EvaluationColumn.MissingName
                : edges.Length == 0 ? "all values"
                : code == 0 ? $"below {format(edges[0])}"
                : code == edges.Length ? $"{format(edges[^1])} and above"
                : $"{format(edges[code - 1])} to {format(edges[code])}";
            long[] Codes(double[] values)
            {
                var bin = ColumnStatistics.Bin(values, edges);
                var codes = new long[values.Length];
                for (int i = 0; i < values.Length; i++) codes[i] = discrete && !double.IsNaN(values[i]) && !seen.Contains(values[i]) ? unseenBin : bin[i];
                return codes;
            }
            return new Coding(Codes(r), Codes(s), edges.Length + 3, Range, code => code == unseenBin, binned: true);
        }
    }
}
