using System.Text;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

/// <summary>A live subscriber on the real <c>GET /v1/notifications/stream</c>.</summary>
public sealed class NotificationStreamEndpointTests
{
    /// <summary>Reads an SSE response as text until a condition holds on what arrived.</summary>
    private sealed class SseClient : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly Stream _body;
        private readonly StringBuilder _text = new();
        private readonly byte[] _buffer = new byte[4096];

        private SseClient(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _body = body;
        }

        public string ContentType => _response.Content.Headers.ContentType?.MediaType ?? "";

        public string Text => _text.ToString();

        public static async Task<SseClient> ConnectAsync(HttpClient http, string? lastEventId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/notifications/stream");
            if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var client = new SseClient(response, await response.Content.ReadAsStreamAsync());
            // The server subscribes before it writes this comment: after it, nothing published is missed.
            await client.ReadUntilAsync(t => t.Contains(": connected\n\n", StringComparison.Ordinal));
            return client;
        }

        public async Task ReadUntilAsync(Func<string, bool> done)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!done(_text.ToString()))
            {
                int read;
                try
                {
                    read = await _body.ReadAsync(_buffer, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"the stream did not deliver the expected text within 20 s; got:\n{_text}");
                }

                if (read == 0) throw new EndOfStreamException($"the stream ended; got:\n{_text}");
                _text.Append(Encoding.UTF8.GetString(_buffer, 0, read));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _body.DisposeAsync();
            _response.Dispose();
        }
    }

    private static string Frame(string id, string json) => $"id: {id}\nevent: reward.issued\ndata: {json}\n\n";

    [Fact]
    public async Task A_subscriber_receives_each_enqueued_notification_once_as_an_id_event_data_frame()
    {
        using var scratch = new Scratch();
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [], SystemClock.Instance);
        await using var sse = await SseClient.ConnectAsync(host.Http);

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1"), Notifications.Reward("rw-1")]);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-2", customer: "C-2", reward: "voucher-20")]);

        var expected = ": connected\n\n"
            + Frame("rw-1", """{"notification_id":"rw-1","type":"reward.issued","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","data":{"reward":"voucher-10","rule":"balance-1000","points_balance":1003}}""")
            + Frame("rw-2", """{"notification_id":"rw-2","type":"reward.issued","customer_id":"C-2","occurred_at":"2026-11-20T10:15:00Z","data":{"reward":"voucher-20","rule":"balance-1000","points_balance":1003}}""");
        await sse.ReadUntilAsync(t => t.Length >= expected.Length);
        Assert.Equal("text/event-stream", sse.ContentType);
        Assert.Equal(expected, sse.Text);
    }

    private static string Body(string id) =>
        $$$"""{"notification_id":"{{{id}}}","type":"reward.issued","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","data":{"reward":"voucher-10","rule":"balance-1000","points_balance":1003}}""";

    [Fact]
    public async Task A_reconnecting_subscriber_gets_what_it_missed_after_its_Last_Event_ID_then_live_frames()
    {
        using var scratch = new Scratch();
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [], SystemClock.Instance);
        await using (var first = await SseClient.ConnectAsync(host.Http))
        {
            await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
            await first.ReadUntilAsync(t => t.EndsWith(Frame("rw-1", Body("rw-1")), StringComparison.Ordinal));
        }

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-2"), Notifications.Reward("rw-3")]);
        await using var second = await SseClient.ConnectAsync(host.Http, lastEventId: "rw-1");
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-4")]);

        var expected = ": connected\n\n" + Frame("rw-2", Body("rw-2")) + Frame("rw-3", Body("rw-3")) + Frame("rw-4", Body("rw-4"));
        await second.ReadUntilAsync(t => t.Length >= expected.Length);
        Assert.Equal(expected, second.Text);
    }

    [Fact]
    public async Task An_unknown_Last_Event_ID_gets_a_comment_and_the_live_stream()
    {
        using var scratch = new Scratch();
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [], SystemClock.Instance);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);

        await using var sse = await SseClient.ConnectAsync(host.Http, lastEventId: "never-seen");
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-2")]);

        var expected = ": connected\n\n: unknown Last-Event-ID, live notifications only\n\n" + Frame("rw-2", Body("rw-2"));
        await sse.ReadUntilAsync(t => t.Length >= expected.Length);
        Assert.Equal(expected, sse.Text);
    }

    [Fact]
    public async Task An_idle_stream_carries_comment_heartbeats()
    {
        using var scratch = new Scratch();
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [], SystemClock.Instance,
            o => o with { StreamHeartbeat = TimeSpan.FromMilliseconds(100) });
        await using var sse = await SseClient.ConnectAsync(host.Http);

        await sse.ReadUntilAsync(t => t.Split(": heartbeat\n\n").Length >= 3);

        Assert.Equal(1, host.Stream.SubscriberCount);
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams()
    {
        using var scratch = new Scratch();
        var host = await NotificationHost.StartAsync(scratch.Dir, [], SystemClock.Instance);
        var sse = await SseClient.ConnectAsync(host.Http);
        var stop = Task.Run(async () => await host.DisposeAsync());

        await Assert.ThrowsAsync<EndOfStreamException>(() => sse.ReadUntilAsync(_ => false));
        await stop.WaitAsync(TimeSpan.FromSeconds(20));
        await sse.DisposeAsync();
    }
}
