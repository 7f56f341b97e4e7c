using System.IO.Compression;

namespace OneShot.Data.Downloads;

/// <summary>Extracts zip archives, refusing any entry that would land outside the destination folder ("zip slip").</summary>
internal static class ZipExtractor
{
    /// <summary>
    /// Extracts every entry of <paramref name="zipPath"/> under <paramref name="destinationFolder"/> (created when missing),
    /// overwriting files of the same name. All entry names are checked before anything is written.
    /// </summary>
    /// <returns>The number of files extracted.</returns>
    /// <exception cref="UnsafeArchiveException">An entry would be written outside <paramref name="destinationFolder"/>; nothing was written.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable zip archive.</exception>
    public static int Extract(string zipPath, string destinationFolder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(zipPath);
        ArgumentException.ThrowIfNullOrEmpty(destinationFolder);
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destinationFolder));
        string prefix = root + Path.DirectorySeparatorChar;
        StringComparison comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        using ZipArchive archive = ZipFile.OpenRead(zipPath);
        var plan = new List<(ZipArchiveEntry Entry, string Path, bool IsDirectory)>(archive.Entries.Count);
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            string destination = Path.GetFullPath(Path.Combine(root, entry.FullName));
            bool inside = destination.StartsWith(prefix, comparison) || (destination.Equals(root, comparison) && entry.Name.Length == 0);
            if (!inside || Path.IsPathRooted(entry.FullName))
            {
                throw new UnsafeArchiveException(zipPath, entry.FullName, root);
            }

            plan.Add((entry, destination, entry.Name.Length == 0));
        }

        int files = 0;
        foreach ((ZipArchiveEntry entry, string destination, bool isDirectory) in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (isDirectory)
            {
                Directory.CreateDirectory(destination);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            entry.ExtractToFile(destination, overwrite: true);
            files++;
        }

        return files;
    }
}
