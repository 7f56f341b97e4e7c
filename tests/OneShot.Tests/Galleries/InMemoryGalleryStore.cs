using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Galleries;

namespace OneShot.Tests.Galleries;

/// <summary>
/// A minimal <see cref="IGalleryStore"/> with a change log, standing in for a database that other processes also
/// write to (<see cref="AddFromElsewhere"/>, <see cref="RemoveFromElsewhere"/>). Records the versions it was asked to read after.
/// </summary>
internal sealed class InMemoryGalleryStore(EmbedderFingerprint fingerprint, int embeddingSize) : IGalleryStore
{
    private readonly Lock _lock = new();
    private readonly List<(long Version, GalleryChange Change)> _log = [];

    public string Name => "in-memory test store";

    public EmbedderFingerprint Fingerprint => fingerprint;

    public int EmbeddingSize => embeddingSize;

    public long Version { get; private set; }

    public List<long> ReadsAfter { get; } = [];

    public GalleryChangeSet ReadChanges(long afterVersion, bool includeEmbeddings)
    {
        lock (_lock)
        {
            ReadsAfter.Add(afterVersion);
            return afterVersion < 0
                ? new GalleryChangeSet(Version, true, _log.Select(e => e.Change).Where(c => c.Kind == GalleryChangeKind.Added).ToArray())
                : new GalleryChangeSet(Version, false, _log.Where(e => e.Version > afterVersion).Select(e => e.Change).ToArray());
        }
    }

    public void Add(string label, IReadOnlyList<float[]> embeddings) => AddFromElsewhere(label, embeddings);

    public bool Remove(string label) => RemoveFromElsewhere(label);

    public void AddFromElsewhere(string label, IReadOnlyList<float[]> embeddings)
    {
        lock (_lock)
        {
            _log.Add((++Version, new GalleryChange(GalleryChangeKind.Added, label, embeddings.Count, embeddings.Select(e => (float[])e.Clone()).ToArray())));
        }
    }

    public bool RemoveFromElsewhere(string label)
    {
        lock (_lock)
        {
            if (ReadEmbeddings(label) is null)
            {
                return false;
            }

            _log.RemoveAll(e => e.Change.Label == label);
            _log.Add((++Version, new GalleryChange(GalleryChangeKind.Removed, label, 0, null)));
            return true;
        }
    }

    public float[][]? ReadEmbeddings(string label)
    {
        lock (_lock)
        {
            var rows = _log.Where(e => e.Change.Kind == GalleryChangeKind.Added && e.Change.Label == label).SelectMany(e => e.Change.Embeddings!).ToArray();
            return rows.Length == 0 ? null : rows;
        }
    }

    public bool CanSearch(ClassifierOptions classifier) => false;

    public IReadOnlyList<GalleryCandidates> Search(IReadOnlyList<float[]> queries, ClassifierOptions classifier) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
