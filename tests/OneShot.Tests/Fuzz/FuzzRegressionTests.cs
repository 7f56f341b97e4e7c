using OneShot.IO;
using OneShot.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Fuzz;

/// <summary>Inputs the fuzz harnesses (fuzz/OneShot.Fuzz) found that crashed or escaped as untyped errors, each now a typed error.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-fuzz-regression");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(8, 0, "left 0")]
    [InlineData(12, 0, "seeded 0")]
    [InlineData(16, 625, "next 625")]
    public void CheckpointLoad_InvalidGeneratorState_ThrowsCheckpointFormatExceptionInsteadOfTerminating(int offset, int value, string found)
    {
        // Found by the checkpoint-payload target: libtorch's set_state threw a C++ error TorchSharp does not catch, which
        // terminated the process ("Invalid mt19937 state").
        string path = Path.Combine(_folder, "run.checkpoint");
        var network = nn.Sequential(nn.Linear(3, 2));
        using var optimizer = optim.Adam(network.parameters());
        using (network)
        using (var state = new TrainingState { Episode = 1 })
        {
            TrainingCheckpoint.Save(path, "recipe", "network", state, network, optimizer);
        }

        byte[] payload = ChecksummedFile.Read(path, TrainingCheckpoint.Format).Payload;
        using var current = random.get_rng_state();
        int at = payload.AsSpan().IndexOf(current.bytes);
        at.Should().BePositive("the payload holds the generator state saved");
        BitConverter.TryWriteBytes(payload.AsSpan(at + offset), value);
        using (var stream = File.Create(path))
        {
            ChecksummedFile.WriteTo(stream, TrainingCheckpoint.Format, payload);
        }

        var reloaded = nn.Sequential(nn.Linear(3, 2));
        using var reloadedOptimizer = optim.Adam(reloaded.parameters());
        using (reloaded)
        using (var state = new TrainingState())
        {
            var error = FluentActions.Invoking(() => TrainingCheckpoint.Load(path, "recipe", "network", state, reloaded, reloadedOptimizer))
                .Should().Throw<CheckpointFormatException>().Which;
            error.Message.Should().Contain(path).And.Contain("generator state is not a valid Mersenne-twister state").And.Contain(found);
            state.Episode.Should().Be(0, "nothing is applied from a checkpoint that fails");
        }
    }

    [Fact]
    public void StateDictRead_ZeroDimensionBesideHugeOnes_ThrowsModelFormatExceptionInsteadOfLibtorchStrideOverflow()
    {
        // Found by the state-dict target (CsCheck seed cVRIiOSDoxj1): a shape such as [0, 2^40, 2^40] holds no data, so
        // the byte check passed, and libtorch's stride computation then overflowed (ExternalException with a C++ trace).
        byte[] valid;
        using (var scope = NewDisposeScope())
        {
            valid = OneShot.Serialization.StateDictWriter.ToBytes(new Dictionary<string, Tensor> { ["w"] = zeros(0, 3, 5) });
        }

        byte[] shape = [3, 0, 3, 5];
        int at = valid.AsSpan().IndexOf(shape);
        at.Should().BePositive("the written entry holds rank 3 and dimensions 0, 3, 5");
        byte[] huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]; // 2^40 as LEB128
        byte[] patched = [.. valid.AsSpan(0, at + 2), .. huge, .. huge, .. valid.AsSpan(at + shape.Length)];

        var act = () => OneShot.Serialization.StateDictReader.Read(patched, "fuzz.bin").Dispose();

        act.Should().Throw<OneShot.Serialization.ModelFormatException>()
            .WithMessage("*'fuzz.bin'*'w'*[0, 1099511627776, 1099511627776]*multiply to more than*");
    }
}
