// AF_UNIX sockets: stream, datagram and sequenced-packet, bound to a path (a socket inode in the
// file tree), an abstract name (leading NUL) or an automatic one, or unnamed pairs (socketpair);
// listen/accept/connect; SO_PEERCRED; and descriptors passed with SCM_RIGHTS. A connected stream
// is two pipes, as socketpair's stream ends are; datagrams and sequenced packets go as messages
// into the receiver's queue (a sequenced-packet connection is a pair of datagram sockets that
// know each other, with end of file and EPIPE once one side is gone or shut).
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Fs
{
    /// <summary>The file a bound AF_UNIX socket leaves in the tree; open() on it fails with ENXIO.</summary>
    internal sealed class SocketInode : SpecialInode
    {
        public UnixSocket Bound;
    }

    /// <summary>Descriptions in flight (SCM_RIGHTS), each holding a reference until received or dropped.</summary>
    internal sealed class FileBatch
    {
        public File[] Files;
        public FileBatch Next;

        public void Drop()
        {
            for (int i = 0; i < Files.Length; i++) if (Files[i] != null) FdTable.Release(Files[i]);
            Runtime.Allocator.Free(Files);
            Runtime.Allocator.Free(this);
        }
    }

    internal sealed unsafe class UnixDatagram
    {
        public byte* Data;
        public int Length;
        public byte* From;           // sender's sockaddr_un (copied), FromLength bytes
        public int FromLength;
        public FileBatch Rights;
        public Ucred Cred;                                     // the sender, or what it claimed with SCM_CREDENTIALS
        public UnixDatagram Next;
    }

    internal sealed unsafe class UnixSocket : SocketFile
    {
        private const int MaxQueuedBytes = 212992;             // a datagram receive queue's limit (Linux's default rmem)
        private static UnixSocket s_abstract;                   // every socket bound to an abstract name
        private static UnixSocket s_all;                        // every AF_UNIX socket (to drop pointers to one that closes)
        private UnixSocket _nextAll, _prevAll;
        private static uint s_autobind;

        // The name: the sockaddr_un bytes after sun_family (a path with its NUL, or NUL + abstract name).
        private byte* _name;
        private int _nameLength;
        private bool _abstractName;
        private SocketInode _inode;
        private UnixSocket _nextAbstract;

        // Stream state.
        private bool _listening;
        private int _backlog;
        private UnixSocket _queueHead, _queueTail, _queueNext;
        private int _queued;
        public SocketPairEnd Conn;                               // once connected (or accepted)
        private UnixSocket _peer;                                // the other end's socket, while both are open
        private Ucred _peerCred, _peerCredReal;                // the other end at connect: effective ids (SO_PEERCRED) and real ones (SCM_CREDENTIALS)
        private byte* _peerName;
        private int _peerNameLength;
        private FileBatch _rightsHead;                           // SCM_RIGHTS sent to this end, oldest first

        // Datagram state.
        private UnixDatagram _dgHead, _dgTail;
        private int _dgBytes;
        private UnixSocket _dgPeer;                              // connect()ed destination (the peer, for a sequenced-packet connection)
        private bool _dgRefused;                                 // ... which has since closed
        private Ucred _listenCred, _listenCredReal;

        // Sequenced-packet connection state (the data travels as datagrams to _dgPeer).
        private bool _seqConnected, _sendShut, _receiveShut, _peerSendShut;

        private bool IsSeqPacket => Type == SocketConst.SOCK_SEQPACKET;
        /// <summary>Made by socketpair (not bound, connected or accepted).</summary>
        public bool IsPair { get; private set; }
        private bool Connected => Conn != null || _seqConnected;

        /// <summary>socketpair(AF_UNIX): two unnamed sockets connected to each other (a stream pair as connect and accept leave one).</summary>
        public static void Pair(UnixSocket a, UnixSocket b)
        {
            a.IsPair = b.IsPair = true;
            if (a.Type == SocketConst.SOCK_STREAM)
            {
                var ab = new Pipe();
                var ba = new Pipe();
                a.Conn = new SocketPairEnd(ba, ab, 0);
                b.Conn = new SocketPairEnd(ab, ba, 0);
                a._peer = b; b._peer = a;
            }
            else { a._dgPeer = b; b._dgPeer = a; }
            if (a.IsSeqPacket) { a._seqConnected = b._seqConnected = true; }
            a._peerCred = b._peerCred = Ucred.OfCaller(true);
            a._peerCredReal = b._peerCredReal = Ucred.OfCaller(false);
        }

        public UnixSocket(int type, int flags)
        {
            Domain = SocketConst.AF_UNIX;
            Type = type;
            Flags = OpenFlags.O_RDWR | flags;
            _nextAll = s_all;
            if (s_all != null) s_all._prevAll = this;
            s_all = this;
        }

        public override bool Listening => _listening;

        // ---- names ----

        private static bool SameName(byte* a, int al, byte* b, int bl)
        {
            if (al != bl) return false;
            for (int i = 0; i < al; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static UnixSocket FindAbstract(byte* name, int length)
        {
            for (var s = s_abstract; s != null; s = s._nextAbstract)
                if (SameName(s._name, s._nameLength, name, length)) return s;
            return null;
        }

        /// <summary>The socket bound at a sockaddr_un (kernel copy, <paramref name="len"/> bytes), or -errno.</summary>
        private static long Find(byte* addr, int len, out UnixSocket target)
        {
            target = null;
            if (len < 2 || *(ushort*)addr != SocketConst.AF_UNIX) return -Errno.EINVAL;
            byte* path = addr + 2;
            int n = len - 2;
            if (n <= 0) return -Errno.EINVAL;
            if (path[0] == 0)
            {
                target = FindAbstract(path, n);
                return target == null ? -Errno.ECONNREFUSED : 0;
            }
            int plen = 0;
            while (plen < n && path[plen] != 0) plen++;
            int r = Syscalls.SysFile.LookupPath(Syscalls.SysFile.AT_FDCWD, path, plen, true, false, out Inode node);
            if (r < 0) return r;
            if (node is not SocketInode si) return -Errno.ECONNREFUSED;
            target = si.Bound;
            return target == null ? -Errno.ECONNREFUSED : 0;
        }

        private void SetName(byte* name, int length)
        {
            _name = (byte*)Mm.KernelHeap.Alloc((ulong)(length > 0 ? length : 1));
            Mem.Copy(_name, name, (ulong)length);
            _nameLength = length;
        }

        public override long Bind(byte* addr, int len)
        {
            if (len < 2 || *(ushort*)addr != SocketConst.AF_UNIX) return -Errno.EINVAL;
            if (_name != null) return -Errno.EINVAL;
            int n = len - 2;
            byte* path = addr + 2;
            if (n == 0) return Autobind();
            if (path[0] == 0)
            {
                if (FindAbstract(path, n) != null) return -Errno.EADDRINUSE;
                SetName(path, n);
                _abstractName = true;
                _nextAbstract = s_abstract;
                s_abstract = this;
                return 0;
            }
            int plen = 0;
            while (plen < n && path[plen] != 0) plen++;
            if (plen >= 108) return -Errno.EINVAL;
            int r = Syscalls.SysFile.StartDir(Syscalls.SysFile.AT_FDCWD, path, plen, out Inode start);
            if (r < 0) return r;
            r = FileSystem.ResolveParent(start, new System.ReadOnlySpan<byte>(path, plen), PathOp.Create, out Inode parent, out int ns, out int nl);
            if (r < 0) return r == -Errno.EEXIST ? -Errno.EADDRINUSE : r;
            r = Perm.MayCreate(parent, new System.ReadOnlySpan<byte>(path + ns, nl));
            if (r < 0) return r;
            var node = new SocketInode { Bound = this };
            node.Mode = Inode.S_IFSOCK | (0x1FF & ~(uint)Process.Current.Umask);
            Perm.InitOwner(parent, node);
            r = FileSystem.AddSpecial(parent, new System.ReadOnlySpan<byte>(path + ns, nl), node);
            if (r < 0) return r == -Errno.EEXIST ? -Errno.EADDRINUSE : r;
            _inode = node;
            SetName(path, plen + 1);                               // the path and its NUL
            return 0;
        }

        private long Autobind()
        {
            byte* name = stackalloc byte[6];
            do
            {
                uint v = ++s_autobind & 0xFFFFF;
                name[0] = 0;
                for (int i = 0; i < 5; i++) { int d = (int)(v >> (4 * (4 - i))) & 15; name[1 + i] = (byte)(d < 10 ? '0' + d : 'a' + d - 10); }
            } while (FindAbstract(name, 6) != null);
            SetName(name, 6);
            _abstractName = true;
            _nextAbstract = s_abstract;
            s_abstract = this;
            return 0;
        }

        public override long GetName(bool peer, byte* addr)
        {
            *(ushort*)addr = SocketConst.AF_UNIX;
            if (peer)
            {
                if (Type == SocketConst.SOCK_DGRAM || (IsSeqPacket && _peerName == null && _seqConnected))
                {
                    if (_dgPeer == null) return -Errno.ENOTCONN;
                    if (_dgPeer._name != null) Mem.Copy(addr + 2, _dgPeer._name, (ulong)_dgPeer._nameLength);
                    return 2 + _dgPeer._nameLength;
                }
                if (!Connected) return -Errno.ENOTCONN;
                if (_peerName != null) Mem.Copy(addr + 2, _peerName, (ulong)_peerNameLength);
                return 2 + _peerNameLength;
            }
            if (_name != null) Mem.Copy(addr + 2, _name, (ulong)_nameLength);
            return 2 + _nameLength;
        }

        // ---- streams ----

        public override long Listen(int backlog)
        {
            if (Type == SocketConst.SOCK_DGRAM) return -Errno.EOPNOTSUPP;
            if (Connected) return -Errno.EINVAL;
            if (_name == null) Autobind();
            _listening = true;
            _backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog;
            _listenCred = Ucred.OfCaller(true);
            _listenCredReal = Ucred.OfCaller(false);
            return 0;
        }

        public override long Connect(byte* addr, int len)
        {
            if (Type == SocketConst.SOCK_DGRAM)
            {
                if (len >= 2 && *(ushort*)addr == 0) { _dgPeer = null; return 0; }   // AF_UNSPEC: dissolve
                long f = Find(addr, len, out UnixSocket t);
                if (f < 0) return f;
                if (t.Type != SocketConst.SOCK_DGRAM) return -Errno.EPROTOTYPE;
                _dgPeer = t;
                _dgRefused = false;
                return 0;
            }
            if (_listening) return -Errno.EINVAL;
            if (Connected) return -Errno.EISCONN;
            while (true)
            {
                long r = Find(addr, len, out UnixSocket server);
                if (r < 0) return r;
                if (server.Type != Type) return -Errno.EPROTOTYPE;
                if (!server._listening) return -Errno.ECONNREFUSED;
                if (server._queued < server._backlog)
                {
                    var child = new UnixSocket(Type, 0);
                    if (IsSeqPacket)
                    {
                        _dgPeer = child; child._dgPeer = this;
                        _seqConnected = child._seqConnected = true;
                    }
                    else
                    {
                        var ab = new Pipe();
                        var ba = new Pipe();
                        Conn = new SocketPairEnd(ba, ab, 0);
                        child.Conn = new SocketPairEnd(ab, ba, 0);
                    }
                    child._peer = this; _peer = child;
                    child._peerCred = Ucred.OfCaller(true); child._peerCredReal = Ucred.OfCaller(false); _peerCred = server._listenCred; _peerCredReal = server._listenCredReal;
                    if (_name != null) { child._peerName = Copy(_name, _nameLength); child._peerNameLength = _nameLength; }
                    child.SetName(server._name, server._nameLength);
                    _peerName = Copy(server._name, server._nameLength); _peerNameLength = server._nameLength;
                    if (server._queueTail == null) server._queueHead = child; else server._queueTail._queueNext = child;
                    server._queueTail = child;
                    server._queued++;
                    PollWait.Changed();
                    return 0;
                }
                if (NonBlocking) return -Errno.EAGAIN;
                int w = Scheduler.Sleep(PollWait.Queue, 0);
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
            }
        }

        private static byte* Copy(byte* src, int n)
        {
            byte* p = (byte*)Mm.KernelHeap.Alloc((ulong)(n > 0 ? n : 1));
            Mem.Copy(p, src, (ulong)n);
            return p;
        }

        public override SocketFile Accept(bool nonblock, out long error)
        {
            if (!_listening) { error = -Errno.EINVAL; return null; }
            while (_queueHead == null)
            {
                if (nonblock || NonBlocking) { error = -Errno.EAGAIN; return null; }
                if (Scheduler.Sleep(PollWait.Queue, 0) == Scheduler.Interrupted) { error = -Errno.ERESTARTSYS; return null; }
            }
            UnixSocket c = _queueHead;
            _queueHead = c._queueNext;
            if (_queueHead == null) _queueTail = null;
            c._queueNext = null;
            _queued--;
            PollWait.Changed();
            error = 0;
            return c;
        }

        public override long Read(byte* dst, long n) => ReceiveFrom(dst, n, 0, null, null);
        public override long Write(byte* src, long n) => SendTo(src, n, 0, null, 0);

        public override long SendTo(byte* src, long n, int flags, byte* addr, int addrLen)
        {
            if (IsDatagram) return SendDatagram(src, n, flags, addr, addrLen, null);
            if (Conn == null) return -Errno.ENOTCONN;
            long r = Conn.SendTo(src, n, flags | (NonBlocking ? SocketConst.MSG_DONTWAIT : 0), null, 0);     // O_NONBLOCK is this file's, not Conn's
            if (r == -Errno.EPIPE && (flags & SocketConst.MSG_NOSIGNAL) == 0) Syscalls.SignalDelivery.RaisePipe();
            return r;
        }

        public override long ReceiveFrom(byte* dst, long n, int flags, byte* addr, int* addrLen)
        {
            if (addrLen != null) *addrLen = 0;
            if (IsDatagram) return ReceiveDatagram(dst, n, flags, addr, addrLen, null);
            if (Conn == null) return -Errno.EINVAL;
            return Conn.ReceiveFrom(dst, n, flags | (NonBlocking ? SocketConst.MSG_DONTWAIT : 0), null, null);
        }

        public override long Shutdown(int how)
        {
            if (how < 0 || how > 2) return -Errno.EINVAL;
            if (IsSeqPacket && _seqConnected)
            {
                if (how != 1) _receiveShut = true;
                if (how != 0) { _sendShut = true; if (_dgPeer != null) _dgPeer._peerSendShut = true; }
                PollWait.Changed();
                return 0;
            }
            if (Conn == null) return -Errno.ENOTCONN;
            return Conn.Shutdown(how);
        }

        // ---- datagrams ----

        private long SendDatagram(byte* src, long n, int flags, byte* addr, int addrLen, FileBatch rights) =>
            SendDatagram(src, n, flags, addr, addrLen, rights, Ucred.OfCaller(false));

        private long SendDatagram(byte* src, long n, int flags, byte* addr, int addrLen, FileBatch rights, Ucred cred)
        {
            UnixSocket target = _dgPeer;
            if (IsSeqPacket)
            {
                // A connection: the address is ignored (as Linux does); a gone or shut peer is EPIPE.
                if (!_seqConnected) return -Errno.ENOTCONN;
                if (_sendShut || target == null || target._receiveShut)
                {
                    if ((flags & SocketConst.MSG_NOSIGNAL) == 0) Syscalls.SignalDelivery.RaisePipe();
                    return -Errno.EPIPE;
                }
                addr = null;
            }
            else if (addr != null)
            {
                long f = Find(addr, addrLen, out target);
                if (f < 0) return f;
                if (target.Type != SocketConst.SOCK_DGRAM) return -Errno.EPROTOTYPE;
            }
            if (target == null) return _dgRefused && addr == null ? -Errno.ECONNREFUSED : -Errno.ENOTCONN;
            if (n > MaxQueuedBytes - 32) return -Errno.EMSGSIZE;
            while (target._dgBytes + n > MaxQueuedBytes && target._dgHead != null)
            {
                if (NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0) return -Errno.EAGAIN;
                if (Scheduler.Sleep(PollWait.Queue, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            var d = new UnixDatagram();
            d.Data = (byte*)Mm.KernelHeap.Alloc((ulong)(n > 0 ? n : 1));
            if (d.Data == null) { Runtime.Allocator.Free(d); return -Errno.ENOBUFS; }
            Mem.Copy(d.Data, src, (ulong)n);
            d.Length = (int)n;
            // An unbound sender stays unbound: the receiver sees an empty address, as on Linux.
            d.From = Copy(_name, _nameLength);
            d.FromLength = _nameLength;
            d.Rights = rights;
            d.Cred = cred;
            if (target._dgTail == null) target._dgHead = d; else target._dgTail.Next = d;
            target._dgTail = d;
            target._dgBytes += (int)n;
            PollWait.Changed();
            return n;
        }

        private long ReceiveDatagram(byte* dst, long n, int flags, byte* addr, int* addrLen, FileBatch* rights, Ucred* cred = null)
        {
            ulong deadline = ReceiveDeadline();
            if (IsSeqPacket && !_seqConnected) return -Errno.ENOTCONN;
            while (_dgHead == null)
            {
                if (IsSeqPacket && (_dgPeer == null || _peerSendShut || _receiveShut)) return 0;   // end of file
                long w = WaitForInput(flags, deadline);
                if (w != 0) return w;
            }
            UnixDatagram d = _dgHead;
            long copy = d.Length < n ? d.Length : n;
            Mem.Copy(dst, d.Data, (ulong)copy);
            if (addr != null && addrLen != null)
            {
                // An unbound sender has no address at all (length 0), as on Linux.
                *(ushort*)addr = SocketConst.AF_UNIX;
                Mem.Copy(addr + 2, d.From, (ulong)d.FromLength);
                *addrLen = d.FromLength == 0 ? 0 : 2 + d.FromLength;
            }
            long full = d.Length;
            if (cred != null) *cred = d.Cred;
            if ((flags & SocketConst.MSG_PEEK) == 0)
            {
                _dgHead = d.Next;
                if (_dgHead == null) _dgTail = null;
                _dgBytes -= d.Length;
                if (rights != null) *rights = d.Rights; else if (d.Rights != null) d.Rights.Drop();
                FreeDatagram(d);
                PollWait.Changed();
            }
            return (flags & SocketConst.MSG_TRUNC) != 0 ? full : copy;
        }

        private static void FreeDatagram(UnixDatagram d)
        {
            Mm.KernelHeap.Free(d.Data);
            Mm.KernelHeap.Free(d.From);
            Runtime.Allocator.Free(d);
        }

        // ---- SCM_RIGHTS ----

        /// <summary>A datagram with descriptors attached (the batch's references now belong to the message).</summary>
        public long SendDatagramWithRights(byte* src, long n, int flags, byte* addr, int addrLen, FileBatch rights, Ucred cred)
        {
            long r = SendDatagram(src, n, flags, addr, addrLen, rights, cred);
            if (r < 0 && rights != null) rights.Drop();
            return r;
        }

        /// <summary>Stream: descriptors travel ahead of the bytes sent next; the peer takes them with its next recvmsg.</summary>
        public long AttachRights(FileBatch rights)
        {
            if (Conn == null || _peer == null) { rights.Drop(); return -Errno.ENOTCONN; }   // streams only: messages carry their own
            if (_peer._rightsHead == null) _peer._rightsHead = rights;
            else { var t = _peer._rightsHead; while (t.Next != null) t = t.Next; t.Next = rights; }
            return 0;
        }

        /// <summary>A datagram and the descriptors that came with it (null if none).</summary>
        public long ReceiveDatagramWithRights(byte* dst, long n, int flags, byte* addr, int* addrLen, out FileBatch rights, out Ucred cred)
        {
            FileBatch got = null;
            Ucred c = default;
            long r = ReceiveDatagram(dst, n, flags, addr, addrLen, &got, &c);
            rights = got;
            cred = c;
            return r;
        }

        /// <summary>A stream's sender for SCM_CREDENTIALS: the process at the other end when the connection was made.</summary>
        public Ucred StreamPeer => _peerCredReal;

        /// <summary>Stream: the oldest descriptors in flight to this end, or null.</summary>
        public FileBatch TakeRights()
        {
            FileBatch b = _rightsHead;
            if (b != null) { _rightsHead = b.Next; b.Next = null; }
            return b;
        }

        // ---- poll, options, close ----

        public override short Poll()
        {
            if (_listening) return (short)(_queueHead != null ? PollBits.POLLIN : 0);
            if (IsSeqPacket)
            {
                if (!_seqConnected) return (short)(PollBits.POLLOUT | PollBits.POLLHUP);
                bool gone = _dgPeer == null;
                short r = 0;
                if (_dgHead != null || gone || _peerSendShut || _receiveShut) r |= PollBits.POLLIN;
                // A send would not block: it goes, or fails at once (EPIPE).
                if (gone || _sendShut || _dgPeer._dgBytes < MaxQueuedBytes) r |= PollBits.POLLOUT;
                if (gone || (_sendShut && (_peerSendShut || _receiveShut))) r |= PollBits.POLLHUP;
                return r;
            }
            if (Type == SocketConst.SOCK_DGRAM)
            {
                short r = 0;
                if (_dgHead != null) r |= PollBits.POLLIN;
                if (_dgPeer == null || _dgPeer._dgBytes < MaxQueuedBytes) r |= PollBits.POLLOUT;
                return r;
            }
            if (Conn == null) return (short)(PollBits.POLLOUT | PollBits.POLLHUP);
            return Conn.Poll();
        }

        // A connected stream counts the input events of its receiving pipe (epoll's EPOLLET); other
        // kinds count every readiness change in the system (File's default).
        public override ulong InputEvents => !_listening && !IsSeqPacket && Type != SocketConst.SOCK_DGRAM && Conn != null ? Conn.InputEvents : base.InputEvents;

        public override long Available()
        {
            if (IsSeqPacket) { long all = 0; for (var d = _dgHead; d != null; d = d.Next) all += d.Length; return all; }   // Linux: every queued byte
            if (IsDatagram) return _dgHead != null ? _dgHead.Length : 0;
            return Conn != null ? Conn.Available() : 0;
        }

        public override long GetOption(int level, int name, byte* value, int* len)
        {
            if (level != SocketConst.SOL_SOCKET) return -Errno.ENOPROTOOPT;
            if (name == SocketConst.SO_PEERCRED)
            {
                if (!Connected) return -Errno.ENOTCONN;
                *(Ucred*)value = _peerCred;
                *len = 12;
                return 0;
            }
            if (name == SocketConst.SO_SNDBUF || name == SocketConst.SO_RCVBUF)
            {
                *(int*)value = IsDatagram ? MaxQueuedBytes : Pipe.DefaultSize;
                *len = 4;
                return 0;
            }
            return -Errno.ENOPROTOOPT;
        }

        public override long SetOption(int level, int name, byte* value, int len)
        {
            if (level != SocketConst.SOL_SOCKET) return -Errno.ENOPROTOOPT;
            if (name == SocketConst.SO_SNDBUF || name == SocketConst.SO_RCVBUF || name == SocketConst.SO_REUSEADDR ||
                name == SocketConst.SO_SNDBUFFORCE || name == SocketConst.SO_RCVBUFFORCE)
                return 0;                                           // fixed buffers; accepted as hints
            return -Errno.ENOPROTOOPT;
        }

        public override void OnLastClose()
        {
            if (_inode != null) { _inode.Bound = null; _inode = null; }
            if (_abstractName)
            {
                if (s_abstract == this) s_abstract = _nextAbstract;
                else for (var s = s_abstract; s != null; s = s._nextAbstract) if (s._nextAbstract == this) { s._nextAbstract = _nextAbstract; break; }
            }
            // Unaccepted connections are reset: their clients see end of stream.
            while (_queueHead != null)
            {
                UnixSocket c = _queueHead;
                _queueHead = c._queueNext;
                c.OnLastClose();
                Runtime.Allocator.Free(c);
            }
            if (_peer != null) { _peer._peer = null; _peer = null; }
            if (Conn != null) { Conn.OnLastClose(); Runtime.Allocator.Free(Conn); Conn = null; }
            while (_rightsHead != null) { var b = _rightsHead; _rightsHead = b.Next; b.Drop(); }
            while (_dgHead != null) { var d = _dgHead; _dgHead = d.Next; if (d.Rights != null) d.Rights.Drop(); FreeDatagram(d); }
            if (_name != null) { Mm.KernelHeap.Free(_name); _name = null; }
            if (_peerName != null) { Mm.KernelHeap.Free(_peerName); _peerName = null; }
            // Datagram sockets connected to this one would keep a stale pointer: they now send to nobody (ECONNREFUSED).
            for (var s = s_all; s != null; s = s._nextAll) if (s._dgPeer == this) { s._dgPeer = null; s._dgRefused = true; }
            if (_prevAll != null) _prevAll._nextAll = _nextAll; else s_all = _nextAll;
            if (_nextAll != null) _nextAll._prevAll = _prevAll;
            PollWait.Changed();
        }
    }
}
