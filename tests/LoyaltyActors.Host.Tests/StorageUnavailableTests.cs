using System.Net;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

public sealed class StorageUnavailableTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_journal_that_cannot_commit_in_time_gets_503_with_retry_after_and_a_retry_records_the_event_once()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Ingress__WriteTimeoutSeconds"] = "2",
        });
        await host.PostAcceptedAsync([Purchase("warm-1", "u-1", "2026-01-01T10:00:00Z", "o-0", new SentLine("A", "books", 1, 5m))]);

        var evt = Purchase("blocked-1", "u-2", "2026-01-02T10:00:00Z", "o-1", new SentLine("A", "books", 2, 5m));
        using (var holder = new SqliteConnection($"Data Source={Path.Combine(host.DataDir, "journal.db")};Pooling=False"))
        {
            holder.Open();
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                begin.ExecuteNonQuery();
            }

            // Nothing can commit while the write lock is held: the engine must not acknowledge.
            using var response = await host.Http.PostAsync("/v1/events", Json(evt));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

            using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }

        // The client retries as told; whether the first attempt landed after the lock went or not,
        // the event is recorded exactly once.
        var retry = await host.PostEventAsync(evt);
        Assert.Contains(retry.Results.Single().Status, new[] { "accepted", "duplicate" });
        var profile = await host.GetProfileAsync("u-2");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(10m, profile.GetProperty("monetary_total").GetDecimal());
    }
}
