namespace OneShot.Data;

/// <summary>The scale of pixel values before the mean is subtracted.</summary>
public enum PixelRange
{
    /// <summary>Values in [0, 1] (torchvision, CLIP).</summary>
    ZeroToOne = 0,

    /// <summary>Values in [0, 255] (Caffe and CNTK models).</summary>
    ZeroTo255 = 1,
}
