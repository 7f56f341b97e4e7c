using System.Text;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.IO;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using OneShot.Training;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Fuzz;

/// <summary>
/// The parsers OneShot owns, each as a <see cref="FuzzTarget"/>: image decoding, the gallery file (raw, and with a
/// mutated payload under a valid checksum), <c>model.json</c>, TorchSharp state dicts, safetensors, and training
/// checkpoints (mutated payload under a valid checksum). An input may make a target throw only
/// <see cref="OneShotException"/> (the library's typed errors); anything else is a bug.
/// </summary>
public static class FuzzTargets
{
    private const string Recipe = "fuzz-recipe";
    private const string Identity = "fuzz-network";

    /// <summary>The scratch folder file-based targets write their input to (one per process).</summary>
    private static readonly string Scratch = CreateScratch();

    /// <summary>Images may declare at most 1 Mi pixels here, so a mutated header cannot make one input cost hundreds of megabytes.</summary>
    private static readonly ImageLoader Loader = new(new ImagePreprocessing
    {
        Width = 16,
        Height = 16,
        Limits = new ImageLimits { MaxPixels = 1 << 20, MaxEncodedBytes = 1 << 20, MaxBatchBytes = 1 << 26 },
    });

    /// <summary>Every target, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("image", data => Loader.LoadPixels(data, "fuzz-input"), ImageSeeds),
        new("gallery", data => GalleryFile.Parse(data, "fuzz.gallery"), () => [.. GallerySeeds().Select(Frame)]),
        new("gallery-payload", data => GalleryFile.Parse(Frame(data), "fuzz.gallery"), GallerySeeds),
        new("model-json", ModelJson, ModelJsonSeeds),
        new("state-dict", StateDict, StateDictSeeds),
        new("safetensors", Safetensors, SafetensorsSeeds),
        new("checkpoint-payload", Checkpoint, CheckpointSeeds),
        new("onnx-tensor", OnnxTensorTarget, OnnxTensorSeeds),
        new("onnx-graph", OnnxGraphTarget, OnnxGraphSeeds),
    ];

    /// <summary>The target called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static FuzzTarget Find(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"Unknown fuzz target '{name}'; expected one of: {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));

    /// <summary>Whether <paramref name="e"/> is an error a parser may report: the library's typed exceptions.</summary>
    public static bool IsTyped(Exception e) => e is OneShotException;

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>, rethrowing anything but a typed error.</summary>
    public static void RunChecked(FuzzTarget target, byte[] data)
    {
        try
        {
            target.Run(data);
        }
        catch (Exception e) when (IsTyped(e))
        {
            // A typed, documented error: the expected outcome for most mutated inputs.
        }
    }

    private static string CreateScratch()
    {
        string path = Directory.CreateTempSubdirectory("oneshot-fuzz-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a scratch folder in the temp directory.
            }
        };
        return path;
    }

    private static byte[] Frame(byte[] payload)
    {
        using var buffer = new MemoryStream();
        ChecksummedFile.WriteTo(buffer, GalleryFile.Format, payload);
        return buffer.ToArray();
    }

    private static IReadOnlyList<byte[]> ImageSeeds()
    {
        byte[] Encode(SKEncodedImageFormat format, int w, int h)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)(x * 16), (byte)(y * 16), (byte)((x + y) * 8), (byte)(255 - x)));
                }
            }

            using var data = bitmap.Encode(format, 90);
            return data.ToArray();
        }

        return [Encode(SKEncodedImageFormat.Png, 12, 10), Encode(SKEncodedImageFormat.Jpeg, 16, 16), Bmp(6, 5)];
    }

    /// <summary>A 24-bit BMP built byte by byte (Skia encodes no BMP).</summary>
    private static byte[] Bmp(int width, int height)
    {
        int row = ((width * 3) + 3) & ~3;
        var bmp = new byte[54 + (row * height)];
        "BM"u8.CopyTo(bmp);
        BitConverter.TryWriteBytes(bmp.AsSpan(2), bmp.Length);
        BitConverter.TryWriteBytes(bmp.AsSpan(10), 54);
        BitConverter.TryWriteBytes(bmp.AsSpan(14), 40);
        BitConverter.TryWriteBytes(bmp.AsSpan(18), width);
        BitConverter.TryWriteBytes(bmp.AsSpan(22), height);
        BitConverter.TryWriteBytes(bmp.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bmp.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(bmp.AsSpan(34), row * height);
        for (int i = 54; i < bmp.Length; i++)
        {
            bmp[i] = (byte)(i * 37);
        }

        return bmp;
    }

    private static IReadOnlyList<byte[]> GallerySeeds()
    {
        var fingerprint = new EmbedderFingerprint("conv4", "widths=2,2,2,2;l2=False", new ImagePreprocessing().ToCanonicalString(), new string('a', 64));
        var content = new GalleryContent(
            fingerprint,
            3,
            ["cat", "dog"],
            [0, 1, 0],
            [[1f, 2f, 3f], [0.5f, -1f, 0f], [1e-3f, 4f, 2f]],
            new Dictionary<string, string> { ["model"] = "/models/x" },
            "{\"method\":\"knn\",\"k\":2}");
        return [GalleryFile.BuildPayload(content), GalleryFile.BuildPayload(content with { ClassifierJson = null, Properties = new Dictionary<string, string>() })];
    }

    private static void ModelJson(byte[] data)
    {
        string dir = Path.Combine(Scratch, "model");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, ModelFile.MetadataFileName), data);
        ModelFile.ReadMetadata(dir);
    }

    private static IReadOnlyList<byte[]> ModelJsonSeeds()
    {
        string dir = Path.Combine(Scratch, "seed-model");
        using (var embedder = Embedder.Create(new EmbedderOptions { Backbone = new Conv4Options { Widths = [2, 2, 2, 2] }, Preprocessing = new ImagePreprocessing { Width = 16, Height = 16 } }))
        {
            ModelFile.Save(embedder, dir, "fuzz seed");
        }

        byte[] plain = File.ReadAllBytes(Path.Combine(dir, ModelFile.MetadataFileName));
        using (var embedder = Embedder.Create(new EmbedderOptions
        {
            Backbone = new ResNet12Options { Widths = [2, 2, 2, 2] },
            Preprocessing = PreprocessingPresets.ImageNet with { Width = 32, Height = 32 },
            L2Normalize = true,
        }))
        {
            ModelFile.Save(embedder, dir, "fuzz seed 2");
        }

        return [plain, File.ReadAllBytes(Path.Combine(dir, ModelFile.MetadataFileName))];
    }

    private static void StateDict(byte[] data)
    {
        using var scope = NewDisposeScope();
        using var dict = StateDictReader.Read(data, "fuzz.bin");
    }

    private static IReadOnlyList<byte[]> StateDictSeeds()
    {
        using var scope = NewDisposeScope();
        var entries = new Dictionary<string, Tensor>
        {
            ["conv.weight"] = arange(24, dtype: ScalarType.Float32).reshape(2, 3, 2, 2),
            ["bn.num_batches_tracked"] = tensor(7L),
            ["bias"] = tensor(new double[] { 0.5, -2 }),
        };
        return [StateDictWriter.ToBytes(entries)];
    }

    private static void Safetensors(byte[] data)
    {
        string path = Path.Combine(Scratch, "fuzz.safetensors");
        File.WriteAllBytes(path, data);
        using var scope = NewDisposeScope();
        using var reader = SafetensorsReader.Open(path);
        using var all = reader.ReadAll();
    }

    private static IReadOnlyList<byte[]> SafetensorsSeeds()
    {
        string header = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}";
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + 24];
        BitConverter.TryWriteBytes(file.AsSpan(0), (long)json.Length);
        json.CopyTo(file, 8);
        for (int i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(file.AsSpan(8 + json.Length + (4 * i)), i * 1.5f);
        }

        BitConverter.TryWriteBytes(file.AsSpan(8 + json.Length + 16), 42L);
        return [file];
    }

    private static (nn.Module<Tensor, Tensor> Network, TorchSharp.Modules.Adam Optimizer) TinyNetwork()
    {
        var network = nn.Sequential(nn.Linear(3, 2));
        return (network, optim.Adam(network.parameters()));
    }

    private static void Checkpoint(byte[] payload)
    {
        string path = Path.Combine(Scratch, "fuzz.checkpoint");
        using (var stream = File.Create(path))
        {
            ChecksummedFile.WriteTo(stream, TrainingCheckpoint.Format, payload);
        }

        using var scope = NewDisposeScope();
        var (network, optimizer) = TinyNetwork();
        using (network)
        using (optimizer)
        using (var state = new TrainingState())
        {
            using var rng = random.get_rng_state();
            try
            {
                TrainingCheckpoint.Load(path, Recipe, Identity, state, network, optimizer);
            }
            finally
            {
                random.set_rng_state(rng);
            }
        }
    }

    private static IReadOnlyList<byte[]> CheckpointSeeds()
    {
        string path = Path.Combine(Scratch, "seed.checkpoint");
        var (network, optimizer) = TinyNetwork();
        using (network)
        using (optimizer)
        using (var state = new TrainingState { Episode = 3, BestEpisode = 2, BestLoss = 0.5 })
        {
            TrainingCheckpoint.Save(path, Recipe, Identity, state, network, optimizer);
        }

        return [ChecksummedFile.Read(path, TrainingCheckpoint.Format).Payload];
    }

    /// <summary>One ONNX weight tensor (a <c>TensorProto</c>), decoded as the importer decodes initializers.</summary>
    private static void OnnxTensorTarget(byte[] data)
    {
        global::Onnx.TensorProto proto;
        try
        {
            proto = global::Onnx.TensorProto.Parser.ParseFrom(data);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return; // not a protobuf message: the graph target covers how the importer reports that
        }

        _ = OnnxTensor.From(proto, "fuzz.onnx");
    }

    private static IReadOnlyList<byte[]> OnnxTensorSeeds()
    {
        float[] values = [1.5f, -2f, 0.25f, 3f, 1e-3f, -7f];
        global::Onnx.TensorProto Proto(int type)
        {
            var proto = new global::Onnx.TensorProto { Name = "w", DataType = type };
            proto.Dims.AddRange([2, 3]);
            return proto;
        }

        var floatRaw = Proto(1);
        floatRaw.RawData = Google.Protobuf.ByteString.CopyFrom([.. values.SelectMany(BitConverter.GetBytes)]);
        var doubleRaw = Proto(11);
        doubleRaw.RawData = Google.Protobuf.ByteString.CopyFrom([.. values.SelectMany(v => BitConverter.GetBytes((double)v))]);
        var floatData = Proto(1);
        floatData.FloatData.AddRange(values);
        return [.. new[] { floatRaw, doubleRaw, floatData }.Select(p => Google.Protobuf.MessageExtensions.ToByteArray(p))];
    }

    /// <summary>
    /// A whole .onnx file as the importer reads it: the protobuf, the ResNet-18 graph walk (node structure, kernels,
    /// strides, paddings at 32x32) and every initializer decoded. (Whether each weight's shape fits the backbone is a
    /// comparison of two shapes, covered by the import tests.)
    /// </summary>
    private static void OnnxGraphTarget(byte[] data)
    {
        string path = Path.Combine(Scratch, "fuzz.onnx");
        File.WriteAllBytes(path, data);
        var graph = OnnxGraph.Load(path);
        _ = OnnxResNet18Walker.Walk(graph, 32, 32, ResNet18Options.StandardBlocks);
        foreach (var initializer in graph.Model.Graph.Initializer)
        {
            _ = OnnxTensor.From(initializer, path);
        }
    }

    /// <summary>A ResNet-18 exported by OneShot, every weight then cut to one value so the seed is 10 KB, not 45 MB.</summary>
    private static IReadOnlyList<byte[]> OnnxGraphSeeds()
    {
        string path = Path.Combine(Scratch, "seed.onnx");
        using (var embedder = Embedder.Create(new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = PreprocessingPresets.ImageNet with { Width = 32, Height = 32 } }))
        {
            OnnxExporter.Export(embedder, path);
        }

        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        foreach (var initializer in model.Graph.Initializer)
        {
            initializer.Dims.Clear();
            initializer.Dims.Add(1);
            initializer.RawData = Google.Protobuf.ByteString.CopyFrom(BitConverter.GetBytes(0.5f));
            initializer.FloatData.Clear();
            initializer.DataType = 1;
        }

        return [Google.Protobuf.MessageExtensions.ToByteArray(model)];
    }
}
