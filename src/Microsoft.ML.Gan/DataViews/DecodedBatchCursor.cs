using Microsoft.ML.Data;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>
/// A cursor over generated rows made a batch at a time: its columns are served from the current batch of
/// <see cref="DecodedRows"/> (one getter per generated column, each made by its column kind) after the
/// <see cref="GeneratedColumnsStart"/> columns the view puts before them. Subclasses fill batches.
/// </summary>
internal abstract class DecodedBatchCursor : DataViewRowCursor
{
    private readonly bool[] _active;
    private readonly Delegate[] _getters;

    /// <exception cref="ObjectDisposedException">The model of <paramref name="session"/> has been disposed (reading a batch later throws it too).</exception>
    protected DecodedBatchCursor(GeneratorSession session, DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded, int batchSize, int generatedColumnsStart = 0)
    {
        session.Lifetime.ThrowIfEnded();
        var encoder = session.Model.Encoder;
        Schema = schema;
        GeneratedColumnsStart = generatedColumnsStart;
        _active = new bool[schema.Count];
        foreach (var c in columnsNeeded) _active[c.Index] = true;
        Rows = new DecodedRows(encoder, batchSize);
        _getters = DecodedGetters.Create(encoder, Rows, CurrentIndex);
    }

    /// <summary>The current batch; row <see cref="InBatch"/> of it is the cursor's row.</summary>
    protected DecodedRows Rows { get; }

    /// <summary>Where the generated columns start in the schema.</summary>
    protected int GeneratedColumnsStart { get; }

    /// <summary>The cursor's row within the batch.</summary>
    protected int InBatch { get; set; }

    /// <summary>Rows in the current batch.</summary>
    protected int BatchCount { get; set; }

    protected long RowPosition { get; set; } = -1;

    public override DataViewSchema Schema { get; }

    public override long Position => RowPosition;

    public override long Batch => 0;

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
        if (column.Index < GeneratedColumnsStart) return GetInputGetter<TValue>(column);
        return DecodedGetters.Cast<TValue>(_getters[column.Index - GeneratedColumnsStart], column);
    }

    /// <summary>A getter of a column the view puts before the generated ones (the input's own columns).</summary>
    protected virtual ValueGetter<TValue> GetInputGetter<TValue>(DataViewSchema.Column column) =>
        throw new InvalidOperationException($"Column '{column.Name}' is not a generated column.");

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId id) => id = new DataViewRowId((ulong)RowPosition, 0);

    private int CurrentIndex()
    {
        if (RowPosition < 0 || InBatch >= BatchCount)
            throw new InvalidOperationException("The cursor is not on a row: call MoveNext first (and only read while it returns true).");
        return InBatch;
    }
}
