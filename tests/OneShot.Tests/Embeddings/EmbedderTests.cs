using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class EmbedderTests
{
    internal static Embedder CreateSeeded(EmbedderOptions? options = null, long seed = 42)
    {
        random.manual_seed(seed);
        return Embedder.Create((options ?? new EmbedderOptions()) with { Device = DeviceChoice.Cpu });
    }

    [Fact]
    public void EmbeddingSize_Gray28AndRgb84_Is64And1600()
    {
        using var gray = CreateSeeded();
        using var rgb = CreateSeeded(new EmbedderOptions { Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 84, Height = 84 } });

        gray.EmbeddingSize.Should().Be(64);
        rgb.EmbeddingSize.Should().Be(1600);
        rgb.Architecture.Should().Be("conv4");
    }

    [Fact]
    public void Embed_Rgb84_ReturnsCpuFloatNBy1600()
    {
        using var embedder = CreateSeeded(new EmbedderOptions { Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 84, Height = 84 } });
        using var images = TensorAssert.Images(3, 3, 84, 84);

        using var embeddings = embedder.Embed(images);

        embeddings.shape.Should().Equal(3, 1600);
        embeddings.dtype.Should().Be(ScalarType.Float32);
        embeddings.device_type.Should().Be(DeviceType.CPU);
    }

    [Fact]
    public void Embed_L2Normalize_GivesUnitNorms()
    {
        using var embedder = CreateSeeded(new EmbedderOptions { L2Normalize = true });
        using var images = TensorAssert.Images(6, 1, 28, 28);

        using var embeddings = embedder.Embed(images);
        using var norms = embeddings.norm(1);

        norms.data<float>().ToArray().Should().AllSatisfy(n => n.Should().BeApproximately(1f, 1e-5f));
    }

    [Fact]
    public void Embed_WithoutL2Normalize_NormsAreNotAllOne()
    {
        using var embedder = CreateSeeded();
        using var images = TensorAssert.Images(6, 1, 28, 28);

        using var embeddings = embedder.Embed(images);
        using var norms = embeddings.norm(1);

        norms.data<float>().ToArray().Should().Contain(n => Math.Abs(n - 1f) > 1e-3f);
    }

    [Fact]
    public void Embed_CalledTwiceInTrainMode_IdenticalStaysInTrainModeAndBatchNormStatsUnchanged()
    {
        using var embedder = CreateSeeded();
        embedder.Network.train();
        using var images = TensorAssert.Images(8, 1, 28, 28);
        var before = embedder.Network.state_dict().ToDictionary(p => p.Key, p => TensorAssert.Bytes(p.Value));

        using var first = embedder.Embed(images);
        using var second = embedder.Embed(images);

        TensorAssert.BitIdentical(second, first);
        embedder.Network.training.Should().BeTrue("Embed never switches the network's mode");
        foreach (var (name, tensor) in embedder.Network.state_dict())
        {
            TensorAssert.Bytes(tensor).Should().Equal(before[name], $"{name} must not change during inference");
        }
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 28, 28 })]
    [InlineData(new long[] { 2, 1, 32, 28 })]
    [InlineData(new long[] { 1, 28, 28 })]
    public void Embed_WrongShape_ThrowsNamingExpectedShape(long[] shape)
    {
        using var embedder = CreateSeeded();
        using var images = zeros(shape);

        var act = () => embedder.Embed(images);

        act.Should().Throw<ArgumentException>()
            .WithParameterName("images")
            .WithMessage($"*[N,1,28,28]*got [{string.Join(",", shape)}]*");
    }

    [Fact]
    public void Embed_Float64Images_ThrowsNamingFloat32()
    {
        using var embedder = CreateSeeded();
        using var images = zeros(new long[] { 2, 1, 28, 28 }, dtype: ScalarType.Float64);

        var act = () => embedder.Embed(images);

        act.Should().Throw<ArgumentException>().WithParameterName("images").WithMessage("*float32*Float64*");
    }

    [Fact]
    public void Embed_MoreThan256Images_EqualsEmbeddingEachChunk()
    {
        using var embedder = CreateSeeded();
        using var images = TensorAssert.Images(300, 1, 28, 28);

        using var all = embedder.Embed(images);
        using var head = embedder.Embed(images.narrow(0, 0, 256));
        using var tail = embedder.Embed(images.narrow(0, 256, 44));

        all.shape.Should().Equal(300, 64);
        TensorAssert.BitIdentical(all.narrow(0, 0, 256), head);
        TensorAssert.BitIdentical(all.narrow(0, 256, 44), tail);
    }

    [Fact]
    public void Embed_ManyCalls_LiveTensorCountStaysFlat()
    {
        using var embedder = CreateSeeded();
        using var images = TensorAssert.Images(4, 1, 28, 28);
        embedder.Embed(images).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 300; i++)
        {
            using var embeddings = embedder.Embed(images);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void GetFingerprint_SameSeed_EqualAndDescribesModel()
    {
        using var a = CreateSeeded(seed: 5);
        using var b = CreateSeeded(seed: 5);

        var fingerprint = a.GetFingerprint();

        fingerprint.Should().Be(b.GetFingerprint());
        fingerprint.Architecture.Should().Be("conv4");
        fingerprint.Options.Should().Be("widths=64,64,64,64;l2=False");
        fingerprint.Preprocessing.Should().Be("color=Grayscale;size=28x28;invert=False;mean=0;std=1");
        fingerprint.WeightsSha256.Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Fact]
    public void GetFingerprint_AfterOneWeightChanges_WeightsHashDiffers()
    {
        using var embedder = CreateSeeded();
        var before = embedder.GetFingerprint();

        using (no_grad())
        {
            embedder.Network.state_dict()["encoder.2.0.bias"][0].add_(1e-3f);
        }

        var after = embedder.GetFingerprint();
        after.WeightsSha256.Should().NotBe(before.WeightsSha256);
        (after with { WeightsSha256 = before.WeightsSha256 }).Should().Be(before);
    }

    [Fact]
    public void GetFingerprint_DifferentPreprocessing_Differs()
    {
        using var plain = CreateSeeded();
        using var inverted = CreateSeeded(new EmbedderOptions { Preprocessing = new ImagePreprocessing { Invert = true } });

        var a = plain.GetFingerprint();
        var b = inverted.GetFingerprint();

        b.Should().NotBe(a);
        b.WeightsSha256.Should().Be(a.WeightsSha256);
        b.Preprocessing.Should().Contain("invert=True");
    }

    [Fact]
    public void Embed_AfterDispose_ThrowsObjectDisposed()
    {
        var embedder = CreateSeeded();
        embedder.Dispose();
        using var images = TensorAssert.Images(1, 1, 28, 28);

        var act = () => embedder.Embed(images);

        act.Should().Throw<ObjectDisposedException>();
    }
}
