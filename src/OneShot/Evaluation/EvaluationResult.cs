using System.Globalization;
using OneShot.Classification;

namespace OneShot.Evaluation;

/// <summary>The accuracy of an embedder and a few-shot method over episodes, with the protocol that produced it.</summary>
/// <param name="Accuracy">The mean per-episode query accuracy, 0..1.</param>
/// <param name="Ci95">The 95% confidence half-width of <paramref name="Accuracy"/>, 1.96·sd/√E (sample sd), 0..1.</param>
/// <param name="StandardDeviation">The sample standard deviation of the per-episode accuracies.</param>
/// <param name="Way">Classes per episode.</param>
/// <param name="Shot">Support items per class.</param>
/// <param name="Query">Query items per class.</param>
/// <param name="Episodes">The number of episodes.</param>
/// <param name="Seed">The seed that fixes the episodes.</param>
/// <param name="Classifier">The few-shot method that classified the queries.</param>
/// <param name="WallTime">How long the evaluation took.</param>
public sealed record EvaluationResult(
    double Accuracy,
    double Ci95,
    double StandardDeviation,
    int Way,
    int Shot,
    int Query,
    int Episodes,
    int Seed,
    ClassifierOptions Classifier,
    TimeSpan WallTime)
{
    /// <summary>
    /// The calibration of the predicted labels' probabilities over every query of every episode (15 bins), with the
    /// expected calibration error; null when not measured.
    /// </summary>
    public ReliabilityDiagram? Calibration { get; init; }

    /// <summary>Known-versus-unknown figures when the episodes had unknown classes (<see cref="EpisodeEvaluationOptions.UnknownWay"/>); otherwise null.</summary>
    public OpenSetResult? OpenSet { get; init; }

    /// <summary>The protocol and the result, for example <c>5-way 1-shot, 15 queries/class, 1000 episodes, seed 1: 98.14% ± 0.17% (95% CI)</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Way}-way {Shot}-shot, {Query} queries/class, {Episodes} episodes, seed {Seed}: {Accuracy * 100:F2}% ± {FormatCi()} (95% CI)");

    /// <summary>
    /// Like <see cref="ToString"/>, prefixed with the dataset and split, so that a printed number always says what it
    /// measured, for example <c>omniglot/test: 5-way 1-shot, ...</c>.
    /// </summary>
    /// <param name="datasetName">The dataset, for example <c>omniglot</c>.</param>
    /// <param name="split">The split, for example <c>test</c>.</param>
    public string Describe(string datasetName, string split)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetName);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        return $"{datasetName}/{split}: {this}";
    }

    private string FormatCi() => double.IsNaN(Ci95) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{Ci95 * 100:F2}%");
}
