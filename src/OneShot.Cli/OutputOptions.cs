using System.CommandLine;

namespace OneShot.Cli;

/// <summary>The <c>--json</c> and <c>--csv</c> switches shared by the commands that print results.</summary>
internal sealed class OutputOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of a table." };

    public Option<bool> Csv { get; } = new("--csv") { Description = "Print CSV (with a header row) instead of a table." };

    public void AddTo(Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Csv);
    }

    /// <summary>The format asked for; both switches at once is a usage error.</summary>
    public OutputFormat Resolve(ParseResult result) => (result.GetValue(Json), result.GetValue(Csv)) switch
    {
        (true, true) => throw new ArgumentException("Give at most one of --json and --csv."),
        (true, false) => OutputFormat.Json,
        (false, true) => OutputFormat.Csv,
        _ => OutputFormat.Table,
    };
}
