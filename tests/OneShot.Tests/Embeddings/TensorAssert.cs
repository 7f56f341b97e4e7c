using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Helpers to compare tensors bit for bit and to build deterministic inputs.</summary>
internal static class TensorAssert
{
    /// <summary>The raw bytes of <paramref name="tensor"/> (contiguous, on the CPU).</summary>
    public static byte[] Bytes(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.bytes.ToArray();
    }

    /// <summary>Asserts equal shapes, element types and bytes.</summary>
    public static void BitIdentical(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        actual.dtype.Should().Be(expected.dtype);
        Bytes(actual).Should().Equal(Bytes(expected));
    }

    /// <summary>Seeded uniform images in [0, 1).</summary>
    public static Tensor Images(long n, int channels, int height, int width, long seed = 7)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return rand(new[] { n, channels, height, width }, generator: generator);
    }
}
