using OneShot.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Cli;

/// <summary>
/// The emoji set with its query drawing (item 1) redrawn in a style no artist of the set uses, to check that a model
/// generalises beyond the Google↔Twitter change it may have been trained on: <c>pixel</c> (8x8-pixel blocks, pixel art),
/// <c>outline</c> (edge magnitude, a line drawing), <c>grayscale</c>. With <c>sameDrawing</c> the query is the support's
/// own drawing (item 0) in that style, so only the style differs.
/// </summary>
internal sealed class StyledQueries(IClassDataset inner, string style, bool sameDrawing) : IClassDataset, IDisposable
{
    public static readonly string[] Styles = ["none", "pixel", "outline", "grayscale"];

    public IClassDataset Inner => inner;

    public IReadOnlyList<string> Classes => inner.Classes;

    public (int Channels, int Height, int Width) ItemShape => inner.ItemShape;

    public int CountOf(int classIndex) => inner.CountOf(classIndex);

    public Tensor Load(int classIndex, IReadOnlyList<int> items)
    {
        using var scope = NewDisposeScope();
        var parts = items.Select(i => i == 1 ? Restyle(inner.Load(classIndex, [sameDrawing ? 0 : 1])) : inner.Load(classIndex, [i])).ToArray();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <summary>Applies the style to preprocessed images <c>[N,C,H,W]</c>.</summary>
    public Tensor Restyle(Tensor x)
    {
        using var scope = NewDisposeScope();
        long h = x.shape[2], w = x.shape[3];
        Tensor y = style switch
        {
            "none" => x.clone(),
            "pixel" => nn.functional.interpolate(nn.functional.avg_pool2d(x, 8, stride: 8), size: [h, w], mode: InterpolationMode.Nearest),
            "grayscale" => x.mean([1], keepdim: true).expand_as(x),
            "outline" => Outline(x),
            _ => throw new ArgumentException($"--query-style must be one of {string.Join(", ", Styles)}; got '{style}'."),
        };
        return y.contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor Outline(Tensor x)
    {
        long c = x.shape[1];
        var kx = tensor(new float[] { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, [1, 1, 3, 3]).to(x.dtype).repeat(c, 1, 1, 1);
        var ky = kx.transpose(2, 3);
        var gx = nn.functional.conv2d(x, kx, padding: [1, 1], groups: c);
        var gy = nn.functional.conv2d(x, ky, padding: [1, 1], groups: c);

        // Lines as dark as the image's darkest pixel on paper as light as its lightest: a line drawing of the same shape.
        using var alpha = 1L.ToScalar();
        var edges = gx.mul(gx).add_(gy.mul(gy), alpha).sqrt().amax([1], keepdim: true);
        using var tiny = 1e-6f.ToScalar();
        using var zero = 0f.ToScalar();
        using var one = 1f.ToScalar();
        edges = (edges / edges.amax([2, 3], keepdim: true).add(tiny, alpha)).clamp(zero, one);
        var paper = x.amax([2, 3], keepdim: true);
        var ink = x.amin([2, 3], keepdim: true);
        return paper - (edges * (paper - ink));
    }
}
