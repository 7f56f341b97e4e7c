using OneShot.Classification;
using TorchSharp;
using static OneShot.Tests.Classification.TestTensors;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

/// <summary>Squared Euclidean winners are exact: no cancellation of the norm expansion for near-duplicates of large norm.</summary>
public sealed class ExactDistanceTests
{
    [Fact]
    public void Compute_IdenticalLargeNormVectors_GiveAtMostOneMillionthOfTheSquaredNorm()
    {
        using var scope = NewDisposeScope();
        var v = rand(new long[] { 4, 64 }, generator: new Generator(3)).add_(1000);
        double squaredNorm = v.square().sum(1).max().item<float>();
        var others = v.add(5);

        var d = Distances.Compute(v, cat([others, v], 0), DistanceMetric.SquaredEuclidean);

        float[] self = Values(d.diagonal(offset: 4));
        self.Should().OnlyContain(x => x >= 0 && x <= 1e-6 * squaredNorm);
        squaredNorm.Should().BeGreaterThan(6e7, "the vectors have a large norm, where the expansion cancels");
    }

    [Fact]
    public void Compute_NearDuplicates_GiveTheExactSmallDistance()
    {
        using var scope = NewDisposeScope();
        var v = full(new long[] { 1, 16 }, 3000f);
        var nearby = v.clone();
        nearby[0, 0] = tensor(3000.25f);

        float d = Distances.Compute(v, nearby, DistanceMetric.SquaredEuclidean).item<float>();
        float euclidean = Distances.Compute(v, nearby, DistanceMetric.Euclidean).item<float>();

        d.Should().Be(0.0625f);
        euclidean.Should().Be(0.25f);
    }

    [Fact]
    public void VectorIndex_IdenticalLargeNormVectors_ReturnTheExactZeroFirst()
    {
        using var scope = NewDisposeScope();
        var v = rand(new long[] { 50, 32 }, generator: new Generator(5)).add_(500);
        double squaredNorm = v.square().sum(1).max().item<float>();
        using var index = new VectorIndex(v, DistanceMetric.SquaredEuclidean, maxChunkElements: 64);

        var (distances, indices) = index.Search(v.narrow(0, 7, 3), 2);

        Values(distances.select(1, 0)).Should().OnlyContain(x => x <= 1e-6 * squaredNorm);
        indices.select(1, 0).data<long>().ToArray().Should().Equal(7, 8, 9);
    }
}
