using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Trainers.FastTree;

namespace Microsoft.ML.Gan.Evaluation;

/// <summary>
/// The feature vector of the detection and efficacy classifiers, laid out from the columns' kinds: a continuous
/// column gives its value (missing replaced by the real mean) and, when any table misses values there, a missing
/// indicator; a Boolean gives 0/1; a text or key column is one-hot over its (at most <see cref="MaximumCategories"/>)
/// most frequent real categories, plus one slot for missing and one for every other category.
/// </summary>
internal sealed class FeatureLayout
{
    public const int MaximumCategories = 100;
    private readonly int[] _columns;
    private readonly int[] _offsets;
    private readonly double[] _fill;
    private readonly bool[] _indicator;
    private readonly int[]?[] _slotOfCode;
    private readonly int[] _otherSlot;
    private readonly int[] _trueCode;

    private FeatureLayout(int[] columns, int[] offsets, double[] fill, bool[] indicator, int[]?[] slotOfCode, int[] otherSlot, int[] trueCode, int width)
    {
        _columns = columns; _offsets = offsets; _fill = fill; _indicator = indicator;
        _slotOfCode = slotOfCode; _otherSlot = otherSlot; _trueCode = trueCode; Width = width;
    }

    public int Width { get; }

    /// <summary>Lays out <paramref name="columns"/> from the real table's statistics; <paramref name="tables"/> are all tables to encode.</summary>
    public static FeatureLayout Build(EvaluationTable real, int[] columns, params EvaluationTable[] tables)
    {
        int n = columns.Length, width = 0;
        var offsets = new int[n];
        var fill = new double[n];
        var indicator = new bool[n];
        var slotOfCode = new int[]?[n];
        var otherSlot = new int[n];
        var trueCode = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = columns[i];
            var column = real.Columns[c];
            offsets[i] = width;
            if (column.IsContinuous)
            {
                var v = real.Continuous[c]!;
                double sum = 0; long count = 0;
                foreach (double x in v) if (!double.IsNaN(x)) { sum += x; count++; }
                fill[i] = count > 0 ? sum / count : 0;
                indicator[i] = tables.Any(t => t.Continuous[c]!.Any(double.IsNaN));
                width += indicator[i] ? 2 : 1;
            }
            else if (column.Kind is BooleanKind)
            {
                trueCode[i] = -1;
                for (int k = 0; k < column.CategoryCount; k++) if (column.CategoryName(k) == BooleanKind.NameOf(true)) trueCode[i] = k;
                width += 1;
            }
            else
            {
                var counts = new long[column.CategoryCount];
                foreach (int k in real.Codes[c]!) counts[k]++;
                var top = Enumerable.Range(1, counts.Length - 1).Where(k => counts[k] > 0)
                    .OrderByDescending(k => counts[k]).ThenBy(k => k).Take(MaximumCategories).ToArray();
                var map = new int[column.CategoryCount];
                Array.Fill(map, -1);
                map[0] = 0;                                  // missing
                for (int j = 0; j < top.Length; j++) map[top[j]] = j + 1;
                otherSlot[i] = top.Length + 1;
                slotOfCode[i] = map;
                width += top.Length + 2;
            }
        }
        return new FeatureLayout(columns, offsets, fill, indicator, slotOfCode, otherSlot, trueCode, width);
    }

    /// <summary>Writes row <paramref name="row"/> of <paramref name="table"/> into <paramref name="features"/> (Width long, zeroed).</summary>
    public void Write(EvaluationTable table, int row, Span<float> features)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            int c = _columns[i], o = _offsets[i];
            if (table.Continuous[c] is { } values)
            {
                double v = values[row];
                bool missing = double.IsNaN(v);
                features[o] = (float)(missing ? _fill[i] : v);
                if (_indicator[i]) features[o + 1] = missing ? 1 : 0;
            }
            else if (_slotOfCode[i] is { } map)
            {
                int code = table.Codes[c]![row];
                int slot = code < map.Length && map[code] >= 0 ? map[code] : _otherSlot[i];
                features[o + slot] = 1;
            }
            else features[o] = table.Codes[c]![row] == _trueCode[i] ? 1 : 0;
        }
    }
}

/// <summary>The FastTree classifier the detection and efficacy tests share, and its scores.</summary>
internal static class BinaryClassifier
{
    public const int Trees = 50;
    public const int Leaves = 20;

    private sealed class Example
    {
        public bool Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    /// <summary>The feature vectors of the given rows.</summary>
    public static float[][] Featurize(FeatureLayout layout, EvaluationTable table, IReadOnlyList<int> rows)
    {
        var features = new float[rows.Count][];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = new float[layout.Width];
            layout.Write(table, rows[i], features[i]);
        }
        return features;
    }

    /// <summary>Feature vectors and labels as an in-memory view with a Features vector of the given width.</summary>
    public static IDataView ToView(MLContext ml, int width, IReadOnlyList<float[]> features, IReadOnlyList<bool> labels)
    {
        var examples = new List<Example>(features.Count);
        for (int i = 0; i < features.Count; i++) examples.Add(new Example { Label = labels[i], Features = features[i] });
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(examples, definition);
    }

    /// <summary>
    /// Trains on <paramref name="trainFeatures"/> and returns the scores of <paramref name="testFeatures"/>' rows (higher = more
    /// likely true), the predicted classes and the calibrated probabilities of true. A training set with one class
    /// gives a constant score, that class and a probability of 1 or 0.
    /// </summary>
    /// <param name="logistic">A logistic regression on standardised features instead of FastTree (SDMetrics' LogisticDetection).</param>
    public static (float[] Scores, bool[] Predicted, float[] Probabilities) TrainAndScore(
        MLContext ml, int width, IReadOnlyList<float[]> trainFeatures, bool[] trainLabels, IReadOnlyList<float[]> testFeatures, int seed, bool logistic = false)
    {
        int testRows = testFeatures.Count;
        bool anyTrue = trainLabels.Contains(true), anyFalse = trainLabels.Contains(false);
        if (!anyTrue || !anyFalse)
        {
            var constant = new bool[testRows];
            Array.Fill(constant, anyTrue);
            var certain = new float[testRows];
            Array.Fill(certain, anyTrue ? 1f : 0f);
            return (new float[testRows], constant, certain);
        }
        IEstimator<ITransformer> trainer = logistic
            ? ml.Transforms.NormalizeMeanVariance("Features").Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Label", "Features"))
            : ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = "Features",
                NumberOfTrees = Trees,
                NumberOfLeaves = Leaves,
                MinimumExampleCountPerLeaf = Math.Clamp(trainLabels.Length / 100, 2, 10),
                Seed = seed,
            });
        var model = trainer.Fit(ToView(ml, width, trainFeatures, trainLabels));
        var scored = model.Transform(ToView(ml, width, testFeatures, new bool[testRows]));
        var scores = new float[testRows];
        var predicted = new bool[testRows];
        var probabilities = new float[testRows];
        using var cursor = scored.GetRowCursor([scored.Schema["Score"], scored.Schema["PredictedLabel"], scored.Schema["Probability"]]);
        var scoreGetter = cursor.GetGetter<float>(scored.Schema["Score"]);
        var labelGetter = cursor.GetGetter<bool>(scored.Schema["PredictedLabel"]);
        var probabilityGetter = cursor.GetGetter<float>(scored.Schema["Probability"]);
        int i = 0;
        while (cursor.MoveNext() && i < testRows)
        {
            scoreGetter(ref scores[i]);
            labelGetter(ref predicted[i]);
            probabilityGetter(ref probabilities[i]);
            i++;
        }
        return (scores, predicted, probabilities);
    }

    /// <summary>ROC AUC by ranks (ties count half); 0.5 when a class is absent.</summary>
    public static double Auc(float[] scores, bool[] labels)
    {
        int n = scores.Length;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(scores.ToArray(), order);
        long positives = labels.Count(l => l), negatives = n - positives;
        if (positives == 0 || negatives == 0) return 0.5;
        double rankSum = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (labels[order[k]]) rankSum += rank;
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>F1 of the true class: 2·precision·recall / (precision + recall); 0 when nothing is predicted or present.</summary>
    public static double F1(bool[] predicted, bool[] labels)
    {
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (predicted[i] && labels[i]) tp++;
            else if (predicted[i]) fp++;
            else if (labels[i]) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    public static double Accuracy(bool[] predicted, bool[] labels)
    {
        long right = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) right++;
        return labels.Length == 0 ? double.NaN : (double)right / labels.Length;
    }
}

/// <summary>The FastTree regressor of the efficacy test for numeric labels.</summary>
internal static class Regressor
{
    private sealed class Example
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    private static IDataView ToView(MLContext ml, int width, IReadOnlyList<float[]> features, IReadOnlyList<float> labels)
    {
        var examples = new List<Example>(features.Count);
        for (int i = 0; i < features.Count; i++) examples.Add(new Example { Label = labels[i], Features = features[i] });
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(examples, definition);
    }

    /// <summary>Trains on the given rows and returns its predictions for the test rows (the training mean when it has too few rows).</summary>
    public static float[] TrainAndPredict(MLContext ml, int width, IReadOnlyList<float[]> trainFeatures, float[] trainLabels, IReadOnlyList<float[]> testFeatures, int seed)
    {
        var predictions = new float[testFeatures.Count];
        if (trainLabels.Length < 2)
        {
            Array.Fill(predictions, trainLabels.Length == 1 ? trainLabels[0] : 0f);
            return predictions;
        }
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Features",
            NumberOfTrees = BinaryClassifier.Trees,
            NumberOfLeaves = BinaryClassifier.Leaves,
            MinimumExampleCountPerLeaf = Math.Clamp(trainLabels.Length / 100, 2, 10),
            Seed = seed,
        });
        var model = trainer.Fit(ToView(ml, width, trainFeatures, trainLabels));
        var scored = model.Transform(ToView(ml, width, testFeatures, new float[testFeatures.Count]));
        using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
        var getter = cursor.GetGetter<float>(scored.Schema["Score"]);
        int i = 0;
        while (cursor.MoveNext() && i < predictions.Length) getter(ref predictions[i++]);
        return predictions;
    }
}
