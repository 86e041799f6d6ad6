using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan.Common;

/// <summary>
/// Honours an MLContext's cancellation the way ML.NET's own trainers do: a host of a cancelled context reports
/// IsCanceled, and long work then stops with <see cref="OperationCanceledException"/>. ML.NET cancels a context only
/// from its own assemblies (AutoML's experiments; MLContext.CancelExecution is internal in ML.NET 5) and keeps the flag
/// on an interface it does not expose (ICancelable), so the flag is read through reflection, once; a test fails if
/// a new ML.NET moves it. Applications cancel with a <see cref="CancellationToken"/> (<see cref="GanTrainer.Fit(IDataView, CancellationToken)"/>).
/// </summary>
internal static class Cancellation
{
    private static readonly PropertyInfo? s_isCanceled =
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.ICancelable")?.GetProperty("IsCanceled");

    /// <summary>Whether cancellation can be observed with this ML.NET.</summary>
    public static bool Supported => s_isCanceled is not null;

    /// <summary>Throws ML.NET's exception for a cancelled operation once <paramref name="host"/>'s context has been cancelled.</summary>
    public static void ThrowIfCanceled(IHostEnvironment host)
    {
        if (s_isCanceled is not null && s_isCanceled.DeclaringType!.IsInstanceOfType(host) && (bool)s_isCanceled.GetValue(host)!)
            throw new OperationCanceledException("Operation was cancelled.");
    }
}
