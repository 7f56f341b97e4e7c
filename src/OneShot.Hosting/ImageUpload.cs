namespace OneShot.Hosting;

/// <summary>One encoded image as it arrived: its name (for messages and results) and its bytes.</summary>
/// <param name="Name">The upload's file name, used in error messages and echoed in results.</param>
/// <param name="Content">The encoded image (PNG, JPEG, BMP, GIF or WebP).</param>
public sealed record ImageUpload(string Name, ReadOnlyMemory<byte> Content);
