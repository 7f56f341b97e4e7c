using System.Data;
using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using OneShot.Classification;
using OneShot.Galleries;
using Pgvector;

namespace OneShot.PostgreSql;

/// <summary>Reading changes, searching, the HNSW index and the retry of lost connections.</summary>
public sealed partial class PostgresGalleryStore
{
    /// <inheritdoc />
    public GalleryChangeSet ReadChanges(long afterVersion, bool includeEmbeddings) => Run("read", write: false, (connection, _) =>
    {
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        long version = Scalar<long>(connection, $"SELECT coalesce(max(seq), 0) FROM {_s}.changes");
        Seen(version);
        bool complete = afterVersion < 0 || afterVersion > version;
        if (!complete && afterVersion == version)
        {
            return new GalleryChangeSet(version, IsComplete: false, []);
        }

        long from = complete ? 0 : afterVersion;
        var runs = new Dictionary<long, List<GalleryChange>>();
        var order = new List<GalleryChange>();
        string sql = includeEmbeddings
            ? $"SELECT change_seq, label, 1, embedding FROM {_s}.examples WHERE change_seq > $1 ORDER BY id"
            : $"SELECT change_seq, label, count(*)::int, NULL FROM {_s}.examples WHERE change_seq > $1 GROUP BY change_seq, label ORDER BY min(id)";
        using (var command = Command(connection, sql, from))
        using (var reader = command.ExecuteReader())
        {
            List<float[]>? rows = null;
            GalleryChange? last = null;
            long lastSeq = -1;
            while (reader.Read())
            {
                long seq = reader.GetInt64(0);
                string label = reader.GetString(1);
                int count = reader.GetInt32(2);
                if (includeEmbeddings && last is not null && lastSeq == seq && last.Label == label)
                {
                    rows!.Add(ReadEmbedding(reader, 3));
                    continue;
                }

                Flush();
                rows = includeEmbeddings ? [ReadEmbedding(reader, 3)] : null;
                last = new GalleryChange(GalleryChangeKind.Added, label, count, rows);
                lastSeq = seq;
            }

            Flush();

            void Flush()
            {
                if (last is null)
                {
                    return;
                }

                var change = rows is null ? last : last with { Count = rows.Count };
                order.Add(change);
                if (!runs.TryGetValue(lastSeq, out var list))
                {
                    runs[lastSeq] = list = [];
                }

                list.Add(change);
            }
        }

        if (complete)
        {
            return new GalleryChangeSet(version, IsComplete: true, order);
        }

        var changes = new List<GalleryChange>();
        using (var command = Command(connection, $"SELECT seq, kind, label FROM {_s}.changes WHERE seq > $1 ORDER BY seq", from))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                long seq = reader.GetInt64(0);
                if (reader.GetString(1) == "remove")
                {
                    changes.Add(new GalleryChange(GalleryChangeKind.Removed, reader.GetString(2), 0, null));
                }
                else if (runs.TryGetValue(seq, out var added))
                {
                    changes.AddRange(added);
                }
            }
        }

        return new GalleryChangeSet(version, IsComplete: false, changes);
    });

    /// <inheritdoc />
    public bool CanSearch(ClassifierOptions classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        return UsesPgvector && _options.Search != PostgresSearchMode.InProcess && classifier switch
        {
            PrototypeClassifierOptions prototype => prototype.Transform == FeatureTransform.None,
            KNearestNeighborOptions => true,
            _ => false,
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<GalleryCandidates> Search(IReadOnlyList<float[]> queries, ClassifierOptions classifier)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (!CanSearch(classifier))
        {
            throw new NotSupportedException($"The {Name} cannot search for {classifier.GetType().Name} (pgvector: {UsesPgvector}, mode {_options.Search}); classify in process.");
        }

        string op = Operator(classifier.Metric);
        if (classifier is PrototypeClassifierOptions && AllPrototypes(classifier.Metric) is { } all)
        {
            return queries.Select((query, i) => { CheckQuery(query, i); return all; }).ToArray();
        }

        return Run("search", write: false, (connection, _) =>
        {
            using var transaction = connection.BeginTransaction();
            string sql;
            object limit;
            if (classifier is PrototypeClassifierOptions)
            {
                // The cosine prototype is the mean of unit-length embeddings (as PrototypeClassifier computes it).
                string mean = classifier.Metric == DistanceMetric.Cosine ? "unit_mean" : "mean";
                sql = $"SELECT label, {mean} FROM (SELECT label, {mean}, first_id FROM {_s}.prototypes ORDER BY {mean} {op} $1 LIMIT $2) p ORDER BY first_id";
                limit = _options.MaxPrototypeCandidates;
            }
            else if (_options.UseHnswIndex)
            {
                int k = ((KNearestNeighborOptions)classifier).K;
                Execute(connection, $"SET LOCAL hnsw.ef_search = {Math.Max(k, _options.HnswEfSearch)}");
                sql = $"SELECT label, embedding FROM (SELECT id, label, embedding FROM {_s}.examples ORDER BY embedding {op} $1 LIMIT $2) n ORDER BY id";
                limit = k;
            }
            else
            {
                // Exact, by a scan: the k nearest overall (the votes) and each label's nearest (its class score) are
                // all the k-NN classifier reads, so fitting it to them gives the prediction over the whole gallery.
                Execute(connection, "SET LOCAL enable_indexscan = off");
                Execute(connection, "SET LOCAL work_mem = '256MB'");
                sql = $"SELECT e.label, e.embedding FROM {_s}.examples e JOIN (SELECT id FROM (SELECT id, "
                    + "row_number() OVER (PARTITION BY label ORDER BY distance, id) AS in_label, row_number() OVER (ORDER BY distance, id) AS overall "
                    + $"FROM (SELECT id, label, embedding {op} $1 AS distance FROM {_s}.examples) d) ranked WHERE in_label = 1 OR overall <= $2) nearest "
                    + "ON nearest.id = e.id ORDER BY e.id";
                limit = ((KNearestNeighborOptions)classifier).K;
            }

            var results = new GalleryCandidates[queries.Count];
            for (int i = 0; i < results.Length; i++)
            {
                CheckQuery(queries[i], i);
                using var command = Command(connection, sql, new Vector(queries[i]), limit);
                using var reader = command.ExecuteReader();
                var labels = new List<string>();
                var rows = new List<float[]>();
                while (reader.Read())
                {
                    labels.Add(reader.GetString(0));
                    rows.Add(ReadEmbedding(reader, 1));
                }

                results[i] = new GalleryCandidates(labels, rows);
            }

            transaction.Commit();
            return results;
        });
    }

    /// <summary>
    /// The <paramref name="k"/> stored examples nearest to <paramref name="query"/> (1:N search), nearest first: exactly
    /// (a sequential scan) or from the HNSW index when <paramref name="exact"/> is false and the index exists.
    /// </summary>
    /// <exception cref="NotSupportedException">pgvector is not installed.</exception>
    public IReadOnlyList<GalleryNeighbor> FindNearest(float[] query, int k, DistanceMetric metric, bool exact)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        RequirePgvector();
        CheckQuery(query, 0);
        string op = Operator(metric);
        return Run("search", write: false, (connection, _) =>
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, exact ? "SET LOCAL enable_indexscan = off" : $"SET LOCAL hnsw.ef_search = {Math.Max(k, _options.HnswEfSearch)}");
            using var command = Command(connection, $"SELECT id, label, embedding {op} $1 FROM {_s}.examples ORDER BY embedding {op} $1 LIMIT $2", new Vector(query), k);
            var found = new List<GalleryNeighbor>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    found.Add(new GalleryNeighbor(reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2)));
                }
            }

            transaction.Commit();
            return (IReadOnlyList<GalleryNeighbor>)found;
        });
    }

    /// <summary>
    /// Builds pgvector's HNSW index on the embeddings for <paramref name="metric"/> (if it does not exist yet), used by
    /// <see cref="FindNearest"/> with <c>exact: false</c> and by k-NN search when <see cref="PostgresGalleryOptions.UseHnswIndex"/> is set.
    /// </summary>
    /// <param name="metric">Euclidean distances (either kind) use <c>vector_l2_ops</c>, cosine <c>vector_cosine_ops</c>.</param>
    /// <param name="m">HNSW's <c>m</c> (connections per node, 2..100); default 16.</param>
    /// <param name="efConstruction">HNSW's <c>ef_construction</c> (at least 2·m); default 64.</param>
    /// <param name="buildMemoryMB">
    /// The session's <c>maintenance_work_mem</c> for the build, in MB (1 to 1,048,576). pgvector builds fast only while the
    /// whole graph fits in it, and slows several-fold once it does not. Null (the default) sizes it from the table:
    /// <see cref="HnswBuildMemoryMB"/> of the current row count (1,000,000 rows at d=512 ask for about 2.9 GB), never
    /// below the server's own setting. Parallel builds reserve it as shared memory, so the server needs that much free.
    /// </param>
    /// <returns>How long the build took.</returns>
    public TimeSpan CreateHnswIndex(DistanceMetric metric, int m = 16, int efConstruction = 64, int? buildMemoryMB = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(m, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(efConstruction, 2 * m);
        if (buildMemoryMB is { } asked)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(asked, 1, nameof(buildMemoryMB));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(asked, 1 << 20, nameof(buildMemoryMB));
        }

        RequirePgvector();
        string ops = metric == DistanceMetric.Cosine ? "vector_cosine_ops" : "vector_l2_ops";
        var clock = Stopwatch.StartNew();
        Run("index build", write: false, (connection, _) =>
        {
            int memory = buildMemoryMB ?? Math.Max(
                HnswBuildMemoryMB(Scalar<long>(connection, $"SELECT count(*) FROM {_s}.examples"), EmbeddingSize, m),
                (int)Math.Min(1 << 20, Scalar<long>(connection, "SELECT setting::bigint * 1024 / 1048576 FROM pg_settings WHERE name = 'maintenance_work_mem'")));
            Log.BuildingIndex(_logger, _s, m, efConstruction, memory);
            void Spilled(object sender, NpgsqlNoticeEventArgs e)
            {
                if (e.Notice.MessageText.Contains("maintenance_work_mem", StringComparison.Ordinal))
                {
                    Log.IndexBuildSpilled(_logger, _s, e.Notice.MessageText);
                }
            }

            connection.Notice += Spilled;
            try
            {
                using var command = Command(connection, $"SET maintenance_work_mem = '{memory}MB'; "
                    + $"CREATE INDEX IF NOT EXISTS examples_hnsw_{(metric == DistanceMetric.Cosine ? "cosine" : "l2")} ON {_s}.examples USING hnsw (embedding {ops}) WITH (m = {m}, ef_construction = {efConstruction}); "
                    + "RESET maintenance_work_mem");
                command.CommandTimeout = 0;
                return command.ExecuteNonQuery();
            }
            finally
            {
                connection.Notice -= Spilled;
            }
        });
        return clock.Elapsed;
    }

    /// <summary>
    /// The <c>maintenance_work_mem</c> (MB) an HNSW build of <paramref name="rows"/> vectors of <paramref name="dimension"/>
    /// floats with <paramref name="m"/> connections needs to keep its graph in memory: per element the vector
    /// (4·d + 8 bytes), the level-0 and upper-layer neighbour lists (about 2·m + m/ln m item pointers with distances,
    /// 12 bytes each) and pgvector's element header (about 100 bytes), plus a quarter for allocator slack; at least 64 MB.
    /// </summary>
    /// <param name="rows">How many vectors the index will hold.</param>
    /// <param name="dimension">Their dimension.</param>
    /// <param name="m">HNSW's <c>m</c>.</param>
    /// <returns>Megabytes, 64 to 1,048,576.</returns>
    public static int HnswBuildMemoryMB(long rows, int dimension, int m = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 2);
        double perElement = (4.0 * dimension) + 8 + (12.0 * ((2 * m) + (m / Math.Log(m)))) + 100;
        double mb = rows * perElement * 1.25 / 1048576;
        return (int)Math.Clamp(Math.Ceiling(mb), 64, 1 << 20);
    }

    /// <summary>
    /// Every class mean, read once per gallery version and shared by all queries (the same instance, so the gallery fits
    /// it once), while there are at most <see cref="PostgresGalleryOptions.MaxPrototypeCandidates"/> labels; null above
    /// that, when each query asks the database for its nearest class means.
    /// </summary>
    private GalleryCandidates? AllPrototypes(DistanceMetric metric)
    {
        long version = Version;
        var cached = Volatile.Read(ref _prototypeCache);
        if (cached is not null && cached.Version == version && cached.Metric == metric)
        {
            return cached.Candidates;
        }

        string mean = metric == DistanceMetric.Cosine ? "unit_mean" : "mean";
        var candidates = Run("search", write: false, (connection, _) =>
        {
            using var command = Command(connection, $"SELECT label, {mean} FROM {_s}.prototypes ORDER BY first_id LIMIT $1", _options.MaxPrototypeCandidates + 1);
            using var reader = command.ExecuteReader();
            var labels = new List<string>();
            var rows = new List<float[]>();
            while (reader.Read())
            {
                labels.Add(reader.GetString(0));
                rows.Add(ReadEmbedding(reader, 1));
            }

            return labels.Count > _options.MaxPrototypeCandidates ? null : new GalleryCandidates(labels, rows);
        });
        Volatile.Write(ref _prototypeCache, candidates is null ? null : new PrototypeCache(version, metric, candidates));
        return candidates;
    }

    private static string Operator(DistanceMetric metric) => metric == DistanceMetric.Cosine ? "<=>" : "<->";

    private void RequirePgvector()
    {
        if (!UsesPgvector)
        {
            throw new NotSupportedException($"The {Name} stores real[] embeddings (pgvector was not installed when it was created): no search in the database.");
        }
    }

    private void CheckQuery(float[] query, int index)
    {
        if (query is null || query.Length != EmbeddingSize)
        {
            throw new ArgumentException($"Expected queries of length {EmbeddingSize}; query {index} has {(query is null ? "none" : $"length {query.Length}")}.", "queries");
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection; when the connection is lost (server restart, terminated
    /// backend) it retries with backoff for <see cref="PostgresGalleryOptions.RetryWindow"/>, unless the work marked the
    /// attempt unsafe (a write that consumed its input or sent its commit).
    /// </summary>
    private T Run<T>(string operation, bool write, Func<NpgsqlConnection, Attempt, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        for (int tries = 1; ; tries++)
        {
            var attempt = new Attempt();
            try
            {
                using var connection = _dataSource.OpenConnection();
                return work(connection, attempt);
            }
            catch (Exception e) when (IsConnectionLoss(e) && !(write && attempt.Unsafe) && clock.Elapsed < _options.RetryWindow)
            {
                int delay = (int)Math.Min(1000, 25 * Math.Pow(2, Math.Min(tries, 6)));
                Log.Retrying(_logger, _options.Schema, operation, tries, delay, e);
                _dataSource.Clear();
                Thread.Sleep(delay);
            }
        }
    }

    private static bool IsConnectionLoss(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or EndOfStreamException,
        IOException or SocketException or EndOfStreamException => true,
        _ => false,
    };
}
