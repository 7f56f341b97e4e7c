using OneShot.Classification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

/// <summary>Fitting and predicting with the classifiers that train on embeddings leave no live tensors behind.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class LinearProbeMemoryTests : IDisposable
{
    private readonly OneShot.Tests.Training.SingleThreadedTorch _threads = new();

    public static TheoryData<string> Classifiers => new() { "linear-probe", "cosine-head", "simpleshot" };

    public void Dispose() => _threads.Dispose();

    [Theory]
    [MemberData(nameof(Classifiers))]
    public void FitAndPredict_OutsideAnyScope_LiveTensorCountReturnsToStart(string kind)
    {
        using var support = randn(12, 8, generator: new Generator(5));
        using var queries = randn(3, 8, generator: new Generator(6)).to_type(ScalarType.Float64);
        string[] labels = Enumerable.Range(0, 12).Select(i => $"c{i % 4}").ToArray();
        ClassifierOptions options = kind switch
        {
            "linear-probe" => new LinearProbeClassifierOptions { Steps = 5 },
            "cosine-head" => new CosineHeadClassifierOptions { Steps = 5 },
            _ => new PrototypeClassifierOptions { Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = new float[8] },
        };
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var fitted = options.CreateClassifier().Fit(support, labels))
        {
            var first = fitted.Predict(queries);
            long afterFit = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int i = 0; i < 200; i++)
            {
                fitted.Predict(queries).Should().Equal(first);
                using var probabilities = fitted.PredictProbabilities(queries);
            }

            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(afterFit);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
