// Runtime data structures and helpers ILC-generated code calls into: MethodTable layout,
// allocation, casting, boxing, static-base initialisation and throw helpers.
// Anything the kernel cannot support ends in Kernel.Panic with a message naming it.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Kernel;

namespace Internal.Runtime
{
    /// <summary>The header ILC emits for every type (NativeAOT's MethodTable, 24 bytes + vtable + interface map).</summary>
    public unsafe struct MethodTable
    {
        public uint Flags;
        public uint BaseSize;
        public MethodTable* RelatedType;      // base type for classes, element type for arrays
        public ushort NumVtableSlots;
        public ushort NumInterfaces;
        public uint HashCode;

        public const uint HasComponentSizeFlag = 0x80000000;
        public const uint KindMask = 0x00030000;
        public const uint KindParameterized = 0x00020000;
        public const int ElementTypeShift = 26;
        public const uint ElementTypeMask = 0x7C000000;
        public const uint ElementTypeInterface = 0x17;
        public const uint ElementTypeNullable = 0x01;

        public ushort ComponentSize => (Flags & HasComponentSizeFlag) != 0 ? (ushort)Flags : (ushort)0;
        public bool IsArray => (Flags & KindMask) == KindParameterized && (Flags & HasComponentSizeFlag) != 0;
        public uint ElementType => (Flags & ElementTypeMask) >> ElementTypeShift;
        public bool IsInterface => ElementType == ElementTypeInterface;
        public bool IsNullable => ElementType == ElementTypeNullable;

        public MethodTable** InterfaceMap
        {
            get
            {
                fixed (MethodTable* self = &this)
                    return (MethodTable**)((byte*)self + sizeof(MethodTable) + NumVtableSlots * sizeof(void*));
            }
        }
    }

    internal static class GCStaticRegionConstants
    {
        public const int Uninitialized = 1;
        public const int HasPreInitializedData = 2;
        public const int Mask = 3;
    }
}

namespace Internal.Runtime.CompilerHelpers
{
    /// <summary>Each becomes a kernel panic naming the failure; the panic prints the return-address trace.</summary>
    internal static class ThrowHelpers
    {
        public static void ThrowNullReferenceException() => Panic.Fail("NullReferenceException");
        public static void ThrowIndexOutOfRangeException() => Panic.Fail("IndexOutOfRangeException");
        public static void ThrowDivideByZeroException() => Panic.Fail("DivideByZeroException");
        public static void ThrowOverflowException() => Panic.Fail("OverflowException");
        public static void ThrowArrayTypeMismatchException() => Panic.Fail("ArrayTypeMismatchException");
        public static void ThrowPlatformNotSupportedException() => Panic.Fail("PlatformNotSupportedException");
        public static void ThrowNotImplementedException() => Panic.Fail("NotImplementedException");
        public static void ThrowInvalidCastException() => Panic.Fail("InvalidCastException");
        public static void ThrowArgumentException() => Panic.Fail("ArgumentException");
        public static void ThrowArgumentOutOfRangeException() => Panic.Fail("ArgumentOutOfRangeException");
        public static void ThrowTypeLoadException(int id, string className, string typeName) => Panic.Fail("TypeLoadException");
        public static void ThrowTypeLoadExceptionWithArgument(int id, string className, string typeName, string messageArg) => Panic.Fail("TypeLoadException");
        public static void ThrowMissingMethodException(int id, string methodName) => Panic.Fail("MissingMethodException");
        public static void ThrowMissingFieldException(int id, string fieldName) => Panic.Fail("MissingFieldException");
        public static void ThrowFileNotFoundException(int id, string fileName) => Panic.Fail("FileNotFoundException");
        public static void ThrowInvalidProgramException(int id) => Panic.Fail("InvalidProgramException");
        public static void ThrowInvalidProgramExceptionWithArgument(int id, string methodName) => Panic.Fail("InvalidProgramException");
        public static void ThrowBadImageFormatException(int id) => Panic.Fail("BadImageFormatException");
        public static void ThrowMarshalDirectiveException(int id) => Panic.Fail("MarshalDirectiveException");
        public static void ThrowAmbiguousMatchException(int id) => Panic.Fail("AmbiguousMatchException");
        public static void ThrowFeatureBodyRemoved() => Panic.Fail("feature body removed by ILC");
        public static void ThrowInstanceBodyRemoved() => Panic.Fail("instance body removed by ILC");
        public static void ThrowUnavailableType() => Panic.Fail("unavailable type");
        public static void ThrowBodyRemoved() => Panic.Fail("body removed");
    }

    internal static unsafe class StartupCodeHelpers
    {
        // ReadyToRun section ids ILC writes into the module header (NativeAOT numbering).
        private const int GCStaticRegion = 201;
        private const int EagerCctor = 205;

        private struct ReadyToRunHeader
        {
            public uint Signature;        // 'RTR'
            public ushort MajorVersion;
            public ushort MinorVersion;
            public uint Flags;
            public ushort NumberOfSections;
            public byte EntrySize;
            public byte EntryType;
        }

        private struct ModuleInfoRow
        {
            public int SectionId;
            public int Flags;
            public void* Start;
            public void* End;
        }

        /// <summary>Materialises GC static bases and runs eager class constructors for every module.</summary>
        public static void InitializeModules(void** modulesStart, void** modulesEnd)
        {
            for (void** m = modulesStart; m < modulesEnd; m++)
            {
                if (*m == null) continue;
                var header = (ReadyToRunHeader*)*m;
                if (header->Signature != 0x00525452) Panic.Fail("module header is not RTR");
                var rows = (ModuleInfoRow*)(header + 1);
                for (int i = 0; i < header->NumberOfSections; i++)
                    if (rows[i].SectionId == GCStaticRegion)
                        InitializeStatics((byte*)rows[i].Start, (byte*)rows[i].End);
                for (int i = 0; i < header->NumberOfSections; i++)
                    if (rows[i].SectionId == EagerCctor)
                        for (var f = (delegate*<void>*)rows[i].Start; f < (delegate*<void>*)rows[i].End; f++)
                            (*f)();
            }
        }

        private static void InitializeStatics(byte* start, byte* end)
        {
            for (byte* entry = start; entry < end; entry += sizeof(int))
            {
                long* block = (long*)(entry + *(int*)entry);
                long value = (long)((byte*)block + *(int*)block);
                if ((value & GCStaticRegionConstants.Uninitialized) == 0) continue;
                var mt = (MethodTable*)(value & ~(long)GCStaticRegionConstants.Mask);
                byte* obj = (byte*)Kernel.Runtime.Allocator.AllocObject(mt);
                if ((value & GCStaticRegionConstants.HasPreInitializedData) != 0)
                {
                    int* rel = (int*)block + 1;
                    byte* data = (byte*)rel + *rel;
                    Mem.Copy(obj + sizeof(void*), data, mt->BaseSize - (uint)(2 * sizeof(void*)));
                }
                *block = (long)obj;
            }
        }
    }

}

namespace System.Runtime
{
    using Internal.Runtime;

    /// <summary>Casting helpers ILC calls for isinst/castclass/stelem.ref. No variance, no dynamic casting.</summary>
    internal static unsafe class TypeCast
    {
        private static MethodTable* MT(object o) => o.MethodTable;

        public static bool IsAssignable(MethodTable* from, MethodTable* to)
        {
            if (from == to) return true;
            if (to->IsInterface)
            {
                MethodTable** map = from->InterfaceMap;
                for (int i = 0; i < from->NumInterfaces; i++) if (map[i] == to) return true;
                return false;
            }
            if (from->IsArray) return false;
            for (MethodTable* t = from->RelatedType; t != null; t = t->RelatedType)
                if (t == to) return true;
            return false;
        }

        public static object IsInstanceOfClass(MethodTable* type, object obj) =>
            obj == null || IsAssignable(MT(obj), type) ? obj : null;
        public static object IsInstanceOfInterface(MethodTable* type, object obj) => IsInstanceOfClass(type, obj);
        public static object IsInstanceOfAny(MethodTable* type, object obj) => IsInstanceOfClass(type, obj);
        public static object IsInstanceOfException(MethodTable* type, object obj) => IsInstanceOfClass(type, obj);

        public static object CheckCastClass(MethodTable* type, object obj)
        {
            if (obj != null && !IsAssignable(MT(obj), type)) Panic.Fail("InvalidCastException");
            return obj;
        }
        public static object CheckCastClassSpecial(MethodTable* type, object obj) => CheckCastClass(type, obj);
        public static object CheckCastInterface(MethodTable* type, object obj) => CheckCastClass(type, obj);
        public static object CheckCastAny(MethodTable* type, object obj) => CheckCastClass(type, obj);

        public static void StelemRef(object[] array, nint index, object obj)
        {
            if ((uint)index >= (uint)array.Length) Panic.IndexOutOfRange();
            ref object element = ref Unsafe.As<ArrayElement[]>(array)[index].Value;
            if (obj != null && !IsAssignable(MT(obj), MT(array)->RelatedType)) Panic.Fail("ArrayTypeMismatchException");
            element = obj;
        }

        public static ref object LdelemaRef(object[] array, nint index, MethodTable* elementType)
        {
            if ((uint)index >= (uint)array.Length) Panic.IndexOutOfRange();
            if (MT(array)->RelatedType != elementType) Panic.Fail("ArrayTypeMismatchException");
            return ref Unsafe.As<ArrayElement[]>(array)[index].Value;
        }

        private struct ArrayElement { public object Value; }
    }

    internal static unsafe class RuntimeExports
    {
        public static object RhBox(MethodTable* type, ref byte data)
        {
            byte* obj = (byte*)Kernel.Runtime.Allocator.AllocObject(type);
            Mem.Copy(obj + sizeof(void*), Unsafe.AsPointer(ref data), type->BaseSize - (uint)(2 * sizeof(void*)));
            return Kernel.Runtime.Allocator.ToObject(obj);
        }

        public static void RhUnboxAny(object o, ref byte data, MethodTable* type) => Panic.Fail("RhUnboxAny");
        public static ref byte RhUnbox2(MethodTable* type, object obj)
        {
            if (obj == null || obj.MethodTable != type) Panic.Fail("InvalidCastException (unbox)");
            return ref obj.GetRawData();
        }
        public static void RhUnboxNullable(ref byte data, MethodTable* type, object obj) => Panic.Fail("RhUnboxNullable");
        public static void RhUnboxTypeTest(MethodTable* type, MethodTable* boxType)
        {
            if (type != boxType) Panic.Fail("InvalidCastException (unbox type test)");
        }
        public static int RhGetCurrentThreadStackTrace(IntPtr[] outputBuffer) => 0;
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>Lazy class constructors: run once, on first access to the type's statics.</summary>
    internal static unsafe class ClassConstructorRunner
    {
        private struct StaticClassConstructionContext { public IntPtr cctorMethodAddress; }

        private static void EnsureClassConstructorRun(StaticClassConstructionContext* context)
        {
            IntPtr pfn = context->cctorMethodAddress;
            if (pfn.ToPointer() == null) return;
            context->cctorMethodAddress = default;
            ((delegate*<void>)pfn.ToPointer())();
        }

        private static object CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, object gcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return gcStaticBase;
        }

        private static IntPtr CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, IntPtr nonGcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return nonGcStaticBase;
        }
    }
}

namespace System
{
    internal static unsafe class SpanHelpers
    {
        public static void Memmove(ref byte dest, ref byte src, nuint len) =>
            Mem.Move(Unsafe.AsPointer(ref dest), Unsafe.AsPointer(ref src), (ulong)len);
        public static void ClearWithoutReferences(ref byte b, nuint byteLength) =>
            Mem.Zero(Unsafe.AsPointer(ref b), (ulong)byteLength);
        public static void ClearWithReferences(ref IntPtr ip, nuint pointerSizeLength) =>
            Mem.Zero(Unsafe.AsPointer(ref ip), (ulong)pointerSizeLength * 8);
        public static void Fill(ref byte dest, byte value, nuint len) =>
            Mem.Fill(Unsafe.AsPointer(ref dest), value, (ulong)len);
    }

    public static unsafe class Buffer
    {
        internal static void BulkMoveWithWriteBarrier(ref byte dest, ref byte src, nuint len) =>
            Mem.Move(Unsafe.AsPointer(ref dest), Unsafe.AsPointer(ref src), (ulong)len);
        public static void Memmove(ref byte dest, ref byte src, nuint len) =>
            Mem.Move(Unsafe.AsPointer(ref dest), Unsafe.AsPointer(ref src), (ulong)len);
    }
}
