using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.Cli;

/// <summary>Decodes image files for an embedder, in parallel, optionally skipping the ones that cannot be read.</summary>
internal static class ImageBatches
{
    /// <summary>
    /// Decodes <paramref name="files"/>. A bad image throws its <see cref="ImageDecodeException"/> (naming the file), or, with
    /// <paramref name="skipBad"/>, is left out with a warning on standard error. Returns the pixels of the good files in order.
    /// </summary>
    public static List<(string File, float[] Pixels)> Decode(ImageLoader loader, IReadOnlyList<string> files, bool skipBad, Action<int> progress)
    {
        var pixels = new float[files.Count][];
        var errors = new ImageDecodeException?[files.Count];
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(4, Environment.ProcessorCount) }, i =>
        {
            try
            {
                pixels[i] = loader.LoadPixels(files[i]);
            }
            catch (ImageDecodeException e)
            {
                errors[i] = e;
            }

            progress(Interlocked.Increment(ref done));
        });

        var result = new List<(string, float[])>();
        for (int i = 0; i < files.Count; i++)
        {
            if (errors[i] is { } error)
            {
                if (!skipBad)
                {
                    throw error;
                }

                Console.Error.WriteLine($"warning: skipped {files[i]}: {error.Message}");
                continue;
            }

            result.Add((files[i], pixels[i]));
        }

        return result;
    }

    /// <summary>Stacks decoded pixels into one batch <c>[N,C,H,W]</c>.</summary>
    public static Tensor Stack(ImagePreprocessing p, IReadOnlyList<float[]> images)
    {
        int per = p.Channels * p.Height * p.Width;
        var flat = new float[images.Count * per];
        for (int i = 0; i < images.Count; i++)
        {
            images[i].CopyTo(flat, i * per);
        }

        return tensor(flat, [images.Count, p.Channels, p.Height, p.Width]);
    }
}
