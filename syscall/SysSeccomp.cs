// seccomp: strict mode and classic-BPF filters over struct seccomp_data, run before every system
// call of a thread that has them (a thread without pays one field test). Filters stack, are
// inherited by clone/fork and kept across execve; the most restrictive verdict of the stack wins,
// as on Linux. No listener (USER_NOTIF) and no tracer (TRACE): those calls fail with ENOSYS.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal sealed class SeccompFilter
    {
        public ulong[] Program;                 // sock_filter: code | jt << 16 | jf << 24 | k << 32
        public SeccompFilter Previous;          // the filters installed before this one (this one holds a reference)
        public bool Log;
        public int Refs = 1;                    // threads whose newest filter this is, and filters installed after it

        /// <summary>A thread or a newer filter lets go; filters nobody holds are freed down the chain.</summary>
        public static void Release(SeccompFilter f)
        {
            while (f != null && --f.Refs == 0)
            {
                SeccompFilter before = f.Previous;
                Runtime.Allocator.Free(f.Program);
                Runtime.Allocator.Free(f);
                f = before;
            }
        }
    }

    internal static unsafe class SysSeccomp
    {
        public const int ModeNone = 0, ModeStrict = 1, ModeFilter = 2;
        private const int SECCOMP_SET_MODE_STRICT = 0, SECCOMP_SET_MODE_FILTER = 1, SECCOMP_GET_ACTION_AVAIL = 2, SECCOMP_GET_NOTIF_SIZES = 3;
        private const uint FLAG_TSYNC = 1, FLAG_LOG = 2, FLAG_SPEC_ALLOW = 4, FLAG_NEW_LISTENER = 8, FLAG_TSYNC_ESRCH = 16, FLAG_WAIT_KILLABLE_RECV = 32;
        public const uint RET_KILL_PROCESS = 0x80000000, RET_KILL_THREAD = 0, RET_TRAP = 0x00030000, RET_ERRNO = 0x00050000,
            RET_USER_NOTIF = 0x7fc00000, RET_TRACE = 0x7ff00000, RET_LOG = 0x7ffc0000, RET_ALLOW = 0x7fff0000;
        private const uint RET_ACTION_FULL = 0xffff0000, RET_DATA = 0x0000ffff;
        private const uint AUDIT_ARCH_X86_64 = 0xC000003E;
        private const int MaxInstructions = 4096, DataSize = 64;

        // Classic BPF opcodes (linux/filter.h).
        private const int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
        private const int W = 0x00, ABS = 0x20, IMM = 0x00, MEM = 0x60, LEN = 0x80;
        private const int K = 0x00, X = 0x08, A = 0x10;

        public static long Seccomp(SyscallFrame* f) => Operation((int)f->A0, (uint)f->A1, f->A2);

        public static long Operation(int op, uint flags, ulong args)
        {
            switch (op)
            {
                case SECCOMP_SET_MODE_STRICT:
                    if (flags != 0 || args != 0) return -Errno.EINVAL;
                    return SetStrict();
                case SECCOMP_SET_MODE_FILTER:
                    return SetFilter(flags, args);
                case SECCOMP_GET_ACTION_AVAIL:
                    if (flags != 0) return -Errno.EINVAL;
                    if (UserMemory.Read(args, out uint action) != 0) return -Errno.EFAULT;
                    return action == RET_KILL_PROCESS || action == RET_KILL_THREAD || action == RET_TRAP || action == RET_ERRNO ||
                           action == RET_USER_NOTIF || action == RET_TRACE || action == RET_LOG || action == RET_ALLOW ? 0 : -Errno.EOPNOTSUPP;
                case SECCOMP_GET_NOTIF_SIZES:
                    if (flags != 0) return -Errno.EINVAL;
                    ushort* sizes = stackalloc ushort[3];
                    sizes[0] = 80; sizes[1] = 24; sizes[2] = DataSize;
                    return UserMemory.CopyTo(args, sizes, 6) != 0 ? -Errno.EFAULT : 0;
            }
            return -Errno.EINVAL;
        }

        private static long SetStrict()
        {
            Thread t = Thread.Current;
            if (t.SeccompMode == ModeFilter) return -Errno.EINVAL;
            t.SeccompMode = ModeStrict;
            return 0;
        }

        private struct Fprog { public ushort Len; public ushort Pad0; public uint Pad1; public ulong Filter; }

        private static long SetFilter(uint flags, ulong args)
        {
            if ((flags & ~(FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW | FLAG_NEW_LISTENER | FLAG_TSYNC_ESRCH | FLAG_WAIT_KILLABLE_RECV)) != 0) return -Errno.EINVAL;
            if ((flags & FLAG_NEW_LISTENER) != 0) return -Errno.EINVAL;            // no user-space notification here
            Thread t = Thread.Current;
            if (t.SeccompMode == ModeStrict) return -Errno.EINVAL;
            if (UserMemory.Read(args, out Fprog prog) != 0) return -Errno.EFAULT;
            if (prog.Len == 0 || prog.Len > MaxInstructions) return -Errno.EINVAL;
            var insns = new ulong[prog.Len];
            fixed (ulong* p = insns)
                if (UserMemory.CopyFrom(p, prog.Filter, (ulong)prog.Len * 8) != 0) { Runtime.Allocator.Free(insns); return -Errno.EFAULT; }
            if (!Check(insns)) { Runtime.Allocator.Free(insns); return -Errno.EINVAL; }
            // Linux's MAX_INSNS_PER_PATH: every filter on the stack counts, with 4 instructions of overhead each.
            long total = insns.Length + 4;
            for (SeccompFilter s = t.Seccomp; s != null; s = s.Previous) total += s.Program.Length + 4;
            if (total > 32768) { Runtime.Allocator.Free(insns); return -Errno.ENOMEM; }
            var filter = new SeccompFilter { Program = insns, Previous = t.Seccomp, Log = (flags & FLAG_LOG) != 0 };
            if ((flags & FLAG_TSYNC) != 0)
            {
                // Every thread of the process gets the new stack (each must have had ours beneath it).
                for (Thread o = t.Process.Threads; o != null; o = o.ProcessNext)
                    if (o != t && o.Seccomp != t.Seccomp && !IsAncestor(o.Seccomp, t.Seccomp))
                    {
                        Runtime.Allocator.Free(insns); Runtime.Allocator.Free(filter);
                        return (flags & FLAG_TSYNC_ESRCH) != 0 ? -Errno.ESRCH : o.Tid;
                    }
                for (Thread o = t.Process.Threads; o != null; o = o.ProcessNext)
                {
                    if (o == t) continue;
                    filter.Refs++;
                    SeccompFilter.Release(o.Seccomp);
                    o.Seccomp = filter;
                    o.SeccompMode = ModeFilter;
                }
            }
            t.Seccomp = filter;                                   // the thread's reference to the old head passes to filter.Previous
            t.SeccompMode = ModeFilter;
            return 0;
        }

        private static bool IsAncestor(SeccompFilter a, SeccompFilter of)
        {
            for (SeccompFilter x = of; x != null; x = x.Previous) if (x == a) return true;
            return a == null;
        }

        private static int Code(ulong i) => (int)(i & 0xFFFF);
        private static int Jt(ulong i) => (int)((i >> 16) & 0xFF);
        private static int Jf(ulong i) => (int)((i >> 24) & 0xFF);
        private static uint Kv(ulong i) => (uint)(i >> 32);

        /// <summary>The checks Linux makes: only the instructions seccomp allows, aligned loads inside seccomp_data, jumps forward within the program, a return at the end.</summary>
        private static bool Check(ulong[] prog)
        {
            int n = prog.Length;
            for (int pc = 0; pc < n; pc++)
            {
                ulong i = prog[pc];
                int code = Code(i);
                uint k = Kv(i);
                switch (code)
                {
                    case LD | W | ABS:
                        if ((k & 3) != 0 || k >= DataSize) return false;
                        break;
                    case LD | W | LEN: case LDX | W | LEN: case LD | IMM: case LDX | IMM: case MISC | 0x00: case MISC | 0x80:
                    case RET | K: case RET | A:
                        break;
                    case LD | MEM: case LDX | MEM: case ST: case STX:
                        if (k >= 16) return false;
                        break;
                    case ALU | 0x00 | K: case ALU | 0x00 | X: case ALU | 0x10 | K: case ALU | 0x10 | X: case ALU | 0x20 | K: case ALU | 0x20 | X:
                    case ALU | 0x40 | K: case ALU | 0x40 | X: case ALU | 0x50 | K: case ALU | 0x50 | X: case ALU | 0x60 | K: case ALU | 0x60 | X:
                    case ALU | 0x70 | K: case ALU | 0x70 | X: case ALU | 0xa0 | K: case ALU | 0xa0 | X: case ALU | 0x80:
                        break;
                    case ALU | 0x30 | K: case ALU | 0x90 | K:                          // DIV, MOD by a constant zero
                        if (k == 0) return false;
                        break;
                    case ALU | 0x30 | X: case ALU | 0x90 | X:
                        break;
                    case JMP | 0x00:                                                   // JA
                        if ((ulong)pc + 1 + k >= (ulong)n) return false;
                        break;
                    case JMP | 0x10 | K: case JMP | 0x10 | X: case JMP | 0x20 | K: case JMP | 0x20 | X:
                    case JMP | 0x30 | K: case JMP | 0x30 | X: case JMP | 0x40 | K: case JMP | 0x40 | X:
                        if (pc + 1 + Jt(i) >= n || pc + 1 + Jf(i) >= n) return false;
                        break;
                    default:
                        return false;
                }
            }
            int last = Code(prog[n - 1]);
            return last == (RET | K) || last == (RET | A);
        }

        /// <summary>Runs one program over seccomp_data; its return value.</summary>
        private static uint Run(ulong[] prog, byte* data)
        {
            uint a = 0, x = 0;
            uint* m = stackalloc uint[16];
            for (int i = 0; i < 16; i++) m[i] = 0;
            int pc = 0;
            while (pc < prog.Length)
            {
                ulong ins = prog[pc++];
                int code = Code(ins);
                uint k = Kv(ins);
                uint src = (code & X) != 0 ? x : k;
                switch (code & 0x07)
                {
                    case LD:
                        a = (code & 0xe0) == ABS ? *(uint*)(data + k) : (code & 0xe0) == LEN ? DataSize : (code & 0xe0) == MEM ? m[k] : k;
                        break;
                    case LDX:
                        x = (code & 0xe0) == LEN ? DataSize : (code & 0xe0) == MEM ? m[k] : k;
                        break;
                    case ST: m[k] = a; break;
                    case STX: m[k] = x; break;
                    case ALU:
                        switch (code & 0xf0)
                        {
                            case 0x00: a += src; break;
                            case 0x10: a -= src; break;
                            case 0x20: a *= src; break;
                            case 0x30: if (src == 0) return 0; a /= src; break;   // division by zero: the program returns 0 (kill)
                            case 0x40: a |= src; break;
                            case 0x50: a &= src; break;
                            case 0x60: a = src >= 32 ? 0 : a << (int)src; break;
                            case 0x70: a = src >= 32 ? 0 : a >> (int)src; break;
                            case 0x80: a = (uint)-(int)a; break;
                            case 0x90: if (src == 0) return 0; a %= src; break;
                            case 0xa0: a ^= src; break;
                        }
                        break;
                    case JMP:
                        switch (code & 0xf0)
                        {
                            case 0x00: pc += (int)k; break;
                            case 0x10: pc += a == src ? Jt(ins) : Jf(ins); break;
                            case 0x20: pc += a > src ? Jt(ins) : Jf(ins); break;
                            case 0x30: pc += a >= src ? Jt(ins) : Jf(ins); break;
                            case 0x40: pc += (a & src) != 0 ? Jt(ins) : Jf(ins); break;
                        }
                        break;
                    case RET:
                        return (code & 0x18) == A ? a : k;
                    case MISC:
                        if ((code & 0xf8) == 0) x = a; else a = x;                  // TAX, TXA
                        break;
                }
            }
            return RET_KILL_PROCESS;                                               // cannot happen: Check requires a return
        }

        /// <summary>
        /// Before a system call: 0 to go on, else the call is not made and <paramref name="result"/>
        /// is what it returns (a signal or the end of the process may come with it).
        /// </summary>
        public static bool Blocks(Thread t, ulong nr, SyscallFrame* f, out long result)
        {
            result = 0;
            if (t.SeccompMode == ModeStrict)
            {
                if (nr == Nr.read || nr == Nr.write || nr == Nr.exit || nr == Nr.rt_sigreturn) return false;
                Process.Kill(Signal.SIGKILL);
                return true;
            }
            byte* data = stackalloc byte[DataSize];
            *(int*)data = (int)nr;
            *(uint*)(data + 4) = AUDIT_ARCH_X86_64;
            *(ulong*)(data + 8) = f->Rip - 2;                                      // the syscall instruction
            ulong* args = (ulong*)(data + 16);
            args[0] = f->A0; args[1] = f->A1; args[2] = f->A2; args[3] = f->A3; args[4] = f->A4; args[5] = f->A5;
            uint verdict = RET_ALLOW;
            for (SeccompFilter s = t.Seccomp; s != null; s = s.Previous)
            {
                uint r = Run(s.Program, data);
                if ((int)(r & RET_ACTION_FULL) < (int)(verdict & RET_ACTION_FULL)) verdict = r;
            }
            uint action = verdict & RET_ACTION_FULL, value = verdict & RET_DATA;
            switch (action)
            {
                case RET_ALLOW: case RET_LOG:
                    return false;
                case RET_ERRNO:
                    result = -(long)(value > 4095 ? 4095 : value);
                    return true;
                case RET_TRAP:
                    var si = new SigInfo { Code = 1 /* SYS_SECCOMP */, Pid = (int)nr, Uid = unchecked((int)AUDIT_ARCH_X86_64), Status = (int)value, Addr = f->Rip - 2, HasAddr = true };
                    SignalDelivery.Force(t, 31 /* SIGSYS */, si);
                    result = -Errno.ENOSYS;
                    return true;
                case RET_TRACE: case RET_USER_NOTIF:
                    result = -Errno.ENOSYS;                                        // no tracer, no listener
                    return true;
                default:                                                           // KILL_THREAD, KILL_PROCESS and unknown actions
                    Log.Write("compat: seccomp killed the process at system call ");
                    Log.Dec(nr);
                    Log.Write("\n");
                    Process.Kill(Signal.SIGSYS);
                    return true;
            }
        }
    }
}
