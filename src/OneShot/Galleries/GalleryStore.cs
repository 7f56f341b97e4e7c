using OneShot.Classification;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Galleries;

/// <summary>
/// The entries of a gallery: one embedding (an immutable float array) and label per enrolled example, in
/// enrolment order. Not thread-safe; <see cref="Gallery"/> guards it with its lock. When an <see cref="IGalleryStore"/>
/// searches for the gallery, this keeps labels and counts only and reads embeddings from that store.
/// </summary>
internal sealed class GalleryStore
{
    private readonly IGalleryStore? _rowSource;
    private readonly List<string> _entryLabels = [];
    private readonly List<float[]> _rows = [];
    private readonly List<string> _labels = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public GalleryStore(int embeddingSize, IGalleryStore? rowSource = null)
    {
        EmbeddingSize = embeddingSize;
        _rowSource = rowSource;
    }

    public int EmbeddingSize { get; }

    public IReadOnlyList<string> Labels => _labels;

    public int Count => _entryLabels.Count;

    /// <summary>Increases with every change, so a fitted classifier can tell it is stale.</summary>
    public int Version { get; private set; }

    public int CountOf(string label) => _counts[label];

    /// <summary>Checks <paramref name="embeddings"/> (<c>[N,D]</c>, floating point, finite) and copies its rows.</summary>
    public static float[][] ToRows(Tensor embeddings, int embeddingSize, string name)
    {
        if (embeddings.dim() != 2 || embeddings.shape[0] == 0 || embeddings.shape[1] != embeddingSize)
        {
            throw new ArgumentException(
                $"Expected at least one embedding of length {embeddingSize}; got [{string.Join(",", embeddings.shape)}].", name);
        }

        if (!embeddings.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point embeddings; got {embeddings.dtype}.", name);
        }

        using var cpu = embeddings.detach().cpu().to_type(ScalarType.Float32).contiguous();
        float[] flat = cpu.data<float>().ToArray();
        return CheckFinite(Enumerable.Range(0, (int)embeddings.shape[0]).Select(i => flat.AsSpan(i * embeddingSize, embeddingSize).ToArray()).ToArray(), name);
    }

    /// <summary>Checks <paramref name="embeddings"/> (at least one, each of length D, finite) and copies them.</summary>
    public static float[][] ToRows(IReadOnlyList<float[]> embeddings, int embeddingSize, string name)
    {
        var rows = CopyRows(embeddings, embeddingSize, name);
        if (rows.Length == 0)
        {
            throw new ArgumentException($"Expected at least one embedding of length {embeddingSize}; got none.", name);
        }

        return CheckFinite(rows, name);
    }

    /// <summary>Copies <paramref name="embeddings"/> after checking that each has length D.</summary>
    public static float[][] CopyRows(IReadOnlyList<float[]> embeddings, int embeddingSize, string name)
    {
        var rows = new float[embeddings.Count][];
        for (int i = 0; i < rows.Length; i++)
        {
            if (embeddings[i] is null)
            {
                throw new ArgumentException($"Embedding {i} is null.", name);
            }

            if (embeddings[i].Length != embeddingSize)
            {
                throw new ArgumentException(
                    $"Expected embeddings of length {embeddingSize}; embedding {i} has length {embeddings[i].Length}.", name);
            }

            rows[i] = (float[])embeddings[i].Clone();
        }

        return rows;
    }

    private static float[][] CheckFinite(float[][] rows, string name)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            if (Array.FindIndex(rows[i], v => !float.IsFinite(v)) is int bad and >= 0)
            {
                throw new ArgumentException($"Embedding {i} has a non-finite value ({rows[i][bad]}) at position {bad}.", name);
            }
        }

        return rows;
    }

    /// <summary>Appends one example; <paramref name="row"/> is null when the rows live in the row source.</summary>
    public void Add(string label, float[]? row)
    {
        Version++;
        _entryLabels.Add(label);
        if (row is not null)
        {
            _rows.Add(row);
        }

        if (_counts.TryGetValue(label, out int count))
        {
            _counts[label] = count + 1;
        }
        else
        {
            _counts.Add(label, 1);
            _labels.Add(label);
        }
    }

    public bool Remove(string label)
    {
        if (!_counts.Remove(label))
        {
            return false;
        }

        Version++;
        _labels.Remove(label);
        bool rows = _rowSource is null;
        for (int i = _entryLabels.Count - 1; i >= 0; i--)
        {
            if (_entryLabels[i] == label)
            {
                _entryLabels.RemoveAt(i);
                if (rows)
                {
                    _rows.RemoveAt(i);
                }
            }
        }

        return true;
    }

    /// <summary>Removes every entry (before a complete <see cref="GalleryChangeSet"/> is applied).</summary>
    public void Clear()
    {
        Version++;
        _entryLabels.Clear();
        _rows.Clear();
        _labels.Clear();
        _counts.Clear();
    }

    /// <summary>The rows of <paramref name="label"/> in enrolment order, or null when it is not enrolled.</summary>
    public float[][]? RowsOf(string label) =>
        !_counts.ContainsKey(label) ? null
        : _rowSource is not null ? _rowSource.ReadEmbeddings(label) ?? []
        : _rows.Where((_, i) => _entryLabels[i] == label).ToArray();

    public GalleryContent ToContent(EmbedderFingerprint fingerprint, IReadOnlyDictionary<string, string> properties)
    {
        if (_rowSource is not null)
        {
            // Labels and counts only here: export the whole content of the store.
            var all = new GalleryStore(EmbeddingSize);
            foreach (var change in _rowSource.ReadChanges(-1, includeEmbeddings: true).Changes)
            {
                all.Apply(change);
            }

            return all.ToContent(fingerprint, properties);
        }

        var index = _labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        return new GalleryContent(fingerprint, EmbeddingSize, _labels.ToArray(), _entryLabels.Select(l => index[l]).ToArray(), _rows.ToArray(), properties);
    }

    /// <summary>Applies one change read from an <see cref="IGalleryStore"/>.</summary>
    public void Apply(GalleryChange change)
    {
        if (change.Kind == GalleryChangeKind.Removed)
        {
            Remove(change.Label);
            return;
        }

        for (int i = 0; i < change.Count; i++)
        {
            Add(change.Label, _rowSource is null ? change.Embeddings![i] : null);
        }
    }

    /// <summary>Fits the classifier <paramref name="options"/> describes to all entries.</summary>
    public IFittedClassifier Fit(ClassifierOptions options)
    {
        using var scope = NewDisposeScope();
        var flat = new float[_rows.Count * EmbeddingSize];
        for (int i = 0; i < _rows.Count; i++)
        {
            _rows[i].CopyTo(flat, i * EmbeddingSize);
        }

        return options.CreateClassifier().Fit(tensor(flat, [_rows.Count, EmbeddingSize]), _entryLabels);
    }
}
