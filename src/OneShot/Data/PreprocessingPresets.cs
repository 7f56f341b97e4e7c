namespace OneShot.Data;

/// <summary>The input preprocessing of common pretrained image models.</summary>
public static class PreprocessingPresets
{
    /// <summary>
    /// torchvision's ImageNet models: RGB in [0, 1], shorter side resized to 256 and the centre 224x224 cut
    /// (crop fraction 0.875), mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225].
    /// </summary>
    public static ImagePreprocessing ImageNet { get; } = new()
    {
        Color = ColorMode.Rgb,
        Width = 224,
        Height = 224,
        Resize = ResizeMode.CenterCrop,
        CropFraction = 0.875f,
        Mean = [0.485f, 0.456f, 0.406f],
        Std = [0.229f, 0.224f, 0.225f],
    };

    /// <summary>
    /// OpenAI CLIP's image encoders: RGB in [0, 1], shorter side resized to 224 and the centre 224x224 cut, mean
    /// [0.48145466, 0.4578275, 0.40821073], std [0.26862954, 0.26130258, 0.27577711]. (CLIP resizes bicubically;
    /// OneShot's resize is antialiased bilinear, so inputs differ slightly from CLIP's own.)
    /// </summary>
    public static ImagePreprocessing Clip { get; } = new()
    {
        Color = ColorMode.Rgb,
        Width = 224,
        Height = 224,
        Resize = ResizeMode.CenterCrop,
        Mean = [0.48145466f, 0.4578275f, 0.40821073f],
        Std = [0.26862954f, 0.26130258f, 0.27577711f],
    };

    /// <summary>
    /// The CNTK ImageNet ResNet-18 of ML.NET's <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package (what its
    /// <c>ResNetPreprocess.onnx</c> does): 224x224 (resize and centre crop, as ML.NET's <c>ResizeImages</c>), BGR
    /// planes in [0, 255], minus the 3x224x224 mean image. Without <paramref name="meanImage"/> the per-channel
    /// means of that image are subtracted instead (B 103.06, G 115.90, R 123.15).
    /// </summary>
    /// <param name="meanImage">The mean image read from <c>ResNetPreprocess.onnx</c> (<see cref="Serialization.Onnx.OnnxPreprocessing.ReadMeanImage"/>), or null.</param>
    public static ImagePreprocessing CntkResNet18(MeanImage? meanImage = null) => new()
    {
        Color = ColorMode.Rgb,
        Width = 224,
        Height = 224,
        Resize = ResizeMode.CenterCrop,
        ChannelOrder = ChannelOrder.Bgr,
        Range = PixelRange.ZeroTo255,
        MeanImage = meanImage,
        Mean = meanImage is null ? [103.06f, 115.90f, 123.15f] : [0f],
    };
}
