namespace OneShot.Data;

/// <summary>How decoded pixels are turned into channels.</summary>
public enum ColorMode
{
    /// <summary>One channel: luminance (ITU-R BT.601 weights), alpha composited over white.</summary>
    Grayscale = 0,

    /// <summary>Three channels in R, G, B order, alpha composited over white.</summary>
    Rgb = 1,
}
