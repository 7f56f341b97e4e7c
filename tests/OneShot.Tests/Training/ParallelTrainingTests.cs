using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// Trainers draw only from their own generators: two runs with the same seed on two threads at the same time give
/// exactly the result of a run alone. With TorchSharp's global generator (seeded by each trainer) the threads would
/// reseed and draw from one shared stream, and the Koch head's initial weights would depend on the interleaving.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ParallelTrainingTests
{
    private static Embedder Base() => Embedder.Create(new EmbedderOptions
    {
        Backbone = new Conv4Options { Widths = [8, 8, 8, 8] },
        Preprocessing = new ImagePreprocessing { Width = 16, Height = 16 },
        Device = DeviceChoice.Cpu,
    });

    private static (T First, T Second) OnTwoThreads<T>(Func<T> run)
    {
        using var barrier = new Barrier(2);
        T Start()
        {
            barrier.SignalAndWait();
            return run();
        }

        var first = Task.Factory.StartNew(Start, TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(Start, TaskCreationOptions.LongRunning);
        Task.WaitAll(first, second);
        return (first.Result, second.Result);
    }

    [Fact]
    public void SiameseTrainer_KochHeadSameSeedOnTwoThreads_IdenticalToASingleRun()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 8, size: 16);
        using var start = Base();
        var options = new SiameseTrainerOptions
        {
            Head = SiameseHeadKind.Koch,
            PairsPerStep = 8,
            Steps = 6,
            LearningRate = 5e-3,
            Seed = 21,
            Augmentation = new AffineAugmentationOptions(),
        };

        (double[] Losses, float[] Head, Dictionary<string, float[]> Weights) Run()
        {
            var result = new SiameseTrainer(options).Train(start.Clone(), data);
            using var model = result.Model;
            return (result.Losses.ToArray(), model.Head.KochWeights.ToArray(), SyntheticClasses.Weights(model.Embedder));
        }

        var alone = Run();
        var (first, second) = OnTwoThreads(Run);

        foreach (var run in new[] { first, second })
        {
            run.Losses.Should().Equal(alone.Losses);
            run.Head.Should().Equal(alone.Head, "the Koch head starts from the trainer's own generator");
            foreach (var (name, values) in alone.Weights)
            {
                run.Weights[name].Should().Equal(values, "weights {0} must match bit for bit", name);
            }
        }
    }

    [Fact]
    public void PrototypicalTrainer_SameSeedOnTwoThreads_IdenticalToASingleRun()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 8, size: 16);
        using var start = Base();
        var options = new PrototypicalTrainerOptions { Way = 4, Shot = 1, Query = 3, Episodes = 6, LearningRate = 5e-3, Seed = 9 };

        (double[] Losses, Dictionary<string, float[]> Weights) Run()
        {
            using var embedder = start.Clone();
            var progress = new RecordingProgress<TrainingProgress>();
            new PrototypicalTrainer(options).Train(embedder, data, progress: progress);
            return (progress.Reports.Select(r => r.Loss).ToArray(), SyntheticClasses.Weights(embedder));
        }

        var alone = Run();
        var (first, second) = OnTwoThreads(Run);

        foreach (var run in new[] { first, second })
        {
            run.Losses.Should().Equal(alone.Losses);
            foreach (var (name, values) in alone.Weights)
            {
                run.Weights[name].Should().Equal(values, "weights {0} must match bit for bit", name);
            }
        }
    }
}
