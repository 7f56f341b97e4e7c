using System.Buffers.Binary;
using OneShot.Galleries;
using OneShot.IO;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Galleries;

/// <summary>
/// Gallery files with a valid length and checksum whose payload is wrong (hand-edited or from a buggy writer):
/// issue 12 finding 2. The small gallery's payload, after its fingerprint strings at offset F, is:
/// D at F, label count at F+4, "a" and "b" (5 bytes each), entry count at F+18, three label indexes at F+22,
/// three 4-float embeddings at F+34, the property count at F+82 and the classifier flag at F+86.
/// </summary>
public sealed class GalleryFileValidationTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-gallery-validation");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void LoadAndReadInfo_NonFiniteEmbedding_ThrowNamingFileAndEntry(float value)
    {
        // Entry 1 (the second 'a'), position 2.
        string path = SaveEdited((payload, f) => BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(f + 34 + 16 + 8), value));

        var load = () => Gallery.Load(path, new FlattenEmbedder());
        var info = () => Gallery.ReadInfo(path);

        string message = $"The gallery file '{path}' is corrupt: entry 1 (label 'a') has the non-finite value {value} at position 2 of its embedding.";
        load.Should().Throw<GalleryFormatException>().WithMessage(message).Which.FilePath.Should().Be(path);
        info.Should().Throw<GalleryFormatException>().WithMessage(message);
    }

    [Theory]
    [InlineData("label count", 4, 1 << 30)]
    [InlineData("label count", 4, int.MaxValue)]
    [InlineData("entry count", 18, 1 << 30)]
    [InlineData("entry count", 18, 3_000_000)]
    [InlineData("property count", 82, 1 << 30)]
    public void LoadAndReadInfo_CountBeyondTheRemainingBytes_ThrowBeforeAllocating(string what, int offset, int count)
    {
        string path = SaveEdited((payload, f) => BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(f + offset), count));

        var load = () => Gallery.Load(path, new FlattenEmbedder());
        var info = () => Gallery.ReadInfo(path);

        string message = $"The gallery file '{path}' is corrupt: the {what} is {count}, but only * bytes remain, room for at most *";
        load.Should().Throw<GalleryFormatException>().WithMessage(message);
        info.Should().Throw<GalleryFormatException>().WithMessage(message);
    }

    [Fact]
    public void Load_EmbeddingLengthOfTwoToThe30_ThrowsBeforeAllocating()
    {
        string path = SaveEdited((payload, f) => BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(f), 1 << 30));

        var load = () => Gallery.ReadInfo(path);

        load.Should().Throw<GalleryFormatException>().WithMessage("*the entry count is 3, but only * bytes remain, room for at most 0 at 4294967300 bytes each*");
    }

    [Fact]
    public void Load_ClassifierFlagOtherThanZeroOrOne_Throws()
    {
        string path = SaveEdited((payload, f) => payload[f + 86] = 7);

        var load = () => Gallery.Load(path, new FlattenEmbedder());

        load.Should().Throw<GalleryFormatException>().WithMessage($"The gallery file '{path}' is corrupt: the classifier flag is 7, expected 0 or 1.");
    }

    [Fact]
    public void Load_ClassifierJsonLongerThanTheFile_Throws()
    {
        string path = SaveEdited((payload, f) => payload[f + 86] = 1, append: BitConverter.GetBytes(1 << 25));

        var load = () => Gallery.Load(path, new FlattenEmbedder());

        load.Should().Throw<GalleryFormatException>().WithMessage("*is corrupt: it ends inside a text field*");
    }

    /// <summary>Saves the small gallery, edits its payload and re-frames it with a valid length and checksum.</summary>
    private string SaveEdited(Action<byte[], int> edit, byte[]? append = null)
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([1, 2, 3, 4], [5, 6, 7, 8]);
        using var b = Rows([-1, -2, -3, -4]);
        gallery.EnrollEmbeddings("a", a);
        gallery.EnrollEmbeddings("b", b);
        string path = Path.Combine(_folder, "edited.gallery");
        gallery.Save(path);
        byte[] file = File.ReadAllBytes(path);
        byte[] payload = [.. file[ChecksummedFile.HeaderLength..^ChecksummedFile.ChecksumLength], .. append ?? []];
        int offset = 0;
        for (int i = 0; i < 4; i++)
        {
            offset += 4 + BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(offset));
        }

        BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(offset)).Should().Be(4, "the fixture's layout is as documented");
        payload[offset + 86].Should().Be(0, "the fixture's layout is as documented");
        payload.Length.Should().Be(offset + 87 + (append?.Length ?? 0));
        edit(payload, offset);
        using (var stream = File.Create(path))
        {
            ChecksummedFile.WriteTo(stream, GalleryFile.Format, payload);
        }

        return path;
    }
}
