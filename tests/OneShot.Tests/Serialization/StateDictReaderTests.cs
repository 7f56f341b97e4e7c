using OneShot.Serialization;
using OneShot.Tests.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

public sealed class StateDictReaderTests
{
    private static byte[] SmallFile()
    {
        using var scope = NewDisposeScope();
        return StateDictWriter.ToBytes(new[]
        {
            KeyValuePair.Create("a.weight", arange(6, dtype: ScalarType.Float32).reshape(2, 3)),
            KeyValuePair.Create("a.count", tensor(7L)),
        });
    }

    [Fact]
    public void Read_EveryElementType_RoundTripsShapeTypeAndBytes()
    {
        using var scope = NewDisposeScope();
        var entries = new[]
        {
            KeyValuePair.Create("f32", TensorAssert.Images(1, 2, 3, 4)),
            KeyValuePair.Create("f64", tensor(new[] { 1.5, -2.25 })),
            KeyValuePair.Create("f16", tensor(new[] { 0.5f, 3f }).to(ScalarType.Float16)),
            KeyValuePair.Create("bf16", tensor(new[] { 0.5f, 3f }).to(ScalarType.BFloat16)),
            KeyValuePair.Create("i64 scalar", tensor(42L)),
            KeyValuePair.Create("i32", tensor(new[] { 1, -1 })),
            KeyValuePair.Create("u8", tensor(new byte[] { 0, 255 })),
            KeyValuePair.Create("bool", tensor(new[] { true, false })),
            KeyValuePair.Create("empty", zeros(0, 3)),
            KeyValuePair.Create("ünïcode", ones(1)),
        };

        using var read = StateDictReader.Read(StateDictWriter.ToBytes(entries), "mem");

        read.Names.Should().Equal(entries.Select(e => e.Key));
        foreach (var (name, expected) in entries)
        {
            TensorAssert.BitIdentical(read[name], expected);
        }
    }

    [Fact]
    public void Read_EveryTruncation_ThrowsTruncatedNamingSource()
    {
        byte[] file = SmallFile();

        for (int length = 0; length < file.Length; length++)
        {
            var act = () => StateDictReader.Read(file[..length], "cut.bin");

            act.Should().Throw<ModelFormatException>($"a file cut to {length} of {file.Length} bytes is truncated")
                .Where(e => e.FilePath == "cut.bin")
                .WithMessage("Weights file 'cut.bin' is truncated*");
        }
    }

    [Fact]
    public void Read_TrailingBytes_ThrowsCountingThem()
    {
        byte[] file = [.. SmallFile(), 1, 2, 3];

        var act = () => StateDictReader.Read(file, "long.bin");

        act.Should().Throw<ModelFormatException>().WithMessage("Weights file 'long.bin' has 3 bytes after its last entry; expected the file to end after 2 entries.");
    }

    [Fact]
    public void Read_UnknownElementType_ThrowsNamingEntryAndCode()
    {
        byte[] file = SmallFile();
        // count(1) + name length(1) + "a.weight"(8), then the element type code.
        file[10].Should().Be((byte)ScalarType.Float32);
        file[10] = 99;

        var act = () => StateDictReader.Read(file, "odd.bin");

        act.Should().Throw<ModelFormatException>().WithMessage("Weights file 'odd.bin': entry 'a.weight' has element type code 99, which is not a known TorchSharp element type.");
    }

    [Fact]
    public void Read_DuplicateKey_ThrowsNamingKey()
    {
        using var scope = NewDisposeScope();
        byte[] file = StateDictWriter.ToBytes(new[] { KeyValuePair.Create("x", ones(1)), KeyValuePair.Create("x", ones(1)) });

        var act = () => StateDictReader.Read(file, "dup.bin");

        act.Should().Throw<ModelFormatException>().WithMessage("Weights file 'dup.bin' holds the key 'x' twice.");
    }

    [Fact]
    public void Read_OverlongLeb128Count_ThrowsNotStateDictFormat()
    {
        byte[] file = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];

        var act = () => StateDictReader.Read(file, "junk.bin");

        act.Should().Throw<ModelFormatException>().WithMessage("Weights file 'junk.bin': the entry count is not a valid LEB128 number*");
    }
}
