using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// Single-image latency of <see cref="Embedder.Embed"/> for ResNet-18 at 224x224 against a plain <c>eval()</c> +
/// <c>inference_mode</c> forward of the same network, measured interleaved in one run: the per-call cost of the
/// embedder's side-effect-free inference (version check, lock, its private inference copy). Target ratio &lt;= 1.05.
/// </summary>
internal static class EmbedLatency
{
    /// <summary>Median seconds per call of Embed and of the plain forward (smoke: 64x64 input, 3 rounds).</summary>
    public static (double Embed, double Plain, int Size) Measure(bool smoke, int repeats, TextWriter log)
    {
        int size = smoke ? 64 : 224;
        using var embedder = Embedder.Create(new EmbedderOptions
        {
            Device = DeviceChoice.Cpu,
            Backbone = new ResNet18Options(),
            Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = size, Height = size },
        });
        using var image = rand(1, 3, size, size);

        // Both sides on libtorch's threads: this row measures Embed's per-call overhead, not the small-batch thread policy.
        embedder.SmallBatchThreading = SmallBatchThreading.Off;
        var network = embedder.Network;
        network.eval();
        void Embed() => embedder.Embed(image).Dispose();
        void Plain()
        {
            using var inference = inference_mode();
            network.forward(image).Dispose();
        }

        var times = Timing.Interleaved(smoke ? 3 : repeats, warmUp: true, Embed, Plain);
        log.WriteLine($"embed latency resnet18-{size} batch 1: Embed {times[0] * 1e3:F2} ms, plain eval forward {times[1] * 1e3:F2} ms, ratio {times[0] / times[1]:F3}");
        return (times[0], times[1], size);
    }
}
