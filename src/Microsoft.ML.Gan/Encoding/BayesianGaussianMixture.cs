namespace Microsoft.ML.Gan.Encoding;

/// <summary>One Gaussian of a fitted mixture, in the column's own units.</summary>
/// <param name="Weight">The component's share of the column, in (0, 1].</param>
/// <param name="Mean">The component's mean.</param>
/// <param name="StandardDeviation">The component's standard deviation, always &gt; 0.</param>
internal readonly record struct MixtureComponent(double Weight, double Mean, double StandardDeviation);

/// <summary>Settings of <see cref="BayesianGaussianMixture.Fit"/>; the defaults are CTGAN's.</summary>
internal sealed class BayesianGaussianMixtureOptions
{
    /// <summary>The truncation level of the Dirichlet process: at most this many components are fitted.</summary>
    public int MaximumComponents { get; set; } = 10;

    /// <summary>Components whose expected weight is below this are dropped, and the rest renormalised.</summary>
    public double WeightThreshold { get; set; } = 0.005;

    /// <summary>
    /// The concentration of the Dirichlet-process prior on the weights (the stick-breaking Beta(1, α) prior's α).
    /// Small values favour few components; CTGAN uses 0.001.
    /// </summary>
    public double WeightConcentration { get; set; } = 0.001;

    /// <summary>
    /// The most variational updates (each an update of the factors and then of the responsibilities) in one run:
    /// the whole mixture after each accepted split or merge, or the two halves of a component being split.
    /// </summary>
    public int MaximumIterations { get; set; } = 100;

    /// <summary>A run has converged when the evidence lower bound per value changes by less than this in one update.</summary>
    public double Tolerance { get; set; } = 1e-3;

    /// <summary>A longer column is fitted on this many of its values, drawn without replacement with <see cref="Seed"/>.</summary>
    public int SampleSize { get; set; } = 20_000;

    /// <summary>Seeds the subsample; the fit itself draws nothing.</summary>
    public int Seed { get; set; } = 0;

    /// <summary>
    /// A column with fewer present values than this gets no mixture (min-max normalisation) instead; 0 fits every column.
    /// Read by the column's fitter, not by <see cref="BayesianGaussianMixture.Fit"/>.
    /// </summary>
    public int MinimumValues { get; set; } = 0;
}

/// <summary>
/// A one-dimensional Gaussian mixture fitted by variational Bayes with a truncated Dirichlet-process
/// (stick-breaking) prior on the weights and a Normal-Gamma prior on each component's mean and precision, as used
/// by CTGAN's mode-specific normalisation (Xu et al. 2019). The maths is Bishop's PRML §10.2 in one dimension with
/// the weights of Blei and Jordan (2006). The fitted mixture keeps plug-in estimates (expected weight, mean and
/// variance) of the components that survive pruning, sorted by mean.
/// </summary>
/// <remarks>
/// Priors, in the standardised units the fit works in (column mean 0, variance 1): stick fractions
/// v ~ Beta(1, α); mean μ | λ ~ N(0, 1 / λ); precision λ ~ Gamma(1/2, 1/2), which is a Wishart with one degree of
/// freedom and the data variance as its scale; the variance gains 1e-6 (scikit-learn's reg_covar) so that a
/// spike of equal values keeps a positive spread.
/// <para>
/// The number of components is found by growing from one rather than shrinking from k-means' ten: a mode that
/// k-means cut into pieces stays cut under coordinate ascent for far more than a hundred updates, because the
/// bound is nearly flat along the direction that moves its values between the pieces, so a single Gaussian column
/// would come out as a row of overlapping components. Instead each component is cut at its mean and the halves
/// refined by a two-component fit to the values it is responsible for; where two Gaussians explain those values
/// better than one, the split is tried on the whole mixture, most promising first, and the first that raises the
/// mixture's evidence lower bound is kept. When no split helps, neighbouring pairs are merged while that raises the
/// bound. The bound charges every component for its parameters, so a split is kept only where the data need it,
/// up to <see cref="BayesianGaussianMixtureOptions.MaximumComponents"/>.
/// </para>
/// </remarks>
internal sealed class BayesianGaussianMixture
{
    /// <summary>Added to each component's variance, in units of the column's variance (scikit-learn's reg_covar).</summary>
    internal const double VarianceRegularisation = 1e-6;

    /// <summary>The standard deviation of a constant column's one component, relative to its value's magnitude (at least 1).</summary>
    internal const double ConstantStandardDeviation = 1e-6;

    private const double SmallestStandardDeviation = 1e-300;

    private readonly MixtureComponent[] _components;
    private readonly double[] _logScales;

    /// <summary>Rebuilds a fitted mixture from its saved components.</summary>
    /// <exception cref="InvalidDataException">A component is not finite, has no weight or no spread, or the means are out of order.</exception>
    public BayesianGaussianMixture(IReadOnlyList<MixtureComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Count == 0)
            throw new InvalidDataException("The saved Gaussian mixture has no components.");
        var copy = new MixtureComponent[components.Count];
        double total = 0;
        for (int k = 0; k < copy.Length; k++)
        {
            var c = components[k];
            if (!double.IsFinite(c.Weight) || c.Weight <= 0)
                throw new InvalidDataException($"Component {k} of the saved Gaussian mixture has weight {c.Weight}; weights must be finite and positive.");
            if (!double.IsFinite(c.Mean))
                throw new InvalidDataException($"Component {k} of the saved Gaussian mixture has mean {c.Mean}; means must be finite.");
            if (!double.IsFinite(c.StandardDeviation) || c.StandardDeviation <= 0)
                throw new InvalidDataException($"Component {k} of the saved Gaussian mixture has standard deviation {c.StandardDeviation}; it must be finite and positive.");
            if (k > 0 && c.Mean < copy[k - 1].Mean)
                throw new InvalidDataException($"The saved Gaussian mixture's components are not sorted by mean (component {k}'s mean {c.Mean} is below {copy[k - 1].Mean}).");
            copy[k] = c;
            total += c.Weight;
        }
        if (!double.IsFinite(total))
            throw new InvalidDataException("The saved Gaussian mixture's weights do not add up to a finite total.");
        // Saved weights may have been rounded (to float, say); renormalising keeps the probabilities summing to 1.
        _logScales = new double[copy.Length];
        for (int k = 0; k < copy.Length; k++)
        {
            copy[k] = copy[k] with { Weight = copy[k].Weight / total };
            _logScales[k] = Math.Log(copy[k].Weight) - Math.Log(copy[k].StandardDeviation);
        }
        _components = copy;
        Components = Array.AsReadOnly(copy);
    }

    /// <summary>The components that survived pruning, sorted by mean ascending; their weights sum to 1.</summary>
    public IReadOnlyList<MixtureComponent> Components { get; }

    /// <summary>
    /// Fits the mixture to a column's values (finite; the caller has removed missing values). The same values
    /// and seed give bit-identical components; up to <see cref="BayesianGaussianMixtureOptions.SampleSize"/>
    /// values, their order does not matter either.
    /// </summary>
    /// <exception cref="ArgumentException">The column is empty, a value is not finite, or an option is out of range.</exception>
    public static BayesianGaussianMixture Fit(ReadOnlySpan<double> values, BayesianGaussianMixtureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        if (values.IsEmpty)
            throw new ArgumentException("Cannot fit a Gaussian mixture to an empty column.", nameof(values));
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"Cannot fit a Gaussian mixture to a column with the non-finite value {values[i]} (at index {i}).", nameof(values));
        }

        var random = new Random(options.Seed);
        double[] sample = Subsample(values, options.SampleSize, random);
        // Sorting makes the fit independent of the values' order and lets equal values be fitted once, with a count.
        Array.Sort(sample);
        double min = sample[0], max = sample[^1];
        if (min == max)
            return new BayesianGaussianMixture([new MixtureComponent(1, min, ConstantStandardDeviation * Math.Max(1, Math.Abs(min)))]);

        // Standardise in two steps: onto about [-1, 1] by the range first, so that no sum overflows or loses the
        // spread of values of large magnitude, then to mean 0 and variance 1, the units the priors are set in.
        // (Halving could round a subnormal range to zero, and max - min can overflow.)
        double centre = 0.5 * min + 0.5 * max;
        double range = max - min;
        double halfRange = !double.IsFinite(range) ? 0.5 * max - 0.5 * min : 0.5 * range > 0 ? 0.5 * range : range;
        double mean = 0;
        foreach (double v in sample) mean += (v - centre) / halfRange;
        mean /= sample.Length;
        double variance = 0;
        foreach (double v in sample)
        {
            double d = (v - centre) / halfRange - mean;
            variance += d * d;
        }
        double spread = Math.Sqrt(variance / sample.Length);

        var points = new List<double>();
        var counts = new List<double>();
        for (int i = 0; i < sample.Length; i++)
        {
            double z = ((sample[i] - centre) / halfRange - mean) / spread;
            if (i > 0 && sample[i] == sample[i - 1]) counts[^1]++;
            else { points.Add(z); counts.Add(1); }
        }

        var fit = VariationalMixture.Search(points.ToArray(), counts.ToArray(), options, Math.Min(options.MaximumComponents, points.Count));

        // Back to the column's units; the plug-in variance is the inverse of the expected precision. A posterior
        // mean lies between the data's mean and its component's average, so clamping to the range only stops
        // rounding, and the spread is kept finite for columns that span nearly all of double's range.
        var fitted = fit.Components();
        double location = centre + halfRange * mean, scale = halfRange * spread;
        var kept = fitted.Where(c => c.Weight >= options.WeightThreshold).ToList();
        if (kept.Count == 0) kept.Add(fitted.MaxBy(c => c.Weight));
        double keptTotal = kept.Sum(c => c.Weight);
        var components = kept
            .Select(c => new MixtureComponent(
                c.Weight / keptTotal,
                Math.Clamp(location + scale * c.Mean, min, max),
                Math.Clamp(scale * c.StandardDeviation, SmallestStandardDeviation, double.MaxValue)))
            .OrderBy(c => c.Mean).ThenBy(c => c.StandardDeviation)
            .ToArray();
        return new BayesianGaussianMixture(components);
    }

    /// <summary>
    /// The evidence lower bound after one variational update from <paramref name="responsibilities"/> (one array
    /// per component, in stick order) on values already standardised, for tests of the maths: with one component
    /// the variational family holds the exact posterior, so the bound is the log evidence.
    /// </summary>
    internal static double LowerBound(double[] standardised, double[][] responsibilities, double concentration)
    {
        var counts = new double[standardised.Length];
        Array.Fill(counts, 1.0);
        return new VariationalMixture(standardised, counts, concentration, responsibilities.Select(r => (double[])r.Clone()).ToList()).Bound;
    }

    /// <summary>
    /// The posterior probability of each component given <paramref name="x"/>, written to <paramref name="into"/>
    /// (one entry per component); the entries sum to 1.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not finite or <paramref name="into"/> has the wrong length.</exception>
    public void Probabilities(double x, Span<double> into)
    {
        if (!double.IsFinite(x))
            throw new ArgumentException($"Cannot place the non-finite value {x} in a Gaussian mixture.", nameof(x));
        if (into.Length != _components.Length)
            throw new ArgumentException($"Expected room for {_components.Length} probabilities, got {into.Length}.", nameof(into));
        double max = double.NegativeInfinity;
        for (int k = 0; k < _components.Length; k++)
        {
            var c = _components[k];
            // Dividing rather than multiplying by a stored inverse keeps a tiny standard deviation from giving 0 * ∞.
            double z = (x - c.Mean) / c.StandardDeviation;
            into[k] = _logScales[k] - 0.5 * z * z;
            if (into[k] > max) max = into[k];
        }
        if (double.IsNegativeInfinity(max))
        {
            // Every density underflowed the exponent range (x astronomically far out): the widest component's
            // tail decays slowest, so it takes x; among equally wide ones, the nearest.
            int widest = 0;
            for (int k = 1; k < _components.Length; k++)
            {
                var c = _components[k];
                var w = _components[widest];
                if (c.StandardDeviation > w.StandardDeviation
                    || (c.StandardDeviation == w.StandardDeviation && Math.Abs(x - c.Mean) < Math.Abs(x - w.Mean)))
                    widest = k;
            }
            into.Clear();
            into[widest] = 1;
            return;
        }
        double sum = 0;
        for (int k = 0; k < into.Length; k++)
        {
            into[k] = Math.Exp(into[k] - max);
            sum += into[k];
        }
        for (int k = 0; k < into.Length; k++) into[k] /= sum;
    }

    /// <summary>The component most likely to have produced <paramref name="x"/> (the first, on a tie).</summary>
    public int MostLikely(double x)
    {
        Span<double> p = _components.Length <= 64 ? stackalloc double[_components.Length] : new double[_components.Length];
        Probabilities(x, p);
        int best = 0;
        for (int k = 1; k < p.Length; k++)
        {
            if (p[k] > p[best]) best = k;
        }
        return best;
    }

    /// <summary>
    /// A component drawn from <see cref="Probabilities"/> of <paramref name="x"/> by inverting the cumulative
    /// distribution at <paramref name="uniform"/>, a draw in [0, 1).
    /// </summary>
    public int Sample(double x, double uniform)
    {
        if (!(uniform >= 0 && uniform < 1))
            throw new ArgumentOutOfRangeException(nameof(uniform), uniform, "The uniform draw must lie in [0, 1).");
        Span<double> p = _components.Length <= 64 ? stackalloc double[_components.Length] : new double[_components.Length];
        Probabilities(x, p);
        double cumulative = 0;
        int last = 0;
        for (int k = 0; k < p.Length; k++)
        {
            if (p[k] <= 0) continue;
            cumulative += p[k];
            last = k;
            if (uniform < cumulative) return k;
        }
        // Rounding can leave the cumulative sum a hair below 1.
        return last;
    }

    private static void Validate(BayesianGaussianMixtureOptions o)
    {
        if (o.MaximumComponents < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaximumComponents), o.MaximumComponents, "At least one component is needed.");
        if (!(o.WeightThreshold >= 0 && o.WeightThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(o.WeightThreshold), o.WeightThreshold, "The weight threshold must lie in [0, 1).");
        if (!(o.WeightConcentration > 0) || !double.IsFinite(o.WeightConcentration))
            throw new ArgumentOutOfRangeException(nameof(o.WeightConcentration), o.WeightConcentration, "The weight concentration must be finite and positive.");
        if (o.MaximumIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaximumIterations), o.MaximumIterations, "At least one iteration is needed.");
        if (!(o.Tolerance >= 0) || !double.IsFinite(o.Tolerance))
            throw new ArgumentOutOfRangeException(nameof(o.Tolerance), o.Tolerance, "The tolerance must be finite and not negative.");
        if (o.SampleSize < 1)
            throw new ArgumentOutOfRangeException(nameof(o.SampleSize), o.SampleSize, "The sample size must be positive.");
    }

    /// <summary>
    /// A copy of the values, or of <paramref name="size"/> of them drawn without replacement by selection sampling
    /// (Knuth's algorithm S): one pass, no index array, and each subset equally likely.
    /// </summary>
    private static double[] Subsample(ReadOnlySpan<double> values, int size, Random random)
    {
        // Adding 0.0 turns -0.0 into 0.0, so the sort's arrangement of equal values cannot depend on their order.
        if (values.Length <= size)
        {
            var all = new double[values.Length];
            for (int i = 0; i < values.Length; i++) all[i] = values[i] + 0.0;
            return all;
        }
        var sample = new double[size];
        int needed = size;
        for (int i = 0; i < values.Length && needed > 0; i++)
        {
            if (random.NextDouble() * (values.Length - i) < needed)
                sample[size - needed--] = values[i] + 0.0;
        }
        return sample;
    }

    /// <summary>
    /// The variational posterior over distinct standardised values with their counts. Component k's index is its
    /// place in the stick-breaking order; the last stick takes what is left (v_K = 1), so the expected weights sum to 1.
    /// An instance always holds factors and the responsibilities they imply, with the lower bound there.
    /// </summary>
    private sealed class VariationalMixture
    {
        // Priors in standardised units: mean prior 0 with precision factor 1, precision Gamma(shape 1/2, rate 1/2).
        private const double PriorMean = 0, PriorMeanPrecision = 1, PriorShape = 0.5, PriorRate = 0.5;
        private const double LogTwoPi = 1.8378770664093453;
        // Less responsibility than this in all is no component: its average would be noise.
        private const double Empty = 1e-10;
        // exp(-40) is below a double's resolution next to the largest term, which is 1.
        private const double Negligible = -40;

        private readonly double[] _points;
        private readonly double[] _counts;
        private readonly double _total;
        private readonly double _concentration;
        private readonly List<double[]> _responsibilities;
        private readonly double[] _n, _precisionFactor, _mean, _shape, _rate, _stickA, _stickB, _expectedLogWeight;

        /// <summary>Starts from <paramref name="responsibilities"/> (one array per component, in stick order): one update and one expectation.</summary>
        public VariationalMixture(double[] points, double[] counts, double concentration, List<double[]> responsibilities)
        {
            _points = points;
            _counts = counts;
            _concentration = concentration;
            foreach (double c in counts) _total += c;
            _responsibilities = responsibilities;
            int count = responsibilities.Count;
            _n = new double[count];
            _precisionFactor = new double[count];
            _mean = new double[count];
            _shape = new double[count];
            _rate = new double[count];
            _stickA = new double[count];
            _stickB = new double[count];
            _expectedLogWeight = new double[count];
            Step();
        }

        public int Count => _responsibilities.Count;

        /// <summary>The evidence lower bound at the current factors and responsibilities.</summary>
        public double Bound { get; private set; }

        /// <summary>
        /// The whole fit: one component, then greedy splits while one raises the lower bound, then greedy merges
        /// of neighbours while one does. Each candidate is judged against the current state after the same single
        /// update, so that neither wins by having iterated longer.
        /// </summary>
        public static VariationalMixture Search(double[] points, double[] counts, BayesianGaussianMixtureOptions options, int maximumComponents)
        {
            var ones = new double[points.Length];
            Array.Fill(ones, 1.0);
            var current = new VariationalMixture(points, counts, options.WeightConcentration, [ones]);
            current.Run(options.MaximumIterations, options.Tolerance);

            while (current.Count < maximumComponents)
            {
                // Splits are judged on the component's own values first (cheap), and only the promising ones on
                // the whole mixture, most promising first.
                var plans = new List<SplitPlan>();
                for (int k = 0; k < current.Count; k++)
                {
                    if (current.PlanSplit(k, options) is { } plan) plans.Add(plan);
                }
                VariationalMixture? accepted = null;
                if (plans.Count > 0)
                {
                    var baseline = current.Stepped();
                    foreach (var plan in plans.OrderByDescending(p => p.Gain).ThenBy(p => p.Component))
                    {
                        var candidate = current.Split(plan);
                        if (Better(candidate, baseline))
                        {
                            accepted = candidate;
                            break;
                        }
                    }
                }
                if (accepted is null) break;
                current = accepted;
                current.Run(options.MaximumIterations, options.Tolerance);
            }

            while (current.Count > 1)
            {
                VariationalMixture best = current.Stepped();
                bool found = false;
                var byMean = Enumerable.Range(0, current.Count).OrderBy(k => current._mean[k]).ThenBy(k => k).ToArray();
                for (int j = 0; j + 1 < byMean.Length; j++)
                {
                    var merged = current.Merged(byMean[j], byMean[j + 1]);
                    if (Better(merged, best)) (best, found) = (merged, true);
                }
                if (!found) break;
                current = best;
                current.Run(options.MaximumIterations, options.Tolerance);
            }
            return current;
        }

        // A relative margin keeps rounding noise from deciding between two practically equal fits.
        private static bool Better(VariationalMixture candidate, VariationalMixture incumbent) =>
            candidate.Bound > incumbent.Bound + 1e-9 * Math.Abs(incumbent.Bound);

        /// <summary>Alternates updates and expectations until the bound per value moves less than the tolerance.</summary>
        public void Run(int maximumIterations, double tolerance)
        {
            for (int iteration = 0; iteration < maximumIterations; iteration++)
            {
                double previous = Bound;
                Step();
                if (Math.Abs(Bound - previous) / _total < tolerance) return;
            }
        }

        /// <summary>The components in standardised units: expected weight, mean, and the inverse of the expected precision.</summary>
        public MixtureComponent[] Components()
        {
            var result = new MixtureComponent[Count];
            double rest = 1;
            for (int k = 0; k < Count; k++)
            {
                double weight = rest;
                if (k < Count - 1)
                {
                    double sum = _stickA[k] + _stickB[k];
                    weight = rest * _stickA[k] / sum;
                    rest *= _stickB[k] / sum;
                }
                result[k] = new MixtureComponent(weight, _mean[k], Math.Sqrt(_rate[k] / _shape[k]));
            }
            return result;
        }

        private void Step()
        {
            Update();
            Bound = Expect();
        }

        /// <summary>A copy one step further on.</summary>
        private VariationalMixture Stepped() =>
            new(_points, _counts, _concentration, _responsibilities.Select(r => (double[])r.Clone()).ToList());

        /// <summary>
        /// A proposed split of a component: the two-component fit to the values it is responsible for (weighted by
        /// its responsibilities), which values those are, and how much better that fit's bound is than one Gaussian's.
        /// </summary>
        private sealed record SplitPlan(int Component, double Gain, int[] Local, VariationalMixture Halves);

        /// <summary>
        /// Component <paramref name="k"/>'s values cut at its mean and the halves refined by a two-component fit;
        /// null when they cannot be cut or two Gaussians explain them no better than one.
        /// </summary>
        private SplitPlan? PlanSplit(int k, BayesianGaussianMixtureOptions options)
        {
            var r = _responsibilities[k];
            double cut = _mean[k];
            var local = new List<int>();
            double below = 0, above = 0;
            for (int i = 0; i < _points.Length; i++)
            {
                // Values the component barely explains would only slow the local fit down.
                if (r[i] < 1e-8) continue;
                local.Add(i);
                if (_points[i] < cut) below += _counts[i] * r[i];
                else above += _counts[i] * r[i];
            }
            if (below < Empty || above < Empty) return null;

            var points = new double[local.Count];
            var counts = new double[local.Count];
            var left = new double[local.Count];
            var right = new double[local.Count];
            var ones = new double[local.Count];
            for (int j = 0; j < local.Count; j++)
            {
                int i = local[j];
                points[j] = _points[i];
                counts[j] = _counts[i] * r[i];
                ones[j] = 1;
                if (_points[i] < cut) left[j] = 1;
                else right[j] = 1;
            }
            // One Gaussian's fit is exact after one update; the halves need the full run.
            var whole = new VariationalMixture(points, counts, _concentration, [ones]);
            var halves = new VariationalMixture(points, counts, _concentration, [left, right]);
            halves.Run(options.MaximumIterations, options.Tolerance);
            return Better(halves, whole) ? new SplitPlan(k, halves.Bound - whole.Bound, local.ToArray(), halves) : null;
        }

        /// <summary>The mixture with the planned component replaced by its two halves, in the context of the others.</summary>
        private VariationalMixture Split(SplitPlan plan)
        {
            var r = _responsibilities[plan.Component];
            // Values left out of the local fit go to the half on their side of the cut.
            double cut = _mean[plan.Component];
            var first = new double[_points.Length];
            var second = new double[_points.Length];
            for (int i = 0; i < _points.Length; i++)
            {
                if (_points[i] < cut) first[i] = r[i];
                else second[i] = r[i];
            }
            for (int j = 0; j < plan.Local.Length; j++)
            {
                int i = plan.Local[j];
                first[i] = r[i] * plan.Halves._responsibilities[0][j];
                second[i] = r[i] * plan.Halves._responsibilities[1][j];
            }
            var responsibilities = new List<double[]>(Count + 1);
            for (int c = 0; c < Count; c++)
            {
                if (c != plan.Component) responsibilities.Add((double[])_responsibilities[c].Clone());
            }
            responsibilities.Add(first);
            responsibilities.Add(second);
            return new VariationalMixture(_points, _counts, _concentration, BySize(responsibilities));
        }

        /// <summary>Components <paramref name="a"/> and <paramref name="b"/> as one.</summary>
        private VariationalMixture Merged(int a, int b)
        {
            var responsibilities = new List<double[]>(Count - 1);
            for (int c = 0; c < Count; c++)
            {
                if (c == b) continue;
                var r = (double[])_responsibilities[c].Clone();
                if (c == a)
                {
                    var other = _responsibilities[b];
                    for (int i = 0; i < r.Length; i++) r[i] += other[i];
                }
                responsibilities.Add(r);
            }
            return new VariationalMixture(_points, _counts, _concentration, BySize(responsibilities));
        }

        /// <summary>Larger components on earlier sticks, where the stick-breaking prior expects the larger weights.</summary>
        private List<double[]> BySize(List<double[]> responsibilities)
        {
            var sizes = responsibilities.Select(r =>
            {
                double n = 0;
                for (int i = 0; i < r.Length; i++) n += _counts[i] * r[i];
                return n;
            }).ToArray();
            return Enumerable.Range(0, responsibilities.Count)
                .OrderByDescending(c => sizes[c]).ThenBy(c => c)
                .Select(c => responsibilities[c]).ToList();
        }

        /// <summary>
        /// The variational update of every factor but the assignments (PRML 10.60-10.63 with a Gamma for the 1-D
        /// Wishart; Blei and Jordan's stick updates), from the current responsibilities.
        /// </summary>
        private void Update()
        {
            int count = Count;
            for (int k = 0; k < count; k++)
            {
                var r = _responsibilities[k];
                // One pass, with the values shifted by the previous mean so that the scatter does not cancel away;
                // what rounding is left is far below the n * VarianceRegularisation added to it.
                double shift = _mean[k], n = 0, sum = 0, squares = 0;
                for (int i = 0; i < _points.Length; i++)
                {
                    double q = _counts[i] * r[i];
                    double d = _points[i] - shift;
                    n += q;
                    sum += q * d;
                    squares += q * d * d;
                }
                double offset = n > Empty ? sum / n : PriorMean - shift;
                double average = shift + offset;
                double scatter = Math.Max(0, squares - n * offset * offset);
                _n[k] = n;
                _precisionFactor[k] = PriorMeanPrecision + n;
                _mean[k] = (PriorMeanPrecision * PriorMean + n * average) / _precisionFactor[k];
                _shape[k] = PriorShape + 0.5 * n;
                _rate[k] = PriorRate + 0.5 * (scatter + n * VarianceRegularisation
                    + PriorMeanPrecision * n / (PriorMeanPrecision + n) * Square(average - PriorMean));
            }

            double later = 0;
            for (int k = count - 1; k >= 0; k--)
            {
                if (k < count - 1)
                {
                    _stickA[k] = 1 + _n[k];
                    _stickB[k] = _concentration + later;
                }
                later += _n[k];
            }
            double before = 0;
            for (int k = 0; k < count; k++)
            {
                if (k == count - 1)
                {
                    _expectedLogWeight[k] = before;
                    break;
                }
                double all = Digamma(_stickA[k] + _stickB[k]);
                _expectedLogWeight[k] = before + Digamma(_stickA[k]) - all;
                before += Digamma(_stickB[k]) - all;
            }
        }

        /// <summary>
        /// Sets the responsibilities from the current factors (PRML 10.46, 10.64-10.66) by log-sum-exp and returns
        /// the evidence lower bound at those responsibilities: Σ log Σ_k ρ_nk less the factors' divergence from their priors.
        /// </summary>
        private double Expect()
        {
            int count = Count;
            Span<double> offset = stackalloc double[count];
            Span<double> precision = stackalloc double[count];
            Span<double> mean = stackalloc double[count];
            Span<double> log = stackalloc double[count];
            for (int k = 0; k < count; k++)
            {
                precision[k] = _shape[k] / _rate[k];
                mean[k] = _mean[k];
                offset[k] = _expectedLogWeight[k] + 0.5 * (Digamma(_shape[k]) - Math.Log(_rate[k]) - LogTwoPi)
                    - 0.5 / _precisionFactor[k];
            }
            double bound = 0;
            for (int i = 0; i < _points.Length; i++)
            {
                double x = _points[i];
                double max = double.NegativeInfinity;
                for (int k = 0; k < count; k++)
                {
                    double d = x - mean[k];
                    log[k] = offset[k] - 0.5 * precision[k] * d * d;
                    if (log[k] > max) max = log[k];
                }
                double sum = 0;
                for (int k = 0; k < count; k++)
                {
                    double shifted = log[k] - max;
                    log[k] = shifted < Negligible ? 0 : Math.Exp(shifted);
                    sum += log[k];
                }
                double inverse = 1 / sum;
                for (int k = 0; k < count; k++) _responsibilities[k][i] = log[k] * inverse;
                bound += _counts[i] * (max + Math.Log(sum));
            }
            return bound - Divergence();
        }

        /// <summary>KL(q || prior) of the sticks and of each component's Normal-Gamma.</summary>
        private double Divergence()
        {
            double kl = 0;
            for (int k = 0; k < Count; k++)
            {
                if (k < Count - 1) kl += BetaDivergence(_stickA[k], _stickB[k], 1, _concentration);
                double a = _shape[k], b = _rate[k];
                kl += (a - PriorShape) * Digamma(a) - LogGamma(a) + LogGamma(PriorShape)
                    + PriorShape * (Math.Log(b) - Math.Log(PriorRate)) + a * (PriorRate - b) / b;
                double ratio = PriorMeanPrecision / _precisionFactor[k];
                kl += 0.5 * (ratio - 1 - Math.Log(ratio) + PriorMeanPrecision * a / b * Square(_mean[k] - PriorMean));
            }
            return kl;
        }

        private static double BetaDivergence(double a, double b, double a0, double b0) =>
            LogBeta(a0, b0) - LogBeta(a, b) + (a - a0) * Digamma(a) + (b - b0) * Digamma(b) + (a0 - a + b0 - b) * Digamma(a + b);

        private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);
    }

    private static double Square(double x) => x * x;

    /// <summary>ψ(x) for x &gt; 0: the recurrence ψ(x) = ψ(x + 1) - 1/x up to x ≥ 6, then the asymptotic series (error below 1e-11).</summary>
    internal static double Digamma(double x)
    {
        double result = 0;
        while (x < 6)
        {
            result -= 1 / x;
            x += 1;
        }
        double f = 1 / (x * x);
        return result + Math.Log(x) - 0.5 / x
            - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
    }

    /// <summary>ln Γ(x) for x &gt; 0: the recurrence up to x ≥ 8, then Stirling's series (error below 1e-11).</summary>
    internal static double LogGamma(double x)
    {
        double product = 1;
        while (x < 8)
        {
            product *= x;
            x += 1;
        }
        double f = 1 / (x * x);
        return (x - 0.5) * Math.Log(x) - x + 0.9189385332046728 - Math.Log(product)
            + (1.0 / 12 - f * (1.0 / 360 - f * (1.0 / 1260 - f / 1680))) / x;
    }
}
