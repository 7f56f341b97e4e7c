using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OneShot.Classification;
using OneShot.Galleries;
using OneShot.PostgreSql;
using OneShot.Testing;

namespace OneShot.Benchmarks;

/// <summary>
/// <c>store-scale [--count N] [--dim D] [--queries Q] [--connection CS]</c>: a gallery of N synthetic embeddings (N/100
/// labels, 100 examples each, Gaussian clusters) in PostgreSQL and in process. Measures the bulk enrolment rate (binary
/// COPY, 50,000 rows per transaction), single-query classify latency p50/p99 for the in-process index, pgvector exact
/// search and pgvector HNSW (with recall@10 of HNSW against exact), the memory of each process, and how soon a second
/// instance sees a committed enrolment. Without --connection it runs its own throwaway PostgreSQL 15 cluster.
/// </summary>
internal static class StoreScale
{
    private const int PerLabel = 100;
    private const int K = 10;
    private const int Batch = 50_000;

    /// <summary>A throwaway PostgreSQL 15 cluster sized for bulk loads (eng/postgres/ThrowawayCluster.cs).</summary>
    private static ThrowawayCluster NewCluster()
    {
        string bin = ThrowawayCluster.FindBin(["/usr/lib/postgresql/15/bin"])
            ?? throw new InvalidOperationException("PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin/initdb is missing); install it or pass --connection.");
        return new ThrowawayCluster(bin, "oneshot-bench-pg-", "-c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min");
    }

    public static int Run(int count, int dim, int queries, string? connection, TextWriter output)
    {
        using var cluster = connection is null ? NewCluster() : null;
        string cs = connection ?? cluster!.ConnectionString + ";Command Timeout=0";
        int labels = Math.Max(2, count / PerLabel);
        var data = new Data(count, dim, labels);
        var embedder = new StoreScaleEmbedder(dim);
        string schema = $"scale_{count}_{dim}";
        output.WriteLine($"store-scale: {count:N0} embeddings x d={dim}, {labels:N0} labels, {queries} queries; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        // 1. Bulk enrolment into PostgreSQL.
        long rssStart = Rss.Bytes();
        using (var setup = NewConnection(cs))
        {
            Execute(setup, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }

        using var store = PostgresGalleryStore.Open(cs, embedder.GetFingerprint(), dim, new PostgresGalleryOptions { Schema = schema, Logger = new WarningWriter(output) });
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < count; start += Batch)
        {
            int end = Math.Min(count, start + Batch);
            store.AddRange(Enumerable.Range(start, end - start).Select(i => new GalleryEnrollment(data.Label(i), data.Row(i))));
        }

        double enrol = clock.Elapsed.TotalSeconds;
        using (var c = NewConnection(cs))
        {
            Execute(c, $"VACUUM ANALYZE {schema}.examples");
        }

        output.WriteLine($"bulk enrolment (PostgreSQL, binary COPY in transactions of {Batch:N0}, prototypes kept): {count / enrol:N0} rows/s ({enrol:F1} s)");
        output.WriteLine($"database size: examples {Size(cs, $"{schema}.examples")}, with indexes {TotalSize(cs, $"{schema}.examples")}");

        var random = new Random(7);
        var probes = Enumerable.Range(0, queries).Select(_ => data.Query(random)).ToArray();
        var prototype = new GalleryOptions { Classifier = new PrototypeClassifierOptions() };
        var knn = new GalleryOptions { Classifier = new KNearestNeighborOptions { K = K } };

        // 2. pgvector exact, the gallery holding labels and counts only (libtorch loaded first, so it is not counted).
        using (var warm = TorchSharp.torch.zeros(1))
        {
        }

        long rssBefore = Rss.Bytes();
        long liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        using (var db = Gallery.Open(embedder, store, prototype))
        {
            Latency(output, "pgvector exact, prototype (class means table)", probes, q => db.ClassifyEmbedding(q));
            Latency(output, "  of which the database query", probes, q => store.Search([q], prototype.Classifier));
        }

        using (var db = Gallery.Open(embedder, store, knn))
        {
            Latency(output, $"pgvector exact, k-NN k={K} (the {K} nearest and each label's nearest, a scan)", probes.Take(Math.Min(queries, 20)).ToArray(), q => db.ClassifyEmbedding(q));
            output.WriteLine($"memory of a pgvector-mode process: live managed heap +{(GC.GetTotalMemory(forceFullCollection: true) - liveBefore) / 1e6:F1} MB (labels and counts), "
                + $"RSS +{(Rss.Bytes() - rssBefore) / 1e6:F0} MB over {rssBefore / 1e6:F0} MB (heap the GC keeps after the per-query candidate reads)");
        }

        var exactTop = Latency(output, $"pgvector exact top-{K} (1:N search, ORDER BY <-> LIMIT)", probes.Take(Math.Min(queries, 50)).ToArray(),
            q => store.FindNearest(q, K, DistanceMetric.Euclidean, exact: true));

        // 3. pgvector HNSW.
        var built = store.CreateHnswIndex(DistanceMetric.SquaredEuclidean);
        output.WriteLine($"HNSW index (m=16, ef_construction=64, maintenance_work_mem {PostgresGalleryStore.HnswBuildMemoryMB(count, dim):N0} MB) built in {built.TotalSeconds:F0} s; "
            + $"index size {Size(cs, $"{schema}.examples_hnsw_l2")}; load average {LoadAverage()}");
        using (var hnswStore = PostgresGalleryStore.Open(cs, embedder.GetFingerprint(), dim, new PostgresGalleryOptions { Schema = schema, UseHnswIndex = true }))
        using (var db = Gallery.Open(embedder, hnswStore, knn))
        {
            Latency(output, $"pgvector HNSW, k-NN k={K} (ef_search=100)", probes, q => db.ClassifyEmbedding(q));
            Latency(output, "  of which the database query", probes, q => hnswStore.Search([q], knn.Classifier));
            double found = 0;
            var exact = exactTop.Results;
            for (int i = 0; i < exact.Count; i++)
            {
                var approximate = hnswStore.FindNearest(probes[i], K, DistanceMetric.Euclidean, exact: false);
                found += approximate.Select(n => n.Id).Intersect(exact[i].Select(n => n.Id)).Count();
            }

            output.WriteLine($"HNSW recall@{K} against exact search: {found / (exact.Count * K):F3} over {exact.Count} queries");
        }

        // 4. Two instances: how soon the other sees a commit (NOTIFY; bound = the poll interval, 1 s).
        using (var other = PostgresGalleryStore.Open(cs, embedder.GetFingerprint(), dim, new PostgresGalleryOptions { Schema = schema }))
        {
            var delays = new List<double>();
            Thread.Sleep(500);
            for (int i = 0; i < 20; i++)
            {
                store.Add($"visibility{i}", [data.Row(i)]);
                long target = store.Version;
                var seen = Stopwatch.StartNew();
                while (other.Version < target && seen.Elapsed < TimeSpan.FromSeconds(5))
                {
                    Thread.Sleep(1);
                }

                delays.Add(seen.Elapsed.TotalMilliseconds);
            }

            delays.Sort();
            output.WriteLine($"second instance sees a committed enrolment after p50 {delays[delays.Count / 2]:F1} ms, max {delays[^1]:F1} ms (documented bound: PollInterval, 1 s)");
        }

        // 5. In-process index (the file gallery's engine), in this process.
        rssBefore = Rss.Bytes();
        liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        using (var memory = new Gallery(embedder, knn))
        {
            for (int l = 0; l < labels; l++)
            {
                memory.EnrollEmbeddings(data.LabelName(l), Enumerable.Range(0, PerLabel).Select(j => l + (j * labels)).Where(i => i < count).Select(data.Row).ToArray());
            }

            Latency(output, $"in-process k-NN k={K}", probes, q => memory.ClassifyEmbedding(q));
            output.WriteLine($"memory of an in-process-index process: live managed heap +{(GC.GetTotalMemory(forceFullCollection: true) - liveBefore) / 1e6:F0} MB (the embeddings), "
                + $"RSS +{(Rss.Bytes() - rssBefore) / 1e6:F0} MB (with the fitted k-NN's native copy)");
        }

        using (var memory = new Gallery(embedder, prototype))
        {
            for (int l = 0; l < labels; l++)
            {
                memory.EnrollEmbeddings(data.LabelName(l), Enumerable.Range(0, PerLabel).Select(j => l + (j * labels)).Where(i => i < count).Select(data.Row).ToArray());
            }

            Latency(output, "in-process prototype", probes, q => memory.ClassifyEmbedding(q));
        }

        output.WriteLine($"process RSS at the end {Rss.Bytes() / 1e6:F0} MB (start {rssStart / 1e6:F0} MB)");
        return 0;
    }

    private static (double P50, double P99, List<T> Results) Latency<T>(TextWriter output, string name, float[][] probes, Func<float[], T> run)
    {
        run(probes[0]); // warm up (fit, plan, connection)
        var times = new List<double>();
        var results = new List<T>();
        foreach (var probe in probes)
        {
            var clock = Stopwatch.StartNew();
            results.Add(run(probe));
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        double p50 = times[times.Count / 2], p99 = times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.99) - 1)];
        output.WriteLine($"{name}: p50 {p50:F2} ms, p99 {p99:F2} ms ({probes.Length} queries)");
        return (p50, p99, results);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static NpgsqlConnection NewConnection(string cs)
    {
        var connection = new NpgsqlConnection(cs);
        connection.Open();
        return connection;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        command.ExecuteNonQuery();
    }

    private static string Size(string cs, string relation) => Query(cs, $"SELECT pg_size_pretty(pg_relation_size('{relation}'))");

    private static string TotalSize(string cs, string relation) => Query(cs, $"SELECT pg_size_pretty(pg_total_relation_size('{relation}'))");

    private static string Query(string cs, string sql)
    {
        using var connection = NewConnection(cs);
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>Deterministic synthetic data: example i has label i mod L and lies around that label's centre.</summary>
    private sealed class Data
    {
        private readonly float[][] _centres;

        public Data(int count, int dim, int labels)
        {
            Count = count;
            Dim = dim;
            var random = new Random(1);
            _centres = Enumerable.Range(0, labels).Select(_ => Gaussian(random, dim, 1f, null)).ToArray();
        }

        public int Count { get; }

        public int Dim { get; }

        public string LabelName(int label) => "id" + label.ToString(CultureInfo.InvariantCulture);

        public string Label(int i) => LabelName(i % _centres.Length);

        public float[] Row(int i) => Gaussian(new Random(1000 + i), Dim, 0.5f, _centres[i % _centres.Length]);

        public float[] Query(Random random) => Gaussian(random, Dim, 0.5f, _centres[random.Next(_centres.Length)]);

        private static float[] Gaussian(Random random, int d, float scale, float[]? centre)
        {
            var v = new float[d];
            for (int i = 0; i < d; i++)
            {
                double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                v[i] = (centre?[i] ?? 0f) + (scale * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
            }

            return v;
        }
    }

    /// <summary>Prints the store's warnings (a spilled index build, lost connections) into the benchmark's output.</summary>
    private sealed class WarningWriter(TextWriter output) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                output.WriteLine($"  [{logLevel}] {formatter(state, exception)}");
            }
        }
    }
}
