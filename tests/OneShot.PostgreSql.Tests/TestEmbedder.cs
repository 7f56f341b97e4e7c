using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.PostgreSql.Tests;

/// <summary>An embedder that only carries a fingerprint (the tests enroll and classify embeddings).</summary>
public sealed class TestEmbedder : IEmbedder
{
    private readonly string _weights;

    public TestEmbedder(int embeddingSize, string weights = "weights-a")
    {
        EmbeddingSize = embeddingSize;
        _weights = weights;
        Preprocessing = new ImagePreprocessing { Height = 1, Width = embeddingSize };
    }

    public string Architecture => "test";

    public ImagePreprocessing Preprocessing { get; }

    public int EmbeddingSize { get; }

    public Device Device => CPU;

    public Tensor Embed(Tensor images) => throw new NotSupportedException("The tests enroll embeddings only.");

    public EmbedderFingerprint GetFingerprint() => new(Architecture, $"d={EmbeddingSize}", Preprocessing.ToCanonicalString(), _weights);

    public void Dispose()
    {
    }
}
