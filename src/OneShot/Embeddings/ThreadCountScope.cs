using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>Restores the calling thread's libtorch intra-op thread count when disposed; the default value does nothing.</summary>
internal readonly struct ThreadCountScope : IDisposable
{
    private readonly int _previous;

    public ThreadCountScope(int previous) => _previous = previous;

    public void Dispose()
    {
        if (_previous > 0)
        {
            set_num_threads(_previous);
        }
    }
}
