namespace OneShot.Serialization;

/// <summary>
/// A safetensors file is damaged or breaks the format: its header length, JSON header, element types,
/// shapes or data offsets are not what the safetensors specification requires. The message names the
/// file, what was found and what was expected.
/// </summary>
public sealed class SafetensorsFormatException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The safetensors file.</param>
    /// <param name="message">The full message, naming <paramref name="filePath"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public SafetensorsFormatException(string filePath, string message, Exception? innerException = null)
        : base(filePath, message, innerException)
    {
    }
}
