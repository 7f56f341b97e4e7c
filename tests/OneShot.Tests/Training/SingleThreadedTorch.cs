using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// Runs libtorch with one intra-op thread until disposed, then restores the previous count. Tiny test models are
/// many times faster on one thread when other processes share the two cores (the worker threads spin-wait), and
/// tests run one at a time, so this process-wide setting does not leak into other tests.
/// </summary>
internal sealed class SingleThreadedTorch : IDisposable
{
    private readonly int _previous = get_num_threads();

    public SingleThreadedTorch() => set_num_threads(1);

    public void Dispose() => set_num_threads(_previous);
}
