namespace OneShot.Data.Downloads;

/// <summary>How far a download has come.</summary>
/// <param name="FileName">The file being downloaded (its <see cref="RemoteFile.FileName"/>).</param>
/// <param name="BytesReceived">Bytes of the file on disk so far, including a resumed partial file.</param>
/// <param name="TotalBytes">The full size when known (from the server or <see cref="RemoteFile.Size"/>).</param>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes);
