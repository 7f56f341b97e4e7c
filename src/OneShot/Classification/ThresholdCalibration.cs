namespace OneShot.Classification;

/// <summary>
/// Chooses verification thresholds from scored pairs with known answers. A pair is accepted as "same" when
/// <c>score &gt;= threshold</c> (higher scores mean more alike); the false-accept rate is the fraction of
/// "different" pairs accepted, the false-reject rate the fraction of "same" pairs rejected.
/// </summary>
/// <remarks>
/// The candidate thresholds are the distinct scores plus the next double above the highest score (which accepts
/// nothing), so the returned threshold is always one of the given scores or just above them, and the reported
/// rates are the exact rates at that threshold (not interpolated).
/// </remarks>
public static class ThresholdCalibration
{
    /// <summary>
    /// The equal-error-rate threshold: the candidate minimising |FAR − FRR|; ties go to the smaller FAR + FRR,
    /// then to the lower threshold.
    /// </summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="isSame">Whether each pair is truly "same"; at least one of each kind.</param>
    /// <exception cref="ArgumentException">The lists differ in length, a score is not finite, or a kind of pair is missing.</exception>
    public static ThresholdCalibrationResult EqualErrorRate(IReadOnlyList<double> scores, IReadOnlyList<bool> isSame)
    {
        var best = default((double Threshold, double Far, double Frr));
        bool found = false;
        foreach (var c in Candidates(scores, isSame))
        {
            if (!found || Better(c, best))
            {
                best = c;
                found = true;
            }
        }

        return new ThresholdCalibrationResult(best.Threshold, best.Far, best.Frr, ThresholdCalibrationMethod.EqualErrorRate);

        static bool Better((double T, double Far, double Frr) a, (double T, double Far, double Frr) b)
        {
            double gapA = Math.Abs(a.Far - a.Frr), gapB = Math.Abs(b.Far - b.Frr);
            return gapA != gapB ? gapA < gapB : a.Far + a.Frr < b.Far + b.Frr;
        }
    }

    /// <summary>The lowest threshold whose false-accept rate is at most <paramref name="targetFar"/> (so the fewest false rejects).</summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="isSame">Whether each pair is truly "same"; at least one of each kind.</param>
    /// <param name="targetFar">The largest acceptable false-accept rate, in [0, 1].</param>
    /// <exception cref="ArgumentException">The lists differ in length, a score is not finite, or a kind of pair is missing.</exception>
    public static ThresholdCalibrationResult ForFalseAcceptRate(IReadOnlyList<double> scores, IReadOnlyList<bool> isSame, double targetFar)
    {
        if (!(targetFar >= 0 && targetFar <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target false-accept rate must be in [0, 1].");
        }

        // Candidates come in ascending threshold order and FAR only falls as the threshold rises.
        var c = Candidates(scores, isSame).First(c => c.Far <= targetFar);
        return new ThresholdCalibrationResult(c.Threshold, c.Far, c.Frr, ThresholdCalibrationMethod.FalseAcceptRate);
    }

    /// <summary>Every candidate threshold, ascending, with its exact FAR and FRR.</summary>
    private static List<(double Threshold, double Far, double Frr)> Candidates(IReadOnlyList<double> scores, IReadOnlyList<bool> isSame)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(isSame);
        if (scores.Count != isSame.Count)
        {
            throw new ArgumentException($"Expected one answer per score ({scores.Count}); got {isSame.Count}.", nameof(isSame));
        }

        int same = isSame.Count(s => s), different = isSame.Count - same;
        if (same == 0 || different == 0)
        {
            throw new ArgumentException($"Calibration needs at least one 'same' and one 'different' pair; got {same} same and {different} different.", nameof(isSame));
        }

        var order = Enumerable.Range(0, scores.Count).ToArray();
        if (scores.Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException("Every score must be finite.", nameof(scores));
        }

        Array.Sort(order, (a, b) => scores[a].CompareTo(scores[b]));
        var result = new List<(double, double, double)>();

        // Walking up the sorted scores: at threshold t = scores[order[i]], pairs below index i are rejected.
        int rejectedSame = 0, rejectedDifferent = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (i == 0 || scores[order[i]] != scores[order[i - 1]])
            {
                result.Add((scores[order[i]], (double)(different - rejectedDifferent) / different, (double)rejectedSame / same));
            }

            if (isSame[order[i]])
            {
                rejectedSame++;
            }
            else
            {
                rejectedDifferent++;
            }
        }

        result.Add((Math.BitIncrement(scores[order[^1]]), 0.0, 1.0));
        return result;
    }
}
