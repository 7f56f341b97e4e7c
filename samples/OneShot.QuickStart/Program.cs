using OneShot;
using OneShot.QuickStart;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(QuickStartOptions.Usage);
    return 0;
}

QuickStartOptions options;
try
{
    options = QuickStartOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(QuickStartOptions.Usage);
    return 1;
}

try
{
    var result = QuickStartRunner.Run(options, Console.Out);
    return result.Accuracy > result.Chance ? 0 : 3;
}
catch (Exception ex) when (ex is OneShotException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
