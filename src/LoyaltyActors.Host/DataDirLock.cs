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
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            stream.Write(pid);
            stream.Flush();
            return new DataDirLock(stream);
        }
        catch (IOException)
        {
            string holder;
            try
            {
                using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                holder = new StreamReader(reader).ReadToEnd().Trim();
            }
            catch (IOException)
            {
                holder = "?";
            }

            throw new DataDirInUseException(
                $"data dir '{Path.GetFullPath(dataDir)}' is in use by another LoyaltyActors process (pid {holder}); stop it or use --to URL to talk to it");
        }
    }

    public void Dispose() => _stream.Dispose();
}

public sealed class DataDirInUseException(string message) : Exception(message);
