// mlgan: train a GAN on a CSV file, generate rows from it, inspect a model, without writing a C# program.
using System.CommandLine;
using Microsoft.ML.Gan.Cli;

var root = new RootCommand("mlgan: synthetic rows of a table with Microsoft.ML.Gan. Train on a CSV file, generate rows, inspect a model.")
{
    Commands.Train(),
    Commands.Generate(),
    Commands.Inspect(),
    Commands.Evaluate(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run with --help for the commands and their options.");
    return ExitCodes.Usage;
}
// Ctrl+C cancels the command's token; training stops at its next update and writes nothing. Allow it the time.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
