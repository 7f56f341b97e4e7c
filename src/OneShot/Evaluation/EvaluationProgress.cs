namespace OneShot.Evaluation;

/// <summary>Where an evaluation is, reported after every episode.</summary>
/// <param name="Episode">Episodes completed (1-based).</param>
/// <param name="TotalEpisodes">The planned number of episodes.</param>
/// <param name="MeanAccuracy">The mean accuracy of the episodes so far, 0..1.</param>
/// <param name="Elapsed">Wall time since the evaluation started, including embedding the dataset when it is embedded once.</param>
/// <param name="Eta">The estimated wall time left.</param>
public sealed record EvaluationProgress(int Episode, int TotalEpisodes, double MeanAccuracy, TimeSpan Elapsed, TimeSpan Eta);
