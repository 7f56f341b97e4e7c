using TorchSharp;
using static TorchSharp.torch;

// One convolution and the batch norm after it, by state-dict prefix, with the convolution's geometry.
using Layer = (string Conv, string BatchNorm, long Stride, long Padding);

namespace OneShot.Embeddings;

/// <summary>
/// The inference copy of a Conv4, ResNet-12 or ResNet-18 backbone with every batch norm folded into the convolution
/// before it (<c>W' = W·γ/√(σ²+ε)</c>, <c>b' = β + (b−μ)·γ/√(σ²+ε)</c>), run as plain functional calls with in-place
/// activations, in channels-last memory format. It holds only the folded convolutions (about the network's own
/// memory). Results equal the eval-mode network within float tolerance.
/// </summary>
internal sealed class FoldedNetwork : InferenceCopy
{
    private const double BatchNormEpsilon = 1e-5; // the nn.BatchNorm2d default every backbone here uses
    private const double ResNet12Slope = 0.1;

    private static readonly Layer[] Conv4Layout =
        [.. Enumerable.Range(0, 4).Select(i => ($"encoder.{i}.0", $"encoder.{i}.1", 1, 1))];

    private static readonly Layer[] ResNet12Layout =
    [
        .. Enumerable.Range(1, 4).SelectMany(i => new Layer[]
        {
            ($"layer{i}.0.conv1", $"layer{i}.0.bn1", 1, 1),
            ($"layer{i}.0.conv2", $"layer{i}.0.bn2", 1, 1),
            ($"layer{i}.0.conv3", $"layer{i}.0.bn3", 1, 1),
            ($"layer{i}.0.downsample.0", $"layer{i}.0.downsample.1", 1, 0),
        }),
    ];

    private readonly List<(Tensor Weight, Tensor Bias, long Stride, long Padding)> _convolutions;
    private readonly Func<FoldedNetwork, Tensor, Tensor> _forward;

    // ResNet-18's basic blocks as indices into _convolutions (downsample -1 when the block has none) with their stage
    // (1-4); empty otherwise.
    private readonly List<(int Conv1, int Conv2, int Downsample, int Stage)> _blocks;

    // ResNet-18's pooling (ResNet18Options.Pooling); the default for the other backbones, which do not read it.
    private readonly IReadOnlyList<StagePooling> _pooling;

    // Conv4 on the CPU: the same folded convolutions on oneDNN's own tensors (it declines, and the dense path runs,
    // elsewhere). Null for the ResNets: measured, ResNet-18 ran level with its dense path and ResNet-12 slower (oneDNN's
    // tensors have no leaky ReLU in libtorch 2.10, so each one needs two conversions), docs/PERFORMANCE.md.
    private readonly MkldnnNetwork? _mkldnn;

    // The input shapes Conv records on this thread while MkldnnNetwork learns them (null otherwise).
    [ThreadStatic]
    private static Dictionary<int, long[]>? t_convolutionInputs;

    private FoldedNetwork(
        List<(Tensor, Tensor, long, long)> convolutions,
        Func<FoldedNetwork, Tensor, Tensor> forward,
        List<(int, int, int, int)> blocks,
        IReadOnlyList<StagePooling> pooling,
        string? mkldnnBody,
        long version)
        : base(version)
    {
        _pooling = pooling;
        _convolutions = convolutions;
        _forward = forward;
        _blocks = blocks;
        _mkldnn = mkldnnBody is null ? null : new MkldnnNetwork(convolutions, mkldnnBody, DenseRecordingInputs);
    }

    /// <summary>
    /// Folds the current weights and buffers of <paramref name="network"/> (whatever its mode), or returns null for
    /// backbones it does not know. Reads the network; never changes it.
    /// </summary>
    /// <param name="network">The network to fold.</param>
    /// <param name="version">The weights version the network is at, read before this call.</param>
    public static FoldedNetwork? TryCreate(nn.Module<Tensor, Tensor> network, long version)
    {
        if (network is not (Conv4 or ResNet12 or ResNet18))
        {
            return null;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var state = network.state_dict();
        Layer[] layout;
        Func<FoldedNetwork, Tensor, Tensor> forward;
        string? mkldnnBody = null;
        var blocks = new List<(int, int, int, int)>();
        switch (network)
        {
            case Conv4:
                (layout, forward, mkldnnBody) = (Conv4Layout, static (f, x) => f.Conv4Forward(x), Conv4MkldnnBody);
                break;
            case ResNet12:
                (layout, forward) = (ResNet12Layout, static (f, x) => f.ResNet12Forward(x));
                break;
            default:
                (layout, forward) = (ResNet18Layout(state, blocks), static (f, x) => f.ResNet18Forward(x));
                break;
        }

        var convolutions = new List<(Tensor, Tensor, long, long)>(layout.Length);
        foreach (var layer in layout)
        {
            var (w, b) = Fold(state, layer.Conv, layer.BatchNorm);
            convolutions.Add((ChannelsLast(w).DetachFromDisposeScope(), b.contiguous().DetachFromDisposeScope(), layer.Stride, layer.Padding));
        }

        return new FoldedNetwork(convolutions, forward, blocks, (network as ResNet18)?.Pooling ?? StagePooling.Default, mkldnnBody, version);
    }

    /// <summary>
    /// ResNet-18's convolutions in order (the 7x7 stem, then conv1, conv2 and the optional downsample of every block,
    /// however many blocks each stage has), filling <paramref name="blocks"/> with their indices. The first block of
    /// stages 2-4 has stride 2, as <see cref="ResNet18"/> builds it.
    /// </summary>
    private static Layer[] ResNet18Layout(Dictionary<string, Tensor> state, List<(int, int, int, int)> blocks)
    {
        var layers = new List<Layer> { ("conv1", "bn1", 2, 3) };
        for (int stage = 1; stage <= 4; stage++)
        {
            for (int j = 0; state.ContainsKey($"layer{stage}.{j}.conv1.weight"); j++)
            {
                string block = $"layer{stage}.{j}";
                long stride = stage > 1 && j == 0 ? 2 : 1;
                int conv1 = layers.Count;
                layers.Add(($"{block}.conv1", $"{block}.bn1", stride, 1));
                layers.Add(($"{block}.conv2", $"{block}.bn2", 1, 1));
                int downsample = -1;
                if (state.ContainsKey($"{block}.downsample.0.weight"))
                {
                    downsample = layers.Count;
                    layers.Add(($"{block}.downsample.0", $"{block}.downsample.1", stride, 0));
                }

                blocks.Add((conv1, conv1 + 1, downsample, stage));
            }
        }

        return [.. layers];
    }

    /// <summary>Every convolution this copy runs: input channels, square kernel size and stride (the kernel check's <c>NetworksRun</c>).</summary>
    internal IEnumerable<(long In, long Kernel, long Stride)> ConvolutionShapes =>
        _convolutions.Select(c => (c.Weight.shape[1], c.Weight.shape[2], c.Stride));

    /// <inheritdoc />
    public override Tensor Forward(Tensor images) => _mkldnn?.TryForward(images) ?? _forward(this, images);

    /// <summary>Whether this copy runs on oneDNN's own tensors: null without that path (the ResNets), false once it declined (tests).</summary>
    internal bool? UsesMkldnn => _mkldnn is null ? null : !_mkldnn.Declined;

    /// <inheritdoc />
    protected override void ReleaseTensors()
    {
        _mkldnn?.Dispose();
        foreach (var (w, b, _, _) in _convolutions)
        {
            w.Dispose();
            b.Dispose();
        }

        _convolutions.Clear();
    }

    private static (Tensor Weight, Tensor Bias) Fold(Dictionary<string, Tensor> state, string conv, string bn)
    {
        var weight = state[$"{conv}.weight"];
        using var epsilon = BatchNormEpsilon.ToScalar();
        var scale = state[$"{bn}.weight"] / state[$"{bn}.running_var"].add(epsilon, TorchScalars.One).sqrt();
        var folded = weight * scale.view(-1, 1, 1, 1);
        var shift = state.TryGetValue($"{conv}.bias", out var bias) ? bias - state[$"{bn}.running_mean"] : state[$"{bn}.running_mean"].neg();
        return (folded, state[$"{bn}.bias"] + (shift * scale));
    }

    /// <summary>
    /// The same values with NHWC strides (channels-last), which libtorch's CPU convolutions run faster on than NCHW
    /// (measured in docs/PERFORMANCE.md). TorchSharp 0.107 has no memory-format argument, hence the copy to NHWC and
    /// the explicit strides <c>[H·W·C, 1, W·C, C]</c>. Permuting back instead would lose the layout for one channel:
    /// a <c>[N, H, W, 1]</c> tensor is already contiguous, so the permutes returned NCHW strides, and libtorch ran a
    /// grayscale network's first convolution, and so every layer after it, in NCHW.
    /// </summary>
    internal static Tensor ChannelsLast(Tensor x)
    {
        using var nhwc = x.permute(0, 2, 3, 1).contiguous();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        return nhwc.as_strided([n, c, h, w], [h * w * c, 1, w * c, c]);
    }

    private Tensor Conv(Tensor x, int index)
    {
        t_convolutionInputs?.TryAdd(index, x.shape);
        var (w, b, stride, padding) = _convolutions[index];
        return nn.functional.conv2d(x, w, b, strides: [stride, stride], padding: [padding, padding]);
    }

    // Conv4's mkldnn forward pass (MkldnnNetwork's TorchScript, x the mkldnn input): Conv4Forward below, op for op.
    private const string Conv4MkldnnBody = """
        x = torch.max_pool2d(CONV(0, x).relu_(), [2, 2])
        x = torch.max_pool2d(CONV(1, x).relu_(), [2, 2])
        x = torch.max_pool2d(CONV(2, x).relu_(), [2, 2])
        x = torch.max_pool2d(CONV(3, x).relu_(), [2, 2])
        return x.to_dense().flatten(1)
        """;

    /// <summary>The dense forward pass on <paramref name="sample"/> and the input shape of every convolution, in order.</summary>
    private (Tensor Output, IReadOnlyList<long[]> ConvolutionInputs) DenseRecordingInputs(Tensor sample)
    {
        var shapes = new Dictionary<int, long[]>();
        t_convolutionInputs = shapes;
        try
        {
            var output = _forward(this, sample);
            return (output, [.. Enumerable.Range(0, _convolutions.Count).Select(i => shapes[i])]);
        }
        finally
        {
            t_convolutionInputs = null;
        }
    }

    private Tensor Conv4Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = ChannelsLast(input);
        for (int i = 0; i < 4; i++)
        {
            x = nn.functional.max_pool2d(Conv(x, i).relu_(), 2);
        }

        return x.contiguous().flatten(1).MoveToOuterDisposeScope();
    }

    private Tensor ResNet18Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.max_pool2d(Conv(ChannelsLast(input), 0).relu_(), 3, 2, 1);
        var parts = new List<Tensor>(_pooling.Count);
        int lastStage = _pooling[^1].Stage; // stages after the last pooled one are not run
        for (int i = 0; i < _blocks.Count && _blocks[i].Stage <= lastStage; i++)
        {
            var (conv1, conv2, downsample, stage) = _blocks[i];
            var y = Conv(x, conv1).relu_();
            x = Conv(y, conv2).add_(downsample < 0 ? x : Conv(x, downsample), TorchScalars.One).relu_();
            bool stageEnds = i == _blocks.Count - 1 || _blocks[i + 1].Stage != stage;
            if (stageEnds && _pooling.FirstOrDefault(p => p.Stage == stage) is { } pooling)
            {
                parts.Add(ResNet18.Pool(x, pooling.Grid));
            }
        }

        return ResNet18.Combine(parts).MoveToOuterDisposeScope();
    }

    private Tensor ResNet12Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        using var slope = ResNet12Slope.ToScalar();
        var x = ChannelsLast(input);
        for (int i = 0; i < 4; i++)
        {
            var y = Conv(x, 4 * i).leaky_relu_(slope);
            y = Conv(y, (4 * i) + 1).leaky_relu_(slope);
            y = Conv(y, (4 * i) + 2).add_(Conv(x, (4 * i) + 3), TorchScalars.One);
            x = nn.functional.max_pool2d(y.leaky_relu_(slope), 2);
        }

        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }
}
