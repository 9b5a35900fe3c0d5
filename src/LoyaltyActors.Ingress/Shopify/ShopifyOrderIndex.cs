using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Ingress.Shopify;

/// <summary>
/// Which customer each Shopify order belongs to, and its line items' SKUs, kept durably
/// (<c>DIR/shopify.db</c>, SQLite WAL with <c>synchronous=FULL</c>): a refund webhook names only the order, and
/// must reach the customer who bought it. Written before the order's purchase is ingested.
/// </summary>
public sealed class ShopifyOrderIndex : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    public ShopifyOrderIndex(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("CREATE TABLE IF NOT EXISTS shopify_orders (order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, skus TEXT NOT NULL);");
    }

    public void Record(ShopifyOrderRef order)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO shopify_orders (order_id, customer_id, skus) VALUES ($o, $c, $s) " +
                                  "ON CONFLICT(order_id) DO UPDATE SET customer_id = excluded.customer_id, skus = excluded.skus;";
            command.Parameters.AddWithValue("$o", order.OrderId);
            command.Parameters.AddWithValue("$c", order.CustomerId);
            command.Parameters.AddWithValue("$s", JsonSerializer.Serialize(order.SkuByLineItem));
            command.ExecuteNonQuery();
        }
    }

    public ShopifyOrderRef? Find(string orderId)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT customer_id, skus FROM shopify_orders WHERE order_id = $o;";
            command.Parameters.AddWithValue("$o", orderId);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            var skus = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1)) ?? [];
            return new ShopifyOrderRef(orderId, reader.GetString(0), skus);
        }
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
