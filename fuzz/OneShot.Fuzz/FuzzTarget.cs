namespace OneShot.Fuzz;

/// <summary>One parser under fuzzing: a name, how to run it on one input, and how to make its seed inputs.</summary>
/// <param name="Name">The target name given on the command line (for example <c>gallery</c>).</param>
/// <param name="Run">Parses one input; may throw only a typed exception (<see cref="FuzzTargets.IsTyped"/>).</param>
/// <param name="Seeds">Valid inputs, generated in code, that mutations start from.</param>
public sealed record FuzzTarget(string Name, Action<byte[]> Run, Func<IReadOnlyList<byte[]>> Seeds);
