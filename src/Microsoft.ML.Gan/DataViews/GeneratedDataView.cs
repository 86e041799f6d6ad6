using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;
using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Generation;
using Microsoft.ML.Gan.Model;
using Microsoft.ML.Gan.Scoring;

namespace Microsoft.ML.Gan.DataViews;

/// <summary>
/// <see cref="GanTransformer.Generate(long, int?)"/>'s result: a fixed number of synthetic rows for one seed, produced in
/// batches as a cursor moves, never materialised. Row i of a seed is the same every time it is read (an
/// IDataView must be re-readable), whatever the batching. With conditions, candidate rows are generated (the
/// generator conditioned on one of them when it can be) and only rows that honour every condition are kept, up to
/// a budget of candidates; a cursor that exhausts it throws, saying how many rows it found. With a density-ratio
/// filter the rows are likewise the candidates that pass it, in candidate order.
/// </summary>
internal sealed class GeneratedDataView : IDataView
{
    private readonly GanModel _model;
    private readonly GeneratorSession _session;
    private readonly long _rowCount;
    private readonly ulong _seed;

    private readonly RowConditions? _conditions;
    private readonly Action<string>? _report;

    /// <param name="session">Generates the rows; a cursor of a view whose model has been disposed throws <see cref="ObjectDisposedException"/>.</param>
    /// <param name="report">With conditions: told, when a cursor has read every row, how many candidates it made and what share it kept.</param>
    public GeneratedDataView(GeneratorSession session, long rowCount, ulong seed, RowConditions? conditions = null, Action<string>? report = null)
    {
        _model = session.Model;
        _session = session;
        _rowCount = rowCount;
        _seed = seed;
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
        private long _batchStart;
        private readonly DecodedRows? _candidates;
        private int _candidateCount;
        private int _candidateNext;
        private long _candidatesMade;
        private readonly Func<int, bool>? _predicates;

        public Cursor(GeneratedDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded, GeneratorSession session)
            : base(session, view.Schema, columnsNeeded, (int)Math.Min(session.Options.BatchSize, Math.Max(1, view._rowCount)))
        {
            _view = view;
            _session = session;
            var prior = view._model.Signature.NoisePrior;
            // Row i of the batch is row (batch start + i) of the view: its own counter-based random stream.
            _inputs = (int row, Span<float> noise, Span<float> uniforms) =>
                NoiseSource.FillRow(view._seed, (ulong)(_batchStart + row), prior, noise, uniforms);
            if (view._conditions is not null || view._model.Signature.Filtered || view._model.Encoder.Constraints?.HasPredicates == true)
                _candidates = new DecodedRows(view._model.Encoder, session.Options.BatchSize);
            if (_candidates is not null && view._model.Encoder.Constraints is { HasPredicates: true } constraints)
                _predicates = constraints.PredicateCheck(view._model.Encoder.Columns, _candidates);
        }

        public override bool MoveNext()
        {
            if (RowPosition + 1 >= _view._rowCount)
            {
                if (RowPosition < _view._rowCount && _view._conditions is { } conditions && _view._report is { } report && _view._rowCount > 0)
                {
                    long used = _candidatesMade - (_candidateCount - _candidateNext);
                    report($"Generated {_view._rowCount:N0} rows with {conditions.Describe()}{(conditions.Fixed is null ? " (by rejection alone)" : "")}: " +
                        $"{used:N0} candidates made, {(double)_view._rowCount / Math.Max(1, used):P1} of them kept.");
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
            if (_candidates is not null) FillKept(rows);
            else
            {
                _batchStart = RowPosition;
                _session.Generate(rows, _inputs, Rows);
            }
            // Identifiers from the rows' positions among those kept: unique in the view, whatever was rejected.
            _view._model.Encoder.StampMade(Rows, 0, rows, RowPosition, _view._seed);
            BatchCount = rows;
            InBatch = 0;
        }

        /// <summary>Fills the batch with the candidate rows that pass the density-ratio filter and honour every condition, in candidate order.</summary>
        private void FillKept(int rows)
        {
            var candidates = _candidates!;
            var conditions = _view._conditions;
            for (int filled = 0; filled < rows;)
            {
                if (_candidateNext == _candidateCount)
                {
                    long budget = _view.CandidateBudget();
                    if (_candidatesMade >= budget)
                        throw new InvalidOperationException(
                            $"Generating rows{(conditions is null ? "" : $" with {conditions.Describe()}")}: {_candidatesMade:N0} candidate rows gave only " +
                            $"{RowPosition + filled:N0} that {(conditions is null ? "pass" : "honour the conditions and pass")} the density-ratio filter{(_predicates is null ? "" : " and the predicate rules")}, fewer than " +
                            $"the {_view._rowCount:N0} asked for. " + (conditions is null
                                ? "The filter keeps far fewer rows than it did when the model was trained: train it again, or without DensityRatioFilter."
                                : $"The limit is {conditions.MaximumCandidatesPerRow} candidates a row. The generator rarely makes this combination: " +
                                  "ask for fewer rows or conditions, train longer, or train with ConditionalGenerator (the default)."));
                    _candidateCount = (int)Math.Min(candidates.Capacity, budget - _candidatesMade);
                    _batchStart = _candidatesMade;
                    _session.Generate(_candidateCount, _inputs, candidates, conditions?.Fixed);
                    _candidatesMade += _candidateCount;
                    _candidateNext = 0;
                }
                int i = _candidateNext++;
                if ((candidates.Kept is not { } kept || kept[i]) && (conditions is null || conditions.Honoured(candidates, i)) && (_predicates is null || _predicates(i)))
                    candidates.CopyRow(i, Rows, filled++);
            }
        }
    }
}
