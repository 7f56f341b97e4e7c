namespace OneShot.Hosting;

/// <summary>An enrolled label and how many examples it has.</summary>
/// <param name="Label">The label.</param>
/// <param name="Count">The number of enrolled examples.</param>
public sealed record LabelCount(string Label, int Count);
