using OneShot.Classification;

namespace OneShot.Evaluation;

/// <summary>Every query outcome of an episode evaluation: accuracies per episode, confidences, and open-set scores.</summary>
internal sealed class EvaluationRun(int episodes)
{
    /// <summary>The accuracy of each episode (known queries).</summary>
    public double[] Accuracies { get; } = new double[episodes];

    /// <summary>The probability of each known query's predicted (best) label.</summary>
    public List<double> Confidences { get; } = [];

    /// <summary>Whether each known query's label was right.</summary>
    public List<bool> Correct { get; } = [];

    /// <summary>The best candidate's score of each known query as a similarity (higher = more alike).</summary>
    public List<double> KnownSimilarities { get; } = [];

    /// <summary>The best candidate's score of each unknown query as a similarity.</summary>
    public List<double> UnknownSimilarities { get; } = [];

    /// <summary>Known queries the open-set threshold rejected.</summary>
    public int KnownRejected { get; private set; }

    /// <summary>Unknown queries the open-set threshold accepted.</summary>
    public int UnknownAccepted { get; private set; }

    /// <summary>What the predictions' scores measure (of the last query recorded).</summary>
    public ScoreKind ScoreKind { get; private set; }

    /// <summary>How long the episodes took.</summary>
    public TimeSpan WallTime { get; set; }

    /// <summary>Records a known query.</summary>
    public void Add(Prediction prediction, bool right)
    {
        Confidences.Add(Math.Clamp(prediction.Probability, 0, 1));
        Correct.Add(right);
        KnownSimilarities.Add(Similarity(prediction));
        KnownRejected += prediction.IsUnknown ? 1 : 0;
        ScoreKind = prediction.ScoreKind;
    }

    /// <summary>Records a query of a class without support items.</summary>
    public void AddUnknown(Prediction prediction)
    {
        UnknownSimilarities.Add(Similarity(prediction));
        UnknownAccepted += prediction.IsUnknown ? 0 : 1;
    }

    /// <summary>The score as a similarity: negated when lower is better, so that higher always means more alike.</summary>
    public static double Similarity(Prediction prediction) => prediction.ScoreKind.IsLowerBetter() ? -prediction.Score : prediction.Score;
}
