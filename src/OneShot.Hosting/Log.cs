using Microsoft.Extensions.Logging;

namespace OneShot.Hosting;

/// <summary>The recognizer's log messages (source-generated: no allocation when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "OneShot model {Architecture} loaded from {Source}: {EmbeddingSize}-value embeddings, input {Width}x{Height}x{Channels}, fingerprint {Fingerprint}")]
    public static partial void ModelLoaded(ILogger logger, string architecture, string source, int embeddingSize, int width, int height, int channels, string fingerprint);

    [LoggerMessage(2, LogLevel.Information, "OneShot gallery {Source}: {Labels} labels, {Examples} examples")]
    public static partial void GalleryOpened(ILogger logger, string source, int labels, int examples);

    [LoggerMessage(3, LogLevel.Information, "Enrolled {Added} image(s) under '{Label}' (now {Count}) in {Milliseconds:F1} ms")]
    public static partial void Enrolled(ILogger logger, string label, int added, int count, double milliseconds);

    [LoggerMessage(4, LogLevel.Information, "Removed label '{Label}' ({Count} examples)")]
    public static partial void Removed(ILogger logger, string label, int count);

    [LoggerMessage(5, LogLevel.Debug, "Classified {Images} image(s) in {Milliseconds:F1} ms")]
    public static partial void Classified(ILogger logger, int images, double milliseconds);

    [LoggerMessage(6, LogLevel.Warning, "Refused a request ({Error}): {Message}")]
    public static partial void Refused(ILogger logger, RecognitionError error, string message);

    [LoggerMessage(7, LogLevel.Debug, "Gallery saved to {Path} in {Milliseconds:F1} ms")]
    public static partial void Saved(ILogger logger, string path, double milliseconds);

    [LoggerMessage(8, LogLevel.Error, "Saving the gallery to {Path} failed; the change is kept in memory but not on disk")]
    public static partial void SaveFailed(ILogger logger, Exception exception, string path);
}
