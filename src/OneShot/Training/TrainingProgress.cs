namespace OneShot.Training;

/// <summary>Where a training run is, reported after every episode.</summary>
/// <param name="Episode">Episodes completed so far, counting those of a resumed checkpoint (1-based).</param>
/// <param name="TotalEpisodes">The planned number of episodes.</param>
/// <param name="Loss">The loss of the episode just run.</param>
/// <param name="Accuracy">The query accuracy of the episode just run, 0..1.</param>
/// <param name="LearningRate">The learning rate used for the episode.</param>
/// <param name="Elapsed">Wall time since this call to Train started.</param>
/// <param name="Eta">The estimated wall time left, from the pace of this call.</param>
/// <param name="ValidationLoss">The mean validation loss when a validation ran after this episode, otherwise null.</param>
/// <param name="ValidationAccuracy">The mean validation accuracy when a validation ran after this episode, otherwise null.</param>
public sealed record TrainingProgress(
    int Episode,
    int TotalEpisodes,
    double Loss,
    double Accuracy,
    double LearningRate,
    TimeSpan Elapsed,
    TimeSpan Eta,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null);
