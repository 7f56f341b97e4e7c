using OneShot.Data;

namespace OneShot.QuickStart;

/// <summary>Writes generated glyph classes to PNG files, and renders background classes for training in memory.</summary>
internal static class GlyphTask
{
    /// <summary>The alphabet of the background (training) classes; the task's classes come from other alphabets.</summary>
    private const int BackgroundAlphabet = 0;

    /// <summary>Writes <c>support/&lt;class&gt;/0.png</c> and <c>query/&lt;class&gt;/i.png</c> under <paramref name="root"/>.</summary>
    public static (string Support, string Query) WriteTask(string root, int classes, int queries, int seed)
    {
        var generator = new GlyphGenerator(64);
        string support = Path.Combine(root, "support");
        string query = Path.Combine(root, "query");
        Parallel.For(0, classes, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            // Task classes come from an alphabet the background training never draws from.
            var glyph = GlyphGenerator.CreateGlyph(1 + seed, c);
            var rng = new Random(unchecked((seed * 7919) + c));
            string name = $"glyph-{c + 1:00}";
            Directory.CreateDirectory(Path.Combine(support, name));
            Directory.CreateDirectory(Path.Combine(query, name));
            File.WriteAllBytes(Path.Combine(support, name, "0.png"), generator.DrawPng(glyph, rng));
            for (int q = 0; q < queries; q++)
            {
                File.WriteAllBytes(Path.Combine(query, name, $"{q + 1}.png"), generator.DrawPng(glyph, rng));
            }
        });
        return (support, query);
    }

    /// <summary>Renders background glyph classes (drawings per class) and decodes them with <paramref name="loader"/>.</summary>
    public static List<float[]> RenderBackground(ImageLoader loader, int classes, int drawings, int seed)
    {
        var generator = new GlyphGenerator(64);
        var result = new float[classes][];
        int per = loader.ValuesPerImage;
        Parallel.For(0, classes, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            var glyph = GlyphGenerator.CreateGlyph(BackgroundAlphabet, c);
            var rng = new Random(unchecked((seed * 104_729) + c));
            var values = new float[drawings * per];
            for (int d = 0; d < drawings; d++)
            {
                loader.LoadPixels(generator.DrawPng(glyph, rng), $"background-{c}-{d}.png").CopyTo(values, d * per);
            }

            result[c] = values;
        });
        return [.. result];
    }
}
