using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace OneShot.PostgreSql;

/// <summary>How <see cref="PostgresGalleryStore.Open"/> stores, searches and follows a gallery.</summary>
public sealed partial record PostgresGalleryOptions
{
    private readonly string _schema = "oneshot";
    private readonly TimeSpan _pollInterval = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _retryWindow = TimeSpan.FromSeconds(30);
    private readonly int _hnswEfSearch = 100;
    private readonly int _maxPrototypeCandidates = 1000;

    /// <summary>
    /// The PostgreSQL schema that holds the gallery (one gallery per schema): a lower-case identifier
    /// (<c>[a-z_][a-z0-9_]*</c>, at most 48 characters). Default <c>oneshot</c>.
    /// </summary>
    public string Schema
    {
        get => _schema;
        init => _schema = value is not null && IdentifierPattern().IsMatch(value)
            ? value
            : throw new ArgumentException($"Schema must match [a-z_][a-z0-9_]* and have at most 48 characters; got '{value}'.", nameof(Schema));
    }

    /// <summary>Where classification runs; default <see cref="PostgresSearchMode.Auto"/> (in the database when pgvector is installed).</summary>
    public PostgresSearchMode Search { get; init; } = PostgresSearchMode.Auto;

    /// <summary>
    /// True to answer k-nearest-neighbour classification from the HNSW index (<see cref="PostgresGalleryStore.CreateHnswIndex"/>):
    /// approximate, much faster on large galleries; only the labels of the k neighbours found are candidates. False (the
    /// default) searches exactly (a sequential scan).
    /// </summary>
    public bool UseHnswIndex { get; init; }

    /// <summary>pgvector's <c>hnsw.ef_search</c> for HNSW searches (at least the k asked for; 1 to 1000). Default 100.</summary>
    public int HnswEfSearch
    {
        get => _hnswEfSearch;
        init => _hnswEfSearch = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(HnswEfSearch), value, "HnswEfSearch must be in 1..1000.");
    }

    /// <summary>
    /// Up to this many labels (default 1000) a prototype-classifier search reads every class mean once per gallery
    /// version (the database keeps them in the enrolment transaction) and compares queries with them in process. With
    /// more labels, each query asks the database for its nearest this-many class means (<c>ORDER BY mean &lt;-&gt; q
    /// LIMIT n</c>) and probabilities are normalised over those classes only (the others' share is tiny).
    /// </summary>
    public int MaxPrototypeCandidates
    {
        get => _maxPrototypeCandidates;
        init => _maxPrototypeCandidates = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPrototypeCandidates), value, "MaxPrototypeCandidates must be at least 1.");
    }

    /// <summary>
    /// The longest time between two checks of the gallery's change number when no notification arrives (default 1 s):
    /// the bound on how late a committed change of another process is seen while PostgreSQL is reachable (notifications
    /// usually deliver it within milliseconds). From 10 ms to 10 minutes.
    /// </summary>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        init => _pollInterval = value >= TimeSpan.FromMilliseconds(10) && value <= TimeSpan.FromMinutes(10)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(PollInterval), value, "PollInterval must be from 10 ms to 10 minutes.");
    }

    /// <summary>
    /// How long an operation keeps retrying after losing its connection (server restart, terminated backend) before it
    /// throws (default 30 s). A write is retried only when it failed before its commit was sent, so it is never applied twice.
    /// </summary>
    public TimeSpan RetryWindow
    {
        get => _retryWindow;
        init => _retryWindow = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(RetryWindow), value, "RetryWindow must not be negative.");
    }

    /// <summary>Where the store logs schema migrations, lost and regained connections and retries; null for none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Tests: store <c>real[]</c> and search in process as if pgvector were not installed.</summary>
    internal bool IgnorePgvector { get; init; }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,47}$")]
    private static partial Regex IdentifierPattern();
}
