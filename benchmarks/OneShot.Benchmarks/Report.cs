using System.Globalization;
using System.Text.Json;
using OneShot.Classification;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// The performance report: every figure of docs/PERFORMANCE.md measured side by side in one run, printed as a table
/// or (with --json) as one JSON object. Progress goes to standard error.
/// </summary>
internal static class Report
{
    public static int Run(bool smoke, bool json, string? plotPath, int trainSteps, string? jsonPath = null, string? python = null, bool peerOnly = false, string? peerBatches = null)
    {
        var log = Console.Error;
        var m = new ReportMeasurements(smoke, log);
        log.WriteLine($"report ({(smoke ? "smoke" : peerOnly ? "peer only" : "full")}): libtorch threads {get_num_threads()}, {Environment.ProcessorCount} processors");

        // The PyTorch peer, with our thread count, when a python3 that imports torch is found; skipped with the reason otherwise.
        using var peer = ReportPeer.TryStart(python, get_num_threads(), out string peerReason);
        log.WriteLine(peer is null ? $"PyTorch peer skipped: {peerReason}" : $"PyTorch peer: {peer.Description}");
        int[]? resNetBatches = peerBatches?.Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        var versus = new ReportPeerComparison(smoke, peer, log, resNetBatches, quick: resNetBatches is not null);
        double gemmBefore = m.Gemm();
        var peerRows = versus.Inference();
        var peerLatency = versus.Latency();
        if (peerOnly)
        {
            var onlyStep = TrainStepBenchmark.Run(smoke ? 1 : trainSteps, print: false, rounds: smoke ? 1 : 2, peer);
            double ours = onlyStep.Library, handOnly = onlyStep.HandWritten;
            double gemmEnd = m.Gemm();
            var only = new Dictionary<string, object?>
            {
                ["smoke"] = smoke,
                ["allocator"] = ReportPeer.KeepFreedMemory ? "keep-freed-memory" : "glibc-default",
                ["peer_only"] = true,
                ["peer_resnet_batches"] = resNetBatches ?? [64, 256],
                ["threads"] = get_num_threads(),
                ["gemm_gflops"] = Round(m.GemmMedian),
                ["gemm_gflops_first_last"] = new[] { Round(gemmBefore), Round(gemmEnd) },
                ["train_overhead_ratio"] = Round(ours / handOnly),
            };
            AddPeer(only, peer, peerReason, peerRows, peerLatency, onlyStep, m.GemmMedian);
            return Emit(only, json, jsonPath, o =>
            {
                o.WriteLine(Invariant($"OneShot against PyTorch ({(smoke ? "SMOKE: sizes shrunk, numbers meaningless" : "peer only")}), libtorch threads {get_num_threads()}, GEMM {(smoke ? 512 : 2048)}^3 median {m.GemmMedian:F1} GFLOP/s (first {gemmBefore:F1}, last {gemmEnd:F1})"));
                o.WriteLine();
                PrintPeer(o, peer, peerReason, peerRows, peerLatency, onlyStep, m.GemmMedian);
                o.WriteLine(Invariant($"   Training step, hand-written TorchSharp loop {handOnly:F3} s (ours / hand-written {ours / handOnly:F2})"));
            });
        }

        var conv4 = new List<EmbeddingRow>
        {
            m.Embedding("conv4", 64, smoke ? 2 : 15, measurePlain: true),
            m.Embedding("conv4", 256, smoke ? 2 : 7, measurePlain: true),
        };
        var resnet = new List<EmbeddingRow>
        {
            m.Embedding("resnet12", 64, smoke ? 1 : 2, measurePlain: true),
            m.Embedding("resnet12", 256, 1, measurePlain: smoke, warmUp: smoke),
        };
        var euclidean = m.Search(DistanceMetric.Euclidean, measurePlain: true);
        var cosine = m.Search(DistanceMetric.Cosine, measurePlain: true);
        var pipeline = m.Pipeline();
        var latency = EmbedLatency.Measure(smoke, 30, log);
        var step = TrainStepBenchmark.Run(smoke ? 1 : trainSteps, print: false, rounds: smoke ? 1 : 2, peer);
        double lib = step.Library, hand = step.HandWritten;
        log.WriteLine($"train step: library {lib:F3} s, hand-written {hand:F3} s, PyTorch {step.PyTorchPlain:F3} s (channels-last {step.PyTorchChannelsLast:F3} s)");
        var (rss1k, rssAll, calls) = m.Memory();

        int[] counts = smoke ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
        var scaling = new SortedDictionary<int, double[]>();
        foreach (int d in new[] { 64, 512 })
        {
            scaling[d] = [.. counts.Select(n => m.ScalingPoint(n, d))];
        }

        // Every fraction of peak divides by the GEMM measured interleaved with that row; the headline is their median.
        double gemmAfter = m.Gemm();
        double gemm = m.GemmMedian;

        // A row's peak is the GEMM timed beside it, or the run's median when that is higher: a slow moment must not
        // flatter a fraction (ResNet-12 at batch 256 gets a single repetition).
        double Peak(double local) => Math.Max(local, gemm);
        if (plotPath is not null)
        {
            ScalingPlot.Save(counts, scaling, smoke ? 64 : 1024, plotPath);
            log.WriteLine($"plot written to {Path.GetFullPath(plotPath)}");
        }

        var conv4Best = conv4.MaxBy(r => r.GflopsOf(r.Library) / Peak(r.Gemm))!;
        var resnetBest = resnet.MaxBy(r => r.GflopsOf(r.Library) / Peak(r.Gemm))!;
        double searchFraction = Math.Min(euclidean.Gflops(euclidean.Seconds) / Peak(euclidean.Gemm), cosine.Gflops(cosine.Seconds) / Peak(cosine.Gemm));
        var results = new Dictionary<string, object?>
        {
            ["smoke"] = smoke,
            ["allocator"] = ReportPeer.KeepFreedMemory ? "keep-freed-memory" : "glibc-default",
            ["threads"] = get_num_threads(),
            ["gemm_gflops"] = Round(gemm),
            ["gemm_gflops_first_last"] = new[] { Round(gemmBefore), Round(gemmAfter) },
            ["conv4_fraction_of_peak"] = Round(conv4Best.GflopsOf(conv4Best.Library) / Peak(conv4Best.Gemm)),
            ["conv4_plain_fraction_of_peak"] = Round(conv4Best.GflopsOf(conv4Best.Plain) / Peak(conv4Best.Gemm)),
            ["resnet12_fraction_of_peak"] = Round(resnetBest.GflopsOf(resnetBest.Library) / Peak(resnetBest.Gemm)),
            ["search_fraction_of_peak"] = Round(searchFraction),
            ["search_euclidean_seconds"] = Round(euclidean.Seconds),
            ["search_cosine_seconds"] = Round(cosine.Seconds),
            ["pipeline_ratio"] = Round(pipeline.EmbedOnly / pipeline.Pipeline),
            ["pipeline_overlapped_ratio"] = Round(pipeline.EmbedOnly / pipeline.Overlapped),
            ["train_overhead_ratio"] = Round(lib / hand),
            ["resnet18_embed_latency_ratio"] = Round(latency.Embed / latency.Plain),
            ["rss_growth"] = Round(((double)rssAll / rss1k) - 1),
            ["embedding"] = conv4.Concat(resnet).Select(r => new Dictionary<string, object>
            {
                ["model"] = $"{r.Architecture}-{r.Size}",
                ["batch"] = r.Batch,
                ["images_per_second"] = Round(r.Batch / r.Library),
                ["fraction_of_peak"] = Round(r.GflopsOf(r.Library) / Peak(r.Gemm)),
                ["plain_fraction_of_peak"] = double.IsNaN(r.Plain) ? -1 : Round(r.GflopsOf(r.Plain) / Peak(r.Gemm)),
                ["gemm_gflops_beside"] = Round(r.Gemm),
            }).ToArray(),
            ["scaling_seconds"] = scaling.ToDictionary(p => $"d{p.Key}", p => counts.Zip(p.Value).ToDictionary(z => z.First.ToString(CultureInfo.InvariantCulture), z => Round(z.Second))),
        };
        AddPeer(results, peer, peerReason, peerRows, peerLatency, step, gemm);

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(results));
            return 0;
        }

        var o = Console.Out;
        o.WriteLine(Invariant($"OneShot performance report ({(smoke ? "SMOKE: sizes shrunk, numbers meaningless" : "full")}), libtorch threads {get_num_threads()}"));
        o.WriteLine();
        PrintPeer(o, peer, peerReason, peerRows, peerLatency, step, gemm);
        o.WriteLine();
        o.WriteLine(Invariant($"1. Reference: fp32 GEMM {(smoke ? 512 : 2048)}^3 through TorchSharp: median {gemm:F1} GFLOP/s over all samples (first {gemmBefore:F1}, last {gemmAfter:F1});"));
        o.WriteLine("   every \"of peak\" below divides by the GEMM timed interleaved with that row (shown as \"GEMM\") or by the median, whichever is higher.");
        o.WriteLine();
        o.WriteLine("2. Embedding (median)        batch   library img/s  GFLOP/s  of peak | plain eval img/s  of peak |  GEMM");
        foreach (var r in conv4.Concat(resnet))
        {
            string plain = double.IsNaN(r.Plain) ? "               -        -" : Invariant($"{r.Batch / r.Plain,16:F0}  {r.GflopsOf(r.Plain) / Peak(r.Gemm),7:P0}");
            o.WriteLine(Invariant($"   {r.Architecture + "-" + r.Size,-24} {r.Batch,5}  {r.Batch / r.Library,13:F0}  {r.GflopsOf(r.Library),7:F1}  {r.GflopsOf(r.Library) / Peak(r.Gemm),7:P0} |{plain} | {r.Gemm,5:F0}"));
        }

        o.WriteLine(Invariant($"   Latency, ResNet-18-{latency.Size} single image: Embed {latency.Embed * 1e3:F1} ms, plain eval forward {latency.Plain * 1e3:F1} ms, ratio {latency.Embed / latency.Plain:F3} (target <= 1.05)"));
        o.WriteLine();
        o.WriteLine(Invariant($"3. Search {euclidean.Queries} queries x {euclidean.Count} x d {euclidean.Dimension}, top-5 (median)"));
        foreach (var s in new[] { euclidean, cosine })
        {
            o.WriteLine(Invariant($"   {s.Metric,-10} VectorIndex {s.Seconds * 1e3,7:F0} ms  {s.Gflops(s.Seconds),6:F1} GFLOP/s  {s.Gflops(s.Seconds) / Peak(s.Gemm),5:P0} of peak (GEMM {s.Gemm:F0}) | full matrix + topk {s.Plain * 1e3:F0} ms"));
        }

        o.WriteLine();
        o.WriteLine(Invariant($"4. Files to embeddings, {pipeline.Files} PNG 105x105 -> Conv4-28"));
        o.WriteLine(Invariant($"   embed decoded tensors {pipeline.Files / pipeline.EmbedOnly,7:F0} img/s"));
        o.WriteLine(Invariant($"   FileEmbeddingPipeline {pipeline.Files / pipeline.Pipeline,7:F0} img/s  ratio {pipeline.EmbedOnly / pipeline.Pipeline:F2} (target >= 0.80; CPU default: batches decoded in turn on {pipeline.DecodeThreads} threads)"));
        o.WriteLine(Invariant($"   overlapped pipeline   {pipeline.Files / pipeline.Overlapped,7:F0} img/s  ratio {pipeline.EmbedOnly / pipeline.Overlapped:F2} (batches of 256, {pipeline.OverlappedDecodeThreads} decode thread beside libtorch's {get_num_threads()})"));
        o.WriteLine(Invariant($"   decode then embed     {pipeline.Files / pipeline.Sequential,7:F0} img/s  ratio {pipeline.EmbedOnly / pipeline.Sequential:F2}"));
        o.WriteLine();
        o.WriteLine(Invariant($"5. Training step (60-way 1-shot 5-query Conv4): library {lib:F3} s, hand-written {hand:F3} s, ratio {lib / hand:F3} (target <= 1.15)"));
        o.WriteLine();
        o.WriteLine(Invariant($"6. RSS after 1/100 of the calls {rss1k / 1048576.0:F1} MiB, after {calls} classify calls {rssAll / 1048576.0:F1} MiB, growth {((double)rssAll / rss1k) - 1:P1} (target <= 5%)"));
        o.WriteLine();
        o.WriteLine("7. Search scaling (Euclidean, top-5, median ms)");
        o.WriteLine("   N          " + string.Join("  ", scaling.Keys.Select(d => Invariant($"d={d,-8}"))) + "  ms per 1k vectors");
        for (int i = 0; i < counts.Length; i++)
        {
            o.WriteLine(Invariant($"   {counts[i],-10} ") + string.Join("  ", scaling.Values.Select(v => Invariant($"{v[i] * 1e3,10:F1}"))) + "  "
                + string.Join(" / ", scaling.Values.Select(v => Invariant($"{v[i] * 1e3 / (counts[i] / 1000.0):F3}"))));
        }

        return 0;
    }

    /// <summary>The peer's keys: ratios (null without a peer), our latency percentiles, the per-row figures.</summary>
    private static void AddPeer(Dictionary<string, object?> results, ReportPeer? peer, string reason, List<PeerInferenceRow> rows, PeerLatencyRow latency, TrainStepTimes step, double gemm)
    {
        double? Ratio(string model) =>
            rows.Where(r => r.Model == model).Select(r => r.Ratio).DefaultIfEmpty(double.NaN).Min() is var v && double.IsFinite(v) ? Round(v) : null;
        results["onednn_max_cpu_isa"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        results["onednn_isa_policy"] = OneShot.NativeKernelCheck.OneDnnIsaPolicy;
        results["pytorch_peer"] = peer is null ? $"skipped: {reason}" : peer.Description;
        results["pytorch_inference_ratio_conv4"] = Ratio("conv4");
        results["pytorch_inference_ratio_resnet12"] = Ratio("resnet12");
        results["pytorch_inference_ratio_resnet18"] = Ratio("resnet18");
        double? OnnxRatio(string model) =>
            rows.Where(r => r.Model == model).Select(r => r.OnnxRatio).DefaultIfEmpty(double.NaN).Min() is var v && double.IsFinite(v) ? Round(v) : null;
        results["pytorch_inference_ratio_onnx_conv4"] = OnnxRatio("conv4");
        results["pytorch_inference_ratio_onnx_resnet12"] = OnnxRatio("resnet12");
        results["pytorch_inference_ratio_onnx_resnet18"] = OnnxRatio("resnet18");
        // Against PyTorch's faster loop (NCHW or channels-last), as the inference ratios are against its best variant.
        results["pytorch_train_step_ratio"] = double.IsFinite(step.PyTorch) ? Round(step.Library / step.PyTorch) : null;
        results["pytorch_train_step_ratio_nchw"] = double.IsFinite(step.PyTorchPlain) ? Round(step.Library / step.PyTorchPlain) : null;
        results["latency_ms_p50"] = Round(PeerLatencyRow.Percentile(latency.Ours, 0.5) * 1e3);
        results["latency_ms_p99"] = Round(PeerLatencyRow.Percentile(latency.Ours, 0.99) * 1e3);
        results["latency_ms_p50_default_threads"] = Round(PeerLatencyRow.Percentile(latency.OursDefaultThreads, 0.5) * 1e3);
        results["latency_ms_p99_default_threads"] = Round(PeerLatencyRow.Percentile(latency.OursDefaultThreads, 0.99) * 1e3);
        results["pytorch_latency_ms_p50"] = peer is null ? null : Round(PeerLatencyRow.Percentile(latency.Peer, 0.5) * 1e3);
        results["pytorch_latency_ms_p99"] = peer is null ? null : Round(PeerLatencyRow.Percentile(latency.Peer, 0.99) * 1e3);
        results["train_step_seconds"] = Round(step.Library);
        results["pytorch_train_step_seconds"] = peer is null ? null : Round(step.PyTorchPlain);
        results["pytorch_train_step_seconds_channels_last"] = peer is null ? null : Round(step.PyTorchChannelsLast);
        results["pytorch_inference"] = rows.Select(r => new Dictionary<string, object?>
        {
            ["model"] = $"{r.Model}-{r.Size}",
            ["batch"] = r.Batch,
            ["ours_images_per_second"] = Round(r.Batch / r.Ours),
            ["pytorch_plain_images_per_second"] = Round(r.Batch / r.Plain),
            ["pytorch_optimized_images_per_second"] = Round(r.Batch / r.Optimized),
            ["ratio"] = Round(r.Ratio),
            ["onnx_images_per_second"] = Round(r.Batch / r.Onnx),
            ["onnx_ratio"] = Round(r.OnnxRatio),
            ["ours_fraction_of_gemm"] = r.FlopsPerImage > 0 ? Round(r.FlopsPerImage * r.Batch / r.Ours / 1e9 / gemm) : null,
        }).ToArray();
    }

    private static void PrintPeer(TextWriter o, ReportPeer? peer, string reason, List<PeerInferenceRow> rows, PeerLatencyRow latency, TrainStepTimes step, double gemm)
    {
        o.WriteLine(peer is null ? $"0. Against PyTorch: skipped ({reason})" : $"0. Against PyTorch, alternating in this run: {peer.Description}");
        o.WriteLine(Invariant($"   OneShot: TorchSharp/libtorch {__version__}, oneDNN max ISA {OneShot.NativeKernelCheck.OneDnnIsaPolicy}; ratio = our img/s / PyTorch's best (plain eval or optimize_for_inference); OneShot.Onnx = the same network through ONNX Runtime"));
        o.WriteLine("   model                     batch   ours img/s  of GEMM  PyTorch plain  PyTorch optimized  ratio | OneShot.Onnx img/s  ratio");
        foreach (var r in rows)
        {
            string fraction = r.FlopsPerImage > 0 ? Invariant($"{r.FlopsPerImage * r.Batch / r.Ours / 1e9 / gemm,7:P0}") : "      -";
            o.WriteLine(Invariant($"   {r.Model + "-" + r.Size,-24} {r.Batch,5}  {r.Batch / r.Ours,11:F0}  {fraction}  {r.Batch / r.Plain,13:F0}  {r.Batch / r.Optimized,17:F0}  {r.Ratio,5:F2} | {r.Batch / r.Onnx,18:F0}  {r.OnnxRatio,5:F2}"));
        }

        o.WriteLine(Invariant($"   Training step 60-way 1-shot 5-query Conv4: ours {step.Library:F3} s, PyTorch {step.PyTorchPlain:F3} s (channels-last {step.PyTorchChannelsLast:F3} s), ratio {step.Library / step.PyTorch:F2} (ours / PyTorch's faster, target <= 1.0)"));
        o.WriteLine(Invariant($"   Latency, 1 PNG file -> label (Conv4-28, 5 classes), {latency.Ours.Length} calls each:"));
        o.WriteLine(Invariant($"     ours (1 thread for 1 image)  p50 {PeerLatencyRow.Percentile(latency.Ours, 0.5) * 1e3,7:F2} ms  p99 {PeerLatencyRow.Percentile(latency.Ours, 0.99) * 1e3,7:F2} ms"));
        o.WriteLine(Invariant($"     ours (libtorch's threads)    p50 {PeerLatencyRow.Percentile(latency.OursDefaultThreads, 0.5) * 1e3,7:F2} ms  p99 {PeerLatencyRow.Percentile(latency.OursDefaultThreads, 0.99) * 1e3,7:F2} ms"));
        o.WriteLine(Invariant($"     PyTorch (PIL + optimized)    p50 {PeerLatencyRow.Percentile(latency.Peer, 0.5) * 1e3,7:F2} ms  p99 {PeerLatencyRow.Percentile(latency.Peer, 0.99) * 1e3,7:F2} ms"));
    }

    private static int Emit(Dictionary<string, object?> results, bool json, string? jsonPath, Action<TextWriter> print)
    {
        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(results));
        }
        else
        {
            print(Console.Out);
        }

        return 0;
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 4) : -1;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
