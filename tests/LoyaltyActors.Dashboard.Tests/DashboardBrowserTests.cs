using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LoyaltyActors.Host.Tests;
using LoyaltyActors.Tests;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Dashboard.Tests;

/// <summary>
/// CONTRACT dashboard hooks, end to end: the real host, CDNOW_sample and Groceries replayed into it over HTTP, the
/// page at <c>/</c> opened in Debian's chromium, and every panel compared with what the API answers.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Dashboard_shows_segments_loyalty_tiers_and_rules_from_the_live_api()
    {
        RequireChromium();
        var sample = TestData.Require("cdnow-lifetimes/CDNOW_sample.txt");
        var groceries = TestData.Require("groceries/groceries.csv");
        // Independent oracle of the population: CDNOW_sample's customers (second column) plus one customer per basket.
        var expectedCustomers = File.ReadLines(sample).Where(l => l.Trim().Length > 0)
                                    .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Distinct().Count()
                                + File.ReadLines(groceries).Count(l => l.Trim().Length > 0);

        await using var host = await LoyaltyHostProcess.StartAsync(output);
        var accepted = 0L;
        foreach (var (path, format) in new[] { (sample, "cdnow-sample"), (groceries, "baskets") })
        {
            var run = await CliProcess.RunAsync(TimeSpan.FromSeconds(180), "replay", path, "--format", format, "--to", host.BaseAddress.ToString());
            output.WriteLine(run.ToString());
            Assert.True(run.ExitCode == 0, run.ToString());
            var m = Regex.Match(run.Stdout, @"replayed (\d+) events: (\d+) accepted");
            Assert.True(m.Success, run.ToString());
            accepted += long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        // The aggregators follow the journal asynchronously: wait until they consumed every accepted event.
        var segments = await AwaitAsync(async () =>
        {
            var s = await GetJsonAsync(host, "v1/segments");
            return s.GetProperty("events_consumed").GetInt64() == accepted ? s : (JsonElement?)null;
        }, $"the segment aggregator to consume {accepted} events");
        var loyalty = await GetJsonAsync(host, "v1/stats/loyalty?bins=10");
        var tiers = await GetJsonAsync(host, "v1/stats/tiers");
        Assert.Equal(expectedCustomers, loyalty.GetProperty("customers").GetInt64());
        Assert.Equal(expectedCustomers, tiers.GetProperty("customers").GetInt64());
        Assert.Equal(expectedCustomers, tiers.GetProperty("tiers").EnumerateArray().Sum(t => t.GetProperty("customers").GetInt64()));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a container: chromium's sandbox needs user namespaces it may not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error") consoleErrors.Add(m.Text);
        };
        page.PageError += (_, e) => consoleErrors.Add(e);
        var failedRequests = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Status >= 400) failedRequests.Add($"{r.Status} {r.Url}");
        };
        var response = await page.GotoAsync(host.BaseAddress.ToString());
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        var expect = new LocatorAssertionsToHaveCountOptions { Timeout = (float)Patience.TotalMilliseconds };

        // Segments: one mark per segment of the model, each with the size the API reports.
        var chart = page.GetByTestId("segments-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal("svg", await chart.EvaluateAsync<string>("e => e.tagName.toLowerCase()"));
        var apiSegments = segments.GetProperty("segments").EnumerateArray()
            .Select(s => (Label: s.GetProperty("label").GetString()!, Size: s.GetProperty("size").GetInt64())).ToList();
        Assert.Equal(segments.GetProperty("k").GetInt32(), apiSegments.Count);
        Assert.Equal(expectedCustomers, apiSegments.Sum(s => s.Size));
        var marks = chart.Locator(".segment-mark");
        await Assertions.Expect(marks).ToHaveCountAsync(apiSegments.Count, expect);
        var drawn = await ReadPairsAsync(marks, "label", "size");
        Assert.Equal(apiSegments.Order(), drawn.Order());

        // Loyalty histogram: the page's bins are the API's.
        var histogram = page.GetByTestId("loyalty-histogram");
        await Assertions.Expect(histogram).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = (float)Patience.TotalMilliseconds });
        var apiBins = loyalty.GetProperty("bins").EnumerateArray().Select(b => b.GetProperty("customers").GetInt64()).ToList();
        var bars = histogram.Locator(".bin");
        await Assertions.Expect(bars).ToHaveCountAsync(apiBins.Count, expect);
        var drawnBins = (await ReadPairsAsync(bars, "customers", "customers")).Select(b => b.Count).ToList();
        Assert.Equal(apiBins, drawnBins);
        Assert.Equal(expectedCustomers, drawnBins.Sum());

        // Tiers: one row per tier of the API with its count; together they are every customer. Tiers move on their own
        // (the customers' timers hold tier reviews, and CDNOW's 1997 tiers are reviewed now), so the page is compared with
        // the API read at the same moment, until both agree.
        var tierPanel = page.GetByTestId("tier-distribution");
        await Assertions.Expect(tierPanel).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = (float)Patience.TotalMilliseconds });
        // The panel redraws on every poll, and a redraw can drop rows (demoted tiers vanish), so its rows are read in one
        // DOM evaluation, never row by row.
        var tierRows = tierPanel.Locator(".tier");
        var drawnTiers = await AwaitAsync<List<(string Label, long Count)>>(async () =>
        {
            var api = (await GetJsonAsync(host, "v1/stats/tiers")).GetProperty("tiers").EnumerateArray()
                .Select(t => (t.GetProperty("tier").GetString()!, t.GetProperty("customers").GetInt64())).ToList();
            var drawn = await ReadPairsAsync(tierRows, "tier", "customers");
            return drawn.SequenceEqual(api) ? drawn : null;
        }, "the tier panel to show the API's tiers");
        Assert.Equal(expectedCustomers, drawnTiers.Sum(t => t.Count));
        Assert.Contains(drawnTiers, t => t.Label == "base");

        // Rules: as many rows as the API returns for the thresholds the page shows, in the API's order.
        var minSupport = await page.InputValueAsync("#min-support");
        var minConfidence = await page.InputValueAsync("#min-confidence");
        var limit = await page.InputValueAsync("#rules-limit");
        var rules = await GetJsonAsync(host, $"v1/rules?min_support={minSupport}&min_confidence={minConfidence}&limit={limit}");
        var apiRules = rules.EnumerateArray().Select(r => (r.GetProperty("antecedent").GetString()!, r.GetProperty("consequent").GetString()!)).ToList();
        Assert.NotEmpty(apiRules); // Groceries has rules at the page's default thresholds; an empty table would prove nothing
        var rulesTable = page.GetByTestId("rules-table");
        var ruleRows = rulesTable.Locator("tbody tr");
        await Assertions.Expect(ruleRows).ToHaveCountAsync(apiRules.Count, expect);
        var drawnRules = new List<(string, string)>();
        foreach (var row in await ruleRows.AllAsync())
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            drawnRules.Add((cells[0], cells[1]));
        }

        Assert.Equal(apiRules, drawnRules);

        // Notifications: the feed follows the live stream. A purchase crossing the shipped 1,000-point threshold issues
        // voucher-10; its notification appears without a reload, one item, with the customer and the reward.
        var feed = page.GetByTestId("notifications-feed");
        await Assertions.Expect(feed).ToHaveCountAsync(1);
        var before = await feed.Locator("li").CountAsync();
        using (var purchase = await host.Http.PostAsync("v1/events", new StringContent(
                   $$"""{"event_id":"dash-fan-1","type":"purchase","customer_id":"dash-fan","occurred_at":"{{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-dd'T'HH:mm:ss'Z'}}","order_id":"df-1","lines":[{"sku":"TV","category":"tv","qty":1,"unit_price":1200}]}""",
                   System.Text.Encoding.UTF8, "application/json")))
            Assert.True(purchase.IsSuccessStatusCode, await purchase.Content.ReadAsStringAsync());
        var item = feed.Locator("li", new() { HasText = "dash-fan" });
        await Assertions.Expect(item).ToHaveCountAsync(1, expect);
        Assert.Contains("voucher-10", await item.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await feed.Locator("li").CountAsync());
        await Assertions.Expect(page.Locator("#feed-empty")).ToBeHiddenAsync();

        var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot}");
        Assert.True(new FileInfo(shot).Length > 10_000, "the screenshot is suspiciously small");
        // Operations logs: the start line with the address, the projections' saves on a graceful stop (SIGTERM), and no
        // personal data: not one of the 9,835 Groceries customer ids (basket-N) appears.
        Assert.True(consoleErrors.Count == 0, string.Join("\n", consoleErrors) + "\n" + string.Join("\n", failedRequests));
        Assert.Equal(0, await host.StopAsync());
        var log = host.Log;
        Assert.Contains("Listening on " + host.BaseAddress.ToString().TrimEnd('/'), log);
        Assert.Contains("Saved projection stats at offset", log);
        Assert.DoesNotContain("basket-", log);
    }

    [SkippableFact]
    public async Task Before_any_event_every_panel_shows_its_empty_state()
    {
        RequireChromium();
        await using var host = await LoyaltyHostProcess.StartAsync(output);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.BaseAddress.ToString());
        var timeout = new LocatorAssertionsToHaveAttributeOptions { Timeout = (float)Patience.TotalMilliseconds };
        foreach (var panel in new[] { "segments-chart", "loyalty-histogram", "tier-distribution", "rules-table", "notifications-feed" })
            await Assertions.Expect(page.GetByTestId(panel)).ToHaveAttributeAsync("data-state", "empty", timeout);
        await Assertions.Expect(page.GetByTestId("segments-chart").Locator(".segment-mark")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("rules-table").Locator("tbody tr")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("loyalty-histogram")).ToContainTextAsync("No customers yet");
        await Assertions.Expect(page.Locator("#rules-empty")).ToBeVisibleAsync();
    }

    /// <summary>Skips (naming the reason) when chromium is not installed, except in CI, where it must be.</summary>
    private static void RequireChromium()
    {
        if (File.Exists(Chromium)) return;
        var message = $"{Chromium} is missing: install it with `apt-get install -y chromium` (Playwright's browser download is not used)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(message);
        Skip.If(true, message);
    }

    /// <summary>
    /// Every element <paramref name="rows"/> matches, as (data-<paramref name="label"/>, data-<paramref name="count"/>),
    /// read in one evaluation: the page redraws its panels on each poll, and a locator of the n-th row taken before a
    /// redraw that leaves fewer rows would wait for a row that never comes.
    /// </summary>
    private static async Task<List<(string Label, long Count)>> ReadPairsAsync(ILocator rows, string label, string count)
    {
        var pairs = await rows.EvaluateAllAsync<string[][]>(
            "(rows, names) => rows.map(r => [r.dataset[names[0]] ?? '', r.dataset[names[1]] ?? '-1'])", new[] { label, count });
        return pairs.Select(p => (p[0], long.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
    }

    private static async Task<JsonElement> GetJsonAsync(LoyaltyHostProcess host, string path)
    {
        using var response = await host.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The JSON read that <paramref name="probe"/> returns once it returns one, within <see cref="Patience"/>.</summary>
    private static async Task<JsonElement> AwaitAsync(Func<Task<JsonElement?>> probe, string what) =>
        (JsonElement)await AwaitAsync<object>(async () => await probe(), what);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, within <see cref="Patience"/>.</summary>
    private static async Task<T> AwaitAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (watch.Elapsed > Patience) throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}");
            await Task.Delay(200); // bounded condition poll, not a synchronisation sleep
        }
    }
}
