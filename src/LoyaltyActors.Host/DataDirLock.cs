namespace LoyaltyActors.Host;

/// <summary>
/// An exclusive lock on the data directory, held by a running server and by offline commands, so two
/// processes never write the same journal. The OS releases it when the process dies, even on kill -9.
/// </summary>
public sealed class DataDirLock : IDisposable
{
    private readonly FileStream _stream;

    private DataDirLock(FileStream stream) => _stream = stream;

    public static DataDirLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, "loyalty.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The lock file itself cannot be read by others while locked, so the holder's pid goes beside it.
            File.WriteAllText(Path.Combine(dataDir, "loyalty.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new DataDirLock(stream);
        }
        catch (IOException)
        {
            string holder;
            try
            {
                holder = File.ReadAllText(Path.Combine(dataDir, "loyalty.pid")).Trim();
            }
            catch (IOException)
            {
                holder = "unknown";
            }

            throw new DataDirInUseException(
                $"data dir '{Path.GetFullPath(dataDir)}' is in use by another LoyaltyActors process (pid {holder}); stop it first, or send events to it with `loyalty replay --to URL`");
        }
    }

    public void Dispose() => _stream.Dispose();
}

public sealed class DataDirInUseException(string message) : Exception(message);
