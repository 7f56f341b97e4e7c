using TorchSharp;

namespace OneShot;

/// <summary>
/// Scalars that live as long as the process, for TorchSharp calls whose overload without them would convert a
/// number to a <see cref="Scalar"/> implicitly (<c>add(other)</c> passes an implicit <c>alpha = 1</c>).
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <see cref="Scalar"/> holds a raw native pointer that its finalizer frees. An implicit temporary
/// is unreachable as soon as its handle is read, so a GC on another thread (or a background GC) can free it while the
/// native call still reads it: libtorch then throws "Unknown scalar type" or reads freed memory. Our code therefore
/// creates every Scalar explicitly, in a <c>using</c> that keeps it alive for the call, or uses these rooted ones;
/// <c>ImplicitScalarTests</c> reads our IL to keep it so. The native scalars are immutable, so sharing them between
/// threads is safe.
/// </remarks>
internal static class TorchScalars
{
    /// <summary>The integer 1: the <c>alpha</c> of an addition, or an operand; valid for integer and floating-point tensors.</summary>
    public static readonly Scalar One = 1L.ToScalar();

    /// <summary>The integer 0: the start of an <c>arange</c>, or a bound.</summary>
    public static readonly Scalar Zero = 0L.ToScalar();
}
