using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LoyaltyActors.Notifications;

/// <summary>One SSE frame, ready to write, with the stored sequence number of its notification.</summary>
public sealed record StreamFrame(long Sequence, byte[] Bytes)
{
    public static StreamFrame Of(StoredNotification n) => new(n.Sequence, NotificationWire.SseFrame(n.NotificationId, n.Type, n.Body));
}

/// <summary>
/// The live SSE fan-out: each subscriber gets its own bounded channel of ready-made frames. Publishing never
/// waits: a subscriber whose channel is full is dropped (its stream ends; it may reconnect), so one slow
/// reader can neither block delivery nor hold memory without bound.
/// </summary>
public sealed class NotificationStream(int bufferSize, ILogger<NotificationStream>? logger = null)
{
    private readonly object _gate = new();
    private Subscription[] _subscribers = [];

    /// <summary>Live subscribers right now.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Subscribers dropped for falling behind, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>A new subscriber; dispose it to leave.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(this, Channel.CreateBounded<StreamFrame>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite fails instead, and we drop the reader
        }));
        lock (_gate) _subscribers = [.. _subscribers, subscription];
        return subscription;
    }

    /// <summary>Hands one frame to every subscriber without waiting.</summary>
    public void Publish(StreamFrame frame)
    {
        foreach (var s in Volatile.Read(ref _subscribers))
        {
            if (s.Channel.Writer.TryWrite(frame)) continue;
            if (s.Channel.Writer.TryComplete())
            {
                Interlocked.Increment(ref _dropped);
                logger?.LogWarning("dropped a notification stream subscriber that fell {Buffer} frames behind", bufferSize);
            }

            Remove(s);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate) _subscribers = _subscribers.Where(s => !ReferenceEquals(s, subscription)).ToArray();
    }

    /// <summary>One subscriber's frames. The reader completes when the subscriber is dropped or disposed.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly NotificationStream _owner;

        internal Subscription(NotificationStream owner, Channel<StreamFrame> channel)
        {
            _owner = owner;
            Channel = channel;
        }

        internal Channel<StreamFrame> Channel { get; }

        public ChannelReader<StreamFrame> Frames => Channel.Reader;

        public void Dispose()
        {
            Channel.Writer.TryComplete();
            _owner.Remove(this);
        }
    }
}
