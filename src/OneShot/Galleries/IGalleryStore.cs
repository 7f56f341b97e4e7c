using OneShot.Classification;
using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>
/// The system of record of a <see cref="Gallery"/> that outgrows one file and one process, for example a PostgreSQL
/// database shared by several instances of an application (the <c>OneShot.PostgreSql</c> package). The gallery file
/// (<see cref="Gallery.Save(string)"/>, <see cref="Gallery.Load"/>) stays the zero-setup default; pass a store to
/// <see cref="Gallery.Open"/> to use one instead.
/// </summary>
/// <remarks>
/// <para>
/// The gallery writes through the store (<see cref="Add"/>, <see cref="Remove"/>, each one transaction) and follows
/// changes made by any process through <see cref="Version"/> and <see cref="ReadChanges"/>: before every read or
/// classification it compares <see cref="Version"/> with the version it last applied and reads only what changed.
/// When the store can search where the data is (<see cref="CanSearch"/>), the gallery keeps only labels and counts in
/// memory and classifies each query against the candidate support set <see cref="Search"/> returns; otherwise it keeps
/// every embedding in memory (an in-process index).
/// </para>
/// <para>Implementations are safe to call from many threads at once. The caller owns the store: a gallery never disposes it.</para>
/// </remarks>
public interface IGalleryStore : IDisposable
{
    /// <summary>A short description of where the gallery lives, used in messages (never a password).</summary>
    string Name { get; }

    /// <summary>The fingerprint of the embedder every stored embedding was made with.</summary>
    EmbedderFingerprint Fingerprint { get; }

    /// <summary>The embedding length D.</summary>
    int EmbeddingSize { get; }

    /// <summary>
    /// The number of the newest committed change this process knows of (0 for a store that never changed). It
    /// increases when this process commits a change and when it learns of another process's change.
    /// </summary>
    long Version { get; }

    /// <summary>The changes committed after <paramref name="afterVersion"/>, or the whole content when that cannot be told.</summary>
    /// <param name="afterVersion">The version the caller has applied; negative for "nothing yet" (the whole content).</param>
    /// <param name="includeEmbeddings">False to read labels and counts only (<see cref="GalleryChange.Embeddings"/> is null).</param>
    GalleryChangeSet ReadChanges(long afterVersion, bool includeEmbeddings);

    /// <summary>Adds <paramref name="embeddings"/> (checked: at least one, each of length D, finite) under <paramref name="label"/> in one transaction.</summary>
    void Add(string label, IReadOnlyList<float[]> embeddings);

    /// <summary>Removes <paramref name="label"/> and all its examples in one transaction; false when it was not stored.</summary>
    bool Remove(string label);

    /// <summary>The stored embeddings of <paramref name="label"/> in enrolment order, or null when it is not stored.</summary>
    float[][]? ReadEmbeddings(string label);

    /// <summary>True when <see cref="Search"/> can find the candidates <paramref name="classifier"/> needs inside the store.</summary>
    bool CanSearch(ClassifierOptions classifier);

    /// <summary>
    /// For each query, the stored examples that decide its prediction by <paramref name="classifier"/> (for example the
    /// class prototypes, or the nearest examples of each label), in enrolment order; fitting the classifier to them
    /// and classifying the query gives the prediction over the whole store.
    /// </summary>
    /// <exception cref="NotSupportedException"><see cref="CanSearch"/> is false for <paramref name="classifier"/>.</exception>
    IReadOnlyList<GalleryCandidates> Search(IReadOnlyList<float[]> queries, ClassifierOptions classifier);
}
