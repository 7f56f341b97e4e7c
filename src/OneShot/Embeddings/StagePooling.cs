using System.Globalization;

namespace OneShot.Embeddings;

/// <summary>
/// One part of a ResNet-18 embedding: the output of stage <see cref="Stage"/> (<c>layer1</c>..<c>layer4</c>)
/// average-pooled to a <see cref="Grid"/> x <see cref="Grid"/> grid of cells (adaptive, as PyTorch's
/// <c>adaptive_avg_pool2d</c>) and flattened channel by channel. Grid 1 is global average pooling.
/// </summary>
/// <remarks>
/// A grid keeps where in the picture a feature was: two drawings of one emoji by different artists share their
/// layout (eyes above the mouth) more than their global feature averages, so <c>layer3</c> on a 4x4 grid matches
/// them better than ResNet-18's usual <c>layer4</c> average (docs/ACCURACY.md, issue 11). It also costs translation
/// invariance: keep the default for pictures whose subject moves about the frame.
/// </remarks>
public sealed record StagePooling
{
    /// <summary>The largest grid: 8 x 8 cells.</summary>
    public const int MaxGrid = 8;

    /// <summary>Creates the pooling of stage <paramref name="stage"/> to a <paramref name="grid"/>-square grid.</summary>
    /// <param name="stage">1 to 4 (<c>layer1</c> to <c>layer4</c>).</param>
    /// <param name="grid">Cells per side, 1 (global average) to <see cref="MaxGrid"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public StagePooling(int stage, int grid)
    {
        if (stage is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(stage), stage, "Expected a ResNet-18 stage from 1 (layer1) to 4 (layer4).");
        }

        if (grid is < 1 or > MaxGrid)
        {
            throw new ArgumentOutOfRangeException(nameof(grid), grid, $"Expected a grid of 1 to {MaxGrid} cells per side.");
        }

        Stage = stage;
        Grid = grid;
    }

    /// <summary>The stage pooled: 1 to 4 (<c>layer1</c> to <c>layer4</c>).</summary>
    public int Stage { get; }

    /// <summary>Cells per side of the pooling grid (1 is global average pooling).</summary>
    public int Grid { get; }

    /// <summary>ResNet-18's own embedding: <c>layer4</c> averaged globally.</summary>
    public static IReadOnlyList<StagePooling> Default { get; } = [new StagePooling(4, 1)];

    /// <summary>
    /// Parses <c>layer3:4</c> or a comma-separated list such as <c>layer3:3,layer4:2</c> (stage, then cells per side).
    /// </summary>
    /// <param name="text">The list, stages in increasing order.</param>
    /// <exception cref="FormatException">An entry is not <c>layerS:G</c>, or the values are out of range or out of order.</exception>
    public static IReadOnlyList<StagePooling> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<StagePooling>();
        foreach (string entry in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] halves = entry.Split(':');
            if (halves.Length != 2 || !halves[0].StartsWith("layer", StringComparison.Ordinal)
                || !int.TryParse(halves[0].AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int stage)
                || !int.TryParse(halves[1], NumberStyles.None, CultureInfo.InvariantCulture, out int grid))
            {
                throw new FormatException($"'{entry}' is not a stage pooling; expected layerS:G such as layer3:4 (stage 1-4, grid 1-{MaxGrid}), comma-separated.");
            }

            try
            {
                result.Add(new StagePooling(stage, grid));
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new FormatException($"'{entry}': {e.Message}", e);
            }
        }

        try
        {
            return Validate(result);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>True when <paramref name="pooling"/> is <see cref="Default"/>: ResNet-18's own global average of <c>layer4</c>.</summary>
    internal static bool IsDefault(IEnumerable<StagePooling> pooling) => pooling.SequenceEqual(Default);

    /// <summary>The list as <see cref="ParseList"/> reads it, for example <c>layer3:3,layer4:2</c>.</summary>
    public static string FormatList(IEnumerable<StagePooling> pooling) =>
        string.Join(",", (pooling ?? throw new ArgumentNullException(nameof(pooling))).Select(p => p.ToString()));

    /// <summary>Checks a list: 1 to 4 entries, stages strictly increasing.</summary>
    /// <exception cref="ArgumentException">The list is empty, longer than 4, or its stages repeat or are out of order.</exception>
    internal static IReadOnlyList<StagePooling> Validate(IReadOnlyList<StagePooling>? pooling)
    {
        if (pooling is null || pooling.Count == 0 || pooling.Any(p => p is null))
        {
            throw new ArgumentException("The pooling needs at least one stage (for example layer4:1, ResNet-18's own global average).", nameof(pooling));
        }

        for (int i = 1; i < pooling.Count; i++)
        {
            if (pooling[i].Stage <= pooling[i - 1].Stage)
            {
                throw new ArgumentException($"Pooled stages must be distinct and in increasing order; got {FormatList(pooling)}.", nameof(pooling));
            }
        }

        return [.. pooling];
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"layer{Stage}:{Grid}");
}
