using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OneShot.PostgreSql;

/// <summary>
/// Follows a gallery's version on a dedicated connection: LISTEN for the NOTIFY each commit sends, and read the newest
/// change number every poll interval when nothing arrives (a notification can be lost with the connection). After a
/// lost connection it reconnects with backoff and reads the change number at once, so the process resynchronises.
/// </summary>
internal sealed class ChangeListener : IDisposable
{
    private readonly string _connectionString;
    private readonly string _schema;
    private readonly string _channel;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly Action<long> _seen;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ChangeListener(string connectionString, string schema, TimeSpan pollInterval, ILogger logger, Action<long> seen)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5 };
        _connectionString = builder.ConnectionString;
        _schema = schema;
        _channel = ChannelOf(schema);
        _pollInterval = pollInterval;
        _logger = logger;
        _seen = seen;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many times the listener (re)connected; tests read it.</summary>
    public int Connections { get; private set; }

    /// <summary>The NOTIFY channel of <paramref name="schema"/>.</summary>
    public static string ChannelOf(string schema) => "oneshot_changes_" + schema;

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation.
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        int failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                connection.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out long version))
                    {
                        _seen(version);
                    }
                };
                await connection.OpenAsync(_stop.Token).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresGallerySchema.Quote(_channel)}", connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }

                Connections++;
                long version = await PollAsync(connection).ConfigureAwait(false);
                Log.Listening(_logger, _schema, version);
                failures = 0;
                while (!_stop.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(_pollInterval, _stop.Token).ConfigureAwait(false))
                    {
                        await PollAsync(connection).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // Whatever ended the connection (server restart, terminated backend, network, a cancelled wait), the
                // listener must not die: an exception escaping here would stop following the gallery for good.
                int delay = (int)Math.Min(2000, 50 * Math.Pow(2, Math.Min(failures++, 6)));
                Log.ListenerLost(_logger, _schema, delay, e);
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<long> PollAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(seq), 0) FROM {PostgresGallerySchema.Quote(_schema)}.changes", connection);
        long version = (long)(await command.ExecuteScalarAsync(_stop.Token).ConfigureAwait(false))!;
        _seen(version);
        return version;
    }
}
