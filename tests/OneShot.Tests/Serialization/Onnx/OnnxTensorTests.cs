using Google.Protobuf;
using Onnx;
using OneShot.Serialization.Onnx;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>
/// Reading ONNX weight tensors from untrusted files: the four storages (float/double, raw/repeated) give the same
/// values, and a shape that disagrees with the data, overflows or is negative is an <see cref="OnnxImportException"/>
/// naming the tensor, never an allocation of the claimed size or an untyped error (found by the onnx-tensor fuzz target).
/// </summary>
public sealed class OnnxTensorTests
{
    private static readonly float[] Values = [1.5f, -2f, 0.25f, 3f, 1e-3f, -7f];

    public static TheoryData<string> Storages => new() { "float-raw", "float-data", "double-raw", "double-data" };

    [Theory]
    [MemberData(nameof(Storages))]
    public void From_EachStorage_GivesTheSameShapeAndValues(string storage)
    {
        var tensor = OnnxTensor.From(Proto(storage, Values, 2, 3), "m.onnx");

        tensor.Shape.Should().Equal(2, 3);
        tensor.Values.Should().Equal(Values);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void From_ShapeClaimsMoreValuesThanStored_ThrowsNamingTheTensor(string storage)
    {
        var proto = Proto(storage, Values, 2, 4);

        var act = () => OnnxTensor.From(proto, "m.onnx");

        act.Should().Throw<OnnxImportException>().Where(e => e.Message.Contains("'w'") && e.Message.Contains("[2,4]") && e.FilePath == "m.onnx");
    }

    [Theory]
    [InlineData(new long[] { -2, -3 })]
    [InlineData(new long[] { 4611686018427387904, 4 })] // the product wraps to 0 in 64 bits
    [InlineData(new long[] { 1L << 40 })]
    public void From_NegativeOrOversizedShape_ThrowsBeforeAllocating(long[] dims)
    {
        var proto = Proto("double-raw", Values, dims);

        var act = () => OnnxTensor.From(proto, "m.onnx");

        act.Should().Throw<OnnxImportException>().WithMessage("*tensor 'w' has the shape*expected non-negative dimensions*");
    }

    private static TensorProto Proto(string storage, float[] values, params long[] dims)
    {
        var proto = new TensorProto { Name = "w", DataType = storage.StartsWith("float", StringComparison.Ordinal) ? 1 : 11 };
        proto.Dims.AddRange(dims);
        switch (storage)
        {
            case "float-raw":
                proto.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
                break;
            case "float-data":
                proto.FloatData.AddRange(values);
                break;
            case "double-raw":
                proto.RawData = ByteString.CopyFrom(values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray());
                break;
            default:
                proto.DoubleData.AddRange(values.Select(v => (double)v));
                break;
        }

        return proto;
    }
}
