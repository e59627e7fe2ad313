// The machine: syslog(2) (glibc's klogctl) reads the kernel log ring (kernel/core/KernelLog.cs,
// for dmesg); reboot(2) is the power switch.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysMachine
    {
        private const uint MAGIC1 = 0xfee1dead, MAGIC2 = 672274793, MAGIC2A = 85072278, MAGIC2B = 369367448, MAGIC2C = 537993216;
        private const uint CMD_RESTART = 0x01234567, CMD_HALT = 0xCDEF0123, CMD_CAD_ON = 0x89ABCDEF, CMD_CAD_OFF = 0,
            CMD_POWER_OFF = 0x4321FEDC, CMD_RESTART2 = 0xA1B2C3D4, CMD_SW_SUSPEND = 0xD000FCE2, CMD_KEXEC = 0x45584543;

        /// <summary>
        /// reboot: halt, power off and restart all end the machine (QEMU runs with -no-reboot), with
        /// status 0, as an init's shutdown would; Ctrl-Alt-Del settings are accepted.
        /// </summary>
        public static long Reboot(SyscallFrame* f)
        {
            uint magic = (uint)f->A0, magic2 = (uint)f->A1, cmd = (uint)f->A2;
            if (!Credentials.Current.Capable(Cap.SYS_BOOT)) return -Errno.EPERM;
            if (magic != MAGIC1 || (magic2 != MAGIC2 && magic2 != MAGIC2A && magic2 != MAGIC2B && magic2 != MAGIC2C)) return -Errno.EINVAL;
            switch (cmd)
            {
                case CMD_CAD_ON: case CMD_CAD_OFF: return 0;
                case CMD_RESTART: case CMD_RESTART2: case CMD_HALT: case CMD_POWER_OFF:
                    Log.WriteLine(cmd == CMD_POWER_OFF ? "compat: reboot(2): power off" : cmd == CMD_HALT ? "compat: reboot(2): halt" : "compat: reboot(2): restart (the machine powers off)");
                    Power.Off(0);
                    return 0;
                case CMD_KEXEC: return -Errno.EINVAL;                 // nothing loaded
                case CMD_SW_SUSPEND: return -Errno.ENOSYS;            // no hibernation
            }
            return -Errno.EINVAL;
        }

        private const int CLOSE = 0, OPEN = 1, READ = 2, READ_ALL = 3, READ_CLEAR = 4, CLEAR = 5, CONSOLE_OFF = 6,
            CONSOLE_ON = 7, CONSOLE_LEVEL = 8, SIZE_UNREAD = 9, SIZE_BUFFER = 10;

        public static long Syslog(SyscallFrame* f)
        {
            int type = (int)f->A0, len = (int)f->A2;
            // kernel.dmesg_restrict is 1: every action needs CAP_SYSLOG (or, historically, CAP_SYS_ADMIN).
            Credentials c = Credentials.Current;
            if (!c.Capable(Cap.SYSLOG) && !c.Capable(Cap.SYS_ADMIN)) return -Errno.EPERM;
            switch (type)
            {
                case CLOSE: case OPEN: case CONSOLE_OFF: case CONSOLE_ON: return 0;
                case CONSOLE_LEVEL: return len < 1 || len > 8 ? -Errno.EINVAL : 0;
                case SIZE_UNREAD: return KernelLog.Unread;
                case SIZE_BUFFER: return KernelLog.Size;
                case CLEAR: KernelLog.Clear(); return 0;
                case READ: case READ_ALL: case READ_CLEAR:
                    if (len < 0 || (f->A1 == 0 && len > 0)) return -Errno.EINVAL;
                    if (len == 0) return 0;
                    int max = len < KernelLog.Size ? len : KernelLog.Size;
                    byte* tmp = (byte*)Mm.KernelHeap.Alloc((ulong)max);
                    if (tmp == null) return -Errno.ENOMEM;
                    int n = type == READ ? KernelLog.Read(tmp, max) : KernelLog.ReadAll(tmp, max);
                    long r = n < 0 ? n : UserMemory.CopyTo(f->A1, tmp, (ulong)n) != 0 ? -Errno.EFAULT : n;
                    Mm.KernelHeap.Free(tmp);
                    if (type == READ_CLEAR && r >= 0) KernelLog.Clear();
                    return r;
            }
            return -Errno.EINVAL;
        }
    }
}
