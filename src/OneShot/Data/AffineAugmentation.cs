using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// Random affine distortions of image batches (rotation, shear, scale, translation), as in the Siamese networks
/// of Koch et al. (2015). Pixels that come from outside the image are filled with 0, the background of
/// inverted (ink = 1) images such as Omniglot's.
/// </summary>
/// <remarks>
/// Each image gets its own transform <c>A = R(θ)·Shear(φ)·s</c> plus a shift, applied with
/// <c>affine_grid</c> and bilinear <c>grid_sample</c> (align_corners false). The matrix maps output to input
/// coordinates; since every range is symmetric (and the scale range is close to 1) this is the same family of
/// distortions as the forward map.
/// </remarks>
public static class AffineAugmentation
{
    /// <summary>Distorts each image of <paramref name="images"/> <c>[N,C,H,W]</c> with parameters drawn from <paramref name="generator"/>.</summary>
    /// <param name="images">Float images <c>[N,C,H,W]</c>.</param>
    /// <param name="options">The ranges; <see cref="AffineAugmentationOptions.Identity"/> returns an unchanged copy.</param>
    /// <param name="generator">The CPU generator the parameters are drawn from; the same state gives the same output.</param>
    /// <returns>A new tensor of the same shape, dtype and device, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The images are not a 4-D floating-point tensor, or ScaleMin exceeds ScaleMax.</exception>
    public static Tensor Apply(Tensor images, AffineAugmentationOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate();
        if (images.dim() != 4 || !images.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point images [N,C,H,W]; got {images.dtype} [{string.Join(",", images.shape)}].", nameof(images));
        }

        if (options.IsIdentity)
        {
            return images.clone();
        }

        using var scope = NewDisposeScope();
        long n = images.shape[0];
        using var two = 2.0.ToScalar();
        using var rotation = (options.RotationDegrees * Math.PI / 180).ToScalar();
        using var shearRange = (options.ShearDegrees * Math.PI / 180).ToScalar();
        using var mid = ((options.ScaleMin + options.ScaleMax) / 2).ToScalar();
        using var half = ((options.ScaleMax - options.ScaleMin) / 2).ToScalar();
        using var shift = (2 * options.TranslateFraction).ToScalar();
        var u = rand(new long[] { n, 5 }, dtype: ScalarType.Float64, generator: generator).mul(two).sub(TorchScalars.One);
        var angle = u[.., 0].mul(rotation);
        var shear = u[.., 1].mul(shearRange).tan();
        var scale = u[.., 2].mul(half).add(mid, TorchScalars.One);
        var tx = u[.., 3].mul(shift);
        var ty = u[.., 4].mul(shift);
        var c = angle.cos();
        var s = angle.sin();
        var row0 = stack(new[] { scale * c, scale * ((c * shear) - s), tx }, 1);
        var row1 = stack(new[] { scale * s, scale * ((s * shear) + c), ty }, 1);
        var theta = stack(new[] { row0, row1 }, 1).to(images.dtype).to(images.device);
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        var output = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        return output.MoveToOuterDisposeScope();
    }
}
