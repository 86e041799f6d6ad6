using System.Collections;
using System.Reflection;
using Microsoft.ML.Gan.Model;

namespace Microsoft.ML.Gan.Tests.Model;

/// <summary>The description a model file keeps: its own type, which must still keep every option a model was trained with.</summary>
[TestClass]
public sealed class ModelDescriptionTests
{
    /// <summary>
    /// The options that are the caller's, not the model's: scoring is a deployment choice, the others are callbacks.
    /// Constraints and fake data are the model's, but kept with the columns they concern (the description's own
    /// Constraints, the fake columns' states; see ColumnConstraintTests and FakeDataTests). Where the training rows were
    /// kept is the training machine's business (the same seed trains the same model either way), and a folder's path has
    /// no place in a file that may be shared.
    /// </summary>
    private static readonly string[] NotKept = [nameof(GanTrainer.Options.Scoring), nameof(GanTrainer.Options.Progress), nameof(GanTrainer.Options.StopEarly), nameof(GanTrainer.Options.Constraints),
        nameof(GanTrainer.Options.FakeData), nameof(GanTrainer.Options.TrainingRowStorage), nameof(GanTrainer.Options.TemporaryDirectory)];

    [TestMethod]
    public void EveryPlainOptionSurvivesTheModelFilesJson()
    {
        // Each option set away from its default; a new option that the description forgets fails here.
        var options = new GanTrainer.Options();
        var properties = typeof(GanTrainer.Options).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && !NotKept.Contains(p.Name)).ToList();
        foreach (var p in properties) p.SetValue(options, Changed(p.PropertyType, p.GetValue(options)));

        var json = new ModelDescription { Options = TrainingRecord.From(options) }.ToJson();
        var back = ModelDescription.FromJson(json)!.Options!.ToOptions();
        foreach (var p in properties)
        {
            object? expected = p.GetValue(options), actual = p.GetValue(back);
            if (expected is IEnumerable e && expected is not string) CollectionAssert.AreEqual(e.Cast<object>().ToList(), ((IEnumerable)actual!).Cast<object>().ToList(), p.Name);
            else Assert.AreEqual(expected, actual, p.Name);
        }
        // And the file format names nothing the options do not have.
        var optionNames = properties.Select(p => p.Name).ToHashSet();
        foreach (var p in typeof(TrainingRecord).GetProperties()) Assert.Contains(p.Name, optionNames, $"TrainingRecord.{p.Name} is an option");
    }

    private static object? Changed(Type type, object? value) => value switch
    {
        int i => i + 7,
        double d => d * 3 + 0.125,
        bool b => !b,
        string s => s + "x",
        int[] a => a.Select(v => v + 1).Append(5).ToArray(),
        string[] a => a.Append("n/a").ToArray(),
        Enum e => Enum.GetValues(type).Cast<object>().First(v => !v.Equals(e)),
        null when type == typeof(int?) => 42,
        null when type == typeof(string[]) => new[] { "a", "b" },
        _ => throw new AssertFailedException($"No changed value for an option of type {type.Name}: teach this test the type."),
    };
}
