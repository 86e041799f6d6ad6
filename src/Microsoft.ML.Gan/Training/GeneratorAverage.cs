using Microsoft.ML.Gan.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// An exponential moving average of the generator's weights (<see cref="GanTrainer.Options.GeneratorAverageDecay"/>):
/// after every generator update each averaged weight moves a share 1 − β of the way to the trained one. A GAN's
/// generator circles around the game's equilibrium rather than settling on it; the average of its last updates lies
/// nearer the middle than wherever the last update left it. The trained weights keep training; the averaged ones are put in
/// the generator (<see cref="UseAverage"/>) while the epoch's observers look at it and snapshots copy it, and at the end.
/// </summary>
/// <remarks>
/// β starts small, min(β, (1 + t) ÷ (10 + t)) after t updates, so that a short run averages its own recent updates rather
/// than keeping its random initial weights. Batch-norm statistics are not averaged: training re-estimates them for the
/// weights it returns (<see cref="BatchNormCalibration"/>).
/// </remarks>
internal sealed class GeneratorAverage : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _other;   // the averaged weights while training runs, the trained ones while the average is in use
    private readonly double _decay;
    private long _updates;
    private bool _inUse;

    public GeneratorAverage(GeneratorNetwork generator, double decay)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The average's decay must lie strictly between 0 and 1.");
        _decay = decay;
        _parameters = generator.parameters().ToArray();
        using (no_grad()) _other = _parameters.Select(p => p.detach().clone()).ToArray();
    }

    /// <summary>The decay of update <paramref name="t"/> (counted from 0): <paramref name="decay"/>, or less while few updates have been made.</summary>
    internal static double DecayAt(long t, double decay) => Math.Min(decay, (1.0 + t) / (10.0 + t));

    /// <summary>Moves the average towards the generator's weights just trained (after each generator update).</summary>
    public void Update()
    {
        if (_inUse) throw new InvalidOperationException("The generator holds its averaged weights: put the trained ones back before updating.");
        double decay = DecayAt(_updates++, _decay);
        using var kept = decay.ToScalar();
        using var taken = (1 - decay).ToScalar();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Length; i++) _other[i].mul_(kept).add_(_parameters[i], taken);
    }

    /// <summary>Puts the averaged weights in the generator (the trained ones are kept aside); does nothing if they are in.</summary>
    public void UseAverage()
    {
        if (!_inUse) Swap();
    }

    /// <summary>Puts the trained weights back in the generator, so that training can go on; does nothing if they are in.</summary>
    public void UseTrained()
    {
        if (_inUse) Swap();
    }

    private void Swap()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var trained = _parameters[i].detach().clone();
            _parameters[i].copy_(_other[i]);
            _other[i].copy_(trained);
        }
        _inUse = !_inUse;
    }

    public void Dispose()
    {
        foreach (var t in _other) t.Dispose();
    }
}
