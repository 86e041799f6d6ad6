using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// How busy the machine was while something was timed: the cores this process kept busy, and the cores busy with
/// anything else (other processes, and time the hypervisor stole). On a shared machine a second busy process
/// does more than take its share: libtorch's threads wait for each other at every parallel region, so one
/// descheduled thread stalls the rest. Figures taken while <see cref="OtherCores"/> is well above zero are not clean.
/// Linux only (/proc/stat); elsewhere the other load reads NaN.
/// </summary>
internal readonly record struct CpuLoad(double Seconds, double OwnCores, double OtherCores)
{
    public static CpuLoad Zero => new(0, 0, 0);

    /// <summary>Adds two intervals, weighting the core counts by their durations.</summary>
    public static CpuLoad operator +(CpuLoad a, CpuLoad b)
    {
        double seconds = a.Seconds + b.Seconds;
        return seconds == 0 ? Zero : new CpuLoad(seconds,
            (a.OwnCores * a.Seconds + b.OwnCores * b.Seconds) / seconds,
            (a.OtherCores * a.Seconds + b.OtherCores * b.Seconds) / seconds);
    }

    public override string ToString() => $"{Format.F(OtherCores, 2)} cores busy elsewhere, {Format.F(OwnCores, 2)} here";

    /// <summary>A moment to measure from.</summary>
    public readonly record struct Mark(long Ticks, TimeSpan OwnCpu, double MachineBusySeconds)
    {
        public static Mark Now()
        {
            using var self = Process.GetCurrentProcess();
            return new Mark(Stopwatch.GetTimestamp(), self.TotalProcessorTime, MachineBusySecondsNow());
        }

        /// <summary>The load from this mark to now.</summary>
        public CpuLoad Until(Mark end)
        {
            double seconds = Stopwatch.GetElapsedTime(Ticks, end.Ticks).TotalSeconds;
            if (seconds <= 0) return Zero;
            double own = (end.OwnCpu - OwnCpu).TotalSeconds / seconds;
            double machine = (end.MachineBusySeconds - MachineBusySeconds) / seconds;
            return new CpuLoad(seconds, own, double.IsNaN(machine) ? double.NaN : Math.Max(0, machine - own));
        }

        public CpuLoad UntilNow() => Until(Now());
    }

    /// <summary>Busy seconds of all cores since boot: user, nice, system, irq, softirq and steal from /proc/stat.</summary>
    private static double MachineBusySecondsNow()
    {
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    /// <summary>USER_HZ: 100 on every Linux configuration in practice.</summary>
    private const double ClockTicksPerSecond = 100;
}
