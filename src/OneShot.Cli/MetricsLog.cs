using System.Globalization;
using OneShot.Training;

namespace OneShot.Cli;

/// <summary>
/// The per-episode training metrics, kept as <c>metrics.csv</c> in the checkpoint folder while training (so a resumed run
/// continues the same curves) and copied beside the model with a PNG plot at the end.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.csv";
    public const string PlotFileName = "metrics.png";
    private const string Header = "episode,loss,accuracy,learning_rate,validation_loss,validation_accuracy";
    private readonly string _path;
    private readonly List<MetricsRow> _rows = [];
    private StreamWriter? _writer;

    public MetricsLog(string folder, bool resume)
    {
        Directory.CreateDirectory(folder);
        _path = Path.Combine(folder, FileName);
        if (resume && File.Exists(_path))
        {
            _rows.AddRange(Read(_path));
        }
    }

    public IReadOnlyList<MetricsRow> Rows => _rows;

    /// <summary>Records one episode; rows at or after a resumed episode replace the earlier run's.</summary>
    public void Add(TrainingProgress p)
    {
        if (_writer is null)
        {
            // The first report of this run: drop rows the checkpoint does not cover, rewrite the file, then append.
            _rows.RemoveAll(r => r.Episode >= p.Episode);
            _writer = new StreamWriter(_path, append: false) { AutoFlush = false };
            _writer.WriteLine(Header);
            foreach (var row in _rows)
            {
                _writer.WriteLine(row.ToCsv());
            }
        }

        var added = new MetricsRow(p.Episode, p.Loss, p.Accuracy, p.LearningRate, p.ValidationLoss, p.ValidationAccuracy);
        _rows.Add(added);
        _writer.WriteLine(added.ToCsv());
        if (p.Episode % 50 == 0 || p.ValidationLoss is not null)
        {
            _writer.Flush();
        }
    }

    /// <summary>Writes <c>metrics.csv</c> and <c>metrics.png</c> into <paramref name="modelDir"/>.</summary>
    public void Publish(string modelDir, string title)
    {
        _writer?.Flush();
        Directory.CreateDirectory(modelDir);
        string csv = Path.Combine(modelDir, FileName);
        string temp = csv + ".tmp";
        File.WriteAllLines(temp, [Header, .. _rows.Select(r => r.ToCsv())]);
        File.Move(temp, csv, overwrite: true);
        if (_rows.Count > 0)
        {
            MetricsPlot.Save(_rows, title, Path.Combine(modelDir, PlotFileName));
        }
    }

    public void Dispose() => _writer?.Dispose();

    internal static List<MetricsRow> Read(string path)
    {
        var rows = new List<MetricsRow>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length == 6 && int.TryParse(f[0], CultureInfo.InvariantCulture, out int episode))
            {
                rows.Add(new MetricsRow(episode, D(f[1]), D(f[2]), D(f[3]), f[4].Length == 0 ? null : D(f[4]), f[5].Length == 0 ? null : D(f[5])));
            }
        }

        return rows;
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}

/// <summary>One episode of training metrics.</summary>
internal sealed record MetricsRow(int Episode, double Loss, double Accuracy, double LearningRate, double? ValidationLoss, double? ValidationAccuracy)
{
    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Episode},{Loss:R},{Accuracy:R},{LearningRate:R},{ValidationLoss?.ToString("R", CultureInfo.InvariantCulture)},{ValidationAccuracy?.ToString("R", CultureInfo.InvariantCulture)}");
}
