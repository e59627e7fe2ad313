// Linux x86-64 ABI constants, named as in the Linux headers so a reader can grep man pages.
namespace Kernel
{
    public static class Errno
    {
        public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
            ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENOTBLK = 15,
            EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
            ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30,
            EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36,
            ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42, EIDRM = 43, ENODATA = 61, ENOPKG = 65, ETIME = 62, EPROTO = 71, EOVERFLOW = 75,
            ENOTSOCK = 88, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98, ETIMEDOUT = 110,
            ECONNREFUSED = 111, ELIBBAD = 80, ENOPROTOOPT = 92,
            EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91, EPROTONOSUPPORT = 93, EADDRNOTAVAIL = 99,
            ENETDOWN = 100, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105,
            EISCONN = 106, ENOTCONN = 107, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115, ESOCKTNOSUPPORT = 94,
            ESTALE = 116, EDQUOT = 122, ECANCELED = 125, ENOKEY = 126, EKEYEXPIRED = 127, EKEYREVOKED = 128, EKEYREJECTED = 129;
        /// <summary>Kernel-internal (never reaches a program): a sleep was interrupted by a signal; the dispatcher restarts the call (SA_RESTART) or makes it EINTR.</summary>
        public const int ERESTARTSYS = 512;
        /// <summary>Kernel-internal: run the same call again unless a handler runs (then EINTR, even with SA_RESTART).</summary>
        public const int ERESTARTNOHAND = 514;
        /// <summary>Kernel-internal: as ERESTARTNOHAND, but the call goes on through restart_syscall and the thread's
        /// restart block (a relative sleep resumes with the time it had left, not from the start).</summary>
        public const int ERESTART_RESTARTBLOCK = 516;

        public static string Name(int e) => e switch
        {
            EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", EIO => "EIO",
            ENXIO => "ENXIO", E2BIG => "E2BIG", ENOEXEC => "ENOEXEC", EBADF => "EBADF", ECHILD => "ECHILD",
            EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY",
            ENOTBLK => "ENOTBLK", EEXIST => "EEXIST", EXDEV => "EXDEV", ENODEV => "ENODEV", ENOTDIR => "ENOTDIR", EISDIR => "EISDIR",
            EINVAL => "EINVAL", ENFILE => "ENFILE", EMFILE => "EMFILE", ENOTTY => "ENOTTY", ETXTBSY => "ETXTBSY", EFBIG => "EFBIG",
            ENOSPC => "ENOSPC", ESPIPE => "ESPIPE", EROFS => "EROFS", EMLINK => "EMLINK", EPIPE => "EPIPE",
            EDOM => "EDOM", ERANGE => "ERANGE", EDEADLK => "EDEADLK", ENAMETOOLONG => "ENAMETOOLONG",
            ENOLCK => "ENOLCK", ENOSYS => "ENOSYS", ENOTEMPTY => "ENOTEMPTY", ELOOP => "ELOOP", ENOMSG => "ENOMSG", EIDRM => "EIDRM",
            ENODATA => "ENODATA", ETIME => "ETIME", EPROTO => "EPROTO", EOVERFLOW => "EOVERFLOW", ENOTSOCK => "ENOTSOCK", EOPNOTSUPP => "EOPNOTSUPP",
            EAFNOSUPPORT => "EAFNOSUPPORT", EADDRINUSE => "EADDRINUSE", ETIMEDOUT => "ETIMEDOUT",
            ECONNREFUSED => "ECONNREFUSED", ELIBBAD => "ELIBBAD", ENOPROTOOPT => "ENOPROTOOPT",
            EDESTADDRREQ => "EDESTADDRREQ", EMSGSIZE => "EMSGSIZE", EPROTOTYPE => "EPROTOTYPE",
            EPROTONOSUPPORT => "EPROTONOSUPPORT", EADDRNOTAVAIL => "EADDRNOTAVAIL", ENETDOWN => "ENETDOWN",
            ENETUNREACH => "ENETUNREACH", ECONNABORTED => "ECONNABORTED", ECONNRESET => "ECONNRESET",
            ENOBUFS => "ENOBUFS", EISCONN => "EISCONN", ENOTCONN => "ENOTCONN", EHOSTUNREACH => "EHOSTUNREACH",
            EALREADY => "EALREADY", EINPROGRESS => "EINPROGRESS", ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
            ESTALE => "ESTALE", EDQUOT => "EDQUOT", ECANCELED => "ECANCELED", ENOKEY => "ENOKEY", EKEYEXPIRED => "EKEYEXPIRED", EKEYREVOKED => "EKEYREVOKED", EKEYREJECTED => "EKEYREJECTED", _ => "E?",
        };
    }

    public static class Signal
    {
        public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
            SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26,
            SIGPROF = 27, SIGSYS = 31;
        public const int NSIG = 64;

        public static string Name(int s) => s switch
        {
            SIGHUP => "SIGHUP", SIGINT => "SIGINT", SIGQUIT => "SIGQUIT", SIGILL => "SIGILL", SIGTRAP => "SIGTRAP",
            SIGABRT => "SIGABRT", SIGBUS => "SIGBUS", SIGFPE => "SIGFPE", SIGKILL => "SIGKILL", SIGUSR1 => "SIGUSR1",
            SIGSEGV => "SIGSEGV", SIGUSR2 => "SIGUSR2", SIGPIPE => "SIGPIPE", SIGALRM => "SIGALRM",
            SIGTERM => "SIGTERM", SIGCHLD => "SIGCHLD", SIGSTOP => "SIGSTOP", SIGSYS => "SIGSYS", _ => "SIG?",
        };
    }

    /// <summary>Auxiliary vector keys (elf.h AT_*).</summary>
    public static class Auxv
    {
        public const ulong AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15,
            AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
            AT_MINSIGSTKSZ = 51, AT_SYSINFO_EHDR = 33, AT_IGNORE = 1;
    }
}
