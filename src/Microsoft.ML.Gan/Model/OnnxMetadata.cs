using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Gan.Encoding;

namespace Microsoft.ML.Gan.Model;

/// <summary>
/// The metadata_props of an exported generator graph. One entry holds the model description (the JSON of a model
/// zip's manifest: options, fitted columns) and one its training history, which grows with the epochs, so that together
/// they rebuild a <see cref="GanTransformer"/> from the .onnx file alone while the manifest stays the size of the
/// table's description; the others repeat its main facts for a reader with any ONNX tool, the categories of each
/// categorical output in their order as plain JSON.
/// </summary>
internal static class OnnxMetadata
{
    public const string ManifestKey = "microsoft.ml.gan.manifest";

    /// <summary>The history of the training epochs (JSON array), apart from the manifest (graphs before it kept it inside).</summary>
    public const string HistoryKey = "microsoft.ml.gan.history";

    /// <summary>Each categorical output's categories, in the order of its condition block (JSON object).</summary>
    public const string CategoriesKey = "microsoft.ml.gan.categories";

    /// <summary>Says which inputs a graph takes: <see cref="NoiseInputs"/> or <see cref="SeedInputs"/> (graphs before this entry: the noise's).</summary>
    public const string InputsKey = "microsoft.ml.gan.inputs";

    public const string NoiseInputs = "noise";
    public const string SeedInputs = "seed-and-rows";

    /// <param name="seeded">The graph is <see cref="RowStreamGraph"/>'s: a seed and row indices in.</param>
    public static IEnumerable<KeyValuePair<string, string>> Create(ModelDescription description, GeneratorSignature signature, bool seeded = false)
    {
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(description.ToJson())!.AsObject();
        var history = manifest[nameof(ModelDescription.History)];
        manifest.Remove(nameof(ModelDescription.History));
        yield return new(ManifestKey, manifest.ToJsonString());
        if (history is System.Text.Json.Nodes.JsonArray { Count: > 0 }) yield return new(HistoryKey, history.ToJsonString());
        var categories = new System.Text.Json.Nodes.JsonObject();
        foreach (var c in description.Columns!)
        {
            if (c.Kind == TextKind.Instance.Name && c.Levels is { } levels)
                categories[c.Name] = new System.Text.Json.Nodes.JsonArray(levels.Select(l => (System.Text.Json.Nodes.JsonNode?)l).ToArray());
            else if (c.Kind == BooleanKind.Instance.Name && c.Values is { } flags)
                categories[c.Name] = new System.Text.Json.Nodes.JsonArray(flags.Select(v => (System.Text.Json.Nodes.JsonNode?)(v != 0)).ToArray());
            else if (c.Kind == KeyKind.Instance.Name && c.Values is { } keys)
                categories[c.Name] = new System.Text.Json.Nodes.JsonArray(keys.Select(v => (System.Text.Json.Nodes.JsonNode?)v).ToArray());
            else if (c.Kind == CombinationKind.Instance.Name && c.LevelCounts is { } tuples) // a hidden condition block: the combinations' numbers
                categories[c.Name] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(1, tuples.Length).Select(v => (System.Text.Json.Nodes.JsonNode?)v).ToArray());
        }
        if (categories.Count > 0) yield return new(CategoriesKey, categories.ToJsonString());
        yield return new("microsoft.ml.gan.library_version", description.LibraryVersion ?? "unknown");
        yield return new("microsoft.ml.gan.columns", string.Join(", ", description.Columns!.Select(Describe)));
        yield return new(InputsKey, seeded ? SeedInputs : NoiseInputs);
        if (seeded)
        {
            yield return new("microsoft.ml.gan.seed_and_rows", FormattableString.Invariant(
                $"inputs '{RowStreamGraph.SeedName}': int64 [1] (or [rows], a seed per row), the seed as .NET's Generate(rows, seed, firstRow) takes it (an int; a negative one is read as itself plus 2^32), and ") +
                FormattableString.Invariant($"'{RowStreamGraph.RowName}': int64 [rows], positions of rows in that seed, any order; output row k is the seed's row Row[k], bit for bit the row Generate makes there. ") +
                FormattableString.Invariant($"Output '{RowStreamGraph.AttemptName}': int64 [rows], the candidate that passed the density-ratio filter (0 without one; -1 if none of {RowStreamGraph.MaximumAttempts:N0} did). ") +
                "The noise, condition and category draws are made inside from SplitMix64 streams (opset 18).");
        }
        else
        {
            yield return new("microsoft.ml.gan.noise", string.Create(CultureInfo.InvariantCulture,
                $"input '{signature.Noise.Name}': float [batch, {signature.Noise.Width}], {signature.NoisePrior} prior"));
            if (signature.Layout is { } layout)
            {
                yield return new("microsoft.ml.gan.condition", FormattableString.Invariant(
                    $"input '{GeneratorSignature.ConditionName}': float [batch, {layout.Width}], one block per categorical column ") +
                    "(" + string.Join(", ", layout.Columns.Select(c => FormattableString.Invariant($"{c.Name} at {c.Offset}, {c.Count} categories in the order of microsoft.ml.gan.categories"))) + "). " +
                    "Set exactly one entry to 1: to ask for a category, its entry; for ordinary rows, a block chosen uniformly and in it a " +
                    "category drawn with the probabilities in microsoft.ml.gan.condition_frequencies.");
                yield return new("microsoft.ml.gan.condition_frequencies", JsonSerializer.Serialize(layout.Columns.ToDictionary(c => c.Name, c => c.Frequencies)));
            }
        }
        if (description.Constraints?.Rules is { Length: > 0 } rules)
            yield return new("microsoft.ml.gan.constraints", "every output row keeps: " + string.Join("; ", rules.Where(r => !r.Predicate).Select(r => r.Text)) +
                " (where the columns compared are present; constants of date columns as written, compared with the outputs' instants)" +
                (rules.Any(r => r.Predicate) ? "; not kept by this graph, C# predicates that .NET's Generate applies: " + string.Join("; ", rules.Where(r => r.Predicate).Select(r => r.Text)) : ""));
        if (description.Trends is { Length: > 0 } trends)
            yield return new("microsoft.ml.gan.trends", "these outputs are made on the curve of another output, plus a residual the network makes: " +
                string.Join("; ", trends.Select(t => FormattableString.Invariant(
                    $"{t.Target} follows {t.Anchor}{(t.Per is null ? "" : $" / {t.Per}")}{(t.Within is null ? "" : $" within each {t.Within}")}{string.Concat((t.Terms ?? []).Select(z => new GanTrendTerm(z?.Column ?? "", z?.Coefficient ?? 0, z?.Mean ?? 0).ToString()))} (R² {t.Explained:F4})"))));
        if (description.Formulas is { Length: > 0 } formulas)
            yield return new("microsoft.ml.gan.formulas", "these outputs are made from others, exactly, wherever that makes a value within the output's training range (elsewhere the network's own value stays): " +
                string.Join("; ", formulas.Select(f => new GanColumnFormula(f.Target ?? "", f.Inputs ?? [], f.Kind, f.Scale).ToString())));
        if (description.Combinations is { Length: > 0 } combinations)
            yield return new("microsoft.ml.gan.combinations", "these outputs come only in the combinations of the training rows (the one the network chose as a category of its own where it learned one, else the one nearest the network's values, each scaled by its standard deviation): " +
                string.Join("; ", combinations.Select(c => new GanColumnCombination(c.Columns ?? [], c.Counts?.Length ?? 0) { LearnedAsCategory = c.Category is not null }.ToString())));
        if (description.CategoryThresholds is { Length: > 0 } trees)
            yield return new("microsoft.ml.gan.category_thresholds", "these outputs are set, last, from thresholds on other outputs (a decision tree whose leaves each hold one category; the node arrays are in the model's manifest): " +
                string.Join("; ", trees.Select(t => CategoryThresholds.Describe(t.Target ?? "", t.Features ?? [], t.Splits ?? [], t.Levels ?? [], t.Steps == true).ToString())));
        if (description.Exclusions is { Length: > 0 } exclusions)
            yield return new("microsoft.ml.gan.category_exclusions", "these pairs of outputs never hold these pairs of categories (the later output's category chosen among those the earlier one's allows; the category indices are in the model's manifest): " +
                string.Join("; ", exclusions.Select(x => FormattableString.Invariant($"{x.First} × {x.Second}: {x.FirstLevels?.Length ?? 0} pairs"))));
        if (description.Columns!.Where(c => c.MissingWith is not null).ToArray() is { Length: > 0 } followers)
            yield return new("microsoft.ml.gan.missing_together", "these outputs are missing wherever the output named after them is (as that one's present/missing head decides), and, where said, elsewhere too as their own heads decide: " +
                string.Join("; ", followers.Select(c => $"{c.Name} with {c.MissingWith}{(c.MissingElsewhere ? " and elsewhere" : "")}")));
        if (!seeded)
            yield return new("microsoft.ml.gan.category_sampling", signature.Sampling == CategorySampling.Sample
            ? $"Sample: input '{GeneratorSignature.DrawsName}' takes one uniform draw in [0, 1) per categorical choice and row"
            : "ArgMax: the highest-scoring category");
    }

    /// <summary>A column and its kind; a date, time or duration also says how its int64 output counts (see <see cref="TimeColumn"/>).</summary>
    private static string Describe(ColumnState c)
    {
        string missing = FormattableString.Invariant($"{TimeKind.MissingOutput} (NaT) when missing");
        if (c.Kind == DateTimeColumnKind.Instance.Name)
            return $"{c.Name}: {c.Kind} (int64 microseconds since 1970-01-01T00:00:00 of its clock time, {c.DateTimeKind ?? "Unspecified"}; {missing})";
        if (c.Kind == DateTimeOffsetKind.Instance.Name)
        {
            if (c.TimeZone is { } zone)
                return $"{c.Name}: {c.Kind} (int64 microseconds since 1970-01-01T00:00:00Z, the instant in UTC; values in time zone {zone}; {missing})";
            var offset = TimeSpan.FromMinutes(c.TimeOffsetMinutes ?? 0);
            string sign = offset < TimeSpan.Zero ? "-" : "+";
            return $"{c.Name}: {c.Kind} (int64 microseconds since 1970-01-01T00:00:00Z, the instant in UTC; values at UTC{sign}{offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture)}; {missing})";
        }
        if (c.Kind == TimeSpanKind.Instance.Name) return $"{c.Name}: {c.Kind} (int64 microseconds)";
        if (c.Kind == CombinationKind.Instance.Name)
            return FormattableString.Invariant($"{c.Name}: a combination learned as {c.LevelCounts?.Length ?? 0} categories (category n: the n-th combination the manifest's Combinations entry lists for its columns), hidden: a block of the condition input, not an output");
        if (c.Kind == FakeKind.Instance.Name)
            return $"{c.Name}: fake personal data, not an output of this graph (made in .NET by {(c.FakeKind == "OneOf" ? "drawing from given values" : $"Bogus: {c.FakeKind}, locale {c.FakeLocale}")})";
        if (c.Kind == IdentifierKind.Instance.Name)
            return $"{c.Name}: Identifier, not an output of this graph (made in .NET from each row's position: {(c.IdentifierType == "String" ? $"'{c.IdentifierPrefix}' + " : "")}" +
                FormattableString.Invariant($"a number from {c.IdentifierFirst} below {c.IdentifierFirst + c.IdentifierRoom}{WiderIdentifiers(c)}, unique per row{(c.IdentifierDigits > 0 ? $", {c.IdentifierDigits} digits zero-padded" : "")}") +
                $"{(string.IsNullOrEmpty(c.IdentifierSuffix) ? "" : $" + '{c.IdentifierSuffix}'")})";
        return $"{c.Name}: {c.Kind}";
    }

    /// <summary>Where an identifier of no fixed width goes on past its first block: ", then wider numbers below N"; empty where it does not.</summary>
    private static string WiderIdentifiers(ColumnState c)
    {
        var identifier = (IdentifierColumn)IdentifierKind.Instance.Restore(c);
        return identifier.Room > identifier.FirstBlock ? FormattableString.Invariant($", then wider numbers below {identifier.First + identifier.Room}") : "";
    }
}
