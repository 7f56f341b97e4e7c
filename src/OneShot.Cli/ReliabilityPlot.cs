using System.Globalization;
using OneShot.Evaluation;
using SkiaSharp;

namespace OneShot.Cli;

/// <summary>
/// Draws a reliability diagram: one bar per confidence bin whose height is the bin's accuracy, the bin's mean
/// confidence as a red tick, and the diagonal of perfect calibration, with the ECE in the title.
/// </summary>
internal static class ReliabilityPlot
{
    /// <summary>The image size in pixels (square).</summary>
    public const int Size = 600;

    /// <summary>The plot area: left, top, width and height in pixels (accuracy 0 at the bottom, 1 at the top).</summary>
    public static readonly SKRectI Area = new(70, 50, 570, 550);

    /// <summary>The fill of a bar (opaque).</summary>
    public static readonly SKColor BarColor = new(0x1F, 0x77, 0xB4);

    /// <summary>Writes the diagram of <paramref name="diagram"/> to <paramref name="path"/> as PNG.</summary>
    public static void Save(ReliabilityDiagram diagram, string title, string path)
    {
        using var bitmap = Render(diagram, title);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    /// <summary>Renders the diagram; the caller disposes the bitmap.</summary>
    public static SKBitmap Render(ReliabilityDiagram diagram, string title)
    {
        var bitmap = new SKBitmap(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var regular = SKTypeface.FromFamilyName(null, SKFontStyle.Normal) ?? SKTypeface.Default;
        using var font = new SKFont(regular, 13) { Subpixel = true };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var bar = new SKPaint { Color = BarColor, IsAntialias = false, Style = SKPaintStyle.Fill };
        using var tick = new SKPaint { Color = SKColors.Crimson, IsAntialias = true, StrokeWidth = 2, Style = SKPaintStyle.Stroke };
        using var diagonal = new SKPaint { Color = SKColors.Gray, IsAntialias = true, StrokeWidth = 1, PathEffect = SKPathEffect.CreateDash([6, 4], 0) };
        using var frame = new SKPaint { Color = SKColors.Black, IsAntialias = false, StrokeWidth = 1, Style = SKPaintStyle.Stroke };

        int n = diagram.Bins.Count;
        for (int b = 0; b < n; b++)
        {
            var bin = diagram.Bins[b];
            if (bin.Count == 0)
            {
                continue;
            }

            var (left, right) = BarColumns(b, n);
            canvas.DrawRect(SKRect.Create(left, Y(bin.Accuracy), right - left, Area.Bottom - Y(bin.Accuracy)), bar);
            float confidence = Y(bin.MeanConfidence);
            canvas.DrawLine(left, confidence, right, confidence, tick);
        }

        canvas.DrawLine(Area.Left, Area.Bottom, Area.Right, Area.Top, diagonal);
        canvas.DrawRect(Area.Left, Area.Top, Area.Width, Area.Height, frame);
        for (int i = 0; i <= 5; i++)
        {
            double v = i / 5.0;
            string label = v.ToString("0.0", CultureInfo.InvariantCulture);
            canvas.DrawText(label, Area.Left - 30, Y(v) + 4, font, text);
            canvas.DrawText(label, Area.Left + (float)(v * Area.Width) - 8, Area.Bottom + 18, font, text);
        }

        canvas.DrawText(title, Area.Left, 20, font, text);
        canvas.DrawText(
            string.Create(CultureInfo.InvariantCulture, $"ECE {diagram.ExpectedCalibrationError:0.0000} ({n} bins, {diagram.Count} predictions); bars: accuracy, red: mean confidence"),
            Area.Left,
            38,
            font,
            text);
        canvas.DrawText("confidence", Area.Left + (Area.Width / 2) - 30, Size - 14, font, text);
        canvas.Save();
        canvas.RotateDegrees(-90, 16, Area.Top + (Area.Height / 2));
        canvas.DrawText("accuracy", 16 - 25, Area.Top + (Area.Height / 2) + 4, font, text);
        canvas.Restore();
        return bitmap;
    }

    /// <summary>The left and right pixel columns of bar <paramref name="bin"/> of <paramref name="bins"/> (one pixel of gap each side).</summary>
    public static (float Left, float Right) BarColumns(int bin, int bins) =>
        (Area.Left + (float)Math.Round((double)bin * Area.Width / bins) + 1, Area.Left + (float)Math.Round((double)(bin + 1) * Area.Width / bins) - 1);

    /// <summary>The pixel row of accuracy or confidence <paramref name="value"/> (0..1).</summary>
    public static float Y(double value) => (float)Math.Round(Area.Bottom - (value * Area.Height));
}
