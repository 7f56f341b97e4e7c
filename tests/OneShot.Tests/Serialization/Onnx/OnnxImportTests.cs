using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>The real CNTK ImageNet ResNet-18 (ONNX) loaded into OneShot's ResNet18 and checked against ONNX Runtime.</summary>
public sealed class OnnxImportTests : IDisposable
{
    private static readonly ImagePreprocessing Cntk = PreprocessingPresets.CntkResNet18();

    /// <summary>CNTK's ImageNet "ResNet18" has three blocks in its last stage.</summary>
    private static readonly EmbedderOptions CntkOptions = new()
    {
        Backbone = new ResNet18Options { BlocksPerStage = [2, 2, 2, 3] },
        Preprocessing = Cntk,
        Device = DeviceChoice.Cpu,
    };
    private readonly ITestOutputHelper _output;
    private readonly string _root = TestPaths.NewTempFolder("oneshot-onnx-import");

    public OnnxImportTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CreateResNet18_RealCntkModel_PooledFeaturesEqualOnnxRuntimeWithin1e4()
    {
        using var embedder = OnnxImport.CreateResNet18(CntkResNet18Package.ModelPath, Cntk, DeviceChoice.Cpu);
        embedder.Options.Backbone.Should().Be(new ResNet18Options { BlocksPerStage = [2, 2, 2, 3] });
        embedder.Options.L2Normalize.Should().BeFalse("the comparison is of the raw 512-d pooled feature, as the ONNX graph outputs it");

        for (int seed = 1; seed <= 2; seed++)
        {
            float[] input = InputLikeImages(seed);
            float[] expected = OnnxRuntimeReference.Run(CntkResNet18Package.ModelPath, input, [1, 3, 224, 224]);
            float[] actual = Embed(embedder, input);

            expected.Should().HaveCount(512);
            double relative = OnnxRuntimeReference.MaxRelativeError(actual, expected);
            double element = OnnxRuntimeReference.MaxElementRelativeError(actual, expected);
            _output.WriteLine($"seed {seed}: max |ours - ORT| / max |ORT| = {relative:E2}; largest per-element relative error (elements >= 1 % of max) = {element:E2}");
            relative.Should().BeLessThan(1e-4);
            expected.Max().Should().BeGreaterThan(0.1f, "the features are not all zero, so the comparison means something");
        }
    }

    [Fact]
    public void LoadResNet18_RealCntkModel_ReportsTheStructuralMappingAndThePaddingEquivalence()
    {
        using var embedder = Embedder.Create(CntkOptions);

        var report = OnnxImport.LoadResNet18(embedder, CntkResNet18Package.ModelPath);

        report.Producer.Should().StartWith("CNTK");
        report.BlocksPerStage.Should().Equal(2, 2, 2, 3);
        report.Mapping.Should().HaveCount(22);
        report.Mapping[^1].Should().Be("layer4.2.conv2 + layer4.2.bn2 <- Conv 'Convolution387' + BatchNormalization 'BatchNormalization389'");
        report.Mapping[0].Should().Be("conv1 + bn1 <- Conv 'Convolution249' + BatchNormalization 'BatchNormalization251'");
        report.Mapping.Should().Contain(m => m.StartsWith("layer2.0.downsample.0 + layer2.0.downsample.1 <- Conv", StringComparison.Ordinal));
        report.Notes.Should().Contain(n => n.Contains("Conv 'Convolution249' (conv1) pads [3,3,2,2] equal symmetric padding 3 on its 224x224 input (same 112x112 output", StringComparison.Ordinal));
        report.Notes.Should().Contain(n => n.Contains("MaxPool 'Pooling255' (stem max-pool) pads [1,1,0,0] equal symmetric padding 1 on its 112x112 input (same 56x56 output", StringComparison.Ordinal));
        report.Notes.Should().Contain(n => n.Contains("AveragePool 'Pooling395' with a 7x7 kernel is a global average pool", StringComparison.Ordinal));
        report.Notes.Should().NotContain(n => n.Contains("epsilon", StringComparison.Ordinal), "CNTK's batch-norm epsilon is PyTorch's 1e-5");
    }

    [Fact]
    public void LoadResNet18_StandardResNet18Embedder_ThrowsNamingTheBlocksPerStage()
    {
        using var embedder = Embedder.Create(new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = Cntk, Device = DeviceChoice.Cpu });

        var act = () => OnnxImport.LoadResNet18(embedder, CntkResNet18Package.ModelPath);

        var e = act.Should().Throw<OnnxImportException>().Which;
        e.Problems.Should().Equal("the graph has [2,2,2,3] blocks per stage but the embedder's ResNet18Options.BlocksPerStage is [2,2,2,2]; create the embedder with BlocksPerStage = [2,2,2,3] (OnnxImport.CreateResNet18 does).");
    }

    [Fact]
    public void CreateResNet18_InputSizeWhereCntkPaddingDiffers_ThrowsNamingTheConvolution()
    {
        var act = () => OnnxImport.CreateResNet18(CntkResNet18Package.ModelPath, Cntk with { Width = 225, Height = 225, MeanImage = null }, DeviceChoice.Cpu);

        var e = act.Should().Throw<OnnxImportException>().Which;
        e.Message.Should().Contain("Conv 'Convolution249' (for conv1) pads [3,3,2,2] give 112x112 on a 225x225 input, PyTorch's symmetric padding 3 gives 113x113");
        e.UnmappedModules.Should().HaveCount(40).And.StartWith("conv1");
    }

    [Fact]
    public void LoadResNet18_StrideChangedInLayer3_ThrowsListingTheModulesThatDidNotMap()
    {
        var model = OnnxModelEditor.Load(CntkResNet18Package.ModelPath);
        var conv = OnnxModelEditor.ConvsWithWeight(model, 256, 128, 3, 3).Single();
        OnnxModelEditor.SetInts(conv, "strides", 1, 1);
        string path = OnnxModelEditor.Save(model, _root, "bad-stride.onnx");

        var act = () => OnnxImport.CreateResNet18(path, Cntk, DeviceChoice.Cpu);

        var e = act.Should().Throw<OnnxImportException>().Which;
        e.FilePath.Should().Be(path);
        e.Message.Should().Contain($"ONNX file '{path}' cannot be loaded: (1) the graph does not have ResNet-18's structure: ")
            .And.Contain("(for layer3.0.conv1) has kernel [3,3] and strides [1,1]; expected kernel [3,3] and strides [2,2].");
        e.UnmappedModules.Should().Contain(["layer3.0.conv1", "layer3.0.bn1", "layer4.1.bn2"]).And.NotContain("layer2.1.conv2");
        e.UnmappedModules.Should().HaveCount(2 * 10);
    }

    [Fact]
    public void LoadResNet18_BatchNormScaleOfWrongLength_ThrowsAndLeavesTheWeightsUntouched()
    {
        var model = OnnxModelEditor.Load(CntkResNet18Package.ModelPath);
        var bn = OnnxModelEditor.Consumer(model, model.Graph.Node[0].Output[0]);
        var scale = OnnxModelEditor.Initializer(model, bn.Input[1]);
        OnnxModelEditor.SetFloats(scale, new float[32], 32);
        string path = OnnxModelEditor.Save(model, _root, "bad-shape.onnx");
        using var embedder = Embedder.Create(CntkOptions);
        float[] before = embedder.Network.state_dict()["conv1.weight"].data<float>().ToArray();

        var act = () => OnnxImport.LoadResNet18(embedder, path);

        var e = act.Should().Throw<OnnxImportException>().Which;
        e.Problems.Should().Equal($"bn1: the scale '{scale.Name}' has shape [32]; expected [64].");
        e.UnmappedModules.Should().Equal("conv1", "bn1");
        embedder.Network.state_dict()["conv1.weight"].data<float>().ToArray().Should().Equal(before, "nothing is applied unless everything maps");
    }

    [Fact]
    public void LoadResNet18_NotAnOnnxFile_ThrowsOnnxImportException()
    {
        string path = Path.Combine(_root, "notes.onnx");
        File.WriteAllText(path, "this is not a model");
        using var embedder = Embedder.Create(CntkOptions);

        var act = () => OnnxImport.LoadResNet18(embedder, path);

        act.Should().Throw<OnnxImportException>().WithMessage($"ONNX file '{path}' cannot be loaded: (1) the 19 bytes *");
    }

    [Fact]
    public void LoadResNet18_ConvolutionWithFoldedBatchNormAndOtherEpsilon_EqualsOnnxRuntimeOnTheEditedGraph()
    {
        var model = OnnxModelEditor.Load(CntkResNet18Package.ModelPath);
        FoldStemBatchNorm(model);
        var layer1Bn = OnnxModelEditor.Consumer(model, OnnxModelEditor.ConvsWithWeight(model, 64, 64, 3, 3)[0].Output[0]);
        layer1Bn.Attribute.Single(a => a.Name == "epsilon").F = 1e-3f;
        string path = OnnxModelEditor.Save(model, _root, "folded.onnx");

        using var embedder = Embedder.Create(CntkOptions);
        var report = OnnxImport.LoadResNet18(embedder, path);
        float[] input = InputLikeImages(3);
        float[] expected = OnnxRuntimeReference.Run(path, input, [1, 3, 224, 224]);
        float[] actual = Embed(embedder, input);

        report.Mapping[0].Should().Be("conv1 + bn1 <- Conv 'Convolution249' (batch norm folded into its bias)");
        report.Notes.Should().Contain("layer1.0.bn1: epsilon 0.001 converted to 1E-05 through the running variance.");
        double relative = OnnxRuntimeReference.MaxRelativeError(actual, expected);
        _output.WriteLine($"folded stem + epsilon 1e-3: max |ours - ORT| / max |ORT| = {relative:E2}");
        relative.Should().BeLessThan(1e-4);
    }

    [Fact]
    public void CreateResNet18_ImportedModel_TrainsOneStepWithFiniteLossAndChangedWeights()
    {
        using var embedder = OnnxImport.CreateResNet18(CntkResNet18Package.ModelPath, Cntk, DeviceChoice.Cpu);
        var network = embedder.Network;
        using var head = nn.Linear(512, 2);
        var parameters = network.parameters().Concat(head.parameters()).ToList();
        using var optimizer = optim.SGD(parameters, learningRate: 0.01);
        float[] before = network.state_dict()["layer4.1.conv2.weight"].data<float>().ToArray();
        float[] meanBefore = network.state_dict()["bn1.running_mean"].data<float>().ToArray();

        float loss;
        network.train();
        using (var scope = NewDisposeScope())
        {
            var images = rand([4, 3, 224, 224], generator: new Generator(7)) * 255f - 120f;
            var labels = tensor(new long[] { 0, 0, 1, 1 });
            var output = nn.functional.cross_entropy(head.forward(network.forward(images)), labels);
            optimizer.zero_grad();
            output.backward();
            optimizer.step();
            loss = output.item<float>();
        }

        network.eval();
        float.IsFinite(loss).Should().BeTrue();
        loss.Should().BeGreaterThan(0f);
        float[] after = network.state_dict()["layer4.1.conv2.weight"].data<float>().ToArray();
        after.Zip(before, (a, b) => Math.Abs(a - b)).Max().Should().BeGreaterThan(0f, "the step updated the imported weights");
        network.state_dict()["bn1.running_mean"].data<float>().ToArray().Should().NotEqual(meanBefore, "training-mode batch norm updates its statistics");
    }

    /// <summary>Values shaped like preprocessed images (BGR 0..255 minus a mean of about 115).</summary>
    private static float[] InputLikeImages(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)(random.NextDouble() * 255.0) - 115f).ToArray();
    }

    private static float[] Embed(Embedder embedder, float[] input)
    {
        using var scope = NewDisposeScope();
        return embedder.Embed(tensor(input, [1, 3, 224, 224])).data<float>().ToArray();
    }

    /// <summary>Folds the stem BatchNormalization into the stem Conv (weights scaled, a bias added) and removes it.</summary>
    private static void FoldStemBatchNorm(ModelProto model)
    {
        var conv = model.Graph.Node[0];
        var bn = OnnxModelEditor.Consumer(model, conv.Output[0]);
        float eps = bn.Attribute.Single(a => a.Name == "epsilon").F;
        float[] gamma = OnnxModelEditor.Floats(OnnxModelEditor.Initializer(model, bn.Input[1]));
        float[] beta = OnnxModelEditor.Floats(OnnxModelEditor.Initializer(model, bn.Input[2]));
        float[] mean = OnnxModelEditor.Floats(OnnxModelEditor.Initializer(model, bn.Input[3]));
        float[] variance = OnnxModelEditor.Floats(OnnxModelEditor.Initializer(model, bn.Input[4]));
        var weight = OnnxModelEditor.Initializer(model, conv.Input[1]);
        float[] w = OnnxModelEditor.Floats(weight);
        int perChannel = w.Length / gamma.Length;
        float[] bias = new float[gamma.Length];
        for (int c = 0; c < gamma.Length; c++)
        {
            float factor = gamma[c] / MathF.Sqrt(variance[c] + eps);
            for (int i = 0; i < perChannel; i++)
            {
                w[(c * perChannel) + i] *= factor;
            }

            bias[c] = beta[c] - (mean[c] * factor);
        }

        OnnxModelEditor.SetFloats(weight, w, [.. weight.Dims]);
        var biasTensor = new TensorProto { Name = "FoldedStemBias", DataType = 1 };
        OnnxModelEditor.SetFloats(biasTensor, bias, bias.Length);
        model.Graph.Initializer.Add(biasTensor);
        conv.Input.Add("FoldedStemBias");
        conv.Output[0] = bn.Output[0];
        model.Graph.Node.Remove(bn);
        foreach (string unused in bn.Input.Skip(1))
        {
            model.Graph.Initializer.Remove(OnnxModelEditor.Initializer(model, unused));
        }
    }
}
