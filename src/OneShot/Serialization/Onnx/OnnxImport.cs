using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// Loads the weights of an ONNX model into a OneShot backbone, matching the graph by its structure (the order
/// of Conv and BatchNormalization nodes along the residual blocks), not by tensor names: exporters name
/// initializers freely (CNTK writes <c>Parameter91</c>, <c>Constant98</c>). Shapes must match exactly.
/// </summary>
/// <remarks>
/// Supported: ResNet-18-shaped graphs (torchvision's or CNTK's), float32 or float64 weights stored in the file,
/// batch norm as separate nodes or folded into convolution biases, any batch-norm epsilon (converted to the
/// backbone's 1e-5 exactly through the running variance), and asymmetric paddings that equal PyTorch's symmetric
/// ones at the preprocessing's input size. A classifier after the pool (Flatten, Gemm) is skipped.
/// </remarks>
public static class OnnxImport
{
    private const float TorchEpsilon = 1e-5f;

    /// <summary>
    /// Creates a <see cref="ResNet18"/> embedder with <paramref name="preprocessing"/> and the weights of the ONNX
    /// model at <paramref name="path"/>; its <see cref="ResNet18Options.BlocksPerStage"/> are those of the graph.
    /// </summary>
    /// <param name="path">An .onnx file of a ResNet-18-shaped network.</param>
    /// <param name="preprocessing">The input the model expects (for the CNTK model see <see cref="PreprocessingPresets.CntkResNet18"/>).</param>
    /// <param name="device">Where the embedder runs.</param>
    /// <exception cref="OnnxImportException">The file is not ONNX, not ResNet-18-shaped, or its tensors have other shapes.</exception>
    public static Embedder CreateResNet18(string path, ImagePreprocessing preprocessing, DeviceChoice device = DeviceChoice.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(preprocessing);
        var graph = OnnxGraph.Load(path);
        var (_, blocks, _) = OnnxResNet18Walker.Walk(graph, preprocessing.Height, preprocessing.Width, ResNet18Options.StandardBlocks);
        var backbone = new ResNet18Options { BlocksPerStage = blocks };
        var embedder = Embedder.Create(new EmbedderOptions { Backbone = backbone, Preprocessing = preprocessing, Device = device });
        try
        {
            Load(embedder, graph);
            return embedder;
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>Loads the weights of the ONNX model at <paramref name="path"/> into a <see cref="ResNet18"/> embedder.</summary>
    /// <param name="embedder">An embedder whose backbone is <see cref="ResNet18Options"/>; its weights are replaced only when everything maps.</param>
    /// <param name="path">An .onnx file of a ResNet-18-shaped network.</param>
    /// <returns>Which ONNX nodes went into which modules, and what the import noted.</returns>
    /// <exception cref="ArgumentException">The embedder is not a ResNet-18.</exception>
    /// <exception cref="OnnxImportException">The file is not ONNX, not ResNet-18-shaped, or its tensors have other shapes.</exception>
    public static OnnxImportReport LoadResNet18(Embedder embedder, string path)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (embedder.Options.Backbone is not ResNet18Options)
        {
            throw new ArgumentException($"The embedder's backbone is {embedder.Architecture}; ONNX ResNet-18 weights load into a {ResNet18.ArchitectureName} embedder.", nameof(embedder));
        }

        return Load(embedder, OnnxGraph.Load(path));
    }

    private static OnnxImportReport Load(Embedder embedder, OnnxGraph graph)
    {
        string path = graph.FilePath;
        var expectedBlocks = ((ResNet18Options)embedder.Options.Backbone).BlocksPerStage;
        var (mapped, blocks, walkNotes) = OnnxResNet18Walker.Walk(graph, embedder.Preprocessing.Height, embedder.Preprocessing.Width, expectedBlocks);
        if (!blocks.SequenceEqual(expectedBlocks))
        {
            throw new OnnxImportException(
                path,
                [$"the graph has [{string.Join(",", blocks)}] blocks per stage but the embedder's ResNet18Options.BlocksPerStage is [{string.Join(",", expectedBlocks)}]; create the embedder with BlocksPerStage = [{string.Join(",", blocks)}] (OnnxImport.CreateResNet18 does)."],
                OnnxResNet18Walker.Modules(expectedBlocks).Except(OnnxResNet18Walker.Modules(blocks)).SelectMany(m => new[] { m.Conv, m.Bn }).ToList());
        }

        var notes = new List<string>(walkNotes);
        var problems = new List<string>();
        var values = new Dictionary<string, (long[] Shape, float[] Values)>(StringComparer.Ordinal);
        using (var scope = NewDisposeScope())
        {
            var state = embedder.Network.state_dict();
            foreach (var m in mapped)
            {
                Collect(graph, m, state, values, problems, notes);
            }

            if (problems.Count > 0)
            {
                var bad = mapped.Where(m => problems.Any(p => p.StartsWith(m.ConvModule + ":", StringComparison.Ordinal) || p.StartsWith(m.BnModule + ":", StringComparison.Ordinal)))
                    .SelectMany(m => new[] { m.ConvModule, m.BnModule }).ToList();
                throw new OnnxImportException(path, problems, bad);
            }

            using (no_grad())
            {
                foreach (var (key, (shape, data)) in values)
                {
                    var target = state[key];
                    target.copy_(tensor(data, shape).to(target.device));
                }
            }
        }

        string producer = $"{graph.Model.ProducerName} {graph.Model.ProducerVersion}".Trim();
        return new OnnxImportReport { FilePath = path, Producer = producer, BlocksPerStage = blocks, Mapping = mapped.Select(m => m.ToString()).ToList(), Notes = notes };
    }

    private static void Collect(
        OnnxGraph graph,
        OnnxConvBn m,
        Dictionary<string, Tensor> state,
        Dictionary<string, (long[] Shape, float[] Values)> values,
        List<string> problems,
        List<string> notes)
    {
        var weight = graph.Constant(m.Conv.Input[1]);
        long[] expected = state[m.ConvModule + ".weight"].shape;
        if (!weight.Shape.SequenceEqual(expected))
        {
            problems.Add($"{m.ConvModule}: {OnnxGraph.Describe(m.Conv)} weight '{weight.Name}' has shape {weight.ShapeText}; expected [{string.Join(",", expected)}].");
            return;
        }

        values[m.ConvModule + ".weight"] = (weight.Shape, weight.Values);
        long channels = expected[0];
        float[]? convBias = null;
        if (m.Conv.Input.Count > 2 && m.Conv.Input[2].Length > 0)
        {
            convBias = Vector(graph, m.Conv.Input[2], channels, m.ConvModule, "bias", problems);
        }

        float[] gamma;
        float[] beta;
        float[] mean;
        float[] variance;
        if (m.Bn is null)
        {
            if (convBias is null)
            {
                problems.Add($"{m.ConvModule}: {OnnxGraph.Describe(m.Conv)} has neither a BatchNormalization after it nor a bias; expected one of them.");
                return;
            }

            // Batch norm folded into the convolution: an identity batch norm (1 / sqrt(var + eps) = 1) carrying the bias.
            gamma = Fill(channels, 1f);
            beta = convBias;
            mean = Fill(channels, 0f);
            variance = Fill(channels, 1f - TorchEpsilon);
        }
        else
        {
            if (OnnxGraph.Int(m.Bn, "spatial", 1) != 1)
            {
                problems.Add($"{m.BnModule}: {OnnxGraph.Describe(m.Bn)} has spatial=0 (per-position statistics); expected spatial batch norm.");
                return;
            }

            gamma = Vector(graph, m.Bn.Input[1], channels, m.BnModule, "scale", problems) ?? [];
            beta = Vector(graph, m.Bn.Input[2], channels, m.BnModule, "B", problems) ?? [];
            mean = Vector(graph, m.Bn.Input[3], channels, m.BnModule, "mean", problems) ?? [];
            variance = Vector(graph, m.Bn.Input[4], channels, m.BnModule, "var", problems) ?? [];
            if (gamma.Length == 0 || beta.Length == 0 || mean.Length == 0 || variance.Length == 0)
            {
                return;
            }

            if (convBias is not null)
            {
                // BN(conv + b) = BN'(conv) with running mean - b.
                mean = mean.Zip(convBias, (a, b) => a - b).ToArray();
                notes.Add($"{m.ConvModule}: the convolution bias was moved into {m.BnModule}'s running mean.");
            }

            float epsilon = OnnxGraph.Float(m.Bn, "epsilon", TorchEpsilon);
            if (epsilon != TorchEpsilon)
            {
                // var + eps is all batch norm uses: keep it equal under the backbone's epsilon.
                variance = variance.Select(v => v + epsilon - TorchEpsilon).ToArray();
                notes.Add($"{m.BnModule}: epsilon {epsilon:R} converted to {TorchEpsilon:R} through the running variance.");
            }
        }

        values[m.BnModule + ".weight"] = ([channels], gamma);
        values[m.BnModule + ".bias"] = ([channels], beta);
        values[m.BnModule + ".running_mean"] = ([channels], mean);
        values[m.BnModule + ".running_var"] = ([channels], variance);
    }

    private static float[]? Vector(OnnxGraph graph, string name, long channels, string module, string what, List<string> problems)
    {
        if (!graph.IsConstant(name))
        {
            problems.Add($"{module}: the {what} '{name}' is computed in the graph; expected a constant tensor.");
            return null;
        }

        var t = graph.Constant(name);
        if (t.Values.LongLength != channels || t.Shape.Length != 1)
        {
            problems.Add($"{module}: the {what} '{name}' has shape {t.ShapeText}; expected [{channels}].");
            return null;
        }

        return t.Values;
    }

    private static float[] Fill(long count, float value) => Enumerable.Repeat(value, (int)count).ToArray();
}
