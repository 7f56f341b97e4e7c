using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Tests.Extensibility;

/// <summary>The outside method's "set the support" step: class means of the support embeddings.</summary>
public sealed class ChebyshevPrototypeClassifier(ChebyshevPrototypeOptions options) : IFewShotClassifier
{
    public ClassifierOptions Options => options;

    public IFittedClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        string[] classes = [.. labels.Distinct()];
        using var scope = NewDisposeScope();
        var x = supportEmbeddings.detach().cpu().to_type(ScalarType.Float32);
        var means = stack(classes.Select(c => x.index_select(0, tensor(labels.Select((l, i) => (l, i)).Where(p => p.l == c).Select(p => (long)p.i).ToArray())).mean([0])), 0);
        return new FittedChebyshevPrototypeClassifier(options, classes, means.DetachFromDisposeScope());
    }
}
