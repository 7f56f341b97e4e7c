using System.Globalization;

namespace OneShot.Embeddings;

/// <summary>
/// One view of an image for test-time augmentation (<see cref="TestTimeAugmentation"/>): a shift in pixels of the
/// embedder's input, a rotation and a scale about the image centre. <c>(0, 0)</c> is the image itself.
/// </summary>
/// <param name="ShiftX">Pixels to the right (negative: to the left), in the embedder's input size.</param>
/// <param name="ShiftY">Pixels down (negative: up).</param>
/// <param name="RotationDegrees">Degrees of rotation about the centre, in [-45, 45].</param>
/// <param name="Scale">Zoom factor, in [0.5, 2]; above 1 enlarges the content.</param>
public sealed record AugmentedView(double ShiftX, double ShiftY, double RotationDegrees = 0, double Scale = 1)
{
    /// <summary>Whether this view is the image itself.</summary>
    public bool IsIdentity => ShiftX == 0 && ShiftY == 0 && RotationDegrees == 0 && Scale == 1;

    /// <summary>Throws when a value is out of range or not finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A shift is not finite, the rotation is outside [-45, 45] or the scale outside [0.5, 2].</exception>
    internal void Validate()
    {
        if (!double.IsFinite(ShiftX) || !double.IsFinite(ShiftY))
        {
            throw new ArgumentOutOfRangeException(nameof(ShiftX), $"A view's shift must be finite; got ({ShiftX}, {ShiftY}).");
        }

        if (!(RotationDegrees is >= -45 and <= 45))
        {
            throw new ArgumentOutOfRangeException(nameof(RotationDegrees), RotationDegrees, "A view's rotation must be in [-45, 45] degrees.");
        }

        if (!(Scale is >= 0.5 and <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "A view's scale must be in [0.5, 2].");
        }
    }

    /// <summary>The canonical text of the view, as fingerprints and calibration files record it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ShiftX:R},{ShiftY:R},{RotationDegrees:R},{Scale:R}");
}

/// <summary>
/// Test-time augmentation: each image is embedded in several <see cref="Views"/> (small shifts, rotations, scales) and
/// the embeddings are averaged, so that one-shot prototypes and queries depend less on where a drawing sits in its
/// frame. <see cref="AugmentedEmbedder"/> applies it to any <see cref="IEmbedder"/>.
/// </summary>
/// <remarks>
/// Measured in docs/ACCURACY.md ("Test-time augmentation"): on Omniglot, <see cref="Shifts8"/> (9 forward passes per
/// image) raises Lake et al.'s within-alphabet 20-way 1-shot task and lowers the open-set false-reject rate; it costs
/// the views' number of forward passes.
/// </remarks>
public sealed record TestTimeAugmentation
{
    /// <summary>The views; the embedding of an image is the mean of its views' embeddings.</summary>
    public required IReadOnlyList<AugmentedView> Views { get; init; }

    /// <summary>The image and its four one-pixel shifts (left, right, up, down): 5 passes.</summary>
    public static TestTimeAugmentation Shifts4 { get; } = new()
    {
        Views = [new(0, 0), new(1, 0), new(-1, 0), new(0, 1), new(0, -1)],
    };

    /// <summary>The image and its eight one-pixel shifts (the 3 x 3 neighbourhood): 9 passes.</summary>
    public static TestTimeAugmentation Shifts8 { get; } = new()
    {
        Views = [new(0, 0), new(1, 0), new(-1, 0), new(0, 1), new(0, -1), new(1, 1), new(-1, 1), new(1, -1), new(-1, -1)],
    };

    /// <summary>
    /// The gallery property (<see cref="Galleries.Gallery.SetProperty"/>) that records the test-time augmentation a
    /// gallery was enrolled with, as <see cref="ToString"/> writes a preset; absent for none. <c>oneshot enroll --tta</c>
    /// and the service (<c>OneShotServiceOptions.TestTimeAugmentation</c>) write it, and both read it back with
    /// <see cref="FromGalleryProperties"/>, so a gallery opens with the embedder it was built with.
    /// </summary>
    public const string GalleryPropertyName = "testTimeAugmentation";

    /// <summary>The names <see cref="Parse"/> accepts besides <c>none</c>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["shifts4", "shifts8"];

    /// <summary>
    /// A preset by name (<c>shifts4</c>, <c>shifts8</c>), or null for <c>none</c>.
    /// </summary>
    /// <param name="name">The preset's name, case-insensitive.</param>
    /// <param name="argumentName">The option or argument that gave it, named in the error.</param>
    /// <exception cref="ArgumentException">The name is not a preset.</exception>
    public static TestTimeAugmentation? Parse(string name, string argumentName = "name")
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "NONE" => null,
            "SHIFTS4" => Shifts4,
            "SHIFTS8" => Shifts8,
            _ => throw new ArgumentException($"{argumentName}: expected none, {string.Join(" or ", PresetNames)}; got '{name}'.", argumentName),
        };
    }

    /// <summary>
    /// The test-time augmentation a gallery's <paramref name="properties"/> record under <see cref="GalleryPropertyName"/>,
    /// or null when they record none.
    /// </summary>
    /// <param name="properties">A gallery's properties (<see cref="Galleries.Gallery.Properties"/> or <see cref="Galleries.GalleryInfo.Properties"/>).</param>
    /// <param name="gallerySource">The gallery's file or name, quoted in the error.</param>
    /// <exception cref="ArgumentException">The recorded value is not a preset's name; the message names the gallery and the property.</exception>
    public static TestTimeAugmentation? FromGalleryProperties(IReadOnlyDictionary<string, string> properties, string gallerySource)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return properties.TryGetValue(GalleryPropertyName, out string? views)
            ? Parse(views, $"the gallery '{gallerySource}' property {GalleryPropertyName}")
            : null;
    }

    /// <summary>The canonical text of the views (the preset's name for a preset), as fingerprints and calibration files record it.</summary>
    public override string ToString() =>
        Views.SequenceEqual(Shifts4.Views) ? "shifts4"
        : Views.SequenceEqual(Shifts8.Views) ? "shifts8"
        : "views " + string.Join(";", Views);

    /// <summary>Throws when there is no view or a view is out of range.</summary>
    /// <exception cref="ArgumentException">No views, or a view out of range.</exception>
    internal void Validate()
    {
        if (Views is null || Views.Count == 0)
        {
            throw new ArgumentException("Test-time augmentation needs at least one view.", nameof(Views));
        }

        foreach (var view in Views)
        {
            ArgumentNullException.ThrowIfNull(view, nameof(Views));
            view.Validate();
        }
    }
}
