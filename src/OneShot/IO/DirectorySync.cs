using System.Runtime.InteropServices;

namespace OneShot.IO;

/// <summary>
/// Flushes a directory's entries to disk after a rename, so that a power loss cannot undo a save that returned.
/// .NET has no API for it (<c>File.OpenHandle</c> refuses directories), so on Linux and macOS the directory is
/// opened read-only with libc's <c>open</c> and <c>fsync</c>ed. On Windows NTFS journals the rename itself; nothing is done.
/// </summary>
internal static class DirectorySync
{
    /// <summary>Flushes the entries of <paramref name="directory"/> to disk (Linux and macOS).</summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed; the message carries the errno.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = NativeMethods.open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Could not open the directory '{directory}' to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();

                // EINVAL: the file system does not support syncing directories (some network and FUSE file systems).
                if (errno != EINVAL)
                {
                    throw new IOException($"Could not flush the directory '{directory}' to disk (fsync errno {errno}).");
                }
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private const int EINVAL = 22;

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
    }
}
