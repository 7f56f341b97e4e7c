using OneShot.Cli;
using OneShot.Data;
using OneShot.Evaluation;

namespace OneShot.Tests.Cli;

/// <summary>The reliability diagram PNG: decodes with the library's own decoder and shows one bar per non-empty bin at its accuracy.</summary>
public sealed class ReliabilityPlotTests
{
    [Fact]
    public void Save_KnownBins_BarsReachTheirAccuracy()
    {
        // Bin 14: 4 predictions at 0.95, 3 right (accuracy 0.75); bin 8: 6 at 0.6, 3 right (0.5); all other bins empty.
        var diagram = ReliabilityDiagram.Compute(
            [0.95, 0.95, 0.95, 0.95, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6],
            [true, true, true, false, true, true, true, false, false, false]);
        string path = Path.Combine(Path.GetTempPath(), $"reliability-{Guid.NewGuid():N}.png");
        try
        {
            ReliabilityPlot.Save(diagram, "test", path);
            var image = ImageDecoder.Decode(File.ReadAllBytes(path), path, 3, 10_000_000);

            image.Width.Should().Be(ReliabilityPlot.Size);
            image.Height.Should().Be(ReliabilityPlot.Size);
            IsBar(image, Column(14), (int)ReliabilityPlot.Y(0.75) + 3).Should().BeTrue("bin 14's bar reaches accuracy 0.75");
            IsBar(image, Column(14), (int)ReliabilityPlot.Y(0.75) - 3).Should().BeFalse("and stops there");
            IsBar(image, Column(8), (int)ReliabilityPlot.Y(0.5) + 3).Should().BeTrue("bin 8's bar reaches accuracy 0.5");
            IsBar(image, Column(8), (int)ReliabilityPlot.Y(0.5) - 3).Should().BeFalse();
            IsBar(image, Column(3), ReliabilityPlot.Area.Bottom - 3).Should().BeFalse("bin 3 is empty");
            Enumerable.Range(0, 15).Count(b => IsBar(image, Column(b), ReliabilityPlot.Area.Bottom - 3)).Should().Be(2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Column(int bin)
    {
        var (left, right) = ReliabilityPlot.BarColumns(bin, 15);
        return (int)((left + right) / 2);
    }

    private static bool IsBar(DecodedImage image, int x, int y)
    {
        int plane = image.Width * image.Height, i = (y * image.Width) + x;
        var color = ReliabilityPlot.BarColor;
        return Math.Abs(image.Pixels[i] - (color.Red / 255f)) < 0.02
            && Math.Abs(image.Pixels[plane + i] - (color.Green / 255f)) < 0.02
            && Math.Abs(image.Pixels[(2 * plane) + i] - (color.Blue / 255f)) < 0.02;
    }
}
