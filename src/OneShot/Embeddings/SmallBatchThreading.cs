namespace OneShot.Embeddings;

/// <summary>
/// How many libtorch intra-op threads <see cref="Embedder.Embed"/> uses for small batches. Set it on
/// <see cref="Embedder.SmallBatchThreading"/>.
/// </summary>
/// <remarks>
/// <para>
/// A single image is too little work to split across threads: the threads' start and join costs more than they save,
/// and on a busy machine a pass waits for every one of its threads to be scheduled. Measured on a shared 2-core
/// machine (docs/PERFORMANCE.md), one Conv4 image from file to prediction took 40 ms with libtorch's default 2
/// threads and 5.5 ms with one. Batches up to <see cref="MaxBatch"/> images therefore run on <see cref="Threads"/>
/// threads; larger batches use libtorch's setting. A <see cref="Galleries.Gallery"/> holds the policy around a whole
/// classification of that many images (decode, embed, score), not only the forward pass: switching the count back
/// between embedding and scoring made the scoring step regroup libtorch's OpenMP team, which on the busy machine cost
/// more than the rest of the call (p50 11.6 ms against 3.1 ms, docs/PERFORMANCE.md).
/// </para>
/// <para>
/// Thread safety: with libtorch's OpenMP threading, the intra-op thread count (<c>torch.set_num_threads</c>) is a
/// per-thread setting plus a process-wide default that a thread copies on its first libtorch query or parallel
/// operation. <see cref="Embedder.Embed"/> changes the calling thread's count for the duration of a small pass and
/// then restores it, so concurrent calls on other threads keep their own counts (<c>SmallBatchThreadingTests</c>).
/// Two side effects remain, because <c>set_num_threads</c> also writes the process default: a thread whose first
/// libtorch operation happens while a small pass is in flight starts with <see cref="Threads"/> threads, and after a
/// small pass the process default equals the calling thread's count. A host that wants fixed counts everywhere sets
/// <see cref="Embedder.SmallBatchThreading"/> to <see cref="Off"/> and calls <c>torch.set_num_threads</c> on each of
/// its worker threads (docs/PERFORMANCE.md, "Servers").
/// </para>
/// </remarks>
public sealed record SmallBatchThreading
{
    private readonly int _maxBatch = 1;
    private readonly int _threads = 1;

    /// <summary>The default policy: batches of one image run on one thread.</summary>
    public static SmallBatchThreading Default { get; } = new();

    /// <summary>No policy: every batch uses libtorch's thread count.</summary>
    public static SmallBatchThreading Off { get; } = new() { MaxBatch = 0 };

    /// <summary>The largest batch (images per <see cref="Embedder.Embed"/> call) the policy applies to; 0 turns it off. Default 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxBatch
    {
        get => _maxBatch;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxBatch));
            _maxBatch = value;
        }
    }

    /// <summary>The intra-op threads for batches up to <see cref="MaxBatch"/>. Default 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int Threads
    {
        get => _threads;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Threads));
            _threads = value;
        }
    }

    /// <summary>The thread count for a batch of <paramref name="batch"/> images, or 0 to keep libtorch's.</summary>
    internal int ThreadsFor(long batch) => batch <= MaxBatch ? Threads : 0;
}
