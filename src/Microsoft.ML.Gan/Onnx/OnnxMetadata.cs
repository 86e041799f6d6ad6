using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// The metadata_props of an exported generator graph. One entry holds the whole model description (the same
/// JSON as a model zip's manifest: options, fitted columns, history), enough to rebuild a
/// <see cref="GanTransformer"/> from the .onnx file alone; the others repeat its main facts in plain words
/// for a reader with any ONNX tool.
/// </summary>
internal static class OnnxMetadata
{
    public const string ManifestKey = "microsoft.ml.gan.manifest";

    public static IEnumerable<KeyValuePair<string, string>> Create(GanModel.Manifest manifest, Encoding.ConditionLayout layout)
    {
        var options = manifest.Options!;
        yield return new(ManifestKey, GanModel.ToJson(manifest));
        yield return new("microsoft.ml.gan.library_version", manifest.LibraryVersion ?? "unknown");
        yield return new("microsoft.ml.gan.columns", string.Join(", ", manifest.Columns!.Select(c => $"{c.Name}: {c.Kind}")));
        yield return new("microsoft.ml.gan.noise", string.Create(CultureInfo.InvariantCulture,
            $"input '{options.NoiseColumnName}': float [batch, {options.NoiseDimension}], {options.NoisePrior} prior"));
        if (options.ConditionalGenerator && layout.Width > 0)
        {
            yield return new("microsoft.ml.gan.condition", FormattableString.Invariant(
                $"input '{GeneratorExport.ConditionInputName}': float [batch, {layout.Width}], one block per categorical column ") +
                "(" + string.Join(", ", layout.Columns.Select(c => FormattableString.Invariant($"{c.Name} at {c.Offset}, {c.Count} categories in the order of microsoft.ml.gan.manifest"))) + "). " +
                "Set exactly one entry to 1: to ask for a category, its entry; for ordinary rows, a block chosen uniformly and in it a " +
                "category drawn with the probabilities in microsoft.ml.gan.condition_frequencies.");
            yield return new("microsoft.ml.gan.condition_frequencies", JsonSerializer.Serialize(layout.Columns.ToDictionary(c => c.Name, c => c.Frequencies)));
        }
        yield return new("microsoft.ml.gan.category_sampling", options.CategorySampling == CategorySampling.Sample
            ? $"Sample: input '{GeneratorExport.DrawsInputName}' takes one uniform draw in [0, 1) per categorical choice and row"
            : "ArgMax: the highest-scoring category");
    }

    /// <summary>Reads the description from an ONNX model's bytes; the message names <paramref name="source"/> and what is wrong.</summary>
    public static GanModel.Manifest Read(byte[] onnx, string source)
    {
        OnnxRuntimeCheck.EnsureLoaded();
        Dictionary<string, string> metadata;
        try
        {
            using var session = new InferenceSession(onnx);
            metadata = session.ModelMetadata.CustomMetadataMap;
        }
        catch (OnnxRuntimeException e)
        {
            throw GanModel.Bad(source, $"it is not a valid ONNX model ({e.Message.Trim()})", e);
        }
        if (!metadata.TryGetValue(ManifestKey, out var json))
            throw GanModel.Bad(source, $"it is an ONNX model, but not a generator exported by Microsoft.ML.Gan (its metadata has no '{ManifestKey}')");
        try
        {
            return GanModel.FromJson(json) ?? throw GanModel.Bad(source, "its model description is empty");
        }
        catch (JsonException e)
        {
            throw GanModel.Bad(source, $"its model description is not readable ({e.Message})", e);
        }
    }
}
