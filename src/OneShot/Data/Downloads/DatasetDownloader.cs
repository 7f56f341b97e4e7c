using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace OneShot.Data.Downloads;

/// <summary>
/// Downloads dataset files safely: into a <c>.partial</c> file beside the target, resumed with an HTTP Range request when a
/// partial file exists, verified against the expected size and checksums, then renamed into place. A file that fails
/// verification is deleted (after one clean restart when a resumed partial file was at fault), so the target is either
/// absent or complete and verified.
/// </summary>
/// <remarks>One instance may run several downloads at once as long as they write different files.</remarks>
internal sealed class DatasetDownloader
{
    private const int BufferSize = 1 << 16;
    private readonly HttpClient _http;

    /// <summary>Creates a downloader that sends its requests through <paramref name="httpClient"/> (owned by the caller).</summary>
    public DatasetDownloader(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
    }

    /// <summary>
    /// Downloads <paramref name="file"/> to <paramref name="folder"/>/<see cref="RemoteFile.FileName"/> and returns its full path.
    /// A target that already exists and verifies is kept as it is, without a request.
    /// </summary>
    /// <exception cref="ChecksumMismatchException">The content does not match the expected size or checksums.</exception>
    /// <exception cref="DownloadException">The server answered with an error or the connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the partial file is kept.</exception>
    public async Task<string> DownloadAsync(RemoteFile file, string folder, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        cancellationToken.ThrowIfCancellationRequested();
        string target = Path.GetFullPath(Path.Combine(folder, file.FileName));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target) && await VerifyAsync(file, target, cancellationToken).ConfigureAwait(false) is null)
        {
            long length = new FileInfo(target).Length;
            progress?.Report(new DownloadProgress(file.FileName, length, length));
            return target;
        }

        string partial = target + ".partial";
        long existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        bool resumed = existing > 0;
        if (file.Size is long size && existing > size)
        {
            resumed = false; // longer than the real file: cannot be a prefix of it
        }

        if (!(file.Size is long complete && existing == complete))
        {
            await FetchAsync(file, partial, resumed, progress, cancellationToken).ConfigureAwait(false);
        }

        ChecksumMismatchException? failure = await VerifyAsync(file, partial, cancellationToken).ConfigureAwait(false);
        if (failure is not null && resumed)
        {
            // The old partial file may not be a prefix of this file: start over once from byte 0.
            File.Delete(partial);
            await FetchAsync(file, partial, resume: false, progress, cancellationToken).ConfigureAwait(false);
            failure = await VerifyAsync(file, partial, cancellationToken).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            File.Delete(partial);
            throw failure;
        }

        File.Move(partial, target, overwrite: true);
        return target;
    }

    /// <summary>Downloads each of <paramref name="files"/> in turn into <paramref name="folder"/>; returns their full paths.</summary>
    /// <exception cref="ChecksumMismatchException">A file does not match its expected size or checksums.</exception>
    /// <exception cref="DownloadException">A request failed.</exception>
    public async Task<IReadOnlyList<string>> DownloadAllAsync(IEnumerable<RemoteFile> files, string folder, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var paths = new List<string>();
        foreach (RemoteFile file in files)
        {
            paths.Add(await DownloadAsync(file, folder, progress, cancellationToken).ConfigureAwait(false));
        }

        return paths;
    }

    /// <summary>Checks size, SHA-256 and MD5 of <paramref name="path"/>; returns the first mismatch, or null when all match.</summary>
    internal static async Task<ChecksumMismatchException?> VerifyAsync(RemoteFile file, string path, CancellationToken cancellationToken)
    {
        long length = new FileInfo(path).Length;
        if (file.Size is long size && length != size)
        {
            return new ChecksumMismatchException(file.Url, "size", $"{size} bytes", $"{length} bytes");
        }

        if (file.Sha256 is not null)
        {
            string actual = await HashAsync(path, SHA256.HashDataAsync, cancellationToken).ConfigureAwait(false);
            if (actual != file.Sha256)
            {
                return new ChecksumMismatchException(file.Url, "SHA-256", file.Sha256, actual);
            }
        }

        if (file.Md5 is not null)
        {
            string actual = await HashAsync(path, MD5.HashDataAsync, cancellationToken).ConfigureAwait(false);
            if (actual != file.Md5)
            {
                return new ChecksumMismatchException(file.Url, "MD5", file.Md5, actual);
            }
        }

        return null;
    }

    private static async Task<string> HashAsync(string path, Func<Stream, CancellationToken, ValueTask<byte[]>> hash, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        return Convert.ToHexStringLower(await hash(stream, cancellationToken).ConfigureAwait(false));
    }

    private async Task FetchAsync(RemoteFile file, string partial, bool resume, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long offset = resume ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, file.Url);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                response.Dispose();
                await FetchAsync(file, partial, resume: false, progress, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new DownloadException(file.Url, response.StatusCode,
                    $"Download of '{file.Url}' failed: the server answered {(int)response.StatusCode} {response.ReasonPhrase}, expected 200 OK{(offset > 0 ? " or 206 Partial Content" : string.Empty)}.");
            }

            bool append = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == offset;
            long received = append ? offset : 0; // a server that ignores Range sends the whole file: start over
            long? total = append
                ? response.Content.Headers.ContentRange?.Length ?? file.Size
                : response.Content.Headers.ContentLength ?? file.Size;
            await using var output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            await using Stream input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[BufferSize];
            int read;
            progress?.Report(new DownloadProgress(file.FileName, received, total));
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                received += read;
                progress?.Report(new DownloadProgress(file.FileName, received, total));
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }
        catch (HttpRequestException ex)
        {
            throw new DownloadException(file.Url, ex.StatusCode, $"Download of '{file.Url}' failed: {ex.Message} The partial file is kept; run again to resume.", ex);
        }
        catch (HttpIOException ex)
        {
            throw new DownloadException(file.Url, null, $"Download of '{file.Url}' broke off: {ex.Message} The partial file is kept; run again to resume.", ex);
        }
    }
}
