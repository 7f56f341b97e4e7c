namespace OneShot.Data;

/// <summary>
/// A memory budget shared by the decodes of one <see cref="ImageLoader"/>: a decode reserves the bytes it will hold
/// before it allocates them and waits while others hold too much. A reservation larger than the whole budget is
/// granted when nothing else is held, so every image that passes the pixel limit eventually decodes.
/// </summary>
internal sealed class DecodeBudget
{
    private readonly object _sync = new();
    private readonly long _capacity;
    private long _held;

    public DecodeBudget(long capacity) => _capacity = capacity;

    /// <summary>Bytes reserved right now.</summary>
    public long Held
    {
        get
        {
            lock (_sync)
            {
                return _held;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> fit (or nothing else is held) and reserves them until the result is disposed.</summary>
    public Reservation Reserve(long bytes)
    {
        lock (_sync)
        {
            while (_held > 0 && _held + bytes > _capacity)
            {
                Monitor.Wait(_sync);
            }

            _held += bytes;
        }

        return new Reservation(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_sync)
        {
            _held -= bytes;
            Monitor.PulseAll(_sync);
        }
    }

    /// <summary>Bytes held by one decode; disposing releases them (once).</summary>
    public sealed class Reservation(DecodeBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
