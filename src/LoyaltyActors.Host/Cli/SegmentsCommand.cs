using System.CommandLine;
using NodaTime;
using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Ingress.Http;

namespace LoyaltyActors.Host.Cli;

public static class SegmentsCommand
{
    public static Command Create(IClock clock)
    {
        var export = new Option<string?>("--export")
        {
            Description = "Also write CSV customer_id,segment,recency,frequency,monetary,variety: the exact standardised vectors the model clusters",
        };
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var command = new Command("segments", """
            Prints the segment model JSON (same body as GET /v1/segments), after bringing it up to date with the journal.
            Example: loyalty segments --data-dir ./data --export segments.csv
            """)
        {
            export, dataDir, config,
        };
        command.SetAction(async (result, ct) =>
        {
            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var settings = engine.Options.Segments;
            var projection = await engine.CatchUpAsync(store => SegmentsProjection.Load(store, settings), ct);
            Console.WriteLine(JsonSerializer.Serialize(ModelEndpoints.SegmentsBody((SegmentsResult)projection.Answer(GetSegments.Instance)!),
                new JsonSerializerOptions(LoyaltyJson.Options) { WriteIndented = true }));

            if (result.GetValue(export) is { } path)
            {
                var rows = (ExportSegmentsResult)projection.Answer(ExportSegments.Instance)!;
                await using var writer = new StreamWriter(path);
                await writer.WriteLineAsync("customer_id,segment," + string.Join(',', rows.Features));
                foreach (var (customer, segment, vector) in rows.Rows)
                    await writer.WriteLineAsync(string.Join(',', CsvText.Escape(customer), CsvText.Escape(segment),
                        string.Join(',', vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
            }

            return 0;
        });
        return command;
    }
}
