namespace OneShot.Data;

/// <summary>A dataset's files are missing or malformed; the message names the file or folder, what was found and what was expected.</summary>
public sealed class DatasetException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="message">The full message, naming <paramref name="path"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public DatasetException(string path, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
