using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Domain.Segments;
using LoyaltyActors.Storage;
using NodaTime;

namespace LoyaltyActors.Actors.Projections;

/// <summary>Segment settings (<c>Loyalty:Segments:*</c>).</summary>
/// <param name="SweepEveryEvents">
/// Recency is refreshed to the latest event time and Lloyd passes are run after every this many events consumed, or
/// after as many events as there are customers when there are more (a sweep touches every customer, so its cost per
/// event stays bounded as the population grows): counted in events, not seconds, so a replay interrupted and resumed
/// ends in the same model.
/// </param>
public sealed record SegmentSettings(int K = 5, int Seed = 17, int MinCustomersToSeed = 50, int SweepEveryEvents = 5_000);

/// <summary>A customer moved from one segment to another (published on the actor system's event stream).</summary>
public sealed record CustomerSegmentChanged(string CustomerId, string? From, string? To, Instant At);

/// <summary>The segment model: <c>GET /v1/segments</c>.</summary>
public sealed record SegmentsResult(int K, IReadOnlyList<SegmentInfo> Segments, long EventsConsumed, long Customers, double Inertia);

public sealed class GetSegments
{
    public static GetSegments Instance { get; } = new();

    private GetSegments()
    {
    }
}

public sealed record GetCustomerSegment(string CustomerId);

public sealed record CustomerSegmentResult(string CustomerId, string? Segment);

public sealed class ExportSegments
{
    public static ExportSegments Instance { get; } = new();

    private ExportSegments()
    {
    }
}

public sealed record ExportSegmentsResult(IReadOnlyList<string> Features, IReadOnlyList<(string CustomerId, string Segment, double[] Vector)> Rows);

/// <summary>
/// Online k-means over every purchasing customer's (recency, frequency, monetary, variety), folded from the
/// journal. Recency is measured to the latest event time seen (event time, so replays match live runs).
/// Publishes population statistics for the profiles' behaviour score and segment changes for subscribers.
/// </summary>
public sealed class SegmentsProjection : JournalProjection
{
    public const string ModelName = "segments";

    private readonly SegmentSettings _settings;
    private readonly Dictionary<string, Accumulator> _customers;
    private readonly List<object> _notifications = [];
    private readonly SegmentModel _model;
    private PopulationBoard? _board;
    private Instant _reference;
    private double _viewsSum, _viewsSq, _reviewsSum, _reviewsSq;

    // The answer to queries: a converged copy of the model, rebuilt when the model changed. The model itself
    // is swept only every SweepEveryEvents events, so it stays a function of the journal alone.
    private SegmentModel? _view;
    private bool _viewStale = true;
    private int _ticksSinceView;

    /// <summary>The <see cref="JournalProjection.EventsConsumed"/> count at which the next sweep runs.</summary>
    private long _nextSweepAt;

    private SegmentsProjection(SegmentSettings settings, SegmentModel model, Dictionary<string, Accumulator> customers, Instant reference)
    {
        _settings = settings;
        _nextSweepAt = settings.SweepEveryEvents;
        _model = model;
        _customers = customers;
        _reference = reference;
        foreach (var a in customers.Values) AddActivity(a, +1);
    }

    public override string Name => ModelName;

    public SegmentModel Model => _model;

    public static SegmentsProjection Empty(SegmentSettings settings) =>
        new(settings, new SegmentModel(settings.K, settings.Seed, settings.MinCustomersToSeed), new(StringComparer.Ordinal), Instant.MinValue);

    /// <summary>The saved model, or an empty one; a saved model built with another k is discarded (rebuilt from the journal).</summary>
    public static SegmentsProjection Load(ModelStore store, SegmentSettings settings)
    {
        var saved = store.Load<Snapshot>(ModelName);
        if (saved is null || saved.Model.Model.K != settings.K) return Empty(settings);
        var s = saved.Model;
        var customers = new Dictionary<string, Accumulator>(s.Ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < s.Ids.Length; i++)
            customers[s.Ids[i]] = new Accumulator(s.LastPurchase[i], s.Orders[i], s.Spend[i], [.. s.Categories[i]], s.Views[i], s.Reviews[i]);
        var projection = new SegmentsProjection(settings, SegmentModel.FromSnapshot(s.Model), customers, s.ReferenceTicks == long.MinValue ? Instant.MinValue : Instant.FromUnixTimeTicks(s.ReferenceTicks))
        {
            Offset = saved.Offset,
            EventsConsumed = s.EventsConsumed,
        };
        // Saved before sweeps were spaced by population: the next multiple of SweepEveryEvents, as it was then.
        projection._nextSweepAt = s.NextSweepAt > 0
            ? s.NextSweepAt
            : (s.EventsConsumed / settings.SweepEveryEvents + 1) * settings.SweepEveryEvents;
        return projection;
    }

    protected override void When(string customerId, CustomerEvent e)
    {
        if (e is CustomerErased)
        {
            if (_customers.Remove(customerId, out var gone))
            {
                AddActivity(gone, -1);
                var was = _model.SegmentOf(customerId);
                _model.Remove(customerId);
                if (was is not null) Notify(customerId, was, null, e.OccurredAt);
                _viewStale = true;
            }

            return;
        }

        if (e.OccurredAt > _reference) _reference = e.OccurredAt;
        _customers.TryGetValue(customerId, out var a);
        var before = a;
        switch (e)
        {
            case PurchaseRecorded p:
                a ??= new Accumulator(long.MinValue, 0, 0m, new HashSet<string>(StringComparer.Ordinal), 0, 0);
                a = a with { LastPurchaseTicks = Math.Max(a.LastPurchaseTicks, p.OccurredAt.ToUnixTimeTicks()), Orders = a.Orders + 1, Spend = a.Spend + p.Amount };
                foreach (var line in p.Lines)
                    if (line.Category.Length > 0) a.Categories.Add(line.Category);
                break;
            case ReturnRecorded r when a is not null:
                a = a with { Spend = a.Spend - r.Amount };
                break;
            case ItemViewed when a is not null:
                a = a with { Views = a.Views + 1 };
                break;
            case ReviewPosted when a is not null:
                a = a with { Reviews = a.Reviews + 1 };
                break;
            default:
                // Customers enter the segmentation with their first purchase.
                MaybeSweep();
                return;
        }

        if (before is not null) AddActivity(before, -1);
        AddActivity(a, +1);
        _customers[customerId] = a;
        var (old, now) = _model.Upsert(customerId, Features(a));
        if (old != now) Notify(customerId, old, now, e.OccurredAt);
        _viewStale = true;
        MaybeSweep();
    }

    private void MaybeSweep()
    {
        // EventsConsumed is incremented after When returns, hence + 1.
        if (EventsConsumed + 1 < _nextSweepAt) return;
        Sweep();
        _nextSweepAt = EventsConsumed + 1 + Math.Max(_settings.SweepEveryEvents, _customers.Count);
    }

    /// <summary>The deterministic sweep of the model itself, every <see cref="SegmentSettings.SweepEveryEvents"/> events.</summary>
    public void Sweep()
    {
        var before = Assignments();
        Converge(_model);
        foreach (var id in _customers.Keys)
        {
            var now = _model.SegmentOf(id);
            before.TryGetValue(id, out var old);
            if (old != now) Notify(id, old, now, _reference);
        }

        _viewStale = true;
    }

    /// <summary>Refreshes every customer's recency to the latest event time, then runs Lloyd passes until stable (at most 50).</summary>
    private void Converge(SegmentModel model)
    {
        foreach (var (id, a) in _customers) model.Upsert(id, Features(a));
        for (var pass = 0; pass < 50 && model.Sweep() > 0; pass++)
        {
        }
    }

    /// <summary>
    /// The model as queries see it, a function of the current customers' features alone (not of the order the
    /// journal delivered them in, which decides the online model's local optimum): customers are taken in id
    /// order, seeded by k-means++ over the whole population, and Lloyd passes run to a fixed point; the best of
    /// <see cref="ViewRestarts"/> seeds by inertia is kept. Cached until the next event, so the live server, a
    /// resumed server, a rebuild and a clean replay of the same events all answer the same.
    /// </summary>
    /// <param name="fresh">False: the last view built will do even if events arrived since (profile lookups).</param>
    private SegmentModel View(bool fresh = true)
    {
        if (_view is not null && (!_viewStale || !fresh)) return _view;
        var ids = _customers.Keys.Order(StringComparer.Ordinal).ToArray();
        SegmentModel? best = null;
        var bestInertia = double.PositiveInfinity;
        for (var restart = 0; restart < ViewRestarts; restart++)
        {
            // Seeding waits for the whole population (or never happens below the configured minimum).
            var model = new SegmentModel(_settings.K, _settings.Seed + restart,
                Math.Max(Math.Max(_settings.K, _settings.MinCustomersToSeed), ids.Length));
            foreach (var id in ids) model.Upsert(id, Features(_customers[id]));
            for (var pass = 0; pass < 100 && model.Sweep() > 0; pass++)
            {
            }

            var inertia = model.Inertia();
            if (best is null || inertia < bestInertia)
            {
                best = model;
                bestInertia = inertia;
            }

            if (!model.Seeded) break;
        }

        _view = best!;
        _viewStale = false;
        _ticksSinceView = 0;
        if (_view.Seeded) _board?.Publish(PopulationStats(_view));
        return _view;
    }

    /// <summary>Seeds tried for the query view; k-means++ can land in a poor local optimum.</summary>
    private const int ViewRestarts = 3;

    /// <summary>Publishes the population statistics here after every sweep (and now, if seeded).</summary>
    public SegmentsProjection PublishTo(PopulationBoard board)
    {
        _board = board;
        View();
        return this;
    }

    /// <summary>Population statistics for the behaviour score, over purchasing customers.</summary>
    private PopulationStats PopulationStats(SegmentModel model)
    {
        var p = model.Population;
        var n = Math.Max(1, _customers.Count);
        return new PopulationStats(p.Frequency, p.Monetary, p.Variety, p.Recency,
            Moments(_viewsSum, _viewsSq, n), Moments(_reviewsSum, _reviewsSq, n),
            // Standardised with the moments of this same population, the mean of C is 0 by construction.
            BehaviorMean: 0);
    }

    /// <summary>
    /// Rebuilds a stale view (and publishes its population statistics) on every 12th tick at most, about once a
    /// minute: the rebuild is a full k-means over the population. Queries rebuild a stale view on demand.
    /// </summary>
    public override void Tick()
    {
        if (_viewStale && ++_ticksSinceView >= 12) View();
    }

    public override IReadOnlyList<object> DrainNotifications()
    {
        var drained = _notifications.ToArray();
        _notifications.Clear();
        return drained;
    }

    public override object? Answer(object query) => query switch
    {
        GetSegments => View() is var v ? new SegmentsResult(v.K, v.Segments, EventsConsumed, v.Customers, v.Inertia()) : null,
        GetCustomerSegment q => View(fresh: false) is var v ? new CustomerSegmentResult(q.CustomerId, LabelOf(v, v.SegmentOf(q.CustomerId))) : null,
        ExportSegments => View() is var v
            ? new ExportSegmentsResult(SegmentModel.FeatureNames,
                v.Export().Where(r => r.Segment >= 0).Select(r => (r.CustomerId, LabelOf(v, r.Segment)!, r.Vector)).ToList())
            : null,
        _ => null,
    };

    public override void Save(ModelStore store)
    {
        var n = _customers.Count;
        var s = new Snapshot
        {
            EventsConsumed = EventsConsumed,
            ReferenceTicks = _reference == Instant.MinValue ? long.MinValue : _reference.ToUnixTimeTicks(),
            Ids = new string[n], LastPurchase = new long[n], Orders = new int[n], Spend = new decimal[n],
            Categories = new string[n][], Views = new int[n], Reviews = new int[n],
            Model = _model.ToSnapshot(),
            NextSweepAt = _nextSweepAt,
        };
        var i = 0;
        foreach (var (id, a) in _customers)
        {
            s.Ids[i] = id;
            s.LastPurchase[i] = a.LastPurchaseTicks;
            s.Orders[i] = a.Orders;
            s.Spend[i] = a.Spend;
            s.Categories[i] = [.. a.Categories.Order(StringComparer.Ordinal)];
            s.Views[i] = a.Views;
            s.Reviews[i] = a.Reviews;
            i++;
        }

        store.Save(ModelName, Offset, s);
    }

    private static string? LabelOf(SegmentModel model, int? segment) =>
        segment is int id ? model.LabelOf(id) : null;

    private void Notify(string customerId, int? old, int? now, Instant at) =>
        _notifications.Add(new CustomerSegmentChanged(customerId, LabelOf(_model, old), LabelOf(_model, now), at));

    private Dictionary<string, int?> Assignments()
    {
        var map = new Dictionary<string, int?>(_customers.Count, StringComparer.Ordinal);
        foreach (var id in _customers.Keys) map[id] = _model.SegmentOf(id);
        return map;
    }

    private CustomerFeatures Features(Accumulator a) => new(
        RecencyDays: Math.Max(0, (_reference - Instant.FromUnixTimeTicks(a.LastPurchaseTicks)).TotalDays),
        Frequency: a.Orders,
        Monetary: Math.Max(0, (double)a.Spend),
        Variety: a.Categories.Count);

    private void AddActivity(Accumulator a, int sign)
    {
        var v = Math.Log(1 + a.Views);
        var r = Math.Log(1 + a.Reviews);
        _viewsSum += sign * v;
        _viewsSq += sign * v * v;
        _reviewsSum += sign * r;
        _reviewsSq += sign * r * r;
    }

    private static FeatureMoments Moments(double sum, double sq, int n)
    {
        var mean = sum / n;
        return new FeatureMoments(mean, Math.Sqrt(Math.Max(0, sq / n - mean * mean)));
    }

    private sealed record Accumulator(long LastPurchaseTicks, int Orders, decimal Spend, HashSet<string> Categories, int Views, int Reviews);

    /// <summary>What is saved: the model and every customer's running features, with the offset alongside.</summary>
    public sealed class Snapshot
    {
        public long EventsConsumed { get; set; }
        public long ReferenceTicks { get; set; }
        public string[] Ids { get; set; } = [];
        public long[] LastPurchase { get; set; } = [];
        public int[] Orders { get; set; } = [];
        public decimal[] Spend { get; set; } = [];
        public string[][] Categories { get; set; } = [];
        public int[] Views { get; set; } = [];
        public int[] Reviews { get; set; } = [];
        public SegmentSnapshot Model { get; set; } = new();

        /// <summary>When the next sweep runs (events consumed); 0 in snapshots saved before it was kept.</summary>
        public long NextSweepAt { get; set; }
    }
}
