namespace OneShot.Data.Downloads;

/// <summary>
/// An archive entry would be written outside the extraction folder (a "zip slip": <c>../</c> parts or an absolute path).
/// Nothing was extracted.
/// </summary>
public sealed class UnsafeArchiveException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="archivePath">The archive file.</param>
    /// <param name="entryName">The offending entry name, as stored in the archive.</param>
    /// <param name="destinationFolder">The folder extraction was confined to.</param>
    public UnsafeArchiveException(string archivePath, string entryName, string destinationFolder)
        : base($"Archive '{archivePath}' has an entry '{entryName}' that would be written outside '{destinationFolder}'; expected every entry to stay inside the extraction folder. Nothing was extracted.")
    {
        ArchivePath = archivePath;
        EntryName = entryName;
        DestinationFolder = destinationFolder;
    }

    /// <summary>The archive file.</summary>
    public string ArchivePath { get; }

    /// <summary>The offending entry name, as stored in the archive.</summary>
    public string EntryName { get; }

    /// <summary>The folder extraction was confined to.</summary>
    public string DestinationFolder { get; }
}
