using OneShot.Data;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Serialization.Onnx;
using OneShot.Training;
using Onnx;
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
    public void CheckpointLoad_GeneratorStateWithAnUnknownElementType_ThrowsCheckpointFormatException()
    {
        // Found by AFL++ (eng/reliability/afl.sh, checkpoint-payload target, after 286,142 executions): the generator
        // state's element type code was handed by TorchSharp's Tensor.Load straight to libtorch ("Unsupported TypeMeta
        // in ATen", undefined behaviour there; AFL saw the process die). The header is now validated first, as for weights.
        byte[] input = File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, "fuzz", "regressions", "checkpoint-payload", "afl-generator-state-element-type.bin"));
        var target = OneShot.Fuzz.FuzzTargets.Find("checkpoint-payload");

        var error = FluentActions.Invoking(() => target.Run(input)).Should().Throw<CheckpointFormatException>().Which;

        error.Message.Should().Contain("generator state cannot be read").And.Contain("element type code 80136585");
    }

    [Fact]
    public void OnnxImport_ConvWithoutKernelShapeAndARankOneWeight_ThrowsOnnxImportExceptionInsteadOfRangeError()
    {
        // Found by the onnx-graph target (smoke mutation 62 of its seed): a Conv without kernel_shape takes its window
        // from the weight's shape, and a weight of rank 1 made Shape[2..] throw ArgumentOutOfRangeException.
        var model = ResNet18Graph();
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        conv.Attribute.Remove(conv.Attribute.Single(a => a.Name == "kernel_shape"));
        var weight = model.Graph.Initializer.Single(t => t.Name == conv.Input[1]);
        weight.Dims.Clear();
        weight.Dims.Add(weight.RawData.Length / sizeof(float));
        string path = Save(model);

        var error = FluentActions.Invoking(() => OnnxImport.CreateResNet18(path, PreprocessingPresets.ImageNet with { Width = 32, Height = 32 }))
            .Should().Throw<OnnxImportException>().Which;
        error.Message.Should().Contain("ResNet-18's structure").And.Contain("kernel []");
        error.UnmappedModules.Should().Contain("conv1");
    }

    [Theory]
    [InlineData("Conv", 1, 1)]
    [InlineData("BatchNormalization", 4, 1)]
    [InlineData("Relu", 1, 0)]
    public void OnnxImport_NodeWithTooFewInputsOrOutputs_ThrowsOnnxImportExceptionNamingIt(string op, int inputs, int outputs)
    {
        var model = ResNet18Graph();
        var node = model.Graph.Node.First(n => n.OpType == op);
        while (node.Input.Count > inputs)
        {
            node.Input.RemoveAt(node.Input.Count - 1);
        }

        while (node.Output.Count > outputs)
        {
            node.Output.RemoveAt(node.Output.Count - 1);
        }

        string path = Save(model);

        FluentActions.Invoking(() => OnnxImport.CreateResNet18(path, PreprocessingPresets.ImageNet with { Width = 32, Height = 32 }))
            .Should().Throw<OnnxImportException>().WithMessage($"*{op}*has {inputs} inputs and {outputs} outputs*the file is malformed*");
    }

    private ModelProto ResNet18Graph()
    {
        string path = Path.Combine(_folder, "resnet18.onnx");
        using (var embedder = Embedder.Create(new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = PreprocessingPresets.ImageNet with { Width = 32, Height = 32 } }))
        {
            OnnxExporter.Export(embedder, path);
        }

        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
    }

    private string Save(ModelProto model)
    {
        string path = Path.Combine(_folder, "mutated.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        return path;
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
