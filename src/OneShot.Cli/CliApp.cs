using System.CommandLine;

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
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(TrainSiameseCommand.Create());
        root.Subcommands.Add(EnrollCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(GalleryCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ExportOnnxCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 success, 1 usage error, 2 data error).</summary>
    public static int Run(string[] args)
    {
        var result = Build().Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine("Run 'oneshot --help' for usage.");
            return ExitCodes.Usage;
        }

        return result.Invoke();
    }
}
