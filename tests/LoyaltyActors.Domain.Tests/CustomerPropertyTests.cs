using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Tests.Support;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>
/// Properties of decide-then-evolve over generated histories of a handful of customers, orders and SKUs:
/// duplicates change nothing, replaying the accepted events equals the live loop, a full return gives back
/// every point its purchase earned.
/// </summary>
public sealed class CustomerPropertyTests
{
    private static readonly Instant Start = Instant.FromUtc(2026, 1, 1, 0, 0);
    private static readonly string[] Customers = ["C-1", "C-2", "C-3"];
    private static readonly (string Sku, string Category)[] Skus =
        [("SKU-1", "dairy"), ("SKU-2", "dairy"), ("SKU-3", "bakery"), ("SKU-4", ""), ("SKU-5", "produce")];
    private static readonly decimal[] Prices = [0m, 0.33m, 0.99m, 2.50m, 3.50m, 7.77m, 19.99m, 120.00m];
    private static readonly decimal[] Rates = [1m, 0.5m, 2.37m, 10m, 0.1m];

    // ---- what a history is made of: steps resolved against the live state into commands ----

    /// <summary>Something a customer does; <see cref="Resolve"/> turns it into the command sent at that point.</summary>
    public abstract record Step(string CustomerId, int Minute)
    {
        public Instant At => Start + Duration.FromMinutes(Minute);

        public abstract CustomerCommand Resolve(string eventId, CustomerState state);
    }

    public sealed record Buy(string CustomerId, int Minute, int OrderNo, IReadOnlyList<(int Sku, int Qty, decimal Price)> Lines) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state) =>
            new RecordPurchase(eventId, CustomerId, At, $"O-{OrderNo}", "pos",
                Lines.Select(l => new PurchaseLineInput(Skus[l.Sku].Sku, Skus[l.Sku].Category, l.Qty, l.Price)).ToList());

        public override string ToString() => $"Buy({CustomerId} @{Minute} O-{OrderNo}: {string.Join(" ", Lines.Select(l => $"{Skus[l.Sku].Sku}×{l.Qty}@{l.Price}"))})";
    }

    /// <summary>
    /// Returns units of one of the customer's orders (picked by index among the orders recorded so far, so that
    /// most returns can succeed); some ask for too many units or a SKU the order lacks, some name no order at all.
    /// </summary>
    public sealed record GiveBack(string CustomerId, int Minute, int OrderPick, IReadOnlyList<(int LinePick, int Qty)> Lines, bool UnknownOrder) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state)
        {
            var orders = state.OrdersById.Keys.Order(StringComparer.Ordinal).ToList();
            if (UnknownOrder || orders.Count == 0)
            {
                // an order not recorded (yet): the return is held, and settled or discarded if that order comes
                var pending = $"O-{OrderPick % 8 + 1}";
                return new RecordReturn(eventId, CustomerId, At, state.OrdersById.ContainsKey(pending) ? "O-unknown" : pending, "pos",
                    [new ReturnLineInput(Skus[(OrderPick + Lines.Count) % Skus.Length].Sku, 1)]);
            }
            var orderId = orders[OrderPick % orders.Count];
            var order = state.OrdersById[orderId];
            return new RecordReturn(eventId, CustomerId, At, orderId, "pos",
                Lines.Select(l => new ReturnLineInput(l.LinePick < 0 ? "SKU-404" : order.Lines[l.LinePick % order.Lines.Length].Sku, l.Qty)).ToList());
        }

        public override string ToString() =>
            $"GiveBack({CustomerId} @{Minute} order#{OrderPick}{(UnknownOrder ? " unknown" : "")}: {string.Join(" ", Lines.Select(l => $"line#{l.LinePick}×{l.Qty}"))})";
    }

    public sealed record Look(string CustomerId, int Minute, int Sku, double Dwell) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state) => new RecordView(eventId, CustomerId, At, Skus[Sku].Sku, Dwell);
    }

    public sealed record Rate(string CustomerId, int Minute, int Sku, int Rating) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state) => new RecordReview(eventId, CustomerId, At, Skus[Sku].Sku, Rating);
    }

    public sealed record Spend(string CustomerId, int Minute, long Points) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state) => new RedeemPoints(eventId, CustomerId, At, Points, "voucher");
    }

    /// <summary>A history under points only, or (<paramref name="Full"/>) under the whole program: expiry, tiers, rewards.</summary>
    /// <summary>Time passes for the customer: its wake-up timer fires at that minute.</summary>
    public sealed record Tick(string CustomerId, int Minute) : Step(CustomerId, Minute)
    {
        public override CustomerCommand Resolve(string eventId, CustomerState state) => new AdvanceClock(CustomerId, At);
    }

    public sealed record History(decimal Rate, IReadOnlyList<Step> Steps, bool Full = false)
    {
        public PointsPolicy Policy => new(Rate, 1);

        public LoyaltyProgram Program => Full ? FullProgram(Rate) : LoyaltyProgram.PointsOnly(Policy);

        public override string ToString() => $"rate {Rate}{(Full ? ", full program" : "")}:\n  " + string.Join("\n  ", Steps);
    }

    /// <summary>
    /// A program whose every rule fires within the generated four months: lots live 45 days, tiers from 60-day spend
    /// reviewed every 20 days, rewards on balance, tier upgrade and loyalty.
    /// </summary>
    public static LoyaltyProgram FullProgram(decimal rate) => new(
        new PointsPolicy(rate, 3) { Expiry = Period.FromDays(45), CategoryBonuses = System.Collections.Immutable.ImmutableDictionary<string, decimal>.Empty.Add("dairy", 0.5m) },
        [new TierLevel(TierNames.Base, 0m, 1m), new TierLevel("silver", 50m, 1.5m), new TierLevel("gold", 300m, 2m)],
        Period.FromDays(60), Period.FromDays(20),
        [
            new RewardRule("balance-200", RewardTrigger.Balance, "voucher-5", 200m),
            new RewardRule("gold", RewardTrigger.TierUpgrade, "gift", Tier: "gold"),
            new RewardRule("loyal", RewardTrigger.Loyalty, "thanks", 0.3m),
        ],
        new Scoring.LoyaltyWeights());

    private static Gen<Step> StepGen(string[] customers)
    {
        var customer = Gen.Elements(customers);
        var minute = Gen.Choose(0, 60 * 24 * 120); // four months, in any order
        var buy = from c in customer
                  from m in minute
                  from order in Gen.Choose(1, 8) // a reused order number is refused: that path is exercised too
                  from lines in Gen.NonEmptyListOf(
                      from sku in Gen.Choose(0, Skus.Length - 1)
                      from qty in Gen.Choose(1, 5)
                      from price in Gen.Elements(Prices)
                      select (sku, qty, price)).Select(l => l.Take(4).ToList())
                  select (Step)new Buy(c, m, order, lines);
        var giveBack = from c in customer
                       from m in minute
                       from pick in Gen.Choose(0, 7)
                       from lines in Gen.NonEmptyListOf(
                           from line in Gen.Frequency((9, Gen.Choose(0, 3)), (1, Gen.Constant(-1)))
                           from qty in Gen.Choose(1, 3)
                           select (line, qty)).Select(l => l.Take(3).ToList())
                       from unknown in Gen.Frequency((7, Gen.Constant(false)), (3, Gen.Constant(true)))
                       select (Step)new GiveBack(c, m, pick, lines, unknown);
        var look = from c in customer from m in minute from sku in Gen.Choose(0, Skus.Length - 1) from dwell in Gen.Choose(0, 600)
                   select (Step)new Look(c, m, sku, dwell / 4.0);
        var rate = from c in customer from m in minute from sku in Gen.Choose(0, Skus.Length - 1) from r in Gen.Choose(1, 5)
                   select (Step)new Rate(c, m, sku, r);
        var spend = from c in customer from m in minute from p in Gen.Choose(1, 80)
                    select (Step)new Spend(c, m, p);
        var tick = from c in customer from m in minute select (Step)new Tick(c, m);
        return Gen.Frequency((5, buy), (4, giveBack), (1, look), (1, rate), (2, spend), (1, tick));
    }

    private static Arbitrary<History> HistoryArb(string[] customers, int maxSteps) =>
        (from rate in Gen.Elements(Rates)
         from steps in Gen.ListOf(StepGen(customers)).Select(s => s.Take(maxSteps).ToList())
         from full in Gen.Elements(false, true)
         select new History(rate, steps, full)).ToArbitrary();

    /// <summary>The actor's loop over every customer: per customer state, the commands sent and the accepted events.</summary>
    private sealed class LiveRun
    {
        public Dictionary<string, CustomerState> States { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<CustomerEvent>> Journal { get; } = new(StringComparer.Ordinal);
        public List<CustomerCommand> AcceptedCommands { get; } = [];
        public int Rejected { get; private set; }

        public CustomerState StateOf(string customerId) => States.GetValueOrDefault(customerId, CustomerState.Empty);

        public Decision Send(CustomerCommand command, LoyaltyProgram program)
        {
            var (next, decision) = StateOf(command.CustomerId).Handle(command, program);
            States[command.CustomerId] = next;
            if (decision is Decision.Accepted accepted)
            {
                if (command is not AdvanceClock) AcceptedCommands.Add(command);
                if (!Journal.TryGetValue(command.CustomerId, out var events)) Journal[command.CustomerId] = events = [];
                events.AddRange(accepted.Events);
            }
            else if (decision is Decision.Rejected)
            {
                Rejected++;
            }

            return decision;
        }
    }

    // ---- (a) duplicates change nothing ----

    [Property(MaxTest = 150)]
    public Property Deciding_a_command_again_after_it_was_applied_is_a_duplicate_and_changes_nothing() =>
        Prop.ForAll(HistoryArb(Customers, 40), history =>
        {
            var live = new LiveRun();
            for (var i = 0; i < history.Steps.Count; i++)
            {
                var step = history.Steps[i];
                var command = step.Resolve($"e-{i}", live.StateOf(step.CustomerId));
                if (live.Send(command, history.Program) is not Decision.Accepted || command is AdvanceClock) continue;

                // the same command straight away (a POS retry), and a resend with another payload under the same id
                var before = StateProjection.Of(live.StateOf(command.CustomerId));
                Assert.Same(Decision.Duplicate.Instance, live.Send(command, history.Program));
                Assert.Same(Decision.Duplicate.Instance, live.Send(command with { OccurredAt = command.OccurredAt + Duration.FromDays(1) }, history.Program));
                Assert.Equal(before, StateProjection.Of(live.StateOf(command.CustomerId)));
            }

            // replaying the whole input again, in reverse, changes nothing either
            var final = Customers.ToDictionary(c => c, c => StateProjection.Of(live.StateOf(c)));
            var acceptedBefore = live.AcceptedCommands.Count;
            foreach (var command in live.AcceptedCommands.AsEnumerable().Reverse().ToList())
                Assert.Same(Decision.Duplicate.Instance, live.Send(command, history.Program));
            Assert.Equal(acceptedBefore, live.AcceptedCommands.Count);
            Assert.All(Customers, c => Assert.Equal(final[c], StateProjection.Of(live.StateOf(c))));
        });

    // ---- (b) replay equals live ----

    [Property(MaxTest = 150)]
    public Property Replaying_the_accepted_events_from_scratch_gives_the_live_state() =>
        Prop.ForAll(HistoryArb(Customers, 40), history =>
        {
            var live = new LiveRun();
            for (var i = 0; i < history.Steps.Count; i++)
            {
                var step = history.Steps[i];
                live.Send(step.Resolve($"e-{i}", live.StateOf(step.CustomerId)), history.Program);
            }

            foreach (var customer in Customers)
            {
                var journal = live.Journal.GetValueOrDefault(customer, []);
                var expected = StateProjection.Of(live.StateOf(customer));

                Assert.Equal(expected, StateProjection.Of(CustomerState.Empty.ApplyAll(journal)));

                // recovering from a snapshot taken part-way gives the same state as well
                var cut = journal.Count / 2;
                var snapshot = CustomerState.Empty.ApplyAll(journal.Take(cut));
                Assert.Equal(expected, StateProjection.Of(snapshot.ApplyAll(journal.Skip(cut))));
            }
        });

    [Property(MaxTest = 150)]
    public Property The_state_a_decision_carries_is_its_events_folded_onto_the_state_it_was_decided_on() =>
        Prop.ForAll(HistoryArb(Customers, 40), history =>
        {
            var live = new LiveRun();
            for (var i = 0; i < history.Steps.Count; i++)
            {
                var step = history.Steps[i];
                var state = live.StateOf(step.CustomerId);
                var command = step.Resolve($"e-{i}", state);
                if (CustomerDecider.Decide(state, command, history.Program) is Decision.Accepted { After: { } after } accepted)
                {
                    Assert.Equal(StateProjection.Of(state.ApplyAll(accepted.Events)), StateProjection.Of(after));
                }

                live.Send(command, history.Program);
            }
        });

    [Property(MaxTest = 100)]
    public Property Replay_does_not_depend_on_the_points_rule_in_force_at_replay_time() =>
        Prop.ForAll(HistoryArb(["C-1"], 30), history =>
        {
            // the live run earns under the history's rule; deciding the same commands under another rule would differ,
            // but folding the journal never consults a rule: points are in the events
            var live = new LiveRun();
            for (var i = 0; i < history.Steps.Count; i++)
                live.Send(history.Steps[i].Resolve($"e-{i}", live.StateOf("C-1")), history.Program);
            var journal = live.Journal.GetValueOrDefault("C-1", []);

            var purchases = journal.OfType<PurchaseRecorded>().ToList();
            var program = history.Program;
            Assert.All(purchases, p => Assert.Equal(
                p.Lines.Select(l => program.Points.PointsFor(l.Qty, l.UnitPrice, l.Category, program.MultiplierOf(p.Tier)).Points),
                p.Lines.Select(l => l.Points)));
            Assert.Equal(purchases.Sum(p => p.Points), CustomerState.Empty.ApplyAll(journal).PointsEarned);
        });

    [Fact]
    public void Generated_histories_exercise_acceptances_rejections_and_returns()
    {
        // guards the generators: the properties above are only as good as the paths their histories reach
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var history in HistoryArb(Customers, 40).Generator.Sample(numberOfSamples: 200, size: 60))
        {
            var live = new LiveRun();
            for (var i = 0; i < history.Steps.Count; i++)
            {
                var step = history.Steps[i];
                var decision = live.Send(step.Resolve($"e-{i}", live.StateOf(step.CustomerId)), history.Program);
                var kind = decision switch
                {
                    Decision.Accepted a => a.Event.GetType().Name,
                    Decision.Rejected r => $"{r.Kind}:{(r.Field.StartsWith("lines", StringComparison.Ordinal) ? r.Field[(r.Field.IndexOf('.') + 1)..] : r.Field)}",
                    _ => "Duplicate",
                };
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                if (decision is Decision.Accepted all)
                    foreach (var e in all.Events.Where(e => e != all.Event))
                        kinds["+" + e.GetType().Name] = kinds.GetValueOrDefault("+" + e.GetType().Name) + 1;
            }
        }

        string[] expectedKinds =
        [
            nameof(PurchaseRecorded), nameof(ReturnRecorded), nameof(ItemViewed), nameof(ReviewPosted), nameof(PointsRedeemed),
            nameof(ReturnHeld), "Invalid:order_id", "Invalid:qty", "Invalid:sku", "InsufficientPoints:points",
            "+" + nameof(PointsExpired), "+" + nameof(TierChanged), "+" + nameof(RewardIssued), "+" + nameof(WakeUpScheduled),
            "+" + nameof(ReturnRecorded), "+" + nameof(HeldReturnDiscarded),
        ];
        Assert.All(expectedKinds, k => Assert.True(kinds.GetValueOrDefault(k) >= 20, $"{k}: {kinds.GetValueOrDefault(k)} in {string.Join(", ", kinds)}"));
    }

    [Fact]
    public void State_projection_compares_states_by_value_not_by_reference()
    {
        // the properties compare states through StateProjection; it must equate separately built equal states
        // and tell apart states that differ only deep inside an order line
        var policy = PointsPolicy.Default;
        var purchase = new RecordPurchase("e-1", "C-1", Start, "O-1", "pos", [new PurchaseLineInput("SKU-1", "dairy", 2, 3.50m)]);
        var one = CustomerState.Empty.Accept(purchase, policy);
        var other = CustomerState.Empty.Accept(purchase, policy);
        Assert.NotEqual(one, other); // the record's collections compare by reference
        Assert.Equal(StateProjection.Of(one), StateProjection.Of(other));

        var line = one.OrdersById["O-1"].Lines[0];
        var touched = one with
        {
            OrdersById = one.OrdersById.SetItem("O-1", new OrderRecord(one.OrdersById["O-1"].At, [line with { PointsReversed = 1 }], one.OrdersById["O-1"].RuleVersion)),
        };
        Assert.NotEqual(StateProjection.Of(one), StateProjection.Of(touched));
        // and orders whose lines differ only in their order
        var twoLines = CustomerState.Empty.Accept(new RecordPurchase("e-1", "C-1", Start, "O-1", "pos",
            [new PurchaseLineInput("SKU-1", "dairy", 1, 3.50m), new PurchaseLineInput("SKU-1", "dairy", 1, 3.50m)]), policy);
        var order = twoLines.OrdersById["O-1"];
        OrderRecord Returned(int first, int second) => new(order.At,
            [order.Lines[0] with { ReturnedQty = first }, order.Lines[1] with { ReturnedQty = second }], order.RuleVersion);
        Assert.NotEqual(StateProjection.Of(twoLines with { OrdersById = twoLines.OrdersById.SetItem("O-1", Returned(1, 0)) }),
            StateProjection.Of(twoLines with { OrdersById = twoLines.OrdersById.SetItem("O-1", Returned(0, 1)) }));
        Assert.NotEqual(StateProjection.Of(one), StateProjection.Of(one with { EventIds = one.EventIds.Add("e-2") }));
    }

    // ---- (c) purchase then full return ----

    public sealed record FullReturnCase(History Before, decimal Rate, IReadOnlyList<(int Sku, int Qty, decimal Price)> Lines, int Seed)
    {
        public override string ToString() =>
            $"rate {Rate}, lines {string.Join(" ", Lines.Select(l => $"{Skus[l.Sku].Sku}×{l.Qty}@{l.Price}"))}, seed {Seed}, after {Before}";
    }

    private static Arbitrary<FullReturnCase> FullReturnArb =>
        (from before in HistoryArb(["C-1"], 25).Generator
         from rate in Gen.Elements(Rates)
         from lines in Gen.NonEmptyListOf(
             from sku in Gen.Choose(0, Skus.Length - 1)
             from qty in Gen.Choose(1, 9)
             from price in Gen.Elements(Prices)
             select (sku, qty, price)).Select(l => l.Take(5).ToList())
         from seed in Gen.Choose(0, int.MaxValue)
         select new FullReturnCase(before, rate, lines, seed)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Purchase_followed_by_its_full_return_leaves_the_points_balance_where_it_was() =>
        Prop.ForAll(FullReturnArb, c =>
        {
            // any earlier history of the customer, under its own rule
            var live = new LiveRun();
            for (var i = 0; i < c.Before.Steps.Count; i++)
                live.Send(c.Before.Steps[i].Resolve($"h-{i}", live.StateOf("C-1")), c.Before.Program);
            var before = live.StateOf("C-1");

            var policy = new PointsPolicy(c.Rate, 2);
            var purchase = new RecordPurchase("buy", "C-1", Start, "O-full", "pos",
                c.Lines.Select(l => new PurchaseLineInput(Skus[l.Sku].Sku, Skus[l.Sku].Category, l.Qty, l.Price)).ToList());
            var state = before.Accept(purchase, policy);

            // every unit goes back, split into random chunks per SKU, sent in random order over several return events
            var random = new Random(c.Seed);
            var chunks = new List<ReturnLineInput>();
            foreach (var sku in c.Lines.GroupBy(l => Skus[l.Sku].Sku))
            {
                var left = sku.Sum(l => l.Qty);
                while (left > 0)
                {
                    var take = random.Next(1, left + 1);
                    chunks.Add(new ReturnLineInput(sku.Key, take));
                    left -= take;
                }
            }

            var shuffled = chunks.OrderBy(_ => random.Next()).ToList();
            var n = 0;
            while (shuffled.Count > 0)
            {
                var batch = shuffled.Take(random.Next(1, 4)).ToList();
                shuffled.RemoveRange(0, batch.Count);
                state = state.Accept(new RecordReturn($"back-{n++}", "C-1", Start, "O-full", "pos", batch), policy);
            }

            Assert.Equal(before.PointsBalance, state.PointsBalance);
            Assert.Equal(before.NetSpend, state.NetSpend);
            Assert.All(state.OrdersById["O-full"].Lines, l => Assert.Equal((l.Qty, l.Points), (l.ReturnedQty, l.PointsReversed)));
        });

    // ---- (d) the loyalty program, checked after every decision of full-program histories ----

    /// <summary>Runs <paramref name="history"/> under the full program, calling <paramref name="check"/> with each accepted decision.</summary>
    private static void RunFull(History history, Action<CustomerCommand, CustomerState, Decision.Accepted, CustomerState> check)
    {
        var h = history with { Full = true };
        var live = new LiveRun();
        for (var i = 0; i < h.Steps.Count; i++)
        {
            var step = h.Steps[i];
            var before = live.StateOf(step.CustomerId);
            var command = step.Resolve($"e-{i}", before);
            if (live.Send(command, h.Program) is Decision.Accepted accepted)
                check(command, before, accepted, live.StateOf(step.CustomerId));
        }
    }

    [Property(MaxTest = 200)]
    public Property Every_points_change_is_accounted_for_and_the_timer_follows_the_state() =>
        Prop.ForAll(HistoryArb(Customers, 50), history => RunFull(history, (_, _, _, s) =>
        {
            Assert.Equal(s.PointsEarned - s.PointsReversed - s.PointsRedeemed - s.PointsExpired, s.PointsBalance);
            Assert.Equal(s.Lots.Sum(l => l.Remaining) - s.PointsDebt, s.PointsBalance);
            Assert.All(s.Lots, l => Assert.InRange(l.Remaining, 1, l.Points));
            Assert.True(s.PointsDebt >= 0);
            Assert.Equal(s.Lots.OrderBy(l => l.EarnedAt).ThenBy(l => l.OrderId, StringComparer.Ordinal).Select(l => l.OrderId), s.Lots.Select(l => l.OrderId));
            // the persisted timer always names the first instant something falls due
            var firstExpiry = s.Lots.Where(l => l.ExpiresAt is not null).Select(l => l.ExpiresAt).Min();
            var due = new[] { firstExpiry, s.NextTierReview }.Where(x => x is not null).Min();
            Assert.Equal(due, s.WakeUpAt);
        }));

    [Property(MaxTest = 200)]
    public Property Expired_lots_are_gone_and_redemptions_spend_the_oldest_lots_first() =>
        Prop.ForAll(HistoryArb(Customers, 50), history => RunFull(history, (command, before, accepted, after) =>
        {
            Assert.DoesNotContain(after.Lots, l => l.ExpiresAt <= command.OccurredAt);
            var state = before;
            foreach (var e in accepted.Events)
            {
                if (e is PointsExpired x)
                {
                    var lot = Assert.Single(state.Lots, l => l.OrderId == x.LotOrderId);
                    Assert.Equal((lot.ExpiresAt, lot.Remaining), (x.OccurredAt, x.Points));
                    Assert.True(lot.ExpiresAt <= command.OccurredAt);
                }

                if (e is PointsRedeemed d)
                {
                    // oracle: walk the lots by earning time, taking from each until the points are covered
                    var left = d.Points;
                    var expected = new List<(string, long)>();
                    foreach (var lot in state.Lots.OrderBy(l => l.EarnedAt).ThenBy(l => l.OrderId, StringComparer.Ordinal))
                    {
                        var take = Math.Min(left, lot.Remaining);
                        left -= take;
                        if (lot.Remaining - take > 0) expected.Add((lot.OrderId, lot.Remaining - take));
                    }

                    Assert.Equal(0, left);
                    Assert.Equal(expected, state.Apply(e).Lots.Select(l => (l.OrderId, l.Remaining)));
                }

                state = state.Apply(e);
            }
        }));

    [Property(MaxTest = 200)]
    public Property Tiers_go_up_at_once_and_down_only_at_a_review() =>
        Prop.ForAll(HistoryArb(Customers, 50), history => RunFull(history, (command, before, accepted, after) =>
        {
            var program = FullProgram(history.Rate);
            if (command is RecordPurchase)
            {
                // oracle: the 60-day spend from the orders themselves (their lines net of returned units)
                var to = EpochDays.Of(command.OccurredAt);
                var from = EpochDays.Of(Calendar.Minus(command.OccurredAt, program.TierWindow));
                var spend = after.OrdersById.Values
                    .Where(o => EpochDays.Of(o.At) > from && EpochDays.Of(o.At) <= to)
                    .Sum(o => o.Lines.Sum(l => (l.Qty - l.ReturnedQty) * l.UnitPrice));
                Assert.True(program.TierIndex(after.Tier) >= program.QualifyingTier(spend), $"tier {after.Tier} with spend {spend}");
            }

            var state = before;
            foreach (var t in accepted.Events)
            {
                if (t is TierChanged change && program.TierIndex(change.To) < program.TierIndex(change.From))
                {
                    Assert.Equal("review", change.Reason);
                    Assert.Equal(state.NextTierReview, change.OccurredAt);
                }

                state = state.Apply(t);
            }
        }));

    [Property(MaxTest = 200)]
    public Property A_balance_reward_is_issued_exactly_when_the_balance_crosses_its_threshold() =>
        Prop.ForAll(HistoryArb(Customers, 50), history => RunFull(history, (command, before, accepted, after) =>
        {
            if (command is AdvanceClock)
            {
                Assert.DoesNotContain(accepted.Events, e => e is RewardIssued);
                return;
            }

            var atCommand = before.ApplyAll(accepted.Events.TakeWhile(e => e != accepted.Event));
            var crossed = atCommand.PointsBalance < 200 && after.PointsBalance >= 200;
            Assert.Equal(crossed ? 1 : 0, accepted.Events.OfType<RewardIssued>().Count(r => r.RuleId == "balance-200"));
            Assert.Equal(after.Rewards.Length, after.Rewards.Select(r => r.EventId).Distinct().Count());
        }));
}
