using Akka.Configuration;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// The Akka configuration of a clustered node: remoting on <see cref="ClusterSettings.Hostname"/>:<see cref="ClusterSettings.Port"/>,
/// the seed nodes, the split-brain resolver (keep-majority), sharding without remembered entities (idle customers are
/// passivated by sharding, after the customers' idle time), and NodaTime values on the wire.
/// </summary>
public static class ClusterHocon
{
    /// <summary>Sharding's type name for customers: every node must use the same.</summary>
    public const string CustomerTypeName = "customer";

    /// <summary>The role every loyalty node carries; singletons and shards live on nodes with it.</summary>
    public const string Role = "loyalty";

    public static Config For(ClusterSettings cluster)
    {
        var seeds = string.Join(", ", cluster.SeedNodes.Select(Quote));
        return ConfigurationFactory.ParseString($$"""
            akka {
              actor {
                provider = cluster
                serialization-settings.json.converters = [
                  {{Quote(typeof(NodaTimeJsonConverter).AssemblyQualifiedName!)}},
                  {{Quote(typeof(CollectionJsonConverter).AssemblyQualifiedName!)}}
                ]
              }
              remote {
                dot-netty.tcp {
                  hostname = {{Quote(cluster.Hostname)}}
                  public-hostname = {{Quote(cluster.Hostname)}}
                  port = {{cluster.Port}}
                  # Journal batches and aggregator answers (segment exports) can be large.
                  maximum-frame-size = 16MiB
                  send-buffer-size = 32MiB
                  receive-buffer-size = 32MiB
                }
              }
              cluster {
                seed-nodes = [{{seeds}}]
                roles = [{{Role}}]
                # Keep-majority: after a partition (or a crashed node) the side with most nodes downs the other after
                # the membership has been stable for stable-after; the minority side downs itself.
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = 10s
                  keep-majority.role = {{Role}}
                }
                # A crashed node is noticed within a few seconds on loopback or a LAN.
                failure-detector.acceptable-heartbeat-pause = 5s
                run-coordinated-shutdown-when-down = on
                sharding {
                  role = {{Role}}
                  remember-entities = off
                  # Idle customers are stopped by sharding's own idle passivation, set in code from
                  # Loyalty:Customers:PassivateAfterSeconds (LoyaltyClusterHosting, with StopCustomer).
                  state-store-mode = ddata
                }
                singleton.role = {{Role}}
                singleton-proxy.role = {{Role}}
              }
              coordinated-shutdown.exit-clr = off
            }
            """);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
