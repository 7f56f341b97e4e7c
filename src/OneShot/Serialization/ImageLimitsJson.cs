namespace OneShot.Serialization;

/// <summary>
/// The <c>preprocessing.limits</c> object of <c>model.json</c>: the model's own image limits, each at most the library
/// default (a model may lower them, never raise them; a host raises them with <see cref="ModelLoadOptions.Limits"/>).
/// Absent values are the defaults.
/// </summary>
internal sealed record ImageLimitsJson
{
    /// <summary>The largest image in pixels, or null for the default.</summary>
    public long? MaxPixels { get; init; }

    /// <summary>The largest encoded image in bytes, or null for the default.</summary>
    public long? MaxEncodedBytes { get; init; }

    /// <summary>The batch memory in bytes, or null for the default.</summary>
    public long? MaxBatchBytes { get; init; }
}
