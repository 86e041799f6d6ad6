namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>The repository the benchmark runs from: its root, and the commit checked out (for the report).</summary>
internal static class Repository
{
    /// <summary>
    /// Folders holding Microsoft.ML.Gan.sln or Directory.Packages.props, found by walking up from the current
    /// directory and from the program's folder (the first match of each walk).
    /// </summary>
    public static IEnumerable<string> Roots()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Microsoft.ML.Gan.sln")) ||
                    File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
                {
                    if (seen.Add(dir.FullName)) yield return dir.FullName;
                    break;
                }
            }
        }
    }

    /// <summary>The commit HEAD points at, read from .git without running git; null when not found.</summary>
    public static string? HeadCommit()
    {
        try
        {
            string? root = Roots().FirstOrDefault(r => Directory.Exists(Path.Combine(r, ".git")));
            if (root is null) return null;
            string git = Path.Combine(root, ".git");
            string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
            if (!head.StartsWith("ref: ", StringComparison.Ordinal)) return head;
            string name = head[5..];
            string loose = Path.Combine(git, name);
            if (File.Exists(loose)) return File.ReadAllText(loose).Trim();
            string packed = Path.Combine(git, "packed-refs");
            return File.Exists(packed)
                ? File.ReadLines(packed).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == name)?[0]
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
