using System.Diagnostics;
using System.Text;

namespace Compat.Ops;

/// <summary>
/// Follows the kernel log file while QEMU runs (like tail -f): polls for new bytes, hands every
/// complete line to a callback, and records when the first byte appeared.
/// </summary>
public sealed class LogFollower : IDisposable
{
    private readonly string _path;
    private readonly Action<string> _onLine;
    private readonly TimeSpan _interval;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private FileStream? _stream;
    private readonly StringBuilder _partial = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly byte[] _buffer = new byte[16384];
    private readonly char[] _chars = new char[16384 + 16];

    /// <summary>Stopwatch timestamp when the first byte of the log was seen, or 0.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>Starts following <paramref name="path"/> (which may not exist yet), polling every <paramref name="interval"/>.</summary>
    public LogFollower(string path, Action<string> onLine, TimeSpan interval)
    {
        _path = path;
        _onLine = onLine;
        _interval = interval;
        _thread = new Thread(Loop) { IsBackground = true, Name = "klog-follow" };
        _thread.Start();
    }

    private void Loop()
    {
        while (!_stopping)
        {
            if (!Poll()) Thread.Sleep(_interval);
        }
    }

    /// <summary>Reads what is new; true when something was read.</summary>
    private bool Poll()
    {
        if (_stream == null)
        {
            if (!File.Exists(_path)) return false;
            try { _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1); }
            catch (IOException) { return false; }
        }
        int n = _stream.Read(_buffer, 0, _buffer.Length);
        if (n <= 0) return false;
        if (FirstByteTimestamp == 0) FirstByteTimestamp = Stopwatch.GetTimestamp();
        int c = _decoder.GetChars(_buffer, 0, n, _chars, 0);
        for (int i = 0; i < c; i++)
        {
            char ch = _chars[i];
            if (ch == '\n') { _onLine(_partial.ToString()); _partial.Clear(); }
            else if (ch != '\r') _partial.Append(ch);
        }
        return true;
    }

    /// <summary>Stops following after reading everything left in the file (including a last line without newline).</summary>
    public void Stop()
    {
        if (_stopping) return;
        _stopping = true;
        _thread.Join();
        while (Poll()) { }
        if (_partial.Length > 0) { _onLine(_partial.ToString()); _partial.Clear(); }
        _stream?.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => Stop();
}
