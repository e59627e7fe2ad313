// process_vm_readv / process_vm_writev: copying between the caller's memory and another process's,
// through a kernel buffer, with the other process's page table loaded for its side of each chunk.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysProcessVm
    {
        private struct IoVec { public ulong Base, Len; }
        private const int Chunk = 4096, MaxIov = 1024;

        public static long Readv(SyscallFrame* f) => Transfer(f, false);
        public static long Writev(SyscallFrame* f) => Transfer(f, true);

        [System.Runtime.CompilerServices.SkipLocalsInit]
        private static long Transfer(SyscallFrame* f, bool write)
        {
            int pid = (int)f->A0;
            ulong liov = f->A1, lcnt = f->A2, riov = f->A3, rcnt = f->A4;
            if (f->A5 != 0 || lcnt > MaxIov || rcnt > MaxIov) return -Errno.EINVAL;
            Process target = Process.Find(pid);
            if (target == null || target.Map == null) return -Errno.ESRCH;
            if (!TaskAccess.May(target, false)) return -Errno.EPERM;
            MemoryMap mine = MemoryMap.Current, theirs = target.Map;
            byte* buf = stackalloc byte[Chunk];
            long total = 0;
            ulong li = 0, ri = 0, loff = 0, roff = 0;
            IoVec l = default, r = default;
            bool haveL = false, haveR = false;
            while (true)
            {
                while (!haveL && li < lcnt)
                {
                    if (UserMemory.Read(liov + li * 16, out l) != 0) return total > 0 ? total : -Errno.EFAULT;
                    li++; loff = 0; haveL = l.Len != 0;
                }
                while (!haveR && ri < rcnt)
                {
                    if (UserMemory.Read(riov + ri * 16, out r) != 0) return total > 0 ? total : -Errno.EFAULT;
                    ri++; roff = 0; haveR = r.Len != 0;
                }
                if (!haveL || !haveR) return total;
                ulong n = l.Len - loff < r.Len - roff ? l.Len - loff : r.Len - roff;
                if (n > Chunk) n = Chunk;
                long err;
                if (write)
                {
                    err = UserMemory.CopyFrom(buf, l.Base + loff, n);
                    if (err == 0) { MemoryMap.Activate(theirs); err = UserMemory.CopyTo(r.Base + roff, buf, n); MemoryMap.Activate(mine); }
                }
                else
                {
                    MemoryMap.Activate(theirs);
                    err = UserMemory.CopyFrom(buf, r.Base + roff, n);
                    MemoryMap.Activate(mine);
                    if (err == 0) err = UserMemory.CopyTo(l.Base + loff, buf, n);
                }
                if (err != 0) return total > 0 ? total : -Errno.EFAULT;
                total += (long)n;
                loff += n; roff += n;
                if (loff == l.Len) haveL = false;
                if (roff == r.Len) haveR = false;
            }
        }
    }
}
