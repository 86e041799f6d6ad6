using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>
/// <see cref="GanTransformer.Transform"/>'s result: the input's columns, then one synthetic column per training
/// column, decoded from the input's noise column (a training column with the same name as an input column hides
/// it, as in every ML.NET transform). Noise is read a batch ahead by one input cursor while a second cursor, in
/// step with this one, serves the input's own columns, so the generator always runs on whole batches.
/// Categories are drawn with uniforms derived from the bits of each row's noise vector: the same noise always
/// gives the same row.
/// </summary>
internal sealed class NoiseScoredDataView : IDataView
{
    private readonly GanModel _model;
    private readonly GeneratorSession _session;
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _noise;

    /// <param name="session">Generates the rows; a cursor of a view whose model has been disposed throws <see cref="ObjectDisposedException"/>.</param>
    public NoiseScoredDataView(GeneratorSession session, IDataView input)
    {
        _model = session.Model;
        _session = session;
        _input = input;
        _noise = CheckNoiseColumn(input.Schema, _model);
        Schema = BuildSchema(input.Schema, _model);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public static DataViewSchema.Column CheckNoiseColumn(DataViewSchema schema, GanModel model)
    {
        string name = model.Signature.Noise.Name;
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"The input has no noise column '{name}'. Transform reads noise vectors (vector of Single, {model.NoiseDimension} long) " +
                "from it; use GanTransformer.Generate(rowCount, seed) to generate rows without one.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.ItemType.RawType != typeof(float) || vector.Size != model.NoiseDimension)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Noise column '{name}' has type {column.Type}; it must be a vector of Single of known size {model.NoiseDimension} (the model's NoiseDimension).");
        return column;
    }

    public static DataViewSchema BuildSchema(DataViewSchema input, GanModel model)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumns(model.Schema);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded, _session);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DecodedBatchCursor
    {
        private readonly NoiseScoredDataView _view;
        private readonly GeneratorSession _session;
        private readonly DataViewRowCursor _lead;
        private readonly DataViewRowCursor? _follower;
        private readonly ValueGetter<VBuffer<float>> _noiseGetter;
        private readonly float[] _noise;
        private readonly RowInputs _inputs;
        private VBuffer<float> _noiseBuffer;
        private bool _leadDone;

        public Cursor(NoiseScoredDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded, GeneratorSession session)
            : base(session, view.Schema, columnsNeeded, session.Options.BatchSize, generatedColumnsStart: view._input.Schema.Count)
        {
            _view = view;
            _session = session;
            var inputNeeded = view._input.Schema.Where(IsColumnActive).ToList();
            _lead = view._input.GetRowCursor([view._noise]);
            _noiseGetter = _lead.GetGetter<VBuffer<float>>(view._noise);
            if (inputNeeded.Count > 0) _follower = view._input.GetRowCursor(inputNeeded);

            int nz = view._model.NoiseDimension;
            _noise = new float[Rows.Capacity * nz];
            _inputs = (int row, Span<float> noise, Span<float> uniforms) =>
            {
                var given = _noise.AsSpan(row * nz, nz);
                given.CopyTo(noise);
                NoiseSource.FromNoise(given).FillUniform(uniforms);
            };
        }

        protected override ValueGetter<TValue> GetInputGetter<TValue>(DataViewSchema.Column column) =>
            _follower!.GetGetter<TValue>(_view._input.Schema[column.Index]);

        public override bool MoveNext()
        {
            InBatch++;
            if (InBatch >= BatchCount && !FillBatch())
            {
                BatchCount = 0;
                return false;
            }
            if (_follower is not null && !_follower.MoveNext())
                throw new InvalidOperationException("The input data view gave two cursors different row counts; it must be re-readable in the same order.");
            RowPosition++;
            return true;
        }

        private bool FillBatch()
        {
            if (_leadDone) return false;
            var model = _view._model;
            int nz = model.NoiseDimension, rows = 0;
            while (rows < Rows.Capacity && _lead.MoveNext())
            {
                _noiseGetter(ref _noiseBuffer);
                var row = _noise.AsSpan(rows * nz, nz);
                _noiseBuffer.CopyTo(row);
                foreach (float f in row)
                {
                    if (!float.IsFinite(f))
                        throw new InvalidOperationException(
                            $"Noise column '{_view._noise.Name}' has a non-finite value ({f}) at row {_lead.Position:N0}; noise must be finite numbers.");
                }
                rows++;
            }
            if (rows == 0)
            {
                _leadDone = true;
                return false;
            }
            _session.Generate(rows, _inputs, Rows);
            // Identifiers from the rows' positions in the input (this batch starts after the cursor's current row).
            model.Encoder.StampMade(Rows, 0, rows, RowPosition + 1, seed: 0);
            BatchCount = rows;
            InBatch = 0;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _lead.Dispose();
                _follower?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
