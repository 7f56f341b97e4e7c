using System.Diagnostics;
using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// Times one 60-way 1-shot 5-query training step of a Conv4-64 on 28x28 images through the library
/// (<see cref="PrototypicalTrainer"/>, one episode per call: sampling, forward, loss, Adam) and through a minimal
/// hand-written TorchSharp loop of the same model, and (when given) the same step in PyTorch through the report's peer,
/// alternating them in one run, and prints the medians and ratio.
/// </summary>
internal static class TrainStepBenchmark
{
    private const int Way = 60;
    private const int Shot = 1;
    private const int Query = 5;

    public static (double Library, double HandWritten) Run(int steps, bool print = true, int rounds = 2)
    {
        var times = Run(steps, print, rounds, peer: null);
        return (times.Library, times.HandWritten);
    }

    /// <summary>
    /// As <see cref="Run(int, bool, int)"/>, with the PyTorch peer's step as further alternating sides, its network in
    /// NCHW and in channels-last (NaN without a peer).
    /// </summary>
    public static TrainStepTimes Run(int steps, bool print, int rounds, ReportPeer? peer)
    {
        var pytorch = new List<double>();
        var pytorchChannelsLast = new List<double>();
        using var data = NoisyPrototypes(classes: 100, perClass: 20);
        var library = new List<double>();
        var handWritten = new List<double>();
        using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        using var plain = PlainConv4();
        using var adam = optim.Adam(plain.parameters(), lr: 1e-3);
        var sampler = new EpisodeSampler(data, Way, Shot, Query);
        using var labels = arange(Way, dtype: ScalarType.Int64).repeat_interleave(Query);
        plain.train();

        // The library: one Train call; each step's time is the difference of the progress reports' clocks.
        void LibraryRound(int seed)
        {
            var times = new List<double>();
            var last = TimeSpan.Zero;
            var progress = new InlineProgress<TrainingProgress>(p =>
            {
                times.Add((p.Elapsed - last).TotalSeconds);
                last = p.Elapsed;
            });
            new PrototypicalTrainer(new PrototypicalTrainerOptions { Way = Way, Shot = Shot, Query = Query, Episodes = steps + 1, Seed = seed })
                .Train(embedder, data, progress: progress);
            library.AddRange(times.Skip(1));
        }

        // The hand-written loop: the same sampling, a plain nn.Sequential Conv4, the loss written out, Adam.
        void HandRound(int seed)
        {
            for (int step = 0; step <= steps; step++)
            {
                var clock = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                using (var episode = sampler.Sample(seed, step))
                {
                    // Channels-last input, as Embedder.Forward gives the library's network (Conv4 trains ~1.6x faster).
                    var z = plain.forward(FoldedNetwork.ChannelsLast(cat(new[] { episode.Support, episode.Query }, 0)));
                    var prototypes = z.narrow(0, 0, Way * Shot).view(Way, Shot, -1).mean(new long[] { 1 });
                    var query = z.narrow(0, Way * Shot, Way * Query);
                    var distances = (query.unsqueeze(1) - prototypes.unsqueeze(0)).pow(2).sum(2);
                    var loss = nn.functional.cross_entropy(distances.neg(), labels);
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    _ = loss.item<float>();
                }

                if (step > 0)
                {
                    handWritten.Add(clock.Elapsed.TotalSeconds);
                }
            }
        }

        // Two interleaved rounds each, so that drift in the machine's speed hits both sides.
        for (int round = 1; round <= rounds; round++)
        {
            LibraryRound(round);
            HandRound(round);
            if (peer is not null)
            {
                pytorch.AddRange(peer.Train(steps, Way, Shot, Query));
                pytorchChannelsLast.AddRange(peer.Train(steps, Way, Shot, Query, channelsLast: true));
            }
        }

        var times = new TrainStepTimes(Median(library), Median(handWritten), Median(pytorch), Median(pytorchChannelsLast));
        double lib = times.Library, hand = times.HandWritten;
        if (!print)
        {
            return times;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train-step: 60-way 1-shot 5-query Conv4-64 28x28, Adam, libtorch threads {get_num_threads()}, 2 rounds of {steps} steps each"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  library (PrototypicalTrainer)   median {lib:F3} s/step"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  hand-written TorchSharp loop    median {hand:F3} s/step"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio library/hand-written      {lib / hand:F3}  (target <= 1.15; reference step 0.75 s)"));
        if (steps < 5)
        {
            Console.WriteLine("  (smoke mode: too few steps for the ratio to mean anything; use the default --steps 10 or more)");
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    internal static InMemoryClassDataset NoisyPrototypes(int classes, int perClass, int size = 28)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var prototypes = rand(new long[] { classes, 1, 1, size, size }, generator: generator).gt(0.5).to_type(ScalarType.Float32);
        var items = prototypes.expand(classes, perClass, 1, size, size) + (randn(new long[] { classes, perClass, 1, size, size }, generator: generator) * 0.3);
        return InMemoryClassDataset.FromTensor(items);
    }

    private static nn.Module<Tensor, Tensor> PlainConv4()
    {
        static nn.Module<Tensor, Tensor> Block(int input) =>
            nn.Sequential(nn.Conv2d(input, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2));
        return nn.Sequential(Block(1), Block(64), Block(64), Block(64), nn.Flatten());
    }
}

/// <summary>
/// Median seconds per training step of each side: the library, the hand-written TorchSharp loop, and the PyTorch
/// peer's loop in NCHW and in channels-last (NaN without a peer). <see cref="PyTorch"/> is the faster of the two.
/// </summary>
internal readonly record struct TrainStepTimes(double Library, double HandWritten, double PyTorchPlain, double PyTorchChannelsLast)
{
    public double PyTorch => double.IsNaN(PyTorchPlain) ? PyTorchChannelsLast : double.IsNaN(PyTorchChannelsLast) ? PyTorchPlain : Math.Min(PyTorchPlain, PyTorchChannelsLast);
}
