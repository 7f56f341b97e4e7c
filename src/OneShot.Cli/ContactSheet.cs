using SkiaSharp;

namespace OneShot.Cli;

/// <summary>
/// Draws a contact sheet: heading lines, a colour legend, and titled sections of framed, captioned pictures on white,
/// laid out by <see cref="ContactSheetLayout"/>; saves it as a PNG atomically.
/// </summary>
internal static class ContactSheet
{
    /// <summary>The frame of a right prediction.</summary>
    public static readonly SKColor Right = new(0x1E, 0x9E, 0x3C);

    /// <summary>The frame of a wrong prediction.</summary>
    public static readonly SKColor Wrong = new(0xD9, 0x22, 0x22);

    /// <summary>The frame of an 'unknown' (open-set) prediction.</summary>
    public static readonly SKColor Unknown = new(0xF2, 0x8C, 0x00);

    /// <summary>The frame of a picture without a known truth (or of a support example).</summary>
    public static readonly SKColor Neutral = new(0x9A, 0x9A, 0x9A);

    private static readonly SKColor Ink = new(0x20, 0x20, 0x20);
    private static readonly SKColor Muted = new(0x55, 0x55, 0x55);

    /// <summary>
    /// Checks up front that <paramref name="path"/> can receive a sheet: a <c>.png</c> file name in an existing folder.
    /// </summary>
    /// <exception cref="ArgumentException">The path is a folder, does not end in .png, or its folder does not exist.</exception>
    public static void CheckPath(string path, string option = "--sheet")
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ArgumentException($"{option}: '{path}' is a folder; expected the path of a .png file to write.");
        }

        if (!string.Equals(Path.GetExtension(full), ".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"{option}: '{path}' does not end in .png; the sheet is written as a PNG image.");
        }

        string folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"{option}: the folder '{folder}' of '{path}' does not exist; create it or choose another path.");
        }
    }

    /// <summary>Draws the sheet and writes it to <paramref name="path"/> as a PNG (temporary file, then rename).</summary>
    public static void Save(string path, IReadOnlyList<string> heading, IReadOnlyList<(SKColor Color, string Text)> legend, IReadOnlyList<ContactSheetSection> sections)
    {
        CheckPath(path);
        using var bitmap = Render(heading, legend, sections);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                png.SaveTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The layout <see cref="Render"/> uses for these inputs.</summary>
    public static ContactSheetLayout Layout(IReadOnlyList<string> heading, IReadOnlyList<(SKColor Color, string Text)> legend, IReadOnlyList<ContactSheetSection> sections) => new(
        heading.Count,
        legend.Count > 0,
        sections.Any(s => s.Rows.Any(r => !string.IsNullOrEmpty(r.Label))),
        sections.SelectMany(s => s.Rows).SelectMany(r => r.Tiles).Select(t => t.Caption.Count).DefaultIfEmpty(0).Max(),
        [.. sections.Select(s => (IReadOnlyList<int>)[.. s.Rows.Select(r => r.Tiles.Count)])]);

    /// <summary>Draws the sheet into a new bitmap owned by the caller.</summary>
    public static SKBitmap Render(IReadOnlyList<string> heading, IReadOnlyList<(SKColor Color, string Text)> legend, IReadOnlyList<ContactSheetSection> sections)
    {
        var layout = Layout(heading, legend, sections);
        var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var regular = SKTypeface.FromFamilyName(null, SKFontStyle.Normal) ?? SKTypeface.Default;
        using var bold = SKTypeface.FromFamilyName(null, SKFontStyle.Bold) ?? regular;
        using var headingFont = new SKFont(bold, 15) { Subpixel = true };
        using var lineFont = new SKFont(regular, 13) { Subpixel = true };
        using var titleFont = new SKFont(bold, 13) { Subpixel = true };
        using var captionFont = new SKFont(regular, 12) { Subpixel = true };
        using var ink = new SKPaint { Color = Ink, IsAntialias = true };
        using var muted = new SKPaint { Color = Muted, IsAntialias = true };
        float textWidth = layout.Width - (2 * ContactSheetLayout.Margin);

        for (int i = 0; i < heading.Count; i++)
        {
            var font = i == 0 ? headingFont : lineFont;
            float baseline = ContactSheetLayout.Margin + (i * ContactSheetLayout.HeadingLineHeight) + 15;
            canvas.DrawText(Fit(heading[i], font, textWidth, keepEnd: false), ContactSheetLayout.Margin, baseline, SKTextAlign.Left, font, ink);
        }

        DrawLegend(canvas, layout, legend, lineFont, ink);
        for (int s = 0; s < sections.Count; s++)
        {
            var section = sections[s];
            canvas.DrawText(Fit(section.Title, titleFont, textWidth, keepEnd: false), ContactSheetLayout.Margin, layout.SectionTop(s) + 14, SKTextAlign.Left, titleFont, ink);
            for (int r = 0; r < section.Rows.Count; r++)
            {
                var row = section.Rows[r];
                if (!string.IsNullOrEmpty(row.Label) && row.Tiles.Count > 0)
                {
                    var first = layout.Picture(s, r, 0);
                    canvas.DrawText(Fit(row.Label, captionFont, layout.Gutter - 6, keepEnd: false), ContactSheetLayout.Margin, first.MidY + 4, SKTextAlign.Left, captionFont, muted);
                }

                for (int c = 0; c < row.Tiles.Count; c++)
                {
                    DrawTile(canvas, layout.Picture(s, r, c), row.Tiles[c], captionFont, ink);
                }
            }
        }

        return bitmap;
    }

    private static void DrawLegend(SKCanvas canvas, ContactSheetLayout layout, IReadOnlyList<(SKColor Color, string Text)> legend, SKFont font, SKPaint ink)
    {
        float x = ContactSheetLayout.Margin;
        int top = layout.LegendTop + 4;
        foreach (var (color, text) in legend)
        {
            using var swatch = new SKPaint { Color = color, IsAntialias = false };
            canvas.DrawRect(SKRect.Create(x, top, 12, 12), swatch);
            canvas.DrawText(text, x + 17, top + 11, SKTextAlign.Left, font, ink);
            x += 17 + font.MeasureText(text) + 22;
        }
    }

    private static void DrawTile(SKCanvas canvas, SKRectI picture, ContactSheetTile tile, SKFont font, SKPaint ink)
    {
        var framed = picture;
        framed.Inflate(ContactSheetLayout.FrameWidth, ContactSheetLayout.FrameWidth);
        using (var frame = new SKPaint { Color = tile.Frame, IsAntialias = false })
        {
            canvas.DrawRect(framed, frame);
        }

        using (var white = new SKPaint { Color = SKColors.White })
        {
            canvas.DrawRect(picture, white);
        }

        using (var bitmap = TileBitmap(tile))
        {
            if (bitmap is null)
            {
                using var grey = new SKPaint { Color = new SKColor(0xE6, 0xE6, 0xE6) };
                canvas.DrawRect(picture, grey);
                canvas.DrawText("unreadable", picture.MidX, picture.MidY + 4, SKTextAlign.Center, font, ink);
            }
            else
            {
                float scale = Math.Min((float)picture.Width / bitmap.Width, (float)picture.Height / bitmap.Height);
                float w = bitmap.Width * scale;
                float h = bitmap.Height * scale;
                var target = SKRect.Create(picture.Left + ((picture.Width - w) / 2), picture.Top + ((picture.Height - h) / 2), w, h);
                using var image = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            }
        }

        float width = ContactSheetLayout.CellWidth - 6;
        float y = framed.Bottom + ContactSheetLayout.CaptionGap + 11;
        foreach (string line in tile.Caption)
        {
            canvas.DrawText(Fit(line, font, width, keepEnd: false), picture.MidX, y, SKTextAlign.Center, font, ink);
            y += ContactSheetLayout.CaptionLineHeight;
        }
    }

    /// <summary>The picture of a tile as a new bitmap, or null when its file cannot be decoded.</summary>
    private static SKBitmap? TileBitmap(ContactSheetTile tile)
    {
        if (tile.File is { } file)
        {
            return ContactSheetImages.Decode(file);
        }

        var bitmap = new SKBitmap(new SKImageInfo(tile.Width, tile.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = tile.Pixels!;
        int plane = tile.Width * tile.Height;
        var bytes = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            byte r = ToByte(pixels[i]);
            byte g = tile.Channels == 3 ? ToByte(pixels[plane + i]) : r;
            byte b = tile.Channels == 3 ? ToByte(pixels[(2 * plane) + i]) : r;
            bytes[4 * i] = r;
            bytes[(4 * i) + 1] = g;
            bytes[(4 * i) + 2] = b;
            bytes[(4 * i) + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        return bitmap;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);

    /// <summary><paramref name="text"/>, shortened with an ellipsis until it fits <paramref name="width"/>.</summary>
    internal static string Fit(string text, SKFont font, float width, bool keepEnd)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }

        for (int keep = text.Length - 1; keep > 0; keep--)
        {
            string candidate = keepEnd ? "…" + text[^keep..] : text[..keep] + "…";
            if (font.MeasureText(candidate) <= width)
            {
                return candidate;
            }
        }

        return "…";
    }
}
