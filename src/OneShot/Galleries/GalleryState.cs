using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Galleries;

/// <summary>
/// The mutable state of a <see cref="Gallery"/> behind a reader-writer lock: the entries and an immutable fitted
/// classifier built lazily from them. Reads and predictions run concurrently; changes are exclusive and drop
/// the fitted classifier, which is only replaced or disposed under the write lock.
/// </summary>
internal sealed class GalleryState : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly GalleryStore _store;
    private readonly ClassifierOptions _options;
    private IFittedClassifier? _snapshot;
    private bool _disposed;

    public GalleryState(int embeddingSize, ClassifierOptions options)
    {
        _store = new GalleryStore(embeddingSize);
        _options = options;
    }

    /// <summary>Runs <paramref name="read"/> under the read lock.</summary>
    public T Read<T>(Func<GalleryStore, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
        _lock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
            return read(_store);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Appends <paramref name="rows"/> under <paramref name="label"/>.</summary>
    public void Add(string label, IEnumerable<float[]> rows) => Write(store =>
    {
        foreach (float[] row in rows)
        {
            store.Add(label, row);
        }

        return true;
    });

    /// <summary>Removes <paramref name="label"/>; false when it was not enrolled.</summary>
    public bool Remove(string label) => Write(store => store.Remove(label));

    /// <summary>Classifies <paramref name="embeddings"/> <c>[Q,D]</c> with the fitted classifier, fitting it first if needed.</summary>
    public IReadOnlyList<Prediction> Predict(Tensor embeddings)
    {
        while (true)
        {
            var predictions = Read(store => store.Count == 0
                ? throw new InvalidOperationException("The gallery is empty: enroll at least one example before classifying.")
                : _snapshot?.Predict(embeddings));
            if (predictions is not null)
            {
                return predictions;
            }

            Write(store => _snapshot ??= store.Fit(_options));
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            _disposed = true;
            _snapshot?.Dispose();
            _snapshot = null;
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        _lock.Dispose();
    }

    private T Write<T>(Func<GalleryStore, T> write)
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
            int before = _store.Version;
            T result = write(_store);
            if (_store.Version != before)
            {
                _snapshot?.Dispose();
                _snapshot = null;
            }

            return result;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }
}
