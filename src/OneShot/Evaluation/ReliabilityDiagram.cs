namespace OneShot.Evaluation;

/// <summary>
/// How well confidences match accuracy: predictions binned by confidence into equal-width bins, and the expected
/// calibration error <c>ECE = Σ_b (n_b / N)·|accuracy_b − confidence_b|</c> (Guo et al. 2017; 15 bins by default).
/// </summary>
/// <remarks>
/// A prediction of confidence c falls in bin <c>⌈c·B⌉ − 1</c> (bin b holds (b/B, (b+1)/B]; confidence 0 goes to the
/// first bin). A perfectly calibrated classifier has ECE 0: among predictions made with 80% confidence, 80% are right.
/// </remarks>
public sealed class ReliabilityDiagram
{
    /// <summary>The number of bins the literature reports ECE with.</summary>
    public const int DefaultBinCount = 15;

    private ReliabilityDiagram(IReadOnlyList<CalibrationBin> bins, int count, double ece, double mce)
    {
        Bins = bins;
        Count = count;
        ExpectedCalibrationError = ece;
        MaximumCalibrationError = mce;
    }

    /// <summary>The bins, lowest confidence first.</summary>
    public IReadOnlyList<CalibrationBin> Bins { get; }

    /// <summary>The number of predictions N.</summary>
    public int Count { get; }

    /// <summary>The expected calibration error, 0..1: the count-weighted mean gap between accuracy and confidence.</summary>
    public double ExpectedCalibrationError { get; }

    /// <summary>The maximum calibration error, 0..1: the largest gap between accuracy and confidence over non-empty bins.</summary>
    public double MaximumCalibrationError { get; }

    /// <summary>The overall accuracy of the predictions, 0..1.</summary>
    public double Accuracy => Count == 0 ? 0 : Bins.Sum(b => b.Accuracy * b.Count) / Count;

    /// <summary>The mean confidence of the predictions, 0..1.</summary>
    public double MeanConfidence => Count == 0 ? 0 : Bins.Sum(b => b.MeanConfidence * b.Count) / Count;

    /// <summary>Bins <paramref name="confidences"/> and computes the calibration errors.</summary>
    /// <param name="confidences">The probability of each predicted label, in [0, 1].</param>
    /// <param name="correct">Whether each prediction was right.</param>
    /// <param name="binCount">The number of equal-width bins (at least 1). Default 15.</param>
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or a confidence is outside [0, 1].</exception>
    public static ReliabilityDiagram Compute(IReadOnlyList<double> confidences, IReadOnlyList<bool> correct, int binCount = DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        if (confidences.Count != correct.Count)
        {
            throw new ArgumentException($"Expected one answer per confidence ({confidences.Count}); got {correct.Count}.", nameof(correct));
        }

        if (confidences.Count == 0)
        {
            throw new ArgumentException("A reliability diagram needs at least one prediction.", nameof(confidences));
        }

        var count = new int[binCount];
        var confidenceSum = new double[binCount];
        var rightCount = new int[binCount];
        for (int i = 0; i < confidences.Count; i++)
        {
            double c = confidences[i];
            if (!(c >= 0 && c <= 1))
            {
                throw new ArgumentException($"Confidence {i} is {c}; expected a probability in [0, 1].", nameof(confidences));
            }

            int b = Math.Clamp((int)Math.Ceiling(c * binCount) - 1, 0, binCount - 1);
            count[b]++;
            confidenceSum[b] += c;
            rightCount[b] += correct[i] ? 1 : 0;
        }

        var bins = new CalibrationBin[binCount];
        double ece = 0, mce = 0;
        for (int b = 0; b < binCount; b++)
        {
            double meanConfidence = count[b] == 0 ? 0 : confidenceSum[b] / count[b];
            double accuracy = count[b] == 0 ? 0 : (double)rightCount[b] / count[b];
            bins[b] = new CalibrationBin((double)b / binCount, (double)(b + 1) / binCount, count[b], meanConfidence, accuracy);
            if (count[b] > 0)
            {
                double gap = Math.Abs(accuracy - meanConfidence);
                ece += gap * count[b] / confidences.Count;
                mce = Math.Max(mce, gap);
            }
        }

        return new ReliabilityDiagram(bins, confidences.Count, ece, mce);
    }
}
