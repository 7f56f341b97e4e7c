namespace OneShot.Transfer;

/// <summary>What one validation measured: rank-1 of each validation query among all validation supports.</summary>
/// <param name="Epoch">The epoch after which it was measured (0: before training).</param>
/// <param name="Loss">The mean training loss of the last epoch.</param>
/// <param name="ValidationRank1">The fraction of validation queries whose nearest support is their own class.</param>
public sealed record ProjectionValidation(int Epoch, double Loss, double ValidationRank1);
