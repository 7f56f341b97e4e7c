using OneShot.Evaluation;
namespace OneShot.Classification;

/// <summary>
/// How embeddings are transformed before a <see cref="PrototypeClassifier"/> averages and compares them
/// (SimpleShot, Wang et al. 2019).
/// </summary>
public enum FeatureTransform
{
    /// <summary>Embeddings are used as they are.</summary>
    None = 0,

    /// <summary>Each embedding is scaled to unit L2 norm: <c>x / ‖x‖</c>.</summary>
    L2Normalize = 1,

    /// <summary>
    /// The base-class mean is subtracted, then the result is scaled to unit L2 norm: <c>(x − m) / ‖x − m‖</c>, with
    /// <c>m</c> = <see cref="PrototypeClassifierOptions.CenteringMean"/> (see <see cref="FeatureMean"/>).
    /// </summary>
    CenterThenL2Normalize = 2,
}
