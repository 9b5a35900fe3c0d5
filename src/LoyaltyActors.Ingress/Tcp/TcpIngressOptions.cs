using System.Net;

namespace LoyaltyActors.Ingress.Tcp;

/// <summary>The TCP line protocol's address and limits (<c>--tcp</c>, <c>Loyalty:Tcp:*</c>).</summary>
/// <param name="EndPoint">Where to listen; port 0 picks a free port (printed at start).</param>
/// <param name="MaxLineBytes">A longer line is answered with a <c>rejected</c> ack and skipped; the connection stays usable.</param>
/// <param name="MaxBatchLines">At most this many lines are read, ingested as one batch and acknowledged before more is read.</param>
/// <param name="IdleTimeout">A connection that sends nothing, or does not read its acks, for this long is closed.</param>
/// <param name="MaxConnections">Further connections are told so in one line and closed.</param>
public sealed record TcpIngressOptions(
    IPEndPoint EndPoint,
    int MaxLineBytes = 64 * 1024,
    int MaxBatchLines = 500,
    TimeSpan IdleTimeout = default,
    int MaxConnections = 1024)
{
    public const string DefaultAddress = "127.0.0.1:5081";

    public TimeSpan EffectiveIdleTimeout => IdleTimeout > TimeSpan.Zero ? IdleTimeout : TimeSpan.FromMinutes(5);

    /// <summary>Parses <c>HOST:PORT</c> (<c>[::1]:5081</c> for IPv6; <c>localhost</c> means 127.0.0.1).</summary>
    public static bool TryParseAddress(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        error = "";
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not HOST:PORT, e.g. {DefaultAddress}";
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port > 65535)
        {
            error = $"'{text[(colon + 1)..]}' is not a port number (0-65535)";
            return false;
        }

        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) address = IPAddress.Loopback;
        else if (host is "*" or "+") address = IPAddress.Any;
        else if (!IPAddress.TryParse(host, out address))
        {
            error = $"'{host}' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 or localhost)";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
