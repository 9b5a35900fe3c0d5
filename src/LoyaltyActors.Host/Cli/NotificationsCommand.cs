using System.CommandLine;
using System.Text.Json;
using LoyaltyActors.Notifications;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

/// <summary>
/// <c>loyalty notifications list|redrive</c>: the webhook outbox (<c>DIR/notifications.db</c>), offline, under
/// the data dir's lock like every offline command (a running server would keep its own view of the outbox).
/// </summary>
public static class NotificationsCommand
{
    private const string Columns = "notification_id,type,customer_id,endpoint,status,attempts,next_attempt_at,last_attempt_at,delivered_at,last_error";

    public static Command Create(IClock clock)
    {
        var command = new Command("notifications", """
            Inspects and redrives webhook deliveries in the notification outbox (DIR/notifications.db).
            Offline: refuses while a server holds the data dir.
            Examples:
              loyalty notifications list --status dead --data-dir ./data
              loyalty notifications redrive --all-dead --data-dir ./data
            """);
        command.Subcommands.Add(List());
        command.Subcommands.Add(Redrive(clock));
        return command;
    }

    private static Command List()
    {
        var status = new Option<string?>("--status")
        {
            Description = "Only deliveries in this status: pending, delivered, dead or disabled (default: all)",
        };
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("list", $"""
            Prints one row per (notification, webhook endpoint) delivery, oldest notification first:
            CSV {Columns}
            (or JSON, the body of GET /v1/notifications). Instants are ISO-8601 UTC; next_attempt_at only for pending ones.
            Example: loyalty notifications list --status dead --data-dir ./data
            """)
        {
            status, format, dataDir,
        };
        command.SetAction(async (result, ct) =>
        {
            DeliveryStatus? wanted = null;
            if (result.GetValue(status) is { } text)
            {
                if (!NotificationsHosting.TryParseStatus(text, out var parsed))
                {
                    await Console.Error.WriteLineAsync($"loyalty: --status must be pending, delivered, dead or disabled, not '{text}'");
                    return 2;
                }

                wanted = parsed;
            }

            var fmt = result.GetValue(format)!;
            if (fmt is not ("csv" or "json"))
            {
                await Console.Error.WriteLineAsync($"loyalty: --format must be csv or json, not '{fmt}'");
                return 2;
            }

            var deliveries = WithOutbox(result.GetValue(dataDir)!, outbox => outbox?.List(wanted) ?? []);
            if (fmt == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(deliveries.Select(NotificationsHosting.DeliveryBody), new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Console.WriteLine(Columns);
            foreach (var d in deliveries)
            {
                Console.WriteLine(string.Join(',',
                    CsvText.Escape(d.NotificationId), CsvText.Escape(d.Type), CsvText.Escape(d.CustomerId), CsvText.Escape(d.Endpoint),
                    d.Status.ToString().ToLowerInvariant(), d.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    d.Status == DeliveryStatus.Pending ? Iso(d.NextAttemptAt) : "", Iso(d.LastAttemptAt), Iso(d.DeliveredAt),
                    CsvText.Escape(d.LastError ?? "")));
            }

            return 0;
        });
        return command;
    }

    private static Command Redrive(IClock clock)
    {
        var id = new Option<string?>("--id") { Description = "Redrive the dead and disabled deliveries of this notification id" };
        var allDead = new Option<bool>("--all-dead") { Description = "Redrive every dead delivery (failed MaxAttempts times)" };
        var allDisabled = new Option<bool>("--all-disabled")
        {
            Description = "Redrive every disabled delivery (its endpoint answered 410 Gone) and enable those endpoints again",
        };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("redrive", """
            Moves dead (and/or disabled) deliveries back to pending with attempts reset, due now; the next
            `loyalty serve` sends them, with the same webhook-id. Delivered deliveries are never sent again.
            Prints `redriven N deliveries`.
            Examples:
              loyalty notifications redrive --all-dead --data-dir ./data
              loyalty notifications redrive --id rw-C-1-7 --data-dir ./data
            """)
        {
            id, allDead, allDisabled, dataDir,
        };
        command.SetAction(async (result, ct) =>
        {
            var notificationId = result.GetValue(id);
            var dead = result.GetValue(allDead);
            var disabled = result.GetValue(allDisabled);
            if ((notificationId is null) == !(dead || disabled))
            {
                await Console.Error.WriteLineAsync("loyalty: give either --id ID, or --all-dead and/or --all-disabled");
                return 2;
            }

            var count = WithOutbox(result.GetValue(dataDir)!, outbox => outbox is null ? 0
                : notificationId is not null
                    ? outbox.Redrive(clock.GetCurrentInstant(), notificationId)
                    : outbox.Redrive(clock.GetCurrentInstant(), dead: dead, disabled: disabled));
            if (notificationId is not null && count == 0)
            {
                await Console.Error.WriteLineAsync($"loyalty: --id: notification '{notificationId}' has no dead or disabled delivery");
                return 1;
            }

            Console.WriteLine($"redriven {count} deliveries");
            return 0;
        });
        return command;
    }

    /// <summary>Runs <paramref name="action"/> on the data dir's outbox under its lock; null when there is no outbox yet.</summary>
    private static T WithOutbox<T>(string dataDir, Func<NotificationOutbox?, T> action)
    {
        using var dataLock = DataDirLock.Acquire(dataDir);
        var path = Path.Combine(dataDir, "notifications.db");
        if (!File.Exists(path)) return action(null);
        using var outbox = new NotificationOutbox(path);
        return action(outbox);
    }

    private static string Iso(Instant? instant) => instant is { } i ? InstantPattern.ExtendedIso.Format(i) : "";
}
