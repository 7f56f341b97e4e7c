using Google.Protobuf;
using Onnx;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// An ONNX graph indexed for walking by structure: who produces and who consumes each value, and the constant
/// tensors (initializers and <c>Constant</c> nodes).
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);

    private OnnxGraph(string path, ModelProto model)
    {
        FilePath = path;
        Model = model;
        foreach (var tensor in model.Graph.Initializer)
        {
            _constants[tensor.Name] = tensor;
        }

        foreach (var node in model.Graph.Node)
        {
            CheckArity(path, node);
            if (node.OpType == "Constant" && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: not null } value)
            {
                _constants[node.Output[0]] = value.T;
                continue;
            }

            foreach (string input in node.Input.Where(i => i.Length > 0 && !_constants.ContainsKey(i)))
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        InputName = model.Graph.Input.Select(i => i.Name).FirstOrDefault(n => !_constants.ContainsKey(n))
            ?? throw new OnnxImportException(path, ["the graph has no input that is not an initializer; expected an image input [N,C,H,W]."], []);
    }

    /// <summary>
    /// The fewest inputs and outputs the operators the importer reads must have (ONNX's own arity rules): a node with
    /// fewer is a malformed file, reported here rather than as an index error deep in the walk.
    /// </summary>
    private static readonly Dictionary<string, (int Inputs, int Outputs)> Arity = new(StringComparer.Ordinal)
    {
        ["Conv"] = (2, 1),
        ["BatchNormalization"] = (5, 1),
        ["Add"] = (2, 1),
        ["Sub"] = (2, 1),
        ["Concat"] = (1, 1),
        ["Split"] = (1, 1),
    };

    private static void CheckArity(string path, NodeProto node)
    {
        var (inputs, outputs) = Arity.TryGetValue(node.OpType, out var arity) ? arity : (0, 1);
        if (node.Input.Count < inputs || node.Output.Count < outputs)
        {
            throw new OnnxImportException(path, [$"{Describe(node)} has {node.Input.Count} inputs and {node.Output.Count} outputs; ONNX's {node.OpType} needs at least {inputs} and {outputs}: the file is malformed."], []);
        }
    }

    /// <summary>The ONNX file.</summary>
    public string FilePath { get; }

    /// <summary>The parsed model.</summary>
    public ModelProto Model { get; }

    /// <summary>The image input of the graph (the first graph input that is not an initializer).</summary>
    public string InputName { get; }

    /// <summary>Reads and parses an ONNX file.</summary>
    /// <exception cref="OnnxImportException">The file is missing or not an ONNX model.</exception>
    public static OnnxGraph Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException(path, [$"the file could not be read ({e.Message}); expected an .onnx model file."], [], e);
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException(path, [$"the {bytes.Length} bytes are not an ONNX protobuf model ({e.Message})."], [], e);
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new OnnxImportException(path, [$"the {bytes.Length} bytes hold no ONNX graph with nodes; expected an .onnx model file."], []);
        }

        return new OnnxGraph(path, model);
    }

    /// <summary>The nodes that read <paramref name="value"/>, in graph order.</summary>
    public IReadOnlyList<NodeProto> ConsumersOf(string value) =>
        _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>Whether <paramref name="name"/> is a constant tensor.</summary>
    public bool IsConstant(string name) => _constants.ContainsKey(name);

    /// <summary>The constant tensor <paramref name="name"/> as float values.</summary>
    public OnnxTensor Constant(string name) =>
        _constants.TryGetValue(name, out var proto)
            ? OnnxTensor.From(proto, FilePath)
            : throw new OnnxImportException(FilePath, [$"value '{name}' is not an initializer or Constant; expected a constant weight tensor."], []);

    /// <summary>The integer list attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static long[] Ints(NodeProto node, string name, long[] fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : fallback;

    /// <summary>The integer attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>The float attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    /// <summary>The string attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static string Text(NodeProto node, string name, string fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>A short description for messages: <c>Conv 'Convolution249'</c>.</summary>
    public static string Describe(NodeProto node) =>
        $"{node.OpType} '{(node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? "?")}'";
}
