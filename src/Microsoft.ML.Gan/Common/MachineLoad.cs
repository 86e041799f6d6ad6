using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Gan.Common;

/// <summary>
/// How busy the machine was over an interval: the cores this process kept busy, and the cores busy with anything
/// else (other processes, and time a hypervisor stole). Linux only (/proc/stat); elsewhere the other load reads NaN.
/// </summary>
internal readonly record struct MachineLoad(double Seconds, double OwnCores, double OtherCores)
{
    public static MachineLoad Zero => new(0, 0, 0);

    /// <summary>Adds two intervals, weighting the core counts by their durations.</summary>
    public static MachineLoad operator +(MachineLoad a, MachineLoad b)
    {
        double seconds = a.Seconds + b.Seconds;
        return seconds == 0 ? Zero : new MachineLoad(seconds,
            (a.OwnCores * a.Seconds + b.OwnCores * b.Seconds) / seconds,
            (a.OtherCores * a.Seconds + b.OtherCores * b.Seconds) / seconds);
    }

    /// <summary>A moment to measure from.</summary>
    public readonly record struct Mark(long Ticks, TimeSpan OwnCpu, double MachineBusySeconds)
    {
        public static Mark Now()
        {
            using var self = Process.GetCurrentProcess();
            return new Mark(Stopwatch.GetTimestamp(), self.TotalProcessorTime, MachineBusySecondsNow());
        }

        /// <summary>The load from this mark to <paramref name="end"/>.</summary>
        public MachineLoad Until(Mark end)
        {
            double seconds = Stopwatch.GetElapsedTime(Ticks, end.Ticks).TotalSeconds;
            if (seconds <= 0) return Zero;
            double own = (end.OwnCpu - OwnCpu).TotalSeconds / seconds;
            double machine = (end.MachineBusySeconds - MachineBusySeconds) / seconds;
            return new MachineLoad(seconds, own, double.IsNaN(machine) ? double.NaN : Math.Max(0, machine - own));
        }

        public MachineLoad UntilNow() => Until(Now());
    }

    /// <summary>Busy seconds of all cores since boot: user, nice, system, irq, softirq and steal from /proc/stat.</summary>
    private static double MachineBusySecondsNow()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return double.NaN;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...; guest time is already inside user.
            long busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return busy / ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>USER_HZ: 100 on every Linux configuration in practice.</summary>
    private const double ClockTicksPerSecond = 100;
}
