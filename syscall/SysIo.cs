// Terminal ioctls for the console (the descriptor-level calls live in SysFile.cs), and the console's
// job control: the console is one terminal; a session takes it as its controlling terminal (the
// program ops runs has it from the start when the host side is a terminal, TIOCSCTTY for another
// session leader), and one process group of that session is in the foreground (tcsetpgrp). A
// background group that reads gets SIGTTIN, one that writes with TOSTOP set, changes the modes or
// the foreground group gets SIGTTOU, as Linux's tty_check_change: EIO instead when the signal is
// ignored (reads) or the group is orphaned. The modes TCSETS sets are kept and TCGETS reports them;
// the console itself still cooks input its own way (see kernel/core/Console.cs).
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysIo
    {
        // ioctl requests (asm-generic/ioctls.h)
        private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCSCTTY = 0x540E,
            TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCNOTTY = 0x5422,
            TIOCGSID = 0x5429;
        private const uint TOSTOP = 0x100;
        private const int SIGTTIN = 21, SIGTTOU = 22;

        internal struct Termios
        {
            public uint Iflag, Oflag, Cflag, Lflag;
            public byte Line;
            public fixed byte Cc[19];
        }

        internal struct WinSize { public ushort Row, Col, XPixel, YPixel; }

        private static Termios s_modes;
        private static bool s_modesSet;
        private static WinSize s_winsize;

        /// <summary>The session the console is the controlling terminal of (0: none), and its foreground process group.</summary>
        public static int TtySid, TtyForeground;

        /// <summary>Boot: the first program's session has the console when the host side is a terminal.</summary>
        public static void AttachFirst(Process p)
        {
            p.HasCtty = Console.StdinTty;
            if (!p.HasCtty) return;
            TtySid = p.Sid;
            TtyForeground = p.Pgid;
        }

        private static bool Controls(Process p) => p.HasCtty && TtySid != 0 && p.Sid == TtySid;

        /// <summary>
        /// tty_check_change for the caller: 0 to go on, -ERESTARTSYS after signalling its background
        /// group with <paramref name="sig"/>, or -EIO (an ignored SIGTTIN, an orphaned group).
        /// </summary>
        public static long CheckBackground(int sig)
        {
            Process p = Process.Current;
            return Controls(p) ? CheckBackgroundOf(p, sig, TtyForeground) : 0;
        }

        /// <summary>The same check for a terminal whose foreground group is <paramref name="foreground"/> and which controls <paramref name="p"/> (pseudo-terminals).</summary>
        /// <summary>tcsetpgrp's checks on <paramref name="pgrp"/> (console and pseudo-terminals alike): a live
        /// group (ESRCH) of <paramref name="p"/>'s session (EPERM); 0 when it may become the foreground.</summary>
        public static long ForegroundCandidate(int pgrp, Process p)
        {
            if (pgrp < 0) return -Errno.EINVAL;
            bool exists = false, sameSession = false;
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Zombie || q.Pgid != pgrp) continue;
                exists = true;
                if (q.Sid == p.Sid) sameSession = true;
            }
            if (!exists) return -Errno.ESRCH;
            return sameSession ? 0 : -Errno.EPERM;
        }

        public static long CheckBackgroundOf(Process p, int sig, int foreground)
        {
            if (foreground == 0 || p.Pgid == foreground) return 0;
            bool ignored = p.Actions[sig].Handler == 1 || (Thread.Current.SignalMask & (1UL << (sig - 1))) != 0;
            if (ignored) return sig == SIGTTIN ? -Errno.EIO : 0;
            if (Orphaned(p.Pgid, p.Sid)) return -Errno.EIO;
            SignalDelivery.SendToGroup(p.Pgid, sig, SigInfo.From(SigInfo.SI_KERNEL, 0));
            return -Errno.ERESTARTSYS;
        }

        /// <summary>A read of the console (or /dev/tty) by the caller: SIGTTIN from the background.</summary>
        public static long CheckRead() => Console.StdinTty ? CheckBackground(SIGTTIN) : 0;

        /// <summary>A write to a terminal stream: SIGTTOU from the background when TOSTOP is set.</summary>
        public static long CheckWrite(int stream) =>
            Console.IsTty(stream) && s_modesSet && (s_modes.Lflag & TOSTOP) != 0 ? CheckBackground(SIGTTOU) : 0;

        /// <summary>POSIX: no member of the group has a parent in another group of the same session.</summary>
        public static bool Orphaned(int pgid, int sid)
        {
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Zombie || q.Pgid != pgid) continue;
                Process parent = q.Parent;
                if (parent != null && !parent.Zombie && parent.Pgid != pgid && parent.Sid == sid) return false;
            }
            return true;
        }

        /// <summary>A session leader that ends (or gives the terminal up) leaves it: its foreground group hears SIGHUP and SIGCONT.</summary>
        public static void LeaderGone(Process leader)
        {
            if (TtySid == 0 || leader.Sid != TtySid || leader.Pid != leader.Sid) return;
            int fg = TtyForeground;
            TtySid = TtyForeground = 0;
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Sid == leader.Sid) q.HasCtty = false;
                if (q.Zombie || q == leader || fg == 0 || q.Pgid != fg) continue;
                SignalDelivery.SendToProcess(q, Signal.SIGHUP, SigInfo.From(SigInfo.SI_KERNEL, 0));
                SignalDelivery.SendToProcess(q, Signal.SIGCONT, SigInfo.From(SigInfo.SI_KERNEL, 0));
            }
        }

        /// <summary>
        /// vhangup(): the caller's controlling terminal is hung up, as Linux's tty_vhangup_self (the
        /// caller is root: CAP_SYS_TTY_CONFIG). Without one, nothing happens. On the console only the
        /// job-control part applies (the session loses it, its leader hears SIGHUP and SIGCONT): the
        /// host's terminal stays open.
        /// </summary>
        public static long Vhangup(SyscallFrame* f)
        {
            Process p = Process.Current;
            if (p.CttyPty != null) { p.CttyPty.Vhangup(); return 0; }
            if (!Controls(p)) return 0;
            int sid = TtySid;
            TtySid = TtyForeground = 0;
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Sid == sid) q.HasCtty = false;
                if (q.Zombie || q.Pid != sid) continue;
                SignalDelivery.SendToProcess(q, Signal.SIGHUP, SigInfo.From(SigInfo.SI_KERNEL, 0));
                SignalDelivery.SendToProcess(q, Signal.SIGCONT, SigInfo.From(SigInfo.SI_KERNEL, 0));
            }
            return 0;
        }

        /// <summary>Terminal ioctls on the console streams (0 stdin, 1 stdout, 2 stderr): ENOTTY unless the host side is a terminal.</summary>
        public static long ConsoleIoctl(int fd, uint req, ulong arg)
        {
            if (!Console.IsTty(fd)) return -Errno.ENOTTY;
            Process p = Process.Current;
            long r;
            switch (req)
            {
                case TCGETS:
                    if (!s_modesSet) DefaultModes();
                    return UserMemory.Write(arg, s_modes);
                case TCSETS: case TCSETSW: case TCSETSF:
                    if (UserMemory.Read(arg, out Termios t) != 0) return -Errno.EFAULT;
                    r = CheckBackground(SIGTTOU);
                    if (r < 0) return r;
                    s_modes = t;                       // kept for TCGETS and TOSTOP; the serial line has no modes
                    s_modesSet = true;
                    return 0;
                case TIOCGWINSZ:
                    if (s_winsize.Row == 0) { s_winsize.Row = 24; s_winsize.Col = 80; }
                    return UserMemory.Write(arg, s_winsize);
                case TIOCSWINSZ:
                    if (UserMemory.Read(arg, out WinSize w) != 0) return -Errno.EFAULT;
                    s_winsize = w;
                    return 0;
                case TIOCGPGRP:
                    if (!Controls(p)) return -Errno.ENOTTY;
                    return UserMemory.Write(arg, TtyForeground);
                case TIOCSPGRP:
                {
                    if (!Controls(p)) return -Errno.ENOTTY;
                    r = CheckBackground(SIGTTOU);
                    if (r < 0) return r;
                    if (UserMemory.Read(arg, out int pgrp) != 0) return -Errno.EFAULT;
                    r = ForegroundCandidate(pgrp, p);
                    if (r < 0) return r;
                    TtyForeground = pgrp;
                    return 0;
                }
                case TIOCGSID:
                    if (!Controls(p)) return -Errno.ENOTTY;
                    return UserMemory.Write(arg, TtySid);
                case TIOCSCTTY:
                    if (Controls(p)) return 0;
                    if (p.Pid != p.Sid || p.HasCtty || p.CttyPty != null) return -Errno.EPERM;
                    if (TtySid != 0 && TtySid != p.Sid)
                    {
                        // Only root may steal it, and only when asked (arg 1); everything runs as root here.
                        if (arg != 1) return -Errno.EPERM;
                        for (Process q = Process.First; q != null; q = q.AllNext) if (q.Sid == TtySid) q.HasCtty = false;
                    }
                    TtySid = p.Sid;
                    TtyForeground = p.Pgid;
                    p.HasCtty = true;
                    return 0;
                case TIOCNOTTY:
                    if (!Controls(p)) return -Errno.ENOTTY;
                    if (p.Pid == p.Sid) LeaderGone(p);
                    else p.HasCtty = false;
                    return 0;
            }
            return -Errno.EINVAL;
        }

        private const uint ISIG = 1;
        private const int VINTR = 0, VQUIT = 1, VSUSP = 10;

        /// <summary>
        /// The line discipline's signal characters: with ISIG on (the default), ^C, ^\ and ^Z typed on
        /// the console raise SIGINT, SIGQUIT and SIGTSTP in its foreground process group instead of
        /// reaching the program. 0 when <paramref name="c"/> is ordinary input.
        /// </summary>
        public static int SignalFor(byte c)
        {
            if (!s_modesSet) DefaultModes();
            if ((s_modes.Lflag & ISIG) == 0 || c == 0) return 0;     // _POSIX_VDISABLE
            if (c == s_modes.Cc[VINTR]) return 2;
            if (c == s_modes.Cc[VQUIT]) return 3;
            if (c == s_modes.Cc[VSUSP]) return 20;
            return 0;
        }

        private static void DefaultModes()
        {
            s_modes = Fs.Pty.DefaultModes();             // one set of defaults for every terminal
            s_modesSet = true;
        }
    }
}
