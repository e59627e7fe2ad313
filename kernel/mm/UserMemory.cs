// Checked access to user memory. Every syscall handler goes through here: the range must lie in
// user regions (else EFAULT), and the copy itself is fault-safe (boot.asm user_copy + extable).
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Memory
{
    internal static unsafe class UserMemory
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("user_copy")] private static extern long UserCopy(void* dst, void* src, ulong n);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("user_fill")] private static extern long UserFill(void* dst, int value, ulong n);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("user_strnlen")] private static extern long UserStrnlen(void* s, ulong max);

        /// <summary>
        /// Linux's access_ok: the range ends at or below TASK_SIZE without wrapping. Calls check it
        /// up front (a count no buffer could hold is EFAULT); mapped-ness is found when copying.
        /// </summary>
        public static bool AccessOk(ulong user, ulong n) => user + n >= user && user + n <= AddressSpace.TaskSize;

        /// <summary>Copies kernel bytes to user memory: 0 or -EFAULT.</summary>
        public static long CopyTo(ulong user, void* src, ulong n)
        {
            if (!AddressSpace.IsUserRange(user, n, true)) return -Errno.EFAULT;
            return UserCopy((void*)user, src, n);
        }

        /// <summary>Copies user bytes into the kernel: 0 or -EFAULT.</summary>
        public static long CopyFrom(void* dst, ulong user, ulong n)
        {
            if (!AddressSpace.IsUserRange(user, n, false)) return -Errno.EFAULT;
            return UserCopy(dst, (void*)user, n);
        }

        public static long Zero(ulong user, ulong n)
        {
            if (!AddressSpace.IsUserRange(user, n, true)) return -Errno.EFAULT;
            return UserFill((void*)user, 0, n);
        }

        public static long Write<T>(ulong user, T value) where T : unmanaged => CopyTo(user, &value, (ulong)sizeof(T));

        public static long Read<T>(ulong user, out T value) where T : unmanaged
        {
            T v = default;
            long r = CopyFrom(&v, user, (ulong)sizeof(T));
            value = v;
            return r;
        }

        /// <summary>Length of a NUL-terminated user string (at most max), or -EFAULT / -ENAMETOOLONG.</summary>
        public static long StringLength(ulong user, ulong max)
        {
            if (!AddressSpace.IsUserRange(user, 1, false)) return -Errno.EFAULT;
            // The string may end before a region boundary; user_strnlen stops at a fault.
            long n = UserStrnlen((void*)user, max);
            if (n < 0) return n;
            if ((ulong)n == max) return -Errno.ENAMETOOLONG;
            if (!AddressSpace.IsUserRange(user, (ulong)n + 1, false)) return -Errno.EFAULT;
            return n;
        }
    }
}
