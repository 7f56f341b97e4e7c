using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Onnx;
using OneShot.Serialization.Onnx;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// ONNX Runtime vs TorchSharp inference, side by side in one run: the same embedder run by <see cref="Embedder.Embed"/>
/// and, exported with <see cref="OnnxExporter"/>, by <see cref="OnnxEmbeddingModel.Embed(ReadOnlySpan{float}, int)"/>,
/// on the same batch of 64 images, interleaved so drift in the machine's speed hits both alike.
/// </summary>
internal static class OnnxComparison
{
    private const int Batch = 64;

    public static int Run(int repeats, TextWriter output)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"oneshot-onnx-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            output.WriteLine($"ONNX Runtime vs TorchSharp inference, batch {Batch}, median of {repeats} interleaved rounds, {Environment.ProcessorCount} cores, {get_num_threads()} threads each");
            Measure("Conv4-28", new EmbedderOptions { L2Normalize = true }, repeats * 4, folder, output);
            var rgb224 = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 224, Height = 224 };
            Measure("ResNet-18-224", new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = rgb224, L2Normalize = true }, repeats, folder, output);
            MeasureGridProjection(rgb224, repeats, folder, output);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Measure(string name, EmbedderOptions options, int repeats, string folder, TextWriter output)
    {
        random.manual_seed(1);
        using var embedder = Embedder.Create(options with { Device = DeviceChoice.Cpu });
        string path = Path.Combine(folder, $"{name}.onnx");
        OnnxExporter.Export(embedder, path);
        Compare(name, embedder, path, repeats, output);
    }

    /// <summary>
    /// The shape of <c>models/emoji-resnet18-grid</c> (random weights): ResNet-18 at 224 stopped after <c>layer3</c>,
    /// averaged on a 4x4 grid, centred, then a 4,096 x 4,096 projection, exported with <see cref="OnnxExporter.ExportProjection"/>.
    /// </summary>
    private static void MeasureGridProjection(ImagePreprocessing preprocessing, int repeats, string folder, TextWriter output)
    {
        random.manual_seed(1);
        var options = new EmbedderOptions { Backbone = new ResNet18Options { Pooling = StagePooling.ParseList("layer3:4") }, Preprocessing = preprocessing, Device = DeviceChoice.Cpu };
        var rng = new Random(1);
        float[] weight = [.. Enumerable.Range(0, 4096 * 4096).Select(_ => (float)(rng.NextDouble() - 0.5))];
        float[] mean = [.. Enumerable.Range(0, 4096).Select(_ => (float)rng.NextDouble())];
        using var embedder = new ProjectedEmbedder(Embedder.Create(options), weight, 4096, ownsBase: true, inputMean: mean);
        string path = Path.Combine(folder, "grid-projection.onnx");
        OnnxExporter.ExportProjection(embedder, path);
        Compare("R18-grid+proj", embedder, path, repeats, output);
    }

    private static void Compare(string name, IEmbedder embedder, string path, int repeats, TextWriter output)
    {
        using var sessionOptions = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = get_num_threads() };
        // Without this, ORT's idle threads spin after each run and steal the cores TorchSharp's turn needs.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var model = OnnxEmbeddingModel.Load(path, sessionOptions: sessionOptions);
        var p = embedder.Preprocessing;
        using var images = rand(Batch, p.Channels, p.Height, p.Width);
        float[] pixels = images.data<float>().ToArray();

        double[] seconds = Timing.Interleaved(
            repeats,
            warmUp: true,
            () => embedder.Embed(images).Dispose(),
            () => model.Embed(pixels, Batch));
        double torchRate = Batch / seconds[0];
        double ortRate = Batch / seconds[1];
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {name,-14} TorchSharp {torchRate,8:F0} img/s   ONNX Runtime {ortRate,8:F0} img/s   ORT/TorchSharp {ortRate / torchRate:F2}x"));
    }
}
