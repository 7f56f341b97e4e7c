using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OneShot.PostgreSql.Tests;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the tests: initdb into a temporary folder, listening on 127.0.0.1 at a free
/// port and on a unix socket in that folder; stopped and deleted afterwards. initdb and postgres refuse to run as
/// root, so under root they run as the <c>postgres</c> user (runuser) in a folder it owns. When the environment
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
    private readonly string? _folder;
    private readonly string? _bin;
    private int _schemas;

    public PostgresServer()
    {
        string? external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            return;
        }

        _bin = BinFolders.FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")));
        if (_bin is null)
        {
            SkipReason = $"PostgreSQL is not installed (no initdb in {string.Join(", ", BinFolders)}) and {EnvironmentVariable} is not set: "
                + "install postgresql (Debian: apt-get install postgresql) or point ONESHOT_TEST_POSTGRES at a server.";
            return;
        }

        _folder = Path.Combine(Path.GetTempPath(), "oneshot-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_folder);
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", ["postgres:postgres", _folder]);
        }

        Port = FreePort();
        Pg("initdb", ["-D", DataFolder, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
        Start();
        ConnectionString = $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5";
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
        Pg("pg_ctl", ["-D", DataFolder, "-m", "fast", "-w", "stop"]);
        Thread.Sleep(down);
        Start();
    }

    public void Dispose()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            Pg("pg_ctl", ["-D", DataFolder, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_folder, recursive: true);
    }

    private string DataFolder => Path.Combine(_folder!, "data");

    private void Start() => Pg("pg_ctl", ["-D", DataFolder, "-l", Path.Combine(_folder!, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=256MB", "start"]);

    private void Pg(string tool, string[] arguments)
    {
        string path = Path.Combine(_bin!, tool);
        if (Environment.IsPrivilegedProcess)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error} {output.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
