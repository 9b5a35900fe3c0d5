using System.CommandLine;
using System.Globalization;
using Akka.Streams;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

public static class RfmSummaryCommand
{
    public static Command Create(IClock clock)
    {
        var asOf = new Option<string>("--as-of")
        {
            Description = "Observation end date, inclusive (ISO date, e.g. 1997-09-30)",
            Required = true,
        };
        var freq = new Option<string>("--freq")
        {
            Description = "Period: D (UTC calendar day) or W (Monday–Sunday week)",
            DefaultValueFactory = _ => "D",
        };
        var multiplier = new Option<double>("--freq-multiplier")
        {
            Description = "recency and T are divided by this (e.g. 7 for weeks counted in days)",
            DefaultValueFactory = _ => 1.0,
        };
        var output = new Option<string?>("--out") { Description = "Write the CSV to this file instead of standard output" };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("rfm-summary", """
            Prints CSV customer_id,frequency,recency,T,monetary_value: exactly what Python lifetimes'
            summary_data_from_transaction_data(freq, freq_multiplier, observation_period_end) returns on the
            journal's purchases (returns are not purchases). Customers whose first purchase is after the end are left out.
            Example: loyalty rfm-summary --as-of 1997-09-30 --freq D --freq-multiplier 7 --data-dir ./data
            """)
        {
            asOf, freq, multiplier, output, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            var date = LocalDatePattern.Iso.Parse(result.GetValue(asOf)!);
            if (!date.Success)
            {
                await Console.Error.WriteLineAsync($"loyalty: --as-of: '{result.GetValue(asOf)}' is not an ISO date such as 1997-09-30");
                return 2;
            }

            SummaryFrequency frequency;
            try
            {
                frequency = LifetimesSummaries.ParseFrequency(result.GetValue(freq)!);
            }
            catch (ArgumentException)
            {
                await Console.Error.WriteLineAsync($"loyalty: --freq: must be D or W, not '{result.GetValue(freq)}'");
                return 2;
            }

            var mult = result.GetValue(multiplier);
            if (!double.IsFinite(mult) || mult <= 0)
            {
                await Console.Error.WriteLineAsync("loyalty: --freq-multiplier: must be a positive number");
                return 2;
            }

            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var days = await PurchaseDaysByCustomer(engine, ct);
            await using var writer = result.GetValue(output) is { } path ? new StreamWriter(path) : new StreamWriter(Console.OpenStandardOutput());
            await WriteCsv(writer, days, date.Value, frequency, mult);
            return 0;
        });
        return command;
    }

    /// <summary>Purchase amounts per customer per UTC day, read from the whole journal without waking customers.</summary>
    public static async Task<SortedDictionary<string, SortedDictionary<int, DaySpend>>> PurchaseDaysByCustomer(OfflineEngine engine, CancellationToken ct)
    {
        var byCustomer = new SortedDictionary<string, SortedDictionary<int, DaySpend>>(StringComparer.Ordinal);
        await JournalEvents.CurrentCustomerEvents(engine.System).RunForeach(e =>
        {
            if (e.Event is not PurchaseRecorded p) return;
            if (!byCustomer.TryGetValue(e.CustomerId, out var days)) byCustomer[e.CustomerId] = days = new SortedDictionary<int, DaySpend>();
            var day = EpochDays.Of(p.OccurredAt);
            days.TryGetValue(day, out var before);
            days[day] = new DaySpend(before.Purchases + 1, before.Amount + p.Amount);
        }, engine.System.Materializer());
        return byCustomer;
    }

    public static async Task WriteCsv(TextWriter writer, SortedDictionary<string, SortedDictionary<int, DaySpend>> byCustomer,
        LocalDate asOf, SummaryFrequency frequency, double multiplier)
    {
        await writer.WriteLineAsync("customer_id,frequency,recency,T,monetary_value");
        foreach (var (customer, days) in byCustomer)
        {
            if (LifetimesSummaries.Compute(days, asOf, frequency, multiplier) is not { } s) continue;
            await writer.WriteLineAsync(string.Join(',',
                CsvText.Escape(customer),
                s.Frequency.ToString(CultureInfo.InvariantCulture),
                s.Recency.ToString("R", CultureInfo.InvariantCulture),
                s.T.ToString("R", CultureInfo.InvariantCulture),
                decimal.Round(s.MonetaryValue, 10).ToString(CultureInfo.InvariantCulture)));
        }
    }
}
