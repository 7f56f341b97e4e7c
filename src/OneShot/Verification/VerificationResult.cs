namespace OneShot.Verification;

/// <summary>The answer to "do these two images show the same class?".</summary>
/// <param name="IsSame">True when <paramref name="Score"/> &gt;= <paramref name="Threshold"/>.</param>
/// <param name="Score">The pair score, higher = more alike (see <see cref="SiameseHead"/>).</param>
/// <param name="Threshold">The threshold the score was compared with.</param>
public sealed record VerificationResult(bool IsSame, double Score, double Threshold);
