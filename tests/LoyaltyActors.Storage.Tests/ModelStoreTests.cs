using Xunit;

namespace LoyaltyActors.Storage.Tests;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-storage-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_dir, "models.db");

    public sealed record Counts(Dictionary<string, long> Items, long[] Pairs, string Label);

    [Fact]
    public void A_saved_model_comes_back_with_its_offset_after_the_store_is_reopened()
    {
        var model = new Counts(new() { ["whole milk"] = 2513, ["a.b$c"] = 1 }, [1, 2, 3], "x");
        using (var store = new ModelStore(DbPath)) store.Save("recommender", 69_659, model);

        using var reopened = new ModelStore(DbPath);
        var loaded = reopened.Load<Counts>("recommender");
        Assert.NotNull(loaded);
        Assert.Equal(69_659, loaded.Offset);
        Assert.Equal(model.Items, loaded.Model.Items);
        Assert.Equal(model.Pairs, loaded.Model.Pairs);
    }

    [Fact]
    public void Saving_again_replaces_model_and_offset_together()
    {
        using var store = new ModelStore(DbPath);
        store.Save("segments", 10, new Counts(new() { ["a"] = 1 }, [], "old"));
        store.Save("segments", 20, new Counts(new() { ["a"] = 2 }, [], "new"));
        var loaded = store.Load<Counts>("segments")!;
        Assert.Equal(20, loaded.Offset);
        Assert.Equal(20, store.OffsetOf("segments"));
        Assert.Null(store.OffsetOf("recommender"));
        Assert.Equal("new", loaded.Model.Label);
        Assert.Equal(2, loaded.Model.Items["a"]);
    }

    [Fact]
    public void A_model_never_saved_is_absent_and_models_are_kept_apart()
    {
        using var store = new ModelStore(DbPath);
        Assert.Null(store.Load<Counts>("segments"));
        store.Save("recommender", 5, new Counts(new(), [], "r"));
        Assert.Null(store.Load<Counts>("segments"));
        Assert.True(store.Delete("recommender"));
        Assert.Null(store.Load<Counts>("recommender"));
    }

    [Fact]
    public void Models_larger_than_a_litedb_document_are_stored()
    {
        var pairs = Enumerable.Range(0, 3_000_000).Select(i => (long)i).ToArray();
        using var store = new ModelStore(DbPath);
        store.Save("big", 1, new Counts(new(), pairs, "big"));
        Assert.Equal(pairs.Length, store.Load<Counts>("big")!.Model.Pairs.Length);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
