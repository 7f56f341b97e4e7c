using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// A private, inference-only copy of an embedder's network, taken at one weights version. <see cref="Embedder.Embed"/>
/// runs it instead of the user's network so inference never changes the network's mode or buffers. Callers count
/// themselves in and out (under the owning embedder's lock), so a copy replaced while another thread still runs it
/// is disposed only when that thread is done.
/// </summary>
internal abstract class InferenceCopy : IDisposable
{
    private int _users;
    private bool _retired;
    private bool _disposed;

    /// <summary>Creates a copy taken at weights version <paramref name="version"/>.</summary>
    protected InferenceCopy(long version) => Version = version;

    /// <summary>The weights version of the network this copy was taken from.</summary>
    public long Version { get; }

    /// <summary>Runs the copy on <paramref name="images"/> (on its device); the raw network output. Call inside inference mode.</summary>
    public abstract Tensor Forward(Tensor images);

    /// <summary>Marks one more caller as running <see cref="Forward"/>; call under the owner's lock.</summary>
    public void Acquire() => _users++;

    /// <summary>Marks a caller as done; disposes the copy when it is retired and unused. Call under the owner's lock.</summary>
    public void Release()
    {
        _users--;
        if (_retired && _users == 0)
        {
            Dispose();
        }
    }

    /// <summary>Retires this copy: it is disposed as soon as no caller uses it. Call under the owner's lock.</summary>
    public void Retire()
    {
        _retired = true;
        if (_users == 0)
        {
            Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            ReleaseTensors();
        }
    }

    /// <summary>Disposes the tensors or modules the copy holds.</summary>
    protected abstract void ReleaseTensors();
}
