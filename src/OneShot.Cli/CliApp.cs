using System.CommandLine;
using System.CommandLine.Parsing;

namespace OneShot.Cli;

/// <summary>The <c>oneshot</c> command line: its commands and the entry point the program and the tests call.</summary>
public static class CliApp
{
    /// <summary>Builds the root command with every sub-command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("oneshot: train, evaluate and use one-shot image classifiers (OneShot on TorchSharp).");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(TrainSiameseCommand.Create());
        root.Subcommands.Add(EnrollCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(GalleryCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ImportOnnxCommand.Create());
        root.Subcommands.Add(ExportOnnxCommand.Create());
        root.Subcommands.Add(TrainProjectionCommand.Create());
        root.Subcommands.Add(CheckKernelsCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 success, 1 usage error, 2 data error).</summary>
    public static int Run(string[] args)
    {
        var result = Build().Parse(args);
        var messages = UsageErrors(result);
        if (messages.Count > 0)
        {
            foreach (string message in messages)
            {
                Console.Error.WriteLine($"error: {message}");
            }

            Console.Error.WriteLine($"Run 'oneshot {result.CommandResult.Command.Name} --help' for usage.".Replace("oneshot oneshot", "oneshot", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        return result.Invoke();
    }

    /// <summary>
    /// The parse errors as one-line messages, each once: an unknown option is named as such (not taken for a file),
    /// and a value that does not parse says which kind of value was expected.
    /// </summary>
    internal static IReadOnlyList<string> UsageErrors(ParseResult result)
    {
        var messages = new List<string>();
        string command = result.CommandResult.Command.Name;
        var known = result.CommandResult.Command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        bool afterDoubleDash = false;
        foreach (var token in result.Tokens)
        {
            afterDoubleDash |= token.Value == "--" && token.Type == TokenType.DoubleDash;
            if (!afterDoubleDash && token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
                && !double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
                && !known.Contains(token.Value.Split('=')[0]))
            {
                messages.Add($"unknown option '{token.Value}' for '{command}'.");
            }
        }

        foreach (var error in result.Errors)
        {
            messages.Add(Friendly(error.Message));
        }

        return messages.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Friendly(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$");
        if (!match.Success)
        {
            return message;
        }

        string type = match.Groups["type"].Value;
        string expected = type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number (for example 0.5)"
            : type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}.";
    }
}
