using ScottPlot;

namespace OneShot.Cli;

/// <summary>Draws training curves: loss (left axis) and accuracy (right axis), per episode smoothed, validation as markers.</summary>
internal static class MetricsPlot
{
    public static void Save(IReadOnlyList<MetricsRow> rows, string title, string path)
    {
        var plot = new Plot();
        double[] episodes = [.. rows.Select(r => (double)r.Episode)];
        int window = Math.Max(1, rows.Count / 40);

        var rawLoss = plot.Add.ScatterLine(episodes, [.. rows.Select(r => r.Loss)]);
        rawLoss.Color = Colors.SteelBlue.WithAlpha(0.25);
        var loss = plot.Add.ScatterLine(episodes, Smooth([.. rows.Select(r => r.Loss)], window));
        loss.Color = Colors.SteelBlue;
        loss.LineWidth = 2;
        loss.LegendText = $"train loss (mean of {window})";

        var accuracy = plot.Add.ScatterLine(episodes, Smooth([.. rows.Select(r => r.Accuracy * 100)], window));
        accuracy.Color = Colors.DarkOrange;
        accuracy.LineWidth = 2;
        accuracy.LegendText = $"train accuracy % (mean of {window})";
        accuracy.Axes.YAxis = plot.Axes.Right;

        var validation = rows.Where(r => r.ValidationLoss is not null).ToList();
        if (validation.Count > 0)
        {
            double[] vx = [.. validation.Select(r => (double)r.Episode)];
            var vLoss = plot.Add.Scatter(vx, [.. validation.Select(r => r.ValidationLoss!.Value)]);
            vLoss.Color = Colors.Navy;
            vLoss.MarkerSize = 8;
            vLoss.LineWidth = 1;
            vLoss.LinePattern = LinePattern.Dashed;
            vLoss.LegendText = "validation loss";

            var vAcc = plot.Add.Scatter(vx, [.. validation.Select(r => r.ValidationAccuracy!.Value * 100)]);
            vAcc.Color = Colors.Crimson;
            vAcc.MarkerSize = 8;
            vAcc.LineWidth = 1;
            vAcc.LinePattern = LinePattern.Dashed;
            vAcc.LegendText = "validation accuracy % (5-way episodes)";
            vAcc.Axes.YAxis = plot.Axes.Right;
        }

        plot.Title(title);
        plot.XLabel("episode");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "accuracy (%)";
        plot.Axes.SetLimitsY(0, Math.Max(0.1, rows.Max(r => Math.Max(r.Loss, r.ValidationLoss ?? 0)) * 1.05), plot.Axes.Left);
        plot.Axes.SetLimitsY(0, 100, plot.Axes.Right);
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 1000, 560);
    }

    /// <summary>The trailing moving average over <paramref name="window"/> values.</summary>
    internal static double[] Smooth(double[] values, int window)
    {
        var result = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }
}
