using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Streams;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Host.Cli;

/// <summary>
/// <c>loyalty fit-loyalty</c>: fits the loyalty sigmoid's a, b, c and bias by logistic regression on "bought again in the
/// holdout", and compares its AUC with BG/NBD's expected purchases fitted on the same calibration period.
/// </summary>
public static class FitLoyaltyCommand
{
    /// <summary>BG/NBD here runs on day periods counted in weeks (freq D, multiplier 7), as lifetimes' CDNOW examples do.</summary>
    private const double WeekMultiplier = 7;

    public static Command Create(IClock clock)
    {
        var calibrationEnd = new Option<string>("--calibration-end")
        {
            Description = "Last day (inclusive, UTC) of the calibration period whose events give L1, L2, L3 (ISO date, e.g. 1997-09-30)",
            Required = true,
        };
        var holdoutEnd = new Option<string>("--holdout-end")
        {
            Description = "Last day (inclusive) of the holdout period; the label is a purchase in (calibration-end, holdout-end]",
            Required = true,
        };
        var write = new Option<string?>("--write")
        {
            Description = "Write the fitted weights as a config file (Loyalty:Scoring:Loyalty) that --config accepts",
        };
        var scores = new Option<string?>("--scores")
        {
            Description = "Write CSV customer_id,bought_again,l1,l2,l3,loyalty,bgnbd_expected_purchases for every customer scored",
        };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("fit-loyalty", """
            Fits the weights of the loyalty score L = σ(a·L1 + b·L2 + c·L3 + bias) (L1 = orders / FrequencyScale,
            L2 = net spend / SpendScale, L3 = distinct categories / VarietyScale, from each customer's events up to
            --calibration-end; the scales are the configured Loyalty:Scoring:Loyalty ones) by logistic regression on
            "bought again in (calibration-end, holdout-end]", over the customers with a purchase by the calibration end.
            Prints the weights and the AUC on the holdout outcome beside the AUC of BG/NBD's expected purchases over the
            holdout (fitted on the same calibration period, freq D, multiplier 7) and of the configured weights.
            A variety that is the same for everyone cannot be told apart from the bias: c is then kept at 0 (said in "notes").
            Example: loyalty fit-loyalty --calibration-end 1997-09-30 --holdout-end 1998-06-30 --write fitted.json
                     loyalty serve --config fitted.json
            """)
        {
            calibrationEnd, holdoutEnd, write, scores, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            var cal = LocalDatePattern.Iso.Parse(result.GetValue(calibrationEnd)!);
            if (!cal.Success)
            {
                await Console.Error.WriteLineAsync($"loyalty: --calibration-end: '{result.GetValue(calibrationEnd)}' is not an ISO date such as 1997-09-30");
                return 2;
            }

            var hold = LocalDatePattern.Iso.Parse(result.GetValue(holdoutEnd)!);
            if (!hold.Success || hold.Value <= cal.Value)
            {
                await Console.Error.WriteLineAsync($"loyalty: --holdout-end: '{result.GetValue(holdoutEnd)}' must be an ISO date after --calibration-end");
                return 2;
            }

            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var journals = await CustomerJournals(engine, ct);
            var scales = engine.Config.Scoring.Loyalty;
            var fit = Fit(journals, cal.Value, hold.Value, scales);
            if (fit is null)
            {
                await Console.Error.WriteLineAsync("loyalty: --calibration-end: need customers with a purchase by the calibration end, some buying again in the holdout and some not");
                return 1;
            }

            if (result.GetValue(scores) is { } scoresPath) await WriteScores(scoresPath, fit);
            if (result.GetValue(write) is { } writePath)
                await File.WriteAllTextAsync(writePath, ConfigFragment(fit.Weights).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
            Console.WriteLine(Report(fit).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    /// <summary>One scored customer: the label, the sigmoid's inputs and both scores.</summary>
    public sealed record ScoredCustomer(string CustomerId, bool BoughtAgain, double L1, double L2, double L3, double Loyalty, double BgNbdExpected);

    public sealed record LoyaltyFit(
        LocalDate CalibrationEnd, LocalDate HoldoutEnd, LoyaltyWeights Weights, LogisticFit Logistic, BgNbdFit BgNbd,
        double Auc, double BgNbdAuc, double ConfiguredAuc, IReadOnlyList<ScoredCustomer> Customers, IReadOnlyList<string> Notes);

    /// <summary>Every customer's events in journal order, read without waking customers.</summary>
    public static async Task<SortedDictionary<string, List<CustomerEvent>>> CustomerJournals(OfflineEngine engine, CancellationToken ct)
    {
        var byCustomer = new SortedDictionary<string, List<CustomerEvent>>(StringComparer.Ordinal);
        await JournalEvents.CurrentCustomerEvents(engine.System).RunForeach(e =>
        {
            if (!byCustomer.TryGetValue(e.CustomerId, out var events)) byCustomer[e.CustomerId] = events = [];
            events.Add(e.Event);
        }, engine.System.Materializer());
        ct.ThrowIfCancellationRequested();
        return byCustomer;
    }

    /// <summary>The state from the events that occurred before <paramref name="end"/> (a return of an order left out is skipped).</summary>
    public static CustomerState FoldBefore(IEnumerable<CustomerEvent> events, Instant end)
    {
        var state = CustomerState.Empty;
        foreach (var e in events)
        {
            if (e.OccurredAt >= end) continue;
            if (e is ReturnRecorded r && !state.OrdersById.ContainsKey(r.OrderId)) continue;
            state = state.Apply(e);
        }

        return state;
    }

    /// <summary>The fit, or null when there is nothing to learn from (no customer, or everyone with the same label).</summary>
    public static LoyaltyFit? Fit(SortedDictionary<string, List<CustomerEvent>> journals, LocalDate calibrationEnd, LocalDate holdoutEnd, LoyaltyWeights configured)
    {
        var calEnd = StartOfDay(calibrationEnd.PlusDays(1));
        var holdEnd = StartOfDay(holdoutEnd.PlusDays(1));
        var ids = new List<string>();
        var rows = new List<double[]>();
        var labels = new List<bool>();
        var summaries = new List<LifetimesSummary>();
        foreach (var (id, events) in journals)
        {
            var state = FoldBefore(events, calEnd);
            if (state.Orders == 0) continue;
            if (LifetimesSummaries.Compute(state.PurchaseDays, calibrationEnd, SummaryFrequency.Day, WeekMultiplier) is not { } summary) continue;
            ids.Add(id);
            rows.Add([state.Orders / configured.FrequencyScale, (double)state.NetSpend / configured.SpendScale, state.Categories.Count / configured.VarietyScale]);
            labels.Add(events.Any(e => e is PurchaseRecorded && e.OccurredAt >= calEnd && e.OccurredAt < holdEnd));
            summaries.Add(summary);
        }

        if (rows.Count == 0 || labels.All(l => l) || labels.All(l => !l)) return null;

        var (logistic, held) = FitNonNegative(rows, labels);
        var weights = configured with { A = logistic.Weights[0], B = logistic.Weights[1], C = logistic.Weights[2], Bias = logistic.Intercept };
        var bgnbd = BgNbd.Fit(summaries);
        var horizon = Period.DaysBetween(calibrationEnd, holdoutEnd) / WeekMultiplier;
        var customers = new List<ScoredCustomer>(rows.Count);
        var configuredScores = new List<double>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (l1, l2, l3) = (rows[i][0], rows[i][1], rows[i][2]);
            var s = summaries[i];
            customers.Add(new ScoredCustomer(ids[i], labels[i], l1, l2, l3,
                Sigmoid.Of(weights.A * l1 + weights.B * l2 + weights.C * l3 + weights.Bias),
                BgNbd.ExpectedPurchases(bgnbd.Parameters, horizon, s.Frequency, s.Recency, s.T)));
            configuredScores.Add(Sigmoid.Of(configured.A * l1 + configured.B * l2 + configured.C * l3 + configured.Bias));
        }

        var notes = new List<string>();
        string[] names = ["a (L1, orders)", "b (L2, net spend)", "c (L3, variety)"];
        foreach (var j in logistic.ConstantColumns)
            notes.Add($"{names[j]}: the feature is the same for every customer, so its weight cannot be told apart from the bias and is kept at 0");
        foreach (var j in held)
            notes.Add($"{names[j]}: its unconstrained maximum-likelihood weight is negative; loyalty must not fall as the feature grows, so it is held at 0 (the weights are the maximum with a, b, c ≥ 0)");
        if (!logistic.Converged) notes.Add("the logistic regression did not converge within its iteration limit");

        return new LoyaltyFit(calibrationEnd, holdoutEnd, weights, logistic, bgnbd,
            Auc.Of(customers.Select(c => c.Loyalty).ToList(), labels),
            Auc.Of(customers.Select(c => c.BgNbdExpected).ToList(), labels),
            Auc.Of(configuredScores, labels),
            customers, notes);
    }

    /// <summary>
    /// Logistic regression with a, b, c ≥ 0: loyalty may not fall as orders, spend or variety grow. A weight whose
    /// maximum is negative is held at 0 and the rest refitted (the most negative first), until none is negative; for
    /// a concave likelihood with these few features that is the constrained maximum.
    /// </summary>
    private static (LogisticFit Fit, IReadOnlyList<int> Held) FitNonNegative(IReadOnlyList<double[]> rows, IReadOnlyList<bool> labels)
    {
        var held = new List<int>();
        while (true)
        {
            var free = Enumerable.Range(0, 3).Where(j => !held.Contains(j)).ToArray();
            var fit = LogisticRegression.Fit(rows.Select(r => free.Select(j => r[j]).ToArray()).ToList(), labels);
            var weights = new double[3];
            for (var k = 0; k < free.Length; k++) weights[free[k]] = fit.Weights[k];
            var constant = fit.ConstantColumns.Select(k => free[k]).ToArray();
            var worst = free.Where(j => weights[j] < 0).OrderBy(j => weights[j]).Cast<int?>().FirstOrDefault();
            if (worst is null || free.Length == 1)
                return (new LogisticFit(weights, fit.Intercept, fit.LogLikelihood, fit.Iterations, fit.Converged, constant), held);
            held.Add(worst.Value);
        }
    }

    public static JsonObject Report(LoyaltyFit fit) => new()
    {
        ["calibration_end"] = LocalDatePattern.Iso.Format(fit.CalibrationEnd),
        ["holdout_end"] = LocalDatePattern.Iso.Format(fit.HoldoutEnd),
        ["customers"] = fit.Customers.Count,
        ["bought_again"] = fit.Customers.Count(c => c.BoughtAgain),
        ["weights"] = new JsonObject
        {
            ["a"] = fit.Weights.A,
            ["b"] = fit.Weights.B,
            ["c"] = fit.Weights.C,
            ["bias"] = fit.Weights.Bias,
            ["frequency_scale"] = fit.Weights.FrequencyScale,
            ["spend_scale"] = fit.Weights.SpendScale,
            ["variety_scale"] = fit.Weights.VarietyScale,
        },
        ["log_likelihood"] = fit.Logistic.LogLikelihood,
        ["auc"] = new JsonObject
        {
            ["fitted_loyalty"] = fit.Auc,
            ["bgnbd_expected_purchases"] = fit.BgNbdAuc,
            ["configured_loyalty"] = fit.ConfiguredAuc,
        },
        ["bgnbd"] = new JsonObject
        {
            ["r"] = fit.BgNbd.Parameters.R,
            ["alpha"] = fit.BgNbd.Parameters.Alpha,
            ["a"] = fit.BgNbd.Parameters.A,
            ["b"] = fit.BgNbd.Parameters.B,
            ["unit_days"] = WeekMultiplier,
        },
        ["notes"] = new JsonArray(fit.Notes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
    };

    /// <summary><c>{"Loyalty":{"Scoring":{"Loyalty":{A,B,C,Bias,FrequencyScale,SpendScale,VarietyScale}}}}</c>.</summary>
    public static JsonObject ConfigFragment(LoyaltyWeights w) => new()
    {
        ["Loyalty"] = new JsonObject
        {
            ["Scoring"] = new JsonObject
            {
                ["Loyalty"] = new JsonObject
                {
                    ["A"] = w.A,
                    ["B"] = w.B,
                    ["C"] = w.C,
                    ["Bias"] = w.Bias,
                    ["FrequencyScale"] = w.FrequencyScale,
                    ["SpendScale"] = w.SpendScale,
                    ["VarietyScale"] = w.VarietyScale,
                },
            },
        },
    };

    private static async Task WriteScores(string path, LoyaltyFit fit)
    {
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("customer_id,bought_again,l1,l2,l3,loyalty,bgnbd_expected_purchases");
        foreach (var c in fit.Customers)
            await writer.WriteLineAsync(string.Join(',', CsvText.Escape(c.CustomerId), c.BoughtAgain ? "1" : "0",
                c.L1.ToString("R", CultureInfo.InvariantCulture), c.L2.ToString("R", CultureInfo.InvariantCulture),
                c.L3.ToString("R", CultureInfo.InvariantCulture), c.Loyalty.ToString("R", CultureInfo.InvariantCulture),
                c.BgNbdExpected.ToString("R", CultureInfo.InvariantCulture)));
    }

    private static Instant StartOfDay(LocalDate date) => date.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
}
