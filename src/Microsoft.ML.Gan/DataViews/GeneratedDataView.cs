using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Generation;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>
/// <see cref="GanTransformer.Generate(long, int?)"/>'s result: a fixed number of synthetic rows for one seed, produced in
/// batches as a cursor moves, never materialised. Row i of a seed depends on (seed, i) alone: the same every time it
/// is read (an IDataView must be re-readable), whatever the batching, and the same in a view that starts at another
/// row (<c>firstRow</c>), so slices made apart concatenate to the rows one view makes. With conditions, a density-ratio
/// filter or predicate rules, row i is the first of its own candidates (attempts 0, 1, ... of its counter-based
/// stream) that passes them all, the generator conditioned on the rarest asked-for category when it can be; a cursor
/// that exhausts its budget of candidates throws, saying how many rows it found.
/// </summary>
internal sealed class GeneratedDataView : IDataView
{
    private readonly GanModel _model;
    private readonly GeneratorSession _session;
    private readonly long _rowCount;
    private readonly ulong _seed;
    private readonly long _firstRow;

    private readonly RowConditions? _conditions;
    private readonly Action<string>? _report;

    /// <param name="session">Generates the rows; a cursor of a view whose model has been disposed throws <see cref="ObjectDisposedException"/>.</param>
    /// <param name="report">With conditions: told, when a cursor has read every row, how many candidates it made and what share it kept.</param>
    /// <param name="firstRow">The view's first row is this row of the seed.</param>
    public GeneratedDataView(GeneratorSession session, long rowCount, ulong seed, RowConditions? conditions = null, Action<string>? report = null, long firstRow = 0)
    {
        _model = session.Model;
        _session = session;
        _rowCount = rowCount;
        _seed = seed;
        _firstRow = firstRow;
        _conditions = conditions;
        _report = report;
    }

    /// <summary>
    /// Candidate rows a cursor may make: with conditions, their budget; a density-ratio filter alone keeps about the
    /// share it kept at Fit (at least 1 in 20 by construction), so 100 candidates a row is already far past it.
    /// </summary>
    private long CandidateBudget()
    {
        long budget = _conditions?.CandidateBudget(_rowCount) ?? Math.Max(_rowCount > long.MaxValue / 100 ? long.MaxValue : _rowCount * 100, 10_000);
        if (_conditions is not null && _model.Signature.Filtered && _model.Filter is { Acceptance: var kept })
            budget = budget > long.MaxValue / 100 ? long.MaxValue : (long)Math.Min(long.MaxValue / 2.0, budget / Math.Max(kept, 0.01));
        return budget;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _model.Schema;

    public long? GetRowCount() => _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded, _session);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DecodedBatchCursor
    {
        private readonly GeneratedDataView _view;
        private readonly GeneratorSession _session;
        private readonly RowInputs _inputs;
        private readonly Func<int, bool>? _predicates;
        private long _candidatesMade;

        // Candidate k of a generation is attempt _attempt[k] of the seed's row _row[k].
        private readonly long[] _row;
        private readonly long[] _attempt;

        // With a filter, conditions or predicates: the candidates of a round, and a window of the view's rows in flight
        // (row r in slot r % window): each pending until one of its candidates passes, then held until the batch that
        // holds it is read. Rounds take the pending rows' next attempts and then rows ahead, so each round is a full
        // batch and no candidate is made past the one that passes.
        private readonly DecodedRows? _candidates;
        private readonly DecodedRows? _held;
        private readonly RowState[] _state = [];
        private readonly long[] _nextAttempt = [];
        private long _ahead; // the view's next row no candidate has been made for

        private enum RowState : byte { Free, Pending, Held }

        public Cursor(GeneratedDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded, GeneratorSession session)
            : base(session, view.Schema, columnsNeeded, (int)Math.Min(session.Options.BatchSize, Math.Max(1, view._rowCount)))
        {
            _view = view;
            _session = session;
            var prior = view._model.Signature.NoisePrior;
            int capacity = session.Options.BatchSize;
            _row = new long[capacity];
            _attempt = new long[capacity];
            // Each candidate gets the counter-based stream of its row and attempt: rows do not depend on the batching.
            _inputs = (int k, Span<float> noise, Span<float> uniforms) =>
                NoiseSource.FillCandidate(view._seed, (ulong)(view._firstRow + _row[k]), (ulong)_attempt[k], prior, noise, uniforms);
            if (view._conditions is not null || view._model.Signature.Filtered || view._model.Encoder.Constraints?.HasPredicates == true)
            {
                _candidates = new DecodedRows(view._model.Encoder, capacity);
                // 16 batches in flight (a slow row does not hold the rounds back), but no more than 65,536 rows beyond one batch's worth.
                long wanted = Math.Min(16L * capacity, Math.Max(65_536L, Rows.Capacity));
                int window = (int)Math.Min(wanted, Math.Max(Rows.Capacity, view._rowCount));
                _held = new DecodedRows(view._model.Encoder, window);
                _state = new RowState[window];
                _nextAttempt = new long[window];
            }
            if (_candidates is not null && view._model.Encoder.Constraints is { HasPredicates: true } constraints)
                _predicates = constraints.PredicateCheck(view._model.Encoder.Columns, _candidates);
        }

        public override bool MoveNext()
        {
            if (RowPosition + 1 >= _view._rowCount)
            {
                if (RowPosition < _view._rowCount && _view._conditions is { } conditions && _view._report is { } report && _view._rowCount > 0)
                {
                    report($"Generated {_view._rowCount:N0} rows with {conditions.Describe()} ({conditions.DescribeMethod()}): " +
                        $"{_candidatesMade:N0} candidates made, {(double)_view._rowCount / Math.Max(1, _candidatesMade):P1} of them kept.");
                }
                RowPosition = _view._rowCount;
                BatchCount = 0;
                return false;
            }
            RowPosition++;
            InBatch++;
            if (InBatch >= BatchCount) FillBatch();
            return true;
        }

        private void FillBatch()
        {
            int rows = (int)Math.Min(Rows.Capacity, _view._rowCount - RowPosition);
            if (_candidates is not null) FillKept(RowPosition, rows);
            else
            {
                for (int r = 0; r < rows; r++) (_row[r], _attempt[r]) = (RowPosition + r, 0);
                _session.Generate(rows, _inputs, Rows);
            }
            // Identifiers from the rows' positions in the seed: unique across every slice of it, whatever was rejected.
            _view._model.Encoder.StampMade(Rows, 0, rows, _view._firstRow + RowPosition, _view._seed);
            BatchCount = rows;
            InBatch = 0;
        }

        /// <summary>
        /// Fills the batch with the view's rows <paramref name="first"/>.., each the first of its candidates that passes the
        /// density-ratio filter and honours every condition and predicate.
        /// </summary>
        private void FillKept(long first, int rows)
        {
            var candidates = _candidates!;
            var held = _held!;
            int window = _state.Length;
            long end = first + rows;
            while (FirstNotHeld(first, end) is long waiting && waiting < end)
            {
                long budget = _view.CandidateBudget();
                if (_candidatesMade >= budget) throw BudgetSpent(waiting);
                int room = (int)Math.Min(candidates.Capacity, budget - _candidatesMade);
                int made = 0;
                for (long row = waiting; row < _ahead && made < room; row++)
                    if (_state[row % window] == RowState.Pending) (_row[made], _attempt[made++]) = (row, _nextAttempt[row % window]);
                long limit = Math.Min(_view._rowCount, first + window);
                for (; _ahead < limit && made < room; _ahead++)
                {
                    (_state[_ahead % window], _nextAttempt[_ahead % window]) = (RowState.Pending, 0);
                    (_row[made], _attempt[made++]) = (_ahead, 0);
                }
                _session.Generate(made, _inputs, candidates, _view._conditions?.Fixed);
                _candidatesMade += made;
                for (int k = 0; k < made; k++)
                {
                    int slot = (int)(_row[k] % window);
                    if (Passes(candidates, k))
                    {
                        candidates.CopyRow(k, held, slot);
                        _state[slot] = RowState.Held;
                    }
                    else _nextAttempt[slot]++;
                }
            }
            for (long row = first; row < end; row++)
            {
                held.CopyRow((int)(row % window), Rows, (int)(row - first));
                _state[row % window] = RowState.Free;
            }
        }

        /// <summary>The first row in [<paramref name="from"/>, <paramref name="to"/>) not yet held (<paramref name="to"/> when all are).</summary>
        private long FirstNotHeld(long from, long to)
        {
            for (long row = from; row < to; row++)
                if (_state[row % _state.Length] != RowState.Held) return row;
            return to;
        }

        private bool Passes(DecodedRows candidates, int k) =>
            (candidates.Kept is not { } kept || kept[k]) && (_view._conditions is not { } conditions || conditions.Honoured(candidates, k)) && (_predicates is null || _predicates(k));

        private InvalidOperationException BudgetSpent(long found)
        {
            var conditions = _view._conditions;
            return new InvalidOperationException(
                $"Generating rows{(conditions is null ? "" : $" with {conditions.Describe()}")}: {_candidatesMade:N0} candidate rows gave only " +
                $"{found:N0} that {(conditions is null ? "pass" : "honour the conditions and pass")} the density-ratio filter{(_predicates is null ? "" : " and the predicate rules")}, fewer than " +
                $"the {_view._rowCount:N0} asked for. " + (conditions is null
                    ? "The filter keeps far fewer rows than it did when the model was trained: train it again, or without DensityRatioFilter."
                    : $"The limit is {conditions.MaximumCandidatesPerRow} candidates a row. The generator rarely makes this combination: " +
                      "ask for fewer rows or conditions, train longer, or train with ConditionalGenerator (the default)."));
        }
    }
}
