// Contents of /proc and /sys files, generated from kernel state at read time, and the
// /proc/self/fd and /proc/self/{exe,cwd} links, refreshed whenever a /proc path is resolved.
using Kernel.Drivers;
using Kernel.Memory;
using Kernel.Vfs;
using System;

namespace Kernel.Fs
{
    internal static unsafe class ProcFs
    {
        /// <summary>
        /// Rebuilds the dynamic /proc/self entries when a lookup of <paramref name="path"/> from
        /// <paramref name="start"/> can reach them: an absolute path under /proc or /dev (whose
        /// std* links lead there), or a relative one starting inside either tree.
        /// </summary>
        public static void Refresh(Inode start, byte* path, int len)
        {
            if (Devices.ProcFd == null) return;
            if (len > 0 && path[0] == '/') { if (!Under(path, len, "/proc") && !Under(path, len, "/dev")) return; }
            else if (!Inside(start)) return;

            Span<byte> name = stackalloc byte[16];
            Span<byte> target = stackalloc byte[512];
            // exe and cwd
            SetLink(Devices.ProcSelf, Name(name, "exe"), new ReadOnlySpan<byte>(Process.Current.ExePath, (int)Process.Current.ExePathLen));
            int cl = FileSystem.GetPath(Process.Current.Cwd, target);
            if (cl > 0) SetLink(Devices.ProcSelf, Name(name, "cwd"), target.Slice(0, cl));
            // fd/N
            for (int fd = 0; fd < FdTable.Max; fd++)
            {
                ReadOnlySpan<byte> n = name.Slice(0, Digits(fd, name));
                File f = FdTable.Get(fd);
                if (f == null)
                {
                    Inode gone = FileSystem.Lookup(Devices.ProcFd, n);
                    if (gone != null)
                    {
                        FileSystem.Unlink(Devices.ProcFd, n);
                        // No GC: a dead link nobody holds goes back to the heap (links churn with every pipe).
                        if (gone.Nlink == 0 && gone.OpenCount == 0) VfsMemory.FreeObject(gone);
                    }
                    continue;
                }
                int tl;
                if (f.Node != null) tl = FileSystem.GetPath(f.Node, target);
                else if (f is PipeFile p) tl = Text(target, "pipe:[", p.P.Id, "]");
                else if (f is SocketFile s) tl = Text(target, "socket:[", s.Ino, "]");
                else if (f.AnonName != null) { tl = Text(target, "anon_inode:", 0, null); tl += Text(target.Slice(tl), f.AnonName, 0, null); }
                else if (f.IsTty) tl = Text(target, "/dev/pts/0", 0, null);
                else tl = Text(target, "pipe:[", (ulong)(fd + 1), "]");
                if (tl > 0) SetLink(Devices.ProcFd, n, target.Slice(0, tl));
            }
        }

        // ---- /proc/<pid>: a directory per process, from fork to reap ---------------------------------

        private static void Add(Inode dir, string name, Process p, delegate*<ref TextBuffer, Process, void> gen)
        {
            Span<byte> n = stackalloc byte[16];
            var node = new ProcessFile(p, gen) { Mode = 0x8000 | 0x124 };
            FileSystem.AddSpecial(dir, Name(n, name), node);
        }

        /// <summary>Creates /proc/PID with stat, status, cmdline, comm, environ and maps of <paramref name="p"/>.</summary>
        public static void AddProcess(Process p)
        {
            Inode proc = Devices.ProcSelf?.Parent;
            if (proc == null) return;
            Span<byte> n = stackalloc byte[16];
            int len = Digits(p.Pid, n);
            if (FileSystem.Mkdir(proc, n.Slice(0, len), 0x4000 | 0x16D, out Inode dir) < 0) return;
            Add(dir, "stat", p, &StatOf);
            Add(dir, "status", p, &StatusOf);
            Add(dir, "cmdline", p, &CmdlineOf);
            Add(dir, "comm", p, &CommOf);
            Add(dir, "environ", p, &EnvironOf);
            Add(dir, "maps", p, &MapsOf);
        }

        /// <summary>Reap: /proc/PID goes; a file still open there reads as empty from now on.</summary>
        public static void RemoveProcess(Process p)
        {
            Inode proc = Devices.ProcSelf?.Parent;
            if (proc == null) return;
            Span<byte> n = stackalloc byte[16];
            int len = Digits(p.Pid, n);
            Inode dir = FileSystem.Lookup(proc, n.Slice(0, len));
            if (dir == null || !dir.IsDirectory) return;
            Span<byte> f = stackalloc byte[16];
            string[] names = s_files;
            for (int i = 0; i < names.Length; i++)
            {
                ReadOnlySpan<byte> fn = Name(f, names[i]);
                Inode node = FileSystem.Lookup(dir, fn);
                if (node == null) continue;
                if (node is ProcessFile pf) pf.Owner = null;
                FileSystem.Unlink(dir, fn);
                if (node.Nlink == 0 && node.OpenCount == 0) VfsMemory.FreeObject(node);
            }
            FileSystem.Rmdir(proc, n.Slice(0, len));
            if (dir.Nlink == 0 && dir.OpenCount == 0) VfsMemory.FreeObject(dir);
        }

        private static readonly string[] s_files = { "stat", "status", "cmdline", "comm", "environ", "maps" };

        private static ReadOnlySpan<byte> Name(Span<byte> buf, string s)
        {
            for (int i = 0; i < s.Length; i++) buf[i] = (byte)s[i];
            return buf.Slice(0, s.Length);
        }

        /// <summary>
        /// Makes dir/name a symlink to target, touching nothing when it already is one: entries that
        /// did not change keep their place, so a directory listing in progress is never disturbed.
        /// </summary>
        private static void SetLink(Inode dir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target)
        {
            Inode existing = FileSystem.Lookup(dir, name);
            if (existing != null && existing.IsSymlink && existing.Size == target.Length)
            {
                Span<byte> old = stackalloc byte[512];
                int ol = FileSystem.ReadLink(existing, old);
                bool same = ol == target.Length;
                for (int i = 0; same && i < ol; i++) same = old[i] == target[i];
                if (same) return;
            }
            if (existing != null && existing.IsSymlink) { FileSystem.Retarget(existing, target); return; }
            if (existing != null) FileSystem.Unlink(dir, name);
            FileSystem.Symlink(dir, name, target);
        }

        private static bool Under(byte* path, int len, string dir)
        {
            if (len < dir.Length) return false;
            for (int i = 0; i < dir.Length; i++) if (path[i] != dir[i]) return false;
            return len == dir.Length || path[dir.Length] == '/';
        }

        private static bool Inside(Inode dir)
        {
            for (Inode d = dir; d != null && d != FileSystem.Root; d = d.Parent)
                if (d.Parent == FileSystem.Root && (d == Devices.ProcSelf.Parent || d == Devices.Dev)) return true;
            return false;
        }

        private static int Digits(int v, Span<byte> dst)
        {
            Span<byte> tmp = stackalloc byte[12];
            int n = 0;
            do { tmp[n++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
            for (int i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
            return n;
        }

        private static int Text(Span<byte> dst, string prefix, ulong number, string suffix)
        {
            int n = 0;
            for (int i = 0; i < prefix.Length; i++) dst[n++] = (byte)prefix[i];
            if (suffix == null) return n;
            Span<byte> tmp = stackalloc byte[24];
            int d = 0;
            do { tmp[d++] = (byte)('0' + number % 10); number /= 10; } while (number != 0);
            while (d > 0) dst[n++] = tmp[--d];
            for (int i = 0; i < suffix.Length; i++) dst[n++] = (byte)suffix[i];
            return n;
        }

        public static void Maps(ref TextBuffer t) => MapsOf(ref t, Process.Current);

        public static void MapsOf(ref TextBuffer t, Process p)
        {
            if (p.Map == null || p.Map.Vmas == null) return;
            Vma* v = p.Map.Vmas;
            byte* path = stackalloc byte[512];
            for (int i = 0; i < p.Map.Count; i++)
            {
                t.Hex(v[i].Start, 8); t.Byte((byte)'-'); t.Hex(v[i].End, 8); t.Byte((byte)' ');
                t.Byte((byte)((v[i].Prot & Prot.Read) != 0 ? 'r' : '-'));
                t.Byte((byte)((v[i].Prot & Prot.Write) != 0 ? 'w' : '-'));
                t.Byte((byte)((v[i].Prot & Prot.Exec) != 0 ? 'x' : '-'));
                t.Byte((byte)(v[i].Kind == Vma.Shared ? 's' : 'p'));
                t.Str(" "); t.Hex(v[i].FileOffset, 8); t.Str(" 00:00 ");
                Inode file = MappedFiles.Get(v[i].FileId);
                t.Dec(file != null ? file.Ino : 0);
                int start = t.Length;
                if (v[i].Kind == Vma.Heap) { t.Pad(start + 10); t.Str("[heap]"); }
                else if (v[i].Kind == Vma.Stack) { t.Pad(start + 10); t.Str("[stack]"); }
                else if (v[i].Kind == Vma.Vvar) { t.Pad(start + 10); t.Str("[vvar]"); }
                else if (v[i].Kind == Vma.VdsoImage) { t.Pad(start + 10); t.Str("[vdso]"); }
                else if (v[i].Kind == Vma.Image) { t.Pad(start + 10); t.Bytes(p.ExePath, (int)p.ExePathLen); }
                else if (file != null)
                {
                    t.Pad(start + 10);
                    int n = FileSystem.GetPath(file, new Span<byte>(path, 512));
                    if (n > 0) t.Bytes(path, n);
                }
                t.Byte((byte)'\n');
            }
        }

        public static void Cmdline(ref TextBuffer t) => CmdlineOf(ref t, Process.Current);
        public static void CmdlineOf(ref TextBuffer t, Process p) { if (p.Argv != null && !p.Zombie) t.Bytes(p.Argv, (int)p.ArgvLength); }
        public static void Environ(ref TextBuffer t) => EnvironOf(ref t, Process.Current);
        public static void EnvironOf(ref TextBuffer t, Process p) { if (p.Envp != null && !p.Zombie) t.Bytes(p.Envp, (int)p.EnvpLength); }

        public static void Comm(ref TextBuffer t) => CommOf(ref t, Process.Current);

        public static void CommOf(ref TextBuffer t, Process p)
        {
            byte* name = p.Name;
            for (int i = 0; name != null && i < 16 && name[i] != 0; i++) t.Byte(name[i]);
            t.Byte((byte)'\n');
        }

        private static char StateOf(Process p) => p.Zombie ? 'Z' : p.Stopped ? 'T' : p.Threads != null && p.Threads.State == Thread.Runnable ? 'R' : 'S';

        public static void Status(ref TextBuffer t) => StatusOf(ref t, Process.Current);

        public static void StatusOf(ref TextBuffer t, Process p)
        {
            t.Str("Name:\t");
            byte* name = p.Name;
            for (int i = 0; name != null && i < 16 && name[i] != 0; i++) t.Byte(name[i]);
            Thread th = p == Process.Current ? Thread.Current : p.Threads;
            char state = StateOf(p);
            t.Str("\nUmask:\t"); t.Octal4(p.Umask); t.Str("\nState:\t"); t.Byte((byte)state);
            t.Str(state == 'Z' ? " (zombie)" : state == 'T' ? " (stopped)" : state == 'R' ? " (running)" : " (sleeping)");
            t.Str("\nTgid:\t"); t.Dec((ulong)p.Pid);
            t.Str("\nNgid:\t0\nPid:\t"); t.Dec((ulong)(th != null ? th.Tid : p.Pid)); t.Str("\nPPid:\t"); t.Dec((ulong)p.Ppid);
            t.Str("\nTracerPid:\t0\n");
            t.Str("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t1024\nGroups:\t\n");
            ulong pages = p.Map != null ? p.Map.PagesMapped : 0;
            t.Str("VmSize:\t"); t.Dec(pages * 4); t.Str(" kB\nVmRSS:\t"); t.Dec(pages * 4);
            t.Str(" kB\nThreads:\t"); t.Dec((ulong)p.ThreadCount);
            t.Str("\nSigQ:\t0/0\nSigPnd:\t"); t.Hex(th != null ? th.Pending : 0, 16);
            t.Str("\nShdPnd:\t"); t.Hex(p.Pending, 16);
            t.Str("\nSigBlk:\t"); t.Hex(th != null ? th.SignalMask : 0, 16);
            t.Str("\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        }

        public static void Stat(ref TextBuffer t) => StatOf(ref t, Process.Current);

        public static void StatOf(ref TextBuffer t, Process p)
        {
            t.Dec((ulong)p.Pid); t.Str(" (");
            byte* name = p.Name;
            for (int i = 0; name != null && i < 16 && name[i] != 0; i++) t.Byte(name[i]);
            t.Str(") "); t.Byte((byte)StateOf(p)); t.Str(" "); t.Dec((ulong)p.Ppid); t.Str(" "); t.Dec((ulong)p.Pgid); t.Str(" "); t.Dec((ulong)p.Sid);
            t.Str(" 0 -1 4194560 0 0 0 0 ");
            CpuTime.OfProcess(p, out ulong u, out ulong s);
            CpuTime.OfChildren(p, out ulong cu, out ulong cs);
            t.Dec(u / 10_000_000); t.Str(" "); t.Dec(s / 10_000_000); t.Str(" "); t.Dec(cu / 10_000_000); t.Str(" "); t.Dec(cs / 10_000_000);
            t.Str(" 20 0 "); t.Dec((ulong)p.ThreadCount); t.Str(" 0 ");
            t.Dec(p.StartNs / 10_000_000); t.Str(" ");
            ulong mapped = p.Map != null ? p.Map.PagesMapped : 0;
            t.Dec(mapped * 4096); t.Str(" "); t.Dec(mapped);
            t.Str(" 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
        }

        public static void Mounts(ref TextBuffer t)
        {
            t.Str("rootfs / tmpfs rw 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\nsysfs /sys sysfs ro 0 0\n");
            t.Str("devtmpfs /dev devtmpfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n");
        }

        private static void Kb(ref TextBuffer t, string name, ulong kb)
        {
            // As Linux lays it out: the name in 16 columns, the number right-aligned in 8 more.
            int start = t.Length;
            t.Str(name);
            t.Pad(start + 16);
            t.Pad(t.Length + 8 - Len(kb));
            t.Dec(kb);
            t.Str(" kB\n");
        }

        private static int Len(ulong v) { int n = 1; while (v >= 10) { v /= 10; n++; } return n; }

        public static void Meminfo(ref TextBuffer t)
        {
            ulong total = Mm.TotalRam / 1024, free = Mm.Pages.FreeFrames * 4;
            Kb(ref t, "MemTotal:", total);
            Kb(ref t, "MemFree:", free);
            Kb(ref t, "MemAvailable:", free);
            Kb(ref t, "Buffers:", 0);
            Kb(ref t, "Cached:", 0);
            Kb(ref t, "SwapCached:", 0);
            Kb(ref t, "SwapTotal:", 0);
            Kb(ref t, "SwapFree:", 0);
            Kb(ref t, "Shmem:", 0);
            Kb(ref t, "AnonPages:", AddressSpace.PagesMapped * 4);
        }

        public static void Cpuinfo(ref TextBuffer t)
        {
            uint* r = stackalloc uint[12];
            Arch.Native.Cpuid(0, 0, r);
            t.Str("processor\t: 0\nvendor_id\t: ");
            byte* v = stackalloc byte[12];
            *(uint*)v = r[1]; *(uint*)(v + 4) = r[3]; *(uint*)(v + 8) = r[2];
            t.Bytes(v, 12);
            Arch.Native.Cpuid(1, 0, r);
            t.Str("\ncpu family\t: "); t.Dec((r[0] >> 8) & 0xF);
            t.Str("\nmodel\t\t: "); t.Dec((r[0] >> 4) & 0xF);
            t.Str("\nmodel name\t: QEMU Virtual CPU\nstepping\t: "); t.Dec(r[0] & 0xF);
            t.Str("\ncpu MHz\t\t: "); t.Dec(Tsc.Khz / 1000);
            t.Str(".000\ncache size\t: 512 KB\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n");
            t.Str("fpu\t\t: yes\nflags\t\t: fpu tsc msr pae cx8 apic sep cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx lm\n");
            t.Str("bogomips\t: "); t.Dec(Tsc.Khz / 500); t.Str(".00\naddress sizes\t: 40 bits physical, 48 bits virtual\n\n");
        }

        public static void SystemStat(ref TextBuffer t)
        {
            ulong ticks = Tsc.MonotonicNs() / 10_000_000;
            t.Str("cpu  "); t.Dec(ticks); t.Str(" 0 0 0 0 0 0 0 0 0\ncpu0 "); t.Dec(ticks);
            t.Str(" 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime ");
            t.Dec((Syscalls.SysTime.RealtimeNs() - Tsc.MonotonicNs()) / 1_000_000_000);
            t.Str("\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n");
        }

        public static void Uptime(ref TextBuffer t)
        {
            ulong cs = Tsc.MonotonicNs() / 10_000_000;
            t.Dec(cs / 100); t.Byte((byte)'.'); if (cs % 100 < 10) t.Byte((byte)'0'); t.Dec(cs % 100);
            t.Str(" 0.00\n");
        }

        public static void Loadavg(ref TextBuffer t) => t.Str("0.00 0.00 0.00 1/1 1\n");
        public static void Version(ref TextBuffer t) => t.Str("Linux version 6.1.0-compat (compat unikernel, C# NativeAOT) #1 SMP\n");
        public static void Filesystems(ref TextBuffer t) => t.Str("nodev\tproc\nnodev\tsysfs\nnodev\ttmpfs\nnodev\tdevtmpfs\n");
        public static void OsRelease(ref TextBuffer t) => t.Str("6.1.0-compat\n");
        public static void OsType(ref TextBuffer t) => t.Str("Linux\n");
        public static void Hostname(ref TextBuffer t) { Line(ref t, Uts.Hostname); }
        public static void Domainname(ref TextBuffer t) { Line(ref t, Uts.Domainname); }

        private static void Line(ref TextBuffer t, ReadOnlySpan<byte> s)
        {
            for (int i = 0; i < s.Length; i++) t.Byte(s[i]);
            t.Byte((byte)'\n');
        }
        public static void KernelVersion(ref TextBuffer t) => t.Str("#1 SMP compat unikernel\n");
        public static void PidMax(ref TextBuffer t) => t.Str("32768\n");
        public static void NgroupsMax(ref TextBuffer t) => t.Str("65536\n");
        public static void Zero(ref TextBuffer t) => t.Str("0\n");
        public static void CpuList(ref TextBuffer t) => t.Str("0\n");

        public static void Uuid(ref TextBuffer t)
        {
            byte* r = stackalloc byte[16];
            Random.Fill(r, 16);
            for (int i = 0; i < 16; i++)
            {
                if (i == 4 || i == 6 || i == 8 || i == 10) t.Byte((byte)'-');
                t.Hex(r[i], 2);
            }
            t.Byte((byte)'\n');
        }
    }

    /// <summary>Paths a program failed to find, for ops --missing-files.</summary>
    internal static unsafe class MissingFiles
    {
        private const int Max = 256;
        private static byte** s_paths;
        private static int s_count;
        public static bool Enabled;

        public static void Record(byte* path, int len)
        {
            if (!Enabled || len <= 0) return;
            if (s_paths == null) s_paths = (byte**)Mm.KernelHeap.Alloc(Max * 8);
            for (int i = 0; i < s_count; i++)
            {
                byte* p = s_paths[i];
                int j = 0;
                while (j < len && p[j] == path[j]) j++;
                if (j == len && p[j] == 0) return;
            }
            if (s_count == Max) return;
            byte* copy = (byte*)Mm.KernelHeap.Alloc((ulong)len + 1);
            Mem.Copy(copy, path, (ulong)len);
            copy[len] = 0;
            s_paths[s_count++] = copy;
        }

        public static void Print()
        {
            for (int i = 0; i < s_count; i++)
            {
                Log.Write("compat: missing ");
                byte* p = s_paths[i];
                int n = 0;
                while (p[n] != 0) n++;
                Log.WriteBytes(p, (ulong)n);
                Log.Write("\n");
            }
        }
    }
}
