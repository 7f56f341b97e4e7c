using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Tests.Extensibility;

/// <summary>The outside method's "score the queries" step: all it supplies to the library's fitted-classifier base.</summary>
public sealed class FittedChebyshevPrototypeClassifier(ChebyshevPrototypeOptions options, string[] classes, Tensor means)
    : FittedClassifier<ChebyshevPrototypeOptions>(options, classes, (int)means.shape[1], ScoreKind.Distance)
{
    protected override ClassScores Score(Tensor queries)
    {
        var distances = (queries.unsqueeze(1) - means.unsqueeze(0)).abs().amax([2]).mul(Options.Scale);
        return ClassScores.FromTensors(distances, distances.div(-Options.Temperature).softmax(1));
    }

    protected override void Dispose(bool disposing) => means.Dispose();
}
