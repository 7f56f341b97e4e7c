using System.CommandLine;
using OneShot.Data;

namespace OneShot.Cli;

/// <summary>The <c>--max-pixels</c>, <c>--max-image-bytes</c> and <c>--max-batch-bytes</c> limits of the commands that decode images.</summary>
internal sealed class ImageLimitOptions
{
    public Option<long?> MaxPixels { get; } = new("--max-pixels")
    {
        Description = $"Refuse images whose header declares more pixels (width x height). Default {ImageLimits.DefaultMaxPixels}.",
    };

    public Option<long?> MaxImageBytes { get; } = new("--max-image-bytes")
    {
        Description = $"Refuse image files larger than this many bytes. Default {ImageLimits.DefaultMaxEncodedBytes}.",
    };

    public Option<long?> MaxBatchBytes { get; } = new("--max-batch-bytes")
    {
        Description = $"Memory images being decoded at once may hold together. Default {ImageLimits.DefaultMaxBatchBytes}.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxPixels);
        command.Options.Add(MaxImageBytes);
        command.Options.Add(MaxBatchBytes);
    }

    /// <summary>The preprocessing with the limits given on the command line (the defaults for those not given).</summary>
    /// <exception cref="ArgumentException">A limit is zero or negative.</exception>
    public ImagePreprocessing Apply(ParseResult result, ImagePreprocessing preprocessing)
    {
        var limits = preprocessing.Limits;
        try
        {
            limits = result.GetValue(MaxPixels) is long pixels ? limits with { MaxPixels = pixels } : limits;
            limits = result.GetValue(MaxImageBytes) is long bytes ? limits with { MaxEncodedBytes = bytes } : limits;
            limits = result.GetValue(MaxBatchBytes) is long batch ? limits with { MaxBatchBytes = batch } : limits;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"--{OptionName(e.ParamName)} must be a positive number; got {e.ActualValue}.", e);
        }

        return preprocessing with { Limits = limits };
    }

    private static string OptionName(string? property) => property switch
    {
        nameof(ImageLimits.MaxPixels) => "max-pixels",
        nameof(ImageLimits.MaxEncodedBytes) => "max-image-bytes",
        _ => "max-batch-bytes",
    };
}
