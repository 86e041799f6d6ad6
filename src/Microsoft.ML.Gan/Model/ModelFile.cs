using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// The model zip: manifest.json (a <see cref="ModelDescription"/>: format, options, fitted columns, history) and
/// generator.bin (the generator's TorchSharp weights). Written atomically; read with every problem reported as an
/// <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal static class ModelFile
{
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "generator.bin";

    /// <summary>Writes the model to a zip.</summary>
    public static void Save(GanModel model, Stream stream)
    {
        var generator = model.Generator ?? throw new InvalidOperationException(
            "This model was loaded from an ONNX file: it has the graph, not the training weights a model zip holds. Save it with SaveAsOnnx.");
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            model.Describe().WriteTo(entry);
        using (var entry = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
        {
            // Module.save needs a seekable stream; the zip entry stream is not.
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
                generator.save(writer);
            buffer.Position = 0;
            buffer.CopyTo(entry);
        }
    }

    /// <summary>Saves to <paramref name="path"/> atomically: a temporary file beside it, then a rename.</summary>
    public static void Save(GanModel model, string path) => AtomicFile.Write(path, stream => Save(model, stream));

    /// <summary>Whether these zip bytes hold a model zip (a manifest entry), as opposed to another zip.</summary>
    public static bool IsModelZip(byte[] bytes)
    {
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

    public static GanModel Load(Stream stream, string source)
    {
        TorchRuntime.EnsureLoaded();
        ModelDescription description;
        byte[] weights;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var manifestEntry = zip.GetEntry(ManifestEntry) ?? throw Bad(source, $"it has no {ManifestEntry}; it is not a Microsoft.ML.Gan model");
            var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw Bad(source, $"it has no {WeightsEntry}; the file is incomplete");
            using (var s = manifestEntry.Open())
                description = ModelDescription.ReadFrom(s) ?? throw Bad(source, "its manifest is empty");
            using (var s = weightsEntry.Open())
            using (var copy = new MemoryStream())
            {
                s.CopyTo(copy);
                weights = copy.ToArray();
            }
        }
        catch (InvalidDataException e) when (e.Message.StartsWith("Cannot load GAN model", StringComparison.Ordinal)) { throw; }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException or NotSupportedException)
        {
            throw Bad(source, $"it is not a readable Microsoft.ML.Gan model zip ({e.Message})", e);
        }

        var (encoder, training) = Check(description, source);
        var generator = new GeneratorNetwork(GanModel.ShapeFor(encoder, training));
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights));
            generator.load(reader);
        }
        catch (Exception e)
        {
            generator.Dispose();
            throw Bad(source, $"its generator weights do not match the described network ({e.Message})", e);
        }
        return new GanModel(encoder, training, generator, description.History ?? [], description.TrainingRows, description.SelectedEpoch);
    }

    /// <summary>Checks a description's format and rebuilds the columns and options it describes.</summary>
    public static (TabularEncoder Encoder, TrainingRecord Training) Check(ModelDescription description, string source)
    {
        if (description.FormatVersion != ModelDescription.CurrentFormat)
            throw Bad(source, $"it has format version {description.FormatVersion}; this library reads version {ModelDescription.CurrentFormat}");
        if (description.Options is null || description.Columns is null || description.Columns.Length == 0)
            throw Bad(source, "its manifest lacks the options or the columns");
        try
        {
            var encoder = new TabularEncoder(description.Columns.Select(ColumnKinds.Restore).ToArray());
            description.Options.ToOptions().Validate();
            return (encoder, description.Options);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw Bad(source, $"its column description is invalid ({e.Message})", e);
        }
    }

    internal static InvalidDataException Bad(string source, string what, Exception? inner = null) =>
        new($"Cannot load GAN model from {source}: {what}.", inner);
}
