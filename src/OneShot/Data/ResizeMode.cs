namespace OneShot.Data;

/// <summary>How an image is brought to the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>Resize to exactly width x height, changing the aspect ratio if needed.</summary>
    Stretch = 0,

    /// <summary>
    /// Keep the aspect ratio: scale so the image covers width x height divided by
    /// <see cref="ImagePreprocessing.CropFraction"/>, then cut the centre width x height (torchvision's
    /// <c>Resize(256)</c> + <c>CenterCrop(224)</c> is a crop fraction of 0.875).
    /// </summary>
    CenterCrop = 1,
}
