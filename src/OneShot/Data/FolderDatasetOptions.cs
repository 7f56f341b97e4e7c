namespace OneShot.Data;

/// <summary>How a <see cref="FolderDataset"/> finds and preprocesses images.</summary>
public sealed record FolderDatasetOptions
{
    private readonly ImagePreprocessing _preprocessing = new();
    private readonly string[] _extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];
    private readonly int _maxDegreeOfParallelism;

    /// <summary>How each image becomes a tensor. Default: 28x28 grayscale, not inverted, not normalised.</summary>
    public ImagePreprocessing Preprocessing
    {
        get => _preprocessing;
        init => _preprocessing = value ?? throw new ArgumentNullException(nameof(Preprocessing));
    }

    /// <summary>
    /// File extensions read as images, compared case-insensitively; other files are skipped.
    /// Default: .png, .jpg, .jpeg, .bmp, .gif, .webp.
    /// </summary>
    public IReadOnlyList<string> Extensions
    {
        get => _extensions;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Extensions));
            if (value.Count == 0 || value.Any(e => string.IsNullOrEmpty(e) || e[0] != '.' || e.Length < 2))
            {
                throw new ArgumentException($"Extensions must be a non-empty list like [\".png\", \".jpg\"]; got [{string.Join(", ", value)}].", nameof(Extensions));
            }

            _extensions = value.ToArray();
        }
    }

    /// <summary>
    /// When true, each image is decoded once and its preprocessed values kept in memory (C x H x W floats per image);
    /// when false (the default), every <see cref="FolderDataset.Load"/> decodes the files it returns.
    /// </summary>
    public bool CacheImages { get; init; }

    /// <summary>Threads used to decode the images of one <see cref="FolderDataset.Load"/>; 0 (the default) means one per processor.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be 0 (automatic) or positive.");
    }
}
