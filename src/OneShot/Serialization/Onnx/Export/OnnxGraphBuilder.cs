using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// Builds an ONNX graph node by node, taking weights from a state dictionary by key: each weight becomes an
/// initializer named after its state-dict key, each node output a fresh name.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>TorchSharp's <c>BatchNorm2d</c> default, used by every OneShot backbone.</summary>
    private const float BatchNormEpsilon = 1e-5f;

    private readonly IReadOnlyDictionary<string, Tensor> _weights;
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
    private int _next;

    public OnnxGraphBuilder(IReadOnlyDictionary<string, Tensor> weights, string name)
    {
        _weights = weights;
        Graph = new GraphProto { Name = name };
    }

    public GraphProto Graph { get; }

    /// <summary>Whether the state dictionary holds <paramref name="key"/>.</summary>
    public bool Has(string key) => _weights.ContainsKey(key);

    /// <summary>Adds the state-dict tensor <paramref name="key"/> as a float32 initializer (once) and returns its name.</summary>
    public string Weight(string key)
    {
        if (!_weights.TryGetValue(key, out var tensor))
        {
            throw new InvalidOperationException($"The network has no weight '{key}', which its ONNX graph needs.");
        }

        if (_initializers.Add(key))
        {
            using var cpu = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
            var proto = new TensorProto
            {
                Name = key,
                DataType = (int)TensorProto.Types.DataType.Float,
                RawData = ByteString.CopyFrom(cpu.bytes),
            };
            proto.Dims.AddRange(cpu.shape);
            Graph.Initializer.Add(proto);
        }

        return key;
    }

    /// <summary>Adds a float32 constant initializer (once per name) and returns its name.</summary>
    public string Constant(string name, ReadOnlySpan<float> values, params long[] dims) =>
        AddConstant(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values), dims);

    /// <summary>Adds an int64 constant initializer (once per name), such as a <c>Reshape</c> shape, and returns its name.</summary>
    public string Int64Constant(string name, ReadOnlySpan<long> values, params long[] dims) =>
        AddConstant(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values), dims);

    private string AddConstant(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        if (_weights.ContainsKey(name) || !_initializers.Add(name))
        {
            return name;
        }

        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        proto.Dims.AddRange(dims);
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = $"{opType.ToLowerInvariant()}_{_next++}";
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the node output <paramref name="value"/> to <paramref name="name"/> (the graph's output name).</summary>
    public void NameOutput(string value, string name)
    {
        var node = Graph.Node.Single(n => n.Output.Contains(value));
        node.Output[node.Output.IndexOf(value)] = name;
    }

    /// <summary>A 2-D convolution whose weight (and bias, when the state dict has one) are <c>{prefix}.weight</c>, <c>{prefix}.bias</c>.</summary>
    public string Conv(string x, string prefix, int stride, int padding)
    {
        string weight = Weight($"{prefix}.weight");
        var shape = _weights[weight].shape;
        var inputs = new List<string> { x, weight };
        if (Has($"{prefix}.bias"))
        {
            inputs.Add(Weight($"{prefix}.bias"));
        }

        return Node(
            "Conv",
            inputs,
            Ints("kernel_shape", shape[2], shape[3]),
            Ints("strides", stride, stride),
            Ints("pads", padding, padding, padding, padding));
    }

    /// <summary>An evaluation-mode batch norm over <c>{prefix}.weight/bias/running_mean/running_var</c>.</summary>
    public string BatchNorm(string x, string prefix) => Node(
        "BatchNormalization",
        [x, Weight($"{prefix}.weight"), Weight($"{prefix}.bias"), Weight($"{prefix}.running_mean"), Weight($"{prefix}.running_var")],
        Float("epsilon", BatchNormEpsilon));

    public string Relu(string x) => Node("Relu", [x]);

    public string LeakyRelu(string x, float slope) => Node("LeakyRelu", [x], Float("alpha", slope));

    public string MaxPool(string x, int kernel, int stride, int padding) => Node(
        "MaxPool",
        [x],
        Ints("kernel_shape", kernel, kernel),
        Ints("strides", stride, stride),
        Ints("pads", padding, padding, padding, padding));

    public string Add(string a, string b) => Node("Add", [a, b]);

    /// <summary>Global average pooling then flatten to <c>[N,C]</c>.</summary>
    public string GlobalAveragePool(string x) => Flatten(Node("GlobalAveragePool", [x]));

    /// <summary>
    /// torch's <c>adaptive_avg_pool2d(x, [grid, grid]).flatten(1)</c> on a <c>[N,C,height,width]</c> map whose spatial
    /// size is known when the graph is built: the map as <c>[N,C,height·width]</c> times a constant matrix whose column
    /// <c>i·grid+j</c> averages cell (i, j), with torch's cell bounds <c>floor(i·size/grid)</c> to <c>ceil((i+1)·size/grid)</c>.
    /// </summary>
    public string AdaptiveAveragePool(string x, int height, int width, int grid)
    {
        string name = $"adaptive_pool_{height}x{width}_to_{grid}";
        var matrix = new float[height * width * grid * grid];
        for (int i = 0; i < grid; i++)
        {
            for (int j = 0; j < grid; j++)
            {
                var (top, bottom) = Cell(i, height, grid);
                var (left, right) = Cell(j, width, grid);
                float share = 1f / ((bottom - top) * (right - left));
                for (int y = top; y < bottom; y++)
                {
                    for (int col = left; col < right; col++)
                    {
                        matrix[(((y * width) + col) * grid * grid) + (i * grid) + j] = share;
                    }
                }
            }
        }

        string pooling = Constant(name, matrix, height * width, grid * grid);
        string rows = Node("Reshape", [x, Int64Constant("shape_keep_n_c", [0, 0, -1], 3)]);
        return Flatten(Node("MatMul", [rows, pooling]));
    }

    private static (int Start, int End) Cell(int index, int size, int grid) =>
        (index * size / grid, (((index + 1) * size) + grid - 1) / grid);

    /// <summary>Concatenates <c>[N,Di]</c> parts along dimension 1.</summary>
    public string Concat(IReadOnlyList<string> parts) => Node("Concat", parts, Int("axis", 1));

    /// <summary><c>x - b</c>, broadcast.</summary>
    public string Sub(string x, string b) => Node("Sub", [x, b]);

    /// <summary><c>x · Wᵀ</c> for a row-major <c>[rows, columns]</c> matrix <paramref name="weight"/> (an initializer).</summary>
    public string MatMulTransposed(string x, string weight) => Node("Gemm", [x, weight], Int("transB", 1));

    /// <summary>Flattens <c>[N,...]</c> to <c>[N,rest]</c>, as torch's <c>flatten(1)</c>.</summary>
    public string Flatten(string x) => Node("Flatten", [x], Int("axis", 1));

    /// <summary>torch's <c>normalize(x, p: 2, dim: 1)</c>: <c>x / max(||x||, 1e-12)</c> per row.</summary>
    public string L2Normalize(string x)
    {
        string norm = Node("ReduceL2", [x], Ints("axes", 1), Int("keepdims", 1));
        string floor = Constant("l2_epsilon", [1e-12f]);
        return Node("Div", [x, Node("Max", [norm, floor])]);
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
