using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// The model zip: manifest.json (a <see cref="ModelDescription"/>: format, options, fitted columns, history),
/// generator.bin (the generator's TorchSharp weights), filter.bin (a density-ratio filter's weights, when the model has
/// one), and, as the zip's comment, an integrity record: the SHA-256 of
/// every byte before it. Written atomically; read as a file from a stranger: the record first, every entry read
/// within a size bound, the description checked before anything is built from it, and every problem an
/// <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal static class ModelFile
{
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "generator.bin";
    private const string FilterEntry = "filter.bin";
    private const string SealPrefix = "microsoft.ml.gan.sha256:";

    /// <summary>The largest manifest read: a thousand columns of a thousand categories each fit many times over.</summary>
    internal const int MaximumManifestBytes = 16 << 20;

    private static readonly int s_sealLength = SealPrefix.Length + ContentHash.HexLength;

    /// <summary>Writes the model to a zip.</summary>
    public static void Save(GanModel model, Stream stream)
    {
        var generator = model.Generator ?? throw new InvalidOperationException(
            "This model was loaded from an ONNX file: it has the graph, not the training weights a model zip holds. Save it with SaveAsOnnx.");
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            // A placeholder of the record's length: the hash covers the bytes before the comment, known once the zip is closed.
            zip.Comment = SealPrefix + new string('0', ContentHash.HexLength);
            using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                model.Describe().WriteTo(entry);
            using (var entry = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
            {
                // Module.save needs a seekable stream; the zip entry stream is not.
                using var weights = new MemoryStream();
                using (var writer = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
                    generator.save(writer);
                weights.Position = 0;
                weights.CopyTo(entry);
            }
            if (model.Filter is { } filter)
            {
                using var entry = zip.CreateEntry(FilterEntry, CompressionLevel.Fastest).Open();
                filter.WriteWeights(entry);
            }
        }
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        System.Text.Encoding.ASCII.GetBytes(SealPrefix + ContentHash.Of(bytes[..^s_sealLength]), bytes[^s_sealLength..]);
        stream.Write(bytes);
    }

    /// <summary>Saves to <paramref name="path"/> atomically: a temporary file beside it, then a rename.</summary>
    public static void Save(GanModel model, string path) => AtomicFile.Write(path, stream => Save(model, stream));

    /// <summary>Whether these zip bytes hold a model zip (a manifest entry), as opposed to another zip.</summary>
    public static bool IsModelZip(byte[] bytes)
    {
        if (Seal(bytes) != SealState.Absent) return true;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            return zip.GetEntry(ManifestEntry) is not null;
        }
        catch (InvalidDataException)
        {
            return true; // unreadable: let Load say what is wrong with it
        }
    }

    /// <summary>
    /// The same zip with its integrity record made anew for its present bytes (tests build hostile files with it: a
    /// file edited by someone who also recomputes the hash must still be refused by the checks that follow).
    /// </summary>
    internal static byte[] Reseal(byte[] bytes)
    {
        if (Seal(bytes) == SealState.Absent) throw new ArgumentException("The zip has no integrity record to remake.", nameof(bytes));
        var copy = (byte[])bytes.Clone();
        System.Text.Encoding.ASCII.GetBytes(SealPrefix + ContentHash.Of(copy.AsSpan(0, copy.Length - s_sealLength)), copy.AsSpan(copy.Length - s_sealLength));
        return copy;
    }

    /// <summary>The state of a zip's integrity record (its comment, the last bytes of the file).</summary>
    private static SealState Seal(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= s_sealLength) return SealState.Absent;
        var record = bytes[^s_sealLength..];
        if (!record[..SealPrefix.Length].SequenceEqual(System.Text.Encoding.ASCII.GetBytes(SealPrefix))) return SealState.Absent;
        return ContentHash.Matches(bytes[..^s_sealLength], record[SealPrefix.Length..]) ? SealState.Valid : SealState.Broken;
    }

    public static GanModel Load(byte[] bytes, string source)
    {
        var seal = Seal(bytes);
        if (seal == SealState.Broken) throw Damaged(source);
        ModelDescription description;
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw Bad(source, $"it is not a readable Microsoft.ML.Gan model zip ({Text.Printable(e.Message)})", e);
        }
        using (zip)
        {
            try
            {
                var manifestEntry = zip.GetEntry(ManifestEntry) ?? throw Bad(source, $"it has no {ManifestEntry}; it is not a Microsoft.ML.Gan model");
                using var manifest = new MemoryStream(ReadEntry(manifestEntry, MaximumManifestBytes, source, "its manifest"));
                description = ModelDescription.ReadFrom(manifest) ?? throw Bad(source, "its manifest is empty");
            }
            catch (Exception e) when (e is JsonException or IOException or NotSupportedException or InvalidDataException && !IsOurs(e))
            {
                throw Bad(source, $"its manifest is not readable ({Text.Printable(e.Message)})", e);
            }
            if (description.FormatVersion >= ModelDescription.SealedFormat && seal != SealState.Valid) throw Damaged(source);

            var (encoder, training, filter) = ModelValidation.Check(description, source);
            var shape = GanModel.ShapeFor(encoder, training);
            var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw Bad(source, $"it has no {WeightsEntry}; the file is incomplete");
            byte[] weights;
            try
            {
                weights = ReadEntry(weightsEntry, ModelValidation.MaximumWeightBytes(shape), source, "its generator weights");
            }
            catch (Exception e) when (e is IOException or InvalidDataException && !IsOurs(e))
            {
                throw Bad(source, $"its generator weights are not readable ({Text.Printable(e.Message)})", e);
            }

            if (filter is not null)
            {
                var filterEntry = zip.GetEntry(FilterEntry) ?? throw Bad(source, $"its description lists a density-ratio filter, but it has no {FilterEntry}; the file is incomplete");
                try
                {
                    filter = filter.WithWeights(ReadEntry(filterEntry, filter.ParameterCount * sizeof(float), source, "its density-ratio filter's weights"));
                }
                catch (Exception e) when (e is IOException or InvalidDataException && !IsOurs(e))
                {
                    throw Bad(source, $"its density-ratio filter's weights are not readable ({Text.Printable(e.Message)})", e);
                }
            }

            TorchRuntime.EnsureLoaded();
            var generator = new GeneratorNetwork(shape);
            try
            {
                using var reader = new BinaryReader(new MemoryStream(weights));
                generator.load(reader);
            }
            catch (Exception e)
            {
                generator.Dispose();
                throw Bad(source, $"its generator weights do not match the described network ({Text.Printable(e.Message)})", e);
            }
            return new GanModel(encoder, training, generator, description.History ?? [], description.TrainingRows, description.SelectedEpoch, filter: filter) { FoundOrders = description.FoundOrders ?? [] };
        }
    }

    /// <summary>An entry's bytes, refusing one that decompresses to more than <paramref name="limit"/> bytes (a decompression bomb) before holding more.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, string source, string what)
    {
        if (entry.Length > limit)
            throw Bad(source, $"{what} would take {entry.Length:N0} bytes, more than the {limit:N0} this model can need");
        using var stream = entry.Open();
        using var copy = new MemoryStream((int)Math.Min(Math.Max(entry.Length, 0), limit));
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (copy.Length + read > limit)
                throw Bad(source, $"{what} decompress to more than the {limit:N0} bytes this model can need");
            copy.Write(buffer, 0, read);
        }
        return copy.ToArray();
    }

    private static bool IsOurs(Exception e) => e.Message.StartsWith("Cannot load GAN model", StringComparison.Ordinal);

    private static InvalidDataException Damaged(string source) =>
        Bad(source, "it is damaged: its bytes no longer match the SHA-256 recorded when it was written (a changed, truncated or corrupted copy)");

    internal static InvalidDataException Bad(string source, string what, Exception? inner = null) =>
        new($"Cannot load GAN model from {source}: {what}.", inner);
}
