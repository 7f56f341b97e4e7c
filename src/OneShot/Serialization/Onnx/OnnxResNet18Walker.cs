using Onnx;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// Matches an ONNX graph to <see cref="Embeddings.ResNet18"/> by structure, not by tensor names: from the image
/// input it follows the stem (Conv, BatchNormalization, Relu, MaxPool), then eight residual blocks (two
/// Conv+BatchNormalization on the main path, an optional 1x1 Conv+BatchNormalization shortcut, Add, Relu) and
/// the global average pool, checking kernel sizes, strides and paddings on the way. Asymmetric paddings (CNTK
/// writes <c>[3,3,2,2]</c>) are accepted where they give the same output size as PyTorch's symmetric padding at
/// the given input size: the extra padding row is then never read, so the results are identical.
/// </summary>
internal sealed class OnnxResNet18Walker
{
    private const int MaxBlocksPerStage = 16;
    private readonly OnnxGraph _graph;
    private readonly List<int> _blocks = [];
    private readonly List<OnnxConvBn> _mapped = [];
    private readonly List<string> _notes = [];
    private long _height;
    private long _width;

    private OnnxResNet18Walker(OnnxGraph graph, int height, int width)
    {
        _graph = graph;
        _height = height;
        _width = width;
    }

    /// <summary>
    /// Walks <paramref name="graph"/> for an input of <paramref name="height"/> x <paramref name="width"/>; the number
    /// of blocks per stage is read from the graph (a stage ends where a block with a shortcut convolution starts).
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <param name="height">The input height.</param>
    /// <param name="width">The input width.</param>
    /// <param name="expectedBlocks">The depths of the backbone to fill, used to list unmapped modules on failure.</param>
    /// <returns>The matched convolutions, the blocks per stage and notes for the report (paddings, skipped nodes).</returns>
    /// <exception cref="OnnxImportException">The graph does not have ResNet-18's structure.</exception>
    public static (IReadOnlyList<OnnxConvBn> Mapped, IReadOnlyList<int> Blocks, IReadOnlyList<string> Notes) Walk(
        OnnxGraph graph, int height, int width, IReadOnlyList<int> expectedBlocks)
    {
        var walker = new OnnxResNet18Walker(graph, height, width);
        try
        {
            walker.WalkAll();
        }
        catch (InvalidDataException e)
        {
            var mapped = walker._mapped.Select(m => m.ConvModule).ToHashSet(StringComparer.Ordinal);
            var unmapped = Modules(expectedBlocks).Where(m => !mapped.Contains(m.Conv)).SelectMany(m => new[] { m.Conv, m.Bn }).ToList();
            throw new OnnxImportException(graph.FilePath, [$"the graph does not have ResNet-18's structure: {e.Message}"], unmapped);
        }

        return (walker._mapped, walker._blocks, walker._notes);
    }

    /// <summary>Every convolution of a ResNet-18 of these depths with its batch norm, in the order the walk matches them.</summary>
    public static List<(string Conv, string Bn)> Modules(IReadOnlyList<int> blocks)
    {
        var list = new List<(string, string)> { ("conv1", "bn1") };
        for (int stage = 1; stage <= 4; stage++)
        {
            for (int block = 0; block < blocks[stage - 1]; block++)
            {
                string p = $"layer{stage}.{block}.";
                list.Add((p + "conv1", p + "bn1"));
                list.Add((p + "conv2", p + "bn2"));
                if (stage > 1 && block == 0)
                {
                    list.Add((p + "downsample.0", p + "downsample.1"));
                }
            }
        }

        return list;
    }

    private void WalkAll()
    {
        string x = _graph.InputName;
        var stem = Single(x, "Conv", "the stem convolution reading the input");
        x = ConvBn(stem, "conv1", "bn1", kernel: 7, stride: 2, pad: 3, ref _height, ref _width);
        x = Single(x, "Relu", "the stem ReLU").Output[0];
        var pool = Single(x, "MaxPool", "the stem max-pool");
        CheckWindow(pool, "stem max-pool", kernel: 3, stride: 2, pad: 1, ref _height, ref _width);
        x = pool.Output[0];
        for (int stage = 1; stage <= 4; stage++)
        {
            x = Block(x, stage, 0, stride: stage > 1 ? 2 : 1);
            int blocks = 1;
            while (!EndsStage(x))
            {
                if (blocks == MaxBlocksPerStage)
                {
                    throw new InvalidDataException($"layer{stage} has more than {MaxBlocksPerStage} blocks.");
                }

                x = Block(x, stage, blocks++, stride: 1);
            }

            _blocks.Add(blocks);
        }

        var tail = _graph.ConsumersOf(x);
        var head = tail.Count == 1 ? tail[0] : throw new InvalidDataException($"the output of layer4 ('{x}') is read by {tail.Count} nodes; expected one global average pool.");
        switch (head.OpType)
        {
            case "GlobalAveragePool":
                break;
            case "AveragePool":
                long[] k = OnnxGraph.Ints(head, "kernel_shape", []);
                long[] pads = OnnxGraph.Ints(head, "pads", [0, 0, 0, 0]);
                if (k.Length != 2 || k[0] != _height || k[1] != _width || pads.Any(p => p != 0))
                {
                    throw new InvalidDataException($"{OnnxGraph.Describe(head)} has kernel [{string.Join(",", k)}] and pads [{string.Join(",", pads)}] on a {_height}x{_width} map; expected a {_height}x{_width} kernel without padding (a global average pool).");
                }

                _notes.Add($"{OnnxGraph.Describe(head)} with a {_height}x{_width} kernel is a global average pool at this input size.");
                break;
            default:
                throw new InvalidDataException($"layer4 is followed by {OnnxGraph.Describe(head)}; expected GlobalAveragePool or AveragePool.");
        }

        var after = _graph.ConsumersOf(head.Output[0]);
        if (after.Count > 0)
        {
            _notes.Add($"Skipped after the pool (not part of the backbone): {string.Join(", ", after.Select(OnnxGraph.Describe))}.");
        }
    }

    /// <summary>Whether <paramref name="x"/> (a block output) feeds the pool or a block with a shortcut convolution.</summary>
    private bool EndsStage(string x)
    {
        var next = _graph.ConsumersOf(x);
        return next.Any(n => n.OpType is "GlobalAveragePool" or "AveragePool" or "ReduceMean")
            || next.Count(n => n.OpType == "Conv") >= 2;
    }

    private string Block(string x, int stage, int block, int stride)
    {
        string prefix = $"layer{stage}.{block}.";
        var convs = _graph.ConsumersOf(x).Where(n => n.OpType == "Conv").ToList();
        NodeProto? main = null;
        NodeProto? shortcut = null;
        foreach (var conv in convs)
        {
            var (_, y) = FollowBn(conv);
            var next = _graph.ConsumersOf(y);
            if (next.Count == 1 && next[0].OpType == "Relu")
            {
                main = main is null ? conv : throw new InvalidDataException($"{prefix}: two Conv nodes reading '{x}' start a Conv-BN-ReLU path; expected one.");
            }
            else if (next.Count == 1 && next[0].OpType == "Add")
            {
                shortcut = shortcut is null ? conv : throw new InvalidDataException($"{prefix}: two Conv nodes reading '{x}' lead to an Add; expected at most one shortcut.");
            }

        }

        if (main is null)
        {
            throw new InvalidDataException($"{prefix}: no Conv-BN-ReLU path reads '{x}' (found {string.Join(", ", _graph.ConsumersOf(x).Select(OnnxGraph.Describe).DefaultIfEmpty("no consumers"))}); expected a residual block.");
        }

        bool needsShortcut = stride != 1;
        if (needsShortcut != shortcut is not null)
        {
            throw new InvalidDataException($"{prefix}: {(shortcut is null ? "no" : "a")} 1x1 shortcut convolution found; expected {(needsShortcut ? "one (the block changes size)" : "none (identity shortcut)")}.");
        }

        long h = _height;
        long w = _width;
        string y1 = ConvBn(main, prefix + "conv1", prefix + "bn1", 3, stride, 1, ref h, ref w);
        var relu = Single(y1, "Relu", $"{prefix} ReLU");
        var conv2 = Single(relu.Output[0], "Conv", $"{prefix} second convolution");
        string y2 = ConvBn(conv2, prefix + "conv2", prefix + "bn2", 3, 1, 1, ref h, ref w);
        var add = Single(y2, "Add", $"{prefix} residual Add");
        string identity = x;
        if (shortcut is not null)
        {
            long sh = _height;
            long sw = _width;
            identity = ConvBn(shortcut, prefix + "downsample.0", prefix + "downsample.1", 1, stride, 0, ref sh, ref sw);
            if (sh != h || sw != w)
            {
                throw new InvalidDataException($"{prefix}: the shortcut gives {sh}x{sw} but the main path {h}x{w}.");
            }
        }

        string other = add.Input[0] == y2 ? add.Input[1] : add.Input[0];
        if (other != identity)
        {
            throw new InvalidDataException($"{prefix}: {OnnxGraph.Describe(add)} adds '{other}'; expected the block input or its shortcut ('{identity}').");
        }

        _height = h;
        _width = w;
        return Single(add.Output[0], "Relu", $"{prefix} ReLU after the Add").Output[0];
    }

    private string ConvBn(NodeProto conv, string convModule, string bnModule, int kernel, int stride, int pad, ref long height, ref long width)
    {
        if (OnnxGraph.Int(conv, "group", 1) != 1 || OnnxGraph.Ints(conv, "dilations", [1, 1]).Any(d => d != 1))
        {
            throw new InvalidDataException($"{OnnxGraph.Describe(conv)} (for {convModule}) is grouped or dilated; expected a plain convolution.");
        }

        CheckWindow(conv, convModule, kernel, stride, pad, ref height, ref width);
        var (bn, output) = FollowBn(conv);
        _mapped.Add(new OnnxConvBn(convModule, bnModule, conv, bn));
        return output;
    }

    private (NodeProto? Bn, string Output) FollowBn(NodeProto conv)
    {
        var next = _graph.ConsumersOf(conv.Output[0]);
        return next.Count == 1 && next[0].OpType == "BatchNormalization" ? (next[0], next[0].Output[0]) : (null, conv.Output[0]);
    }

    private void CheckWindow(NodeProto node, string what, int kernel, int stride, int pad, ref long height, ref long width)
    {
        long[] k = OnnxGraph.Ints(node, "kernel_shape", []);
        if (k.Length == 0 && node.OpType == "Conv" && node.Input.Count > 1 && _graph.IsConstant(node.Input[1]))
        {
            long[] weight = _graph.Constant(node.Input[1]).Shape;
            k = weight.Length > 2 ? weight[2..] : []; // a weight of rank < 3 has no window: reported below as the wrong kernel
        }

        long[] s = OnnxGraph.Ints(node, "strides", [1, 1]);
        long[] p = OnnxGraph.Ints(node, "pads", [0, 0, 0, 0]);
        string autoPad = OnnxGraph.Text(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or ""))
        {
            throw new InvalidDataException($"{OnnxGraph.Describe(node)} (for {what}) uses auto_pad {autoPad}; expected explicit pads.");
        }

        if (k.Length != 2 || k[0] != kernel || k[1] != kernel || s.Length != 2 || s[0] != stride || s[1] != stride)
        {
            throw new InvalidDataException($"{OnnxGraph.Describe(node)} (for {what}) has kernel [{string.Join(",", k)}] and strides [{string.Join(",", s)}]; expected kernel [{kernel},{kernel}] and strides [{stride},{stride}].");
        }

        if (p.Length != 4 || p[0] != pad || p[1] != pad || p[2] > pad || p[3] > pad)
        {
            throw new InvalidDataException($"{OnnxGraph.Describe(node)} (for {what}) has pads [{string.Join(",", p)}]; expected [{pad},{pad},{pad},{pad}] (or less padding at the end).");
        }

        long onnxH = ((height + p[0] + p[2] - kernel) / stride) + 1;
        long onnxW = ((width + p[1] + p[3] - kernel) / stride) + 1;
        long torchH = ((height + (2 * pad) - kernel) / stride) + 1;
        long torchW = ((width + (2 * pad) - kernel) / stride) + 1;
        if (onnxH != torchH || onnxW != torchW)
        {
            throw new InvalidDataException($"{OnnxGraph.Describe(node)} (for {what}) pads [{string.Join(",", p)}] give {onnxH}x{onnxW} on a {height}x{width} input, PyTorch's symmetric padding {pad} gives {torchH}x{torchW}: not the same network at this input size.");
        }

        if (p[2] != pad || p[3] != pad)
        {
            _notes.Add($"{OnnxGraph.Describe(node)} ({what}) pads [{string.Join(",", p)}] equal symmetric padding {pad} on its {height}x{width} input (same {onnxH}x{onnxW} output; the extra end padding is never read).");
        }

        height = onnxH;
        width = onnxW;
    }

    private NodeProto Single(string value, string opType, string what)
    {
        var next = _graph.ConsumersOf(value);
        return next.Count == 1 && next[0].OpType == opType
            ? next[0]
            : throw new InvalidDataException($"{what}: '{value}' is read by [{string.Join(", ", next.Select(OnnxGraph.Describe))}]; expected exactly one {opType}.");
    }
}
