using System.Diagnostics;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// libtorch's intra-op thread count while a model trains. Fixed when <see cref="GanTrainer.Options.TrainingThreads"/>
/// says so; otherwise chosen from the machine's load and chosen again after every epoch: every core while nothing
/// else runs, fewer when other processes keep cores busy. libtorch's worker threads spin while they wait for each
/// other, so a training that keeps all its threads on a machine where another process competes runs several times
/// (on small networks tens of times) slower; one that yields cores runs at about its share. The count is process-wide
/// in libtorch: it is restored when training ends.
/// </summary>
internal sealed class TrainingThreads : IEpochObserver, IDisposable
{
    /// <summary>The other processes' load at which a core counts as taken: a little under one busy core.</summary>
    private const double TakenCore = 0.6;

    /// <summary>The shortest measurement the first count is chosen from; shorter reads of the table are topped up.</summary>
    private static readonly TimeSpan s_shortestMeasure = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the last measurement of any training in this process stands in for a new one.</summary>
    private static readonly TimeSpan s_fresh = TimeSpan.FromSeconds(30);

    // The other processes' load last measured by a training in this process, and when: a run of short trainings (a
    // test suite, a sweep) starts each one with the right count without measuring again.
    private static (double OtherCores, long Timestamp)? s_recent;

    private readonly int _previous;
    private readonly int? _fixed;
    private readonly int _cores;
    private readonly IChannel _channel;
    private MachineLoad.Mark _mark;

    /// <param name="startLoad">The load measured before training started (reading the table), to choose the first count.</param>
    public TrainingThreads(int? fixedCount, MachineLoad startLoad, IChannel channel)
    {
        _previous = torch.get_num_threads();
        _fixed = fixedCount;
        _cores = Environment.ProcessorCount;
        _channel = channel;
        Count = fixedCount ?? Choose(_cores, OtherLoadBefore(startLoad));
        torch.set_num_threads(Count);
        channel.Info(MessageSensitivity.None, fixedCount is null
            ? $"Training with {Count} of {_cores} cores' threads (TrainingThreads is automatic: chosen again after every epoch from what else keeps the machine busy)."
            : $"Training with {Count} thread(s), as Options.TrainingThreads asks.");
        _mark = MachineLoad.Mark.Now();
    }

    /// <summary>The thread count training runs with now.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The thread count for a machine of <paramref name="cores"/> cores where other processes keep
    /// <paramref name="otherCores"/> busy: the cores they leave, at least one. Unknown load (NaN, not Linux): every core.
    /// </summary>
    public static int Choose(int cores, double otherCores)
    {
        if (double.IsNaN(otherCores)) return cores;
        int taken = (int)Math.Floor(otherCores + (1 - TakenCore));
        return Math.Clamp(cores - taken, 1, cores);
    }

    /// <summary>The other processes' load before training: measured while the table was read, else recently, else now.</summary>
    private static double OtherLoadBefore(MachineLoad reading)
    {
        if (reading.Seconds < s_shortestMeasure.TotalSeconds)
        {
            if (s_recent is { } recent && Stopwatch.GetElapsedTime(recent.Timestamp) < s_fresh) return recent.OtherCores;
            var mark = MachineLoad.Mark.Now();
            Thread.Sleep(s_shortestMeasure);
            reading = mark.UntilNow();
        }
        Remember(reading.OtherCores);
        return reading.OtherCores;
    }

    private static void Remember(double otherCores)
    {
        if (!double.IsNaN(otherCores)) s_recent = (otherCores, Stopwatch.GetTimestamp());
    }

    public GanEpochStatistics Observe(GanEpochStatistics epoch)
    {
        if (_fixed is not null) return epoch;
        var load = _mark.UntilNow();
        Remember(load.OtherCores);
        int next = Choose(_cores, load.OtherCores);
        if (next != Count)
        {
            _channel.Info(MessageSensitivity.None, $"Epoch {epoch.Epoch}: other work kept {load.OtherCores:F1} of {_cores} cores busy; training continues with {next} thread(s) instead of {Count}.");
            Count = next;
            torch.set_num_threads(Count);
        }
        _mark = MachineLoad.Mark.Now();
        return epoch;
    }

    public void Dispose() => torch.set_num_threads(_previous);
}
