using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneShot.Cli;

/// <summary>Rows of named values printed as an aligned table, CSV, or a JSON array of objects.</summary>
internal sealed class ResultTable(params string[] columns)
{
    private readonly List<object?[]> _rows = [];

    public IReadOnlyList<string> Columns { get; } = columns;

    /// <summary>Adds a row: one value per column (string, number, bool, null, or a <see cref="JsonNode"/> for JSON-only detail).</summary>
    public void Add(params object?[] values)
    {
        if (values.Length != Columns.Count)
        {
            throw new InvalidOperationException($"A row needs {Columns.Count} values; got {values.Length}.");
        }

        _rows.Add(values);
    }

    /// <summary>Writes the rows in <paramref name="format"/> to <paramref name="output"/>.</summary>
    public void Write(TextWriter output, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Json:
                var array = new JsonArray();
                foreach (var row in _rows)
                {
                    var o = new JsonObject();
                    for (int i = 0; i < Columns.Count; i++)
                    {
                        o[Columns[i]] = ToNode(row[i]);
                    }

                    array.Add(o);
                }

                output.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                break;
            case OutputFormat.Csv:
                output.WriteLine(string.Join(',', Columns.Select(Csv)));
                foreach (var row in _rows)
                {
                    output.WriteLine(string.Join(',', row.Select(v => Csv(Text(v)))));
                }

                break;
            default:
                var texts = _rows.Select(r => r.Select(Text).ToArray()).ToList();
                int[] widths = [.. Columns.Select((c, i) => Math.Max(c.Length, texts.Count == 0 ? 0 : texts.Max(t => t[i].Length)))];
                output.WriteLine(string.Join("  ", Columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
                for (int r = 0; r < texts.Count; r++)
                {
                    var row = _rows[r];
                    output.WriteLine(string.Join("  ", texts[r].Select((v, i) => IsNumber(row[i]) ? v.PadLeft(widths[i]) : v.PadRight(widths[i]))).TrimEnd());
                }

                break;
        }
    }

    private static bool IsNumber(object? value) => value is int or long or double or float;

    private static string Text(object? value) => value switch
    {
        null => "",
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        float f => f.ToString("0.####", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        JsonNode node => node.ToJsonString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        float f => float.IsFinite(f) ? JsonValue.Create(f) : null,
        bool b => JsonValue.Create(b),
        _ => JsonValue.Create(Text(value)),
    };

    private static string Csv(string text)
    {
        if (text.IndexOfAny([',', '"', '\n', '\r']) < 0)
        {
            return text;
        }

        var builder = new StringBuilder("\"");
        builder.Append(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        return builder.Append('"').ToString();
    }
}
