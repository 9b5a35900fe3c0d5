using System.CommandLine;
using NodaTime;
using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Ingress.Http;

namespace LoyaltyActors.Host.Cli;

public static class RulesCommand
{
    public static Command Create(IClock clock)
    {
        var minSupport = new Option<double>("--min-support") { Description = "Minimum support, a fraction of all orders (e.g. 0.006)", Required = true };
        var minConfidence = new Option<double>("--min-confidence") { Description = "Minimum confidence (e.g. 0.25)", Required = true };
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("rules", """
            Prints every 2-item association rule {a} => {b} with support >= S and confidence >= C, as arules defines
            them, sorted by lift: CSV antecedent,consequent,support,confidence,lift,count (or JSON).
            Example: loyalty rules --min-support 0.006 --min-confidence 0.25 --data-dir ./data
            """)
        {
            minSupport, minConfidence, format, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            var s = result.GetValue(minSupport);
            var c = result.GetValue(minConfidence);
            if (s is < 0 or > 1 || c is < 0 or > 1 || double.IsNaN(s) || double.IsNaN(c))
            {
                await Console.Error.WriteLineAsync("loyalty: --min-support and --min-confidence must be numbers from 0 to 1");
                return 2;
            }

            var fmt = result.GetValue(format)!;
            if (fmt is not ("csv" or "json"))
            {
                await Console.Error.WriteLineAsync($"loyalty: --format must be csv or json, not '{fmt}'");
                return 2;
            }

            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var settings = engine.Options.Recommender;
            // Every partition (Loyalty:Recommender:Partitions) caught up in one journal read, saved, and merged.
            var partitions = RecommenderPartitions.Load(engine.Models, settings, message => Console.Error.WriteLine($"loyalty: {message}"));
            if (await RecommenderPartitions.CatchUpAsync(partitions, engine.System, ct))
                foreach (var partition in partitions) partition.Save(engine.Models);

            var rules = ((RulesResult)RecommenderPartitions.Answer(partitions, new GetRules(s, c))).Rules;
            if (fmt == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(rules.Select(ModelEndpoints.RuleBody), new JsonSerializerOptions(LoyaltyJson.Options) { WriteIndented = true }));
                return 0;
            }

            Console.WriteLine("antecedent,consequent,support,confidence,lift,count");
            foreach (var r in rules)
                Console.WriteLine(string.Join(',', CsvText.Escape(r.Antecedent), CsvText.Escape(r.Consequent),
                    r.Support.ToString("R", CultureInfo.InvariantCulture), r.Confidence.ToString("R", CultureInfo.InvariantCulture),
                    r.Lift.ToString("R", CultureInfo.InvariantCulture), r.Count.ToString(CultureInfo.InvariantCulture)));
            return 0;
        });
        return command;
    }
}
