using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Tests.Galleries;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Test-time augmentation: exact views, the mean over them, fingerprints that keep galleries apart, and bad input.</summary>
public sealed class AugmentedEmbedderTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempFolder("oneshot-tta");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A 4x5 image whose every pixel differs, so any misplaced pixel shows.
    private static Tensor Image() => arange(20, dtype: ScalarType.Float32).reshape(1, 1, 4, 5);

    [Fact]
    public void Embed_IdentityOnly_EqualsTheInnerEmbedder()
    {
        using var inner = new FlattenEmbedder(height: 4, width: 5);
        using var augmented = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [new AugmentedView(0, 0)] }, ownsInner: false);
        using var image = Image();

        using var embedding = augmented.Embed(image);

        embedding.data<float>().ToArray().Should().Equal(Enumerable.Range(0, 20).Select(i => (float)i));
    }

    [Fact]
    public void Embed_OnePixelShiftRight_MovesEveryPixelExactlyAndRepeatsTheBorder()
    {
        using var inner = new FlattenEmbedder(height: 4, width: 5);
        using var augmented = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [new AugmentedView(1, 0)] }, ownsInner: false);
        using var image = Image();

        float[] shifted = augmented.Embed(image).data<float>().ToArray();

        // Row r of the image is 5r .. 5r+4; shifted right by one pixel, the first column repeats the border.
        float[] expected = [.. Enumerable.Range(0, 4).SelectMany(r => new[] { 5 * r, 5 * r, (5 * r) + 1, (5 * r) + 2, (5 * r) + 3 }).Select(v => (float)v)];
        shifted.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Embed_TwoViews_AveragesTheirEmbeddings()
    {
        using var inner = new FlattenEmbedder(height: 4, width: 5);
        using var augmented = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [new AugmentedView(0, 0), new AugmentedView(0, -1)] }, ownsInner: false);
        using var image = Image();

        float[] mean = augmented.Embed(image).data<float>().ToArray();

        // Shifted up one pixel, row r shows row r+1 (the last row repeats); the mean of the two views is the image plus 2.5 (last row: unchanged).
        for (int i = 0; i < 20; i++)
        {
            mean[i].Should().BeApproximately(i < 15 ? i + 2.5f : i, 1e-4f, $"pixel {i}");
        }
    }

    [Fact]
    public void GetFingerprint_NamesTheViews_AndAGalleryOfPlainEmbeddingsRefusesIt()
    {
        using var inner = new FlattenEmbedder(height: 4, width: 5);
        using var augmented = new AugmentedEmbedder(inner, TestTimeAugmentation.Shifts8, ownsInner: false);
        string path = Path.Combine(_dir, "plain.gallery");
        using (var gallery = new Gallery(inner))
        {
            using var image = Image();
            gallery.Enroll("a", image);
            gallery.Save(path);
        }

        augmented.GetFingerprint().Should().NotBe(inner.GetFingerprint());
        augmented.GetFingerprint().Options.Should().EndWith("test-time augmentation shifts8");
        var act = () => Gallery.Load(path, augmented);
        act.Should().Throw<EmbedderMismatchException>();
    }

    [Fact]
    public void Dispose_DisposesTheInnerOnlyWhenOwned()
    {
        var inner = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        new AugmentedEmbedder(inner, TestTimeAugmentation.Shifts4, ownsInner: false).Dispose();
        using var image = zeros(1, 1, 28, 28);
        using (var stillUsable = inner.Embed(image))
        {
            stillUsable.shape.Should().Equal(1, inner.EmbeddingSize);
        }

        new AugmentedEmbedder(inner, TestTimeAugmentation.Shifts4).Dispose();
        var act = () => inner.Embed(image);
        act.Should().Throw<ObjectDisposedException>();
    }

    [Theory]
    [InlineData("shifts4", 5)]
    [InlineData("SHIFTS8", 9)]
    public void Parse_Presets(string name, int views)
    {
        var parsed = TestTimeAugmentation.Parse(name)!;

        parsed.Views.Should().HaveCount(views).And.Contain(new AugmentedView(0, 0));
        parsed.ToString().Should().Be(name.ToLowerInvariant());
        TestTimeAugmentation.Parse("none").Should().BeNull();
    }

    [Fact]
    public void BadInput_TypedErrorsNamingWhatWasExpected()
    {
        using var inner = new FlattenEmbedder(height: 4, width: 5);
        ((Action)(() => TestTimeAugmentation.Parse("flips", "--tta"))).Should().Throw<ArgumentException>().WithMessage("--tta: expected none, shifts4 or shifts8; got 'flips'.*");
        ((Action)(() => _ = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [] }))).Should().Throw<ArgumentException>().WithMessage("*at least one view*");
        ((Action)(() => _ = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [new AugmentedView(0, 0, RotationDegrees: 90)] })))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*rotation must be in [-45, 45]*");
        ((Action)(() => _ = new AugmentedEmbedder(inner, new TestTimeAugmentation { Views = [new AugmentedView(double.NaN, 0)] })))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*shift must be finite*");
        using var augmented = new AugmentedEmbedder(inner, TestTimeAugmentation.Shifts4, ownsInner: false);
        using var flat = zeros(3, 20);
        ((Action)(() => augmented.Embed(flat))).Should().Throw<ArgumentException>().WithMessage("Expected floating-point images [N,C,H,W]*");
    }
}
