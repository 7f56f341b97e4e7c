using ScottPlot;

namespace OneShot.Benchmarks;

/// <summary>Draws search time against N on log-log axes, one line per vector length, with a linear-growth guide.</summary>
internal static class ScalingPlot
{
    public static void Save(int[] counts, IReadOnlyDictionary<int, double[]> secondsByDimension, int queries, string path)
    {
        var plot = new Plot();
        double[] x = [.. counts.Select(n => Math.Log10(n))];
        Color[] colors = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen];
        int i = 0;
        foreach (var (d, seconds) in secondsByDimension)
        {
            var line = plot.Add.Scatter(x, [.. seconds.Select(s => Math.Log10(s * 1e3))]);
            line.LegendText = $"d = {d}";
            line.Color = colors[i++ % colors.Length];
            line.LineWidth = 2;
            line.MarkerSize = 8;

            // Linear growth through the largest point: slope 1 on log-log axes.
            double anchorX = x[^1], anchorY = Math.Log10(seconds[^1] * 1e3);
            var guide = plot.Add.Line(x[0], anchorY - (anchorX - x[0]), anchorX, anchorY);
            guide.Color = line.Color.WithAlpha(0.4);
            guide.LinePattern = LinePattern.Dashed;
            guide.LegendText = $"linear in N (d = {d})";
        }

        static string Power(double v) => Math.Abs(v - Math.Round(v)) < 1e-9 ? FormatPower(Math.Pow(10, Math.Round(v))) : string.Empty;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = Power, MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator() };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = Power, MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator() };
        plot.Title($"Gallery search: {queries} queries, top-5, Euclidean (log-log)");
        plot.XLabel("enrolled vectors N");
        plot.YLabel("search time (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 600);
    }

    private static string FormatPower(double v) => v switch
    {
        >= 1e6 => $"{v / 1e6:G3}M",
        >= 1e3 => $"{v / 1e3:G3}k",
        >= 1 => $"{v:G3}",
        _ => $"{v:G3}",
    };
}
