using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// After training, each column's generated marginal is made the training one (<see cref="GanTrainer.Options.ExactMarginals"/>).
/// The trained generator makes rows once, as <c>Generate</c> makes them (noise and draws from a seed of their own,
/// conditions as the data have them); on those rows:
/// <list type="number">
/// <item>shares: each category's logit gets a bias, and each numeric column with missing values its missing logit (but
/// a column missing in exactly its leader's rows; one missing elsewhere too, for its share of the rows its leader is
/// present in), so
/// that the generated shares (counted after the column dependencies have set their targets) come out as the training shares (a few rounds of a multiplicative correction, each
/// adding log(training share ÷ generated share));</item>
/// <item>numbers: each mapped numeric column's values before the map, with the missing rate as now generated, give the
/// generator's own quantiles (<see cref="MarginalMap"/>); a grouped map's, within each group too, each row placed by its
/// decoded category; a column that rules set in some rows, from the rows they leave to the map;</item>
/// <item>levels (<see cref="EntityLevel.Calibration"/>): each level's target as the levels decode it from the mapped
/// distances, for its map after the level; then the trends' maps after them (<see cref="NumericTrend.Calibration"/>)
/// on the values they make;</item>
/// <item>with column dependencies, the shares again, maps in place: a rule keyed on a number fires as often as the
/// mapped number holds its keys.</item>
/// </list>
/// A model with a density-ratio filter is calibrated once more, through it: every count and quantile weighs each row
/// by its keep probability, so the rows generation keeps have the training marginals. The maps move the rows the filter
/// keeps, so maps and shares are corrected in passes: at least <see cref="FilterPasses"/>, and more, up to
/// <see cref="MaximumFilterPasses"/>, while the keep weights still move the mapped columns (<see cref="PassTolerance"/>);
/// passes that do not settle end as the pass that moved them least left the model. The filter's keep rate is measured
/// again on the way. Through a filter the
/// shares conditions are drawn with are corrected too (<see cref="CategoricalColumn.ConditionShares"/>): a row whose
/// condition fixes its category is kept as often as the filter likes that category, which no logit bias changes
/// (txhousing, whose one categorical column is conditioned in every row, kept some cities half as often as others).
/// The rows are not made again for that: each counts with the ratio of its condition's new share to the share it was
/// drawn with (importance weights). A number of few exact values (<see cref="SteeredValues"/>, nafld1's 0/1 sex) is
/// steered there too, like a category's logits (<see cref="ValueSteering"/>): a map moves rows across its values, and
/// the filter keeps the moved rows as often as it likes them, not as often as the rows they joined, so maps and shares
/// alone left such a column's kept shares short of the training ones.
/// </summary>
internal static class MarginalCalibration
{
    private const int Batch = 4096;

    /// <summary>The most exact values a mapped number may have to have its shares steered through a filter (<see cref="ValueSteering"/>).</summary>
    public const int SteeredValues = 10;

    /// <summary>Rounds of the share correction always made.</summary>
    public const int ShareRounds = 5;

    /// <summary>
    /// The most rounds of the share correction without a filter: past <see cref="ShareRounds"/>, rounds go on while a
    /// category's share (or a number's missing share) is more than <see cref="ShareTolerance"/> off its training share.
    /// A round moves a share by less than its whole gap where the generator's logits answer a bias weakly:
    /// TitanicSurvival's seed-1 model left its three categories 0.973-0.988 (1 − TVD) after five rounds, and 0.999-1.000
    /// after twenty. Through a filter the correction keeps its five rounds a call: with more, the passes through the
    /// filter and the steered numbers moved further (nafld1's <c>bmi</c> 0.979 → 0.965, Arrests' <c>year</c> 0.994 →
    /// 0.974 on fresh rows).
    /// </summary>
    public const int MaximumShareRounds = 20;

    /// <summary>How far off its training share a category's share (or a missing share) may end the share correction: 0.2 points.</summary>
    public const double ShareTolerance = 0.002;

    /// <summary>Through a filter, the passes of maps and shares always made (the maps move the rows the filter keeps, and so the shares).</summary>
    public const int FilterPasses = 2;

    /// <summary>
    /// Through a filter, the most passes of maps and shares. A pass's maps are fitted on the rows' keep weights as the
    /// pass found them, and the filter then keeps the mapped rows as often as it likes their new values: on a table of
    /// columns that move together, where the filter reads them together, two passes left the kept rows short of the
    /// training shapes (diamonds' carat, price and sizes 0.979-0.980 in calibration's rows, where each pass had gained a
    /// point or two). Passes past <see cref="FilterPasses"/> are made while the last one's weights still moved a mapped
    /// column by <see cref="PassTolerance"/> or more.
    /// </summary>
    public const int MaximumFilterPasses = 4;

    /// <summary>
    /// How far a pass may leave a mapped column's kept rows from the weights its maps were fitted on (the largest
    /// Kolmogorov-Smirnov distance between the column's values weighed the two ways) and end the passes: a hundredth.
    /// Of 23 filtered tables' seed-1 models, 17 end at two passes (0.0000-0.0074); diamonds', nafld1's, flchain's,
    /// txhousing's, CES11's and Arrests' pass on.
    /// </summary>
    public const double PassTolerance = 0.01;

    /// <summary>The most one round moves a logit.</summary>
    private const double StepLimit = 3;

    /// <summary>
    /// The model with its columns' shares and maps calibrated; the model itself when there is nothing to calibrate.
    /// With <paramref name="trace"/>, each column's shape is recorded after each stage (<see cref="CalibrationTrace"/>).
    /// </summary>
    public static GanModel Run(GanModel model, int seed, Action checkAlive, CalibrationTrace? trace = null)
    {
        var encoder = model.Encoder;
        var columns = encoder.Columns.ToArray();
        var trends = encoder.Trends.ToArray();
        var levels = encoder.EntityLevels.ToArray();
        TabularEncoder Current() => encoder.WithColumns(columns).WithTrends(trends).WithEntityLevels(levels);
        bool Shares(GanColumn c) => c is CategoricalColumn || c is NumericColumn { HasMissing: true };
        if (!columns.Any(c => Shares(c) || c is NumericColumn { Marginal: not null })) return model;

        // One pass of the generator, kept for every step below; fewer rows for very wide tables, to bound the memory.
        // (Through a filter that keeps few rows, more candidates did not help: txhousing, keeping 8 %, scored the same
        // column shapes from 50,000 candidates as from 133,000.)
        int rows = Math.Clamp(20_000_000 / Math.Max(1, encoder.Width), 10_000, MarginalMap.CalibrationRows);
        var (output, draws, entries) = Outputs(model, rows, (ulong)(uint)seed ^ 0x4D41_5247_494E_414CUL, checkAlive); // its own stream, apart from training's and Generate's

        var sampling = model.Training.CategorySampling;
        var decoded = new DecodedRows(encoder, rows); // the same buffers every round: recalibrated columns decode to the same types
        var chosen = encoder.Thresholds.Count > 0 ? new DecodedRows(encoder, rows) : null; // with trees: the rows as the generator chose their categories
        var filter = model.Filter;
        float[]? weights = null; // with a filter: each row's keep probability, as the rows were last decoded, times its condition's importance weight
        // Through a filter: the condition shares the rows were drawn with, and each condition entry's current share.
        var layout = model.Layout;
        var drawnShares = filter is null || model.Signature.ConditionWidth == 0 ? null : layout.Columns.SelectMany(b => b.Frequencies).ToArray();
        var conditionShares = drawnShares?.ToArray();
        Trace("generator");
        CorrectShares();
        Trace("shares");
        // Through a filter, the maps change the rows it keeps and so the shares: maps and shares are corrected in passes
        // (see FilterPasses).
        bool grouped = Enumerable.Range(0, columns.Length).Any(c => encoder.GroupOf(c) >= 0);
        var byCode = Enumerable.Range(0, columns.Length).Select(c => encoder.GroupOf(c) >= 0 && columns[encoder.GroupOf(c)] is NumericColumn).ToArray();
        bool ruled = columns.Any(c => c is NumericColumn { Marginal.FreeRows: true });
        var mapped = Enumerable.Range(0, columns.Length).Where(c => columns[c] is NumericColumn { Marginal: not null }).ToArray();
        (GanColumn[] Columns, NumericTrend[] Trends, EntityLevel[] Levels, double[]? Shares, float[]? Weights, double Moved)? best = null;
        double lastMoved = 0;
        for (int pass = 0; pass < (filter is null ? 1 : MaximumFilterPasses); pass++)
        {
            var fittedOn = weights;
            // A grouped map is calibrated on each row's category as the corrected shares now decode it, and a number that
            // rules set in some rows on the rows they leave to it.
            if (grouped || ruled) Current().Decode(output, draws, rows, sampling, decoded);
            if (grouped && chosen is not null) Current().WithoutThresholds().Decode(output, draws, rows, sampling, chosen);
            var leaders = Current(); // the leaders' heads, which the maps below leave as they are
            var missingOf = new bool[]?[columns.Length];
            for (int c = 0; c < columns.Length; c++)
            {
                if (columns[c] is not NumericColumn { Marginal: not null } numeric || byCode[c]) continue;
                checkAlive();
                int group = encoder.GroupOf(c);
                // (A group a tree sets: the generator's own category, which decoding maps the column within.)
                columns[c] = numeric.WithGeneratedMarginal(FreeRows(c, Unmapped(c, leaders, missingOf)), weights,
                    group < 0 ? null : (encoder.SetByThresholds(group) ? chosen! : decoded).Levels(group));
            }
            string pass1 = filter is null ? "" : $" ({pass + 1})";
            Trace("maps" + pass1);
            // A map grouped by a number of few values after that number's own map: its rows' categories are the values
            // the number decodes to with its map in place.
            if (byCode.Any(b => b))
            {
                checkAlive();
                var current = Current();
                current.Decode(output, draws, rows, sampling, decoded);
                for (int c = 0; c < columns.Length; c++)
                    if (byCode[c])
                        columns[c] = ((NumericColumn)columns[c]).WithGeneratedMarginal(FreeRows(c, Unmapped(c, leaders, missingOf)), weights,
                            current.GroupLevels(decoded, encoder.GroupOf(c), 0, rows));
                Trace("maps by a number's values" + pass1);
            }
            // A level's map after it (EntityLevel.Calibration): on the values the levels make from the distances as generation
            // now decodes them, before the trends and formulas that read them.
            var mappedLevels = Enumerable.Range(0, levels.Length).Where(i => levels[i].Calibration is not null).ToArray();
            if (mappedLevels.Length > 0)
            {
                checkAlive();
                foreach (int i in mappedLevels) levels[i] = levels[i].WithoutGeneratedCalibration();
                Current().Decode(output, draws, rows, sampling, decoded);
                foreach (int i in mappedLevels) levels[i] = levels[i].WithGeneratedCalibration(decoded.Numbers(levels[i].Target), weights);
                Trace("levels" + pass1);
            }
            // A trend's map after it (NumericTrend.Calibration): on the values the trend makes from the rows as generation
            // decodes them, the columns' maps above in place; the trends before the formulas first, since a trend after
            // them may read what the formulas made from those.
            for (int stage = 0; stage < 2; stage++)
            {
                var inStage = Enumerable.Range(0, trends.Length)
                    .Where(i => trends[i].Calibration is not null && trends[i].AppliesAfter(encoder.Formulas) == (stage == 1)).ToArray();
                if (inStage.Length == 0) continue;
                checkAlive();
                foreach (int i in inStage) trends[i] = trends[i].WithoutGeneratedCalibration();
                Current().Decode(output, draws, rows, sampling, decoded);
                foreach (int i in inStage) trends[i] = trends[i].WithGeneratedCalibration(decoded.Numbers(trends[i].Target), weights);
                Trace((stage == 0 ? "trends" : "trends after formulas") + pass1);
            }
            // A dependency on a number fires as often as the mapped number holds its keys: the shares it sets move with
            // the maps, so they are corrected again with the maps in place.
            if (encoder.Dependencies.Count > 0 || filter is not null)
            {
                CorrectShares();
                Trace("shares again" + pass1);
            }
            if (filter is null) continue;
            // How far the rows' keep weights, as the pass's maps and shares left them, moved each mapped column's kept
            // rows off the weights its map was fitted on (the shares' last round decoded the rows as they now stand).
            double moved = fittedOn is null || weights is null ? 1 : mapped.Select(c => ColumnStatistics.KolmogorovSmirnovOfWeights(decoded.Numbers(c).AsSpan(0, rows), fittedOn, weights)).DefaultIfEmpty(0).Max();
            trace?.Note($"pass {pass + 1} moved the mapped columns' kept rows by up to {moved:F4}");
            lastMoved = moved;
            if (best is null || moved < best.Value.Moved) best = (columns.ToArray(), trends.ToArray(), levels.ToArray(), conditionShares?.ToArray(), weights, moved);
            if (pass + 1 >= FilterPasses && moved < PassTolerance) break;
        }
        // Passes that ended within the tolerance stand as they are; passes that did not converge go back to their best.
        if (best is { } b && lastMoved >= PassTolerance && !ReferenceEquals(b.Weights, weights))
        {
            trace?.Note($"back to the pass that moved them by {b.Moved:F4}");
            b.Columns.CopyTo(columns, 0);
            b.Trends.CopyTo(trends, 0);
            b.Levels.CopyTo(levels, 0);
            b.Shares?.CopyTo(conditionShares!, 0);
            weights = b.Weights;
        }
        var calibrated = model.WithEncoder(Current());
        // The share of rows the filter keeps, as the calibrated model generates them.
        // (The weights' mean: the keep probabilities under the calibrated condition shares.)
        return filter is null || weights is null ? calibrated : calibrated.WithFilter(filter.WithAcceptance(Math.Max(1e-6, weights.Average(w => (double)w))));

        // The columns' shapes as the model now stands, on rows decoded apart (the stages read their own buffers).
        void Trace(string stage)
        {
            if (trace is null) return;
            var traced = new DecodedRows(encoder, rows);
            Current().Decode(output, draws, rows, sampling, traced);
            trace.Record(stage, columns, traced, rows, filter is null ? null : KeepWeights(traced));
        }

        // Column c's values as the generator makes them, before its map (a spike's in its band, where the column leans
        // them: what the map then maps); a follower's missing rows as its leader's
        // calibrated head decides them (each leader's once a pass, in missingOf).
        double[] Unmapped(int c, TabularEncoder leaders, bool[]?[] missingOf)
        {
            var numeric = (NumericColumn)columns[c];
            var values = new double[rows];
            int offset = encoder.OffsetOf(c), drawOffset = encoder.DrawOffsetOf(c);
            var missing = leaders.LeaderMissing(c, output, draws, rows, sampling, missingOf);
            for (int r = 0; r < rows; r++)
                values[r] = numeric.DecodeUnmapped(output.AsSpan(r * encoder.Width + offset, numeric.Width),
                    draws.AsSpan(r * encoder.DrawCount + drawOffset, numeric.DrawCount), sampling, missing is null ? null : missing[r], lean: true);
            return values;
        }

        // Column c's values with every row a rule sets it in left out (NaN), when its map is of the other rows (see ColumnDependency.WithFreeMarginals).
        double[] FreeRows(int c, double[] values)
        {
            if (columns[c] is not NumericColumn { Marginal.FreeRows: true }) return values;
            var keyed = ColumnDependency.Keyed(encoder.Dependencies, c, decoded, columns, rows);
            for (int r = 0; r < rows; r++) if (keyed[r]) values[r] = double.NaN;
            return values;
        }

        void CorrectShares()
        {
            // Through a filter: numbers of few exact values, steered from the maps as they now stand.
            var steered = filter is null ? [] : Enumerable.Range(0, columns.Length)
                .Where(c => columns[c] is NumericColumn { Marginal: { IsDiscrete: true, IsCalibrated: true, MapsGroups: false, ValueCount: > 1 and <= SteeredValues } })
                .Select(c => new ValueSteering(c, ((NumericColumn)columns[c]).Marginal!)).ToArray();
            bool settled = false;
            for (int round = 0; round < (filter is null ? MaximumShareRounds : ShareRounds); round++)
            {
                if (round >= ShareRounds && settled) break;
                checkAlive();
                // The rows as generation decodes them, dependencies applied: a category that a rule sets counts as generated;
                // through a filter, each row counts with its keep probability.
                Current().Decode(output, draws, rows, sampling, decoded);
                // A category a tree sets counts as the generator chose it: its logits move the rules that follow that
                // choice (midwest's metro status from its code), and the tree's own shares follow the numbers' maps.
                if (chosen is not null) Current().WithoutThresholds().Decode(output, draws, rows, sampling, chosen);
                if (filter is not null) weights = KeepWeights(decoded);
                double weightTotal = weights?.Sum(w => (double)w) ?? rows;
                double gap = 0; // the largest share off its training one, as this round found the rows
                for (int c = 0; c < columns.Length; c++)
                {
                    switch (columns[c])
                    {
                        case CategoricalColumn categorical:
                        {
                            var generated = new double[categorical.LevelCount];
                            var levels = (encoder.SetByThresholds(c) ? chosen! : decoded).Levels(c);
                            for (int r = 0; r < rows; r++) generated[levels[r]] += weights?[r] ?? 1;
                            double total = categorical.LevelCounts.Sum();
                            for (int l = 0; l < generated.Length; l++) gap = Math.Max(gap, Math.Abs(generated[l] / weightTotal - categorical.LevelCounts[l] / total));
                            var biases = (float[]?)categorical.LogitBiases?.Clone() ?? new float[categorical.LevelCount];
                            int block = conditionShares is null ? -1 : layout.IndexOfColumn(c);
                            for (int l = 0; l < biases.Length; l++)
                            {
                                double share = (generated[l] + 0.5) / (weightTotal + 0.5 * biases.Length);
                                double step = Math.Log(categorical.LevelCounts[l] / total / share);
                                biases[l] = Moved(biases[l], step);
                                // A conditioned row's category follows its condition: its share moves by the same factor.
                                if (block >= 0) conditionShares![layout.Columns[block].Offset + l] *= Math.Exp(Math.Clamp(double.IsNaN(step) ? 0 : step, -StepLimit, StepLimit));
                            }
                            var corrected = categorical.WithLogitBiases(biases);
                            if (block >= 0)
                            {
                                var b = layout.Columns[block];
                                var span = conditionShares.AsSpan(b.Offset, b.Count);
                                double sum = 0;
                                foreach (double v in span) sum += v;
                                for (int l = 0; l < span.Length; l++) span[l] /= sum;
                                corrected = corrected.WithConditionShares(span.ToArray());
                            }
                            columns[c] = corrected;
                            break;
                        }
                        case NumericColumn { HasMissing: true } numeric when numeric.MissingWith is null || numeric.MissingElsewhere:
                        {
                            // A column missing with a leader and elsewhere too: its own share among the rows its leader is present in.
                            var numbers = decoded.Numbers(c);
                            int leader = encoder.LeaderOf(c);
                            var leaderNumbers = leader >= 0 ? decoded.Numbers(leader) : null;
                            double missing = 0, among = 0;
                            for (int r = 0; r < rows; r++)
                            {
                                if (leaderNumbers is not null && double.IsNaN(leaderNumbers[r])) continue;
                                among += weights?[r] ?? 1;
                                if (double.IsNaN(numbers[r])) missing += weights?[r] ?? 1;
                            }
                            long leaderMissing = leader >= 0 ? ((NumericColumn)columns[leader]).MissingCount : 0;
                            double target = (double)(numeric.MissingCount - leaderMissing) / (numeric.RowCount - leaderMissing), share = (missing + 0.5) / (among + 1.0);
                            if (among > 0) gap = Math.Max(gap, Math.Abs(missing / among - target));
                            var biases = (float[]?)numeric.MissingBiases?.Clone() ?? new float[2];
                            biases[1] = Moved(biases[1], Logit(target) - Logit(share));
                            columns[c] = numeric.WithMissingBiases(biases);
                            break;
                        }
                    }
                }
                foreach (var steering in steered) columns[steering.Column] = Steer(steering, decoded, weights!, last: false);
                settled = gap < ShareTolerance;
            }
            if (steered.Length == 0) return;
            // The last round's steps are measured too (in buffers of their own: the maps after this read the rows and
            // weights of the last round), and a steered column ends far from the best step measured no more.
            checkAlive();
            var measured = new DecodedRows(encoder, rows);
            Current().Decode(output, draws, rows, sampling, measured);
            var measuredWeights = KeepWeights(measured);
            foreach (var steering in steered) columns[steering.Column] = Steer(steering, measured, measuredWeights, last: true);
        }

        // Through the filter, each row's keep probability, times its condition's new share over the share it was drawn with.
        float[] KeepWeights(DecodedRows rowsDecoded)
        {
            var keep = filter!.Logits(rowsDecoded, rows).Select(filter.KeepProbability).ToArray();
            for (int r = 0; r < rows; r++)
                if (entries[r] >= 0) keep[r] *= (float)(conditionShares![entries[r]] / drawnShares![entries[r]]);
            return keep;
        }

        NumericColumn Steer(ValueSteering steering, DecodedRows rowsDecoded, float[] keep, bool last)
        {
            // A map of the rows no rule sets (FreeRows) is steered on those rows.
            var numeric = (NumericColumn)columns[steering.Column];
            var keyed = numeric.Marginal!.FreeRows ? ColumnDependency.Keyed(encoder.Dependencies, steering.Column, rowsDecoded, columns, rows) : null;
            return steering.Step(numeric, rowsDecoded.Numbers(steering.Column), keep, keyed, last);
        }
    }

    /// <summary>
    /// Steers the kept shares of a mapped number's few exact values to the training shares through a filter: the map's
    /// generated knots are warped (<see cref="MarginalMap.Warp"/>) so that the level at which a value gives way to the
    /// next moves, each boundary by a secant step on how the kept rows' cumulative share answered its last move (a
    /// step of the share's own size the first time; at most <see cref="MaximumStep"/> a round). The last step is
    /// measured too, and where it leaves the largest gap between kept and training cumulative shares wider than the best
    /// step measured by more than <see cref="Tolerance"/>, the column goes back to that step's knots: steering never
    /// ends a column far worse than it found it. (Until stop 70 a warp rounded the knots of a spike of generated values
    /// to Singles, and the spike's rows then all took one value: HMDA's unemployment rates, ten values, one of them 37 %
    /// of the rows, jumped at the first move of 0.013 and ended at a shape of 0.65 where the maps alone left them at
    /// 0.98. <see cref="MarginalMap.Warp"/> keeps a spike's knots now; the measure of the end guards against another jump.)
    /// </summary>
    internal sealed class ValueSteering(int column, MarginalMap map)
    {
        /// <summary>The most a boundary's level moves in one round.</summary>
        private const double MaximumStep = 0.1;

        /// <summary>How much wider than the best measured the last gap may be before the column goes back to the best.</summary>
        private const double Tolerance = 0.01;

        private readonly double[] _knots = [.. map.GeneratedKnots!];
        private readonly double[] _target = [.. map.Cumulative!];
        private readonly double[] _boundaries = [.. map.Cumulative!];
        private double[]? _previousBoundaries, _previousShares;
        private double[]? _bestKnots;
        private double _bestGap = double.PositiveInfinity;

        public int Column => column;

        /// <summary>
        /// The column with its knots warped one step further, from its decoded values and the rows' keep weights (but the
        /// <paramref name="skipped"/> rows'); with <paramref name="last"/>, the column as it is, or with the best step's knots (see the class).
        /// </summary>
        public NumericColumn Step(NumericColumn current, double[] values, float[] weights, bool[]? skipped, bool last)
        {
            int count = map.ValueCount;
            var kept = new double[count];
            double total = 0;
            for (int r = 0; r < values.Length; r++)
            {
                if (double.IsNaN(values[r]) || skipped is not null && skipped[r]) continue;
                kept[Math.Min(map.CodeOf(values[r]), count - 1)] += weights[r];
                total += weights[r];
            }
            if (total <= 0) return current;
            var shares = new double[count - 1];
            double running = 0, gap = 0;
            for (int l = 0; l < count - 1; l++)
            {
                shares[l] = (running += kept[l]) / total;
                gap = Math.Max(gap, Math.Abs(shares[l] - _target[l]));
            }
            if (gap < _bestGap)
            {
                _bestGap = gap;
                _bestKnots = [.. current.Marginal!.GeneratedKnots!];
            }
            // The end: the column as the last step left it, unless a step before left the kept shares clearly closer (then
            // that step's knots; whatever else calibration set on the column since, its missing share, stays).
            if (last) return gap > _bestGap + Tolerance ? current.WithGeneratedKnots(_bestKnots!) : current;
            var moved = new double[count - 1];
            for (int l = 0; l < count - 1; l++)
            {
                double slope = 1;
                if (_previousBoundaries is not null && Math.Abs(_boundaries[l] - _previousBoundaries[l]) > 1e-9)
                {
                    double secant = (shares[l] - _previousShares![l]) / (_boundaries[l] - _previousBoundaries[l]);
                    if (secant > 0) slope = Math.Clamp(secant, 0.05, 20);
                }
                moved[l] = _boundaries[l] + Math.Clamp((_target[l] - shares[l]) / slope, -MaximumStep, MaximumStep);
            }
            // Ascending within (0, 1), each a hair above the last.
            for (int l = 0; l < count - 1; l++)
            {
                double upper = 1 - 1e-6 * (count - 1 - l), lower = Math.Min(l == 0 ? 1e-6 : moved[l - 1] + 1e-6, upper);
                moved[l] = Math.Clamp(moved[l], lower, upper);
            }
            _previousBoundaries = [.. _boundaries];
            _previousShares = shares;
            moved.CopyTo(_boundaries, 0);
            return current.WithGeneratedKnots(MarginalMap.Warp(_knots, _target, _boundaries));
        }
    }

    /// <summary>
    /// The generator's output for rows 0 to <paramref name="rows"/> - 1 of <paramref name="seed"/>, as <c>Generate</c>
    /// makes them (noise and condition from each row's own stream), and each row's decoding draws: [rows, width] and
    /// [rows, draws], ready for <see cref="TabularEncoder.Decode"/>; and which entry of the condition vector each row
    /// set (-1 for none).
    /// </summary>
    public static (float[] Output, float[] Draws, int[] ConditionEntries) Outputs(GanModel model, int rows, ulong seed, Action checkAlive)
    {
        var encoder = model.Encoder;
        var output = new float[(long)rows * encoder.Width];
        var draws = new float[Math.Max(1, (long)rows * encoder.DrawCount)];
        var entries = new int[rows];
        int width = model.Signature.ConditionWidth;
        int nz = model.NoiseDimension, perRow = model.Signature.UniformsPerRow;
        for (int start = 0; start < rows; start += Batch)
        {
            checkAlive();
            int n = Math.Min(Batch, rows - start);
            var noise = new float[n * nz];
            var uniforms = new float[Math.Max(1, n * perRow)];
            for (int r = 0; r < n; r++)
                NoiseSource.FillRow(seed, (ulong)(start + r), model.Training.NoisePrior, noise.AsSpan(r * nz, nz), uniforms.AsSpan(r * perRow, perRow));
            var (batchDraws, condition) = model.Signature.PrepareRows(uniforms, n);
            model.ForwardWithTorch(noise, condition, n).AsSpan(0, n * encoder.Width).CopyTo(output.AsSpan(start * encoder.Width));
            batchDraws.AsSpan(0, n * encoder.DrawCount).CopyTo(draws.AsSpan(start * encoder.DrawCount));
            for (int r = 0; r < n; r++) entries[start + r] = width == 0 ? -1 : condition.AsSpan(r * width, width).IndexOf(1f);
        }
        return (output, draws, entries);
    }

    private static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>A bias moved by <paramref name="step"/> (at most <see cref="StepLimit"/> either way), kept within ±<see cref="GanColumn.MaximumBias"/>.</summary>
    private static float Moved(float bias, double step) =>
        (float)Math.Clamp(bias + Math.Clamp(double.IsNaN(step) ? 0 : step, -StepLimit, StepLimit), -GanColumn.MaximumBias, GanColumn.MaximumBias);
}
