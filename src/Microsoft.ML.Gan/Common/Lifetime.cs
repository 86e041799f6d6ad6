namespace Microsoft.ML.Gan.Common;

/// <summary>
/// Guards native resources shared between threads: every use holds a read lock for as long as it touches them, and
/// ending the lifetime takes the write lock, so it waits for the uses in flight and every later use throws
/// <see cref="ObjectDisposedException"/> instead of reading freed memory.
/// </summary>
internal sealed class Lifetime(string objectName)
{
    // Never disposed itself: a thread may still be about to enter it when the lifetime ends.
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private volatile bool _ended;

    public bool Ended => _ended;

    /// <summary>Starts a use; dispose the returned scope when done. Throws once the lifetime has ended.</summary>
    public Use Enter()
    {
        _lock.EnterReadLock();
        if (_ended)
        {
            _lock.ExitReadLock();
            throw new ObjectDisposedException(objectName, $"This {objectName} has been disposed: its generator and ONNX Runtime session are freed.");
        }
        return new Use(_lock);
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> when the lifetime has ended (for members that touch nothing native).</summary>
    public void ThrowIfEnded() => ObjectDisposedException.ThrowIf(_ended, objectName);

    /// <summary>Ends the lifetime once: waits for the uses in flight, then runs <paramref name="release"/>.</summary>
    public void End(Action release)
    {
        if (_lock.IsReadLockHeld)
            throw new InvalidOperationException($"A {objectName} cannot be disposed from inside one of its own operations on the same thread.");
        _lock.EnterWriteLock();
        try
        {
            if (_ended) return;
            _ended = true;
            release();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public readonly struct Use(ReaderWriterLockSlim held) : IDisposable
    {
        public void Dispose() => held.ExitReadLock();
    }
}
