// The one program the kernel runs: loads it from the root image, enters ring 3, and comes
// back here when it exits or is killed. Holds the per-process state syscalls need.
using Compat.Loader;
using Kernel.Arch;
using Kernel.Loader;
using Kernel.Memory;
using Kernel.Syscalls;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel
{
    internal struct KernelContext { public ulong Rbx, Rbp, R12, R13, R14, R15, Rsp; }

    internal struct SigAction { public ulong Handler, Flags, Restorer, Mask; }

    internal static unsafe class Process
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("enter_user")] private static extern int EnterUser(ulong rip, ulong rsp, KernelContext* ctx);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("exit_to_kernel")] private static extern void ExitToKernel(KernelContext* ctx, int status);

        public static int Pid = 1, Ppid = 0;
        private static KernelContext s_context;
        public static bool Running;

        public static ulong ClearChildTid, RobustList, RobustListLen, RseqArea;
        public static SigAction* Actions;        // [Signal.NSIG + 1]
        public static ulong SignalMask;
        public static ulong AltStackSp, AltStackSize; public static int AltStackFlags;
        public static ulong Umask = 0x12;
        public static byte* ExePath; public static ulong ExePathLen;
        public static ulong LoadBias;
        public static byte* Argv, Envp; public static ulong ArgvLength, EnvpLength;
        public static Vfs.Inode Cwd;

        private static void* VfsAlloc(ulong n) => Mm.KernelHeap.Alloc(n);
        private static void VfsFree(void* p) => Mm.KernelHeap.Free(p);
        private static void VfsFreeObject(object o) => Runtime.Allocator.Free(o);
        private static long VfsNow() => (long)SysTime.RealtimeNs();

        /// <summary>Builds the root file tree from the image, then /dev, /proc, /sys, /tmp.</summary>
        private static void InitFiles(byte* initrd, ulong initrdLength)
        {
            Vfs.VfsMemory.Alloc = &VfsAlloc;
            Vfs.VfsMemory.Free = &VfsFree;
            Vfs.VfsMemory.FreeObject = &VfsFreeObject;
            Vfs.FileSystem.Now = &VfsNow;
            Vfs.FileSystem.Init();
            int r = Vfs.FileSystem.LoadCpio(initrd, initrdLength);
            if (r < 0) { Log.Write("compat: the root image is not a valid cpio archive: "); Log.WriteLine(Errno.Name(-r)); }
            Fs.Devices.Init();
            SysFile.Init();
            Cwd = Vfs.FileSystem.Root;
            Cwd.OpenRef();
            Fs.MissingFiles.Enabled = CommandLine.Has("missing_files");
        }

        /// <summary>Loads the file at <paramref name="path"/> from the VFS: its bytes stay valid while the inode lives.</summary>
        public static long FindExecutable(byte* path, ulong len, out Vfs.Inode node)
        {
            int r = Vfs.FileSystem.Resolve(Vfs.FileSystem.Root, new System.ReadOnlySpan<byte>(path, (int)len), true, out node);
            if (r < 0) return r;
            if (node.IsDirectory) return -Errno.EACCES;
            if (!node.IsRegular) return -Errno.EACCES;
            return 0;
        }

        /// <summary>Runs /.compat/exe from the root image. Returns its exit status (128+signal if killed).</summary>
        public static int Run(byte* initrd, ulong initrdLength)
        {
            if (!CpioReader.Find(initrd, initrdLength, "/.compat/exe", out CpioEntry exeEntry))
            {
                Log.WriteLine("compat: no program in the root image (/.compat/exe missing); nothing to run");
                return 0;
            }
            CpioReader.Find(initrd, initrdLength, "/.compat/argv", out CpioEntry argvEntry);
            CpioReader.Find(initrd, initrdLength, "/.compat/envp", out CpioEntry envpEntry);
            Console.InitStdin(initrd, initrdLength);

            // The executable's path, NUL-terminated, for lookup and AT_EXECFN.
            ExePathLen = exeEntry.Size;
            while (ExePathLen > 0 && (exeEntry.Data[ExePathLen - 1] == '\n' || exeEntry.Data[ExePathLen - 1] == 0)) ExePathLen--;
            ExePath = (byte*)Mm.KernelHeap.Alloc(ExePathLen + 1);
            Mem.Copy(ExePath, exeEntry.Data, ExePathLen);
            ExePath[ExePathLen] = 0;

            Argv = argvEntry.Data; ArgvLength = argvEntry.Size;
            Envp = envpEntry.Data; EnvpLength = envpEntry.Size;
            InitFiles(initrd, initrdLength);
            long found = FindExecutable(ExePath, ExePathLen, out Vfs.Inode program);
            if (found < 0)
            {
                Log.Write("compat: program ");
                Log.WriteBytes(ExePath, ExePathLen);
                Log.Write(" not found in the root image (");
                Log.Write(Errno.Name((int)-found));
                Log.WriteLine(")");
                return 127;
            }

            AddressSpace.Init();
            Actions = (SigAction*)Mm.KernelHeap.Alloc((ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            long r = ElfLoader.Load(program.Data, (ulong)program.Size, out LoadedImage image, out ElfError elfError, out byte* interpPath);
            if (r < 0)
            {
                Log.Write("compat: cannot load ");
                Log.WriteBytes(ExePath, ExePathLen);
                Log.Write(": ");
                Log.WriteLine(elfError != ElfError.None ? ElfFile.Describe(elfError) : Errno.Name((int)-r));
                if (interpPath != null) { Log.Write("compat: (interpreter "); Log.WriteBytes(interpPath, Strlen(interpPath)); Log.WriteLine(")"); }
                return 126;
            }
            LoadBias = image.Bias;
            AddressSpace.BrkStart = AddressSpace.Brk = AddressSpace.PageUp(image.End);
            AddressSpace.Insert(AddressSpace.StackTop - AddressSpace.StackSize, AddressSpace.StackTop, Prot.Read | Prot.Write, Vma.Stack);

            image.Vdso = Vdso.Map();
            byte* random = stackalloc byte[16];
            Random.Fill(random, 16);
            int argc = CountStrings(argvEntry.Data, argvEntry.Size);
            int envc = CountStrings(envpEntry.Data, envpEntry.Size);
            ulong sp = InitialStack.Build(image, argvEntry.Data, argvEntry.Size, argc, envpEntry.Data, envpEntry.Size, envc,
                                          ExePath, ExePathLen + 1, random);
            if (sp == 0) { Log.WriteLine("compat: cannot build the initial stack"); return 126; }

            SysMisc.Init(argvEntry.Data, argvEntry.Size);
            SyscallDispatcher.Prepare();
            Running = true;
            int status;
            fixed (KernelContext* ctx = &s_context) status = EnterUser(image.Entry, sp, ctx);
            Running = false;
            return status;
        }

        private static ulong Strlen(byte* p) { ulong n = 0; while (p[n] != 0) n++; return n; }

        private static int CountStrings(byte* p, ulong len)
        {
            int n = 0;
            for (ulong i = 0; i < len; i++) if (p[i] == 0) n++;
            return n;
        }

        /// <summary>
        /// Ends the program with an exit status. For the first program this never returns. For a forked
        /// child it returns, and the syscall or fault path must return at once: the parent resumes.
        /// </summary>
        public static void Exit(int status)
        {
            if (Fork.HasParent) { Fork.ChildEnded((status & 0xFF) << 8); return; }
            fixed (KernelContext* ctx = &s_context) ExitToKernel(ctx, status);
        }

        /// <summary>Kills the program with a signal's default action (terminate), as the shell reports it: 128+sig.</summary>
        public static void Kill(int sig)
        {
            Log.Write("compat: ");
            if (Fork.HasParent) { Log.Write("child process "); Log.Dec((long)Pid); Log.Write(" "); }
            Log.Write("killed by signal ");
            Log.Dec(sig);
            Log.Write(" (");
            Log.Write(Signal.Name(sig));
            Log.WriteLine(")");
            if (Fork.HasParent) { Fork.ChildEnded(sig); return; }
            Exit(128 + sig);
        }

        /// <summary>A CPU exception raised by user code: demand paging, else the matching signal.</summary>
        public static void OnUserFault(InterruptFrame* f)
        {
            ulong v = f->Vector;
            if (v == 14)
            {
                ulong addr = Native.ReadCr2();
                bool write = (f->ErrorCode & 2) != 0, exec = (f->ErrorCode & 16) != 0;
                AddressSpace.OutOfMemory = false;
                if ((f->ErrorCode & 1) == 0 && AddressSpace.HandleFault(addr, write, exec)) return;
                if (AddressSpace.OutOfMemory)
                {
                    // What Linux's OOM killer would do: SIGKILL, with the reason in the log.
                    Log.Write("compat: out of memory: no free page for address ");
                    Log.Hex(addr);
                    Log.Write(" (");
                    Log.Dec(Mm.TotalRam >> 20);
                    Log.WriteLine(" MiB of RAM; give more with ops run -m)");
                    Kill(Signal.SIGKILL);
                    return;
                }
            }
            int sig = v switch
            {
                0 => Signal.SIGFPE, 16 => Signal.SIGFPE, 19 => Signal.SIGFPE,
                1 => Signal.SIGTRAP, 3 => Signal.SIGTRAP,
                6 => Signal.SIGILL,
                17 => Signal.SIGBUS,
                _ => Signal.SIGSEGV,
            };
            ulong faultAddr = v == 14 ? Native.ReadCr2() : f->Rip;
            // SEGV_ACCERR when a region covers the address (wrong rights), else SEGV_MAPERR.
            int siCode = v == 14 ? (AddressSpace.Find(faultAddr) >= 0 ? 2 : 1) : 1;
            if (SignalDelivery.DeliverFault(f, sig, siCode, faultAddr)) return;
            Interrupts.Report(f, "user fault");
            Log.Write("compat: fault in program ");
            Log.WriteBytes(ExePath, ExePathLen);
            Log.Write(" at RIP ");
            Log.Hex(f->Rip);
            if (v == 14) { Log.Write(", address "); Log.Hex(Native.ReadCr2()); }
            Log.Write(", load bias ");
            Log.Hex(LoadBias);
            Log.Write("\n");
            // The bytes at RIP let ops disassemble even code that is not in the file (JIT, libraries).
            byte* code = stackalloc byte[16];
            if (UserMemory.CopyFrom(code, f->Rip, 16) == 0)
            {
                Log.Write("compat: code at RIP:");
                for (int i = 0; i < 16; i++) { Log.Char(' '); Log.Char("0123456789abcdef"[code[i] >> 4]); Log.Char("0123456789abcdef"[code[i] & 15]); }
                Log.Write("\n");
            }
            Kill(sig);
        }
    }
}
