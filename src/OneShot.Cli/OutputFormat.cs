namespace OneShot.Cli;

/// <summary>How a command prints its results.</summary>
internal enum OutputFormat
{
    /// <summary>An aligned, readable table.</summary>
    Table,

    /// <summary>JSON for scripts.</summary>
    Json,

    /// <summary>CSV with a header row.</summary>
    Csv,
}
