using OneShot.Classification;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.TransferVsFineTune;

/// <summary>(a) Metric one-shot learning: class means of a pretrained embedder's vectors; nothing is trained at enrolment.</summary>
internal sealed class PrototypeMethod(Embedder embedder, ClassifierOptions classifier, string name, string idea) : IComparedMethod
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
