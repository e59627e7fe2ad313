// execve: replace the running program with another from the VFS (ELF, or a "#!" script through
// its interpreter). What Linux checks before the point of no return is checked before the old
// image is torn down, with Linux's errnos; a program that passes and still cannot be loaded (a
// segment in the kernel half, say) is killed with SIGSEGV afterwards, as on Linux.
using Compat.Loader;
using Kernel.Fs;
using Kernel.Loader;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    /// <summary>The path, argv and envp of an exec'd image in one block (/proc/self/cmdline, exe...), shared by forks.</summary>
    internal sealed unsafe class ExecStrings
    {
        public byte* Path, Argv, Envp;
        public int Refs = 1;

        public static ExecStrings Create(byte* path, int pathLen, byte* argv, int argvLen, byte* envp, int envpLen)
        {
            byte* b = (byte*)Mm.KernelHeap.Alloc((ulong)(pathLen + 1 + argvLen + envpLen));
            if (b == null) return null;
            var s = new ExecStrings { Path = b, Argv = b + pathLen + 1, Envp = b + pathLen + 1 + argvLen };
            Mem.Copy(s.Path, path, (ulong)pathLen + 1);
            Mem.Copy(s.Argv, argv, (ulong)argvLen);
            Mem.Copy(s.Envp, envp, (ulong)envpLen);
            return s;
        }

        public void Release()
        {
            if (--Refs > 0) return;
            Mm.KernelHeap.Free(Path);
            Runtime.Allocator.Free(this);
        }
    }

    internal static unsafe class Exec
    {
        private const int MaxArgBytes = 256 * 1024;
        private static int s_argCapacity, s_envCapacity;     // sizes of this exec's buffers (one CPU: no race)

        /// <summary>Copies a NULL-terminated user array of strings into one NUL-separated buffer (optionally after a prefix list).</summary>
        private static long CopyStrings(ulong userArray, byte* dst, int capacity, int used, out int count, out int length, int skip)
        {
            count = 0;
            length = used;
            if (userArray == 0) return 0;
            for (int i = 0; ; i++)
            {
                if (UserMemory.Read(userArray + (ulong)i * 8, out ulong ptr) != 0) return -Errno.EFAULT;
                if (ptr == 0) return 0;
                if (i < skip) continue;
                long n = UserMemory.StringLength(ptr, 131072);
                if (n < 0) return n == -Errno.ENAMETOOLONG ? -Errno.E2BIG : n;
                if (length + n + 1 > capacity) return -Errno.E2BIG;
                if (UserMemory.CopyFrom(dst + length, ptr, (ulong)n) != 0) return -Errno.EFAULT;
                dst[length + n] = 0;
                length += (int)n + 1;
                count++;
            }
        }

        /// <summary>Bytes a NULL-terminated user array of strings takes with its NULs, or -errno (E2BIG past the limit).</summary>
        private static long MeasureStrings(ulong userArray)
        {
            if (userArray == 0) return 0;
            long total = 0;
            for (int i = 0; ; i++)
            {
                if (UserMemory.Read(userArray + (ulong)i * 8, out ulong ptr) != 0) return -Errno.EFAULT;
                if (ptr == 0) return total;
                long n = UserMemory.StringLength(ptr, 131072);
                if (n < 0) return n == -Errno.ENAMETOOLONG ? -Errno.E2BIG : n;
                total += n + 1;
                if (total > MaxArgBytes) return -Errno.E2BIG;
            }
        }

        private static int Append(byte* dst, int at, byte* s, int n)
        {
            for (int i = 0; i < n; i++) dst[at + i] = s[i];
            dst[at + n] = 0;
            return at + n + 1;
        }

        public static long Execve(SyscallFrame* f) => Run(f, SysFile.AT_FDCWD, f->A0, f->A1, f->A2, 0);
        public static long Execveat(SyscallFrame* f) =>
            ((int)f->A4 & ~(0x100 | 0x1000)) != 0 ? -Errno.EINVAL                 // only AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH
            : Run(f, (int)f->A0, f->A1, f->A2, f->A3, (int)f->A4);

        private static long Run(SyscallFrame* f, int dirfd, ulong userPath, ulong userArgv, ulong userEnvp, int flags)
        {
            // Buffers of the size the strings need (each "#!" level adds up to two words and a path):
            // big fixed buffers cost a search for contiguous frames on every exec.
            long argBytes = MeasureStrings(userArgv), envBytes = MeasureStrings(userEnvp);
            if (argBytes < 0) return argBytes;
            if (envBytes < 0) return envBytes;
            s_argCapacity = (int)argBytes + 6 * (2 * ShebangBuffer + SysFile.PathMax + 4);
            s_envCapacity = (int)envBytes + 1;
            byte* path = (byte*)Mm.KernelHeap.Alloc(SysFile.PathMax + 1);
            byte* argv = (byte*)Mm.KernelHeap.Alloc((ulong)s_argCapacity);
            byte* envp = (byte*)Mm.KernelHeap.Alloc((ulong)s_envCapacity);
            if (path == null || argv == null || envp == null)
            {
                if (path != null) Mm.KernelHeap.Free(path);
                if (argv != null) Mm.KernelHeap.Free(argv);
                if (envp != null) Mm.KernelHeap.Free(envp);
                return -Errno.ENOMEM;
            }
            long r = Prepare(dirfd, userPath, userArgv, userEnvp, flags, path, argv, envp, out Vfs.Inode node,
                             out int pathLen, out int argc, out int argvLen, out int envc, out int envpLen, out byte* image, out byte* copy);
            if (r < 0)
            {
                Mm.KernelHeap.Free(path); Mm.KernelHeap.Free(argv); Mm.KernelHeap.Free(envp);
                return r;
            }
            // The node stays alive until the image is loaded, even if closing O_CLOEXEC descriptors
            // drops the last reference to an unlinked file (fexecve of a deleted file or a memfd).
            node.OpenRef();
            r = Replace(f, node, image, path, pathLen, argv, argc, argvLen, envp, envc, envpLen);
            Vfs.FileSystem.FreeContiguous(copy);     // the loader copied the segments into pages
            node.CloseRef();
            return r;
        }

        // The program Prepare found is on a nosuid mount (read by Replace before anything can run in between).
        private static bool s_noSuid;

        /// <summary>
        /// The credentials a new program runs with (security/commoncap.c cap_bprm_creds_from_file, no
        /// file capabilities): the set-user-ID and set-group-ID bits take effect unless the mount is
        /// nosuid or no_new_privs is set; root (real or effective) gets the bounding and inheritable
        /// sets as permitted, everyone else only the ambient set; KEEP_CAPS ends; the process is
        /// dumpable again unless the program was unreadable or the ids differ. Returns AT_SECURE.
        /// </summary>
        private static bool ExecCredentials(Vfs.Inode node)
        {
            Thread self = Thread.Current;
            Credentials old = self.Cred;
            Credentials n = old.Copy();
            if (!s_noSuid && !self.NoNewPrivs)
            {
                if ((node.Mode & 0x800) != 0) n.Euid = node.Uid;
                if ((node.Mode & 0x408) == 0x408) n.Egid = node.Gid;
            }
            bool effective = false;
            n.CapPrm = 0;
            if ((old.Securebits & Credentials.SECBIT_NOROOT) == 0)
            {
                if (n.Euid == 0 || n.Uid == 0) n.CapPrm = old.CapBnd | old.CapInh;
                effective = n.Euid == 0;
            }
            bool setid = n.Euid != old.Uid || n.Egid != old.Gid;
            bool tracedUnsafe = self.Tracer != null && self.Tracer.Threads != null && !self.Tracer.Threads.Cred.Capable(Cap.SYS_PTRACE);
            if ((setid || (n.CapPrm & ~old.CapPrm) != 0) && (self.NoNewPrivs || tracedUnsafe))
            {
                // Nothing more than the caller had.
                if (!old.Capable(Cap.SETUID) || self.NoNewPrivs) { n.Euid = n.Uid; n.Egid = n.Gid; }
                n.CapPrm &= old.CapPrm;
            }
            n.Suid = n.Fsuid = n.Euid;
            n.Sgid = n.Fsgid = n.Egid;
            if (setid) n.CapAmb = 0;
            n.CapPrm |= n.CapAmb;
            n.CapEff = effective ? n.CapPrm : n.CapAmb;
            n.Securebits &= ~Credentials.SECBIT_KEEP_CAPS;
            bool readable = Perm.Check(old, node, Perm.MAY_READ) == 0;   // would_dump: an unreadable program is not dumpable
            Credentials.Commit(n);
            self.Process.Dumpable = readable && n.Euid == n.Uid && n.Egid == n.Gid ? 1 : 0;
            return setid || (n.Uid != 0 && (effective || (n.CapPrm & ~n.CapAmb) != 0));
        }

        /// <summary>The file the last walk found is on a noexec mount.</summary>
        private static bool NoExecMount() => Vfs.FileSystem.WalkMount != null && (Vfs.FileSystem.WalkMount.Flags & Vfs.Mount.NoExec) != 0;

        private static long Prepare(int dirfd, ulong userPath, ulong userArgv, ulong userEnvp, int flags, byte* path, byte* argv, byte* envp,
                                    out Vfs.Inode node, out int pathLen, out int argc, out int argvLen, out int envc, out int envpLen,
                                    out byte* image, out byte* copy)
        {
            node = null; argc = argvLen = envc = envpLen = 0;
            image = copy = null;
            pathLen = SysFile.CopyPath(userPath, path);
            if (pathLen < 0) return pathLen;
            int r = SysFile.LookupPath(dirfd, path, pathLen, true, (flags & SysFile.AT_EMPTY_PATH) != 0, out node);
            if (r < 0) return r;
            if (node.IsDirectory || !node.IsRegular) return -Errno.EACCES;
            if (NoExecMount()) return -Errno.EACCES;
            r = Perm.Check(node, Perm.MAY_EXEC);
            if (r < 0) return r;
            long e = CopyStrings(userEnvp, envp, s_envCapacity, 0, out envc, out envpLen, 0);
            if (e < 0) return e;
            e = CopyStrings(userArgv, argv, s_argCapacity, 0, out argc, out argvLen, 0);
            if (e < 0) return e;

            // "#!interpreter [arg]": the interpreter runs with the script's path in argv, and may be
            // a script itself (Linux's exec_binprm: at most six handlers in a row, then ELOOP).
            byte* d = stackalloc byte[ShebangBuffer];
            for (int depth = 0; ; depth++)
            {
                if (depth > 5) return -Errno.ELOOP;
                Mem.Zero(d, ShebangBuffer);
                long got = Vfs.FileSystem.Read(node, 0, new System.Span<byte>(d, ShebangBuffer));
                if (got < 2 || d[0] != '#' || d[1] != '!') break;
                e = ParseShebang(d, out int name, out int nameLen, out int arg, out int argLen);
                if (e < 0) return e;
                e = ArgvForInterpreter(argv, ref argc, ref argvLen, d + name, nameLen, d + arg, argLen, path, pathLen);
                if (e < 0) return e;
                // The interpreter becomes the program; it is looked up from the cwd, as open_exec does.
                pathLen = nameLen;
                for (int k = 0; k < pathLen; k++) path[k] = d[name + k];
                path[pathLen] = 0;
                r = Vfs.FileSystem.Resolve(Process.Current.Cwd, new System.ReadOnlySpan<byte>(path, pathLen), true, out node);
                if (r < 0) { MissingFiles.Record(path, pathLen); return r; }
                if (!node.IsRegular || NoExecMount()) return -Errno.EACCES;
                r = Perm.Check(node, Perm.MAY_EXEC);
                if (r < 0) return r;
            }
            s_noSuid = Vfs.FileSystem.WalkMount != null && (Vfs.FileSystem.WalkMount.Flags & Vfs.Mount.NoSuid) != 0;
            // The ELF loader wants the file in one block: the initrd's bytes, or a copy of a file
            // written at run time (chunked), freed by Run once the image is loaded.
            if (node.WriteCount > 0) return -Errno.ETXTBSY;          // open for writing somewhere (deny_write_access)
            image = Vfs.FileSystem.Contiguous(node, out copy);
            if (image == null) return node.Size > 0 ? -Errno.ENOMEM : -Errno.ENOEXEC;
            long bad = ElfFile.CheckForExec(image, (ulong)node.Size, out ulong interpAt, out int interpLen) switch
            {
                ExecCheck.Ok => 0,
                ExecCheck.ShortRead => -Errno.EIO,
                _ => -Errno.ENOEXEC,
            };
            if (bad == 0 && interpLen > 0) bad = CheckInterpreter(image + interpAt, interpLen);
            if (bad < 0) { Vfs.FileSystem.FreeContiguous(copy); image = copy = null; }
            return bad;
        }

        /// <summary>The bytes of a "#!" line execve reads (Linux's BINPRM_BUF_SIZE).</summary>
        private const int ShebangBuffer = 256;

        private static bool SpaceTab(byte c) => c == ' ' || c == '\t';
        private static bool Terminator(byte c) => c == ' ' || c == '\t' || c == 0;

        /// <summary>
        /// Splits a "#!" line (<paramref name="d"/>, zero-padded) as Linux's binfmt_script: the
        /// interpreter ends at a space, tab or NUL; everything after it up to the newline, trimmed,
        /// is one argument. An interpreter name that runs to the end of the buffer without a
        /// newline might be truncated, so it is refused (ENOEXEC), as is an empty one.
        /// </summary>
        private static long ParseShebang(byte* d, out int name, out int nameLen, out int arg, out int argLen)
        {
            name = nameLen = arg = argLen = 0;
            const int bufEnd = ShebangBuffer - 1;
            int end = 0;
            while (end < ShebangBuffer && d[end] != '\n') end++;
            if (end == ShebangBuffer)
            {
                int first = 2;
                while (first < bufEnd && SpaceTab(d[first])) first++;
                if (first == bufEnd) return -Errno.ENOEXEC;             // only spaces and tabs
                int t = first;
                while (t < bufEnd && !Terminator(d[t])) t++;
                if (t == bufEnd) return -Errno.ENOEXEC;                 // the name may be cut short
                end = bufEnd;
            }
            while (end > 2 && SpaceTab(d[end - 1])) end--;
            int n = 2;
            while (n < end && SpaceTab(d[n])) n++;
            if (n >= end) return -Errno.ENOEXEC;                        // no interpreter name
            int sep = n;
            while (sep < end && !Terminator(d[sep])) sep++;
            name = n;
            nameLen = sep - n;
            if (sep < end && d[sep] != 0)
            {
                int a = sep;
                while (a < end && SpaceTab(d[a])) a++;
                if (a < end) { arg = a; argLen = end - a; }
            }
            return 0;
        }

        /// <summary>
        /// argv for the interpreter of a script: "interpreter [arg] script" and then the old argv
        /// without its first word (binfmt_script's remove_arg_zero). E2BIG past the buffer.
        /// </summary>
        private static long ArgvForInterpreter(byte* argv, ref int argc, ref int argvLen, byte* name, int nameLen, byte* arg, int argLen,
                                               byte* script, int scriptLen)
        {
            int first = 0;
            if (argc > 0) { while (argv[first] != 0) first++; first++; }
            int rest = argvLen - first;
            int prefix = nameLen + 1 + (argLen > 0 ? argLen + 1 : 0) + scriptLen + 1;
            if (prefix + rest > s_argCapacity) return -Errno.E2BIG;
            Mem.Move(argv + prefix, argv + first, (ulong)rest);
            int at = Append(argv, 0, name, nameLen);
            if (argLen > 0) at = Append(argv, at, arg, argLen);
            Append(argv, at, script, scriptLen);
            argc = (argc > 0 ? argc - 1 : 0) + (argLen > 0 ? 3 : 2);
            argvLen = prefix + rest;
            return 0;
        }

        /// <summary>
        /// The program's PT_INTERP as Linux's open_exec and load_elf_binary see it before the point of
        /// no return: it must exist (ENOENT...), be a regular executable file (EACCES) not open for
        /// writing (ETXTBSY), hold a whole ELF header (EIO) and be an x86-64 ELF file with a sound
        /// program header table (ELIBBAD).
        /// </summary>
        private static long CheckInterpreter(byte* name, int nameLen)
        {
            long r = Process.FindExecutable(name, (ulong)nameLen, out Vfs.Inode node);
            if (r < 0) { if (r == -Errno.ENOENT) MissingFiles.Record(name, nameLen); return r; }
            if (NoExecMount()) return -Errno.EACCES;
            r = Perm.Check(node, Perm.MAY_EXEC);
            if (r < 0) return r;
            if (node.WriteCount > 0) return -Errno.ETXTBSY;
            byte* header = stackalloc byte[64];
            if (Vfs.FileSystem.Read(node, 0, new System.Span<byte>(header, 64)) != 64) return -Errno.EIO;
            return ElfFile.CheckInterpreter(header, (ulong)node.Size) == ExecCheck.Ok ? 0 : -Errno.ELIBBAD;
        }

        /// <summary>Point of no return: tear down the old image and start the new one in this syscall frame.</summary>
        private static long Replace(SyscallFrame* f, Vfs.Inode node, byte* file, byte* path, int pathLen, byte* argv, int argc, int argvLen,
                                    byte* envp, int envc, int envpLen)
        {
            Process p = Process.Current;
            Thread self = Thread.Current;
            // /proc/self/exe names the file itself, not the path used to reach it.
            int resolved = Vfs.FileSystem.GetPath(node, new System.Span<byte>(path, SysFile.PathMax));
            if (resolved > 0) { path[resolved] = 0; pathLen = resolved; }
            // The strings move to one block of their real size, which the process keeps (and its forks share).
            var strings = ExecStrings.Create(path, pathLen, argv, argvLen, envp, envpLen);
            Mm.KernelHeap.Free(path); Mm.KernelHeap.Free(argv); Mm.KernelHeap.Free(envp);
            if (strings == null) return -Errno.ENOMEM;
            path = strings.Path; argv = strings.Argv; envp = strings.Envp;
            // Robust futexes held by any thread are released in the old image (the others end after the map changes).
            for (Thread o = p.Threads; o != null; o = o.ProcessNext) RobustList.Release(o);
            // The other threads end (they go at their next return towards user mode, never into the new image).
            for (Thread o = p.Threads; o != null; o = o.ProcessNext)
            {
                if (o == self) continue;
                o.ExitRequested = true; o.ClearChildTid = 0; Scheduler.Interrupt(o);
                // A non-leader execs: as Linux, it takes the leader's id and the leader its own, and
                // the old leader goes without a report to a tracer (the exec event stands for it).
                if (o.Tid == p.Pid) { o.Tid = self.Tid; o.Tracer = null; o.PtraceReport = false; }
            }
            p.LeaderTracer = null;                    // a leader that ended first is replaced as well
            // A fresh address space; the old one goes (or stays with the vfork parent that lent it).
            MemoryMap fresh = MemoryMap.Create();
            if (fresh == null) { strings.Release(); return -Errno.ENOMEM; }
            p.NoteMaxRss();                                  // the old image's peak counts, as Linux's setmax_mm_hiwater_rss
            MemoryMap.ReleaseCurrent(fresh);
            p.Map = fresh;
            fresh.SetProgram(node);
            Fork.ReleaseVforkParent(p);
            SysTimer.DeleteAll(p);
            FdTable.CloseOnExec();
            SysKeys.OnExec(p, self);
            for (int sig = 1; sig <= Signal.NSIG; sig++)
                if (Process.Current.Actions[sig].Handler > 1) { Process.Current.Actions[sig].Handler = 0; Process.Current.Actions[sig].Flags = 0; }
            self.AltStackSp = self.AltStackSize = 0;
            self.AltStackFlags = 0;
            self.RseqArea = 0;
            self.ClearChildTid = self.RobustList = 0;
            if (p.Strings != null) p.Strings.Release();
            p.Strings = strings;
            self.Tid = p.Pid;                         // the thread that execs takes the process's id
            Process.Current.ExePath = path;
            Process.Current.ExePathLen = (ulong)pathLen;
            Process.Current.Argv = argv; Process.Current.ArgvLength = (ulong)argvLen;
            Process.Current.Envp = envp; Process.Current.EnvpLength = (ulong)envpLen;
            SysMisc.SetName(argv, (ulong)argvLen);
            p.ForkNoExec = false;
            InitialStack.Secure = ExecCredentials(node);
            Arch.Native.Wrmsr(0xC0000100, 0);
            Arch.Native.Wrmsr(0xC0000101, 0);

            long r = ElfLoader.Load(node, file, (ulong)node.Size, out LoadedImage image, out ElfError elfError, out byte* interp);
            if (r < 0)
            {
                Log.Write("compat: exec of ");
                Log.WriteBytes(path, (ulong)pathLen);
                Log.Write(" failed after the old image was gone: ");
                Log.WriteLine(elfError != ElfError.None ? ElfFile.Describe(elfError) : Errno.Name((int)-r));
                Process.Kill(Signal.SIGSEGV);                 // as Linux past the point of no return
                return 0;
            }
            Process.Current.LoadBias = image.Bias;
            AddressSpace.BrkStart = AddressSpace.Brk = AddressSpace.PageUp(image.End);
            AddressSpace.Insert(AddressSpace.StackTop - AddressSpace.StackSize, AddressSpace.StackTop, Prot.Read | Prot.Write, Vma.Stack);
            image.Vdso = Vdso.Map();
            byte* random = stackalloc byte[16];
            Random.Fill(random, 16);
            ulong sp = InitialStack.Build(image, argv, (ulong)argvLen, argc, envp, (ulong)envpLen, envc, path, (ulong)pathLen + 1, random);
            if (sp == 0) { Process.Kill(Signal.SIGSEGV); return 0; }

            // Start the new program: clean registers and a fresh FPU/SSE state.
            *f = default;
            f->Rip = image.Entry;
            f->Rsp = sp;
            f->Rflags = 0x202;
            Arch.SyscallFpu.Reset(Arch.SyscallFpu.Area(f));
            return 0;
        }
    }
}
