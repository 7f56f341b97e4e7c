using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using OneShot.Testing;

namespace OneShot.Benchmarks;

/// <summary>
/// Peak memory of the <c>oneshot</c> CLI enrolling many images at the pixel limit (issue 12: "peak RSS of enrolling
/// 100 images at the limit stays under a documented bound"). Writes an N x N RGB PNG with N² = the limit (mostly
/// white, so 200-odd KB), copies it, runs <c>oneshot enroll</c> in a child process per case and reads the child's peak
/// resident set from <c>getrusage(RUSAGE_CHILDREN)</c>. Linux only.
/// </summary>
internal static class EnrollRss
{
    private const int RusageChildren = -1;

    public static int Run(int count, int side, long boundMegabytes, TextWriter output)
    {
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine("enroll-rss: Linux only (getrusage of children).");
            return 1;
        }

        string root = RepoRoot();
        string cli = Path.Combine(root, "src", "OneShot.Cli", "bin", "Release", "net10.0", "OneShot.Cli.dll");
        if (!File.Exists(cli))
        {
            output.WriteLine($"enroll-rss: build the CLI first (dotnet build -c Release src/OneShot.Cli); '{cli}' is missing.");
            return 1;
        }

        string model = Path.Combine(root, "models", "omniglot-conv4");
        string folder = Path.Combine(Path.GetTempPath(), "oneshot-enroll-rss-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "one"));
        Directory.CreateDirectory(Path.Combine(folder, "many"));
        try
        {
            string png = Path.Combine(folder, "one", "big.png");
            WritePng(png, side);
            for (int i = 0; i < count; i++)
            {
                File.Copy(png, Path.Combine(folder, "many", $"big{i:D3}.png"));
            }

            long pixels = (long)side * side;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"enroll-rss: {count} PNGs of {side} x {side} ({pixels} pixels, {new FileInfo(png).Length / 1024} KB each), oneshot enroll --max-pixels {pixels}, model {model}"));

            // getrusage(RUSAGE_CHILDREN) is the largest peak of any child so far, so the cases run from the smallest expected peak up.
            var cases = new (string Name, string Input, string[] Extra)[]
            {
                ("1 image", png, []),
                ($"{count} images, --max-batch-bytes 268435456", Path.Combine(folder, "many"), ["--max-batch-bytes", "268435456"]),
                ($"{count} images, default batch memory (1 GiB)", Path.Combine(folder, "many"), []),
            };
            long previous = 0;
            bool withinBound = true;
            foreach (var (name, input, extra) in cases)
            {
                string gallery = Path.Combine(folder, "g.gallery");
                File.Delete(gallery);
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string a in new[] { cli, "enroll", gallery, input, "--label", "x", "--model", model, "--max-pixels", pixels.ToString(CultureInfo.InvariantCulture) }.Concat(extra))
                {
                    start.ArgumentList.Add(a);
                }

                var clock = Stopwatch.StartNew();
                using var process = Process.Start(start)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                string stderr = process.StandardError.ReadToEnd();
                process.WaitForExit();
                _ = stdout.Result;
                if (process.ExitCode != 0)
                {
                    output.WriteLine($"  {name}: enroll failed with exit code {process.ExitCode}: {stderr.Trim()}");
                    return 1;
                }

                long peak = PeakChildKilobytes() * 1024;
                string note = peak <= previous ? " (not above the previous case: getrusage keeps the largest child)" : string.Empty;
                previous = Math.Max(previous, peak);
                bool ok = !name.StartsWith($"{count} images, default", StringComparison.Ordinal) || peak <= boundMegabytes << 20;
                withinBound &= ok;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-48} peak RSS {peak / (1024.0 * 1024):F0} MB, {clock.Elapsed.TotalSeconds:F1} s{note}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  bound (docs/RELIABILITY.md): {count} images at the limit with default batch memory <= {boundMegabytes} MB: {(withinBound ? "held" : "EXCEEDED")}"));
            return withinBound ? 0 : 2;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "OneShot.sln")))
            {
                return d.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>An N x N 8-bit RGB PNG, white with a 64 x 64 black square in the middle (compresses to a few hundred KB).</summary>
    private static void WritePng(string path, int side)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, side);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), side);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        Chunk(file, "IHDR", header);
        using var data = new MemoryStream();
        using (var z = new ZLibStream(data, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var white = new byte[1 + (3 * side)];
            Array.Fill(white, (byte)0xFF);
            white[0] = 0; // filter: none
            var dot = (byte[])white.Clone();
            Array.Fill(dot, (byte)0, 1 + (3 * (side / 2)), 3 * Math.Min(64, side - (side / 2)));
            for (int y = 0; y < side; y++)
            {
                z.Write(y >= side / 2 && y < (side / 2) + 64 ? dot : white);
            }
        }

        Chunk(file, "IDAT", data.ToArray());
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream stream, string type, byte[] payload) => stream.Write(PngChunk.Encode(type, payload));

    private static long PeakChildKilobytes()
    {
        var usage = new long[18];
        return GetRusage(RusageChildren, usage) == 0 ? usage[4] : 0; // two timevals (4 longs), then ru_maxrss in KB
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRusage(int who, [Out] long[] usage);
}
