namespace Microsoft.ML.Gan.Common;

/// <summary>
/// Counter-based random numbers for generation: row i of a seed always gets the same noise vector and the
/// same decoding draws, however the rows are batched, cursored or split across threads. SplitMix64 mixes
/// (seed, row) into the state; Box-Muller turns uniforms into normals (with <see cref="PortableMath"/>'s logarithm and
/// sine, which ONNX operators repeat bit for bit).
/// </summary>
internal struct NoiseSource
{
    /// <summary>SplitMix64's increment (2^64 / golden ratio): the state's step, and the row key's offset.</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The multiplier that keys a row's candidate stream by its attempt.</summary>
    public const ulong AttemptKey = 0xD1B54A32D192ED03UL;

    /// <summary>The two multipliers of SplitMix64's finaliser (<see cref="Mix"/>).</summary>
    public const ulong MixFirst = 0xBF58476D1CE4E5B9UL, MixSecond = 0x94D049BB133111EBUL;

    private ulong _state;

    public NoiseSource(ulong seed, ulong row) => _state = Mix(seed ^ Mix(row + Golden));

    /// <summary>
    /// Candidate <paramref name="attempt"/> of row <paramref name="row"/>: where rows are kept only when they pass a
    /// filter or a condition, row i of a seed is its first candidate that passes, so the row depends on (seed, i)
    /// alone and any slice of rows can be made on its own. Attempt 0 is the row's own stream.
    /// </summary>
    public NoiseSource(ulong seed, ulong row, ulong attempt) : this(seed, row)
    {
        if (attempt != 0) _state = Mix(_state ^ Mix(attempt * AttemptKey));
    }

    /// <summary>A stream keyed by the bits of a noise vector: the draws for a row scored from a caller's noise column.</summary>
    public static NoiseSource FromNoise(ReadOnlySpan<float> noise)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (float f in noise) h = Mix(h ^ BitConverter.SingleToUInt32Bits(f));
        return new NoiseSource(h, 0);
    }

    /// <summary>SplitMix64's finaliser: a well-mixed 64-bit function (also keys identifiers and fake data by position).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * MixFirst;
        z = (z ^ (z >> 27)) * MixSecond;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [0, 1) as a float that is never rounded up to 1.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Fills <paramref name="into"/> with draws from the prior: N(0, 1) or U(-1, 1).</summary>
    public void FillNoise(Span<float> into, NoisePrior prior)
    {
        if (prior == NoisePrior.Uniform)
        {
            for (int i = 0; i < into.Length; i++) into[i] = (float)(2 * NextDouble() - 1);
            return;
        }
        // Box-Muller: u1 = 1 - (53 bits) / 2^53 in (0, 1], so the log stays finite; the angle 2π × (53 bits) / 2^53.
        // PortableMath instead of Math.Log and Math.SinCos, so the self-contained ONNX graph makes the same bits.
        int values = 2 * ((into.Length + 1) / 2);
        Span<ulong> raw = values <= 512 ? stackalloc ulong[values] : new ulong[values];
        for (int i = 0; i < values; i++) raw[i] = NextUInt64();
        PortableMath.Normals(raw, into);
    }

    /// <summary>
    /// Row <paramref name="row"/> of a seed, as <see cref="GanTransformer.Generate(long, int?)"/> makes it: its noise
    /// vector, then its uniforms (decoding draws, then condition draws) from the same stream.
    /// </summary>
    public static void FillRow(ulong seed, ulong row, NoisePrior prior, Span<float> noise, Span<float> uniforms) =>
        FillCandidate(seed, row, 0, prior, noise, uniforms);

    /// <summary>Candidate <paramref name="attempt"/> of row <paramref name="row"/> (attempt 0 is <see cref="FillRow"/>).</summary>
    public static void FillCandidate(ulong seed, ulong row, ulong attempt, NoisePrior prior, Span<float> noise, Span<float> uniforms)
    {
        var source = new NoiseSource(seed, row, attempt);
        source.FillNoise(noise, prior);
        source.FillUniform(uniforms);
    }

    public void FillUniform(Span<float> into)
    {
        for (int i = 0; i < into.Length; i++) into[i] = NextSingle();
    }
}
