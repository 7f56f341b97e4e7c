using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneShot.Benchmarks;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for <see cref="StoreScale"/> (initdb into a temporary folder, 127.0.0.1 on a free
/// port; run as the postgres user under root), stopped and deleted on dispose. The same recipe as the store tests' fixture.
/// </summary>
internal sealed class StoreScaleCluster : IDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "oneshot-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);

    public StoreScaleCluster()
    {
        if (!File.Exists(Path.Combine(Bin, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({Bin}/initdb is missing); install it or pass --connection.");
        }

        Directory.CreateDirectory(_folder);
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", ["postgres:postgres", _folder]);
        }

        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Pg("initdb", ["-D", Data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
        Pg("pg_ctl", ["-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min", "start"]);
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Command Timeout=0";

    private string Data => Path.Combine(_folder, "data");

    public void Dispose()
    {
        Pg("pg_ctl", ["-D", Data, "-m", "fast", "-w", "stop"]);
        Directory.Delete(_folder, recursive: true);
    }

    private static void Pg(string tool, string[] arguments)
    {
        string path = Path.Combine(Bin, tool);
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
}
