using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>An embedder that only carries a fingerprint: the scale benchmark enrolls and classifies embeddings.</summary>
internal sealed class StoreScaleEmbedder(int embeddingSize) : IEmbedder
{
    public string Architecture => "store-scale";

    public ImagePreprocessing Preprocessing { get; } = new() { Height = 1, Width = embeddingSize };

    public int EmbeddingSize => embeddingSize;

    public Device Device => CPU;

    public Tensor Embed(Tensor images) => throw new NotSupportedException("The scale benchmark enrolls embeddings only.");

    public EmbedderFingerprint GetFingerprint() => new(Architecture, $"d={embeddingSize}", Preprocessing.ToCanonicalString(), "synthetic");

    public void Dispose()
    {
    }
}
