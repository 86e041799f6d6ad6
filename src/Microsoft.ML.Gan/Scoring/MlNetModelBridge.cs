using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Gan.Scoring;

/// <summary>
/// Carries a GAN through ML.NET's model files. ML.NET loads only transformer kinds it knows, so a
/// <see cref="GanTransformer"/> is saved as ML.NET's own ONNX scoring transform holding the exported graph (with
/// the model description in its metadata); after <c>mlContext.Model.Load</c>, <see cref="Restore"/> finds those
/// transforms and rebuilds GanTransformers from the graph bytes they carry.
/// </summary>
internal static class MlNetModelBridge
{
    /// <summary>Writes the model into an ML.NET model file being saved, as the ONNX transform ML.NET can load.</summary>
    public static void Save(GanModel model, MLContext ml, ModelSaveContext ctx) =>
        InScratchFolder(ml, scratch =>
        {
            using var standIn = ToOnnxTransformer(model, scratch);
            ((ICanSaveModel)standIn).Save(ctx);
            return true;
        });

    /// <summary>
    /// Runs <paramref name="work"/> with a context whose temporary files go to a folder of their own, deleted
    /// afterwards whatever happened. ML.NET's ONNX transform writes its graph into a temporary file, which disposing
    /// the transform does not always delete (not for one made from bytes), nor does a load that fails after writing it.
    /// </summary>
    public static T InScratchFolder<T>(MLContext ml, Func<MLContext, T> work)
    {
        var folder = Directory.CreateDirectory(Path.Combine(ml.TempFilePath ?? Path.GetTempPath(), "mlgan-" + Guid.NewGuid().ToString("N")));
        try
        {
            return work(new MLContext(seed: 0) { TempFilePath = folder.FullName });
        }
        finally
        {
            try { folder.Delete(recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a file still open (Windows): left to the temp folder's owner */ }
        }
    }

    /// <summary>
    /// An ML.NET ONNX transform over the model's scoring graph: the stand-in ML.NET can save and load. Its graph sits
    /// in a temporary file of <paramref name="ml"/> that outlives it: make it inside <see cref="InScratchFolder"/>.
    /// </summary>
    public static OnnxTransformer ToOnnxTransformer(GanModel model, MLContext ml)
    {
        var inputs = model.Signature.Inputs;
        var estimator = ml.Transforms.ApplyOnnxModel(
            outputColumnNames: model.Signature.Outputs.ToArray(),
            inputColumnNames: inputs.Select(i => i.Name).ToArray(),
            modelBytes: new MemoryStream(model.ScoringGraph));
        return estimator.Fit(new EmptyDataView(inputs));
    }

    /// <summary>
    /// Replaces every ONNX transform that holds a Microsoft.ML.Gan graph (alone or inside chains) with a
    /// <see cref="GanTransformer"/>; everything else is kept as it is.
    /// </summary>
    public static ITransformer Restore(ITransformer loaded, MLContext ml, Func<byte[], ITransformer> fromGraph)
    {
        switch (loaded)
        {
            case OnnxTransformer onnx:
                var bytes = GraphBytes(onnx, ml);
                return bytes is null ? onnx : fromGraph(bytes);
            case IEnumerable<ITransformer> chain:
                var parts = chain.Select(t => Restore(t, ml, fromGraph)).ToArray();
                return new TransformerChain<ITransformer>(parts);
            default:
                return loaded;
        }
    }

    /// <summary>
    /// The graph an ML.NET ONNX transform holds, or null when it is not a Microsoft.ML.Gan generator. The transform
    /// keeps its graph private, but it writes the bytes into its own saved model: save it alone to memory and find
    /// the zip entry that carries them.
    /// </summary>
    private static byte[]? GraphBytes(OnnxTransformer onnx, MLContext ml)
    {
        using var saved = new MemoryStream();
        ml.Model.Save(onnx, null, saved);
        saved.Position = 0;
        using var zip = new ZipArchive(saved, ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var data = copy.ToArray();
            int start = IndexOf(data, System.Text.Encoding.UTF8.GetBytes(OnnxMetadata.ManifestKey));
            if (start < 0) continue;
            // ML.NET writes the graph as a byte array behind its length (a 32-bit integer): the entry is exactly that.
            int length = data.Length >= 4 ? BitConverter.ToInt32(data, 0) : -1;
            if (length != data.Length - 4)
                throw new InvalidDataException(
                    $"The ML.NET model's entry '{entry.FullName}' holds a Microsoft.ML.Gan graph in a layout this library does not know; " +
                    "save the GAN with GanTransformer.SaveAsOnnx or Save instead.");
            return data[4..];
        }
        return null;
    }

    private static int IndexOf(byte[] data, byte[] pattern) => data.AsSpan().IndexOf(pattern);

    /// <summary>A view with no rows and the graph's input columns: what fitting the ONNX transform needs.</summary>
    private sealed class EmptyDataView(IReadOnlyList<GraphInput> columns) : IDataView
    {
        public DataViewSchema Schema { get; } = Build(columns);

        private static DataViewSchema Build(IReadOnlyList<GraphInput> columns)
        {
            var builder = new DataViewSchema.Builder();
            foreach (var input in columns) builder.AddColumn(input.Name, new VectorDataViewType(NumberDataViewType.Single, input.Width));
            return builder.ToSchema();
        }

        public bool CanShuffle => false;
        public long? GetRowCount() => 0;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new EmptyCursor(Schema);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new EmptyCursor(Schema)];

        private sealed class EmptyCursor(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema => schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
                throw new InvalidOperationException("An empty view has no rows to read.");
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = default;
        }
    }
}
