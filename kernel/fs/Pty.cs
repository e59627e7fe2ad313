// Pseudo-terminals (pty(7), pts(4)). Every open of /dev/ptmx makes a pair: the master (that
// descriptor) and a slave that appears as /dev/pts/N (N the lowest free index) until the master
// closes. Between the two sits a line discipline with the parts of Linux's n_tty programs rely
// on: input processing (ISTRIP, INLCR, IGNCR, ICRNL, IXON/IXANY), the signal characters (ISIG),
// canonical line editing (ERASE, WERASE, KILL, EOF, EOL, EOL2, LNEXT, REPRINT) with its echoes,
// non-canonical reads under VMIN/VTIME, and output processing (OPOST: ONLCR, OCRNL, ONOCR,
// ONLRET, OLCUC, tab expansion). The master sees the slave's modes (TCGETS/TCSETS on either end
// act on the one termios, as Linux's real_tty). The slave is also a terminal for job control: a
// session leader may take it as its controlling terminal (TIOCSCTTY, or an open without
// O_NOCTTY), and its foreground group gets the signal characters, SIGWINCH, SIGTTIN/SIGTTOU.
// Closing the master hangs the slave up (reads 0, writes and ioctls EIO, SIGHUP and SIGCONT to
// the session leader); once every slave descriptor is closed, master reads give EIO after what
// was buffered, until a slave is opened again.
//
// Data lives in two rings per pair, allocated once: input (master writes, slave reads; 4 KiB as
// Linux's N_TTY_BUF_SIZE, with a line-end and an end-of-file bit per slot for canonical reads)
// and output (slave writes and echoes, master reads; 16 KiB). Nothing is allocated per byte.
// One wait queue per pair serves both ends; every change also wakes pollers (PollWait). Linux
// hands master writes to the slave through a work queue; here they are processed in the write,
// which is one of the orders Linux may show.
using Kernel.Memory;
using Kernel.Syscalls;
using Kernel.Vfs;

namespace Kernel.Fs
{
    /// <summary>/dev/ptmx (and /dev/pts/ptmx): each open makes a new pseudo-terminal pair.</summary>
    internal sealed class PtmxDevice : SpecialInode { }

    /// <summary>/dev/pts/N: opening it gives another descriptor of that pair's slave.</summary>
    internal sealed class PtsInode : SpecialInode
    {
        public Pty Pair;          // null once the pair is gone (the node may outlive it, e.g. O_PATH)
    }

    /// <summary>A descriptor of one end of a pair.</summary>
    internal abstract unsafe class PtyEnd : File
    {
        public Pty Tty;
        public override bool IsTty => true;
        protected bool NonBlocking => (Flags & OpenFlags.O_NONBLOCK) != 0;

        /// <summary>Drops the node reference here (before the pair may free its node), not in FdTable.Release.</summary>
        protected void DropNode()
        {
            if (Node != null) { Node.CloseRef(); Node = null; }
        }
    }

    internal sealed unsafe class PtyMaster : PtyEnd
    {
        public PtyMaster(Pty t, Inode node, int flags) { Tty = t; Node = node; Flags = flags; node.OpenRef(); }
        public override long Read(byte* dst, long n) => Tty.MasterRead(dst, n, NonBlocking);
        public override long Write(byte* src, long n) => Tty.MasterWrite(src, n, NonBlocking);
        public override short Poll() => Tty.MasterPoll();
        public override long Available() => Tty.OutCount;
        public override long Ioctl(uint request, ulong arg) => Tty.Ioctl(true, request, arg);
        public override void OnLastClose() { Pty t = Tty; DropNode(); t.MasterClosed(); }
    }

    internal sealed unsafe class PtySlave : PtyEnd
    {
        public PtySlave(Pty t, Inode node, int flags) { Tty = t; Node = node; Flags = flags; node.OpenRef(); }
        /// <summary>vhangup hung this descriptor up (Linux's hung_up_tty_fops): reads 0, writes and ioctls EIO; later opens are not affected.</summary>
        public bool HungUp;
        public override long Read(byte* dst, long n) => HungUp ? 0 : Tty.SlaveRead(dst, n, NonBlocking, this);
        public override long Write(byte* src, long n) => HungUp ? -Errno.EIO : Tty.SlaveWrite(src, n, NonBlocking, this);
        public override short Poll() =>
            HungUp ? (short)(PollBits.POLLIN | PollBits.POLLOUT | PollBits.POLLERR | PollBits.POLLHUP) : Tty.SlavePoll();
        public override long Available() => HungUp ? 0 : Tty.SlaveAvailable();
        public override long Ioctl(uint request, ulong arg) =>
            HungUp ? (request == 0x5410 /* TIOCSPGRP */ ? -Errno.ENOTTY : -Errno.EIO) : Tty.Ioctl(false, request, arg);
        public override void OnLastClose() { Pty t = Tty; DropNode(); t.SlaveClosed(); }
    }

    internal sealed unsafe class Pty
    {
        private const int InSize = 4096, OutSize = 16384;
        private const uint InMask = InSize - 1, OutMask = OutSize - 1;
        private const int MaxPtys = 4096;                      // /proc/sys/kernel/pty/max
        private const uint PtsMajor = 136;

        // termios bits (asm-generic/termbits.h)
        private const uint ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400,
            IXANY = 0x800, IUTF8 = 0x4000;
        private const uint OPOST = 1, OLCUC = 2, ONLCR = 4, OCRNL = 8, ONOCR = 0x10, ONLRET = 0x20, TABDLY = 0x1800, XTABS = 0x1800;
        private const uint ISIG = 1, ICANON = 2, ECHO = 8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, NOFLSH = 0x80,
            TOSTOP = 0x100, ECHOCTL = 0x200, ECHOKE = 0x800, IEXTEN = 0x8000;
        private const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSTART = 8,
            VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;

        // ioctl requests (asm-generic/ioctls.h)
        private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCSBRK = 0x5409,
            TCXONC = 0x540A, TCFLSH = 0x540B, TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCSCTTY = 0x540E,
            TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414,
            TIOCPKT = 0x5420, TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425,
            TIOCGSID = 0x5429, TCGETS2 = 0x802C542A, TCSETS2 = 0x402C542B, TCSETSW2 = 0x402C542C, TCSETSF2 = 0x402C542D,
            TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGPKT = 0x80045438, TIOCGPTLCK = 0x80045439,
            TIOCGEXCL = 0x80045440, TIOCGPTPEER = 0x5441;
        private const int SIGWINCH = 28, SIGTTIN = 21, SIGTTOU = 22;

        private struct Termios2
        {
            public SysIo.Termios T;
            public uint ISpeed, OSpeed;
        }

        public readonly int Index;
        public bool Locked = true;             // TIOCSPTLCK: slave opens fail with EIO until unlockpt
        public bool MasterOpen = true;
        public bool HungUp;                    // the master closed: slave reads 0, writes and ioctls EIO
        public bool OtherClosed;               // every slave descriptor closed: master reads EIO once drained
        public int SlaveOpens;                 // open slave descriptions
        public int Sid, Pgrp;                  // the session it is the controlling terminal of (0: none), its foreground group
        public SysIo.Termios Modes;
        public SysIo.WinSize Win;
        public PtsInode Node;
        private bool _exclusive;
        public readonly WaitQueue Waiters = new WaitQueue();   // readers and writers of both ends

        private byte* _mem;                    // one allocation: input ring, output ring, line-end bits, eof bits
        private byte* _in, _out, _lineEnd, _eof;
        private uint _inHead, _inTail, _canonHead;   // free-running; _canonHead ends the last complete line
        private uint _outHead, _outTail;
        private int _column, _canonColumn;     // output column (tabs, ONOCR, erase echoes); where the line began
        private bool _lnext, _stopped;

        private static Pty[] s_table = new Pty[16];

        private Pty(int index)
        {
            Index = index;
            _mem = (byte*)Mm.KernelHeap.Alloc(InSize + OutSize + InSize / 4);
            if (_mem == null) return;
            _in = _mem;
            _out = _mem + InSize;
            _lineEnd = _out + OutSize;
            _eof = _lineEnd + InSize / 8;
            Mem.Zero(_lineEnd, InSize / 4);
            Modes = DefaultModes();
        }

        /// <summary>Linux's tty_std_termios for a pty slave: cooked, echoing, ^C ^\ ^Z signals, 38400 baud 8 bits.</summary>
        /// <summary>Linux's tty_std_termios: what a new terminal starts with (the console's too).</summary>
        internal static SysIo.Termios DefaultModes()
        {
            SysIo.Termios t = default;
            t.Iflag = ICRNL | IXON;
            t.Oflag = OPOST | ONLCR;
            t.Cflag = 0xBF;                    // B38400 | CS8 | CREAD
            t.Lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
            t.Cc[VINTR] = 3; t.Cc[VQUIT] = 28; t.Cc[VERASE] = 127; t.Cc[VKILL] = 21; t.Cc[VEOF] = 4; t.Cc[VMIN] = 1;
            t.Cc[VSTART] = 17; t.Cc[VSTOP] = 19; t.Cc[VSUSP] = 26; t.Cc[VREPRINT] = 18; t.Cc[13] = 15;
            t.Cc[VWERASE] = 23; t.Cc[VLNEXT] = 22;
            return t;
        }

        // ---- creation, opening, closing ------------------------------------------------------

        /// <summary>open("/dev/ptmx"): a new pair (slave locked), its master installed as a descriptor.</summary>
        public static long OpenMaster(Inode ptmx, int flags)
        {
            int index = -1;
            for (int i = 0; i < s_table.Length; i++) if (s_table[i] == null) { index = i; break; }
            if (index < 0)
            {
                if (s_table.Length >= MaxPtys) return -Errno.ENOSPC;
                var bigger = new Pty[s_table.Length * 2];
                for (int i = 0; i < s_table.Length; i++) bigger[i] = s_table[i];
                index = s_table.Length;
                Runtime.Allocator.Free(s_table);
                s_table = bigger;
            }
            var t = new Pty(index);
            if (t._mem == null) { Runtime.Allocator.Free(t.Waiters); Runtime.Allocator.Free(t); return -Errno.ENOMEM; }
            s_table[index] = t;
            t.Node = new PtsInode { Pair = t, Mode = 0x2000 | 0x190, Gid = 5, Rdev = Makedev(PtsMajor, (uint)index) };
            t.Node.AtimeNs = t.Node.MtimeNs = t.Node.CtimeNs = FileSystem.Time();
            System.Span<byte> name = stackalloc byte[12];
            FileSystem.AddSpecial(Devices.Pts, name.Slice(0, Name(index, name)), t.Node);
            var f = new PtyMaster(t, ptmx, FileFlags(flags));
            int fd = FdTable.Install(f, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(f);
            return fd;
        }

        /// <summary>
        /// Opens the slave of <paramref name="t"/> through <paramref name="node"/> (/dev/pts/N, or /dev/tty for the
        /// controlling terminal): EIO while locked or hung up. A session leader without a controlling terminal
        /// gets this one unless O_NOCTTY (and unless another session has it).
        /// </summary>
        public static long OpenSlave(Pty t, Inode node, int flags)
        {
            if (t == null || t.HungUp || t.Locked) return -Errno.EIO;
            var f = new PtySlave(t, node, FileFlags(flags));
            t.SlaveOpens++;
            t.OtherClosed = false;
            int fd = FdTable.Install(f, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) { FdTable.Release(f); return fd; }
            Process p = Process.Current;
            if ((flags & OpenFlags.O_NOCTTY) == 0 && p.Pid == p.Sid && p.CttyPty == null && !p.HasCtty && t.Sid == 0) t.SetCtty(p);
            return fd;
        }

        private static int FileFlags(int flags) =>
            flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY);

        /// <summary>The master's last descriptor closed: hang the slave up; the pair goes once no slave is open either.</summary>
        public void MasterClosed()
        {
            MasterOpen = false;
            HungUp = true;
            Unlink();
            LoseSession();
            if (SlaveOpens == 0) Free();
        }

        /// <summary>
        /// vhangup by a process this terminal controls (Linux's tty_vhangup, __tty_hangup(tty, 0)): every
        /// slave descriptor open now is hung up, the session loses the terminal and its leader hears
        /// SIGHUP and SIGCONT. The pair stays usable: a new open of the slave works.
        /// </summary>
        public void Vhangup()
        {
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                FileTable ft = q.Files;
                if (ft == null) continue;
                for (int fd = 0; fd < ft.Size; fd++)
                    if (ft.Files[fd] is PtySlave s && s.Tty == this) s.HungUp = true;
            }
            LoseSession();
        }

        /// <summary>As tty_vhangup: the session loses its terminal, its leader hears SIGHUP and SIGCONT.</summary>
        private void LoseSession()
        {
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.CttyPty == this) q.CttyPty = null;
                if (Sid == 0 || q.Zombie || q.Pid != Sid) continue;
                SignalDelivery.SendToProcess(q, Signal.SIGHUP, SigInfo.From(SigInfo.SI_KERNEL, 0));
                SignalDelivery.SendToProcess(q, Signal.SIGCONT, SigInfo.From(SigInfo.SI_KERNEL, 0));
            }
            Sid = Pgrp = 0;
            Changed();
        }

        public void SlaveClosed()
        {
            if (--SlaveOpens == 0) OtherClosed = true;
            Changed();
            if (!MasterOpen && SlaveOpens == 0) Free();
        }

        private void Unlink()
        {
            if (Node == null || Node.Nlink == 0) return;
            System.Span<byte> name = stackalloc byte[12];
            var n = name.Slice(0, Name(Index, name));
            if (FileSystem.Lookup(Devices.Pts, n) == Node) FileSystem.Unlink(Devices.Pts, n);
        }

        private void Free()
        {
            s_table[Index] = null;
            for (Process q = Process.First; q != null; q = q.AllNext) if (q.CttyPty == this) q.CttyPty = null;
            if (Node != null)
            {
                Node.Pair = null;
                // An O_PATH descriptor or an inotify watch may still hold the node: it then goes at their last close.
                DeadInodes.Drop(Node);
                Node = null;
            }
            Mm.KernelHeap.Free(_mem);
            _mem = null;
            Runtime.Allocator.Free(Waiters);
            Runtime.Allocator.Free(this);
        }

        private static int Name(int index, System.Span<byte> dst)
        {
            int n = 0;
            int div = 1;
            while (index / div >= 10) div *= 10;
            for (; div > 0; div /= 10) dst[n++] = (byte)('0' + index / div % 10);
            return n;
        }

        /// <summary>The slave's device number (st_rdev, /proc/PID/stat's tty_nr).</summary>
        public ulong DevNumber => Makedev(PtsMajor, (uint)Index);

        /// <summary>Linux's new_encode_dev: minor's low byte, major, then minor's high bits.</summary>
        private static ulong Makedev(uint major, uint minor) => (minor & 0xFF) | (major << 8) | ((ulong)(minor & ~0xFFu) << 12);

        /// <summary>Data, room, modes or an end changed: wake both ends' sleepers and pollers.</summary>
        private void Changed()
        {
            if (!Waiters.IsEmpty) Waiters.WakeAll();
            PollWait.Changed();
        }

        // ---- controlling terminal --------------------------------------------------------------

        private void SetCtty(Process p)
        {
            Sid = p.Sid;
            Pgrp = p.Pgid;
            p.CttyPty = this;
        }

        /// <summary>
        /// Session leader <paramref name="leader"/> exits (or gives the terminal up with TIOCNOTTY): the session
        /// loses it and the foreground group hears SIGHUP (and SIGCONT unless exiting), as disassociate_ctty.
        /// </summary>
        public void LeaderGone(Process leader, bool exiting)
        {
            if (Sid != leader.Sid) { leader.CttyPty = null; return; }
            int fg = Pgrp;
            Sid = Pgrp = 0;
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Sid == leader.Sid && q.CttyPty == this) q.CttyPty = null;
                if (fg == 0 || q.Zombie || q.Pgid != fg || (exiting && q == leader)) continue;
                SignalDelivery.SendToProcess(q, Signal.SIGHUP, SigInfo.From(SigInfo.SI_KERNEL, 0));
                if (!exiting) SignalDelivery.SendToProcess(q, Signal.SIGCONT, SigInfo.From(SigInfo.SI_KERNEL, 0));
            }
            leader.CttyPty = null;
        }

        /// <summary>tty_check_change: a background member of the controlling session is stopped (or refused).</summary>
        private long CheckJob(int sig)
        {
            Process p = Process.Current;
            return p.CttyPty == this ? SysIo.CheckBackgroundOf(p, sig, Pgrp) : 0;
        }

        private void SignalGroup(int sig)
        {
            if (Pgrp != 0) SignalDelivery.SendToGroup(Pgrp, sig, SigInfo.From(SigInfo.SI_KERNEL, 0));
        }

        // ---- rings ------------------------------------------------------------------------------

        public uint OutCount => _outHead - _outTail;
        private uint InCount => _inHead - _inTail;
        private uint OutRoom => OutSize - (_outHead - _outTail);

        private static bool Bit(byte* bits, uint i) => (bits[i >> 3] & (1 << (int)(i & 7))) != 0;
        private static void SetBit(byte* bits, uint i, bool on)
        {
            if (on) bits[i >> 3] |= (byte)(1 << (int)(i & 7));
            else bits[i >> 3] &= (byte)~(1 << (int)(i & 7));
        }

        private void PutIn(byte c, bool lineEnd, bool eof)
        {
            uint i = _inHead & InMask;
            _in[i] = c;
            SetBit(_lineEnd, i, lineEnd);
            SetBit(_eof, i, eof);
            _inHead++;
            if (lineEnd) _canonHead = _inHead;
        }

        private void PutOut(byte c) => _out[_outHead++ & OutMask] = c;

        private void FlushInput()
        {
            _inTail = _inHead = _canonHead = 0;
            _lnext = false;
            Mem.Zero(_lineEnd, InSize / 4);
        }

        private void FlushOutput() => _outTail = _outHead;

        private bool Is(byte c, int cc) => c != 0 && c == Modes.Cc[cc];   // 0 is _POSIX_VDISABLE
        private bool L(uint bit) => (Modes.Lflag & bit) != 0;
        private bool Utf8Continuation(byte c) => (Modes.Iflag & IUTF8) != 0 && (c & 0xC0) == 0x80;
        private static bool IsCntrl(byte c) => c < 32 || c == 127;

        // ---- output processing (slave writes and echoes) ----------------------------------------

        /// <summary>One byte through OPOST; false when the output ring has no room for its widest form.</summary>
        private bool Output(byte c)
        {
            uint f = Modes.Oflag;
            if ((f & OPOST) == 0)
            {
                if (OutRoom < 1) return false;
                PutOut(c);
                return true;
            }
            if (OutRoom < 8) return false;           // a tab may become 8 spaces
            switch (c)
            {
                case (byte)'\n':
                    if ((f & ONLRET) != 0) _column = 0;
                    if ((f & ONLCR) != 0)
                    {
                        _column = _canonColumn = 0;
                        PutOut((byte)'\r');
                        PutOut((byte)'\n');
                        return true;
                    }
                    _canonColumn = _column;
                    break;
                case (byte)'\r':
                    if ((f & ONOCR) != 0 && _column == 0) return true;
                    if ((f & OCRNL) != 0)
                    {
                        c = (byte)'\n';
                        if ((f & ONLRET) != 0) _column = _canonColumn = 0;
                        break;
                    }
                    _column = _canonColumn = 0;
                    break;
                case (byte)'\t':
                    int spaces = 8 - (_column & 7);
                    if ((f & TABDLY) == XTABS)
                    {
                        for (int i = 0; i < spaces; i++) PutOut((byte)' ');
                        _column += spaces;
                        return true;
                    }
                    _column += spaces;
                    break;
                case (byte)'\b':
                    if (_column > 0) _column--;
                    break;
                default:
                    if (!IsCntrl(c))
                    {
                        if ((f & OLCUC) != 0 && c >= 'a' && c <= 'z') c -= 32;
                        if (!Utf8Continuation(c)) _column++;
                    }
                    break;
            }
            PutOut(c);
            return true;
        }

        /// <summary>echo_char: control characters as ^X under ECHOCTL (not tab or newline). Dropped when the ring is full.</summary>
        private void Echo(byte c)
        {
            if (L(ECHOCTL) && IsCntrl(c) && c != '\t' && c != '\n')
            {
                if (OutRoom < 2) return;
                PutOut((byte)'^');
                PutOut((byte)(c ^ 0x40));
                _column += 2;
                return;
            }
            Output(c);
        }

        /// <summary>An echoed character that starts a line fixes the column the line began at (tab erase).</summary>
        private void EchoFirst(byte c)
        {
            if (_inHead == _canonHead) _canonColumn = _column;
            Echo(c);
        }

        private void EchoErase()
        {
            Output((byte)'\b'); Output((byte)' '); Output((byte)'\b');
        }

        // ---- input processing (master writes) ---------------------------------------------------

        /// <summary>n_tty's receive of one byte; false when it needs room the slave's reader must make first.</summary>
        private bool Receive(byte c)
        {
            uint i = Modes.Iflag;
            bool canon = L(ICANON), echo = L(ECHO), iexten = L(IEXTEN);
            if ((i & ISTRIP) != 0) c &= 0x7F;
            if ((i & IUCLC) != 0 && iexten && c >= 'A' && c <= 'Z') c += 32;
            if (_lnext)
            {
                if (!RoomFor(canon, false)) return NoRoom(canon);
                _lnext = false;
                if (echo) EchoFirst(c);
                PutIn(c, false, false);
                return true;
            }
            if ((i & IXON) != 0)
            {
                if (Is(c, VSTART)) { _stopped = false; return true; }
                if (Is(c, VSTOP)) { _stopped = true; return true; }
            }
            if (L(ISIG))
            {
                int sig = Is(c, VINTR) ? Signal.SIGINT : Is(c, VQUIT) ? Signal.SIGQUIT : Is(c, VSUSP) ? Signal.SIGTSTP : 0;
                if (sig != 0)
                {
                    if (!L(NOFLSH)) FlushInput();       // the output ring stands for data the master may already have
                    SignalGroup(sig);
                    if ((i & IXON) != 0) _stopped = false;
                    if (echo) Echo(c);
                    return true;
                }
            }
            if (_stopped && (i & (IXON | IXANY)) == (IXON | IXANY)) _stopped = false;
            if (c == '\r')
            {
                if ((i & IGNCR) != 0) return true;
                if ((i & ICRNL) != 0) c = (byte)'\n';
            }
            else if (c == '\n' && (i & INLCR) != 0) c = (byte)'\r';

            if (canon)
            {
                if (Is(c, VERASE) || Is(c, VKILL) || (Is(c, VWERASE) && iexten)) { Erase(c); return true; }
                if (Is(c, VLNEXT) && iexten)
                {
                    _lnext = true;
                    if (echo && L(ECHOCTL)) { Output((byte)'^'); Output((byte)'\b'); }
                    return true;
                }
                if (Is(c, VREPRINT) && echo && iexten)
                {
                    Echo(c);
                    Output((byte)'\n');
                    for (uint p = _canonHead; p != _inHead; p++) Echo(_in[p & InMask]);
                    return true;
                }
                if (c == '\n')
                {
                    if (!RoomFor(true, true)) return false;
                    if (echo || L(ECHONL)) Output((byte)'\n');
                    PutIn(c, true, false);
                    return true;
                }
                if (Is(c, VEOF))
                {
                    if (!RoomFor(true, true)) return false;
                    PutIn(0, true, true);                // a marker: ends the line, read as nothing
                    return true;
                }
                if (Is(c, VEOL) || (Is(c, VEOL2) && iexten))
                {
                    if (!RoomFor(true, true)) return false;
                    if (echo) EchoFirst(c);
                    PutIn(c, true, false);
                    return true;
                }
            }
            if (!RoomFor(canon, false)) return NoRoom(canon);
            if (echo)
            {
                if (c == '\n') Output(c);
                else EchoFirst(c);
            }
            PutIn(c, false, false);
            return true;
        }

        /// <summary>Room in the input ring: a canonical line keeps its last slot for the character that ends it.</summary>
        private bool RoomFor(bool canon, bool terminator) => InCount < (canon && !terminator ? InSize - 1 : InSize);

        /// <summary>
        /// No room: wait for the reader, unless a canonical line fills the ring and no complete line is there
        /// for it to read: then the character is dropped (Linux beeps), so the writer never waits forever.
        /// </summary>
        private bool NoRoom(bool canon) => canon && _canonHead == _inTail;

        /// <summary>eraser(): ERASE removes a character, WERASE a word, KILL the line, with their echoes.</summary>
        private void Erase(byte c)
        {
            if (_inHead == _canonHead) return;
            bool echo = L(ECHO);
            bool erase = Is(c, VERASE), werase = !erase && Is(c, VWERASE);
            if (!erase && !werase)
            {
                if (!echo) { _inHead = _canonHead; return; }
                if (!L(ECHOK) || !L(ECHOKE) || !L(ECHOE))
                {
                    _inHead = _canonHead;
                    Echo(c);
                    if (L(ECHOK)) Output((byte)'\n');
                    return;
                }
            }
            int alnums = 0;
            while (_inHead != _canonHead)
            {
                uint head = _inHead;
                byte b;
                do { head--; b = _in[head & InMask]; } while (Utf8Continuation(b) && head != _canonHead);
                if (Utf8Continuation(b)) break;        // do not erase part of a character
                if (werase)
                {
                    bool word = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
                    if (word) alnums++;
                    else if (alnums > 0) break;
                }
                _inHead = head;
                if (echo)
                {
                    if (erase && !L(ECHOE)) Echo(c);
                    else if (b == '\t') EraseTab();
                    else
                    {
                        if (IsCntrl(b) && L(ECHOCTL)) EchoErase();
                        if (!IsCntrl(b) || L(ECHOCTL)) EchoErase();
                    }
                }
                if (erase) break;
            }
        }

        /// <summary>Backs the cursor over an erased tab: the columns it took, from the previous tab or the line's start.</summary>
        private void EraseTab()
        {
            int cols = 0;
            bool afterTab = false;
            for (uint p = _inHead; p != _canonHead;)
            {
                byte b = _in[--p & InMask];
                if (b == '\t') { afterTab = true; break; }
                if (IsCntrl(b)) { if (L(ECHOCTL)) cols += 2; }
                else if (!Utf8Continuation(b)) cols++;
            }
            if (!afterTab) cols += _canonColumn;
            int back = 8 - (cols & 7);
            if (back > _column) back = _column;
            for (int k = 0; k < back; k++) Output((byte)'\b');
        }

        // ---- the master's end -----------------------------------------------------------------

        public long MasterRead(byte* dst, long n, bool nonblock)
        {
            while (true)
            {
                uint avail = OutCount;
                if (avail > 0)
                {
                    uint take = (ulong)n < avail ? (uint)n : avail;
                    for (uint k = 0; k < take; k++) dst[k] = _out[(_outTail + k) & OutMask];
                    _outTail += take;
                    Changed();
                    return take;
                }
                if (OtherClosed) return -Errno.EIO;
                if (nonblock) return -Errno.EAGAIN;
                if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }

        /// <summary>Typed input for the slave: each byte through the line discipline; waits for room unless non-blocking.</summary>
        public long MasterWrite(byte* src, long n, bool nonblock)
        {
            long done = 0;
            while (done < n)
            {
                if (Receive(src[done])) { done++; continue; }
                Changed();
                if (nonblock) return done > 0 ? done : -Errno.EAGAIN;
                if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return done > 0 ? done : -Errno.ERESTARTSYS;
            }
            Changed();
            return done;
        }

        public short MasterPoll()
        {
            short r = 0;
            if (OutCount > 0) r |= PollBits.POLLIN;
            if (OtherClosed) r |= PollBits.POLLHUP;
            if (RoomFor(L(ICANON), false) || NoRoom(L(ICANON))) r |= PollBits.POLLOUT;
            return r;
        }

        // ---- the slave's end ------------------------------------------------------------------

        /// <summary>A read of the slave through <paramref name="file"/> (null: no descriptor of its own to be hung up).</summary>
        public long SlaveRead(byte* dst, long n, bool nonblock, PtySlave file = null)
        {
            if (HungUp) return 0;
            long jc = CheckJob(SIGTTIN);              // a background group reading its terminal
            if (jc < 0) return jc;
            if (n <= 0) return 0;
            if (L(ICANON))
            {
                while (true)
                {
                    if (_canonHead != _inTail) return ReadLine(dst, n);
                    if (nonblock) return -Errno.EAGAIN;
                    if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                    if (HungUp) return -Errno.EIO;   // a read asleep at the hang-up sees the master gone (later ones read 0)
                    if (file != null && file.HungUp) return 0;   // vhangup of its descriptor: n_tty_read stops with nothing
                }
            }
            // Non-canonical: VMIN bytes, VTIME tenths of a second between bytes (VMIN 0: for the first byte).
            int min = Modes.Cc[VMIN];
            ulong tenth = (ulong)Modes.Cc[VTIME] * 100_000_000UL;
            bool timed = min == 0;
            if (timed) min = 1;
            if (min > n) min = (int)n;
            ulong deadline = timed && tenth != 0 ? Drivers.Tsc.MonotonicNs() + tenth : 0;
            long got = 0;
            while (true)
            {
                uint avail = InCount;
                if (avail > 0)
                {
                    long take = n - got < avail ? n - got : avail;
                    for (long k = 0; k < take; k++) dst[got + k] = _in[(_inTail + (uint)k) & InMask];
                    _inTail += (uint)take;
                    if (_canonHead - _inTail > InSize) _canonHead = _inTail;   // stays within [tail, head]
                    got += take;
                    Changed();
                    if (got >= min) return got;
                    if (tenth != 0) deadline = Drivers.Tsc.MonotonicNs() + tenth;   // the inter-byte timer
                    continue;
                }
                if (timed && tenth == 0) return got;     // VMIN 0, VTIME 0: whatever is there
                if (nonblock) return got > 0 ? got : -Errno.EAGAIN;
                int w = Scheduler.Sleep(Waiters, deadline);
                if (w == Scheduler.Interrupted) return got > 0 ? got : -Errno.ERESTARTSYS;
                if (HungUp) return got > 0 ? got : -Errno.EIO;
                if (file != null && file.HungUp) return got;
                if (w == Scheduler.TimedOut) return got;
            }
        }

        /// <summary>One line (or its first n bytes); an end-of-file marker ends it and is not copied.</summary>
        private long ReadLine(byte* dst, long n)
        {
            uint ready = _canonHead - _inTail;
            uint look = (ulong)n + 1 < ready ? (uint)n + 1 : ready;   // one past n: a marker right after is taken too
            uint copy = look < (ulong)n ? look : (uint)n, consume = copy;
            for (uint k = 0; k < look; k++)
            {
                uint i = (_inTail + k) & InMask;
                if (!Bit(_lineEnd, i)) continue;
                if (Bit(_eof, i)) { copy = k; consume = k + 1; }
                else if (k < n) { copy = consume = k + 1; }
                break;
            }
            for (uint k = 0; k < copy; k++) dst[k] = _in[(_inTail + k) & InMask];
            _inTail += consume;
            Changed();
            return copy;
        }

        public long SlaveWrite(byte* src, long n, bool nonblock, PtySlave file = null)
        {
            if (HungUp) return -Errno.EIO;
            if (L(TOSTOP))
            {
                long jc = CheckJob(SIGTTOU);
                if (jc < 0) return jc;
            }
            long done = 0;
            while (done < n)
            {
                if (HungUp || (file != null && file.HungUp)) return done > 0 ? done : -Errno.EIO;
                if (!_stopped && Output(src[done])) { done++; continue; }
                Changed();
                if (nonblock) return done > 0 ? done : -Errno.EAGAIN;
                if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return done > 0 ? done : -Errno.ERESTARTSYS;
            }
            Changed();
            return done;
        }

        public short SlavePoll()
        {
            if (HungUp) return (short)(PollBits.POLLIN | PollBits.POLLOUT | PollBits.POLLERR | PollBits.POLLHUP);
            short r = 0;
            if (L(ICANON)) { if (_canonHead != _inTail) r |= PollBits.POLLIN; }
            else
            {
                // input_available_p(poll): VMIN bytes when VTIME is 0, else any.
                uint want = Modes.Cc[VTIME] == 0 && Modes.Cc[VMIN] > 1 ? Modes.Cc[VMIN] : 1u;
                if (InCount >= want) r |= PollBits.POLLIN;
            }
            if (!_stopped && OutRoom >= 8) r |= PollBits.POLLOUT;
            return r;
        }

        /// <summary>FIONREAD: canonical mode counts complete lines only, without end-of-file markers.</summary>
        public long SlaveAvailable()
        {
            if (!L(ICANON)) return InCount;
            long n = 0;
            for (uint p = _inTail; p != _canonHead; p++)
            {
                uint i = p & InMask;
                if (!(Bit(_lineEnd, i) && Bit(_eof, i))) n++;
            }
            return n;
        }

        // ---- ioctls -------------------------------------------------------------------------------

        /// <summary>New modes; switching ICANON re-reads what is buffered as Linux's n_tty_set_termios does.</summary>
        private void SetModes(in SysIo.Termios t)
        {
            uint old = Modes.Lflag, oldI = Modes.Iflag;
            Modes = t;
            if (((old ^ t.Lflag) & ICANON) != 0)
            {
                Mem.Zero(_lineEnd, InSize / 4);
                if ((t.Lflag & ICANON) != 0 && InCount > 0)
                {
                    SetBit(_lineEnd, (_inHead - 1) & InMask, true);
                    _canonHead = _inHead;
                }
                else _canonHead = _inTail;
                _lnext = false;
            }
            if ((oldI & IXON) != 0 && (t.Iflag & IXON) == 0) _stopped = false;
            Changed();
        }

        public long Ioctl(bool master, uint req, ulong arg)
        {
            if (!master && HungUp) return req == TIOCSPGRP ? -Errno.ENOTTY : -Errno.EIO;
            Process p = Process.Current;
            long r;
            switch (req)
            {
                case TCGETS:
                    return UserMemory.Write(arg, Modes);
                case TCGETS2:
                    return UserMemory.Write(arg, new Termios2 { T = Modes, ISpeed = 38400, OSpeed = 38400 });
                case TCSETS: case TCSETSW: case TCSETSF:
                {
                    if (UserMemory.Read(arg, out SysIo.Termios t) != 0) return -Errno.EFAULT;
                    r = CheckJob(SIGTTOU);
                    if (r < 0) return r;
                    if (req == TCSETSF) FlushInput();   // TCSETSW: a pty's output is never held back, nothing to drain
                    SetModes(t);
                    return 0;
                }
                case TCSETS2: case TCSETSW2: case TCSETSF2:
                {
                    if (UserMemory.Read(arg, out Termios2 t2) != 0) return -Errno.EFAULT;
                    r = CheckJob(SIGTTOU);
                    if (r < 0) return r;
                    if (req == TCSETSF2) FlushInput();
                    SetModes(t2.T);
                    return 0;
                }
                case TCFLSH:
                    r = CheckJob(SIGTTOU);
                    if (r < 0) return r;
                    if (arg > 2) return -Errno.EINVAL;
                    // TCIFLUSH (0) empties what this end reads, TCOFLUSH (1) what it wrote, TCIOFLUSH (2) both.
                    if (arg != 1) { if (master) FlushOutput(); else FlushInput(); }
                    if (arg != 0) { if (master) FlushInput(); else FlushOutput(); }
                    Changed();
                    return 0;
                case TCSBRK: case TCSBRKP:
                    return 0;                            // tcdrain, tcsendbreak: nothing is held back
                case TCXONC:
                    r = CheckJob(SIGTTOU);
                    if (r < 0) return r;
                    if (arg > 3) return -Errno.EINVAL;
                    if (arg == 0) _stopped = true;       // TCOOFF
                    else if (arg == 1) _stopped = false; // TCOON
                    Changed();
                    return 0;
                case TIOCOUTQ:
                    return UserMemory.Write(arg, 0);
                case TIOCGWINSZ:
                    return UserMemory.Write(arg, Win);
                case TIOCSWINSZ:
                {
                    if (UserMemory.Read(arg, out SysIo.WinSize w) != 0) return -Errno.EFAULT;
                    bool same = w.Row == Win.Row && w.Col == Win.Col && w.XPixel == Win.XPixel && w.YPixel == Win.YPixel;
                    if (same) return 0;
                    Win = w;
                    SignalGroup(SIGWINCH);
                    return 0;
                }
                case TIOCGETD:
                    return UserMemory.Write(arg, 0);     // N_TTY, the only discipline
                case TIOCSETD:
                {
                    if (UserMemory.Read(arg, out int ldisc) != 0) return -Errno.EFAULT;
                    return ldisc == 0 ? 0 : -Errno.EINVAL;
                }
                case TIOCEXCL: _exclusive = true; return 0;   // root may open an exclusive terminal anyway
                case TIOCNXCL: _exclusive = false; return 0;
                case TIOCGEXCL: return UserMemory.Write(arg, _exclusive ? 1 : 0);
                case TIOCSCTTY:
                    if (p.Pid == p.Sid && p.CttyPty == this) return 0;
                    if (p.Pid != p.Sid || p.CttyPty != null || p.HasCtty) return -Errno.EPERM;
                    if (Sid != 0)
                    {
                        // Another session has it: only root may steal it, and only when asked (arg 1).
                        if (arg != 1) return -Errno.EPERM;
                        for (Process q = Process.First; q != null; q = q.AllNext) if (q.CttyPty == this) q.CttyPty = null;
                    }
                    SetCtty(p);
                    return 0;
                case TIOCNOTTY:
                    if (master || p.CttyPty != this) return -Errno.ENOTTY;
                    if (p.Pid == p.Sid) LeaderGone(p, false);
                    else p.CttyPty = null;
                    return 0;
                case TIOCGPGRP:
                    if (!master && p.CttyPty != this) return -Errno.ENOTTY;
                    return UserMemory.Write(arg, Pgrp);
                case TIOCSPGRP:
                {
                    if (p.CttyPty != this || Sid != p.Sid) return -Errno.ENOTTY;
                    r = CheckJob(SIGTTOU);
                    if (r == -Errno.EIO) return -Errno.ENOTTY;
                    if (r < 0) return r;
                    if (UserMemory.Read(arg, out int pgrp) != 0) return -Errno.EFAULT;
                    r = SysIo.ForegroundCandidate(pgrp, p);
                    if (r < 0) return r;
                    Pgrp = pgrp;
                    return 0;
                }
                case TIOCGSID:
                    if (!master && p.CttyPty != this) return -Errno.ENOTTY;
                    if (Sid == 0) return -Errno.ENOTTY;
                    return UserMemory.Write(arg, Sid);
            }
            if (!master) return -Errno.ENOTTY;
            switch (req)
            {
                case TIOCGPTN:
                    return UserMemory.Write(arg, (uint)Index);
                case TIOCSPTLCK:
                {
                    if (UserMemory.Read(arg, out int lk) != 0) return -Errno.EFAULT;
                    Locked = lk != 0;
                    return 0;
                }
                case TIOCGPTLCK:
                    return UserMemory.Write(arg, Locked ? 1 : 0);
                case TIOCPKT:
                {
                    // Packet mode is not implemented: turning it off (its state) is all that works.
                    if (UserMemory.Read(arg, out int on) != 0) return -Errno.EFAULT;
                    return on == 0 ? 0 : -Errno.EINVAL;
                }
                case TIOCGPKT:
                    return UserMemory.Write(arg, 0);
                case TIOCGPTPEER:
                {
                    const int allowed = OpenFlags.O_ACCMODE | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC | OpenFlags.O_LARGEFILE;
                    if (((int)arg & ~allowed) != 0) return -Errno.EINVAL;
                    return OpenSlave(this, Node, (int)arg);
                }
            }
            return -Errno.ENOTTY;
        }
    }
}
