namespace OneShot.Data;

/// <summary>How an <see cref="OmniglotDataset"/> is read and preprocessed.</summary>
public sealed record OmniglotOptions
{
    private readonly int _imageSize = 28;
    private readonly int _maxDegreeOfParallelism;

    /// <summary>The classes to load. Default: the Vinyals training split.</summary>
    public OmniglotSplit Split { get; init; } = OmniglotSplit.Train;

    /// <summary>Side of the square images after the antialiased resize from 105x105. Default 28, as in the ProtoNet paper.</summary>
    public int ImageSize
    {
        get => _imageSize;
        init => _imageSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(ImageSize), value, "ImageSize must be positive.");
    }

    /// <summary>When true (the default, as in the ProtoNet reference), ink is 1 and background 0; when false, ink is 0 on 1.</summary>
    public bool Invert { get; init; } = true;

    /// <summary>
    /// For <see cref="OmniglotSplit.Background"/> and <see cref="OmniglotSplit.Evaluation"/>: also add each character
    /// rotated by 90, 180 and 270 degrees as classes of their own (4 classes per character). Default false (Lake's protocol).
    /// The Vinyals splits always list their rotations explicitly and ignore this option.
    /// </summary>
    public bool IncludeRotations { get; init; }

    /// <summary>
    /// The folder holding the Vinyals split lists (<c>train.txt</c>, <c>val.txt</c>, ...);
    /// null (the default) means <c>splits/vinyals</c> under the Omniglot root folder.
    /// </summary>
    public string? SplitsDirectory { get; init; }

    /// <summary>Threads used to decode images; 0 (the default) means one per processor.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be 0 (automatic) or positive.");
    }
}
