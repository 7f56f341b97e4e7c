using OneShot.Galleries;
using OneShot.Testing;
using Xunit.Abstractions;

namespace OneShot.PostgreSql.Tests;

/// <summary>
/// kill -9 in the middle of a bulk enrolment: a child process (Program.cs, run with <c>dotnet exec</c>) commits five
/// small enrolments, then streams a two-million-row binary COPY in one transaction and is killed with SIGKILL while
/// rows flow. Every committed enrolment is there, no row of the bulk one is, and the gallery takes enrolments again.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCrashTests
{
    private const int Kills = 3;
    private readonly PostgresServer _server;
    private readonly ITestOutputHelper _output;

    public PostgresCrashTests(PostgresServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    [SkippableFact]
    public void BulkEnrolment_ChildKilledMidCopy_LeavesNoPartialRowsAndKeepsEverythingCommitted()
    {
        _server.Require();
        var random = new Random(15);
        for (int kill = 0; kill < Kills; kill++)
        {
            string schema = _server.NewSchema("crash");
            int committed = RunAndKill(schema, TimeSpan.FromMilliseconds(random.Next(0, 300)));
            committed.Should().Be(Program.Committed, "kill {0}: the child reports each commit before the bulk enrolment", kill);

            using var store = PostgresGalleryStore.Open(_server.ConnectionString, new TestEmbedder(Program.Dimension).GetFingerprint(), Program.Dimension,
                new PostgresGalleryOptions { Schema = schema, RetryWindow = TimeSpan.FromSeconds(5) });
            using var gallery = Gallery.Open(new TestEmbedder(Program.Dimension), store);
            gallery.Labels.Should().Equal(Enumerable.Range(1, Program.Committed).Select(i => $"c{i}"), "kill {0}", kill);
            gallery.Counts.Values.Should().OnlyContain(c => c == Program.RowsPerCommit);
            _server.Scalar($"SELECT count(*) FROM {schema}.examples WHERE label = 'bulk'").Should().Be(0L, "kill {0}: the bulk transaction never committed", kill);
            _server.Scalar($"SELECT count(*) FROM {schema}.examples").Should().Be((long)Program.Committed * Program.RowsPerCommit);
            store.Version.Should().Be(Program.Committed, "the bulk enrolment's change row was rolled back too");
            gallery.GetEmbeddingArrays("c3").Should().OnlyContain(r => r.All(v => v == 3f));

            gallery.EnrollEmbeddings("after", [Enumerable.Repeat(9f, Program.Dimension).ToArray()]);
            gallery.Labels.Should().HaveCount(Program.Committed + 1, "the dead transaction's lock was released");
        }
    }

    /// <summary>Starts the child, waits until its bulk COPY streams, waits <paramref name="delay"/>, SIGKILLs it; returns its last commit.</summary>
    private int RunAndKill(string schema, TimeSpan delay)
    {
        int committed = 0;
        KilledChild.RunAndKill(Path.Combine(AppContext.BaseDirectory, "OneShot.PostgreSql.Tests.dll"), ["bulk-child", _server.ConnectionString, schema], line =>
        {
            if (line.StartsWith("committed ", StringComparison.Ordinal))
            {
                Volatile.Write(ref committed, int.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }

            return line == "streaming";
        }, delay, "streaming its bulk COPY");
        _output.WriteLine($"{schema}: killed {delay.TotalMilliseconds:F0} ms into the bulk COPY after {Volatile.Read(ref committed)} commits");
        return Volatile.Read(ref committed);
    }
}
