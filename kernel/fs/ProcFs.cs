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
        /// Rebuilds the dynamic entries of the /proc directory a lookup of <paramref name="path"/>
        /// from <paramref name="start"/> can reach: /proc/PID/{exe,cwd,fd,fdinfo,task} of that
        /// process for a path through /proc/PID, the caller's under /proc/self and /dev (whose std*
        /// links lead there). Other paths touch nothing.
        /// </summary>
        public static void Refresh(Inode start, byte* path, int len)
        {
            if (Devices.ProcFd == null) return;
            Inode proc = Devices.ProcSelf.Parent;
            int pid = 0;                                  // 0: the caller, through /proc/self
            if (len > 0 && path[0] == '/')
            {
                if (Under(path, len, "/proc")) pid = LeadingPid(path + 5, len - 5);
                else if (!Under(path, len, "/dev")) return;
            }
            else if (start == proc) pid = LeadingPid(path, len);
            else
            {
                Inode top = TopDir(start);
                if (top == null) return;
                if (top != Devices.ProcSelf && top != Devices.Dev) pid = PidOfDir(top);
            }
            if (pid < 0) return;
            if (pid == 0) { RefreshProcess(Devices.ProcSelf, Process.Current, true); return; }
            Process p = Process.Find(pid);
            if (p == null) return;
            Span<byte> n = stackalloc byte[16];
            Inode dir = FileSystem.Lookup(proc, n.Slice(0, Digits(pid, n)));
            if (dir != null && dir.IsDirectory) RefreshProcess(dir, p, false);
        }

        /// <summary>The number in the first component of a path after "/proc" ("/123/fd": 123); 0 for self or another name, -1 for /proc itself.</summary>
        private static int LeadingPid(byte* rest, int len)
        {
            int i = 0;
            while (i < len && rest[i] == '/') i++;
            if (i == len) return -1;
            int v = 0, digits = 0;
            for (; i < len && rest[i] != '/'; i++)
            {
                if (rest[i] < '0' || rest[i] > '9' || digits > 9) return 0;
                v = v * 10 + (rest[i] - '0');
                digits++;
            }
            return v;
        }

        /// <summary>The child of /proc or /dev that <paramref name="d"/> lies in (or is), else null.</summary>
        private static Inode TopDir(Inode d)
        {
            Inode proc = Devices.ProcSelf.Parent;
            for (; d != null && d != FileSystem.Root; d = d.Parent)
            {
                if (d == Devices.Dev) return d;
                if (d.Parent == proc) return d;
            }
            return null;
        }

        private static int PidOfDir(Inode top)
        {
            Span<byte> n = stackalloc byte[16];
            Inode proc = Devices.ProcSelf.Parent;
            for (Process p = Process.First; p != null; p = p.AllNext)
                if (!p.Zombie && FileSystem.Lookup(proc, n.Slice(0, Digits(p.Pid, n))) == top) return p.Pid;
            return -1;
        }

        /// <summary>exe, cwd, fd/N, fdinfo/N and task/TID/{stat,status,comm} of <paramref name="p"/> in <paramref name="dir"/>.</summary>
        private static void RefreshProcess(Inode dir, Process p, bool self)
        {
            if (p.Zombie || p.Files == null) return;
            Span<byte> name = stackalloc byte[16];
            Span<byte> target = stackalloc byte[512];
            SetLink(dir, Name(name, "exe"), new ReadOnlySpan<byte>(p.ExePath, (int)p.ExePathLen));
            int cl = p.Cwd != null ? FileSystem.GetPath(p.Cwd, target, true) : 0;
            if (cl > 0) SetLink(dir, Name(name, "cwd"), target.Slice(0, cl));
            Inode fdDir = self ? Devices.ProcFd : SubDir(dir, "fd", 0x16D);
            Inode infoDir = SubDir(dir, "fdinfo", 0x16D);
            Inode taskDir = SubDir(dir, "task", 0x16D);
            if (fdDir == null || infoDir == null || taskDir == null) return;
            // Names whose descriptor is closed go first, so the loop below only adds or retargets.
            DropStale(fdDir, p, false);
            DropStale(infoDir, p, false);
            for (int fd = 0; fd < p.Files.Size; fd++)
            {
                File f = p.Files.Files[fd];
                if (f == null) continue;
                ReadOnlySpan<byte> n = name.Slice(0, Digits(fd, name));
                int tl = LinkTarget(f, fd, target);
                if (tl > 0) SetLink(fdDir, n, target.Slice(0, tl));
                Inode info = FileSystem.Lookup(infoDir, n);
                if (info == null)
                {
                    var node = new ProcessFile(p, self, fd, &FdInfoOf) { Mode = 0x8000 | 0x100 };
                    FileSystem.AddSpecial(infoDir, n, node);
                }
            }
            DropStale(taskDir, p, true);
            for (Thread t = p.Threads; t != null; t = t.ProcessNext)
            {
                ReadOnlySpan<byte> n = name.Slice(0, Digits(t.Tid, name));
                Inode td = FileSystem.Lookup(taskDir, n);
                if (td != null) continue;
                if (FileSystem.Mkdir(taskDir, n, 0x4000 | 0x16D, out td) < 0) continue;
                AddTaskFile(td, "stat", p, t.Tid, self, &TaskStatOf);
                AddTaskFile(td, "status", p, t.Tid, self, &TaskStatusOf);
                AddTaskFile(td, "comm", p, t.Tid, self, &TaskCommOf);
                AddMem(td, p, self);                                      // threads share the memory
            }
        }

        private static void AddTaskFile(Inode dir, string name, Process p, int tid, bool self, delegate*<ref TextBuffer, Process, int, void> gen)
        {
            Span<byte> n = stackalloc byte[16];
            FileSystem.AddSpecial(dir, Name(n, name), new ProcessFile(p, self, tid, gen) { Mode = 0x8000 | 0x124 });
        }

        private static Inode SubDir(Inode dir, string name, uint perm)
        {
            Span<byte> n = stackalloc byte[16];
            ReadOnlySpan<byte> nm = Name(n, name);
            Inode d = FileSystem.Lookup(dir, nm);
            if (d != null) return d.IsDirectory ? d : null;
            return FileSystem.Mkdir(dir, nm, 0x4000 | perm, out d) < 0 ? null : d;
        }

        /// <summary>Removes the numbered entries of fd/, fdinfo/ (a closed descriptor) or task/ (an ended thread).</summary>
        private static void DropStale(Inode dir, Process p, bool threads)
        {
            DirEntry e = dir.First;
            while (e != null)
            {
                DirEntry next = e.Next;
                int v = 0;
                for (int i = 0; i < e.NameLength; i++) v = v * 10 + (e.Name[i] - '0');
                bool live = threads ? p.FindThread(v) != null : (uint)v < (uint)p.Files.Size && p.Files.Files[v] != null;
                if (!live) Remove(dir, e);
                e = next;
            }
        }

        /// <summary>
        /// Unlinks one entry (a directory with everything in it) and frees what nobody holds open;
        /// a generated file still open reads as empty from now on (it no longer names its process).
        /// </summary>
        private static void Remove(Inode dir, DirEntry e)
        {
            Inode node = e.Node;
            Span<byte> n = stackalloc byte[32];
            int len = e.NameLength < 32 ? e.NameLength : 32;
            for (int i = 0; i < len; i++) n[i] = e.Name[i];
            if (node.IsDirectory)
            {
                while (node.First != null) Remove(node, node.First);
                FileSystem.Rmdir(dir, n.Slice(0, len));
            }
            else
            {
                if (node is ProcessFile pf) pf.Orphan();
                else if (node is ProcessMemFile mf) mf.Orphan();
                else if (node is OomScoreAdjFile of) of.Orphan();
                FileSystem.Unlink(dir, n.Slice(0, len));
            }
            DeadInodes.Drop(node);           // freed at the syscall's end, or at the last close of a file still open
        }

        /// <summary>What readlink of /proc/PID/fd/N says for <paramref name="f"/>.</summary>
        private static int LinkTarget(File f, int fd, Span<byte> target)
        {
            if (f.Node != null)
            {
                int n = FileSystem.GetPath(f.Node, target, true);
                // In a detached mount (fsmount, before move_mount) the path starts at its root, as Linux's d_path.
                Mount m = n == -Errno.ENOENT ? FileSystem.MountOf(f.Node) : null;
                if (m == null || m.Attached || m.Kind != Mount.KindTree) return n;
                n = FileSystem.PathInTree(f.Node, target);
                if (n == 0 && target.Length > 0) { target[0] = (byte)'/'; n = 1; }
                return n;
            }
            if (f is PipeFile p) return Text(target, "pipe:[", p.P.Id, "]");
            if (f is SocketFile s) return Text(target, "socket:[", s.Ino, "]");
            if (f.AnonName != null) { int tl = Text(target, "anon_inode:", 0, null); return tl + Text(target.Slice(tl), f.AnonName, 0, null); }
            if (f.IsTty) return Text(target, "/dev/pts/0", 0, null);
            return Text(target, "pipe:[", (ulong)(fd + 1), "]");
        }

        /// <summary>FileSystem.MagicLinkTarget: the node an fd/N link's open file has, or the program /proc/PID/exe runs.</summary>
        public static Inode NodeOfMagicLink(Inode link)
        {
            Inode dir = link.Parent;
            if (dir == null) return null;
            if (dir == Devices.ProcSelf || (dir.Parent == Devices.ProcSelf.Parent && PidOfDir(dir) > 0))
            {
                Span<byte> name = stackalloc byte[8];
                if (FileSystem.NameOf(link, name) != 3 || name[0] != 'e' || name[1] != 'x' || name[2] != 'e') return null;
                Process p = dir == Devices.ProcSelf ? Process.Current : Process.Find(PidOfDir(dir));
                return p != null && !p.Zombie && p.Map != null ? p.Map.Program : null;
            }
            File f = FileOfLink(link);
            return f != null ? f.Node : null;
        }

        /// <summary>
        /// The open file a /proc/PID/fd/N link names when a walk ended at it (FileSystem.IsFileLink):
        /// descriptor N of the process whose fd directory holds the link; null once it is closed.
        /// </summary>
        public static File FileOfLink(Inode link)
        {
            Inode dir = link.Parent;
            if (dir == null) return null;
            Process p = dir == Devices.ProcFd ? Process.Current : Process.Find(PidOfDir(dir.Parent));
            if (p == null || p.Files == null) return null;
            Span<byte> name = stackalloc byte[16];
            int len = FileSystem.NameOf(link, name);
            if (len <= 0) return null;
            int fd = 0;
            for (int i = 0; i < len; i++)
            {
                if (name[i] < '0' || name[i] > '9' || fd > FdTable.NrOpen) return null;
                fd = fd * 10 + (name[i] - '0');
            }
            return fd < p.Files.Size ? p.Files.Files[fd] : null;
        }

        // ---- /proc/<pid>: a directory per process, from fork to reap ---------------------------------

        private static void Add(Inode dir, string name, Process p, delegate*<ref TextBuffer, Process, void> gen)
        {
            Span<byte> n = stackalloc byte[16];
            var node = new ProcessFile(p, gen) { Mode = 0x8000 | 0x124 };
            FileSystem.AddSpecial(dir, Name(n, name), node);
        }

        /// <summary>Creates /proc/PID with stat, status, cmdline, comm, environ and maps of <paramref name="p"/> (fd, fdinfo and task come on lookup).</summary>
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
            AddMem(dir, p, false);
            Span<byte> o = stackalloc byte[16];
            FileSystem.AddSpecial(dir, Name(o, "oom_score_adj"), new OomScoreAdjFile(p, false) { Mode = 0x8000 | 0x1A4 });
        }

        /// <summary>dir/mem (mode 0600): the memory of <paramref name="p"/>, or of whoever reads under /proc/self.</summary>
        private static void AddMem(Inode dir, Process p, bool self)
        {
            Span<byte> n = stackalloc byte[4];
            FileSystem.AddSpecial(dir, Name(n, "mem"), new ProcessMemFile(p, self) { Mode = 0x8000 | 0x180 });
        }

        /// <summary>Reap: /proc/PID and everything in it goes; a file still open there reads as empty from now on.</summary>
        public static void RemoveProcess(Process p)
        {
            Inode proc = Devices.ProcSelf?.Parent;
            if (proc == null) return;
            Span<byte> n = stackalloc byte[16];
            int len = Digits(p.Pid, n);
            DirEntry e = proc.First;
            while (e != null && !(e.NameLength == len && Same(e, n.Slice(0, len)))) e = e.Next;
            if (e == null || !e.Node.IsDirectory) return;
            Remove(proc, e);
        }

        private static bool Same(DirEntry e, ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < name.Length; i++) if (e.Name[i] != name[i]) return false;
            return true;
        }

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
            // Linux's exe, cwd and fd/N name the open file itself ("magic links"), whatever the text says.
            Inode made = FileSystem.Lookup(dir, name);
            if (made != null) made.MagicLink = true;
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
                t.Byte((byte)(v[i].Kind == Vma.Shared || v[i].KernelFrames ? 's' : 'p'));
                t.Str(" "); t.Hex(v[i].FileOffset, 8); t.Str(" 00:00 ");
                Inode file = MappedFiles.Get(v[i].FileId);
                t.Dec(file != null ? file.Ino : 0);
                int start = t.Length;
                if (v[i].Kind == Vma.Heap) { t.Pad(start + 10); t.Str("[heap]"); }
                else if (v[i].Kind == Vma.Stack) { t.Pad(start + 10); t.Str("[stack]"); }
                else if (v[i].Kind == Vma.Vvar) { t.Pad(start + 10); t.Str("[vvar]"); }
                else if (v[i].Kind == Vma.VdsoImage) { t.Pad(start + 10); t.Str("[vdso]"); }
                else if (v[i].Kind == Vma.Aio) { t.Pad(start + 10); t.Str("/[aio] (deleted)"); }   // as Linux names the ring's file
                else if (v[i].Kind == Vma.IoUring) { t.Pad(start + 10); t.Str("anon_inode:[io_uring]"); }
                else if (file != null)
                {
                    t.Pad(start + 10);
                    int n = FileSystem.GetPath(file, new Span<byte>(path, 512), true);
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

        /// <summary>The thread /proc/PID describes: the group leader while it lives, else any.</summary>
        private static Thread Leader(Process p)
        {
            if (p == Process.Current && Thread.Current.Tid == p.Pid) return Thread.Current;
            Thread t = p.FindThread(p.Pid);
            return t != null ? t : p.Threads;
        }

        private static char StateOf(Process p, Thread t) =>
            p.Zombie ? 'Z' : p.Stopped ? 'T' : t != null && t.PtraceStopped ? 't' : t != null && t.State == Thread.Runnable ? 'R' : 'S';

        public static void Status(ref TextBuffer t) => StatusOf(ref t, Process.Current);
        public static void StatusOf(ref TextBuffer t, Process p) => StatusFor(ref t, p, p == Process.Current ? Thread.Current : Leader(p), p.Pid);

        /// <summary>/proc/PID/task/TID/status: the thread's own pid, state, pending and blocked signals.</summary>
        public static void TaskStatusOf(ref TextBuffer t, Process p, int tid)
        {
            Thread th = p.FindThread(tid);
            if (th != null) StatusFor(ref t, p, th, tid);
        }

        private static void StatusFor(ref TextBuffer t, Process p, Thread th, int pid)
        {
            t.Str("Name:\t");
            byte* name = p.Name;
            for (int i = 0; name != null && i < 16 && name[i] != 0; i++) t.Byte(name[i]);
            char state = StateOf(p, th);
            t.Str("\nUmask:\t"); t.Octal4(p.Umask); t.Str("\nState:\t"); t.Byte((byte)state);
            t.Str(state == 'Z' ? " (zombie)" : state == 'T' ? " (stopped)" : state == 't' ? " (tracing stop)" : state == 'R' ? " (running)" : " (sleeping)");
            t.Str("\nTgid:\t"); t.Dec((ulong)p.Pid);
            t.Str("\nNgid:\t0\nPid:\t"); t.Dec((ulong)pid); t.Str("\nPPid:\t"); t.Dec((ulong)p.Ppid);
            t.Str("\nTracerPid:\t");
            t.Dec((ulong)(th != null && th.Tracer != null ? th.Tracer.Pid : 0));
            t.Str("\n");
            Credentials c = th != null && th.Cred != null ? th.Cred : Credentials.Root;
            t.Str("Uid:\t"); t.Dec(c.Uid); t.Str("\t"); t.Dec(c.Euid); t.Str("\t"); t.Dec(c.Suid); t.Str("\t"); t.Dec(c.Fsuid);
            t.Str("\nGid:\t"); t.Dec(c.Gid); t.Str("\t"); t.Dec(c.Egid); t.Str("\t"); t.Dec(c.Sgid); t.Str("\t"); t.Dec(c.Fsgid);
            t.Str("\nFDSize:\t1024\nGroups:\t");
            for (int i = 0; i < c.Groups.Length; i++) { if (i > 0) t.Str(" "); t.Dec(c.Groups[i]); }
            t.Str(" \n");                                 // Linux's trailing space

            ulong pages = p.Map != null ? p.Map.PagesMapped : 0;
            t.Str("VmSize:\t"); t.Dec(pages * 4); t.Str(" kB\nVmHWM:\t"); t.Dec(p.MaxRssNowKb());
            t.Str(" kB\nVmRSS:\t"); t.Dec(pages * 4);
            t.Str(" kB\nThreads:\t"); t.Dec((ulong)p.ThreadCount);
            t.Str("\nSigQ:\t0/0\nSigPnd:\t"); t.Hex(th != null ? th.Pending : 0, 16);
            t.Str("\nShdPnd:\t"); t.Hex(p.Pending, 16);
            t.Str("\nSigBlk:\t"); t.Hex(th != null ? th.SignalMask : 0, 16);
            t.Str("\nCapInh:\t"); t.Hex(c.CapInh, 16); t.Str("\nCapPrm:\t"); t.Hex(c.CapPrm, 16);
            t.Str("\nCapEff:\t"); t.Hex(c.CapEff, 16); t.Str("\nCapBnd:\t"); t.Hex(c.CapBnd, 16);
            t.Str("\nCapAmb:\t"); t.Hex(c.CapAmb, 16);
            t.Str("\nNoNewPrivs:\t"); t.Dec(th != null && th.NoNewPrivs ? 1UL : 0);
            t.Str("\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        }

        public static void Stat(ref TextBuffer t) => StatOf(ref t, Process.Current);
        public static void StatOf(ref TextBuffer t, Process p) => StatFor(ref t, p, p == Process.Current ? Thread.Current : Leader(p), p.Pid, false);

        /// <summary>/proc/PID/task/TID/stat: as /proc/PID/stat with the thread's id and state.</summary>
        public static void TaskStatOf(ref TextBuffer t, Process p, int tid)
        {
            Thread th = p.FindThread(tid);
            if (th != null) StatFor(ref t, p, th, tid, true);
        }

        public static void TaskCommOf(ref TextBuffer t, Process p, int tid) { if (p.FindThread(tid) != null) CommOf(ref t, p); }

        /// <summary>A stat line; <paramref name="threadTimes"/>: utime/stime of <paramref name="th"/> alone (task/TID/stat), else of the whole process.</summary>
        private static void StatFor(ref TextBuffer t, Process p, Thread th, int pid, bool threadTimes)
        {
            t.Dec((ulong)pid); t.Str(" (");
            byte* name = p.Name;
            for (int i = 0; name != null && i < 16 && name[i] != 0; i++) t.Byte(name[i]);
            t.Str(") "); t.Byte((byte)StateOf(p, th)); t.Str(" "); t.Dec((ulong)p.Ppid); t.Str(" "); t.Dec((ulong)p.Pgid); t.Str(" "); t.Dec((ulong)p.Sid);
            // tty_nr and tpgid: a pseudo-terminal that is the controlling terminal (ps's TTY column).
            Pty tty = p.CttyPty;
            t.Str(" "); t.Dec(tty != null ? tty.DevNumber : 0); t.Str(" ");
            if (tty != null && tty.Pgrp != 0) t.Dec((ulong)tty.Pgrp); else t.Str("-1");
            t.Str(" 4194560 0 0 0 0 ");
            ulong u, s;
            if (threadTimes && th != null) CpuTime.OfThread(th, out u, out s); else CpuTime.OfProcess(p, out u, out s);
            CpuTime.OfChildren(p, out ulong cu, out ulong cs);
            t.Dec(u / 10_000_000); t.Str(" "); t.Dec(s / 10_000_000); t.Str(" "); t.Dec(cu / 10_000_000); t.Str(" "); t.Dec(cs / 10_000_000);
            // priority and nice as Linux shows them: 20 + nice, or -1 - the real-time priority.
            bool rt = th != null && th.IsRealtime;
            long prio = rt ? -1 - th.RtPriority : 20 + p.Nice, nice = rt ? 0 : p.Nice;
            t.Str(" "); Signed(ref t, prio); t.Str(" "); Signed(ref t, nice); t.Str(" "); t.Dec((ulong)p.ThreadCount); t.Str(" 0 ");
            t.Dec(p.StartNs / 10_000_000); t.Str(" ");
            ulong mapped = p.Map != null ? p.Map.PagesMapped : 0;
            t.Dec(mapped * 4096); t.Str(" "); t.Dec(mapped);
            t.Str(" 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 ");
            t.Dec(th != null ? (ulong)th.RtPriority : 0); t.Str(" "); t.Dec(th != null ? (ulong)th.Policy : 0);
            t.Str(" 0 0 0 0 0 0 0 0 0 0 0\n");
        }

        private static void Signed(ref TextBuffer t, long v)
        {
            if (v < 0) { t.Byte((byte)'-'); v = -v; }
            t.Dec((ulong)v);
        }

        /// <summary>/proc/PID/fdinfo/N: position, status flags as Linux keeps them (O_LARGEFILE on files, O_CLOEXEC from the descriptor), mount and inode.</summary>
        public static void FdInfoOf(ref TextBuffer t, Process p, int fd)
        {
            if (p.Files == null || (uint)fd >= (uint)p.Files.Size) return;
            File f = p.Files.Files[fd];
            if (f == null) return;
            ulong flags = (ulong)(uint)f.Flags;
            if (f is InodeFile) flags |= (ulong)OpenFlags.O_LARGEFILE;
            if (p.Files.Cloexec[fd]) flags |= (ulong)OpenFlags.O_CLOEXEC;
            t.Str("pos:\t"); t.Dec((ulong)(f.Offset > 0 ? f.Offset : 0));
            t.Str("\nflags:\t0"); Octal(ref t, flags);
            t.Str("\nmnt_id:\t"); Mount fm = f.Node != null ? FileSystem.MountOf(f.Node) : null; t.Dec(fm != null ? (ulong)fm.Id : 0UL);
            t.Str("\nino:\t"); t.Dec(f.Node != null ? f.Node.Ino : f is SocketFile s ? s.Ino : 0);
            t.Byte((byte)'\n');
        }

        private static void Octal(ref TextBuffer t, ulong v)
        {
            int shift = 63;
            while (shift > 0 && (v >> shift) == 0) shift -= 3;
            for (; shift >= 0; shift -= 3) t.Byte((byte)('0' + ((v >> shift) & 7)));
        }

        /// <summary>/proc/self/mounts: "source mount-point type options 0 0", in mount order.</summary>
        public static void Mounts(ref TextBuffer t)
        {
            byte* path = stackalloc byte[FileSystem.PathMax];
            for (Mount m = FileSystem.FirstMount; m != null; m = m.Next)
            {
                int n = MountPointPath(m, path);
                if (n < 0) continue;
                MountSource(ref t, m);
                t.Byte((byte)' ');
                Escaped(ref t, path, n);
                t.Byte((byte)' ');
                t.Str(m.Type);
                t.Byte((byte)' ');
                MountFlags(ref t, m);
                SuperOptions(ref t, m);
                t.Str(" 0 0\n");
            }
        }

        /// <summary>/proc/self/mountinfo: "id parent major:minor root mount-point options - type source super-options".</summary>
        public static void MountInfo(ref TextBuffer t)
        {
            byte* path = stackalloc byte[FileSystem.PathMax];
            for (Mount m = FileSystem.FirstMount; m != null; m = m.Next)
            {
                int n = MountPointPath(m, path);
                if (n < 0) continue;
                t.Dec((ulong)m.Id);
                t.Byte((byte)' ');
                t.Dec((ulong)(m.ParentMount != null ? m.ParentMount.Id : 1));
                t.Byte((byte)' ');
                t.Dec((m.Dev >> 8) & 0xFFF);
                t.Byte((byte)':');
                t.Dec((m.Dev & 0xFF) | ((m.Dev >> 12) & 0xFFF00));
                t.Byte((byte)' ');
                int rl = FileSystem.PathInTree(m.Root, new Span<byte>(path + n + 1, FileSystem.PathMax - n - 1));
                if (rl > 0) Escaped(ref t, path + n + 1, rl); else t.Byte((byte)'/');
                t.Byte((byte)' ');
                Escaped(ref t, path, n);
                t.Byte((byte)' ');
                MountFlags(ref t, m);
                t.Str(" - ");
                t.Str(m.Type);
                t.Byte((byte)' ');
                MountSource(ref t, m);
                t.Byte((byte)' ');
                t.Str(m.IsReadOnly ? "ro" : "rw");
                SuperOptions(ref t, m);
                t.Byte((byte)'\n');
            }
        }

        /// <summary>The mount point's path as the caller sees it; -1 when it is outside the caller's root.</summary>
        private static int MountPointPath(Mount m, byte* buf)
        {
            if (m.Point == null) return -1;
            int n = FileSystem.GetPath(m.Point, new Span<byte>(buf, FileSystem.PathMax));
            if (n <= 0 || buf[0] != '/') return -1;
            return n;
        }

        private static void MountSource(ref TextBuffer t, Mount m)
        {
            if (m.FixedSource != null) t.Str(m.FixedSource);
            else if (m.SourceLength > 0) Escaped(ref t, m.Source, m.SourceLength);
            else t.Str("none");
        }

        /// <summary>The per-mount options, in Linux's order (boot mounts keep their short historical form).</summary>
        private static void MountFlags(ref TextBuffer t, Mount m)
        {
            t.Str(m.IsReadOnly ? "ro" : "rw");
            if ((m.Flags & Mount.NoSuid) != 0) t.Str(",nosuid");
            if ((m.Flags & Mount.NoDev) != 0) t.Str(",nodev");
            if ((m.Flags & Mount.NoExec) != 0) t.Str(",noexec");
            if (m.Kind == Mount.KindBoot) return;
            if ((m.Flags & Mount.NoAtime) != 0) t.Str(",noatime");
            if ((m.Flags & Mount.NoDirAtime) != 0) t.Str(",nodiratime");
            if ((m.Flags & (Mount.NoAtime | Mount.StrictAtime)) == 0) t.Str(",relatime");
            if ((m.Flags & Mount.NoSymFollow) != 0) t.Str(",nosymfollow");
        }

        /// <summary>tmpfs's own options, as its show_options prints them.</summary>
        private static void SuperOptions(ref TextBuffer t, Mount m)
        {
            if (m.Kind == Mount.KindBoot || m.Magic != 0x01021994) return;
            if (m.SizeGiven) { t.Str(",size="); t.Dec((ulong)m.SizeLimit / 1024); t.Byte((byte)'k'); }
            if (m.RootMode != 0x3FF)
            {
                t.Str(",mode=");
                uint mode = m.RootMode;
                bool any = false;
                for (int shift = 9; shift >= 0; shift -= 3)
                {
                    uint d = (mode >> shift) & 7;
                    if (d == 0 && !any && shift > 6) continue;   // "%03o": at least three digits
                    any = true;
                    t.Byte((byte)('0' + d));
                }
            }
            if (m.OptUid != 0) { t.Str(",uid="); t.Dec(m.OptUid); }
            if (m.OptGid != 0) { t.Str(",gid="); t.Dec(m.OptGid); }
        }

        /// <summary>A path as /proc/mounts writes it: space, tab, newline and backslash in octal.</summary>
        private static void Escaped(ref TextBuffer t, byte* p, int n)
        {
            for (int i = 0; i < n; i++)
            {
                byte c = p[i];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
                {
                    t.Byte((byte)'\\');
                    t.Byte((byte)('0' + (c >> 6)));
                    t.Byte((byte)('0' + ((c >> 3) & 7)));
                    t.Byte((byte)('0' + (c & 7)));
                }
                else t.Byte(c);
            }
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

        /// <summary>/proc/stat: where the CPU's time went (USER_HZ, 100 a second) from the kernel's own
        /// accounting: user mode, halted idle, device interrupts (irq), the timer tick (softirq) and
        /// the rest of kernel time (system); context switches, interrupts, forks, runnable threads.</summary>
        public static void SystemStat(ref TextBuffer t)
        {
            ulong all = CpuTime.Elapsed, user = CpuTime.User, idle = CpuTime.Idle, irq = CpuTime.Devices, soft = CpuTime.Tick;
            ulong used = user + idle + irq + soft;
            ulong system = all > used ? all - used : 0;
            for (int line = 0; line < 2; line++)
            {
                t.Str(line == 0 ? "cpu  " : "cpu0 ");
                t.Dec(Hz(user)); t.Str(" 0 "); t.Dec(Hz(system)); t.Str(" "); t.Dec(Hz(idle));
                t.Str(" 0 "); t.Dec(Hz(irq)); t.Str(" "); t.Dec(Hz(soft)); t.Str(" 0 0 0\n");
            }
            t.Str("intr "); t.Dec(Timer.Fired + Irq.Total);
            t.Str("\nctxt "); t.Dec(Scheduler.Switches);
            t.Str("\nbtime "); t.Dec((Syscalls.SysTime.RealtimeNs() - Tsc.MonotonicNs()) / 1_000_000_000);
            t.Str("\nprocesses "); t.Dec(Process.Forks);
            t.Str("\nprocs_running "); t.Dec((ulong)Scheduler.RunnableCount);
            t.Str("\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
        }

        private static ulong Hz(ulong tsc) => Tsc.ToNs(tsc) / 10_000_000;

        /// <summary>/proc/vmstat: the counters this kernel keeps (free and mapped pages, page faults); the
        /// rest of what vmstat(8) and free read are 0 (no swap, no block I/O, no page cache).</summary>
        public static void Vmstat(ref TextBuffer t)
        {
            t.Str("nr_free_pages "); t.Dec(Mm.Pages.FreeFrames);
            t.Str("\nnr_anon_pages "); t.Dec(AddressSpace.PagesMapped);
            t.Str("\nnr_mapped 0\nnr_file_pages 0\nnr_dirty 0\nnr_writeback 0\nnr_shmem 0\n");
            t.Str("pgpgin 0\npgpgout 0\npswpin 0\npswpout 0\npgfault "); t.Dec(Process.AllMinorFaults);
            t.Str("\npgmajfault 0\n");
        }

        public static void Uptime(ref TextBuffer t)
        {
            ulong cs = Tsc.MonotonicNs() / 10_000_000;
            t.Dec(cs / 100); t.Byte((byte)'.'); if (cs % 100 < 10) t.Byte((byte)'0'); t.Dec(cs % 100);
            t.Str(" 0.00\n");
        }

        /// <summary>/proc/loadavg: no load averages are kept (0.00); running/total threads and the last pid are real.</summary>
        public static void Loadavg(ref TextBuffer t)
        {
            int threads = 0;
            for (Process p = Process.First; p != null; p = p.AllNext) if (!p.Zombie) threads += p.ThreadCount;
            t.Str("0.00 0.00 0.00 "); t.Dec((ulong)Scheduler.RunnableCount); t.Byte((byte)'/'); t.Dec((ulong)threads);
            t.Byte((byte)' '); t.Dec(Process.Forks + 1); t.Byte((byte)'\n');
        }
        // /proc/config.gz (CONFIG_IKCONFIG_PROC): what this kernel implements, in Kconfig's words, so
        // that programs reading the configuration (LTP's needs_kconfigs) learn what is here and what
        // is not. Options left out are unknown to it, as absent from a real .config.
        private const string KernelConfig =
            "#\n# compat unikernel 6.1.0-compat configuration\n#\n" +
            "CONFIG_64BIT=y\nCONFIG_X86_64=y\nCONFIG_MMU=y\n# CONFIG_SMP is not set\nCONFIG_LOCALVERSION=\"-compat\"\n" +
            "CONFIG_HZ_100=y\nCONFIG_HZ=100\nCONFIG_PREEMPT_NONE=y\nCONFIG_HIGH_RES_TIMERS=y\nCONFIG_POSIX_TIMERS=y\n" +
            "CONFIG_MULTIUSER=y\nCONFIG_SYSVIPC=y\nCONFIG_POSIX_MQUEUE=y\nCONFIG_FUTEX=y\nCONFIG_EPOLL=y\nCONFIG_SIGNALFD=y\n" +
            "CONFIG_TIMERFD=y\nCONFIG_EVENTFD=y\nCONFIG_AIO=y\nCONFIG_IO_URING=y\nCONFIG_ADVISE_SYSCALLS=y\nCONFIG_MEMBARRIER=y\n" +
            "CONFIG_CROSS_MEMORY_ATTACH=y\nCONFIG_FHANDLE=y\nCONFIG_BSD_PROCESS_ACCT=y\nCONFIG_SECCOMP=y\nCONFIG_SECCOMP_FILTER=y\n" +
            "CONFIG_KEYS=y\nCONFIG_INOTIFY_USER=y\n# CONFIG_FANOTIFY is not set\nCONFIG_PROC_FS=y\nCONFIG_SYSFS=y\nCONFIG_TMPFS=y\n" +
            "CONFIG_TMPFS_XATTR=y\n# CONFIG_TMPFS_POSIX_ACL is not set\nCONFIG_NET=y\nCONFIG_INET=y\nCONFIG_IPV6=y\nCONFIG_UNIX=y\n" +
            "# CONFIG_NAMESPACES is not set\n# CONFIG_UTS_NS is not set\n# CONFIG_TIME_NS is not set\n# CONFIG_IPC_NS is not set\n" +
            "# CONFIG_USER_NS is not set\n# CONFIG_PID_NS is not set\n# CONFIG_NET_NS is not set\n# CONFIG_CGROUPS is not set\n" +
            "# CONFIG_MODULES is not set\n# CONFIG_BLOCK is not set\n# CONFIG_SWAP is not set\n# CONFIG_QUOTA is not set\n" +
            "# CONFIG_USERFAULTFD is not set\n# CONFIG_PERF_EVENTS is not set\n# CONFIG_BPF_SYSCALL is not set\n" +
            "# CONFIG_TRANSPARENT_HUGEPAGE is not set\n# CONFIG_HUGETLBFS is not set\n# CONFIG_SECRETMEM is not set\n" +
            "# CONFIG_SECURITY_LANDLOCK is not set\n# CONFIG_KEXEC is not set\n";

        /// <summary>/proc/config.gz: <see cref="KernelConfig"/> as a gzip member of stored deflate blocks.</summary>
        public static void ConfigGz(ref TextBuffer t)
        {
            string c = KernelConfig;
            t.Byte(0x1F); t.Byte(0x8B); t.Byte(8); t.Byte(0);              // magic, deflate, no flags
            t.Byte(0); t.Byte(0); t.Byte(0); t.Byte(0); t.Byte(0); t.Byte(3);   // no mtime, no extra flags, Unix
            uint crc = 0xFFFFFFFF;
            int pos = 0;
            do
            {
                int n = c.Length - pos < 65535 ? c.Length - pos : 65535;
                bool last = pos + n == c.Length;
                t.Byte((byte)(last ? 1 : 0));                                // BFINAL, BTYPE 00 (stored), byte-aligned
                t.Byte((byte)n); t.Byte((byte)(n >> 8)); t.Byte((byte)~n); t.Byte((byte)(~n >> 8));
                for (int i = 0; i < n; i++)
                {
                    byte b = (byte)c[pos + i];
                    t.Byte(b);
                    crc ^= b;
                    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
                }
                pos += n;
            } while (pos < c.Length);
            crc = ~crc;
            for (int k = 0; k < 32; k += 8) t.Byte((byte)(crc >> k));
            for (int k = 0; k < 32; k += 8) t.Byte((byte)((uint)c.Length >> k));
        }

        public static void Version(ref TextBuffer t) => t.Str("Linux version 6.1.0-compat (compat unikernel, C# NativeAOT) #1 SMP\n");
        /// <summary>The file system types this kernel knows, in Linux's registration order (/proc/filesystems and sysfs(2) list them); all are nodev.</summary>
        public const int FileSystemTypeCount = 8;
        public static string FileSystemType(int i) => i switch
        {
            0 => "sysfs", 1 => "tmpfs", 2 => "proc", 3 => "devtmpfs", 4 => "sockfs", 5 => "pipefs", 6 => "devpts", 7 => "mqueue",
            _ => null,
        };

        public static void Filesystems(ref TextBuffer t)
        {
            for (int i = 0; i < FileSystemTypeCount; i++) { t.Str("nodev\t"); t.Str(FileSystemType(i)); t.Byte((byte)'\n'); }
        }
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
        public static void CorePattern(ref TextBuffer t) => t.Str("core\n");
        // kernel.threads-max: twice the default RLIMIT_NPROC (4096), the relation Linux sets up at boot.
        public static void ThreadsMax(ref TextBuffer t) => t.Str("8192\n");
        public static void Zero(ref TextBuffer t) => t.Str("0\n");
        public static void AioNr(ref TextBuffer t) { t.Dec(AioContext.SystemNr); t.Byte((byte)'\n'); }
        public static void AioMaxNr(ref TextBuffer t) { t.Dec(AioContext.MaxNr); t.Byte((byte)'\n'); }
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
