using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Ingress.Http;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

/// <summary><c>loyalty clv-fit</c>: fits BG/NBD and Gamma-Gamma on the journal's lifetimes summaries and stores a new model version.</summary>
public static class ClvFitCommand
{
    public static Command Create(IClock clock)
    {
        var asOf = new Option<string>("--as-of")
        {
            Description = "Calibration (observation) end date, inclusive (ISO date, e.g. 1997-09-30)",
            Required = true,
        };
        var freq = new Option<string>("--freq")
        {
            Description = "Period of the summaries: D (UTC calendar day) or W (Monday–Sunday week)",
            DefaultValueFactory = _ => "D",
        };
        var multiplier = new Option<double>("--freq-multiplier")
        {
            Description = "recency and T are divided by this; the model's time unit is freq × multiplier (7 with D = weeks)",
            DefaultValueFactory = _ => 1.0,
        };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("clv-fit", """
            Fits BG/NBD (purchases and churn) on every customer's lifetimes summary as of --as-of (the same summaries
            rfm-summary prints) and Gamma-Gamma (spend) on the repeat customers (frequency > 0), by maximum likelihood.
            Prints {"bgnbd":{"r","alpha","a","b","log_likelihood"},"gamma_gamma":{"p","q","v"}, ...} and stores the fit
            as the next version of model "clv" in the data dir's models.db; profiles then carry p_alive,
            expected_purchases and expected_value from the latest version.
            Example: loyalty clv-fit --as-of 1997-09-30 --freq D --freq-multiplier 7 --data-dir ./data
            """)
        {
            asOf, freq, multiplier, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            if (!TryParseSummaryOptions(result.GetValue(asOf)!, "--as-of", result.GetValue(freq)!, result.GetValue(multiplier),
                    out var date, out var frequency, out var error))
            {
                await Console.Error.WriteLineAsync("loyalty: " + error);
                return 2;
            }

            var mult = result.GetValue(multiplier);
            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var days = await RfmSummaryCommand.PurchaseDaysByCustomer(engine, ct);
            var summaries = Summaries(days, date, frequency, mult);
            if (summaries.Count == 0)
            {
                await Console.Error.WriteLineAsync($"loyalty: --as-of: no customer made a purchase on or before {LocalDatePattern.Iso.Format(date)}; nothing to fit");
                return 1;
            }

            var version = ClvModels.History(engine.Models).NextVersion;
            var model = ClvModel.Fit(version, summaries, date, frequency, mult, clock.GetCurrentInstant());
            ClvModels.Append(engine.Models, model);
            Console.WriteLine(ToJson(model).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    /// <summary>The lifetimes summaries of every customer with a purchase up to <paramref name="asOf"/>, in customer id order.</summary>
    public static List<LifetimesSummary> Summaries(
        SortedDictionary<string, SortedDictionary<int, DaySpend>> byCustomer, LocalDate asOf, SummaryFrequency frequency, double multiplier)
    {
        var summaries = new List<LifetimesSummary>(byCustomer.Count);
        foreach (var days in byCustomer.Values)
            if (LifetimesSummaries.Compute(days, asOf, frequency, multiplier) is { } s) summaries.Add(s);
        return summaries;
    }

    public static JsonObject ToJson(ClvModel model)
    {
        var bg = model.BgNbd;
        return new JsonObject
        {
            ["version"] = model.Version,
            ["as_of"] = LocalDatePattern.Iso.Format(model.AsOf),
            ["freq"] = model.Frequency == SummaryFrequency.Week ? "W" : "D",
            ["freq_multiplier"] = model.FrequencyMultiplier,
            ["unit_days"] = model.UnitDays,
            ["fitted_at"] = InstantPattern.ExtendedIso.Format(model.FittedAt),
            ["bgnbd"] = new JsonObject
            {
                ["r"] = bg.Parameters.R,
                ["alpha"] = bg.Parameters.Alpha,
                ["a"] = bg.Parameters.A,
                ["b"] = bg.Parameters.B,
                ["log_likelihood"] = bg.LogLikelihood,
                ["customers"] = bg.Customers,
                ["converged"] = bg.Converged,
            },
            ["gamma_gamma"] = model.GammaGamma is { } g
                ? new JsonObject
                {
                    ["p"] = g.Parameters.P,
                    ["q"] = g.Parameters.Q,
                    ["v"] = g.Parameters.V,
                    ["log_likelihood"] = g.LogLikelihood,
                    ["repeaters"] = g.Repeaters,
                    ["converged"] = g.Converged,
                }
                : null,
        };
    }

    /// <summary>Checks a date / freq / multiplier triple, naming the offending option on failure.</summary>
    public static bool TryParseSummaryOptions(string dateText, string dateOption, string freqText, double multiplier,
        out LocalDate date, out SummaryFrequency frequency, out string error)
    {
        date = default;
        frequency = default;
        error = "";
        var parsed = LocalDatePattern.Iso.Parse(dateText);
        if (!parsed.Success)
        {
            error = $"{dateOption}: '{dateText}' is not an ISO date such as 1997-09-30";
            return false;
        }

        date = parsed.Value;
        try
        {
            frequency = LifetimesSummaries.ParseFrequency(freqText);
        }
        catch (ArgumentException)
        {
            error = $"--freq: must be D or W, not '{freqText}'";
            return false;
        }

        if (!double.IsFinite(multiplier) || multiplier <= 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--freq-multiplier: must be a positive number, not {multiplier}");
            return false;
        }

        return true;
    }
}
