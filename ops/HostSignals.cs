using System.Net.Sockets;

namespace Compat.Ops;

/// <summary>
/// The guest's signal port: ops connects to the Unix socket QEMU listens on for virtio-serial
/// port 4, and a signal ops receives (SIGINT from ^C, SIGTERM...) goes to the program as one byte,
/// the way a terminal delivers ^C to its foreground process group, so the program can shut down
/// on its own terms. Without a connection (QEMU not up yet) a send reports false.
/// </summary>
public sealed class HostSignals(string socketPath) : IDisposable
{
    private Socket? _socket;
    private readonly object _lock = new();

    /// <summary>Connects, retrying while QEMU starts (up to <paramref name="timeout"/>); false if it never listened.</summary>
    public bool Connect(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                s.Connect(new UnixDomainSocketEndPoint(socketPath));
                lock (_lock) _socket = s;
                return true;
            }
            catch (SocketException)
            {
                s.Dispose();
                if (DateTime.UtcNow >= deadline) return false;
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Sends signal <paramref name="number"/> to the guest; false when the port is not connected or the write failed.</summary>
    public bool Send(int number)
    {
        lock (_lock)
        {
            if (_socket == null) return false;
            try { return _socket.Send([(byte)number]) == 1; }
            catch (SocketException) { return false; }
            catch (ObjectDisposedException) { return false; }
        }
    }

    public void Dispose()
    {
        lock (_lock) { _socket?.Dispose(); _socket = null; }
    }
}
