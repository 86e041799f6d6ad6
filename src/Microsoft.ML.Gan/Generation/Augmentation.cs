using Microsoft.ML.Gan.DataViews;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Generation;

/// <summary>
/// Rebalances a table's classes: the table's rows, then synthetic rows of each class that needs more, every one
/// generated with its class as a condition.
/// </summary>
internal static class Augmentation
{
    public static IDataView Run(GanTransformer model, IDataView data, string labelColumn, GanAugmentationOptions options)
    {
        var label = model.Model.Encoder.Columns.FirstOrDefault(c => c.Name == labelColumn)
            ?? throw new ArgumentException($"Label column '{labelColumn}' is not one of the model's columns ({string.Join(", ", model.Columns.Select(c => $"'{c.Name}'"))}).", nameof(labelColumn));
        if (label is not CategoricalColumn classes)
            throw new ArgumentException($"Label column '{labelColumn}' is numeric: augmentation balances the classes of a categorical (text, boolean or key) label.", nameof(labelColumn));

        var counts = ClassCounter.Count(data, classes);
        var targets = new long[classes.LevelCount];
        if (options.TargetCounts is null)
        {
            Array.Fill(targets, counts.Max());
        }
        else
        {
            var names = Enumerable.Range(0, classes.LevelCount).Select(classes.LevelName).ToList();
            for (int level = 0; level < targets.Length; level++) targets[level] = counts[level];
            foreach (var (category, target) in options.TargetCounts)
            {
                int level = names.IndexOf(category);
                if (level < 0)
                    throw new ArgumentException($"TargetCounts names class '{category}', which label '{labelColumn}' does not have ({string.Join(", ", names.Select(v => $"'{v}'"))}).", nameof(options));
                if (target < counts[level])
                    throw new ArgumentException($"TargetCounts asks for {target:N0} rows of class '{category}', which already has {counts[level]:N0}: augmentation only adds rows.", nameof(options));
                targets[level] = target;
            }
        }

        var parts = new List<IDataView> { data };
        for (int level = 0; level < targets.Length; level++)
        {
            if (targets[level] <= counts[level]) continue;
            // The class by name: every categorical kind takes its own level names as a condition.
            parts.Add(model.Generate(targets[level] - counts[level], unchecked(options.Seed * 7919 + level + 1),
                new Dictionary<string, object> { [labelColumn] = classes.LevelName(level) }, options.MaximumCandidatesPerRow));
        }
        return new AppendedDataView(model.TrainingSchema, parts);
    }
}
