namespace OneShot.Serialization;

/// <summary>What <see cref="StateDictLoader"/> did.</summary>
/// <param name="Loaded">Network keys whose tensors were copied in, in the network's order.</param>
/// <param name="Missing">Network keys the file lacked and the rules allowed, left unchanged.</param>
/// <param name="Skipped">File keys the network lacked and the rules allowed, in the file's order.</param>
internal sealed record StateDictLoadResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Skipped);
