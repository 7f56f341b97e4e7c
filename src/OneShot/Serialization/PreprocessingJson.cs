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
}
