using OneShot.Benchmarks;

// Benchmarks are timed commands that print ratios measured side by side in one run (not unit tests).
//   dotnet run -c Release --project benchmarks/OneShot.Benchmarks -- train-step [--steps N] [--threads N]
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: OneShot.Benchmarks train-step [--steps N] [--threads N]");
    return args.Length == 0 ? 1 : 0;
}

int Value(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0
        ? v
        : i >= 0 ? throw new ArgumentException($"{name} takes a positive whole number.") : fallback;
}

switch (args[0])
{
    case "train-step":
        int threads = Value("--threads", 0);
        if (threads > 0)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        TrainStepBenchmark.Run(Value("--steps", 10));
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'; expected train-step");
        return 1;
}
