namespace OneShot.Tests;

/// <summary>
/// The test collection of tests that read or change process-global state: TorchSharp's global generator
/// (<c>manual_seed</c>, seeded <c>Embedder.Create</c>), libtorch's thread count, <see cref="Console"/> redirection, or
/// live-tensor statistics. xunit runs it alone, after the parallel collections; every other test class is its own
/// collection and runs in parallel (xunit.runner.json).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalState
{
    /// <summary>The collection name for <c>[Collection(TorchGlobalState.Name)]</c>.</summary>
    public const string Name = "Torch global state";
}
