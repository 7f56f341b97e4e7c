namespace OneShot.PostgreSql;

/// <summary>Where a <see cref="PostgresGalleryStore"/> gallery classifies.</summary>
public enum PostgresSearchMode
{
    /// <summary>In the database when the pgvector extension is installed (and the classifier is one it can search for), otherwise in process.</summary>
    Auto = 0,

    /// <summary>Always in process: the database is the system of record and every process keeps all embeddings in memory.</summary>
    InProcess = 1,

    /// <summary>Always in the database; opening fails when the pgvector extension is not installed.</summary>
    Database = 2,
}
