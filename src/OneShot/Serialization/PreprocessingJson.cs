namespace OneShot.Serialization;

/// <summary>The <c>preprocessing</c> object of <c>model.json</c>.</summary>
internal sealed record PreprocessingJson
{
    /// <summary><c>grayscale</c> or <c>rgb</c>.</summary>
    public required string Color { get; init; }

    /// <summary>Input width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Whether values are inverted before normalisation.</summary>
    public required bool Invert { get; init; }

    /// <summary>Per-channel mean (1 or 3 values).</summary>
    public required float[] Mean { get; init; }

    /// <summary>Per-channel standard deviation (1 or 3 values).</summary>
    public required float[] Std { get; init; }

    /// <summary><c>bgr</c>, or null for RGB (files written before channel orders existed have none).</summary>
    public string? ChannelOrder { get; init; }

    /// <summary><c>0-255</c>, or null for [0, 1].</summary>
    public string? Range { get; init; }

    /// <summary><c>center-crop</c>, or null for a plain resize.</summary>
    public string? Resize { get; init; }

    /// <summary>The centre crop's fraction, or null (1) for a plain resize.</summary>
    public float? CropFraction { get; init; }

    /// <summary><see cref="Data.ImagePreprocessing.ContentCropMargin"/>; absent when images are not cut to their content.</summary>
    public float? ContentCropMargin { get; init; }

    /// <summary>The background colour <c>#rrggbb</c>, or null for white.</summary>
    public string? Background { get; init; }

    /// <summary>The mean image file, or null for none.</summary>
    public MeanImageJson? MeanImage { get; init; }

    /// <summary>The model's image limits below the library defaults, or null for the defaults.</summary>
    public ImageLimitsJson? Limits { get; init; }
}
