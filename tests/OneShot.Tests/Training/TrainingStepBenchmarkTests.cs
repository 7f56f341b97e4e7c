using System.Diagnostics;
using OneShot.Embeddings;
using OneShot.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// Times one 60-way 1-shot 5-query training step of a Conv4-64 on 28x28 images through the library and through a
/// minimal hand-written TorchSharp loop, alternating them in one run. Slow: not part of the default suite.
/// </summary>
[Trait("Category", TestPaths.SlowTrait)]
public sealed class TrainingStepBenchmarkTests(ITestOutputHelper output)
{
    private const int Way = 60;
    private const int Shot = 1;
    private const int Query = 5;

    [Fact]
    public void TrainingStep_SixtyWayOneShot_IsWithinFifteenPercentOfAHandWrittenLoop()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 100, perClass: 20);
        const int pairs = 15;
        var library = new List<double>();
        var handWritten = new List<double>();

        using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        using var plain = PlainConv4();
        using var adam = optim.Adam(plain.parameters(), lr: 1e-3);
        var sampler = new EpisodeSampler(data, Way, Shot, Query);
        using var pinned = sampler.Sample(1, 0);
        var images = cat(new[] { pinned.Support, pinned.Query }, 0).DetachFromDisposeScope();
        using var labels = EpisodeSampler.Labels(Way, Query);
        plain.train();

        void LibraryStep(int seed) =>
            new PrototypicalTrainer(new PrototypicalTrainerOptions { Episodes = 1, Seed = seed }).Train(embedder, data);

        void HandWrittenStep()
        {
            using var scope = NewDisposeScope();
            var z = plain.forward(images);
            var prototypes = z.narrow(0, 0, Way * Shot).view(Way, Shot, -1).mean(new long[] { 1 });
            var query = z.narrow(0, Way * Shot, Way * Query);
            var distances = (query.unsqueeze(1) - prototypes.unsqueeze(0)).pow(2).sum(2);
            var loss = nn.functional.cross_entropy(distances.neg(), labels);
            adam.zero_grad();
            loss.backward();
            adam.step();
            _ = loss.item<float>();
        }

        LibraryStep(0);
        HandWrittenStep();
        for (int pair = 0; pair < pairs; pair++)
        {
            // Alternate the order so that neither side always runs right after the other.
            for (int k = 0; k < 2; k++)
            {
                var clock = Stopwatch.StartNew();
                if ((pair + k) % 2 == 0)
                {
                    LibraryStep(pair + 1);
                    library.Add(clock.Elapsed.TotalSeconds);
                }
                else
                {
                    HandWrittenStep();
                    handWritten.Add(clock.Elapsed.TotalSeconds);
                }
            }
        }

        images.Dispose();
        double libraryMedian = Median(library), handMedian = Median(handWritten);
        output.WriteLine($"60-way 1-shot 5-query Conv4-64 28x28 step, threads={get_num_threads()}: library median {libraryMedian:F3} s (n={library.Count}), hand-written median {handMedian:F3} s (n={handWritten.Count}), ratio {libraryMedian / handMedian:F3}; reference 0.75 s");
        (libraryMedian / handMedian).Should().BeLessThan(1.15);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static nn.Module<Tensor, Tensor> PlainConv4()
    {
        nn.Module<Tensor, Tensor> Block(int input) => nn.Sequential(nn.Conv2d(input, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2));
        return nn.Sequential(Block(1), Block(64), Block(64), Block(64), nn.Flatten());
    }
}
