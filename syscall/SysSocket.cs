// The socket system calls, for every family: they validate and copy user memory (addresses,
// buffers, iovecs, option values) and call the SocketFile operations (kernel/fs/SocketFile.cs).
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysSocket
    {
        private const int Chunk = 16384;
        private struct IoVec { public ulong Base, Len; }
        private struct MsgHdr { public ulong Name; public uint NameLen, Pad; public ulong Iov, IovLen, Control, ControlLen; public int Flags, Pad2; }

        private static SocketFile Get(int fd, out long error)
        {
            File file = FdTable.Get(fd);
            error = file == null ? -Errno.EBADF : file is SocketFile ? 0 : -Errno.ENOTSOCK;
            return file as SocketFile;
        }

        /// <summary>Copies a user sockaddr into <paramref name="k"/> (MaxAddress bytes).</summary>
        private static long CopyAddressIn(ulong user, ulong len, byte* k)
        {
            if (len > SocketConst.MaxAddress) return -Errno.EINVAL;
            Mem.Zero(k, SocketConst.MaxAddress);
            if (len > 0 && UserMemory.CopyFrom(k, user, len) != 0) return -Errno.EFAULT;
            return 0;
        }

        /// <summary>Writes an address back the Linux way: truncated to the caller's buffer, the full length stored in *lenPtr.</summary>
        private static long CopyAddressOut(byte* k, int len, ulong user, ulong lenPtr)
        {
            if (user == 0 || lenPtr == 0) return 0;
            if (UserMemory.Read(lenPtr, out int room) != 0) return -Errno.EFAULT;
            if (room < 0) return -Errno.EINVAL;
            int n = room < len ? room : len;
            if (n > 0 && UserMemory.CopyTo(user, k, (ulong)n) != 0) return -Errno.EFAULT;
            return UserMemory.Write(lenPtr, len) != 0 ? -Errno.EFAULT : 0;
        }

        public static long Socket(SyscallFrame* f)
        {
            int domain = (int)f->A0, type = (int)f->A1, protocol = (int)f->A2;
            int kind = type & SocketConst.SOCK_TYPE_MASK;
            if ((type & ~(SocketConst.SOCK_TYPE_MASK | SocketConst.SOCK_NONBLOCK | SocketConst.SOCK_CLOEXEC)) != 0) return -Errno.EINVAL;
            if (kind != SocketConst.SOCK_STREAM && kind != SocketConst.SOCK_DGRAM && kind != SocketConst.SOCK_SEQPACKET && kind != SocketConst.SOCK_RAW && kind != 4 && kind != 10)
                return -Errno.EINVAL;
            if (domain == SocketConst.AF_UNIX)
            {
                if (protocol != 0 && protocol != SocketConst.AF_UNIX) return -Errno.EPROTONOSUPPORT;   // PF_UNIX itself is accepted
                if (kind != SocketConst.SOCK_STREAM && kind != SocketConst.SOCK_DGRAM && kind != SocketConst.SOCK_SEQPACKET) return -Errno.ESOCKTNOSUPPORT;
                return InstallNew(new UnixSocket(kind, (type & SocketConst.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0), type);
            }
            if (domain == SocketConst.AF_NETLINK)
            {
                if (kind != SocketConst.SOCK_RAW && kind != SocketConst.SOCK_DGRAM) return -Errno.ESOCKTNOSUPPORT;
                if (protocol != NetlinkSocket.NETLINK_ROUTE) return -Errno.EPROTONOSUPPORT;
                return InstallNew(new NetlinkSocket(kind, (type & SocketConst.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0), type);
            }
            if (domain != SocketConst.AF_INET && domain != SocketConst.AF_INET6) return -Errno.EAFNOSUPPORT;
            if (kind == SocketConst.SOCK_STREAM && protocol != 0 && protocol != SocketConst.IPPROTO_TCP) return -Errno.EPROTONOSUPPORT;
            if (kind == SocketConst.SOCK_DGRAM && protocol != 0 && protocol != SocketConst.IPPROTO_UDP) return -Errno.EPROTONOSUPPORT;
            if (kind != SocketConst.SOCK_STREAM && kind != SocketConst.SOCK_DGRAM) return -Errno.EPROTONOSUPPORT;
            return InstallNew(InetSocket.Create(kind, (type & SocketConst.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0, domain), type);
        }

        private static long InstallNew(SocketFile s, int type)
        {
            int fd = FdTable.Install(s, 0, (type & SocketConst.SOCK_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(s);
            return fd;
        }

        public static long Bind(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            long r = CopyAddressIn(f->A1, f->A2, a);
            return r != 0 ? r : s.Bind(a, (int)f->A2);
        }

        public static long Listen(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            return s == null ? e : s.Listen((int)f->A1);
        }

        public static long Accept(SyscallFrame* f) => DoAccept((int)f->A0, f->A1, f->A2, 0);
        public static long Accept4(SyscallFrame* f) => DoAccept((int)f->A0, f->A1, f->A2, (int)f->A3);

        private static long DoAccept(int fd, ulong addr, ulong lenPtr, int flags)
        {
            if ((flags & ~(SocketConst.SOCK_NONBLOCK | SocketConst.SOCK_CLOEXEC)) != 0) return -Errno.EINVAL;
            SocketFile s = Get(fd, out long e);
            if (s == null) return e;
            if (addr != 0 && lenPtr != 0 && UserMemory.Read(lenPtr, out int room) != 0) return -Errno.EFAULT;
            SocketFile child = s.Accept(false, out long err);
            if (child == null) return err;
            if ((flags & SocketConst.SOCK_NONBLOCK) != 0) child.Flags |= OpenFlags.O_NONBLOCK;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            long n = child.GetName(true, a);
            if (n > 0 && CopyAddressOut(a, (int)n, addr, lenPtr) != 0) { FdTable.Release(child); return -Errno.EFAULT; }
            return InstallNew(child, flags);
        }

        public static long Connect(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            long r = CopyAddressIn(f->A1, f->A2, a);
            return r != 0 ? r : s.Connect(a, (int)f->A2);
        }

        public static long Shutdown(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            int how = (int)f->A1;
            return how < 0 || how > 2 ? -Errno.EINVAL : s.Shutdown(how);
        }

        public static long Getsockname(SyscallFrame* f) => Name(f, false);
        public static long Getpeername(SyscallFrame* f) => Name(f, true);

        private static long Name(SyscallFrame* f, bool peer)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            if (UserMemory.Read(f->A2, out int room) != 0) return -Errno.EFAULT;
            if (room < 0) return -Errno.EINVAL;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            Mem.Zero(a, SocketConst.MaxAddress);
            long n = s.GetName(peer, a);
            if (n < 0) return n;
            return CopyAddressOut(a, (int)n, f->A1, f->A2);
        }

        // ---- data ----

        /// <summary>Sends <paramref name="count"/> bytes of user memory (a datagram goes whole, in one call).</summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        private static long SendUser(SocketFile s, ulong buf, ulong count, int flags, byte* addr, int addrLen)
        {
            long r = SendUserOnce(s, buf, count, flags, addr, addrLen);
            if (r == -Errno.EAGAIN || (r >= 0 && (ulong)r < count)) s.WriteBlocked = true;   // full: EPOLLET's next EPOLLOUT is an edge
            return r;
        }

        [System.Runtime.CompilerServices.SkipLocalsInit]
        private static long SendUserOnce(SocketFile s, ulong buf, ulong count, int flags, byte* addr, int addrLen)
        {
            if (s.IsDatagram)
            {
                if (count > 65535) return -Errno.EMSGSIZE;
                byte* d = Bounce;
                if (count > 0 && UserMemory.CopyFrom(d, buf, count) != 0) return -Errno.EFAULT;
                return s.SendTo(d, (long)count, flags, addr, addrLen);
            }
            byte* chunk = stackalloc byte[Chunk];
            ulong done = 0;
            if (count > 0x7ffff000) count = 0x7ffff000;
            do
            {
                long want = (long)(count - done < Chunk ? count - done : Chunk);
                if (want > 0 && UserMemory.CopyFrom(chunk, buf + done, (ulong)want) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                long n = s.SendTo(chunk, want, flags, addr, addrLen);
                if (n < 0) return done > 0 ? (long)done : n;
                done += (ulong)n;
                if (n < want) break;
            } while (done < count);
            return (long)done;
        }

        /// <summary>Receives into user memory; for a datagram, one message (its full length in *fullLength).</summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        internal static long ReceiveUser(SocketFile s, ulong buf, ulong count, int flags, byte* addr, int* addrLen)
        {
            if (count > 0x7ffff000) count = 0x7ffff000;
            if (s.IsDatagram)
            {
                byte* d = Bounce;
                long want = (long)(count < BounceSize ? count : BounceSize);
                long n = s.ReceiveFrom(d, want, flags, addr, addrLen);
                if (n < 0) return n;
                long copy = n < want ? n : want;
                if (copy > 0 && UserMemory.CopyTo(buf, d, (ulong)copy) != 0) return -Errno.EFAULT;
                return n;
            }
            byte* chunk = stackalloc byte[Chunk];
            ulong done = 0;
            do
            {
                long want = (long)(count - done < Chunk ? count - done : Chunk);
                ulong room = AddressSpace.AccessibleLength(buf + done, (ulong)want, true);
                if (room == 0 && want > 0) return done > 0 ? (long)done : -Errno.EFAULT;   // a zero-length receive touches no memory
                if ((long)room < want) want = (long)room;
                // After the first chunk, take only what is already there.
                long n = s.ReceiveFrom(chunk, want, done == 0 ? flags : flags | SocketConst.MSG_DONTWAIT, done == 0 ? addr : null, done == 0 ? addrLen : null);
                if (n < 0) return done > 0 ? (long)done : n;
                if (n > 0 && UserMemory.CopyTo(buf + done, chunk, (ulong)n) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                done += (ulong)n;
                if (n < want || (flags & SocketConst.MSG_PEEK) != 0) break;
            } while (done < count);
            return (long)done;
        }

        private const int BounceSize = 65536;
        private static byte* s_bounce;
        // Datagrams are copied whole through this buffer; the copy in and out never sleeps in between
        // (one CPU, interrupts masked in syscalls), so one buffer serves every caller.
        private static byte* Bounce => s_bounce != null ? s_bounce : (s_bounce = (byte*)Mm.KernelHeap.Alloc(BounceSize));

        public static long Sendto(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            byte* ap = null;
            if (f->A4 != 0)
            {
                long r = CopyAddressIn(f->A4, f->A5, a);
                if (r != 0) return r;
                ap = a;
            }
            return SendUser(s, f->A1, f->A2, (int)f->A3, ap, (int)f->A5);
        }

        public static long Recvfrom(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            int alen = 0;
            long n = ReceiveUser(s, f->A1, f->A2, (int)f->A3, a, &alen);
            if (n < 0) return n;
            if (f->A4 != 0 && f->A5 != 0 && CopyAddressOut(a, alen, f->A4, f->A5) != 0) return -Errno.EFAULT;
            return n;
        }

        private static long SendMessage(SocketFile s, ulong msgPtr, int flags)
        {
            if (UserMemory.Read(msgPtr, out MsgHdr m) != 0) return -Errno.EFAULT;
            if (m.IovLen > 1024) return -Errno.EMSGSIZE;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            byte* ap = null;
            if (m.Name != 0 && m.NameLen != 0)
            {
                long r = CopyAddressIn(m.Name, m.NameLen, a);
                if (r != 0) return r;
                ap = a;
            }
            FileBatch rights = null;
            var cred = Ucred.OfCaller(false);
            if (m.ControlLen != 0)
            {
                long c = ParseControl(m.Control, m.ControlLen, out rights, ref cred);
                if (c < 0) return c;
                if (rights != null && s is not UnixSocket) { rights.Drop(); return -Errno.EINVAL; }
            }
            var unix = s as UnixSocket;
            if (rights != null && !s.IsDatagram)
            {
                long attached = unix.AttachRights(rights);
                if (attached < 0) return attached;
            }
            if (s.IsDatagram)
            {
                // Gather the iovecs into one datagram.
                byte* d = Bounce;
                ulong total = 0;
                for (ulong i = 0; i < m.IovLen; i++)
                {
                    if (UserMemory.Read(m.Iov + i * 16, out IoVec v) != 0) return -Errno.EFAULT;
                    long bad = v.Len > BounceSize - total ? -Errno.EMSGSIZE : v.Len > 0 && UserMemory.CopyFrom(d + total, v.Base, v.Len) != 0 ? -Errno.EFAULT : 0;
                    if (bad != 0) { if (rights != null) rights.Drop(); return bad; }
                    total += v.Len;
                }
                if (unix != null) return unix.SendDatagramWithRights(d, (long)total, flags, ap, (int)m.NameLen, rights, cred);
                return s.SendTo(d, (long)total, flags, ap, (int)m.NameLen);
            }
            long done = 0;
            for (ulong i = 0; i < m.IovLen; i++)
            {
                if (UserMemory.Read(m.Iov + i * 16, out IoVec v) != 0) return done > 0 ? done : -Errno.EFAULT;
                if (v.Len == 0) continue;
                long n = SendUser(s, v.Base, v.Len, flags, ap, (int)m.NameLen);
                if (n < 0) return done > 0 ? done : n;
                done += n;
                if ((ulong)n < v.Len) break;
            }
            return done;
        }

        private static long ReceiveMessage(SocketFile s, ulong msgPtr, int flags)
        {
            if (UserMemory.Read(msgPtr, out MsgHdr m) != 0) return -Errno.EFAULT;
            if (m.IovLen > 1024) return -Errno.EMSGSIZE;
            byte* a = stackalloc byte[SocketConst.MaxAddress];
            int alen = 0;
            long done = 0;
            int outFlags = 0;
            var unixIn = s as UnixSocket;
            FileBatch rights = null;
            Ucred cred = default;
            bool haveCred = false;
            if (s.IsDatagram)
            {
                byte* d = Bounce;
                ulong room = 0;
                for (ulong i = 0; i < m.IovLen; i++)
                {
                    if (UserMemory.Read(m.Iov + i * 16, out IoVec v) != 0) return -Errno.EFAULT;
                    room += v.Len;
                }
                long want = (long)(room < BounceSize ? room : BounceSize);
                long n;
                if (unixIn != null) { n = unixIn.ReceiveDatagramWithRights(d, want, flags | SocketConst.MSG_TRUNC, a, &alen, out rights, out cred); haveCred = n >= 0; }
                else n = s.ReceiveFrom(d, want, flags | SocketConst.MSG_TRUNC, a, &alen);
                if (n < 0) return n;
                if (n > want) { outFlags |= SocketConst.MSG_TRUNC; if ((flags & SocketConst.MSG_TRUNC) == 0) n = want; }
                long left = n < want ? n : want;
                for (ulong i = 0; i < m.IovLen && left > 0; i++)
                {
                    UserMemory.Read(m.Iov + i * 16, out IoVec v);
                    long c = (long)v.Len < left ? (long)v.Len : left;
                    if (c > 0 && UserMemory.CopyTo(v.Base, d + done, (ulong)c) != 0) return -Errno.EFAULT;
                    done += c;
                    left -= c;
                }
            }
            else
            {
                for (ulong i = 0; i < m.IovLen; i++)
                {
                    if (UserMemory.Read(m.Iov + i * 16, out IoVec v) != 0) return done > 0 ? done : -Errno.EFAULT;
                    if (v.Len == 0) continue;
                    long n = ReceiveUser(s, v.Base, v.Len, done == 0 ? flags : flags | SocketConst.MSG_DONTWAIT, done == 0 ? a : null, done == 0 ? &alen : null);
                    if (n < 0) { if (done > 0) break; return n; }
                    done += n;
                    if ((ulong)n < v.Len) break;
                }
                if (unixIn != null && done > 0 && (flags & SocketConst.MSG_PEEK) == 0) rights = unixIn.TakeRights();
                if (done > 0 && unixIn != null) { cred = unixIn.StreamPeer; haveCred = true; }
            }
            if (m.Name != 0)
            {
                int n = alen < (int)m.NameLen ? alen : (int)m.NameLen;
                if (n > 0 && UserMemory.CopyTo(m.Name, a, (ulong)n) != 0) return -Errno.EFAULT;
                m.NameLen = (uint)alen;
            }
            else m.NameLen = 0;
            ulong controlUsed = 0;
            // As Linux: credentials first (when the receiver asked with SO_PASSCRED), then descriptors.
            if (haveCred && s.PassCred) controlUsed = DeliverCred(cred, m.Control, m.ControlLen, ref outFlags);
            if (rights != null) controlUsed += DeliverRights(rights, m.Control + controlUsed, m.ControlLen - controlUsed, flags, ref outFlags);
            m.ControlLen = controlUsed;
            m.Flags = outFlags;
            return UserMemory.Write(msgPtr, m) != 0 ? -Errno.EFAULT : done;
        }

        private const int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, MSG_CTRUNC = 8;

        /// <summary>Writes an SCM_CREDENTIALS message (32 bytes with padding); MSG_CTRUNC when it does not fit.</summary>
        private static ulong DeliverCred(Ucred cred, ulong control, ulong room, ref int outFlags)
        {
            if (room < 28) { outFlags |= MSG_CTRUNC; return 0; }
            byte* c = stackalloc byte[32];
            Mem.Zero(c, 32);
            *(ulong*)c = 28;
            *(int*)(c + 8) = SocketConst.SOL_SOCKET;
            *(int*)(c + 12) = SCM_CREDENTIALS;
            *(Ucred*)(c + 16) = cred;
            ulong n = room < 32 ? 28UL : 32UL;
            return UserMemory.CopyTo(control, c, n) != 0 ? 0 : n;
        }

        /// <summary>Reads the control messages of a sendmsg: SCM_RIGHTS become a batch of referenced files; SCM_CREDENTIALS name the sender (an existing process: we are root).</summary>
        private static long ParseControl(ulong control, ulong length, out FileBatch rights, ref Ucred cred)
        {
            rights = null;
            if (length > 4096) return -Errno.ENOBUFS;
            byte* c = stackalloc byte[4096];
            if (UserMemory.CopyFrom(c, control, length) != 0) return -Errno.EFAULT;
            ulong off = 0;
            while (off + 16 <= length)
            {
                ulong len = *(ulong*)(c + off);
                int level = *(int*)(c + off + 8), type = *(int*)(c + off + 12);
                if (len < 16 || off + len > length) { if (rights != null) rights.Drop(); rights = null; return -Errno.EINVAL; }
                if (level == SocketConst.SOL_SOCKET && type == SCM_RIGHTS)
                {
                    int count = (int)((len - 16) / 4);
                    if (count > 253 || rights != null) { if (rights != null) rights.Drop(); rights = null; return -Errno.EINVAL; }
                    var b = new FileBatch { Files = new File[count] };
                    for (int i = 0; i < count; i++)
                    {
                        File f = FdTable.Get(*(int*)(c + off + 16 + 4 * (ulong)i));
                        if (f == null) { b.Drop(); return -Errno.EBADF; }
                        f.RefCount++;
                        b.Files[i] = f;
                    }
                    rights = b;
                }
                else if (level == SocketConst.SOL_SOCKET && type == SCM_CREDENTIALS)
                {
                    long bad = len != 28 ? -Errno.EINVAL : Process.Find(*(int*)(c + off + 16)) == null ? -Errno.ESRCH : MayClaim(*(Ucred*)(c + off + 16));
                    if (bad != 0) { if (rights != null) rights.Drop(); rights = null; return bad; }
                    cred = *(Ucred*)(c + off + 16);
                }
                else { if (rights != null) rights.Drop(); rights = null; return -Errno.EINVAL; }
                off += (len + 7) & ~7UL;
            }
            return 0;
        }

        /// <summary>scm_check_creds: a sender may name its own pid (or hold CAP_SYS_ADMIN) and one of its uids and gids (or hold CAP_SETUID, CAP_SETGID).</summary>
        private static long MayClaim(Ucred u)
        {
            Credentials c = Credentials.Current;
            uint uid = (uint)u.Uid, gid = (uint)u.Gid;
            bool pid = u.Pid == Process.Current.Pid || c.Capable(Cap.SYS_ADMIN);
            bool user = uid == c.Uid || uid == c.Euid || uid == c.Suid || c.Capable(Cap.SETUID);
            bool group = gid == c.Gid || gid == c.Egid || gid == c.Sgid || c.Capable(Cap.SETGID);
            return pid && user && group ? 0 : -Errno.EPERM;
        }

        /// <summary>Installs received descriptors and writes their SCM_RIGHTS message; what does not fit is closed (MSG_CTRUNC).</summary>
        private static ulong DeliverRights(FileBatch rights, ulong control, ulong room, int flags, ref int outFlags)
        {
            int count = rights.Files.Length;
            int fit = room < 16 ? 0 : (int)((room - 16) / 4);
            if (fit < count) outFlags |= MSG_CTRUNC;
            int n = fit < count ? fit : count;
            ulong used = 0;
            if (n > 0)
            {
                byte* c = stackalloc byte[16 + 4 * 253];
                *(ulong*)c = (ulong)(16 + 4 * n);
                *(int*)(c + 8) = SocketConst.SOL_SOCKET;
                *(int*)(c + 12) = SCM_RIGHTS;
                for (int i = 0; i < n; i++)
                {
                    int fd = FdTable.Install(rights.Files[i], 0, (flags & SocketConst.MSG_CMSG_CLOEXEC) != 0);
                    if (fd < 0) { outFlags |= MSG_CTRUNC; n = i; *(ulong*)c = (ulong)(16 + 4 * n); break; }
                    rights.Files[i] = null;                          // the descriptor owns the reference now
                    ((int*)(c + 16))[i] = fd;
                }
                if (n > 0 && UserMemory.CopyTo(control, c, (ulong)(16 + 4 * n)) == 0) used = (ulong)((16 + 4 * n + 7) & ~7);
            }
            rights.Drop();
            return used;
        }

        public static long Sendmsg(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            return s == null ? e : SendMessage(s, f->A1, (int)f->A2);
        }

        public static long Recvmsg(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            return s == null ? e : ReceiveMessage(s, f->A1, (int)f->A2);
        }

        // struct mmsghdr: a msghdr (56 bytes) and the byte count of that message.
        public static long Sendmmsg(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            uint count = (uint)f->A2 > 1024 ? 1024 : (uint)f->A2;
            uint sent = 0;
            for (; sent < count; sent++)
            {
                ulong hdr = f->A1 + sent * 64UL;
                long n = SendMessage(s, hdr, (int)f->A3);
                if (n < 0) return sent > 0 ? sent : n;
                if (UserMemory.Write(hdr + 56, (uint)n) != 0) return sent > 0 ? sent : -Errno.EFAULT;
            }
            return sent;
        }

        public static long Recvmmsg(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            const int MSG_WAITFORONE = 0x10000;
            int flags = (int)f->A3;
            uint count = (uint)f->A2 > 1024 ? 1024 : (uint)f->A2;
            uint got = 0;
            for (; got < count; got++)
            {
                ulong hdr = f->A1 + got * 64UL;
                int fl = got > 0 && (flags & MSG_WAITFORONE) != 0 ? (flags | SocketConst.MSG_DONTWAIT) & ~MSG_WAITFORONE : flags & ~MSG_WAITFORONE;
                long n = ReceiveMessage(s, hdr, fl);
                if (n < 0) return got > 0 ? got : n;
                if (UserMemory.Write(hdr + 56, (uint)n) != 0) return got > 0 ? got : -Errno.EFAULT;
            }
            return got;
        }

        // ---- options ----

        public static long Getsockopt(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            int level = (int)f->A1, name = (int)f->A2;
            if (UserMemory.Read(f->A4, out int len) != 0) return -Errno.EFAULT;
            if (len < 0) return -Errno.EINVAL;
            const int Capacity = 256;                                     // struct tcp_info is the largest (240)
            byte* v = stackalloc byte[Capacity];
            Mem.Zero(v, Capacity);
            int outLen = 4;
            long r = 0;
            if (level == SocketConst.SOL_SOCKET)
            {
                switch (name)
                {
                    case SocketConst.SO_TYPE: *(int*)v = s.Type; break;
                    case SocketConst.SO_DOMAIN: *(int*)v = s.Domain; break;
                    case SocketConst.SO_PROTOCOL: *(int*)v = s.Protocol; break;
                    case SocketConst.SO_ERROR: *(int*)v = -s.PendingError(); break;
                    case SocketConst.SO_ACCEPTCONN: *(int*)v = s.Listening ? 1 : 0; break;
                    case SocketConst.SO_RCVTIMEO: case SocketConst.SO_SNDTIMEO:
                    {
                        ulong ns = name == SocketConst.SO_RCVTIMEO ? s.ReceiveTimeoutNs : s.SendTimeoutNs;
                        ((long*)v)[0] = (long)(ns / 1_000_000_000);
                        ((long*)v)[1] = (long)(ns % 1_000_000_000 / 1000);
                        outLen = 16;
                        break;
                    }
                    case SocketConst.SO_RCVLOWAT: case SocketConst.SO_SNDLOWAT: *(int*)v = 1; break;
                    case SocketConst.SO_OOBINLINE: case SocketConst.SO_DEBUG: case SocketConst.SO_DONTROUTE: *(int*)v = 0; break;
                    case SocketConst.SO_PASSCRED: *(int*)v = s.PassCred ? 1 : 0; break;
                    default:
                        outLen = Capacity;
                        r = s.GetOption(level, name, v, &outLen);
                        break;
                }
            }
            else
            {
                outLen = Capacity;
                r = s.GetOption(level, name, v, &outLen);
            }
            if (r < 0) return r;
            int n = len < outLen ? len : outLen;
            if (n > 0 && UserMemory.CopyTo(f->A3, v, (ulong)n) != 0) return -Errno.EFAULT;
            return UserMemory.Write(f->A4, n) != 0 ? -Errno.EFAULT : 0;
        }

        public static long Setsockopt(SyscallFrame* f)
        {
            SocketFile s = Get((int)f->A0, out long e);
            if (s == null) return e;
            int level = (int)f->A1, name = (int)f->A2, len = (int)f->A4;
            if (len < 0) return -Errno.EINVAL;
            byte* v = stackalloc byte[64];
            Mem.Zero(v, 64);
            int n = len < 64 ? len : 64;
            if (n > 0 && UserMemory.CopyFrom(v, f->A3, (ulong)n) != 0) return -Errno.EFAULT;
            if (level == SocketConst.SOL_SOCKET && (name == SocketConst.SO_RCVTIMEO || name == SocketConst.SO_SNDTIMEO))
            {
                if (len < 16) return -Errno.EINVAL;
                long sec = ((long*)v)[0], usec = ((long*)v)[1];
                if (usec < 0 || usec >= 1_000_000) return -Errno.EDOM;
                ulong ns = sec < 0 ? 0 : (ulong)sec * 1_000_000_000 + (ulong)usec * 1000;
                if (name == SocketConst.SO_RCVTIMEO) s.ReceiveTimeoutNs = ns; else s.SendTimeoutNs = ns;
                return 0;
            }
            if (level == SocketConst.SOL_SOCKET && name == SocketConst.SO_PASSCRED)
            {
                if (len < 4) return -Errno.EINVAL;
                s.PassCred = *(int*)v != 0;
                return 0;
            }
            if (level == SocketConst.SOL_SOCKET && (name == SocketConst.SO_RCVLOWAT || name == SocketConst.SO_SNDLOWAT ||
                name == SocketConst.SO_OOBINLINE || name == SocketConst.SO_DEBUG || name == SocketConst.SO_DONTROUTE))
                return 0;                                            // accepted; behaviour is the default's (see syscalls.tsv)
            long r = s.SetOption(level, name, v, len);
            // Socket pairs keep fixed buffers: SOL_SOCKET sizes are accepted there as hints.
            if (r == -Errno.ENOPROTOOPT && s is UnixSocket { IsPair: true } && level == SocketConst.SOL_SOCKET) return 0;
            return r;
        }
    }
}
