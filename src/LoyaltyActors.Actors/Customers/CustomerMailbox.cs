using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace LoyaltyActors.Actors.Customers;

/// <summary>
/// The mailbox of a customer actor: unbounded and deque-based (what a persistent actor's stash needs), like Akka's
/// default for persistent actors, but small. Akka's queue is a <c>ConcurrentQueue</c> whose first segment (32 slots
/// and cache-line padding, over a kilobyte) is allocated per mailbox; a customer has a message or two in flight, and
/// is created by the hundred thousand. This queue is a ring buffer behind a lock: nothing until the first message,
/// four slots after it, and back to nothing when a burst that grew it has drained.
/// </summary>
public sealed class CustomerMailbox : MailboxType, IProducesMessageQueue<CustomerMessageQueue>
{
    /// <summary>The mailbox id the customer actor's props name.</summary>
    public const string Id = "loyalty-customer-mailbox";

    /// <summary>The configuration that defines <see cref="Id"/>; part of the actor system's configuration.</summary>
    public static Config Hocon { get; } = ConfigurationFactory.ParseString(
        $"{Id}.mailbox-type = \"{typeof(CustomerMailbox).FullName}, {typeof(CustomerMailbox).Assembly.GetName().Name}\"");

    public CustomerMailbox(Settings settings, Config config)
        : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new CustomerMessageQueue();
}

/// <summary>
/// A first-in first-out queue with a front (for unstashing), safe for many producers and the one consumer a mailbox has.
/// </summary>
public sealed class CustomerMessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    /// <summary>Slots kept once drained; a larger buffer (a burst) is dropped when it empties.</summary>
    private const int KeptCapacity = 4;

    private Envelope[]? _items;
    private int _head;
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (this)
        {
            Grow();
            _items![(_head + _count) % _items.Length] = envelope;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public void EnqueueFirst(Envelope envelope)
    {
        lock (this)
        {
            Grow();
            _head = (_head - 1 + _items!.Length) % _items.Length;
            _items[_head] = envelope;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (this)
        {
            if (_count == 0)
            {
                envelope = default;
                return false;
            }

            envelope = _items![_head];
            _items[_head] = default;
            _head = (_head + 1) % _items.Length;
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0)
            {
                _head = 0;
                if (_items.Length > KeptCapacity) _items = null;
            }

            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }

    /// <summary>Makes room for one more (under the lock).</summary>
    private void Grow()
    {
        if (_items is null)
        {
            _items = new Envelope[KeptCapacity];
            _head = 0;
            return;
        }

        if (_count < _items.Length) return;
        var larger = new Envelope[_items.Length * 2];
        for (var i = 0; i < _count; i++) larger[i] = _items[(_head + i) % _items.Length];
        _items = larger;
        _head = 0;
    }
}
