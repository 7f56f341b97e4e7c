namespace OneShot.Training;

/// <summary>
/// A training checkpoint could not be resumed: it is not a checkpoint, was written by an older or newer OneShot,
/// is truncated or corrupt (its length or SHA-256 does not match), or does not fit the network being trained.
/// Nothing of it has been applied to the network or optimizer. The message names the file, what was found and
/// what was expected.
/// </summary>
public sealed class CheckpointFormatException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The checkpoint file.</param>
    /// <param name="message">The full message, naming <paramref name="filePath"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public CheckpointFormatException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        FilePath = filePath;
    }

    /// <summary>The checkpoint file that could not be resumed.</summary>
    public string FilePath { get; }
}
