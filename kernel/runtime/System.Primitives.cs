// The kernel's own System module: the core types ILCompiler needs to compile C# with no BCL.
// Only what the kernel uses exists; anything else is a compile error, which is the point.
#pragma warning disable CS0660, CS0661, CS8981
namespace System
{
    public unsafe class Object
    {
#pragma warning disable 169
        // The first field of every object is its MethodTable pointer; ILC lays it out for us.
        private Internal.Runtime.MethodTable* m_pMethodTable;
#pragma warning restore 169
        public Object() { }
        ~Object() { }
        public virtual bool Equals(object o) => (object)this == o;
        public virtual int GetHashCode() => 0;
        public virtual string ToString() => "object";
        internal unsafe Internal.Runtime.MethodTable* MethodTable => m_pMethodTable;
    }

    public struct Void { }
    public struct Boolean { public const int True = 1; }
    public struct Char { }
    public struct SByte { }
    public struct Byte { public const byte MaxValue = 0xFF; }
    public struct Int16 { }
    public struct UInt16 { public const ushort MaxValue = 0xFFFF; }
    public struct Int32 { public const int MaxValue = 0x7FFFFFFF; public const int MinValue = unchecked((int)0x80000000); }
    public struct UInt32 { public const uint MaxValue = 0xFFFFFFFF; }
    public struct Int64 { public const long MaxValue = 0x7FFFFFFFFFFFFFFF; public const long MinValue = unchecked((long)0x8000000000000000); }
    public struct UInt64 { public const ulong MaxValue = 0xFFFFFFFFFFFFFFFF; }
    public struct Single { }
    public struct Double { }

    public unsafe struct IntPtr
    {
        private void* _value;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(long value) { _value = (void*)value; }
        public static readonly IntPtr Zero;
        public void* ToPointer() => _value;
        public static explicit operator IntPtr(void* value) => new IntPtr(value);
        public static explicit operator void*(IntPtr value) => value._value;
        public static explicit operator long(IntPtr value) => (long)value._value;
        public static explicit operator IntPtr(long value) => new IntPtr((void*)value);
    }

    public unsafe struct UIntPtr
    {
        private void* _value;
        public UIntPtr(void* value) { _value = value; }
        public static explicit operator UIntPtr(void* value) => new UIntPtr(value);
        public static explicit operator void*(UIntPtr value) => value._value;
        public static explicit operator ulong(UIntPtr value) => (ulong)value._value;
    }

    public abstract class ValueType { }
    public abstract class Enum : ValueType { }

    public struct Nullable<T> where T : struct
    {
        private readonly bool hasValue;
        private T value;
        public Nullable(T value) { hasValue = true; this.value = value; }
        public readonly bool HasValue => hasValue;
        public readonly T Value => value;
        public readonly T GetValueOrDefault() => value;
        public static implicit operator Nullable<T>(T value) => new Nullable<T>(value);
        public static explicit operator T(Nullable<T> value) => value.Value;
    }

    public struct RuntimeTypeHandle { private IntPtr _value; internal RuntimeTypeHandle(IntPtr v) { _value = v; } internal IntPtr Value => _value; }
    public struct RuntimeMethodHandle { private IntPtr _value; }
    public struct RuntimeFieldHandle { private IntPtr _value; }

    public abstract class Type
    {
        public abstract RuntimeTypeHandle TypeHandle { get; }
    }

    internal sealed class RuntimeType : Type
    {
        private RuntimeTypeHandle _handle;
        public override RuntimeTypeHandle TypeHandle => _handle;
    }

    public abstract class Attribute { }

    public enum AttributeTargets
    {
        Assembly = 0x0001, Module = 0x0002, Class = 0x0004, Struct = 0x0008, Enum = 0x0010,
        Constructor = 0x0020, Method = 0x0040, Property = 0x0080, Field = 0x0100, Event = 0x0200,
        Interface = 0x0400, Parameter = 0x0800, Delegate = 0x1000, ReturnValue = 0x2000,
        GenericParameter = 0x4000, All = 0x7FFF,
    }

    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }

    public sealed class ParamArrayAttribute : Attribute { }
    public sealed class FlagsAttribute : Attribute { }
    public sealed class ObsoleteAttribute : Attribute { public ObsoleteAttribute() { } public ObsoleteAttribute(string message) { } }
    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }
    public sealed class ThreadStaticAttribute : Attribute { }

    public interface IDisposable { void Dispose(); }

    public abstract class Delegate
    {
        // Field names and order are fixed by ILC's delegate marshalling.
        internal object m_firstParameter;
        internal object m_helperObject;
        internal IntPtr m_extraFunctionPointerOrData;
        internal IntPtr m_functionPointer;

        private void InitializeClosedStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            m_extraFunctionPointerOrData = functionPointer;
            m_helperObject = firstParameter;
            m_functionPointer = functionPointerThunk;
            m_firstParameter = this;
        }

        private void InitializeOpenStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            m_firstParameter = this;
            m_functionPointer = functionPointerThunk;
            m_extraFunctionPointerOrData = functionPointer;
        }

        private void InitializeClosedInstance(object firstParameter, IntPtr functionPointer)
        {
            m_functionPointer = functionPointer;
            m_firstParameter = firstParameter;
        }

        private void InitializeClosedInstanceSlow(object firstParameter, IntPtr functionPointer)
        {
            m_functionPointer = functionPointer;
            m_firstParameter = firstParameter;
        }

        private void InitializeClosedInstanceWithGVMResolution(object firstParameter, RuntimeMethodHandle tokenOfGenericVirtualMethod)
        {
            Kernel.Panic.Fail("generic virtual delegate");
        }
    }

    public abstract class MulticastDelegate : Delegate { }

    public struct RuntimeArgumentHandle { }
    public struct TypedReference { }
    public struct ArgIterator { }

    public sealed class Exception
    {
        public Exception() { }
        public Exception(string message) { }
    }

    public static class Environment
    {
        public static string NewLine => "\n";
    }
}

namespace System.Reflection
{
    public sealed class DefaultMemberAttribute : Attribute { public DefaultMemberAttribute(string memberName) { } }
}

namespace System.Collections
{
    public interface IEnumerable { }
    public interface IEnumerator { }
}

namespace System.Collections.Generic
{
    public interface IEnumerable<out T> : IEnumerable { }
    public interface IEnumerator<out T> : IEnumerator, IDisposable { }
}

namespace System
{
    public delegate void Action();
    public delegate void Action<in T>(T arg);
    public delegate TResult Func<out TResult>();
    public delegate TResult Func<in T, out TResult>(T arg);
    public delegate TResult Func<in T1, in T2, out TResult>(T1 arg1, T2 arg2);
}
