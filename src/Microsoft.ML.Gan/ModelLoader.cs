using System.Text.Json;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Scoring;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan;

/// <summary>
/// Reads a model file of any of the kinds the library writes, telling them apart by their bytes: a model zip
/// (<see cref="ModelFile"/>), an exported ONNX graph, or an ML.NET model zip holding one GAN. A file may come from a
/// stranger: its integrity record, its description, and for a graph the graph's own inputs and outputs and a trial
/// run are checked before a model is returned. Every problem is an <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal static class ModelLoader
{
    /// <summary>The largest model file read (the largest generator a file may declare, and room to spare).</summary>
    public const long MaximumFileBytes = 2L << 30;

    /// <summary>Rows of the trial run that checks a graph's outputs against its description.</summary>
    private const int ProbeRows = 256;

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
                throw ModelFile.Bad(source, $"it is not a readable Microsoft.ML.Gan model: neither a model zip nor a valid ONNX model ({Text.Printable(e.InnerException.Message.Trim())})", e);
            }
        }
        if (ModelFile.IsModelZip(bytes)) return new GanTransformer(ml, ModelFile.Load(bytes, source), scoring);
        return FromMlNetModel(ml, bytes, source, scoring);
    }

    /// <summary>Reads a whole file or stream, refusing one larger than <see cref="MaximumFileBytes"/>.</summary>
    public static byte[] ReadAll(Stream stream, string source)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaximumFileBytes)
            throw ModelFile.Bad(source, $"it has {stream.Length - stream.Position:N0} bytes, more than the {MaximumFileBytes:N0} a model file may have");
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (copy.Length + read > MaximumFileBytes) throw ModelFile.Bad(source, $"it has more than the {MaximumFileBytes:N0} bytes a model file may have");
            copy.Write(buffer, 0, read);
        }
        return copy.ToArray();
    }

    /// <summary>
    /// Rebuilds a model from an ONNX graph this library exported: the description comes from its metadata, and the
    /// graph must have the inputs and outputs the description implies and produce what it describes.
    /// </summary>
    public static GanModel LoadOnnx(byte[] onnx, string source)
    {
        var seal = OnnxSeal.Check(onnx);
        if (seal == SealState.Broken)
            throw ModelFile.Bad(source, "it is damaged: its bytes no longer match the SHA-256 recorded when it was written (a changed, truncated or corrupted copy)");
        OnnxRuntimeCheck.EnsureLoaded();
        InferenceSession session;
        try
        {
            using var quiet = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            session = new InferenceSession(onnx, quiet);
        }
        catch (OnnxRuntimeException e)
        {
            throw ModelFile.Bad(source, $"it is not a valid ONNX model ({Text.Printable(e.Message.Trim())})", e);
        }
        using (session)
        {
            var description = ReadDescription(session, source);
            if (description.FormatVersion >= ModelDescription.SealedFormat && seal != SealState.Valid)
                throw ModelFile.Bad(source, "its integrity record (the SHA-256 of its bytes) is missing: it was changed after it was written");
            var (encoder, training, filter) = ModelValidation.Check(description, source);
            var model = new GanModel(encoder, training, null, description.History ?? [], description.TrainingRows, description.SelectedEpoch, onnx, filter) { FoundOrders = description.FoundOrders ?? [] };
            CheckSignature(session, model.Signature, encoder, source);
            Probe(model, source);
            return model;
        }
    }

    /// <summary>
    /// After <c>mlContext.Model.Load</c>: every ML.NET ONNX transform that holds a Microsoft.ML.Gan graph becomes a
    /// <see cref="GanTransformer"/> again, alone or inside chains.
    /// </summary>
    public static ITransformer Restore(MLContext ml, ITransformer loaded, string source = "an ML.NET model") =>
        MlNetModelBridge.Restore(loaded, ml, graph => new GanTransformer(ml, LoadOnnx(graph, $"the ONNX transform in {source}"), null));

    /// <summary>A zip that is not a GAN model zip may be an ML.NET model holding one GAN (saved with mlContext.Model.Save).</summary>
    /// <remarks>What ML.NET loads is only read here: the GAN is rebuilt from the graph's bytes.</remarks>
    private static GanTransformer FromMlNetModel(MLContext ml, byte[] bytes, string source, GanScoringOptions? scoring) =>
        MlNetModelBridge.InScratchFolder(ml, loader =>
        {
            var loaded = LoadMlNet(loader, bytes, source);
            try
            {
                var restored = Restore(ml, loaded, source);
                if (restored is GanTransformer gan)
                {
                    if (scoring is null) return gan;
                    using (gan) return gan.WithScoring(scoring);
                }
                var parts = restored is IEnumerable<ITransformer> chain ? chain.ToList() : [];
                int gans = parts.Count(t => t is GanTransformer);
                foreach (var made in parts.OfType<GanTransformer>()) made.Dispose();
                throw ModelFile.Bad(source, gans == 0
                    ? "it is an ML.NET model without a GAN in it"
                    : $"it is an ML.NET model with {gans} GAN(s) among other transforms; load it with mlContext.Model.Load and call mlContext.Gan().Restore on the result");
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        });

    /// <summary>ML.NET's own load, with its failures on a damaged file turned into one that names the file.</summary>
    private static ITransformer LoadMlNet(MLContext loader, byte[] bytes, string source)
    {
        try
        {
            return loader.Model.Load(new MemoryStream(bytes), out _);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // ML.NET reads its zips through reflection: a damaged file surfaces as whatever its readers throw, wrapped.
            while (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
            bool holdsGraph = bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(OnnxMetadata.ManifestKey)) >= 0;
            throw ModelFile.Bad(source, holdsGraph
                ? $"it is an ML.NET model holding a Microsoft.ML.Gan graph, but ML.NET cannot read it: the file is damaged ({Text.Printable(e.Message)})"
                : $"it is a zip, but not a Microsoft.ML.Gan model (it has no manifest.json) nor an ML.NET model holding one ({Text.Printable(e.Message)})", e);
        }
    }

    /// <summary>The description in a graph's metadata; the message names <paramref name="source"/> and what is wrong.</summary>
    private static ModelDescription ReadDescription(InferenceSession session, string source)
    {
        var metadata = session.ModelMetadata.CustomMetadataMap;
        if (!metadata.TryGetValue(OnnxMetadata.ManifestKey, out var json))
            throw ModelFile.Bad(source, $"it is an ONNX model, but not a generator exported by Microsoft.ML.Gan (its metadata has no '{OnnxMetadata.ManifestKey}')");
        if (metadata.TryGetValue(OnnxMetadata.InputsKey, out var inputs) && inputs != OnnxMetadata.NoiseInputs)
            throw ModelFile.Bad(source, inputs == OnnxMetadata.SeedInputs
                ? "it is the seed-and-rows graph, made for ONNX runtimes outside .NET; .NET loads the model's zip or its noise-input graph (SaveAsOnnx without GanOnnxInputs.SeedAndRows)"
                : $"its inputs are '{Text.Printable(inputs)}', which this version does not know (a graph from a later version?)");
        try
        {
            var description = ModelDescription.FromJson(json) ?? throw ModelFile.Bad(source, "its model description is empty");
            // Graphs exported since the history has its own entry keep it apart; older ones inside the manifest.
            if (description.History is null && metadata.TryGetValue(OnnxMetadata.HistoryKey, out var history))
                description.History = ModelDescription.HistoryFromJson(history);
            return description;
        }
        catch (JsonException e)
        {
            throw ModelFile.Bad(source, $"its model description is not readable ({Text.Printable(e.Message)})", e);
        }
    }

    /// <summary>The graph's inputs and outputs, by name, element type and width, against those the description implies.</summary>
    private static void CheckSignature(InferenceSession session, GeneratorSignature signature, TabularEncoder encoder, string source)
    {
        var inputs = session.InputMetadata;
        var expected = signature.Inputs.Select(i => i.Name).ToList();
        if (!inputs.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(k => k, StringComparer.Ordinal)))
            throw Mismatch(source, $"inputs {Names(inputs.Keys)}, but its description implies {Names(expected)}");
        foreach (var input in signature.Inputs)
        {
            var meta = inputs[input.Name];
            if (meta.ElementDataType != TensorElementType.Float || meta.Dimensions.Length != 2 || meta.Dimensions[1] != input.Width)
                throw Mismatch(source, $"input '{input.Name}' is {meta.ElementDataType} [{string.Join(", ", meta.Dimensions)}], but its description implies Float [batch, {input.Width}]");
        }
        var outputs = session.OutputMetadata;
        var expectedOutputs = signature.GraphOutputs;
        if (!session.OutputNames.SequenceEqual(expectedOutputs))
            throw Mismatch(source, $"outputs {Names(session.OutputNames)}, but its description implies {Names(expectedOutputs)}");
        if (signature.Filtered)
        {
            var keep = outputs[GeneratorSignature.KeepName];
            if (keep.ElementDataType != TensorElementType.Float || keep.Dimensions.Length != 1)
                throw Mismatch(source, $"output '{GeneratorSignature.KeepName}' of {keep.ElementDataType} [{string.Join(", ", keep.Dimensions)}], but a density-ratio filter's keep probability is Float [batch]");
        }
        foreach (var column in encoder.Columns.Take(encoder.VisibleCount).Where(c => c is not MadeColumn))
        {
            // ONNX Runtime's element types carry the ONNX specification's numbers, as OnnxType does.
            var meta = outputs[column.Name];
            if ((int)meta.ElementDataType != (int)column.OutputType || meta.Dimensions.Length != 1)
                throw Mismatch(source, $"output '{Text.Printable(column.Name, 60)}' of {meta.ElementDataType} [{string.Join(", ", meta.Dimensions)}], but its description implies {column.OutputType} [batch]");
        }
    }

    /// <summary>
    /// Generates a few hundred rows and checks them against the description: each column reads its output (a
    /// category must be one of its own, a type its own), numbers stay in their training range and on their grid, and only columns
    /// with missing values have any, and every rule between columns the description lists holds. A graph whose constants disagree with its description fails here, not later.
    /// </summary>
    private static void Probe(GanModel model, string source)
    {
        try
        {
            using var session = new GeneratorSession(model.Copy(), new GanScoringOptions { IntraOpThreads = 1 });
            var rows = new DecodedRows(model.Encoder, ProbeRows);
            session.Generate(ProbeRows, (row, noise, uniforms) => NoiseSource.FillRow(0x5EED, (ulong)row, model.Training.NoisePrior, noise, uniforms), rows);
            if (rows.KeepProbability is { } keep && keep.Any(p => !(p >= 0 && p <= 1)))
                throw Mismatch(source, $"a density-ratio filter's keep probability of {keep.First(p => !(p >= 0 && p <= 1))}, outside [0, 1]");
            foreach (var combination in model.Encoder.Combinations)
            {
                if (!combination.HoldsIn(rows, ProbeRows))
                    throw Mismatch(source, $"rows whose columns {Text.Printable(string.Join(", ", combination.Names), 120)} come in a combination its description does not list");
            }
            foreach (var dependency in model.Encoder.Dependencies)
            {
                if (!dependency.HoldsIn(rows, model.Encoder.Columns, ProbeRows))
                    throw Mismatch(source, $"its rows break the rule '{Text.Printable(dependency.ToInfo().ToString(), 120)}' that its description lists");
            }
            if (model.Encoder.Constraints?.FirstBroken(rows, model.Encoder.Columns, ProbeRows) is { } broken)
                throw Mismatch(source, $"rows that break the constraint '{Text.Printable(broken, 120)}' that its description lists");
            foreach (var formula in model.Encoder.Formulas)
            {
                if (!formula.HoldsIn(rows, model.Encoder.Columns, ProbeRows))
                    throw Mismatch(source, $"rows that break the formula '{Text.Printable(formula.ToString(), 120)}' that its description lists");
            }
            foreach (var exclusion in model.Encoder.Exclusions)
            {
                if (!exclusion.HoldsIn(rows, ProbeRows))
                    throw Mismatch(source, $"rows that hold a pair of categories its exclusion '{Text.Printable(exclusion.ToString(), 120)}' rules out");
            }
            foreach (var tree in model.Encoder.Thresholds)
            {
                if (!tree.HoldsIn(rows, ProbeRows))
                    throw Mismatch(source, $"rows whose '{Text.Printable(tree.TargetName, 80)}' is not the category its thresholds give");
            }
            for (int c = 0; c < model.Encoder.Columns.Count; c++)
            {
                if (model.Encoder.LeaderOf(c) is not (var l and >= 0)) continue;
                var (follower, leader) = (rows.Numbers(c), rows.Numbers(l));
                string f = Text.Printable(model.Encoder.Columns[c].Name, 80), name = Text.Printable(model.Encoder.Columns[l].Name, 80);
                if (Enumerable.Range(0, ProbeRows).Any(r => double.IsNaN(leader[r]) && !double.IsNaN(follower[r])))
                    throw Mismatch(source, $"rows where '{name}' is missing and '{f}' is not, though its description says '{f}' is missing wherever '{name}' is");
                if (!((NumericColumn)model.Encoder.Columns[c]).MissingElsewhere && Enumerable.Range(0, ProbeRows).Any(r => double.IsNaN(follower[r]) && !double.IsNaN(leader[r])))
                    throw Mismatch(source, $"rows where '{f}' is missing and '{name}' is not, though its description says they are missing in the same rows");
            }
            var made = model.Encoder.Formulas.Select(f => f.Target).ToHashSet(); // checked by their formulas: a sum of parts on their grids need not lie on the total's
            for (int c = 0; c < model.Encoder.Columns.Count; c++)
            {
                if (model.Encoder.Columns[c] is not NumericColumn numeric || made.Contains(c)) continue;
                bool derived = model.Encoder.Constraints?.IsDerived(c) == true; // its values lie above its anchors, beyond its distances' range
                // A trend's target lies on its anchor's curve, a level's about its category's level: beyond their residuals'
                // or distances' range, within their own.
                var own = model.Encoder.TrendOf(c) is { } trend ? (trend.Minimum, trend.Maximum, trend.Grid, "its trend keeps")
                    : model.Encoder.LevelOf(c) is { } level ? (level.Minimum, level.Maximum, level.Grid, "its categories' levels keep")
                    : model.Encoder.StudyEndOf(c) is { } end ? (end.Minimum, end.Maximum, end.Grid, "its study end keeps")
                    : ((double, double, NumericGranularity?, string)?)null;
                foreach (double v in rows.Numbers(c))
                {
                    if (own is var (low, high, ownGrid, keeps))
                    {
                        if (double.IsNaN(v) ? !numeric.HasMissing : v < low || v > high || ownGrid is { } g && ((NumericKind)numeric.Kind).Stored(g.Round(v)) != v)
                            throw Mismatch(source, $"column '{numeric.Name}' came out as {v}, off the range [{low}, {high}]{(ownGrid is { } step ? $" in steps of {step.Step}" : "")} {keeps}");
                        continue;
                    }
                    if (derived ? double.IsNaN(v) && !numeric.HasMissing : !numeric.Allows(v))
                        throw Mismatch(source, $"column '{numeric.Name}' came out as {v}, which its description does not allow (range [{numeric.Minimum}, {numeric.Maximum}]{(numeric.Granularity is { } grid ? $" in steps of {grid.Step}" : "")}, missing values {(numeric.HasMissing ? "allowed" : "none")})");
                }
            }
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidDataException && !e.Message.StartsWith("Cannot load GAN model", StringComparison.Ordinal))
        {
            throw Mismatch(source, $"a trial run of the graph failed ({Text.Printable(e.Message)})", e);
        }
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{Text.Printable(n, 60)}'"));

    private static InvalidDataException Mismatch(string source, string what, Exception? inner = null) =>
        ModelFile.Bad(source, $"its graph does not match its description: it has {what}", inner);
}
