using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// LeakyReLU with its slope held as one Scalar for the module's life: TorchSharp's <c>nn.LeakyReLU</c> turns its
/// slope into a temporary Scalar on every call (see <see cref="Scalars"/>). Same function, same numbers.
/// </summary>
internal sealed class LeakyRelu(double slope) : nn.Module<Tensor, Tensor>("leaky_relu")
{
    private readonly Scalar _slope = slope.ToScalar();

    public override Tensor forward(Tensor input) => input.leaky_relu(_slope);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _slope.Dispose();
        base.Dispose(disposing);
    }
}
