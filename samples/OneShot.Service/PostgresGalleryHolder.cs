using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.PostgreSql;

namespace OneShot.Service;

/// <summary>
/// The PostgreSQL store behind the service's gallery when <c>OneShot:PostgresConnectionString</c> is set: opened once
/// for the embedder the recognizer loaded, disposed with the app. Several service instances given the same connection
/// string and schema share one gallery (docs/SCALE-OUT.md).
/// </summary>
internal sealed class PostgresGalleryHolder(string connectionString, string schema, ILoggerFactory loggers) : IDisposable
{
    private PostgresGalleryStore? _store;

    public Gallery Open(IEmbedder embedder)
    {
        _store ??= PostgresGalleryStore.Open(
            connectionString,
            embedder.GetFingerprint(),
            embedder.EmbeddingSize,
            new PostgresGalleryOptions { Schema = schema, Logger = loggers.CreateLogger("OneShot.PostgreSql") });
        return Gallery.Open(embedder, _store);
    }

    public void Dispose() => _store?.Dispose();
}
