using OneShot.Evaluation;

namespace OneShot.Tests.Evaluation;

public sealed class ConfidenceIntervalTests
{
    [Fact]
    public void Compute_KnownList_UsesSampleStandardDeviation()
    {
        // mean 0.75; squared deviations 0.0625*3 + 0.5625 = 0.75; sample sd = sqrt(0.75/3) = 0.5; 1.96*0.5/sqrt(4) = 0.49.
        var ci = ConfidenceInterval.Compute([1.0, 0.0, 1.0, 1.0]);

        ci.Mean.Should().Be(0.75);
        ci.StandardDeviation.Should().BeApproximately(0.5, 1e-15);
        ci.HalfWidth95.Should().BeApproximately(0.49, 1e-15);
        ci.Count.Should().Be(4);
    }

    [Fact]
    public void Compute_ConstantValues_HasZeroWidth()
    {
        var ci = ConfidenceInterval.Compute([0.8, 0.8, 0.8]);

        ci.Mean.Should().BeApproximately(0.8, 1e-15);
        ci.HalfWidth95.Should().BeApproximately(0, 1e-15);
    }

    [Fact]
    public void Compute_OneValue_HasUndefinedWidth()
    {
        var ci = ConfidenceInterval.Compute([0.6]);

        ci.Mean.Should().Be(0.6);
        double.IsNaN(ci.HalfWidth95).Should().BeTrue();
    }

    [Fact]
    public void Compute_Empty_Throws()
    {
        var act = () => ConfidenceInterval.Compute([]);

        act.Should().Throw<ArgumentException>().WithMessage("A confidence interval needs at least one value; got none.*");
    }

    [Fact]
    public void Compute_NaN_ThrowsNamingTheIndex()
    {
        var act = () => ConfidenceInterval.Compute([0.5, double.NaN]);

        act.Should().Throw<ArgumentException>().WithMessage("Value 1 is NaN; expected finite values.*");
    }
}
