using OneShot.Benchmarks;

// Benchmarks are timed commands that print ratios measured side by side in one run (not unit tests).
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- report [--json] [--smoke] [--plot FILE.png] [--threads N]
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- embed-latency [--repeats N] [--threads N]
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- train-step [--steps N] [--threads N]
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- micro [BenchmarkDotNet arguments]
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- service-load [--clients N] [--seconds S] [--model DIR]
const string Usage = "every benchmark takes [--allocator keep|default] (default keep: glibc keeps freed memory, as the oneshot CLI does)\n"
    + "usage: OneShot.Benchmarks report [--json] [--smoke] [--plot FILE.png] [--json-file FILE.json] [--steps N] [--threads N] [--python PATH] [--peer-only [--peer-batches 64]]\n"
    + "       OneShot.Benchmarks embed [--threads N]   (Conv4-28 embedding throughput by batch size)\n"
    + "       OneShot.Benchmarks embed-latency [--repeats N] [--threads N]   (ResNet-18-224 single-image Embed vs plain eval forward)\n"
    + "       OneShot.Benchmarks train-step [--steps N] [--threads N]\n"
    + "       OneShot.Benchmarks onnx [--repeats N] [--threads N]   (ONNX Runtime vs TorchSharp, Conv4-28 and ResNet-18-224, batch 64)\n"
    + "       OneShot.Benchmarks mlnet [--images DIR|FILE.zip] [--count N] [--repeats N] [--threads N]   (ML.NET DnnFeaturizeImage ResNet-18 vs OneShot: agreement and speed)\n"
    + "       OneShot.Benchmarks store-scale [--count N] [--dim D] [--queries Q] [--connection CS]   (PostgreSQL gallery store at scale, docs/SCALE-OUT.md)\n"
    + "       OneShot.Benchmarks enroll-rss [--count 100] [--side 8192] [--bound-mb 1600]   (peak RSS of oneshot enroll on COUNT PNGs at the pixel limit SIDE^2; build src/OneShot.Cli in Release first)\n"
    + "       OneShot.Benchmarks knn-latency [--count N] [--dim D] [--queries Q]   (in-process k-NN and prototype latency over N support embeddings)\n"
    + "       OneShot.Benchmarks service-load [--clients N] [--seconds S] [--model DIR]   (samples/OneShot.Service on 127.0.0.1 under N concurrent clients)\n"
    + "       OneShot.Benchmarks micro [BenchmarkDotNet arguments, e.g. --filter *]";
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}

int Value(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0
        ? v
        : i >= 0 ? throw new ArgumentException($"{name} takes a positive whole number.") : fallback;
}

string? Text(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : i >= 0 ? throw new ArgumentException($"{name} takes a value.") : null;
}

// The allocator the oneshot CLI uses (NativeAllocator.KeepFreedMemory); --allocator default measures glibc's defaults.
// The report's PyTorch peer gets the same glibc settings through the environment, so both sides share one allocator.
string allocator = Text("--allocator") ?? "keep";
if (allocator is not ("keep" or "default"))
{
    Console.Error.WriteLine($"--allocator: expected keep or default; got '{allocator}'.");
    return 1;
}

ReportPeer.KeepFreedMemory = allocator == "keep" && OneShot.NativeAllocator.KeepFreedMemory();
Console.Error.WriteLine($"allocator: {(ReportPeer.KeepFreedMemory ? "glibc keeps freed memory (NativeAllocator.KeepFreedMemory; the PyTorch peer too)" : "glibc defaults")}");
int threads = args[0] == "micro" ? 0 : Value("--threads", 0);
if (threads > 0)
{
    TorchSharp.torch.set_num_threads(threads);
}

switch (args[0])
{
    case "report":
        return Report.Run(args.Contains("--smoke"), args.Contains("--json"), Text("--plot"), Value("--steps", 10), Text("--json-file"), Text("--python"), args.Contains("--peer-only"), Text("--peer-batches"));
    case "embed":
        {
            var m = new ReportMeasurements(smoke: false, Console.Out);
            double gemm = m.Gemm();
            foreach (int batch in new[] { 16, 64, 256, 1024 })
            {
                var row = m.Embedding("conv4", batch, 7, measurePlain: true);
                Console.WriteLine($"  library {row.GflopsOf(row.Library) / gemm:P0} of peak, plain {row.GflopsOf(row.Plain) / gemm:P0}");
            }

            return 0;
        }

    case "embed-latency":
        {
            var (embed, plain, _) = EmbedLatency.Measure(smoke: false, Value("--repeats", 30), Console.Error);
            Console.WriteLine($"ResNet-18 224x224, 1 image: Embed {embed * 1e3:F2} ms, plain eval() + inference_mode forward {plain * 1e3:F2} ms, ratio {embed / plain:F3} (target <= 1.05)");
            return 0;
        }

    case "train-step":
        TrainStepBenchmark.Run(Value("--steps", 10));
        return 0;
    case "onnx":
        return OnnxComparison.Run(Value("--repeats", 5), Console.Out);
    case "mlnet":
        return MlNetComparison.Run(Text("--images"), Value("--count", 64), Value("--repeats", 3), Console.Out);
    case "service-load":
        return await ServiceLoad.RunAsync(Value("--clients", 8), Value("--seconds", 10), Text("--model"), Console.Out);
    case "enroll-rss":
        return EnrollRss.Run(Value("--count", 100), Value("--side", 8192), Value("--bound-mb", 1600), Console.Out);
    case "knn-latency":
        return KnnLatency.Run(Value("--count", 1_000_000), Value("--dim", 512), Value("--queries", 20), Console.Out);
    case "store-scale":
        return StoreScale.Run(Value("--count", 100_000), Value("--dim", 64), Value("--queries", 200), Text("--connection"), Console.Out);
    case "micro":
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Report).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'; expected report, train-step or micro");
        return 1;
}
