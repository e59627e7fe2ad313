// Attributes and intrinsics the C# compiler and ILC look up by name in the System module.
namespace System.Runtime.CompilerServices
{
    public sealed class IntrinsicAttribute : Attribute { }
    public sealed class IsVolatile { }
    public sealed class IsConst { }
    public sealed class IsByRefLikeAttribute : Attribute { }
    public sealed class IsReadOnlyAttribute : Attribute { }
    public sealed class IsUnmanagedAttribute : Attribute { }
    public sealed class IsExternalInit { }
    public sealed class ExtensionAttribute : Attribute { }
    public sealed class RequiredMemberAttribute : Attribute { }
    public sealed class CompilerGeneratedAttribute : Attribute { }
    public sealed class ScopedRefAttribute : Attribute { }
    public sealed class UnscopedRefAttribute : Attribute { }
    public sealed class RefSafetyRulesAttribute : Attribute { public RefSafetyRulesAttribute(int version) { } }
    public sealed class NullableAttribute : Attribute { public NullableAttribute(byte b) { } public NullableAttribute(byte[] b) { } }
    public sealed class NullableContextAttribute : Attribute { public NullableContextAttribute(byte b) { } }
    public sealed class IndexerNameAttribute : Attribute { public IndexerNameAttribute(string indexerName) { } }
    public sealed class FixedBufferAttribute : Attribute { public FixedBufferAttribute(Type elementType, int length) { } }
    public sealed class InlineArrayAttribute : Attribute { public InlineArrayAttribute(int length) { } }
    public sealed class SkipLocalsInitAttribute : Attribute { }
    public sealed class EagerStaticClassConstructionAttribute : Attribute { }
    public sealed class CallConvCdecl { }
    public sealed class CallConvStdcall { }
    public sealed class CallConvSuppressGCTransition { }

    public enum MethodImplOptions
    {
        NoInlining = 0x0008, NoOptimization = 0x0040, AggressiveInlining = 0x0100,
        AggressiveOptimization = 0x0200, InternalCall = 0x1000,
    }

    public sealed class MethodImplAttribute : Attribute
    {
        public MethodImplAttribute(MethodImplOptions options) { }
    }

    public static class RuntimeFeature
    {
        public const string ByRefFields = nameof(ByRefFields);
        public const string ByRefLikeGenerics = nameof(ByRefLikeGenerics);
        public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
        public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
        public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
        public const string NumericIntPtr = nameof(NumericIntPtr);
    }

    public static class RuntimeHelpers
    {
        public static unsafe int OffsetToStringData => sizeof(IntPtr) + sizeof(int);

        [Intrinsic]
        public static extern void InitializeArray(Array array, RuntimeFieldHandle fldHandle);

        [Intrinsic]
        public static bool IsReferenceOrContainsReferences<T>() => false;

        [Intrinsic]
        public static unsafe ref byte GetRawData(this object obj) => ref Unsafe.As<RawData>(obj).Data;

        private sealed class RawData { public byte Data; }
    }

    /// <summary>ILC replaces these bodies with IL; the bodies only satisfy the C# compiler.</summary>
    public static unsafe class Unsafe
    {
        [Intrinsic] public static extern ref T Add<T>(ref T source, int elementOffset);
        [Intrinsic] public static extern ref T Add<T>(ref T source, nint elementOffset);
        [Intrinsic] public static extern ref T AddByteOffset<T>(ref T source, nint byteOffset);
        [Intrinsic] public static extern ref TTo As<TFrom, TTo>(ref TFrom source);
        [Intrinsic] public static extern T As<T>(object o) where T : class;
        [Intrinsic] public static extern ref T AsRef<T>(void* source);
        [Intrinsic] public static extern ref T AsRef<T>(scoped ref readonly T source);
        [Intrinsic] public static extern void* AsPointer<T>(ref T value);
        [Intrinsic] public static extern int SizeOf<T>();
        [Intrinsic] public static extern T Read<T>(void* source);
        [Intrinsic] public static extern void Write<T>(void* destination, T value);
        [Intrinsic] public static extern bool AreSame<T>(ref T left, ref T right);
        [Intrinsic] public static extern ref T NullRef<T>();
        [Intrinsic] public static extern bool IsNullRef<T>(ref T source);
        [Intrinsic] public static extern nint ByteOffset<T>(ref T origin, ref T target);
    }
}

namespace System.Runtime.InteropServices
{
    public enum LayoutKind { Sequential = 0, Explicit = 2, Auto = 3 }
    public enum CharSet { None = 1, Ansi = 2, Unicode = 3, Auto = 4 }
    public enum CallingConvention { Winapi = 1, Cdecl = 2, StdCall = 3, ThisCall = 4, FastCall = 5 }

    public sealed class StructLayoutAttribute : Attribute
    {
        public StructLayoutAttribute(LayoutKind layoutKind) { }
        public int Pack;
        public int Size;
        public CharSet CharSet;
    }

    public sealed class FieldOffsetAttribute : Attribute { public FieldOffsetAttribute(int offset) { } }
    public sealed class InAttribute : Attribute { }
    public sealed class OutAttribute : Attribute { }
    public sealed class OptionalAttribute : Attribute { }

    public sealed class DllImportAttribute : Attribute
    {
        public DllImportAttribute(string dllName) { }
        public string EntryPoint;
        public CallingConvention CallingConvention;
    }

    public sealed class UnmanagedCallersOnlyAttribute : Attribute
    {
        public UnmanagedCallersOnlyAttribute() { }
        public string EntryPoint;
        public Type[] CallConvs;
    }

    public sealed class SuppressGCTransitionAttribute : Attribute { }
}

namespace System.Runtime
{
    /// <summary>Exports a method under a fixed symbol name (runtime helpers the compiler calls).</summary>
    public sealed class RuntimeExportAttribute : Attribute { public RuntimeExportAttribute(string entry) { } }
    public sealed class RuntimeImportAttribute : Attribute
    {
        public RuntimeImportAttribute(string entry) { }
        public RuntimeImportAttribute(string dllName, string entry) { }
    }
}

namespace System.Diagnostics.CodeAnalysis
{
    public sealed class UnscopedRefAttribute : Attribute { }
    public sealed class DoesNotReturnAttribute : Attribute { }
}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        bool IsInterfaceImplemented(RuntimeTypeHandle interfaceType, bool throwIfNotImplemented);
        RuntimeTypeHandle GetInterfaceImplementation(RuntimeTypeHandle interfaceType);

        internal static unsafe IntPtr GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, Internal.Runtime.MethodTable* interfaceType, ushort slot)
        {
            Kernel.Panic.Fail("IDynamicInterfaceCastable");
            return default;
        }
    }

}

namespace System.Runtime.InteropServices
{
    public enum UnmanagedType { Bool = 2, I4 = 7, U4 = 8, LPStr = 20, LPWStr = 21 }
}
