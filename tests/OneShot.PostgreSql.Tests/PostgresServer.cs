using Npgsql;
using OneShot.Testing;

namespace OneShot.PostgreSql.Tests;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the tests (<see cref="ThrowawayCluster"/>, eng/postgres): initdb into a
/// temporary folder, listening on 127.0.0.1 at a free port; stopped and deleted afterwards. When the environment
/// variable <c>ONESHOT_TEST_POSTGRES</c> holds a connection string, that server is used instead (and the restart
/// test is skipped); <c>ONESHOT_TEST_POSTGRES_BIN</c> names the folder of initdb and pg_ctl when it is not Debian's. Without PostgreSQL binaries every test is skipped with the reason.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string EnvironmentVariable = "ONESHOT_TEST_POSTGRES";

    /// <summary>Where initdb/pg_ctl are looked for; ONESHOT_TEST_POSTGRES_BIN names another folder.</summary>
    private static readonly string[] BinFolders = Environment.GetEnvironmentVariable("ONESHOT_TEST_POSTGRES_BIN") is { Length: > 0 } bin
        ? [bin]
        : ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];
    private readonly ThrowawayCluster? _cluster;
    private int _schemas;

    public PostgresServer()
    {
        string? external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            return;
        }

        string? bin = ThrowawayCluster.FindBin(BinFolders);
        if (bin is null)
        {
            SkipReason = $"PostgreSQL is not installed (no initdb in {string.Join(", ", BinFolders)}) and {EnvironmentVariable} is not set: "
                + "install postgresql (Debian: apt-get install postgresql) or point ONESHOT_TEST_POSTGRES at a server.";
            return;
        }

        _cluster = new ThrowawayCluster(bin, "oneshot-pg-", "-c fsync=off -c max_connections=200 -c shared_buffers=256MB");
        Port = _cluster.Port;
        ConnectionString = _cluster.ConnectionString + ";Timeout=5";
        Owned = true;
    }

    /// <summary>Null when the server runs; otherwise why the tests are skipped.</summary>
    public string? SkipReason { get; }

    public string ConnectionString { get; } = "";

    /// <summary>True when the tests started this cluster (and may restart it).</summary>
    public bool Owned { get; }

    public int Port { get; }

    /// <summary>True when the pgvector extension can be created on the server.</summary>
    public bool HasPgvector
    {
        get
        {
            using var connection = new NpgsqlConnection(ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'", connection);
            return (long)command.ExecuteScalar()! > 0;
        }
    }

    /// <summary>A schema name no other test uses.</summary>
    public string NewSchema(string prefix) => $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _schemas)}";

    /// <summary>A connection string with the application name <paramref name="application"/> (to find its backends).</summary>
    public string For(string application) => new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = application }.ConnectionString;

    /// <summary>Skips the calling test when there is no server.</summary>
    public void Require() => Skip.If(SkipReason is not null, SkipReason);

    /// <summary>Terminates every backend of <paramref name="application"/> (as a failing network or an admin would); returns how many.</summary>
    public int Terminate(string application)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue(application);
        return (int)(long)command.ExecuteScalar()!;
    }

    public object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    /// <summary>Stops the server (fast shutdown: connections are cut), waits <paramref name="down"/>, starts it again.</summary>
    public void Restart(TimeSpan down)
    {
        _cluster!.Stop();
        Thread.Sleep(down);
        _cluster.Start();
    }

    public void Dispose() => _cluster?.Dispose();
}
