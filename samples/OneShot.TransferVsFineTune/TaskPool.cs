using OneShot.Data;
using SkiaSharp;

namespace OneShot.TransferVsFineTune;

/// <summary>The new classes tasks are drawn from: Omniglot characters the shipped models never saw, or generated glyphs.</summary>
internal sealed class TaskPool : IDisposable
{
    private const int GeneratedClasses = 200;
    private const int GeneratedDrawings = 20;
    private const int GeneratedAlphabet = 7;
    private readonly IDisposable? _owned;

    private TaskPool(IClassDataset dataset, IReadOnlyList<int> classes, string description, IDisposable? owned, bool fixedRoles = false)
    {
        FixedRoles = fixedRoles;
        Dataset = dataset;
        Classes = classes;
        Description = description;
        _owned = owned;
    }

    /// <summary>The dataset holding the classes.</summary>
    public IClassDataset Dataset { get; }

    /// <summary>The class indices (in <see cref="Dataset"/>) tasks are drawn from.</summary>
    public IReadOnlyList<int> Classes { get; }

    /// <summary>One line saying where the classes come from.</summary>
    public string Description { get; }

    /// <summary>True when item 0 of every class is the support and item 1 the query (the emoji set's two artists).</summary>
    public bool FixedRoles { get; }

    /// <summary>Opens the pool the options ask for.</summary>
    public static TaskPool Open(ComparisonOptions options, TextWriter output, ImagePreprocessing preprocessing)
    {
        if (options.EmojiDir is not null)
        {
            var emoji = EmojiDataset.Open(options.EmojiDir, new EmojiOptions { Split = EmojiSplit.Test, Preprocessing = preprocessing });
            return new TaskPool(emoji, [.. Enumerable.Range(0, emoji.Classes.Count)],
                $"emoji {options.EmojiDir}: the {emoji.Classes.Count} emoji of the test split; support = Google's drawing, query = Twitter's", emoji, fixedRoles: true);
        }

        string? omniglot = options.Generated ? null : options.OmniglotDir ?? FindSharedOmniglot();
        if (omniglot is null)
        {
            output.WriteLine("Data: no Omniglot folder found (../shared/data/omniglot); using generated glyph classes.");
            return Generate();
        }

        var dataset = OmniglotDataset.Open(omniglot, new OmniglotOptions { Split = OmniglotSplit.Test });
        int[] upright = [.. Enumerable.Range(0, dataset.Classes.Count).Where(c => dataset.Classes[c].EndsWith("/rot000", StringComparison.Ordinal))];
        string description = $"Omniglot {omniglot}: the {upright.Length} upright characters of the Vinyals test split " +
                             "(13 evaluation alphabets; no shipped model was trained on them)";
        return new TaskPool(dataset, upright, description, owned: null);
    }

    /// <inheritdoc />
    public void Dispose() => _owned?.Dispose();

    private static TaskPool Generate()
    {
        var preprocessing = new ImagePreprocessing { Color = ColorMode.Grayscale, Width = 28, Height = 28, Invert = true };
        var loader = new ImageLoader(preprocessing);
        var generator = new QuickStart.GlyphGenerator(64);
        int per = loader.ValuesPerImage;
        var classes = new float[GeneratedClasses][];
        Parallel.For(0, GeneratedClasses, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            SKPoint[][] glyph = QuickStart.GlyphGenerator.CreateGlyph(GeneratedAlphabet, c);
            var rng = new Random(unchecked((GeneratedAlphabet * 7919) + c));
            var values = new float[GeneratedDrawings * per];
            for (int d = 0; d < GeneratedDrawings; d++)
            {
                loader.LoadPixels(generator.DrawPng(glyph, rng), $"glyph-{c}-{d}.png").CopyTo(values, d * per);
            }

            classes[c] = values;
        });
        var dataset = InMemoryClassDataset.FromArrays(classes, (1, 28, 28), [.. Enumerable.Range(1, GeneratedClasses).Select(c => $"glyph-{c:000}")], scale: 1f);
        return new TaskPool(dataset, [.. Enumerable.Range(0, GeneratedClasses)], $"{GeneratedClasses} generated glyph classes, {GeneratedDrawings} drawings each", dataset);
    }

    /// <summary>Looks for <c>shared/data/omniglot</c> beside the working directory or any folder above it or above the program.</summary>
    private static string? FindSharedOmniglot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data", "omniglot");
                if (File.Exists(Path.Combine(candidate, "images_evaluation.zip")) || Directory.Exists(Path.Combine(candidate, "images_evaluation")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
