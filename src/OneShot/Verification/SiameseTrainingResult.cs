
namespace OneShot.Verification;

/// <summary>The outcome of <see cref="SiameseTrainer.Train"/>.</summary>
/// <param name="Model">
/// The trained model. It wraps the embedder passed to the trainer, which stays the caller's (the caller owns what it
/// passes in: dispose the embedder after the model), and
/// holds the trained head and the threshold: calibrated at the equal error rate on validation pairs when a
/// validation set was given, otherwise the head's default.
/// </param>
/// <param name="Losses">The training loss of every step, in order.</param>
/// <param name="ValidationAccuracy">The fraction of validation pairs verified correctly at the calibrated threshold; null without validation.</param>
/// <param name="WallTime">Wall time of the run.</param>
public sealed record SiameseTrainingResult(
    SiameseModel Model,
    IReadOnlyList<double> Losses,
    double? ValidationAccuracy,
    TimeSpan WallTime);
