using OneShot.Evaluation;

namespace OneShot.Tests.Evaluation;

/// <summary>Expected calibration error and its bins against hand-computed values.</summary>
public sealed class ReliabilityDiagramTests
{
    [Fact]
    public void Compute_KnownCase_EceIsTheWeightedGap()
    {
        // Bin 14 (14/15, 1]: 4 predictions at 0.95, 3 right -> gap |0.75 - 0.95| = 0.2, weight 4/10.
        // Bin 8 (8/15, 9/15]: 6 predictions at 0.6, 3 right -> gap |0.5 - 0.6| = 0.1, weight 6/10.
        double[] confidences = [0.95, 0.95, 0.95, 0.95, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6];
        bool[] correct = [true, true, true, false, true, true, true, false, false, false];

        var diagram = ReliabilityDiagram.Compute(confidences, correct);

        diagram.ExpectedCalibrationError.Should().BeApproximately((0.4 * 0.2) + (0.6 * 0.1), 1e-12);
        diagram.MaximumCalibrationError.Should().BeApproximately(0.2, 1e-12);
        diagram.Bins.Should().HaveCount(15);
        diagram.Bins[14].Should().Be(new CalibrationBin(14 / 15.0, 1.0, 4, 0.95, 0.75));
        diagram.Bins[8].Count.Should().Be(6);
        diagram.Bins[8].Accuracy.Should().Be(0.5);
        diagram.Bins.Where((_, b) => b is not 8 and not 14).Should().OnlyContain(b => b.Count == 0);
        diagram.Accuracy.Should().BeApproximately(0.6, 1e-12);
        diagram.MeanConfidence.Should().BeApproximately(0.74, 1e-12);
    }

    [Fact]
    public void Compute_PerfectlyCalibrated_EceIsZero()
    {
        // 5 predictions at confidence 0.8, 4 of them right; 2 at confidence 1, both right.
        var diagram = ReliabilityDiagram.Compute([0.8, 0.8, 0.8, 0.8, 0.8, 1.0, 1.0], [true, true, true, true, false, true, true]);

        diagram.ExpectedCalibrationError.Should().BeApproximately(0, 1e-12);
    }

    [Fact]
    public void Compute_EdgesGoToTheLowerBin_ZeroToTheFirst()
    {
        // 0.2 = 3/15 is the upper edge of bin 2; 0 goes to bin 0.
        var diagram = ReliabilityDiagram.Compute([0.2, 0.0], [true, false]);

        diagram.Bins[2].Count.Should().Be(1);
        diagram.Bins[0].Count.Should().Be(1);
    }

    [Fact]
    public void Compute_BadInput_ThrowsNamingIt()
    {
        var outOfRange = () => ReliabilityDiagram.Compute([1.5], [true]);
        var mismatch = () => ReliabilityDiagram.Compute([0.5, 0.5], [true]);

        outOfRange.Should().Throw<ArgumentException>().WithMessage("Confidence 0 is 1.5; expected a probability in [0, 1].*");
        mismatch.Should().Throw<ArgumentException>().WithMessage("Expected one answer per confidence (2); got 1.*");
    }
}
