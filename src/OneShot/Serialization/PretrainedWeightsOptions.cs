namespace OneShot.Serialization;

/// <summary>
/// How <see cref="PretrainedWeights"/> matches a weights file to a network. The defaults are strict: every
/// network key must be in the file, every file key must be in the network, and shapes must be equal.
/// </summary>
/// <remarks>
/// Key patterns match a key exactly, except that each <c>*</c> matches any run of characters, dots included:
/// <c>fc.*</c> matches <c>fc.weight</c> and <c>fc.bias</c>. Shape mismatches are never ignored.
/// </remarks>
public sealed record PretrainedWeightsOptions
{
    private readonly string[] _skipKeys = [];
    private readonly string[] _allowMissingKeys = [];

    /// <summary>The file format; <see cref="PretrainedWeightsFormat.Auto"/> (the default) decides from the file.</summary>
    public PretrainedWeightsFormat Format { get; init; }

    /// <summary>
    /// Maps each file key to the network key it loads into; returning null skips the key (it is reported in
    /// <see cref="ImportReport.SkippedKeys"/>). Null (the default) keeps every key as it is.
    /// Two file keys must not map to the same network key.
    /// </summary>
    public Func<string, string?>? NameMap { get; init; }

    /// <summary>
    /// Patterns of file keys to skip, matched before <see cref="NameMap"/>: for example <c>fc.*</c> to load a
    /// classifier's backbone without its head. Default: none.
    /// </summary>
    public IReadOnlyList<string> SkipKeys
    {
        get => _skipKeys;
        init => _skipKeys = CheckPatterns(value, nameof(SkipKeys));
    }

    /// <summary>
    /// Patterns of network keys the file may lack; those tensors keep their current values (for example a new
    /// head). Default: none.
    /// </summary>
    public IReadOnlyList<string> AllowMissingKeys
    {
        get => _allowMissingKeys;
        init => _allowMissingKeys = CheckPatterns(value, nameof(AllowMissingKeys));
    }

    /// <summary>When true, file keys the network lacks are skipped instead of failing the import. Default false.</summary>
    public bool IgnoreUnexpected { get; init; }

    /// <summary>When true, network keys the file lacks keep their current values instead of failing the import. Default false.</summary>
    public bool IgnoreMissing { get; init; }

    private static string[] CheckPatterns(IReadOnlyList<string> value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"{name} must hold non-empty key patterns such as \"fc.*\"; got [{string.Join(", ", value.Select(p => p is null ? "null" : $"\"{p}\""))}].", name);
        }

        return value.ToArray();
    }
}
