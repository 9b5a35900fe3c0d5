using System.Text;
using System.Text.Json.Nodes;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

public sealed class NotificationWireTests
{
    [Fact]
    public void Body_is_the_documented_snake_case_json()
    {
        var n = new Notification("rw-1", "reward.issued", "C-1", Instant.FromUtc(2026, 11, 20, 10, 15),
            new JsonObject { ["reward"] = "voucher-10", ["rule"] = "balance-1000" });

        var body = Encoding.UTF8.GetString(NotificationWire.Body(n));

        Assert.Equal("""{"notification_id":"rw-1","type":"reward.issued","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","data":{"reward":"voucher-10","rule":"balance-1000"}}""", body);
    }

    [Fact]
    public void Sse_frame_is_id_event_data_and_a_blank_line()
    {
        var frame = Encoding.UTF8.GetString(NotificationWire.SseFrame("rw-1", "reward.issued", """{"a":1}"""u8));

        Assert.Equal("id: rw-1\nevent: reward.issued\ndata: {\"a\":1}\n\n", frame);
    }

    [Theory]
    [InlineData("rw-1\ndata: forged", "notification_id")]
    [InlineData("", "notification_id")]
    [InlineData("has space", "notification_id")]
    public void An_id_that_could_break_an_sse_frame_or_a_header_is_refused_naming_the_field(string id, string field)
    {
        var error = Assert.Throws<ArgumentException>(() => NotificationWire.Body(Notifications.Reward(id)));

        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void A_line_break_inside_data_stays_escaped_on_one_line()
    {
        var n = Notifications.Reward("rw-2") with { Data = new JsonObject { ["note"] = "two\nlines" } };

        var body = Encoding.UTF8.GetString(NotificationWire.Body(n));

        Assert.DoesNotContain('\n', body);
        Assert.Equal("two\nlines", JsonNode.Parse(body)!["data"]!["note"]!.GetValue<string>());
    }
}
