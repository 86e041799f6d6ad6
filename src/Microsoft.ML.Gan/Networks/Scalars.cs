using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The constants training passes to TorchSharp, as Scalars that live as long as the process. A C# number used in a
/// tensor expression becomes a temporary Scalar that TorchSharp leaves to the finalizer; the finalizer may free it
/// while the native call that reads it still runs (TorchSharp PRs 1434 and 1496 track this), which aborts the
/// process from inside libtorch. Training uses these instead, or Scalars it keeps alive itself, and never an API that
/// makes a temporary one: the test <c>TrainingLeavesNothingToTorchSharpsFinalizer</c> counts the Scalars finalized
/// during a training and fails on one.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1;
    public static readonly Scalar Two = 2;

    /// <summary>The floor of the uniforms and logs inside the Gumbel noise.</summary>
    public static readonly Scalar Tiny = 1e-10;

    /// <summary>
    /// <paramref name="left"/> + <paramref name="right"/>. TorchSharp's <c>+</c> between tensors passes its alpha of 1
    /// as a temporary Scalar; this passes <see cref="One"/>. (<c>-</c> and <c>*</c> between tensors make none.)
    /// </summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary>In-place <paramref name="left"/> += <paramref name="right"/>, without the temporary alpha of <c>add_(Tensor)</c>.</summary>
    public static Tensor PlusInPlace(this Tensor left, Tensor right) => left.add_(right, One);

    /// <summary>1 − <paramref name="x"/>, computed as TorchSharp's <c>1 - x</c> computes it (−x + 1), without its temporaries.</summary>
    public static Tensor OneMinus(this Tensor x) => x.neg().add(One, One);
}
