using System.Security.Cryptography;
using OneShot.Data;
using OneShot.IO;

namespace OneShot.Serialization;

/// <summary>
/// <see cref="ImagePreprocessing"/> to and from the <c>preprocessing</c> object of <c>model.json</c>, and the mean
/// image file beside it. Settings at their defaults are not written, so older readers' files stay unchanged and
/// files without the newer fields load with the defaults.
/// </summary>
internal static class PreprocessingCodec
{
    /// <summary>The file name of a mean image with SHA-256 <paramref name="sha256"/>.</summary>
    public static string MeanImageFileName(string sha256) => $"mean-image-{sha256[..16]}.bin";

    /// <summary>The JSON form of <paramref name="p"/>.</summary>
    public static PreprocessingJson ToJson(ImagePreprocessing p) => new()
    {
        Color = ModelFileWriter.ColorName(p.Color),
        Width = p.Width,
        Height = p.Height,
        Invert = p.Invert,
        Mean = [.. p.Mean],
        Std = [.. p.Std],
        ChannelOrder = p.ChannelOrder == ChannelOrder.Bgr ? "bgr" : null,
        Range = p.Range == PixelRange.ZeroTo255 ? "0-255" : null,
        Resize = p.Resize == ResizeMode.CenterCrop ? "center-crop" : null,
        CropFraction = p.Resize == ResizeMode.CenterCrop ? p.CropFraction : null,
        ContentCropMargin = p.ContentCropMargin,
        Background = p.Background == RgbColor.White ? null : p.Background.ToString(),
        MeanImage = p.MeanImage is { } m
            ? new MeanImageJson { File = MeanImageFileName(m.Sha256), Shape = [m.Channels, m.Height, m.Width], Bytes = 4L * m.Values.Count, Sha256 = m.Sha256 }
            : null,
        Limits = LimitsToJson(p.Limits),
    };

    /// <summary>Writes the mean image file of <paramref name="p"/> (if any) into <paramref name="directory"/>, atomically.</summary>
    public static void WriteFiles(ImagePreprocessing p, string directory, Action<string>? beforeCommit)
    {
        if (p.MeanImage is { } m)
        {
            string path = Path.Combine(directory, MeanImageFileName(m.Sha256));
            byte[] bytes = m.ToBytes();
            AtomicFile.Write(path, stream =>
            {
                stream.Write(bytes);
                beforeCommit?.Invoke(Path.GetFileName(path));
            });
        }
    }

    /// <summary>Reads the preprocessing of <paramref name="json"/>, loading its mean image from <paramref name="directory"/>.</summary>
    /// <exception cref="ArgumentException">A value is invalid (the caller names the file).</exception>
    /// <exception cref="ModelFormatException">The mean image file is missing, or its length or checksum differ.</exception>
    public static ImagePreprocessing FromJson(PreprocessingJson json, string directory, string metadataPath) => new()
    {
        Color = json.Color switch
        {
            "grayscale" => ColorMode.Grayscale,
            "rgb" => ColorMode.Rgb,
            _ => throw new ArgumentException($"preprocessing.color is '{json.Color}'; expected 'grayscale' or 'rgb'."),
        },
        Width = json.Width,
        Height = json.Height,
        Invert = json.Invert,
        Mean = json.Mean,
        Std = json.Std,
        ChannelOrder = json.ChannelOrder switch
        {
            null or "rgb" => ChannelOrder.Rgb,
            "bgr" => ChannelOrder.Bgr,
            _ => throw new ArgumentException($"preprocessing.channelOrder is '{json.ChannelOrder}'; expected 'rgb' or 'bgr'."),
        },
        Range = json.Range switch
        {
            null or "0-1" => PixelRange.ZeroToOne,
            "0-255" => PixelRange.ZeroTo255,
            _ => throw new ArgumentException($"preprocessing.range is '{json.Range}'; expected '0-1' or '0-255'."),
        },
        Resize = json.Resize switch
        {
            null or "stretch" => ResizeMode.Stretch,
            "center-crop" => ResizeMode.CenterCrop,
            _ => throw new ArgumentException($"preprocessing.resize is '{json.Resize}'; expected 'stretch' or 'center-crop'."),
        },
        CropFraction = json.CropFraction ?? 1f,
        ContentCropMargin = json.ContentCropMargin,
        Background = json.Background is null ? RgbColor.White : ParseColor(json.Background),
        MeanImage = json.MeanImage is null ? null : ReadMeanImage(json.MeanImage, directory, metadataPath),
        Limits = LimitsFromJson(json.Limits),
    };

    // Only limits below the defaults are the model's own: a host that raised a limit at load time (ModelLoadOptions.Limits)
    // does not pass it on to the models it saves.
    private static ImageLimitsJson? LimitsToJson(ImageLimits limits)
    {
        var d = ImageLimits.Default;
        var json = new ImageLimitsJson
        {
            MaxPixels = limits.MaxPixels < d.MaxPixels ? limits.MaxPixels : null,
            MaxEncodedBytes = limits.MaxEncodedBytes < d.MaxEncodedBytes ? limits.MaxEncodedBytes : null,
            MaxBatchBytes = limits.MaxBatchBytes < d.MaxBatchBytes ? limits.MaxBatchBytes : null,
        };
        return json is { MaxPixels: null, MaxEncodedBytes: null, MaxBatchBytes: null } ? null : json;
    }

    private static ImageLimits LimitsFromJson(ImageLimitsJson? json)
    {
        var d = ImageLimits.Default;
        return json is null ? d : new ImageLimits
        {
            MaxPixels = Limit(json.MaxPixels, d.MaxPixels, "maxPixels"),
            MaxEncodedBytes = Limit(json.MaxEncodedBytes, d.MaxEncodedBytes, "maxEncodedBytes"),
            MaxBatchBytes = Limit(json.MaxBatchBytes, d.MaxBatchBytes, "maxBatchBytes"),
        };
    }

    private static long Limit(long? value, long fallback, string name) => value switch
    {
        null => fallback,
        > 0 when value <= fallback => value.Value,
        _ => throw new ArgumentException(
            $"preprocessing.limits.{name} is {value}; expected 1 to {fallback} (a model may lower the library's default limit, not raise it: a host raises it with ModelLoadOptions.Limits or the CLI's limit options)."),
    };

    private static RgbColor ParseColor(string text)
    {
        try
        {
            return RgbColor.Parse(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"preprocessing.background: {e.Message}", e);
        }
    }

    private static MeanImage ReadMeanImage(MeanImageJson json, string directory, string metadataPath)
    {
        if (json.File.Length == 0 || json.File != Path.GetFileName(json.File) || json.File is "." or "..")
        {
            throw new ModelFormatException(metadataPath, $"Model metadata '{metadataPath}' names the mean image file '{json.File}'; expected a plain file name inside the model directory.");
        }

        if (json.Shape.Length != 3 || json.Shape.Any(d => d <= 0))
        {
            throw new ModelFormatException(metadataPath, $"Model metadata '{metadataPath}' gives the mean image shape [{string.Join(",", json.Shape)}]; expected [channels,height,width], all positive.");
        }

        string path = Path.Combine(directory, json.File);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"The mean image file '{path}' named by {ModelFile.MetadataFileName} could not be read ({e.Message}); expected {json.Bytes} bytes written by ModelFile.Save.", e);
        }

        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (bytes.LongLength != json.Bytes || !string.Equals(sha, json.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelFormatException(path, $"Mean image file '{path}' has {bytes.LongLength} bytes with SHA-256 {sha}, but {ModelFile.MetadataFileName} records {json.Bytes} bytes with SHA-256 {json.Sha256}: the file was changed or the save was interrupted.");
        }

        return MeanImage.FromBytes(bytes, json.Shape[0], json.Shape[1], json.Shape[2]);
    }
}
