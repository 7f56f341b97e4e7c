namespace OneShot.Cli;

/// <summary>The exit codes of the oneshot command.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Usage error: bad or missing arguments.</summary>
    public const int Usage = 1;

    /// <summary>Data error: a bad image, dataset, model or gallery file.</summary>
    public const int Data = 2;

    /// <summary>A check found wrong results (<c>check-kernels</c>).</summary>
    public const int CheckFailed = 3;

    /// <summary>Runs <paramref name="body"/>, mapping OneShot's typed errors to exit codes and one-line messages.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return Usage;
        }
        catch (Exception ex) when (ex is OneShotException or IOException or InvalidDataException or UnauthorizedAccessException or HttpRequestException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return Data;
        }
    }
}
