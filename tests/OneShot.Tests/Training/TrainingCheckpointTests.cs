using OneShot.Training;

namespace OneShot.Tests.Training;

public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Fact]
    public void ResolvePaths_DirectoryWithoutExtension_HoldsBothFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), "runs", "omniglot");

        var (checkpoint, best) = TrainingCheckpoint.ResolvePaths(dir);

        checkpoint.Should().Be(Path.Combine(dir, "training.ckpt"));
        best.Should().Be(Path.Combine(dir, "best.weights"));
    }

    [Fact]
    public void ResolvePaths_FileWithExtension_PutsBestWeightsBesideIt()
    {
        string file = Path.Combine(Path.GetTempPath(), "runs", "run1.ckpt");

        var (checkpoint, best) = TrainingCheckpoint.ResolvePaths(file);

        checkpoint.Should().Be(file);
        best.Should().Be(Path.Combine(Path.GetTempPath(), "runs", "run1.best.weights"));
    }

    [Fact]
    public void Train_CheckpointFileIsNotACheckpoint_ThrowsNamingTheFile()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        string file = Path.Combine(TestPaths.NewTempFolder("oneshot-badckpt"), "run.ckpt");
        File.WriteAllText(file, "hello");
        var options = new PrototypicalTrainerOptions { Way = 5, Episodes = 2, CheckpointPath = file };

        var act = () => new PrototypicalTrainer(options).Train(embedder, data);

        act.Should().Throw<CheckpointFormatException>().WithMessage($"The file '{file}' is not a OneShot training checkpoint*")
            .Which.FilePath.Should().Be(file);
    }
}
