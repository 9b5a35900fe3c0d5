using System.Text.RegularExpressions;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// Cluster membership (<c>Loyalty:Cluster:*</c>). With no seed nodes the engine is a single node: no remoting,
/// customers are children of a local region, and the aggregators run in this process.
/// </summary>
/// <param name="Hostname">The address other nodes reach this node at (also the bind address).</param>
/// <param name="Port">Akka.Remote TCP port of this node; 0 picks a free one (only sensible for a node that is no seed).</param>
/// <param name="SeedNodes"><c>akka.tcp://loyalty@host:port</c> of the nodes a starting node contacts to join.</param>
public sealed partial record ClusterSettings(string Hostname, int Port, IReadOnlyList<string> SeedNodes)
{
    public const string DefaultHostname = "127.0.0.1";
    public const int DefaultPort = 4053;

    /// <summary>The single-node default: no seed nodes.</summary>
    public static ClusterSettings SingleNode { get; } = new(DefaultHostname, DefaultPort, []);

    public bool Enabled => SeedNodes.Count > 0;

    /// <summary>Node-local scratch directory: the cluster singletons' models while they are rebuilt (the data dir).</summary>
    public string ScratchDir { get; init; } = Path.GetTempPath();

    /// <summary>Checks every field; the message names the configuration key at fault.</summary>
    /// <exception cref="ArgumentException">a field is invalid.</exception>
    public ClusterSettings Validate(string section = "Loyalty:Cluster")
    {
        if (string.IsNullOrWhiteSpace(Hostname))
            throw new ArgumentException($"{section}:Hostname must name this node's address (e.g. 10.0.0.5 or node-1.internal)");
        if (Port is < 0 or > 65535)
            throw new ArgumentException($"{section}:Port must be between 0 and 65535, not {Port}");
        for (var i = 0; i < SeedNodes.Count; i++)
        {
            var m = SeedNodePattern().Match(SeedNodes[i] ?? "");
            if (!m.Success)
                throw new ArgumentException(
                    $"{section}:SeedNodes:{i} must look like akka.tcp://{Hosting.LoyaltyActorsHosting.SystemName}@host:port, not '{SeedNodes[i]}'");
            if (m.Groups["system"].Value != Hosting.LoyaltyActorsHosting.SystemName)
                throw new ArgumentException(
                    $"{section}:SeedNodes:{i} names actor system '{m.Groups["system"].Value}'; every node's system is '{Hosting.LoyaltyActorsHosting.SystemName}'");
            if (!int.TryParse(m.Groups["port"].Value, out var port) || port is < 1 or > 65535)
                throw new ArgumentException($"{section}:SeedNodes:{i} has no valid port: '{SeedNodes[i]}'");
        }

        return this;
    }

    [GeneratedRegex(@"^akka\.tcp://(?<system>[A-Za-z0-9_-]+)@(?<host>[^:/@\s]+):(?<port>\d+)/?$")]
    private static partial Regex SeedNodePattern();
}
