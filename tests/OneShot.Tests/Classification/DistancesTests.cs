using OneShot.Classification;
using static OneShot.Tests.Classification.TestTensors;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

public sealed class DistancesTests
{
    [Fact]
    public void Compute_SquaredEuclidean_MatchesHandComputedValues()
    {
        using var q = Rows(new float[] { 0, 0 }, new float[] { 1, 2 });
        using var s = Rows(new float[] { 3, 4 }, new float[] { 1, 0 }, new float[] { 1, 2 });

        using var d = Distances.Compute(q, s, DistanceMetric.SquaredEuclidean);

        d.shape.Should().Equal(2, 3);
        Values(d).Should().Equal(new float[] { 25, 1, 5, 8, 4, 0 }, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Compute_Euclidean_MatchesHandComputedValues()
    {
        using var q = Rows(new float[] { 0, 0 }, new float[] { 1, 2 });
        using var s = Rows(new float[] { 3, 4 }, new float[] { 1, 0 }, new float[] { 1, 2 });

        using var d = Distances.Compute(q, s, DistanceMetric.Euclidean);

        float[] expected = [5, 1, MathF.Sqrt(5), MathF.Sqrt(8), 2, 0];
        Values(d).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Compute_Cosine_MatchesHandComputedValues()
    {
        using var q = Rows(new float[] { 1, 0, 0 }, new float[] { 1, 1, 0 });
        using var s = Rows(new float[] { 0, 1, 0 }, new float[] { 2, 0, 0 }, new float[] { -1, 0, 0 }, new float[] { 1, 1, 1 });

        using var d = Distances.Compute(q, s, DistanceMetric.Cosine);

        float r2 = MathF.Sqrt(2);
        float r3 = MathF.Sqrt(3);
        float[] expected =
        [
            1, 0, 2, 1 - (1 / r3),
            1 - (1 / r2), 1 - (1 / r2), 1 + (1 / r2), 1 - (2 / (r2 * r3)),
        ];
        Values(d).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Compute_NearlyIdenticalLargeVectors_ClampsRoundingToZeroNotNegative()
    {
        float[] v = [1000.1f, 2000.3f, -3000.7f];
        using var q = Rows(v, v);
        using var s = Rows(v);

        using var squared = Distances.Compute(q, s, DistanceMetric.SquaredEuclidean);
        using var euclidean = Distances.Compute(q, s, DistanceMetric.Euclidean);

        Values(squared).Should().OnlyContain(x => x >= 0 && x < 1);
        Values(euclidean).Should().OnlyContain(x => x >= 0 && !float.IsNaN(x));
    }

    [Fact]
    public void Compute_Float64Inputs_ReturnsFloat64WithExactValues()
    {
        using var q = tensor(new double[] { 0, 0 }, [1, 2]);
        using var s = tensor(new double[] { 3, 4 }, [1, 2]);

        using var d = Distances.Compute(q, s, DistanceMetric.Euclidean);

        d.dtype.Should().Be(ScalarType.Float64);
        d.item<double>().Should().Be(5.0);
    }

    [Fact]
    public void Compute_EmbeddingLengthMismatch_ThrowsArgumentExceptionNamingShapes()
    {
        using var q = zeros(2, 3);
        using var s = zeros(4, 5);

        var act = () => Distances.Compute(q, s, DistanceMetric.SquaredEuclidean);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*same embedding length D*[2,3]*[4,5]*")
            .Which.ParamName.Should().Be("support");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 1)]
    [InlineData(2, 3)]
    public void Compute_NotTwoDimensional_ThrowsArgumentException(int queryDims, int supportDims)
    {
        using var q = zeros(Enumerable.Repeat(2L, queryDims).ToArray());
        using var s = zeros(Enumerable.Repeat(2L, supportDims).ToArray());

        var act = () => Distances.Compute(q, s, DistanceMetric.Cosine);

        act.Should().Throw<ArgumentException>().WithMessage("Expected * of shape *");
    }

    [Fact]
    public void Compute_IntegerInputs_ThrowsArgumentException()
    {
        using var q = zeros(new long[] { 1, 2 }, ScalarType.Int64);
        using var s = zeros(new long[] { 1, 2 }, ScalarType.Int64);

        var act = () => Distances.Compute(q, s, DistanceMetric.Euclidean);

        act.Should().Throw<ArgumentException>().WithMessage("*float32 or float64*Int64*");
    }
}
