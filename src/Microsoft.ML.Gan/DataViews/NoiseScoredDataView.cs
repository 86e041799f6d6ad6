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
    private readonly Lazy<GeneratorSession> _session;
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _noise;

    public NoiseScoredDataView(GanModel model, Lazy<GeneratorSession> session, IDataView input)
    {
        _model = model;
        _session = session;
        _input = input;
        _noise = CheckNoiseColumn(input.Schema, model);
        Schema = BuildSchema(input.Schema, model);
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
        new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly NoiseScoredDataView _view;
        private readonly GeneratorSession _session;
        private readonly int _inputCount;
        private readonly bool[] _active;
        private readonly DataViewRowCursor _lead;
        private readonly DataViewRowCursor? _follower;
        private readonly ValueGetter<VBuffer<float>> _noiseGetter;
        private readonly Delegate[] _getters;
        private readonly DecodedRows _rows;
        private readonly float[] _noise;
        private readonly RowInputs _inputs;
        private VBuffer<float> _noiseBuffer;
        private long _position = -1;
        private int _inBatch;
        private int _batchCount;
        private bool _leadDone;

        public Cursor(NoiseScoredDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _session = view._session.Value;
            _inputCount = view._input.Schema.Count;
            _active = new bool[view.Schema.Count];
            foreach (var c in columnsNeeded) _active[c.Index] = true;

            var inputNeeded = view._input.Schema.Where(c => _active[c.Index]).ToList();
            _lead = view._input.GetRowCursor([view._noise]);
            _noiseGetter = _lead.GetGetter<VBuffer<float>>(view._noise);
            if (inputNeeded.Count > 0) _follower = view._input.GetRowCursor(inputNeeded);

            var encoder = view._model.Encoder;
            _rows = new DecodedRows(encoder, _session.Options.BatchSize);
            int nz = view._model.NoiseDimension;
            _noise = new float[_rows.Capacity * nz];
            _inputs = (int row, Span<float> noise, Span<float> uniforms) =>
            {
                var given = _noise.AsSpan(row * nz, nz);
                given.CopyTo(noise);
                NoiseSource.FromNoise(given).FillUniform(uniforms);
            };
            _getters = DecodedGetters.Create(encoder, _rows, CurrentIndex);
        }

        private int CurrentIndex()
        {
            if (_position < 0 || _inBatch >= _batchCount)
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first (and only read while it returns true).");
            return _inBatch;
        }

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema => _view.Schema;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            if (column.Index < _inputCount) return _follower!.GetGetter<TValue>(_view._input.Schema[column.Index]);
            return DecodedGetters.Cast<TValue>(_getters[column.Index - _inputCount], column);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool MoveNext()
        {
            _inBatch++;
            if (_inBatch >= _batchCount && !FillBatch())
            {
                _batchCount = 0;
                return false;
            }
            if (_follower is not null && !_follower.MoveNext())
                throw new InvalidOperationException("The input data view gave two cursors different row counts; it must be re-readable in the same order.");
            _position++;
            return true;
        }

        private bool FillBatch()
        {
            if (_leadDone) return false;
            var model = _view._model;
            int nz = model.NoiseDimension, rows = 0;
            while (rows < _rows.Capacity && _lead.MoveNext())
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
            _session.Generate(rows, _inputs, _rows);
            _batchCount = rows;
            _inBatch = 0;
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
