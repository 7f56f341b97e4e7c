using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Onnx;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// ML.NET's own ImageNet ResNet-18 featurizer (<c>DnnFeaturizeImage</c> with <c>ResNet18</c>, the CNTK model of
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> run by ONNX Runtime) against OneShot's import of the same model,
/// on the same decoded images: per-image cosine agreement of the 512-d features, and throughput measured in
/// interleaved rounds. Both sides get identical 224x224 RGB pixels; each applies its own mean-image preprocessing.
/// </summary>
internal static class MlNetComparison
{
    private const int PixelCount = 3 * 224 * 224;

    public static int Run(string? images, int count, int repeats, TextWriter output)
    {
        var files = ReadImages(images, count);
        string cache = Path.Combine(Path.GetTempPath(), "oneshot-mlnet-bench");
        using Embedder embedder = PretrainedModels.ImageNetResNet18(cache);
        var ours = new ImageLoader(embedder.Preprocessing);
        // What ML.NET's pipeline is fed: the same resize/crop, RGB planes in 0..255, nothing subtracted.
        var raw = new ImageLoader(embedder.Preprocessing with { ChannelOrder = ChannelOrder.Rgb, MeanImage = null, Mean = [0f], Std = [1f] });
        float[][] rawPixels = [.. files.Select(f => raw.LoadPixels(f.Bytes, f.Name))];
        float[] oursPixels = [.. files.SelectMany(f => ours.LoadPixels(f.Bytes, f.Name))];

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rawPixels.Select(p => new PixelRow { Pixels = p }));
        var pipeline = ml.Transforms.DnnFeaturizeImage(
            nameof(FeatureRow.Features),
            m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn),
            nameof(PixelRow.Pixels));
        var transformer = pipeline.Fit(data);

        float[][] MlNetFeatures() =>
            [.. ml.Data.CreateEnumerable<FeatureRow>(transformer.Transform(data), reuseRowObject: false).Select(r => r.Features)];

        using var batch = tensor(oursPixels, [files.Count, 3, 224, 224]);
        float[][] OneShotFeatures()
        {
            using var scope = NewDisposeScope();
            float[] flat = embedder.Embed(batch).contiguous().data<float>().ToArray();
            return [.. Enumerable.Range(0, files.Count).Select(i => flat.AsSpan(i * embedder.EmbeddingSize, embedder.EmbeddingSize).ToArray())];
        }

        // The same model exported to ONNX and run by OneShot.Onnx (ONNX Runtime, as ML.NET uses), on the same pixels.
        string onnxPath = Path.Combine(cache, "imagenet-resnet18.onnx");
        OnnxExporter.Export(embedder, onnxPath);
        using var sessionOptions = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = get_num_threads() };
        using var onnx = OnnxEmbeddingModel.Load(onnxPath, sessionOptions: sessionOptions);
        float[][] OnnxFeatures()
        {
            float[] flat = onnx.Embed(oursPixels, files.Count);
            return [.. Enumerable.Range(0, files.Count).Select(i => flat.AsSpan(i * embedder.EmbeddingSize, embedder.EmbeddingSize).ToArray())];
        }

        float[][] a = OneShotFeatures(), b = MlNetFeatures(), c = OnnxFeatures();
        double[] cosines = [.. a.Zip(b, Cosine)];
        Array.Sort(cosines);
        double onnxMin = c.Zip(b, Cosine).Min();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ML.NET DnnFeaturizeImage(ResNet18) vs OneShot imagenet-resnet18, {files.Count} images ({files[0].Name} ...), {Environment.ProcessorCount} cores, {get_num_threads()} TorchSharp threads"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  agreement: cosine per image min {cosines[0]:F6}, median {cosines[cosines.Length / 2]:F6}; {cosines.Count(c => c >= 0.999)} of {cosines.Length} >= 0.999"));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  agreement, OneShot.Onnx (the same model exported) vs ML.NET: cosine per image min {onnxMin:F6}"));

        double[] seconds = Timing.Interleaved(repeats, warmUp: true, () => OneShotFeatures(), () => MlNetFeatures(), () => OnnxFeatures());
        double oursRate = files.Count / seconds[0], mlRate = files.Count / seconds[1], onnxRate = files.Count / seconds[2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  speed (features from decoded pixels, median of {repeats} interleaved rounds): OneShot (libtorch) {oursRate:F1} img/s, OneShot.Onnx {onnxRate:F1} img/s, ML.NET {mlRate:F1} img/s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  OneShot (libtorch)/ML.NET {oursRate / mlRate:F2}x, OneShot.Onnx/ML.NET {onnxRate / mlRate:F2}x"));
        return cosines[0] >= 0.999 && onnxMin >= 0.999 ? 0 : 2;
    }

    private static double Cosine(float[] x, float[] y)
    {
        double dot = 0, nx = 0, ny = 0;
        for (int i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * y[i];
            nx += (double)x[i] * x[i];
            ny += (double)y[i] * y[i];
        }

        return dot / Math.Sqrt(nx * ny);
    }

    /// <summary>
    /// Up to <paramref name="count"/> encoded images: the files of a folder, the entries of a zip, or by default the
    /// Google emoji beside the checkout (<c>../shared/data/emoji/google-64.zip</c>).
    /// </summary>
    private static List<(string Name, byte[] Bytes)> ReadImages(string? source, int count)
    {
        source ??= FindDefault() ?? throw new ArgumentException(
            "no images: pass --images FOLDER or --images FILE.zip (the default ../shared/data/emoji/google-64.zip was not found from the working folder or its parents).");
        var found = new List<(string, byte[])>();
        if (Directory.Exists(source))
        {
            foreach (string f in Directory.EnumerateFiles(source).Order(StringComparer.Ordinal).Take(count))
            {
                found.Add((Path.GetFileName(f), File.ReadAllBytes(f)));
            }
        }
        else if (File.Exists(source) && source.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = ZipFile.OpenRead(source);
            foreach (var entry in zip.Entries.Where(e => e.Length > 0).OrderBy(e => e.FullName, StringComparer.Ordinal).Take(count))
            {
                using var s = entry.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                found.Add((entry.FullName, m.ToArray()));
            }
        }
        else
        {
            throw new ArgumentException($"--images '{source}' is neither a folder nor a .zip file.");
        }

        return found.Count > 0 ? found : throw new ArgumentException($"--images '{source}' holds no files.");
    }

    private static string? FindDefault()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "data", "emoji", "google-64.zip");
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    private sealed class PixelRow
    {
        [VectorType(PixelCount)]
        public float[] Pixels { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        [VectorType(512)]
        public float[] Features { get; set; } = [];
    }
}
