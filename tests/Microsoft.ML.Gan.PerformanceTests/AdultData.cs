using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>Thrown when the Adult table cannot be found; the message says where it was looked for.</summary>
internal sealed class DataNotFoundException(string message) : Exception(message);

/// <summary>
/// The UCI Adult training table (26,048 rows, 15 columns), read at run time from the shared data folder next to
/// the repository (../shared/data, see its README.md); never copied into the repository.
/// Integer columns are loaded as Int32, so generated values go through the library's integer decoding
/// (rounding, clamping to the training range); text columns as text, with "?" as the missing token.
/// </summary>
internal static class AdultData
{
    public const string FileName = "adult_train.csv";

    /// <summary>The token the table uses for a missing category (workclass, occupation, native-country).</summary>
    public const string MissingToken = "?";

    private static readonly (string Name, DataKind Kind)[] s_columns =
    [
        ("age", DataKind.Int32),
        ("workclass", DataKind.String),
        ("fnlwgt", DataKind.Int32),
        ("education", DataKind.String),
        ("education-num", DataKind.Int32),
        ("marital-status", DataKind.String),
        ("occupation", DataKind.String),
        ("relationship", DataKind.String),
        ("race", DataKind.String),
        ("sex", DataKind.String),
        ("capital-gain", DataKind.Int32),
        ("capital-loss", DataKind.Int32),
        ("hours-per-week", DataKind.Int32),
        ("native-country", DataKind.String),
        ("income", DataKind.String),
    ];

    /// <summary>How integer columns are loaded, for the report.</summary>
    public const string IntegerColumnType = "Int32";

    public static int ColumnCount => s_columns.Length;

    /// <summary>
    /// The path of adult_train.csv: <paramref name="overridePath"/> (the file or its folder) when given, else
    /// ../shared/data/adult_train.csv beside the repository root. Throws <see cref="DataNotFoundException"/>.
    /// </summary>
    public static string Locate(string? overridePath)
    {
        if (overridePath is not null)
        {
            string full = Path.GetFullPath(overridePath);
            string file = Directory.Exists(full) ? Path.Combine(full, FileName) : full;
            if (File.Exists(file)) return file;
            throw new DataNotFoundException(
                $"The Adult data was not found at '{file}' (from --data {overridePath}). Give the path of {FileName} or of the folder holding it.");
        }

        var roots = Repository.Roots().ToList();
        foreach (string root in roots)
        {
            string file = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", FileName));
            if (File.Exists(file)) return file;
        }
        string where = roots.Count == 0
            ? "No repository root (a folder with Microsoft.ML.Gan.sln or Directory.Packages.props) was found above " +
              $"'{Environment.CurrentDirectory}' or '{AppContext.BaseDirectory}'."
            : $"Looked for {string.Join(" and ", roots.Select(r => $"'{Path.GetFullPath(Path.Combine(r, "..", "shared", "data", FileName))}'").Distinct())}.";
        throw new DataNotFoundException(
            $"The Adult data ({FileName}) was not found. {where} It belongs in ../shared/data next to the repository " +
            "(see that folder's README.md); it is never copied into the repository. Pass --data <path> to point at it.");
    }

    /// <summary>
    /// Loads the table lazily with ML.NET's TextLoader, after checking that the header is the one expected; with
    /// <paramref name="numbersAsSingle"/> its integer columns are Single, as many ML.NET samples load every number.
    /// </summary>
    public static IDataView Load(MLContext ml, string path, bool numbersAsSingle = false)
    {
        string header = File.ReadLines(path).FirstOrDefault() ?? "";
        string expected = string.Join(",", s_columns.Select(c => c.Name));
        if (header.Trim() != expected)
            throw new InvalidDataException($"'{path}' does not start with the Adult header. Expected: {expected}. Found: {header}.");

        var loader = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            HasHeader = true,
            Separators = [','],
            Columns = s_columns.Select((c, i) => new TextLoader.Column(c.Name, numbersAsSingle && c.Kind == DataKind.Int32 ? DataKind.Single : c.Kind, i)).ToArray(),
        });
        return loader.Load(path);
    }
}
