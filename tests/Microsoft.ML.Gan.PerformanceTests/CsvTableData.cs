using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// Any CSV table with a header, for measuring beyond Adult (e.g. the R tables that tables/export-r-tables.sh writes):
/// its columns are inferred as a user's would be (<see cref="GanCatalog.InferColumns"/>, what <c>mlgan train</c>
/// prints), and a fixed share of rows (chosen with a seed of its own, so that every training seed sees the same split)
/// is held out as the real test rows.
/// </summary>
/// <remarks>
/// Measuring on the library's inference keeps the benchmark on a user's footing: a county's name that is unique to
/// each row is left out as free text (as the library does) instead of being learned as a category of one row each,
/// which only copying rows reproduces; numbers written as a few far-apart codes are categories; numbers that need a
/// double's precision are read as Double.
/// </remarks>
internal static class CsvTableData
{
    /// <summary>The share of rows held out as real test rows.</summary>
    public const double HoldoutShare = 0.2;

    /// <summary>Seed of the split: fixed, so that the training seeds compare on the same rows.</summary>
    public const int SplitSeed = 0;

    /// <summary>The table read, split into training rows and held-out rows, with the inference that read it.</summary>
    public sealed record Table(string Name, string Path, GanColumnInference Inference, IDataView Train, IDataView Holdout);

    /// <summary>
    /// Reads and splits a table; <paramref name="overrides"/> (--columns) learn a column as another kind;
    /// <paramref name="splitBy"/> (--split-by) keeps the rows of each of its values in one part (ML.NET's sampling key).
    /// </summary>
    public static Table Load(MLContext ml, string path, IReadOnlyList<(string Name, DataKind Kind)>? overrides = null, string? splitBy = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new DataNotFoundException($"--table: there is no file '{full}'.");
        var inference = ml.Gan().InferColumns(full);
        foreach (var (name, kind) in overrides ?? [])
        {
            if (!inference.Columns.Any(c => c.Name == name))
                throw new ArgumentException($"--columns: '{name}' is not a column of {full}; its columns are {string.Join(", ", inference.Columns.Select(c => c.Name))}.");
            inference = inference.With(name, GanColumnRole.Learned, kind);
        }
        if (!inference.Columns.Any(c => c.Role != GanColumnRole.LeftOut)) throw new InvalidDataException($"'{full}': every column was left out ({inference}).");
        var all = ml.Data.LoadFromTextFile(full, inference.LoaderOptions);
        if (splitBy is not null && all.Schema.GetColumnOrNull(splitBy) is null)
            throw new ArgumentException($"--split-by: '{splitBy}' is not a column read from {full}; its columns are {string.Join(", ", all.Schema.Select(c => c.Name))}.");
        var split = ml.Data.TrainTestSplit(all, HoldoutShare, samplingKeyColumnName: splitBy, seed: SplitSeed);
        return new Table(System.IO.Path.GetFileNameWithoutExtension(full), full, inference, ml.Data.Cache(split.TrainSet), ml.Data.Cache(split.TestSet));
    }
}
