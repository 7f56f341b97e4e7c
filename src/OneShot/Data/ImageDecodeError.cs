namespace OneShot.Data;

/// <summary>Why an image could not be decoded.</summary>
public enum ImageDecodeError
{
    /// <summary>The file does not exist or cannot be opened.</summary>
    NotFound = 0,

    /// <summary>The source holds zero bytes.</summary>
    Empty = 1,

    /// <summary>The bytes are not a format OneShot decodes (PNG, JPEG, BMP, GIF, WebP).</summary>
    UnknownFormat = 2,

    /// <summary>The header was recognised but the data is truncated or corrupt.</summary>
    Corrupt = 3,

    /// <summary>The declared size exceeds <see cref="ImagePreprocessing.MaxPixels"/>.</summary>
    TooLarge = 4,
}
