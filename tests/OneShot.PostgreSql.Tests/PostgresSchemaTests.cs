using Npgsql;
using OneShot.Embeddings;
using OneShot.Galleries;

namespace OneShot.PostgreSql.Tests;

/// <summary>Schema creation and migration, the fingerprint check and transactions of <see cref="PostgresGalleryStore"/>.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests
{
    private const int D = 8;
    private readonly PostgresServer _server;

    public PostgresSchemaTests(PostgresServer server) => _server = server;

    [SkippableFact]
    public void Open_NewSchema_CreatesTheCurrentVersionWithOneRowPerExample()
    {
        _server.Require();
        var options = new PostgresGalleryOptions { Schema = _server.NewSchema("create") };
        using var store = PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, options);

        store.AddRange([new GalleryEnrollment("cat", Row(1), """{"source": "camera 3"}"""), new GalleryEnrollment("dog", Row(2))]);

        _server.Scalar($"SELECT value FROM {options.Schema}.meta WHERE key = 'schema_version'").Should().Be(PostgresGallerySchema.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _server.Scalar($"SELECT count(*) FROM {options.Schema}.examples").Should().Be(2L);
        _server.Scalar($"SELECT metadata->>'source' FROM {options.Schema}.examples WHERE label = 'cat'").Should().Be("camera 3");
        _server.Scalar($"SELECT count(*) FROM {options.Schema}.examples WHERE enrolled_at <= now() AND length(fingerprint) = 16").Should().Be(2L);
        store.UsesPgvector.Should().Be(_server.HasPgvector);
        store.Version.Should().Be(1);
    }

    [SkippableFact]
    public void Open_Version1Schema_MigratesToTheCurrentVersionKeepingEveryRow()
    {
        _server.Require();
        string schema = _server.NewSchema("migrate");
        using (var connection = new NpgsqlConnection(_server.ConnectionString))
        {
            connection.Open();
            PostgresGallerySchema.Migrate(connection, schema, PostgresGalleryStore.FingerprintJson(Fingerprint()), D, useVector: _server.HasPgvector, targetVersion: 1)
                .Version.Should().Be(1);
            using var insert = new NpgsqlCommand(
                $"INSERT INTO {schema}.examples (label, embedding, fingerprint) SELECT 'old' || (i % 3), array_fill(i::real, ARRAY[{D}])::{(_server.HasPgvector ? $"vector({D})" : "real[]")}, 'v1' FROM generate_series(1, 9) i", connection);
            insert.ExecuteNonQuery().Should().Be(9);
        }

        using var store = PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, new PostgresGalleryOptions { Schema = schema });
        using var gallery = Gallery.Open(new TestEmbedder(D), store);

        _server.Scalar($"SELECT value FROM {schema}.meta WHERE key = 'schema_version'").Should().Be("2");
        gallery.Labels.Should().Equal("old1", "old2", "old0");
        gallery.Counts.Values.Should().Equal(3, 3, 3);
        gallery.GetEmbeddingArrays("old1").Select(r => r[0]).Should().Equal(1f, 4f, 7f);
        store.Version.Should().Be(1, "the rows of version 1 became one 'migrated' change");
        gallery.EnrollEmbeddings("new", [Row(5)]);
        gallery.Labels.Should().Equal("old1", "old2", "old0", "new");
        gallery.ClassifyEmbedding(Row(4.2f)).Label.Should().Be("old1", "the class mean of old1 is 4");
    }

    [SkippableFact]
    public void Open_NewerSchemaVersion_ThrowsGalleryFormatException()
    {
        _server.Require();
        var options = new PostgresGalleryOptions { Schema = _server.NewSchema("newer") };
        PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, options).Dispose();
        _server.Scalar($"UPDATE {options.Schema}.meta SET value = '99' WHERE key = 'schema_version'");

        var open = () => PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, options);

        open.Should().Throw<GalleryFormatException>().WithMessage($"*'{options.Schema}' is at version 99; this library reads up to version 2*");
    }

    [SkippableFact]
    public void Open_OtherEmbedder_ThrowsEmbedderMismatchExceptionLikeTheFile()
    {
        _server.Require();
        var options = new PostgresGalleryOptions { Schema = _server.NewSchema("fingerprint") };
        using (var store = PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, options))
        {
            store.Add("cat", [Row(1)]);
        }

        var other = new TestEmbedder(D, weights: "weights-b").GetFingerprint();
        var open = () => PostgresGalleryStore.Open(_server.ConnectionString, other, D, options);

        var thrown = open.Should().Throw<EmbedderMismatchException>().Which;
        thrown.Expected.Should().Be(other);
        thrown.Found.Should().Be(Fingerprint());
        thrown.Message.Should().Contain("(weights differ)").And.Contain($"'{options.Schema}'");
    }

    [SkippableFact]
    public void GalleryOpen_StoreOfAnotherEmbedder_ThrowsEmbedderMismatchException()
    {
        _server.Require();
        using var store = PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, new PostgresGalleryOptions { Schema = _server.NewSchema("gallery_fp") });

        var open = () => Gallery.Open(new TestEmbedder(D, weights: "weights-b"), store);

        open.Should().Throw<EmbedderMismatchException>().WithMessage("*weights differ*");
    }

    [SkippableFact]
    public void AddRange_BadRowAfterManyGoodOnes_CommitsNothing()
    {
        _server.Require();
        var options = new PostgresGalleryOptions { Schema = _server.NewSchema("tx") };
        using var store = PostgresGalleryStore.Open(_server.ConnectionString, Fingerprint(), D, options);
        store.Add("kept", [Row(1)]);
        var rows = Enumerable.Range(0, 5000).Select(i => new GalleryEnrollment("batch", i == 4321 ? Row(float.NaN) : Row(i)));

        var add = () => store.AddRange(rows);

        add.Should().Throw<ArgumentException>().WithMessage("Embedding 4321 has a non-finite value (NaN) at position 0.*");
        _server.Scalar($"SELECT count(*) FROM {options.Schema}.examples").Should().Be(1L, "the 4321 rows copied before the bad one were rolled back");
        _server.Scalar($"SELECT count(*) FROM {options.Schema}.examples WHERE label = 'batch'").Should().Be(0L);
        store.Version.Should().Be(1);
        store.Remove("batch").Should().BeFalse();
        store.Remove("kept").Should().BeTrue();
        store.ReadEmbeddings("kept").Should().BeNull();
    }

    private static EmbedderFingerprint Fingerprint() => new TestEmbedder(D).GetFingerprint();

    private static float[] Row(float value) => Enumerable.Repeat(value, D).ToArray();
}
