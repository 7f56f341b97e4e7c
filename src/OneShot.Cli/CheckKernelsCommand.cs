using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot check-kernels</c>: checks libtorch's convolutions at oneDNN's full instruction set against float64 in
/// a child process and records the result, so that OneShot uses the faster kernels on this host from then on.
/// </summary>
internal static class CheckKernelsCommand
{
    private const string ResultPrefix = "kernel-check-result: ";

    public static Command Create()
    {
        var repetitions = new Option<int>("--repetitions") { Description = "Runs of each convolution case, each with new data and freshly dirtied memory.", DefaultValueFactory = _ => 3 };
        var record = new Option<string?>("--record") { Description = $"Where to record the result (default: {NativeKernelCheck.RecordPath}, or ${NativeKernelCheck.RecordPathVariable})." };
        var inProcess = new Option<bool>("--in-process") { Description = "Check this process's kernels (its current oneDNN instruction set) and print the result; records nothing." };
        var quick = new Option<bool>("--quick") { Description = "Check a few of the cases only (a smoke run); never enough to record." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var timeout = new Option<double>("--timeout-minutes") { Description = "Stop the check process after this many minutes and record a failed check (a kernel that hangs).", DefaultValueFactory = _ => 20 };
        var command = new Command(
            "check-kernels",
            "Check libtorch's convolutions and OneShot's whole networks at oneDNN's full instruction set against float64 on this host (about a minute) and record the result. "
            + "OneShot caps oneDNN at SSE4.1 unless this host passed; the full set trains and embeds 2-2.5x faster where it is right.");
        command.Options.Add(repetitions);
        command.Options.Add(record);
        command.Options.Add(inProcess);
        command.Options.Add(quick);
        command.Options.Add(json);
        command.Options.Add(timeout);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            int runs = result.GetValue(repetitions);
            if (runs < 1)
            {
                throw new ArgumentException($"--repetitions must be at least 1; got {runs}.");
            }

            if (result.GetValue(inProcess))
            {
                var here = NativeKernelCheck.Run(runs, result.GetValue(quick), Progress);
                if (ConsoleProgress.IsInteractive)
                {
                    Console.Error.WriteLine();
                }

                Console.WriteLine(ResultPrefix + NativeKernelCheck.ToJson(here).ToJsonString());
                return here.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            if (result.GetValue(quick))
            {
                throw new ArgumentException("--quick checks too few cases to record; use it with --in-process.");
            }

            double minutes = result.GetValue(timeout);
            if (!(minutes > 0))
            {
                throw new ArgumentException($"--timeout-minutes must be positive; got {minutes.ToString(CultureInfo.InvariantCulture)}.");
            }

            var outcome = RunChild(runs, TimeSpan.FromMinutes(minutes));
            string path = result.GetValue(record) ?? NativeKernelCheck.RecordPath;
            NativeKernelCheck.Record(outcome, path);
            if (result.GetValue(json))
            {
                var o = NativeKernelCheck.ToJson(outcome);
                o["record"] = Path.GetFullPath(path);
                Console.WriteLine(o.ToJsonString());
            }
            else
            {
                Console.WriteLine(outcome.Cases == 0
                    ? "oneDNN at its full instruction set: the check did not complete."
                    : string.Create(CultureInfo.InvariantCulture,
                        $"oneDNN at its full instruction set: {outcome.Cases - outcome.Failures.Count - outcome.OutsideNetworkFailures.Count:N0} of {outcome.Cases:N0} cases right against float64 (convolutions to {NativeKernelCheck.Tolerance:G1}, whole networks to {NativeKernelCheck.NetworkTolerance:G1}; worst relative error {outcome.WorstRelativeError:G3})."));
                foreach (string failure in outcome.Failures.Take(20))
                {
                    Console.WriteLine($"  wrong: {failure}");
                }

                foreach (string failure in outcome.OutsideNetworkFailures.Take(20))
                {
                    Console.WriteLine($"  wrong, in a shape OneShot's networks never run: {failure}");
                }

                Console.WriteLine(outcome.Passed
                    ? $"Recorded in {Path.GetFullPath(path)}: OneShot processes on this host now use oneDNN's full instruction set (ONEDNN_MAX_CPU_ISA=ALL)."
                    : $"Recorded in {Path.GetFullPath(path)}: OneShot keeps oneDNN capped at SSE4.1 on this host.");
                if (outcome.Passed && outcome.OutsideNetworkFailures.Count > 0)
                {
                    Console.WriteLine("Convolutions of the shapes listed above are wrong on this host at the full instruction set; OneShot's networks do not use them; other TorchSharp code in a OneShot process on this host would get wrong results from them.");
                }
            }

            return outcome.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
        }));
        return command;
    }

    /// <summary>Runs this command with <c>--in-process</c> in a child process started at <c>ONEDNN_MAX_CPU_ISA=ALL</c>.</summary>
    private static NativeKernelCheckResult RunChild(int repetitions, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown; run 'oneshot check-kernels --in-process' with ONEDNN_MAX_CPU_ISA=ALL instead."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("The oneshot assembly's path is unknown."));
        }

        foreach (string argument in new[] { "check-kernels", "--in-process", "--repetitions", repetitions.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ONEDNN_MAX_CPU_ISA"] = "ALL";
        using var child = new Process { StartInfo = start };

        // The child's error stream is passed on as it comes and its last lines kept: when the kernels crash the
        // process (glibc's "malloc(): invalid next size", a signal), that line is the reason the record gives.
        var errorLines = new Queue<string>();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Console.Error.WriteLine(e.Data);
            lock (errorLines)
            {
                errorLines.Enqueue(e.Data);
                if (errorLines.Count > 50)
                {
                    errorLines.Dequeue();
                }
            }
        };
        if (!child.Start())
        {
            throw new InvalidOperationException($"Could not start '{start.FileName}'.");
        }

        child.BeginErrorReadLine();
        var reading = child.StandardOutput.ReadToEndAsync();
        if (!child.WaitForExit(timeout))
        {
            // A kernel that never returns (seen: a 1x1 stride-2 weight gradient at 56x56 on an AMD Zen 3 host).
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            return NotCompleted(string.Create(CultureInfo.InvariantCulture, $"the check process did not finish within {timeout.TotalMinutes:0.#} minutes and was stopped (a kernel that hangs?)"));
        }

        child.WaitForExit(); // after the streams end, so every error line has been received
        string output = reading.Result;
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (line is null)
        {
            // The kernels crashed the child (or it could not run): that is a failed check, and the cap stays.
            string[] lastErrors;
            lock (errorLines)
            {
                lastErrors = [.. errorLines];
            }

            return NotCompleted(ChildFailure(child.ExitCode, lastErrors));
        }

        try
        {
            return NativeKernelCheck.ParseJson(line[ResultPrefix.Length..]);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new InvalidOperationException($"The check process reported a result this version cannot read: {ex.Message}", ex);
        }
    }

    /// <summary>A failed check of the full instruction set that compared nothing: the check process gave no result.</summary>
    private static NativeKernelCheckResult NotCompleted(string reason) =>
        new(NativeKernelCheck.HostSignature ?? "unknown", "ALL", 0, [reason], [], double.NaN, DateTimeOffset.UtcNow);

    private static void Progress(int done, int total)
    {
        if (ConsoleProgress.IsInteractive && (done == total || done % 50 == 0))
        {
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\rchecked {done} of {total} convolution cases"));
        }
    }

    /// <summary>
    /// The record's reason for a check process that ended without a result: its exit code and the last line of its
    /// error stream that says something (libtorch's repeated warnings, such as NNPACK's "Unsupported hardware", do not).
    /// </summary>
    internal static string ChildFailure(int exitCode, IReadOnlyList<string> errorLines)
    {
        string? last = errorLines.LastOrDefault(l => !string.IsNullOrWhiteSpace(l) && !IsLibTorchWarning(l));
        string reason = string.Create(CultureInfo.InvariantCulture, $"the check process ended with exit code {exitCode} before reporting a result");
        return last is null ? reason : $"{reason}: {last.Trim()}";
    }

    /// <summary>A libtorch warning line: <c>[W1202 00:31:32.027177740 NNPACK.cpp:56] ...</c>.</summary>
    private static bool IsLibTorchWarning(string line) =>
        line.Length > 2 && line[0] == '[' && line[1] == 'W' && char.IsAsciiDigit(line[2]);
}
