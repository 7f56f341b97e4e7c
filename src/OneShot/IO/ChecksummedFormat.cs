namespace OneShot.IO;

/// <summary>
/// Describes one file format framed by <see cref="ChecksummedFile"/>: its name in messages, its 8 magic bytes,
/// the newest version this code reads and writes, and how to build its typed exception.
/// </summary>
/// <param name="Name">The format's name in messages, for example <c>gallery</c>.</param>
/// <param name="Magic">The first 8 bytes of every file of the format.</param>
/// <param name="CurrentVersion">The version written, and the newest read.</param>
/// <param name="Error">Builds the format's exception from the file path, the full message and an inner exception.</param>
internal sealed record ChecksummedFormat(
    string Name,
    byte[] Magic,
    uint CurrentVersion,
    Func<string, string, Exception?, OneShotException> Error)
{
    /// <summary>The oldest version still read; older ones get <see cref="ObsoleteVersionAdvice"/>.</summary>
    public uint OldestVersion { get; init; } = 1;

    /// <summary>What to do with a file older than <see cref="OldestVersion"/>, appended to the message.</summary>
    public string ObsoleteVersionAdvice { get; init; } = string.Empty;
}
