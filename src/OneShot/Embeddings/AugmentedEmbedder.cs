using OneShot.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// An <see cref="IEmbedder"/> that embeds every image in the views of a <see cref="TestTimeAugmentation"/> through
/// another embedder and returns the mean of the views' embeddings. Pixels a view brings in from outside the image
/// repeat the image's border (so a paper or transparent background stays one).
/// </summary>
/// <remarks>
/// Its fingerprint is the inner embedder's with the views added, so a gallery enrolled through it refuses to load
/// with the plain embedder and the other way round (their embeddings differ). Calibration fitted through it is its own
/// (see <c>ModelCalibration</c>'s test-time augmentation key).
/// </remarks>
public sealed class AugmentedEmbedder : IEmbedder
{
    private readonly bool _ownsInner;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The embedder each view runs through.</param>
    /// <param name="augmentation">The views (for example <see cref="TestTimeAugmentation.Shifts8"/>).</param>
    /// <param name="ownsInner">Whether disposing this embedder disposes <paramref name="inner"/> (default true).</param>
    /// <exception cref="ArgumentException">The augmentation has no view or a view out of range.</exception>
    public AugmentedEmbedder(IEmbedder inner, TestTimeAugmentation augmentation, bool ownsInner = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(augmentation);
        augmentation.Validate();
        Inner = inner;
        Augmentation = augmentation;
        _ownsInner = ownsInner;
    }

    /// <summary>The embedder each view runs through.</summary>
    public IEmbedder Inner { get; }

    /// <summary>The views.</summary>
    public TestTimeAugmentation Augmentation { get; }

    /// <inheritdoc />
    public string Architecture => Inner.Architecture;

    /// <inheritdoc />
    public ImagePreprocessing Preprocessing => Inner.Preprocessing;

    /// <inheritdoc />
    public int EmbeddingSize => Inner.EmbeddingSize;

    /// <inheritdoc />
    public Device Device => Inner.Device;

    /// <summary>The mean embedding of the views of each image of <paramref name="images"/> <c>[N,C,H,W]</c> (preprocessed as <see cref="Preprocessing"/>).</summary>
    /// <exception cref="ArgumentException">The images are not a 4-D floating-point tensor.</exception>
    public Tensor Embed(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || !images.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point images [N,C,H,W]; got {images.dtype} [{string.Join(",", images.shape)}].", nameof(images));
        }

        using var scope = NewDisposeScope();
        Tensor? sum = null;
        foreach (var view in Augmentation.Views)
        {
            using var viewScope = NewDisposeScope();
            var embedding = Inner.Embed(view.IsIdentity ? images : Warp(images, view));
            // Out of place: an Embedder's output is an inference tensor, which refuses in-place updates.
            sum = (sum is null ? embedding : sum.add(embedding, TorchScalars.One)).MoveToOuterDisposeScope();
        }

        using var count = ((double)Augmentation.Views.Count).ToScalar();
        return sum!.div(count).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public EmbedderFingerprint GetFingerprint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var inner = Inner.GetFingerprint();
        return inner with { Options = $"{inner.Options}; test-time augmentation {Augmentation}" };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsInner)
        {
            Inner.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="images"/> seen through <paramref name="view"/>: bilinear resampling with <c>affine_grid</c>
    /// (align_corners false, so a whole-pixel shift moves pixels exactly), border pixels repeated.
    /// </summary>
    internal static Tensor Warp(Tensor images, AugmentedView view)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        double angle = view.RotationDegrees * Math.PI / 180, cos = Math.Cos(angle) / view.Scale, sin = Math.Sin(angle) / view.Scale;

        // theta maps output to input coordinates in [-1, 1]: content moved right by s pixels is read s pixels to the left.
        float[] theta = [(float)cos, (float)-sin, (float)(-2 * view.ShiftX / width), (float)sin, (float)cos, (float)(-2 * view.ShiftY / height)];
        using var matrix = tensor(theta, dtype: images.dtype, device: images.device).reshape(1, 2, 3).expand(n, 2, 3);
        using var grid = nn.functional.affine_grid(matrix, images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
    }
}
