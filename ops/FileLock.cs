namespace Compat.Ops;

/// <summary>An exclusive advisory lock on a file (flock through FileShare.None), held until disposed.</summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;
    private FileLock(FileStream stream) => _stream = stream;

    /// <summary>Waits (polling) until the lock is free, then takes it.</summary>
    public static FileLock Acquire(string path)
    {
        while (true)
        {
            try { return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)); }
            catch (IOException) { Thread.Sleep(200); }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
