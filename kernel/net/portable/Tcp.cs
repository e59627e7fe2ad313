// TCP connections (RFC 9293): the state machine, options (MSS, window scale, timestamps,
// SACK-permitted and SACK blocks), an out-of-order receive queue kept inside the receive ring,
// RTO per RFC 6298 with back-off, NewReno fast retransmit/recovery (RFC 6582), congestion
// window, Nagle/NODELAY/CORK, delayed ACK, keepalive, zero-window probes, TIME_WAIT,
// RFC 5961 RST/SYN/ACK checks, listen backlogs with a cap on half-open connections and SYN
// cookies beyond it.
using System;

namespace Kernel.Net
{
    /// <summary>Connection states, numbered as Linux's TCP_* (for /proc/net/tcp and TCP_INFO).</summary>
    public enum TcpState
    {
        Established = 1, SynSent = 2, SynReceived = 3, FinWait1 = 4, FinWait2 = 5, TimeWait = 6,
        Closed = 7, CloseWait = 8, LastAck = 9, Listen = 10, Closing = 11,
    }

    public sealed class TcpSocket : NetSocket
    {
        // Linux poll bits.
        public const int POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLRDNORM = 0x40,
            POLLWRNORM = 0x100, POLLRDHUP = 0x2000;
        internal const int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16, URG = 32;

        internal const int MinRto = 200, MaxRto = 120000, InitialRto = 1000, DelayedAckMs = 40;
        internal const int MaxOoo = 8;
        public const int DefaultBufferSize = 131072;

        internal readonly NetStack Stack;
        internal TcpSocket NextInList, PrevInList;
        internal bool InList;
        // Place in the stack's timer queue (TcpTimers.cs): heap index (or NotQueued/Overflowed),
        // the deadline it is queued at, and the overflow chain.
        internal int TimerIndex = TcpTimerQueue.NotQueued;
        internal long TimerKey = long.MaxValue;
        internal TcpSocket TimerNext;

        // ---- public configuration
        public IpEndpoint Local, Remote;
        /// <summary>IPV6_V6ONLY: an IPv6 wildcard bind takes no IPv4 traffic (set before Bind).</summary>
        public bool V6Only;
        /// <summary>The kernel's mark for a socket of an AF_INET6 descriptor (/proc/net/tcp6 lists
        /// it, IPv4 traffic included); accepted connections inherit it. The stack ignores it.</summary>
        public bool Domain6;
        public bool ReuseAddress, ReusePort;
        public int KeepCount = 9;
        // What the keepalive deadline depends on: setting it moves the socket's timer.
        public bool KeepAlive { get => _keepAlive; set { _keepAlive = value; Rearm(); } }
        public int KeepIdleSec { get => _keepIdleSec; set { _keepIdleSec = value; Rearm(); } }
        public int KeepIntervalSec { get => _keepIntervalSec; set { _keepIntervalSec = value; Rearm(); } }
        private bool _keepAlive;
        private int _keepIdleSec = 7200, _keepIntervalSec = 75;
        public int ReceiveBufferSize = DefaultBufferSize, SendBufferSize = DefaultBufferSize;
        public bool LingerOn;
        public int LingerSeconds;
        private bool _noDelay, _cork;

        // ---- life cycle
        private TcpState _state = TcpState.Closed;
        private bool _owned = true;          // the kernel holds a descriptor for it
        private bool _userBound;             // bound by Bind(): keeps its port while Closed
        private bool _everConnected;
        private int _error;                  // pending SO_ERROR (positive errno)
        private int _softError;              // last ICMP soft error (reported on timeout)
        private bool _rcvShut, _sndShut;     // Linux sk_shutdown RCV/SEND
        private bool _finReceived;

        // ---- listener / child links
        private TcpSocket _parent;
        private TcpSocket _nextChild;
        private bool _inAcceptQueue;
        private TcpSocket _acceptHead, _acceptTail, _halfHead;
        private int _acceptCount, _halfCount, _backlog;

        // ---- buffers
        private ByteRing _snd, _rcv;
        private uint[] _oooStart, _oooEnd;   // most recent first
        private int _oooN;
        private uint[] _sackStart, _sackEnd; // what the peer's latest ACK says it holds past snd.una
        private int _sackN;

        // ---- send sequence space
        private uint _iss, _sndUna, _sndNxt, _sndMax, _sndBase, _sndWl1, _sndWl2;
        private uint _sndWnd, _maxSndWnd;
        private int _sndWscale, _rcvWscale;
        private int _mssBase;                // max payload + options per segment
        private int _ourMss;

        // ---- receive sequence space
        private uint _irs, _rcvNxt, _advEdge, _lastAckSent;
        private bool _finPending;
        private uint _finRcvSeq;

        // ---- options
        private bool _offerTs, _offerSack, _offerWs;
        private bool _tsOk, _sackOk, _tsRecentSet;
        private uint _tsRecent, _tsOffset;

        // ---- timers and RTT. Everything Deadline reads is written through a setter or helper
        // that calls Rearm (the four deadlines below, SetState, the keepalive fields and helpers),
        // so the stack's timer queue always holds the socket at its Deadline.
        private long _rtoAt = long.MaxValue, _delackAt = long.MaxValue, _persistAt = long.MaxValue, _closeAt = long.MaxValue;
        private long RtoAt { get => _rtoAt; set { if (_rtoAt != value) { _rtoAt = value; Rearm(); } } }
        private long DelackAt { get => _delackAt; set { if (_delackAt != value) { _delackAt = value; Rearm(); } } }
        private long PersistAt { get => _persistAt; set { if (_persistAt != value) { _persistAt = value; Rearm(); } } }
        private long CloseAt { get => _closeAt; set { if (_closeAt != value) { _closeAt = value; Rearm(); } } }
        private int _rto = InitialRto, _retries, _persistBackoff;
        private long _srtt8, _rttvar4;
        private bool _rttSampling;
        private uint _rttSeq;
        private long _rttStart;
        private long _lastRecv, _lastProbe;
        private int _keepProbes;
        private int _segsUnacked;
        private bool _ackNow;

        // ---- congestion control
        private long _cwnd, _ssthresh;
        private int _dupAcks;
        private bool _inRecovery;
        private uint _recover;

        // ---- statistics (TCP_INFO)
        public long SegmentsOut, SegmentsIn, Retransmits, BytesAcked, BytesReceived;

        internal TcpSocket(NetStack s) { Stack = s; }

        // =====================================================================================
        // Public API
        // =====================================================================================

        public TcpState State => _state;
        public int BytesAvailable => _rcv == null ? 0 : _rcv.Count;
        public int BytesQueued => _snd == null ? 0 : _snd.Count;           // SIOCOUTQ
        public int SendSpace => _snd == null ? SendBufferSize : _snd.Free;
        public int SmoothedRttMs => (int)(_srtt8 >> 3);
        public int RtoMs => _rto;
        public int Mss => EffMss;
        public long CongestionWindow => _cwnd;
        public int SendWindowScale => _sndWscale;
        public int ReceiveWindowScale => _rcvWscale;
        public bool TimestampsEnabled => _tsOk;
        public bool SackEnabled => _sackOk;
        public int PendingAccepts => _acceptCount;
        /// <summary>Bytes of struct tcp_info <see cref="WriteInfo"/> fills (Linux 6.x's, through tcpi_rehash).</summary>
        public const int InfoSize = 240;

        /// <summary>
        /// getsockopt(TCP_INFO): Linux's struct tcp_info from what this stack keeps (state, options,
        /// window scales, RTO and delayed-ACK time, MSS, packets in flight or a listener's queue,
        /// RTT and its variance (ms resolution), cwnd and ssthresh in segments, windows, byte and
        /// segment counters); what it does not measure (pacing, delivery rate, ECN, SACK
        /// scoreboard, reordering history) stays 0 or Linux's default. <paramref name="b"/> must be
        /// zeroed, <see cref="InfoSize"/> bytes.
        /// </summary>
        public unsafe void WriteInfo(byte* b)
        {
            long nowMs = Stack._now;
            int mss = EffMss > 0 ? EffMss : 536;
            b[0] = (byte)_state;
            b[2] = (byte)(_retries > 255 ? 255 : _retries);                       // tcpi_retransmits
            b[3] = (byte)(_keepProbes > 255 ? 255 : _keepProbes);                 // tcpi_probes
            b[5] = (byte)((_tsOk ? 1 : 0) | (_sackOk ? 2 : 0) | (_sndWscale > 0 || _rcvWscale > 0 ? 4 : 0));
            if (_sndWscale > 0 || _rcvWscale > 0) b[6] = (byte)((_sndWscale & 15) | ((_rcvWscale & 15) << 4));
            uint* w = (uint*)b;
            w[2] = (uint)_rto * 1000;                                             // tcpi_rto (us)
            w[3] = DelayedAckMs * 1000;                                           // tcpi_ato
            w[4] = (uint)mss;                                                     // tcpi_snd_mss
            w[5] = (uint)mss;                                                     // tcpi_rcv_mss
            if (_state == TcpState.Listen) { w[6] = (uint)_acceptCount; w[7] = (uint)_backlog; }
            else w[6] = (uint)(((long)(_sndMax - _sndUna) + mss - 1) / mss);      // tcpi_unacked: segments in flight
            long idle = _lastRecv > 0 && nowMs > _lastRecv ? nowMs - _lastRecv : 0;
            w[13] = (uint)idle;                                                   // tcpi_last_data_recv (ms)
            w[14] = (uint)idle;                                                   // tcpi_last_ack_recv
            w[15] = (uint)(mss + 40);                                             // tcpi_pmtu
            w[16] = (uint)RcvFree;                                                // tcpi_rcv_ssthresh
            w[17] = (uint)((_srtt8 >> 3) * 1000);                                 // tcpi_rtt (us)
            w[18] = (uint)((_rttvar4 >> 2) * 1000);                               // tcpi_rttvar
            w[19] = _ssthresh >= 0x3FFFFFFF ? 0x7FFFFFFFu : (uint)(_ssthresh / mss);   // tcpi_snd_ssthresh (infinite as Linux)
            w[20] = (uint)(_cwnd / mss);                                          // tcpi_snd_cwnd (segments)
            w[21] = (uint)(_ourMss > 0 ? _ourMss : mss);                          // tcpi_advmss
            w[22] = 3;                                                            // tcpi_reordering: Linux's default
            w[24] = (uint)ReceiveBufferSize;                                      // tcpi_rcv_space
            w[25] = (uint)Retransmits;                                            // tcpi_total_retrans
            *(long*)(b + 120) = BytesAcked;
            *(long*)(b + 128) = BytesReceived;
            w[34] = (uint)SegmentsOut;
            w[35] = (uint)SegmentsIn;
            w[36] = (uint)(_snd == null ? 0 : _snd.Count - (int)(_sndMax - _sndUna) > 0 ? _snd.Count - (int)(_sndMax - _sndUna) : 0);   // tcpi_notsent_bytes
            w[37] = (uint)((_srtt8 >> 3) * 1000);                                 // tcpi_min_rtt: the smoothed one (no minimum kept)
            w[57] = _sndWnd;                                                      // tcpi_snd_wnd
            w[58] = (uint)RcvFree;                                                // tcpi_rcv_wnd
        }

        // Sequence state (TCP_INFO, /proc/net/tcp, tests).
        public uint SendUnacked => _sndUna;
        public uint SendNext => _sndMax;
        public uint ReceiveNext => _rcvNxt;
        public int ReceiveWindow => RcvFree;
        public int SendWindow => (int)_sndWnd;

        public bool NoDelay
        {
            get => _noDelay;
            set { _noDelay = value; if (value) Push(); }
        }

        public bool Cork
        {
            get => _cork;
            set { _cork = value; if (!value) Push(); }
        }

        private void Push()
        {
            if (_snd != null && IsSynchronized) { Output(Stack._now); Stack.Finish(); }
        }

        /// <summary>Binds to an IPv4 or IPv6 address (or wildcard). An IPv6 wildcard without
        /// V6Only also takes IPv4 traffic; set V6Only before Bind.</summary>
        public int Bind(IpEndpoint local)
        {
            if (_state != TcpState.Closed || Local.Port != 0) return -Errno.EINVAL;
            int e = Stack.CheckBindAddress(ref local);
            if (e < 0) return e;
            ushort port = local.Port;
            if (port == 0)
            {
                port = Stack.TcpEphemeral();
                if (port == 0) return -Errno.EADDRINUSE;
            }
            else if (Stack.TcpBindConflict(local, port, this)) return -Errno.EADDRINUSE;
            Local = local; Local.Port = port;
            _userBound = true;
            Stack.AddTcp(this);
            return 0;
        }

        public int Listen(int backlog)
        {
            if (backlog < 0) backlog = 0;
            if (backlog > 4096) backlog = 4096;
            if (_state == TcpState.Listen) { _backlog = backlog; return 0; }
            if (_state != TcpState.Closed) return -Errno.EINVAL;
            if (Local.Port == 0)
            {
                ushort p = Stack.TcpEphemeral();
                if (p == 0) return -Errno.EADDRINUSE;
                Local.Port = p; _userBound = true;
            }
            if (Stack.TcpListenConflict(Local, Local.Port, this)) return -Errno.EADDRINUSE;
            _backlog = backlog;
            SetState(TcpState.Listen);
            _rcvShut = false; _sndShut = false; _error = 0;
            Stack.AddTcp(this);
            Stack.HashTcp(this);
            return 0;
        }

        public TcpSocket Accept(out int error)
        {
            if (_state != TcpState.Listen) { error = -Errno.EINVAL; return null; }
            TcpSocket c = _acceptHead;
            if (c == null) { error = -Errno.EAGAIN; return null; }
            _acceptHead = c._nextChild;
            if (_acceptHead == null) _acceptTail = null;
            _acceptCount--;
            c._nextChild = null; c._inAcceptQueue = false; c._parent = null; c._owned = true;
            error = 0;
            return c;
        }

        public int Connect(IpEndpoint remote, long nowMs)
        {
            Stack.SetNow(nowMs);
            switch (_state)
            {
                case TcpState.SynSent: case TcpState.SynReceived: return -Errno.EALREADY;
                case TcpState.Closed: break;
                default: return -Errno.EISCONN;
            }
            IpEndpoint dst = remote;
            if (dst.V6)
            {
                if (dst.Address6.IsUnspecified) dst.Address6 = Ip6Address.Loopback;        // as Linux: :: means ::1
                if (dst.Address6.IsMulticast || dst.Address6.IsV4Mapped) return -Errno.ENETUNREACH;
            }
            else
            {
                if (dst.Address == 0) dst.Address = NetStack.LoopbackAddress;
                if (NetStack.IsMulticastOrBroadcast(dst.Address) || Stack.IsBroadcastAddress(dst.Address)) return -Errno.ENETUNREACH;
            }
            int e = Stack.CheckFamilies(Local, V6Only, dst);
            if (e < 0) return e;
            Route r;
            e = Stack.FindRoute(dst, out r);
            if (e < 0) return e;
            IpEndpoint src = Local.V6 == dst.V6 && !Local.IsAny ? Local : Stack.RouteSource(ref r);
            if (src.IsAny) return -Errno.ENETUNREACH;
            src.Port = Local.Port;
            if (src.Port == 0)
            {
                ushort p = Stack.TcpEphemeral();
                if (p == 0) return -Errno.EADDRNOTAVAIL;
                src.Port = p;
            }
            else if (Stack.TcpTupleUsed(src, dst, this)) return -Errno.EADDRNOTAVAIL;
            Local = src;
            Remote = dst;
            ResetConnection();
            _offerTs = true; _offerSack = true; _offerWs = true;
            SetupMss(r.Mtu, dst.V6);
            if (!EnsureBuffers()) return -Errno.ENOBUFS;
            _iss = Stack.InitialSequence(Local, Remote, nowMs);
            _tsOffset = (uint)Stack.InitialSequence(Remote, Local, 0);
            _sndUna = _iss; _sndNxt = _iss; _sndMax = _iss; _sndBase = _iss + 1;
            SetState(TcpState.SynSent);
            Stack.AddTcp(this);
            Stack.HashTcp(this);
            SendSyn(nowMs);
            Stack.Finish();
            if (_state == TcpState.Closed && _error != 0) return TakeError();
            if (IsSynchronized) return 0;
            return -Errno.EINPROGRESS;
        }

        public int Send(ReadOnlySpan<byte> data, long nowMs)
        {
            Stack.SetNow(nowMs);
            if (_error != 0) return TakeError();
            if (_sndShut) return -Errno.EPIPE;
            switch (_state)
            {
                case TcpState.SynSent: case TcpState.SynReceived: return -Errno.EAGAIN;
                case TcpState.Established: case TcpState.CloseWait: break;
                default: return _everConnected ? -Errno.EPIPE : -Errno.ENOTCONN;
            }
            if (data.Length == 0) return 0;
            int n = _snd.Append(data);
            if (n == 0) return _snd.Free > 0 ? -Errno.ENOBUFS : -Errno.EAGAIN;   // room allowed, but no memory for it
            Output(nowMs);
            Stack.Finish();
            return n;
        }

        public int Receive(Span<byte> into, bool peek, long nowMs)
        {
            Stack.SetNow(nowMs);
            if (_rcv != null && _rcv.Count > 0)
            {
                if (into.Length == 0) return 0;
                int n = _rcv.Count < into.Length ? _rcv.Count : into.Length;
                _rcv.CopyOut(0, into.Slice(0, n));
                if (!peek)
                {
                    _rcv.Consume(n);
                    MaybeWindowUpdate(nowMs);
                    Stack.Finish();
                }
                return n;
            }
            if (_finReceived) return 0;
            if (_error != 0) return TakeError();
            if (_rcvShut) return 0;
            switch (_state)
            {
                case TcpState.Closed: case TcpState.Listen: return -Errno.ENOTCONN;
                default: return -Errno.EAGAIN;
            }
        }

        public int Shutdown(int how, long nowMs)
        {
            Stack.SetNow(nowMs);
            if (how < 0 || how > 2) return -Errno.EINVAL;
            switch (_state)
            {
                case TcpState.Closed: return -Errno.ENOTCONN;
                case TcpState.Listen:
                    if (how == 1) return -Errno.ENOTCONN;
                    CloseListener(nowMs);
                    Stack.Finish();
                    return 0;
                case TcpState.SynSent:
                    ToClosed();
                    Stack.Finish();
                    return 0;
            }
            if (how != 1) { _rcvShut = true; InputEvents++; Stack.MarkChanged(); }
            if (how != 0 && !_sndShut)
            {
                _sndShut = true;
                if (_state == TcpState.Established) SetState(TcpState.FinWait1);
                else if (_state == TcpState.CloseWait) SetState(TcpState.LastAck);
                Output(nowMs);
                Stack.MarkChanged();
            }
            Stack.Finish();
            return 0;
        }

        public void Close(long nowMs)
        {
            NetStack stack = Stack;            // this object may be freed below
            stack.SetNow(nowMs);
            if (!_owned) return;
            _owned = false;
            bool abort = (_rcv != null && _rcv.Count > 0) || (LingerOn && LingerSeconds == 0);
            switch (_state)
            {
                case TcpState.Closed: break;
                case TcpState.Listen: CloseListener(nowMs); break;
                case TcpState.SynSent: ToClosed(); break;
                case TcpState.SynReceived:
                case TcpState.Established:
                case TcpState.CloseWait:
                    if (abort) { SendRst(); ToClosed(); break; }
                    _rcvShut = true;
                    if (!_sndShut)
                    {
                        _sndShut = true;
                        if (_state == TcpState.Established) SetState(TcpState.FinWait1);
                        else if (_state == TcpState.CloseWait) SetState(TcpState.LastAck);
                        Output(nowMs);
                    }
                    break;
                case TcpState.FinWait2:
                    if (abort) { SendRst(); ToClosed(); break; }
                    CloseAt = nowMs + Stack.TcpFinTimeoutMs;
                    break;
                default:
                    if (abort && _state != TcpState.TimeWait) { SendRst(); ToClosed(); }
                    break;
            }
            MaybeFree();
            stack.Finish();
        }

        public int PollEvents
        {
            get
            {
                int m = 0;
                if (_state == TcpState.Listen) return _acceptHead != null ? POLLIN | POLLRDNORM : 0;
                if (_error != 0) m |= POLLERR;
                if ((_rcvShut && _sndShut) || _state == TcpState.Closed) m |= POLLHUP;
                if (_rcvShut || _finReceived) m |= POLLIN | POLLRDNORM | POLLRDHUP;
                if (_state != TcpState.SynSent && _state != TcpState.SynReceived)
                {
                    if (_rcv != null && _rcv.Count > 0) m |= POLLIN | POLLRDNORM;
                    if (_sndShut) m |= POLLOUT | POLLWRNORM;
                    else if (SendSpace > 0) m |= POLLOUT | POLLWRNORM;
                }
                return m;
            }
        }

        public int TakeError()
        {
            int e = _error;
            _error = 0;
            return e == 0 ? 0 : -e;
        }

        // =====================================================================================
        // Internals: helpers
        // =====================================================================================

        private static bool Lt(uint a, uint b) => (int)(a - b) < 0;
        private static bool Le(uint a, uint b) => (int)(a - b) <= 0;
        private static bool Gt(uint a, uint b) => (int)(a - b) > 0;
        private static bool Ge(uint a, uint b) => (int)(a - b) >= 0;

        private bool IsSynchronized =>
            _state == TcpState.Established || _state == TcpState.FinWait1 || _state == TcpState.FinWait2 ||
            _state == TcpState.CloseWait || _state == TcpState.Closing || _state == TcpState.LastAck || _state == TcpState.TimeWait;

        private int EffMss
        {
            get
            {
                int m = _mssBase - (_tsOk ? 12 : 0);
                return m < 64 ? 64 : m;
            }
        }

        private uint FinSeq => _sndBase + (uint)(_snd == null ? 0 : _snd.Count);
        private bool FinAcked => _sndShut && Gt(_sndUna, FinSeq);

        private int RcvFree => _rcv == null ? ReceiveBufferSize : _rcv.Free;

        private void ResetConnection()
        {
            _error = 0; _softError = 0; _rcvShut = false; _sndShut = false; _finReceived = false;
            _finPending = false; _oooN = 0; _sackN = 0;
            _rtoAt = long.MaxValue; _delackAt = long.MaxValue; _persistAt = long.MaxValue; _closeAt = long.MaxValue;
            _rto = InitialRto; _retries = 0; _persistBackoff = 0; _srtt8 = 0; _rttvar4 = 0; _rttSampling = false;
            _keepProbes = 0; _segsUnacked = 0; _ackNow = false;
            _dupAcks = 0; _inRecovery = false;
            _tsOk = false; _sackOk = false; _tsRecentSet = false; _sndWscale = 0; _rcvWscale = 0;
            _lastRecv = Stack._now;
            Rearm();
            if (_snd != null) _snd.Reset();
            if (_rcv != null) _rcv.Reset();
        }

        private void SetupMss(int mtu, bool v6)
        {
            // The IPv4 total length field caps a packet at 65535; IPv6's payload length excludes
            // the 40-byte header, so over the 64 KiB loopback IPv6 gets 65536 - 60 (as Linux).
            if (mtu > (v6 ? 65536 : 65535)) mtu = v6 ? 65536 : 65535;
            _ourMss = mtu - (v6 ? 60 : 40);
            _mssBase = _ourMss;
            int ws = 0;
            int rb = ReceiveBufferSize < 2048 ? 2048 : ReceiveBufferSize;
            while (ws < 14 && (rb >> ws) > 65535) ws++;
            _rcvWscale = ws;
        }

        private bool EnsureBuffers()
        {
            if (_snd == null) _snd = new ByteRing(SendBufferSize < 2048 ? 2048 : SendBufferSize);
            if (_rcv == null) _rcv = new ByteRing(ReceiveBufferSize < 2048 ? 2048 : ReceiveBufferSize);
            if (_oooStart == null) { _oooStart = new uint[MaxOoo]; _oooEnd = new uint[MaxOoo]; }
            if (_sackStart == null) { _sackStart = new uint[4]; _sackEnd = new uint[4]; }
            return true;
        }

        private void InitCongestion()
        {
            int mss = EffMss;
            _cwnd = 10L * mss;
            _ssthresh = 0x3FFFFFFF;
            _dupAcks = 0; _inRecovery = false; _recover = _sndUna;
        }

        internal long Deadline
        {
            get
            {
                long d = _rtoAt;
                if (_delackAt < d) d = _delackAt;
                if (_persistAt < d) d = _persistAt;
                if (_closeAt < d) d = _closeAt;
                long k = KeepaliveAt;
                if (k < d) d = k;
                return d;
            }
        }

        private long KeepaliveAt
        {
            get
            {
                if (!KeepAlive || (_state != TcpState.Established && _state != TcpState.CloseWait)) return long.MaxValue;
                if (_keepProbes == 0) return _lastRecv + (long)(KeepIdleSec < 1 ? 1 : KeepIdleSec) * 1000;
                return _lastProbe + (long)(KeepIntervalSec < 1 ? 1 : KeepIntervalSec) * 1000;
            }
        }

        /// <summary>Keeps the stack's timer queue in step with Deadline (after any write of what it
        /// reads). Only sockets in TcpList run timers, as when Poll walked that list.</summary>
        internal void Rearm()
        {
            long d = InList ? Deadline : long.MaxValue;
            if (d != TimerKey) Stack._tcpTimers.Set(this, d);
        }

        /// <summary>A state change can start or stop keepalive.</summary>
        private void SetState(TcpState s)
        {
            _state = s;
            Rearm();
        }

        // =====================================================================================
        // Internals: closing and freeing
        // =====================================================================================

        /// <summary>tcp_done: the connection is over (the object may live on for its owner).</summary>
        private void ToClosed()
        {
            TcpState was = _state;
            _state = TcpState.Closed;
            _rtoAt = long.MaxValue; _delackAt = long.MaxValue; _persistAt = long.MaxValue; _closeAt = long.MaxValue;
            Rearm();
            _rcvShut = true; _sndShut = true;
            if (was != TcpState.Listen && was != TcpState.Closed) _everConnected = _everConnected || was != TcpState.SynSent;
            if (_parent != null && !_inAcceptQueue) { _parent.RemoveHalf(this); _parent = null; }
            Stack.UnhashTcp(this);
            if (!_userBound || !_owned) Stack.RemoveTcp(this);
            InputEvents++; Stack.MarkChanged();
            MaybeFree();
        }

        internal void AbortWith(int errno, bool sendRst, long now)
        {
            CheckAlive();
            if (_state == TcpState.Closed || _state == TcpState.Listen) return;
            if (sendRst) SendRst();
            if (_owned || _inAcceptQueue) _error = errno;
            ToClosed();
        }

        /// <summary>Drops a TIME_WAIT connection at once (its tuple is being reused).</summary>
        internal void Kill()
        {
            ToClosed();
        }

        private bool _freed;

        /// <summary>Host builds: catch the stack touching a socket it has already freed (on metal
        /// that memory may belong to someone else by then).</summary>
        private void CheckAlive()
        {
#if HOST
            if (_freed) throw new InvalidOperationException("TCP socket used after it was freed");
#endif
        }

        private void MaybeFree()
        {
            if (_state != TcpState.Closed || _owned || _inAcceptQueue || _freed) return;
            _freed = true;
            Stack.RemoveTcp(this);
            if (_parent != null) { _parent.RemoveHalf(this); _parent = null; }
            if (_snd != null) { NetMemory.Free(_snd.Buf); NetMemory.Free(_snd); _snd = null; }
            if (_rcv != null) { NetMemory.Free(_rcv.Buf); NetMemory.Free(_rcv); _rcv = null; }
            if (_oooStart != null) { NetMemory.Free(_oooStart); NetMemory.Free(_oooEnd); _oooStart = null; _oooEnd = null; }
            if (_sackStart != null) { NetMemory.Free(_sackStart); NetMemory.Free(_sackEnd); _sackStart = null; _sackEnd = null; }
            NetMemory.Free(this);
        }

        private void CloseListener(long now)
        {
            SetState(TcpState.Closed);
            while (_acceptHead != null)
            {
                TcpSocket c = _acceptHead;
                _acceptHead = c._nextChild;
                c._nextChild = null; c._inAcceptQueue = false; c._parent = null;
                if (c._state != TcpState.Closed) { c.SendRst(); c.ToClosed(); }
                else c.MaybeFree();
            }
            _acceptTail = null; _acceptCount = 0;
            while (_halfHead != null)
            {
                TcpSocket c = _halfHead;
                _halfHead = c._nextChild;
                c._nextChild = null; c._parent = null;
                c.SendRst();
                c.ToClosed();
            }
            _halfCount = 0;
            if (_cookieSender != null) { NetMemory.Free(_cookieSender); _cookieSender = null; }
            Stack.UnhashTcp(this);
            if (!_userBound || !_owned) Stack.RemoveTcp(this);
            _rcvShut = true; _sndShut = true;
            InputEvents++; Stack.MarkChanged();
        }

        private void RemoveHalf(TcpSocket c)
        {
            TcpSocket prev = null;
            for (TcpSocket x = _halfHead; x != null; prev = x, x = x._nextChild)
            {
                if (x != c) continue;
                if (prev == null) _halfHead = x._nextChild; else prev._nextChild = x._nextChild;
                x._nextChild = null;
                _halfCount--;
                return;
            }
        }

        // =====================================================================================
        // Internals: listening
        // =====================================================================================

        internal void ListenInput(ref TcpSeg g, ReadOnlySpan<byte> data, long now)
        {
            CheckAlive();
            if ((g.Flags & RST) != 0) return;
            if ((g.Flags & ACK) != 0)
            {
                if ((g.Flags & SYN) == 0 && CookieAck(ref g, data, now)) return;
                Stack.SendReset(ref g, data.Length);
                return;
            }
            if ((g.Flags & SYN) == 0) return;
            if (_acceptCount > _backlog) return;                          // accept queue full: drop
            int halfCap = _backlog * 2 + 8;
            if (halfCap > Stack.TcpMaxHalfOpen) halfCap = Stack.TcpMaxHalfOpen;
            Route r;
            if (Stack.FindRoute(g.Src, out r) < 0) return;
            if (_halfCount >= halfCap)
            {
                // SYN flood: answer with a cookie and keep nothing (or drop, cookies off).
                if (Stack.TcpSynCookies) CookieSynAck(ref g, ref r, now);
                return;
            }
            TcpSocket c = NewChild(ref g, ref r);
            c._iss = Stack.InitialSequence(g.Dst, g.Src, now);
            c._sndUna = c._iss; c._sndNxt = c._iss; c._sndMax = c._iss; c._sndBase = c._iss + 1;
            c._sndWnd = g.Wnd; c._sndWl1 = g.Seq; c._sndWl2 = c._iss;
            c._nextChild = _halfHead; _halfHead = c; _halfCount++;
            Stack.AddTcp(c);
            Stack.HashTcp(c);
            c.SendSyn(now);
        }

        /// <summary>A SYN_RECEIVED child for the SYN g (options as g offers them), not yet in
        /// any list; the caller sets the send sequence space.</summary>
        private TcpSocket NewChild(ref TcpSeg g, ref Route r)
        {
            var c = new TcpSocket(Stack);
            c._owned = false;
            c.ReuseAddress = ReuseAddress; c.ReusePort = ReusePort; c.KeepAlive = KeepAlive;
            c.KeepIdleSec = KeepIdleSec; c.KeepIntervalSec = KeepIntervalSec; c.KeepCount = KeepCount;
            c.ReceiveBufferSize = ReceiveBufferSize; c.SendBufferSize = SendBufferSize;
            c._noDelay = _noDelay; c.LingerOn = LingerOn; c.LingerSeconds = LingerSeconds;
            c.Local = g.Dst; c.Remote = g.Src; c.V6Only = V6Only; c.Domain6 = Domain6;
            c.ResetConnection();
            c.SetupMss(r.Mtu, g.Dst.V6);
            c._offerTs = g.HasTs; c._offerSack = g.SackOk; c._offerWs = g.WScale >= 0;
            c.Negotiate(ref g);
            c._irs = g.Seq; c._rcvNxt = g.Seq + 1; c._lastAckSent = c._rcvNxt;
            c._tsOffset = (uint)Stack.InitialSequence(g.Src, g.Dst, 0);
            c.SetState(TcpState.SynReceived);
            c._parent = this;
            return c;
        }

        // ---- SYN cookies (RFC 4987 3.6). When the half-open queue is full the SYN-ACK's sequence
        // number carries what the connection needs and nothing is kept:
        //   bits 31-27 the cookie clock (64 s periods) mod 32, 26-24 an index into CookieMss (the
        //   largest entry not above the peer's MSS), 23-0 a keyed hash of both endpoints, the
        //   peer's ISN, the full clock and the index.
        // An ACK for no connection, while this listener has sent cookies in the last 192 s, is
        // checked against it: acknowledging cookie + 1 with a clock at most 2 periods old and a
        // matching hash creates the connection, ESTABLISHED at once. As Linux, window scaling
        // and SACK survive only with timestamps: our SYN-ACK's TSval carries the peer's window
        // scale (low 4 bits, 15: none) and SACK-permitted (bit 4), and the ACK echoes it back.
        // Without timestamps the cookie SYN-ACK offers nothing but the MSS. A bad or old cookie
        // is refused as any stray ACK is: with a RST.

        internal const int CookiePeriodMs = 64000, CookieMaxAge = 2;
        private static int CookieMss(int i)
        {
            switch (i)
            {
                case 0: return 536;
                case 1: return 1220;
                case 2: return 1300;
                case 3: return 1440;
                case 4: return 1460;
                case 5: return 4312;
                case 6: return 8940;
                default: return 65476;
            }
        }

        private TcpSocket _cookieSender;     // sends the SYN-ACKs that keep no state (allocated once)
        private long _cookieSentAt;
        private bool _cookiesSent;

        private void CookieSynAck(ref TcpSeg g, ref Route r, long now)
        {
            int peerMss = g.Mss > 0 ? g.Mss : 536;
            int idx = 7;
            while (idx > 0 && CookieMss(idx) > peerMss) idx--;
            uint clock = (uint)(now / CookiePeriodMs);
            uint cookie = (clock & 31) << 27 | (uint)idx << 24 | Stack.CookieHash(g.Dst, g.Src, g.Seq, clock, idx);
            TcpSocket c = _cookieSender;
            if (c == null) { c = new TcpSocket(Stack); c._owned = false; _cookieSender = c; }
            c.ReceiveBufferSize = ReceiveBufferSize;
            c.Local = g.Dst; c.Remote = g.Src;
            c.ResetConnection();
            c.SetupMss(r.Mtu, g.Dst.V6);
            c._offerTs = g.HasTs; c._offerSack = g.HasTs && g.SackOk; c._offerWs = g.HasTs && g.WScale >= 0;
            if (g.HasTs)
            {
                c._tsRecent = g.TsVal;
                // TSval: our usual clock with the low 6 bits replaced by the options (never ahead of it).
                uint clockTs = (uint)now + (uint)Stack.InitialSequence(g.Src, g.Dst, 0);
                uint opts = (uint)(g.WScale >= 0 ? (g.WScale > 14 ? 14 : g.WScale) : 15) | (g.SackOk ? 16u : 0);
                uint ts = (clockTs & ~63u) | opts;
                if (Gt(ts, clockTs)) ts -= 64;
                c._tsOffset = ts - (uint)now;
            }
            c._rcvNxt = g.Seq + 1;
            c.SendSegment(cookie, SYN | ACK, 0, 0, now);
            Stack.TcpSynCookiesSent++;
            _cookieSentAt = now; _cookiesSent = true;
        }

        /// <summary>An ACK for this listener with no connection: if it returns a valid cookie,
        /// the connection is created from it and the ACK processed there (true).</summary>
        private bool CookieAck(ref TcpSeg g, ReadOnlySpan<byte> data, long now)
        {
            if (!Stack.TcpSynCookies || !_cookiesSent || now - _cookieSentAt > (CookieMaxAge + 1) * (long)CookiePeriodMs) return false;
            uint cookie = g.Ack - 1, peerIsn = g.Seq - 1;
            uint clock = (uint)(now / CookiePeriodMs);
            uint age = (clock - (cookie >> 27)) & 31;
            int idx = (int)(cookie >> 24) & 7;
            if (age > CookieMaxAge || (cookie & 0xFFFFFF) != Stack.CookieHash(g.Dst, g.Src, peerIsn, clock - age, idx))
            {
                Stack.TcpSynCookiesFailed++;
                return false;
            }
            if (_acceptCount > _backlog) return true;                   // accept queue full: drop (the peer retries)
            Route r;
            if (Stack.FindRoute(g.Src, out r) < 0) return true;
            // The SYN as the cookie remembers it.
            TcpSeg syn = g;
            syn.Seq = peerIsn;
            syn.Mss = CookieMss(idx);
            syn.WScale = -1; syn.SackOk = false;
            if (g.HasTs && g.TsEcr != 0)
            {
                int ws = (int)(g.TsEcr & 15);
                if (ws <= 14) syn.WScale = ws;
                syn.SackOk = (g.TsEcr & 16) != 0;
            }
            else syn.HasTs = false;
            TcpSocket c = NewChild(ref syn, ref r);
            c._iss = cookie;
            c._sndUna = cookie; c._sndNxt = cookie + 1; c._sndMax = cookie + 1; c._sndBase = cookie + 1;
            c._sndWnd = g.Wnd; c._sndWl1 = peerIsn; c._sndWl2 = cookie;
            c._retries = 1;                                             // no RTT sample from the handshake
            Stack.AddTcp(c);
            Stack.HashTcp(c);
            Stack.TcpSynCookiesReceived++;
            c.Segment(ref g, data, now);
            if (c._state == TcpState.SynReceived) c.ToClosed();         // not taken: nothing may linger
            return true;
        }

        private void Negotiate(ref TcpSeg g)
        {
            if (g.WScale >= 0 && _offerWs) _sndWscale = g.WScale > 14 ? 14 : g.WScale;
            else { _sndWscale = 0; _rcvWscale = 0; }
            _tsOk = g.HasTs && _offerTs;
            if (_tsOk) { _tsRecent = g.TsVal; _tsRecentSet = true; }
            _sackOk = g.SackOk && _offerSack;
            int peer = g.Mss > 0 ? g.Mss : 536;
            if (peer < 88) peer = 88;
            _mssBase = peer < _ourMss ? peer : _ourMss;
        }

        private void ChildEstablished(TcpSocket c)
        {
            RemoveHalf(c);
            c._inAcceptQueue = true;
            c._nextChild = null;
            if (_acceptTail == null) _acceptHead = c; else _acceptTail._nextChild = c;
            _acceptTail = c;
            _acceptCount++;
            InputEvents++; Stack.MarkChanged();
        }

        internal bool SynMayReuse(ref TcpSeg g)
        {
            if (g.HasTs && _tsRecentSet) return Gt(g.TsVal, _tsRecent);
            return Gt(g.Seq, _rcvNxt);
        }

        internal void IcmpError(uint seq, int err, bool hard)
        {
            CheckAlive();
            if (Lt(seq, _sndUna) || Ge(seq, _sndMax)) return;        // RFC 5927: must quote in-flight data
            if (_state == TcpState.SynSent && hard) { AbortWith(err, false, Stack._now); return; }
            _softError = err;
        }

        // =====================================================================================
        // Internals: segment arrival (RFC 9293 3.10.7)
        // =====================================================================================

        internal void Segment(ref TcpSeg g, ReadOnlySpan<byte> data, long now)
        {
            CheckAlive();
            SegmentsIn++;
            if (_state == TcpState.SynSent) { SynSentInput(ref g, data, now); return; }
            bool syn = (g.Flags & SYN) != 0, fin = (g.Flags & FIN) != 0, rst = (g.Flags & RST) != 0, ack = (g.Flags & ACK) != 0;

            // Our SYN-ACK was lost: the peer repeats its SYN.
            if (_state == TcpState.SynReceived && syn && !ack && !rst && g.Seq == _irs) { SendSyn(now); return; }

            // Simultaneous open: the peer's SYN-ACK repeats its SYN; take it as the ACK of ours.
            if (_state == TcpState.SynReceived && syn && ack && !rst && data.Length == 0 && g.Seq + 1 == _rcvNxt && g.Ack == _sndNxt)
            {
                syn = false; g.Seq++; g.Flags &= ~SYN;
            }

            // PAWS (RFC 7323 5): an old timestamp means an old duplicate.
            if (_tsOk && g.HasTs && _tsRecentSet && !rst && Lt(g.TsVal, _tsRecent)) { SendAck(now); return; }

            uint wnd = (uint)RcvFree;
            int segLen = data.Length + (syn ? 1 : 0) + (fin ? 1 : 0);
            bool ok = Acceptable(g.Seq, segLen, wnd);

            if (rst)
            {
                if (g.Seq == _rcvNxt) { OnReset(); return; }
                if (ok) SendAck(now);                                     // RFC 5961 challenge ACK
                return;
            }
            if (!ok)
            {
                if (_state == TcpState.TimeWait && fin) CloseAt = now + Stack.TcpTimeWaitMs;
                SendAck(now);
                return;
            }

            _lastRecv = now; _keepProbes = 0; Rearm();

            // Trim what we already have and what does not fit.
            uint seq = g.Seq;
            if (Lt(seq, _rcvNxt))
            {
                uint dup = _rcvNxt - seq;
                if (syn) { syn = false; seq++; dup--; }
                int d = dup < (uint)data.Length ? (int)dup : data.Length;
                data = data.Slice(d); seq += (uint)d; dup -= (uint)d;
                if (dup > 0) fin = false;
            }
            uint off = seq - _rcvNxt;
            int room = off >= wnd ? 0 : (int)(wnd - off);
            if (data.Length > room) { data = data.Slice(0, room); fin = false; _ackNow = true; }
            if (seq != g.Seq && data.Length == 0) _ackNow = true;        // all duplicate: re-ACK

            if (syn) { SendAck(now); return; }                            // RFC 5961 4: SYN in window
            if (!ack) return;

            if (_tsOk && g.HasTs && Le(g.Seq, _lastAckSent)) { _tsRecent = g.TsVal; _tsRecentSet = true; }

            if (_state == TcpState.SynReceived)
            {
                if (Le(g.Ack, _sndUna) || Gt(g.Ack, _sndMax))
                {
                    Stack.SendBareSegment(Local, Remote, g.Ack, 0, RST);
                    return;
                }
                if (!Establish(ref g, now)) return;
            }

            if (!ProcessAck(ref g, data.Length, fin, now)) return;
            if (_state == TcpState.Closed) return;

            switch (_state)
            {
                case TcpState.FinWait1:
                    if (FinAcked)
                    {
                        SetState(TcpState.FinWait2);
                        if (!_owned) CloseAt = now + Stack.TcpFinTimeoutMs;
                        Stack.MarkChanged();
                    }
                    break;
                case TcpState.Closing:
                    if (FinAcked) { EnterTimeWait(now); return; }
                    break;
                case TcpState.LastAck:
                    if (FinAcked) { ToClosed(); return; }
                    break;
                case TcpState.TimeWait:
                    if (fin) { SendAck(now); CloseAt = now + Stack.TcpTimeWaitMs; }
                    return;
            }

            if ((data.Length > 0 || fin) && !_finReceived &&
                (_state == TcpState.Established || _state == TcpState.FinWait1 || _state == TcpState.FinWait2))
            {
                if (!_owned && data.Length > 0 && (_state == TcpState.FinWait1 || _state == TcpState.FinWait2))
                {
                    AbortWith(Errno.ECONNRESET, true, now);                 // data for a closed socket
                    return;
                }
                ProcessData(seq, data, fin, now);
                if (_state == TcpState.Closed) return;
            }
            Output(now);
            if (_ackNow) SendAck(now);
        }

        private bool Acceptable(uint seq, int segLen, uint wnd)
        {
            if (seq == _rcvNxt) return true;
            uint end = _rcvNxt + wnd;
            if (segLen == 0)
                return wnd == 0 ? false : Ge(seq, _rcvNxt) && Lt(seq, end);
            if (wnd == 0) return false;
            if (Ge(seq, _rcvNxt) && Lt(seq, end)) return true;
            uint last = seq + (uint)segLen - 1;
            return Ge(last, _rcvNxt) && Lt(last, end);
        }

        private void OnReset()
        {
            switch (_state)
            {
                case TcpState.SynReceived:
                    if (_parent != null || !_owned) ToClosed();
                    else AbortWith(Errno.ECONNREFUSED, false, Stack._now);
                    break;
                case TcpState.Established: case TcpState.FinWait1: case TcpState.FinWait2:
                    AbortWith(Errno.ECONNRESET, false, Stack._now);
                    break;
                case TcpState.CloseWait:
                    AbortWith(Errno.EPIPE, false, Stack._now);
                    break;
                default:
                    ToClosed();
                    break;
            }
        }

        private void SynSentInput(ref TcpSeg g, ReadOnlySpan<byte> data, long now)
        {
            bool ack = (g.Flags & ACK) != 0, rst = (g.Flags & RST) != 0, syn = (g.Flags & SYN) != 0;
            if (ack && (Le(g.Ack, _iss) || Gt(g.Ack, _sndMax)))
            {
                if (!rst) Stack.SendBareSegment(Local, Remote, g.Ack, 0, RST);
                return;
            }
            if (rst)
            {
                if (ack) AbortWith(Errno.ECONNREFUSED, false, now);
                return;
            }
            if (!syn) return;
            _lastRecv = now; Rearm();
            Negotiate(ref g);
            _irs = g.Seq; _rcvNxt = g.Seq + 1; _lastAckSent = _rcvNxt;
            if (ack)
            {
                if (_retries == 0 && !_tsOk) RttSample(now - _rttStart);
                else if (_tsOk && g.TsEcr != 0) RttSample((long)(uint)(TsNow(now) - g.TsEcr));
                _sndUna = g.Ack;
                _sndWnd = g.Wnd; _maxSndWnd = g.Wnd; _sndWl1 = g.Seq; _sndWl2 = g.Ack;
                SetState(TcpState.Established); _everConnected = true;
                RtoAt = long.MaxValue; _retries = 0;
                InitCongestion();
                if (_sndShut) SetState(TcpState.FinWait1);
                InputEvents++; Stack.MarkChanged();
                SendAck(now);
                if ((g.Flags & FIN) != 0 || data.Length > 0) { ProcessData(g.Seq + 1, data, (g.Flags & FIN) != 0, now); if (_state == TcpState.Closed) return; }
                Output(now);
                if (_ackNow) SendAck(now);
            }
            else
            {
                // Simultaneous open.
                SetState(TcpState.SynReceived);
                _sndWnd = g.Wnd; _sndWl1 = g.Seq; _sndWl2 = _iss;
                _retries = 0;
                RtoAt = long.MaxValue;
                SendSyn(now);
            }
        }

        private bool Establish(ref TcpSeg g, long now)
        {
            if (_parent != null && _parent._acceptCount > _parent._backlog) return false;   // retry later
            if (_retries == 0 && !_tsOk) RttSample(now - _rttStart);
            _sndUna = g.Ack;
            _sndWnd = g.Wnd << _sndWscale; _maxSndWnd = _sndWnd; _sndWl1 = g.Seq; _sndWl2 = g.Ack;
            SetState(TcpState.Established); _everConnected = true;
            RtoAt = long.MaxValue; _retries = 0;
            EnsureBuffers();
            InitCongestion();
            if (_parent != null) _parent.ChildEstablished(this);
            if (_sndShut) SetState(TcpState.FinWait1);
            Stack.MarkChanged();
            return true;
        }

        private void EnterTimeWait(long now)
        {
            SetState(TcpState.TimeWait);
            RtoAt = long.MaxValue; PersistAt = long.MaxValue; DelackAt = long.MaxValue;
            CloseAt = now + Stack.TcpTimeWaitMs;
            Stack.MarkChanged();
        }

        /// <summary>ACK field processing for synchronized states; false = drop the segment.</summary>
        private bool ProcessAck(ref TcpSeg g, int dataLen, bool fin, long now)
        {
            uint ack = g.Ack;
            if (Gt(ack, _sndMax)) { SendAck(now); return false; }        // acks data never sent
            uint maxWin = _maxSndWnd > 65535 ? _maxSndWnd : 65535;
            if (Lt(ack, _sndUna - maxWin)) { SendAck(now); return false; }  // RFC 5961 5.2: too old

            uint newWnd = g.Wnd << _sndWscale;
            if (_sackOk && _sackStart != null)
            {
                // Keep the peer's SACK blocks (sane ones only): retransmissions skip what it holds.
                _sackN = 0;
                for (int i = 0; i < g.SackN; i++)
                {
                    uint bs, be;
                    g.SackBlock(i, out bs, out be);
                    if (Ge(bs, be) || Le(be, ack) || Gt(be, _sndMax) || Lt(bs, ack)) continue;
                    _sackStart[_sackN] = bs; _sackEnd[_sackN] = be; _sackN++;
                }
            }
            if (Gt(ack, _sndUna)) NewAck(ref g, now);
            else if (ack == _sndUna && dataLen == 0 && !fin && newWnd == _sndWnd && _sndMax != _sndUna)
                DupAck(now);

            if (Lt(_sndWl1, g.Seq) || (_sndWl1 == g.Seq && Le(_sndWl2, ack)))
            {
                bool opened = _sndWnd == 0 && newWnd > 0;
                _sndWnd = newWnd; _sndWl1 = g.Seq; _sndWl2 = ack;
                if (newWnd > _maxSndWnd) _maxSndWnd = newWnd;
                if (opened) { PersistAt = long.MaxValue; _persistBackoff = 0; Stack.MarkChanged(); }
            }
            return true;
        }

        private void NewAck(ref TcpSeg g, long now)
        {
            uint ack = g.Ack;
            uint acked = ack - _sndUna;
            uint dataEnd = FinSeq;
            uint ackData = Gt(ack, dataEnd) ? dataEnd : ack;
            if (Gt(ackData, _sndBase))
            {
                int n = (int)(ackData - _sndBase);
                _snd.Consume(n);
                _sndBase += (uint)n;
            }
            BytesAcked += ack - _sndUna;
            _sndUna = ack;
            if (Lt(_sndNxt, _sndUna)) _sndNxt = _sndUna;
            _retries = 0; _persistBackoff = 0;

            if (_tsOk && g.HasTs && g.TsEcr != 0) RttSample((long)(uint)(TsNow(now) - g.TsEcr));
            else if (_rttSampling && Gt(ack, _rttSeq)) { _rttSampling = false; RttSample(now - _rttStart); }

            int mss = EffMss;
            if (_inRecovery)
            {
                if (Ge(ack, _recover))
                {
                    _inRecovery = false;
                    long flight = (long)(uint)(_sndMax - _sndUna);
                    _cwnd = _ssthresh < flight + mss ? _ssthresh : flight + mss;
                    if (_cwnd < mss) _cwnd = mss;
                }
                else
                {
                    // Partial ACK (RFC 6582): retransmit the next hole, deflate.
                    RetransmitOne(now);
                    _cwnd -= acked; if (_cwnd < mss) _cwnd = mss;
                    _cwnd += mss;
                }
            }
            else
            {
                if (_cwnd < _ssthresh) _cwnd += acked < (uint)mss ? acked : (uint)mss;
                else _cwnd += ((long)mss * mss / _cwnd) > 0 ? (long)mss * mss / _cwnd : 1;
                if (_cwnd > 0x3FFFFFFF) _cwnd = 0x3FFFFFFF;
            }
            _dupAcks = 0;
            RtoAt = _sndUna == _sndMax ? long.MaxValue : now + _rto;
            Stack.MarkChanged();
        }

        private void DupAck(long now)
        {
            _dupAcks++;
            int mss = EffMss;
            if (_dupAcks == 3 && !_inRecovery)
            {
                long flight = (long)(uint)(_sndMax - _sndUna);
                _ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
                _recover = _sndMax;
                _inRecovery = true;
                RetransmitOne(now);
                _cwnd = _ssthresh + 3 * mss;
            }
            else if (_dupAcks > 3 && _inRecovery)
            {
                _cwnd += mss;
                Output(now);
            }
        }

        private void RttSample(long rtt)
        {
            if (rtt < 0 || rtt > 600000) return;
            if (_srtt8 == 0) { _srtt8 = (rtt << 3) | 1; _rttvar4 = rtt << 1; }
            else
            {
                long delta = rtt - (_srtt8 >> 3);
                _srtt8 += delta;
                if (_srtt8 <= 0) _srtt8 = 1;
                if (delta < 0) delta = -delta;
                _rttvar4 += delta - (_rttvar4 >> 2);
            }
            long rto = (_srtt8 >> 3) + (_rttvar4 > 1 ? _rttvar4 : 1);
            if (rto < MinRto) rto = MinRto;
            if (rto > MaxRto) rto = MaxRto;
            _rto = (int)rto;
        }

        private void ProcessData(uint seq, ReadOnlySpan<byte> data, bool fin, long now)
        {
            if (data.Length > 0)
            {
                // No memory for it: as if lost (a FIN after it waits too); the peer sends it again.
                if (!_rcv.Reserve(_rcv.Count + (int)(seq - _rcvNxt) + data.Length)) { _ackNow = true; return; }
                if (seq == _rcvNxt)
                {
                    bool hadHoles = _oooN > 0;
                    _rcv.CopyIn(_rcv.Count, data);
                    _rcv.Count += data.Length;
                    _rcvNxt += (uint)data.Length;
                    BytesReceived += data.Length;
                    if (hadHoles) { AbsorbOoo(); _ackNow = true; }
                    else if (++_segsUnacked >= 2) _ackNow = true;
                    else if (DelackAt == long.MaxValue) DelackAt = now + DelayedAckMs;
                    InputEvents++; Stack.MarkChanged();
                }
                else
                {
                    // Out of order: keep it in the ring past the in-order bytes, remember the range.
                    _rcv.CopyIn(_rcv.Count + (int)(seq - _rcvNxt), data);
                    AddOoo(seq, seq + (uint)data.Length);
                    _ackNow = true;
                }
            }
            if (fin)
            {
                _finPending = true;
                _finRcvSeq = seq + (uint)data.Length;
                if (seq != _rcvNxt || data.Length > 0) _ackNow = true;
            }
            if (_finPending && _finRcvSeq == _rcvNxt) ReceiveFin(now);
        }

        private void AddOoo(uint s, uint e)
        {
            for (int i = 0; i < _oooN; i++)
            {
                if (Lt(e, _oooStart[i]) || Lt(_oooEnd[i], s)) continue;
                if (Lt(_oooStart[i], s)) s = _oooStart[i];
                if (Gt(_oooEnd[i], e)) e = _oooEnd[i];
                for (int k = i; k < _oooN - 1; k++) { _oooStart[k] = _oooStart[k + 1]; _oooEnd[k] = _oooEnd[k + 1]; }
                _oooN--; i--;
            }
            if (_oooN == MaxOoo) _oooN--;                                // forget the oldest range
            for (int k = _oooN; k > 0; k--) { _oooStart[k] = _oooStart[k - 1]; _oooEnd[k] = _oooEnd[k - 1]; }
            _oooStart[0] = s; _oooEnd[0] = e; _oooN++;
        }

        private void AbsorbOoo()
        {
            bool again = true;
            while (again)
            {
                again = false;
                for (int i = 0; i < _oooN; i++)
                {
                    if (Gt(_oooStart[i], _rcvNxt)) continue;
                    if (Gt(_oooEnd[i], _rcvNxt))
                    {
                        int n = (int)(_oooEnd[i] - _rcvNxt);
                        _rcv.Count += n;
                        _rcvNxt = _oooEnd[i];
                        BytesReceived += n;
                    }
                    for (int k = i; k < _oooN - 1; k++) { _oooStart[k] = _oooStart[k + 1]; _oooEnd[k] = _oooEnd[k + 1]; }
                    _oooN--;
                    again = true;
                    break;
                }
            }
        }

        private void ReceiveFin(long now)
        {
            _finPending = false;
            _rcvNxt++;
            _finReceived = true; _rcvShut = true;
            _ackNow = true;
            switch (_state)
            {
                case TcpState.Established: SetState(TcpState.CloseWait); break;
                case TcpState.FinWait1:
                    if (FinAcked) EnterTimeWait(now); else SetState(TcpState.Closing);
                    break;
                case TcpState.FinWait2: EnterTimeWait(now); break;
            }
            InputEvents++; Stack.MarkChanged();
        }

        private void MaybeWindowUpdate(long now)
        {
            if (_state != TcpState.Established && _state != TcpState.FinWait1 && _state != TcpState.FinWait2) return;
            uint edge = _rcvNxt + (uint)AdvertisedWindow();
            uint grown = edge - _advEdge;
            int threshold = _rcv.Capacity / 2;
            if (threshold > EffMss) threshold = EffMss;
            if (Gt(edge, _advEdge) && grown >= (uint)threshold) SendAck(now);
        }

        private int AdvertisedWindow()
        {
            int free = RcvFree;
            int field = free >> _rcvWscale;
            if (field > 65535) field = 65535;
            return field << _rcvWscale;
        }

        // =====================================================================================
        // Internals: output
        // =====================================================================================

        private uint TsNow(long now) => (uint)now + _tsOffset;

        /// <summary>Sends whatever the windows, Nagle and cork allow.</summary>
        private void Output(long now)
        {
            if (_snd == null) return;
            switch (_state)
            {
                case TcpState.Established: case TcpState.CloseWait: case TcpState.FinWait1:
                case TcpState.Closing: case TcpState.LastAck: break;
                default: return;
            }
            int mss = EffMss;
            // With TSO one frame carries up to ~64 KiB, a multiple of the MSS (the device cuts it).
            int seg = mss;
            Route route;
            if (Stack.FindRoute(Remote, out route) == 0) { int t = TsoLimit(ref route, 20 + (_tsOk ? 12 : 0), mss); if (t > seg) seg = t; }
            int sent = 0;
            while (true)
            {
                SkipSacked();
                int off = (int)(_sndNxt - _sndBase);
                if (off < 0) off = 0;
                int unsent = off <= _snd.Count ? _snd.Count - off : 0;
                long wnd = _sndWnd < _cwnd ? _sndWnd : _cwnd;
                long inflight = (long)(uint)(_sndNxt - _sndUna);
                long avail = wnd > inflight ? wnd - inflight : 0;
                int len = unsent;
                if (len > seg) len = seg;
                if (len > avail) len = (int)avail;
                for (int i = 0; i < _sackN && Lt(_sndNxt, _sndMax); i++)
                    if (Gt(_sackStart[i], _sndNxt) && Lt(_sackStart[i], _sndNxt + (uint)len)) len = (int)(_sackStart[i] - _sndNxt);
                if (len > mss) len -= len % mss;                           // the tail goes as a segment of its own
                bool sendFin = _sndShut && len == unsent && Le(_sndNxt + (uint)len, FinSeq) && !Gt(_sndNxt, FinSeq);
                if (len == 0 && !sendFin) break;
                bool resend = Lt(_sndNxt, _sndMax);
                if (len > 0 && len < mss && len < unsent && !resend)
                {
                    // Window-limited runt (sender SWS avoidance): wait unless it is half the peer's max window.
                    if (len < (int)(_maxSndWnd / 2)) break;
                }
                if (len > 0 && len < mss && len == unsent && !sendFin && !resend)
                {
                    if (_cork) break;
                    if (!_noDelay && inflight > 0) break;                  // Nagle
                }
                int flags = ACK | (sendFin ? FIN : 0) | (len > 0 && len == unsent ? PSH : 0);
                uint seq = _sndNxt;
                bool retransmission = Lt(seq, _sndMax);
                int n = SendSegment(seq, flags, off, len, now);
                if (n < len) flags &= ~FIN;
                if (n == 0 && (flags & FIN) == 0) break;
                _sndNxt += (uint)n + ((flags & FIN) != 0 ? 1u : 0);
                if (Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
                if (retransmission) { Retransmits++; Stack.TcpRetransmits++; }
                else if (!_rttSampling && !_tsOk && n > 0) { _rttSampling = true; _rttSeq = seq; _rttStart = now; }
                if (RtoAt == long.MaxValue) RtoAt = now + _rto;
                PersistAt = long.MaxValue;
                if (++sent > 10000) break;
                if ((flags & FIN) != 0) break;
            }
            // Zero window with data waiting and nothing in flight: probe.
            int off2 = (int)(_sndNxt - _sndBase);
            bool waiting = _snd.Count > (off2 < 0 ? 0 : off2);
            if (_sndWnd == 0 && waiting && _sndNxt == _sndUna && PersistAt == long.MaxValue)
            {
                RtoAt = long.MaxValue;
                PersistAt = now + PersistInterval();
            }
        }

        /// <summary>While resending (snd.nxt below snd.max), jump over data the peer has SACKed.</summary>
        private void SkipSacked()
        {
            bool moved = true;
            while (moved && _sackN > 0 && Lt(_sndNxt, _sndMax))
            {
                moved = false;
                for (int i = 0; i < _sackN; i++)
                {
                    if (Le(_sackStart[i], _sndNxt) && Lt(_sndNxt, _sackEnd[i]))
                    {
                        _sndNxt = Gt(_sackEnd[i], _sndMax) ? _sndMax : _sackEnd[i];
                        moved = true;
                    }
                }
            }
        }

        private long PersistInterval()
        {
            long t = (long)_rto << (_persistBackoff < 10 ? _persistBackoff : 10);
            if (t < MinRto) t = MinRto;
            if (t > 60000) t = 60000;
            return t;
        }

        private void RetransmitOne(long now)
        {
            int off = (int)(_sndUna - _sndBase);
            if (off < 0) off = 0;
            int len = _snd.Count - off;
            if (len < 0) len = 0;
            if (len > EffMss) len = EffMss;
            bool fin = _sndShut && Gt(_sndMax, FinSeq) && off + len == _snd.Count;
            if (len == 0 && !fin) return;
            SendSegment(_sndUna, ACK | (fin ? FIN : 0), off, len, now);
            Retransmits++; Stack.TcpRetransmits++;
            RtoAt = now + _rto;
        }

        private void SendSyn(long now)
        {
            int flags = SYN | (_state == TcpState.SynReceived ? ACK : 0);
            if (_retries == 0) _rttStart = now;
            SendSegment(_iss, flags, 0, 0, now);
            _sndNxt = _iss + 1;
            if (Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
            RtoAt = now + _rto;
        }

        private void SendAck(long now)
        {
            if (_state == TcpState.Closed || _state == TcpState.Listen || _state == TcpState.SynSent) return;
            // _sndMax, not _sndNxt: after an RTO rewinds _sndNxt an older sequence number would be
            // outside the peer's window and it would drop the ACK (RFC 9293 3.10.7.4 first check).
            SendSegment(_sndMax, ACK, 0, 0, now);
        }

        private void SendRst()
        {
            if (_state == TcpState.Closed || _state == TcpState.Listen || _state == TcpState.SynSent) return;
            Stack.SendBareSegment(Local, Remote, _sndMax, _rcvNxt, RST | ACK);
            SegmentsOut++;
        }

        /// <summary>Zero-window and keepalive probe: an old sequence number the peer must ACK.</summary>
        private void SendProbe(long now) => SendSegment(_sndUna - 1, ACK, 0, 0, now);

        /// <summary>Builds and sends one segment; returns the payload bytes actually carried.</summary>
        private int SendSegment(uint seq, int flags, int dataOff, int len, long now)
        {
            Route r;
            if (Stack.FindRoute(Remote, out r) < 0) return len;
            byte[] b = Stack.TxBuf;
            int o = NetStack.L4Off;
            int opt = o + 20;
            int ol = 0;
            if ((flags & SYN) != 0)
            {
                b[opt] = 2; b[opt + 1] = 4; Be.W16(b, opt + 2, _ourMss); ol = 4;
                if (_offerSack && _offerTs)
                {
                    b[opt + ol] = 4; b[opt + ol + 1] = 2; ol += 2;
                    b[opt + ol] = 8; b[opt + ol + 1] = 10; Be.W32(b, opt + ol + 2, TsNow(now));
                    Be.W32(b, opt + ol + 6, (flags & ACK) != 0 ? _tsRecent : 0); ol += 10;
                }
                else if (_offerTs)
                {
                    b[opt + ol] = 1; b[opt + ol + 1] = 1; b[opt + ol + 2] = 8; b[opt + ol + 3] = 10;
                    Be.W32(b, opt + ol + 4, TsNow(now)); Be.W32(b, opt + ol + 8, (flags & ACK) != 0 ? _tsRecent : 0); ol += 12;
                }
                else if (_offerSack)
                {
                    b[opt + ol] = 1; b[opt + ol + 1] = 1; b[opt + ol + 2] = 4; b[opt + ol + 3] = 2; ol += 4;
                }
                if (_offerWs)
                {
                    b[opt + ol] = 1; b[opt + ol + 1] = 3; b[opt + ol + 2] = 3; b[opt + ol + 3] = (byte)_rcvWscale; ol += 4;
                }
            }
            else
            {
                if (_tsOk)
                {
                    b[opt] = 1; b[opt + 1] = 1; b[opt + 2] = 8; b[opt + 3] = 10;
                    Be.W32(b, opt + 4, TsNow(now)); Be.W32(b, opt + 8, _tsRecent); ol = 12;
                }
                if (_sackOk && _oooN > 0 && (flags & ACK) != 0 && (flags & RST) == 0)
                {
                    int nb = _oooN < (_tsOk ? 3 : 4) ? _oooN : (_tsOk ? 3 : 4);
                    b[opt + ol] = 1; b[opt + ol + 1] = 1; b[opt + ol + 2] = 5; b[opt + ol + 3] = (byte)(2 + 8 * nb); ol += 4;
                    for (int i = 0; i < nb; i++)
                    {
                        Be.W32(b, opt + ol, _oooStart[i]); Be.W32(b, opt + ol + 4, _oooEnd[i]); ol += 8;
                    }
                }
            }
            int maxData = _mssBase - ol;
            if (maxData < 1) maxData = 1;
            int hl = 20 + ol;
            bool gso = false;
            if (len > maxData)
            {
                // Output asks for more than one segment only when the device does TSO.
                int limit = len > EffMss ? TsoLimit(ref r, hl, maxData) : 0;
                if (limit > maxData) { gso = true; if (len > limit) len = limit; len -= len % maxData; }
                else len = maxData;
            }
            Be.W16(b, o, Local.Port); Be.W16(b, o + 2, Remote.Port);
            Be.W32(b, o + 4, seq); Be.W32(b, o + 8, (flags & ACK) != 0 ? _rcvNxt : 0);
            b[o + 12] = (byte)((hl / 4) << 4); b[o + 13] = (byte)flags;
            int wfield;
            if ((flags & SYN) != 0) { wfield = RcvFree; if (wfield > 65535) wfield = 65535; }
            else { wfield = RcvFree >> _rcvWscale; if (wfield > 65535) wfield = 65535; }
            Be.W16(b, o + 14, wfield);
            b[o + 16] = 0; b[o + 17] = 0; b[o + 18] = 0; b[o + 19] = 0;
            if (len > 0) _snd.CopyOut(dataOff, new Span<byte>(b).Slice(o + hl, len));
            int total = hl + len;
            ulong sum = NetStack.PseudoSum(Local, Remote, NetStack.ProtoTcp, total);
            NetOffload off = default;
            if (NetStack.OffloadDevice(ref r) != null)
            {
                // The device sums header and data; we give it the pseudo-header (with the whole
                // length for TSO: the device adjusts it per segment, as Linux's GSO does).
                off.NeedsChecksum = true; off.CsumStart = 0; off.CsumOffset = 16;
                Be.W16(b, o + 16, Checksum.Fold(sum));
                if (gso) { off.GsoType = Remote.V6 ? NetOffload.GsoTcp6 : NetOffload.GsoTcp4; off.GsoSize = maxData; off.HeaderLength = hl; }
            }
            else Be.W16(b, o + 16, Checksum.Finish(Checksum.Add(sum, new ReadOnlySpan<byte>(b).Slice(o, total))));
            if ((flags & ACK) != 0)
            {
                _lastAckSent = _rcvNxt;
                DelackAt = long.MaxValue; _segsUnacked = 0; _ackNow = false;
                uint adv = (flags & SYN) != 0 ? (uint)wfield : (uint)wfield << _rcvWscale;
                _advEdge = _rcvNxt + adv;
            }
            SegmentsOut++; Stack.TcpSegmentsOut++;
            Stack.IpSend(ref r, Local, Remote, NetStack.ProtoTcp, total, true, off);
            return len;
        }

        /// <summary>The most data one TSO frame on route r may carry with a TCP header of hl bytes,
        /// a multiple of segment; 0 when the route's device does no TSO for this family.</summary>
        private int TsoLimit(ref Route r, int hl, int segment)
        {
            NetDevice d = NetStack.OffloadDevice(ref r);
            if (d == null || !(Remote.V6 ? d.Tso6 : d.Tso4)) return 0;
            int limit = d.TsoMaxPacket - (Remote.V6 ? 40 : 20) - hl;
            if (limit > 65535 - 40 - hl) limit = 65535 - 40 - hl;       // the IP length fields; TxBuf
            return limit - limit % segment;
        }

        // =====================================================================================
        // Internals: timers
        // =====================================================================================

        internal void OnTimer(long now)
        {
            CheckAlive();
            if (CloseAt <= now)
            {
                CloseAt = long.MaxValue;
                if (_state == TcpState.TimeWait || _state == TcpState.FinWait2) { ToClosed(); return; }
            }
            if (DelackAt <= now) { DelackAt = long.MaxValue; SendAck(now); }
            if (RtoAt <= now) { OnRto(now); if (_state == TcpState.Closed) return; }
            if (PersistAt <= now)
            {
                PersistAt = long.MaxValue;
                int off = (int)(_sndNxt - _sndBase);
                if (_sndWnd == 0 && _snd != null && _snd.Count > (off < 0 ? 0 : off))
                {
                    SendProbe(now);
                    if (_persistBackoff < 16) _persistBackoff++;
                    PersistAt = now + PersistInterval();
                }
                else Output(now);
            }
            if (KeepaliveAt <= now)
            {
                if (_keepProbes >= KeepCount && _keepProbes > 0) { AbortWith(Errno.ETIMEDOUT, true, now); return; }
                if (_sndUna != _sndMax) { _lastRecv = now; _keepProbes = 0; Rearm(); return; }   // the RTO covers it
                SendProbe(now);
                _keepProbes++;
                _lastProbe = now;
                Rearm();
            }
        }

        private void OnRto(long now)
        {
            RtoAt = long.MaxValue;
            switch (_state)
            {
                case TcpState.SynSent:
                case TcpState.SynReceived:
                {
                    int max = _state == TcpState.SynSent ? Stack.TcpSynRetries : Stack.TcpSynAckRetries;
                    if (++_retries > max)
                    {
                        if (_state == TcpState.SynReceived && (_parent != null || !_owned)) { ToClosed(); return; }
                        AbortWith(_softError != 0 ? _softError : Errno.ETIMEDOUT, false, now);
                        return;
                    }
                    _rto = _rto * 2 > MaxRto ? MaxRto : _rto * 2;
                    SendSyn(now);
                    Stack.TcpRetransmits++; Retransmits++;
                    return;
                }
            }
            if (_sndUna == _sndMax) return;
            if (++_retries > Stack.TcpRetries2)
            {
                AbortWith(_softError != 0 ? _softError : Errno.ETIMEDOUT, true, now);
                return;
            }
            int mss = EffMss;
            long flight = (long)(uint)(_sndMax - _sndUna);
            _ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
            _cwnd = mss;
            _recover = _sndMax; _inRecovery = false; _dupAcks = 0;
            _sndNxt = _sndUna;
            _rttSampling = false;
            _rto = _rto * 2 > MaxRto ? MaxRto : _rto * 2;
            Output(now);
            if (RtoAt == long.MaxValue && _sndUna != _sndMax) RtoAt = now + _rto;
        }
    }
}
