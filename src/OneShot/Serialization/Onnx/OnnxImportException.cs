namespace OneShot.Serialization.Onnx;

/// <summary>
/// An ONNX file cannot be loaded into a OneShot backbone: it is not a readable ONNX model, its graph does not have
/// the backbone's structure, or its tensors do not have the backbone's shapes. <see cref="Problems"/> lists every
/// problem found and <see cref="UnmappedModules"/> the backbone modules that received no weights.
/// </summary>
public sealed class OnnxImportException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The ONNX file.</param>
    /// <param name="problems">What did not fit, one entry per problem.</param>
    /// <param name="unmappedModules">Backbone modules (state-dict prefixes) left without weights.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public OnnxImportException(string filePath, IReadOnlyList<string> problems, IReadOnlyList<string> unmappedModules, Exception? innerException = null)
        : base(filePath, BuildMessage(filePath, problems, unmappedModules), innerException)
    {
        Problems = problems;
        UnmappedModules = unmappedModules;
    }

    /// <summary>Every problem found, in graph order.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The backbone modules (for example <c>layer3.1.conv2</c>) that no ONNX node was mapped to.</summary>
    public IReadOnlyList<string> UnmappedModules { get; }

    private static string BuildMessage(string filePath, IReadOnlyList<string> problems, IReadOnlyList<string> unmappedModules)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(unmappedModules);
        string text = $"ONNX file '{filePath}' cannot be loaded: {string.Join(" ", problems.Select((p, i) => $"({i + 1}) {p}"))}";
        return unmappedModules.Count == 0
            ? text
            : $"{text} Backbone modules that did not map ({unmappedModules.Count}): {string.Join(", ", unmappedModules)}.";
    }
}
