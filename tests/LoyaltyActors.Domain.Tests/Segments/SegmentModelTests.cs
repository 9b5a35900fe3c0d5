using System.Text.Json;
using LoyaltyActors.Domain.Segments;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Segments;

/// <summary>Behaviour of the online segment model on small hand-made populations.</summary>
public sealed class SegmentModelTests
{
    /// <summary>Five well-separated behaviours, best to worst by recency, frequency and spend.</summary>
    private static readonly (string Name, CustomerFeatures Centre)[] Groups =
    [
        ("champions", new CustomerFeatures(3, 40, 4000, 6)),
        ("loyal", new CustomerFeatures(20, 12, 900, 4)),
        ("potential", new CustomerFeatures(60, 4, 200, 2)),
        ("at risk", new CustomerFeatures(250, 3, 120, 2)),
        ("hibernating", new CustomerFeatures(700, 1, 15, 1)),
    ];

    private static CustomerFeatures Jitter(CustomerFeatures c, int i) =>
        new(c.RecencyDays * (1 + 0.02 * (i % 5)), c.Frequency * (1 + 0.01 * (i % 3)), c.Monetary * (1 + 0.03 * (i % 7)), c.Variety);

    /// <summary>Customers of the five groups, interleaved: <c>g{group}-{i}</c>.</summary>
    private static SegmentModel GroupedModel(int perGroup = 20, int k = 5, int seed = 17)
    {
        var model = new SegmentModel(k, seed, minCustomersToSeed: Math.Max(k, 10));
        for (var i = 0; i < perGroup; i++)
        for (var g = 0; g < Groups.Length; g++)
            model.Upsert($"g{g}-{i}", Jitter(Groups[g].Centre, i));
        return model;
    }

    private static int SweepToConvergence(SegmentModel model, int cap = 50)
    {
        for (var sweeps = 1; sweeps <= cap; sweeps++)
            if (model.Sweep() == 0) return sweeps;
        throw new InvalidOperationException($"no convergence in {cap} sweeps");
    }

    [Fact]
    public void Constructor_rejects_no_segments_and_seeding_below_k()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentModel(k: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentModel(k: 5, minCustomersToSeed: 4));
        var model = new SegmentModel(k: 3, minCustomersToSeed: 3);
        Assert.Equal(3, model.K);
        Assert.False(model.Seeded);
    }

    [Fact]
    public void Nothing_is_assigned_before_the_seeding_threshold_and_everyone_is_from_it_on()
    {
        var model = new SegmentModel(k: 3, seed: 5, minCustomersToSeed: 6);
        for (var i = 0; i < 5; i++)
            Assert.Equal((null, null), model.Upsert($"C-{i}", new CustomerFeatures(i * 30, i + 1, 10 * i, 1)));

        Assert.False(model.Seeded);
        Assert.Empty(model.Segments);
        Assert.Equal(0, model.Inertia());
        Assert.Equal(0, model.Sweep());
        Assert.All(model.Export(), e => Assert.Equal(-1, e.Segment));
        Assert.Null(model.SegmentOf("C-0"));

        var (old, @new) = model.Upsert("C-5", new CustomerFeatures(400, 1, 5, 1));
        Assert.Null(old);
        Assert.NotNull(@new);
        Assert.True(model.Seeded);
        Assert.All(Enumerable.Range(0, 6), i => Assert.NotNull(model.SegmentOf($"C-{i}")));
        Assert.Equal(6L, model.Segments.Sum(s => s.Size));
        Assert.Null(model.SegmentOf("C-404"));
    }

    [Fact]
    public void Upserting_a_known_customer_reports_its_old_and_new_segment()
    {
        var model = GroupedModel();
        SweepToConvergence(model);
        var hibernating = model.SegmentOf("g4-0");
        var champions = model.SegmentOf("g0-0");
        Assert.NotEqual(hibernating, champions);

        Assert.Equal((hibernating, champions), model.Upsert("g4-0", Groups[0].Centre));
        Assert.Equal(champions, model.SegmentOf("g4-0"));
        Assert.Equal(100, model.Customers);
    }

    [Fact]
    public void Sweeps_recover_well_separated_groups_and_name_them_by_value()
    {
        var model = GroupedModel();
        SweepToConvergence(model);
        var segments = model.Segments;
        Assert.Equal(Enumerable.Range(0, 5), segments.Select(s => s.Id));
        for (var g = 0; g < Groups.Length; g++)
        {
            var segment = model.SegmentOf($"g{g}-0")!.Value;
            Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(segment, model.SegmentOf($"g{g}-{i}")));
            Assert.Equal(Groups[g].Name, segments[segment].Label);
            Assert.Equal(Groups[g].Name, model.LabelOf(segment));
            Assert.Equal(20, segments[segment].Size);
        }

        Assert.Null(model.LabelOf(-1));
        Assert.Null(model.LabelOf(5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void The_label_of_one_segment_is_the_label_the_full_segment_list_gives_it(int k)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var random = new Random(seed);
            var model = new SegmentModel(k, seed, minCustomersToSeed: k);
            // Few distinct behaviours among many customers: equal centroids, hence equal scores ranked by id, happen too.
            var distinct = 1 + seed % 4;
            var behaviours = Enumerable.Range(0, distinct)
                .Select(_ => new CustomerFeatures(random.Next(0, 800), random.Next(1, 30), random.Next(0, 3000), random.Next(1, 6))).ToArray();
            for (var c = 0; c < 10 + 7 * seed; c++)
            {
                model.Upsert($"c-{c}", behaviours[random.Next(distinct)]);
                if (c % 9 == 0) model.Sweep();
                if (!model.Seeded) continue;
                var labels = model.Segments.Select(s => s.Label).ToArray();
                for (var segment = 0; segment < k; segment++) Assert.Equal(labels[segment], model.LabelOf(segment));
            }
        }
    }

    [Fact]
    public void The_raw_centroid_inverts_the_log1p_transform()
    {
        var model = new SegmentModel(k: 1, minCustomersToSeed: 1);
        model.Upsert("a", new CustomerFeatures(0, 3, 99, 1));
        model.Upsert("b", new CustomerFeatures(8, 15, 9999, 1));
        var centroid = model.Segments.Single().Centroid;
        Assert.Equal(SegmentLabels.Everyone, model.Segments.Single().Label);
        Assert.Equal(2, centroid["recency"], 1e-6);        // expm1((log 1 + log 9) / 2) = 3 − 1
        Assert.Equal(7, centroid["frequency"], 1e-6);      // √(4·16) − 1
        Assert.Equal(999, centroid["monetary"], 1e-4);     // √(100·10000) − 1
        Assert.Equal(1, centroid["variety"], 1e-6);
        Assert.Equal(["recency", "frequency", "monetary", "variety"], centroid.Keys);
    }

    [Fact]
    public void A_feature_with_no_spread_standardises_to_zero_and_adds_no_distance()
    {
        var model = GroupedModel();
        foreach (var (_, _, vector) in model.Export()) Assert.NotEqual(0, vector[0]);
        var flat = new SegmentModel(k: 2, minCustomersToSeed: 4);
        for (var i = 0; i < 8; i++) flat.Upsert($"C-{i}", new CustomerFeatures(i % 2 == 0 ? 5 : 500, 2, 50, 1));
        Assert.All(flat.Export(), e => Assert.Equal([0, 0, 0], e.Vector[1..]));
        Assert.Equal(0, flat.Population.Variety.StdDev);
        SweepToConvergence(flat);
        Assert.Equal(0, flat.Inertia(), 1e-12);
    }

    [Fact]
    public void Negative_features_count_as_zero_and_non_finite_ones_are_refused()
    {
        var model = new SegmentModel(k: 1, minCustomersToSeed: 1);
        model.Upsert("a", new CustomerFeatures(-3, 0, -25.5, 0));
        model.Upsert("b", new CustomerFeatures(0, 0, 0, 0));
        Assert.Equal(model.Export()[0].Vector, model.Export()[1].Vector);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Upsert("c", new CustomerFeatures(double.NaN, 1, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Upsert("c", new CustomerFeatures(1, 1, double.PositiveInfinity, 1)));
        Assert.Throws<ArgumentException>(() => model.Upsert("", new CustomerFeatures(1, 1, 1, 1)));
        Assert.Equal(2, model.Customers);
    }

    [Fact]
    public void A_segment_emptied_by_removals_keeps_its_last_position_and_a_sweep_refills_it()
    {
        var model = GroupedModel();
        SweepToConvergence(model);
        var target = model.SegmentOf("g2-0")!.Value;
        var before = model.Segments[target];
        var members = model.Export().Where(e => e.Segment == target).Select(e => e.CustomerId).ToList();
        foreach (var id in members.Skip(1)) Assert.True(model.Remove(id));
        var lastOne = model.Segments[target].Centroid;
        Assert.True(model.Remove(members[0]));
        Assert.False(model.Remove(members[0]));

        var emptied = model.Segments[target];
        Assert.Equal(0, emptied.Size);
        Assert.Equal(lastOne, emptied.Centroid);
        Assert.NotEqual(before.Centroid, emptied.Centroid);

        Assert.True(model.Sweep() > 0);
        Assert.All(model.Segments, s => Assert.True(s.Size > 0, $"segment {s.Id} is empty after a sweep"));
        Assert.Equal(80L, model.Segments.Sum(s => s.Size));
    }

    [Fact]
    public void Removing_everyone_leaves_a_seeded_empty_model()
    {
        var model = GroupedModel(perGroup: 4);
        foreach (var (id, _, _) in model.Export().ToList()) Assert.True(model.Remove(id));
        Assert.Equal(0, model.Customers);
        Assert.True(model.Seeded);
        Assert.Equal(PopulationMoments.Empty, model.Population);
        Assert.All(model.Segments, s => Assert.Equal(0, s.Size));
        Assert.Equal(0, model.Sweep());
        var (old, @new) = model.Upsert("again", Groups[0].Centre);
        Assert.Null(old);
        Assert.NotNull(@new);
        Assert.Equal(1L, model.Segments[@new.Value].Size);
    }

    [Fact]
    public void The_same_calls_with_the_same_seed_give_the_same_model()
    {
        var a = GroupedModel(seed: 99);
        var b = GroupedModel(seed: 99);
        SweepToConvergence(a);
        SweepToConvergence(b);
        Assert.Equal(a.Export().Select(e => (e.CustomerId, e.Segment)), b.Export().Select(e => (e.CustomerId, e.Segment)));
        Assert.Equal(a.Segments.Select(s => (s.Label, s.Size)), b.Segments.Select(s => (s.Label, s.Size)));
        Assert.Equal(a.Inertia(), b.Inertia());
    }

    [Fact]
    public void A_snapshot_survives_a_json_document_round_trip()
    {
        var model = GroupedModel();
        model.Sweep();
        var json = JsonSerializer.Serialize(model.ToSnapshot());
        var restored = SegmentModel.FromSnapshot(JsonSerializer.Deserialize<SegmentSnapshot>(json)!);
        Assert.Equal(model.Export().Select(e => (e.CustomerId, e.Segment)), restored.Export().Select(e => (e.CustomerId, e.Segment)));
        Assert.Equal(model.Population, restored.Population);
        Assert.Equal(model.Segments.Select(s => s.Label), restored.Segments.Select(s => s.Label));
    }

    [Fact]
    public void An_inconsistent_snapshot_is_refused_with_the_reason()
    {
        var good = GroupedModel(perGroup: 4).ToSnapshot();
        SegmentSnapshot Copy() => SegmentModel.FromSnapshot(good).ToSnapshot();

        var wrongVersion = Copy();
        wrongVersion.Version = 2;
        Assert.Contains("version 2", Assert.Throws<ArgumentException>(() => SegmentModel.FromSnapshot(wrongVersion)).Message);

        var shortFeatures = Copy();
        shortFeatures.Features = shortFeatures.Features[..^1];
        Assert.Contains("feature values", Assert.Throws<ArgumentException>(() => SegmentModel.FromSnapshot(shortFeatures)).Message);

        var twice = Copy();
        twice.CustomerIds[1] = twice.CustomerIds[0];
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => SegmentModel.FromSnapshot(twice)).Message);

        var outOfRange = Copy();
        outOfRange.Segments[0] = good.K;
        Assert.Contains("has segment", Assert.Throws<ArgumentException>(() => SegmentModel.FromSnapshot(outOfRange)).Message);
    }

    public static TheoryData<int, string> LadderCases => new()
    {
        { 1, "all customers" },
        { 2, "champions|hibernating" },
        { 3, "champions|potential|hibernating" },
        { 4, "champions|loyal|at risk|hibernating" },
        { 5, "champions|loyal|potential|at risk|hibernating" },
        { 7, "champions|loyal|potential|at risk|segment-5|segment-6|hibernating" },
    };

    [Theory]
    [MemberData(nameof(LadderCases))]
    public void Labels_run_from_champions_to_hibernating_for_any_k(int k, string expected) =>
        Assert.Equal(expected, string.Join('|', Enumerable.Range(0, k).Select(rank => SegmentLabels.ForRank(rank, k))));
}
