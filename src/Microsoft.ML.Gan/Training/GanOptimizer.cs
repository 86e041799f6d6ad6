using Microsoft.ML.Gan.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// A gradient rule for one network's parameters. Written here rather than taken from TorchSharp's <c>optim</c>:
/// TorchSharp's Adam and SGD pass their coefficients as temporary Scalars, several per parameter and update, which
/// the finalizer may free while libtorch still reads them (see <see cref="Scalars"/>) and which, until a collection
/// ran, piled up as native memory. These hold every constant as a Scalar for the optimizer's life and make the same
/// tensor calls in the same order as TorchSharp's, so the numbers are the same.
/// </summary>
internal abstract class GanOptimizer : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    protected GanOptimizer(IEnumerable<Parameter> parameters) => Parameters = parameters.ToArray();

    /// <summary>The parameters it updates, in the network's order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Updates made: calls of <see cref="Step"/>.</summary>
    public long Steps { get; private set; }

    /// <param name="rate">The learning rate.</param>
    /// <param name="decay">L2 weight decay, added to each gradient as decay × parameter; 0 for none.</param>
    public static GanOptimizer Create(IEnumerable<Parameter> parameters, GanTrainer.Options options, double rate, double decay) =>
        options.Optimizer switch
        {
            GanOptimizerKind.Adam => new Adam(parameters, rate, options.AdamBeta1, options.AdamBeta2, decay),
            GanOptimizerKind.SgdMomentum => new SgdMomentum(parameters, rate, options.Momentum, decay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };

    /// <summary>Zeroes every parameter's gradient (it stays allocated, as TorchSharp's optimizers leave it).</summary>
    public void ZeroGrad()
    {
        // The scope frees the wrappers TorchSharp makes: one per grad read and one more per zero_.
        using var scope = NewDisposeScope();
        foreach (var parameter in Parameters) parameter.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var gradient = Parameters[i].grad;
            if (gradient is not null) Update(i, Parameters[i], gradient);
        }
        Steps++;
    }

    protected abstract void Update(int index, Parameter parameter, Tensor gradient);

    /// <summary>A Scalar (or a state tensor) released with the optimizer.</summary>
    protected T Own<T>(T value) where T : IDisposable
    {
        _owned.Add(value);
        return value;
    }

    /// <summary>The gradient with L2 decay added, as TorchSharp adds it (grad + decay × parameter), or the gradient.</summary>
    protected static Tensor Decayed(Tensor gradient, Parameter parameter, Scalar? decay) =>
        decay is null ? gradient : gradient.add(parameter, decay);

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
    }

    /// <summary>Adam (Kingma and Ba), with PyTorch's bias corrections and ε added after the square root.</summary>
    internal sealed class Adam : GanOptimizer
    {
        private const double Epsilon = 1e-8;
        private readonly double _rate, _beta1, _beta2;
        private readonly Scalar _beta1Scalar, _beta2Scalar, _oneMinusBeta1, _oneMinusBeta2, _epsilon;
        private readonly Scalar? _decay;
        private readonly Tensor[] _average, _averageSquare;
        private readonly long[] _updates;

        public Adam(IEnumerable<Parameter> parameters, double rate, double beta1, double beta2, double decay)
            : base(parameters)
        {
            (_rate, _beta1, _beta2) = (rate, beta1, beta2);
            _beta1Scalar = Own(beta1.ToScalar());
            _beta2Scalar = Own(beta2.ToScalar());
            _oneMinusBeta1 = Own((1 - beta1).ToScalar());
            _oneMinusBeta2 = Own((1 - beta2).ToScalar());
            _epsilon = Own(Epsilon.ToScalar());
            _decay = decay != 0 ? Own(decay.ToScalar()) : null;
            _average = Parameters.Select(p => Own(zeros_like(p).DetachFromDisposeScope())).ToArray();
            _averageSquare = Parameters.Select(p => Own(zeros_like(p).DetachFromDisposeScope())).ToArray();
            _updates = new long[Parameters.Count];
        }

        /// <summary>Updates made to each parameter (those without a gradient are skipped, as in PyTorch).</summary>
        internal IReadOnlyList<long> Updates => _updates;

        protected override void Update(int index, Parameter parameter, Tensor gradient)
        {
            long t = ++_updates[index];
            double correction1 = 1 - Math.Pow(_beta1, t), correction2 = 1 - Math.Pow(_beta2, t);
            var g = Decayed(gradient, parameter, _decay);
            _average[index].mul_(_beta1Scalar).add_(g, _oneMinusBeta1);
            _averageSquare[index].mul_(_beta2Scalar).addcmul_(g, g, _oneMinusBeta2);
            using var root = Math.Sqrt(correction2).ToScalar();
            using var step = (-(_rate / correction1)).ToScalar();
            var denominator = _averageSquare[index].sqrt().div_(root).add_(_epsilon, Scalars.One);
            parameter.addcdiv_(_average[index], denominator, step);
        }
    }

    /// <summary>SGD with momentum (the original GAN's rule): v ← μv + g, θ ← θ − ηv; the first v is g.</summary>
    internal sealed class SgdMomentum : GanOptimizer
    {
        private readonly double _momentum;
        private readonly Scalar _momentumScalar, _negativeRate;
        private readonly Scalar? _decay;
        private readonly Tensor?[] _velocity;

        public SgdMomentum(IEnumerable<Parameter> parameters, double rate, double momentum, double decay)
            : base(parameters)
        {
            _momentum = momentum;
            _momentumScalar = Own(momentum.ToScalar());
            _negativeRate = Own((-rate).ToScalar());
            _decay = decay != 0 ? Own(decay.ToScalar()) : null;
            _velocity = new Tensor?[Parameters.Count];
        }

        protected override void Update(int index, Parameter parameter, Tensor gradient)
        {
            var g = Decayed(gradient, parameter, _decay);
            if (_momentum != 0)
            {
                if (_velocity[index] is { } velocity) velocity.mul_(_momentumScalar).add_(g, Scalars.One);
                else _velocity[index] = Own(g.clone().detach().DetachFromDisposeScope());
                g = _velocity[index]!;
            }
            parameter.add_(g, _negativeRate);
        }
    }
}
