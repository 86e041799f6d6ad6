using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan;

/// <summary>
/// Trains a generative adversarial network on a table's columns with TorchSharp (CUDA when present, CPU
/// otherwise). <see cref="Fit"/> returns a <see cref="GanTransformer"/> that generates rows in the table's schema.
/// Made by <see cref="GanCatalog.Train(GanTrainer.Options)"/>.
/// </summary>
public sealed partial class GanTrainer : IEstimator<GanTransformer>
{
    private readonly IHost _host;
    private readonly Options _options;

    internal GanTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register(nameof(GanTrainer));
        _options = options.Clone();
    }

    /// <summary>Trains on <paramref name="input"/>: reads it once, encodes it, runs the adversarial training.</summary>
    public GanTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var columns = ResolveColumns(input.Schema);
        int seed = _options.Seed ?? _host.Rand.Next();
        var modes = _options.ContinuousNormalization == ContinuousNormalization.ModeSpecific
            ? new BayesianGaussianMixtureOptions { MaximumComponents = _options.MaximumModes }
            : null;
        var settings = new TabularEncoderSettings(
            new HashSet<string>(_options.MissingCategoryTokens, StringComparer.Ordinal), _options.MaximumCategories, Array.MaxLength, modes, seed);

        using var channel = _host.Start("Training");
        var (encoder, matrix, rows) = TabularEncoder.Fit(input, columns, settings);
        channel.Info(MessageSensitivity.None, $"Read {rows:N0} rows of {columns.Length} column(s) into {encoder.Width} encoded features.");

        var device = DeviceSelection.Choose(_options.Device, _options.DeviceIndex, _options.FallbackToCpu);
        channel.Info(MessageSensitivity.None, device.Message);

        var trained = GanTraining.Run(matrix, rows, encoder, _options, device, seed, channel);
        var kept = _options.Clone();
        kept.Seed = seed;
        kept.Columns = columns.ToArray();
        kept.Progress = null;
        return new GanTransformer(_host, new GanModel(encoder, trained.Generator, kept, trained.History, rows, trained.SelectedEpoch, _options.Scoring));
    }

    /// <summary>
    /// Checks the training columns (they exist, with a type the GAN models) and returns the output schema:
    /// the input's columns followed by the generated columns, as <see cref="GanTransformer.Transform"/> makes them.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var names = _options.Columns ?? inputSchema.Select(c => c.Name).ToArray();
        var generated = new List<SchemaShape.Column>();
        foreach (string name in names)
        {
            var column = inputSchema.FirstOrDefault(c => c.Name == name);
            if (column.Name is null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Column '{name}' was not found in the training data. Its columns are: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}.");
            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || ColumnKinds.TryFrom(column.ItemType) is null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Column '{name}' has type {(column.Kind == SchemaShape.Column.VectorKind.Scalar ? column.ItemType.ToString() : $"Vector<{column.ItemType}>")}, " +
                    $"which the GAN cannot model. Supported types: {ColumnKinds.SupportedTypes}. Convert it or leave it out of Options.Columns.");
            generated.Add(column); // a generated column has its training column's name and type
        }
        var output = inputSchema.Where(c => !names.Contains(c.Name)).ToList();
        output.AddRange(generated);
        return new SchemaShape(output);
    }

    private string[] ResolveColumns(DataViewSchema schema)
    {
        var names = _options.Columns ?? schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        if (names.Length == 0) throw new ArgumentOutOfRangeException(nameof(schema), "The training data has no columns.");
        foreach (string name in names)
        {
            TabularEncoder.CheckColumn(schema, name);
            if (name == _options.NoiseColumnName || name == Onnx.GeneratorExport.DrawsInputName)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Column '{name}' has the name of an input of the generator ('{_options.NoiseColumnName}' takes the noise, " +
                    $"'{Onnx.GeneratorExport.DrawsInputName}' the category draws). Set Options.NoiseColumnName to another name, or rename the column.");
        }
        return names;
    }
}
