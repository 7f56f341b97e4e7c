using System.Diagnostics;
using OneShot.Classification;
using OneShot.Galleries;
using Xunit.Abstractions;

namespace OneShot.PostgreSql.Tests;

/// <summary>
/// Several processes share one gallery: two stores (two data sources, two listener connections, as two processes
/// would have) see each other's commits within the documented bound (<see cref="PostgresGalleryOptions.PollInterval"/>,
/// 1 s by default; NOTIFY usually delivers in milliseconds), resynchronise after their connections are killed, and
/// serve again after PostgreSQL restarts under load.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSharingTests
{
    private const int D = 8;
    private static readonly TimeSpan Bound = new PostgresGalleryOptions().PollInterval;
    private readonly PostgresServer _server;
    private readonly ITestOutputHelper _output;

    public PostgresSharingTests(PostgresServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    [SkippableFact]
    public void TwoInstances_ChangeCommittedByOne_IsSeenByTheOtherWithinThePollInterval()
    {
        _server.Require();
        string schema = _server.NewSchema("share");
        var embedder = new TestEmbedder(D);
        using var storeA = Open(schema, "instance-a");
        using var storeB = Open(schema, "instance-b");
        using var a = Gallery.Open(embedder, storeA);
        using var b = Gallery.Open(embedder, storeB);
        b.Labels.Should().BeEmpty();

        var delays = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            a.EnrollEmbeddings($"person{i}", [Row(i)]);
            delays.Add(WaitUntil(() => b.Labels.Contains($"person{i}")).TotalMilliseconds);
        }

        a.Remove("person0").Should().BeTrue();
        delays.Add(WaitUntil(() => !b.Labels.Contains("person0")).TotalMilliseconds);
        b.EnrollEmbeddings("person1", [Row(1.5f)]);
        delays.Add(WaitUntil(() => a.Counts.GetValueOrDefault("person1") == 2).TotalMilliseconds);

        _output.WriteLine($"visible in the other instance after (ms): {string.Join(", ", delays.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        delays.Should().OnlyContain(d => d < Bound.TotalMilliseconds + 500, "the documented bound is the poll interval ({0})", Bound);
        b.Labels.Should().Equal("person1", "person2", "person3", "person4");
        b.ClassifyEmbedding(Row(3.1f)).Label.Should().Be("person3");
    }

    [SkippableFact]
    public void Instance_ConnectionsKilled_ReconnectsAndAppliesWhatItMissed()
    {
        _server.Require();
        string schema = _server.NewSchema("resync");
        var embedder = new TestEmbedder(D);
        using var storeA = Open(schema, "resync-a");
        using var storeB = Open(schema, "resync-b");
        using var a = Gallery.Open(embedder, storeA);
        using var b = Gallery.Open(embedder, storeB);
        a.EnrollEmbeddings("before", [Row(1)]);
        WaitUntil(() => b.Labels.Contains("before"));
        WaitUntil(() => storeB.ListenerConnections >= 1);

        _server.Terminate("resync-b").Should().BeGreaterThan(0, "the listener's connection at least");
        a.EnrollEmbeddings("missed1", [Row(2), Row(2.5f)]);
        a.EnrollEmbeddings("missed2", [Row(3)]);
        a.Remove("before");

        var elapsed = WaitUntil(() => b.Labels.SequenceEqual(["missed1", "missed2"]), TimeSpan.FromSeconds(10));
        _output.WriteLine($"resynchronised {elapsed.TotalMilliseconds:F0} ms after the kill; listener connections: {storeB.ListenerConnections}");
        WaitUntil(() => storeB.ListenerConnections >= 2, TimeSpan.FromSeconds(10)); // the poll can bring the changes before the reconnect
        b.Counts["missed1"].Should().Be(2);
        b.ClassifyEmbedding(Row(3)).Label.Should().Be("missed2");
        storeB.Version.Should().Be(storeA.Version);
    }

    [SkippableFact]
    public void Server_RestartedUnderLoad_InstancesReconnectAndServeWithoutErrors()
    {
        _server.Require();
        Skip.IfNot(_server.Owned, $"{PostgresServer.EnvironmentVariable} points at an outside server, which the tests do not restart");
        string schema = _server.NewSchema("restart");
        var embedder = new TestEmbedder(D);
        using var storeA = Open(schema, "restart-a", new OutputLogger(_output, "A"));
        using var storeB = Open(schema, "restart-b", new OutputLogger(_output, "B"));
        using var a = Gallery.Open(embedder, storeA, new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 3 } });
        using var b = Gallery.Open(embedder, storeB, new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 3 } });
        for (int i = 0; i < 10; i++)
        {
            a.EnrollEmbeddings($"p{i}", [Row(i), Row(i + 0.1f)]);
        }

        WaitUntil(() => b.Labels.Count == 10);
        using var stop = new CancellationTokenSource();
        int served = 0, wrong = 0;
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var load = Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            var gallery = t == 0 ? a : b;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Interlocked.Add(ref wrong, gallery.ClassifyEmbedding(Row(t + 4.02f)).Label == $"p{t + 4}" ? 0 : 1);
                    Interlocked.Increment(ref served);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    errors.Add(e);
                }
            }
        })).ToArray();
        Thread.Sleep(500);
        int before = Volatile.Read(ref served);
        int listenerBefore = storeB.ListenerConnections; // 0 when its first connect is still under way
        var clock = Stopwatch.StartNew();
        _server.Restart(TimeSpan.FromSeconds(1));
        double restart = clock.Elapsed.TotalSeconds;
        a.EnrollEmbeddings("after", [Row(40)]);
        WaitUntil(() => b.Labels.Contains("after"), TimeSpan.FromSeconds(10));
        // The change above can arrive by the poll before the listener's own reconnect (backoff up to 2 s) is through.
        WaitUntil(() => storeB.ListenerConnections > listenerBefore, TimeSpan.FromSeconds(10));
        Thread.Sleep(500);
        stop.Cancel();
        Task.WaitAll(load);

        _output.WriteLine($"{before} classifications before the restart ({restart:F1} s down and up), {served} in all; listener connections A {storeA.ListenerConnections}, B {storeB.ListenerConnections}");
        errors.Should().BeEmpty("calls during the restart wait and retry within the retry window");
        wrong.Should().Be(0);
        Volatile.Read(ref served).Should().BeGreaterThan(before);
        storeB.ListenerConnections.Should().BeGreaterThan(listenerBefore, "the listener connected again after the restart");
    }

    private PostgresGalleryStore Open(string schema, string application, Microsoft.Extensions.Logging.ILogger? logger = null) => PostgresGalleryStore.Open(
        _server.For(application), new TestEmbedder(D).GetFingerprint(), D,
        new PostgresGalleryOptions { Schema = schema, Search = PostgresSearchMode.Auto, Logger = logger });

    private static TimeSpan WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(5)))
            {
                throw new TimeoutException($"The condition did not hold within {(timeout ?? TimeSpan.FromSeconds(5)).TotalSeconds} s.");
            }

            Thread.Sleep(5);
        }

        return clock.Elapsed;
    }

    private static float[] Row(float value) => Enumerable.Repeat(value, D).ToArray();
}
