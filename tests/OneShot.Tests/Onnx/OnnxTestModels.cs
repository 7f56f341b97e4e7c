using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Tests.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Onnx;

/// <summary>Small seeded embedders with non-trivial batch-norm statistics, and a tolerance check, for the ONNX tests.</summary>
internal static class OnnxTestModels
{
    /// <summary>Conv4 (widths 8) on 28x28 gray, ResNet-12 (widths 4-10) on 3x20x20, ResNet-18 on 3x32x32.</summary>
    public static Embedder Create(string architecture, bool l2, long seed = 5)
    {
        var rgb = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32, Mean = [0.5f, 0.4f, 0.3f], Std = [0.2f, 0.25f, 0.3f] };
        var options = architecture switch
        {
            "conv4" => new EmbedderOptions { Backbone = new Conv4Options { Widths = [8, 8, 8, 8] }, L2Normalize = l2 },
            "resnet12" => new EmbedderOptions
            {
                Backbone = new ResNet12Options { Widths = [4, 6, 8, 10] },
                Preprocessing = rgb with { Width = 20, Height = 20 },
                L2Normalize = l2,
            },
            "resnet18" => new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = rgb, L2Normalize = l2 },
            // The CNTK ImageNet model's shape: three blocks in the last stage (once silently exported with two).
            "resnet18-2223" => new EmbedderOptions { Backbone = new ResNet18Options { BlocksPerStage = [2, 2, 2, 3] }, Preprocessing = rgb, L2Normalize = l2 },
            _ => throw new ArgumentException(architecture, nameof(architecture)),
        };
        var embedder = EmbedderTests.CreateSeeded(options, seed);
        RandomizeBatchNorms(embedder.Network, seed);
        return embedder;
    }

    /// <summary>
    /// ResNet-18 on 3x72x72 re-pooled as <paramref name="pooling"/> (for example <c>layer3:4</c>): stage maps of 18, 9, 5
    /// and 3 pixels, so 4 cells on 5 pixels overlap and differ in size, as ImageNet's 14-pixel layer3 on 4 cells does.
    /// </summary>
    public static Embedder CreatePooled(string pooling, long seed = 5)
    {
        var embedder = EmbedderTests.CreateSeeded(
            new EmbedderOptions
            {
                Backbone = new ResNet18Options { Pooling = StagePooling.ParseList(pooling) },
                Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 72, Height = 72 },
            },
            seed);
        RandomizeBatchNorms(embedder.Network, seed);
        return embedder;
    }

    /// <summary>Gives every batch norm random statistics, scale and shift, so exporting them wrongly changes the output.</summary>
    public static void RandomizeBatchNorms(nn.Module<Tensor, Tensor> network, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, t) in network.state_dict())
        {
            if (t.dim() != 1 || t.dtype != ScalarType.Float32)
            {
                continue;
            }

            if (name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("weight", StringComparison.Ordinal))
            {
                t.copy_(rand(t.shape, generator: generator) + 0.5);
            }
            else if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal))
            {
                t.copy_(randn(t.shape, generator: generator) * 0.3);
            }
        }
    }

    /// <summary>The largest absolute difference divided by the largest absolute expected value.</summary>
    public static double RelativeError(float[] actual, float[] expected)
    {
        actual.Length.Should().Be(expected.Length);
        double scale = expected.Max(v => Math.Abs(v));
        scale.Should().BeGreaterThan(1e-3, "the comparison must not be between near-zero vectors");
        return actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max() / scale;
    }

    /// <summary>The values of a CPU float tensor.</summary>
    public static float[] Values(Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
