using OneShot.Tests.Training;
using OneShot.Transfer;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

[Collection(TorchGlobalState.Name)]
public sealed class LayerwiseLearningRatesTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Fact]
    public void Groups_HeadAndLastTwoStages_RatesDecayPerStageFromTheOutput()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        using var head = nn.Linear(8, 3);
        Freezing.UnfreezeLastStages(embedder, 2);
        var rates = new LayerwiseLearningRates { HeadLearningRate = 0.1, Decay = 0.5 };

        var groups = rates.Groups(embedder, head);

        groups.Select(g => g.Name).Should().Equal("head", "encoder.3", "encoder.2");
        groups.Select(g => g.LearningRate).Should().Equal(0.1, 0.05, 0.025);
        groups[0].ParameterNames.Should().Equal("head.weight", "head.bias");
        groups[2].ParameterNames.Should().Equal("encoder.2.0.weight", "encoder.2.0.bias", "encoder.2.1.weight", "encoder.2.1.bias");
        rates.StageLearningRate(0, 4).Should().Be(0.1 * 0.0625);
    }

    [Fact]
    public void CreateAdamAndSgd_ParamGroupsCarryTheAskedLearningRates()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        using var head = nn.Linear(8, 3);
        Freezing.UnfreezeLastStages(embedder, 3);
        var rates = new LayerwiseLearningRates { HeadLearningRate = 0.2, Decay = 0.1 };

        using var adam = rates.CreateAdam(embedder, head);
        using var sgd = rates.CreateSgd(embedder, head, momentum: 0.5);

        double[] expected = [0.2, 0.02, 0.002, 0.0002];
        adam.ParamGroups.Select(g => g.LearningRate).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-15);
        sgd.ParamGroups.Select(g => g.LearningRate).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-15);
        adam.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().Select(g => g.Parameters.Count()).Should().Equal(2, 4, 4, 4);
    }

    [Fact]
    public void CreateAdam_Step_FrozenParametersBitIdenticalUnfrozenChange()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        Freezing.UnfreezeLastStages(embedder, 2);
        var before = SyntheticClasses.Weights(embedder);
        using var optimizer = new LayerwiseLearningRates { HeadLearningRate = 0.01 }.CreateAdam(embedder);

        Freezing.TrainMode(embedder.Network);
        using (var scope = NewDisposeScope())
        {
            var images = rand(4, 1, 28, 28, generator: new Generator(5));
            optimizer.zero_grad();
            embedder.Forward(images).square().mean().backward();
            optimizer.step();
        }

        embedder.Network.eval();
        var after = SyntheticClasses.Weights(embedder);
        foreach (var name in before.Keys.Where(n => !n.Contains("running") && !n.Contains("num_batches")))
        {
            bool frozen = name.StartsWith("encoder.0.", StringComparison.Ordinal) || name.StartsWith("encoder.1.", StringComparison.Ordinal);
            if (frozen)
            {
                after[name].Should().Equal(before[name], "{0} is frozen", name);
            }
            else
            {
                after[name].Should().NotEqual(before[name], "{0} is trainable", name);
            }
        }
    }

    [Fact]
    public void CreateAdam_NothingTrainable_Throws()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        Freezing.Freeze(embedder);

        var act = () => new LayerwiseLearningRates().CreateAdam(embedder);

        act.Should().Throw<ArgumentException>().WithMessage("Found no trainable parameter in the conv4 embedder*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Decay_OutOfRange_Throws(double decay)
    {
        var act = () => new LayerwiseLearningRates { Decay = decay };

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Decay");
    }
}
