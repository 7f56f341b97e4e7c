namespace OneShot.Tests;

/// <summary>
/// The test collection of tests that read or change process-global state: TorchSharp's global generator
/// (<c>manual_seed</c>, seeded <c>Embedder.Create</c>), libtorch's thread count, <see cref="Console"/> redirection, or
/// live-tensor statistics. Runs alone, after the parallel collections, if parallelisation is turned on in
/// xunit.runner.json. It is off: with it on, the test host crashed (and a plain <c>clamp_min_(0)</c> failed in
/// libtorch's <c>Scalar::toDouble</c>) while tensor tests ran on several threads, so concurrent TorchSharp use in one
/// process is not yet trusted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalState
{
    /// <summary>The collection name for <c>[Collection(TorchGlobalState.Name)]</c>.</summary>
    public const string Name = "Torch global state";
}
