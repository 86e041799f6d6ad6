using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>
/// The rows of several views one after another, in one schema: each source supplies the schema's columns by name
/// (it may have more, which are left out). Streams; nothing is copied.
/// </summary>
internal sealed class AppendedDataView : IDataView
{
    private readonly IDataView[] _sources;

    public AppendedDataView(DataViewSchema schema, IReadOnlyList<IDataView> sources)
    {
        Schema = schema;
        _sources = sources.ToArray();
        for (int s = 0; s < _sources.Length; s++)
        {
            foreach (var column in schema)
            {
                var found = _sources[s].Schema.GetColumnOrNull(column.Name)
                    ?? throw new ArgumentOutOfRangeException(nameof(sources), $"Column '{column.Name}' is missing from the rows to append (source {s + 1}).");
                if (!found.Type.Equals(column.Type))
                    throw new ArgumentOutOfRangeException(nameof(sources),
                        $"Column '{column.Name}' has type {found.Type} in the rows to append (source {s + 1}) but {column.Type} in the model; they must be the same.");
            }
        }
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount()
    {
        long total = 0;
        foreach (var s in _sources)
        {
            if (s.GetRowCount() is not long n) return null;
            total += n;
        }
        return total;
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly AppendedDataView _view;
        private readonly DataViewSchema.Column[] _needed;
        private readonly bool[] _active;
        private readonly Delegate?[] _getters;
        private DataViewRowCursor? _current;
        private int _source = -1;
        private long _position = -1;

        public Cursor(AppendedDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _needed = columnsNeeded.ToArray();
            _active = new bool[view.Schema.Count];
            foreach (var c in _needed) _active[c.Index] = true;
            _getters = new Delegate?[view.Schema.Count];
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            while (true)
            {
                if (_current is not null && _current.MoveNext())
                {
                    _position++;
                    return true;
                }
                _current?.Dispose();
                _current = null;
                if (++_source >= _view._sources.Length) return false;
                var source = _view._sources[_source];
                var columns = _needed.Select(c => source.Schema[c.Name]).ToArray();
                _current = source.GetRowCursor(columns);
                Array.Clear(_getters);
            }
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            // The getter follows the cursor from one source to the next.
            return (ref TValue value) =>
            {
                if (_current is null) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
                var getter = (ValueGetter<TValue>)(_getters[column.Index] ??= _current.GetGetter<TValue>(_current.Schema[column.Name]));
                getter(ref value);
            };
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _current?.Dispose();
            base.Dispose(disposing);
        }
    }
}
