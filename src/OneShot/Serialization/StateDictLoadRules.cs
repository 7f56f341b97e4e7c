namespace OneShot.Serialization;

/// <summary>How leniently <see cref="StateDictLoader"/> compares a file's tensors with a network's state dictionary.</summary>
internal sealed record StateDictLoadRules
{
    /// <summary>Every key must match, shapes and element types must be equal: how model files are loaded.</summary>
    public static StateDictLoadRules Strict { get; } = new();

    /// <summary>
    /// When true, floating-point tensors load into floating-point targets of another precision (F16, BF16, F64 to F32)
    /// and integer tensors into integer targets; otherwise element types must be equal.
    /// </summary>
    public bool ConvertElementTypes { get; init; }

    /// <summary>Network keys the file may lack; those tensors keep their current values.</summary>
    public Func<string, bool> MayBeMissing { get; init; } = static _ => false;

    /// <summary>File keys the network may lack; those tensors are skipped.</summary>
    public Func<string, bool> MayBeUnexpected { get; init; } = static _ => false;
}
