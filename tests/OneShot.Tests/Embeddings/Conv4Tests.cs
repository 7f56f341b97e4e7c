using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

public sealed class Conv4Tests
{
    [Fact]
    public void StateDict_OneChannelWidths64_PinsKeysShapesAndOrder()
    {
        using var network = new Conv4(inChannels: 1);

        var entries = network.state_dict().Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] {p.Value.dtype}").ToList();

        // TorchSharp lists all parameters first, then all buffers (PyTorch interleaves them per module);
        // model files match entries by name, so both orders load.
        var expected = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            int cin = i == 0 ? 1 : 64;
            expected.Add($"encoder.{i}.0.weight [64,{cin},3,3] Float32");
            expected.Add($"encoder.{i}.0.bias [64] Float32");
            expected.Add($"encoder.{i}.1.weight [64] Float32");
            expected.Add($"encoder.{i}.1.bias [64] Float32");
        }

        for (int i = 0; i < 4; i++)
        {
            expected.Add($"encoder.{i}.1.running_mean [64] Float32");
            expected.Add($"encoder.{i}.1.running_var [64] Float32");
            expected.Add($"encoder.{i}.1.num_batches_tracked [] Int64");
        }

        entries.Should().Equal(expected);
    }

    [Fact]
    public void Forward_Gray28_GivesNBy64()
    {
        using var network = new Conv4(inChannels: 1);
        network.eval();
        using var images = TensorAssert.Images(5, 1, 28, 28);

        using var output = network.forward(images);

        output.shape.Should().Equal(5, 64);
    }

    [Fact]
    public void Forward_Rgb84_GivesNBy1600()
    {
        using var network = new Conv4(inChannels: 3);
        network.eval();
        using var images = TensorAssert.Images(2, 3, 84, 84);

        using var output = network.forward(images);

        output.shape.Should().Equal(2, 1600);
    }

    [Fact]
    public void Constructor_ThreeWidths_ThrowsNamingWidths()
    {
        var act = () => new Conv4(1, [64, 64, 64]);

        act.Should().Throw<ArgumentException>().WithParameterName("widths").WithMessage("*four positive widths*[64, 64, 64]*");
    }
}
