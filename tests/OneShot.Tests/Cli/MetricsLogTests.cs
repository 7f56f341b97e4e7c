using OneShot.Cli;
using OneShot.Training;

namespace OneShot.Tests.Cli;

public sealed class MetricsLogTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-metrics");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Add_ResumedRun_KeepsEarlierEpisodesAndReplacesTheOnesAfterTheCheckpoint()
    {
        string folder = Path.Combine(_root, "checkpoint");
        using (var first = new MetricsLog(folder, resume: true))
        {
            for (int e = 1; e <= 5; e++)
            {
                first.Add(Progress(e, loss: 10 + e));
            }
        }

        using var resumed = new MetricsLog(folder, resume: true);
        resumed.Add(Progress(4, loss: 1, validation: 0.5));
        resumed.Add(Progress(5, loss: 2));
        resumed.Publish(Path.Combine(_root, "model"), "test");

        var rows = MetricsLog.Read(Path.Combine(_root, "model", MetricsLog.FileName));
        rows.Select(r => (r.Episode, r.Loss)).Should().Equal((1, 11.0), (2, 12.0), (3, 13.0), (4, 1.0), (5, 2.0));
        rows[3].ValidationAccuracy.Should().Be(0.5);
        rows[4].ValidationAccuracy.Should().BeNull();
        new FileInfo(Path.Combine(_root, "model", MetricsLog.PlotFileName)).Length.Should().BeGreaterThan(10_000);
    }

    [Fact]
    public void Smooth_TrailingMean_MatchesHandComputedValues()
    {
        MetricsPlot.Smooth([1, 2, 3, 4, 10], 2).Should().Equal(1, 1.5, 2.5, 3.5, 7);
    }

    private static TrainingProgress Progress(int episode, double loss, double? validation = null) =>
        new(episode, 10, loss, 0.5, 1e-3, TimeSpan.Zero, TimeSpan.Zero, validation is null ? null : 0.7, validation);
}
