namespace OneShot.Data;

/// <summary>
/// <see cref="ImagePreprocessing.ContentCropMargin"/>: cuts a decoded image to the bounding box of the pixels that
/// differ from the background and centres that box on a square of background with a margin on each side.
/// </summary>
internal static class ContentCrop
{
    /// <summary>How far (in [0, 1] units, any channel) a pixel must be from the background to count as content.</summary>
    internal const float Threshold = 1f / 16f;

    /// <summary>
    /// Returns <paramref name="image"/> cut to its content, on a square canvas of <paramref name="background"/> whose
    /// side is the content's longer side divided by <c>1 − 2·margin</c>; the image itself when it has no content.
    /// </summary>
    public static DecodedImage Apply(DecodedImage image, RgbColor background, float margin)
    {
        float[] back = BackgroundValues(background, image.Channels);
        int width = image.Width, height = image.Height, plane = width * height;
        int left = width, top = height, right = -1, bottom = -1;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (IsContent(image.Pixels, back, (y * width) + x, plane))
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        if (right < 0)
        {
            return image;
        }

        int boxWidth = right - left + 1, boxHeight = bottom - top + 1;
        int side = Math.Max(Math.Max(boxWidth, boxHeight), (int)Math.Ceiling(Math.Max(boxWidth, boxHeight) / (1.0 - (2.0 * margin))));
        int offsetX = (side - boxWidth) / 2, offsetY = (side - boxHeight) / 2;
        var pixels = new float[image.Channels * side * side];
        for (int c = 0; c < image.Channels; c++)
        {
            pixels.AsSpan(c * side * side, side * side).Fill(back[c]);
            for (int y = 0; y < boxHeight; y++)
            {
                image.Pixels.AsSpan((c * plane) + ((top + y) * width) + left, boxWidth)
                    .CopyTo(pixels.AsSpan((c * side * side) + ((offsetY + y) * side) + offsetX, boxWidth));
            }
        }

        return new DecodedImage(pixels, image.Channels, side, side);
    }

    /// <summary>The background as the decoder writes it: RGB in [0, 1], or its luma for one channel.</summary>
    internal static float[] BackgroundValues(RgbColor background, int channels) => channels == 1
        ? [((0.299f * background.R) + (0.587f * background.G) + (0.114f * background.B)) / 255f]
        : [background.R / 255f, background.G / 255f, background.B / 255f];

    private static bool IsContent(float[] pixels, float[] back, int index, int plane)
    {
        for (int c = 0; c < back.Length; c++)
        {
            if (Math.Abs(pixels[(c * plane) + index] - back[c]) > Threshold)
            {
                return true;
            }
        }

        return false;
    }
}
