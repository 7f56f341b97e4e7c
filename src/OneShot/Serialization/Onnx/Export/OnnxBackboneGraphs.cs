using OneShot.Embeddings;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// The inference graphs of OneShot's backbones, written node by node from their state-dict keys: the same
/// layers as <see cref="Conv4"/>, <see cref="ResNet12"/> and <see cref="ResNet18"/> in evaluation mode.
/// </summary>
internal static class OnnxBackboneGraphs
{
    private const float ResNet12Slope = 0.1f;

    /// <summary>
    /// Appends the graph of <paramref name="backbone"/> to <paramref name="x"/>, an input of
    /// <paramref name="height"/> x <paramref name="width"/> pixels, and returns the <c>[N,D]</c> output.
    /// </summary>
    /// <exception cref="NotSupportedException">The backbone is not one of OneShot's.</exception>
    public static string Append(OnnxGraphBuilder g, BackboneOptions backbone, string x, int height, int width) => backbone switch
    {
        Conv4Options => Conv4(g, x),
        ResNet12Options => ResNet12(g, x),
        ResNet18Options resnet18 => ResNet18(g, x, resnet18, height, width),
        _ => throw new NotSupportedException(
            $"ONNX export supports the conv4, resnet12 and resnet18 backbones; this embedder's backbone is '{backbone.Architecture}'."),
    };

    private static string Conv4(OnnxGraphBuilder g, string x)
    {
        for (int block = 0; block < 4; block++)
        {
            x = g.Conv(x, $"encoder.{block}.0", stride: 1, padding: 1);
            x = g.Relu(g.BatchNorm(x, $"encoder.{block}.1"));
            x = g.MaxPool(x, kernel: 2, stride: 2, padding: 0);
        }

        return g.Flatten(x);
    }

    private static string ResNet12(OnnxGraphBuilder g, string x)
    {
        for (int stage = 1; stage <= 4; stage++)
        {
            string p = $"layer{stage}.0";
            string input = x;
            x = g.LeakyRelu(g.BatchNorm(g.Conv(input, $"{p}.conv1", 1, 1), $"{p}.bn1"), ResNet12Slope);
            x = g.LeakyRelu(g.BatchNorm(g.Conv(x, $"{p}.conv2", 1, 1), $"{p}.bn2"), ResNet12Slope);
            x = g.BatchNorm(g.Conv(x, $"{p}.conv3", 1, 1), $"{p}.bn3");
            string shortcut = g.BatchNorm(g.Conv(input, $"{p}.downsample.0", 1, 0), $"{p}.downsample.1");
            x = g.MaxPool(g.LeakyRelu(g.Add(x, shortcut), ResNet12Slope), kernel: 2, stride: 2, padding: 0);
        }

        return g.GlobalAveragePool(x);
    }

    /// <summary>
    /// <see cref="Embeddings.ResNet18"/>'s forward: the stages up to the last pooled one, each pooled stage averaged
    /// globally or on its grid, several parts each scaled to unit length and concatenated.
    /// </summary>
    private static string ResNet18(OnnxGraphBuilder g, string x, ResNet18Options options, int height, int width)
    {
        x = g.Relu(g.BatchNorm(g.Conv(x, "conv1", stride: 2, padding: 3), "bn1"));
        (height, width) = (Strided(height, 7, 2, 3), Strided(width, 7, 2, 3));
        x = g.MaxPool(x, kernel: 3, stride: 2, padding: 1);
        (height, width) = (Strided(height, 3, 2, 1), Strided(width, 3, 2, 1));
        var parts = new List<string>();
        for (int stage = 1; stage <= options.Pooling[^1].Stage; stage++)
        {
            if (stage > 1)
            {
                (height, width) = (Strided(height, 3, 2, 1), Strided(width, 3, 2, 1));
            }

            for (int block = 0; block < options.BlocksPerStage[stage - 1]; block++)
            {
                string p = $"layer{stage}.{block}";
                int stride = stage > 1 && block == 0 ? 2 : 1;
                string input = x;
                x = g.Relu(g.BatchNorm(g.Conv(input, $"{p}.conv1", stride, 1), $"{p}.bn1"));
                x = g.BatchNorm(g.Conv(x, $"{p}.conv2", 1, 1), $"{p}.bn2");
                string identity = g.Has($"{p}.downsample.0.weight")
                    ? g.BatchNorm(g.Conv(input, $"{p}.downsample.0", stride, 0), $"{p}.downsample.1")
                    : input;
                x = g.Relu(g.Add(x, identity));
            }

            if (options.Pooling.FirstOrDefault(p => p.Stage == stage) is { } pooling)
            {
                parts.Add(pooling.Grid == 1 ? g.GlobalAveragePool(x) : g.AdaptiveAveragePool(x, height, width, pooling.Grid));
            }
        }

        return parts.Count == 1 ? parts[0] : g.Concat([.. parts.Select(g.L2Normalize)]);
    }

    /// <summary>The output length of a convolution or pooling window along one axis.</summary>
    private static int Strided(int size, int kernel, int stride, int padding) => ((size + (2 * padding) - kernel) / stride) + 1;
}
