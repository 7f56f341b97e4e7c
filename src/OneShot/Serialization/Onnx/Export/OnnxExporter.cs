using Google.Protobuf;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Transfer;
using Onnx;
using static TorchSharp.torch;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// Exports an <see cref="Embedder"/> with a Conv4, ResNet-12 or ResNet-18 backbone (any ResNet-18 pooling, grids
/// included), or a <see cref="ProjectedEmbedder"/> of one, as an ONNX model (opset 17) with a dynamic batch dimension,
/// plus the sidecar JSON that <c>OneShot.Onnx</c>'s embedder reads beside it.
/// </summary>
/// <remarks>
/// The graph is the evaluation-mode network (batch norms as <c>BatchNormalization</c> nodes with the running
/// statistics) followed by the embedder's L2 normalisation when it has one, so ONNX Runtime's output equals
/// <see cref="Embedder.Embed"/>'s within float tolerance. Input <c>images</c> is float32 <c>[batch,C,H,W]</c>,
/// preprocessed as <see cref="Embedder.Preprocessing"/>; output <c>embeddings</c> is float32 <c>[batch,D]</c>.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The name of the exported model's image input.</summary>
    public const string InputName = "images";

    /// <summary>The name of the exported model's embedding output.</summary>
    public const string OutputName = "embeddings";

    /// <summary>The ONNX operator set the exported graph uses.</summary>
    public const int OpsetVersion = 17;

    private const int IrVersion = 8;

    /// <summary>
    /// Writes <paramref name="embedder"/> to <paramref name="onnxPath"/> and its sidecar to
    /// <see cref="OnnxSidecarFile.PathFor"/>(<paramref name="onnxPath"/>), each atomically.
    /// </summary>
    /// <param name="embedder">The embedder to export; its current weights are written.</param>
    /// <param name="onnxPath">The ONNX file to write, for example <c>model.onnx</c>.</param>
    /// <param name="description">Optional free text stored in the sidecar and the model's doc string.</param>
    /// <returns>The sidecar written beside the model.</returns>
    /// <exception cref="NotSupportedException">The backbone is not Conv4, ResNet-12 or ResNet-18.</exception>
    public static OnnxSidecar Export(Embedder embedder, string onnxPath, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        return Write(BuildModel(embedder, description), embedder, onnxPath, description);
    }

    /// <summary>
    /// Writes a projection of a TorchSharp network (<see cref="ProjectedEmbedder"/>, such as the shipped emoji models) as
    /// one ONNX graph: the base network (with its pooling and, when tuned, its tuned blocks), the input mean subtracted
    /// when the projection centres, the matrix and the L2 normalisation; plus the sidecar, as <see cref="Export"/>.
    /// </summary>
    /// <param name="embedder">The projection to export; its base must be an <see cref="Embedder"/> (not an ONNX model).</param>
    /// <param name="onnxPath">The ONNX file to write, for example <c>model.onnx</c>.</param>
    /// <param name="description">Optional free text stored in the sidecar and the model's doc string.</param>
    /// <returns>The sidecar written beside the model.</returns>
    /// <exception cref="NotSupportedException">The base is not a TorchSharp Conv4, ResNet-12 or ResNet-18 embedder.</exception>
    public static OnnxSidecar ExportProjection(ProjectedEmbedder embedder, string onnxPath, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        if (embedder.Base is not Embedder network)
        {
            throw new NotSupportedException(
                $"ONNX export needs a projection of a TorchSharp network; this projection's base is a {embedder.Base.GetType().Name} ('{embedder.Base.Architecture}').");
        }

        return Write(BuildModel(network, description, embedder), embedder, onnxPath, description);
    }

    private static OnnxSidecar Write(ModelProto model, IEmbedder embedder, string onnxPath, string? description)
    {
        var sidecar = new OnnxSidecar
        {
            InputName = InputName,
            OutputName = OutputName,
            Preprocessing = embedder.Preprocessing,
            L2Normalize = false,
            EmbeddingSize = embedder.EmbeddingSize,
            Architecture = embedder.Architecture,
            Description = description,
        };
        AtomicFile.Write(onnxPath, model.WriteTo);
        OnnxSidecarFile.Write(OnnxSidecarFile.PathFor(onnxPath), sidecar);
        return sidecar;
    }

    /// <summary>Builds the ONNX model of <paramref name="embedder"/>, followed by <paramref name="projection"/> when given, in memory.</summary>
    internal static ModelProto BuildModel(Embedder embedder, string? description, ProjectedEmbedder? projection = null)
    {
        using var scope = NewDisposeScope();
        var weights = embedder.Network.state_dict();
        string architecture = projection?.Architecture ?? embedder.Architecture;
        var g = new OnnxGraphBuilder(weights, $"oneshot-{architecture}");
        var p = embedder.Preprocessing;
        g.Graph.Input.Add(TensorValue(InputName, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(p.Channels), Fixed(p.Height), Fixed(p.Width)));
        string x = OnnxBackboneGraphs.Append(g, embedder.Options.Backbone, InputName, p.Height, p.Width);
        if (embedder.Options.L2Normalize)
        {
            x = g.L2Normalize(x);
        }

        if (projection is not null)
        {
            x = AppendProjection(g, projection, x);
        }

        g.NameOutput(x, OutputName);
        g.Graph.Output.Add(TensorValue(OutputName, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(projection?.EmbeddingSize ?? embedder.EmbeddingSize)));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "OneShot",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = description ?? $"OneShot {architecture} embedder",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model;
    }

    /// <summary><see cref="ProjectedEmbedder"/>'s <c>normalize((x − mean) · Wᵀ)</c> on the base's output <paramref name="x"/>.</summary>
    private static string AppendProjection(OnnxGraphBuilder g, ProjectedEmbedder projection, string x)
    {
        if (projection.GetInputMean() is { } mean)
        {
            x = g.Sub(x, g.Constant("projection.input_mean", mean, mean.Length));
        }

        string weight = g.Constant("projection.weight", projection.GetWeight(), projection.EmbeddingSize, projection.InputSize);
        return g.L2Normalize(g.MatMulTransposed(x, weight));
    }

    private static TensorShapeProto.Types.Dimension Fixed(long value) => new() { DimValue = value };

    private static ValueInfoProto TensorValue(string name, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
