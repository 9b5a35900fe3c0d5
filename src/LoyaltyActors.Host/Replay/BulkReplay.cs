using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Replay;
using LoyaltyActors.Ingress.Security;

namespace LoyaltyActors.Host.Replay;

/// <summary>
/// An offline replay into the embedded SQLite journal without actors: for each command it does what the customer's
/// actor does (<see cref="CustomerDecider.Decide(CustomerState, CustomerCommand, LoyaltyProgram)"/> against the
/// customer's state, fold the accepted events, snapshot every <see cref="CustomerSettings.SnapshotEvery"/> events) and
/// appends the same journal rows, in transactions of thousands of rows written by a second thread while this one
/// decides the next. A transaction goes to the writer in chunks, each appended as soon as it is decided, so when the
/// input ends only the last chunk is left to write before the last commit. The data dir's lock makes this process the
/// journal's only writer, which is what lets states be kept here between commands.
/// </summary>
/// <remarks>
/// An outcome (accepted, duplicate or rejected) is handed out by <see cref="TakeDurable"/> only after the transaction
/// holding every event decided before it committed, so nothing is counted before it is durable. States beyond
/// <c>maxCustomers</c> are dropped least recently used first, once their writes committed; they are read back from
/// the journal (snapshot + later events, as the actor recovers) when the customer comes again.
/// </remarks>
internal sealed class BulkReplay : IReplaySink, IAsyncDisposable
{
    /// <summary>Rows per transaction: large enough that the commit's sync is negligible, small enough to keep outcomes flowing.</summary>
    public const int DefaultRowsPerTransaction = 10_000;

    public const int DefaultMaxCustomers = 50_000;

    private readonly BulkJournal _journal;
    private readonly BulkJournalWriter _writer;
    private readonly CustomerSettings _settings;
    private readonly CustomerPseudonyms _pseudonyms;
    private readonly int _rowsPerTransaction;
    private readonly int _maxCustomers;
    private readonly Dictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly int _rowsPerChunk;
    private readonly Channel<Chunk> _toWriter;
    private readonly ConcurrentQueue<Chunk> _committed = new();
    private readonly Task _writing;
    private Chunk _current = new(0);
    private long _nextChunk = 1;
    private int _rowsInTransaction;
    private int _outcomesInTransaction;
    private long _committedThrough = -1;
    private long _touch;

    public BulkReplay(BulkJournal journal, CustomerSettings settings, CustomerPseudonyms pseudonyms, Func<long> nowTicks,
        int rowsPerTransaction = DefaultRowsPerTransaction, int maxCustomers = DefaultMaxCustomers)
    {
        _journal = journal;
        _settings = settings;
        _pseudonyms = pseudonyms;
        _rowsPerTransaction = Math.Max(1, rowsPerTransaction);
        _maxCustomers = Math.Max(1, maxCustomers);
        _rowsPerChunk = Math.Clamp(_rowsPerTransaction / 8, 1, 1_000);
        // As far ahead as two whole transactions, as before transactions were sent in chunks.
        _toWriter = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(2 * (_rowsPerTransaction / _rowsPerChunk + 1))
            { SingleReader = true, SingleWriter = true });
        _writer = journal.CreateWriter(nowTicks);
        // A thread of its own, blocking when it has nothing to write: awaiting would put each wake-up on the thread pool, behind
        // the deciding loop and the reader, which hold its workers for seconds (the writes then came after the deciding).
        _writing = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Customers whose state is held in memory now.</summary>
    public int CustomersInMemory => _customers.Count;

    /// <summary>Decides one command as its customer's actor would, and queues the resulting rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ValueTask AddAsync(ReplayItem item, CancellationToken ct) => Add(item) ? SendAsync(ct) : ValueTask.CompletedTask;

    /// <summary>Decides and queues one command; true when the chunk being built is full and must be sent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Add(ReplayItem item)
    {
        var command = item.Command ?? throw new ArgumentException("only commands are replayed", nameof(item));
        if (_pseudonyms.Enabled) command = command with { CustomerId = _pseudonyms.Map(command.CustomerId) };
        var customer = Touch(command.CustomerId);

        var decision = CustomerDecider.Decide(customer.State, command, _settings.Program);
        // The outcome keeps where the item came from, not its command: a purchase's lines are garbage once decided, rather
        // than held (and copied by every collection) until the transaction commits and the outcome is counted.
        _current.Outcomes.Add((item with { Command = null }, Outcome(command.EventId, decision)));
        if (decision is Decision.Accepted accepted)
        {
            customer.State = accepted.After ?? customer.State.ApplyAll(accepted.Events);
            foreach (var e in accepted.Events)
            {
                _current.Rows.Add(new BulkRow(customer.PersistenceId, ++customer.SequenceNr, e));
                customer.EventsSinceSnapshot++;
            }

            // As the actor: after the write of a command's events, a snapshot once enough events passed since the last.
            if (customer.EventsSinceSnapshot >= _settings.SnapshotEvery)
            {
                _current.Snapshots.Add(new BulkSnapshot(customer.PersistenceId, customer.SequenceNr, customer.State));
                customer.EventsSinceSnapshot = 0;
            }

            customer.LastChunk = _current.Number;
        }

        // A run of duplicates writes nothing, but its outcomes are handed on (and states may be dropped) all the same.
        return _current.Rows.Count >= _rowsPerChunk || _current.Outcomes.Count >= _rowsPerChunk;
    }

    /// <summary>
    /// Outcomes whose transaction committed (or that needed no write and were decided before one that did), in input order;
    /// each with its item as read, less the command (where it came from, its rows and event id are what is counted).
    /// </summary>
    public IEnumerable<(ReplayItem Item, EventOutcome Outcome)> TakeDurable()
    {
        while (_committed.TryDequeue(out var done))
            foreach (var o in done.Outcomes) yield return o;
    }

    /// <summary>Writes what is still queued and waits for it to commit; afterwards <see cref="TakeDurable"/> yields every outcome.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        // Rows come only with outcomes: a transaction left open has outcomes sent or still in the chunk being built.
        if (_current.Outcomes.Count > 0 || _outcomesInTransaction > 0) await SendAsync(ct, last: true);
        _toWriter.Writer.TryComplete();
        await Writing();
    }

    private async ValueTask SendAsync(CancellationToken ct, bool last = false)
    {
        var full = _current;
        _rowsInTransaction += full.Rows.Count;
        _outcomesInTransaction += full.Outcomes.Count;
        // The chunk that fills a transaction (or the last one) ends it: the writer commits after appending it.
        if (last || _rowsInTransaction >= _rowsPerTransaction || _outcomesInTransaction >= _rowsPerTransaction)
        {
            full.EndsTransaction = true;
            _rowsInTransaction = 0;
            _outcomesInTransaction = 0;
        }

        _current = new Chunk(_nextChunk++);
        try
        {
            await _toWriter.Writer.WriteAsync(full, ct);
        }
        catch (ChannelClosedException)
        {
            await Writing();
            throw;
        }

        EvictIfOverCap();
    }

    /// <summary>Awaits the writer, turning a failed write into the replay's "storage unavailable" stop.</summary>
    private async Task Writing()
    {
        try
        {
            await _writing;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            throw new StorageUnavailableException("the journal write failed: " + ex.Message, ex);
        }
    }

    private void WriteLoop()
    {
        try
        {
            var appended = new List<Chunk>();
            foreach (var chunk in Blocking(_toWriter.Reader))
            {
                _writer.Append(chunk.Rows, chunk.Snapshots);
                chunk.Rows.Clear();
                chunk.Snapshots.Clear();
                appended.Add(chunk);
                if (!chunk.EndsTransaction) continue;
                _writer.Commit();
                // Only now are the outcomes of the transaction's chunks durable, and its customers' states safe to drop.
                Volatile.Write(ref _committedThrough, chunk.Number);
                foreach (var done in appended) _committed.Enqueue(done);
                appended.Clear();
            }
        }
        catch (Exception ex)
        {
            _toWriter.Writer.TryComplete(ex);
            throw;
        }
    }

    /// <summary>The channel's items on the calling thread, which waits (blocked) while the channel is empty.</summary>
    private static IEnumerable<T> Blocking<T>(ChannelReader<T> reader)
    {
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out var item)) yield return item;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Customer Touch(string customerId)
    {
        if (!_customers.TryGetValue(customerId, out var customer))
        {
            var stored = _journal.Load(customerId);
            customer = new Customer(BulkJournal.PersistenceIdOf(customerId), stored.State, stored.HighestSequenceNr, stored.EventsSinceSnapshot);
            _customers.Add(customerId, customer);
        }

        customer.LastTouched = ++_touch;
        return customer;
    }

    /// <summary>
    /// Beyond the cap, the least recently used customers whose writes all committed are dropped (down to 90 % of the
    /// cap, so this runs rarely); the journal has them. One still waiting for a commit stays until the next time.
    /// </summary>
    private void EvictIfOverCap()
    {
        if (_customers.Count <= _maxCustomers) return;
        var committed = Volatile.Read(ref _committedThrough);
        var target = _maxCustomers - _maxCustomers / 10;
        var candidates = _customers.Where(c => c.Value.LastChunk <= committed).OrderBy(c => c.Value.LastTouched)
            .Take(_customers.Count - target).Select(c => c.Key).ToList();
        foreach (var id in candidates)
        {
            _customers.Remove(id);
            _journal.MarkStored(id);
        }
    }

    private static EventOutcome Outcome(string eventId, Decision decision) => decision switch
    {
        Decision.Accepted => new EventOutcome(eventId, EventOutcome.Accepted, null),
        Decision.Duplicate => new EventOutcome(eventId, EventOutcome.Duplicate, null),
        Decision.Rejected r => new EventOutcome(eventId, EventOutcome.Rejected, r.Error, r.Kind),
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    public async ValueTask DisposeAsync()
    {
        _toWriter.Writer.TryComplete();
        try
        {
            await _writing;
        }
        catch
        {
            // Reported by CompleteAsync/AddAsync; disposing must not throw it again.
        }

        _writer.Dispose();
    }

    private sealed class Customer(string persistenceId, CustomerState state, long sequenceNr, int eventsSinceSnapshot)
    {
        public string PersistenceId { get; } = persistenceId;
        public CustomerState State { get; set; } = state;
        public long SequenceNr { get; set; } = sequenceNr;
        public int EventsSinceSnapshot { get; set; } = eventsSinceSnapshot;
        /// <summary>The chunk holding the customer's latest rows; the state may be dropped once that chunk's transaction committed.</summary>
        public long LastChunk { get; set; } = -1;
        public long LastTouched { get; set; }
    }

    /// <summary>Decided rows, snapshots and outcomes on their way to the writer; a transaction is one or more chunks in a row.</summary>
    private sealed class Chunk(long number)
    {
        public long Number { get; } = number;

        /// <summary>The writer commits after appending this chunk.</summary>
        public bool EndsTransaction { get; set; }

        public List<BulkRow> Rows { get; } = [];
        public List<BulkSnapshot> Snapshots { get; } = [];
        public List<(ReplayItem Item, EventOutcome Outcome)> Outcomes { get; } = [];
    }
}
