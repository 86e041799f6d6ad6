using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>The figures of one benchmark run: printed as a table, written as JSON with the same names.</summary>
internal abstract class BenchmarkResult
{
    public string Benchmark { get; init; } = "";

    public MachineInfo Machine { get; init; } = MachineInfo.Current();

    /// <summary>Microsoft.ML.Gan's informational version, and the repository's HEAD commit (uncommitted changes are not shown).</summary>
    public string LibraryVersion { get; init; } =
        typeof(GanTrainer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "?";

    public string? RepositoryCommit { get; init; } = Repository.HeadCommit();

    public DateTimeOffset Started { get; init; } = DateTimeOffset.Now;

    /// <summary>Prints the figures for a reader.</summary>
    public abstract void Print(TextWriter writer);

    protected void PrintHeader(TextWriter writer)
    {
        writer.WriteLine();
        writer.WriteLine($"== Microsoft.ML.Gan benchmark: {Benchmark} ==");
        writer.WriteLine($"library  Microsoft.ML.Gan {LibraryVersion}; repository HEAD {RepositoryCommit?[..Math.Min(12, RepositoryCommit.Length)] ?? "unknown"} (working-tree changes not shown)");
        writer.WriteLine($"machine  {Machine.Cpu}, {Machine.LogicalCores} logical cores, TorchSharp {Machine.TorchSharpVersion} with {Machine.TorchThreads} intra-op thread(s), .NET {Machine.DotNetVersion}, {Machine.Os}");
    }
}

/// <summary>Where the figures were measured.</summary>
internal sealed record MachineInfo(string Cpu, int LogicalCores, int TorchThreads, string TorchSharpVersion, string DotNetVersion, string Os)
{
    public static MachineInfo Current() => new(
        CpuName(), Environment.ProcessorCount, TorchSharp.torch.get_num_threads(),
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?",
        Environment.Version.ToString(), RuntimeInformation.OSDescription);

    private static string CpuName()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}

/// <summary>A plain text table: first column left-aligned, the others right-aligned.</summary>
internal sealed class TextTable(params string[] header)
{
    private readonly List<string[]> _rows = [header];

    public TextTable Add(params string[] cells)
    {
        _rows.Add(cells);
        return this;
    }

    public void Print(TextWriter writer, string indent = "  ")
    {
        int columns = _rows.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => _rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        for (int r = 0; r < _rows.Count; r++)
        {
            var line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++)
            {
                string cell = c < _rows[r].Length ? _rows[r][c] : "";
                if (c > 0) line.Append("   ");
                line.Append(c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            }
            writer.WriteLine(line.ToString().TrimEnd());
            if (r == 0) writer.WriteLine(indent + new string('-', widths.Sum() + 3 * (columns - 1)));
        }
    }
}

/// <summary>Says when other work on the machine disturbed the figures.</summary>
internal static class LoadWarning
{
    /// <summary>Cores of other work above which figures are flagged as disturbed.</summary>
    public const double Threshold = 0.2;

    public static void Print(TextWriter w, double otherCores, int cores)
    {
        if (double.IsNaN(otherCores) || otherCores <= Threshold) return;
        w.WriteLine($"WARNING: other work kept up to {Format.F(otherCores, 2)} of this machine's {cores} cores busy while figures were taken: " +
                    "they are slower than on a quiet machine (libtorch's threads wait for each other when one is descheduled). Ratios of interleaved runs hold up better than absolute figures.");
    }
}

/// <summary>Number formatting for the tables (invariant culture, so output reads the same everywhere).</summary>
internal static class Format
{
    public static string N0(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    public static string F(double v, int digits = 2) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Three significant digits or so: 0.0123, 1.23, 12.3, 1,234.</summary>
    public static string G(double v) =>
        !double.IsFinite(v) ? "n/a" : Math.Abs(v) >= 1000 ? N0(v) : Math.Abs(v) >= 100 ? F(v, 1) : Math.Abs(v) >= 1 ? F(v, 2) : F(v, 4);

    public static string Millions(double v) => F(v / 1e6, 1) + " M";

    public static string Percent(double fraction) => F(100 * fraction, 1) + " %";

    public static string MiB(long bytes) => F(bytes / (1024.0 * 1024.0), 1);

    public static string List(IEnumerable<double> values, int digits = 2) => string.Join(", ", values.Select(v => F(v, digits)));
}

/// <summary>Writes a result as indented JSON, atomically: to a temporary file beside the target, then a rename.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void WriteAtomically(string path, BenchmarkResult result)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Microsoft.ML.Gan.Common.AtomicFile.Write(full, stream => JsonSerializer.Serialize(stream, result, result.GetType(), s_options));
    }
}
