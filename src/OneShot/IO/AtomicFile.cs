using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace OneShot.IO;

/// <summary>
/// Writes files so that a crash, a power loss or an exception mid-write leaves either the previous file or the
/// new one, never a mix: the content goes to a temporary file <c>.&lt;name&gt;.&lt;guid&gt;.tmp</c> beside the
/// target, is flushed to disk, renamed over the target, and the directory is flushed so the rename is durable.
/// A process killed mid-save leaves its temporary file behind; the next successful save of the same file (or
/// <see cref="RemoveStaleTemporaries(string)"/>, which loaders call) deletes it. Only names of exactly that
/// form are ever deleted, and never one that a save in this process is still writing or that another process
/// holds open for writing.
/// </summary>
internal static partial class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> InFlight = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically and durably.</summary>
    /// <exception cref="IOException">
    /// Writing failed (the previous file is intact and the temporary file is deleted), or the directory could not be
    /// flushed after the rename (the file is replaced, but a power loss could still undo it).
    /// </exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, TemporaryNameFor(Path.GetFileName(full)));
        InFlight[temp] = 0;
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix, so another process cleaning up does not delete it.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        finally
        {
            InFlight.TryRemove(temp, out _);
        }

        DirectorySync.Flush(directory);
        RemoveStaleTemporaries(full);
    }

    /// <summary>Writes all of <paramref name="bytes"/> to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy, 0, copy.Length));
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The name of a fresh temporary file for the file named <paramref name="fileName"/>.</summary>
    public static string TemporaryNameFor(string fileName) => $".{fileName}.{Guid.NewGuid():N}.tmp";

    /// <summary>Whether <paramref name="name"/> is a temporary name <see cref="Write"/> makes for <paramref name="fileName"/>.</summary>
    public static bool IsTemporaryNameOf(string name, string fileName) =>
        TemporaryName().Match(name) is { Success: true } m && m.Groups[1].Value == fileName;

    /// <summary>
    /// Deletes the temporary files that interrupted saves of <paramref name="path"/> left beside it (best effort:
    /// a file that cannot be deleted stays). Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string name = Path.GetFileName(full);
        return RemoveStaleTemporaries(Path.GetDirectoryName(full) ?? ".", candidate => candidate == name);
    }

    /// <summary>
    /// Deletes the temporary files that interrupted saves left in <paramref name="directory"/> for target names
    /// that <paramref name="isTarget"/> accepts (best effort). Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaries(string directory, Func<string, bool> isTarget)
    {
        ArgumentNullException.ThrowIfNull(isTarget);
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, ".*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string candidate in candidates)
        {
            if (TemporaryName().Match(Path.GetFileName(candidate)) is not { Success: true } match
                || !isTarget(match.Groups[1].Value)
                || InFlight.ContainsKey(candidate))
            {
                continue;
            }

            if (IsUnlocked(candidate) && TryDelete(candidate))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>False when another process (or handle) holds <paramref name="path"/> open for writing with an exclusive lock.</summary>
    private static bool IsUnlocked(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [GeneratedRegex("^\\.(.+)\\.[0-9a-f]{32}\\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
