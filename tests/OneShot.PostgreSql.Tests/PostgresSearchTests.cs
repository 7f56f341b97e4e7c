using System.Diagnostics;
using OneShot.Classification;
using OneShot.Galleries;
using Xunit.Abstractions;

namespace OneShot.PostgreSql.Tests;

/// <summary>
/// Search where the data is: pgvector's exact search gives the in-process classifier's labels, distances and
/// probabilities (within 1e-4: the database averages class means in double precision, the process in float32),
/// the in-process index over the database equals the file gallery exactly, and the HNSW index's recall@10
/// against exact search is measured.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSearchTests
{
    private const int D = 16;
    private const double Tolerance = 1e-4;
    private readonly PostgresServer _server;
    private readonly ITestOutputHelper _output;

    public PostgresSearchTests(PostgresServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    public static TheoryData<string> Classifiers => ["prototype-sqeuclidean", "prototype-cosine", "knn5-euclidean", "knn3-cosine-uniform"];

    [SkippableTheory]
    [MemberData(nameof(Classifiers))]
    public void ClassifyEmbeddings_PgvectorExactSearch_EqualsTheInProcessClassifier(string name)
    {
        _server.Require();
        Skip.IfNot(_server.HasPgvector, "pgvector is not installed on this server (build it from ../shared/vendor, see .ci/run)");
        var options = new GalleryOptions { Classifier = Classifier(name) };
        var (memory, database, store) = Fill(options, new PostgresGalleryOptions { Schema = _server.NewSchema("exact"), Search = PostgresSearchMode.Database });
        using (memory)
        using (store)
        using (database)
        {
            store.CanSearch(options.Classifier).Should().BeTrue();
            var queries = Queries();

            var expected = memory.ClassifyEmbeddings(queries);
            var actual = database.ClassifyEmbeddings(queries);

            for (int i = 0; i < queries.Length; i++)
            {
                actual[i].Label.Should().Be(expected[i].Label, "query {0}", i);
                actual[i].Score.Should().BeApproximately(expected[i].Score, Tolerance, "query {0}", i);
                actual[i].Probability.Should().BeApproximately(expected[i].Probability, Tolerance, "query {0}", i);
                actual[i].TopK.Select(c => c.Label).Should().Equal(expected[i].TopK.Select(c => c.Label), "query {0}", i);
            }
        }
    }

    [SkippableFact]
    public void ClassifyEmbeddings_InProcessIndexOverTheDatabase_EqualsTheFileGalleryExactly()
    {
        _server.Require();
        var options = new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 5 } };
        var (memory, database, store) = Fill(options, new PostgresGalleryOptions { Schema = _server.NewSchema("replica"), IgnorePgvector = true });
        using (memory)
        using (store)
        using (database)
        {
            store.UsesPgvector.Should().BeFalse();
            store.CanSearch(options.Classifier).Should().BeFalse("without pgvector every process keeps an in-process index");
            var queries = Queries();

            database.ClassifyEmbeddings(queries).Should().BeEquivalentTo(memory.ClassifyEmbeddings(queries), o => o.WithStrictOrdering());
            database.Labels.Should().Equal(memory.Labels);
            database.GetEmbeddingArrays("l3").Should().BeEquivalentTo(memory.GetEmbeddingArrays("l3"), o => o.WithStrictOrdering());
        }
    }

    [SkippableFact]
    public void FindNearest_HnswIndex_RecallAt10AgainstExactSearchIsHigh()
    {
        _server.Require();
        Skip.IfNot(_server.HasPgvector, "pgvector is not installed on this server (build it from ../shared/vendor, see .ci/run)");
        const int D32 = 32, K = 10, Queries = 50;
        var options = new PostgresGalleryOptions { Schema = _server.NewSchema("hnsw"), HnswEfSearch = 64 };
        using var store = PostgresGalleryStore.Open(_server.ConnectionString, new TestEmbedder(D32).GetFingerprint(), D32, options);
        store.AddRange(Vectors.Clusters(seed: 5, labels: 200, perLabel: 100, D32, spread: 0.8f).Select(r => new GalleryEnrollment(r.Label, r.Row)));
        var built = store.CreateHnswIndex(DistanceMetric.Euclidean);
        var random = new Random(6);
        double found = 0;
        var exactTime = new Stopwatch();
        var hnswTime = new Stopwatch();
        for (int q = 0; q < Queries; q++)
        {
            var query = Vectors.Gaussian(random, D32);
            exactTime.Start();
            var exact = store.FindNearest(query, K, DistanceMetric.Euclidean, exact: true);
            exactTime.Stop();
            hnswTime.Start();
            var approximate = store.FindNearest(query, K, DistanceMetric.Euclidean, exact: false);
            hnswTime.Stop();
            exact.Select(n => n.Distance).Should().BeInAscendingOrder();
            found += approximate.Select(n => n.Id).Intersect(exact.Select(n => n.Id)).Count();
        }

        double recall = found / (Queries * K);
        _output.WriteLine($"20,000 x d=32: HNSW (m=16, ef_construction=64) built in {built.TotalSeconds:F1} s; recall@10 = {recall:F3} at ef_search=64; "
            + $"exact {exactTime.Elapsed.TotalMilliseconds / Queries:F1} ms/query, HNSW {hnswTime.Elapsed.TotalMilliseconds / Queries:F1} ms/query");
        recall.Should().BeGreaterThan(0.9);
    }

    [SkippableFact]
    public void CreateHnswIndex_BuildMemory_TooSmallIsWarnedAndTheEstimateFits()
    {
        _server.Require();
        Skip.IfNot(_server.HasPgvector, "pgvector is not installed on this server (build it from ../shared/vendor, see .ci/run)");
        const int D500 = 500, Rows = 4_000;
        var log = new ListLogger();
        string schema = _server.NewSchema("hnsw_memory");
        using var store = PostgresGalleryStore.Open(_server.ConnectionString, new TestEmbedder(D500).GetFingerprint(), D500, new PostgresGalleryOptions { Schema = schema, Logger = log });
        var random = new Random(9);
        store.AddRange(Enumerable.Range(0, Rows).Select(i => new GalleryEnrollment($"l{i % 100}", Vectors.Gaussian(random, D500))));

        // 4,000 x 500 floats are 8 MB of vectors alone: a 4 MB build cannot hold the graph.
        store.CreateHnswIndex(DistanceMetric.Euclidean, buildMemoryMB: 4);
        log.Messages.Should().Contain(m => m.Contains("maintenance_work_mem 4 MB", StringComparison.Ordinal));
        log.Messages.Should().Contain(m => m.StartsWith("Warning", StringComparison.Ordinal) && m.Contains("no longer fits", StringComparison.Ordinal));

        using (var connection = new Npgsql.NpgsqlConnection(_server.ConnectionString))
        {
            connection.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP INDEX {schema}.examples_hnsw_l2", connection);
            drop.ExecuteNonQuery();
        }

        log.Messages.Clear();
        int estimate = PostgresGalleryStore.HnswBuildMemoryMB(Rows, D500);
        estimate.Should().Be(64, "small tables get the floor (their graph needs about 11 MB)");
        store.CreateHnswIndex(DistanceMetric.Euclidean);
        _output.WriteLine(string.Join(Environment.NewLine, log.Messages));
        log.Messages.Should().Contain(m => m.Contains($"maintenance_work_mem {estimate} MB", StringComparison.Ordinal), "no buildMemoryMB: sized from the table");
        log.Messages.Should().NotContain(m => m.StartsWith("Warning", StringComparison.Ordinal), "the estimated build memory holds the whole graph");
        store.FindNearest(Vectors.Gaussian(new Random(10), D500), 5, DistanceMetric.Euclidean, exact: false).Should().HaveCount(5);
    }

    [Theory]
    [InlineData(1_000_000, 512, 16, 2900, 3400)]
    [InlineData(1_000_000, 64, 16, 900, 1100)]
    [InlineData(10, 64, 16, 64, 64)]
    public void HnswBuildMemoryMB_ScalesWithRowsAndDimension(long rows, int dim, int m, int atLeast, int atMost)
    {
        PostgresGalleryStore.HnswBuildMemoryMB(rows, dim, m).Should().BeInRange(atLeast, atMost);
        FluentActions.Invoking(() => PostgresGalleryStore.HnswBuildMemoryMB(-1, dim)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("rows");
    }

    [SkippableFact]
    public void ClassifyEmbeddings_KnnFromHnswIndex_AgreesWithExactOnClusteredData()
    {
        _server.Require();
        Skip.IfNot(_server.HasPgvector, "pgvector is not installed on this server (build it from ../shared/vendor, see .ci/run)");
        var gallery = new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 5 } };
        var (memory, database, store) = Fill(gallery, new PostgresGalleryOptions { Schema = _server.NewSchema("hnsw_knn"), UseHnswIndex = true });
        using (memory)
        using (store)
        using (database)
        {
            store.CreateHnswIndex(DistanceMetric.SquaredEuclidean);
            var queries = Queries();
            var expected = memory.ClassifyEmbeddings(queries);
            var actual = database.ClassifyEmbeddings(queries);
            actual.Select(p => p.Label).Zip(expected.Select(p => p.Label)).Count(p => p.First == p.Second).Should().BeGreaterThanOrEqualTo(queries.Length - 1);
        }
    }

    private static ClassifierOptions Classifier(string name) => name switch
    {
        "prototype-sqeuclidean" => new PrototypeClassifierOptions(),
        "prototype-cosine" => new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine },
        "knn5-euclidean" => new KNearestNeighborOptions { K = 5, Metric = DistanceMetric.Euclidean },
        "knn3-cosine-uniform" => new KNearestNeighborOptions { K = 3, Metric = DistanceMetric.Cosine, Weighting = NeighborWeighting.Uniform },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The same 30 labels x 20 examples in memory and in the database (enrolled in batches per label).</summary>
    private (Gallery Memory, Gallery Database, PostgresGalleryStore Store) Fill(GalleryOptions options, PostgresGalleryOptions storeOptions)
    {
        var embedder = new TestEmbedder(D);
        var memory = new Gallery(embedder, options);
        var store = PostgresGalleryStore.Open(_server.ConnectionString, embedder.GetFingerprint(), D, storeOptions);
        var database = Gallery.Open(embedder, store, options);
        foreach (var group in Vectors.Clusters(seed: 3, labels: 30, perLabel: 20, D).GroupBy(r => r.Label))
        {
            var rows = group.Select(r => r.Row).ToArray();
            memory.EnrollEmbeddings(group.Key, rows);
            database.EnrollEmbeddings(group.Key, rows);
        }

        return (memory, database, store);
    }

    private static float[][] Queries()
    {
        var random = new Random(4);
        return Enumerable.Range(0, 40).Select(_ => Vectors.Gaussian(random, D, 1.2f)).ToArray();
    }

    /// <summary>Keeps the store's log lines as "Level: message".</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
