using OneShot.Classification;
using OneShot.Evaluation;
using OneShot.Tests.Galleries;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Classification;

public sealed class FeatureTransformTests
{
    [Fact]
    public void Predict_CenterThenL2Normalize_HandComputedDistances()
    {
        // With m = (1,1): a (3,1) -> (1,0), b (1,4) -> (0,1), query (3,2) -> (2,1)/sqrt(5).
        // Squared Euclidean between unit vectors is 2 - 2 cos: 2 - 4/sqrt(5) and 2 - 2/sqrt(5).
        using var support = Rows([3, 1], [1, 4]);
        using var query = Rows([3, 2]);
        var options = new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = [1, 1] };

        using var fitted = new PrototypeClassifier(options).Fit(support, ["a", "b"]);
        using var prototypes = fitted.GetPrototypes();
        var prediction = fitted.Predict(query).Single();

        Values(prototypes).Should().Equal(new float[] { 1, 0, 0, 1 }, (x, y) => Math.Abs(x - y) < 1e-6);
        prediction.Label.Should().Be("a");
        prediction.Score.Should().BeApproximately(2 - (4 / Math.Sqrt(5)), 1e-6);
        prediction.TopK[1].Score.Should().BeApproximately(2 - (2 / Math.Sqrt(5)), 1e-6);
    }

    [Fact]
    public void Predict_NoTransform_RawDistances_L2Normalize_UnitDistances()
    {
        using var support = Rows([3, 1], [1, 4]);
        using var query = Rows([3, 2]);

        using var raw = new PrototypeClassifier().Fit(support, ["a", "b"]);
        using var normalized = new PrototypeClassifier(new() { Transform = FeatureTransform.L2Normalize }).Fit(support, ["a", "b"]);

        raw.Predict(query).Single().TopK.Select(s => s.Score).Should().Equal(1, 8);
        // (3,1)/sqrt(10) and (3,2)/sqrt(13): 2 - 2 * 11 / sqrt(130).
        normalized.Predict(query).Single().Score.Should().BeApproximately(2 - (22 / Math.Sqrt(130)), 1e-6);
    }

    [Fact]
    public void Fit_CenteringMeanOfWrongLength_ThrowsNamingBothLengths()
    {
        using var support = Rows([3, 1], [1, 4]);
        var options = new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = [1, 1, 1] };

        var act = () => new PrototypeClassifier(options).Fit(support, ["a", "b"]);

        act.Should().Throw<ArgumentException>().WithMessage("PrototypeClassifierOptions.CenteringMean has 3 values but the embeddings have D = 2*")
            .Which.ParamName.Should().Be("supportEmbeddings");
    }

    [Fact]
    public void Constructor_CenteringWithoutMean_Throws()
    {
        var act = () => new PrototypeClassifier(new() { Transform = FeatureTransform.CenterThenL2Normalize });

        act.Should().Throw<ArgumentException>().WithMessage("*CenterThenL2Normalize but CenteringMean is null*");
    }

    [Fact]
    public void Options_CenteringMean_ValidatedCopiedAndComparedByValue()
    {
        float[] mean = [1, 2];
        var a = new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = mean };
        mean[0] = 5;

        a.CenteringMean.Should().Equal(1f, 2f);
        a.Should().Be(new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = [1, 2] });
        a.Should().NotBe(new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = [1, 3] });
        FluentActions.Invoking(() => new PrototypeClassifierOptions { CenteringMean = [float.NaN] }).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("CenteringMean");
        FluentActions.Invoking(() => new PrototypeClassifierOptions { Transform = (FeatureTransform)7 }).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void FeatureMean_Compute_EqualsHandComputedMeanOverAllItems()
    {
        var dataset = global::OneShot.Data.InMemoryClassDataset.FromArrays(
            [[1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 10, 10, 10, 10, -1, 2, -3, 4]],
            (1, 2, 2));
        using var embedder = new FlattenEmbedder();

        float[] mean = FeatureMean.Compute(embedder, dataset);

        mean.Should().Equal(new[] { 3f, 4f, 3.4f, 5.2f }, (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void FeatureMean_Compute_ItemShapeMismatch_Throws()
    {
        var dataset = global::OneShot.Data.InMemoryClassDataset.FromArrays([new float[9]], (1, 3, 3));
        using var embedder = new FlattenEmbedder();

        var act = () => FeatureMean.Compute(embedder, dataset);

        act.Should().Throw<ArgumentException>().WithMessage("The dataset's items are 1x3x3*takes 1x2x2.*");
    }
}
