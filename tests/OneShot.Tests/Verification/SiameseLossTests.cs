using OneShot.Verification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Verification;

public sealed class SiameseLossTests
{
    [Fact]
    public void ContrastiveLoss_HandComputedPairs_MatchesHalfSquaredTermsAveraged()
    {
        // Same pair at distance 5: ½·25 = 12.5. Different pair at distance 1, margin 2: ½·(2 − 1)² = 0.5.
        // Different pair at distance 3 beyond the margin: 0. Mean = 13 / 3.
        using var left = tensor(new float[] { 0, 0, 0, 0, 0, 0 }, [3, 2]);
        using var right = tensor(new float[] { 3, 4, 0.6f, 0.8f, 0, 3 }, [3, 2]);
        using var isSame = tensor(new float[] { 1, 0, 0 });

        using var loss = ContrastiveLoss.Compute(left, right, isSame, margin: 2);

        loss.item<float>().Should().BeApproximately(13f / 3, 1e-5f);
    }

    [Fact]
    public void ContrastiveLoss_MismatchedTargets_ThrowsNamingShapes()
    {
        using var a = zeros(3, 2);
        using var t = zeros(2);

        var act = () => ContrastiveLoss.Compute(a, a, t, 1);

        act.Should().Throw<ArgumentException>().WithParameterName("isSame").WithMessage("Expected one target per pair, shape [3]; got [2].*");
    }

    [Fact]
    public void KochLoss_HandComputedLogits_IsMeanBinaryCrossEntropy()
    {
        // Logit 0 for a same pair: −log σ(0) = ln 2. Logit ln 3 for a different pair: −log(1 − 0.75) = ln 4.
        using var logits = tensor(new float[] { 0, (float)Math.Log(3) });
        using var isSame = tensor(new float[] { 1, 0 });

        using var loss = KochLoss.Compute(logits, isSame);

        loss.item<float>().Should().BeApproximately((float)(1.5 * Math.Log(2)), 1e-6f);
    }

    [Fact]
    public void KochHead_SetWeights_LogitIsWeightedL1PlusBias()
    {
        using var head = new KochHead(2);
        using (no_grad())
        {
            head.state_dict()["fc.weight"].copy_(tensor(new float[] { 1, -2 }, [1, 2]));
            head.state_dict()["fc.bias"].copy_(tensor(new float[] { 0.5f }));
        }

        using var a = tensor(new float[] { 1, 1, 2, 2 }, [2, 2]);
        using var b = tensor(new float[] { 0, 3, 2, 2 }, [2, 2]);
        using var logits = head.forward(a, b);

        head.state_dict().Keys.Should().Equal("fc.weight", "fc.bias");
        logits.data<float>().ToArray().Should().Equal(1 - 4 + 0.5f, 0.5f);
        head.GetParameters().Weights.Should().Equal(1f, -2f);
        head.GetParameters().Bias.Should().Be(0.5f);
    }
}
