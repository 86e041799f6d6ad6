using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Tests.Hostile;

/// <summary>
/// Makes the files an attacker or a broken disk would hand the loader: bit flips, truncations, decompression bombs,
/// and manifests or graphs that lie. Edits that the integrity record would catch are re-sealed, as an attacker who
/// recomputes the hash would, so that the checks behind the record are tested too.
/// </summary>
internal static class HostileFiles
{
    /// <summary>Edits a model zip in place, then makes its integrity record match again.</summary>
    public static void EditZip(string path, Action<ZipArchive> edit)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update)) edit(zip);
        File.WriteAllBytes(path, ModelFile.Reseal(File.ReadAllBytes(path)));
    }

    /// <summary>Edits a model zip's manifest (as JSON) in place and re-seals the file.</summary>
    public static void EditManifest(string path, Action<JsonObject> edit) => EditZip(path, zip =>
    {
        var entry = zip.GetEntry("manifest.json")!;
        JsonObject manifest;
        using (var stream = entry.Open()) manifest = JsonNode.Parse(stream)!.AsObject();
        edit(manifest);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
        writer.Write(manifest.ToJsonString());
    });

    /// <summary>The model zip of <paramref name="model"/>, as bytes: a model saved once for many lies (<see cref="RefusedManifest"/>).</summary>
    public static byte[] Saved(GanTransformer model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Loads the model zip <paramref name="saved"/> with its manifest edited by <paramref name="edit"/> (in a temporary
    /// folder, deleted after) and returns the refusal, asserting the load refuses it.
    /// </summary>
    public static InvalidDataException RefusedManifest(byte[] saved, Action<JsonObject> edit, string lie)
    {
        string folder = Directory.CreateTempSubdirectory("gan-lie-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            File.WriteAllBytes(path, saved);
            EditManifest(path, edit);
            return Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).Gan().LoadModel(path), lie);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Asserts that the model zip <paramref name="saved"/>, whose manifest holds one numeric trend, is refused once
    /// <paramref name="edit"/> has changed that trend, with a message that contains <paramref name="named"/>.
    /// </summary>
    public static void RefusedTrendLie(byte[] saved, Action<JsonObject> edit, string lie, string named) =>
        RefusedRuleLie(saved, "Trends", edit, lie, named);

    /// <summary>
    /// Asserts that the model zip <paramref name="saved"/> is refused once <paramref name="edit"/> has changed the first
    /// rule of its manifest's <paramref name="section"/> ("Trends", "CategoryThresholds", "Exclusions" …), with a message
    /// that contains <paramref name="named"/>.
    /// </summary>
    public static void RefusedRuleLie(byte[] saved, string section, Action<JsonObject> edit, string lie, string named) =>
        RefusedLie(saved, manifest => edit(manifest[section]!.AsArray()[0]!.AsObject()), lie, named);

    /// <summary>
    /// Asserts that the model zip <paramref name="saved"/> is refused once <paramref name="edit"/> has changed its
    /// manifest, with a message that contains <paramref name="named"/>.
    /// </summary>
    public static void RefusedLie(byte[] saved, Action<JsonObject> edit, string lie, string named)
    {
        var e = RefusedManifest(saved, edit, lie);
        StringAssert.Contains(e.Message, named, lie);
    }

    /// <summary>The saved state of column <paramref name="name"/> in <paramref name="manifest"/>, to edit.</summary>
    public static JsonObject Column(JsonObject manifest, string name) =>
        manifest["Columns"]!.AsArray().Select(c => c!.AsObject()).First(c => (string?)c["Name"] == name);

    /// <summary>A column dependency as a manifest holds it: <paramref name="determinant"/>'s first value sets <paramref name="target"/>'s first.</summary>
    public static JsonObject Dependency(string determinant, string target) =>
        new() { ["Determinant"] = determinant, ["Target"] = target, ["Keys"] = new JsonArray(0.0), ["Values"] = new JsonArray(0.0) };

    /// <summary>
    /// Asserts that the .onnx file <paramref name="graph"/> (written to a temporary file, deleted after) is refused at
    /// load because its graph does not do what its description says, with a message that contains <paramref name="named"/>.
    /// </summary>
    public static void RefusedMismatchedOnnx(byte[] graph, string named)
    {
        string path = Path.Combine(Path.GetTempPath(), $"gan-mismatch-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, graph);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).Gan().LoadOnnx(path).Dispose());
            StringAssert.Contains(e.Message, "does not match its description");
            StringAssert.Contains(e.Message, named);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// An .onnx file with <paramref name="model"/>'s real graph but the description <paramref name="lie"/> makes of
    /// its manifest, sealed: what someone who edits the metadata and recomputes the hash would hand over.
    /// </summary>
    public static byte[] OnnxWithDescription(GanModel model, Action<JsonObject> lie, CategorySampling? graphSampling = null)
    {
        var sampling = graphSampling ?? model.Training.CategorySampling;
        var signature = model.SignatureFor(sampling);
        var truth = model.Describe(sampling);
        var description = JsonNode.Parse(truth.ToJson())!.AsObject();
        lie(description);
        // The plain-word metadata stays true; the description the loader reads is the lie.
        var metadata = OnnxMetadata.Create(truth, signature)
            .Select(kv => kv.Key == OnnxMetadata.ManifestKey ? new KeyValuePair<string, string>(kv.Key, description.ToJsonString()) : kv);
        return GeneratorGraph.Build(model.Encoder, FoldedGenerator.From(model.Generator!), signature, model.Filter, metadata);
    }

    /// <summary>A copy of <paramref name="bytes"/> with bit <paramref name="bit"/> of byte <paramref name="position"/> flipped.</summary>
    public static byte[] Flip(byte[] bytes, int position, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[position] ^= (byte)(1 << bit);
        return copy;
    }

    /// <summary>About <paramref name="count"/> positions spread over a file, every byte of its first and last 64 included.</summary>
    public static IEnumerable<int> Positions(int length, int count)
    {
        var positions = new SortedSet<int>();
        for (int i = 0; i < Math.Min(64, length); i++)
        {
            positions.Add(i);
            positions.Add(length - 1 - i);
        }
        for (int k = 0; k < count; k++) positions.Add((int)((long)k * length / count));
        return positions;
    }

    /// <summary>A model zip whose entry <paramref name="entry"/> inflates to <paramref name="bytes"/> zero bytes from a small file, re-sealed.</summary>
    public static void Bomb(string goodZip, string path, string entry, long bytes)
    {
        // Written in Create mode, which streams to the file (Update mode would hold the whole entry in memory).
        using (var good = ZipFile.OpenRead(goodZip))
        using (var bomb = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            bomb.Comment = good.Comment;
            foreach (var e in good.Entries)
            {
                using var target = bomb.CreateEntry(e.FullName, CompressionLevel.SmallestSize).Open();
                if (e.FullName != entry)
                {
                    using var source = e.Open();
                    source.CopyTo(target);
                    continue;
                }
                var zeros = new byte[1 << 20];
                for (long written = 0; written < bytes; written += zeros.Length) target.Write(zeros);
            }
        }
        File.WriteAllBytes(path, ModelFile.Reseal(File.ReadAllBytes(path)));
    }
}
