using System.Runtime;

namespace Microsoft.ML.Gan.Common;

/// <summary>
/// What a table of millions of rows needs that a small one does not. Fitting 20 million rows leaves gigabytes of
/// garbage behind each stage (the blocks values were read into, each number column's sorted copies); the garbage
/// collector, with memory to spare, lets it pile up: 20 million rows of Adult's 15 columns reached 7.1 GB while fitting
/// without these collections (and with a list per column and two sorts per number), 2.9 GB with them. A full,
/// compacting collection after each such stage keeps the peak near what is alive.
/// </summary>
internal static class LargeTables
{
    /// <summary>Rows from which a table is large: its stages collect their garbage as they end.</summary>
    public const long Rows = 1_000_000;

    /// <summary>After a stage of a table of <paramref name="rows"/> rows: collects the garbage when the table is large; nothing otherwise.</summary>
    public static void StageEnded(long rows)
    {
        if (rows <= Rows) return;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
