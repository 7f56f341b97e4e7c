using OneShot.Classification;
using OneShot.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

public sealed class PrototypicalLossTests
{
    // Support: class 0 at (0,0) and (2,0) -> prototype (1,0); class 1 at (0,2) and (0,4) -> prototype (0,3).
    private static Tensor Support() => torch.tensor(new float[] { 0, 0, 2, 0, 0, 2, 0, 4 }, new long[] { 4, 2 });

    private static Tensor SupportLabels() => torch.tensor(new long[] { 0, 0, 1, 1 });

    [Fact]
    public void Compute_HandComputedEuclideanCase_GivesExactLossAndAccuracy()
    {
        using var scope = NewDisposeScope();
        // q0 (1,1) label 0: d = (1, 5); q1 (0,2) label 1: d = (5, 1); q2 (1,2) label 0: d = (4, 2) -> misclassified.
        var query = torch.tensor(new float[] { 1, 1, 0, 2, 1, 2 }, new long[] { 3, 2 });
        var labels = torch.tensor(new long[] { 0, 1, 0 });

        using var result = PrototypicalLoss.Compute(Support(), SupportLabels(), query, labels, way: 2);

        double expected = ((2 * Math.Log(1 + Math.Exp(-4))) + Math.Log(1 + Math.Exp(2))) / 3;
        result.Loss.item<float>().Should().BeApproximately((float)expected, 1e-6f);
        result.Accuracy.Should().BeApproximately(2.0 / 3.0, 1e-9);
    }

    [Fact]
    public void Prototypes_UnorderedLabels_AreClassMeans()
    {
        using var scope = NewDisposeScope();
        var support = torch.tensor(new float[] { 0, 4, 0, 0, 0, 2, 2, 0 }, new long[] { 4, 2 });
        var labels = torch.tensor(new long[] { 1, 0, 1, 0 });

        var prototypes = PrototypicalLoss.Prototypes(support, labels, way: 2);

        prototypes.data<float>().ToArray().Should().Equal(1, 0, 0, 3);
    }

    [Fact]
    public void Logits_Euclidean_AreNegativeSquaredDistances()
    {
        using var scope = NewDisposeScope();
        var prototypes = torch.tensor(new float[] { 1, 0, 0, 3 }, new long[] { 2, 2 });
        var query = torch.tensor(new float[] { 1, 2, -1, 0 }, new long[] { 2, 2 });

        var logits = PrototypicalLoss.Logits(query, prototypes);

        logits.data<float>().ToArray().Should().Equal(-4, -2, -4, -10);
    }

    [Fact]
    public void Compute_Cosine_UsesTemperedCosineDistanceLogits()
    {
        using var scope = NewDisposeScope();
        // q (2,0) label 0 against prototypes (1,0) and (0,3): cosine distances 0 and 1 -> logits (0, -5) at temperature 0.2.
        var query = torch.tensor(new float[] { 2, 0 }, new long[] { 1, 2 });
        var labels = torch.tensor(new long[] { 0 });

        using var result = PrototypicalLoss.Compute(Support(), SupportLabels(), query, labels, 2, DistanceMetric.Cosine, temperature: 0.2);

        result.Loss.item<float>().Should().BeApproximately((float)Math.Log(1 + Math.Exp(-5)), 1e-6f);
        result.Accuracy.Should().Be(1.0);
    }

    [Fact]
    public void Compute_GradientFlowsToEmbeddings()
    {
        using var scope = NewDisposeScope();
        var support = Support().requires_grad_();
        var query = torch.tensor(new float[] { 1, 1 }, new long[] { 1, 2 }).requires_grad_();

        using var result = PrototypicalLoss.Compute(support, SupportLabels(), query, torch.tensor(new long[] { 0 }), 2);
        result.Loss.backward();

        // dL/dq = sum_k (s_k - y_k)(-2)(q - p_k) = 2 s1 (p1 - p0) with s1 = 1/(1+e^4) and p1 - p0 = (-1, 3).
        double s1 = 1 / (1 + Math.Exp(4));
        var grad = query.grad!.data<float>().ToArray();
        grad[0].Should().BeApproximately((float)(2 * s1 * -1), 1e-6f);
        grad[1].Should().BeApproximately((float)(2 * s1 * 3), 1e-6f);
    }

    [Fact]
    public void Prototypes_MissingLabel_Throws()
    {
        using var scope = NewDisposeScope();
        var act = () => PrototypicalLoss.Prototypes(Support(), torch.tensor(new long[] { 0, 0, 0, 0 }), way: 2);

        act.Should().Throw<ArgumentException>().WithMessage("Every label 0..1 needs at least one support item*");
    }
}
