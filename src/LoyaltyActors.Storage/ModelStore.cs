using System.Text.Json;
using LiteDB;

namespace LoyaltyActors.Storage;

/// <summary>A model's saved state and the journal offset it has consumed up to (inclusive).</summary>
public sealed record StoredModel<T>(long Offset, T Model);

/// <summary>
/// Snapshots of aggregator models (segments, recommender) in one LiteDB file (<c>models.db</c>). A model
/// and the journal offset it reflects are written in one transaction, as one stored file with the offset
/// in its metadata, so they can never disagree: after a crash an aggregator resumes exactly after the
/// events its model already counted. Models are stored as JSON in LiteDB's chunked file storage, so
/// they are not bound by the 16 MB document limit.
/// </summary>
public sealed class ModelStore : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = false };
    private readonly LiteDatabase _db;
    private readonly object _gate = new();

    public ModelStore(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
    }

    /// <summary>Saves <paramref name="model"/> with the offset it has consumed, replacing the previous snapshot of <paramref name="name"/>.</summary>
    public void Save<T>(string name, long offset, T model)
    {
        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(model, Json);
        lock (_gate)
        {
            _db.BeginTrans();
            try
            {
                using var stream = new MemoryStream(bytes, writable: false);
                _db.FileStorage.Upload(FileId(name), name, stream);
                _db.FileStorage.SetMetadata(FileId(name), new BsonDocument
                {
                    ["offset"] = offset,
                    ["type"] = typeof(T).Name,
                });
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            _db.Checkpoint();
        }
    }

    /// <summary>The last snapshot of <paramref name="name"/>, or null when none was saved.</summary>
    public StoredModel<T>? Load<T>(string name)
    {
        lock (_gate)
        {
            var file = _db.FileStorage.FindById(FileId(name));
            if (file is null) return null;
            using var stream = new MemoryStream();
            file.CopyTo(stream);
            var model = System.Text.Json.JsonSerializer.Deserialize<T>(stream.GetBuffer().AsSpan(0, (int)stream.Length), Json)
                        ?? throw new InvalidDataException($"model '{name}' in the model store is empty");
            return new StoredModel<T>(file.Metadata["offset"].AsInt64, model);
        }
    }

    /// <summary>The journal offset a saved model has consumed, without reading the model; null when none was saved.</summary>
    public long? OffsetOf(string name)
    {
        lock (_gate) return _db.FileStorage.FindById(FileId(name))?.Metadata["offset"].AsInt64;
    }

    /// <summary>Forgets a model, e.g. before a rebuild from the start of the journal.</summary>
    public bool Delete(string name)
    {
        lock (_gate) return _db.FileStorage.Delete(FileId(name));
    }

    public void Dispose() => _db.Dispose();

    private static string FileId(string name) => "$/models/" + name;
}
