using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Ingress.Http;

/// <summary>
/// The fitted CLV models in the model store (<c>models.db</c>, name <see cref="ClvModelHistory.StoreName"/>): every
/// fit is appended as a new version; profiles use the latest. The stored offset is the latest version number.
/// </summary>
public static class ClvModels
{
    public static ClvModelHistory History(ModelStore store) =>
        store.Load<ClvModelHistory>(ClvModelHistory.StoreName)?.Model ?? ClvModelHistory.Empty;

    /// <summary>Appends <paramref name="model"/> (its version must be the history's next) and saves the history.</summary>
    public static void Append(ModelStore store, ClvModel model)
    {
        var history = History(store);
        if (model.Version != history.NextVersion)
            throw new InvalidOperationException($"clv model version {model.Version} is not the next version {history.NextVersion}");
        store.Save(ClvModelHistory.StoreName, model.Version, history.Add(model.ToStored()));
    }

    public static ClvModel? Latest(ModelStore store) => History(store).Latest?.ToModel();
}

/// <summary>
/// Adds the CLV figures (<c>p_alive</c>, <c>expected_purchases</c>, <c>expected_value</c>) to profiles with the
/// latest fitted model, re-read only when a newer version was stored. <see cref="HorizonPeriods"/> is
/// <c>Loyalty:Clv:HorizonPeriods</c>, in the model's time unit. The model store at <paramref name="modelsPath"/> is
/// opened (by <paramref name="openStore"/>) only once the file exists: reading a profile never creates it.
/// </summary>
public sealed class ClvProfiles(string modelsPath, Func<ModelStore> openStore, double horizonPeriods)
{
    private readonly object _gate = new();
    private long? _loadedVersion;
    private ClvModel? _model;

    public double HorizonPeriods { get; } = horizonPeriods;

    /// <summary>How long a looked-up model is used before the store is asked again whether a newer one was fitted.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    private long _checkedAt = long.MinValue;

    /// <summary>
    /// The latest fitted model, or null when none was fitted. The store is asked at most every few seconds: every profile
    /// read asks for the model, and the store's lookup is a LiteDB read under the store's one lock (measured at 7.5 % of
    /// the server's CPU during a burst of cold profile reads).
    /// </summary>
    public ClvModel? Current
    {
        get
        {
            lock (_gate)
            {
                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (_checkedAt != long.MinValue && System.Diagnostics.Stopwatch.GetElapsedTime(_checkedAt, now) < Recheck) return _model;
                _checkedAt = now;
                if (!File.Exists(modelsPath))
                {
                    _model = null;
                    _loadedVersion = null;
                    return null;
                }

                var store = openStore();
                var version = store.OffsetOf(ClvModelHistory.StoreName);
                if (version != _loadedVersion)
                {
                    _model = version is null ? null : ClvModels.Latest(store);
                    _loadedVersion = version;
                }

                return _model;
            }
        }
    }

    /// <summary>
    /// <paramref name="profile"/> with the CLV figures at its instant, from the customer's lifetimes summary (asked of the
    /// customer in the model's freq and multiplier, as of the profile's UTC date); unchanged when no model is fitted.
    /// </summary>
    public async Task<CustomerProfile> AddToAsync(CustomerProfile profile, IActorRef customers, TimeSpan timeout, CancellationToken ct = default)
    {
        if (Current is not { } model) return profile;
        var reply = await customers.Ask<SummaryResult>(
            new GetSummary(profile.CustomerId, profile.AsOf.InUtc().Date, model.Frequency, model.FrequencyMultiplier), timeout, ct);
        return Apply(profile, model, reply.Summary);
    }

    /// <summary><paramref name="profile"/> with the CLV figures of its customer's <paramref name="summary"/> under <paramref name="model"/>.</summary>
    public CustomerProfile Apply(CustomerProfile profile, ClvModel model, LifetimesSummary? summary) =>
        CustomerProfileBuilder.WithClv(profile, model, summary is { } s ? model.Estimate(s, HorizonPeriods) : null, HorizonPeriods);
}
