// POSIX message queues (mq_open & co., syscall/SysMqueue.cs): named queues of prioritised
// messages, each open one a descriptor. A queue lives while it has a name or an open descriptor.
// Waiting senders and receivers sleep on the poll wait queue, which every change wakes.
using Kernel.Memory;

namespace Kernel.Fs
{
    internal sealed unsafe class MqMessage
    {
        public byte* Data;
        public long Length;
        public uint Priority;
        public MqMessage Next;
    }

    internal sealed unsafe class MessageQueue
    {
        public const int NameMax = 255;
        public byte[] Name;                     // without the leading '/' (null once unlinked)
        public long MaxMessages, MessageSize;
        public uint Mode, Uid, Gid;
        public long CurrentMessages, QueuedBytes;
        public MqMessage Head;                  // highest priority first, FIFO within a priority
        public int Refs;                        // open descriptors
        public long AtimeNs, MtimeNs, CtimeNs;
        public ulong Ino;
        public MessageQueue Next;               // every named queue

        // mq_notify: one process is told (a signal, or nothing) when a message arrives on an empty queue.
        public Process NotifyProcess;
        public int NotifyKind, NotifySigno;
        public ulong NotifyValue;
        public int ReceiversWaiting;

        private static MessageQueue s_all;
        private static ulong s_nextIno = 1;
        private static ulong s_charged;                 // bytes every queue may hold (everything runs as one user)

        /// <summary>What a queue counts against RLIMIT_MSGQUEUE, as Linux reckons it: its messages and their bookkeeping.</summary>
        public static ulong Cost(long maxMessages, long messageSize) =>
            (ulong)maxMessages * (ulong)messageSize + (ulong)maxMessages * 48 + (ulong)(maxMessages < 32768 ? maxMessages : 32768) * 40;

        /// <summary>Room for another queue of this cost under <paramref name="limit"/>.</summary>
        public static bool Fits(ulong cost, ulong limit) => s_charged + cost >= s_charged && s_charged + cost <= limit;

        public static MessageQueue Find(System.ReadOnlySpan<byte> name)
        {
            for (MessageQueue q = s_all; q != null; q = q.Next)
            {
                if (q.Name == null || q.Name.Length != name.Length) continue;
                int i = 0;
                while (i < name.Length && q.Name[i] == name[i]) i++;
                if (i == name.Length) return q;
            }
            return null;
        }

        public static MessageQueue Create(System.ReadOnlySpan<byte> name, long maxMessages, long messageSize, uint mode)
        {
            var copy = new byte[name.Length];
            for (int i = 0; i < name.Length; i++) copy[i] = name[i];
            var q = new MessageQueue { Name = copy, MaxMessages = maxMessages, MessageSize = messageSize, Mode = mode, Ino = s_nextIno++ };
            s_charged += Cost(maxMessages, messageSize);
            q.AtimeNs = q.MtimeNs = q.CtimeNs = (long)Syscalls.SysTime.RealtimeNs();
            q.Next = s_all;
            s_all = q;
            return q;
        }

        /// <summary>mq_unlink: the name goes; the queue stays while descriptors hold it.</summary>
        public void Unlink()
        {
            if (s_all == this) s_all = Next;
            else for (MessageQueue p = s_all; p != null; p = p.Next) if (p.Next == this) { p.Next = Next; break; }
            Next = null;
            Runtime.Allocator.Free(Name);
            Name = null;
            if (Refs == 0) Free();
        }

        public void Release()
        {
            if (--Refs == 0 && Name == null) Free();
        }

        private void Free()
        {
            s_charged -= Cost(MaxMessages, MessageSize);
            while (Head != null) { MqMessage m = Head; Head = m.Next; Mm.KernelHeap.Free(m.Data); Runtime.Allocator.Free(m); }
            Runtime.Allocator.Free(this);
        }

        public bool Full => CurrentMessages >= MaxMessages;

        /// <summary>Queues a copy of the message behind every other of its priority; false when memory is short.</summary>
        public bool Put(byte* data, long length, uint priority)
        {
            var m = new MqMessage { Length = length, Priority = priority };
            m.Data = (byte*)Mm.KernelHeap.Alloc((ulong)(length > 0 ? length : 1));
            if (m.Data == null) { Runtime.Allocator.Free(m); return false; }
            Mem.Copy(m.Data, data, (ulong)length);
            bool wasEmpty = Head == null;
            if (Head == null || Head.Priority < priority) { m.Next = Head; Head = m; }
            else
            {
                MqMessage p = Head;
                while (p.Next != null && p.Next.Priority >= priority) p = p.Next;
                m.Next = p.Next;
                p.Next = m;
            }
            CurrentMessages++;
            QueuedBytes += length;
            MtimeNs = CtimeNs = (long)Syscalls.SysTime.RealtimeNs();
            if (wasEmpty && ReceiversWaiting == 0 && NotifyProcess != null) Notify();
            PollWait.Changed();
            return true;
        }

        /// <summary>The registered process hears of the arrival once; the registration ends (as Linux's).</summary>
        private void Notify()
        {
            Process p = NotifyProcess;
            NotifyProcess = null;
            const int SIGEV_SIGNAL = 0;
            if (NotifyKind != SIGEV_SIGNAL || p.Zombie) return;
            var si = new Syscalls.SigInfo { Code = Syscalls.SigInfo.SI_MESGQ, Pid = Process.Current.Pid, Addr = NotifyValue, HasAddr = true };
            Syscalls.SignalDelivery.SendToProcess(p, NotifySigno, si);
        }

        public MqMessage Take()
        {
            MqMessage m = Head;
            Head = m.Next;
            CurrentMessages--;
            QueuedBytes -= m.Length;
            AtimeNs = CtimeNs = (long)Syscalls.SysTime.RealtimeNs();
            PollWait.Changed();
            return m;
        }
    }

    /// <summary>A descriptor open on a message queue: read gives the queue's status line, poll its readiness.</summary>
    internal sealed unsafe class MqFile : File
    {
        public MessageQueue Queue;

        public override long Read(byte* dst, long n)
        {
            // "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", read from the file offset.
            byte* line = stackalloc byte[96];
            var t = new TextBuffer(line, 96);
            MessageQueue q = Queue;
            bool notify = q.NotifyProcess != null;
            Field(ref t, "QSIZE:", (ulong)q.QueuedBytes, 10);
            Field(ref t, " NOTIFY:", notify ? (ulong)q.NotifyKind : 0, 5);
            Field(ref t, " SIGNO:", notify && q.NotifyKind == 0 ? (ulong)q.NotifySigno : 0, 5);
            Field(ref t, " NOTIFY_PID:", notify ? (ulong)q.NotifyProcess.Pid : 0, 6);
            t.Byte((byte)'\n');
            if (Offset >= t.Length) return 0;
            long take = t.Length - Offset < n ? t.Length - Offset : n;
            Mem.Copy(dst, line + Offset, (ulong)take);
            Offset += take;
            return take;
        }

        /// <summary>A label, then the value left-aligned in <paramref name="width"/> columns (printf's %-Nd).</summary>
        private static void Field(ref TextBuffer t, string label, ulong value, int width)
        {
            t.Str(label);
            int at = t.Length;
            t.Dec(value);
            t.Pad(at + width);
        }

        public override long Write(byte* src, long n) => -Errno.EINVAL;
        public override long Seek(long offset, int whence) { if (whence != 0 || offset < 0) return -Errno.EINVAL; Offset = offset; return offset; }

        public override short Poll() =>
            (short)((Queue.CurrentMessages > 0 ? PollBits.POLLIN | PollBits.POLLRDNORM : 0) | (!Queue.Full ? PollBits.POLLOUT | PollBits.POLLWRNORM : 0));

        public override void OnLastClose()
        {
            if (Queue.NotifyProcess == Process.Current) Queue.NotifyProcess = null;   // Linux drops the registration on close
            Queue.Release();
        }
    }
}
