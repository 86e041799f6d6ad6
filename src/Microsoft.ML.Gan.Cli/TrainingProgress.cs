using System.Globalization;
using Spectre.Console;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Training's progress on standard error (standard output stays for results): a live bar with the epoch, both losses,
/// the last quality check and the time left on a terminal; a line every tenth of the run in a log or a pipe.
/// </summary>
internal static class TrainingProgress
{
    public static T Show<T>(GanTrainer.Options options, Func<IProgress<GanTrainingProgress>, T> train)
    {
        if (!TableFiles.Interactive) return train(new LineProgress(Math.Max(1, options.Epochs / 10)));
        T result = default!;
        TableFiles.Error.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("reading the table", maxValue: options.Epochs);
                result = train(new BarProgress(task));
            });
        return result;
    }

    /// <summary>"epoch 37/300  loss D 0.123  loss G -0.456  quality 0.934": the figures of an epoch, the quality of the last check.</summary>
    internal static string Line(GanTrainingProgress p, double lastQuality)
    {
        string quality = double.IsNaN(lastQuality) ? "" : string.Create(CultureInfo.InvariantCulture, $"  quality {lastQuality:F3}");
        return string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.TotalEpochs}  loss D {p.Statistics.DiscriminatorLoss:F3}  loss G {p.Statistics.GeneratorLoss:F3}{quality}");
    }

    private sealed class BarProgress(ProgressTask task) : IProgress<GanTrainingProgress>
    {
        private double _quality = double.NaN;

        public void Report(GanTrainingProgress p)
        {
            if (p.Statistics.WasValidated) _quality = p.Statistics.ValidationScore;
            task.Description = Markup.Escape(Line(p, _quality));
            task.Value = p.Epoch;
        }
    }

    /// <summary>A line every few epochs, the first and the last, with the time spent and left.</summary>
    private sealed class LineProgress(int every) : IProgress<GanTrainingProgress>
    {
        private double _quality = double.NaN;

        public void Report(GanTrainingProgress p)
        {
            if (p.Statistics.WasValidated) _quality = p.Statistics.ValidationScore;
            if (p.Epoch != 1 && p.Epoch % every != 0 && p.Epoch != p.TotalEpochs) return;
            double left = p.Elapsed.TotalSeconds / p.Epoch * (p.TotalEpochs - p.Epoch);
            string time = string.Create(CultureInfo.InvariantCulture, $"  {p.Elapsed.TotalSeconds:F0} s, about {left:F0} s left");
            Console.Error.WriteLine(Line(p, _quality) + time);
        }
    }
}
