using OneShot.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Data;

public sealed class AffineAugmentationTests
{
    [Fact]
    public void Apply_IdentityOptions_ReturnsUnchangedCopy()
    {
        using var generator = new Generator(1);
        using var images = rand(new long[] { 3, 1, 9, 9 }, generator: generator);

        using var output = AffineAugmentation.Apply(images, AffineAugmentationOptions.Identity, generator);

        output.data<float>().ToArray().Should().Equal(images.data<float>().ToArray());
        output.Handle.Should().NotBe(images.Handle, "the caller owns a fresh tensor");
    }

    [Fact]
    public void Apply_DefaultOptions_SameSeedSameOutput_OtherSeedDiffers_InputUntouched()
    {
        using var source = new Generator(5);
        using var images = rand(new long[] { 4, 1, 16, 16 }, generator: source);
        float[] before = images.data<float>().ToArray();
        var options = new AffineAugmentationOptions();

        float[] Run(ulong seed)
        {
            using var generator = new Generator(seed);
            using var output = AffineAugmentation.Apply(images, options, generator);
            output.shape.Should().Equal(4, 1, 16, 16);
            return output.data<float>().ToArray();
        }

        float[] a = Run(11), b = Run(11), c = Run(12);

        b.Should().Equal(a);
        c.Should().NotEqual(a);
        a.Should().NotEqual(before);
        images.data<float>().ToArray().Should().Equal(before);
    }

    [Fact]
    public void Apply_ShrinkOnly_FillsUncoveredBorderWithZeros()
    {
        // Scale 2 (output-to-input) samples from twice the image: a ring of outside pixels, filled with 0, and ink in the middle.
        using var generator = new Generator(3);
        using var ones = torch.ones(1, 1, 8, 8);
        var options = AffineAugmentationOptions.Identity with { ScaleMin = 2, ScaleMax = 2 };

        using var output = AffineAugmentation.Apply(ones, options, generator);

        output[0, 0, 0, 0].item<float>().Should().Be(0f);
        output[0, 0, 4, 4].item<float>().Should().BeApproximately(1f, 1e-6f);
    }

    [Fact]
    public void Apply_ScaleMinAboveMax_Throws()
    {
        using var generator = new Generator(3);
        using var images = zeros(1, 1, 4, 4);
        var options = new AffineAugmentationOptions { ScaleMin = 1.5, ScaleMax = 1.1 };

        var act = () => AffineAugmentation.Apply(images, options, generator);

        act.Should().Throw<ArgumentException>().WithMessage("AffineAugmentationOptions.ScaleMin (1.5) must not exceed ScaleMax (1.1).*");
    }
}
