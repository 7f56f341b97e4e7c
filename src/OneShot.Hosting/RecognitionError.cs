namespace OneShot.Hosting;

/// <summary>Why a <see cref="OneShotRecognizer"/> refused a request; a service maps each to a 4xx status.</summary>
public enum RecognitionError
{
    /// <summary>The request carried no image.</summary>
    NoImages = 0,

    /// <summary>The request carried more images than <see cref="OneShotServiceOptions.MaxImagesPerRequest"/>.</summary>
    TooManyImages = 1,

    /// <summary>An encoded image is larger than <see cref="OneShotServiceOptions.MaxImageBytes"/>.</summary>
    ImageTooLarge = 2,

    /// <summary>An image declares more pixels than <see cref="OneShotServiceOptions.MaxPixels"/>.</summary>
    TooManyPixels = 3,

    /// <summary>An image has zero bytes.</summary>
    EmptyImage = 4,

    /// <summary>An image is not PNG, JPEG, BMP, GIF or WebP.</summary>
    UnknownFormat = 5,

    /// <summary>An image starts like a known format but cannot be decoded completely.</summary>
    CorruptImage = 6,

    /// <summary>The label is empty, too long, reserved or holds control characters.</summary>
    InvalidLabel = 7,

    /// <summary>A classification was asked of a gallery with no enrolled label.</summary>
    EmptyGallery = 8,

    /// <summary>The request body is larger than <see cref="OneShotServiceOptions.MaxUploadBytes"/>.</summary>
    UploadTooLarge = 9,
}
