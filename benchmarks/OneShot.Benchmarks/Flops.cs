namespace OneShot.Benchmarks;

/// <summary>Multiply-add counts (2 FLOP each) of the convolutions in the backbones; pooling and activations are not counted.</summary>
internal static class Flops
{
    /// <summary>FLOP per image of a Conv4 with the given widths on <paramref name="channels"/> x <paramref name="size"/>².</summary>
    public static double Conv4(int channels, int size, int[] widths)
    {
        double total = 0;
        int cin = channels, s = size;
        foreach (int w in widths)
        {
            total += 2.0 * cin * w * 9 * s * s;
            cin = w;
            s /= 2;
        }

        return total;
    }

    /// <summary>FLOP per image of a ResNet-12 with the given widths on <paramref name="channels"/> x <paramref name="size"/>².</summary>
    public static double ResNet12(int channels, int size, int[] widths)
    {
        double total = 0;
        int cin = channels, s = size;
        foreach (int w in widths)
        {
            double hw = (double)s * s;
            total += 2.0 * hw * ((cin * w * 9) + (2.0 * w * w * 9) + (cin * w));
            cin = w;
            s /= 2;
        }

        return total;
    }
}
