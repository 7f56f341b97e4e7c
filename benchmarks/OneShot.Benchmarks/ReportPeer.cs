using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneShot.Benchmarks;

/// <summary>
/// The PyTorch side of the report: eng/peer/pytorch_peer.py (copied beside this program) run by a python3 that can
/// import torch, driven one JSON line at a time so its measurements alternate with ours. Every timing is taken inside
/// the peer around the work alone.
/// </summary>
internal sealed class ReportPeer : IDisposable
{
    private const string ScriptName = "pytorch_peer.py";
    private readonly Process _process;

    /// <summary>When true, peers start with glibc's malloc keeping freed memory, as this process does (set by Program).</summary>
    public static bool KeepFreedMemory { get; set; }

    private ReportPeer(Process process, JsonObject info)
    {
        _process = process;
        Info = info;
    }

    /// <summary>What the peer reported when it started: torch version, threads, ISA.</summary>
    public JsonObject Info { get; }

    /// <summary>One line describing the peer, for the report.</summary>
    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"PyTorch {Info["torch"]} (python {Info["python"]}), threads {Info["threads"]}, ATen ISA {Info["aten_isa"]}, oneDNN max ISA {Info["onednn_max_isa"]}");

    /// <summary>
    /// Starts the peer with <paramref name="threads"/> intra-op threads, trying <paramref name="python"/> when given,
    /// else python3 on PATH, then /usr/bin/python3; null (and the reason) when none can import torch.
    /// </summary>
    public static ReportPeer? TryStart(string? python, int threads, out string reason)
    {
        string script = Path.Combine(AppContext.BaseDirectory, ScriptName);
        if (!File.Exists(script))
        {
            reason = $"{script} is missing (it is copied from eng/peer at build time)";
            return null;
        }

        string[] candidates = python is not null ? [python] : ["python3", "/usr/bin/python3"];
        var reasons = new List<string>();
        foreach (string candidate in candidates.Distinct())
        {
            var peer = TryStartOne(candidate, script, threads, out string why);
            if (peer is not null)
            {
                reason = "";
                return peer;
            }

            reasons.Add($"{candidate}: {why}");
        }

        reason = "no python3 with torch (" + string.Join("; ", reasons) + ")";
        return null;
    }

    /// <summary>Seconds of one forward pass of <paramref name="model"/> in the peer (plain eval or optimize_for_inference).</summary>
    public double[] Embed(string model, int size, int[]? widths, int batch, string variant, int calls) =>
        Seconds(Ask(new JsonObject
        {
            ["cmd"] = "embed",
            ["model"] = model,
            ["size"] = size,
            ["widths"] = widths is null ? null : new JsonArray([.. widths.Select(w => (JsonNode)w)]),
            ["batch"] = batch,
            ["variant"] = variant,
            ["repeats"] = calls,
        }));

    /// <summary>
    /// Seconds of each of <paramref name="steps"/> prototypical training steps (after one warm-up step), the network and
    /// batches in NCHW or, with <paramref name="channelsLast"/>, in <c>torch.channels_last</c>.
    /// </summary>
    public double[] Train(int steps, int way, int shot, int query, bool channelsLast = false) =>
        Seconds(Ask(new JsonObject { ["cmd"] = "train", ["steps"] = steps, ["way"] = way, ["shot"] = shot, ["query"] = query, ["channels_last"] = channelsLast }));

    /// <summary>Seconds of each of <paramref name="repeats"/> file-to-label classifications of one image (Conv4-28).</summary>
    public double[] Classify(string path, int repeats) =>
        Seconds(Ask(new JsonObject { ["cmd"] = "classify", ["path"] = path, ["repeats"] = repeats }));

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("{\"cmd\": \"quit\"}");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill();
                }
            }
        }
        catch (IOException)
        {
            // The peer already went away; nothing to stop.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static double[] Seconds(JsonObject reply) => [.. reply["seconds"]!.AsArray().Select(n => n!.GetValue<double>())];

    private static ReportPeer? TryStartOne(string python, string script, int threads, out string reason)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // OneShot caps its own oneDNN at SSE4.1 (NativeRuntimeSettings) and the child would inherit the cap: PyTorch
        // runs at its own default (all the host has), what a PyTorch user gets, unless PYTORCH_PEER_ONEDNN_ISA says otherwise.
        start.Environment.Remove("ONEDNN_MAX_CPU_ISA");
        start.Environment.Remove("DNNL_MAX_CPU_ISA");
        if (Environment.GetEnvironmentVariable("PYTORCH_PEER_ONEDNN_ISA") is { Length: > 0 } isa)
        {
            start.Environment["ONEDNN_MAX_CPU_ISA"] = isa;
            start.Environment["DNNL_MAX_CPU_ISA"] = isa;
        }

        if (KeepFreedMemory)
        {
            // What NativeAllocator.KeepFreedMemory does in this process, for the peer's glibc.
            start.Environment["MALLOC_MMAP_MAX_"] = "0";
            start.Environment["MALLOC_TRIM_THRESHOLD_"] = "2147483647";
        }

        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            reason = $"cannot start it ({e.Message})";
            return null;
        }

        // stderr is drained in the background (torch's warnings) so the peer never blocks on a full pipe.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(120)) || line.Result is null)
        {
            reason = process.HasExited ? $"exited with code {process.ExitCode} before it was ready" : "not ready within 120 s";
            Stop(process);
            return null;
        }

        JsonObject? hello;
        try
        {
            hello = JsonNode.Parse(line.Result) as JsonObject;
        }
        catch (JsonException)
        {
            hello = null;
        }

        if (hello is null || hello["error"] is { } error || hello["ready"] is null)
        {
            reason = hello?["error"]?.GetValue<string>() ?? $"unexpected first line '{line.Result}'";
            Stop(process);
            return null;
        }

        reason = "";
        return new ReportPeer(process, hello);
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.Dispose();
    }

    private JsonObject Ask(JsonObject request)
    {
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        string? line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the PyTorch peer exited (code {(_process.HasExited ? _process.ExitCode : -1)}) on {request.ToJsonString()}");
        var reply = JsonNode.Parse(line) as JsonObject ?? throw new InvalidOperationException($"the PyTorch peer answered '{line}'");
        return reply["error"] is { } error
            ? throw new InvalidOperationException($"the PyTorch peer failed on {request.ToJsonString()}: {error}")
            : reply;
    }
}
