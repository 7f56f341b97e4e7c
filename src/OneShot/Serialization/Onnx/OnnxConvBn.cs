using Onnx;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// One convolution of the backbone and the ONNX nodes it was matched to: a <c>Conv</c> and the
/// <c>BatchNormalization</c> that follows it (null when the export folded batch norm into the convolution's bias).
/// </summary>
internal sealed record OnnxConvBn(string ConvModule, string BnModule, NodeProto Conv, NodeProto? Bn)
{
    /// <summary>A line for the import report: <c>layer1.0.conv1 + layer1.0.bn1 &lt;- Conv 'A' + BatchNormalization 'B'</c>.</summary>
    public override string ToString() =>
        $"{ConvModule} + {BnModule} <- {OnnxGraph.Describe(Conv)}{(Bn is null ? " (batch norm folded into its bias)" : " + " + OnnxGraph.Describe(Bn))}";
}
