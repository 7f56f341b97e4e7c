using System.Globalization;
using OneShot.PostgreSql;
using OneShot.PostgreSql.Tests;

/// <summary>
/// The child process of <see cref="PostgresCrashTests"/>: <c>bulk-child CONNECTION SCHEMA</c> commits small enrolments
/// "c1".."c5" (100 rows each, all values i), printing "committed i" after each, then streams one bulk enrolment of two
/// million rows under "bulk", printing "streaming" once 20,000 rows are on their way, and is killed by the parent.
/// </summary>
internal static class Program
{
    public const int Committed = 5;
    public const int RowsPerCommit = 100;
    public const int Dimension = 8;

    private static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] != "bulk-child")
        {
            Console.Error.WriteLine("usage: OneShot.PostgreSql.Tests bulk-child CONNECTION SCHEMA");
            return 2;
        }

        using var store = PostgresGalleryStore.Open(args[1], new TestEmbedder(Dimension).GetFingerprint(), Dimension, new PostgresGalleryOptions { Schema = args[2] });
        for (int i = 1; i <= Committed; i++)
        {
            store.AddRange(Enumerable.Range(0, RowsPerCommit).Select(_ => new GalleryEnrollment($"c{i}", Enumerable.Repeat((float)i, Dimension).ToArray())));
            Console.Out.WriteLine($"committed {i.ToString(CultureInfo.InvariantCulture)}");
            Console.Out.Flush();
        }

        store.AddRange(Bulk());
        Console.Out.WriteLine("bulk committed (the parent was too slow)");
        return 0;
    }

    private static IEnumerable<GalleryEnrollment> Bulk()
    {
        for (int i = 0; i < 2_000_000; i++)
        {
            if (i == 20_000)
            {
                Console.Out.WriteLine("streaming");
                Console.Out.Flush();
            }

            yield return new GalleryEnrollment("bulk", Enumerable.Repeat(i / 1000f, Dimension).ToArray(), "{\"n\": " + i.ToString(CultureInfo.InvariantCulture) + "}");
        }
    }
}
