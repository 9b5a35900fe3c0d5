using LoyaltyActors.Ingress.Http;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Http;

/// <summary>The request body read into a pooled buffer: the same bytes as sent, and nothing over the limit.</summary>
public sealed class PooledBodyTests
{
    private static HttpRequest Request(byte[] body, bool withLength)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        if (withLength) context.Request.ContentLength = body.Length;
        return context.Request;
    }

    private static byte[] Body(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 % 251)).ToArray();

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(125_000, true)]
    [InlineData(125_000, false)] // no Content-Length: the buffer grows several times
    [InlineData(200_000, false)]
    public async Task The_body_read_is_every_byte_sent_in_order(int length, bool withLength)
    {
        var sent = Body(length);
        using var body = await LoyaltyEndpoints.ReadPooledBodyAsync(Request(sent, withLength), 200_000);

        Assert.NotNull(body);
        Assert.Equal(sent, body.Bytes.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_one_byte_over_the_limit_is_refused(bool withLength)
    {
        Assert.Null(await LoyaltyEndpoints.ReadPooledBodyAsync(Request(Body(100_001), withLength), 100_000));
    }
}
