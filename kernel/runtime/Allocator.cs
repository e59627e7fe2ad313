// Object allocation and the other symbols ILC-generated code calls by name (Rhp*).
// Objects live on the kernel heap (Kernel.Memory.Heap); there is no GC yet, so write
// barriers are plain stores and long-lived objects are freed explicitly.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace Kernel.Runtime
{
    internal static unsafe class Allocator
    {
        internal static MethodTable* StringMethodTable => ((object)"").MethodTable;

        public static object ToObject(void* p)
        {
            IntPtr ip = (IntPtr)p;
            return Unsafe.As<IntPtr, object>(ref ip);
        }

        public static void* ToPointer(object o) => Unsafe.As<object, IntPtr>(ref o).ToPointer();

        public static void* AllocObject(MethodTable* mt)
        {
            void* p = Memory.Mm.KernelHeap.Alloc(mt->BaseSize);
            if (p == null) Panic.OutOfMemory(mt->BaseSize);
            *(MethodTable**)p = mt;
            return p;
        }

        public static object NewArrayLike(MethodTable* mt, uint count)
        {
            ulong size = mt->BaseSize + (ulong)count * mt->ComponentSize;
            size = (size + 7) & ~7UL;
            if (size > 1UL << 32) Panic.OutOfMemory(size);
            void* p = Memory.Mm.KernelHeap.Alloc(size);
            if (p == null) Panic.OutOfMemory(size);
            *(MethodTable**)p = mt;
            *(uint*)((byte*)p + sizeof(void*)) = count;
            return ToObject(p);
        }

        private static readonly byte[] s_noBytes = new byte[0];

        /// <summary>A zeroed byte array, or null when the heap is exhausted: for buffers whose owner can refuse or drop instead.</summary>
        public static byte[] TryNewBytes(int count)
        {
            if (count < 0) return null;
            MethodTable* mt = ((object)s_noBytes).MethodTable;
            ulong size = (mt->BaseSize + (ulong)count + 7) & ~7UL;
            void* p = Memory.Mm.KernelHeap.Alloc(size);
            if (p == null) return null;
            *(MethodTable**)p = mt;
            *(uint*)((byte*)p + sizeof(void*)) = (uint)count;
            return Unsafe.As<byte[]>(ToObject(p));
        }

        /// <summary>A zeroed array of like's type with count elements, or null when the heap is exhausted.</summary>
        public static object TryNewArrayLike(object like, int count)
        {
            if (like == null || count < 0) return null;
            MethodTable* mt = like.MethodTable;
            ulong size = (mt->BaseSize + (ulong)count * mt->ComponentSize + 7) & ~7UL;
            void* p = Memory.Mm.KernelHeap.Alloc(size);
            if (p == null) return null;
            *(MethodTable**)p = mt;
            *(uint*)((byte*)p + sizeof(void*)) = (uint)count;
            return ToObject(p);
        }

        /// <summary>Returns an object's memory to the heap. The caller guarantees no references remain.</summary>
        public static void Free(object o)
        {
            if (o != null) Memory.Mm.KernelHeap.Free(ToPointer(o));
        }

        [RuntimeExport("RhpNewFast")]
        private static void* RhpNewFast(MethodTable* mt) => AllocObject(mt);

        [RuntimeExport("RhpNewFinalizable")]
        private static void* RhpNewFinalizable(MethodTable* mt) => AllocObject(mt);

        [RuntimeExport("RhpNewArrayFast")]
        private static void* RhpNewArrayFast(MethodTable* mt, int count)
        {
            if (count < 0) Panic.Fail("OverflowException: negative array length");
            return ToPointer(NewArrayLike(mt, (uint)count));
        }

        [RuntimeExport("RhpNewPtrArrayFast")]
        private static void* RhpNewPtrArrayFast(MethodTable* mt, int count) => RhpNewArrayFast(mt, count);

        [RuntimeExport("RhpNewArray")]
        private static void* RhpNewArray(MethodTable* mt, int count) => RhpNewArrayFast(mt, count);

        [RuntimeExport("RhNewString")]
        private static void* RhNewString(MethodTable* mt, int count) => RhpNewArrayFast(mt, count);

        [RuntimeExport("RhpAssignRef")]
        private static void RhpAssignRef(void** dst, void* r) => *dst = r;

        [RuntimeExport("RhpCheckedAssignRef")]
        private static void RhpCheckedAssignRef(void** dst, void* r) => *dst = r;

        [RuntimeExport("RhpGcPoll")]
        private static void RhpGcPoll() { }

        [RuntimeExport("RhpPInvoke")]
        private static void RhpPInvoke(void* frame) { }

        [RuntimeExport("RhpPInvokeReturn")]
        private static void RhpPInvokeReturn(void* frame) { }

        [RuntimeExport("RhpReversePInvoke")]
        private static void RhpReversePInvoke(void* frame) { }

        [RuntimeExport("RhpReversePInvokeReturn")]
        private static void RhpReversePInvokeReturn(void* frame) { }

        [RuntimeExport("RhpFallbackFailFast")]
        private static void RhpFallbackFailFast() => Panic.Fail("RhpFallbackFailFast");

        [RuntimeExport("RhpThrowEx")]
        private static void RhpThrowEx(object ex) => Panic.Fail("exception thrown (kernel code must return -errno)");

        [RuntimeExport("RhpRethrow")]
        private static void RhpRethrow() => Panic.Fail("exception rethrown");

        [RuntimeExport("RhpStelemRef")]
        private static void RhpStelemRef(object[] array, nint index, object obj) => TypeCast.StelemRef(array, index, obj);
    }
}
