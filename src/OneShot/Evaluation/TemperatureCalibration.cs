using OneShot.Classification;

namespace OneShot.Evaluation;

/// <summary>
/// A softmax temperature fitted to held-out episodes (temperature scaling, Guo et al. 2017): the temperature that
/// minimises the negative log-likelihood of the right class, for one classifier type and metric.
/// </summary>
/// <param name="Classifier">The classifier type name as <see cref="ClassifierRegistry"/> stores it (for example <c>prototype</c>).</param>
/// <param name="Metric">The distance the temperature was fitted for.</param>
/// <param name="Temperature">The fitted temperature (finite, greater than 0).</param>
/// <param name="FittedOn">What the episodes were drawn from, for example <c>omniglot/val</c>.</param>
/// <param name="Way">Classes per episode.</param>
/// <param name="Shot">Support items per class.</param>
/// <param name="Episodes">The number of episodes.</param>
/// <param name="Seed">The episode seed.</param>
/// <param name="NllBefore">The mean negative log-likelihood at the classifier's previous temperature.</param>
/// <param name="NllAfter">The mean negative log-likelihood at <paramref name="Temperature"/>.</param>
/// <param name="EceBefore">The expected calibration error (15 bins) at the previous temperature.</param>
/// <param name="EceAfter">The expected calibration error (15 bins) at <paramref name="Temperature"/>.</param>
public sealed record TemperatureCalibration(
    string Classifier,
    DistanceMetric Metric,
    double Temperature,
    string FittedOn,
    int Way,
    int Shot,
    int Episodes,
    int Seed,
    double NllBefore,
    double NllAfter,
    double EceBefore,
    double EceAfter)
{
    /// <summary>
    /// The test-time augmentation the embeddings were averaged over (<see cref="Embeddings.TestTimeAugmentation"/>'s
    /// text, for example <c>shifts8</c>), or null for plain embeddings: a calibration applies only to the same.
    /// </summary>
    public string? TestTimeAugmentation { get; init; }
}
