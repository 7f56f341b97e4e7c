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

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void OpenSetMargin_HandComputedCase_AveragesSoftplusOverKnownUnknownPairs(double temperature)
    {
        using var scope = NewDisposeScope();
        var prototypes = PrototypicalLoss.Prototypes(Support(), SupportLabels(), way: 2); // (1,0) and (0,3)

        // Known: q0 (1,1) label 0 and q1 (0,2) label 1, each at squared distance 1 from its own prototype.
        // Unknown: u0 (3,0) is 4 from (1,0) and 18 from (0,3), so 4; u1 (0,0) is 1 from (1,0), so 1.
        var known = torch.tensor(new float[] { 1, 1, 0, 2 }, new long[] { 2, 2 });
        var unknown = torch.tensor(new float[] { 3, 0, 0, 0 }, new long[] { 2, 2 });

        var loss = PrototypicalLoss.OpenSetMargin(
            PrototypicalLoss.Logits(known, prototypes, temperature: temperature),
            torch.tensor(new long[] { 0, 1 }),
            PrototypicalLoss.Logits(unknown, prototypes, temperature: temperature));

        // Pairs (known, unknown): 1 - 4 and 1 - 1, twice.
        double expected = ((2 * Math.Log(1 + Math.Exp(-3 / temperature))) + (2 * Math.Log(2))) / 4;
        loss.item<float>().Should().BeApproximately((float)expected, 1e-6f);
    }

    [Fact]
    public void OpenSetMargin_GradientPushesUnknownsAwayFromTheirNearestPrototype_AndKnownsTowardsTheirOwn()
    {
        using var scope = NewDisposeScope();
        var prototypes = PrototypicalLoss.Prototypes(Support(), SupportLabels(), way: 2);
        var known = torch.tensor(new float[] { 2, 1 }, new long[] { 1, 2 }).requires_grad_(true); // own prototype (1,0)
        var unknown = torch.tensor(new float[] { 0, 0 }, new long[] { 1, 2 }).requires_grad_(true); // nearest (1,0)

        PrototypicalLoss.OpenSetMargin(
            PrototypicalLoss.Logits(known, prototypes), torch.tensor(new long[] { 0 }), PrototypicalLoss.Logits(unknown, prototypes)).backward();

        // A descent step (minus the gradient) must move the unknown query away from (1,0), i.e. to -x, and the known
        // query towards (1,0), i.e. to -x and -y.
        var u = unknown.grad!.data<float>().ToArray();
        var k = known.grad!.data<float>().ToArray();
        u[0].Should().BeGreaterThan(0);
        u[1].Should().Be(0);
        k[0].Should().BeGreaterThan(0);
        k[1].Should().BeGreaterThan(0);
    }

    [Fact]
    public void OpenSetMargin_NoUnknownQuery_IsAnArgumentError()
    {
        using var scope = NewDisposeScope();
        var prototypes = PrototypicalLoss.Prototypes(Support(), SupportLabels(), way: 2);
        var act = () => PrototypicalLoss.OpenSetMargin(PrototypicalLoss.Logits(Support(), prototypes), SupportLabels(), zeros(0, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*at least one unknown query*[0,2]*");
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
