using TorchSharp;
using static TorchSharp.torch;
_ = typeof(OneShot.Embeddings.Embedder).Assembly;
int threads = int.Parse(args[0]);
int reps = int.Parse(args[1]);
bool keep = Environment.GetEnvironmentVariable("KEEP") == "1";
bool dirty = Environment.GetEnvironmentVariable("DIRTY") == "1";
bool nhwc = Environment.GetEnvironmentVariable("NHWC") == "1";
if (keep) Console.WriteLine($"keep freed memory: {OneShot.NativeAllocator.KeepFreedMemory()}");
set_num_threads(threads);
Console.WriteLine($"ISA={Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA")} threads={threads}");
int[] chans = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : new[] { 1, 3, 8, 16, 17, 20, 24, 32, 40, 48, 64, 96, 128, 160, 256, 320 };
int[] sizes = { 28, 14, 7, 3 };
int bad = 0, total = 0;
var worst = new List<string>();
foreach (int k in new[] { 3, 1 })
foreach (int cin in chans)
foreach (int cout in chans)
{
    if (cout < 8) continue;
    foreach (int hw in sizes)
    {
        double fw = 0, bw = 0, ww = 0;
        for (int r = 0; r < reps; r++)
        {
            using var scope = NewDisposeScope();
            if (dirty) { for (int d = 0; d < 8; d++) { using var junk = full([1 << (12 + d)], float.NaN); } }
            var g = new Generator((ulong)(42 + r));
            var x = randn([16, cin, hw, hw], generator: g).requires_grad_(true);
            var xd = x.detach().to(float64).requires_grad_(true);
            var w0 = randn([cout, cin, k, k], generator: g) / Math.Sqrt(cin * k * k);
            var w = w0.clone().requires_grad_(true);
            var wd = w0.to(float64).requires_grad_(true);
            var xin = nhwc ? x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : x;
            var win = nhwc ? w.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : w;
            var y = nn.functional.conv2d(xin, win, padding: [k / 2, k / 2]);
            var yd = nn.functional.conv2d(xd, wd, padding: [k / 2, k / 2]);
            var go = randn(yd.shape, dtype: float64, generator: g);
            y.backward([go.to(float32)]);
            yd.backward([go]);
            double Rel(Tensor a, Tensor b) => (a.to(float64) - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
            fw = Math.Max(fw, Rel(y, yd)); bw = Math.Max(bw, Rel(x.grad!, xd.grad!)); ww = Math.Max(ww, Rel(w.grad!, wd.grad!));
            if (double.IsNaN(fw) || double.IsNaN(bw) || double.IsNaN(ww)) { fw = bw = ww = double.PositiveInfinity; }
        }
        total++;
        if (fw > 1e-4 || bw > 1e-4 || ww > 1e-4)
        {
            bad++;
            Console.WriteLine($"BAD k{k} {cin}->{cout} {hw}x{hw}: fwd {fw:E1} dx {bw:E1} dw {ww:E1}");
        }
    }
}
Console.WriteLine($"{bad} of {total} shapes wrong");
