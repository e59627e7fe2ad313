// POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify,
// mq_getsetattr (the queues: kernel/fs/MessageQueue.cs). Limits as Linux's for root: up to
// 65536 messages of up to 16 MiB; without attributes, 10 messages of 8192 bytes.
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysMqueue
    {
        private const long DefaultMaxMessages = 10, DefaultMessageSize = 8192, HardMaxMessages = 65536, HardMessageSize = 16 << 20;
        private const uint MQ_PRIO_MAX = 32768;
        private const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2;

        private struct MqAttr { public long Flags, MaxMessages, MessageSize, CurrentMessages; public fixed long Reserved[4]; }
        private struct Sigevent { public ulong Value; public int Signo, Notify; public int Tid; }

        /// <summary>Copies a queue name (at most NAME_MAX bytes) into <paramref name="buf"/>; its length or -errno.</summary>
        private static long CopyName(ulong user, byte* buf)
        {
            long len = UserMemory.StringLength(user, MessageQueue.NameMax + 1);
            if (len < 0) return len;
            return UserMemory.CopyFrom(buf, user, (ulong)len) != 0 ? -Errno.EFAULT : len;
        }

        /// <summary>mq_open(name, oflag, mode, attr): glibc passes the name without its leading '/'.</summary>
        public static long MqOpen(SyscallFrame* f)
        {
            byte* name = stackalloc byte[MessageQueue.NameMax + 2];
            long len = CopyName(f->A0, name);
            if (len < 0) return len;
            if (len == 0) return -Errno.ENOENT;
            for (int i = 0; i < len; i++) if (name[i] == '/') return -Errno.EACCES;
            int oflag = (int)f->A1;
            var span = new System.ReadOnlySpan<byte>(name, (int)len);
            MessageQueue q = MessageQueue.Find(span);
            if (q == null)
            {
                if ((oflag & OpenFlags.O_CREAT) == 0) return -Errno.ENOENT;
                long maxMessages = DefaultMaxMessages, messageSize = DefaultMessageSize;
                if (f->A3 != 0)
                {
                    if (UserMemory.Read(f->A3, out MqAttr a) != 0) return -Errno.EFAULT;
                    if (a.MaxMessages <= 0 || a.MessageSize <= 0 || a.MaxMessages > HardMaxMessages || a.MessageSize > HardMessageSize) return -Errno.EINVAL;
                    maxMessages = a.MaxMessages;
                    messageSize = a.MessageSize;
                }
                // RLIMIT_MSGQUEUE bounds what all queues may hold (Linux: EMFILE past it).
                if (!MessageQueue.Fits(MessageQueue.Cost(maxMessages, messageSize), Process.Current.Limits[SysProcess.RLIMIT_MSGQUEUE].Cur)) return -Errno.EMFILE;
                q = MessageQueue.Create(span, maxMessages, messageSize, (uint)f->A2 & 0xFFF & ~(uint)Process.Current.Umask);
            }
            else if ((oflag & (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) == (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) return -Errno.EEXIST;
            int acc = oflag & OpenFlags.O_ACCMODE;
            if (acc == 3) return -Errno.EINVAL;
            var file = new MqFile { Queue = q, Flags = acc | (oflag & OpenFlags.O_NONBLOCK) };
            q.Refs++;
            int fd = FdTable.Install(file, 0, (oflag & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(file);
            return fd;
        }

        public static long MqUnlink(SyscallFrame* f)
        {
            byte* name = stackalloc byte[MessageQueue.NameMax + 2];
            long len = CopyName(f->A0, name);
            if (len < 0) return len;
            MessageQueue q = len == 0 ? null : MessageQueue.Find(new System.ReadOnlySpan<byte>(name, (int)len));
            if (q == null) return -Errno.ENOENT;
            q.Unlink();
            return 0;
        }

        private static MqFile Get(int fd, out long error)
        {
            File f = FdTable.Get(fd);
            error = f == null || f is not MqFile ? -Errno.EBADF : 0;
            return f as MqFile;
        }

        /// <summary>An absolute CLOCK_REALTIME timeout as a monotonic deadline (0: none); EINVAL when malformed.</summary>
        private static long Deadline(ulong user, out ulong deadline)
        {
            deadline = 0;
            if (user == 0) return 0;
            if (UserMemory.Read(user, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            deadline = SysTime.ToMonotonic(0, (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec);
            if (deadline == 0) deadline = 1;                       // already passed: still a deadline
            return 0;
        }

        public static long MqTimedsend(SyscallFrame* f)
        {
            MqFile file = Get((int)f->A0, out long e);
            if (file == null) return e;
            if (!file.CanWrite) return -Errno.EBADF;
            MessageQueue q = file.Queue;
            long len = (long)f->A2;
            uint prio = (uint)f->A3;
            if (prio >= MQ_PRIO_MAX) return -Errno.EINVAL;
            if (len < 0 || len > q.MessageSize) return -Errno.EMSGSIZE;
            long r = Deadline(f->A4, out ulong deadline);
            if (r < 0) return r;
            byte* data = (byte*)Mm.KernelHeap.Alloc((ulong)(len > 0 ? len : 1));
            if (data == null) return -Errno.ENOMEM;
            if (len > 0 && UserMemory.CopyFrom(data, f->A1, (ulong)len) != 0) { Mm.KernelHeap.Free(data); return -Errno.EFAULT; }
            long result = 0;
            while (q.Full)
            {
                if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) { result = -Errno.EAGAIN; break; }
                int w = Scheduler.Sleep(PollWait.Queue, deadline);
                if (w == Scheduler.Interrupted) { result = -Errno.EINTR; break; }
                if (w == Scheduler.TimedOut && q.Full) { result = -Errno.ETIMEDOUT; break; }
            }
            if (result == 0 && !q.Put(data, len, prio)) result = -Errno.ENOMEM;
            Mm.KernelHeap.Free(data);
            return result;
        }

        public static long MqTimedreceive(SyscallFrame* f)
        {
            MqFile file = Get((int)f->A0, out long e);
            if (file == null) return e;
            if (!file.CanRead) return -Errno.EBADF;
            MessageQueue q = file.Queue;
            if ((long)f->A2 < q.MessageSize) return -Errno.EMSGSIZE;
            long r = Deadline(f->A4, out ulong deadline);
            if (r < 0) return r;
            while (q.CurrentMessages == 0)
            {
                if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                q.ReceiversWaiting++;
                int w = Scheduler.Sleep(PollWait.Queue, deadline);
                q.ReceiversWaiting--;
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
                if (w == Scheduler.TimedOut && q.CurrentMessages == 0) return -Errno.ETIMEDOUT;
            }
            MqMessage m = q.Head;
            if (m.Length > 0 && UserMemory.CopyTo(f->A1, m.Data, (ulong)m.Length) != 0) return -Errno.EFAULT;
            if (f->A3 != 0 && UserMemory.Write(f->A3, m.Priority) != 0) return -Errno.EFAULT;
            q.Take();
            long n = m.Length;
            Mm.KernelHeap.Free(m.Data);
            Runtime.Allocator.Free(m);
            return n;
        }

        /// <summary>mq_notify: SIGEV_SIGNAL and SIGEV_NONE; SIGEV_THREAD (glibc's netlink protocol) is not offered.</summary>
        public static long MqNotify(SyscallFrame* f)
        {
            MqFile file = Get((int)f->A0, out long e);
            if (file == null) return e;
            MessageQueue q = file.Queue;
            Process p = Process.Current;
            if (f->A1 == 0)
            {
                if (q.NotifyProcess == p) q.NotifyProcess = null;
                return 0;
            }
            if (UserMemory.Read(f->A1, out Sigevent ev) != 0) return -Errno.EFAULT;
            if (ev.Notify != SIGEV_SIGNAL && ev.Notify != SIGEV_NONE && ev.Notify != SIGEV_THREAD) return -Errno.EINVAL;
            if (ev.Notify == SIGEV_SIGNAL && (ev.Signo < 1 || ev.Signo > Signal.NSIG)) return -Errno.EINVAL;
            if (ev.Notify == SIGEV_THREAD) return -Errno.ENOSYS;
            if (q.NotifyProcess != null && q.NotifyProcess != p && !q.NotifyProcess.Zombie) return -Errno.EBUSY;
            q.NotifyProcess = p;
            q.NotifyKind = ev.Notify;
            q.NotifySigno = ev.Signo;
            q.NotifyValue = ev.Value;
            return 0;
        }

        /// <summary>mq_getsetattr: reports the attributes; only O_NONBLOCK of the descriptor can change.</summary>
        public static long MqGetsetattr(SyscallFrame* f)
        {
            MqFile file = Get((int)f->A0, out long e);
            if (file == null) return e;
            MqAttr set = default;
            if (f->A1 != 0)
            {
                if (UserMemory.Read(f->A1, out set) != 0) return -Errno.EFAULT;
                if ((set.Flags & ~(long)OpenFlags.O_NONBLOCK) != 0) return -Errno.EINVAL;
            }
            if (f->A2 != 0)
            {
                MessageQueue q = file.Queue;
                var old = new MqAttr { Flags = file.Flags & OpenFlags.O_NONBLOCK, MaxMessages = q.MaxMessages, MessageSize = q.MessageSize, CurrentMessages = q.CurrentMessages };
                if (UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            }
            if (f->A1 != 0) file.Flags = (file.Flags & ~OpenFlags.O_NONBLOCK) | (int)(set.Flags & OpenFlags.O_NONBLOCK);
            return 0;
        }
    }
}
