using System.CommandLine;
using System.Text.Json;
using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Http;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

public static class CustomerCommand
{
    public static Command Create(IClock clock)
    {
        var id = new Argument<string>("id") { Description = "The customer id" };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "Show the profile as it was at this instant (2026-03-03T12:00:00Z) or at the end of this date (2026-03-03)",
        };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("customer", """
            Prints a customer's profile JSON (the body of GET /v1/customers/{id}), now or as of a past instant.
            Example: loyalty customer C-1001 --as-of 2026-03-03T12:00:00Z --data-dir ./data
            """)
        {
            id, asOf, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            Instant? at = null;
            if (result.GetValue(asOf) is { } text)
            {
                at = WireFormat.ParseAsOf(text);
                if (at is null)
                {
                    await Console.Error.WriteLineAsync($"loyalty: --as-of: '{text}' is not an ISO-8601 instant (2026-03-03T12:00:00Z) or date (2026-03-03)");
                    return 2;
                }
            }

            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var customerId = engine.Pseudonyms.Map(result.GetValue(id)!);
            var reply = await engine.Customers.Ask<ProfileResult>(new GetProfile(customerId, at), TimeSpan.FromSeconds(60), ct);
            if (reply.Profile is null)
            {
                await Console.Error.WriteLineAsync($"loyalty: no events are recorded for customer '{customerId}'");
                return 1;
            }

            // CLV figures from the latest clv-fit, if any (a read never creates models.db).
            var profile = await new ClvProfiles(Path.Combine(result.GetValue(dataDir)!, "models.db"), () => engine.Models, engine.Config.ClvHorizonPeriods())
                .AddToAsync(reply.Profile, engine.Customers, TimeSpan.FromSeconds(60), ct);
            Console.WriteLine(JsonSerializer.Serialize(profile, new JsonSerializerOptions(LoyaltyJson.Options) { WriteIndented = true }));
            return 0;
        });
        return command;
    }
}
