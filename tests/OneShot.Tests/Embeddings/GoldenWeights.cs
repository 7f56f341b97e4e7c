using System.Security.Cryptography;
using System.Text;
using OneShot.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// The deterministic weights of the golden fixtures, the C# twin of <c>eng/golden/make_fixtures.py</c>: every value is
/// an integer hash of (state-dict key, element index), so both sides produce the same float32 bits without a generator.
/// </summary>
internal static class GoldenWeights
{
    /// <summary>The value every <c>num_batches_tracked</c> buffer holds.</summary>
    public const long BatchesTracked = 7;

    /// <summary>FNV-1a of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static uint Fnv1a(string text)
    {
        uint h = 0x811C9DC5;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            h ^= b;
            h = unchecked(h * 0x01000193);
        }

        return h;
    }

    /// <summary>
    /// <paramref name="count"/> float32 values in [<paramref name="low"/>, <paramref name="high"/>): low + (high − low)·u
    /// computed in float64 with u = ((hash &gt;&gt; 8) + 0.5) / 2²⁴, then rounded once to float32.
    /// </summary>
    public static float[] Uniform(string key, long count, double low, double high)
    {
        uint seed = Fnv1a(key);
        var values = new float[count];
        for (long j = 0; j < count; j++)
        {
            uint x = unchecked(((uint)j * 0x9E3779B1u) + seed);
            x ^= x >> 16;
            x = unchecked(x * 0x7FEB352Du);
            x ^= x >> 15;
            x = unchecked(x * 0x846CA68Bu);
            x ^= x >> 16;
            double u = ((x >> 8) + 0.5) / 16777216.0;
            values[j] = (float)(low + ((high - low) * u));
        }

        return values;
    }

    /// <summary>A float32 tensor of <see cref="Uniform(string, long, double, double)"/> values.</summary>
    public static Tensor UniformTensor(string key, long[] shape, double low, double high) =>
        tensor(Uniform(key, shape.Aggregate(1L, (a, b) => a * b), low, high), shape);

    /// <summary>
    /// The weights for every entry of <paramref name="network"/>'s state dict by the script's rules: convolutions
    /// He-uniform on fan-in, batch-norm scales in [0.5, 1.5), biases in [−0.2, 0.2), running means in [−0.1, 0.1),
    /// running variances in [0.5, 1.5), <c>num_batches_tracked</c> = 7.
    /// </summary>
    public static StateDict For(nn.Module network)
    {
        var result = new StateDict();
        foreach (var (key, value) in network.state_dict())
        {
            long[] shape = value.shape;
            string leaf = key[(key.LastIndexOf('.') + 1)..];
            Tensor generated = leaf switch
            {
                "num_batches_tracked" => tensor(BatchesTracked),
                "weight" when shape.Length == 4 => Convolution(key, shape),
                "weight" => UniformTensor(key, shape, 0.5, 1.5),
                "bias" => UniformTensor(key, shape, -0.2, 0.2),
                "running_mean" => UniformTensor(key, shape, -0.1, 0.1),
                "running_var" => UniformTensor(key, shape, 0.5, 1.5),
                _ => throw new InvalidOperationException($"No golden rule for state-dict key '{key}'."),
            };
            result.TryAdd(key, generated);
        }

        return result;
    }

    /// <summary>SHA-256 over each key's UTF-8 bytes then its tensor's little-endian bytes, in <paramref name="order"/>.</summary>
    public static string Sha256(StateDict weights, IEnumerable<string> order)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string key in order)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(key));
            using var cpu = weights[key].contiguous();
            sha.AppendData(cpu.bytes);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static Tensor Convolution(string key, long[] shape)
    {
        double bound = Math.Sqrt(6.0 / (shape[1] * shape[2] * shape[3]));
        return UniformTensor(key, shape, -bound, bound);
    }
}
