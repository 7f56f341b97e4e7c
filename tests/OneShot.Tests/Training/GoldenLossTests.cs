using OneShot.Classification;
using OneShot.Tests.Embeddings;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// The prototypical loss against PyTorch: one 5-way 2-shot episode with 3 queries per class, whose loss and gradients
/// with respect to the support and query embeddings eng/golden/make_fixtures.py computed in float64 (prototypes as class
/// means, direct squared differences or normalised dot products, mean cross-entropy).
/// </summary>
public sealed class GoldenLossTests
{
    [Theory]
    [InlineData("sqeuclidean", DistanceMetric.SquaredEuclidean, ScalarType.Float32, 1.0, 1e-5)]
    [InlineData("cosine", DistanceMetric.Cosine, ScalarType.Float32, 1.0, 1e-5)]
    [InlineData("sqeuclidean", DistanceMetric.SquaredEuclidean, ScalarType.Float64, 1e-3, 1e-12)]
    [InlineData("cosine", DistanceMetric.Cosine, ScalarType.Float64, 1e-3, 1e-12)]
    public void Compute_OneEpisode_LossAndGradientsMatchPyTorch(string fixtureName, DistanceMetric metric, ScalarType dtype, double floorFraction, double tolerance)
    {
        var (fixture, metadata) = GoldenFixture.Read($"protoloss.{fixtureName}.safetensors");
        using (fixture)
        using (var scope = NewDisposeScope())
        {
            int way = int.Parse(metadata["way"], System.Globalization.CultureInfo.InvariantCulture);
            double scale = double.Parse(metadata["cosine_scale"], System.Globalization.CultureInfo.InvariantCulture);
            var support = fixture["support"].to_type(dtype).requires_grad_(true);
            var query = fixture["query"].to_type(dtype).requires_grad_(true);

            // PyTorch's cosine logits are scale * cos; OneShot's are -(1 - cos) / temperature: the same softmax when temperature = 1 / scale.
            double temperature = metric == DistanceMetric.Cosine ? 1.0 / scale : 1.0;
            using var result = PrototypicalLoss.Compute(support, fixture["support_labels"], query, fixture["query_labels"], way, metric, temperature);
            result.Loss.backward();

            GoldenFixture.MaxRelativeError(result.Loss.reshape(1), fixture["loss"], floorFraction).Should().BeLessThanOrEqualTo(tolerance);
            GoldenFixture.MaxRelativeError(support.grad!, fixture["grad.support"], floorFraction).Should().BeLessThanOrEqualTo(tolerance);
            GoldenFixture.MaxRelativeError(query.grad!, fixture["grad.query"], floorFraction).Should().BeLessThanOrEqualTo(tolerance);
            result.Accuracy.Should().Be(fixture["accuracy"].item<double>());
        }
    }
}
