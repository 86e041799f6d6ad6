using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Counts the TorchSharp objects (and the library's TorchSharp modules) that the .NET finalizer frees, from the
/// runtime's own FinalizeObject events. An object left to the finalizer is either a leak until the next collection or,
/// for a temporary Scalar or tensor, a crash waiting to happen: the finalizer may free it while the native call that
/// reads it still runs.
/// </summary>
internal sealed class TorchFinalizations : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private static readonly Dictionary<nint, string> s_types = typeof(torch).Assembly.GetTypes()
        .Concat(typeof(GanTrainer).Assembly.GetTypes().Where(t => t.Namespace?.EndsWith(".Networks", StringComparison.Ordinal) == true || t.Namespace?.EndsWith(".Training", StringComparison.Ordinal) == true))
        .Where(t => t.IsClass && !t.ContainsGenericParameters)
        .Append(typeof(Marker))
        .GroupBy(t => t.TypeHandle.Value)
        .ToDictionary(g => g.Key, g => g.First().FullName!);

    /// <summary>
    /// Handles a module owns. TorchSharp's constructor of a managed module makes a placeholder pair with a null handle
    /// and replaces it, leaving the placeholders (which free nothing) to the finalizer; a module that is not disposed
    /// shows up under its own type, which is counted.
    /// </summary>
    private static readonly HashSet<string> s_ownedByAModule =
        ["TorchSharp.torch+nn+Module+HType", "TorchSharp.torch+nn+BoxedModule", "TorchSharp.torch+nn+BoxedModule+HType"];

    private readonly ConcurrentDictionary<string, int> _counts = new();
    private int _markers;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName != "FinalizeObject" || e.Payload is not { Count: > 0 } payload) return;
        nint type = payload[0] is nint handle ? handle : (nint)Convert.ToInt64(payload[0]);
        if (!s_types.TryGetValue(type, out var name) || s_ownedByAModule.Contains(name)) return;
        if (name == typeof(Marker).FullName) Interlocked.Increment(ref _markers);
        else _counts.AddOrUpdate(name, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// Runs every finalizer that is due and waits until their events have arrived. Events come late, on their own
    /// thread, in the order the finalizer thread raised them: once every due finalizer has run, a marker is dropped and
    /// finalized, and its event, raised after all the others, closes the wait (the first marker whose event arrives).
    /// </summary>
    public void Settle()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        int seen = Volatile.Read(ref _markers);
        // A marker's event can be lost when the listener falls behind on a loaded machine (a CI run once waited two
        // minutes for one): another marker follows every five seconds until one arrives.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var nextMarker = DateTime.MinValue;
        while (Volatile.Read(ref _markers) <= seen)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The runtime's finalizer events did not arrive within two minutes.");
            if (DateTime.UtcNow >= nextMarker)
            {
                DropMarker();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                nextMarker = DateTime.UtcNow.AddSeconds(5);
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Objects finalized so far, by type name.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_counts);

    /// <summary>What was finalized after <paramref name="before"/>, by type name, as "name × count" lines.</summary>
    public List<string> Since(IReadOnlyDictionary<string, int> before) =>
        _counts.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Count > 0).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} × {kv.Count}").ToList();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropMarker() => _ = new Marker();

    private sealed class Marker
    {
        ~Marker() { }
    }
}
