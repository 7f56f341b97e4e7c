using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// Distortions that imitate a change of artist rather than a change of camera: an affine distortion
/// (<see cref="AffineAugmentation"/>), then per image a random contrast and brightness change of each channel (a new
/// palette), and with probability 1/4 each a grayscale rendering and a 5x5 blur (a softer drawing style). Applied to
/// preprocessed images, so it works whatever the model's normalisation is.
/// </summary>
public static class ArtistAugmentation
{
    /// <summary>Returns a distorted copy of <paramref name="images"/> <c>[N,C,H,W]</c>; parameters are drawn from <paramref name="generator"/>.</summary>
    /// <param name="images">Float images <c>[N,C,H,W]</c>, as the model's preprocessing produced them.</param>
    /// <param name="affine">The affine ranges (<see cref="AffineAugmentationOptions.Identity"/> for none).</param>
    /// <param name="generator">The CPU generator; the same state gives the same output.</param>
    /// <returns>A new tensor of the same shape, dtype and device, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The images are not a 4-D floating-point tensor.</exception>
    public static Tensor Apply(Tensor images, AffineAugmentationOptions affine, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(affine);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4 || !images.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point images [N,C,H,W]; got {images.dtype} [{string.Join(",", images.shape)}].", nameof(images));
        }

        using var scope = NewDisposeScope();
        long n = images.shape[0], c = images.shape[1];
        var x = AffineAugmentation.Apply(images, affine, generator);
        var cpu = CPU;
        using var half = 0.5f.ToScalar();
        using var quarter = 0.25f.ToScalar();
        using var threeQuarters = 0.75f.ToScalar();
        using var shiftWidth = 0.3f.ToScalar();
        var contrast = rand([n, c, 1, 1], generator: generator, device: cpu).mul(half).add(threeQuarters, TorchScalars.One).to(images.dtype).to(images.device);
        var spread = x.std([1, 2, 3], keepdim: true);
        var shift = rand([n, c, 1, 1], generator: generator, device: cpu).sub(half).mul(shiftWidth).to(images.dtype).to(images.device) * spread;
        var mean = x.mean([2, 3], keepdim: true);
        x = ((x - mean) * contrast) + mean + shift;
        if (c > 1)
        {
            var gray = rand([n, 1, 1, 1], generator: generator, device: cpu).lt(quarter).to(images.device);
            x = where(gray, x.mean([1], keepdim: true).expand_as(x), x);
        }

        var blur = rand([n, 1, 1, 1], generator: generator, device: cpu).lt(quarter).to(images.device);
        var blurred = nn.functional.avg_pool2d(x, 5, stride: 1, padding: 2, count_include_pad: false);
        x = where(blur, blurred, x);
        return x.contiguous().MoveToOuterDisposeScope();
    }
}
