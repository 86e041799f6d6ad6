using System.Text.Json;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan;

/// <summary>
/// Reads a model file of any of the kinds the library writes, telling them apart by their bytes: a model zip
/// (<see cref="ModelFile"/>), an exported ONNX graph, or an ML.NET model zip holding one GAN. Every problem is an
/// <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal static class ModelLoader
{
    public static GanTransformer Load(MLContext ml, byte[] bytes, string source, GanScoringOptions? scoring)
    {
        // A zip starts with "PK"; anything else is read as ONNX (protobuf), whose loader says clearly if it is not.
        bool zip = bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K';
        if (!zip)
        {
            try
            {
                return new GanTransformer(ml, LoadOnnx(bytes, source), scoring);
            }
            catch (InvalidDataException e) when (e.InnerException is OnnxRuntimeException)
            {
                throw ModelFile.Bad(source, $"it is not a readable Microsoft.ML.Gan model: neither a model zip nor a valid ONNX model ({e.InnerException.Message.Trim()})", e);
            }
        }
        if (ModelFile.IsModelZip(bytes)) return new GanTransformer(ml, ModelFile.Load(new MemoryStream(bytes), source), scoring);
        return FromMlNetModel(ml, bytes, source, scoring);
    }

    /// <summary>Rebuilds a model from an ONNX graph this library exported: the description comes from its metadata.</summary>
    public static GanModel LoadOnnx(byte[] onnx, string source)
    {
        var description = ReadDescription(onnx, source);
        var (encoder, training) = ModelFile.Check(description, source);
        return new GanModel(encoder, training, null, description.History ?? [], description.TrainingRows, description.SelectedEpoch, onnx);
    }

    /// <summary>
    /// After <c>mlContext.Model.Load</c>: every ML.NET ONNX transform that holds a Microsoft.ML.Gan graph becomes a
    /// <see cref="GanTransformer"/> again, alone or inside chains.
    /// </summary>
    public static ITransformer Restore(MLContext ml, ITransformer loaded) =>
        MlNetModelBridge.Restore(loaded, ml, graph => new GanTransformer(ml, LoadOnnx(graph, "the ONNX transform of an ML.NET model"), null));

    /// <summary>A zip that is not a GAN model zip may be an ML.NET model holding one GAN (saved with mlContext.Model.Save).</summary>
    private static GanTransformer FromMlNetModel(MLContext ml, byte[] bytes, string source, GanScoringOptions? scoring)
    {
        ITransformer loaded;
        try
        {
            loaded = ml.Model.Load(new MemoryStream(bytes), out _);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException)
        {
            throw ModelFile.Bad(source, $"it is a zip, but not a Microsoft.ML.Gan model (it has no manifest.json) nor an ML.NET model holding one ({e.Message})", e);
        }
        var restored = Restore(ml, loaded);
        if (restored is GanTransformer gan)
        {
            if (scoring is null) return gan;
            using (gan) return gan.WithScoring(scoring);
        }
        int gans = restored is IEnumerable<ITransformer> chain ? chain.Count(t => t is GanTransformer) : 0;
        throw ModelFile.Bad(source, gans == 0
            ? "it is an ML.NET model without a GAN in it"
            : $"it is an ML.NET model with {gans} GAN(s) among other transforms; load it with mlContext.Model.Load and call mlContext.Gan().Restore on the result");
    }

    /// <summary>Reads the description from an ONNX model's bytes; the message names <paramref name="source"/> and what is wrong.</summary>
    private static ModelDescription ReadDescription(byte[] onnx, string source)
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
            throw ModelFile.Bad(source, $"it is not a valid ONNX model ({e.Message.Trim()})", e);
        }
        if (!metadata.TryGetValue(OnnxMetadata.ManifestKey, out var json))
            throw ModelFile.Bad(source, $"it is an ONNX model, but not a generator exported by Microsoft.ML.Gan (its metadata has no '{OnnxMetadata.ManifestKey}')");
        try
        {
            return ModelDescription.FromJson(json) ?? throw ModelFile.Bad(source, "its model description is empty");
        }
        catch (JsonException e)
        {
            throw ModelFile.Bad(source, $"its model description is not readable ({e.Message})", e);
        }
    }
}
