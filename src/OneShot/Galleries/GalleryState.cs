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
    /// <summary>Queries per classifier call; small products (under about 16 rows) take other BLAS kernels than large ones.</summary>
    internal const int QueryBlock = 16;

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

    /// <summary>
    /// Classifies <paramref name="embeddings"/> <c>[Q,D]</c> with the fitted classifier, fitting it first if needed.
    /// Queries are scored in blocks of exactly <see cref="QueryBlock"/> rows (the last block padded with copies of its
    /// first row), so every matrix product has the same shape and a query's prediction is bit for bit the same whatever
    /// batch it came in: BLAS takes another kernel for a product of a few rows than of many, which moved distances by up
    /// to 4e-4 between a batch and a single query.
    /// </summary>
    public IReadOnlyList<Prediction> Predict(Tensor embeddings)
    {
        while (true)
        {
            var predictions = Read(store => store.Count == 0
                ? throw new InvalidOperationException("The gallery is empty: enroll at least one example before classifying.")
                : _snapshot is null ? null : PredictInBlocks(_snapshot, embeddings));
            if (predictions is not null)
            {
                return predictions;
            }

            Write(store => _snapshot ??= store.Fit(_options));
        }
    }

    private static Prediction[] PredictInBlocks(IFittedClassifier classifier, Tensor embeddings)
    {
        if (embeddings.dim() != 2)
        {
            return [.. classifier.Predict(embeddings)]; // the classifier reports the wrong shape
        }

        var predictions = new Prediction[embeddings.shape[0]];
        for (int start = 0; start < predictions.Length; start += QueryBlock)
        {
            int count = Math.Min(QueryBlock, predictions.Length - start);
            using var scope = NewDisposeScope();
            var rows = embeddings.narrow(0, start, count);
            var block = count == QueryBlock ? rows.contiguous() : cat([rows, rows.narrow(0, 0, 1).expand(QueryBlock - count, -1)], 0);
            var scored = classifier.Predict(block);
            for (int i = 0; i < count; i++)
            {
                predictions[start + i] = scored[i];
            }
        }

        return predictions;
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
