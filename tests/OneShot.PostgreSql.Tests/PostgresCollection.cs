namespace OneShot.PostgreSql.Tests;

/// <summary>Every PostgreSQL test class shares one throwaway cluster; the classes run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
