using OneShot.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class EmbedderCloneTests
{
    [Fact]
    public void Clone_SameWeightsAndFingerprint_IndependentOfOriginal_GlobalGeneratorUntouched()
    {
        using var embedder = SyntheticClasses.TinyConv4(seed: 4);
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            // Give the running statistics values a fresh network would not have, so buffers are seen to be copied.
            embedder.Network.state_dict()["encoder.1.1.running_mean"].fill_(0.25f);
        }

        random.manual_seed(9);
        using var clone = embedder.Clone();
        float next = rand(1).item<float>();
        random.manual_seed(9);
        float expected = rand(1).item<float>();

        next.Should().Be(expected, "Clone restores TorchSharp's global generator");
        clone.GetFingerprint().Should().Be(embedder.GetFingerprint());
        SyntheticClasses.Weights(clone)["encoder.1.1.running_mean"].Should().OnlyContain(v => v == 0.25f);
        using (var noGrad = no_grad())
        {
            clone.Network.parameters().First().add_(1);
        }

        clone.GetFingerprint().Should().NotBe(embedder.GetFingerprint());
        clone.Network.training.Should().BeFalse();
    }
}
