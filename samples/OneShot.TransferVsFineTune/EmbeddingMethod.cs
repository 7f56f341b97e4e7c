using OneShot.Classification;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.TransferVsFineTune;

/// <summary>
/// A frozen embedder and a few-shot classifier over its vectors: prototypes (metric one-shot learning), or a head
/// trained on the support embeddings (transfer learning: linear probe, cosine head).
/// </summary>
internal sealed class EmbeddingMethod(IEmbedder embedder, ClassifierOptions classifier, string name, string idea) : IComparedMethod
{
    public string Name => name;

    public string Idea => idea;

    public IReadOnlyList<string> Predict(Tensor support, IReadOnlyList<string> supportLabels, Tensor queries)
    {
        using var scope = NewDisposeScope();
        using var fitted = classifier.CreateClassifier().Fit(embedder.Embed(support), supportLabels);
        return [.. fitted.Predict(embedder.Embed(queries)).Select(p => p.Label)];
    }

    public void Dispose()
    {
    }
}
