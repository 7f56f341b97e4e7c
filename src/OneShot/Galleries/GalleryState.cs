using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Galleries;

/// <summary>
/// The mutable state of a <see cref="Gallery"/> behind a reader-writer lock: the entries and an immutable fitted
/// classifier built lazily from them. Reads and predictions run concurrently; changes are exclusive and drop
/// the fitted classifier, which is only replaced or disposed under the write lock. With an <see cref="IGalleryStore"/>,
/// changes are written through it first and every read first applies what changed in it since (see <see cref="Sync"/>).
/// </summary>
internal sealed class GalleryState : IDisposable
{
    /// <summary>Queries per classifier call; small products (under about 16 rows) take other BLAS kernels than large ones.</summary>
    internal const int QueryBlock = 16;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly GalleryStore _store;
    private readonly ClassifierOptions _options;
    private readonly IGalleryStore? _external;
    private readonly bool _searchInStore;
    private long _syncedVersion = -1;
    private GalleryCandidates? _lastCandidates;
    private GalleryCandidates? _fittedCandidates;
    private IFittedClassifier? _snapshot;
    private bool _disposed;

    public GalleryState(int embeddingSize, ClassifierOptions options, IGalleryStore? external = null)
    {
        _external = external;
        _searchInStore = external?.CanSearch(options) == true;
        _store = new GalleryStore(embeddingSize, _searchInStore ? external : null);
        _options = options;
    }

    /// <summary>Runs <paramref name="read"/> under the read lock.</summary>
    public T Read<T>(Func<GalleryStore, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
        Sync();
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
    public void Add(string label, IEnumerable<float[]> rows)
    {
        if (_external is not null)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
            _external.Add(label, rows as IReadOnlyList<float[]> ?? [.. rows]);
            Sync();
            return;
        }

        AddLocal(label, rows);
    }

    /// <summary>Removes <paramref name="label"/>; false when it was not enrolled.</summary>
    public bool Remove(string label)
    {
        if (_external is null)
        {
            return Write(store => store.Remove(label));
        }

        ObjectDisposedException.ThrowIf(_disposed, typeof(Gallery));
        bool removed = _external.Remove(label);
        Sync();
        return removed;
    }

    private void AddLocal(string label, IEnumerable<float[]> rows) => Write(store =>
    {
        foreach (float[] row in rows)
        {
            store.Add(label, row);
        }

        return true;
    });

    /// <summary>
    /// Classifies <paramref name="embeddings"/> <c>[Q,D]</c> with the fitted classifier, fitting it first if needed.
    /// Queries are scored in blocks of exactly <see cref="QueryBlock"/> rows (the last block padded with copies of its
    /// first row), so every matrix product has the same shape and a query's prediction is bit for bit the same whatever
    /// batch it came in: BLAS takes another kernel for a product of a few rows than of many, which moved distances by up
    /// to 4e-4 between a batch and a single query.
    /// </summary>
    public IReadOnlyList<Prediction> Predict(Tensor embeddings)
    {
        if (_searchInStore)
        {
            return PredictInStore(embeddings);
        }

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

    /// <summary>
    /// Applies the changes of the external store since the version applied last, when its <see cref="IGalleryStore.Version"/>
    /// moved: only what changed (or everything, when the store says so). A no-op without an external store.
    /// </summary>
    public void Sync()
    {
        if (_external is null || Volatile.Read(ref _syncedVersion) == _external.Version)
        {
            return;
        }

        Write(store =>
        {
            if (_syncedVersion == _external.Version)
            {
                return false;
            }

            var changes = _external.ReadChanges(_syncedVersion, includeEmbeddings: !_searchInStore);
            if (changes.IsComplete)
            {
                store.Clear();
            }

            foreach (var change in changes.Changes)
            {
                store.Apply(change);
            }

            Volatile.Write(ref _syncedVersion, changes.Version);
            return true;
        });
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

    /// <summary>Classifies each query against the candidates the external store finds for it (search where the data is).</summary>
    private Prediction[] PredictInStore(Tensor embeddings)
    {
        if (Read(store => store.Count) == 0)
        {
            throw new InvalidOperationException("The gallery is empty: enroll at least one example before classifying.");
        }

        using var scope = NewDisposeScope();
        using var cpu = embeddings.detach().cpu().to_type(ScalarType.Float32).contiguous();
        int q = (int)cpu.shape[0], d = (int)cpu.shape[1];
        float[] flat = cpu.data<float>().ToArray();
        var queries = Enumerable.Range(0, q).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
        var candidates = _external!.Search(queries, _options);
        var predictions = new Prediction[q];
        for (int i = 0; i < q; i++)
        {
            var found = candidates[i];
            if (found.Labels.Count == 0)
            {
                throw new InvalidOperationException($"The gallery '{_external.Name}' is empty: enroll at least one example before classifying.");
            }

            using var query = tensor(queries[i], [1, d]);
            predictions[i] = PredictCached(found, query) ?? FitAndPredict(found, query);
        }

        return predictions;
    }

    /// <summary>
    /// When the store returns the same candidates again (query-independent ones, such as every class mean of a
    /// version), classifies with the classifier fitted to them once, kept like the in-process snapshot; otherwise null.
    /// </summary>
    private IReadOnlyList<Prediction>? CachedPrediction(GalleryCandidates found, Tensor query) =>
        Read(_ => ReferenceEquals(_fittedCandidates, found) && _snapshot is not null ? _snapshot.Predict(query) : null);

    private Prediction? PredictCached(GalleryCandidates found, Tensor query)
    {
        if (CachedPrediction(found, query) is { } hit)
        {
            return hit[0];
        }

        if (!ReferenceEquals(Volatile.Read(ref _lastCandidates), found))
        {
            Volatile.Write(ref _lastCandidates, found);
            return null;
        }

        Write(_ =>
        {
            if (!ReferenceEquals(_fittedCandidates, found) || _snapshot is null)
            {
                _snapshot?.Dispose();
                _snapshot = Fit(found);
                _fittedCandidates = found;
            }

            return true;
        });
        return CachedPrediction(found, query)?[0];
    }

    private Prediction FitAndPredict(GalleryCandidates found, Tensor query)
    {
        using var fitted = Fit(found);
        return fitted.Predict(query)[0];
    }

    private IFittedClassifier Fit(GalleryCandidates found)
    {
        using var scope = NewDisposeScope();
        int d = _store.EmbeddingSize;
        var support = tensor(found.Embeddings.SelectMany(r => r).ToArray(), [found.Labels.Count, d]);
        return _options.CreateClassifier().Fit(support, found.Labels);
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
