namespace OneShot.Service;

/// <summary>The answer of <c>DELETE /labels/{label}</c>.</summary>
/// <param name="Label">The removed label.</param>
/// <param name="Removed">How many examples it had.</param>
public sealed record RemoveResponse(string Label, int Removed);
