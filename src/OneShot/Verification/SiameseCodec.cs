using OneShot.Classification;
using OneShot.Serialization;

namespace OneShot.Verification;

/// <summary>Converts a Siamese head and threshold to and from the <c>siamese</c> object of <c>model.json</c>.</summary>
internal static class SiameseCodec
{
    public static SiameseJson ToJson(SiameseHead head, ThresholdCalibrationResult calibration) => new()
    {
        Head = head.Kind == SiameseHeadKind.Koch ? "koch" : "contrastive",
        Margin = head.Margin,
        KochWeights = head.Kind == SiameseHeadKind.Koch ? [.. head.KochWeights] : null,
        KochBias = head.Kind == SiameseHeadKind.Koch ? head.KochBias : null,
        Threshold = calibration.Threshold,
        ThresholdMethod = MethodName(calibration.Method),
        FalseAcceptRate = double.IsFinite(calibration.FalseAcceptRate) ? calibration.FalseAcceptRate : null,
        FalseRejectRate = double.IsFinite(calibration.FalseRejectRate) ? calibration.FalseRejectRate : null,
    };

    /// <summary>The head and calibration of <paramref name="json"/>; throws <see cref="ModelFormatException"/> naming <paramref name="path"/> when invalid.</summary>
    public static (SiameseHead Head, ThresholdCalibrationResult Calibration) FromJson(SiameseJson json, int embeddingSize, string path)
    {
        try
        {
            SiameseHead head = json.Head switch
            {
                "contrastive" => SiameseHead.Contrastive(json.Margin ?? throw new ArgumentException("siamese.margin is missing for a contrastive head.")),
                "koch" => SiameseHead.Koch(
                    json.KochWeights ?? throw new ArgumentException("siamese.kochWeights is missing for a Koch head."),
                    json.KochBias ?? throw new ArgumentException("siamese.kochBias is missing for a Koch head.")),
                _ => throw new ArgumentException($"siamese.head is '{json.Head}'; expected 'contrastive' or 'koch'."),
            };
            head.EnsureFits(embeddingSize, "siamese.kochWeights");
            var method = json.ThresholdMethod switch
            {
                "default" => ThresholdCalibrationMethod.Default,
                "equalErrorRate" => ThresholdCalibrationMethod.EqualErrorRate,
                "falseAcceptRate" => ThresholdCalibrationMethod.FalseAcceptRate,
                "manual" => ThresholdCalibrationMethod.Manual,
                _ => throw new ArgumentException($"siamese.thresholdMethod is '{json.ThresholdMethod}'; expected 'default', 'equalErrorRate', 'falseAcceptRate' or 'manual'."),
            };
            if (!double.IsFinite(json.Threshold))
            {
                throw new ArgumentException($"siamese.threshold is {json.Threshold}; expected a finite number.");
            }

            return (head, new ThresholdCalibrationResult(json.Threshold, json.FalseAcceptRate ?? double.NaN, json.FalseRejectRate ?? double.NaN, method));
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' holds an invalid siamese section: {e.Message}", e);
        }
    }

    private static string MethodName(ThresholdCalibrationMethod method) => method switch
    {
        ThresholdCalibrationMethod.Default => "default",
        ThresholdCalibrationMethod.EqualErrorRate => "equalErrorRate",
        ThresholdCalibrationMethod.FalseAcceptRate => "falseAcceptRate",
        ThresholdCalibrationMethod.Manual => "manual",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown calibration method."),
    };
}
