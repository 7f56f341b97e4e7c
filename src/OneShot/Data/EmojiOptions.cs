namespace OneShot.Data;

/// <summary>How <see cref="EmojiDataset.Open"/> reads the two-artist emoji set.</summary>
public sealed record EmojiOptions
{
    private readonly IReadOnlyList<string> _artists = ["google", "twitter"];

    /// <summary>The split to read. Default <see cref="EmojiSplit.Test"/>.</summary>
    public EmojiSplit Split { get; init; } = EmojiSplit.Test;

    /// <summary>
    /// How each 64x64 RGBA drawing becomes a model input (alpha is composited on white). Use the embedder's
    /// preprocessing. Default: RGB at 64x64, values in [0, 1].
    /// </summary>
    public ImagePreprocessing Preprocessing { get; init; } = new() { Color = ColorMode.Rgb, Width = 64, Height = 64, Mean = [0f], Std = [1f] };

    /// <summary>
    /// The artists whose drawings become the items of every class, in item order: item 0 is drawn by
    /// <c>Artists[0]</c>, item 1 by <c>Artists[1]</c>. Each needs <c>&lt;artist&gt;-64.zip</c> in the folder.
    /// Default <c>google</c>, <c>twitter</c> (the two-artist protocol enrolls item 0 and classifies item 1).
    /// </summary>
    public IReadOnlyList<string> Artists
    {
        get => _artists;
        init => _artists = value is { Count: > 0 } && value.All(a => !string.IsNullOrWhiteSpace(a) && a.All(char.IsAsciiLetterOrDigit))
            ? [.. value]
            : throw new ArgumentException("Artists must list at least one artist name of ASCII letters and digits.", nameof(Artists));
    }

    /// <summary>Reads at most this many classes (the first in file order), for quick runs. Default: all.</summary>
    public int? MaxClasses { get; init; }
}
