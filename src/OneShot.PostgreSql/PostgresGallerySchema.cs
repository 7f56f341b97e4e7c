using System.Globalization;
using Npgsql;
using OneShot.Galleries;

namespace OneShot.PostgreSql;

/// <summary>
/// The versioned schema of a gallery, created and migrated under an advisory lock so that processes opening the same
/// gallery at once do it once. Version 1: <c>meta</c> (key/value: schema_version, fingerprint, embedding_size,
/// embedding_type) and <c>examples</c> (id, label, embedding, fingerprint, enrolled_at). Version 2 adds caller
/// metadata and the change log: <c>examples.metadata</c> (jsonb), <c>examples.change_seq</c>, the <c>changes</c>
/// table (one row per committed enrolment or removal, its <c>seq</c> being the gallery's version) and, with pgvector,
/// the <c>prototypes</c> table (each label's mean embedding and mean unit-length embedding, for Euclidean and cosine
/// prototypes, kept in the enrolment transaction).
/// </summary>
internal static class PostgresGallerySchema
{
    public const int CurrentVersion = 2;

    /// <summary>What a gallery's meta table says about it.</summary>
    public sealed record Meta(int Version, string FingerprintJson, int EmbeddingSize, bool UsesVector);

    /// <summary>Creates the schema or migrates it to <paramref name="targetVersion"/> in one transaction; returns what it holds.</summary>
    public static Meta Migrate(NpgsqlConnection connection, string schema, string fingerprintJson, int embeddingSize, bool useVector, int targetVersion = CurrentVersion)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", "oneshot.schema:" + schema);
        var meta = ReadMeta(connection, schema);
        if (meta is not null && meta.Version > CurrentVersion)
        {
            throw new GalleryFormatException(schema, $"The PostgreSQL gallery schema '{schema}' is at version {meta.Version}; this library reads up to version {CurrentVersion}. Update OneShot.PostgreSql.");
        }

        int from = meta?.Version ?? 0;
        bool vector = meta?.UsesVector ?? useVector;
        int size = meta?.EmbeddingSize ?? embeddingSize;
        string type = vector ? $"vector({size})" : "real[]";
        string s = Quote(schema);
        for (int version = from + 1; version <= targetVersion; version++)
        {
            foreach (string sql in Steps(version, s, type, vector))
            {
                Execute(connection, sql);
            }

            if (version == 1)
            {
                Execute(connection, $"INSERT INTO {s}.meta (key, value) VALUES ('fingerprint', $1), ('embedding_size', $2), ('embedding_type', $3)",
                    fingerprintJson, size.ToString(CultureInfo.InvariantCulture), vector ? "vector" : "real[]");
            }

            Execute(connection, $"INSERT INTO {s}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                version.ToString(CultureInfo.InvariantCulture));
        }

        transaction.Commit();
        return ReadMeta(connection, schema)!;
    }

    /// <summary>The meta rows of <paramref name="schema"/>, or null when it has no gallery.</summary>
    public static Meta? ReadMeta(NpgsqlConnection connection, string schema)
    {
        using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue(Quote(schema) + ".meta");
            if (!(bool)exists.ExecuteScalar()!)
            {
                return null;
            }
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand($"SELECT key, value FROM {Quote(schema)}.meta", connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                values[reader.GetString(0)] = reader.GetString(1);
            }
        }

        string Get(string key) => values.TryGetValue(key, out string? value)
            ? value
            : throw new GalleryFormatException(schema, $"The PostgreSQL gallery schema '{schema}' has no '{key}' in its meta table; it is not a OneShot gallery or is damaged.");
        return new Meta(
            int.Parse(Get("schema_version"), CultureInfo.InvariantCulture),
            Get("fingerprint"),
            int.Parse(Get("embedding_size"), CultureInfo.InvariantCulture),
            Get("embedding_type") == "vector");
    }

    /// <summary>A double-quoted identifier (the schema names are checked to be plain lower-case identifiers).</summary>
    public static string Quote(string identifier) => "\"" + identifier + "\"";

    private static IEnumerable<string> Steps(int version, string s, string type, bool vector)
    {
        if (version == 1)
        {
            yield return $"CREATE SCHEMA IF NOT EXISTS {s}";
            yield return $"CREATE TABLE {s}.meta (key text PRIMARY KEY, value text NOT NULL)";
            yield return $"CREATE TABLE {s}.examples (id bigserial PRIMARY KEY, label text NOT NULL, embedding {type} NOT NULL, "
                + "fingerprint text NOT NULL, enrolled_at timestamptz NOT NULL DEFAULT now())";
            yield return $"CREATE INDEX examples_label ON {s}.examples (label, id)";
            yield break;
        }

        // Version 2: caller metadata, the change log (existing rows become one 'migrated' change) and the prototypes.
        yield return $"ALTER TABLE {s}.examples ADD COLUMN metadata jsonb, ADD COLUMN change_seq bigint NOT NULL DEFAULT 0";
        yield return $"CREATE TABLE {s}.changes (seq bigserial PRIMARY KEY, kind text NOT NULL, label text, count integer NOT NULL, "
            + "committed_at timestamptz NOT NULL DEFAULT now())";
        yield return $"INSERT INTO {s}.changes (kind, label, count) SELECT 'migrated', NULL, count(*) FROM {s}.examples HAVING count(*) > 0";
        yield return $"UPDATE {s}.examples SET change_seq = (SELECT coalesce(max(seq), 0) FROM {s}.changes)";
        yield return $"CREATE INDEX examples_change_seq ON {s}.examples (change_seq, id)";
        if (vector)
        {
            yield return $"CREATE TABLE {s}.prototypes (label text PRIMARY KEY, mean {type} NOT NULL, unit_mean {type} NOT NULL, n integer NOT NULL, first_id bigint NOT NULL)";
            yield return $"INSERT INTO {s}.prototypes SELECT label, avg(embedding), avg(l2_normalize(embedding)), count(*), min(id) FROM {s}.examples GROUP BY label";
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        foreach (object parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        command.ExecuteNonQuery();
    }
}
