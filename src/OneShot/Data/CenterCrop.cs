namespace OneShot.Data;

/// <summary>
/// Resize keeping the aspect ratio, then cut the centre (<see cref="ResizeMode.CenterCrop"/>): the image is scaled
/// so that it covers width x height divided by the crop fraction, as torchvision's <c>Resize</c> + <c>CenterCrop</c>.
/// </summary>
internal static class CenterCrop
{
    /// <summary>Returns <paramref name="width"/> x <paramref name="height"/> planes cut from the centre of the scaled image.</summary>
    public static float[] Apply(DecodedImage image, int width, int height, float cropFraction)
    {
        double scale = Math.Max((double)width / image.Width, (double)height / image.Height) / cropFraction;
        int scaledWidth = Math.Max(width, (int)Math.Round(image.Width * scale));
        int scaledHeight = Math.Max(height, (int)Math.Round(image.Height * scale));
        float[] scaled = ImageResampler.Resize(image.Pixels, image.Channels, image.Width, image.Height, scaledWidth, scaledHeight);
        if (scaledWidth == width && scaledHeight == height)
        {
            return scaled;
        }

        int left = (int)Math.Round((scaledWidth - width) / 2.0);
        int top = (int)Math.Round((scaledHeight - height) / 2.0);
        float[] result = new float[image.Channels * width * height];
        for (int c = 0; c < image.Channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                scaled.AsSpan((c * scaledWidth * scaledHeight) + ((top + y) * scaledWidth) + left, width)
                    .CopyTo(result.AsSpan((c * width * height) + (y * width), width));
            }
        }

        return result;
    }
}
