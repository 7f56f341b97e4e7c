using Spectre.Console;

namespace OneShot.Cli;

/// <summary>A progress bar with ETA on standard error (Spectre.Console); silent when standard error is redirected.</summary>
internal static class ConsoleProgress
{
    /// <summary>Runs <paramref name="body"/>, which reports how many of <paramref name="total"/> units are done.</summary>
    public static T Run<T>(string description, int total, Func<Action<int>, T> body)
    {
        if (Console.IsErrorRedirected || total <= 1)
        {
            return body(_ => { });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(description, maxValue: total);
                return body(done => task.Value = done);
            });
    }
}
