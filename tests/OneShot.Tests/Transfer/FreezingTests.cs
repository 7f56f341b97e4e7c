using OneShot.Tests.Training;
using OneShot.Transfer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

[Collection(TorchGlobalState.Name)]
public sealed class FreezingTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Fact]
    public void SetTrainable_OneStagePrefix_FreezesExactlyThatStage()
    {
        using var embedder = SyntheticClasses.TinyConv4();

        int count = Freezing.SetTrainable(embedder.Network, ["encoder.1"], trainable: false);

        count.Should().Be(4, "conv weight and bias, batch-norm weight and bias");
        var trainable = Freezing.TrainableParameterNames(embedder.Network);
        trainable.Should().HaveCount(12);
        trainable.Should().NotContain(n => n.StartsWith("encoder.1.", StringComparison.Ordinal));
        Freezing.TrainableParameters(embedder.Network).Should().HaveCount(12);
    }

    [Fact]
    public void SetTrainable_PrefixMatchesOnlyWholeNameSegments()
    {
        Freezing.Matches("encoder.1.0.weight", "encoder.1").Should().BeTrue();
        Freezing.Matches("encoder.1", "encoder.1").Should().BeTrue();
        Freezing.Matches("encoder.10.weight", "encoder.1").Should().BeFalse();
        Freezing.Matches("encoder.1x", "encoder.1").Should().BeFalse();
    }

    [Fact]
    public void SetTrainable_UnknownPrefix_ThrowsNamingIt()
    {
        using var embedder = SyntheticClasses.TinyConv4();

        var act = () => Freezing.SetTrainable(embedder.Network, ["layer9"], trainable: false);

        act.Should().Throw<ArgumentException>().WithMessage("The prefix 'layer9' matches no parameter*encoder.0.0.weight*").Which.ParamName.Should().Be("prefixes");
        Freezing.TrainableParameterNames(embedder.Network).Should().HaveCount(16, "nothing changes when a prefix is wrong");
    }

    [Fact]
    public void UnfreezeLastStages_Two_OnlyLastTwoStagesTrainable()
    {
        using var embedder = SyntheticClasses.TinyConv4();

        Freezing.UnfreezeLastStages(embedder, 2);

        Freezing.TrainableParameterNames(embedder.Network).Should().Equal(
            "encoder.2.0.weight", "encoder.2.0.bias", "encoder.2.1.weight", "encoder.2.1.bias",
            "encoder.3.0.weight", "encoder.3.0.bias", "encoder.3.1.weight", "encoder.3.1.bias");
        Freezing.StageOf(embedder, "encoder.2.1.bias").Should().Be(2);
        Freezing.StageOf(embedder, "head.weight").Should().BeNull();

        Freezing.UnfreezeLastStages(embedder, 0);
        Freezing.TrainableParameterNames(embedder.Network).Should().BeEmpty();
        Freezing.Unfreeze(embedder);
        Freezing.TrainableParameterNames(embedder.Network).Should().HaveCount(16);
        Freezing.Freeze(embedder);
        Freezing.TrainableParameterNames(embedder.Network).Should().BeEmpty();
    }

    [Fact]
    public void UnfreezeLastStages_MoreThanStages_Throws()
    {
        using var embedder = SyntheticClasses.TinyConv4();

        var act = () => Freezing.UnfreezeLastStages(embedder, 5);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Expected between 0 and 4 stages for this conv4 embedder.*");
    }

    [Fact]
    public void TrainMode_FrozenStage_BatchNormStaysInEvalAndRunningMeanUnchangedAfterStep()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        Freezing.UnfreezeLastStages(embedder, 1);
        var before = SyntheticClasses.Weights(embedder);
        using var optimizer = optim.Adam(Freezing.TrainableParameters(embedder.Network), lr: 0.01);

        Freezing.TrainMode(embedder.Network);
        embedder.Network.training.Should().BeTrue();
        var batchNorms = embedder.Network.named_modules().Where(m => m.module is BatchNorm2d).ToDictionary(m => m.name, m => m.module.training);
        batchNorms.Should().Equal(new Dictionary<string, bool>
        {
            ["encoder.0.1"] = false,
            ["encoder.1.1"] = false,
            ["encoder.2.1"] = false,
            ["encoder.3.1"] = true,
        });
        using (var scope = NewDisposeScope())
        {
            var images = rand(4, 1, 28, 28, generator: new Generator(3));
            optimizer.zero_grad();
            embedder.Forward(images).square().mean().backward();
            optimizer.step();
        }

        embedder.Network.eval();
        var after = SyntheticClasses.Weights(embedder);
        foreach (string name in new[] { "encoder.0.1.running_mean", "encoder.0.1.running_var", "encoder.2.1.running_mean", "encoder.2.0.weight", "encoder.0.0.weight" })
        {
            after[name].Should().Equal(before[name], "{0} belongs to a frozen stage", name);
        }

        after["encoder.3.1.running_mean"].Should().NotEqual(before["encoder.3.1.running_mean"]);
        after["encoder.3.0.weight"].Should().NotEqual(before["encoder.3.0.weight"]);
    }
}
