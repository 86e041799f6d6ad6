using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// The whole row: one <see cref="GanColumn"/> per column laid side by side. Fitting reads the table once
/// through a cursor and produces the encoded training matrix; decoding turns generator output back into values.
/// </summary>
internal sealed class TabularEncoder
{
    private readonly int[] _offsets;
    private readonly int[] _drawOffsets;

    public TabularEncoder(IReadOnlyList<GanColumn> columns, IReadOnlyList<ColumnDependency>? dependencies = null, ColumnConstraints? constraints = null,
        IReadOnlyList<NumericTrend>? trends = null, IReadOnlyList<NumericFormula>? formulas = null, IReadOnlyList<NumericCombination>? combinations = null,
        IReadOnlyList<CategoryThresholds>? thresholds = null, IReadOnlyList<CategoryExclusion>? exclusions = null, IReadOnlyList<EntityLevel>? levels = null,
        IReadOnlyList<StudyEnd>? studyEnds = null)
    {
        EntityLevels = levels ?? [];
        StudyEnds = studyEnds ?? [];
        Combinations = combinations ?? [];
        Exclusions = exclusions ?? [];
        Thresholds = thresholds ?? [];
        Columns = columns;
        Dependencies = dependencies ?? [];
        Constraints = constraints;
        Trends = trends ?? [];
        Formulas = formulas ?? [];
        TrendsAfterFormulas = Trends.Where(t => t.AppliesAfter(Formulas)).ToArray();
        TrendsBeforeFormulas = Trends.Except(TrendsAfterFormulas).ToArray();
        // The dependencies from a column a tree sets, or from one those set, apply again after the trees.
        var reached = Thresholds.SelectMany(t => CategoryThresholds.Reach(Dependencies, t.Target).Append(t.Target)).ToHashSet();
        _afterThresholds = Dependencies.Where(d => reached.Contains(d.Determinant)).ToArray();
        _trendOf = new int[columns.Count];
        Array.Fill(_trendOf, -1);
        for (int i = 0; i < Trends.Count; i++) _trendOf[Trends[i].Target] = i;
        _levelOf = new int[columns.Count];
        Array.Fill(_levelOf, -1);
        for (int i = 0; i < EntityLevels.Count; i++) _levelOf[EntityLevels[i].Target] = i;
        _studyEndOf = new int[columns.Count];
        Array.Fill(_studyEndOf, -1);
        for (int i = 0; i < StudyEnds.Count; i++) _studyEndOf[StudyEnds[i].Target] = i;
        _offsets = new int[columns.Count];
        _drawOffsets = new int[columns.Count];
        var spans = new List<OutputSpan>();
        int width = 0, draws = 0;
        for (int c = 0; c < columns.Count; c++)
        {
            _offsets[c] = width;
            _drawOffsets[c] = draws;
            foreach (var s in columns[c].Spans) spans.Add(s with { Start = s.Start + width });
            width += columns[c].Width;
            draws += columns[c].DrawCount;
        }
        Width = width;
        DrawCount = draws;
        Spans = spans;
        _groupOf = new int[columns.Count];
        for (int c = 0; c < columns.Count; c++) _groupOf[c] = FindGroup(columns, c);
        _exclusionsOf = new CategoryExclusion[columns.Count][];
        for (int c = 0; c < columns.Count; c++) _exclusionsOf[c] = Exclusions.Where(x => x.Second == c).ToArray();
        // The hidden columns (a combination's category) come after every column of the table, each some combination's.
        VisibleCount = VisibleCountOf(columns);
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c] is CombinationColumn && c < VisibleCount)
                throw new InvalidDataException($"Column '{Common.Text.Printable(columns[c].Name, 80)}' is a combination's category among the table's columns: such a column comes after all of them.");
            if (c >= VisibleCount && Combinations.Count(m => m.Category == c) != 1)
                throw new InvalidDataException($"Column '{Common.Text.Printable(columns[c].Name, 80)}' is a combination's category that no combination (or more than one) is learned as.");
        }
        _leaderOf = MissingTogether.Leaders(this);
    }

    /// <summary>
    /// The columns of the table: the first this many of <see cref="Columns"/>, in the table's order. The others are
    /// hidden (a <see cref="CombinationColumn"/>): the generator learns them, and they are in no generated row's schema
    /// nor an output of the graph.
    /// </summary>
    public int VisibleCount { get; }

    /// <summary>How many of <paramref name="columns"/> are the table's: those before the hidden ones at the end (see <see cref="VisibleCount"/>).</summary>
    public static int VisibleCountOf(IReadOnlyList<GanColumn> columns)
    {
        int visible = columns.Count;
        while (visible > 0 && columns[visible - 1] is CombinationColumn) visible--;
        return visible;
    }

    /// <summary>Whether column <paramref name="c"/> is hidden (see <see cref="VisibleCount"/>).</summary>
    public bool IsHidden(int c) => c >= VisibleCount;

    private readonly int[] _groupOf;
    private readonly CategoryExclusion[][] _exclusionsOf; // per column: the exclusions whose second column it is, in order
    private readonly ColumnDependency[] _afterThresholds;
    private readonly int[] _trendOf; // per column: the trend it is the target of, or -1
    private readonly int[] _levelOf; // per column: the entity level it is the target of, or -1
    private readonly int[] _studyEndOf; // per column: the study end it is the target of, or -1
    private readonly int[] _leaderOf; // per column: the column it is missing with, or -1

    /// <summary>
    /// The index of the column whose categories group column <paramref name="c"/>'s marginal map
    /// (<see cref="MarginalMap.Group"/>): a categorical column, or a number of a few exact values
    /// (<see cref="NumericColumn.IsCode"/>, each value a category); -1 for none. Such a column decodes after every
    /// ungrouped column.
    /// </summary>
    public int GroupOf(int c) => _groupOf[c];

    /// <summary>
    /// Each row's category in group column <paramref name="group"/> (see <see cref="GroupOf"/>), from <paramref name="rows"/>
    /// decoded already: a categorical column's indices; a code's categories (<see cref="NumericColumn.CodeOf"/>) of rows
    /// <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="count"/> − 1, in a buffer that
    /// <paramref name="rows"/> keeps for it.
    /// </summary>
    public int[] GroupLevels(DecodedRows rows, int group, int firstRow, int count)
    {
        if (Columns[group] is not NumericColumn code) return rows.Levels(group);
        var codes = rows.Codes(group);
        var numbers = rows.Numbers(group);
        for (int r = firstRow; r < firstRow + count; r++) codes[r] = code.CodeOf(numbers[r]);
        return codes;
    }

    /// <summary>The graph's <see cref="GroupLevels"/>: from group column <paramref name="group"/>'s decoded node, each row's category (int64, [batch]) and how many it has.</summary>
    public (string Level, int LevelCount) AddOnnxGroupLevels(OnnxGraph g, IReadOnlyList<string> decoded, int group) => Columns[group] switch
    {
        NumericColumn code => (code.AddOnnxCodeOf(g, decoded[group]), code.CodeCount),
        CategoricalColumn categorical => (decoded[group], categorical.LevelCount),
        var other => throw new InvalidOperationException($"Column '{other.Name}' groups no map."),
    };

    /// <summary>The name a user reads for category <paramref name="level"/> of group column <paramref name="group"/>: a category's value, or a code's number.</summary>
    public string GroupLevelName(int group, int level) => Columns[group] is NumericColumn code ? code.CodeName(level) : ((CategoricalColumn)Columns[group]).LevelName(level);

    /// <summary>The column that column <paramref name="c"/> is missing with (<see cref="NumericColumn.MissingWith"/>), or -1.</summary>
    public int LeaderOf(int c) => _leaderOf[c];

    /// <summary>
    /// For a column missing with a leader: whether each of <paramref name="rows"/> rows of <paramref name="output"/> has
    /// its leader missing, as the leader's own head decides (its logits, biases and draw) and, when the leader follows
    /// another, that one's up the chain; null for a column without a leader. With <paramref name="known"/> (one slot per
    /// column, for one batch), each leader's rows are worked out once and kept there for the other followers: callers only
    /// read the arrays.
    /// </summary>
    public bool[]? LeaderMissing(int c, ReadOnlySpan<float> output, ReadOnlySpan<float> draws, int rows, CategorySampling sampling, bool[]?[]? known = null)
    {
        int l = _leaderOf[c];
        if (l < 0) return null;
        if (known?[l] is { } kept) return kept;
        var leader = (NumericColumn)Columns[l];
        var above = LeaderMissing(l, output, draws, rows, sampling, known); // the leader's own leader's rows
        var missing = new bool[rows];
        for (int r = 0; r < rows; r++)
            missing[r] = above is not null && above[r] // missing with its own leader
                || (above is null || leader.MissingElsewhere) // else its own head, unless it is present with its leader
                && leader.ChoosesMissing(output.Slice(r * Width + _offsets[l], leader.Width), draws.Slice(r * DrawCount + _drawOffsets[l], leader.DrawCount), sampling);
        if (known is not null) known[l] = missing;
        return missing;
    }

    /// <summary>What the model learned about column <paramref name="c"/>, with the categories its map is calibrated within.</summary>
    public GanColumnInfo Info(int c)
    {
        var info = Columns[c].ToInfo();
        if (_groupOf[c] >= 0 && Columns[c] is NumericColumn { Marginal: { MapsGroups: true } map })
            info = info with { GroupedBy = Columns[_groupOf[c]].Name, GroupCategories = map.GroupCategories.Select(l => GroupLevelName(_groupOf[c], l)).ToArray() };
        if (Columns[c] is NumericColumn { Marginal.FreeRows: true }) info = info with { CalibratedOnFreeRows = true };
        if (_leaderOf[c] >= 0) info = info with { MissingWith = Columns[_leaderOf[c]].Name, MissingElsewhere = ((NumericColumn)Columns[c]).MissingElsewhere };
        // A derived column's own range, not its distances'.
        if (Constraints?.DerivedOf(c) is { } derived)
            info = info with
            {
                Minimum = derived.Minimum, Maximum = derived.Maximum,
                LearnedBelow = derived.Below ? derived.Anchors.Select(a => Columns[a.Column].Name).ToArray() : [],
            };
        // A trend's target: its own range and grid, not its residuals'.
        if (TrendOf(c) is { } trend) info = info with { Minimum = trend.Minimum, Maximum = trend.Maximum, Step = trend.Grid?.Step ?? double.NaN };
        // A number about its category's level: its own range and grid, not its distances'.
        if (LevelOf(c) is { } level)
            info = info with
            {
                Minimum = level.Minimum, Maximum = level.Maximum, Step = level.Grid?.Step ?? (level.IsInteger ? 1 : double.NaN),
                LevelWithin = level.EntityName, LevelExplained = level.Explained, LevelAlong = level.AlongName, LevelAlongExplained = level.Lines?.Explained ?? 0, LevelSpreads = level.Spreads is not null, LevelMappedAfter = level.Calibration is { IsCalibrated: true },
            };
        // A share of the time a study's end leaves: its own range and grid, not its shares'.
        if (StudyEndOf(c) is { } end)
            info = info with
            {
                Minimum = end.Minimum, Maximum = end.Maximum, Step = end.Grid?.Step ?? (end.IsInteger ? 1 : double.NaN),
                StudyEnd = end.Rule, StudyEndEntry = end.EntryName,
            };
        return info;
    }

    /// <summary>
    /// The group column of column <paramref name="c"/>'s map, checked: a categorical column of this encoder, or another
    /// number of a few exact values (<see cref="NumericColumn.IsCode"/>) whose own map is not grouped (it decodes
    /// before the columns it groups), that has every category the map has a table for.
    /// </summary>
    private static int FindGroup(IReadOnlyList<GanColumn> columns, int c)
    {
        if (columns[c] is not NumericColumn { Marginal.Group: { } name } numeric) return -1;
        int index = -1;
        for (int i = 0; i < columns.Count; i++) if (columns[i].Name == name) index = i;
        string column = Common.Text.Printable(numeric.Name, 80), group = Common.Text.Printable(name, 80);
        int count = index < 0 || index == c ? 0 : columns[index] switch
        {
            CategoricalColumn categorical => categorical.LevelCount,
            NumericColumn { IsCode: true, Marginal.Group: null } code => code.CodeCount,
            NumericColumn => throw new InvalidDataException(
                $"Column '{column}': its marginal map is grouped by the number column '{group}', which cannot group a map: only a number mapped onto 2 to {NumericColumn.MaximumCodeValues} exact values, whose own map is not grouped, can."),
            _ => 0,
        };
        if (count == 0)
            throw new InvalidDataException($"Column '{column}': its marginal map is grouped by '{group}', which is neither a categorical column nor a number of few values among the model's other columns.");
        if (numeric.Marginal!.GroupCategories.Any(l => l >= count))
            throw new InvalidDataException($"Column '{column}': its marginal map has a table for a category of '{group}' that the column does not have ({count} categories).");
        return index;
    }

    public IReadOnlyList<GanColumn> Columns { get; }

    /// <summary>The number columns whose values come only in the training rows' combinations, applied first (see <see cref="NumericCombination"/>).</summary>
    public IReadOnlyList<NumericCombination> Combinations { get; }

    /// <summary>The rules between columns that decoded rows are made to obey, in the order they apply after the combinations (see <see cref="ColumnDependency"/>).</summary>
    public IReadOnlyList<ColumnDependency> Dependencies { get; }

    /// <summary>The rules every generated row keeps (<see cref="GanTrainer.Options.Constraints"/>), applied after the dependencies; null for none.</summary>
    public ColumnConstraints? Constraints { get; }

    /// <summary>The numbers learned as their residuals from another column's curve, applied after the constraints (see <see cref="NumericTrend"/>).</summary>
    public IReadOnlyList<NumericTrend> Trends { get; }

    /// <summary>The <see cref="Trends"/> that apply before the <see cref="Formulas"/>, in order: every one but those of <see cref="TrendsAfterFormulas"/>.</summary>
    public IReadOnlyList<NumericTrend> TrendsBeforeFormulas { get; }

    /// <summary>The <see cref="Trends"/> whose anchor or a term the formulas make, applied after them, in order (<see cref="NumericTrend.AppliesAfter"/>).</summary>
    public IReadOnlyList<NumericTrend> TrendsAfterFormulas { get; }

    /// <summary>The number columns other columns make exactly, applied last, in this order (see <see cref="NumericFormula"/>).</summary>
    public IReadOnlyList<NumericFormula> Formulas { get; }

    /// <summary>
    /// The categorical columns set from thresholds on the row's final values, applied after the formulas (see
    /// <see cref="CategoryThresholds"/>); the dependencies from such a column then apply again.
    /// </summary>
    public IReadOnlyList<CategoryThresholds> Thresholds { get; }

    /// <summary>The pairs of categories no generated row holds, applied as each second column is decoded (<see cref="CategoryExclusion"/>).</summary>
    public IReadOnlyList<CategoryExclusion> Exclusions { get; }

    /// <summary>The exclusions whose second column is <paramref name="c"/>, in order.</summary>
    public IReadOnlyList<CategoryExclusion> ExclusionsOf(int c) => _exclusionsOf[c];

    /// <summary>Whether a tree of <see cref="Thresholds"/> sets column <paramref name="c"/>: its shares follow the numbers, not its logits.</summary>
    public bool SetByThresholds(int c) => Thresholds.Any(t => t.Target == c);

    /// <summary>
    /// The numbers learned as their distances from their category's level, made from them after every other rule (see
    /// <see cref="EntityLevel"/>): no rule reads or sets their targets or their categories' columns.
    /// </summary>
    public IReadOnlyList<EntityLevel> EntityLevels { get; }

    /// <summary>
    /// The numbers learned as their shares of the time a study's end leaves them (see <see cref="StudyEnd"/>), made from
    /// them after every other rule: no rule reads or sets their targets but an order between targets of one bound.
    /// </summary>
    public IReadOnlyList<StudyEnd> StudyEnds { get; }

    /// <summary>The study end column <paramref name="c"/> is the target of; null for none.</summary>
    public StudyEnd? StudyEndOf(int c) => _studyEndOf[c] >= 0 ? StudyEnds[_studyEndOf[c]] : null;

    /// <summary>The entity level column <paramref name="c"/> is the target of; null for none.</summary>
    public EntityLevel? LevelOf(int c) => _levelOf[c] >= 0 ? EntityLevels[_levelOf[c]] : null;

    /// <summary>The trend column <paramref name="c"/> is the target of; null for none.</summary>
    public NumericTrend? TrendOf(int c) => _trendOf[c] >= 0 ? Trends[_trendOf[c]] : null;

    /// <summary>The same layout, dependencies, constraints, trends and formulas over <paramref name="columns"/>: the same columns, recalibrated.</summary>
    public TabularEncoder WithColumns(IReadOnlyList<GanColumn> columns) => new(columns, Dependencies, Constraints, Trends, Formulas, Combinations, Thresholds, Exclusions, EntityLevels, StudyEnds);

    /// <summary>The same columns, dependencies, trends and formulas with <paramref name="constraints"/> (a predicate given back to a loaded model).</summary>
    public TabularEncoder WithConstraints(ColumnConstraints constraints) => new(Columns, Dependencies, constraints, Trends, Formulas, Combinations, Thresholds, Exclusions, EntityLevels, StudyEnds);

    /// <summary>The same, without the <see cref="Thresholds"/>: rows as the generator chose their categories (what calibration corrects the shares of).</summary>
    public TabularEncoder WithoutThresholds() => new(Columns, Dependencies, Constraints, Trends, Formulas, Combinations, exclusions: Exclusions, levels: EntityLevels, studyEnds: StudyEnds);

    /// <summary>Floats in one encoded row: the generator's output width and the discriminator's input width.</summary>
    public int Width { get; }

    /// <summary>Uniform draws that decoding one row consumes (one per softmax span).</summary>
    public int DrawCount { get; }

    /// <summary>Every span of the encoded row in order, with absolute offsets.</summary>
    public IReadOnlyList<OutputSpan> Spans { get; }

    /// <summary>Where column <paramref name="c"/> starts in the encoded row.</summary>
    public int OffsetOf(int c) => _offsets[c];

    /// <summary>Where column <paramref name="c"/>'s draws start among a row's <see cref="DrawCount"/> draws.</summary>
    public int DrawOffsetOf(int c) => _drawOffsets[c];

    /// <summary>
    /// Makes the values of the columns made apart from the network (<see cref="MadeColumn"/>: identifiers, fake data) of rows [<paramref name="firstRow"/>,
    /// + <paramref name="rows"/>) of <paramref name="into"/>, whose positions in what is generated start at <paramref name="firstPosition"/>.
    /// </summary>
    public void StampMade(DecodedRows into, int firstRow, int rows, long firstPosition, ulong seed)
    {
        for (int c = 0; c < Columns.Count; c++)
            if (Columns[c] is MadeColumn made) made.Stamp(into.Buffers[c], firstRow, rows, firstPosition, seed);
    }

    /// <summary>The schema generated rows have: the training columns, same names, types and order (no hidden column).</summary>
    public DataViewSchema BuildSchema()
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in Columns.Take(VisibleCount)) builder.AddColumn(c.Name, c.Type);
        return builder.ToSchema();
    }

    /// <summary>
    /// Decodes <paramref name="rows"/> rows of generator output (tanh applied on tanh spans, raw logits on
    /// softmax spans) with <paramref name="draws"/> (<see cref="DrawCount"/> uniforms per row) into <paramref name="into"/>,
    /// from its row <paramref name="firstRow"/> on; then applies the <see cref="EntityLevels"/>, the <see cref="Combinations"/>, the <see cref="Dependencies"/>,
    /// the <see cref="Constraints"/>, the <see cref="Trends"/>, the <see cref="Formulas"/>, the <see cref="Thresholds"/> and last the <see cref="StudyEnds"/>.
    /// </summary>
    public void Decode(ReadOnlySpan<float> output, ReadOnlySpan<float> draws, int rows, CategorySampling sampling, DecodedRows into, int firstRow = 0)
    {
        var missingOf = new bool[]?[Columns.Count]; // each leader's rows in this batch, worked out once for its followers
        for (int c = 0; c < Columns.Count; c++)
        {
            if (_groupOf[c] >= 0) continue;
            if (_exclusionsOf[c].Length > 0) // its categories given those of the earlier columns, decoded above
                ((CategoricalColumn)Columns[c]).DecodeExcluding(output, Width, _offsets[c], draws, DrawCount, _drawOffsets[c], rows, sampling, into.Buffers[c], firstRow,
                    _exclusionsOf[c], into);
            else if (_leaderOf[c] >= 0) // missing where its leader's head says the leader is
                ((NumericColumn)Columns[c]).Decode(output, Width, _offsets[c], draws, DrawCount, _drawOffsets[c], rows, sampling, into.Buffers[c], firstRow, null,
                    LeaderMissing(c, output, draws, rows, sampling, missingOf));
            else Columns[c].Decode(output, Width, _offsets[c], draws, DrawCount, _drawOffsets[c], rows, sampling, into.Buffers[c], firstRow);
        }
        // A grouped column after its group column, from that column's decoded categories (a code's once a batch).
        var levelsOf = new int[]?[Columns.Count];
        for (int c = 0; c < Columns.Count; c++)
            if (_groupOf[c] is int group and >= 0)
                ((NumericColumn)Columns[c]).Decode(output, Width, _offsets[c], draws, DrawCount, _drawOffsets[c], rows, sampling, into.Buffers[c], firstRow,
                    levelsOf[group] ??= GroupLevels(into, group, firstRow, rows), LeaderMissing(c, output, draws, rows, sampling, missingOf));
        // A level first: the rules that read its target (a trend's anchor, a formula's input) read the value, not the distance.
        foreach (var level in EntityLevels) level.Apply(into, Columns, firstRow, rows, draws, DrawCount, MapDrawOf(level.Target), sampling);
        foreach (var combination in Combinations) combination.Apply(into, Columns, firstRow, rows);
        foreach (var dependency in Dependencies) dependency.Apply(into, Columns, firstRow, rows);
        Constraints?.Apply(into, Columns, firstRow, rows);
        foreach (var trend in TrendsBeforeFormulas) trend.Apply(into, Columns, firstRow, rows, draws, DrawCount, TrendDrawOf(trend), sampling);
        foreach (var formula in Formulas) formula.ApplyBeforeFormulas(into, Columns, firstRow, rows);
        foreach (var formula in Formulas) formula.Apply(into, Columns, firstRow, rows);
        foreach (var trend in TrendsAfterFormulas) trend.Apply(into, Columns, firstRow, rows, draws, DrawCount, TrendDrawOf(trend), sampling);
        foreach (var tree in Thresholds) tree.Apply(into, firstRow, rows);
        foreach (var dependency in _afterThresholds) dependency.Apply(into, Columns, firstRow, rows);
        foreach (var end in StudyEnds) end.Apply(into, Columns, firstRow, rows);
    }

    /// <summary>The draw a trend's <see cref="NumericTrend.Calibration"/> places a tie with: its target's own map's (the column's last); -1 when the target has no map.</summary>
    public int TrendDrawOf(NumericTrend trend) => MapDrawOf(trend.Target);

    /// <summary>
    /// The draw a map after a rule that makes column <paramref name="c"/> (a trend's, a level's) reads: the column's own
    /// map's, scaled apart from it (<see cref="NumericTrend.CalibrationDraw"/>); -1 when the column has no map.
    /// </summary>
    public int MapDrawOf(int c) => Columns[c] is NumericColumn { Marginal: not null } target ? _drawOffsets[c] + target.DrawCount - 1 : -1;

    /// <summary>The same columns, rules and the rest with <paramref name="levels"/> (the same levels, their maps after them refitted).</summary>
    public TabularEncoder WithEntityLevels(IReadOnlyList<EntityLevel> levels) => new(Columns, Dependencies, Constraints, Trends, Formulas, Combinations, Thresholds, Exclusions, levels, StudyEnds);

    /// <summary>The same columns, dependencies, constraints, formulas and the rest with <paramref name="trends"/> (the same trends, their calibrations refitted).</summary>
    public TabularEncoder WithTrends(IReadOnlyList<NumericTrend> trends) => new(Columns, Dependencies, Constraints, trends, Formulas, Combinations, Thresholds, Exclusions, EntityLevels, StudyEnds);

    /// <summary>The dependencies that apply again after the <see cref="Thresholds"/> (from a column a tree sets, or one it fixes), in order.</summary>
    public IReadOnlyList<ColumnDependency> AfterThresholds => _afterThresholds;

    /// <summary>
    /// Reads the training columns once, checks them, fits every column and returns the encoded rows, kept compactly
    /// where <see cref="ColumnFitSettings.Storage"/> says (the caller disposes them). <paramref name="checkAlive"/> is called every few thousand
    /// rows and between columns, so a cancelled context stops a long read. With <see cref="ColumnFitSettings.Dependencies"/>,
    /// the dependencies between columns the rows show are found (<see cref="ColumnDependency.Find"/>).
    /// </summary>
    /// <remarks>
    /// With <paramref name="constraints"/>, the rules are checked against the columns before the table is read and against
    /// every training row after (<see cref="ColumnConstraints.CheckTraining"/>, <see cref="ColumnConstraints.CheckPredicates"/>);
    /// a column above another is then fitted on its distances above it (<see cref="ColumnConstraints.Fit"/>); increments,
    /// one-hot groups and fixed combinations are fitted once the columns are. A column a rule changes takes no part in
    /// the dependencies. Identifier and fake-data columns (<see cref="ColumnFitSettings.Identifiers"/>, <see cref="ColumnFitSettings.FakeData"/>)
    /// are read by their own fitters and keep no rule.
    /// </remarks>
    public static (TabularEncoder Encoder, Training.EncodedRows Rows) Fit(IDataView data, IReadOnlyList<string> columnNames, ColumnFitSettings settings, Action checkAlive,
        Action<string>? log = null, IReadOnlyList<GanConstraint>? constraints = null)
    {
        var schema = data.Schema;
        var fitters = new ColumnFitter[columnNames.Count];
        foreach (string name in settings.Identifiers.Where(n => !columnNames.Contains(n)))
            throw new ArgumentException($"Options.Identifiers names '{name}', which is not one of the columns the GAN learns ({string.Join(", ", columnNames.Select(n => $"'{n}'"))}).");
        foreach (string name in settings.FakeData.Keys.Where(n => !columnNames.Contains(n) || settings.Identifiers.Contains(n)))
            throw new ArgumentException($"Options.FakeData names '{name}', which is {(settings.Identifiers.Contains(name) ? "in Options.Identifiers too: choose one" : "not one of the columns the GAN learns")}.");
        for (int i = 0; i < columnNames.Count; i++)
        {
            if (settings.FakeData.ContainsKey(columnNames[i]))
            {
                var column = schema.GetColumnOrNull(columnNames[i]) ?? throw new ArgumentOutOfRangeException(nameof(columnNames), $"Column '{columnNames[i]}' was not found in the training data.");
                if (column.Type is not TextDataViewType)
                    throw new ArgumentException($"Column '{columnNames[i]}' is in Options.FakeData but has type {column.Type}: fake personal data is text.");
                fitters[i] = FakeKind.Instance.CreateFitter(column, settings);
                log?.Invoke($"Column '{columnNames[i]}' is made by {(settings.FakeData[columnNames[i]] is { Values: null } f ? $"Bogus ({f.Kind}, {f.Locale})" : "drawing from the given values")}: its training values are neither learned nor kept, and generated rows do not follow them.");
                continue;
            }
            if (settings.Identifiers.Contains(columnNames[i]))
            {
                var column = schema.GetColumnOrNull(columnNames[i]) ?? throw new ArgumentOutOfRangeException(nameof(columnNames), $"Column '{columnNames[i]}' was not found in the training data.");
                if (!IdentifierKind.Accepts(column.Type))
                    throw new ArgumentException($"Column '{columnNames[i]}' is in Options.Identifiers but has type {column.Type}: identifiers are text (String) or whole numbers (Int32, Int64, UInt32, UInt64).");
                fitters[i] = new IdentifierFitter(column);
                continue;
            }
            var (checkedColumn, kind) = CheckColumn(schema, columnNames[i]);
            fitters[i] = kind.CreateFitter(checkedColumn, settings);
        }
        var kinds = fitters.Select(f => (f as NumericFitter)?.Kind).ToArray();
        foreach (var rule in (constraints ?? []).Where(r => r?.OneHotColumns is not null))
        {
            var other = constraints!.FirstOrDefault(o => !ReferenceEquals(o, rule) && o is not null && o.Columns.Intersect(rule.OneHotColumns!).Any());
            if (other is not null)
                throw new ArgumentException($"The constraints '{rule}' and '{other}' share column '{other.Columns.Intersect(rule.OneHotColumns!).First()}': a one-hot group's columns keep no other rule.");
        }
        foreach (var rule in constraints ?? [])
        {
            if (rule?.Columns.FirstOrDefault(settings.Identifiers.Contains) is { } identifier)
                throw new ArgumentException($"The constraint '{rule}' names column '{identifier}', an identifier: identifiers are made apart from the other columns and keep no rule but their format.");
            if (rule?.Columns.FirstOrDefault(settings.FakeData.ContainsKey) is { } fake)
                throw new ArgumentException($"The constraint '{rule}' names column '{fake}', which is fake data made apart from the other columns: it keeps no rule.");
        }
        var rules = constraints is { Count: > 0 } ? ColumnConstraints.Resolve(constraints, columnNames, kinds) : null;
        var increments = rules is null ? [] : ColumnConstraints.ResolveIncrements(constraints!, columnNames, kinds);
        if (increments.Length > 0 && !settings.Granularity)
            throw new ArgumentException($"The constraint '{constraints![increments[0].Rule]}' is held by the column's learned grid: it needs Options.NumericGranularity (on by default).");

        long rows = 0;
        using (var cursor = data.GetRowCursor(fitters.Select(r => r.Column)))
        {
            foreach (var r in fitters) r.Bind(cursor);
            while (cursor.MoveNext())
            {
                if (rows == Array.MaxLength)
                    throw new InvalidOperationException(
                        $"The training data has more than {Array.MaxLength:N0} rows, more than training holds (a column's values are one array). Train on a sample of the rows.");
                if ((rows & 4095) == 0) checkAlive();
                foreach (var r in fitters) r.Read(rows);
                rows++;
            }
        }
        foreach (var fitter in fitters)
        {
            fitter.EndRead();
            Common.LargeTables.StageEnded(rows); // the blocks its values were read into
        }

        if (rows == 0)
            throw new InvalidOperationException("The training data has no rows: a GAN needs rows to learn from.");
        if (rows < 2)
            throw new InvalidOperationException($"The training data has {rows} row: a GAN needs at least 2 rows to learn a distribution.");

        List<StudyEnd> studyEnds = [];
        if (settings.StudyEnds)
        {
            // Before any other rule, on every row's own values: a number every row keeps below a bound falling with another
            // is learned as its share of the time left, and every later rule (but an order between shares of one bound,
            // which holds between their values) leaves it alone. Its entry is read as it is, never missing.
            checkAlive();
            var named = (constraints ?? []).Where(r => r is not null).SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
            var numbers = fitters.Select(f => f is NumericFitter { Kind: not TimeKind } n ? n.Values : null).ToArray();
            NumericGranularity? GridOf(int c)
            {
                var v = numbers[c]!.AsSpan(0, (int)rows);
                if (!settings.Granularity || NumericGranularity.Fit(v, kinds[c]!.Stored) is not var (units, decimals)) return null;
                double low = double.PositiveInfinity, high = double.NegativeInfinity;
                foreach (double x in v) if (!double.IsNaN(x)) (low, high) = (Math.Min(low, x), Math.Max(high, x));
                return new NumericGranularity(units, decimals, low, high, columnNames[c]);
            }
            // An entry of few values (flchain's 9 years of sampling) groups its target's map instead, which keeps each
            // value's times as they are (seed 1: 0.5 % of rows past the end, FastTree 0.594; as shares, 0.643).
            bool Entry(int c) => !(settings.Groups && settings.Marginal && FewValues(numbers[c]!, (int)rows, NumericColumn.MaximumCodeValues));
            studyEnds = StudyEnd.Find(columnNames, kinds, numbers, (int)rows, c => !named.Contains(columnNames[c]), Entry, GridOf, settings.Seed, checkAlive);
            if (studyEnds.Count > 0 && settings.Formulas)
            {
                // An exact formula beats a bound: parts below their total (shares of 100) keep their sum by a formula, so a
                // column a formula makes or reads is no study end's target.
                var decimals = numbers.Select((v, c) => v is not null && NumericGranularity.Fit(v.AsSpan(0, (int)rows), kinds[c]!.Stored) is var (_, d) ? d : (int?)null).ToArray();
                var formulaColumns = NumericFormula.Find(columnNames, kinds, numbers, decimals, (int)rows, _ => false, checkAlive)
                    .SelectMany(f => f.Inputs.Append(f.Target)).ToHashSet();
                if (studyEnds.Any(e => formulaColumns.Contains(e.Target)))
                    studyEnds = StudyEnd.Find(columnNames, kinds, numbers, (int)rows, c => !named.Contains(columnNames[c]) && !formulaColumns.Contains(c), Entry, GridOf,
                        settings.Seed, checkAlive);
            }
            foreach (var end in studyEnds)
            {
                double[] y = numbers[end.Target]!, a = numbers[end.Entry]!;
                for (int r = 0; r < rows; r++) y[r] = end.Share(y[r], a[r]);
            }
            if (studyEnds.Count > 0)
                log?.Invoke($"Numbers every training row keeps below a bound falling with another, learned as their shares of the time it leaves (Options.StudyEnds): {string.Join("; ", studyEnds)}.");
        }
        bool Bounded(int c) => studyEnds.Any(e => e.Target == c);

        HashSet<int>? below = null; // orders' earlier columns learned below a later one a category fixes
        if (settings.TimeOrders || settings.NumberOrders)
        {
            // Dates that every row holds in one order, and numbers on one scale that every row holds in one order and
            // that meet in some, are kept in it by rules, as if given: the later learned as its distance.
            checkAlive();
            var ordered = fitters.Select(f => f is NumericFitter { Kind: TimeKind } t ? (settings.TimeOrders ? t.Values : null)
                : f is NumericFitter { Kind: not null } n && settings.NumberOrders ? n.Values : null).ToArray();
            // Whether a category fixes a column in every row (a patient's end of follow-up, a class's size).
            var categorical = fitters.OfType<CategoricalFitter>().ToArray();
            var fixedColumns = new Dictionary<int, bool>();
            bool Fixed(int c) => ordered[c] is { } v && (fixedColumns.TryGetValue(c, out bool f) ? f
                : fixedColumns[c] = categorical.Any(x => TimeOrders.FixedByCategory(x.RowCategories, x.CategoryCount, v, (int)rows)));
            var found = TimeOrders.Find(columnNames, kinds, ordered, (int)rows, constraints ?? [], checkAlive, settings.OrdersBelowFixed ? Fixed : null);
            int Index(string name) => columnNames.Select((n, c) => (n, c)).First(p => p.n == name).c;
            // A study end's share is ordered only with another share of the same bound (as their values are).
            found = found.Where(rule => rule.Columns.Select(name => studyEnds.FirstOrDefault(e => e.TargetName == name)).ToArray() is var ends &&
                (ends.All(e => e is null) || ends.All(e => e is not null && e.SameBound(ends[0]!)))).ToList();
            if (settings.Formulas && found.Any(rule => rule.Columns.Any(name => kinds[Index(name)] is not TimeKind)))
            {
                // A part below its sum meets it where the other parts are 0: the formula found later keeps more of the
                // pair than an order, so an order between numbers that a formula makes or reads gives way to it.
                checkAlive();
                var numbers = fitters.Select(f => f is NumericFitter { Kind: not null and not TimeKind } n ? n.Values : null).ToArray();
                var decimals = numbers.Select((v, c) => v is not null && NumericGranularity.Fit(v.AsSpan(0, (int)rows), kinds[c]!.Stored) is var (_, d) ? d : (int?)null).ToArray();
                var formulaColumns = NumericFormula.Find(columnNames, kinds, numbers, decimals, (int)rows, _ => false, checkAlive)
                    .SelectMany(f => f.Inputs.Append(f.Target)).ToHashSet();
                found = found.Where(rule => !rule.Columns.Any(name => formulaColumns.Contains(Index(name)))).ToList();
            }
            // A later column that a category fixes in every row stays the category's (bdf's class size, never below the
            // size of the pupil's group in it: as a distance above the group's size, it varied within the class). Where
            // the two never meet, the earlier is learned as its share of the way up to it instead (a visit's day before
            // the patient's end of follow-up; ColumnConstraints.Fit), where nothing lies below the earlier, the later lies
            // above nothing else and below nothing, and the earlier's type holds the share's units; the order is dropped
            // otherwise. An order that meets (bdf's group within its class) is dropped too: kept as a share (1 where they
            // meet), bdf's rows were told apart more easily (FastTree 0.583 → 0.653, seeds 1-3), as a derived column takes
            // no part in the dependencies and formulas that held its centred copy.
            (int Low, int High) Pair(GanConstraint rule) => (Index(rule.Comparisons.Single().Low.Column!), Index(rule.Comparisons.Single().High.Column!));
            var fixedHigh = found.Where(rule => rule.Comparisons.Single().High.Column is { } high && Fixed(Index(high))).ToList();
            found = found.Except(fixedHigh).ToList();
            var others = (constraints ?? []).Concat(found).SelectMany(r => r.Comparisons)
                .Where(x => x.Low.Column is not null && x.High.Column is not null).Select(x => (Low: Index(x.Low.Column!), High: Index(x.High.Column!))).ToArray();
            var pairs = fixedHigh.Select(Pair).ToArray();
            var kept = fixedHigh.Where(rule => settings.OrdersBelowFixed && rule.Comparisons.Single().Strict && Pair(rule) is var (low, high) && StudyEnd.UnitFor(kinds[low]!) > 0
                && !others.Any(o => o.High == low || o.High == high || o.Low == high) && !pairs.Any(p => p.High == low || p.Low == high)).ToList();
            // A low column with an order dropped keeps none (all its anchors or none).
            var dropped = fixedHigh.Except(kept).Select(r => Pair(r).Low).ToHashSet();
            kept = kept.Where(r => !dropped.Contains(Pair(r).Low)).ToList();
            below = kept.Select(r => Pair(r).Low).ToHashSet();
            found.AddRange(kept);
            if (found.Count > 0)
            {
                constraints = [.. constraints ?? [], .. found];
                rules = ColumnConstraints.Resolve(constraints, columnNames, kinds);
                increments = ColumnConstraints.ResolveIncrements(constraints, columnNames, kinds);
                log?.Invoke($"Columns in one order in every training row, kept in it as rules (Options.TimeOrders, Options.NumberOrders): {string.Join("; ", found)}.");
            }
        }
        ColumnConstraints? held = null;
        if (rules is not null)
        {
            checkAlive();
            ColumnConstraints.CheckPredicates(constraints!, data, columnNames, checkAlive); // a second pass, only with predicates
            var named = rules.SelectMany(r => r).SelectMany(c => new[] { c.Low.Column, c.High.Column }).Where(c => c >= 0).Concat(increments.Select(i => i.Column)).ToHashSet();
            var values = fitters.Select((f, c) => named.Contains(c) ? ((NumericFitter)f).Values.ToArray() : null).ToArray();
            ColumnConstraints.CheckTraining(constraints!, rules, columnNames, kinds, values, rows, increments);
            held = ColumnConstraints.Fit(constraints!, rules, kinds, values, (int)rows, below).WithIncrements(increments);
            foreach (var derived in held.Derived) values[derived.Column].AsSpan().CopyTo(((NumericFitter)fitters[derived.Column]).Values);
            if (held.Derived.Count > 0)
                log?.Invoke($"Columns learned as their distance from others, so that every generated row keeps the constraints: " +
                    string.Join("; ", held.Derived.Select(d => $"{columnNames[d.Column]} {(d.Below ? "below" : "above")} {string.Join(", ", d.Anchors.Select(a => columnNames[a.Column]))}")) + ".");
        }

        var columns = new GanColumn[fitters.Length];
        for (int c = 0; c < fitters.Length; c++)
        {
            checkAlive();
            columns[c] = fitters[c].Fit();
            Common.LargeTables.StageEnded(rows); // its sorted copies
        }
        held?.CheckIncrements(columns);
        if (held is not null && constraints!.Any(r => r.OneHotColumns is not null))
        {
            double[] Values(int c) => columns[c] switch
            {
                BooleanColumn b when fitters[c].Coded(b) is var (codes, levels) => codes.Select(code => b.LevelName((int)levels[code]) == BooleanKind.NameOf(true) ? 1.0 : 0.0).ToArray(),
                NumericColumn => ((NumericFitter)fitters[c]).Values.ToArray(),
                _ => new double[rows], // refused by the fit below
            };
            held = held.WithOneHots(ColumnConstraints.FitOneHots(constraints!, columns, Values, (int)rows));
        }
        bool groups = settings.Groups && settings.Marginal;
        if (held is not null && constraints!.Any(r => r.CombinedColumns is not null))
        {
            var levels = fitters.Select((f, c) => columns[c] is CategoricalColumn && f.Coded(columns[c]) is var (codes, values)
                ? codes.Select(code => (int)values[code]).ToArray() : null).ToArray();
            held = held.WithCombinations(ColumnConstraints.FitCombinations(constraints!, columns, levels, (int)rows));
        }
        // Dependencies and groups are found on at most StatisticsRows rows (a uniform sample of a larger table).
        var sample = StatisticsSample((int)rows, settings.Seed);
        int sampled = sample?.Length ?? (int)rows;
        var coded = settings.Dependencies || groups || settings.Combinations || settings.CategoryThresholds || settings.CategorySteps || settings.CategoryExclusions ? fitters.Select((f, c) => f.Coded(columns[c], sample)).ToArray() : null;
        // A column a rule changes after decoding takes no part in a dependency: a derived column's codes are its
        // distances, and a fixed combination may change a category a dependency has read or set.
        var dependencies = settings.Dependencies
            ? ColumnDependency.Find(columns, coded!, sampled, checkAlive, held is null && studyEnds.Count == 0 ? null : c => Bounded(c) || held?.Changes(c) == true)
            : [];
        var ruledNames = (constraints ?? []).SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        List<NumericCombination> combinations = [];
        if (settings.Combinations)
        {
            // A number a category fixes stays the category's (a town's name sets its tax rate: the generator learns the
            // name, and the numbers follow it); a group whose anchor already fixes the others in every row needs no
            // combination. The combinations apply first, and the rules from numbers that would set their columns go:
            // the combination makes those columns whole.
            checkAlive();
            bool FixedByCategory(int c) => dependencies.Any(d => d.Target == c && columns[d.Determinant] is CategoricalColumn);
            bool Fixes(int a, int b) => dependencies.Any(d => d.Determinant == a && d.Target == b && d.Keys.Length == coded![a].Values.Length);
            var numbers = coded!.Select((c, i) => columns[i] is NumericColumn { Kind: NumericKind and not TimeKind, HasMissing: false } ? ((int[], double[])?)c : null).ToArray();
            combinations = NumericCombination.Find(columnNames, numbers, sampled,
                c => ruledNames.Contains(columnNames[c]) || held?.Changes(c) == true || FixedByCategory(c) || Bounded(c), Fixes, checkAlive);
            if (combinations.Count > 0)
            {
                dependencies = dependencies.Where(d => !combinations.Any(m => m.Columns.Contains(d.Target))).ToArray();
                log?.Invoke($"Number columns whose values come only in the training rows' combinations: {string.Join("; ", combinations)}.");
            }
        }
        bool Combined(int c) => combinations.Any(m => m.Columns.Contains(c));
        List<NumericFormula> formulas = [];
        if (settings.Formulas)
        {
            // On every row's own values (before trends replace theirs by residuals). A column a constraint names takes no
            // part (a derived column's values are its distances); a column a dependency reads or sets is made by no formula.
            checkAlive();
            var values = fitters.Select((f, c) => f is NumericFitter numeric && !ruledNames.Contains(columnNames[c]) && !Bounded(c) ? numeric.Values : null).ToArray();
            var decimals = columns.Select(c => (c as NumericColumn)?.Granularity?.Decimals).ToArray();
            bool Ruled(int c) => dependencies.Any(d => d.Determinant == c || d.Target == c) || Combined(c) || Bounded(c);
            // An offset reads a plain categorical column's category in each row: one that no constraint names or changes and
            // no dependency sets (a dependency that a category's thresholds reach sets it again after the formulas).
            var categories = fitters.Select((f, c) => columns[c] is CategoricalColumn { LevelCount: >= 2 and <= ColumnDependency.MaximumKeys } categorical and not CombinationColumn &&
                !ruledNames.Contains(columnNames[c]) && held?.Changes(c) != true && !dependencies.Any(d => d.Target == c) &&
                f.Coded(columns[c]) is var (codes, levels) ? new CategoryCodes(codes.Select(code => (int)levels[code]).ToArray(), categorical.LevelCount) : null).ToArray();
            formulas = NumericFormula.Find(columnNames, kinds, values, decimals, (int)rows, Ruled, checkAlive,
                fixedColumns: c => Ruled(c) || ruledNames.Contains(columnNames[c]) || held?.Changes(c) == true, categories: categories);
            if (formulas.Count > 0)
                log?.Invoke($"Columns made exactly from others in every row: {string.Join("; ", formulas.Select(f => f.ToInfo().Describe()))}.");
        }
        List<CategoryThresholds> thresholds = [];
        if (settings.CategoryThresholds || settings.CategorySteps)
        {
            // On every row's own values (before trends replace theirs by residuals); a column a constraint names or changes
            // takes no part.
            checkAlive();
            var usable = coded!.Select(c => ((int[], double[])?)c).ToArray();
            bool Unread(int c) => ruledNames.Contains(columnNames[c]) || held?.Changes(c) == true || Bounded(c);
            if (settings.CategoryThresholds)
                thresholds = CategoryThresholds.Find(ThresholdColumn.Of(columns), usable, sampled, dependencies, Unread, checkAlive);
            if (settings.CategorySteps)
            {
                // Then the categories that step along a number within each entity (a state's law along the years): their
                // trees too, and the dependencies that set them (the states that always had the law; no limit of 70
                // without one of 65), which hold in every row the steps hold in, give way to them.
                var steps = CategorySteps.Find(ThresholdColumn.Of(columns), usable, sampled, dependencies, Unread, thresholds, checkAlive);
                if (steps.Count > 0)
                {
                    dependencies = dependencies.Where(d => !steps.Any(s => s.Tree.Target == d.Target)).ToArray();
                    thresholds.AddRange(steps.Select(s => s.Tree));
                    log?.Invoke($"Categorical columns that step along a number within each entity: {string.Join("; ", steps)}.");
                }
            }
            // An offset reads its category as the formulas find it: thresholds set after them would change it.
            var unread = formulas.Where(f => f.Kind == GanFormulaKind.Offset && thresholds.Any(t => t.Target == f.Inputs[1])).ToList();
            if (unread.Count > 0)
            {
                formulas = formulas.Except(unread).ToList();
                log?.Invoke($"Offsets left out, as thresholds set their categories after the formulas: {string.Join("; ", unread.Select(f => f.ToInfo().Describe()))}.");
            }
            if (thresholds.Count > 0)
                log?.Invoke($"Categorical columns set from thresholds on others in every row: {string.Join("; ", thresholds)}.");
        }
        CategoryExclusion[] exclusions = [];
        if (settings.CategoryExclusions)
        {
            // Between plain categorical columns that nothing changes after decoding but a dependency between the two.
            checkAlive();
            exclusions = CategoryExclusion.Find(columns, coded!.Select(c => ((int[], double[])?)c).ToArray(), sampled,
                CategoryExclusion.Eligible(columnNames, constraints ?? [], held, c => thresholds.Any(t => t.Target == c)), dependencies, checkAlive);
            if (exclusions.Length > 0)
                log?.Invoke($"Pairs of categories no training row holds, though their shares expect many, kept out of generated rows: {string.Join("; ", exclusions.Select(x => x.ToString()))}.");
        }
        // A dependency on some of its determinant's values only (a rule for a few rows of one value).
        bool Partial(ColumnDependency d) => coded is not null && d.Keys.Length < coded[d.Determinant].Values.Length;
        List<NumericTrend> trends = [];
        if (settings.Trends)
        {
            // An exact rule beats a curve: a column a dependency reads or sets, a constraint names or a formula makes
            // follows no trend, and only a formula's column anchors one (which then applies after the formulas, its target
            // read by none); identifiers and fake data are no numbers the network makes. A ratio's columns are kept out
            // only by a dependency on all of a column's values: a rule for a few rows of one value gives way to a ratio
            // through its column, as to a level. AER's CreditCard holds the monthly spending's share of the yearly income
            // (share follows expenditure / income in every row), which rules for one value each (no card: expenditure 0)
            // kept out of any trend. (On single columns such rules stay: colon's nodes → node4 on 9 values is exact where a
            // curve is not, and mpg's rules on a few cars leave their measures to each model's level.) Each target is
            // fitted again, on its residuals.
            var excludedFromRatios = Enumerable.Range(0, fitters.Length).Where(c => ruledNames.Contains(columnNames[c]) ||
                dependencies.Any(d => !Partial(d) && (d.Determinant == c || d.Target == c)) || Combined(c) || Bounded(c)).ToHashSet();
            var excluded = excludedFromRatios.Union(dependencies.Where(Partial).SelectMany(d => new[] { d.Determinant, d.Target })).ToHashSet();
            var made = formulas.SelectMany(f => f.SolvedColumn is int solved ? [f.Target, solved] : new[] { f.Target }).ToHashSet();
            var read = formulas.SelectMany(f => f.Inputs).Concat(made).ToHashSet();
            // The fitters' own arrays: a trend's residuals replace its target's values in place.
            var numbers = fitters.Select(f => f is NumericFitter numeric ? numeric.Values : null).ToArray();
            // A trend within categories reads a plain categorical column's category in each row: one that nothing
            // changes after decoding (no dependency, constraint or thresholds set it) and no constraint names.
            CategoryCodes?[]? categories = null;
            if (settings.CategoryTrends)
            {
                checkAlive();
                categories = fitters.Select((f, c) => columns[c] is CategoricalColumn { LevelCount: >= 2 and <= NumericTrend.MaximumCategories } categorical and not CombinationColumn &&
                    !ruledNames.Contains(columnNames[c]) && held?.Changes(c) != true && !dependencies.Any(d => d.Target == c) && !thresholds.Any(t => t.Target == c) &&
                    f.Coded(columns[c]) is var (codes, levels) ? new CategoryCodes(codes.Select(code => (int)levels[code]).ToArray(), categorical.LevelCount) : null).ToArray();
            }
            // A number each category of a column holds about a level of nearly all its spread keeps that level: it follows no
            // trend (a trend may read it, after its level applies).
            var levelled = new HashSet<int>();
            if (settings.EntityLevels)
            {
                var entities = EntityCodes(columns, fitters, held, dependencies, thresholds);
                if (entities.Any(e => e is not null))
                    levelled = EntityLevel.Find(columnNames, kinds, numbers, (int)rows, entities, c => !excluded.Contains(c) && !made.Contains(c) && held?.Changes(c) != true,
                        c => (columns[c] as NumericColumn)?.Granularity, checkAlive).Where(l => l.Explained >= EntityLevel.MinimumExplainedPastTrends).Select(l => l.Target).ToHashSet();
            }
            trends = NumericTrend.Find(columnNames, kinds, numbers, (int)rows, settings.Granularity, excluded.Contains, checkAlive, settings.TrendTerms, made.Contains, read.Contains, settings.TrendRatios,
                categories, c => ruledNames.Contains(columnNames[c]) || dependencies.Any(d => d.Target == c) || Combined(c) || Bounded(c), excludedFromRatios.Contains, levelled.Contains);
            // A partial dependency that reads or sets a trend's target gives way (the trend makes the target after the
            // dependencies apply); one that sets an anchor applies before the trend reads it, and stays.
            var givenWay = dependencies.Where(d => trends.Any(t => t.Target == d.Determinant || t.Target == d.Target)).ToArray();
            if (givenWay.Length > 0)
            {
                dependencies = dependencies.Except(givenWay).ToArray();
                log?.Invoke($"Dependencies on some values given way to trends through their columns: {string.Join("; ", givenWay.Select(d => d.ToInfo()))}.");
            }
            var madeBack = new Dictionary<int, double[]>();
            for (int i = 0; i < trends.Count; i++)
            {
                checkAlive();
                var trend = trends[i];
                columns[trend.Target] = fitters[trend.Target].Fit();
                if (coded is not null) coded[trend.Target] = fitters[trend.Target].Coded(columns[trend.Target], sample);
                // The target's values as the trend makes them back from its residuals (its training values), for the map
                // after it; kept for the later trends that read them.
                var values = TrendValues(trend, numbers, madeBack, categories);
                if (columns[trend.Target] is not NumericColumn { Marginal: { } own, Kind: NumericKind targetKind }) continue;
                // All but exact (no map) only where it is so in the bulk of the rows too, not through a few extreme ones.
                if (trend.Explained >= NumericTrend.MaximumCalibratedExplained)
                {
                    double bulk = NumericTrend.BulkExplained(madeBack[trend.Target], numbers[trend.Target]!);
                    if (bulk >= NumericTrend.MaximumCalibratedExplained) continue;
                    log?.Invoke($"'{trend.TargetName}' follows its trend with R² {trend.Explained:F4}, but {bulk:F4} without its extreme rows: it is mapped onto its training values after the trend.");
                }
                trends[i] = trend.WithCalibrationTraining(values, own.Repeats, targetKind.Stored);
            }
            if (trends.Count > 0) log?.Invoke($"Columns learned as their residuals from the curve of another: {string.Join("; ", trends)}.");
        }
        List<EntityLevel> entityLevels = [];
        if (settings.EntityLevels)
        {
            // Last, among the numbers no rule sets or changes but a dependency on some keys only (a level keeps a patient's
            // stage better than a rule for two patients, its bilirubin better than a rule for one value of it). The level
            // applies first at decoding, right after the generator's distance is decoded: a trend that reads its target
            // (an anchor, a term, a ratio's part) or a formula that does (an input) reads the value, as it was found on
            // values (a panel's counts, chained by trends through one anchor, keep a state's level through it). Its
            // category's column is one no rule sets or changes (rules may read it).
            checkAlive();
            var set = new HashSet<int>(dependencies.Where(d => !Partial(d)).SelectMany(d => new[] { d.Determinant, d.Target })
                .Concat(combinations.SelectMany(m => m.Columns))
                .Concat(formulas.SelectMany(f => f.SolvedColumn is int solved ? [f.Target, solved] : new[] { f.Target }))
                .Concat(trends.Select(t => t.Target))
                .Concat(thresholds.Select(t => t.Target)));
            bool Free(int c) => !set.Contains(c) && !ruledNames.Contains(columnNames[c]) && held?.Changes(c) != true && !Bounded(c);
            var entities = EntityCodes(columns, fitters, held, dependencies, thresholds);
            if (entities.Any(e => e is not null))
            {
                var numbers = fitters.Select(f => f is NumericFitter numeric ? numeric.Values : null).ToArray();
                entityLevels = EntityLevel.Find(columnNames, kinds, numbers, (int)rows, entities, Free, c => (columns[c] as NumericColumn)?.Granularity, checkAlive);
                // A level may follow a line of each category's own along another number the generator makes and nothing
                // changes after (a state's population along the years): one that is no level's target (its values are
                // values at decoding) and no dependency sets in any row.
                var targets = entityLevels.Select(l => l.Target).ToHashSet();
                bool Along(int c) => Free(c) && !targets.Contains(c) && kinds[c] is { } k && k is not TimeKind && columns[c] is NumericColumn && !dependencies.Any(d => d.Target == c);
                if (settings.EntityLevelLines)
                {
                    // A number its categories' levels alone explain less than half of may still hold a level on a line of
                    // each category's own (a state's share of young men along the years), strongest first: no column is
                    // both a level's target and another's line's column.
                    var lined = new List<EntityLevel>();
                    var read = new HashSet<int>();
                    var candidates = Enumerable.Range(0, columns.Length).Where(Along).ToArray();
                    foreach (var (level, _) in EntityLevel.FindOnLines(columnNames, kinds, numbers, (int)rows, entities, c => Free(c) && !targets.Contains(c), candidates,
                        c => (columns[c] as NumericColumn)?.Granularity, checkAlive))
                    {
                        if (read.Contains(level.Target) || targets.Contains(level.Along!.Value)) continue;
                        lined.Add(level);
                        targets.Add(level.Target);
                        read.Add(level.Along.Value);
                    }
                    var along = Enumerable.Range(0, columns.Length).Where(Along).ToArray();
                    for (int i = 0; i < entityLevels.Count; i++) entityLevels[i] = entityLevels[i].FindLines(columnNames, numbers, (int)rows, entities[entityLevels[i].Entity]!, along, checkAlive);
                    entityLevels.AddRange(lined);
                }
                if (settings.EntityLevelSpreads)
                    for (int i = 0; i < entityLevels.Count; i++)
                    {
                        // Each category's own spread about its level and line (its lines found first).
                        var level = entityLevels[i];
                        entityLevels[i] = level.WithSpreads(numbers[level.Target]!, level.Along is int a ? numbers[a] : null, entities[level.Entity]!, (int)rows);
                    }
                for (int i = 0; i < entityLevels.Count; i++)
                {
                    checkAlive();
                    var level = entityLevels[i];
                    // The target's distances replace its values, and it is fitted again on them; the dependencies on some
                    // of its keys give way.
                    var values = numbers[level.Target]!;
                    // Its values, for the map after the level (with exact marginals: the target then has a map of its own).
                    var sorted = settings.Marginal ? values.Where(v => !double.IsNaN(v)).Order().ToArray() : null;
                    var categories = entities[level.Entity]!.Levels;
                    var x = level.Along is int a ? numbers[a]! : null;
                    for (int r = 0; r < rows; r++) values[r] = level.Distance(values[r], categories[r], x?[r] ?? double.NaN);
                    columns[level.Target] = fitters[level.Target].Fit();
                    if (coded is not null) coded[level.Target] = fitters[level.Target].Coded(columns[level.Target], sample);
                    // With a map of its own (exact marginals), the target's values are mapped onto its training values after the level too.
                    if (sorted is not null && columns[level.Target] is NumericColumn { Marginal: { } own, Kind: NumericKind targetKind })
                        entityLevels[i] = level.WithCalibrationTraining(sorted, own.Repeats, targetKind.Stored);
                }
                var dropped = dependencies.Where(d => entityLevels.Any(l => l.Target == d.Target || l.Target == d.Determinant)).ToArray();
                dependencies = dependencies.Except(dropped).ToArray();
                if (entityLevels.Count > 0)
                    log?.Invoke($"Numbers each category of a column holds about a level of its own, learned as their distances from it: {string.Join("; ", entityLevels)}" +
                        (dropped.Length > 0 ? $" (in place of {dropped.Length} rule{(dropped.Length == 1 ? "" : "s")} on some of their keys)." : "."));
            }
        }
        if (settings.MissingTogether)
        {
            // On every training row, among the numbers that no rule sets after decoding and no constraint names.
            checkAlive();
            var together = MissingTogether.Find(fitters.Select(f => f is NumericFitter numeric ? numeric.Values : null).ToArray(),
                MissingTogether.Eligible(columns, constraints ?? [], held, dependencies, formulas, combinations), checkAlive);
            if (together.Count > 0)
            {
                columns = MissingTogether.Apply(columns, together);
                log?.Invoke($"Number columns missing in every training row another is missing in (in exactly its rows, or elsewhere too), so in generated rows: {MissingTogether.Describe(columns, together)}.");
            }
        }
        // A combination no column fixes is learned as a hidden category: the entity (a town) the generator chooses like
        // any category, after the table's columns. Each training row's category is its combination.
        var hiddenLevels = new List<int[]>();
        if (settings.CombinationCategories && combinations.Any(m => !m.Functional))
        {
            checkAlive();
            var hidden = new List<GanColumn>();
            var taken = new HashSet<string>(columnNames, StringComparer.Ordinal);
            for (int i = 0; i < combinations.Count; i++)
            {
                var m = combinations[i];
                if (m.Functional) continue;
                var levels = m.LevelsOf(m.Columns.Select(c => ((NumericFitter)fitters[c]).Values).ToArray(), columns, (int)rows);
                var counts = new long[m.Count];
                foreach (int level in levels) counts[level]++;
                if (counts.Any(n => n == 0)) continue; // a combination of the sample that no row keeps: cannot be (the sample's rows are rows)
                string name = CombinationColumn.NameFor(m.Names, taken);
                taken.Add(name);
                combinations[i] = m.WithCategory(columns.Length + hidden.Count);
                hidden.Add(CombinationColumn.Create(name, counts));
                hiddenLevels.Add(levels);
                if (coded is not null)
                    coded = [.. coded, (sample is null ? levels.ToArray() : sample.Select(r => levels[r]).ToArray(), Enumerable.Range(0, m.Count).Select(l => (double)l).ToArray())];
            }
            columns = [.. columns, .. hidden];
            if (hidden.Count > 0)
                log?.Invoke($"Combinations learned as one category each: {string.Join("; ", combinations.Where(m => m.Learned))}.");
        }
        var encoder = new TabularEncoder(columns, dependencies, held, trends, formulas, combinations, thresholds, exclusions, entityLevels, studyEnds);
        // A number that rules set in some rows is mapped, in the others, onto those rows' values.
        if (settings.Marginal && dependencies.Length > 0)
        {
            encoder = ColumnDependency.WithFreeMarginals(encoder, Decoded(encoder, coded!, sampled), sampled);
            columns = encoder.Columns.ToArray();
        }
        if (groups)
        {
            var (grouped, groupings) = MarginalGroups.Fit(encoder, Decoded(encoder, coded!, sampled), sampled, checkAlive);
            encoder = grouped;
            if (groupings.Count > 0) log?.Invoke($"Numeric columns mapped within the categories they depend on: {string.Join("; ", groupings)}.");
        }
        var encoded = Training.EncodedRows.Create(encoder.Spans, encoder.Width, (int)rows, settings.Storage, settings.TemporaryDirectory, (block, first, count) =>
        {
            for (int c = 0; c < fitters.Length; c++) fitters[c].Encode(columns[c], block, encoder.Width, encoder._offsets[c], first, count);
            for (int h = 0; h < hiddenLevels.Count; h++)
                ((CategoricalColumn)columns[fitters.Length + h]).Encode(hiddenLevels[h].AsSpan(first, count), block, encoder.Width, encoder._offsets[fitters.Length + h]);
        }, checkAlive);
        return (encoder, encoded);
    }

    /// <summary>Whether the first <paramref name="rows"/> of <paramref name="values"/> hold at most <paramref name="most"/> distinct present values.</summary>
    private static bool FewValues(double[] values, int rows, int most)
    {
        var seen = new HashSet<double>();
        for (int r = 0; r < rows; r++)
            if (!double.IsNaN(values[r]) && seen.Add(values[r]) && seen.Count > most) return false;
        return true;
    }

    /// <summary>
    /// The present values of a trend's target, ascending, made back from its residuals in <paramref name="numbers"/> (the
    /// fitters' arrays) and its anchor's, divisor's and terms' values; <paramref name="made"/> holds the values of the
    /// earlier trends' targets made back so (a column a trend reads may be an earlier one's target), and gets this one's.
    /// </summary>
    private static double[] TrendValues(NumericTrend trend, IReadOnlyList<double[]?> numbers, Dictionary<int, double[]> made, IReadOnlyList<CategoryCodes?>? categories)
    {
        var levels = trend.IsWithin ? categories![trend.Within]!.Levels : null;
        double[] Values(int c) => made.TryGetValue(c, out var v) ? v : numbers[c]!;
        var residuals = numbers[trend.Target]!;
        var x = Values(trend.Anchor);
        var per = trend.IsRatio ? Values(trend.Per) : null;
        var terms = trend.Terms.Select(t => Values(t.Column)).ToArray();
        var z = new double[terms.Length];
        var target = new double[residuals.Length];
        var values = new List<double>(residuals.Length);
        for (int r = 0; r < residuals.Length; r++)
        {
            target[r] = double.NaN;
            if (double.IsNaN(residuals[r])) continue;
            for (int k = 0; k < z.Length; k++) z[k] = terms[k][r];
            double axis = per is null ? x[r] : trend.AxisValue(x[r], per[r]);
            values.Add(target[r] = trend.Value(residuals[r], axis, z, levels?[r] ?? -1));
        }
        made[trend.Target] = target;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>
    /// The most rows the dependencies between columns and the groups of marginal maps are found on: a table of more is
    /// sampled (<see cref="StatisticsSample"/>), so that its columns' codes and decoded rows need not be held for every row
    /// (20 million rows of Adult's columns would take 3 GB twice over). Rules and per-category quantiles from a million
    /// rows are as sure as the table's.
    /// </summary>
    public const int StatisticsRows = (int)Common.LargeTables.Rows;

    /// <summary>Null for a table of at most <see cref="StatisticsRows"/> rows (every row); else that many rows, a uniform sample in increasing order, seeded.</summary>
    internal static int[]? StatisticsSample(int rows, int seed) => rows <= StatisticsRows ? null : Common.RowSample.Uniform(rows, StatisticsRows, seed ^ 0x57A7);

    /// <summary>Each categorical column's category in every training row where its categories may hold levels (<see cref="EntityLevel"/>): one of 20 to 1,000 categories no rule sets or changes.</summary>
    private static CategoryCodes?[] EntityCodes(IReadOnlyList<GanColumn> columns, IReadOnlyList<ColumnFitter> fitters, ColumnConstraints? held,
        IReadOnlyList<ColumnDependency> dependencies, IReadOnlyList<CategoryThresholds> thresholds) =>
        fitters.Select((f, c) => columns[c] is CategoricalColumn { LevelCount: >= EntityLevel.MinimumCategories and <= EntityLevel.MaximumCategories } categorical
            and not CombinationColumn && held?.Changes(c) != true && !dependencies.Any(d => d.Target == c) && !thresholds.Any(t => t.Target == c) && f.Coded(columns[c]) is var (codes, values)
            ? new CategoryCodes(codes.Select(code => (int)values[code]).ToArray(), categorical.LevelCount) : null).ToArray();

    /// <summary>The training rows as decoded rows (numbers as the column holds them, categories as indices), from each column's codes.</summary>
    private static DecodedRows Decoded(TabularEncoder encoder, (int[] Codes, double[] Values)[] coded, int rows)
    {
        var decoded = new DecodedRows(encoder, rows);
        for (int c = 0; c < coded.Length; c++)
        {
            var (codes, values) = coded[c];
            switch (decoded.Buffers[c])
            {
                case double[] numbers: for (int r = 0; r < rows; r++) numbers[r] = values[codes[r]]; break;
                case int[] levels: for (int r = 0; r < rows; r++) levels[r] = (int)values[codes[r]]; break;
            }
        }
        return decoded;
    }

    /// <summary>
    /// The first <paramref name="count"/> rows of <paramref name="rows"/> (training rows as <see cref="ReadRows"/> reads
    /// them) with each trend's target made its residual, each entity level's its distance and each study end's its share, as <c>Fit</c> has them when
    /// it groups the columns' maps (<see cref="MarginalGroups"/>): a target's map, and its groups, are of its residuals.
    /// </summary>
    /// <exception cref="NotSupportedException">A trend within categories, whose categories' codes are <c>Fit</c>'s own.</exception>
    public void TrendResiduals(DecodedRows rows, int count)
    {
        foreach (var end in StudyEnds) end.Shares(rows, count); // a study end's target, as its share of the time left
        if (Trends.Count > 0)
        {
            if (Trends.FirstOrDefault(t => t.IsWithin) is { } within)
                throw new NotSupportedException($"'{within.TargetName}' follows a curve within each category of '{within.WithinName}': its residuals are made at Fit only.");
            var kinds = Columns.Select(c => c.Kind as NumericKind).ToArray();
            var values = Columns.Select((c, i) => c is NumericColumn ? rows.Numbers(i) : null).ToArray();
            NumericTrend.Residuals(Trends, kinds, values, count, null);
        }
        // Last, as at Fit: a trend reads a level's target (its anchor) as a value.
        foreach (var level in EntityLevels) level.Distances(rows, count); // a category's level's target, as its distance
    }

    /// <summary>
    /// Up to <paramref name="maximumRows"/> rows of <paramref name="data"/> (a uniform sample, by reservoir, when it has
    /// more) as decoded rows of these columns: numbers as the column holds them, categories as their indices. Every
    /// category must be one the columns know (the data are the training data).
    /// </summary>
    public (DecodedRows Rows, int Count) ReadRows(IDataView data, int maximumRows, int seed, Action checkAlive)
    {
        var schema = data.Schema;
        var sources = Columns.Take(VisibleCount).Select(c => schema.GetColumnOrNull(c.Name)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"Column '{c.Name}' was not found in the data.")).ToArray();
        var into = new DecodedRows(this, maximumRows);
        var random = new Random(seed);
        long seen = 0;
        using var cursor = data.GetRowCursor(sources);
        var readers = new Action<int>[VisibleCount];
        for (int c = 0; c < VisibleCount; c++)
        {
            int column = c;
            switch (Columns[c])
            {
                case NumericColumn:
                {
                    var read = ((NumericKind)ColumnKinds.Find(sources[c].Type)!).CreateReader(cursor, sources[c]);
                    var numbers = into.Numbers(c);
                    readers[c] = slot => numbers[slot] = read();
                    break;
                }
                case CategoricalColumn categorical:
                {
                    var read = ((CategoricalKind)ColumnKinds.Find(sources[c].Type)!).CreateReader(cursor, sources[c]);
                    var byName = new Dictionary<string, int>(StringComparer.Ordinal);
                    for (int level = 0; level < categorical.LevelCount; level++) byName[categorical.LevelName(level)] = level;
                    var lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
                    var levels = into.Levels(c);
                    readers[c] = slot => levels[slot] = lookup.TryGetValue(read(out _), out int level) ? level
                        : throw new InvalidOperationException($"Column '{Columns[column].Name}' holds a category the model was not trained on.");
                    break;
                }
                default:
                    readers[c] = _ => { }; // a column made apart from the network (an identifier, fake data): not read
                    break;
            }
        }
        while (cursor.MoveNext())
        {
            if ((seen & 4095) == 0) checkAlive();
            long slot = seen < maximumRows ? seen : random.NextInt64(seen + 1);
            seen++;
            if (slot >= maximumRows) continue;
            foreach (var read in readers) read((int)slot);
        }
        int count = (int)Math.Min(seen, maximumRows);
        FillHidden(into, count);
        return (into, count);
    }

    /// <summary>Each hidden column's categories of the first <paramref name="rows"/> rows of <paramref name="into"/>: the combination its columns hold.</summary>
    public void FillHidden(DecodedRows into, int rows)
    {
        foreach (var combination in Combinations.Where(m => m.Learned))
            combination.LevelsOf(combination.Columns.Select(into.Numbers).ToArray(), Columns, rows).CopyTo(into.Levels(combination.Category), 0);
    }

    /// <summary>Checks that a training column exists and has a type the GAN models; returns it and its kind.</summary>
    public static (DataViewSchema.Column Column, ColumnKind Kind) CheckColumn(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' was not found in the training data. Its columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        return (column, ColumnKinds.Find(column.Type) ?? throw Unsupported(name, column.Type));
    }

    /// <summary>The exception for a column whose type no kind models, with what to do.</summary>
    public static ArgumentOutOfRangeException Unsupported(string name, DataViewType type)
    {
        string hint = type is VectorDataViewType
            ? "Vector columns are not modelled yet: split the vector into scalar columns, or leave the column out of Options.Columns."
            : "Convert it to one of these (for example with mlContext.Transforms.Conversion.ConvertType), or leave it out of Options.Columns.";
        return new ArgumentOutOfRangeException(nameof(name),
            $"Column '{name}' has type {type}, which the GAN cannot model. Supported types: {ColumnKinds.SupportedTypes}. {hint}");
    }
}

/// <summary>A batch of decoded rows: one buffer per column, made by the column (doubles for numbers, category indices for categories).</summary>
internal sealed class DecodedRows
{
    public DecodedRows(TabularEncoder encoder, int capacity)
    {
        Capacity = capacity;
        Buffers = encoder.Columns.Select(c => c.CreateBuffer(capacity)).ToArray();
    }

    public int Capacity { get; }

    public Array[] Buffers { get; }

    /// <summary>Column <paramref name="c"/>'s values, when it is numeric.</summary>
    public double[] Numbers(int c) => (double[])Buffers[c];

    /// <summary>Column <paramref name="c"/>'s category indices, when it is categorical.</summary>
    public int[] Levels(int c) => (int[])Buffers[c];

    /// <summary>A buffer for number column <paramref name="c"/>'s categories when it groups maps (<see cref="TabularEncoder.GroupLevels"/>), made on first use.</summary>
    public int[] Codes(int c)
    {
        _codes ??= new int[Buffers.Length][];
        return _codes[c] ??= new int[Capacity];
    }

    private int[]?[]? _codes;

    /// <summary>Copies row <paramref name="from"/> into row <paramref name="to"/> of <paramref name="into"/> (same encoder).</summary>
    public void CopyRow(int from, DecodedRows into, int to)
    {
        for (int c = 0; c < Buffers.Length; c++) Array.Copy(Buffers[c], from, into.Buffers[c], to, 1);
    }

    /// <summary>
    /// A model with a density-ratio filter: each row's probability of being kept (the graph's
    /// <see cref="Model.GeneratorSignature.KeepName"/> output); null until a filtered generation fills it.
    /// </summary>
    public float[]? KeepProbability { get; private set; }

    /// <summary>Whether each row passed the density-ratio filter (its keep uniform below its keep probability); null until a filtered generation fills it.</summary>
    public bool[]? Kept { get; private set; }

    /// <summary><see cref="KeepProbability"/> and <see cref="Kept"/>, made on first use.</summary>
    public (float[] Probability, bool[] Kept) KeepBuffers()
    {
        KeepProbability ??= new float[Capacity];
        Kept ??= new bool[Capacity];
        return (KeepProbability, Kept);
    }

    /// <summary>
    /// Decides <see cref="Kept"/> for the first <paramref name="rows"/> rows, whose <see cref="KeepProbability"/> is
    /// set: a row passes the density-ratio filter when the last of its <paramref name="perRow"/> uniforms is below it.
    /// </summary>
    public void DecideKept(ReadOnlySpan<float> uniforms, int perRow, int rows)
    {
        var (probability, kept) = KeepBuffers();
        for (int r = 0; r < rows; r++) kept[r] = uniforms[r * perRow + perRow - 1] < probability[r];
    }
}
