using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan;

/// <summary>Supplies row <paramref name="row"/>'s noise vector and its decoding draws (uniform in [0, 1)).</summary>
internal delegate void RowInputs(int row, Span<float> noise, Span<float> draws);

/// <summary>
/// The trained artefact: the generator network, the fitted encoder, the options it was trained with and the
/// training history. Generates decoded rows in batches and saves to / loads from one zip file.
/// </summary>
internal sealed class GanModel : IDisposable
{
    internal const int FormatVersion = 1;
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "generator.bin";

    private readonly GeneratorInference _inference;

    public GanModel(TabularEncoder encoder, GeneratorNetwork generator, GanTrainer.Options options, IReadOnlyList<GanEpochStatistics> history, long trainingRows, int selectedEpoch)
    {
        Encoder = encoder;
        Generator = generator;
        Options = options;
        History = history;
        TrainingRows = trainingRows;
        SelectedEpoch = selectedEpoch;
        Generator.eval();
        _inference = GeneratorInference.From(generator, encoder);
        Schema = encoder.BuildSchema();
    }

    public TabularEncoder Encoder { get; }
    public GeneratorNetwork Generator { get; }
    public GanTrainer.Options Options { get; }
    public IReadOnlyList<GanEpochStatistics> History { get; }
    public long TrainingRows { get; }
    public int SelectedEpoch { get; }
    public Microsoft.ML.DataViewSchema Schema { get; }
    public int NoiseDimension => Options.NoiseDimension;

    /// <summary>Rows one task generates; a batch is split into blocks of this many rows run in parallel.</summary>
    private const int BlockRows = 64;

    /// <summary>
    /// Generates <paramref name="rows"/> rows into <paramref name="into"/>: for each row, <paramref name="inputs"/>
    /// supplies its noise vector and decoding draws, the generator runs and the row is decoded. Blocks of rows run
    /// in parallel; each row's result depends only on its inputs, and any number of threads may call this at once.
    /// </summary>
    public void Generate(int rows, RowInputs inputs, DecodedRows into)
    {
        int blocks = (rows + BlockRows - 1) / BlockRows;
        if (blocks <= 1) GenerateBlock(0, rows, inputs, into);
        else Parallel.For(0, blocks, b => GenerateBlock(b * BlockRows, Math.Min(rows, (b + 1) * BlockRows), inputs, into));
    }

    private void GenerateBlock(int from, int to, RowInputs inputs, DecodedRows into)
    {
        int n = to - from, nz = NoiseDimension, nd = Encoder.DrawCount, scratch = n * _inference.MaxWidth;
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] noise = pool.Rent(n * nz), draws = pool.Rent(Math.Max(1, n * nd)), output = pool.Rent(n * Encoder.Width);
        float[] a = pool.Rent(scratch), b = pool.Rent(scratch);
        try
        {
            for (int r = 0; r < n; r++) inputs(from + r, noise.AsSpan(r * nz, nz), draws.AsSpan(r * nd, nd));
            _inference.Forward(noise, n, output, a, b);
            Encoder.Decode(output, draws, n, Options.CategorySampling, into, from);
        }
        finally
        {
            pool.Return(noise);
            pool.Return(draws);
            pool.Return(output);
            pool.Return(a);
            pool.Return(b);
        }
    }

    /// <summary>The generator's output for these noise rows computed by TorchSharp: the reference the fast path is tested against.</summary>
    internal float[] ForwardWithTorch(float[] noise, int rows)
    {
        using var scope = NewDisposeScope();
        using var grad = no_grad();
        var device = Generator.parameters().First().device;
        var z = tensor(noise.AsSpan(0, rows * NoiseDimension).ToArray(), [rows, NoiseDimension]).to(device);
        return new OutputHeads(Encoder.Spans).ForGeneration(Generator.forward(z)).cpu().data<float>().ToArray();
    }

    internal float[] ForwardFast(float[] noise, int rows)
    {
        var output = new float[rows * Encoder.Width];
        _inference.Forward(noise, rows, output, new float[rows * _inference.MaxWidth], new float[rows * _inference.MaxWidth]);
        return output;
    }

    public void Dispose() => Generator.Dispose();

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the model to a zip: manifest (format, options, encoder, history) and the generator's weights.</summary>
    public void Save(Stream stream)
    {
        var manifest = new Manifest
        {
            FormatVersion = FormatVersion,
            LibraryVersion = LibraryVersion,
            TrainingRows = TrainingRows,
            SelectedEpoch = SelectedEpoch,
            Options = Options,
            Columns = Encoder.Columns.Select(c => c.ToState()).ToArray(),
            History = History.ToArray(),
        };
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            JsonSerializer.Serialize(entry, manifest, s_json);
        using (var entry = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
        {
            // Module.save needs a seekable stream; the zip entry stream is not.
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
                Generator.save(writer);
            buffer.Position = 0;
            buffer.CopyTo(entry);
        }
    }

    /// <summary>Saves to <paramref name="path"/> atomically: a temporary file beside it, then a rename.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                Save(file);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static GanModel Load(Stream stream, string source)
    {
        TorchRuntime.EnsureLoaded();
        Manifest manifest;
        byte[] weights;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var manifestEntry = zip.GetEntry(ManifestEntry) ?? throw Bad(source, $"it has no {ManifestEntry}; it is not a Microsoft.ML.Gan model");
            var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw Bad(source, $"it has no {WeightsEntry}; the file is incomplete");
            using (var s = manifestEntry.Open())
                manifest = JsonSerializer.Deserialize<Manifest>(s, s_json) ?? throw Bad(source, "its manifest is empty");
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

        if (manifest.FormatVersion != FormatVersion)
            throw Bad(source, $"it has format version {manifest.FormatVersion}; this library reads version {FormatVersion}");
        if (manifest.Options is null || manifest.Columns is null || manifest.Columns.Length == 0)
            throw Bad(source, "its manifest lacks the options or the columns");

        TabularEncoder encoder;
        GanTrainer.Options options;
        try
        {
            encoder = new TabularEncoder(manifest.Columns.Select(ColumnEncoder.FromState).ToArray());
            options = manifest.Options;
            options.Validate();
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw Bad(source, $"its column description is invalid ({e.Message})", e);
        }

        var generator = new GeneratorNetwork(options.NoiseDimension, options.GeneratorLayers, encoder.Width, options.GeneratorBatchNorm);
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
        return new GanModel(encoder, generator, options, manifest.History ?? [], manifest.TrainingRows, manifest.SelectedEpoch);
    }

    private static InvalidDataException Bad(string source, string what, Exception? inner = null) =>
        new($"Cannot load GAN model from {source}: {what}.", inner);

    internal static string LibraryVersion =>
        typeof(GanModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private sealed class Manifest
    {
        public int FormatVersion { get; set; }
        public string? LibraryVersion { get; set; }
        public long TrainingRows { get; set; }
        public int SelectedEpoch { get; set; }
        public GanTrainer.Options? Options { get; set; }
        public ColumnEncoderState[]? Columns { get; set; }
        public GanEpochStatistics[]? History { get; set; }
    }
}
