using TorchSharp;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The constants training passes to TorchSharp, as Scalars that live as long as the process. A C# number used in a
/// tensor expression becomes a temporary Scalar that TorchSharp leaves to the finalizer; the finalizer may free it
/// while the native call that reads it still runs (TorchSharp PRs 1434 and 1496 track this), which aborts the
/// process from inside libtorch. Training's hot paths use these instead, or Scalars they keep alive themselves.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1;
    public static readonly Scalar Two = 2;

    /// <summary>The floor of the uniforms and logs inside the Gumbel noise.</summary>
    public static readonly Scalar Tiny = 1e-10;
}
