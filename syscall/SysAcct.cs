// acct: BSD process accounting. acct(path) names a regular file; from then on every process that
// ends appends one struct acct_v3 (64 bytes) to it, written as the process dies (before its parent
// hears of it, as Linux's do_exit). acct(NULL) turns accounting off, and like Linux's acct_pin_kill
// the caller's own record, as it stands, is written last. Everything runs as root, so the caller
// always has CAP_SYS_PACCT and the records say uid 0, gid 0.
using Kernel.Drivers;
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysAcct
    {
        // ac_flag bits (<linux/acct.h>)
        private const byte AFORK = 0x01, ASU = 0x02, ACORE = 0x08, AXSIG = 0x10;
        private const byte ACCT_VERSION = 3;                  // little-endian: ACCT_BYTEORDER is 0
        private const ulong AHZ = 100;                         // the records' clock ticks per second

        private struct AcctV3
        {
            public byte Flag, Version;
            public ushort Tty;
            public uint ExitCode, Uid, Gid, Pid, Ppid, Btime, Etime;   // Etime: an IEEE single, built from integers
            public ushort Utime, Stime, Mem, Io, Rw, MinFlt, MajFlt, Swaps;
            public fixed byte Comm[16];
        }

        /// <summary>The accounting file (one open reference held), or null when accounting is off.</summary>
        private static Inode s_file;

        public static long Acct(SyscallFrame* f)
        {
            if (!Credentials.Current.Capable(Cap.SYS_PACCT)) return -Errno.EPERM;
            if (f->A0 == 0)
            {
                TurnOff();
                return 0;
            }
            int r = SysFile.Lookup(SysFile.AT_FDCWD, f->A0, true, false, out Inode node);
            if (r < 0) return r;
            // file_open_name(O_WRONLY | O_APPEND) first, then "a regular file" (EACCES), then not a pseudo file system.
            if (node.IsDirectory) return -Errno.EISDIR;
            if (node is SocketInode) return -Errno.ENXIO;
            if (!node.IsRegular) return -Errno.EACCES;
            if (Under(node, Devices.Sys)) return -Errno.EROFS;          // /sys is mounted read-only
            if (Under(node, Devices.Proc)) return -Errno.EINVAL;        // Linux refuses procfs and sysfs files
            node.OpenRef();
            TurnOff();
            s_file = node;
            return 0;
        }

        private static bool Under(Inode n, Inode dir)
        {
            for (int depth = 0; n != null && depth < 4096; depth++, n = n.Parent) if (n == dir) return true;
            return false;
        }

        /// <summary>Accounting stops: the caller's record as it stands goes to the old file first (Linux's acct_pin_kill).</summary>
        private static void TurnOff()
        {
            Inode old = s_file;
            if (old == null) return;
            Process p = Process.Current;
            AcctV3 ac;
            Fill(p, &ac, 0, false);
            Append(old, &ac);
            s_file = null;
            old.CloseRef();
        }

        /// <summary>The last thread of <paramref name="p"/> is ending (with its address space still there): its record.</summary>
        public static void OnProcessExit(Process p, int waitStatus)
        {
            if (s_file == null) return;
            AcctV3 ac;
            Fill(p, &ac, waitStatus, true);
            Append(s_file, &ac);
        }

        private static void Append(Inode file, AcctV3* ac) =>
            FileSystem.Write(file, file.Size, new System.ReadOnlySpan<byte>(ac, sizeof(AcctV3)));

        /// <summary>fill_ac and acct_collect: what the record says of <paramref name="p"/>; a live caller (acct off) has no exit data yet.</summary>
        private static void Fill(Process p, AcctV3* ac, int waitStatus, bool exiting)
        {
            *ac = default;
            ac->Version = ACCT_VERSION;
            for (int i = 0; i < 15 && p.Name != null && p.Name[i] != 0; i++) ac->Comm[i] = p.Name[i];
            ulong now = Tsc.MonotonicNs();
            ulong elapsed = now > p.StartNs ? (now - p.StartNs) / (1_000_000_000 / AHZ) : 0;
            ac->Etime = EncodeFloat(elapsed);
            long btime = (long)(SysTime.RealtimeNs() / 1_000_000_000) - (long)(elapsed / AHZ);
            ac->Btime = btime < 0 ? 0 : btime > uint.MaxValue ? uint.MaxValue : (uint)btime;
            ac->Tty = p.CttyPty != null ? (ushort)OldEncodeDev(p.CttyPty.DevNumber) : (ushort)0;
            ac->Pid = (uint)p.Pid;
            ac->Ppid = (uint)p.Ppid;
            if (!exiting) return;                                  // the pacct of a live process: nothing collected yet
            CpuTime.OfProcess(p, out ulong userNs, out ulong sysNs);
            ac->Utime = EncodeComp(userNs / (1_000_000_000 / AHZ));
            ac->Stime = EncodeComp(sysNs / (1_000_000_000 / AHZ));
            ac->MinFlt = EncodeComp(p.MinorFaults);
            ac->Mem = EncodeComp(VirtualBytes(p) / 1024);
            ac->ExitCode = (uint)waitStatus;
            byte flag = 0;
            if (p.ForkNoExec) flag |= AFORK;
            if ((waitStatus & 0x7F) != 0) flag |= AXSIG;
            if ((waitStatus & 0x80) != 0) flag |= ACORE;
            ac->Flag = flag;
        }

        private static ulong VirtualBytes(Process p)
        {
            MemoryMap m = p.Map;
            if (m == null || m.Vmas == null) return 0;
            ulong total = 0;
            for (int i = 0; i < m.Count; i++) total += m.Vmas[i].End - m.Vmas[i].Start;
            return total;
        }

        /// <summary>old_encode_dev: 8 bits of major, 8 of minor.</summary>
        private static uint OldEncodeDev(ulong dev)
        {
            uint major = (uint)((dev >> 8) & 0xFFF), minor = (uint)((dev & 0xFF) | ((dev >> 12) & 0xFFF00));
            return (major << 8) | (minor & 0xFF);
        }

        /// <summary>comp_t: 13 bits of mantissa, 3 of base-8 exponent, rounding the last bit dropped.</summary>
        private static ushort EncodeComp(ulong value)
        {
            int exp = 0;
            bool round = false;
            while (value > 0x1FFF) { round = (value & 4) != 0; value >>= 3; exp++; }
            if (round && ++value > 0x1FFF) { value >>= 3; exp++; }
            if (exp > 7) return 0xFFFF;
            return (ushort)((exp << 13) | (int)value);
        }

        /// <summary>An integer as an IEEE-754 single (truncated), without touching the FPU.</summary>
        private static uint EncodeFloat(ulong value)
        {
            if (value == 0) return 0;
            uint exp = 127 + 63;
            while ((long)value > 0) { value <<= 1; exp--; }        // until the top bit is the implicit 1
            return (exp << 23) | ((uint)(value >> 40) & 0x7FFFFF);
        }
    }
}
