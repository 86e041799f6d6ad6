using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Evaluation;

/// <summary>
/// Computes <see cref="SyntheticDataMetrics"/>: reads each view once into column arrays, samples rows with the seed,
/// then computes every metric on the arrays.
/// </summary>
internal static class SyntheticDataEvaluator
{
    public static SyntheticDataMetrics Evaluate(MLContext ml, IDataView real, IDataView synthetic, SyntheticDataEvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(synthetic);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var timings = new Dictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        void Lap(string name) { timings[name] = clock.Elapsed; clock.Restart(); }

        // Columns: the evaluated ones, then the label when it is not among them.
        var names = options.Columns is { Count: > 0 } chosen
            ? chosen.ToList()
            : real.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToList();
        if (names.Count == 0) throw new ArgumentOutOfRangeException(nameof(real), "The real table has no columns to evaluate.");
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentOutOfRangeException(nameof(options), $"Column '{duplicate.Key}' is listed twice in Columns.");
        int evaluatedCount = names.Count;
        string? label = options.LabelColumn;
        if (label is not null && !names.Contains(label)) names.Add(label);
        var columns = names.Select(n => Describe(real.Schema, n, options.MissingCategoryTokens)).ToArray();
        CheckSameColumns(synthetic.Schema, columns, "synthetic", nameof(synthetic));
        if (options.HoldoutReal is { } holdoutView) CheckSameColumns(holdoutView.Schema, columns, "holdout", nameof(options.HoldoutReal));
        var evaluated = Enumerable.Range(0, evaluatedCount).ToArray();
        var inferences = Inferences(names.Take(evaluatedCount).ToList(), options);

        var realTable = EvaluationTable.Read(real, columns);
        foreach (var column in columns) column.RealCategoryCount = column.CategoryCount;
        var syntheticTable = EvaluationTable.Read(synthetic, columns);
        var holdoutTable = options.HoldoutReal is { } h ? EvaluationTable.Read(h, columns) : null;
        var random = new Random(options.Seed);
        var realSample = realTable.Sample(options.MaximumRows, random);
        var syntheticSample = syntheticTable.Sample(options.MaximumRows, random);
        Lap("Reading");

        var columnResults = evaluated.Select(c => CompareColumn(realTable, syntheticTable, c)).ToArray();
        Lap("Column shapes");

        var pairs = PairTrends(realSample, syntheticSample, evaluated, options.QuantileBins);
        Lap("Column pair trends");

        DetectionMetrics? detection = null, logisticDetection = null;
        string? detectionSkipped = null;
        int perClass = Math.Min(realSample.RowCount, syntheticSample.RowCount);
        if (perClass < Math.Max(10, 2 * options.DetectionFolds))
            detectionSkipped = $"too few rows: {realSample.RowCount} real and {syntheticSample.RowCount} synthetic; at least {Math.Max(10, 2 * options.DetectionFolds)} of each are needed";
        else
        {
            // Both detectors see the same sample and folds: the seeded random source is copied for the second.
            var state = random.Next();
            detection = Detect(ml, realSample, syntheticSample, evaluated, perClass, options, new Random(state), logistic: false);
            logisticDetection = Detect(ml, realSample, syntheticSample, evaluated, perClass, options, new Random(state), logistic: true);
        }
        Lap("Detection");

        EfficacyMetrics? efficacy = null;
        string? efficacySkipped;
        if (label is null || holdoutTable is null)
            efficacySkipped = "set LabelColumn and HoldoutReal to measure it";
        else
        {
            int labelIndex = names.IndexOf(label);
            var features = evaluated.Where(c => c != labelIndex).ToArray();
            efficacy = Efficacy(ml, realTable, realSample, syntheticSample, holdoutTable, labelIndex, features, options.Seed, out efficacySkipped);
        }
        Lap("Efficacy");

        var privacy = Privacy(realTable, syntheticTable, realSample, syntheticSample, holdoutTable, evaluated, inferences, options, random);
        Lap("Privacy");

        var giveaways = GiveawayFinder.Find(realSample, syntheticSample, evaluated, options.Seed);
        Lap("Giveaways");

        return new SyntheticDataMetrics(realTable.RowCount, syntheticTable.RowCount, columnResults, pairs,
            detection, logisticDetection, detectionSkipped, efficacy, efficacySkipped, privacy, timings, options.MissingCategoryTokens.ToArray(), giveaways);
    }

    private static EvaluationColumn Describe(DataViewSchema schema, string name, IReadOnlyList<string> missingTokens)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException("real", $"The real table has no column '{name}'.");
        var kind = ColumnKinds.Find(column.Type)
            ?? throw new ArgumentOutOfRangeException("real",
                $"Column '{name}' has type {column.Type}, which cannot be evaluated; supported: {ColumnKinds.SupportedTypes}. Leave it out with SyntheticDataEvaluationOptions.Columns.");
        return new EvaluationColumn(name, column.Type, kind, missingTokens);
    }

    private static void CheckSameColumns(DataViewSchema schema, EvaluationColumn[] columns, string table, string parameter)
    {
        foreach (var column in columns)
        {
            var other = schema.GetColumnOrNull(column.Name)
                ?? throw new ArgumentOutOfRangeException(parameter,
                    $"Column '{column.Name}' ({TypeName(column.Type)} in the real table) is missing from the {table} table.");
            if (!other.Type.Equals(column.Type))
                throw new ArgumentOutOfRangeException(parameter,
                    $"Column '{column.Name}' is {TypeName(column.Type)} in the real table but {TypeName(other.Type)} in the {table} table.");
        }
    }

    private static ColumnComparison CompareColumn(EvaluationTable real, EvaluationTable synthetic, int c)
    {
        var column = real.Columns[c];
        int nr = real.RowCount, ns = synthetic.RowCount;
        if (real.Continuous[c] is { } r)
        {
            var s = synthetic.Continuous[c]!;
            double ks = ColumnStatistics.KolmogorovSmirnov(r, s);
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            long realMissing = 0, synthMissing = 0, outOfRange = 0;
            foreach (double v in r) { if (double.IsNaN(v)) realMissing++; else { min = Math.Min(min, v); max = Math.Max(max, v); } }
            foreach (double v in s) { if (double.IsNaN(v)) synthMissing++; else if (v < min || v > max) outOfRange++; }
            return new ColumnComparison(column.Name, TypeName(column.Type), ComparedColumnKind.Continuous, 1 - ks, ks,
                Rate(realMissing, nr), Rate(synthMissing, ns), outOfRange, 0, 0);
        }
        else
        {
            var a = real.Codes[c]!;
            var b = synthetic.Codes[c]!;
            double tvd = ColumnStatistics.TotalVariation(a, b, column.CategoryCount);
            long realMissing = a.Count(k => k == 0), synthMissing = 0, unseenRows = 0;
            var unseen = new HashSet<int>();
            foreach (int k in b)
            {
                if (k == 0) synthMissing++;
                else if (k >= column.RealCategoryCount) { unseenRows++; unseen.Add(k); }
            }
            return new ColumnComparison(column.Name, TypeName(column.Type), ComparedColumnKind.Categorical, 1 - tvd, tvd,
                Rate(realMissing, nr), Rate(synthMissing, ns), 0, unseenRows, unseen.Count);
        }
    }

    private static string TypeName(DataViewType type) => type.ToString() ?? type.RawType.Name;

    private static double Rate(long count, int rows) => rows == 0 ? 0 : (double)count / rows;

    private static ColumnPairComparison[] PairTrends(EvaluationTable real, EvaluationTable synthetic, int[] evaluated, int quantileBins)
    {
        // Every column as codes for the contingency tables: categories as they are, continuous as real-quantile bins.
        int n = evaluated.Length;
        var realCodes = new int[n][];
        var syntheticCodes = new int[n][];
        var counts = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = evaluated[i];
            if (real.Continuous[c] is { } r)
            {
                var edges = ColumnStatistics.QuantileEdges(r, quantileBins);
                realCodes[i] = ColumnStatistics.Bin(r, edges);
                syntheticCodes[i] = ColumnStatistics.Bin(synthetic.Continuous[c]!, edges);
                counts[i] = edges.Length + 2;
            }
            else
            {
                realCodes[i] = real.Codes[c]!;
                syntheticCodes[i] = synthetic.Codes[c]!;
                counts[i] = real.Columns[c].CategoryCount;
            }
        }
        var pairs = new List<(int I, int J)>();
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) pairs.Add((i, j));
        var results = new ColumnPairComparison[pairs.Count];
        Parallel.For(0, pairs.Count, p =>
        {
            var (i, j) = pairs[p];
            int a = evaluated[i], b = evaluated[j];
            string first = real.Columns[a].Name, second = real.Columns[b].Name;
            if (real.Continuous[a] is { } ra && real.Continuous[b] is { } rb)
            {
                double cr = ColumnStatistics.Pearson(ra, rb);
                double cs = ColumnStatistics.Pearson(synthetic.Continuous[a]!, synthetic.Continuous[b]!);
                results[p] = new ColumnPairComparison(first, second, PairTrendMethod.Correlation, 1 - Math.Abs(cr - cs) / 2, cr, cs);
            }
            else
            {
                double tvd = ColumnStatistics.JointTotalVariation(realCodes[i], realCodes[j], syntheticCodes[i], syntheticCodes[j], counts[i], counts[j]);
                results[p] = new ColumnPairComparison(first, second, PairTrendMethod.Contingency, 1 - tvd, null, null);
            }
        });
        return results;
    }

    private static DetectionMetrics Detect(MLContext ml, EvaluationTable realSample, EvaluationTable syntheticSample, int[] evaluated,
        int perClass, SyntheticDataEvaluationOptions options, Random random, bool logistic)
    {
        // A balanced sample: as many real rows as synthetic ones.
        var realRows = EvaluationTable.SampleIndices(realSample.RowCount, perClass, random);
        var synthRows = EvaluationTable.SampleIndices(syntheticSample.RowCount, perClass, random);
        var layout = FeatureLayout.Build(realSample, evaluated, realSample, syntheticSample);
        var realFeatures = BinaryClassifier.Featurize(layout, realSample, realRows);
        var synthFeatures = BinaryClassifier.Featurize(layout, syntheticSample, synthRows);
        // Stratified folds: each class dealt round-robin over a seeded permutation.
        int folds = options.DetectionFolds;
        var realFold = Folds(perClass, folds, random);
        var synthFold = Folds(perClass, folds, random);
        var aucs = new double[folds];
        long sure = 0, falseAlarms = 0;
        for (int f = 0; f < folds; f++)
        {
            var trainX = new List<float[]>(); var trainY = new List<bool>();
            var testX = new List<float[]>(); var testY = new List<bool>();
            for (int i = 0; i < perClass; i++)
            {
                if (realFold[i] == f) { testX.Add(realFeatures[i]); testY.Add(true); } else { trainX.Add(realFeatures[i]); trainY.Add(true); }
                if (synthFold[i] == f) { testX.Add(synthFeatures[i]); testY.Add(false); } else { trainX.Add(synthFeatures[i]); trainY.Add(false); }
            }
            var (scores, _, realness) = BinaryClassifier.TrainAndScore(ml, layout.Width, trainX, trainY.ToArray(), testX, options.Seed + f, logistic);
            aucs[f] = BinaryClassifier.Auc(scores, testY.ToArray());
            for (int i = 0; i < testY.Count; i++)
            {
                if (realness[i] >= 1 - DetectionMetrics.Sure) continue;
                if (testY[i]) falseAlarms++;
                else sure++;
            }
        }
        return new DetectionMetrics(aucs.Average(), aucs, perClass)
        {
            SurelyDetectedShare = (double)sure / perClass,
            RealRowsCalledSyntheticShare = (double)falseAlarms / perClass,
        };
    }

    private static int[] Folds(int rows, int folds, Random random)
    {
        var order = EvaluationTable.SampleIndices(rows, rows, random);
        random.Shuffle(order);
        var fold = new int[rows];
        for (int i = 0; i < rows; i++) fold[order[i]] = i % folds;
        return fold;
    }

    /// <summary>A numeric label with more distinct values than this is a regression target, not classes.</summary>
    private const int RegressionMinimumValues = 20;

    /// <summary>The most classes a multiclass efficacy test trains one classifier each for.</summary>
    private const int MaximumClasses = 50;

    private static EfficacyMetrics? Efficacy(MLContext ml, EvaluationTable real, EvaluationTable realSample, EvaluationTable syntheticSample,
        EvaluationTable holdout, int labelIndex, int[] features, int seed, out string? skipped)
    {
        var column = real.Columns[labelIndex];
        bool numeric = real.Continuous[labelIndex] is not null;
        double LabelOf(EvaluationTable t, int row) => numeric ? t.Continuous[labelIndex]![row] : t.Codes[labelIndex]![row];
        bool Known(double label) => numeric ? !double.IsNaN(label) : label != 0;   // missing labels are not a class

        // The real classes (value or code, count); a numeric label with many values is a regression target.
        var classes = Enumerable.Range(0, real.RowCount).Select(i => LabelOf(real, i)).Where(Known)
            .GroupBy(v => v).Select(g => (Value: g.Key, Count: (long)g.Count())).OrderBy(x => x.Value).ToList();
        EfficacyTask task = classes.Count == 2 ? EfficacyTask.BinaryClassification
            : numeric && classes.Count > RegressionMinimumValues ? EfficacyTask.Regression
            : EfficacyTask.MulticlassClassification;
        if (task == EfficacyTask.MulticlassClassification && (classes.Count < 2 || classes.Count > MaximumClasses))
        {
            skipped = $"label '{column.Name}' has {classes.Count} class(es) in the real table; efficacy needs 2 to {MaximumClasses} classes, or a numeric label with more than {RegressionMinimumValues} values";
            return null;
        }
        var classSet = classes.Select(c => c.Value).ToHashSet();
        (int[] Rows, double[] Labels) Labelled(EvaluationTable t)
        {
            var rows = new List<int>();
            var labels = new List<double>();
            for (int i = 0; i < t.RowCount; i++)
            {
                double l = LabelOf(t, i);
                if (Known(l) && (task == EfficacyTask.Regression || classSet.Contains(l))) { rows.Add(i); labels.Add(l); }
            }
            return (rows.ToArray(), labels.ToArray());
        }

        var layout = FeatureLayout.Build(realSample, features, realSample, syntheticSample, holdout);
        var (testRows, testLabels) = Labelled(holdout);
        var testX = BinaryClassifier.Featurize(layout, holdout, testRows);
        string? positiveName = null;
        double positive = double.NaN;
        if (task == EfficacyTask.BinaryClassification)
        {
            // Positive: the less frequent real class (the later one on a tie).
            positive = classes[0].Count < classes[1].Count ? classes[0].Value : classes[1].Value;
            positiveName = numeric ? positive.ToString(CultureInfo.InvariantCulture) : column.CategoryName((int)positive);
        }

        EfficacyScores Score(EvaluationTable train)
        {
            var (rows, labels) = Labelled(train);
            var x = BinaryClassifier.Featurize(layout, train, rows);
            switch (task)
            {
                case EfficacyTask.BinaryClassification:
                {
                    var truth = testLabels.Select(l => l == positive).ToArray();
                    var (scores, predicted, _) = BinaryClassifier.TrainAndScore(ml, layout.Width, x, labels.Select(l => l == positive).ToArray(), testX, seed);
                    return new EfficacyScores(BinaryClassifier.F1(predicted, truth), BinaryClassifier.Accuracy(predicted, truth),
                        BinaryClassifier.Auc(scores, truth), double.NaN, double.NaN, rows.Length);
                }
                case EfficacyTask.MulticlassClassification:
                {
                    // One classifier per class against the rest; each row goes to the class whose classifier scores it highest.
                    var best = new double[testRows.Length];
                    Array.Fill(best, double.NegativeInfinity);
                    var predicted = new double[testRows.Length];
                    foreach (var (value, _) in classes)
                    {
                        var isClass = labels.Select(l => l == value).ToArray();
                        if (!isClass.Contains(true)) continue; // a class the training rows lack is never predicted
                        var (scores, _, _) = BinaryClassifier.TrainAndScore(ml, layout.Width, x, isClass, testX, seed);
                        for (int i = 0; i < scores.Length; i++)
                        {
                            if (scores[i] > best[i]) { best[i] = scores[i]; predicted[i] = value; }
                        }
                    }
                    double f1 = classes.Average(c => BinaryClassifier.F1(predicted.Select(p => p == c.Value).ToArray(), testLabels.Select(l => l == c.Value).ToArray()));
                    double accuracy = testLabels.Length == 0 ? double.NaN : testLabels.Where((l, i) => l == predicted[i]).Count() / (double)testLabels.Length;
                    return new EfficacyScores(f1, accuracy, double.NaN, double.NaN, double.NaN, rows.Length);
                }
                default:
                {
                    var predictions = Regressor.TrainAndPredict(ml, layout.Width, x, labels.Select(l => (float)l).ToArray(), testX, seed);
                    double mean = testLabels.Average(), residual = 0, totalSquares = 0, absolute = 0;
                    for (int i = 0; i < testLabels.Length; i++)
                    {
                        double error = predictions[i] - testLabels[i];
                        residual += error * error;
                        totalSquares += (testLabels[i] - mean) * (testLabels[i] - mean);
                        absolute += Math.Abs(error);
                    }
                    double r2 = totalSquares > 0 ? 1 - residual / totalSquares : double.NaN;
                    return new EfficacyScores(double.NaN, double.NaN, double.NaN, r2, absolute / testLabels.Length, rows.Length);
                }
            }
        }
        skipped = null;
        return new EfficacyMetrics(column.Name, task, positiveName, testRows.Length, Score(realSample), Score(syntheticSample));
    }

    /// <summary>Each sensitive column's index among the evaluated columns, with the known columns' indices.</summary>
    private static (int Sensitive, int[] Known)[] Inferences(List<string> evaluated, SyntheticDataEvaluationOptions options)
    {
        if (options.SensitiveColumns is not { Count: > 0 } sensitive) return [];
        int IndexOf(string name, string option) => evaluated.IndexOf(name) is >= 0 and var i ? i
            : throw new ArgumentOutOfRangeException(nameof(options), $"{option} names '{name}', which is not among the evaluated columns ({string.Join(", ", evaluated)}); add it to Columns or leave it out.");
        if (sensitive.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentOutOfRangeException(nameof(options), $"Column '{twice.Key}' is listed twice in SensitiveColumns.");
        var known = options.KnownColumns is { Count: > 0 } k ? k.Select(n => IndexOf(n, "KnownColumns")).Distinct().ToArray() : null;
        return sensitive.Select(name =>
        {
            int s = IndexOf(name, "SensitiveColumns");
            var by = (known ?? Enumerable.Range(0, evaluated.Count).ToArray()).Where(c => c != s).ToArray();
            return by.Length > 0 ? (s, by)
                : throw new ArgumentOutOfRangeException(nameof(options), $"The attacker of '{name}' would know no column: KnownColumns names only '{name}' itself, or it is the only evaluated column.");
        }).ToArray();
    }

    /// <summary>The attribute inference of each sensitive column (see <see cref="AttributeInferenceMetrics"/>): training rows and as many holdout rows, each guessed from its closest synthetic row on the known columns.</summary>
    private static (List<AttributeInferenceMetrics> Metrics, string? Skipped) Infer(EvaluationTable real, EvaluationTable syntheticSample, EvaluationTable? holdout,
        (int Sensitive, int[] Known)[] inferences, double[] min, double[] max, SyntheticDataEvaluationOptions options, Random random)
    {
        var metrics = new List<AttributeInferenceMetrics>();
        if (inferences.Length == 0) return (metrics, null);
        if (holdout is null) return (metrics, "set HoldoutReal: the attack on the training rows is read against the same attack on new rows");
        int rows = Math.Min(options.PrivacyRows, Math.Min(real.RowCount, holdout.RowCount));
        if (rows < 10 || syntheticSample.RowCount == 0)
            return (metrics, $"too few rows: {real.RowCount} training, {holdout.RowCount} holdout and {syntheticSample.RowCount} synthetic; at least 10 of each are needed");
        var trained = real.Sample(rows, random);
        var fresh = holdout.Sample(rows, random);
        // The closest synthetic rows depend only on what the attacker knows: sensitive columns of one known set share them.
        var closestOf = new Dictionary<string, (int[] Trained, int[] Fresh)>();
        foreach (var (sensitive, known) in inferences)
        {
            double tolerance = real.Continuous[sensitive] is null ? 0 : 0.05 * (max[sensitive] > min[sensitive] ? max[sensitive] - min[sensitive] : 0);
            string key = string.Join(",", known);
            if (!closestOf.TryGetValue(key, out var closestRows))
                closestOf[key] = closestRows = (PrivacyCalculator.ClosestRows(syntheticSample, trained, known, min, max), PrivacyCalculator.ClosestRows(syntheticSample, fresh, known, min, max));
            double Success(EvaluationTable people, int[] closest)
            {
                int right = 0;
                for (int i = 0; i < people.RowCount; i++)
                {
                    if (people.Continuous[sensitive] is { } truth)
                    {
                        double a = truth[i], g = syntheticSample.Continuous[sensitive]![closest[i]];
                        if (double.IsNaN(a) ? double.IsNaN(g) : Math.Abs(a - g) <= tolerance) right++;
                    }
                    else if (people.Codes[sensitive]![i] == syntheticSample.Codes[sensitive]![closest[i]]) right++;
                }
                return right / (double)people.RowCount;
            }
            metrics.Add(new AttributeInferenceMetrics(real.Columns[sensitive].Name, known.Select(c => real.Columns[c].Name).ToArray(), rows,
                Success(trained, closestRows.Trained), Success(fresh, closestRows.Fresh), tolerance));
        }
        return (metrics, null);
    }

    private static PrivacyMetrics Privacy(EvaluationTable real, EvaluationTable synthetic, EvaluationTable realSample, EvaluationTable syntheticSample, EvaluationTable? holdout,
        int[] evaluated, (int Sensitive, int[] Known)[] inferences, SyntheticDataEvaluationOptions options, Random random)
    {
        long copies = PrivacyCalculator.ExactCopies(real, synthetic, evaluated);
        int n = real.Columns.Length;
        var min = new double[n];
        var max = new double[n];
        for (int c = 0; c < n; c++)
        {
            min[c] = double.PositiveInfinity; max[c] = double.NegativeInfinity;
            if (real.Continuous[c] is { } v)
                foreach (double x in v) if (!double.IsNaN(x)) { min[c] = Math.Min(min[c], x); max[c] = Math.Max(max[c], x); }
        }
        var query = synthetic.Sample(options.PrivacyRows, random);
        double syntheticMedian = ColumnStatistics.Median(PrivacyCalculator.ClosestDistances(realSample, query, evaluated, min, max));
        double? holdoutMedian = holdout is null ? null
            : ColumnStatistics.Median(PrivacyCalculator.ClosestDistances(realSample, holdout.Sample(options.PrivacyRows, random), evaluated, min, max));
        double? holdoutCopies = holdout is null ? null : Rate(PrivacyCalculator.ExactCopies(real, holdout, evaluated), holdout.RowCount);
        var (inferred, skipped) = Infer(real, syntheticSample, holdout, inferences, min, max, options, random);
        return new PrivacyMetrics(Rate(copies, synthetic.RowCount), copies, syntheticMedian, holdoutMedian, query.RowCount)
        {
            HoldoutExactCopyShare = holdoutCopies, AttributeInference = inferred, AttributeInferenceSkippedReason = skipped,
        };
    }
}
