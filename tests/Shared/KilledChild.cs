using System.Diagnostics;
using System.Text;

namespace OneShot.Testing;

/// <summary>
/// The kill -9 half of the crash tests (tests/OneShot.Tests/IO/CrashDurabilityTests and
/// tests/OneShot.PostgreSql.Tests/PostgresCrashTests, which link this file): runs <c>dotnet exec DLL ARGS</c>, feeds
/// each line the child prints to a callback, waits until the callback reports the child busy, lets it work for a
/// delay, checks it is still running and sends SIGKILL to it and its children.
/// </summary>
internal static class KilledChild
{
    /// <summary>
    /// Runs the child and kills it <paramref name="delay"/> after <paramref name="onLine"/> first returns true.
    /// </summary>
    /// <param name="dll">The child's assembly, started with <c>dotnet exec</c>.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="onLine">Called with each line of the child's standard output, on a reader thread; returns true
    /// when the child has reached the state in which it is to be killed.</param>
    /// <param name="delay">How long the child keeps working after that before the kill.</param>
    /// <param name="busy">What the child is doing when killed, for the messages ("saving", "streaming a COPY").</param>
    /// <exception cref="TimeoutException">The child did not get busy within 120 s (its standard error is in the message).</exception>
    /// <exception cref="InvalidOperationException">The child had exited before the kill.</exception>
    public static void RunAndKill(string dll, IEnumerable<string> arguments, Func<string, bool> onLine, TimeSpan delay, string busy)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var ready = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && onLine(line))
            {
                ready.Set();
            }
        };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data); // on a reader thread, while a message below may be formatting it
            }
        };
        string Stderr()
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (!ready.Wait(TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException($"The child was not {busy} within 120 s. Exited: {process.HasExited}. Stderr: {Stderr()}");
            }

            Thread.Sleep(delay);
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The child, {busy} until killed, exited by itself (code {process.ExitCode}). Stderr: {Stderr()}");
            }
        }
        finally
        {
            // Process.Kill sends SIGKILL on Linux and macOS.
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }
}
