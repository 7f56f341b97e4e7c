namespace OneShot.Data;

/// <summary>The order of the three colour planes in the model input.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision, CLIP).</summary>
    Rgb = 0,

    /// <summary>Blue, green, red (Caffe and CNTK models, OpenCV).</summary>
    Bgr = 1,
}
