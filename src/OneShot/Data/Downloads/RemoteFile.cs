using System.Globalization;

namespace OneShot.Data.Downloads;

/// <summary>
/// A file to download: where it comes from, the relative path it is saved under, and what it must match
/// (size, SHA-256 and/or MD5). At least one checksum is required, so nothing unverified is ever kept.
/// </summary>
internal sealed record RemoteFile
{
    private readonly string _fileName = string.Empty;
    private readonly long? _size;
    private readonly string? _sha256;
    private readonly string? _md5;

    /// <summary>Creates a descriptor for <paramref name="url"/>, saved as <paramref name="fileName"/>.</summary>
    /// <param name="url">An absolute http or https URL.</param>
    /// <param name="fileName">The path to save under, relative to the download folder (e.g. <c>splits/vinyals/test.txt</c>).</param>
    /// <param name="sha256">The expected SHA-256 in hex, or null.</param>
    /// <param name="md5">The expected MD5 in hex, or null.</param>
    /// <exception cref="ArgumentException">The URL is not absolute http(s), the name escapes the folder, or both checksums are null.</exception>
    public RemoteFile(Uri url, string fileName, string? sha256 = null, string? md5 = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Url must be an absolute http or https URL; got '{url}'.", nameof(url));
        }

        if (sha256 is null && md5 is null)
        {
            throw new ArgumentException($"A SHA-256 or MD5 checksum is required for '{url}', so the download can be verified.", nameof(sha256));
        }

        Url = url;
        FileName = fileName;
        Sha256 = sha256;
        Md5 = md5;
    }

    /// <summary>The URL to fetch.</summary>
    public Uri Url { get; }

    /// <summary>The path the file is saved under, relative to the download folder, with '/' separators.</summary>
    public string FileName
    {
        get => _fileName;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(FileName));
            if (Path.IsPathRooted(value) || value.Split('/', '\\').Any(p => p is "" or "." or ".."))
            {
                throw new ArgumentException($"FileName must be a relative path inside the download folder without '.' or '..' parts; got '{value}'.", nameof(FileName));
            }

            _fileName = value;
        }
    }

    /// <summary>The expected size in bytes, or null when unknown.</summary>
    public long? Size
    {
        get => _size;
        init => _size = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Size), value, "Size must be positive when given.");
    }

    /// <summary>The expected SHA-256 of the content, lower-case hex, or null.</summary>
    public string? Sha256
    {
        get => _sha256;
        init => _sha256 = ValidateHex(value, 64, nameof(Sha256));
    }

    /// <summary>The expected MD5 of the content, lower-case hex, or null.</summary>
    public string? Md5
    {
        get => _md5;
        init => _md5 = ValidateHex(value, 32, nameof(Md5));
    }

    private static string? ValidateHex(string? value, int length, string name)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length != length || !value.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"{name} must be {length} hex digits; got '{value}'.", name);
        }

        return value.ToLower(CultureInfo.InvariantCulture);
    }
}
