namespace OneShot.Serialization;

/// <summary>
/// A model file (or model directory) is missing, damaged or does not fit the network it is loaded into.
/// The message names the file, what was found and what was expected.
/// </summary>
public class ModelFormatException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file or directory that could not be used.</param>
    /// <param name="message">The full message, naming <paramref name="filePath"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public ModelFormatException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        FilePath = filePath;
    }

    /// <summary>The file or directory that could not be used.</summary>
    public string FilePath { get; }
}
