using SkiaSharp;

namespace OneShot.QuickStart;

/// <summary>
/// Draws procedurally generated "alphabets": each glyph class is a few random pen strokes (cubic Béziers),
/// and each drawing of it jitters the strokes and applies a random rotation, scale, shift and pen width,
/// like different people drawing the same character.
/// </summary>
internal sealed class GlyphGenerator
{
    private readonly int _size;

    public GlyphGenerator(int size = 64) => _size = size;

    /// <summary>The strokes of glyph class <paramref name="classId"/> of the alphabet seeded by <paramref name="alphabetSeed"/>.</summary>
    public static SKPoint[][] CreateGlyph(int alphabetSeed, int classId)
    {
        var rng = new Random(unchecked((alphabetSeed * 1_000_003) + (classId * 7919) + 17));
        int strokes = rng.Next(2, 5);
        var glyph = new SKPoint[strokes][];
        for (int s = 0; s < strokes; s++)
        {
            var points = new SKPoint[4];
            for (int p = 0; p < 4; p++)
            {
                points[p] = new SKPoint(0.15f + (0.7f * rng.NextSingle()), 0.15f + (0.7f * rng.NextSingle()));
            }

            glyph[s] = points;
        }

        return glyph;
    }

    /// <summary>Renders one drawing of <paramref name="glyph"/> (black ink on white) as PNG bytes.</summary>
    public byte[] DrawPng(SKPoint[][] glyph, Random rng)
    {
        var info = new SKImageInfo(_size, _size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        float angle = (rng.NextSingle() - 0.5f) * 24f;
        float scale = 0.85f + (0.25f * rng.NextSingle());
        float dx = (rng.NextSingle() - 0.5f) * 0.12f * _size;
        float dy = (rng.NextSingle() - 0.5f) * 0.12f * _size;
        canvas.Translate((_size / 2f) + dx, (_size / 2f) + dy);
        canvas.RotateDegrees(angle);
        canvas.Scale(scale);
        canvas.Translate(-_size / 2f, -_size / 2f);

        using var paint = new SKPaint
        {
            Color = SKColors.Black,
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeCap = SKStrokeCap.Round,
            StrokeJoin = SKStrokeJoin.Round,
            StrokeWidth = _size * (0.04f + (0.03f * rng.NextSingle())),
        };

        foreach (var stroke in glyph)
        {
            using var path = new SKPath();
            SKPoint Jitter(SKPoint p) => new(
                (p.X + (Gaussian(rng) * 0.035f)) * _size,
                (p.Y + (Gaussian(rng) * 0.035f)) * _size);
            path.MoveTo(Jitter(stroke[0]));
            path.CubicTo(Jitter(stroke[1]), Jitter(stroke[2]), Jitter(stroke[3]));
            canvas.DrawPath(path, paint);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
