using OneShot.Embeddings;
using OneShot.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// The backbones against PyTorch: fixed weights and inputs, outputs computed by eng/golden/make_fixtures.py with
/// Debian's python3-torch 1.13 in float64 from reference implementations (Snell's Conv4, RFS's ResNet-12, torchvision's
/// ResNet-18). A wrong padding, stride, activation, pooling or batch-norm detail fails these tests.
/// </summary>
public sealed class GoldenForwardTests
{
    public static TheoryData<string> Networks => new() { "conv4", "resnet12", "resnet18" };

    private static nn.Module<Tensor, Tensor> Build(string name) => name switch
    {
        "conv4" => new Conv4(1, [8, 8, 8, 8]),
        "resnet12" => new ResNet12(3, [8, 12, 16, 20]),
        "resnet18" => new ResNet18(3),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No golden fixture."),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void StateDict_SameKeysShapesAndTypesAsPyTorchReference(string name)
    {
        using var network = Build(name);
        var (fixture, metadata) = GoldenFixture.Read($"{name}.io.safetensors");
        using (fixture)
        {
            var actual = network.state_dict().Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] {p.Value.dtype.ToString().ToLowerInvariant()}").ToList();

            // The same entries; the order differs (TorchSharp lists all parameters, then all buffers), which loading by key ignores.
            actual.Should().BeEquivalentTo(GoldenFixture.Keys(metadata));
            actual.Should().HaveCount(GoldenFixture.Keys(metadata).Count);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Weights_HashRule_BitIdenticalToPythonsWeights(string name)
    {
        using var network = Build(name);
        var (fixture, metadata) = GoldenFixture.Read($"{name}.io.safetensors");
        using (fixture)
        using (var weights = GoldenWeights.For(network))
        {
            var order = GoldenFixture.Keys(metadata).Select(GoldenFixture.KeyOf);

            GoldenWeights.Sha256(weights, order).Should().Be(metadata["weights_sha256"]);
        }
    }

    [Theory]
    [InlineData("conv4")]
    [InlineData("resnet12")]
    public void Weights_ExportedFile_LoadsStrictlyAndEqualsHashRule(string name)
    {
        using var network = Build(name);
        using var reader = SafetensorsReader.Open(Path.Combine(GoldenFixture.Folder, $"{name}.weights.safetensors"));
        using var exported = reader.ReadAll();
        using var generated = GoldenWeights.For(network);

        StateDictLoader.CopyInto(network, exported, reader.FilePath);

        exported.Names.Should().BeEquivalentTo(generated.Names);
        foreach (var (key, value) in network.state_dict())
        {
            TensorAssert.BitIdentical(value, generated[key]);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void EvalForward_Float32_MatchesPyTorchWithin1e5(string name)
    {
        using var network = Loaded(name);
        var (fixture, _) = GoldenFixture.Read($"{name}.io.safetensors");
        using (fixture)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            network.eval();
            var output = network.forward(fixture["input"]);

            GoldenFixture.MaxRelativeError(output, fixture["output.eval"], 1.0).Should().BeLessThanOrEqualTo(GoldenFixture.Float32Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void TrainForward_Float32_MatchesPyTorchOutputAndRunningStatistics(string name)
    {
        using var network = Loaded(name);
        var (fixture, _) = GoldenFixture.Read($"{name}.io.safetensors");
        using (fixture)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            network.train();
            var output = network.forward(fixture["input"]);

            GoldenFixture.MaxRelativeError(output, fixture["output.train"], 1.0).Should().BeLessThanOrEqualTo(GoldenFixture.Float32Tolerance);
            var statistics = fixture.Names.Where(n => n.StartsWith("after_train.", StringComparison.Ordinal)).ToList();
            statistics.Should().NotBeEmpty();
            var state = network.state_dict();
            foreach (string key in statistics)
            {
                GoldenFixture.MaxRelativeError(state[key["after_train.".Length..]], fixture[key], 1.0)
                    .Should().BeLessThanOrEqualTo(GoldenFixture.Float32Tolerance, key);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void EvalAndTrainForward_Float64_MatchPyTorchWithin1e10(string name)
    {
        using var network = Loaded(name);
        network.to(ScalarType.Float64);
        var (fixture, _) = GoldenFixture.Read($"{name}.io.safetensors");
        using (fixture)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var input = fixture["input"].to_type(ScalarType.Float64);
            network.eval();
            var eval = network.forward(input);
            network.train();
            var train = network.forward(input);

            eval.dtype.Should().Be(ScalarType.Float64);
            GoldenFixture.MaxRelativeError(eval, fixture["output.eval"], 1e-3).Should().BeLessThanOrEqualTo(GoldenFixture.Float64Tolerance);
            GoldenFixture.MaxRelativeError(train, fixture["output.train"], 1e-3).Should().BeLessThanOrEqualTo(GoldenFixture.Float64Tolerance);
        }
    }

    private static nn.Module<Tensor, Tensor> Loaded(string name)
    {
        var network = Build(name);
        using var weights = GoldenWeights.For(network);
        StateDictLoader.CopyInto(network, weights, $"golden {name}");
        return network;
    }
}
