using System.Globalization;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>
/// Any CSV table with a header, for measuring beyond Adult (e.g. the R tables that tables/export-r-tables.sh writes):
/// each column's kind is inferred from its values, and a fixed share of rows (chosen with a seed of its own, so that
/// every training seed sees the same split) is held out as the real test rows.
/// </summary>
/// <remarks>
/// Inference, as R's write.csv writes tables: a column whose every known value is a number is numeric (Int32 when
/// each is whole and none is missing, else Single, missing as NaN); one whose every known value is an ISO 8601 date
/// (2015-04-01, or with a time: 2015-04-01 10:30:00 or 2015-04-01T10:30:00) is a DateTime; any other column is text,
/// a category. Empty, "NA", "?" and "NaN" are missing.
/// </remarks>
internal static class CsvTableData
{
    /// <summary>The tokens read as missing in text columns (numbers read them as NaN).</summary>
    public static readonly string[] MissingTokens = ["NA", "?", "NaN"];

    /// <summary>The share of rows held out as real test rows.</summary>
    public const double HoldoutShare = 0.2;

    /// <summary>Seed of the split: fixed, so that the training seeds compare on the same rows.</summary>
    public const int SplitSeed = 0;

    /// <summary>The table read, split into training rows and held-out rows.</summary>
    public sealed record Table(string Name, string Path, IReadOnlyList<(string Name, DataKind Kind)> Columns, IDataView Train, IDataView Holdout);

    public static Table Load(MLContext ml, string path, IReadOnlyList<(string Name, DataKind Kind)>? overrides = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new DataNotFoundException($"--table: there is no file '{full}'.");
        var rows = ReadRows(full);
        if (rows.Count < 2) throw new InvalidDataException($"'{full}' needs a header and at least one row.");
        string[] header = rows[0];
        var columns = new List<(string Name, DataKind Kind)>();
        for (int j = 0; j < header.Length; j++)
        {
            var given = overrides?.FirstOrDefault(o => o.Name == header[j]);
            columns.Add((header[j], given is { Name: not null } g ? g.Kind : Infer(rows.Skip(1).Select(r => j < r.Length ? r[j] : ""))));
        }
        foreach (var o in overrides ?? [])
            if (!header.Contains(o.Name)) throw new ArgumentException($"--columns: '{o.Name}' is not a column of {full}; its columns are {string.Join(", ", header)}.");

        var all = ml.Data.LoadFromTextFile(full, new TextLoader.Options
        {
            Columns = columns.Select((c, i) => new TextLoader.Column(c.Name, c.Kind, i)).ToArray(),
            HasHeader = true,
            Separators = [','],
            AllowQuoting = true,
            MissingRealsAsNaNs = true,
        });
        var split = ml.Data.TrainTestSplit(all, HoldoutShare, seed: SplitSeed);
        return new Table(System.IO.Path.GetFileNameWithoutExtension(full), full, columns, ml.Data.Cache(split.TrainSet), ml.Data.Cache(split.TestSet));
    }

    private static readonly string[] s_dateFormats = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm"];

    /// <summary>The kind of a column from its values: Int32, Single, DateTime or String (see the class remarks).</summary>
    internal static DataKind Infer(IEnumerable<string> values)
    {
        bool numeric = true, whole = true, missing = false, any = false, date = true;
        foreach (string raw in values)
        {
            string v = raw.Trim();
            if (v.Length == 0 || MissingTokens.Contains(v)) { missing = true; continue; }
            any = true;
            date = date && DateTime.TryParseExact(v, s_dateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) { numeric = false; if (!date) break; continue; }
            if (d != Math.Floor(d) || Math.Abs(d) > int.MaxValue) whole = false;
        }
        if (!any) return DataKind.String;
        if (!numeric) return date ? DataKind.DateTime : DataKind.String;
        return whole && !missing ? DataKind.Int32 : DataKind.Single;
    }

    /// <summary>Rows of a CSV file with quoting ("" inside quotes is a quote; quoted fields may hold commas and line breaks).</summary>
    internal static List<string[]> ReadRows(string path)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, rowHasData = false;
        string text = File.ReadAllText(path);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; rowHasData = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); rowHasData = true; break;
                case '\r': break;
                case '\n':
                    if (rowHasData || field.Length > 0) { fields.Add(field.ToString()); rows.Add([.. fields]); }
                    fields.Clear(); field.Clear(); rowHasData = false;
                    break;
                default: field.Append(c); rowHasData = true; break;
            }
        }
        if (quoted) throw new InvalidDataException($"'{path}' ends inside a quoted field.");
        if (rowHasData || field.Length > 0) { fields.Add(field.ToString()); rows.Add([.. fields]); }
        return rows;
    }
}
