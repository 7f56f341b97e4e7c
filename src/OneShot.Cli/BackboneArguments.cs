using System.CommandLine;
using System.Globalization;
using OneShot.Embeddings;

namespace OneShot.Cli;

/// <summary>The options that choose the network to train: <c>--backbone conv4|resnet12|resnet18 [--widths a,b,c,d]</c>.</summary>
internal sealed class BackboneArguments
{
    public Option<string> Backbone { get; } = new("--backbone")
    {
        Description = "conv4 (default), resnet12 (few-shot ResNet-12) or resnet18 (torchvision's, without fc).",
        DefaultValueFactory = _ => "conv4",
    };

    public Option<string?> Widths { get; } = new("--widths")
    {
        Description = "conv4/resnet12: the four stage widths, comma-separated (default 64,64,64,64 / 64,160,320,640).",
    };

    /// <summary>The stage pooling a <c>--pooling</c> option gives (null when absent); a malformed list is a usage error naming the option.</summary>
    /// <exception cref="ArgumentException">The list is malformed or out of range.</exception>
    public static IReadOnlyList<StagePooling>? ParsePooling(string? text)
    {
        try
        {
            return text is null ? null : StagePooling.ParseList(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"--pooling: {e.Message}", e);
        }
    }

    /// <summary>The <c>--content-crop MARGIN</c> option of the commands that build a model's preprocessing.</summary>
    public static Option<float?> ContentCropOption(string stored) => new("--content-crop")
    {
        Description = $"Cut every image to its content first (transparent or background-coloured border), centred with this margin per side (0-0.45 of the side; 0.03125 keeps 2 of 64 pixels); stored {stored}. For icons, emoji, logos, cut-outs.",
    };

    /// <summary>The <c>--content-crop</c> margin, checked: null when not given.</summary>
    /// <exception cref="ArgumentException">The margin is outside [0, 0.45].</exception>
    public static float? ParseContentCrop(float? margin) =>
        margin is null or (>= 0f and <= 0.45f) ? margin : throw new ArgumentException($"--content-crop must be a margin from 0 to 0.45 of the side; got {margin}.");

    public void AddTo(Command command)
    {
        command.Options.Add(Backbone);
        command.Options.Add(Widths);
    }

    /// <summary>
    /// With <c>--init-from DIR</c> the network and its preprocessing come from DIR: giving <c>--backbone</c>,
    /// <c>--widths</c> or <paramref name="imageSize"/> as well is a usage error naming the option.
    /// </summary>
    public void RefuseWithInitFrom(ParseResult result, Option imageSize, string initDir)
    {
        foreach (var option in new Option[] { Backbone, Widths, imageSize })
        {
            if (result.GetResult(option) is { Implicit: false })
            {
                throw new ArgumentException($"{option.Name} does not apply with --init-from: the network and its preprocessing come from '{initDir}'.");
            }
        }
    }

    /// <summary>The backbone options asked for; a bad name or width list is a usage error naming the option.</summary>
    public BackboneOptions Resolve(ParseResult result)
    {
        string? text = result.GetValue(Widths);
        int[]? widths = text is null ? null : ParseWidths(text);
        return result.GetValue(Backbone) switch
        {
            "conv4" => widths is null ? new Conv4Options() : new Conv4Options { Widths = widths },
            "resnet12" => widths is null ? new ResNet12Options() : new ResNet12Options { Widths = widths },
            "resnet18" when widths is null => new ResNet18Options(),
            "resnet18" => throw new ArgumentException("--widths does not apply to resnet18 (its widths are torchvision's)."),
            var other => throw new ArgumentException($"--backbone must be conv4, resnet12 or resnet18; got '{other}'."),
        };
    }

    private static int[] ParseWidths(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
            {
                throw new ArgumentException($"--widths takes four positive whole numbers separated by commas; got '{text}'.");
            }
        }

        return parts.Length == 4 ? widths : throw new ArgumentException($"--widths takes four positive whole numbers separated by commas; got '{text}'.");
    }
}
