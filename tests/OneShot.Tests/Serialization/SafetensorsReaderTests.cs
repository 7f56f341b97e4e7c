using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

public sealed class SafetensorsReaderTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-safetensors");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ReadTensor_F32F16AndBF16_GiveTheRoundedValues()
    {
        // 1.5 and -2.25 are exact in every format. 0.333: F16 0x3554 = (1 + 340/1024) / 4 = 0.3330078125;
        // float32 0x3EAA7EFA rounds down to BF16 0x3EAA = (1 + 42/128) / 4 = 0.33203125.
        string path = Write(new SafetensorsTestFile()
            .AddF32("f32", [3], 1.5f, -2.25f, 0.333f)
            .AddBits16("f16", "F16", [1, 3], 0x3E00, 0xC080, 0x3554)
            .AddBits16("bf16", "BF16", [3, 1], 0x3FC0, 0xC010, 0x3EAA));

        using var reader = SafetensorsReader.Open(path);
        using var f32 = reader.ReadTensor("f32");
        using var f16 = reader.ReadTensor("f16");
        using var bf16 = reader.ReadTensor("bf16");

        f32.dtype.Should().Be(ScalarType.Float32);
        f32.shape.Should().Equal(3);
        Floats(f32).Should().Equal(1.5f, -2.25f, 0.333f);
        f16.dtype.Should().Be(ScalarType.Float16);
        f16.shape.Should().Equal(1, 3);
        Floats(f16).Should().Equal(1.5f, -2.25f, 0.3330078125f);
        bf16.dtype.Should().Be(ScalarType.BFloat16);
        bf16.shape.Should().Equal(3, 1);
        Floats(bf16).Should().Equal(1.5f, -2.25f, 0.33203125f);
    }

    [Fact]
    public void Open_HeaderWithMetadata_ExposesMetadataAndTensorInfos()
    {
        string path = Write(new SafetensorsTestFile { Metadata = new() { ["format"] = "pt", ["source"] = "unit test" } }
            .AddF32("a", [2], 1f, 2f)
            .Add("count", "I64", [], BitConverter.GetBytes(7L))
            .Add("empty", "F64", [0, 3], [])
            .Add("mask", "U8", [2], [0, 255]));

        using var reader = SafetensorsReader.Open(path);

        reader.FilePath.Should().Be(path);
        reader.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["format"] = "pt", ["source"] = "unit test" });
        reader.Tensors.Select(t => (t.Name, t.DataType, t.ElementType, string.Join(',', t.Shape), t.Begin, t.End)).Should().Equal(
            ("a", "F32", ScalarType.Float32, "2", 0L, 8L),
            ("count", "I64", ScalarType.Int64, string.Empty, 8L, 16L),
            ("empty", "F64", ScalarType.Float64, "0,3", 16L, 16L),
            ("mask", "U8", ScalarType.Byte, "2", 16L, 18L));
        using var count = reader.ReadTensor("count");
        count.dim().Should().Be(0);
        count.item<long>().Should().Be(7);
        using var empty = reader.ReadTensor("empty");
        empty.shape.Should().Equal(0, 3);
        using var mask = reader.ReadTensor("mask");
        mask.data<byte>().ToArray().Should().Equal(0, 255);
        reader.Contains("a").Should().BeTrue();
        reader.Invoking(r => r.ReadTensor("b")).Should().Throw<KeyNotFoundException>().WithMessage($"Safetensors file '{path}' has no tensor named 'b'; it holds 4 tensors.");
    }

    [Fact]
    public void Open_FileShorterThanEightBytes_Throws()
    {
        string path = WriteBytes([1, 0, 0, 0, 0]);

        Error(path).Should().Be($"Safetensors file '{path}' is 5 bytes long; expected at least 8 bytes holding the header length.");
    }

    [Fact]
    public void Open_TruncatedHeader_ThrowsHeaderPastEnd()
    {
        byte[] whole = new SafetensorsTestFile().AddF32("a", [1], 1f).ToBytes();
        int headerLength = BitConverter.ToInt32(whole, 0);
        string path = WriteBytes(whole[..(8 + (headerLength / 2))]);

        Error(path).Should().Be($"Safetensors file '{path}' declares a header of {headerLength} bytes but only {headerLength / 2} bytes follow the length field: the file is truncated or not a safetensors file.");
    }

    [Fact]
    public void Open_AbsurdHeaderLength_ThrowsNamingTheLimit()
    {
        byte[] file = new byte[16];
        BitConverter.GetBytes(1L << 40).CopyTo(file, 0);
        string path = WriteBytes(file);

        Error(path).Should().Be($"Safetensors file '{path}' declares a header of 1099511627776 bytes; expected at most 100000000. The file is damaged or not a safetensors file.");
    }

    [Theory]
    [InlineData("[1, 2]", 0, "the header does not start with '{' (found byte 0x5B); expected a JSON object.")]
    [InlineData("{\"a\": ", 0, "the header is not valid JSON: *")]
    [InlineData("{\"a\": 3}", 0, "entry 'a' is a JSON Number; expected an object with \"dtype\", \"shape\" and \"data_offsets\".")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "entry 'a' has no \"data_offsets\"; expected an object with \"dtype\", \"shape\" and \"data_offsets\".")]
    [InlineData("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "entry 'a' has no \"dtype\"; *")]
    [InlineData("{\"a\": {\"dtype\": \"F8_E4M3\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 4, "entry 'a' has the unknown or unsupported dtype 'F8_E4M3'; expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1, -2], \"data_offsets\": [0, 4]}}", 4, "entry 'a' has the \"shape\" [1, -2]; expected an array of non-negative integers.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4, "entry 'a' has the \"data_offsets\" [0]; expected [begin, end], two non-negative integers.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4, "entry 'a' has data_offsets [0, 8] but the data section holds only 4 bytes: the offsets are out of range.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 0]}}", 4, "entry 'a' has data_offsets [4, 0]: the begin is past the end.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4, "entry 'a' of dtype F32 and shape [2] needs 8 bytes, but its data_offsets [0, 4] span 4.")]
    [InlineData("{\"a\": {\"dtype\": \"BF16\", \"shape\": [2, 3], \"data_offsets\": [0, 6]}}", 6, "entry 'a' of dtype BF16 and shape [2, 3] needs 12 bytes, but its data_offsets [0, 6] span 6.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "entry 'b' begins at byte 0 but 'a' ends at byte 4: their data overlaps.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, "bytes 0 to 4 of the data section belong to no tensor (before entry 'a'); the format forbids holes.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8, "the data section holds 8 bytes but the tensors cover only the first 4; the format forbids unindexed bytes.")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "the header holds the key 'a' twice; the format forbids duplicate keys.")]
    [InlineData("{\"__metadata__\": {\"epochs\": 3}}", 0, "\"__metadata__\" maps 'epochs' to a JSON Number; expected a string (the format's metadata is a string-to-string map).")]
    public void Open_InvalidHeader_ThrowsNamingTheProblem(string header, int dataLength, string problem)
    {
        string path = WriteBytes(SafetensorsTestFile.Raw(header, new byte[dataLength]));

        var act = () => SafetensorsReader.Open(path);

        act.Should().Throw<SafetensorsFormatException>()
            .Where(e => e.FilePath == path)
            .WithMessage($"Safetensors file '{path}': {problem}");
    }

    [Fact]
    public void Open_HeaderNotUtf8_ThrowsNotValidUtf8()
    {
        byte[] header = [.. "{\"a"u8, 0xFF, .. "\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"u8];
        string path = WriteBytes(SafetensorsTestFile.Raw(header, new byte[4]));

        var act = () => SafetensorsReader.Open(path);

        act.Should().Throw<SafetensorsFormatException>().WithMessage($"Safetensors file '{path}': the header is not valid UTF-8: *");
    }

    [Fact]
    public void Open_HeaderPaddedWithSpaces_IsAccepted()
    {
        string path = WriteBytes(SafetensorsTestFile.Raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}    ", BitConverter.GetBytes(2.5f)));

        using var reader = SafetensorsReader.Open(path);
        using var a = reader.ReadTensor("a");

        a.item<float>().Should().Be(2.5f);
    }

    [Fact]
    public void Open_MissingFile_ThrowsModelFormatNamingIt()
    {
        string path = Path.Combine(_root, "absent.safetensors");

        var act = () => SafetensorsReader.Open(path);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == path)
            .WithMessage($"The safetensors weights file '{path}' was not found.");
    }

    private static float[] Floats(Tensor tensor)
    {
        using var f = tensor.to(ScalarType.Float32);
        return f.data<float>().ToArray();
    }

    private static string Error(string path)
    {
        var act = () => SafetensorsReader.Open(path);
        return act.Should().Throw<SafetensorsFormatException>().Where(e => e.FilePath == path).Which.Message;
    }

    private string Write(SafetensorsTestFile file) => WriteBytes(file.ToBytes());

    private string WriteBytes(byte[] bytes)
    {
        string path = Path.Combine(_root, $"{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
