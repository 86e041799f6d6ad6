// mlgan: train a GAN on a CSV file, generate rows from it, inspect a model, without writing a C# program.
using System.CommandLine;
using Microsoft.ML.Gan.Cli;

var root = new RootCommand("mlgan: synthetic rows of a table with Microsoft.ML.Gan. Train on a CSV or Parquet file, generate rows, evaluate them, inspect a model, rebalance classes, check slices made apart, export the generator as ONNX.")
{
    Commands.Train(),
    Commands.Generate(),
    Commands.Inspect(),
    Commands.Evaluate(),
    Commands.Augment(),
    Commands.Digest(),
    Commands.Export(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run with --help for the commands and their options.");
    return ExitCodes.Usage;
}
// Ctrl+C cancels the command's token: training stops at its next update and writes nothing, or with --keep-on-cancel
// finishes its epoch and writes the model so far (calibration and the filter take a while on a large table). Allow it the time.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(5) });
