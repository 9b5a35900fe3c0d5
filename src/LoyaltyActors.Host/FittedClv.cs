using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Ingress.Http;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Host;

/// <summary>The latest fitted CLV model (<c>loyalty clv-fit</c>) handed to the loyalty program, for win-back rules.</summary>
internal static class FittedClv
{
    /// <summary>The options with the latest model of <c>DIR/models.db</c>, unchanged when none was fitted (the file is never created here).</summary>
    public static LoyaltyActorsOptions WithFittedClv(this LoyaltyActorsOptions options, string dataDir, Func<ModelStore> store)
    {
        if (!File.Exists(Path.Combine(dataDir, "models.db")) || ClvModels.Latest(store()) is not { } model) return options;
        return options with { Customers = options.Customers with { Program = options.Customers.Program with { Clv = model } } };
    }
}
