using Microsoft.Extensions.Logging;

namespace OneShot.PostgreSql;

/// <summary>The store's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "PostgreSQL gallery '{Schema}' opened at schema version {Version} (migrated from {From}); embeddings stored as {Type}, search {Search}")]
    public static partial void Opened(ILogger logger, string schema, int version, int from, string type, string search);

    [LoggerMessage(2, LogLevel.Warning, "PostgreSQL gallery '{Schema}': {Operation} lost its connection (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string schema, string operation, int attempt, int delayMs, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "PostgreSQL gallery '{Schema}': the change listener lost its connection; reconnecting in {DelayMs} ms")]
    public static partial void ListenerLost(ILogger logger, string schema, int delayMs, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "PostgreSQL gallery '{Schema}': listening for changes; the gallery is at version {Version}")]
    public static partial void Listening(ILogger logger, string schema, long version);

    [LoggerMessage(5, LogLevel.Debug, "PostgreSQL gallery '{Schema}': committed change {Version} ({Kind}, {Count} examples)")]
    public static partial void Committed(ILogger logger, string schema, long version, string kind, int count);

    [LoggerMessage(6, LogLevel.Information, "PostgreSQL gallery '{Schema}': building the HNSW index (m={M}, ef_construction={EfConstruction}) with maintenance_work_mem {MemoryMB} MB")]
    public static partial void BuildingIndex(ILogger logger, string schema, int m, int efConstruction, int memoryMB);

    [LoggerMessage(7, LogLevel.Warning, "PostgreSQL gallery '{Schema}': {Notice} (the build goes on, several times slower; pass a larger buildMemoryMB)")]
    public static partial void IndexBuildSpilled(ILogger logger, string schema, string notice);
}
