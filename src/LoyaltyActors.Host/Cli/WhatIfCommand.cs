using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Streams;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Host.Configuration;
using Microsoft.Extensions.Configuration;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

/// <summary>
/// <c>loyalty what-if</c>: one customer's journal replayed into a shadow state under other scoring weights or earning
/// rate; prints the difference. Reads the journal through queries only: no customer is woken, nothing is written,
/// no aggregator or notification runs.
/// </summary>
public static class WhatIfCommand
{
    private const string PointsRate = "Loyalty:Points:PerCurrencyUnit";

    /// <summary>Every key --set accepts: <c>Loyalty:Points:PerCurrencyUnit</c> and each <c>Loyalty:Scoring:*</c> setting.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        PointsRate,
        "Loyalty:Scoring:DecayHalfLifeDays",
        "Loyalty:Scoring:PreferenceSteepness",
        .. typeof(BehaviorWeights).GetProperties().Select(p => "Loyalty:Scoring:Behavior:" + p.Name),
        .. typeof(LoyaltyWeights).GetProperties().Select(p => "Loyalty:Scoring:Loyalty:" + p.Name),
    ];

    public static Command Create(IClock clock)
    {
        var customer = new Option<string>("--customer") { Description = "The customer id", Required = true };
        var set = new Option<string[]>("--set")
        {
            Description = "KEY=VALUE to change, repeatable: Loyalty:Points:PerCurrencyUnit or any Loyalty:Scoring:* key",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "Compare the customer as of this instant (2026-03-03T12:00:00Z) or the end of this date; default now",
        };
        var format = new Option<string>("--format") { Description = "json or table", DefaultValueFactory = _ => "json" };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("what-if", $"""
            Replays one customer's journal into a shadow state with other settings and prints the difference in
            behaviour score, preference, loyalty and points (baseline = the settings in force, from --config or
            config/appsettings.json). Purchases, returns and redemptions are re-derived from the recorded events and
            decided again under the other earning rate, so a redemption the shadow balance cannot cover shows up
            under "rejected". Side-effect free: the journal is only queried (the customer is not woken, no snapshot,
            no aggregator, no notification), models.db is not opened.
            Keys: {string.Join(", ", Keys)}.
            Example: loyalty what-if --customer C-1001 --set Loyalty:Points:PerCurrencyUnit=2 --set Loyalty:Scoring:Loyalty:A=1.5
            """)
        {
            customer, set, asOf, format, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            if (!TryParseOverrides(result.GetValue(set) ?? [], out var overrides, out var error))
            {
                await Console.Error.WriteLineAsync("loyalty: --set: " + error);
                return 2;
            }

            Instant? at = null;
            if (result.GetValue(asOf) is { } text && (at = WireFormat.ParseAsOf(text)) is null)
            {
                await Console.Error.WriteLineAsync($"loyalty: --as-of: '{text}' is not an ISO-8601 instant (2026-03-03T12:00:00Z) or date (2026-03-03)");
                return 2;
            }

            var outputFormat = result.GetValue(format);
            if (outputFormat is not ("json" or "table"))
            {
                await Console.Error.WriteLineAsync($"loyalty: --format: must be json or table, not '{outputFormat}'");
                return 2;
            }

            var baseConfiguration = ConfigLoader.Load(result.GetValue(config));
            var shadowConfiguration = new ConfigurationBuilder()
                .AddConfiguration(baseConfiguration)
                .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value.ToString("R", CultureInfo.InvariantCulture))))
                .Build();
            var data = result.GetValue(dataDir)!;
            var shadowSettings = ConfigLoader.Bind(shadowConfiguration).ToActorsOptions(data, clock).Customers;

            await using var engine = await OfflineEngine.StartAsync(data, result.GetValue(config), clock, ct);
            var id = engine.Pseudonyms.Map(result.GetValue(customer)!);
            var now = at ?? clock.GetCurrentInstant();
            var journal = await JournalOf(engine, id, now, ct);
            if (journal.Count == 0)
            {
                await Console.Error.WriteLineAsync($"loyalty: --customer: no events are recorded for customer '{id}'" + (at is null ? "" : " by --as-of"));
                return 1;
            }

            var baseSettings = engine.Options.Customers;
            var population = baseSettings.Population.Current;
            var recorded = CustomerState.Empty.ApplyAll(journal);
            var shadow = ShadowReplay.Run(id, journal, shadowSettings.Program);
            var before = CustomerProfileBuilder.Build(id, recorded, now, baseSettings.Scoring, population, recorded.Tier)
                .WithProgram(recorded, baseSettings.Program);
            var after = CustomerProfileBuilder.Build(id, shadow.State, now, shadowSettings.Scoring, population, shadow.State.Tier)
                .WithProgram(shadow.State, shadowSettings.Program);
            var report = Report(id, now, overrides, before, after, shadow.Rejections);
            if (outputFormat == "json") Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else WriteTable(report);
            return 0;
        });
        return command;
    }

    /// <summary>Parses KEY=VALUE pairs (keys as in <see cref="Keys"/>, case-insensitive, <c>__</c> accepted for <c>:</c>).</summary>
    public static bool TryParseOverrides(IEnumerable<string> pairs, out SortedDictionary<string, double> overrides, out string error)
    {
        overrides = new SortedDictionary<string, double>(StringComparer.Ordinal);
        error = "";
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                error = $"'{pair}' is not KEY=VALUE, e.g. Loyalty:Scoring:Loyalty:A=1.5";
                return false;
            }

            var key = Keys.FirstOrDefault(k => string.Equals(k, pair[..eq].Trim().Replace("__", ":"), StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                error = $"'{pair[..eq]}' is not a setting what-if can change; use {PointsRate} or a Loyalty:Scoring:* key ({string.Join(", ", Keys.Skip(1))})";
                return false;
            }

            if (!double.TryParse(pair[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                error = $"{key}: '{pair[(eq + 1)..]}' is not a number";
                return false;
            }

            overrides[key] = value;
        }

        return true;
    }

    /// <summary>The customer's events up to <paramref name="until"/>, in journal order, from a read-journal query.</summary>
    private static async Task<List<CustomerEvent>> JournalOf(OfflineEngine engine, string customerId, Instant until, CancellationToken ct)
    {
        var events = new List<CustomerEvent>();
        var kept = new HashSet<string>(StringComparer.Ordinal);
        await JournalEvents.ReadJournal(engine.System)
            .CurrentEventsByPersistenceId(CustomerActor.PersistencePrefix + customerId, 0, long.MaxValue)
            .RunForeach(envelope =>
            {
                if (envelope.Event is not CustomerEvent e || e.OccurredAt > until) return;
                // As for an as-of profile: a return whose order falls after the cut is left out with it.
                if (e is PurchaseRecorded p) kept.Add(p.OrderId);
                if (e is ReturnRecorded r && !kept.Contains(r.OrderId)) return;
                events.Add(e);
            }, engine.System.Materializer());
        ct.ThrowIfCancellationRequested();
        return events;
    }

    private static JsonObject Figures(CustomerProfile p) => new()
    {
        ["behavior_score"] = p.BehaviorScore,
        ["preference"] = p.Preference,
        ["loyalty"] = p.Loyalty,
        ["points_balance"] = p.PointsBalance,
        ["points_earned"] = p.PointsEarned,
        ["points_reversed"] = p.PointsReversed,
        ["points_redeemed"] = p.PointsRedeemed,
    };

    public static JsonObject Report(string id, Instant at, IReadOnlyDictionary<string, double> overrides,
        CustomerProfile before, CustomerProfile after, IReadOnlyList<ShadowRejection> rejections)
    {
        var baseline = Figures(before);
        var whatIf = Figures(after);
        var difference = new JsonObject
        {
            ["behavior_score"] = after.BehaviorScore - before.BehaviorScore,
            ["preference"] = after.Preference - before.Preference,
            ["loyalty"] = after.Loyalty - before.Loyalty,
            ["points_balance"] = after.PointsBalance - before.PointsBalance,
            ["points_earned"] = after.PointsEarned - before.PointsEarned,
            ["points_reversed"] = after.PointsReversed - before.PointsReversed,
            ["points_redeemed"] = after.PointsRedeemed - before.PointsRedeemed,
        };

        return new JsonObject
        {
            ["customer_id"] = id,
            ["as_of"] = InstantPattern.ExtendedIso.Format(at),
            ["overrides"] = new JsonObject(overrides.Select(o => new KeyValuePair<string, JsonNode?>(o.Key, o.Value))),
            ["baseline"] = baseline,
            ["what_if"] = whatIf,
            ["difference"] = difference,
            ["rejected"] = new JsonArray(rejections.Select(r => (JsonNode)new JsonObject { ["event_id"] = r.EventId, ["error"] = r.Error }).ToArray()),
            ["tier"] = new JsonObject { ["baseline"] = before.Tier, ["what_if"] = after.Tier },
            // rewards the other rules would have issued that were not issued, and the other way round
            ["rewards_only_what_if"] = RewardList(after, before),
            ["rewards_only_baseline"] = RewardList(before, after),
        };
    }

    private static JsonArray RewardList(CustomerProfile of, CustomerProfile minus) =>
        new(of.Rewards.Where(r => !minus.Rewards.Any(m => m.RuleId == r.RuleId && m.At == r.At))
            .Select(r => (JsonNode)new JsonObject { ["rule_id"] = r.RuleId, ["reward"] = r.Reward, ["at"] = InstantPattern.ExtendedIso.Format(r.At) })
            .ToArray());

    private static void WriteTable(JsonObject report)
    {
        Console.WriteLine($"customer {report["customer_id"]} as of {report["as_of"]}");
        Console.WriteLine($"{"",-16} {"baseline",20} {"what-if",20} {"difference",20}");
        foreach (var (name, value) in report["baseline"]!.AsObject())
            Console.WriteLine($"{name,-16} {value,20} {report["what_if"]![name],20} {report["difference"]![name],20}");
        Console.WriteLine($"{"tier",-16} {report["tier"]!["baseline"],20} {report["tier"]!["what_if"],20}");
        foreach (var r in report["rejected"]!.AsArray())
            Console.WriteLine($"rejected {r!["event_id"]}: {r["error"]}");
        foreach (var r in report["rewards_only_what_if"]!.AsArray())
            Console.WriteLine($"would issue {r!["reward"]} ({r["rule_id"]}) at {r["at"]}");
        foreach (var r in report["rewards_only_baseline"]!.AsArray())
            Console.WriteLine($"would not issue {r!["reward"]} ({r["rule_id"]}) at {r["at"]}");
    }
}
