namespace OneShot.Tests.Galleries;

/// <summary>Passes writes through to an inner stream, then throws once a byte budget is used up (a crash mid-write).</summary>
internal sealed class FailingStream : Stream
{
    private readonly Stream _inner;
    private long _remaining;

    public FailingStream(Stream inner, long failAfterBytes)
    {
        _inner = inner;
        _remaining = failAfterBytes;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _remaining)
        {
            _inner.Write(buffer[..(int)_remaining]);
            _inner.Flush();
            _remaining = 0;
            throw new IOException("Injected failure: the disk is full.");
        }

        _inner.Write(buffer);
        _remaining -= buffer.Length;
    }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
