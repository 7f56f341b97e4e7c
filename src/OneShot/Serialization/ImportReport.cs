namespace OneShot.Serialization;

/// <summary>What <see cref="PretrainedWeights.Load(TorchSharp.torch.nn.Module, string, PretrainedWeightsOptions?)"/> loaded and what it left out.</summary>
public sealed record ImportReport
{
    /// <summary>The weights file.</summary>
    public required string FilePath { get; init; }

    /// <summary>The format the file was read as (never <see cref="PretrainedWeightsFormat.Auto"/>).</summary>
    public required PretrainedWeightsFormat Format { get; init; }

    /// <summary>Network keys whose tensors were loaded, in the network's order.</summary>
    public required IReadOnlyList<string> LoadedKeys { get; init; }

    /// <summary>
    /// File keys not loaded, in the file's order: skipped by <see cref="PretrainedWeightsOptions.SkipKeys"/>, by a
    /// <see cref="PretrainedWeightsOptions.NameMap"/> returning null, or absent from the network and allowed by
    /// <see cref="PretrainedWeightsOptions.IgnoreUnexpected"/>.
    /// </summary>
    public required IReadOnlyList<string> SkippedKeys { get; init; }

    /// <summary>Network keys the file lacked (allowed by the options); their tensors kept their values.</summary>
    public required IReadOnlyList<string> MissingKeys { get; init; }

    /// <summary>The safetensors <c>__metadata__</c> map; empty for other formats or when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
