using OneShot.Classification;

namespace OneShot.Tests.Classification;

public sealed class ThresholdCalibrationTests
{
    // Same pairs score 0.9, 0.8, 0.6, 0.3; different pairs 0.7, 0.4, 0.2, 0.1. Accepting score >= 0.6 rejects one
    // same pair (0.3) and accepts one different pair (0.7): FAR = FRR = 1/4, the only threshold where they meet.
    private static readonly double[] Scores = [0.9, 0.7, 0.8, 0.4, 0.6, 0.2, 0.3, 0.1];
    private static readonly bool[] IsSame = [true, false, true, false, true, false, true, false];

    [Fact]
    public void EqualErrorRate_HandMadeScores_ThresholdWhereRatesMeet()
    {
        var result = ThresholdCalibration.EqualErrorRate(Scores, IsSame);

        result.Should().Be(new ThresholdCalibrationResult(0.6, 0.25, 0.25, ThresholdCalibrationMethod.EqualErrorRate));
    }

    [Fact]
    public void EqualErrorRate_NoExactMeeting_TieOnGapGoesToLowerTotalError()
    {
        // Same: 0.5, 0.5; different: 0.5, 0.1. At 0.5: FAR 1/2, FRR 0 (gap 0.5, total 0.5).
        // Above 0.5: FAR 0, FRR 1 (gap 1). At 0.1: FAR 1, FRR 0 (gap 1). So 0.5; a score equal to the threshold is accepted.
        var result = ThresholdCalibration.EqualErrorRate([0.5, 0.5, 0.5, 0.1], [true, true, false, false]);

        result.Threshold.Should().Be(0.5);
        result.FalseAcceptRate.Should().Be(0.5);
        result.FalseRejectRate.Should().Be(0);
    }

    [Fact]
    public void ForFalseAcceptRate_Targets_LowestThresholdMeetingTarget()
    {
        ThresholdCalibration.ForFalseAcceptRate(Scores, IsSame, 0.25)
            .Should().Be(new ThresholdCalibrationResult(0.6, 0.25, 0.25, ThresholdCalibrationMethod.FalseAcceptRate));
        ThresholdCalibration.ForFalseAcceptRate(Scores, IsSame, 0)
            .Should().Be(new ThresholdCalibrationResult(0.8, 0, 0.5, ThresholdCalibrationMethod.FalseAcceptRate));
        ThresholdCalibration.ForFalseAcceptRate(Scores, IsSame, 1)
            .Should().Be(new ThresholdCalibrationResult(0.1, 1, 0, ThresholdCalibrationMethod.FalseAcceptRate));
    }

    [Fact]
    public void ForFalseAcceptRate_AllDifferentAboveAllSame_AboveMaxAcceptsNothing()
    {
        var result = ThresholdCalibration.ForFalseAcceptRate([0.1, 0.9], [true, false], 0);

        result.Threshold.Should().Be(Math.BitIncrement(0.9));
        result.FalseAcceptRate.Should().Be(0);
        result.FalseRejectRate.Should().Be(1);
    }

    [Fact]
    public void EqualErrorRate_OnlySamePairs_ThrowsNamingCounts()
    {
        var act = () => ThresholdCalibration.EqualErrorRate([0.1, 0.2], [true, true]);

        act.Should().Throw<ArgumentException>().WithParameterName("isSame")
            .WithMessage("Calibration needs at least one 'same' and one 'different' pair; got 2 same and 0 different.*");
    }
}
