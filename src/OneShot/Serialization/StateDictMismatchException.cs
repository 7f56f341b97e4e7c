namespace OneShot.Serialization;

/// <summary>
/// A weights file holds a state dictionary that does not fit the network: keys are missing or unexpected,
/// or tensors have another shape or element type. The message lists every difference.
/// </summary>
public sealed class StateDictMismatchException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The weights file.</param>
    /// <param name="message">The full message, naming <paramref name="filePath"/> and listing the differences.</param>
    /// <param name="missingKeys">Keys the network has and the file lacks.</param>
    /// <param name="unexpectedKeys">Keys the file has and the network lacks.</param>
    /// <param name="shapeMismatches">One line per key whose shape differs: <c>name: expected [..] got [..]</c>.</param>
    /// <param name="dtypeMismatches">One line per key whose element type differs: <c>name: expected Float32 got Float64</c>.</param>
    public StateDictMismatchException(
        string filePath,
        string message,
        IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys,
        IReadOnlyList<string> shapeMismatches,
        IReadOnlyList<string> dtypeMismatches)
        : base(filePath, message)
    {
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        ShapeMismatches = shapeMismatches;
        DtypeMismatches = dtypeMismatches;
    }

    /// <summary>Keys the network has and the file lacks, in the network's order.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys the file has and the network lacks, in the file's order.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>One line per key whose shape differs: <c>name: expected [..] got [..]</c>.</summary>
    public IReadOnlyList<string> ShapeMismatches { get; }

    /// <summary>One line per key whose element type differs: <c>name: expected Float32 got Float64</c>.</summary>
    public IReadOnlyList<string> DtypeMismatches { get; }
}
