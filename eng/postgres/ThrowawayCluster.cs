using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneShot.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a new temporary folder, listening on 127.0.0.1 at a free port and on a
/// unix socket in that folder; stopped (immediate) and deleted on dispose. initdb and postgres refuse to run as root,
/// so under root they run as the <c>postgres</c> user (runuser) in a folder it owns. Linked into the store tests
/// (tests/OneShot.PostgreSql.Tests/PostgresServer), the service tests and the store-scale benchmark.
/// </summary>
internal sealed class ThrowawayCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _settings;
    private bool _running;

    /// <summary>Creates and starts the cluster.</summary>
    /// <param name="bin">The folder of initdb and pg_ctl (see <see cref="FindBin"/>).</param>
    /// <param name="prefix">The temporary folder's name prefix.</param>
    /// <param name="settings">Server settings, as postgres command-line options (<c>-c name=value ...</c>).</param>
    /// <exception cref="InvalidOperationException">initdb or pg_ctl failed (their output is in the message).</exception>
    public ThrowawayCluster(string bin, string prefix, string settings)
    {
        _bin = bin;
        _settings = settings;
        Folder = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", ["postgres:postgres", Folder]);
            }

            Port = FreePort();
            Pg("initdb", ["-D", DataFolder, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
            Start();
        }
        catch
        {
            Directory.Delete(Folder, recursive: true);
            throw;
        }
    }

    /// <summary>The cluster's folder (data, server.log, the unix socket).</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>A connection string for the superuser <c>postgres</c> over TCP.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private string DataFolder => Path.Combine(Folder, "data");

    /// <summary>The first of <paramref name="candidates"/> that holds initdb, or null.</summary>
    public static string? FindBin(IEnumerable<string> candidates) => candidates.FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")));

    /// <summary>Starts the server (after <see cref="Stop"/>).</summary>
    public void Start()
    {
        Pg("pg_ctl", ["-D", DataFolder, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1 {_settings}", "start"]);
        _running = true;
    }

    /// <summary>Stops the server: <c>fast</c> cuts connections and writes a checkpoint, <c>immediate</c> does not.</summary>
    public void Stop(string mode = "fast")
    {
        Pg("pg_ctl", ["-D", DataFolder, "-m", mode, "-w", "stop"]);
        _running = false;
    }

    public void Dispose()
    {
        if (_running)
        {
            try
            {
                Stop("immediate");
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }

        Directory.Delete(Folder, recursive: true);
    }

    private void Pg(string tool, string[] arguments)
    {
        string path = Path.Combine(_bin, tool);
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
