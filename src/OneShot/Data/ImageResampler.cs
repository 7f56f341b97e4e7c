using System.Runtime.CompilerServices;
namespace OneShot.Data;

/// <summary>
/// Antialiased resizing of planar float images: a separable triangle (bilinear) filter whose support widens with the
/// downscaling factor, as PIL's and torchvision's antialiased bilinear resize do. Each output pixel averages every source
/// pixel it covers, so a 1-pixel checkerboard shrinks to grey instead of aliasing to black or white.
/// </summary>
internal static class ImageResampler
{
    /// <summary>
    /// Resizes <paramref name="source"/> (<paramref name="channels"/> planes of <paramref name="sourceWidth"/> x
    /// <paramref name="sourceHeight"/>) to <paramref name="width"/> x <paramref name="height"/>; values are clamped to [0, 1].
    /// Returns <paramref name="source"/> itself when the size already matches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] Resize(float[] source, int channels, int sourceWidth, int sourceHeight, int width, int height)
    {
        if (sourceWidth == width && sourceHeight == height)
        {
            return source;
        }

        Filter horizontal = Filter.Create(sourceWidth, width);
        Filter vertical = Filter.Create(sourceHeight, height);
        float[] rows = new float[channels * sourceHeight * width];
        float[] result = new float[channels * height * width];
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> sourcePlane = source.AsSpan(c * sourceWidth * sourceHeight, sourceWidth * sourceHeight);
            Span<float> rowsPlane = rows.AsSpan(c * sourceHeight * width, sourceHeight * width);
            for (int y = 0; y < sourceHeight; y++)
            {
                ReadOnlySpan<float> sourceRow = sourcePlane.Slice(y * sourceWidth, sourceWidth);
                Span<float> rowsRow = rowsPlane.Slice(y * width, width);
                for (int x = 0; x < rowsRow.Length; x++)
                {
                    ReadOnlySpan<float> weights = horizontal.WeightsOf(x);
                    ReadOnlySpan<float> inputs = sourceRow.Slice(horizontal.Start[x], weights.Length);
                    float sum = 0f;
                    for (int k = 0; k < weights.Length; k++)
                    {
                        sum += inputs[k] * weights[k];
                    }

                    rowsRow[x] = sum;
                }
            }

            Span<float> resultPlane = result.AsSpan(c * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<float> weights = vertical.WeightsOf(y);
                Span<float> resultRow = resultPlane.Slice(y * width, width);
                for (int k = 0; k < weights.Length; k++)
                {
                    ReadOnlySpan<float> input = rowsPlane.Slice((vertical.Start[y] + k) * width, width);
                    float weight = weights[k];
                    for (int x = 0; x < resultRow.Length; x++)
                    {
                        resultRow[x] += input[x] * weight;
                    }
                }

                for (int x = 0; x < resultRow.Length; x++)
                {
                    resultRow[x] = Math.Clamp(resultRow[x], 0f, 1f);
                }
            }
        }

        return result;
    }

    /// <summary>Normalised triangle-filter weights for one axis: output i reads Count[i] inputs from Start[i].</summary>
    private sealed class Filter
    {
        private Filter(int outputs, int taps)
        {
            Taps = taps;
            Start = new int[outputs];
            Count = new int[outputs];
            Weights = new float[outputs * taps];
        }

        public int Taps { get; }

        public int[] Start { get; }

        public int[] Count { get; }

        public float[] Weights { get; }

        /// <summary>The weights of output <paramref name="i"/>, for inputs Start[i] onwards.</summary>
        public ReadOnlySpan<float> WeightsOf(int i) => Weights.AsSpan(i * Taps, Count[i]);

        public static Filter Create(int inputs, int outputs)
        {
            double scale = (double)inputs / outputs;
            double filterScale = Math.Max(scale, 1.0);
            double support = filterScale; // the triangle filter has support 1, widened when shrinking
            int taps = (int)Math.Ceiling(support) * 2 + 1;
            var filter = new Filter(outputs, taps);
            double[] w = new double[taps];
            for (int i = 0; i < outputs; i++)
            {
                double center = (i + 0.5) * scale;
                int start = Math.Max(0, (int)Math.Floor(center - support));
                int end = Math.Min(inputs, (int)Math.Ceiling(center + support));
                int count = Math.Min(end - start, taps);
                double total = 0;
                for (int k = 0; k < count; k++)
                {
                    double distance = Math.Abs((start + k + 0.5 - center) / filterScale);
                    w[k] = Math.Max(0.0, 1.0 - distance);
                    total += w[k];
                }

                if (total <= 0)
                {
                    // Cannot happen for a positive size, but never divide by zero: fall back to the nearest pixel.
                    start = Math.Clamp((int)center, 0, inputs - 1);
                    count = 1;
                    w[0] = total = 1.0;
                }

                filter.Start[i] = start;
                filter.Count[i] = count;
                for (int k = 0; k < count; k++)
                {
                    filter.Weights[(i * taps) + k] = (float)(w[k] / total);
                }
            }

            return filter;
        }
    }
}
