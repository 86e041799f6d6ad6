using Microsoft.ML.Gan.Encoding;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// Checks a description read from a file before anything is built from it: its format, its options (in range, and
/// describing a network of bounded size), its columns (names, kinds and each kind's own state). Every problem is an
/// <see cref="InvalidDataException"/> naming the file and the field, raised here, at load, never later.
/// </summary>
internal static class ModelValidation
{
    /// <summary>The widest layer, noise vector or encoded row a model file may declare.</summary>
    public const int MaximumWidth = 1 << 16;

    /// <summary>The most hidden layers a model file may declare.</summary>
    public const int MaximumLayers = 64;

    /// <summary>The most columns a model file may declare.</summary>
    public const int MaximumColumns = 10_000;

    /// <summary>The most generator parameters a model file may declare (1 GiB of weights).</summary>
    public const long MaximumParameters = 1L << 28;

    /// <summary>Bytes TorchSharp's weight file may add to the parameters themselves (names, shapes, per tensor).</summary>
    private const int WeightFileOverheadPerTensor = 1024;

    /// <returns>The columns and their dependencies, the options, and the density-ratio filter the description lists (without its weights), if any.</returns>
    public static (TabularEncoder Encoder, TrainingRecord Training, DensityRatioFilter? Filter) Check(ModelDescription description, string source)
    {
        if (description.FormatVersion > ModelDescription.CurrentFormat)
            throw ModelFile.Bad(source, $"it has format version {description.FormatVersion}, newer than this library's {ModelDescription.CurrentFormat}: update Microsoft.ML.Gan to read it");
        if (description.FormatVersion < ModelDescription.OldestReadableFormat)
            throw ModelFile.Bad(source, $"it has format version {description.FormatVersion}; this library reads versions {ModelDescription.OldestReadableFormat} to {ModelDescription.CurrentFormat}");
        var training = description.Options ?? throw ModelFile.Bad(source, "its manifest lacks the options");
        var states = description.Columns ?? throw ModelFile.Bad(source, "its manifest lacks the columns");
        if (states.Length == 0 || states.Length > MaximumColumns)
            throw ModelFile.Bad(source, $"its manifest declares {states.Length:N0} columns; a model has 1 to {MaximumColumns:N0}");
        if (description.TrainingRows < 0) throw ModelFile.Bad(source, $"its TrainingRows is {description.TrainingRows}");

        CheckOptions(training, source);
        var reserved = GeneratorSignature.ReservedNames(training.NoiseColumnName, description.Filter is not null);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var columns = new GanColumn[states.Length];
        for (int c = 0; c < states.Length; c++)
        {
            var state = states[c] ?? throw ModelFile.Bad(source, $"column {c + 1} of its manifest is null");
            if (string.IsNullOrWhiteSpace(state.Name)) throw ModelFile.Bad(source, $"column {c + 1} of its manifest has no name");
            string name = Common.Text.Printable(state.Name, 100);
            if (!names.Add(state.Name)) throw ModelFile.Bad(source, $"its manifest names column '{name}' twice");
            if (reserved.Contains(state.Name)) throw ModelFile.Bad(source, $"its column '{name}' has the name of an input of the generator's graph");
            try
            {
                columns[c] = ColumnKinds.Restore(state); // each kind checks its own state
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or OverflowException or InvalidCastException)
            {
                throw ModelFile.Bad(source, $"its column '{name}' is not valid ({Common.Text.Printable(e.Message)})", e);
            }
        }
        ColumnDependency[] dependencies;
        DensityRatioFilter? filter;
        TabularEncoder encoder;
        try
        {
            dependencies = ColumnDependency.Restore(description.Dependencies, columns);
            var constraints = ColumnConstraints.Restore(description.Constraints, columns);
            if (constraints is not null && dependencies.FirstOrDefault(d => constraints.Changes(d.Determinant) || constraints.Changes(d.Target)) is { } mixed)
                throw new InvalidDataException($"its column dependency '{mixed.ToInfo()}' involves a column a constraint changes, which no model has");
            var trends = TrendState.Restore(description.Trends, columns);
            foreach (var trend in trends)
            {
                if (dependencies.Any(d => d.Determinant == trend.Target || d.Target == trend.Target) || constraints?.Changes(trend.Target) == true ||
                    constraints?.Changes(trend.Anchor) == true || (trend.IsRatio && (constraints?.Changes(trend.Per) == true || dependencies.Any(d => d.Target == trend.Per))) || trend.Terms.Any(z => constraints?.Changes(z.Column) == true || dependencies.Any(d => d.Target == z.Column)))
                    throw new InvalidDataException($"its numeric trend {trend} involves a column a dependency or a constraint changes, which no model has");
                if (trend.IsWithin && (constraints?.Changes(trend.Within) == true || dependencies.Any(d => d.Target == trend.Within) ||
                        (constraints?.Rules ?? []).Any(r => r.Columns.Contains(columns[trend.Within].Name))))
                    throw new InvalidDataException($"its numeric trend {trend} is within the categories of a column a dependency or a constraint sets or names, which no model has");
            }
            var formulas = FormulaState.Restore(description.Formulas, columns);
            var ruled = (constraints?.Rules ?? []).SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
            foreach (var formula in formulas)
            {
                if (dependencies.Any(d => d.Determinant == formula.Target || d.Target == formula.Target) || trends.Any(t => t.Target == formula.Target) ||
                    ruled.Contains(formula.TargetName) || formula.InputNames.Any(ruled.Contains))
                    throw new InvalidDataException($"its formula {formula} makes a column a dependency, trend or constraint involves, or reads one a constraint names, which no model has");
                if (formula.SolvedColumn is int solved && (dependencies.Any(d => d.Determinant == solved || d.Target == solved) ||
                        trends.Any(t => t.Target == solved) || constraints?.Changes(solved) == true))
                    throw new InvalidDataException($"its formula {formula} solves for a column a dependency, trend or constraint involves, which no model has");
            }
            // A trend that reads what the formulas make applies after them: no formula may read its target, nor another trend.
            foreach (var trend in trends.Where(t => t.AppliesAfter(formulas)))
            {
                if (formulas.Any(f => f.Target == trend.Target || f.SolvedColumn == trend.Target || f.Inputs.Contains(trend.Target)) || trends.Any(t => t != trend && t.Reads(trend.Target)) ||
                    trend.Terms.Any(z => formulas.Any(f => f.Target == z.Column || f.SolvedColumn == z.Column)))
                    throw new InvalidDataException($"its numeric trend {trend} follows a column formulas make, yet a formula or another trend reads its target, or a term is made by a formula, which no model has");
            }
            var combinations = NumericCombinationState.Restore(description.Combinations, columns);
            foreach (var combination in combinations)
            {
                foreach (int c in combination.Columns)
                {
                    if (dependencies.Any(d => d.Target == c) || trends.Any(t => t.Target == c || t.Reads(c)) || formulas.Any(f => f.Target == c || f.SolvedColumn == c) ||
                        constraints?.Changes(c) == true || ruled.Contains(columns[c].Name))
                        throw new InvalidDataException($"its combination of {string.Join(", ", combination.Names.Select(n => $"'{Common.Text.Printable(n, 60)}'"))} holds column '{Common.Text.Printable(columns[c].Name, 60)}', which a dependency, trend, formula or constraint sets or names too, which no model has");
                }
            }
            foreach (var combination in combinations.Where(m => m.Learned))
            {
                if (dependencies.Any(d => d.Determinant == combination.Category || d.Target == combination.Category))
                    throw new InvalidDataException($"its column dependency on '{Common.Text.Printable(columns[combination.Category].Name, 80)}' involves a combination's hidden category, which no model has");
            }
            var thresholds = CategoryThresholdsState.Restore(description.CategoryThresholds, columns, TabularEncoder.VisibleCountOf(columns));
            foreach (var tree in thresholds)
            {
                // The target is set last: no rule sets it, and nothing it reads changes after it but a column it fixes.
                var after = CategoryThresholds.Reach(dependencies, tree.Target);
                if (dependencies.Any(d => d.Target == tree.Target) || constraints?.Changes(tree.Target) == true || ruled.Contains(tree.TargetName))
                    throw new InvalidDataException($"its thresholds set column '{Common.Text.Printable(tree.TargetName, 80)}', which a dependency or a constraint sets or names too, which no model has");
                if (trends.Any(t => t.IsWithin && t.Within == tree.Target))
                    throw new InvalidDataException($"its thresholds set column '{Common.Text.Printable(tree.TargetName, 80)}', within whose categories a numeric trend's curves are, which no model has");
                foreach (int f in tree.Features)
                {
                    bool changesAfter = after.Contains(f) && !dependencies.Any(d => d.Determinant == tree.Target && d.Target == f);
                    if (changesAfter || constraints?.Changes(f) == true || ruled.Contains(columns[f].Name))
                        throw new InvalidDataException($"its thresholds that set '{Common.Text.Printable(tree.TargetName, 80)}' read column '{Common.Text.Printable(columns[f].Name, 80)}', which changes after them or a constraint names, which no model has");
                }
            }
            var exclusions = CategoryExclusion.Restore(description.Exclusions, columns, TabularEncoder.VisibleCountOf(columns));
            foreach (var exclusion in exclusions)
            {
                // Neither column changes after decoding, but by a dependency between the two (which sets only pairs the data hold).
                foreach (int c in new[] { exclusion.First, exclusion.Second })
                {
                    int other = c == exclusion.First ? exclusion.Second : exclusion.First;
                    if (dependencies.Any(d => d.Target == c && d.Determinant != other) || thresholds.Any(t => t.Target == c) || constraints?.Changes(c) == true || ruled.Contains(columns[c].Name))
                        throw new InvalidDataException($"its category exclusion '{Common.Text.Printable(exclusion.ToString(), 120)}' involves column '{Common.Text.Printable(columns[c].Name, 80)}', which a dependency from another column, thresholds or a constraint sets or names, which no model has");
                }
            }
            var levels = EntityLevelState.Restore(description.EntityLevels, columns);
            foreach (var level in levels)
            {
                // Made first, from the distance the generator makes: no rule sets or changes its target or its categories'
                // column (trends, formulas and thresholds may read the target, after it is made; rules may read the categories).
                int t = level.Target, e = level.Entity;
                if (dependencies.Any(d => d.Determinant == t || d.Target == t || d.Target == e) || constraints?.Changes(t) == true || constraints?.Changes(e) == true ||
                    ruled.Contains(columns[t].Name) || trends.Any(x => x.Target == t) ||
                    formulas.Any(f => f.Target == t || f.SolvedColumn == t) || combinations.Any(m => m.Columns.Contains(t)) ||
                    thresholds.Any(x => x.Target == e || x.Target == t) || exclusions.Any(x => x.First == t || x.Second == t))
                    throw new InvalidDataException($"its {level} involve a column a dependency, constraint, trend, formula, combination, thresholds or exclusion sets, or a dependency reads, which no model has");
                // Its lines read their column's value as the generator makes it: one no rule sets or changes, and no level's target.
                if (level.Along is int a && (dependencies.Any(d => d.Target == a) || constraints?.Changes(a) == true || ruled.Contains(columns[a].Name) ||
                    trends.Any(x => x.Target == a) || formulas.Any(f => f.Target == a || f.SolvedColumn == a) || combinations.Any(m => m.Columns.Contains(a)) ||
                    levels.Any(x => x.Target == a)))
                    throw new InvalidDataException($"its {level} read column '{Common.Text.Printable(columns[a].Name, 80)}', which a rule sets or changes or which has a level of its own, which no model has");
            }
            var ends = StudyEndState.Restore(description.StudyEnds, columns);
            foreach (var end in ends)
            {
                // Made last, from the share the generator makes: no rule reads or sets its target, but a constraint between
                // it and targets of the same bound (an order between shares); its entry is any column's value.
                int t = end.Target;
                var orders = (constraints?.Rules ?? []).Where(r => r.Columns.Contains(end.TargetName));
                if (orders.Any(r => r.Columns.Any(name => ends.FirstOrDefault(x => x.TargetName == name) is not { } other || !other.SameBound(end))))
                    throw new InvalidDataException($"its study end of '{Common.Text.Printable(end.TargetName, 80)}' has a constraint with a column of no study end of the same bound, which no model has");
                if (dependencies.Any(d => d.Determinant == t || d.Target == t) || trends.Any(x => x.Target == t || x.Reads(t)) ||
                    formulas.Any(f => f.Target == t || f.SolvedColumn == t || f.Inputs.Contains(t)) || combinations.Any(m => m.Columns.Contains(t)) ||
                    thresholds.Any(x => x.Target == t || x.Features.Contains(t)) || levels.Any(x => x.Target == t || x.Entity == t || x.Along == t))
                    throw new InvalidDataException($"its study end of '{Common.Text.Printable(end.TargetName, 80)}' is on a column a dependency, trend, formula, combination, thresholds or level reads or sets, which no model has");
            }
            filter = DensityRatioFilter.Restore(description.Filter, columns);
            encoder = new TabularEncoder(columns, dependencies, constraints, trends, formulas, combinations, thresholds, exclusions, levels, ends); // checks the columns that group marginal maps
        }
        catch (InvalidDataException e)
        {
            throw ModelFile.Bad(source, Common.Text.Printable(e.Message), e);
        }
        if (description.FoundOrders is { } found)
        {
            var rules = new HashSet<string>((encoder.Constraints?.Rules ?? []).Select(r => r.ToString()), StringComparer.Ordinal);
            foreach (string? rule in found)
                if (rule is null || !rules.Contains(rule))
                    throw ModelFile.Bad(source, $"it says its training rows' orders (TimeOrders, NumberOrders) gave the rule '{Common.Text.Printable(rule ?? "(null)", 80)}', which is not among its constraints");
        }
        if (encoder.Width > MaximumWidth) throw ModelFile.Bad(source, $"its columns encode to {encoder.Width:N0} features, more than the {MaximumWidth:N0} a model may have");
        long parameters = ParameterCount(GanModel.ShapeFor(encoder, training));
        if (parameters > MaximumParameters)
            throw ModelFile.Bad(source, $"its options describe a generator of {parameters:N0} parameters, more than the {MaximumParameters:N0} this library builds from a file");
        return (encoder, training, filter);
    }

    private static void CheckOptions(TrainingRecord training, string source)
    {
        try
        {
            training.ToOptions().Validate();
        }
        catch (ArgumentException e)
        {
            throw ModelFile.Bad(source, $"its options are out of range ({Common.Text.Printable(e.Message)})", e);
        }
        if (training.NoiseDimension > MaximumWidth) throw ModelFile.Bad(source, $"its NoiseDimension is {training.NoiseDimension:N0}, more than {MaximumWidth:N0}");
        foreach (var (layers, name) in new[] { (training.GeneratorLayers, nameof(training.GeneratorLayers)), (training.DiscriminatorLayers, nameof(training.DiscriminatorLayers)) })
        {
            if (layers.Length > MaximumLayers) throw ModelFile.Bad(source, $"its {name} lists {layers.Length:N0} layers, more than {MaximumLayers}");
            if (layers.Any(w => w > MaximumWidth)) throw ModelFile.Bad(source, $"its {name} has a layer wider than {MaximumWidth:N0}");
        }
    }

    /// <summary>The generator's parameter count: weights, biases and batch-norm scales and shifts.</summary>
    public static long ParameterCount(GeneratorShape shape)
    {
        long count = 0, width = shape.InputWidth;
        foreach (int hidden in shape.HiddenLayers)
        {
            count += width * hidden + hidden + (shape.BatchNorm ? 2L * hidden : 0);
            width = shape.Residual ? width + hidden : hidden;
        }
        return count + width * shape.OutputWidth + shape.OutputWidth;
    }

    /// <summary>The most bytes the generator's weight file can take: its parameters and batch-norm statistics as floats, and per-tensor headers.</summary>
    public static long MaximumWeightBytes(GeneratorShape shape)
    {
        long statistics = shape.BatchNorm ? 3L * shape.HiddenLayers.Sum() : 0; // running mean, variance, batch count
        int tensors = shape.HiddenLayers.Count * (shape.BatchNorm ? 7 : 2) + 2;
        return 8 * (ParameterCount(shape) + statistics) + (long)tensors * WeightFileOverheadPerTensor + 4096;
    }
}
