using Google.Protobuf;
using Onnx;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>Edits a copy of an ONNX model (OnnxSharp's protobuf types) and writes it to a test folder.</summary>
internal static class OnnxModelEditor
{
    public static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    public static string Save(ModelProto model, string folder, string name)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>The Conv nodes whose weight initializer has <paramref name="dims"/>, in graph order.</summary>
    public static List<NodeProto> ConvsWithWeight(ModelProto model, params long[] dims) =>
        model.Graph.Node.Where(n => n.OpType == "Conv" && Initializer(model, n.Input[1]).Dims.SequenceEqual(dims)).ToList();

    public static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    public static float[] Floats(TensorProto t) => t.FloatData.Count > 0
        ? [.. t.FloatData]
        : Enumerable.Range(0, t.RawData.Length / 4).Select(i => BitConverter.ToSingle(t.RawData.Span.Slice(i * 4, 4))).ToArray();

    public static void SetFloats(TensorProto t, float[] values, params long[] dims)
    {
        t.Dims.Clear();
        t.Dims.AddRange(dims);
        t.RawData = ByteString.Empty;
        t.FloatData.Clear();
        t.FloatData.AddRange(values);
    }

    public static void SetInts(NodeProto node, string name, params long[] values)
    {
        var a = node.Attribute.Single(x => x.Name == name);
        a.Ints.Clear();
        a.Ints.AddRange(values);
    }

    public static NodeProto Consumer(ModelProto model, string value) => model.Graph.Node.Single(n => n.Input.Contains(value));
}
