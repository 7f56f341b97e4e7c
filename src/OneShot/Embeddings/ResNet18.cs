using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// torchvision's ResNet-18 (He et al. 2016) without the final classifier: a 7x7 stride-2 stem with batch norm,
/// ReLU and a 3x3 stride-2 max-pool, four stages of two basic blocks (64, 128, 256, 512 channels), then global
/// average pooling. The embedding has 512 values whatever the input size; the stem and stages shrink it 32-fold.
/// </summary>
/// <remarks>
/// Fields follow torchvision's <c>resnet.py</c> (<c>conv1</c>, <c>bn1</c>, <c>layer{1-4}.{0,1}.{conv1,bn1,conv2,bn2}</c>,
/// <c>layer{2-4}.0.downsample.{0 conv | 1 bn}</c>), so the state-dict keys are exactly torchvision's minus
/// <c>fc.weight</c> and <c>fc.bias</c>, batch-norm <c>num_batches_tracked</c> included (map a torchvision
/// state dict with <see cref="TorchvisionKeyMap"/>). Convolutions start from a fan-out Kaiming normal, as in torchvision.
/// </remarks>
public sealed class ResNet18 : nn.Module<Tensor, Tensor>
{
    /// <summary>The architecture name stored in model metadata.</summary>
    public const string ArchitectureName = "resnet18";

    /// <summary>The embedding length, the channels of the last stage.</summary>
    public const int EmbeddingSize = 512;

#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly IReadOnlyList<StagePooling> _pooling = StagePooling.Default;
#pragma warning restore IDE1006

    /// <summary>Creates a ResNet-18 for <paramref name="inChannels"/> input channels (3 for torchvision's weights).</summary>
    /// <param name="inChannels">The input channels.</param>
    /// <param name="blocksPerStage">
    /// Basic blocks in each of the four stages; null for ResNet-18's [2, 2, 2, 2]. Other depths hold the same kind of
    /// network with more blocks (CNTK's ImageNet "ResNet18" has [2, 2, 2, 3]); see <see cref="ResNet18Options.BlocksPerStage"/>.
    /// </param>
    /// <param name="generator">Draws the initial convolution weights; null draws them from TorchSharp's global generator.</param>
    public ResNet18(int inChannels = 3, IReadOnlyList<int>? blocksPerStage = null, Generator? generator = null)
        : base(nameof(ResNet18))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        IReadOnlyList<int> blocks = blocksPerStage ?? ResNet18Options.StandardBlocks;
        if (blocks.Count != 4 || blocks.Any(b => b < 1))
        {
            throw new ArgumentException($"blocksPerStage must have 4 positive counts; got [{string.Join(",", blocks)}].", nameof(blocksPerStage));
        }

        conv1 = nn.Conv2d(inChannels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU();
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, stride: 1, blocks[0]);
        layer2 = Stage(64, 128, stride: 2, blocks[1]);
        layer3 = Stage(128, 256, stride: 2, blocks[2]);
        layer4 = Stage(256, EmbeddingSize, stride: 2, blocks[3]);
        avgpool = nn.AdaptiveAvgPool2d(1);
        RegisterComponents();
        KaimingInit.FanOutConvolutions(this, generator);
    }

    /// <summary>
    /// Maps a key of torchvision's <c>resnet18().state_dict()</c> to the key of this network: the same key, or
    /// null for the classifier (<c>fc.weight</c>, <c>fc.bias</c>), which this backbone does not have.
    /// Pass it as the name map of a weights importer; null means "skip this tensor".
    /// </summary>
    /// <param name="key">A torchvision state-dict key, for example <c>layer2.0.downsample.0.weight</c>.</param>
    public static string? TorchvisionKeyMap(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith("fc.", StringComparison.Ordinal) ? null : key;
    }

    /// <summary>
    /// What the embedding is made of (<see cref="ResNet18Options.Pooling"/>): default <c>layer4</c> averaged
    /// globally. Set by <see cref="ResNet18Options.Build"/>.
    /// </summary>
    internal IReadOnlyList<StagePooling> Pooling
    {
        get => _pooling;
        init => _pooling = StagePooling.Validate(value);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.forward(relu.forward(bn1.forward(conv1.forward(input))));
        var parts = new List<Tensor>(_pooling.Count);
        var stages = Stages();
        for (int stage = 1; stage <= _pooling[^1].Stage; stage++) // stages after the last pooled one are not run
        {
            x = stages[stage - 1].forward(x);
            if (_pooling.FirstOrDefault(p => p.Stage == stage) is { } pooling)
            {
                parts.Add(pooling.Grid == 1 ? avgpool.forward(x).flatten(1) : Pool(x, pooling.Grid));
            }
        }

        return Combine(parts).MoveToOuterDisposeScope();
    }

    /// <summary>A stage's output <c>[N, C, H, W]</c> averaged on a grid x grid grid (adaptive cells), flattened to <c>[N, C·grid²]</c>.</summary>
    internal static Tensor Pool(Tensor map, int grid) =>
        grid == 1 ? map.mean([2, 3]) : nn.functional.adaptive_avg_pool2d(map, [grid, grid]).flatten(1);

    /// <summary>One part as it is; several each scaled to unit L2 norm, then concatenated.</summary>
    internal static Tensor Combine(IReadOnlyList<Tensor> parts) =>
        parts.Count == 1 ? parts[0] : cat(parts.Select(p => nn.functional.normalize(p, dim: 1)).ToList(), 1);

    /// <summary>
    /// Runs everything before the last <paramref name="tailBlocks"/> blocks of the pooled stage (<c>layer4</c> with
    /// ResNet-18's own pooling, or the one stage a grid pooling such as <c>layer3:4</c> reads): the feature map the tail
    /// continues from (<see cref="ForwardTail"/>).
    /// </summary>
    internal Tensor ForwardHead(Tensor input, int tailBlocks)
    {
        var (stage, _, blocks) = TailCheck(tailBlocks);
        using var scope = NewDisposeScope();
        var x = maxpool.forward(relu.forward(bn1.forward(conv1.forward(input))));
        var stages = Stages();
        for (int s = 1; s < stage; s++)
        {
            x = stages[s - 1].forward(x);
        }

        foreach (var (_, block) in blocks.Take(blocks.Count - tailBlocks))
        {
            x = block.forward(x);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Runs the last <paramref name="tailBlocks"/> blocks and the pooling on a map from <see cref="ForwardHead"/>.</summary>
    internal Tensor ForwardTail(Tensor head, int tailBlocks)
    {
        var (_, grid, blocks) = TailCheck(tailBlocks);
        using var scope = NewDisposeScope();
        var x = head;
        foreach (var (_, block) in blocks.Skip(blocks.Count - tailBlocks))
        {
            x = block.forward(x);
        }

        return (grid == 1 ? avgpool.forward(x).flatten(1) : Pool(x, grid)).MoveToOuterDisposeScope();
    }

    /// <summary>The state-dict prefixes of the last <paramref name="tailBlocks"/> blocks, for example <c>layer4.1.</c> or <c>layer3.1.</c>.</summary>
    internal IReadOnlyList<string> TailPrefixes(int tailBlocks)
    {
        var (stage, _, blocks) = TailCheck(tailBlocks);
        return blocks.Skip(blocks.Count - tailBlocks).Select(b => $"layer{stage}.{b.Name}.").ToList();
    }

    /// <summary><c>layer1</c>..<c>layer4</c> in order (a method, not a field, so that module registration sees each stage once).</summary>
    private Sequential[] Stages() => [layer1, layer2, layer3, layer4];

    /// <summary>The pooled stage, its grid and its blocks (input to output); one pooled stage only.</summary>
    private (int Stage, int Grid, List<(string Name, nn.Module<Tensor, Tensor> Block)> Blocks) TailCheck(int tailBlocks)
    {
        if (_pooling.Count != 1)
        {
            throw new InvalidOperationException(
                $"Tuning the last blocks needs one pooled stage (such as layer4:1 or layer3:4); this network pools {StagePooling.FormatList(_pooling)}. Pool one stage, or train a projection only.");
        }

        var (stage, grid) = (_pooling[0].Stage, _pooling[0].Grid);
        var module = Stages()[stage - 1];
        var blocks = module.named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)).ToList();
        if (tailBlocks < 1 || tailBlocks > blocks.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(tailBlocks), tailBlocks, $"Expected 1..{blocks.Count} blocks of the pooled stage (layer{stage}).");
        }

        return (stage, grid, blocks);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            relu.Dispose();
            maxpool.Dispose();
            layer1.Dispose();
            layer2.Dispose();
            layer3.Dispose();
            layer4.Dispose();
            avgpool.Dispose();
        }

        base.Dispose(disposing);
    }

    private static Sequential Stage(int inChannels, int width, int stride, int blocks) =>
        nn.Sequential(Enumerable.Range(0, blocks)
            .Select(i => (nn.Module<Tensor, Tensor>)(i == 0 ? new ResNet18Block(inChannels, width, stride) : new ResNet18Block(width, width, 1)))
            .ToArray());
}
