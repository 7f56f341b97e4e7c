using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Galleries;
using Pgvector;
using Pgvector.Npgsql;

namespace OneShot.PostgreSql;

/// <summary>
/// A gallery kept in PostgreSQL (one schema per gallery), shared by every process that opens it: pass it to
/// <see cref="Gallery.Open"/>. One row per enrolled example (label, embedding, embedder fingerprint, enrolment time,
/// caller metadata as jsonb); every enrolment and removal is one transaction; the schema is created and migrated
/// by <see cref="Open"/>.
/// </summary>
/// <remarks>
/// <para>
/// With the pgvector extension, embeddings are <c>vector(D)</c> and classification searches in the database: the
/// nearest class means (prototype classifier) or the nearest examples of every label (k-NN), exactly by default or
/// from an HNSW index (<see cref="CreateHnswIndex"/>, <see cref="PostgresGalleryOptions.UseHnswIndex"/>). Without it,
/// embeddings are <c>real[]</c> and every process keeps an in-process index, kept current from the change log.
/// </para>
/// <para>
/// Each commit sends a NOTIFY with its change number; every process listens and also reads the newest change number
/// every <see cref="PostgresGalleryOptions.PollInterval"/>, so another process's committed change is seen within that
/// interval (usually within milliseconds) while PostgreSQL is reachable. A process that lost its connection reconnects
/// and applies exactly the changes after the last one it applied. Safe to call from many threads at once.
/// </para>
/// </remarks>
public sealed partial class PostgresGalleryStore : IGalleryStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresGalleryOptions _options;
    private readonly ILogger _logger;
    private readonly string _s;
    private readonly string _rowFingerprint;
    private readonly ChangeListener _listener;
    private long _version;
    private PrototypeCache? _prototypeCache;
    private bool _disposed;

    private PostgresGalleryStore(NpgsqlDataSource dataSource, PostgresGalleryOptions options, EmbedderFingerprint fingerprint, int embeddingSize, bool usesVector, string connectionString)
    {
        _dataSource = dataSource;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _s = PostgresGallerySchema.Quote(options.Schema);
        Fingerprint = fingerprint;
        EmbeddingSize = embeddingSize;
        UsesPgvector = usesVector;
        _rowFingerprint = ShortHash(FingerprintJson(fingerprint));
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Name = $"PostgreSQL gallery '{options.Schema}' (database '{builder.Database}' on {builder.Host}:{builder.Port})";
        _listener = new ChangeListener(connectionString, options.Schema, options.PollInterval, _logger, Seen);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public EmbedderFingerprint Fingerprint { get; }

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <summary>True when embeddings are pgvector <c>vector(D)</c> values (search can run in the database).</summary>
    public bool UsesPgvector { get; }

    /// <inheritdoc />
    public long Version => Interlocked.Read(ref _version);

    /// <summary>How many times the change listener connected (1 after opening; more after lost connections).</summary>
    public int ListenerConnections => _listener.Connections;

    /// <summary>
    /// Opens the gallery in <see cref="PostgresGalleryOptions.Schema"/>, creating or migrating its schema (and the
    /// pgvector extension when it is installed), and starts following its changes.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string (host or unix socket folder, database, user).</param>
    /// <param name="fingerprint">The fingerprint of the embedder (<see cref="IEmbedder.GetFingerprint"/>).</param>
    /// <param name="embeddingSize">The embedding length D (at least 1).</param>
    /// <param name="options">Schema, search mode, poll interval, logger.</param>
    /// <exception cref="EmbedderMismatchException">The gallery holds embeddings of a different embedder.</exception>
    /// <exception cref="GalleryFormatException">The gallery has another embedding length, or a newer schema version.</exception>
    /// <exception cref="NotSupportedException"><see cref="PostgresSearchMode.Database"/> was asked for and pgvector is not installed.</exception>
    /// <exception cref="NpgsqlException">PostgreSQL cannot be reached.</exception>
    public static PostgresGalleryStore Open(string connectionString, EmbedderFingerprint fingerprint, int embeddingSize, PostgresGalleryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        options ??= new PostgresGalleryOptions();
        string json = FingerprintJson(fingerprint);
        PostgresGallerySchema.Meta meta;
        int from;
        bool vectorAvailable;
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            vectorAvailable = !options.IgnorePgvector && EnsurePgvector(connection);
            from = PostgresGallerySchema.ReadMeta(connection, options.Schema)?.Version ?? 0;
            meta = PostgresGallerySchema.Migrate(connection, options.Schema, json, embeddingSize, vectorAvailable);
        }

        string name = $"PostgreSQL gallery '{options.Schema}'";
        var found = JsonSerializer.Deserialize<EmbedderFingerprint>(meta.FingerprintJson)
            ?? throw new GalleryFormatException(name, $"The {name} has an unreadable fingerprint.");
        if (found != fingerprint)
        {
            throw new EmbedderMismatchException(name, fingerprint, found);
        }

        if (meta.EmbeddingSize != embeddingSize)
        {
            throw new GalleryFormatException(name, $"The {name} holds {meta.EmbeddingSize}-value embeddings; the embedder produces {embeddingSize}.");
        }

        if (options.Search == PostgresSearchMode.Database && !meta.UsesVector)
        {
            throw new NotSupportedException($"The {name} cannot search in the database: the pgvector extension is not installed (or the gallery was created without it). Use PostgresSearchMode.Auto or InProcess.");
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (meta.UsesVector)
        {
            builder.UseVector();
        }

        var store = new PostgresGalleryStore(builder.Build(), options, fingerprint, embeddingSize, meta.UsesVector, connectionString);
        store.Seen(store.Run("open", write: false, (connection, _) => Scalar<long>(connection, $"SELECT coalesce(max(seq), 0) FROM {store._s}.changes")));
        Log.Opened(store._logger, options.Schema, meta.Version, from, meta.UsesVector ? "vector" : "real[]", store.CanSearch(new PrototypeClassifierOptions()) ? "in the database" : "in process");
        return store;
    }

    /// <inheritdoc />
    public void Add(string label, IReadOnlyList<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count == 0)
        {
            throw new ArgumentException($"Expected at least one embedding of length {EmbeddingSize}; got none.", nameof(embeddings));
        }

        AddRange(embeddings.Select(e => new GalleryEnrollment(label, e)));
    }

    /// <summary>
    /// Adds many examples (any labels, with optional metadata) in one transaction, streamed with a binary COPY: either all
    /// are committed or none (a failure or a killed process leaves no row of them).
    /// </summary>
    /// <returns>The number of examples added.</returns>
    /// <exception cref="ArgumentException">A label is empty, an embedding is null, has the wrong length or a non-finite value; nothing is added.</exception>
    public int AddRange(IEnumerable<GalleryEnrollment> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return Run("enrolment", write: true, (connection, attempt) =>
        {
            using var transaction = connection.BeginTransaction();
            Lock(connection);
            long seq = Scalar<long>(connection, $"INSERT INTO {_s}.changes (kind, label, count) VALUES ('add', NULL, 0) RETURNING seq");
            int count = 0;
            attempt.Unsafe = true; // the examples may be a stream that cannot be read twice
            using (var writer = connection.BeginBinaryImport($"COPY {_s}.examples (label, embedding, fingerprint, metadata, change_seq) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var example in examples)
                {
                    Check(example, count);
                    writer.StartRow();
                    writer.Write(example.Label, NpgsqlDbType.Text);
                    if (UsesPgvector)
                    {
                        writer.Write(new Vector(example.Embedding), "vector");
                    }
                    else
                    {
                        writer.Write(example.Embedding, NpgsqlDbType.Array | NpgsqlDbType.Real);
                    }

                    writer.Write(_rowFingerprint, NpgsqlDbType.Text);
                    if (example.MetadataJson is null)
                    {
                        writer.WriteNull();
                    }
                    else
                    {
                        writer.Write(example.MetadataJson, NpgsqlDbType.Jsonb);
                    }

                    writer.Write(seq, NpgsqlDbType.Bigint);
                    count++;
                }

                if (count == 0)
                {
                    throw new ArgumentException("Expected at least one example; got none.", nameof(examples));
                }

                writer.Complete();
            }

            Execute(connection, $"UPDATE {_s}.changes SET count = $2, label = (SELECT min(label) FROM {_s}.examples WHERE change_seq = $1 HAVING count(DISTINCT label) = 1) WHERE seq = $1", seq, count);
            if (UsesPgvector)
            {
                Execute(connection,
                    $"INSERT INTO {_s}.prototypes (label, mean, unit_mean, n, first_id) SELECT label, avg(embedding), avg(l2_normalize(embedding)), count(*), min(id) "
                    + $"FROM {_s}.examples WHERE label IN (SELECT DISTINCT label FROM {_s}.examples WHERE change_seq = $1) GROUP BY label "
                    + "ON CONFLICT (label) DO UPDATE SET mean = excluded.mean, unit_mean = excluded.unit_mean, n = excluded.n",
                    seq);
            }

            Commit(connection, transaction, attempt, seq);
            Log.Committed(_logger, _options.Schema, seq, "add", count);
            return count;
        });
    }

    /// <inheritdoc />
    public bool Remove(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Run("removal", write: true, (connection, attempt) =>
        {
            using var transaction = connection.BeginTransaction();
            Lock(connection);
            int removed = Execute(connection, $"DELETE FROM {_s}.examples WHERE label = $1", label);
            if (removed == 0)
            {
                transaction.Rollback();
                return false;
            }

            if (UsesPgvector)
            {
                Execute(connection, $"DELETE FROM {_s}.prototypes WHERE label = $1", label);
            }

            long seq = Scalar<long>(connection, $"INSERT INTO {_s}.changes (kind, label, count) VALUES ('remove', $1, $2) RETURNING seq", label, removed);
            Commit(connection, transaction, attempt, seq);
            Log.Committed(_logger, _options.Schema, seq, "remove", removed);
            return true;
        });
    }

    /// <inheritdoc />
    public float[][]? ReadEmbeddings(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Run("read", write: false, (connection, _) =>
        {
            using var command = Command(connection, $"SELECT embedding FROM {_s}.examples WHERE label = $1 ORDER BY id", label);
            using var reader = command.ExecuteReader();
            var rows = new List<float[]>();
            while (reader.Read())
            {
                rows.Add(ReadEmbedding(reader, 0));
            }

            return rows.Count == 0 ? null : rows.ToArray();
        });
    }

    /// <summary>Disposes the connections and stops following changes. Call when no other call is in flight.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener.Dispose();
        _dataSource.Dispose();
    }

    internal static string FingerprintJson(EmbedderFingerprint fingerprint) => JsonSerializer.Serialize(fingerprint);

    private static string ShortHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static bool EnsurePgvector(NpgsqlConnection connection)
    {
        if (Scalar<long>(connection, "SELECT count(*) FROM pg_extension WHERE extname = 'vector'") > 0)
        {
            return true;
        }

        if (Scalar<long>(connection, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") == 0)
        {
            return false;
        }

        try
        {
            Execute(connection, "CREATE EXTENSION IF NOT EXISTS vector");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
        {
            // Another process created it at the same moment.
        }

        return true;
    }

    private void Check(GalleryEnrollment example, int index)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (string.IsNullOrWhiteSpace(example.Label))
        {
            throw new ArgumentException($"Example {index} has an empty label.", "examples");
        }

        if (example.Embedding is null || example.Embedding.Length != EmbeddingSize)
        {
            throw new ArgumentException($"Expected embeddings of length {EmbeddingSize}; example {index} has {(example.Embedding is null ? "none" : $"length {example.Embedding.Length}")}.", "examples");
        }

        if (Array.FindIndex(example.Embedding, v => !float.IsFinite(v)) is int bad and >= 0)
        {
            throw new ArgumentException($"Embedding {index} has a non-finite value ({example.Embedding[bad]}) at position {bad}.", "examples");
        }
    }

    private void Lock(NpgsqlConnection connection) =>
        Execute(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", "oneshot.write:" + _options.Schema);

    private void Commit(NpgsqlConnection connection, NpgsqlTransaction transaction, Attempt attempt, long seq)
    {
        Execute(connection, "SELECT pg_notify($1, $2)", ChangeListener.ChannelOf(_options.Schema), seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        attempt.Unsafe = true; // from here the outcome is unknown when the connection breaks: never retried
        transaction.Commit();
        Seen(seq);
    }

    private void Seen(long version)
    {
        long current = Interlocked.Read(ref _version);
        while (version > current)
        {
            long previous = Interlocked.CompareExchange(ref _version, version, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }

    private float[] ReadEmbedding(NpgsqlDataReader reader, int ordinal) =>
        UsesPgvector ? reader.GetFieldValue<Vector>(ordinal).ToArray() : reader.GetFieldValue<float[]>(ordinal);

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (object parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }

    private static int Execute(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static T Scalar<T>(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return (T)command.ExecuteScalar()!;
    }
}
