using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>Tiny in-memory datasets and embedders for training and evaluation tests.</summary>
internal static class SyntheticClasses
{
    /// <summary>
    /// Classes of noisy prototypes: each class is a random binary 1xHxW pattern, each item that pattern plus
    /// Gaussian noise of <paramref name="noise"/>. Deterministic for <paramref name="seed"/>.
    /// </summary>
    public static InMemoryClassDataset NoisyPrototypes(int classes, int perClass, int size = 28, double noise = 0.3, int seed = 7)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var prototypes = rand(new long[] { classes, 1, 1, size, size }, generator: generator).gt(0.5).to_type(ScalarType.Float32);
        var items = prototypes.expand(classes, perClass, 1, size, size) + randn(new long[] { classes, perClass, 1, size, size }, generator: generator) * noise;
        return InMemoryClassDataset.FromTensor(items);
    }

    /// <summary>Pure noise: items of every class drawn from the same distribution, so labels carry no information.</summary>
    public static InMemoryClassDataset Noise(int classes, int perClass, int size = 28, int seed = 11)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        return InMemoryClassDataset.FromTensor(rand(new long[] { classes, perClass, 1, size, size }, generator: generator));
    }

    /// <summary>A dataset whose every pixel of item (c, i) is the value c*1000 + i, to check what was loaded.</summary>
    public static InMemoryClassDataset Labelled(int[] counts, int size = 4)
    {
        var arrays = counts.Select((n, c) =>
        {
            var values = new float[n * size * size];
            for (int i = 0; i < n; i++)
            {
                Array.Fill(values, (c * 1000) + i, i * size * size, size * size);
            }

            return values;
        }).ToList();
        return InMemoryClassDataset.FromArrays(arrays, (1, size, size));
    }

    /// <summary>A CPU Conv4 embedder with small widths, initialised from <paramref name="seed"/>.</summary>
    public static Embedder TinyConv4(int seed = 1, int width = 8, int size = 28)
    {
        random.manual_seed(seed);
        return Embedder.Create(new EmbedderOptions
        {
            Backbone = new Conv4Options { Widths = [width, width, width, width] },
            Preprocessing = new ImagePreprocessing { Width = size, Height = size },
            Device = DeviceChoice.Cpu,
        });
    }

    /// <summary>The network's state dict as flat float arrays, for bit-exact comparisons.</summary>
    public static Dictionary<string, float[]> Weights(Embedder embedder) =>
        embedder.Network.state_dict().ToDictionary(p => p.Key, p =>
        {
            using var f = p.Value.detach().cpu().to_type(ScalarType.Float32);
            return f.data<float>().ToArray();
        });
}
