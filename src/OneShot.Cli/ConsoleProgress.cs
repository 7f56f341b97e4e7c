using Spectre.Console;

namespace OneShot.Cli;

/// <summary>
/// A progress bar with ETA on standard error (Spectre.Console), for an interactive terminal only: when standard error
/// is redirected (scripts, CI, tests) it draws nothing and <see cref="IsInteractive"/> is false.
/// </summary>
internal static class ConsoleProgress
{
    /// <summary>Whether a bar is drawn: standard error is a terminal.</summary>
    public static bool IsInteractive => !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="body"/>, which reports how many of <paramref name="total"/> units are done.</summary>
    public static T Run<T>(string description, int total, Func<Action<int>, T> body) =>
        Run(description, total, (Action<int, string?> report) => body(done => report(done, null)));

    /// <summary>Runs <paramref name="body"/>, which reports units done and, optionally, a status shown after the description.</summary>
    public static T Run<T>(string description, int total, Func<Action<int, string?>, T> body)
    {
        if (!IsInteractive || total <= 1)
        {
            return body((_, _) => { });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: total);
                return body((done, status) =>
                {
                    task.Value = done;
                    if (status is not null)
                    {
                        task.Description = Markup.Escape($"{description} {status}");
                    }
                });
            });
    }
}
